//! What the HTTP layer itself writes in the access ledger: an officer opening a person's record,
//! through the registry API or the enrolment console. The entry is appended and awaited until
//! durable before the record leaves, so a read that could not be recorded is never shown.

use chrono::Utc;
use dinhdanh_accounts::AccountId;
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Actor, Event, Kind, Ledger, LedgerError};

/// One officer's look at one person's record.
pub(crate) struct View<'a> {
    /// The officer's e-ID account.
    pub officer: AccountId,
    /// Whose record.
    pub person: PersonalId,
    /// The fields shown (`*` for the whole record).
    pub fields: Vec<String>,
    /// Why the officer looks (`registry administration`, `enrolment`).
    pub purpose: &'a str,
    /// What was opened (`record`, `history`).
    pub detail: &'a str,
}

/// Appends a `record.viewed` entry for `view` and returns once it is durable.
pub(crate) async fn record_view(ledger: &Ledger, view: View<'_>) -> Result<(), LedgerError> {
    let mut event = Event::new(
        Kind::RecordViewed,
        Actor {
            kind: "officer".into(),
            id: format!("account:{}", view.officer),
        },
        Utc::now(),
    );
    event.subject = Some(ledger.subject(&view.person.to_string()).await?);
    event.service = Some("population".into());
    event.fields = view.fields;
    event.purpose = Some(view.purpose.to_owned());
    event.detail = Some(view.detail.to_owned());
    ledger.append(&event).await?;
    Ok(())
}
