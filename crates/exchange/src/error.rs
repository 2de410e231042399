//! What can go wrong, in words the agency's developer, the operator or the citizen can act on.

use crate::policy::Withheld;

/// A data-service description the catalogue does not accept.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The description breaks a rule.
    #[error("the data service description is invalid: {0}")]
    Invalid(String),
    /// It is not valid JSON of the expected shape.
    #[error("the data service description is not valid JSON of the expected shape: {0}")]
    Syntax(String),
    /// Built-in services are described by the platform itself.
    #[error("the service {0} is provided by the platform itself and cannot be replaced")]
    BuiltIn(String),
}

/// A policy document that cannot be set.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not valid JSON of the expected shape.
    #[error("the policy is not valid JSON of the expected shape: {0}")]
    Syntax(String),
    /// One rule breaks a rule of the catalogue or of the policy format.
    #[error("rule {rule}: {why}")]
    Rule {
        /// The rule's id (or what stands for it).
        rule: String,
        /// What is wrong.
        why: String,
    },
}

/// Errors of the exchange.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The request is malformed (unknown field, bad purpose, bad subject ID …).
    #[error("{0}")]
    BadRequest(String),
    /// No such data service.
    #[error("no data service is called {0:?}; GET /api/v1/exchange/services lists them")]
    UnknownService(String),
    /// The service is listed but no provider answers for it on this platform.
    #[error("the data service {0} is listed in the catalogue but its provider is not connected")]
    NotConnected(String),
    /// The policy released nothing; the refusal is in the ledger at `entry`.
    #[error("nothing may be released: {}", describe(.withheld))]
    Refused {
        /// Each asked field and the rule that refused it.
        withheld: Vec<Withheld>,
        /// The ledger entry recording the refusal.
        entry: u64,
    },
    /// The subject is not in the provider's records.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this (a consent that is not theirs, a rule they lack …).
    #[error("{0}")]
    Forbidden(String),
    /// A consent or consent request that is not in a state allowing this.
    #[error("{0}")]
    Conflict(String),
    /// The catalogue refused a description.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The policy could not be set.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The access ledger failed; nothing was released.
    #[error("the access ledger could not record this, so nothing was released: {0}")]
    Ledger(#[from] dinhdanh_ledger::LedgerError),
    /// A provider failed.
    #[error("the data provider failed: {0}")]
    Provider(String),
    /// Signing a receipt failed.
    #[error("the consent receipt could not be signed: {0}")]
    Signing(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

fn describe(withheld: &[Withheld]) -> String {
    withheld
        .iter()
        .map(|w| format!("{} (rule {}: {})", w.field, w.rule, w.reason))
        .collect::<Vec<_>>()
        .join("; ")
}
