//! Checking a credential or presentation against issuers one trusts: the signature with the
//! issuer's published keys, the disclosures, the validity period, the key binding, and the
//! status in the issuer's status list. The same check serves the platform's verifier, the
//! `dinhdanh credential verify` command (offline, from saved keys and lists) and the benchmark.

use serde_json::Value;

use crate::Refusal;
use crate::sdjwt::{self, Checks, Verified};
use crate::status::{self, ListToken, Reference};

/// An issuer one trusts, with its published keys (its `/.well-known/jwt-vc-issuer` `jwks`).
#[derive(Debug, Clone)]
pub struct Trusted {
    /// The issuer identifier, as credentials name it in `iss`.
    pub issuer: String,
    /// Its JWK Set.
    pub jwks: Value,
}

impl Trusted {
    /// The published key `kid` of `issuer`, if `issuer` is this one.
    fn key(&self, issuer: &str, kid: Option<&str>) -> Result<Value, Refusal> {
        if issuer != self.issuer {
            return Err(Refusal::UntrustedIssuer(issuer.to_owned()));
        }
        let keys = self
            .jwks
            .get("keys")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        keys.iter()
            .find(|k| kid.is_some() && k.get("kid").and_then(Value::as_str) == kid)
            .cloned()
            .ok_or_else(|| Refusal::UnknownIssuerKey {
                issuer: issuer.to_owned(),
                kid: kid.map(str::to_owned),
            })
    }
}

/// Verifies `text` (an SD-JWT VC, or a presentation when `checks` asks for key binding) issued
/// by `trusted`. `list` gives the status list at a URI, read and checked with [`read_list`]
/// (a verifier keeps it for its `ttl`, so the list is fetched and decompressed once for many
/// credentials). A credential without a status reference is refused: every credential this
/// platform accepts can be revoked.
pub fn verify(
    text: &str,
    trusted: &Trusted,
    checks: &Checks<'_>,
    list: impl FnOnce(&str) -> Result<std::sync::Arc<ListToken>, Refusal>,
) -> Result<Verified, Refusal> {
    let verified = sdjwt::verify(text, |iss, kid| trusted.key(iss, kid), checks)?;
    let reference = Reference::of(&verified.claims)?.ok_or(Refusal::Claim("status"))?;
    let read = list(&reference.uri)?;
    if read.issuer != trusted.issuer {
        return Err(Refusal::Status(format!(
            "the status list is signed by {:?}, not by the credential's issuer",
            read.issuer
        )));
    }
    if read.exp.is_some_and(|exp| checks.now > exp) {
        return Err(Refusal::Status("the status list held has expired".into()));
    }
    reference.check(&read.list)?;
    Ok(verified)
}

/// Reads a status list token fetched from `uri` and checks it with `trusted`'s keys.
pub fn read_list(
    token: &str,
    uri: &str,
    trusted: &Trusted,
    now: i64,
) -> Result<ListToken, Refusal> {
    status::read_token(token, uri, now, |iss, kid| {
        trusted
            .key(iss, kid)
            .map_err(|e| Refusal::Status(format!("the status list's key: {e}")))
    })
}
