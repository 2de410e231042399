//! JSON Web Signatures in compact form (RFC 7515) over aws-lc-rs: signing with the provider's keys,
//! verifying what clients send (assertions, request objects, DPoP proofs) against their JWKs, and
//! JWK thumbprints (RFC 7638).
//!
//! The algorithm a token claims must belong to the key that verifies it: an `EC P-256` key only
//! verifies `ES256`, an `OKP Ed25519` key only `EdDSA`, an RSA key (2048 bits or more) only `RS256`
//! or `PS256`. `none` and the HMAC algorithms are not supported at all, so neither an unsigned token
//! nor a public key used as an HMAC secret can pass.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A signature algorithm the provider supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Alg {
    /// ECDSA over P-256 with SHA-256: the default.
    ES256,
    /// Ed25519.
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PSS with SHA-256.
    PS256,
}

impl Alg {
    /// Every supported algorithm, the default first.
    pub const ALL: [Alg; 4] = [Alg::ES256, Alg::EdDSA, Alg::PS256, Alg::RS256];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
        }
    }

    /// Parses a JOSE name; `None` for anything unsupported (`none`, `HS256`, …).
    pub fn parse(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Why a JWS or JWK was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    #[error("malformed JWT: {0}")]
    Malformed(&'static str),
    /// The `alg` is not one we accept here.
    #[error("the algorithm {0:?} is not accepted")]
    Algorithm(String),
    /// No key of the signer matches.
    #[error("no key of the signer matches the token (kid {0:?})")]
    UnknownKey(Option<String>),
    /// The JWK is malformed or of an unsupported type.
    #[error("unusable JWK: {0}")]
    Jwk(&'static str),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Signature,
}

/// base64url without padding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding (padding and other alphabets are refused).
pub fn unb64(text: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JoseError::Malformed("a part is not base64url"))
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

enum Pair {
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// One of the provider's private keys, parsed once and kept for signing.
pub struct SigningKey {
    kid: String,
    alg: Alg,
    pair: Pair,
    public_jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key for `alg` and its PKCS#8 encoding (for storage). RSA keys have 2048 bits.
    pub fn generate(alg: Alg) -> Result<(SigningKey, Vec<u8>), JoseError> {
        let failed = |_| JoseError::Jwk("key generation failed");
        let der = match alg {
            Alg::ES256 => EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                .and_then(|k| k.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Alg::EdDSA => Ed25519KeyPair::generate()
                .and_then(|k| k.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Alg::RS256 | Alg::PS256 => {
                use aws_lc_rs::encoding::AsDer as _;
                let pair =
                    RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(failed)?;
                pair.as_der().map_err(failed)?.as_ref().to_vec()
            }
        };
        let kid = b64(&Sha256::digest(&der)[..12]);
        let key = SigningKey::from_pkcs8(&kid, alg, &der)?;
        Ok((key, der))
    }

    /// Parses a stored key.
    pub fn from_pkcs8(kid: &str, alg: Alg, der: &[u8]) -> Result<SigningKey, JoseError> {
        let rejected = |_| JoseError::Jwk("stored private key does not parse");
        let (pair, mut jwk) = match alg {
            Alg::ES256 => {
                let pair =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
                        .map_err(rejected)?;
                let point = pair.public_key().as_ref();
                let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])});
                (Pair::Ec(pair), jwk)
            }
            Alg::EdDSA => {
                let pair = Ed25519KeyPair::from_pkcs8(der).map_err(rejected)?;
                let jwk =
                    json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())});
                (Pair::Ed(pair), jwk)
            }
            Alg::RS256 | Alg::PS256 => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(rejected)?;
                let public = pair.public_key();
                let jwk = json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                });
                (Pair::Rsa(pair), jwk)
            }
        };
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg.name());
        jwk["use"] = json!("sig");
        Ok(SigningKey {
            kid: kid.to_owned(),
            alg,
            pair,
            public_jwk: jwk,
        })
    }

    /// The key ID.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The public key as a JWK, with `kid`, `alg` and `use`.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// Signs `claims` as a compact JWS with header `{alg, kid, typ}`.
    pub fn sign(&self, typ: &str, claims: &impl Serialize) -> String {
        let header = json!({"alg": self.alg.name(), "kid": self.kid, "typ": typ});
        self.sign_with_header(&header, claims)
    }

    /// Signs `claims` under `header` (which must name this key's algorithm).
    pub fn sign_with_header(&self, header: &Value, claims: &impl Serialize) -> String {
        let mut token = b64(serde_json::to_vec(&header).expect("a JSON value serializes"));
        token.push('.');
        token.push_str(&b64(
            serde_json::to_vec(claims).expect("claims serialize to JSON")
        ));
        let signature = self.sign_bytes(token.as_bytes());
        token.push('.');
        token.push_str(&b64(signature));
        token
    }

    fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Ec(pair) => pair
                .sign(&rng, message)
                .expect("ECDSA signing with a valid key")
                .as_ref()
                .to_vec(),
            Pair::Ed(pair) => pair.sign(message).as_ref().to_vec(),
            Pair::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match self.alg {
                    Alg::PS256 => &signature::RSA_PSS_SHA256,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut out)
                    .expect("RSA signing with a valid key");
                out
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Verifying
// ---------------------------------------------------------------------------------------------

