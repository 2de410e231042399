//! A logout token as the portal receives it on its back channel (OpenID Connect Back-Channel
//! Logout 1.0, §2.4 and §2.6): split into its parts ([`SignedToken::parse`]), its signature
//! checked by the caller with the provider's published keys, then its claims checked here
//! ([`LogoutToken::from_claims`]) into the sessions it ends. Pure rules: no I/O, no clock of
//! their own.
//!
//! Every refusal is one [`LogoutError`] variant; its `Display` is the `error_description` the
//! provider reads in the 400 answer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The event a logout token must carry.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The explicit type a logout token may carry in its header (§2.4).
pub const LOGOUT_TOKEN_TYPE: &str = "logout+jwt";
/// How old a logout token may be, by its `iat`, and still be acted on (seconds).
pub const MAX_AGE_S: i64 = 5 * 60;
/// How far the provider's clock may run ahead of the portal's (seconds).
pub const SKEW_S: i64 = 60;
/// The longest `jti` the portal keeps.
const MAX_JTI: usize = 255;
/// The longest `sid` or `sub` the portal looks for.
const MAX_NAME: usize = 255;

/// Why a logout token is refused. Nothing is ended for a refused token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoutError {
    /// The request has no `logout_token` form parameter.
    #[error("the request carries no logout_token")]
    NoToken,
    /// The token is not a compact JWS with a JSON header and claims.
    #[error("the logout token is not a signed JWT")]
    NotAJwt,
    /// The header names a type other than `logout+jwt`.
    #[error("the logout token's typ is not logout+jwt")]
    WrongType,
    /// The token is signed with an algorithm the portal does not accept from the provider.
    #[error("the logout token is signed with {0}, not an algorithm the portal accepts")]
    WrongAlgorithm(String),
    /// No key the provider publishes verifies the signature.
    #[error("the logout token's signature does not verify with the provider's published keys")]
    BadSignature,
    /// `iss` is not the provider.
    #[error("the logout token's iss is not the provider")]
    WrongIssuer,
    /// `aud` does not name the portal.
    #[error("the logout token's aud does not name the portal")]
    WrongAudience,
    /// `iat` is missing, too old, or in the future.
    #[error("the logout token's iat is missing or not recent")]
    NotRecent,
    /// `exp` has passed.
    #[error("the logout token has expired")]
    Expired,
    /// `jti` is missing or empty.
    #[error("the logout token has no jti")]
    NoJti,
    /// `events` has no back-channel logout event.
    #[error("the logout token's events do not include the back-channel logout event")]
    NoEvent,
    /// The token carries a `nonce`, which a logout token must not.
    #[error("the logout token contains a nonce")]
    Nonce,
    /// Neither `sid` nor `sub` says whose sessions to end.
    #[error("the logout token names neither sid nor sub")]
    NoSubject,
    /// A token with this `jti` was received before.
    #[error("the logout token's jti was already used")]
    Replayed,
}

impl LogoutError {
    /// The OAuth 2.0 error code of the 400 answer (§2.8).
    pub fn code(&self) -> &'static str {
        "invalid_request"
    }
}

/// A compact JWS split into what the signature check needs; nothing in it is trusted yet.
#[derive(Debug, Clone)]
pub struct SignedToken {
    /// `alg` from the header.
    pub alg: String,
    /// `kid` from the header, if any.
    pub kid: Option<String>,
    /// The signed bytes: `header.payload` as received.
    pub signing_input: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
    /// The claims, to be checked once the signature is.
    pub claims: Value,
}

impl SignedToken {
    /// Splits `token` into header, claims and signature; refuses anything but a three-part
    /// JWS with JSON objects for header and claims, and a `typ` other than `logout+jwt`.
    pub fn parse(token: &str) -> Result<SignedToken, LogoutError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LogoutError::NotAJwt);
        };
        let json = |part: &str| -> Result<Value, LogoutError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| LogoutError::NotAJwt)?;
            serde_json::from_slice::<Value>(&bytes)
                .ok()
                .filter(Value::is_object)
                .ok_or(LogoutError::NotAJwt)
        };
        let head = json(header)?;
        let claims = json(payload)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LogoutError::NotAJwt)?;
        let alg = head
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(LogoutError::NotAJwt)?
            .to_owned();
        // Explicit typing (§2.4) keeps another kind of JWT from passing as a logout token; a
        // token without `typ` is still judged by its claims.
        match head.get("typ") {
            None => {}
            Some(Value::String(t)) if t.eq_ignore_ascii_case(LOGOUT_TOKEN_TYPE) => {}
            Some(Value::String(t))
                if t.eq_ignore_ascii_case(&format!("application/{LOGOUT_TOKEN_TYPE}")) => {}
            Some(_) => return Err(LogoutError::WrongType),
        }
        let kid = match head.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.clone()),
            Some(_) => return Err(LogoutError::NotAJwt),
        };
        Ok(SignedToken {
            alg,
            kid,
            signing_input: token.as_bytes()[..header.len() + 1 + payload.len()].to_vec(),
            signature,
            claims,
        })
    }
}

