//! Brute-force protection shared by every node: failure counters in the database, keyed by what
//! the attacker names (the personal ID typed, the account, the client address).
//!
//! Each attempt is counted *before* the credential is checked and forgiven only on success, so a
//! burst of parallel guesses cannot slip through while the first ones are still being verified.
//! After `free` failures, every further attempt must wait: 1 s, 2 s, 4 s, … up to 2¹⁰ s. Counters
//! older than `window` start over.

use std::time::Duration;

use crate::Accounts;
use crate::db::{on_db, write_on_db};
use crate::error::AccountError;

/// The limits of the throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed per identifier (personal ID or account) before delays start.
    pub free_per_subject: i64,
    /// Failures allowed per client address before delays start.
    pub free_per_address: i64,
    /// The first delay; each further failure doubles it.
    pub base_delay: Duration,
    /// A counter with no failure for this long starts over.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_per_subject: 5,
            free_per_address: 50,
            base_delay: Duration::from_secs(1),
            window: Duration::from_secs(3600),
        }
    }
}

/// Counts one attempt under `key`; refuses it when the key is in a delay.
pub(crate) async fn attempt(
    accounts: &Accounts,
    key: &str,
    free: i64,
    policy: &ThrottlePolicy,
    now: i64,
) -> Result<(), AccountError> {
    let stale_before = now - policy.window.as_millis() as i64;
    let base = policy.base_delay.as_millis() as i64;
    // One statement: count the attempt unless the key is in a delay (then no row comes back).
    let counted: Option<(i64,)> = write_on_db!(accounts, |pool| {
        sqlx::query_as(
            "INSERT INTO throttles (key, failures, last_failure_at, blocked_until)
             VALUES ($1, 1, $2, CASE WHEN 1 < $4 THEN 0 ELSE $2 + $5 END)
             ON CONFLICT (key) DO UPDATE SET
                 failures = (CASE WHEN throttles.last_failure_at < $3 THEN 0
                             ELSE throttles.failures END) + 1,
                 last_failure_at = $2,
                 blocked_until = CASE
                     WHEN (CASE WHEN throttles.last_failure_at < $3 THEN 0
                           ELSE throttles.failures END) + 1 < $4 THEN 0
                     ELSE $2 + $5 * (CAST(1 AS BIGINT) << CAST(CASE
                         WHEN (CASE WHEN throttles.last_failure_at < $3 THEN 0
                               ELSE throttles.failures END) + 1 - $4 > 10 THEN 10
                         ELSE (CASE WHEN throttles.last_failure_at < $3 THEN 0
                               ELSE throttles.failures END) + 1 - $4
                         END AS INTEGER))
                 END
             WHERE throttles.blocked_until <= $2
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(stale_before)
        .bind(free)
        .bind(base)
        .fetch_optional(pool)
        .await?
    });
    if counted.is_some() {
        return Ok(());
    }
    let blocked: Option<(i64,)> = on_db!(accounts.db(), |pool| {
        sqlx::query_as("SELECT blocked_until FROM throttles WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?
    });
    let until = blocked.map(|(b,)| b).unwrap_or(now);
    Err(AccountError::TooManyAttempts {
        retry_after: Duration::from_millis((until - now).max(1000) as u64),
    })
}

/// Forgives the attempts under `key` after a success.
pub(crate) async fn forgive(accounts: &Accounts, key: &str) -> Result<(), AccountError> {
    write_on_db!(accounts, |pool| {
        sqlx::query("DELETE FROM throttles WHERE key = $1")
            .bind(key)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// After a successful sign-in: forgives the attempts under the subject's key, and takes back one
/// attempt under the address's key (shared by everyone behind that address, which one success
/// must not wipe). Run in the caller's transaction.
macro_rules! forgive_statements {
    ($conn:expr, $subject:expr, $address:expr) => {{
        sqlx::query("DELETE FROM throttles WHERE key = $1")
            .bind($subject)
            .execute(&mut *$conn)
            .await?;
        sqlx::query("UPDATE throttles SET failures = failures - 1 WHERE key = $1 AND failures > 0")
            .bind($address)
            .execute(&mut *$conn)
            .await?;
    }};
}

pub(crate) use forgive_statements;
