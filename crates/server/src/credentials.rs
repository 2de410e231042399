//! The credential issuer's protocol endpoints, under the issuer identifier `<origin>/credentials`
//! (OpenID4VCI 1.0, SD-JWT VC, Token Status List):
//!
//! - `/.well-known/openid-credential-issuer/credentials`, `/.well-known/oauth-authorization-server/credentials`
//!   and `/.well-known/jwt-vc-issuer/credentials`: what a wallet and a verifier discover;
//! - `GET /credentials/offers/{code}`: the offer behind a QR code;
//! - `POST /credentials/token`, `POST /credentials/nonce`, `POST /credentials/credential`;
//! - `GET /credentials/status/{n}`: status list `n` (`application/statuslist+jwt`, cacheable);
//! - `GET /credentials/types/{id}`: the type metadata of a `vct`;
//! - `POST /credentials/vp/response`: where wallets post presentations (OpenID4VP `direct_post`).
//!
//! Protocol errors are JSON `{error, error_description}` with the codes OpenID4VCI and RFC 6749
//! give; nothing that carries a code, token or nonce is cached.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use dinhdanh_credentials::{CredentialRequest, CredentialsError, metadata, status, types};
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer/credentials",
            get(issuer_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server/credentials",
            get(authorization_server),
        )
        .route("/.well-known/jwt-vc-issuer/credentials", get(jwt_vc_issuer))
        .route("/credentials/offers/{code}", get(offer))
        .route("/credentials/token", post(token))
        .route("/credentials/nonce", post(nonce))
        .route("/credentials/credential", post(credential))
        .route("/credentials/status/{list}", get(status_list))
        .route("/credentials/types/{id}", get(type_metadata))
        .route("/credentials/vp/response", post(vp_response))
}

/// A protocol error as OAuth and OpenID4VCI spell it; other errors as the API does.
fn protocol_error(e: CredentialsError) -> Response {
    match e {
        CredentialsError::Protocol {
            code,
            description,
            status,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response = (
                status,
                Json(json!({"error": code, "error_description": description})),
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if status == StatusCode::UNAUTHORIZED {
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            response
        }
        other => ApiError::from(other).into_response(),
    }
}

fn no_store(body: serde_json::Value) -> Response {
    ([(CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn issuer_metadata(State(state): State<AppState>) -> Response {
    Json(metadata::issuer(state.credentials().issuer())).into_response()
}

async fn authorization_server(State(state): State<AppState>) -> Response {
    Json(metadata::authorization_server(state.credentials().issuer())).into_response()
}

async fn jwt_vc_issuer(State(state): State<AppState>) -> Response {
    let credentials = state.credentials();
    match credentials.keys().await {
        Ok(keys) => {
            Json(metadata::jwt_vc_issuer(credentials.issuer(), keys.jwks())).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn offer(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    match state.credentials().offer_document(&code).await {
        Ok(offer) => no_store(offer),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn token(
    State(state): State<AppState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    match state.credentials().token(&params).await {
        Ok(t) => no_store(serde_json::to_value(t).expect("a token response serializes")),
        Err(e) => protocol_error(e),
    }
}

async fn nonce(State(state): State<AppState>) -> Response {
    match state.credentials().nonce().await {
        Ok(n) => no_store(json!({"c_nonce": n})),
        Err(e) => protocol_error(e),
    }
}

async fn credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return protocol_error(CredentialsError::Protocol {
                code: "invalid_token",
                description: "send the access token from the token endpoint as a Bearer token"
                    .into(),
                status: 401,
            });
        }
    };
    let request: CredentialRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return protocol_error(CredentialsError::Protocol {
                code: "invalid_credential_request",
                description: format!("the body is not a credential request: {e}"),
                status: 400,
            });
        }
    };
    match state.credentials().credential(token, &request).await {
        Ok(issued) => no_store(json!({"credentials": [{"credential": issued.credential}]})),
        Err(e) => protocol_error(e),
    }
}

async fn status_list(State(state): State<AppState>, Path(list): Path<String>) -> Response {
    let Ok(list) = list.parse::<i64>() else {
        return ApiError::from(CredentialsError::NotFound).into_response();
    };
    match state.credentials().status_list(list).await {
        Ok(token) => (
            [
                (CONTENT_TYPE, status::MEDIA_TYPE.to_owned()),
                (CACHE_CONTROL, format!("public, max-age={}", token.max_age)),
            ],
            token.jwt.clone(),
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn type_metadata(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match types::by_id(&id) {
        Some(t) => Json(metadata::type_metadata(state.credentials().issuer(), &t)).into_response(),
        None => ApiError::from(CredentialsError::UnknownType(id)).into_response(),
    }
}

/// A wallet's `direct_post` response.
#[derive(serde::Deserialize)]
struct VpResponse {
    #[serde(default)]
    state: String,
    #[serde(default)]
    vp_token: String,
}

async fn vp_response(State(state): State<AppState>, Form(response): Form<VpResponse>) -> Response {
    use dinhdanh_credentials::presentation::Outcome;
    match state
        .credentials()
        .receive_presentation(&response.state, &response.vp_token)
        .await
    {
        Ok(Outcome::Verified { .. }) => no_store(json!({})),
        Ok(Outcome::Refused { code, reason }) => protocol_error(CredentialsError::Protocol {
            code: "invalid_request",
            description: format!("the presentation was refused ({code}): {reason}"),
            status: 400,
        }),
        Ok(_) => no_store(json!({})),
        Err(e) => protocol_error(e),
    }
}
