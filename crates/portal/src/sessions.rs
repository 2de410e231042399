//! The portal's own sessions: the hash of the cookie's token, the account it acts for, and the
//! provider session (`sid`) and subject (`sub`) it came from. The citizen ends one by signing out
//! of the portal; the provider ends them by back-channel logout ([`Portal::log_out`]).

use dinhdanh_accounts::AccountId;
use dinhdanh_store::{on_db, write_on_db, write_tx};

use crate::logout::{Ends, LogoutError, LogoutToken};
use crate::{Portal, PortalError};

/// A portal session to open.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's token.
    pub token_hash: &'a [u8],
    /// The hash of the session the browser had until now, which this one replaces.
    pub replaces: Option<&'a [u8]>,
    /// The account it acts for.
    pub account: AccountId,
    /// The subject the provider's ID token named (pairwise: the portal's own name for the
    /// citizen at the provider).
    pub sub: &'a str,
    /// The provider session the ID token was issued in.
    pub sid: Option<&'a str>,
    /// When it ends (Unix ms).
    pub expires_at: i64,
}

impl Portal {
    /// Opens a portal session (ending the one it replaces, if any), and forgets sessions that
    /// expired.
    pub async fn open_session(&self, session: &NewSession<'_>) -> Result<(), PortalError> {
        let now = self.now_ms();
        write_tx!(self.db(), self.gate(), |tx| {
            sqlx::query("DELETE FROM portal_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if let Some(old) = session.replaces {
                sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO portal_sessions (token_hash, account_id, sub, sid, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(session.token_hash)
            .bind(session.account)
            .bind(session.sub)
            .bind(session.sid)
            .bind(now)
            .bind(session.expires_at)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The account of a live session.
    pub async fn session_account(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<AccountId>, PortalError> {
        let now = self.now_ms();
        let row: Option<(i64,)> = on_db!(self.db(), |pool| {
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

    /// Ends one session (the citizen signed out of the portal).
    pub async fn end_session(&self, token_hash: &[u8]) -> Result<(), PortalError> {
        let _ended = write_on_db!(self.db(), self.gate(), |pool| {
            sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Acts on a verified logout token: remembers its `jti` for as long as the token could be
    /// accepted, and ends the sessions it names; returns how many ended. A `jti` seen before is
    /// refused with [`LogoutError::Replayed`] and ends nothing.
    pub async fn log_out(&self, token: &LogoutToken) -> Result<u64, PortalError> {
        let now = self.now_ms();
        let outcome: Option<u64> = write_tx!(self.db(), self.gate(), |tx| {
            sqlx::query("DELETE FROM portal_logout_tokens WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let fresh = sqlx::query(
                "INSERT INTO portal_logout_tokens (jti, received_at, expires_at)
                 VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
            )
            .bind(&token.jti)
            .bind(now)
            .bind(token.remember_until_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                let ended = match &token.ends {
                    Ends::Session { sid, sub: None } => {
                        sqlx::query("DELETE FROM portal_sessions WHERE sid = $1")
                            .bind(sid)
                            .execute(&mut *tx)
                            .await?
                    }
                    // A session opened before subjects were kept has none to compare.
                    Ends::Session {
                        sid,
                        sub: Some(sub),
                    } => {
                        sqlx::query(
                            "DELETE FROM portal_sessions
                         WHERE sid = $1 AND (sub = $2 OR sub IS NULL)",
                        )
                        .bind(sid)
                        .bind(sub)
                        .execute(&mut *tx)
                        .await?
                    }
                    Ends::Subject(sub) => {
                        sqlx::query("DELETE FROM portal_sessions WHERE sub = $1")
                            .bind(sub)
                            .execute(&mut *tx)
                            .await?
                    }
                };
                Some(ended.rows_affected())
            } else {
                None
            }
        });
        outcome.ok_or_else(|| LogoutError::Replayed.into())
    }
}
