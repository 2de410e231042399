//! Ending sessions: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and back-channel
//! logout (OpenID Connect Back-Channel Logout 1.0): when a citizen's session ends, every relying
//! party that received tokens in that session and registered a `backchannel_logout_uri` gets a
//! signed logout token.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::Oidc;
use crate::authorize::Params;
use crate::clients::Client;
use crate::db::on_db;
use crate::error::OAuthError;
use crate::jose::Jws;

/// The event a logout token carries.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Deliveries are tried this many times, with a doubling pause from one second.
const DELIVERY_ATTEMPTS: u32 = 4;

/// A validated logout request.
#[derive(Debug, Clone)]
pub struct LogoutRequest {
    /// The relying party that asked, when known (from `id_token_hint` or `client_id`).
    pub client: Option<Arc<Client>>,
    /// Where to send the browser afterwards (registered for that client).
    pub post_logout_redirect_uri: Option<String>,
    /// Echoed back.
    pub state: Option<String>,
    /// The session the ID token was issued in.
    pub sid: Option<String>,
}

impl LogoutRequest {
    /// The redirect after logout, with `state`.
    pub fn redirect(&self) -> Option<String> {
        let uri = self.post_logout_redirect_uri.as_ref()?;
        let mut url = url::Url::parse(uri).ok()?;
        if let Some(state) = &self.state {
            url.query_pairs_mut().append_pair("state", state);
        }
        Some(url.to_string())
    }
}

impl Oidc {
    /// Validates the parameters of the end-session endpoint. Errors are shown, never redirected.
    pub async fn logout_request(&self, params: &Params) -> Result<LogoutRequest, OAuthError> {
        let get = |name: &str| crate::authorize::value(params, name);
        let mut client_id = get("client_id");
        let mut sid = None;
        if let Some(hint) = get("id_token_hint") {
            let jws =
                Jws::parse(&hint).map_err(|_| OAuthError::request("id_token_hint is not a JWT"))?;
            let key = match jws.header.kid.as_deref() {
                Some(kid) => self.key_by_kid(kid).await.map_err(OAuthError::internal)?,
                None => None,
            }
            .ok_or_else(|| OAuthError::request("id_token_hint was not signed by this provider"))?;
            jws.verify(key.public_jwk(), &[key.alg()])
                .map_err(|_| OAuthError::request("id_token_hint's signature does not verify"))?;
            if jws.claims.get("iss").and_then(Value::as_str) != Some(self.issuer()) {
                return Err(OAuthError::request("id_token_hint is from another issuer"));
            }
            // An expired ID token is a fine hint (OpenID Connect RP-Initiated Logout §2).
            let aud = jws
                .claims
                .get("aud")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if client_id.is_some() && aud.is_some() && client_id != aud {
                return Err(OAuthError::request(
                    "client_id does not match the ID token's audience",
                ));
            }
            client_id = client_id.or(aud);
            sid = jws
                .claims
                .get("sid")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        let client =
            match &client_id {
                Some(id) => Some(self.client(id).await?.ok_or_else(|| {
                    OAuthError::client(format!("no client {id:?} is registered"))
                })?),
                None => None,
            };
        let post_logout_redirect_uri = match get("post_logout_redirect_uri") {
            None => None,
            Some(uri) => {
                let Some(client) = &client else {
                    return Err(OAuthError::request(
                        "post_logout_redirect_uri needs id_token_hint or client_id",
                    ));
                };
                if !client.post_logout_redirect_uris.contains(&uri) {
                    return Err(OAuthError::request(
                        "post_logout_redirect_uri is not one the client registered",
                    ));
                }
                Some(uri)
            }
        };
        Ok(LogoutRequest {
            client,
            post_logout_redirect_uri,
            state: get("state"),
            sid,
        })
    }

    /// Tells the relying parties of a session that ended (back-channel logout). Deliveries run in
    /// the background with retries; this returns once they are queued.
    pub async fn session_ended(&self, session: &str) -> Result<(), OAuthError> {
        let rows: Vec<(String, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT DISTINCT client_id, account_id FROM oidc_grants
                 WHERE session = $1 AND revoked_at IS NULL",
            )
            .bind(session)
            .fetch_all(pool)
            .await?
        });
        for (client_id, account_id) in rows {
            let Some(client) = self.client(&client_id).await? else {
                continue;
            };
            let Some(uri) = client.backchannel_logout_uri.clone() else {
                continue;
            };
            let token = self.logout_token(&client, account_id, session).await?;
            let http = self.inner.http.clone();
            tokio::spawn(async move {
                deliver(http, uri, client_id, token).await;
            });
        }
        Ok(())
    }

    /// A logout token for `client` (OpenID Connect Back-Channel Logout §2.4).
    pub async fn logout_token(
        &self,
        client: &Client,
        account_id: i64,
        session: &str,
    ) -> Result<String, OAuthError> {
        let keys = self.keys().await.map_err(OAuthError::internal)?;
        let key = keys
            .signer(client.id_token_alg)
            .ok_or_else(|| OAuthError::internal("no key for the client's algorithm"))?;
        let now = self.now() / 1000;
        let claims = json!({
            "iss": self.issuer(),
            "aud": client.client_id,
            "iat": now,
            "exp": now + 120,
            "jti": dinhdanh_accounts::secret::token()[..22],
            "sub": self.subject(client, account_id).await?,
            "sid": session,
            "events": {BACKCHANNEL_EVENT: {}},
        });
        Ok(key.sign("logout+jwt", &claims))
    }
}

async fn deliver(http: reqwest::Client, uri: String, client_id: String, token: String) {
    let mut pause = Duration::from_secs(1);
    for attempt in 1..=DELIVERY_ATTEMPTS {
        let sent = http
            .post(&uri)
            .form(&[("logout_token", token.as_str())])
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => {
                tracing::warn!(%client_id, status = %r.status(), attempt, "back-channel logout refused")
            }
            Err(e) => {
                let error = dinhdanh_http::describe(&e);
                tracing::warn!(%client_id, %error, attempt, "back-channel logout failed")
            }
        }
        if attempt < DELIVERY_ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    tracing::error!(%client_id, %uri, "back-channel logout not delivered");
}
