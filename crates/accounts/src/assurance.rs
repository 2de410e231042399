//! Levels of assurance: what a session is worth, from how the account was proven (its level) and
//! which authentication factors the session has used. Pure rules, no I/O.
//!
//! The mapping follows eIDAS (Implementing Regulation (EU) 2015/1502): a session's level is the
//! lower of the identity-proofing level and the authentication level.
//!
//! | account | factors used in the session                          | level        |
//! |---------|------------------------------------------------------|--------------|
//! | level 1 | anything                                             | low          |
//! | level 2 | one factor (password, TOTP, recovery code, passkey without user verification) | low |
//! | level 2 | two factors of different kinds (e.g. password + TOTP) | substantial |
//! | level 2 | a passkey with user verification                      | high         |
//!
//! Level 1 is self-registration matched against the registry plus a phone code: identity proofing
//! at *low*. Level 2 is in person, with the identity card and fingerprints checked: proofing at
//! *high*, so the authentication decides. A passkey with user verification is a hardware-bound key
//! unlocked by a PIN or biometric: two factors in one tamper-resistant device, hence *high*.

use serde::{Deserialize, Serialize};

/// How an account's holder was identified when it was created or raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccountLevel {
    /// Online self-registration, checked against the registry and a phone.
    One = 1,
    /// In person: identity card and fingerprints checked by an enrolment officer.
    Two = 2,
}

impl AccountLevel {
    /// From the stored number.
    pub fn from_i64(value: i64) -> Option<AccountLevel> {
        match value {
            1 => Some(AccountLevel::One),
            2 => Some(AccountLevel::Two),
            _ => None,
        }
    }
}

/// An authentication factor a session has presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Factor {
    /// Something the holder knows.
    Password,
    /// A time-based code from an enrolled app: something the holder has.
    Totp,
    /// A passkey used without user verification: something the holder has.
    Passkey,
    /// A passkey used with a PIN or biometric on the device: has, and knows or is.
    PasskeyVerified,
    /// A one-time recovery code: a fallback, counted as one factor.
    RecoveryCode,
    /// A code sent to the registered phone (registration and activation only).
    PhoneCode,
}

/// The kind of an authentication factor, as eIDAS counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    /// Knowledge.
    Knowledge,
    /// Possession.
    Possession,
}

impl Factor {
    /// The name used in `amr` claims (RFC 8176) and in storage.
    pub fn amr(self) -> &'static str {
        match self {
            Factor::Password => "pwd",
            Factor::Totp => "otp",
            Factor::Passkey => "hwk",
            Factor::PasskeyVerified => "hwk+uv",
            Factor::RecoveryCode => "rec",
            Factor::PhoneCode => "sms",
        }
    }

    /// Parses [`Factor::amr`].
    pub fn from_amr(value: &str) -> Option<Factor> {
        Some(match value {
            "pwd" => Factor::Password,
            "otp" => Factor::Totp,
            "hwk" => Factor::Passkey,
            "hwk+uv" => Factor::PasskeyVerified,
            "rec" => Factor::RecoveryCode,
            "sms" => Factor::PhoneCode,
            _ => return None,
        })
    }

    /// Knowledge or possession. A recovery code is a written-down secret: knowledge.
    pub fn kind(self) -> FactorKind {
        match self {
            Factor::Password | Factor::RecoveryCode => FactorKind::Knowledge,
            Factor::Totp | Factor::Passkey | Factor::PasskeyVerified | Factor::PhoneCode => {
                FactorKind::Possession
            }
        }
    }
}

/// The eIDAS level of assurance of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assurance {
    /// Enough to see one's own dashboard; not enough for most relying parties.
    Low = 1,
    /// Two factors of different kinds on an in-person-proven account.
    Substantial = 2,
    /// A user-verified passkey on an in-person-proven account.
    High = 3,
}

