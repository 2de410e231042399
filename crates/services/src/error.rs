//! Everything the public-services capability can fail with, in one enum.
//!
//! Each variant says what is wrong in words the person can act on; [`ServicesError::code`] is the
//! stable key the HTTP layer and the pages use.

use dinhdanh_accounts::AccountError;
use dinhdanh_exchange::ExchangeError;

use crate::status::{Move, Status};

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    /// One input value is wrong.
    #[error("{field}: {problem}")]
    Invalid {
        /// Which input.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A procedure in a catalogue breaks a rule.
    #[error("procedure {code}: {problem}")]
    BadProcedure {
        /// The procedure's code as given.
        code: String,
        /// The rule broken, with where.
        problem: String,
    },
    /// A catalogue file cannot be read.
    #[error("the catalogue cannot be read: {0}")]
    BadCatalogue(String),
    /// No such procedure.
    #[error("there is no procedure {0} in the catalogue")]
    UnknownProcedure(String),
    /// The procedure cannot be filed through this channel.
    #[error("procedure {0} cannot be filed online; file it at the agency's counter")]
    NotOnline(String),
    /// No such application, or not one the caller may see (the same answer either way).
    #[error("there is no such application")]
    NotFound,
    /// The move is not possible from the application's status.
    #[error("an application that is {} cannot {}", .from.as_str().replace('_', " "), .step.as_str().replace('_', " "))]
    NotAllowed {
        /// Its status.
        from: Status,
        /// The move tried.
        step: Move,
    },
    /// The caller's role does not make this move.
    #[error("{} is not yours to do", .0.as_str().replace('_', " "))]
    NotYours(Move),
    /// The application changed since the caller read it.
    #[error("the application changed while you were looking at it; reload and try again")]
    Changed,
    /// A required form field or document is missing.
    #[error("{0} is required")]
    Missing(String),
    /// An uploaded file is refused.
    #[error("{document}: {problem}")]
    BadUpload {
        /// Which document.
        document: String,
        /// Why.
        problem: String,
    },
    /// The account may not apply: not a person's own account.
    #[error(
        "only a person's own account can file applications; sign in with your personal account"
    )]
    NotAPerson,
    /// The account is not an officer of the agency.
    #[error("you are not an officer of the agency that handles this application")]
    NotAnOfficer,
    /// An officer signed in without a strong factor.
    #[error("officers must sign in with a passkey or an authenticator app to handle applications")]
    StepUpRequired,
    /// Too many status checks from one place.
    #[error("too many status checks; try again in {retry_after_s} s")]
    TooManyChecks {
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// The account cannot be used now.
    #[error("{0}")]
    Account(#[from] AccountError),
    /// The exchange refused or failed the pre-fill read.
    #[error("the registry data could not be read: {0}")]
    Prefill(#[from] ExchangeError),
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(String),
}

impl ServicesError {
    /// An invalid input value.
    pub fn invalid(field: &str, problem: impl Into<String>) -> ServicesError {
        ServicesError::Invalid {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServicesError::Invalid { .. } => "invalid",
            ServicesError::BadProcedure { .. } => "bad_procedure",
            ServicesError::BadCatalogue(_) => "bad_catalogue",
            ServicesError::UnknownProcedure(_) => "unknown_procedure",
            ServicesError::NotOnline(_) => "not_online",
            ServicesError::NotFound => "not_found",
            ServicesError::NotAllowed { .. } => "not_allowed",
            ServicesError::NotYours(_) => "not_yours",
            ServicesError::Changed => "changed",
            ServicesError::Missing(_) => "missing",
            ServicesError::BadUpload { .. } => "bad_upload",
            ServicesError::NotAPerson => "not_a_person",
            ServicesError::NotAnOfficer => "not_an_officer",
            ServicesError::StepUpRequired => "step_up_required",
            ServicesError::TooManyChecks { .. } => "too_many_checks",
            ServicesError::Account(e) => e.code(),
            ServicesError::Prefill(_) => "prefill_failed",
            ServicesError::Storage(_) => "storage",
        }
    }
}

impl From<sqlx::Error> for ServicesError {
    fn from(e: sqlx::Error) -> ServicesError {
        ServicesError::Storage(e.to_string())
    }
}

impl From<serde_json::Error> for ServicesError {
    fn from(e: serde_json::Error) -> ServicesError {
        ServicesError::Storage(format!("stored JSON: {e}"))
    }
}
