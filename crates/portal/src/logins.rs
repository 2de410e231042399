//! Sign-ins in flight: what the callback needs to check the provider's answer (the nonce, the
//! PKCE verifier) and where to go afterwards, under the hash of the `state` sent to the provider.
//! The callback takes one once: a second callback with the same `state` finds nothing.

use dinhdanh_store::{write_on_db, write_tx};

use crate::{Portal, PortalError};

/// A sign-in in flight, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
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
    /// When it stops being accepted (Unix ms).
    pub expires_at: i64,
}

impl Portal {
    /// Keeps a new sign-in, and forgets those that expired.
    pub async fn save_login(&self, login: &Login) -> Result<(), PortalError> {
        let now = self.now_ms();
        write_tx!(self.db(), self.gate(), |tx| {
            sqlx::query("DELETE FROM portal_logins WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO portal_logins
                     (state_hash, nonce, verifier, next, start, created_at, expires_at)
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

    /// Takes the live sign-in with this `state` hash, once. An expired one is taken too, and
    /// reads as none.
    pub async fn take_login(&self, state_hash: &[u8]) -> Result<Option<Login>, PortalError> {
        let now = self.now_ms();
        let row: Option<(String, String, String, Option<String>, i64)> =
            write_on_db!(self.db(), self.gate(), |pool| {
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
}