/// The protected header fields we read.
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    /// The algorithm, as given.
    pub alg: String,
    /// The key ID.
    #[serde(default)]
    pub kid: Option<String>,
    /// The media type (`dpop+jwt`, `at+jwt`, `oauth-authz-req+jwt`, …).
    #[serde(default)]
    pub typ: Option<String>,
    /// An embedded public key (DPoP proofs).
    #[serde(default)]
    pub jwk: Option<Value>,
    /// Critical extensions: none are understood, so any makes the token unacceptable.
    #[serde(default)]
    pub crit: Option<Value>,
}

/// A compact JWS taken apart; nothing in it is trusted until [`Jws::verify`] succeeds.
#[derive(Debug, Clone)]
pub struct Jws {
    /// The protected header.
    pub header: Header,
    /// The claims, as JSON.
    pub claims: serde_json::Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jws {
    /// Splits and decodes a compact JWS. The claims must be a JSON object.
    pub fn parse(token: &str) -> Result<Jws, JoseError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JoseError::Malformed("not three dot-separated parts"));
        };
        let header: Header = serde_json::from_slice(&unb64(h)?)
            .map_err(|_| JoseError::Malformed("the header is not a JOSE header"))?;
        if header.crit.is_some() {
            return Err(JoseError::Malformed(
                "critical header extensions are not supported",
            ));
        }
        let claims = match serde_json::from_slice(&unb64(p)?) {
            Ok(Value::Object(map)) => map,
            _ => return Err(JoseError::Malformed("the payload is not a JSON object")),
        };
        Ok(Jws {
            header,
            claims,
            signing_input: format!("{h}.{p}"),
            signature: unb64(s)?,
        })
    }

    /// The algorithm, if it is one of `accepted`.
    pub fn alg(&self, accepted: &[Alg]) -> Result<Alg, JoseError> {
        Alg::parse(&self.header.alg)
            .filter(|a| accepted.contains(a))
            .ok_or_else(|| JoseError::Algorithm(self.header.alg.clone()))
    }

    /// Verifies the signature with `jwk` under the token's algorithm (one of `accepted`).
    pub fn verify(&self, jwk: &Value, accepted: &[Alg]) -> Result<(), JoseError> {
        let alg = self.alg(accepted)?;
        PublicKey::from_jwk(jwk)?.verify(alg, self.signing_input.as_bytes(), &self.signature)
    }

    /// Verifies against a JWK Set: the key named by `kid`, or, without a `kid`, every key that
    /// fits the algorithm in turn.
    pub fn verify_with_set(&self, jwks: &Value, accepted: &[Alg]) -> Result<(), JoseError> {
        let alg = self.alg(accepted)?;
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JoseError::Jwk("a JWK Set has a keys array"))?;
        let usable = keys.iter().filter(|k| {
            k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
                && k.get("alg")
                    .and_then(Value::as_str)
                    .is_none_or(|a| a == alg.name())
        });
        let mut tried = false;
        for key in usable {
            let kid = key.get("kid").and_then(Value::as_str);
            if let Some(wanted) = &self.header.kid
                && kid != Some(wanted.as_str())
            {
                continue;
            }
            let Ok(public) = PublicKey::from_jwk(key) else {
                continue;
            };
            if !public.fits(alg) {
                continue;
            }
            tried = true;
            if public
                .verify(alg, self.signing_input.as_bytes(), &self.signature)
                .is_ok()
            {
                return Ok(());
            }
        }
        if tried {
            Err(JoseError::Signature)
        } else {
            Err(JoseError::UnknownKey(self.header.kid.clone()))
        }
    }
}

