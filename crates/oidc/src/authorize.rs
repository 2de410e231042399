//! The authorization endpoint (code flow only), pushed authorization requests (RFC 9126), the
//! interaction while the citizen signs in or consents, and code issuance.
//!
//! The order of checks follows RFC 6749 §4.1.2.1: while the client or its redirect URI is in
//! doubt, errors are shown to the user and never sent anywhere; once both are known, every other
//! error goes back to the redirect URI with `state` and `iss` (RFC 9207).

use std::collections::BTreeSet;
use std::sync::Arc;

use dinhdanh_accounts::{Account, AccountKind, AccountLevel, Assurance, Session};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;
use url::Url;

use crate::Oidc;
use crate::clients::{Client, GrantType};
use crate::db::{on_db, write_on_db, write_tx};
use crate::error::{ErrorCode, OAuthError};
use crate::scope::{self, Scope};

/// How long a pushed request waits for the browser (RFC 9126 suggests well under 10 minutes).
pub const PAR_LIFETIME_SECONDS: i64 = 90;
/// How long the citizen has to sign in and consent.
pub const INTERACTION_LIFETIME_MS: i64 = 30 * 60 * 1000;
/// How long an authorization code lives.
pub const CODE_LIFETIME_MS: i64 = 60 * 1000;
/// The URN prefix of request URIs.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// What `prompt` asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// No page may be shown.
    pub none: bool,
    /// Sign in again, whatever session exists.
    pub login: bool,
    /// Ask for consent again.
    pub consent: bool,
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// The registered redirect URI it named.
    pub redirect_uri: String,
    /// Scopes asked for (a subset of the client's).
    pub scopes: BTreeSet<Scope>,
    /// Echoed back.
    pub state: Option<String>,
    /// Goes into the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// `prompt`.
    pub prompt: Prompt,
    /// `max_age` in seconds.
    pub max_age: Option<i64>,
    /// The lowest level of assurance asked for through `acr_values` or an `acr` claim request.
    pub acr: Option<Assurance>,
    /// `login_hint` (a personal ID to prefill).
    pub login_hint: Option<String>,
    /// `ui_locales`.
    pub ui_locales: Option<String>,
    /// The `claims` request (OpenID Connect Core §5.5), as given.
    pub claims: Option<Value>,
    /// The DPoP key thumbprint the code is bound to (`dpop_jkt` or the PAR request's proof).
    pub dpop_jkt: Option<String>,
}

/// What the web layer does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Send the browser to this URL at the client (a code, or an error).
    Redirect(String),
    /// The citizen must sign in (or sign in again, or more strongly); afterwards, the browser
    /// goes to `/authorize/continue/{interaction}`.
    SignIn {
        /// The interaction to continue.
        interaction: String,
        /// A personal ID to prefill, from `login_hint`.
        login_hint: Option<String>,
        /// The level the sign-in must reach.
        required: Assurance,
    },
    /// The citizen must consent: show `/authorize/consent/{interaction}`.
    Consent {
        /// The interaction to continue.
        interaction: String,
    },
    /// An error shown to the user, never redirected (unknown client, bad redirect URI, expired
    /// interaction).
    Page(OAuthError),
}

/// What the consent page shows.
#[derive(Debug, Clone)]
pub struct ConsentView {
    /// The relying party.
    pub client: Arc<Client>,
    /// Identity scopes asked for, in the page's order.
    pub scopes: Vec<Scope>,
    /// The citizen's preferred locales, from the request.
    pub ui_locales: Option<String>,
}

/// A stored interaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Interaction {
    request: AuthorizationRequest,
    started_at: i64,
}

/// What a code carries to the token endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CodeDetails {
    pub account_id: i64,
    pub session: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub scopes: BTreeSet<Scope>,
    pub claims: Option<Value>,
    pub acr: Assurance,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub dpop_jkt: Option<String>,
}

/// The browser's live session and its account, if any.
pub type SignedIn<'a> = Option<(&'a Session, &'a Account)>;

/// The parameters of a request as name/value pairs (query string or form body).
pub type Params = Vec<(String, String)>;

/// The first non-empty value of a parameter (RFC 6749 §3.1: an empty parameter is an absent one).
pub fn value(params: &Params, name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

fn single<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, OAuthError> {
    let mut found = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(OAuthError::request(format!(
            "the {name} parameter is repeated"
        )));
    }
    Ok(first.map(String::as_str).filter(|v| !v.is_empty()))
}

