//! The token endpoint: client authentication (`private_key_jwt`, `client_secret_basic`) and the
//! grants (`authorization_code`, `refresh_token` with rotation, `client_credentials`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::FromRow;

use crate::Oidc;
use crate::authorize::{CodeDetails, pkce_shape};
use crate::clients::{AuthMethod, Client, GrantType};
use crate::db::{on_db, write_on_db};
use crate::error::{ErrorCode, OAuthError};
use crate::jose::{self, Alg, Jws};
use crate::scope::{self, Scope};
use crate::tokens::{GrantDetails, Minted};
use crate::writes::{GrantRow, RefreshRow, Write, already_used};

/// The assertion type of `private_key_jwt` (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on `iat`, `nbf` and `exp`.
const SKEW_SECONDS: i64 = 60;
/// The longest life accepted for a client assertion.
const MAX_ASSERTION_SECONDS: i64 = 600;

/// How the client presented itself.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    /// From `Authorization: Basic` (already URL-decoded).
    pub basic: Option<(String, String)>,
    /// The `client_id` form parameter.
    pub client_id: Option<String>,
    /// `client_assertion_type`.
    pub assertion_type: Option<String>,
    /// `client_assertion`.
    pub assertion: Option<String>,
    /// `client_secret` in the body: refused (only Basic is supported).
    pub secret_in_body: bool,
}

/// A token request after client authentication.
#[derive(Debug, Clone)]
pub enum TokenRequest {
    /// Redeem a code.
    AuthorizationCode {
        /// The code.
        code: String,
        /// The redirect URI of the authorization request.
        redirect_uri: Option<String>,
        /// The PKCE verifier.
        code_verifier: Option<String>,
    },
    /// Rotate a refresh token.
    RefreshToken {
        /// The token.
        refresh_token: String,
        /// A narrower scope.
        scope: Option<String>,
    },
    /// A token for the client itself.
    ClientCredentials {
        /// Service scopes.
        scope: Option<String>,
    },
}

impl TokenRequest {
    /// Reads the grant from the form parameters.
    pub fn from_params(params: &crate::authorize::Params) -> Result<TokenRequest, OAuthError> {
        let mut seen = BTreeSet::new();
        for (k, _) in params {
            if !seen.insert(k.as_str()) {
                return Err(OAuthError::request(format!(
                    "the {k} parameter is repeated"
                )));
            }
        }
        let get = |name: &str| crate::authorize::value(params, name);
        let need = |name: &'static str| {
            get(name).ok_or_else(|| OAuthError::request(format!("the {name} parameter is missing")))
        };
        match get("grant_type").as_deref() {
            Some("authorization_code") => Ok(TokenRequest::AuthorizationCode {
                code: need("code")?,
                redirect_uri: get("redirect_uri"),
                code_verifier: get("code_verifier"),
            }),
            Some("refresh_token") => Ok(TokenRequest::RefreshToken {
                refresh_token: need("refresh_token")?,
                scope: get("scope"),
            }),
            Some("client_credentials") => Ok(TokenRequest::ClientCredentials {
                scope: get("scope"),
            }),
            Some(other) => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {other:?} is not supported"),
            )),
            None => Err(OAuthError::request("the grant_type parameter is missing")),
        }
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: String,
    /// `Bearer` or `DPoP`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u32,
    /// The granted scope.
    pub scope: String,
    /// The next refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// Client keys fetched from `jwks_uri`, kept for a while.
#[derive(Debug, Default)]
pub(crate) struct RemoteJwks {
    entries: std::sync::Mutex<BTreeMap<String, (Arc<Value>, Instant)>>,
}

const REMOTE_JWKS_MEMORY: Duration = Duration::from_secs(300);
const REMOTE_JWKS_REFETCH: Duration = Duration::from_secs(10);