/// A public key read from a JWK.
#[derive(Debug, Clone)]
pub enum PublicKey {
    /// P-256, as the uncompressed point.
    P256(Vec<u8>),
    /// Ed25519.
    Ed25519(Vec<u8>),
    /// RSA modulus and exponent (big-endian).
    Rsa {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
}

impl PublicKey {
    /// Reads a public JWK. Private members, if any, are ignored.
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, JoseError> {
        let field = |name: &'static str| -> Result<Vec<u8>, JoseError> {
            let text = jwk
                .get(name)
                .and_then(Value::as_str)
                .ok_or(JoseError::Jwk("a required member is missing"))?;
            unb64(text).map_err(|_| JoseError::Jwk("a member is not base64url"))
        };
        match (
            jwk.get("kty").and_then(Value::as_str),
            jwk.get("crv").and_then(Value::as_str),
        ) {
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (field("x")?, field("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(JoseError::Jwk("P-256 coordinates are 32 bytes"));
                }
                Ok(PublicKey::P256([&[4u8][..], &x, &y].concat()))
            }
            (Some("OKP"), Some("Ed25519")) => {
                let x = field("x")?;
                if x.len() != 32 {
                    return Err(JoseError::Jwk("an Ed25519 key is 32 bytes"));
                }
                Ok(PublicKey::Ed25519(x))
            }
            (Some("RSA"), _) => {
                let (n, e) = (field("n")?, field("e")?);
                let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
                if bits < 2048 {
                    return Err(JoseError::Jwk("RSA keys must have at least 2048 bits"));
                }
                Ok(PublicKey::Rsa { n, e })
            }
            _ => Err(JoseError::Jwk(
                "only EC P-256, OKP Ed25519 and RSA keys are supported",
            )),
        }
    }

    /// Whether this key can verify `alg`.
    pub fn fits(&self, alg: Alg) -> bool {
        matches!(
            (self, alg),
            (PublicKey::P256(_), Alg::ES256)
                | (PublicKey::Ed25519(_), Alg::EdDSA)
                | (PublicKey::Rsa { .. }, Alg::RS256 | Alg::PS256)
        )
    }

    /// Verifies `signature` over `message` under `alg`.
    pub fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        if !self.fits(alg) {
            return Err(JoseError::Algorithm(alg.name().to_owned()));
        }
        let verified = match self {
            PublicKey::P256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
            }
            PublicKey::Ed25519(x) => {
                UnparsedPublicKey::new(&signature::ED25519, x).verify(message, signature)
            }
            PublicKey::Rsa { n, e } => {
                let params = match alg {
                    Alg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    _ => &signature::RSA_PKCS1_2048_8192_SHA256,
                };
                RsaPublicKeyComponents { n, e }.verify(params, message, signature)
            }
        };
        verified.map_err(|_| JoseError::Signature)
    }
}

