//! Why a credential or a presentation is refused ([`Refusal`]: one reason each, specific enough
//! to tell the holder or the verifier what to do), and what else the capability fails with
//! ([`CredentialsError`]).

use dinhdanh_oidc::jose::JoseError;

/// A credential, presentation or status list that is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an SD-JWT, or a part that does not decode as what it should be.
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// The issuer's JWT is not of the expected type (`typ`).
    #[error("not an SD-JWT VC: the header's typ is {found:?}, expected {expected:?}")]
    Type {
        /// What the header says.
        found: Option<String>,
        /// What was expected.
        expected: &'static str,
    },
    /// The issuer's signature is not acceptable.
    #[error("the issuer's signature is not valid: {0}")]
    Signature(JoseError),
    /// The key named by the credential is not one the issuer publishes.
    #[error(
        "the issuer {issuer:?} publishes no key {kid:?} (rotated out, withdrawn or never issued)"
    )]
    UnknownIssuerKey {
        /// The credential's `iss`.
        issuer: String,
        /// The `kid` of its header.
        kid: Option<String>,
    },
    /// The issuer is not one this verifier trusts.
    #[error("the issuer {0:?} is not trusted here")]
    UntrustedIssuer(String),
    /// A disclosure that does not belong, or is given twice, or does not fit where it is
    /// referenced.
    #[error("disclosure refused: {0}")]
    Disclosure(String),
    /// The credential's validity ended.
    #[error("the credential expired at {exp} (Unix seconds)")]
    Expired {
        /// Its `exp`.
        exp: i64,
    },
    /// The credential is not valid yet.
    #[error("the credential is not valid before {nbf} (Unix seconds)")]
    NotYetValid {
        /// Its `nbf` (or a future `iat`).
        nbf: i64,
    },
    /// A claim the credential must carry is missing or of the wrong kind.
    #[error("the credential's claim {0:?} is missing or not what it should be")]
    Claim(&'static str),
    /// The holder's proof of possession (key binding) is missing or wrong.
    #[error("key binding refused: {0}")]
    KeyBinding(String),
    /// The issuer revoked the credential.
    #[error("the credential was revoked by its issuer")]
    Revoked,
    /// The issuer suspended the credential.
    #[error("the credential is suspended by its issuer")]
    Suspended,
    /// The status list could not be read or is not acceptable.
    #[error("the credential's status cannot be established: {0}")]
    Status(String),
}

impl Refusal {
    pub(crate) fn malformed(why: impl Into<String>) -> Refusal {
        Refusal::Malformed(why.into())
    }

    pub(crate) fn disclosure(why: impl Into<String>) -> Refusal {
        Refusal::Disclosure(why.into())
    }

    pub(crate) fn key_binding(why: impl Into<String>) -> Refusal {
        Refusal::KeyBinding(why.into())
    }

    /// A short machine-readable code for the reason, for APIs and the ledger.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "malformed",
            Refusal::Type { .. } => "wrong_type",
            Refusal::Signature(_) => "bad_signature",
            Refusal::UnknownIssuerKey { .. } => "unknown_issuer_key",
            Refusal::UntrustedIssuer(_) => "untrusted_issuer",
            Refusal::Disclosure(_) => "bad_disclosure",
            Refusal::Expired { .. } => "expired",
            Refusal::NotYetValid { .. } => "not_yet_valid",
            Refusal::Claim(_) => "missing_claim",
            Refusal::KeyBinding(_) => "bad_key_binding",
            Refusal::Revoked => "revoked",
            Refusal::Suspended => "suspended",
            Refusal::Status(_) => "status_unavailable",
        }
    }
}

/// What the credentials capability fails with, besides a refused credential.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// One input value is wrong.
    #[error("{field}: {problem}")]
    Invalid {
        /// Which input.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No such document type.
    #[error("there is no document type {0:?}")]
    UnknownType(String),
    /// No such document, or none the caller may see (the same answer either way).
    #[error("there is no such document")]
    NotFound,
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An OpenID4VCI protocol error, with its code (OpenID4VCI 1.0 §6.3, §8.3.1.2, RFC 6749
    /// §5.2, RFC 6750 §3.1).
    #[error("{code}: {description}")]
    Protocol {
        /// The error code.
        code: &'static str,
        /// What is wrong, for the wallet's developer.
        description: String,
        /// The HTTP status to answer with.
        status: u16,
    },
    /// A credential or presentation that is refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The ledger did not record what had to be recorded first.
    #[error("the access ledger is unavailable: {0}")]
    Ledger(String),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(String),
}

impl CredentialsError {
    pub(crate) fn invalid(field: &str, problem: impl Into<String>) -> CredentialsError {
        CredentialsError::Invalid {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    pub(crate) fn protocol(
        code: &'static str,
        status: u16,
        description: impl Into<String>,
    ) -> CredentialsError {
        CredentialsError::Protocol {
            code,
            description: description.into(),
            status,
        }
    }

    /// A stable key for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            CredentialsError::Invalid { .. } => "invalid",
            CredentialsError::UnknownType(_) => "unknown_type",
            CredentialsError::NotFound => "not_found",
            CredentialsError::Forbidden(_) => "forbidden",
            CredentialsError::Protocol { code, .. } => code,
            CredentialsError::Refused(r) => r.code(),
            CredentialsError::Ledger(_) => "ledger_unavailable",
            CredentialsError::Storage(_) => "storage",
        }
    }
}

impl From<sqlx::Error> for CredentialsError {
    fn from(e: sqlx::Error) -> CredentialsError {
        CredentialsError::Storage(e.to_string())
    }
}

impl From<dinhdanh_oidc::jose::JoseError> for CredentialsError {
    fn from(e: dinhdanh_oidc::jose::JoseError) -> CredentialsError {
        CredentialsError::Storage(format!("issuer key: {e}"))
    }
}

impl From<dinhdanh_ledger::LedgerError> for CredentialsError {
    fn from(e: dinhdanh_ledger::LedgerError) -> CredentialsError {
        CredentialsError::Ledger(e.to_string())
    }
}
