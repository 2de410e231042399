//! Authorization requests as they arrive: the parameters (query, form, or a signed request
//! object, RFC 9101), checked and turned into a typed [`AuthorizationRequest`]. The flow that
//! follows (sign-in, consent, code) is in `authorize`.

use std::collections::BTreeSet;
use std::sync::Arc;

use dinhdanh_accounts::Assurance;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Oidc;
use crate::clients::{Client, GrantType};
use crate::error::{ErrorCode, OAuthError};
use crate::scope::{self, Scope};

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

pub(crate) fn single<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, OAuthError> {
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
    pub(crate) async fn named_client(&self, params: &Params) -> Result<Arc<Client>, OAuthError> {
        let client_id = single(params, "client_id")?
            .ok_or_else(|| OAuthError::request("the client_id parameter is missing"))?;
        self.client(client_id)
            .await?
            .ok_or_else(|| OAuthError::client(format!("no client {client_id:?} is registered")))
    }

    /// Finds the client and checks the redirect URI: the two things that must be right before any
    /// error may be redirected.
    pub(crate) async fn locate(
        &self,
        params: &Params,
    ) -> Result<(Arc<Client>, String), OAuthError> {
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
    pub(crate) fn parse_request(
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

    /// Verifies a request object (JAR, RFC 9101) signed by `client` and returns the parameters it
    /// carries; the parameters outside it are ignored (only `client_id` must agree).
    pub(crate) async fn unpack_request_object(
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
}
