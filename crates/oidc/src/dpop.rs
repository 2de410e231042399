//! DPoP (RFC 9449): proofs of possession of a client-held key, checked at the PAR, token and
//! userinfo endpoints. Tokens issued with a proof are bound to the key's thumbprint (`cnf.jkt`);
//! a bound access token is accepted only with a fresh proof by the same key.
//!
//! A proof is used once: its `jti` is recorded (per key) until the proof's acceptance window ends.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Oidc;
use crate::error::{ErrorCode, OAuthError};
use crate::jose::{self, Alg, Jws};

/// How far a proof's `iat` may be from now, either way (seconds).
pub const PROOF_WINDOW_SECONDS: i64 = 120;

/// What a proof must match.
pub struct Expected<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The endpoint URL, without query or fragment.
    pub url: &'a str,
    /// The access token presented with it, at a resource.
    pub access_token: Option<&'a str>,
}

fn invalid(why: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidDpopProof, why)
}

/// `htu` compared as RFC 9449 §4.3 asks: scheme and host case-insensitively, no query or fragment.
fn same_target(htu: &str, url: &str) -> bool {
    let (Ok(a), Ok(b)) = (url::Url::parse(htu), url::Url::parse(url)) else {
        return false;
    };
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

impl Oidc {
    /// Checks a DPoP proof; returns the JWK thumbprint of its key.
    pub async fn check_dpop(
        &self,
        proof: &str,
        expected: &Expected<'_>,
    ) -> Result<String, OAuthError> {
        let jws = Jws::parse(proof).map_err(|e| invalid(e.to_string()))?;
        if jws.header.typ.as_deref() != Some("dpop+jwt") {
            return Err(invalid("typ must be dpop+jwt"));
        }
        let jwk = jws
            .header
            .jwk
            .as_ref()
            .ok_or_else(|| invalid("the header must carry the public key (jwk)"))?;
        if jose::has_private_members(jwk) {
            return Err(invalid("the jwk must not contain private key members"));
        }
        jws.verify(jwk, &Alg::ALL)
            .map_err(|e| invalid(e.to_string()))?;
        let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
        let jti = text("jti")
            .filter(|j| !j.is_empty() && j.len() <= 256)
            .ok_or_else(|| invalid("jti is missing"))?;
        if text("htm") != Some(expected.method) {
            return Err(invalid(format!("htm must be {}", expected.method)));
        }
        if !text("htu").is_some_and(|htu| same_target(htu, expected.url)) {
            return Err(invalid(format!("htu must be {}", expected.url)));
        }
        let now = self.now() / 1000;
        let iat = jws
            .claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("iat is missing"))?;
        if (iat - now).abs() > PROOF_WINDOW_SECONDS {
            return Err(invalid("iat is too far from the current time"));
        }
        if let Some(token) = expected.access_token {
            let ath = jose::b64(Sha256::digest(token.as_bytes()));
            if text("ath") != Some(ath.as_str()) {
                return Err(invalid("ath does not match the access token"));
            }
        }
        let jkt = jose::thumbprint(jwk).map_err(|e| invalid(e.to_string()))?;
        let scope = format!("dpop:{jkt}");
        if !self
            .use_jti(&scope, jti, (iat + PROOF_WINDOW_SECONDS) * 1000)
            .await?
        {
            return Err(invalid("this proof was already used (jti replay)"));
        }
        Ok(jkt)
    }
}

#[cfg(test)]
mod tests {
    use super::same_target;

    #[test]
    fn htu_ignores_query_and_case_of_the_host_only() {
        assert!(same_target(
            "https://ID.example.vn/token",
            "https://id.example.vn/token"
        ));
        assert!(same_target(
            "https://id.example.vn:443/token?x=1",
            "https://id.example.vn/token"
        ));
        assert!(!same_target(
            "https://id.example.vn/Token",
            "https://id.example.vn/token"
        ));
        assert!(!same_target(
            "http://id.example.vn/token",
            "https://id.example.vn/token"
        ));
        assert!(!same_target(
            "https://evil.example/token",
            "https://id.example.vn/token"
        ));
    }
}