impl Assurance {
    /// The `acr` value relying parties see (the eIDAS level URIs).
    pub fn acr(self) -> &'static str {
        match self {
            Assurance::Low => "http://eidas.europa.eu/LoA/low",
            Assurance::Substantial => "http://eidas.europa.eu/LoA/substantial",
            Assurance::High => "http://eidas.europa.eu/LoA/high",
        }
    }

    /// From the stored number.
    pub fn from_i64(value: i64) -> Option<Assurance> {
        match value {
            1 => Some(Assurance::Low),
            2 => Some(Assurance::Substantial),
            3 => Some(Assurance::High),
            _ => None,
        }
    }

    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Assurance::Low => "low",
            Assurance::Substantial => "substantial",
            Assurance::High => "high",
        }
    }
}

/// The level a session reaches with `factors` on an account of `level`; `None` when the factors
/// authenticate nothing (a phone code alone only opens enrolment).
pub fn assurance(level: AccountLevel, factors: &[Factor]) -> Option<Assurance> {
    let authenticating: Vec<Factor> = factors
        .iter()
        .copied()
        .filter(|f| *f != Factor::PhoneCode)
        .collect();
    if authenticating.is_empty() {
        return None;
    }
    if level == AccountLevel::One {
        return Some(Assurance::Low);
    }
    if authenticating.contains(&Factor::PasskeyVerified) {
        return Some(Assurance::High);
    }
    let knows = authenticating
        .iter()
        .any(|f| f.kind() == FactorKind::Knowledge);
    let has = authenticating
        .iter()
        .any(|f| f.kind() == FactorKind::Possession);
    Some(if knows && has {
        Assurance::Substantial
    } else {
        Assurance::Low
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountLevel::*;
    use Factor::*;

    #[test]
    fn level_one_is_always_low() {
        assert_eq!(assurance(One, &[Password]), Some(Assurance::Low));
        assert_eq!(assurance(One, &[Password, Totp]), Some(Assurance::Low));
        assert_eq!(assurance(One, &[PasskeyVerified]), Some(Assurance::Low));
    }

    #[test]
    fn level_two_depends_on_the_factors() {
        assert_eq!(assurance(Two, &[Password]), Some(Assurance::Low));
        assert_eq!(assurance(Two, &[Totp]), Some(Assurance::Low));
        assert_eq!(assurance(Two, &[Passkey]), Some(Assurance::Low));
        assert_eq!(
            assurance(Two, &[Password, Totp]),
            Some(Assurance::Substantial)
        );
        assert_eq!(
            assurance(Two, &[Password, Passkey]),
            Some(Assurance::Substantial)
        );
        assert_eq!(
            assurance(Two, &[RecoveryCode, Totp]),
            Some(Assurance::Substantial)
        );
        assert_eq!(assurance(Two, &[PasskeyVerified]), Some(Assurance::High));
        assert_eq!(
            assurance(Two, &[Password, PasskeyVerified]),
            Some(Assurance::High)
        );
    }

    #[test]
    fn two_factors_of_one_kind_stay_low() {
        assert_eq!(assurance(Two, &[Totp, Passkey]), Some(Assurance::Low));
        assert_eq!(
            assurance(Two, &[Password, RecoveryCode]),
            Some(Assurance::Low)
        );
    }

    #[test]
    fn a_phone_code_alone_authenticates_nothing() {
        assert_eq!(assurance(Two, &[PhoneCode]), None);
        assert_eq!(assurance(Two, &[]), None);
        assert_eq!(assurance(Two, &[PhoneCode, Password]), Some(Assurance::Low));
    }

    #[test]
    fn amr_names_round_trip() {
        for f in [
            Password,
            Totp,
            Passkey,
            PasskeyVerified,
            RecoveryCode,
            PhoneCode,
        ] {
            assert_eq!(Factor::from_amr(f.amr()), Some(f));
        }
        assert_eq!(Factor::from_amr("face"), None);
    }
}
