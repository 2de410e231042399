//! The key the portal authenticates to the provider with (`private_key_jwt`): a P-256 key that
//! the first node to ask creates and every node then reads, so that all of them, across restarts,
//! sign their client assertions with the key whose public half is registered.

use dinhdanh_oidc::jose::{Alg, SigningKey};
use dinhdanh_store::{on_db, write_on_db};

use crate::{Portal, PortalError};

impl Portal {
    /// The signing key of `client_id`, created by the first node that asks and then the same
    /// for all.
    pub async fn client_key(&self, client_id: &str) -> Result<SigningKey, PortalError> {
        if let Some(key) = self.stored_key(client_id).await? {
            return Ok(key);
        }
        let (key, der) =
            SigningKey::generate(Alg::ES256).map_err(|e| PortalError::Key(e.to_string()))?;
        let now = self.now_ms();
        // Two nodes starting together both try; the first insert wins and both read it back.
        let _inserted = write_on_db!(self.db(), self.gate(), |pool| {
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
        self.stored_key(client_id)
            .await?
            .ok_or_else(|| PortalError::Key("the key just stored cannot be read back".into()))
    }

    async fn stored_key(&self, client_id: &str) -> Result<Option<SigningKey>, PortalError> {
        let row: Option<(String, String, Vec<u8>)> = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT kid, alg, pkcs8 FROM portal_client_keys WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(pool)
                .await?
        });
        let Some((kid, alg, der)) = row else {
            return Ok(None);
        };
        let alg =
            Alg::parse(&alg).ok_or_else(|| PortalError::Key(format!("unknown algorithm {alg}")))?;
        SigningKey::from_pkcs8(&kid, alg, &der)
            .map(Some)
            .map_err(|e| PortalError::Key(e.to_string()))
    }
}
