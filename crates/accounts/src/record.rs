//! What the accounts capability writes in the access ledger: every change to a person's e-ID
//! account (created, activated, level raised, locked, unlocked, revoked, authenticators added or
//! removed, methods locked, roles), appended after the change commits and awaited until durable.
//!
//! An entry says what changed in a short machine-readable note (`level.raised:2`,
//! `locked:terms_breach`, `passkey.added`), never a secret, a label the holder typed or an
//! officer's note. Signing in is not a change and is never recorded, so the sign-in path does not
//! wait for the ledger. Organizations' accounts are nobody's personal record and are not recorded.

use dinhdanh_ledger::{Event, Kind, Ledger};

use crate::Accounts;
use crate::error::AccountError;
use crate::model::{Account, AccountId, AccountKind, Actor};

impl Accounts {
    /// Records every change to a person's account made through this capability (and its clones)
    /// in `ledger`, before the change is reported done. Set once; later calls are ignored.
    pub fn record_changes_in(&self, ledger: Ledger) {
        let _ = self.inner.ledger.set(ledger);
    }

    /// Appends an `account.changed` entry about `account`'s holder saying `detail`, and returns
    /// once it is durable; nothing to do when no ledger is set or the account is not a person's.
    pub(crate) async fn record_change(
        &self,
        account: &Account,
        by: &Actor,
        detail: impl Into<String>,
    ) -> Result<(), AccountError> {
        let Some(ledger) = self.inner.ledger.get() else {
            return Ok(());
        };
        let (AccountKind::Person, Some(personal_id)) = (account.kind, account.personal_id) else {
            return Ok(());
        };
        let unrecorded = |e: dinhdanh_ledger::LedgerError| {
            tracing::error!(error = %e, account = account.id, "an account change was made but not recorded in the ledger");
            AccountError::Internal(format!(
                "the change was made but could not be recorded in the access ledger: {e}"
            ))
        };
        let mut event = Event::new(
            Kind::AccountChanged,
            changed_by(by, account),
            chrono::Utc::now(),
        );
        event.subject = Some(
            ledger
                .subject(&personal_id.to_string())
                .await
                .map_err(unrecorded)?,
        );
        event.detail = Some(detail.into());
        ledger.append(&event).await.map_err(unrecorded)?;
        Ok(())
    }

    /// [`Accounts::record_change`] for an account known by number only: it is read only when a
    /// ledger is set.
    pub(crate) async fn record_change_of(
        &self,
        account_id: AccountId,
        by: &Actor,
        detail: impl Into<String>,
    ) -> Result<(), AccountError> {
        if self.inner.ledger.get().is_none() {
            return Ok(());
        }
        let account = self.account(account_id).await?;
        self.record_change(&account, by, detail).await
    }
}

/// The ledger's actor for a change to `account` by `by` (the accounts' own actor name): the holder
/// is `citizen`, their guardian `guardian`, another account an `officer` (or operator) acting
/// through it, and the platform itself (`registry` checks, `cli:<user>` at a node's console)
/// `system`.
fn changed_by(by: &Actor, account: &Account) -> dinhdanh_ledger::Actor {
    let acting =
        by.0.strip_prefix("account:")
            .and_then(|n| n.parse::<AccountId>().ok());
    let kind = match acting {
        Some(n) if n == account.id => "citizen",
        Some(n) if account.guardian == Some(n) => "guardian",
        Some(_) => "officer",
        None => "system",
    };
    dinhdanh_ledger::Actor {
        kind: kind.into(),
        id: by.0.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assurance::AccountLevel;
    use crate::lifecycle::AccountStatus;

    fn child(id: AccountId, guardian: Option<AccountId>) -> Account {
        Account {
            id,
            kind: AccountKind::Person,
            personal_id: None,
            organization_code: None,
            level: AccountLevel::One,
            status: AccountStatus::Active,
            phone: None,
            portrait: None,
            guardian,
            locks: Vec::new(),
            roles: Vec::new(),
            locked_methods: Vec::new(),
            created_at: 0,
        }
    }

    #[test]
    fn the_holder_their_guardian_officers_and_the_platform_are_told_apart() {
        let account = child(7, Some(3));
        let kind = |by: Actor| changed_by(&by, &account).kind;
        assert_eq!(kind(Actor::account(7)), "citizen");
        assert_eq!(kind(Actor::account(3)), "guardian");
        assert_eq!(kind(Actor::account(12)), "officer");
        assert_eq!(kind(Actor::registry()), "system");
        assert_eq!(kind(Actor("cli:hoa".into())), "system");
        assert_eq!(changed_by(&Actor::account(12), &account).id, "account:12");
    }
}