/// What a logout token's claims must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The provider's issuer identifier.
    pub issuer: &'a str,
    /// The portal's client ID.
    pub client_id: &'a str,
    /// Now, in Unix seconds.
    pub now_s: i64,
}

/// The portal sessions a logout token ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ends {
    /// Those of one provider session (and of this subject, when the token names one).
    Session {
        /// The provider session.
        sid: String,
        /// The subject, when given.
        sub: Option<String>,
    },
    /// All of one subject's sessions.
    Subject(String),
}

/// A logout token whose claims passed the rules (its signature was checked before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutToken {
    /// Its identifier, refused a second time.
    pub jti: String,
    /// Whose sessions end.
    pub ends: Ends,
    /// Until when its `jti` must be remembered (Unix ms): after that, its `iat` refuses it.
    pub remember_until_ms: i64,
}

impl LogoutToken {
    /// Checks the claims of a logout token whose signature verified (§2.6): `iss`, `aud`,
    /// a recent `iat`, an unexpired `exp` when present, a `jti`, the back-channel event, a
    /// `sid` or a `sub`, and no `nonce`.
    pub fn from_claims(
        claims: &Value,
        expected: &Expected<'_>,
    ) -> Result<LogoutToken, LogoutError> {
        if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
            return Err(LogoutError::WrongIssuer);
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == expected.client_id,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected.client_id)),
            _ => false,
        };
        if !audience_ok {
            return Err(LogoutError::WrongAudience);
        }
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or(LogoutError::NotRecent)?;
        if iat < expected.now_s - MAX_AGE_S || iat > expected.now_s + SKEW_S {
            return Err(LogoutError::NotRecent);
        }
        match claims.get("exp") {
            None => {}
            Some(exp) => {
                let exp = exp.as_i64().ok_or(LogoutError::Expired)?;
                if exp + SKEW_S <= expected.now_s {
                    return Err(LogoutError::Expired);
                }
            }
        }
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .filter(|j| !j.is_empty() && j.len() <= MAX_JTI)
            .ok_or(LogoutError::NoJti)?;
        let event = claims
            .get("events")
            .and_then(|e| e.get(BACKCHANNEL_EVENT))
            .is_some_and(Value::is_object);
        if !event {
            return Err(LogoutError::NoEvent);
        }
        if claims.get("nonce").is_some() {
            return Err(LogoutError::Nonce);
        }
        let name = |claim: &str| {
            claims
                .get(claim)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty() && v.len() <= MAX_NAME)
                .map(str::to_owned)
        };
        let ends = match (name("sid"), name("sub")) {
            (Some(sid), sub) => Ends::Session { sid, sub },
            (None, Some(sub)) => Ends::Subject(sub),
            (None, None) => return Err(LogoutError::NoSubject),
        };
        Ok(LogoutToken {
            jti: jti.to_owned(),
            ends,
            remember_until_ms: (iat + MAX_AGE_S + SKEW_S) * 1000,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://id.example.vn",
            client_id: "dvc.portal",
            now_s: NOW,
        }
    }

    fn claims() -> Value {
        json!({
            "iss": "https://id.example.vn",
            "aud": "dvc.portal",
            "iat": NOW - 2,
            "exp": NOW + 118,
            "jti": "bWJq",
            "sub": "pairwise-sub",
            "sid": "session-1",
            "events": {BACKCHANNEL_EVENT: {}},
        })
    }

    fn with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
        let mut c = claims();
        change(c.as_object_mut().unwrap());
        c
    }

    #[test]
    fn a_good_token_ends_its_session_and_is_remembered_while_it_could_be_accepted() {
        let token = LogoutToken::from_claims(&claims(), &expected()).unwrap();
        assert_eq!(token.jti, "bWJq");
        assert_eq!(
            token.ends,
            Ends::Session {
                sid: "session-1".into(),
                sub: Some("pairwise-sub".into())
            }
        );
        // After this, the same iat is too old to be accepted anyway.
        let later = Expected {
            now_s: token.remember_until_ms / 1000 + 1,
            ..expected()
        };
        assert_eq!(
            LogoutToken::from_claims(&claims(), &later),
            Err(LogoutError::NotRecent)
        );
        let sub_only = with(|c| {
            c.remove("sid");
        });
        assert_eq!(
            LogoutToken::from_claims(&sub_only, &expected())
                .unwrap()
                .ends,
            Ends::Subject("pairwise-sub".into())
        );
        let in_a_list = with(|c| {
            c.insert("aud".into(), json!(["other", "dvc.portal"]));
            c.remove("exp");
        });
        assert!(LogoutToken::from_claims(&in_a_list, &expected()).is_ok());
    }

    #[test]
    fn each_broken_rule_is_named() {
        let cases: Vec<(Value, LogoutError)> = vec![
            (
                with(|c| {
                    c.insert("iss".into(), json!("https://evil.example"));
                }),
                LogoutError::WrongIssuer,
            ),
            (
                with(|c| {
                    c.insert("aud".into(), json!("another.client"));
                }),
                LogoutError::WrongAudience,
            ),
            (
                with(|c| {
                    c.remove("aud");
                }),
                LogoutError::WrongAudience,
            ),
            (
                with(|c| {
                    c.insert("iat".into(), json!(NOW - MAX_AGE_S - 1));
                }),
                LogoutError::NotRecent,
            ),
            (
                with(|c| {
                    c.insert("iat".into(), json!(NOW + SKEW_S + 1));
                }),
                LogoutError::NotRecent,
            ),
            (
                with(|c| {
                    c.remove("iat");
                }),
                LogoutError::NotRecent,
            ),
            (
                with(|c| {
                    c.insert("exp".into(), json!(NOW - SKEW_S));
                }),
                LogoutError::Expired,
            ),
            (
                with(|c| {
                    c.remove("jti");
                }),
                LogoutError::NoJti,
            ),
            (
                with(|c| {
                    c.insert("jti".into(), json!(""));
                }),
                LogoutError::NoJti,
            ),
            (
                with(|c| {
                    c.remove("events");
                }),
                LogoutError::NoEvent,
            ),
            (
                with(|c| {
                    c.insert("events".into(), json!({"http://example/other": {}}));
                }),
                LogoutError::NoEvent,
            ),
            (
                with(|c| {
                    c.insert("events".into(), json!({BACKCHANNEL_EVENT: "yes"}));
                }),
                LogoutError::NoEvent,
            ),
            (
                with(|c| {
                    c.insert("nonce".into(), json!("n-0S6_WzA2Mj"));
                }),
                LogoutError::Nonce,
            ),
            (
                with(|c| {
                    c.remove("sid");
                    c.remove("sub");
                }),
                LogoutError::NoSubject,
            ),
            (
                with(|c| {
                    c.insert("sid".into(), json!(""));
                    c.insert("sub".into(), json!(42));
                }),
                LogoutError::NoSubject,
            ),
        ];
        for (claims, error) in cases {
            assert_eq!(
                LogoutToken::from_claims(&claims, &expected()),
                Err(error.clone()),
                "{claims}"
            );
        }
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    #[test]
    fn only_a_three_part_jws_of_json_objects_is_read() {
        let header = json!({"alg": "ES256", "kid": "k1", "typ": "logout+jwt"});
        let good = format!("{}.{}.{}", b64(&header), b64(&claims()), "c2ln");
        let parsed = SignedToken::parse(&good).unwrap();
        assert_eq!(parsed.alg, "ES256");
        assert_eq!(parsed.kid.as_deref(), Some("k1"));
        assert_eq!(parsed.signature, b"sig");
        assert_eq!(parsed.claims, claims());
        assert_eq!(
            parsed.signing_input,
            &good.as_bytes()[..good.rfind('.').unwrap()]
        );
        for bad in [
            String::new(),
            "a.b".into(),
            format!("{good}.more"),
            format!("{}.{}.c2ln", b64(&json!("text")), b64(&claims())),
            format!("{}.bm90IGpzb24.c2ln", b64(&header)),
            format!("{}.{}.!!", b64(&header), b64(&claims())),
            format!("{}.{}.c2ln", b64(&json!({"kid": "k1"})), b64(&claims())),
        ] {
            assert_eq!(
                SignedToken::parse(&bad).unwrap_err(),
                LogoutError::NotAJwt,
                "{bad}"
            );
        }
        let id_token = format!(
            "{}.{}.c2ln",
            b64(&json!({"alg": "ES256", "typ": "JWT"})),
            b64(&claims())
        );
        assert_eq!(
            SignedToken::parse(&id_token).unwrap_err(),
            LogoutError::WrongType
        );
    }
}
