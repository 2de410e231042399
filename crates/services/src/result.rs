//! The result of an approved application, issued electronically: a document signed as a compact
//! JWS (ES256, `typ` [`RESULT_TYPE`]) with the OpenID provider's key, so that anyone can check
//! it offline against the keys the provider publishes (`/jwks.json`), or on the public page its
//! QR code points to.
//!
//! The document says what was decided, for whom, by which agency, under which procedure and
//! when, and carries the applicant's answers; it names its own verification address.

use dinhdanh_oidc::jose::{Alg, Jws};
use serde::Serialize;
use serde_json::{Value, json};

use crate::application::{Application, Outcome};
use crate::catalogue::Procedure;
use crate::error::ServicesError;

/// The `typ` of a result's JWS header.
pub const RESULT_TYPE: &str = "application-result+jwt";

/// Where a result's public verification page is, under the issuer.
pub fn verify_url(issuer: &str, result_id: &str) -> String {
    format!(
        "{}/services/results/{result_id}",
        issuer.trim_end_matches('/')
    )
}

/// A result issued for an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issued {
    /// Its public identifier: 128 random bits, in the QR code's address.
    pub id: String,
    /// The application.
    pub application: String,
    /// The signed document.
    pub jws: String,
    /// When it was issued (Unix ms).
    pub issued_at: i64,
}

/// A result whose signature checked out against the provider's published keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    /// The signing key's `kid`.
    pub kid: String,
    /// The document.
    pub claims: Value,
}

/// The claims of the result of `application`, decided under `procedure`.
pub(crate) fn claims(
    issuer: &str,
    result_id: &str,
    application: &Application,
    procedure: &Procedure,
    issued_at: i64,
) -> Value {
    let full_name = application
        .form
        .prefilled
        .iter()
        .find(|p| p.field == "full_name")
        .map(|p| p.value.clone())
        .unwrap_or(Value::Null);
    json!({
        "iss": issuer,
        "jti": result_id,
        "iat": issued_at / 1000,
        "application": {
            "code": application.code.as_ref().map(|c| c.to_string()),
            "filed_at": application.filed_at.map(rfc3339),
        },
        "procedure": {"code": procedure.code, "name": procedure.name},
        "agency": {"unit": procedure.agency.unit, "name": procedure.agency.name},
        "result": procedure.result,
        "holder": {"personal_id": application.personal_id.to_string(), "full_name": full_name},
        "outcome": application.outcome.map(Outcome::as_str),
        "decided_at": application.decided_at.map(rfc3339),
        "answers": application.form.answers,
        "verify_at": verify_url(issuer, result_id),
    })
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Checks a result's signature against a JWK Set (the provider's `/jwks.json`) and its type.
pub fn verify(jws: &str, jwks: &Value) -> Result<Verified, ServicesError> {
    let bad = |why: String| ServicesError::invalid("result", why);
    let parsed = Jws::parse(jws.trim()).map_err(|e| bad(format!("not a signed document: {e}")))?;
    if parsed.header.typ.as_deref() != Some(RESULT_TYPE) {
        return Err(bad(format!(
            "not a result document (typ {:?}, expected {RESULT_TYPE})",
            parsed.header.typ
        )));
    }
    parsed
        .verify_with_set(jwks, &[Alg::ES256])
        .map_err(|e| bad(format!("the signature does not verify: {e}")))?;
    Ok(Verified {
        kid: parsed.header.kid.clone().unwrap_or_default(),
        claims: Value::Object(parsed.claims),
    })
}
