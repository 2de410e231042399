//! The portal's own tables, written once for SQLite and PostgreSQL: its client key, the sign-ins
//! in flight, and its sessions (migration `20261202000003_portal`). They are in the database so
//! that every node shares them; secrets that come back from the browser are kept only as hashes.
//!
//! This is the relying party's storage, not the provider's: the portal reads and writes only
//! these tables, and asks the provider and the capabilities everything else.

use dinhdanh_accounts::AccountId;
use dinhdanh_oidc::jose::{Alg, SigningKey};
use dinhdanh_store::sqlx;
use dinhdanh_store::{on_db, write_on_db, write_tx};

use super::signin::SignInError;
use crate::AppState;

/// The client's signing key, created by the first node that asks and then the same for all.
pub(super) async fn client_key(
    state: &AppState,
    client_id: &str,
) -> Result<SigningKey, SignInError> {
    if let Some(key) = stored_key(state, client_id).await? {
        return Ok(key);
    }
    let (key, der) =
        SigningKey::generate(Alg::ES256).map_err(|e| SignInError::Key(e.to_string()))?;
    let now = state.accounts.clock().now_ms();
    let gate = state.accounts.sqlite_write_gate();
    // Two nodes starting together both try; the first insert wins and both read it back.
    let _inserted = write_on_db!(&state.db, gate, |pool| {
        sqlx::query(
            "INSERT INTO portal_client_keys (client_id, kid, alg, pkcs8, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id) DO NOTHING",
        )
        .bind(client_id)
        .bind(key.kid())
        .bind(key.alg().name())
        .bind(&der)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    });
    stored_key(state, client_id)
        .await?
        .ok_or_else(|| SignInError::Key("the key just stored cannot be read back".into()))
}

async fn stored_key(state: &AppState, client_id: &str) -> Result<Option<SigningKey>, SignInError> {
    let row: Option<(String, String, Vec<u8>)> = on_db!(&state.db, |pool| {
        sqlx::query_as("SELECT kid, alg, pkcs8 FROM portal_client_keys WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(pool)
            .await?
    });
    let Some((kid, alg, der)) = row else {
        return Ok(None);
    };
    let alg =
        Alg::parse(&alg).ok_or_else(|| SignInError::Key(format!("unknown algorithm {alg}")))?;
    SigningKey::from_pkcs8(&kid, alg, &der)
        .map(Some)
        .map_err(|e| SignInError::Key(e.to_string()))
}

/// A sign-in in flight, as stored.
pub(super) struct Login {
    /// SHA-256 of the `state` sent to the provider.
    pub state_hash: Vec<u8>,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier of the challenge sent.
    pub verifier: String,
    /// The portal path to come back to.
    pub next: String,
    /// The procedure to start a draft for once signed in.
    pub start: Option<String>,
    /// When it stops being accepted.
    pub expires_at: i64,
}

/// Keeps a new sign-in, and forgets those that expired.
pub(super) async fn save_login(state: &AppState, login: &Login) -> Result<(), SignInError> {
    let now = state.accounts.clock().now_ms();
    let gate = state.accounts.sqlite_write_gate();
    write_tx!(&state.db, gate, |tx| {
        sqlx::query("DELETE FROM portal_logins WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO portal_logins (state_hash, nonce, verifier, next, start, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&login.state_hash)
        .bind(&login.nonce)
        .bind(&login.verifier)
        .bind(&login.next)
        .bind(&login.start)
        .bind(now)
        .bind(login.expires_at)
        .execute(&mut *tx)
        .await?;
    });
    Ok(())
}

/// Takes the sign-in with this state, once: a second callback with the same state finds nothing.
pub(super) async fn take_login(
    state: &AppState,
    state_hash: &[u8],
) -> Result<Option<Login>, SignInError> {
    let now = state.accounts.clock().now_ms();
    let gate = state.accounts.sqlite_write_gate();
    let row: Option<(String, String, String, Option<String>, i64)> =
        write_on_db!(&state.db, gate, |pool| {
            sqlx::query_as(
                "DELETE FROM portal_logins WHERE state_hash = $1
                 RETURNING nonce, verifier, next, start, expires_at",
            )
            .bind(state_hash)
            .fetch_optional(pool)
            .await?
        });
    Ok(row
        .filter(|r| r.4 >= now)
        .map(|(nonce, verifier, next, start, expires_at)| Login {
            state_hash: state_hash.to_vec(),
            nonce,
            verifier,
            next,
            start,
            expires_at,
        }))
}

/// Opens a portal session for `account` (ending the one the browser had, if any), and forgets
/// sessions that expired.
pub(super) async fn open_session(
    state: &AppState,
    token_hash: &[u8],
    replaced: Option<&[u8]>,
    account: AccountId,
    sid: Option<&str>,
    expires_at: i64,
) -> Result<(), SignInError> {
    let now = state.accounts.clock().now_ms();
    let gate = state.accounts.sqlite_write_gate();
    write_tx!(&state.db, gate, |tx| {
        sqlx::query("DELETE FROM portal_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(old) = replaced {
            sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO portal_sessions (token_hash, account_id, sid, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account)
        .bind(sid)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    });
    Ok(())
}

/// The account of a live session.
pub(super) async fn session_account(
    state: &AppState,
    token_hash: &[u8],
) -> Result<Option<AccountId>, SignInError> {
    let now = state.accounts.clock().now_ms();
    let row: Option<(i64,)> = on_db!(&state.db, |pool| {
        sqlx::query_as(
            "SELECT account_id FROM portal_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|(id,)| id))
}

/// Ends a session.
pub(super) async fn end_session(state: &AppState, token_hash: &[u8]) -> Result<(), SignInError> {
    let gate = state.accounts.sqlite_write_gate();
    let _ended = write_on_db!(&state.db, gate, |pool| {
        sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(())
}
