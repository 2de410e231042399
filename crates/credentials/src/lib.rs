//! Verifiable digital documents: a citizen's documents integrated into the e-ID account and
//! issued as SD-JWT verifiable credentials (the format of the EU digital-identity wallet), which
//! any wallet can hold and any verifier can check, offline too.
//!
//! - [`sdjwt`]: the SD-JWT format — issuing with selectively disclosable claims, presenting with
//!   a key-binding JWT, and strict verification.
//! - [`status`]: Token Status Lists, through which the issuer revokes and suspends.
//! - [`types`]: the kinds of document and their fields.
//! - [`Credentials`]: documents from issuing agencies, their integration into accounts, the
//!   issuer's keys, OpenID4VCI issuance (offers with a pre-authorized code and a transaction
//!   code, tokens, nonces, the credential endpoint) and the status lists served. Every issuance
//!   is recorded in the access ledger before the credential leaves.
//! - [`presentation`]: verification by OpenID4VP with DCQL on a verifier's behalf, each
//!   presentation verified recorded in the citizen's ledger history.
//! - [`verify`]: the check itself, also for offline use.
#![forbid(unsafe_code)]

mod documents;
mod error;
mod issuance;
pub mod keys;
mod lists;
pub mod metadata;
mod offers;
pub mod presentation;
pub mod sdjwt;
pub mod status;
pub mod types;
pub mod verify;
mod writes;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use dinhdanh_accounts::Clock;
use dinhdanh_ledger::Ledger;
use dinhdanh_registry::Registry;
use dinhdanh_store::Db;

pub use documents::{
    Document, DocumentInput, Held, Holder, IssuingAgency, REGISTRY_ISSUER, issue_scope,
};
pub use error::{CredentialsError, Refusal};
pub use issuance::{CredentialRequest, IssuedCredential, PROOF_TYP};
pub use lists::{LIST_SIZE, ListToken as ServedList};
pub use offers::{Offer, TokenResponse, TxCodeAttempts};

/// The path, under the public origin, that is the credential issuer's identifier.
pub const ISSUER_PATH: &str = "/credentials";

/// The credentials capability.
#[derive(Clone)]
pub struct Credentials {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gate: Arc<tokio::sync::Mutex<()>>,
    registry: Registry,
    ledger: Ledger,
    clock: Clock,
    /// `<origin>/credentials`.
    issuer: String,
    keys: RwLock<Option<Arc<keys::IssuerKeys>>>,
    /// Status-list positions this node took and has not used yet: `next..end`.
    positions: tokio::sync::Mutex<(i64, i64)>,
    /// Signed status lists served recently, by list.
    lists: std::sync::Mutex<HashMap<i64, lists::Cached>>,
    /// Issuances committed in groups (SQLite).
    issues: Option<dinhdanh_store::group::GroupCommit<writes::Issue>>,
    /// The HMAC key nonces are made with, loaded once.
    nonce_key: tokio::sync::OnceCell<Vec<u8>>,
}

impl Credentials {
    /// The capability over `db`, issuing as `<origin>/credentials`; what it issues is recorded
    /// in `ledger`, and identity cards are made from `registry`.
    pub fn new(
        db: &Db,
        gate: Arc<tokio::sync::Mutex<()>>,
        registry: Registry,
        ledger: Ledger,
        clock: Clock,
        origin: &str,
    ) -> Credentials {
        let issues = writes::group_for(db, gate.clone());
        Credentials {
            inner: Arc::new(Inner {
                issues,
                nonce_key: tokio::sync::OnceCell::new(),
                db: db.clone(),
                gate,
                registry,
                ledger,
                clock,
                issuer: format!("{}{ISSUER_PATH}", origin.trim_end_matches('/')),
                keys: RwLock::new(None),
                positions: tokio::sync::Mutex::new((0, 0)),
                lists: std::sync::Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The credential issuer identifier (`iss` of every credential).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

impl Credentials {
    /// Deletes what can no longer be used: used nonces and access tokens past their expiry,
    /// offers and presentation requests a day after theirs. Returns the rows deleted.
    pub async fn purge_expired(&self) -> Result<u64, CredentialsError> {
        let now = self.now_ms();
        let day_ago = now - 86_400_000;
        let deleted = dinhdanh_store::write_tx!(self.db(), self.inner.gate, |tx| {
            let mut n = 0;
            for (sql, before) in [
                ("DELETE FROM credential_nonces WHERE expires_at < $1", now),
                ("DELETE FROM credential_tokens WHERE expires_at < $1", now),
                (
                    "DELETE FROM credential_offers WHERE expires_at < $1",
                    day_ago,
                ),
                (
                    "DELETE FROM credential_presentations WHERE expires_at < $1",
                    day_ago,
                ),
            ] {
                n += sqlx::query(sql)
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            n
        });
        Ok(deleted)
    }
}

/// 128 random bits, base64url: identifiers and nonces.
pub(crate) fn random_id() -> String {
    dinhdanh_oidc::jose::b64(rand::random::<[u8; 16]>())
}

/// SHA-256 of `secret`, base64url: how codes and tokens are stored.
pub(crate) fn hash(secret: &str) -> String {
    use sha2::Digest as _;
    dinhdanh_oidc::jose::b64(sha2::Sha256::digest(secret.as_bytes()))
}
