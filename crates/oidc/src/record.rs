//! What the provider writes in the access ledger: claims released to a relying party, and
//! consents given or withdrawn. Each entry names the relying party as its actor, so that the
//! citizen's access history says who received what, and why.

use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Actor, Event, Kind, LedgerError};

use crate::Oidc;

/// One entry about a citizen and a relying party.
pub(crate) struct RpEntry<'a> {
    pub kind: Kind,
    pub client_id: &'a str,
    pub personal_id: &'a PersonalId,
    pub fields: Vec<String>,
    pub purpose: Option<String>,
    pub legal_basis: Option<&'a str>,
    pub detail: String,
}

impl Oidc {
    /// Whether a ledger is set (spares the lookups an entry needs when none is).
    pub(crate) fn records_to_ledger(&self) -> bool {
        self.inner.ledger.get().is_some()
    }

    /// Appends `entry` and returns once it is durable; nothing to do when no ledger is set.
    pub(crate) async fn record(&self, entry: RpEntry<'_>) -> Result<(), LedgerError> {
        let Some(ledger) = self.inner.ledger.get() else {
            return Ok(());
        };
        let mut event = Event::new(
            entry.kind,
            Actor {
                kind: "relying_party".into(),
                id: entry.client_id.to_owned(),
            },
            chrono::Utc::now(),
        );
        event.subject = Some(ledger.subject(&entry.personal_id.to_string()).await?);
        event.service = Some("oidc".into());
        event.fields = entry.fields;
        event.purpose = entry.purpose.filter(|p| !p.is_empty());
        event.legal_basis = entry.legal_basis.map(str::to_owned);
        event.detail = Some(entry.detail);
        ledger.append(&event).await?;
        Ok(())
    }
}
