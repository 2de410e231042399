//! Token introspection (RFC 7662) and revocation (RFC 7009), for authenticated clients.
//!
//! A client learns about its own tokens only: another client's token introspects as inactive,
//! and revoking it is refused.

use serde_json::{Value, json};
use sqlx::FromRow;

use crate::Oidc;
use crate::clients::Client;
use crate::db::{on_db, write_on_db};
use crate::error::{ErrorCode, OAuthError};

/// What the caller says the token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// `access_token`.
    Access,
    /// `refresh_token`.
    Refresh,
    /// Nothing, or a value we do not know (RFC 7009 §2.1: then search everywhere).
    Unknown,
}

impl Hint {
    /// Reads `token_type_hint`.
    pub fn parse(value: Option<&str>) -> Hint {
        match value {
            Some("access_token") => Hint::Access,
            Some("refresh_token") => Hint::Refresh,
            _ => Hint::Unknown,
        }
    }
}

#[derive(FromRow)]
struct RefreshRow {
    grant_id: String,
    client_id: String,
    scopes: String,
    dpop_jkt: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl Oidc {
    async fn refresh_row(&self, token: &str) -> Result<Option<RefreshRow>, OAuthError> {
        Ok(on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT r.grant_id, g.client_id, r.scopes, r.dpop_jkt, r.created_at, r.expires_at,
                        r.used_at, g.revoked_at
                 FROM oidc_refresh_tokens r JOIN oidc_grants g ON g.grant_id = r.grant_id
                 WHERE r.token_hash = $1",
            )
            .bind(dinhdanh_accounts::secret::token_hash(token))
            .fetch_optional(pool)
            .await?
        }))
    }

    pub(crate) async fn jti_revoked(&self, jti: &str) -> Result<bool, OAuthError> {
        let row: Option<(i64,)> = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT expires_at FROM oidc_revoked_tokens WHERE jti = $1")
                .bind(jti)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// The introspection response for `token`, as `client` may see it.
    pub async fn introspect(
        &self,
        client: &Client,
        token: &str,
        hint: Hint,
    ) -> Result<Value, OAuthError> {
        let inactive = json!({"active": false});
        if hint != Hint::Refresh
            && let Ok(access) = self.check_access_token(token).await
        {
            if access.client_id != client.client_id {
                return Ok(inactive);
            }
            let mut out = serde_json::Map::new();
            out.insert("active".into(), json!(true));
            out.insert(
                "token_type".into(),
                json!(if access.jkt.is_some() {
                    "DPoP"
                } else {
                    "Bearer"
                }),
            );
            for name in [
                "scope",
                "client_id",
                "sub",
                "exp",
                "iat",
                "iss",
                "aud",
                "jti",
                "acr",
                "auth_time",
                "cnf",
            ] {
                if let Some(v) = access.claims.get(name) {
                    out.insert(name.into(), v.clone());
                }
            }
            return Ok(Value::Object(out));
        }
        // Whatever the hint said, a refresh token is looked for too (the hint may be wrong).

        let Some(row) = self.refresh_row(token).await? else {
            return Ok(inactive);
        };
        let now = self.now();
        if row.client_id != client.client_id
            || row.used_at.is_some()
            || row.revoked_at.is_some()
            || row.expires_at <= now
        {
            return Ok(inactive);
        }
        let mut out = json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": row.client_id,
            "scope": row.scopes,
            "iat": row.created_at / 1000,
            "exp": row.expires_at / 1000,
            "iss": self.issuer(),
        });

        if let Some(jkt) = row.dpop_jkt {
            out["cnf"] = json!({"jkt": jkt});
        }
        Ok(out)
    }

    /// Revokes `token` (RFC 7009). A refresh token revokes its whole grant; so does an access
    /// token issued under a grant; a client-credentials access token is listed as revoked until
    /// it expires. Unknown or invalid tokens are not an error.
    pub async fn revoke(&self, client: &Client, token: &str, hint: Hint) -> Result<(), OAuthError> {
        let not_yours = || {
            OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "the token was not issued to this client",
            )
        };
        if hint != Hint::Refresh
            && let Ok(access) = self.check_access_token(token).await
        {
            if access.client_id != client.client_id {
                return Err(not_yours());
            }
            if let Some(grant_id) = access.claims.get("gid").and_then(Value::as_str) {
                return self.revoke_grant(grant_id).await;
            }
            let jti = access.jti.clone();
            let expires_at = access.exp * 1000;
            write_on_db!(self, |pool| {
                sqlx::query(
                    "INSERT INTO oidc_revoked_tokens (jti, expires_at) VALUES ($1, $2)
                     ON CONFLICT (jti) DO NOTHING",
                )
                .bind(&jti)
                .bind(expires_at)
                .execute(pool)
                .await?
                .rows_affected()
            });
            return Ok(());
        }
        if let Some(row) = self.refresh_row(token).await? {
            if row.client_id != client.client_id {
                return Err(not_yours());
            }
            self.revoke_grant(&row.grant_id).await?;
        }
        Ok(())
    }
}