impl Oidc {
    /// Authenticates the client at `endpoint` (its URL is an accepted assertion audience, as is
    /// the issuer).
    pub async fn authenticate_client(
        &self,
        auth: &ClientAuth,
        endpoint: &str,
    ) -> Result<Arc<Client>, OAuthError> {
        if auth.secret_in_body {
            return Err(OAuthError::client(
                "client_secret in the body is not supported: use HTTP Basic or private_key_jwt",
            ));
        }
        match (&auth.basic, &auth.assertion) {
            (Some(_), Some(_)) => Err(OAuthError::request(
                "use one client authentication method, not several",
            )),
            (Some((id, secret)), None) => {
                if auth.client_id.as_ref().is_some_and(|c| c != id) {
                    return Err(OAuthError::request(
                        "client_id does not match the authenticated client",
                    ));
                }
                let remembered = self.remembered_client(id).await?;
                let Some(found) =
                    remembered.filter(|r| r.client.auth_method == AuthMethod::ClientSecretBasic)
                else {
                    return Err(OAuthError::client("client authentication failed"));
                };
                let given = dinhdanh_accounts::secret::token_hash(secret);
                match &found.secret_hash {
                    Some(stored) if dinhdanh_accounts::secret::same(stored, &given) => {
                        Ok(found.client)
                    }
                    _ => Err(OAuthError::client("client authentication failed")),
                }
            }
            (None, Some(assertion)) => {
                if auth.assertion_type.as_deref() != Some(JWT_BEARER) {
                    return Err(OAuthError::client(format!(
                        "client_assertion_type must be {JWT_BEARER}"
                    )));
                }
                self.check_assertion(assertion, auth.client_id.as_deref(), endpoint)
                    .await
            }
            (None, None) => Err(OAuthError::client(
                "client authentication is required (private_key_jwt or HTTP Basic)",
            )),
        }
    }

    async fn check_assertion(
        &self,
        assertion: &str,
        claimed_id: Option<&str>,
        endpoint: &str,
    ) -> Result<Arc<Client>, OAuthError> {
        let bad = |why: String| OAuthError::client(format!("client assertion: {why}"));
        let jws = Jws::parse(assertion).map_err(|e| bad(e.to_string()))?;
        let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
        let client_id = text("iss").ok_or_else(|| bad("iss is missing".into()))?;
        if text("sub") != Some(client_id) {
            return Err(bad("sub must equal iss (the client ID)".into()));
        }
        if claimed_id.is_some_and(|c| c != client_id) {
            return Err(bad("client_id does not match the assertion's issuer".into()));
        }
        let client = self
            .client(client_id)
            .await?
            .filter(|c| c.auth_method == AuthMethod::PrivateKeyJwt)
            .ok_or_else(|| OAuthError::client("client authentication failed"))?;
        self.verify_client_signature(&client, &jws)
            .await
            .map_err(|e| bad(e.to_string()))?;
        let audience_ok = match jws.claims.get("aud") {
            Some(Value::String(a)) => a == self.issuer() || a == endpoint,
            Some(Value::Array(list)) => list
                .iter()
                .any(|a| a.as_str() == Some(self.issuer()) || a.as_str() == Some(endpoint)),
            _ => false,
        };
        if !audience_ok {
            return Err(bad(format!(
                "aud must be the issuer {:?} (or this endpoint's URL)",
                self.issuer()
            )));
        }
        let now = self.now() / 1000;
        let number = |name: &str| jws.claims.get(name).and_then(Value::as_i64);
        let exp = number("exp").ok_or_else(|| bad("exp is missing".into()))?;
        if exp + SKEW_SECONDS < now {
            return Err(bad("it has expired".into()));
        }
        if exp > now + MAX_ASSERTION_SECONDS + SKEW_SECONDS {
            return Err(bad(format!(
                "it lives too long (at most {MAX_ASSERTION_SECONDS} s)"
            )));
        }
        if number("iat").is_some_and(|iat| iat > now + SKEW_SECONDS)
            || number("nbf").is_some_and(|nbf| nbf > now + SKEW_SECONDS)
        {
            return Err(bad("it is not valid yet".into()));
        }
        let jti = text("jti")
            .filter(|j| !j.is_empty() && j.len() <= 256)
            .ok_or_else(|| bad("jti is missing".into()))?;
        if !self
            .use_jti(&client.client_id, jti, (exp + SKEW_SECONDS) * 1000)
            .await?
        {
            return Err(bad("this assertion was already used (jti replay)".into()));
        }
        Ok(client)
    }

