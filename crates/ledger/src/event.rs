//! What an entry says. Entries are public, so they hold metadata only: who did what to whose
//! record, which fields, why and under which legal basis — never the data itself. The person is
//! named by a keyed hash of their personal ID, so the log leaks no ID and cannot be searched by
//! one without the platform's key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The version of the entry format.
pub const ENTRY_VERSION: u8 = 1;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// An agency read a person's data through the exchange.
    #[serde(rename = "data.read")]
    DataRead,
    /// An agency asked for a person's data and was refused.
    #[serde(rename = "data.refused")]
    DataRefused,
    /// Claims about a person went to a relying party in an ID token or at userinfo.
    #[serde(rename = "claims.released")]
    ClaimsReleased,
    /// An officer opened a person's record in the console.
    #[serde(rename = "record.viewed")]
    RecordViewed,
    /// The person gave consent.
    #[serde(rename = "consent.given")]
    ConsentGiven,
    /// The person withdrew consent.
    #[serde(rename = "consent.withdrawn")]
    ConsentWithdrawn,
    /// The person's e-ID account changed (enrolled, locked, unlocked, level raised …).
    #[serde(rename = "account.changed")]
    AccountChanged,
    /// The person's registry record changed.
    #[serde(rename = "registry.changed")]
    RegistryChanged,
    /// A credential of one of the person's documents was issued to their wallet.
    #[serde(rename = "credential.issued")]
    CredentialIssued,
    /// A presentation of the person's credential was verified by the platform for a verifier.
    #[serde(rename = "credential.presented")]
    CredentialPresented,
}

impl Kind {
    /// The wire name, as stored and filtered on.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DataRead => "data.read",
            Kind::DataRefused => "data.refused",
            Kind::ClaimsReleased => "claims.released",
            Kind::RecordViewed => "record.viewed",
            Kind::ConsentGiven => "consent.given",
            Kind::ConsentWithdrawn => "consent.withdrawn",
            Kind::AccountChanged => "account.changed",
            Kind::RegistryChanged => "registry.changed",
            Kind::CredentialIssued => "credential.issued",
            Kind::CredentialPresented => "credential.presented",
        }
    }

    /// Whether this is someone reading a person's data (what "who accessed my data" lists first).
    pub fn is_access(self) -> bool {
        matches!(
            self,
            Kind::DataRead
                | Kind::DataRefused
                | Kind::ClaimsReleased
                | Kind::RecordViewed
                | Kind::CredentialPresented
        )
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `agency`, `relying_party`, `officer`, `citizen` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The agency's or relying party's client ID, the officer's account, …
    pub id: String,
}

/// A keyed hash of a personal ID (HMAC-SHA-256 under the platform's subject key), base64url.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubjectHash(pub String);

/// The key that turns personal IDs into [`SubjectHash`]es.
#[derive(Clone)]
pub struct SubjectKey(Vec<u8>);

impl SubjectKey {
    /// A key from stored bytes.
    pub fn new(bytes: Vec<u8>) -> SubjectKey {
        SubjectKey(bytes)
    }

    /// The keyed hash of one personal ID.
    pub fn hash(&self, personal_id: &str) -> SubjectHash {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(personal_id.as_bytes());
        SubjectHash(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Format version ([`ENTRY_VERSION`]).
    pub v: u8,
    /// When it happened (milliseconds).
    #[serde(with = "millis")]
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: Kind,
    /// Who did it.
    pub actor: Actor,
    /// Whose record, when it concerns one person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectHash>,
    /// Which data service (`population`, `land`, `oidc`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The fields read, released or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Why (the purpose given by the reader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Under which legal basis (a law, a decree, or `consent:<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// The request that caused it, to match with the reader's own logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// A short machine-readable note: the refusing rule, the change made, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Event {
    /// A new event of `kind` by `actor` at `at`, with everything else empty.
    pub fn new(kind: Kind, actor: Actor, at: DateTime<Utc>) -> Event {
        Event {
            v: ENTRY_VERSION,
            at,
            kind,
            actor,
            subject: None,
            service: None,
            fields: Vec::new(),
            purpose: None,
            legal_basis: None,
            request_id: None,
            detail: None,
        }
    }

    /// The entry bytes: compact JSON in field order. These bytes, not the parsed value, are the leaf.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an event serializes")
    }

    /// Reads entry bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Event, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

mod millis {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn entries_are_compact_json_in_a_fixed_order_and_read_back() {
        let key = SubjectKey::new(b"k".to_vec());
        let mut event = Event::new(
            Kind::DataRead,
            Actor {
                kind: "agency".into(),
                id: "bhxh".into(),
            },
            Utc.timestamp_millis_opt(1_764_403_200_123).unwrap(),
        );
        event.subject = Some(key.hash("001099000001"));
        event.fields = vec!["full_name".into()];
        event.purpose = Some("health insurance".into());
        let bytes = event.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"v":1,"at":"2025-11-29T08:00:00.123Z","kind":"data.read","actor":{"type":"agency","id":"bhxh"},"subject":""#), "{text}");
        assert!(!text.contains("001099000001"));
        assert_eq!(Event::from_bytes(&bytes).unwrap(), event);
    }

    #[test]
    fn the_subject_hash_depends_on_the_key() {
        let a = SubjectKey::new(b"a".to_vec()).hash("001099000001");
        let b = SubjectKey::new(b"b".to_vec()).hash("001099000001");
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 43);
    }
}
