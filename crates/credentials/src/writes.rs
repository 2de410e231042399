//! The issuance's one write: the nonce its proof used, the access token spent, and the
//! credential's row, in one transaction. On SQLite these go through a
//! [`GroupCommit`](dinhdanh_store::group::GroupCommit), so that issuances arriving together share
//! one commit and its fsync; on PostgreSQL each is one statement committed on its own (the server
//! groups concurrent commits itself).
//!
//! A replayed nonce (its primary key taken) or a spent token makes the write fail with
//! [`sqlx::Error::Protocol`] naming which, so the caller answers `invalid_nonce` or
//! `invalid_token`; the group it was in is rolled back and written again without it.

use std::sync::Arc;

use dinhdanh_store::group::{GroupCommit, GroupedWrite};
use sqlx::SqliteConnection;

use crate::{Credentials, CredentialsError};

/// At most this many issuances share one SQLite commit.
const GROUP_MAX: usize = 128;
/// The message of the error a replayed nonce gives.
pub(crate) const NONCE_USED: &str = "nonce already used";
/// The message of the error a spent token gives.
pub(crate) const TOKEN_SPENT: &str = "access token already used";

/// One credential's row.
pub(crate) struct IssuedRow {
    pub(crate) credential_id: String,
    pub(crate) list: i64,
    pub(crate) idx: i64,
    pub(crate) account: i64,
    pub(crate) document_id: String,
    pub(crate) doc_type: String,
    pub(crate) kid: String,
    pub(crate) holder_jkt: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
}

/// What one issuance writes.
pub(crate) struct Issue {
    /// The proof's nonce and when it expires (Unix ms), for a wallet's credential.
    pub(crate) nonce: Option<(String, i64)>,
    /// The access token spent, for a wallet's credential.
    pub(crate) token_hash: Option<String>,
    /// The credential.
    pub(crate) row: IssuedRow,
    pub(crate) now: i64,
}

macro_rules! apply_issue {
    ($conn:expr, $w:expr) => {{
        let w: &Issue = $w;
        if let Some((nonce, expires)) = &w.nonce {
            let taken = sqlx::query(
                "INSERT INTO credential_nonces (nonce, expires_at) VALUES ($1, $2)
                 ON CONFLICT (nonce) DO NOTHING",
            )
            .bind(nonce)
            .bind(expires)
            .execute(&mut *$conn)
            .await?
            .rows_affected();
            if taken != 1 {
                return Err(sqlx::Error::Protocol(NONCE_USED.into()));
            }
        }
        if let Some(token) = &w.token_hash {
            let spent = sqlx::query(
                "UPDATE credential_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
            )
            .bind(token)
            .bind(w.now)
            .execute(&mut *$conn)
            .await?
            .rows_affected();
            if spent != 1 {
                return Err(sqlx::Error::Protocol(TOKEN_SPENT.into()));
            }
        }
        let r = &w.row;
        sqlx::query(
            "INSERT INTO credentials_issued
                 (credential_id, list_id, idx, account_id, document_id, doc_type, kid, holder_jkt,
                  issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&r.credential_id)
        .bind(r.list)
        .bind(r.idx)
        .bind(r.account)
        .bind(&r.document_id)
        .bind(&r.doc_type)
        .bind(&r.kid)
        .bind(&r.holder_jkt)
        .bind(r.issued_at)
        .bind(r.expires_at)
        .execute(&mut *$conn)
        .await?;
        Ok::<(), sqlx::Error>(())
    }};
}

impl GroupedWrite for Issue {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        apply_issue!(conn, self)
    }
}