/// Whether a PKCE value (verifier or challenge) has the RFC 7636 shape.
pub(crate) fn pkce_shape(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl Oidc {
    /// The client the `client_id` parameter names.
    async fn named_client(&self, params: &Params) -> Result<Arc<Client>, OAuthError> {
        let client_id = single(params, "client_id")?
            .ok_or_else(|| OAuthError::request("the client_id parameter is missing"))?;
        self.client(client_id)
            .await?
            .ok_or_else(|| OAuthError::client(format!("no client {client_id:?} is registered")))
    }

    /// Finds the client and checks the redirect URI: the two things that must be right before any
    /// error may be redirected.
    async fn locate(&self, params: &Params) -> Result<(Arc<Client>, String), OAuthError> {
        let client = self.named_client(params).await?;
        let redirect_uri = single(params, "redirect_uri")?
            .ok_or_else(|| OAuthError::request("the redirect_uri parameter is missing"))?;
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OAuthError::request(
                "the redirect_uri is not one the client registered (exact match)",
            ));
        }
        Ok((client, redirect_uri.to_owned()))
    }

    /// Validates everything else of an authorization request for `client`.
    fn parse_request(
        &self,
        client: &Client,
        redirect_uri: String,
        params: &Params,
        dpop_jkt: Option<String>,
    ) -> Result<AuthorizationRequest, OAuthError> {
        if params.iter().any(|(k, _)| k == "request") {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequestObject,
                "a request object cannot contain another request object",
            ));
        }
        match single(params, "response_type")? {
            Some("code") => {}
            Some(other) => {
                return Err(OAuthError::new(
                    ErrorCode::UnsupportedResponseType,
                    format!("response_type {other:?} is not supported: only code"),
                ));
            }
            None => {
                return Err(OAuthError::request(
                    "the response_type parameter is missing",
                ));
            }
        }
        if !client.allows(GrantType::AuthorizationCode) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client may not use the code flow",
            ));
        }
        if let Some(mode) = single(params, "response_mode")?
            && mode != "query"
        {
            return Err(OAuthError::request(format!(
                "response_mode {mode:?} is not supported: only query"
            )));
        }
        let scopes = scope::parse_scopes(single(params, "scope")?.unwrap_or(""))
            .map_err(|m| OAuthError::new(ErrorCode::InvalidScope, m))?;
        if !scopes.contains(&Scope::OpenId) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                "the openid scope is required",
            ));
        }
        if let Some(extra) = scopes.iter().find(|s| !client.scopes.contains(*s)) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("this client may not ask for the {extra} scope"),
            ));
        }
        if let Some(service) = scopes.iter().find(|s| !s.is_identity()) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("{service} is a service scope, for client credentials only"),
            ));
        }
        let code_challenge = single(params, "code_challenge")?
            .ok_or_else(|| OAuthError::request("PKCE is required: code_challenge is missing"))?;
        match single(params, "code_challenge_method")? {
            Some("S256") => {}
            Some(other) => {
                return Err(OAuthError::request(format!(
                    "code_challenge_method {other:?} is not allowed: only S256"
                )));
            }
            None => {
                return Err(OAuthError::request(
                    "code_challenge_method is missing: only S256 is allowed",
                ));
            }
        }
        if code_challenge.len() != 43 || !pkce_shape(code_challenge) {
            return Err(OAuthError::request(
                "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
            ));
        }
        let mut prompt = Prompt::default();
        for value in single(params, "prompt")?.unwrap_or("").split(' ') {
            match value {
                "" => {}
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "select_account" => {}
                other => {
                    return Err(OAuthError::request(format!(
                        "prompt value {other:?} is not supported"
                    )));
                }
            }
        }
        if prompt.none && (prompt.login || prompt.consent) {
            return Err(OAuthError::request(
                "prompt=none cannot be combined with other values",
            ));
        }
        let max_age = single(params, "max_age")?
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| OAuthError::request("max_age must be a non-negative integer"))
            })
            .transpose()?;
        let claims = single(params, "claims")?
            .map(|text| match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err(OAuthError::request("claims must be a JSON object")),
            })
            .transpose()?;
        // acr_values lists acceptable levels; the weakest listed is what the citizen must reach.
        let mut acr = single(params, "acr_values")?
            .and_then(|values| values.split(' ').filter_map(scope::parse_acr).min());
        if let Some(wanted) = claims
            .as_ref()
            .and_then(|c| c.pointer("/id_token/acr"))
            .filter(|a| a.get("essential") == Some(&Value::Bool(true)))
        {
            let levels: Vec<Assurance> = wanted
                .get("values")
                .and_then(Value::as_array)
                .map(|vs| {
                    vs.iter()
                        .filter_map(|v| v.as_str())
                        .filter_map(scope::parse_acr)
                        .collect()
                })
                .or_else(|| {
                    wanted
                        .get("value")
                        .and_then(Value::as_str)
                        .and_then(scope::parse_acr)
                        .map(|a| vec![a])
                })
                .unwrap_or_default();
            if let Some(lowest) = levels.into_iter().min() {
                acr = Some(acr.map_or(lowest, |a| a.max(lowest)));
            }
        }
        let text = |name: &str, limit: usize| -> Result<Option<String>, OAuthError> {
            match single(params, name)? {
                Some(v) if v.len() > limit => Err(OAuthError::request(format!(
                    "{name} is longer than {limit} bytes"
                ))),
                v => Ok(v.map(str::to_owned)),
            }
        };
        let dpop_param = text("dpop_jkt", 64)?;
        let dpop_jkt = match (dpop_jkt, dpop_param) {
            (Some(proof), Some(param)) if proof != param => {
                return Err(OAuthError::request(
                    "dpop_jkt does not match the key of the DPoP proof",
                ));
            }
            (proof, param) => proof.or(param),
        };
        Ok(AuthorizationRequest {
            client_id: client.client_id.clone(),
            redirect_uri,
            scopes,
            state: text("state", 1024)?,
            nonce: text("nonce", 512)?,
            code_challenge: code_challenge.to_owned(),
            prompt,
            max_age,
            acr,
            login_hint: text("login_hint", 64)?,
            ui_locales: text("ui_locales", 64)?,
            claims,
            dpop_jkt,
        })
    }

    /// The error redirect for a request whose client and redirect URI are known.
    fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &OAuthError,
    ) -> String {
        let mut url = Url::parse(redirect_uri).expect("registered redirect URIs are URLs");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("error", error.code.as_str());
            q.append_pair("error_description", &error.description);
            if let Some(state) = state {
                q.append_pair("state", state);
            }
            q.append_pair("iss", self.issuer());
        }
        url.to_string()
    }

    /// Handles a pushed authorization request from an authenticated client: validates it and
    /// stores it; returns the request URI and its lifetime in seconds.
    pub async fn push_request(
        &self,
        client: &Client,
        params: &Params,
        dpop_jkt: Option<String>,
    ) -> Result<(String, i64), OAuthError> {
        let unpacked;
        let params = if params.iter().any(|(k, _)| k == "request") {
            unpacked = self.unpack_request_object(client, params).await?;
            &unpacked
        } else {
            params
        };
        if params.iter().any(|(k, _)| k == "request_uri") {
            return Err(OAuthError::request(
                "request_uri must not be sent to the PAR endpoint",
            ));
        }
        if let Some(id) = single(params, "client_id")?
            && id != client.client_id
        {
            return Err(OAuthError::request(
                "client_id does not match the authenticated client",
            ));
        }
        let redirect_uri = single(params, "redirect_uri")?
            .ok_or_else(|| OAuthError::request("the redirect_uri parameter is missing"))?;
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OAuthError::request(
                "the redirect_uri is not one the client registered (exact match)",
            ));
        }
        let request = self.parse_request(client, redirect_uri.to_owned(), params, dpop_jkt)?;
        if client.require_dpop && request.dpop_jkt.is_none() {
            return Err(OAuthError::request(
                "this client must bind its codes to a DPoP key (dpop_jkt or a DPoP proof)",
            ));
        }
        let id = dinhdanh_accounts::secret::token();
        let now = self.now();
        self.store_request(
            "par",
            &id,
            &client.client_id,
            &request,
            now,
            now + PAR_LIFETIME_SECONDS * 1000,
        )
        .await?;
        Ok((format!("{REQUEST_URI_PREFIX}{id}"), PAR_LIFETIME_SECONDS))
    }

    async fn store_request(
        &self,
        kind: &str,
        id: &str,
        client_id: &str,
        request: &AuthorizationRequest,
        started_at: i64,
        expires_at: i64,
    ) -> Result<(), OAuthError> {
        let body = serde_json::to_string(&Interaction {
            request: request.clone(),
            started_at,
        })
        .expect("a request serializes");
        write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_requests (id_hash, kind, client_id, request, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(kind)
            .bind(client_id)
            .bind(body)
            .bind(started_at)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// The authorization endpoint. `signed_in` is the browser's session and its account, if the
    /// browser has a live one (the web layer has read it already).
    pub async fn authorize(&self, params: &Params, signed_in: SignedIn<'_>) -> Outcome {
        let (client, request) = match self.resolve(params).await {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        self.evaluate(&client, request, self.now(), None, signed_in)
            .await
    }

    /// Verifies a request object (JAR, RFC 9101) signed by `client` and returns the parameters it
    /// carries; the parameters outside it are ignored (only `client_id` must agree).
    async fn unpack_request_object(
        &self,
        client: &Client,
        outer: &Params,
    ) -> Result<Params, OAuthError> {
        let bad = |why: String| OAuthError::new(ErrorCode::InvalidRequestObject, why);
        let jwt = single(outer, "request")?.ok_or_else(|| bad("request is empty".into()))?;
        if single(outer, "client_id")?.is_some_and(|id| id != client.client_id) {
            return Err(bad(
                "client_id does not match the request object's client".into()
            ));
        }
        let jws = crate::jose::Jws::parse(jwt).map_err(|e| bad(e.to_string()))?;
        if let Some(typ) = &jws.header.typ
            && typ != "oauth-authz-req+jwt"
            && typ != "JWT"
        {
            return Err(bad(format!("typ {typ:?} is not oauth-authz-req+jwt")));
        }
        self.verify_client_signature(client, &jws)
            .await
            .map_err(|e| bad(e.to_string()))?;
        let claims = &jws.claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("iss") != Some(client.client_id.as_str())
            || text("client_id") != Some(client.client_id.as_str())
        {
            return Err(bad("iss and client_id must be the client's ID".into()));
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == self.issuer(),
            Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(self.issuer())),
            _ => false,
        };
        if !audience_ok {
            return Err(bad(format!("aud must be the issuer {:?}", self.issuer())));
        }
        let now = self.now() / 1000;
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("exp is missing".into()))?;
        if exp <= now {
            return Err(bad("the request object has expired".into()));
        }
        if exp > now + 3600 {
            return Err(bad("the request object lives longer than an hour".into()));
        }
        if claims
            .get("nbf")
            .and_then(Value::as_i64)
            .is_some_and(|nbf| nbf > now + 60)
        {
            return Err(bad("the request object is not valid yet".into()));
        }
        if claims.contains_key("request") || claims.contains_key("request_uri") {
            return Err(bad(
                "a request object cannot refer to another request".into()
            ));
        }
        if let Some(jti) = text("jti")
            && !self
                .use_jti(&format!("jar:{}", client.client_id), jti, exp * 1000)
                .await?
        {
            return Err(bad("this request object was already used".into()));
        }
        let mut params = Params::new();
        for (name, value) in claims {
            if matches!(name.as_str(), "iss" | "aud" | "exp" | "nbf" | "iat" | "jti") {
                continue;
            }
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                other => other.to_string(),
            };
            params.push((name.clone(), value));
        }
        Ok(params)
    }

    /// Turns the endpoint's parameters into a request: from a pushed request, or validated here.
    async fn resolve(
        &self,
        params: &Params,
    ) -> Result<(Arc<Client>, AuthorizationRequest), Outcome> {
        let request_uri = single(params, "request_uri").map_err(Outcome::Page)?;
        if let Some(request_uri) = request_uri {
            let client = self.named_client(params).await.map_err(Outcome::Page)?;
            let id = request_uri
                .strip_prefix(REQUEST_URI_PREFIX)
                .ok_or_else(|| {
                    Outcome::Page(OAuthError::new(
                        ErrorCode::InvalidRequestUri,
                        "request_uri must be one issued by the PAR endpoint",
                    ))
                })?;
            let stored = self
                .take_request("par", id, &client.client_id)
                .await
                .map_err(Outcome::Page)?
                .ok_or_else(|| {
                    Outcome::Page(OAuthError::new(
                        ErrorCode::InvalidRequestUri,
                        "the request_uri is unknown, expired or already used",
                    ))
                })?;
            return Ok((client, stored.request));
        }
        let unpacked;
        let params = if params.iter().any(|(k, _)| k == "request") {
            // RFC 9101 §5: client_id outside, everything else from the signed object only. Its
            // redirect URI is not trusted before the signature is, so errors here are shown.
            let client = self.named_client(params).await.map_err(Outcome::Page)?;
            unpacked = self
                .unpack_request_object(&client, params)
                .await
                .map_err(Outcome::Page)?;
            &unpacked
        } else {
            params
        };
        let (client, redirect_uri) = self.locate(params).await.map_err(Outcome::Page)?;
        let state = single(params, "state").ok().flatten();
        if client.require_par {
            let e = OAuthError::request("this client must push its authorization requests (PAR)");
            return Err(Outcome::Redirect(self.error_redirect(
                &redirect_uri,
                state,
                &e,
            )));
        }
        let request = self
            .parse_request(&client, redirect_uri.clone(), params, None)
            .map_err(|e| Outcome::Redirect(self.error_redirect(&redirect_uri, state, &e)))?;
        if client.require_dpop && request.dpop_jkt.is_none() {
            let e = OAuthError::request("this client must bind its codes to a DPoP key (dpop_jkt)");
            return Err(Outcome::Redirect(self.error_redirect(
                &redirect_uri,
                state,
                &e,
            )));
        }
        Ok((client, request))
    }

    /// Removes and returns a stored request of `kind` for `client_id` (once only).
    async fn take_request(
        &self,
        kind: &str,
        id: &str,
        client_id: &str,
    ) -> Result<Option<Interaction>, OAuthError> {
        #[derive(FromRow)]
        struct Row {
            request: String,
        }
        let now = self.now();
        let row: Option<Row> = write_on_db!(self, |pool| {
            sqlx::query_as(
                "DELETE FROM oidc_requests
                 WHERE id_hash = $1 AND kind = $2 AND client_id = $3 AND expires_at > $4
                 RETURNING request",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(kind)
            .bind(client_id)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| serde_json::from_str(&r.request).map_err(OAuthError::internal))
            .transpose()
    }

    /// Reads an interaction without consuming it.
    async fn interaction(
        &self,
        id: &str,
    ) -> Result<Option<(Arc<Client>, Interaction)>, OAuthError> {
        #[derive(FromRow)]
        struct Row {
            client_id: String,
            request: String,
        }
        let now = self.now();
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT client_id, request FROM oidc_requests
                 WHERE id_hash = $1 AND kind = 'interaction' AND expires_at > $2",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let Some(client) = self.client(&row.client_id).await? else {
            return Ok(None);
        };
        let interaction = serde_json::from_str(&row.request).map_err(OAuthError::internal)?;
        Ok(Some((client, interaction)))
    }

    /// Continues an interaction after the citizen signed in.
    pub async fn resume(&self, interaction: &str, signed_in: SignedIn<'_>) -> Outcome {
        match self.interaction(interaction).await {
            Ok(Some((client, stored))) => {
                self.evaluate(
                    &client,
                    stored.request,
                    stored.started_at,
                    Some(interaction),
                    signed_in,
                )
                .await
            }
            Ok(None) => Outcome::Page(expired_interaction()),
            Err(e) => Outcome::Page(e),
        }
    }

    /// What the consent page shows, or where to go instead.
    pub async fn consent_view(
        &self,
        interaction: &str,
        signed_in: SignedIn<'_>,
    ) -> Result<ConsentView, Outcome> {
        let (client, stored) = match self.interaction(interaction).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(Outcome::Page(expired_interaction())),
            Err(e) => return Err(Outcome::Page(e)),
        };
        if signed_in.is_none() {
            return Err(self.resume(interaction, signed_in).await);
        }
        Ok(ConsentView {
            scopes: Scope::IDENTITY
                .into_iter()
                .filter(|s| stored.request.scopes.contains(s))
                .collect(),
            ui_locales: stored.request.ui_locales.clone(),
            client,
        })
    }

    /// Records the citizen's answer on the consent page.
    pub async fn decide_consent(
        &self,
        interaction: &str,
        signed_in: SignedIn<'_>,
        allow: bool,
    ) -> Outcome {
        let (client, stored) = match self.interaction(interaction).await {
            Ok(Some(found)) => found,
            Ok(None) => return Outcome::Page(expired_interaction()),
            Err(e) => return Outcome::Page(e),
        };
        let Some((_, account)) = signed_in else {
            return self.resume(interaction, signed_in).await;
        };
        let request = &stored.request;
        if !allow {
            let _ = self
                .take_request("interaction", interaction, &client.client_id)
                .await;
            let e = OAuthError::new(ErrorCode::AccessDenied, "the citizen did not consent");
            return Outcome::Redirect(self.error_redirect(
                &request.redirect_uri,
                request.state.as_deref(),
                &e,
            ));
        }
        if let Err(e) = self
            .record_consent(account.id, &client.client_id, &request.scopes)
            .await
        {
            return Outcome::Page(e);
        }
        let mut request = stored.request;
        request.prompt.consent = false;
        self.evaluate(
            &client,
            request,
            stored.started_at,
            Some(interaction),
            signed_in,
        )
        .await
    }

    /// Decides what happens to a validated request: sign-in, consent, or a code.
    async fn evaluate(
        &self,
        client: &Arc<Client>,
        request: AuthorizationRequest,
        started_at: i64,
        interaction: Option<&str>,
        signed_in: SignedIn<'_>,
    ) -> Outcome {
        let state = request.state.clone();
        let fail = |e: OAuthError| {
            Outcome::Redirect(self.error_redirect(&request.redirect_uri, state.as_deref(), &e))
        };
        let now = self.now();
        let required = request
            .acr
            .unwrap_or(Assurance::Low)
            .max(client.min_assurance);
        let usable = signed_in.filter(|(s, a)| {
            a.kind == AccountKind::Person && a.usable().is_ok() && s.assurance.is_some()
        });
        let fresh_enough = |s: &Session| {
            (!request.prompt.login || s.authenticated_at >= started_at)
                && request
                    .max_age
                    .is_none_or(|age| now - s.authenticated_at <= age * 1000)
        };
        let strong_enough = |s: &Session| s.assurance.is_some_and(|a| a >= required);
        let (session, account) = match usable {
            Some((s, a)) if fresh_enough(s) && strong_enough(s) => (s, a),
            other => {
                if request.prompt.none {
                    return fail(OAuthError::new(
                        ErrorCode::LoginRequired,
                        "the citizen must sign in (or sign in more strongly)",
                    ));
                }
                if let Some((s, a)) = other {
                    let tried_here = s.authenticated_at >= started_at && fresh_enough(s);
                    let can_reach = a.level == AccountLevel::Two || required == Assurance::Low;
                    if tried_here && !strong_enough(s) && !can_reach {
                        return fail(OAuthError::new(
                            ErrorCode::UnmetAuthenticationRequirements,
                            format!(
                                "the relying party needs the {} level, which an account \
                                 registered online cannot reach",
                                required.name()
                            ),
                        ));
                    }
                }
                let id = match self
                    .interaction_id(client, &request, started_at, interaction)
                    .await
                {
                    Ok(id) => id,
                    Err(e) => return Outcome::Page(e),
                };
                return Outcome::SignIn {
                    interaction: id,
                    login_hint: request.login_hint.clone(),
                    required,
                };
            }
        };
        let consented = match self.consented_scopes(account.id, &client.client_id).await {
            Ok(scopes) => scopes,
            Err(e) => return Outcome::Page(e),
        };
        let needs_consent =
            request.prompt.consent || !request.scopes.iter().all(|s| consented.contains(s));
        if needs_consent {
            if request.prompt.none {
                return fail(OAuthError::new(
                    ErrorCode::ConsentRequired,
                    "the citizen has not consented to this relying party's request",
                ));
            }
            let id = match self
                .interaction_id(client, &request, started_at, interaction)
                .await
            {
                Ok(id) => id,
                Err(e) => return Outcome::Page(e),
            };
            return Outcome::Consent { interaction: id };
        }
        match self
            .issue_code(client, &request, session, interaction)
            .await
        {
            Ok(code) => {
                let mut url =
                    Url::parse(&request.redirect_uri).expect("registered redirect URIs are URLs");
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("code", &code);
                    if let Some(state) = &request.state {
                        q.append_pair("state", state);
                    }
                    q.append_pair("iss", self.issuer());
                }
                Outcome::Redirect(url.to_string())
            }
            Err(e) => fail(e),
        }
    }

    async fn interaction_id(
        &self,
        client: &Client,
        request: &AuthorizationRequest,
        started_at: i64,
        existing: Option<&str>,
    ) -> Result<String, OAuthError> {
        if let Some(id) = existing {
            return Ok(id.to_owned());
        }
        let id = dinhdanh_accounts::secret::token();
        self.store_request(
            "interaction",
            &id,
            &client.client_id,
            request,
            started_at,
            started_at.max(self.now()) + INTERACTION_LIFETIME_MS,
        )
        .await?;
        Ok(id)
    }

    /// Issues a code; ends the interaction, if there was one, in the same transaction.
    async fn issue_code(
        &self,
        client: &Client,
        request: &AuthorizationRequest,
        session: &Session,
        interaction: Option<&str>,
    ) -> Result<String, OAuthError> {
        let code = dinhdanh_accounts::secret::token();
        let grant_id = dinhdanh_accounts::secret::token()[..22].to_owned();
        let details = CodeDetails {
            account_id: session.account_id,
            session: session.handle.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            nonce: request.nonce.clone(),
            scopes: request.scopes.clone(),
            claims: request.claims.clone(),
            acr: session.assurance.unwrap_or(Assurance::Low),
            amr: session.factors.iter().map(|f| f.amr().to_owned()).collect(),
            auth_time: session.authenticated_at / 1000,
            dpop_jkt: request.dpop_jkt.clone(),
        };
        let now = self.now();
        let write = crate::writes::Write::Code {
            code_hash: dinhdanh_accounts::secret::token_hash(&code),
            grant_id,
            client_id: client.client_id.clone(),
            details: serde_json::to_string(&details).expect("details serialize"),
            expires_at: now + CODE_LIFETIME_MS,
            interaction: interaction.map(dinhdanh_accounts::secret::token_hash),
        };
        self.write(write).await?;
        Ok(code)
    }

    /// The scopes a citizen has consented to for a client.
    pub async fn consented_scopes(
        &self,
        account_id: i64,
        client_id: &str,
    ) -> Result<BTreeSet<Scope>, OAuthError> {
        let row: Option<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT scopes FROM oidc_consents WHERE account_id = $1 AND client_id = $2",
            )
            .bind(account_id)
            .bind(client_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row
            .map(|(s,)| scope::parse_scopes(&s).unwrap_or_default())
            .unwrap_or_default())
    }

    async fn record_consent(
        &self,
        account_id: i64,
        client_id: &str,
        scopes: &BTreeSet<Scope>,
    ) -> Result<(), OAuthError> {
        let mut all = self.consented_scopes(account_id, client_id).await?;
        all.extend(scopes.iter().cloned());
        let now = self.now();
        write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_consents (account_id, client_id, scopes, granted_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = $3, granted_at = $4",
            )
            .bind(account_id)
            .bind(client_id)
            .bind(scope::join(&all))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// A citizen's consents: client, its name, the scopes, when.
    pub async fn consents(&self, account_id: i64) -> Result<Vec<GivenConsent>, OAuthError> {
        let rows: Vec<(String, String, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT client_id, scopes, granted_at FROM oidc_consents WHERE account_id = $1
                 ORDER BY granted_at DESC",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (client_id, scopes, granted_at) in rows {
            let Some(client) = self.client(&client_id).await? else {
                continue;
            };
            out.push(GivenConsent {
                client,
                scopes: scope::parse_scopes(&scopes)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                granted_at,
            });
        }
        Ok(out)
    }

    /// Withdraws a citizen's consent to a client and revokes every grant the client holds from
    /// them (refresh tokens stop working; access tokens fail at userinfo and introspection).
    pub async fn revoke_consent(
        &self,
        account_id: i64,
        client_id: &str,
    ) -> Result<bool, OAuthError> {
        let now = self.now();
        let removed = write_tx!(self, |tx| {
            let n =
                sqlx::query("DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2")
                    .bind(account_id)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            sqlx::query(
                "UPDATE oidc_grants SET revoked_at = $3
                 WHERE account_id = $1 AND client_id = $2 AND revoked_at IS NULL",
            )
            .bind(account_id)
            .bind(client_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            n
        });
        Ok(removed > 0)
    }
}

/// A consent as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct GivenConsent {
    /// The relying party.
    pub client: Arc<Client>,
    /// What it may receive.
    pub scopes: Vec<Scope>,
    /// When (Unix ms).
    pub granted_at: i64,
}

fn expired_interaction() -> OAuthError {
    OAuthError::request(
        "this sign-in request has expired or was already completed; start again from the service",
    )
}
