//! What the registry writes in the access ledger: every change to one person's record made
//! through [`Registry`]'s API (a correction, a re-establishment), appended after the change
//! commits and awaited until durable, whoever made it (the HTTP API or the command line).
//!
//! Bulk imports go to the store directly and write nothing per person: a national load would
//! flood the log with millions of entries that say only "loaded". Their runs are kept in the
//! registry's own import history instead.

use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Actor, Event, Kind, Ledger};

use crate::{Change, Correction, Registry, RegistryError};

/// The law under which a number is re-established.
pub(crate) const REESTABLISHMENT_BASIS: &str = "Circular 59/2021/TT-BCA";

impl Registry {
    /// Records every change to a person's record made through this registry (and its clones) in
    /// `ledger`, before the change is reported done. Set once; later calls are ignored.
    pub fn record_changes_in(&self, ledger: Ledger) {
        let _ = self.ledger.set(ledger);
    }

    /// Appends a `registry.changed` entry about `id` and returns once it is durable; nothing to
    /// do when no ledger is set. The change has committed already, so a failure says so.
    pub(crate) async fn record_change(
        &self,
        id: PersonalId,
        correction: &Correction,
        changes: &[Change],
        detail: &str,
        legal_basis: Option<&str>,
    ) -> Result<(), RegistryError> {
        let Some(ledger) = self.ledger.get() else {
            return Ok(());
        };
        let unrecorded = |e: dinhdanh_ledger::LedgerError| {
            tracing::error!(error = %e, "a registry change was made but not recorded in the ledger");
            RegistryError::Unrecorded {
                id,
                message: e.to_string(),
            }
        };
        let mut event = Event::new(
            Kind::RegistryChanged,
            author(&correction.actor),
            chrono::Utc::now(),
        );
        event.subject = Some(ledger.subject(&id.to_string()).await.map_err(unrecorded)?);
        event.service = Some("population".into());
        event.fields = changes.iter().map(|c| c.field.clone()).collect();
        // The officer's reason is free text that may name people or documents: it stays in the
        // registry's own history, readable by staff, never in the public log.
        event.legal_basis = legal_basis.map(str::to_owned);
        event.detail = Some(detail.to_owned());
        ledger.append(&event).await.map_err(unrecorded)?;
        Ok(())
    }
}

/// The ledger's actor for a change's author as the registry records it: `account:<n>` is an
/// officer acting through their e-ID account; anything else (`cli:<user>` at a node's command
/// line, an automated job) is the platform's own tooling.
fn author(actor: &str) -> Actor {
    let kind = if actor.starts_with("account:") {
        "officer"
    } else {
        "system"
    };
    Actor {
        kind: kind.into(),
        id: actor.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_are_named_by_account_and_tools_are_the_system() {
        assert_eq!(author("account:42").kind, "officer");
        assert_eq!(author("account:42").id, "account:42");
        assert_eq!(author("cli:hoa").kind, "system");
        assert_eq!(author("cli:hoa").id, "cli:hoa");
    }
}
