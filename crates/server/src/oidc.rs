//! The OpenID provider's machine endpoints: discovery, JWKS, pushed authorization requests, token
//! and userinfo. Errors are JSON objects with `error` and `error_description` (RFC 6749 §5.2),
//! `401` with `WWW-Authenticate` where the RFCs ask for it; responses carrying tokens are never
//! cached. The authorization endpoint and its pages are in `web::authorize`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use dinhdanh_oidc::authorize::Params;
use dinhdanh_oidc::introspect::Hint;
use dinhdanh_oidc::{ClientAuth, ErrorCode, OAuthError, TokenRequest};
use serde_json::json;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/par", post(par))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo).post(userinfo))
        .route("/introspect", post(introspect))
        .route("/revoke", post(revoke))
}

/// The `DPoP` header, checked for `method` at `path`: the thumbprint of its key, `None` when
/// the request has no proof.
async fn dpop(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
) -> Result<Option<String>, OAuthError> {
    let mut proofs = headers.get_all("dpop").iter();
    let Some(proof) = proofs.next() else {
        return Ok(None);
    };
    if proofs.next().is_some() {
        return Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "send one DPoP header, not several",
        ));
    }
    let proof = proof
        .to_str()
        .map_err(|_| OAuthError::new(ErrorCode::InvalidDpopProof, "the proof is not text"))?;
    let url = format!("{}{path}", state.oidc.issuer());
    let expected = dinhdanh_oidc::dpop::Expected {
        method,
        url: &url,
        access_token: None,
    };
    state.oidc.check_dpop(proof, &expected).await.map(Some)
}

/// An OAuth error response.
pub(crate) fn oauth_error(error: &OAuthError) -> Response {
    let status = match error.code {
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut response = (
        status,
        Json(json!({"error": error.code.as_str(), "error_description": error.description})),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match error.code {
        ErrorCode::InvalidClient => {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="dinhdanh""#),
            );
        }
        ErrorCode::InvalidToken | ErrorCode::InsufficientScope => {
            let value = format!(
                r#"Bearer error="{}", error_description="{}""#,
                error.code.as_str(),
                error.description.replace(['"', '\\'], "'")
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(WWW_AUTHENTICATE, v);
            }
        }
        _ => {}
    }
    response
}

fn no_store(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn discovery(State(state): State<AppState>) -> Response {
    let mut response = Json(state.oidc.discovery()).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

async fn jwks(State(state): State<AppState>) -> Response {
    match state.oidc.keys().await {
        Ok(keys) => {
            let mut response = Json(keys.jwks()).into_response();
            response.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            );
            response
        }
        Err(e) => oauth_error(&OAuthError::internal(e)),
    }
}

/// Parses an `application/x-www-form-urlencoded` body.
pub(crate) fn form_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// Reads the client's credentials from the header and the form (RFC 6749 §2.3.1: the Basic
/// user name and password are form-urlencoded before base64).
fn client_auth(headers: &HeaderMap, params: &Params) -> Result<ClientAuth, OAuthError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let basic = match headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(value) if value.len() > 6 && value[..6].eq_ignore_ascii_case("basic ") => {
            let bad = || OAuthError::client("the Basic credentials are malformed");
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value[6..].trim())
                .map_err(|_| bad())?;
            let text = String::from_utf8(decoded).map_err(|_| bad())?;
            let (id, secret) = text.split_once(':').ok_or_else(bad)?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(id), decode(secret)))
        }
        _ => None,
    };
    Ok(ClientAuth {
        basic,
        client_id: get("client_id"),
        assertion_type: get("client_assertion_type"),
        assertion: get("client_assertion"),
        secret_in_body: get("client_secret").is_some(),
    })
}

