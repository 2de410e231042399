//! The accounts capability's records as callers see them.

use dinhdanh_domain::PersonalId;
use serde::Serialize;

use crate::assurance::{AccountLevel, Assurance, Factor};
use crate::lifecycle::{AccountStatus, LockReason, Method, Role};

/// An account's number.
pub type AccountId = i64;

/// Who acted, as recorded in events: `account:<id>`, `registry`, `cli:<user>`, `system`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor(pub String);

impl Actor {
    /// An account holder, officer or operator acting through their account.
    pub fn account(id: AccountId) -> Actor {
        Actor(format!("account:{id}"))
    }
    /// The platform reacting to a registry change.
    pub fn registry() -> Actor {
        Actor("registry".into())
    }
    /// The operator at the command line.
    pub fn cli() -> Actor {
        Actor(format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "operator".into())
        ))
    }
}

/// Whether an account is a person's or an organization's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A citizen's (or resident's) account.
    Person,
    /// An organization's account, acted for by its members.
    Organization,
}

/// One cause for which an account is locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// The cause.
    pub reason: LockReason,
    /// Set and lifted by the platform from the registry.
    pub automatic: bool,
    /// Who set it.
    pub actor: String,
    /// Free text given with it.
    pub note: String,
    /// Since when (Unix ms).
    pub since: i64,
}

/// An e-ID account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The account's number.
    pub id: AccountId,
    /// Person or organization.
    pub kind: AccountKind,
    /// The holder's personal ID (person accounts).
    pub personal_id: Option<PersonalId>,
    /// The organization's enterprise or tax code (organization accounts).
    pub organization_code: Option<String>,
    /// How the holder was identified.
    pub level: AccountLevel,
    /// Pending, active or revoked.
    pub status: AccountStatus,
    /// The phone that receives codes, `+84…`.
    pub phone: Option<String>,
    /// SHA-256 of the portrait, hex.
    pub portrait: Option<String>,
    /// The guardian's account, for a child's account.
    pub guardian: Option<AccountId>,
    /// Current locks; the account is usable only when there are none.
    pub locks: Vec<Lock>,
    /// Platform roles.
    pub roles: Vec<Role>,
    /// Authentication methods the holder has locked.
    pub locked_methods: Vec<Method>,
    /// Creation time (Unix ms).
    pub created_at: i64,
}

impl Account {
    /// Whether the account holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Why the account cannot be used now, if it cannot.
    pub fn usable(&self) -> Result<(), crate::AccountError> {
        match self.status {
            AccountStatus::Revoked => Err(crate::AccountError::Revoked),
            _ if !self.locks.is_empty() => Err(crate::AccountError::Locked(
                self.locks.iter().map(|l| l.reason).collect(),
            )),
            _ => Ok(()),
        }
    }
}

/// What a relying party may learn of an account holder, and whether the account may be used:
/// not revoked and not locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The account's number.
    pub id: AccountId,
    /// Person or organization.
    pub kind: AccountKind,
    /// The holder's personal ID (person accounts).
    pub personal_id: Option<PersonalId>,
    /// The verified phone.
    pub phone: Option<String>,
    /// Neither revoked nor locked.
    pub usable: bool,
}

/// A signed-in session, as stored (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// A public handle, to name the session in lists ("sign out here").
    pub handle: String,
    /// The account signed in.
    pub account_id: AccountId,
    /// Factors presented in this session, in order.
    pub factors: Vec<Factor>,
    /// The level of assurance they reach; `None` during enrolment (phone code only).
    pub assurance: Option<Assurance>,
    /// Creation time (Unix ms).
    pub created_at: i64,
    /// Time of the last authentication (for `max_age`), Unix ms.
    pub authenticated_at: i64,
    /// Last request seen, Unix ms (updated at most once a minute).
    pub last_seen_at: i64,
    /// Absolute end, Unix ms.
    pub expires_at: i64,
    /// The browser or client that opened it.
    pub user_agent: String,
    /// The address it was opened from.
    pub client_address: String,
}

impl Session {
    /// Whether a factor of a possession kind other than a phone code was used: what officers need.
    pub fn has_strong_factor(&self) -> bool {
        self.factors
            .iter()
            .any(|f| matches!(f, Factor::Totp | Factor::Passkey | Factor::PasskeyVerified))
    }
}

/// A session just opened or raised: the token goes to the client once, as a cookie or bearer token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The secret the client presents.
    pub token: String,
    /// The session.
    pub session: Session,
}

/// Where a request came from, recorded with sessions and used for throttling.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The client's IP address.
    pub address: String,
    /// Its User-Agent header.
    pub user_agent: String,
}

/// An authenticator as listed to its holder (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthenticatorInfo {
    /// Its number.
    pub id: i64,
    /// The method.
    pub method: Method,
    /// A label ("Passkey on my phone", "Password").
    pub label: String,
    /// When it was added (Unix ms).
    pub created_at: i64,
    /// When it was last used.
    pub last_used_at: Option<i64>,
    /// Recovery codes: when spent.
    pub used_at: Option<i64>,
}

/// One entry of an account's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountEvent {
    /// Order of events.
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What: `created`, `activated`, `locked`, `unlocked`, `revoked`, `level_raised`, …
    pub action: String,
    /// Why, for lifecycle changes.
    pub reason: Option<String>,
    /// Details as JSON.
    pub detail: serde_json::Value,
}

/// A member of an organization's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The member's account.
    pub account_id: AccountId,
    /// The member's personal ID.
    pub personal_id: Option<PersonalId>,
    /// Their role in the organization.
    pub role: crate::lifecycle::MemberRole,
    /// Who granted it.
    pub granted_by: String,
    /// When.
    pub granted_at: i64,
}
