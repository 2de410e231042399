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
use crate::db::{on_db, write_on_db, write_tx};
use crate::error::{ErrorCode, OAuthError};
use crate::jose::{self, Alg, Jws};
use crate::scope::{self, Scope};
use crate::tokens::{GrantDetails, Minted};

/// The assertion type of `private_key_jwt` (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on `iat`, `nbf` and `exp`.
const SKEW_SECONDS: i64 = 60;
/// The longest life accepted for a client assertion.
const MAX_ASSERTION_SECONDS: i64 = 600;

/// Stores a refresh token of a grant, on the caller's transaction.
macro_rules! insert_refresh {
    ($tx:expr, $token:expr, $grant_id:expr, $scopes:expr, $dpop_jkt:expr, $now:expr, $expires_at:expr) => {
        sqlx::query(
            "INSERT INTO oidc_refresh_tokens
                 (token_hash, grant_id, scopes, dpop_jkt, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(dinhdanh_accounts::secret::token_hash($token))
        .bind($grant_id)
        .bind($scopes)
        .bind($dpop_jkt)
        .bind($now)
        .bind($expires_at)
        .execute($tx)
        .await?
    };
}

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
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
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
            tracing::warn!(%uri, error = %e, "fetching a client's jwks_uri failed");
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
        client_id: &str,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, OAuthError> {
        let inserted = write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_used_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (client_id, jti) DO NOTHING",
            )
            .bind(client_id)
            .bind(jti)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
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
        }
        let now = self.now();
        let hash = dinhdanh_accounts::secret::token_hash(code);
        // Consume the code first, whatever else is wrong: a code is tried once.
        let row: Option<CodeRow> = write_on_db!(self, |pool| {
            sqlx::query_as(
                "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL
                 RETURNING grant_id, client_id, details, expires_at",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            let used: Option<(String,)> = on_db!(self.db(), |pool| {
                sqlx::query_as("SELECT grant_id FROM oidc_codes WHERE code_hash = $1")
                    .bind(&hash)
                    .fetch_optional(pool)
                    .await?
            });
            if let Some((grant_id,)) = used {
                self.revoke_grant(&grant_id).await?;
                tracing::warn!(client = %client.client_id, "authorization code replayed; its grant is revoked");
                return Err(OAuthError::grant(
                    "the code was already used; the tokens issued for it are revoked",
                ));
            }
            return Err(OAuthError::grant("the code is unknown"));
        };
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
        let account = self.inner.accounts.account(details.account_id).await?;
        if account.usable().is_err() {
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
        let grant_body = serde_json::to_string(&grant).expect("grant details serialize");
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO oidc_grants (grant_id, client_id, account_id, session, scopes, details,
                                          created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&row.grant_id)
            .bind(&client.client_id)
            .bind(details.account_id)
            .bind(&details.session)
            .bind(&scopes)
            .bind(&grant_body)
            .bind(now)
            .bind(family_end)
            .execute(&mut *tx)
            .await?;
            if let Some(token) = &refresh {
                insert_refresh!(
                    &mut *tx,
                    token,
                    &row.grant_id,
                    &scopes,
                    dpop.clone(),
                    now,
                    family_end
                );
            }
        });
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
        }
        let now = self.now();
        let hash = dinhdanh_accounts::secret::token_hash(token);
        // A request for more than was granted is refused before anything is spent, so the
        // client keeps its refresh token.
        let asked = scope
            .as_deref()
            .map(scope::parse_scopes)
            .transpose()
            .map_err(|m| OAuthError::new(ErrorCode::InvalidScope, m))?;
        // So is a proof by the wrong key for a bound token.
        let known: Option<(String, Option<String>, String)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT g.scopes, r.dpop_jkt, g.client_id FROM oidc_refresh_tokens r
                 JOIN oidc_grants g ON g.grant_id = r.grant_id WHERE r.token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        // Another client's token is refused without spending it.
        if known
            .as_ref()
            .is_some_and(|(_, _, owner)| *owner != client.client_id)
        {
            return Err(OAuthError::grant(
                "the refresh token was issued to another client",
            ));
        }
        let bound = known.as_ref().and_then(|(_, jkt, _)| jkt.clone());
        if let Some(jkt) = &bound
            && dpop.as_ref() != Some(jkt)
        {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "the refresh token is bound to a DPoP key: send a proof made with that key",
            ));
        }
        if let (Some(asked), Some((granted, _, _))) = (&asked, &known) {
            let granted = scope::parse_scopes(granted).map_err(OAuthError::internal)?;
            if let Some(extra) = asked.iter().find(|s| !granted.contains(*s)) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("{extra} was not granted: a refresh cannot widen the scope"),
                ));
            }
        }
        let next = dinhdanh_accounts::secret::token();
        // Rotate in one transaction: mark the presented token used (only if it was not), read its
        // grant, and store the next token. A token that was used already revokes the family.
        let outcome: Result<Row, &'static str> = write_tx!(self, |tx| {
            let rotated: Option<(String,)> = sqlx::query_as(
                "UPDATE oidc_refresh_tokens SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL RETURNING grant_id",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            match rotated {
                None => {
                    let reused: Option<(String,)> = sqlx::query_as(
                        "SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = $1",
                    )
                    .bind(&hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match reused {
                        Some((grant_id,)) => {
                            sqlx::query(
                                "UPDATE oidc_grants SET revoked_at = $2
                                 WHERE grant_id = $1 AND revoked_at IS NULL",
                            )
                            .bind(&grant_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            Err("reused")
                        }
                        None => Err("unknown"),
                    }
                }
                Some((grant_id,)) => {
                    let row: Row = sqlx::query_as(
                        "SELECT grant_id, client_id, account_id, session, scopes, details,
                                expires_at, revoked_at
                         FROM oidc_grants WHERE grant_id = $1",
                    )
                    .bind(&grant_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if row.client_id == client.client_id
                        && row.revoked_at.is_none()
                        && row.expires_at > now
                    {
                        insert_refresh!(
                            &mut *tx,
                            &next,
                            &grant_id,
                            &row.scopes,
                            bound.clone(),
                            now,
                            row.expires_at
                        );
                    }
                    Ok(row)
                }
            }
        });
        let row = match outcome {
            Ok(row) => row,
            Err("reused") => {
                tracing::warn!(client = %client.client_id, "refresh token reused; its family is revoked");
                return Err(OAuthError::grant(
                    "the refresh token was already used; every token of its grant is revoked",
                ));
            }
            Err(_) => return Err(OAuthError::grant("the refresh token is unknown")),
        };
        if row.client_id != client.client_id {
            return Err(OAuthError::grant(
                "the refresh token was issued to another client",
            ));
        }
        if row.revoked_at.is_some() {
            return Err(OAuthError::grant("the grant was revoked"));
        }
        if row.expires_at <= now {
            return Err(OAuthError::grant("the refresh token has expired"));
        }
        let granted = scope::parse_scopes(&row.scopes).map_err(OAuthError::internal)?;
        let scopes = match asked {
            None => granted,
            Some(asked) if asked.is_subset(&granted) => asked,
            Some(_) => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    "a refresh cannot widen the scope",
                ));
            }
        };
        let account = self.inner.accounts.account(row.account_id).await?;
        if account.usable().is_err() {
            self.revoke_grant(&row.grant_id).await?;
            return Err(OAuthError::grant("the account can no longer be used"));
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
