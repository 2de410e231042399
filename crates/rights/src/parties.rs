//! Who may act on a request, decided once from the signed-in account: a [`Citizen`] files,
//! reads and withdraws their own requests; an [`Officer`] lists, takes and answers everyone's.
//!
//! Both are built only here, from the account (and, for officers, the session) the caller has
//! just loaded for this request, so that every operation of [`crate::Rights`] states in its
//! signature who may call it.

use dinhdanh_accounts::{Account, AccountId, AccountKind, AccountStatus, Role, Session};
use dinhdanh_domain::PersonalId;

use crate::error::RightsError;

/// The roles that handle data-subject requests.
pub const OFFICER_ROLES: [Role; 2] = [Role::AgencyOfficer, Role::EnrolmentOfficer];

/// A person acting through their own, active account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Citizen {
    account: AccountId,
    personal_id: PersonalId,
}

impl Citizen {
    /// The holder of `account`, if it is a person's active, usable account with a personal ID.
    pub fn of(account: &Account) -> Result<Citizen, RightsError> {
        let (AccountKind::Person, Some(personal_id)) = (account.kind, account.personal_id) else {
            return Err(RightsError::NotAPerson);
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

/// An officer acting through a session that used a passkey or an authenticator app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Officer {
    account: AccountId,
}

impl Officer {
    /// The officer signed in with `session` on `account`: the account must be usable and hold
    /// one of [`OFFICER_ROLES`], and the session must have used a strong factor (officers never
    /// act on a password alone).
    pub fn of(account: &Account, session: &Session) -> Result<Officer, RightsError> {
        if session.account_id != account.id {
            return Err(RightsError::NotAnOfficer);
        }
        account.usable()?;
        if !OFFICER_ROLES.iter().any(|r| account.has_role(*r)) {
            return Err(RightsError::NotAnOfficer);
        }
        if !session.has_strong_factor() {
            return Err(RightsError::StepUpRequired);
        }
        Ok(Officer {
            account: account.id,
        })
    }

    /// The officer's account.
    pub fn account(&self) -> AccountId {
        self.account
    }
}

#[cfg(test)]
mod tests {
    use dinhdanh_accounts::{AccountError, AccountLevel, Factor, Lock, LockReason};

    use super::*;

    fn account(id: AccountId, roles: Vec<Role>) -> Account {
        Account {
            id,
            kind: AccountKind::Person,
            personal_id: Some(PersonalId::parse("001090012345").unwrap()),
            organization_code: None,
            level: AccountLevel::Two,
            status: AccountStatus::Active,
            phone: None,
            portrait: None,
            guardian: None,
            locks: vec![],
            roles,
            locked_methods: vec![],
            created_at: 0,
        }
    }

    fn session(account_id: AccountId, factors: Vec<Factor>) -> Session {
        Session {
            handle: "h".into(),
            account_id,
            factors,
            assurance: None,
            created_at: 0,
            authenticated_at: 0,
            last_seen_at: 0,
            expires_at: i64::MAX,
            user_agent: String::new(),
            client_address: String::new(),
        }
    }

    #[test]
    fn only_a_persons_active_usable_account_is_a_citizen() {
        let mut a = account(7, vec![]);
        let citizen = Citizen::of(&a).unwrap();
        assert_eq!(citizen.account(), 7);
        assert_eq!(citizen.personal_id().to_string(), "001090012345");

        a.kind = AccountKind::Organization;
        assert!(matches!(Citizen::of(&a), Err(RightsError::NotAPerson)));
        a.kind = AccountKind::Person;
        a.personal_id = None;
        assert!(matches!(Citizen::of(&a), Err(RightsError::NotAPerson)));

        let mut pending = account(7, vec![]);
        pending.status = AccountStatus::Pending;
        assert!(matches!(
            Citizen::of(&pending),
            Err(RightsError::Account(AccountError::NotActivated))
        ));
        let mut locked = account(7, vec![]);
        locked.locks.push(Lock {
            reason: LockReason::HolderRequest,
            automatic: false,
            actor: "account:7".into(),
            note: String::new(),
            since: 0,
        });
        assert!(matches!(
            Citizen::of(&locked),
            Err(RightsError::Account(AccountError::Locked(_)))
        ));
    }

    #[test]
    fn an_officer_holds_an_officer_role_and_signed_in_with_a_strong_factor() {
        for role in OFFICER_ROLES {
            let a = account(3, vec![role]);
            let officer = Officer::of(&a, &session(3, vec![Factor::Passkey])).unwrap();
            assert_eq!(officer.account(), 3);
            assert!(Officer::of(&a, &session(3, vec![Factor::Password, Factor::Totp])).is_ok());
            assert!(matches!(
                Officer::of(&a, &session(3, vec![Factor::Password])),
                Err(RightsError::StepUpRequired)
            ));
        }
        // A citizen, or an operator who runs the platform, is no officer, however signed in.
        for roles in [vec![], vec![Role::Operator]] {
            let a = account(3, roles);
            assert!(matches!(
                Officer::of(&a, &session(3, vec![Factor::PasskeyVerified])),
                Err(RightsError::NotAnOfficer)
            ));
        }
        // Someone else's session proves nothing about this account.
        let a = account(3, vec![Role::AgencyOfficer]);
        assert!(matches!(
            Officer::of(&a, &session(4, vec![Factor::Passkey])),
            Err(RightsError::NotAnOfficer)
        ));
        let mut revoked = account(3, vec![Role::AgencyOfficer]);
        revoked.status = AccountStatus::Revoked;
        assert!(matches!(
            Officer::of(&revoked, &session(3, vec![Factor::Passkey])),
            Err(RightsError::Account(AccountError::Revoked))
        ));
    }
}
