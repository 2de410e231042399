//! Deleting what has expired: used assertion and proof IDs, codes, pushed requests and
//! interactions, refresh tokens and grants past the end of their family, revoked token IDs.
//! Deletes run in batches, so that a large backlog never holds SQLite's write lock for long.

use crate::Oidc;
use crate::db::write_on_db;
use crate::error::OAuthError;

/// Rows deleted per statement.
const BATCH: i64 = 5_000;
/// Used codes are kept this long past their expiry, so that a late replay is still recognised
/// (and revokes its grant) rather than answered as unknown.
const CODE_MEMORY_MS: i64 = 3_600_000;

/// (table, its key columns, how long after `expires_at` a row may go).
const TABLES: [(&str, &str, i64); 6] = [
    ("oidc_used_jtis", "client_id, jti", 0),
    ("oidc_codes", "code_hash", CODE_MEMORY_MS),
    ("oidc_requests", "id_hash", 0),
    ("oidc_refresh_tokens", "token_hash", 0),
    ("oidc_grants", "grant_id", 0),
    ("oidc_revoked_tokens", "jti", 0),
];

impl Oidc {
    /// Deletes expired rows; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, OAuthError> {
        let now = self.now();
        let mut removed = 0;
        for (table, key, grace) in TABLES {
            loop {
                let sql = format!(
                    "DELETE FROM {table} WHERE ({key}) IN
                     (SELECT {key} FROM {table} WHERE expires_at < $1 LIMIT {BATCH})"
                );
                let n = write_on_db!(self, |pool| {
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(now - grace)
                        .execute(pool)
                        .await?
                        .rows_affected()
                });
                removed += n;
                if n < BATCH as u64 {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        Ok(removed)
    }
}
