//! The provider's signing keys: one current key per algorithm, created on first start and stored in
//! the database so that every node signs with the same keys; `rotate` retires the current key and
//! creates the next, and the JWKS keeps publishing the newest retired key of each algorithm so
//! that tokens it signed stay verifiable until they expire.
//!
//! Each node keeps the parsed keys in memory and reloads them when they are older than
//! [`KEYS_MEMORY`], so a rotation made by the CLI or another node is followed within that time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::FromRow;

use crate::Oidc;
use crate::db::on_db;
use crate::error::AdminError;
use crate::jose::{Alg, SigningKey};

/// How long a node trusts its copy of the key set.
pub const KEYS_MEMORY: Duration = Duration::from_secs(60);

/// The keys as one node holds them.
#[derive(Debug)]
pub struct KeySet {
    /// The newest key of each algorithm.
    current: BTreeMap<Alg, Arc<SigningKey>>,
    /// The key each algorithm signs with: the newest once every node has had time to publish it
    /// ([`KEYS_MEMORY`] after its creation), the one before until then. Relying parties that
    /// fetch the JWKS from any node therefore always find the key of a token.
    signers: BTreeMap<Alg, Arc<SigningKey>>,
    /// Every published key (current and the newest retired one per algorithm), by `kid`.
    published: BTreeMap<String, Arc<SigningKey>>,
    loaded: Instant,
}

impl KeySet {
    /// The newest key for `alg`.
    pub fn current(&self, alg: Alg) -> Option<&Arc<SigningKey>> {
        self.current.get(&alg)
    }

    /// The key that signs for `alg` now.
    pub fn signer(&self, alg: Alg) -> Option<&Arc<SigningKey>> {
        self.signers.get(&alg).or_else(|| self.current.get(&alg))
    }

    /// A published key by `kid` (for checking our own tokens).
    pub fn by_kid(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.published.get(kid)
    }

    /// The JWK Set document.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.published.values().map(|k| k.public_jwk()).collect::<Vec<_>>()})
    }
}

/// A stored key, as listed by `dinhdanh keys list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    /// Key ID.
    pub kid: String,
    /// Algorithm.
    pub alg: String,
    /// Creation (Unix ms).
    pub created_at: i64,
    /// When a newer key replaced it (Unix ms).
    pub retired_at: Option<i64>,
    /// Whether the JWKS publishes it.
    pub published: bool,
}

#[derive(FromRow)]
struct KeyRow {
    kid: String,
    alg: String,
    private_key: Vec<u8>,
    created_at: i64,
    retired_at: Option<i64>,
}

impl Oidc {
    /// The key set, loaded (and created on the first start) as needed.
    pub async fn keys(&self) -> Result<Arc<KeySet>, AdminError> {
        if let Some(keys) = self.inner.keys.read().expect("keys lock").clone()
            && keys.loaded.elapsed() < KEYS_MEMORY
        {
            return Ok(keys);
        }
        let keys = Arc::new(self.load_keys().await?);
        *self.inner.keys.write().expect("keys lock") = Some(keys.clone());
        Ok(keys)
    }

    /// A published key by `kid`; when this node does not know it yet (another node rotated a
    /// moment ago), the keys are reloaded once, at most every few seconds.
    pub async fn key_by_kid(&self, kid: &str) -> Result<Option<Arc<SigningKey>>, AdminError> {
        let keys = self.keys().await?;
        if let Some(key) = keys.by_kid(kid) {
            return Ok(Some(key.clone()));
        }
        if keys.loaded.elapsed() < Duration::from_secs(5) {
            return Ok(None);
        }
        self.forget_keys();
        Ok(self.keys().await?.by_kid(kid).cloned())
    }

    /// Forgets the keys held in memory, so the next use reloads them.
    pub fn forget_keys(&self) {
        *self.inner.keys.write().expect("keys lock") = None;
    }