/// On PostgreSQL, the whole write as one statement, committed on its own: the nonce is
/// recorded, then the token spent, then the credential stored, each only if the one before
/// succeeded. When nothing is stored, a second look tells why (rare: a replay).
async fn write_pg(pool: &sqlx::PgPool, w: &Issue) -> Result<(), sqlx::Error> {
    let r = &w.row;
    let (nonce, nonce_expires) = match &w.nonce {
        Some((n, e)) => (Some(n.as_str()), Some(*e)),
        None => (None, None),
    };
    let stored = sqlx::query(
        "WITH n AS (
             INSERT INTO credential_nonces (nonce, expires_at)
             SELECT $1, $2 WHERE $1 IS NOT NULL
             ON CONFLICT (nonce) DO NOTHING RETURNING 1
         ), t AS (
             UPDATE credential_tokens SET used_at = $4
             WHERE token_hash = $3 AND used_at IS NULL
               AND ($1 IS NULL OR EXISTS (SELECT 1 FROM n))
             RETURNING 1
         )
         INSERT INTO credentials_issued
             (credential_id, list_id, idx, account_id, document_id, doc_type, kid, holder_jkt,
              issued_at, expires_at)
         SELECT $5, $6, $7, $8, $9, $10, $11, $12, $4, $13
         WHERE ($3 IS NULL AND $1 IS NULL) OR EXISTS (SELECT 1 FROM t)",
    )
    .bind(nonce)
    .bind(nonce_expires)
    .bind(w.token_hash.as_deref())
    .bind(w.now)
    .bind(&r.credential_id)
    .bind(r.list)
    .bind(r.idx)
    .bind(r.account)
    .bind(&r.document_id)
    .bind(&r.doc_type)
    .bind(&r.kid)
    .bind(&r.holder_jkt)
    .bind(r.expires_at)
    .execute(pool)
    .await?
    .rows_affected();
    if stored == 1 {
        return Ok(());
    }
    // Nothing was written: either the nonce was taken before, or the token was spent.
    let (nonce_taken,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM credential_nonces WHERE nonce = $1)")
            .bind(nonce)
            .fetch_one(pool)
            .await?;
    Err(sqlx::Error::Protocol(
        if nonce_taken && w.token_hash.is_some() && !token_spent(pool, w).await? {
            NONCE_USED
        } else {
            TOKEN_SPENT
        }
        .into(),
    ))
}

async fn token_spent(pool: &sqlx::PgPool, w: &Issue) -> Result<bool, sqlx::Error> {
    let (spent,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM credential_tokens WHERE token_hash = $1 AND used_at IS NOT NULL)",
    )
    .bind(w.token_hash.as_deref())
    .fetch_one(pool)
    .await?;
    Ok(spent)
}

/// The group committer for `db`: on SQLite only.
pub(crate) fn group_for(
    db: &dinhdanh_store::Db,
    gate: Arc<tokio::sync::Mutex<()>>,
) -> Option<GroupCommit<Issue>> {
    match db {
        dinhdanh_store::Db::Sqlite(pool) => Some(GroupCommit::new(pool.clone(), gate, GROUP_MAX)),
        dinhdanh_store::Db::Postgres(_) => None,
    }
}

impl Credentials {
    /// Commits one issuance.
    pub(crate) async fn write_issue(&self, write: Issue) -> Result<(), CredentialsError> {
        let done = match (self.db(), &self.inner.issues) {
            (dinhdanh_store::Db::Sqlite(_), Some(group)) => group.write(write).await,
            (dinhdanh_store::Db::Sqlite(pool), None) => {
                let _gate = self.inner.gate.lock().await;
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let conn: &mut SqliteConnection = &mut tx;
                match async { apply_issue!(conn, &write) }.await {
                    Ok(()) => tx.commit().await,
                    Err(e) => Err(e),
                }
            }
            (dinhdanh_store::Db::Postgres(pool), _) => write_pg(pool, &write).await,
        };
        match done {
            Err(sqlx::Error::Protocol(m)) if m == NONCE_USED => Err(CredentialsError::protocol(
                "invalid_nonce",
                400,
                "the nonce was already used: fetch a new one from the nonce endpoint",
            )),
            Err(sqlx::Error::Protocol(m)) if m == TOKEN_SPENT => Err(CredentialsError::protocol(
                "invalid_token",
                401,
                "the access token was already used for its credential",
            )),
            other => Ok(other?),
        }
    }
}
