//! The provider's hot writes, committed in groups on SQLite.
//!
//! Every token request writes: an assertion's `jti`, a code, a grant and its first refresh
//! token, a rotation. SQLite commits one transaction at a time and each commit waits for the disk,
//! so on SQLite these writes go through a [`GroupCommit`]: what arrives together shares one
//! transaction and one fsync. On PostgreSQL each runs in its own transaction; the server groups
//! concurrent commits itself.
//!
//! Each write is a plain statement sequence over its own rows, safe to run again after a rolled-back
//! group. A single-use thing that is already used makes its write fail: a `jti` seen before breaks
//! the primary key, and a code or refresh token already spent makes the write end with
//! [`sqlx::Error::RowNotFound`].

use dinhdanh_store::group::GroupedWrite;
use sqlx::SqliteConnection;

use crate::Oidc;

/// A grant, as stored.
#[derive(Debug, Clone)]
pub(crate) struct GrantRow {
    pub grant_id: String,
    pub client_id: String,
    pub account_id: i64,
    pub session: String,
    pub scopes: String,
    pub details: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A refresh token, as stored.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRow {
    pub token_hash: Vec<u8>,
    pub grant_id: String,
    pub scopes: String,
    pub dpop_jkt: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// One write.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// A `jti` (of an assertion, a proof, a request object) is used.
    Jti {
        scope: String,
        jti: String,
        expires_at: i64,
    },
    /// A code is issued, ending the interaction it completes.
    Code {
        code_hash: Vec<u8>,
        grant_id: String,
        client_id: String,
        details: String,
        expires_at: i64,
        interaction: Option<Vec<u8>>,
    },
    /// A code is redeemed (only if unused): its grant and first refresh token are stored.
    Redeem {
        code_hash: Vec<u8>,
        now: i64,
        grant: GrantRow,
        refresh: Option<RefreshRow>,
    },
    /// A refresh token is spent (only if unused) and its successor stored.
    Rotate {
        old_hash: Vec<u8>,
        now: i64,
        next: RefreshRow,
    },
}

/// Runs `$write` on `$conn` (a SQLite or PostgreSQL connection): the same SQL for both.
macro_rules! apply_write {
    ($conn:expr, $write:expr) => {{
        match $write {
            Write::Jti {
                scope,
                jti,
                expires_at,
            } => {
                sqlx::query(
                    "INSERT INTO oidc_used_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)",
                )
                .bind(scope)
                .bind(jti)
                .bind(expires_at)
                .execute(&mut *$conn)
                .await?;
            }
            Write::Code {
                code_hash,
                grant_id,
                client_id,
                details,
                expires_at,
                interaction,
            } => {
                if let Some(id_hash) = interaction {
                    sqlx::query(
                        "DELETE FROM oidc_requests WHERE id_hash = $1 AND kind = 'interaction'",
                    )
                    .bind(id_hash)
                    .execute(&mut *$conn)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO oidc_codes (code_hash, grant_id, client_id, details, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(code_hash)
                .bind(grant_id)
                .bind(client_id)
                .bind(details)
                .bind(expires_at)
                .execute(&mut *$conn)
                .await?;
            }
            Write::Redeem {
                code_hash,
                now,
                grant,
                refresh,
            } => {
                let spent = sqlx::query(
                    "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
                )
                .bind(code_hash)
                .bind(now)
                .execute(&mut *$conn)
                .await?
                .rows_affected();
                if spent == 0 {
                    return Err(sqlx::Error::RowNotFound);
                }
                sqlx::query(
                    "INSERT INTO oidc_grants (grant_id, client_id, account_id, session, scopes,
                                              details, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&grant.grant_id)
                .bind(&grant.client_id)
                .bind(grant.account_id)
                .bind(&grant.session)
                .bind(&grant.scopes)
                .bind(&grant.details)
                .bind(grant.created_at)
                .bind(grant.expires_at)
                .execute(&mut *$conn)
                .await?;
                if let Some(r) = refresh {
                    insert_refresh!(&mut *$conn, r);
                }
            }
            Write::Rotate {
                old_hash,
                now,
                next,
            } => {
                let spent = sqlx::query(
                    "UPDATE oidc_refresh_tokens SET used_at = $2
                     WHERE token_hash = $1 AND used_at IS NULL",
                )
                .bind(old_hash)
                .bind(now)
                .execute(&mut *$conn)
                .await?
                .rows_affected();
                if spent == 0 {
                    return Err(sqlx::Error::RowNotFound);
                }
                insert_refresh!(&mut *$conn, next);
            }
        }
        Ok::<(), sqlx::Error>(())
    }};
}

macro_rules! insert_refresh {
    ($conn:expr, $r:expr) => {
        sqlx::query(
            "INSERT INTO oidc_refresh_tokens
                 (token_hash, grant_id, scopes, dpop_jkt, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&$r.token_hash)
        .bind(&$r.grant_id)
        .bind(&$r.scopes)
        .bind(&$r.dpop_jkt)
        .bind($r.created_at)
        .bind($r.expires_at)
        .execute($conn)
        .await?
    };
}

impl GroupedWrite for Write {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        apply_write!(conn, self)
    }
}

impl Oidc {
    /// Commits one write: in a group on SQLite, in its own transaction on PostgreSQL.
    pub(crate) async fn write(&self, write: Write) -> Result<(), sqlx::Error> {
        match (self.db(), &self.inner.writes) {
            (dinhdanh_store::Db::Sqlite(_), Some(group)) => group.write(write).await,
            (dinhdanh_store::Db::Sqlite(pool), None) => {
                let _gate = self.inner.sqlite_writes.lock().await;
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let conn: &mut SqliteConnection = &mut tx;
                apply_write!(conn, &write)?;
                tx.commit().await
            }
            (dinhdanh_store::Db::Postgres(pool), _) => {
                let mut tx = pool.begin().await?;
                let conn: &mut sqlx::PgConnection = &mut tx;
                apply_write!(conn, &write)?;
                tx.commit().await
            }
        }
    }
}

/// Whether a write failed because its single-use thing was already used.
pub(crate) fn already_used(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::RowNotFound => true,
        sqlx::Error::Database(e) => e.is_unique_violation(),
        _ => false,
    }
}
