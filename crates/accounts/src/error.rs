//! The accounts capability's errors. Each variant is one thing a caller can act on; `code()` is the
//! stable machine-readable name used by the HTTP layer.

use std::time::Duration;

use crate::lifecycle::{LockReason, Method, Role};
use crate::password::PasswordRule;

/// What can go wrong with accounts, enrolment, authentication and sessions.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A submitted field is malformed; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Login failed. Deliberately the same for an unknown personal ID, a wrong password, a wrong
    /// code and an unknown passkey, so that nobody learns which accounts exist.
    #[error("the personal ID or the credential is not correct")]
    LoginFailed,
    /// The one-time code does not match; the ticket allows `remaining` more tries.
    #[error("the code is not correct ({remaining} attempts left)")]
    WrongCode {
        /// Attempts left before the code is spent.
        remaining: u32,
    },
    /// The code was tried too often, was already used, or the ticket is unknown.
    #[error("this code can no longer be used; ask for a new one")]
    CodeSpent,
    /// The code is older than its lifetime.
    #[error("this code has expired; ask for a new one")]
    CodeExpired,
    /// Too many failures from this account or address; wait before trying again.
    #[error("too many failed attempts; try again in {} seconds", .retry_after.as_secs().max(1))]
    TooManyAttempts {
        /// How long to wait.
        retry_after: Duration,
    },
    /// The account is locked for the listed causes.
    #[error("the account is locked ({})", .0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "))]
    Locked(Vec<LockReason>),
    /// The account was revoked.
    #[error("the account has been revoked")]
    Revoked,
    /// The holder has locked this authentication method.
    #[error("the {} sign-in method is locked on this account", .0.as_str())]
    MethodLocked(Method),
    /// The account is not yet activated.
    #[error("the account is not activated yet: set an authenticator first")]
    NotActivated,
    /// A new password breaks a rule.
    #[error("{0}")]
    WeakPassword(#[from] PasswordRule),
    /// The session is missing, expired or signed out.
    #[error("you are not signed in, or your session has ended")]
    NoSession,
    /// The action needs a role the account does not have.
    #[error("this action needs the {} role", .0.as_str())]
    MissingRole(Role),
    /// The action needs a stronger sign-in than the session has (e.g. officers: passkey or TOTP).
    #[error("{0}")]
    StepUpRequired(&'static str),
    /// The action is not allowed for this account.
    #[error("{0}")]
    Forbidden(String),
    /// No such account, authenticator or session (for callers entitled to know).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The operation conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The registry does not support the request (no such person, no relation, …).
    #[error("{0}")]
    Registry(String),
    /// A WebAuthn ceremony failed.
    #[error("passkey: {0}")]
    Passkey(String),
    /// The portrait is not an acceptable image.
    #[error("portrait: {0}")]
    Portrait(String),
    /// A storage failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything else that should not happen.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AccountError {
    /// A stable machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::Invalid { .. } => "invalid_input",
            AccountError::LoginFailed => "login_failed",
            AccountError::WrongCode { .. } => "wrong_code",
            AccountError::CodeSpent => "code_spent",
            AccountError::CodeExpired => "code_expired",
            AccountError::TooManyAttempts { .. } => "too_many_attempts",
            AccountError::Locked(_) => "account_locked",
            AccountError::Revoked => "account_revoked",
            AccountError::MethodLocked(_) => "method_locked",
            AccountError::NotActivated => "not_activated",
            AccountError::WeakPassword(_) => "weak_password",
            AccountError::NoSession => "no_session",
            AccountError::MissingRole(_) => "missing_role",
            AccountError::StepUpRequired(_) => "step_up_required",
            AccountError::Forbidden(_) => "forbidden",
            AccountError::NotFound(_) => "not_found",
            AccountError::Conflict(_) => "conflict",
            AccountError::Registry(_) => "registry_mismatch",
            AccountError::Passkey(_) => "passkey_failed",
            AccountError::Portrait(_) => "bad_portrait",
            AccountError::Database(_) => "database_error",
            AccountError::Internal(_) => "internal_error",
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> AccountError {
        AccountError::Invalid {
            field,
            message: message.into(),
        }
    }
}
