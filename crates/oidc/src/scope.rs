//! Scopes and levels of assurance as the protocol names them.

use std::collections::BTreeSet;
use std::fmt;

use dinhdanh_accounts::Assurance;
use serde::{Deserialize, Serialize};

/// A scope a client may ask for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// OpenID Connect sign-in: an ID token with `sub`.
    OpenId,
    /// Names, date of birth, sex.
    Profile,
    /// Permanent residence.
    Address,
    /// The verified phone number.
    Phone,
    /// The 12-digit personal identification number.
    PersonalId,
    /// A namespaced service scope for agency-to-agency calls (`registry.read`, `land:query`).
    Service(String),
}

impl Scope {
    /// The identity scopes, in the order the consent page lists them.
    pub const IDENTITY: [Scope; 5] = [
        Scope::OpenId,
        Scope::Profile,
        Scope::Address,
        Scope::Phone,
        Scope::PersonalId,
    ];

    /// Parses one scope token.
    pub fn parse(text: &str) -> Result<Scope, String> {
        Ok(match text {
            "openid" => Scope::OpenId,
            "profile" => Scope::Profile,
            "address" => Scope::Address,
            "phone" => Scope::Phone,
            "personal_id" => Scope::PersonalId,
            other => {
                let well_formed = (3..=64).contains(&other.len())
                    && other.starts_with(|c: char| c.is_ascii_lowercase())
                    && other.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || matches!(b, b'.' | b':' | b'_' | b'-')
                    })
                    && other.contains(['.', ':']);
                if !well_formed {
                    return Err(format!(
                        "unknown scope {other:?} (identity scopes: openid, profile, address, \
                         phone, personal_id; service scopes are namespaced, like registry.read)"
                    ));
                }
                Scope::Service(other.to_owned())
            }
        })
    }

    /// The scope's name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Address => "address",
            Scope::Phone => "phone",
            Scope::PersonalId => "personal_id",
            Scope::Service(name) => name,
        }
    }

    /// Whether the scope asks for a citizen's data (and so needs a citizen's consent).
    pub fn is_identity(&self) -> bool {
        !matches!(self, Scope::Service(_))
    }

    /// The claims the scope releases.
    pub fn claims(&self) -> &'static [&'static str] {
        match self {
            Scope::OpenId => &["sub"],
            Scope::Profile => &[
                "name",
                "family_name",
                "middle_name",
                "given_name",
                "birthdate",
                "gender",
            ],
            Scope::Address => &["address"],
            Scope::Phone => &["phone_number", "phone_number_verified"],
            Scope::PersonalId => &["personal_id"],
            Scope::Service(_) => &[],
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Scope::parse(&value)
    }
}

impl From<Scope> for String {
    fn from(value: Scope) -> Self {
        value.as_str().to_owned()
    }
}

/// A space-separated scope list, parsed; repeated scopes collapse.
pub fn parse_scopes(text: &str) -> Result<BTreeSet<Scope>, String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(Scope::parse)
        .collect()
}

/// A scope set as a space-separated string.
pub fn join(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An `acr` value: the eIDAS level URIs or their short names.
pub fn parse_acr(text: &str) -> Option<Assurance> {
    [Assurance::Low, Assurance::Substantial, Assurance::High]
        .into_iter()
        .find(|a| a.acr() == text || a.name() == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print_back() {
        let scopes = parse_scopes("openid  profile openid registry.read").expect("valid");
        assert_eq!(join(&scopes), "openid profile registry.read");
        assert!(parse_scopes("openid admin").is_err());
        assert!(parse_scopes("openid Registry.read").is_err());
    }

    #[test]
    fn acr_values_read_uris_and_names() {
        assert_eq!(parse_acr("substantial"), Some(Assurance::Substantial));
        assert_eq!(
            parse_acr("http://eidas.europa.eu/LoA/high"),
            Some(Assurance::High)
        );
        assert_eq!(parse_acr("urn:mace:incommon:iap:silver"), None);
    }
}
