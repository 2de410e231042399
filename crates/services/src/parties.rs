//! Who acts on an application, decided once from the signed-in account: a [`Citizen`] applies
//! for themselves; an [`Officer`] handles the applications of the agency units they work for.

use dinhdanh_accounts::{Account, AccountId, AccountKind, AccountStatus, Session};
use dinhdanh_domain::PersonalId;

use crate::code::UnitCode;
use crate::error::ServicesError;

/// A person acting through their own, active account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Citizen {
    account: AccountId,
    personal_id: PersonalId,
}

impl Citizen {
    /// The holder of `account`, if it is a person's usable account with a personal ID.
    pub fn of(account: &Account) -> Result<Citizen, ServicesError> {
        let (AccountKind::Person, Some(personal_id)) = (account.kind, account.personal_id) else {
            return Err(ServicesError::NotAPerson);
        };
        if account.status == AccountStatus::Pending {
            return Err(dinhdanh_accounts::AccountError::NotActivated.into());
        }
        account.usable()?;
        Ok(Citizen {
            account: account.id,
            personal_id,
        })
    }

    /// The citizen's account.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The citizen's personal ID.
    pub fn personal_id(&self) -> PersonalId {
        self.personal_id
    }
}

/// An officer of one or more agency units, signed in with a strong factor. Built by
/// [`crate::Services::officer`], which reads the units the account works for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub(crate) account: AccountId,
    pub(crate) units: Vec<UnitCode>,
}

impl Officer {
    /// The session is the account's and the account is usable; the units and the strength of
    /// the sign-in are checked by [`crate::Services::officer`].
    pub(crate) fn check(account: &Account, session: &Session) -> Result<(), ServicesError> {
        if session.account_id != account.id {
            return Err(ServicesError::NotAnOfficer);
        }
        account.usable()?;
        Ok(())
    }

    /// The officer's account.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The units whose applications the officer handles.
    pub fn units(&self) -> &[UnitCode] {
        &self.units
    }

    /// Whether the officer handles `unit`'s applications.
    pub fn serves(&self, unit: &UnitCode) -> bool {
        self.units.contains(unit)
    }
}
