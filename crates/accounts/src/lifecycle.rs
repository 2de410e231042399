//! Account status and the causes for which an account is locked or revoked (Decree 69/2024/ND-CP,
//! Article 17): the holder's request, breach of the terms of use, the identity card revoked or
//! retained, death, and a competent authority's request. Pure types.

use serde::{Deserialize, Serialize};

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Created, waiting for its first authenticator.
    Pending,
    /// In use (it may still be locked: see the account's locks).
    Active,
    /// Closed for good.
    Revoked,
}

impl AccountStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Revoked => "revoked",
        }
    }

    /// Parses [`AccountStatus::as_str`].
    pub fn parse(value: &str) -> Option<AccountStatus> {
        Some(match value {
            "pending" => AccountStatus::Pending,
            "active" => AccountStatus::Active,
            "revoked" => AccountStatus::Revoked,
            _ => return None,
        })
    }
}

/// Why an account is locked or revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The holder asked.
    HolderRequest,
    /// The holder broke the terms of use.
    TermsBreach,
    /// The identity card was revoked or retained, or has expired.
    CardInvalid,
    /// The registry records the holder's death.
    Death,
    /// A competent authority asked.
    AuthorityRequest,
}

impl LockReason {
    /// Every reason, in display order.
    pub const ALL: [LockReason; 5] = [
        LockReason::HolderRequest,
        LockReason::TermsBreach,
        LockReason::CardInvalid,
        LockReason::Death,
        LockReason::AuthorityRequest,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::HolderRequest => "holder_request",
            LockReason::TermsBreach => "terms_breach",
            LockReason::CardInvalid => "card_invalid",
            LockReason::Death => "death",
            LockReason::AuthorityRequest => "authority_request",
        }
    }

    /// Parses [`LockReason::as_str`].
    pub fn parse(value: &str) -> Option<LockReason> {
        LockReason::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// Causes read from the registry: set and lifted by the platform, never by hand.
    pub fn is_automatic(self) -> bool {
        matches!(self, LockReason::CardInvalid | LockReason::Death)
    }
}

/// The platform roles besides "citizen", which every account holder has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Raises accounts to level 2 at a registration point.
    EnrolmentOfficer,
    /// Reads and corrects the registry for an agency; handles applications.
    AgencyOfficer,
    /// Runs the platform.
    Operator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::EnrolmentOfficer, Role::AgencyOfficer, Role::Operator];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::EnrolmentOfficer => "enrolment_officer",
            Role::AgencyOfficer => "agency_officer",
            Role::Operator => "operator",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// Roles a member can hold in an organization's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// The legal representative named in the registry.
    Representative,
    /// Manages members and acts for the organization.
    Administrator,
    /// Acts for the organization.
    Staff,
}

impl MemberRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Representative => "representative",
            MemberRole::Administrator => "administrator",
            MemberRole::Staff => "staff",
        }
    }

    /// Parses [`MemberRole::as_str`].
    pub fn parse(value: &str) -> Option<MemberRole> {
        Some(match value {
            "representative" => MemberRole::Representative,
            "administrator" => MemberRole::Administrator,
            "staff" => MemberRole::Staff,
            _ => return None,
        })
    }
}

/// An authentication type, which the holder can lock on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Password.
    Password,
    /// Time-based one-time codes.
    Totp,
    /// Passkeys.
    Passkey,
    /// Recovery codes.
    Recovery,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 4] = [
        Method::Password,
        Method::Totp,
        Method::Passkey,
        Method::Recovery,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Totp => "totp",
            Method::Passkey => "passkey",
            Method::Recovery => "recovery",
        }
    }

    /// Parses [`Method::as_str`].
    pub fn parse(value: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in LockReason::ALL {
            assert_eq!(LockReason::parse(r.as_str()), Some(r));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        for s in [
            AccountStatus::Pending,
            AccountStatus::Active,
            AccountStatus::Revoked,
        ] {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LockReason::parse("whim"), None);
    }

    #[test]
    fn only_registry_causes_are_automatic() {
        let automatic: Vec<_> = LockReason::ALL
            .into_iter()
            .filter(|r| r.is_automatic())
            .collect();
        assert_eq!(automatic, vec![LockReason::CardInvalid, LockReason::Death]);
    }
}