/// The JWK SHA-256 thumbprint (RFC 7638), base64url: what DPoP binds tokens to (`jkt`).
pub fn thumbprint(jwk: &Value) -> Result<String, JoseError> {
    let member = |name: &'static str| -> Result<&str, JoseError> {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or(JoseError::Jwk("a required member is missing"))
    };
    // The required members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = match member("kty")? {
        "EC" => format!(
            r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
            json!(member("crv")?),
            json!(member("x")?),
            json!(member("y")?)
        ),
        "OKP" => format!(
            r#"{{"crv":{},"kty":"OKP","x":{}}}"#,
            json!(member("crv")?),
            json!(member("x")?)
        ),
        "RSA" => format!(
            r#"{{"e":{},"kty":"RSA","n":{}}}"#,
            json!(member("e")?),
            json!(member("n")?)
        ),
        _ => return Err(JoseError::Jwk("unsupported key type")),
    };
    Ok(b64(Sha256::digest(canonical.as_bytes())))
}

/// Whether a JWK carries private members (`d`, `p`, …): such keys must never be registered.
pub fn has_private_members(jwk: &Value) -> bool {
    ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|m| jwk.get(m).is_some())
}

/// A relying party's ES256 key pair, for tests, examples and benchmarks that play the client.
#[cfg(feature = "testing")]
pub struct ClientKey {
    /// Signs assertions and request objects.
    pub signing: SigningKey,
    /// The private JWK (with `d`), for other languages' client libraries.
    pub private_jwk: Value,
}

#[cfg(feature = "testing")]
impl ClientKey {
    /// A fresh key with the given `kid`.
    pub fn generate(kid: &str) -> ClientKey {
        use aws_lc_rs::encoding::AsBigEndian as _;
        let pair = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
            .expect("generate a P-256 key");
        let der = pair.to_pkcs8v1().expect("PKCS#8").as_ref().to_vec();
        let d = pair
            .private_key()
            .as_be_bytes()
            .expect("private scalar")
            .as_ref()
            .to_vec();
        let signing = SigningKey::from_pkcs8(kid, Alg::ES256, &der).expect("reload");
        let mut private_jwk = signing.public_jwk().clone();
        private_jwk["d"] = json!(b64(d));
        ClientKey {
            signing,
            private_jwk,
        }
    }

    /// A DPoP proof (RFC 9449) for `method` at `url`, for an access token if given.
    pub fn dpop_proof(&self, method: &str, url: &str, access_token: Option<&str>) -> String {
        let public = self.signing.public_jwk();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"]});
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let mut claims = json!({
            "jti": crate::jose::b64(rand::random::<[u8; 16]>()),
            "htm": method, "htu": url, "iat": now,
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(b64(Sha256::digest(token.as_bytes())));
        }
        self.signing.sign_with_header(&header, &claims)
    }

    /// The thumbprint of the key (what DPoP-bound tokens carry in `cnf.jkt`).
    pub fn thumbprint(&self) -> String {
        thumbprint(self.signing.public_jwk()).expect("an EC key")
    }

    /// The public JWK Set to register.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.signing.public_jwk()]})
    }

