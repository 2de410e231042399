//! Everything a data-subject request can fail with, in one enum.
//!
//! Each variant carries what the person needs to fix the input or understand the refusal; the
//! English message is its `Display`, and [`RightsError::code`] is the stable key under which the
//! web pages keep the Vietnamese and English texts.

use dinhdanh_accounts::{AccountError, AccountId};

use crate::request::Status;

/// What can go wrong with a data-subject request.
#[derive(Debug, thiserror::Error)]
pub enum RightsError {
    /// The kind of request is not one the platform handles.
    #[error("{value:?} is not a kind of request; choose correction, restriction or objection")]
    UnknownKind {
        /// The text given.
        value: String,
    },
    /// A field name that is not one of the registry's fields.
    #[error(
        "{value:?} is not a field of the population record; choose from the listed fields or leave them all unticked"
    )]
    UnknownField {
        /// The text given.
        value: String,
    },
    /// The description of the request is empty.
    #[error("describe what your request is about")]
    AboutRequired,
    /// An officer tried to close a request without an answer to the citizen.
    #[error("write the answer the citizen will read before closing the request")]
    AnswerRequired,
    /// Free text longer than allowed.
    #[error("the text is {chars} characters long; at most {max} are allowed")]
    TooLong {
        /// Characters given.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A control character inside free text (line breaks and tabs are allowed).
    #[error("the text contains the control character U+{:04X}; remove it", *.0 as u32)]
    ControlCharacter(char),
    /// A way of closing a request that does not exist.
    #[error("{value:?} is not an outcome; choose done or rejected")]
    UnknownOutcome {
        /// The text given.
        value: String,
    },
    /// The account may not file requests: it is not a person's account with a personal ID.
    #[error(
        "only a person's own account can file a data-subject request; sign in with your personal account"
    )]
    NotAPerson,
    /// The account cannot be used now (pending, locked or revoked).
    #[error("{0}")]
    Account(#[from] AccountError),
    /// The account holds neither officer role.
    #[error("handling data-subject requests needs the agency officer or enrolment officer role")]
    NotAnOfficer,
    /// An officer signed in without a passkey or an authenticator app.
    #[error("officers must sign in with a passkey or an authenticator app to handle requests")]
    StepUpRequired,
    /// No such request, or not one the caller may see (the same answer, so that nobody learns
    /// which requests exist).
    #[error("there is no such request")]
    NotFound,
    /// An officer tried to handle a request they filed themselves.
    #[error("you filed this request yourself; another officer must handle it")]
    OwnRequest,
    /// The request is closed: nothing more can happen to it.
    #[error("the request is already closed ({}); file a new one if needed", .0.as_str())]
    Closed(Status),
    /// A citizen tried to withdraw a request an officer is already handling.
    #[error("an officer is already handling this request; it can no longer be withdrawn")]
    NotOpen,
    /// An officer tried to answer a request nobody has taken.
    #[error("take the request before answering it")]
    NotTaken,
    /// An officer tried to answer a request another officer is handling.
    #[error("officer account {0} is handling this request; take it over first")]
    HandledByAnother(AccountId),
    /// The citizen has too many requests still waiting for an answer.
    #[error(
        "you have {max} requests waiting for an answer; wait for one to be answered or withdraw one"
    )]
    TooManyOpen {
        /// The limit.
        max: u64,
    },
    /// Someone else changed the request at the same moment.
    #[error("the request changed while you were working on it; reload it and try again")]
    Conflict,
    /// A stored row no longer parses: the database was edited outside this crate.
    #[error("stored request {id} is corrupt: {detail}")]
    Corrupt {
        /// The request's ID.
        id: String,
        /// What failed.
        detail: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl RightsError {
    /// A stable machine-readable code, also the key of the error's texts on the web pages.
    pub fn code(&self) -> &'static str {
        match self {
            RightsError::UnknownKind { .. } => "rights.unknown_kind",
            RightsError::UnknownField { .. } => "rights.unknown_field",
            RightsError::AboutRequired => "rights.about_required",
            RightsError::AnswerRequired => "rights.answer_required",
            RightsError::TooLong { .. } => "rights.too_long",
            RightsError::ControlCharacter(_) => "rights.control_character",
            RightsError::UnknownOutcome { .. } => "rights.unknown_outcome",
            RightsError::NotAPerson => "rights.not_a_person",
            RightsError::Account(_) => "rights.account",
            RightsError::NotAnOfficer => "rights.not_an_officer",
            RightsError::StepUpRequired => "rights.step_up_required",
            RightsError::NotFound => "rights.not_found",
            RightsError::OwnRequest => "rights.own_request",
            RightsError::Closed(_) => "rights.closed",
            RightsError::NotOpen => "rights.not_open",
            RightsError::NotTaken => "rights.not_taken",
            RightsError::HandledByAnother(_) => "rights.handled_by_another",
            RightsError::TooManyOpen { .. } => "rights.too_many_open",
            RightsError::Conflict => "rights.conflict",
            RightsError::Corrupt { .. } => "rights.corrupt",
            RightsError::Database(_) => "rights.database",
        }
    }

    /// Whether the error is about the submitted input (the form should be shown again).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            RightsError::UnknownKind { .. }
                | RightsError::UnknownField { .. }
                | RightsError::AboutRequired
                | RightsError::AnswerRequired
                | RightsError::TooLong { .. }
                | RightsError::ControlCharacter(_)
                | RightsError::UnknownOutcome { .. }
        )
    }
}

/// A stored value that no longer parses, reported against its request.
pub(crate) fn corrupt(id: &str, detail: impl ToString) -> RightsError {
    RightsError::Corrupt {
        id: id.to_owned(),
        detail: detail.to_string(),
    }
}