    async fn load_keys(&self) -> Result<KeySet, AdminError> {
        let mut rows = self.key_rows().await?;
        let missing: Vec<Alg> = Alg::ALL
            .into_iter()
            .filter(|alg| {
                !rows
                    .iter()
                    .any(|r| r.alg == alg.name() && r.retired_at.is_none())
            })
            .collect();
        if !missing.is_empty() {
            for alg in missing {
                self.insert_key(alg).await?;
            }
            rows = self.key_rows().await?;
        }
        let mut set = KeySet {
            current: BTreeMap::new(),
            signers: BTreeMap::new(),
            published: BTreeMap::new(),
            loaded: Instant::now(),
        };
        let settled_before = self.now() - KEYS_MEMORY.as_millis() as i64;
        let mut previous: BTreeMap<Alg, Arc<SigningKey>> = BTreeMap::new();
        for row in rows.iter().filter(|r| published(r, &rows)) {
            let alg = Alg::parse(&row.alg)
                .ok_or_else(|| AdminError::invalid("alg", format!("stored {:?}", row.alg)))?;
            let key = Arc::new(SigningKey::from_pkcs8(&row.kid, alg, &row.private_key)?);
            if row.retired_at.is_none() {
                set.current.insert(alg, key.clone());
                if row.created_at <= settled_before {
                    set.signers.insert(alg, key.clone());
                }
            } else {
                previous.insert(alg, key.clone());
            }
            set.published.insert(row.kid.clone(), key);
        }
        for (alg, key) in previous {
            set.signers.entry(alg).or_insert(key);
        }
        Ok(set)
    }

    async fn key_rows(&self) -> Result<Vec<KeyRow>, sqlx::Error> {
        on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT kid, alg, private_key, created_at, retired_at FROM oidc_keys
                 ORDER BY created_at",
            )
            .fetch_all(pool)
            .await
        })
    }

    /// Adds a current key for `alg` unless another node just did (the unique index on current
    /// keys makes the second insert a no-op).
    async fn insert_key(&self, alg: Alg) -> Result<(), AdminError> {
        let (key, der) = SigningKey::generate(alg)?;
        let now = self.now();
        on_db!(self.db(), |pool| {
            sqlx::query(
                "INSERT INTO oidc_keys (kid, alg, private_key, public_jwk, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(key.kid())
            .bind(alg.name())
            .bind(&der)
            .bind(key.public_jwk().to_string())
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Retires the current key of each algorithm in `algs` and creates its successor. The
    /// retired key stays in the JWKS until the next rotation. Returns the new key IDs.
    pub async fn rotate_keys(&self, algs: &[Alg]) -> Result<Vec<(Alg, String)>, AdminError> {
        let mut created = Vec::new();
        for &alg in algs {
            let (key, der) = SigningKey::generate(alg)?;
            let now = self.now();
            on_db!(self.db(), |pool| {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "UPDATE oidc_keys SET retired_at = $1 WHERE alg = $2 AND retired_at IS NULL",
                )
                .bind(now)
                .bind(alg.name())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO oidc_keys (kid, alg, private_key, public_jwk, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(key.kid())
                .bind(alg.name())
                .bind(&der)
                .bind(key.public_jwk().to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await
            })?;
            created.push((alg, key.kid().to_owned()));
        }
        self.forget_keys();
        Ok(created)
    }

    /// Every stored key, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyInfo>, AdminError> {
        self.keys().await?;
        let rows = self.key_rows().await?;
        Ok(rows
            .iter()
            .map(|r| KeyInfo {
                kid: r.kid.clone(),
                alg: r.alg.clone(),
                created_at: r.created_at,
                retired_at: r.retired_at,
                published: published(r, &rows),
            })
            .collect())
    }
}

/// A key is published while current, and while it is the newest retired key of its algorithm.
fn published(row: &KeyRow, all: &[KeyRow]) -> bool {
    match row.retired_at {
        None => true,
        Some(retired) => !all.iter().any(|other| {
            other.alg == row.alg
                && other.kid != row.kid
                && other.retired_at.is_some_and(|r| r > retired)
        }),
    }
}