    /// A `private_key_jwt` assertion for `client_id` to `audience`, valid for a minute.
    pub fn assertion(&self, client_id: &str, audience: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        self.signing.sign(
            "JWT",
            &json!({
                "iss": client_id, "sub": client_id, "aud": audience,
                "iat": now, "exp": now + 60,
                "jti": crate::jose::b64(rand::random::<[u8; 16]>()),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_and_verifies_with_its_published_key() {
        for alg in Alg::ALL {
            let (key, der) = SigningKey::generate(alg).expect("generate");
            let token = key.sign("JWT", &json!({"sub": "x"}));
            let jws = Jws::parse(&token).expect("parse");
            assert_eq!(jws.header.kid.as_deref(), Some(key.kid()));
            jws.verify(key.public_jwk(), &[alg]).expect("verifies");
            let set = json!({"keys": [key.public_jwk()]});
            jws.verify_with_set(&set, &Alg::ALL)
                .expect("verifies by kid");
            // The stored form gives back the same key.
            let again = SigningKey::from_pkcs8(key.kid(), alg, &der).expect("reload");
            assert_eq!(again.public_jwk(), key.public_jwk());
        }
    }

    #[test]
    fn a_changed_payload_or_signature_fails() {
        let (key, _) = SigningKey::generate(Alg::ES256).expect("generate");
        let token = key.sign("JWT", &json!({"sub": "alice"}));
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(br#"{"sub":"mallory"}"#), parts[2]);
        assert_eq!(
            Jws::parse(&forged)
                .expect("parse")
                .verify(key.public_jwk(), &[Alg::ES256]),
            Err(JoseError::Signature)
        );
        let mut sig = unb64(parts[2]).expect("b64");
        sig[5] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], b64(&sig));
        assert_eq!(
            Jws::parse(&flipped)
                .expect("parse")
                .verify(key.public_jwk(), &[Alg::ES256]),
            Err(JoseError::Signature)
        );
    }

    #[test]
    fn none_and_hmac_and_mismatched_keys_are_refused() {
        let (key, _) = SigningKey::generate(Alg::ES256).expect("generate");
        let payload = b64(br#"{"sub":"x"}"#);
        let none = format!("{}.{payload}.", b64(br#"{"alg":"none"}"#));
        assert!(matches!(
            Jws::parse(&none)
                .expect("parse")
                .verify(key.public_jwk(), &Alg::ALL),
            Err(JoseError::Algorithm(_))
        ));
        // HS256 "signed" with the public key's bytes as the secret: refused before any check.
        let hs = format!(
            "{}.{payload}.{}",
            b64(br#"{"alg":"HS256"}"#),
            b64([0u8; 32])
        );
        assert!(matches!(
            Jws::parse(&hs)
                .expect("parse")
                .verify(key.public_jwk(), &Alg::ALL),
            Err(JoseError::Algorithm(_))
        ));
        // An EdDSA token cannot be checked with an EC key.
        let (ed, _) = SigningKey::generate(Alg::EdDSA).expect("generate");
        let token = ed.sign("JWT", &json!({}));
        assert!(
            Jws::parse(&token)
                .expect("parse")
                .verify(key.public_jwk(), &Alg::ALL)
                .is_err()
        );
        // Not accepted by the caller's list.
        let token = key.sign("JWT", &json!({}));
        assert!(matches!(
            Jws::parse(&token)
                .expect("parse")
                .verify(key.public_jwk(), &[Alg::EdDSA]),
            Err(JoseError::Algorithm(_))
        ));
    }

    #[test]
    fn malformed_tokens_are_named() {
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.",
            "e30.!!.",
            "bnVsbA.e30.",
            "e30.WzFd.",
        ] {
            assert!(
                matches!(Jws::parse(bad), Err(JoseError::Malformed(_))),
                "{bad:?}"
            );
        }
        let crit = format!("{}.e30.", b64(br#"{"alg":"ES256","crit":["b64"]}"#));
        assert!(matches!(Jws::parse(&crit), Err(JoseError::Malformed(_))));
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk).expect("thumbprint"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn small_rsa_keys_and_private_members_are_detected() {
        let small = json!({"kty": "RSA", "n": b64([0xffu8; 128]), "e": "AQAB"});
        assert!(PublicKey::from_jwk(&small).is_err());
        assert!(has_private_members(&json!({"kty": "EC", "d": "x"})));
        assert!(!has_private_members(&json!({"kty": "EC", "x": "x"})));
    }
}