    /// Verifies a JWS signed by `client`, with its registered keys or those at its `jwks_uri`.
    pub(crate) async fn verify_client_signature(
        &self,
        client: &Client,
        jws: &Jws,
    ) -> Result<(), jose::JoseError> {
        if let Some(jwks) = &client.jwks {
            return jws.verify_with_set(jwks, &Alg::ALL);
        }
        let Some(uri) = &client.jwks_uri else {
            return Err(jose::JoseError::UnknownKey(jws.header.kid.clone()));
        };
        let (keys, fetched_at) = self.remote_jwks(uri, false).await?;
        match jws.verify_with_set(&keys, &Alg::ALL) {
            Err(jose::JoseError::UnknownKey(_)) if fetched_at.elapsed() > REMOTE_JWKS_REFETCH => {
                let (keys, _) = self.remote_jwks(uri, true).await?;
                jws.verify_with_set(&keys, &Alg::ALL)
            }
            other => other,
        }
    }

    async fn remote_jwks(
        &self,
        uri: &str,
        refresh: bool,
    ) -> Result<(Arc<Value>, Instant), jose::JoseError> {
        if !refresh
            && let Some((keys, at)) = self
                .inner
                .remote_jwks
                .entries
                .lock()
                .expect("jwks memory")
                .get(uri)
                .filter(|(_, at)| at.elapsed() < REMOTE_JWKS_MEMORY)
                .cloned()
        {
            return Ok((keys, at));
        }
        let fetched: Value = async {
            self.inner
                .http
                .get(uri)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        }
        .await
        .map_err(|e| {
            let error = dinhdanh_http::describe(&e);
            tracing::warn!(%uri, %error, "fetching a client's jwks_uri failed");
            jose::JoseError::Jwk("the client's jwks_uri could not be fetched")
        })?;
        let at = Instant::now();
        let keys = Arc::new(fetched);
        self.inner
            .remote_jwks
            .entries
            .lock()
            .expect("jwks memory")
            .insert(uri.to_owned(), (keys.clone(), at));
        Ok((keys, at))
    }

