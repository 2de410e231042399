//! The issuer's signing keys. Credentials live for months, so unlike the OpenID provider's keys
//! a credential key stays published after it is rotated out: every credential it signed stays
//! verifiable until it expires. Only withdrawing a key (when it may be compromised) takes it out
//! of the published set, and with it every credential it signed.
//!
//! Each node keeps the keys in memory for [`KEYS_MEMORY`], so a rotation or withdrawal made by
//! the CLI or another node is followed within that time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dinhdanh_oidc::jose::{Alg, SigningKey};
use dinhdanh_store::on_db;
use serde_json::{Value, json};
use sqlx::FromRow;

use crate::{Credentials, CredentialsError};

/// How long a node trusts its copy of the keys.
pub const KEYS_MEMORY: Duration = Duration::from_secs(30);

/// The keys as one node holds them.
#[derive(Debug)]
pub struct IssuerKeys {
    /// The key that signs now.
    pub signer: Arc<SigningKey>,
    /// Every published public key, by `kid`.
    pub published: BTreeMap<String, Value>,
    loaded: Instant,
}

impl IssuerKeys {
    /// The JWK Set of the published keys.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.published.values().collect::<Vec<_>>()})
    }
}

/// A stored key, as `dinhdanh credential keys list` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    /// Key ID.
    pub kid: String,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Rotated out (Unix ms): it signs no more.
    pub retired_at: Option<i64>,
    /// Withdrawn (Unix ms): no longer published, so what it signed no longer verifies.
    pub withdrawn_at: Option<i64>,
}

#[derive(FromRow)]
struct KeyRow {
    kid: String,
    private_key: Vec<u8>,
    created_at: i64,
    retired_at: Option<i64>,
    withdrawn_at: Option<i64>,
}

impl Credentials {
    /// The keys, loaded (and the first one created) as needed.
    pub async fn keys(&self) -> Result<Arc<IssuerKeys>, CredentialsError> {
        if let Some(keys) = self.inner.keys.read().expect("keys lock").clone()
            && keys.loaded.elapsed() < KEYS_MEMORY
        {
            return Ok(keys);
        }
        let mut rows = self.key_rows().await?;
        if !rows.iter().any(|r| r.retired_at.is_none()) {
            self.insert_key(None).await?;
            rows = self.key_rows().await?;
        }
        let current = rows
            .iter()
            .find(|r| r.retired_at.is_none())
            .ok_or_else(|| CredentialsError::Storage("no current issuer key".into()))?;
        let signer = Arc::new(SigningKey::from_pkcs8(
            &current.kid,
            Alg::ES256,
            &current.private_key,
        )?);
        let mut published = BTreeMap::new();
        for row in rows.iter().filter(|r| r.withdrawn_at.is_none()) {
            let key = SigningKey::from_pkcs8(&row.kid, Alg::ES256, &row.private_key)?;
            published.insert(row.kid.clone(), key.public_jwk().clone());
        }
        let keys = Arc::new(IssuerKeys {
            signer,
            published,
            loaded: Instant::now(),
        });
        *self.inner.keys.write().expect("keys lock") = Some(keys.clone());
        Ok(keys)
    }

    /// Forgets the keys held in memory.
    pub fn forget_keys(&self) {
        *self.inner.keys.write().expect("keys lock") = None;
    }

    async fn key_rows(&self) -> Result<Vec<KeyRow>, sqlx::Error> {
        on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT kid, private_key, created_at, retired_at, withdrawn_at
                 FROM credential_keys ORDER BY created_at",
            )
            .fetch_all(pool)
            .await
        })
    }

    /// Adds a current key, retiring the one before in the same transaction when `retire` is
    /// set; without it, a concurrent first start that already added one wins (no-op).
    async fn insert_key(&self, retire: Option<i64>) -> Result<String, CredentialsError> {
        let (key, der) = SigningKey::generate(Alg::ES256)?;
        let now = self.now_ms();
        dinhdanh_store::write_tx!(self.db(), self.inner.gate, |tx| {
            if let Some(at) = retire {
                sqlx::query("UPDATE credential_keys SET retired_at = $1 WHERE retired_at IS NULL")
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO credential_keys (kid, alg, private_key, public_jwk, created_at)
                 VALUES ($1, 'ES256', $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(key.kid())
            .bind(&der)
            .bind(key.public_jwk().to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        self.forget_keys();
        Ok(key.kid().to_owned())
    }

    /// Retires the current key and creates the next; the retired key stays published. Returns
    /// the new key's ID.
    pub async fn rotate_keys(&self) -> Result<String, CredentialsError> {
        self.keys().await?;
        self.insert_key(Some(self.now_ms())).await
    }

    /// Takes a retired key out of the published set: every credential it signed stops
    /// verifying. The current key cannot be withdrawn; rotate first.
    pub async fn withdraw_key(&self, kid: &str) -> Result<(), CredentialsError> {
        let now = self.now_ms();
        let changed = dinhdanh_store::write_on_db!(self.db(), self.inner.gate, |pool| {
            sqlx::query(
                "UPDATE credential_keys SET withdrawn_at = $2
                 WHERE kid = $1 AND retired_at IS NOT NULL AND withdrawn_at IS NULL",
            )
            .bind(kid)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if changed != 1 {
            return Err(CredentialsError::invalid(
                "kid",
                format!("{kid:?} is not a retired, published key (rotate before withdrawing)"),
            ));
        }
        self.forget_keys();
        Ok(())
    }

    /// Every stored key, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyInfo>, CredentialsError> {
        self.keys().await?;
        Ok(self
            .key_rows()
            .await?
            .into_iter()
            .map(|r| KeyInfo {
                kid: r.kid,
                created_at: r.created_at,
                retired_at: r.retired_at,
                withdrawn_at: r.withdrawn_at,
            })
            .collect())
    }

    /// The published key `kid` of this issuer, reloading once if this node does not know it.
    pub async fn published_key(&self, kid: &str) -> Result<Option<Value>, CredentialsError> {
        let keys = self.keys().await?;
        if let Some(jwk) = keys.published.get(kid) {
            return Ok(Some(jwk.clone()));
        }
        // Another node may have rotated a moment ago; reload, but at most every few seconds,
        // so unknown key IDs cannot make every request read the database.
        if keys.loaded.elapsed() < Duration::from_secs(5) {
            return Ok(None);
        }
        self.forget_keys();
        Ok(self.keys().await?.published.get(kid).cloned())
    }
}