async fn par(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let params = form_params(&headers, &body)?;
        let auth = client_auth(&headers, &params)?;
        let endpoint = format!("{}/par", state.oidc.issuer());
        let client = state.oidc.authenticate_client(&auth, &endpoint).await?;
        let jkt = dpop(&state, &headers, "POST", "/par").await?;
        let request: Params = params
            .into_iter()
            .filter(|(k, _)| !k.starts_with("client_assertion"))
            .collect();
        state.oidc.push_request(&client, &request, jkt).await
    }
    .await;
    match result {
        Ok((request_uri, expires_in)) => {
            let mut response = (
                StatusCode::CREATED,
                Json(json!({"request_uri": request_uri, "expires_in": expires_in})),
            )
                .into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => oauth_error(&e),
    }
}

async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let params = form_params(&headers, &body)?;
        let auth = client_auth(&headers, &params)?;
        let endpoint = format!("{}/token", state.oidc.issuer());
        let client = state.oidc.authenticate_client(&auth, &endpoint).await?;
        let request = TokenRequest::from_params(&params)?;
        let jkt = dpop(&state, &headers, "POST", "/token").await?;
        state.oidc.token(&client, request, jkt).await
    }
    .await;
    match result {
        Ok(response) => no_store(serde_json::to_value(response).expect("a token response")),
        Err(e) => oauth_error(&e),
    }
}

async fn userinfo(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let scheme = |name: &str| {
        authorization
            .filter(|v| v.len() > name.len() && v[..name.len()].eq_ignore_ascii_case(name))
            .map(|v| v[name.len()..].trim().to_owned())
    };
    let (token, dpop_scheme) = match (scheme("bearer "), scheme("dpop ")) {
        (Some(t), _) => (Some(t), false),
        (None, Some(t)) => (Some(t), true),
        (None, None) => (
            form_params(&headers, &body).ok().and_then(|p| {
                p.into_iter()
                    .find(|(k, _)| k == "access_token")
                    .map(|(_, v)| v)
            }),
            false,
        ),
    };
    let Some(token) = token else {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                r#"Bearer realm="dinhdanh", DPoP algs="ES256 EdDSA PS256 RS256""#,
            ),
        );
        return response;
    };
    let proofs: Vec<&str> = headers
        .get_all("dpop")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if proofs.len() > 1 {
        return oauth_error(&OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "send one DPoP header, not several",
        ));
    }
    let url = format!("{}/userinfo", state.oidc.issuer());
    let presented = dinhdanh_oidc::Presented {
        token: &token,
        dpop_scheme,
        proof: proofs.first().copied(),
        method: method.as_str(),
        url: &url,
    };
    match state.oidc.userinfo(&presented).await {
        Ok(claims) => no_store(claims),
        Err(e) => {
            let mut response = oauth_error(&e);
            if dpop_scheme {
                // RFC 9449 §7.1: the challenge names the DPoP scheme.
                let value = format!(
                    r#"DPoP error="{}", algs="ES256 EdDSA PS256 RS256""#,
                    e.code.as_str()
                );
                if let Ok(v) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(WWW_AUTHENTICATE, v);
                }
            }
            response
        }
    }
}

/// Authenticates the client of an introspection or revocation request; returns it, the token
/// and the hint.
async fn token_about(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    path: &str,
) -> Result<(std::sync::Arc<dinhdanh_oidc::Client>, String, Hint), OAuthError> {
    let params = form_params(headers, body)?;
    let auth = client_auth(headers, &params)?;
    let endpoint = format!("{}{path}", state.oidc.issuer());
    let client = state.oidc.authenticate_client(&auth, &endpoint).await?;
    let get = |name: &str| dinhdanh_oidc::authorize::value(&params, name);
    let token =
        get("token").ok_or_else(|| OAuthError::request("the token parameter is missing"))?;
    Ok((
        client,
        token,
        Hint::parse(get("token_type_hint").as_deref()),
    ))
}

async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (client, token, hint) = token_about(&state, &headers, &body, "/introspect").await?;
        state.oidc.introspect(&client, &token, hint).await
    }
    .await;
    match result {
        Ok(answer) => no_store(answer),
        Err(e) => oauth_error(&e),
    }
}

async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (client, token, hint) = token_about(&state, &headers, &body, "/revoke").await?;
        state.oidc.revoke(&client, &token, hint).await
    }
    .await;
    match result {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => oauth_error(&e),
    }
}