    /// Records a `jti` as used; false when it already was.
    pub(crate) async fn use_jti(
        &self,
        scope: &str,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, OAuthError> {
        let write = Write::Jti {
            scope: scope.to_owned(),
            jti: jti.to_owned(),
            expires_at,
        };
        match self.write(write).await {
            Ok(()) => Ok(true),
            Err(e) if already_used(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Answers a token request from an authenticated client.
    ///
    /// `dpop` is the thumbprint of the key of a checked DPoP proof sent with the request: the
    /// tokens issued are then bound to that key.
    pub async fn token(
        &self,
        client: &Client,
        request: TokenRequest,
        dpop: Option<String>,
    ) -> Result<TokenResponse, OAuthError> {
        if client.require_dpop && dpop.is_none() {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "this client must send a DPoP proof with its token requests",
            ));
        }
        match request {
            TokenRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                self.redeem_code(client, &code, redirect_uri, code_verifier, dpop)
                    .await
            }
            TokenRequest::RefreshToken {
                refresh_token,
                scope,
            } => self.refresh(client, &refresh_token, scope, dpop).await,
            TokenRequest::ClientCredentials { scope } => {
                self.client_credentials(client, scope, dpop).await
            }
        }
    }

    async fn redeem_code(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        dpop: Option<String>,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows(GrantType::AuthorizationCode) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client may not use the code flow",
            ));
        }
        #[derive(FromRow)]
        struct CodeRow {
            grant_id: String,
            client_id: String,
            details: String,
            expires_at: i64,
            used_at: Option<i64>,
        }
        let now = self.now();
        let hash = dinhdanh_accounts::secret::token_hash(code);
        let row: Option<CodeRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT grant_id, client_id, details, expires_at, used_at FROM oidc_codes
                 WHERE code_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Err(OAuthError::grant("the code is unknown"));
        };
        if row.used_at.is_some() {
            return Err(self.code_replayed(client, &row.grant_id).await);
        }
        if row.client_id != client.client_id {
            return Err(OAuthError::grant("the code was issued to another client"));
        }
        if row.expires_at <= now {
            return Err(OAuthError::grant("the code has expired"));
        }
        let details: CodeDetails =
            serde_json::from_str(&row.details).map_err(OAuthError::internal)?;
        if redirect_uri.as_deref() != Some(details.redirect_uri.as_str()) {
            return Err(OAuthError::grant(
                "redirect_uri must be the one of the authorization request",
            ));
        }
        let verifier =
            code_verifier.ok_or_else(|| OAuthError::grant("PKCE: code_verifier is missing"))?;
        if !pkce_shape(&verifier) {
            return Err(OAuthError::grant(
                "PKCE: code_verifier must be 43 to 128 unreserved characters",
            ));
        }
        let computed = jose::b64(Sha256::digest(verifier.as_bytes()));
        if !dinhdanh_accounts::secret::same(computed.as_bytes(), details.code_challenge.as_bytes())
        {
            return Err(OAuthError::grant(
                "PKCE: code_verifier does not match the challenge",
            ));
        }
        if let Some(bound) = &details.dpop_jkt
            && dpop.as_ref() != Some(bound)
        {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "the code is bound to a DPoP key: send a proof made with that key",
            ));
        }
        let account = self.inner.accounts.holder(details.account_id).await?;
        if !account.usable {
            return Err(OAuthError::grant("the account can no longer be used"));
        }
        let grant = GrantDetails {
            acr: details.acr,
            amr: details.amr.clone(),
            auth_time: details.auth_time,
            claims: details.claims.clone(),
        };
        let refresh = client
            .allows(GrantType::RefreshToken)
            .then(dinhdanh_accounts::secret::token);
        let family_end = now + i64::from(client.lifetimes.refresh_token) * 1000;
        let scopes = scope::join(&details.scopes);
        // Spend the code and store the grant in one commit; a code spent meanwhile (a replay
        // racing this request) makes the write fail.
        let write = Write::Redeem {
            code_hash: hash,
            now,
            grant: GrantRow {
                grant_id: row.grant_id.clone(),
                client_id: client.client_id.clone(),
                account_id: details.account_id,
                session: details.session.clone(),
                scopes: scopes.clone(),
                details: serde_json::to_string(&grant).expect("grant details serialize"),
                created_at: now,
                expires_at: family_end,
            },
            refresh: refresh.as_ref().map(|token| RefreshRow {
                token_hash: dinhdanh_accounts::secret::token_hash(token),
                grant_id: row.grant_id.clone(),
                scopes: scopes.clone(),
                dpop_jkt: dpop.clone(),
                created_at: now,
                expires_at: family_end,
            }),
        };
        match self.write(write).await {
            Ok(()) => {}
            Err(e) if already_used(&e) => {
                return Err(self.code_replayed(client, &row.grant_id).await);
            }
            Err(e) => return Err(e.into()),
        }
        let minted = Minted {
            grant_id: Some(row.grant_id),
            account: Some(account),
            scopes: details.scopes,
            grant,
            nonce: details.nonce,
            session: Some(details.session),
            dpop_jkt: dpop,
        };
        self.respond(client, minted, refresh).await
    }

    /// A second use of a code: the grant of the first use is revoked.
    async fn code_replayed(&self, client: &Client, grant_id: &str) -> OAuthError {
        if let Err(e) = self.revoke_grant(grant_id).await {
            return e;
        }
        tracing::warn!(client = %client.client_id, "authorization code replayed; its grant is revoked");
        OAuthError::grant("the code was already used; the tokens issued for it are revoked")
    }

    async fn refresh(
        &self,
        client: &Client,
        token: &str,
        scope: Option<String>,
        dpop: Option<String>,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows(GrantType::RefreshToken) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client may not use refresh tokens",
            ));
        }
        #[derive(FromRow)]
        struct Row {
            grant_id: String,
            client_id: String,
            account_id: i64,
            session: String,
            scopes: String,
            details: String,
            expires_at: i64,
            revoked_at: Option<i64>,
            used_at: Option<i64>,
            dpop_jkt: Option<String>,
        }
        let now = self.now();
        let hash = dinhdanh_accounts::secret::token_hash(token);
        let asked = scope
            .as_deref()
            .map(scope::parse_scopes)
            .transpose()
            .map_err(|m| OAuthError::new(ErrorCode::InvalidScope, m))?;
        // The token and its grant in one read. Everything that is wrong with the request is
        // refused before anything is spent, so the client keeps its refresh token.
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT g.grant_id, g.client_id, g.account_id, g.session, g.scopes, g.details,
                        g.expires_at, g.revoked_at, r.used_at, r.dpop_jkt
                 FROM oidc_refresh_tokens r JOIN oidc_grants g ON g.grant_id = r.grant_id
                 WHERE r.token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Err(OAuthError::grant("the refresh token is unknown"));
        };
        if row.client_id != client.client_id {
            return Err(OAuthError::grant(
                "the refresh token was issued to another client",
            ));
        }
        if row.used_at.is_some() {
            return Err(self.refresh_reused(client, &row.grant_id).await);
        }
        if row.revoked_at.is_some() {
            return Err(OAuthError::grant("the grant was revoked"));
        }
        if row.expires_at <= now {
            return Err(OAuthError::grant("the refresh token has expired"));
        }
        if let Some(jkt) = &row.dpop_jkt
            && dpop.as_ref() != Some(jkt)
        {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "the refresh token is bound to a DPoP key: send a proof made with that key",
            ));
        }
        let granted = scope::parse_scopes(&row.scopes).map_err(OAuthError::internal)?;
        let scopes = match asked {
            None => granted,
            Some(asked) => {
                if let Some(extra) = asked.iter().find(|s| !granted.contains(*s)) {
                    return Err(OAuthError::new(
                        ErrorCode::InvalidScope,
                        format!("{extra} was not granted: a refresh cannot widen the scope"),
                    ));
                }
                asked
            }
        };
        let account = self.inner.accounts.holder(row.account_id).await?;
        if !account.usable {
            self.revoke_grant(&row.grant_id).await?;
            return Err(OAuthError::grant("the account can no longer be used"));
        }
        let next = dinhdanh_accounts::secret::token();
        let write = Write::Rotate {
            old_hash: hash,
            now,
            next: RefreshRow {
                token_hash: dinhdanh_accounts::secret::token_hash(&next),
                grant_id: row.grant_id.clone(),
                scopes: row.scopes.clone(),
                dpop_jkt: row.dpop_jkt.clone(),
                created_at: now,
                expires_at: row.expires_at,
            },
        };
        match self.write(write).await {
            Ok(()) => {}
            // Spent between the read and the write: another request used it at the same time.
            Err(e) if already_used(&e) => {
                return Err(self.refresh_reused(client, &row.grant_id).await);
            }
            Err(e) => return Err(e.into()),
        }
        let grant: GrantDetails =
            serde_json::from_str(&row.details).map_err(OAuthError::internal)?;
        let minted = Minted {
            grant_id: Some(row.grant_id),
            account: Some(account),
            scopes,
            grant,
            nonce: None,
            session: Some(row.session),
            dpop_jkt: dpop,
        };
        self.respond(client, minted, Some(next)).await
    }

    /// A refresh token used twice: its whole family is revoked.
    async fn refresh_reused(&self, client: &Client, grant_id: &str) -> OAuthError {
        if let Err(e) = self.revoke_grant(grant_id).await {
            return e;
        }
        tracing::warn!(client = %client.client_id, "refresh token reused; its family is revoked");
        OAuthError::grant("the refresh token was already used; every token of its grant is revoked")
    }

    async fn client_credentials(
        &self,
        client: &Client,
        scope: Option<String>,
        dpop: Option<String>,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows(GrantType::ClientCredentials) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client may not use client credentials",
            ));
        }
        let allowed: BTreeSet<Scope> = client
            .scopes
            .iter()
            .filter(|s| !s.is_identity())
            .cloned()
            .collect();
        let scopes = match scope {
            None => allowed,
            Some(text) => {
                let asked = scope::parse_scopes(&text)
                    .map_err(|m| OAuthError::new(ErrorCode::InvalidScope, m))?;
                if let Some(extra) = asked.iter().find(|s| !allowed.contains(*s)) {
                    return Err(OAuthError::new(
                        ErrorCode::InvalidScope,
                        format!("this client may not ask for {extra} with client credentials"),
                    ));
                }
                asked
            }
        };
        let minted = Minted {
            grant_id: None,
            account: None,
            scopes,
            grant: GrantDetails::default(),
            nonce: None,
            session: None,
            dpop_jkt: dpop,
        };
        self.respond(client, minted, None).await
    }

    /// Revokes a grant: its refresh tokens stop working, its access tokens fail at userinfo.
    pub(crate) async fn revoke_grant(&self, grant_id: &str) -> Result<(), OAuthError> {
        let now = self.now();
        write_on_db!(self, |pool| {
            sqlx::query(
                "UPDATE oidc_grants SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL",
            )
            .bind(grant_id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }
}
