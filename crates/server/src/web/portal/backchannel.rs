//! The provider's back-channel logout as the portal receives it (OpenID Connect Back-Channel
//! Logout 1.0): when a citizen's session at the provider ends, the provider posts a logout token
//! to `/portal/backchannel-logout`, and the portal ends its sessions from that provider session
//! (`sid`), or all of the citizen's (`sub` alone).
//!
//! The provider calls this server to server: no cookies, no CSRF token, no `Origin`. It sits
//! outside the pages' guard, and the token is the only credential: its signature must verify
//! with a key the provider publishes (through the `openidconnect` client's discovery), and its
//! claims must pass `dinhdanh_portal::LogoutToken::from_claims`; a `jti` is acted on once. The
//! answer is 200 with nothing in it, or 400 with the OAuth error and what was wrong (§2.8);
//! never cached.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Form, Json, Router};
use dinhdanh_portal::{Expected, LogoutError, LogoutToken, PortalError, SignedToken};
use dinhdanh_services::PORTAL_CLIENT;
use serde::Deserialize;
use serde_json::json;

use super::provider::{
    BACKCHANNEL_LOGOUT_PATH, Provider, SignatureCheck, issuer, logout_signature,
};
use super::signin::SignInError;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(BACKCHANNEL_LOGOUT_PATH, post(logout))
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    logout_token: Option<String>,
}

/// Why a logout request ended nothing.
enum Failure {
    /// The token is refused: 400, and the provider should not try it again.
    Refused(LogoutError),
    /// The portal could not reach the provider's keys or its storage: 503, to be tried again.
    Unavailable(String),
}

impl From<LogoutError> for Failure {
    fn from(e: LogoutError) -> Failure {
        Failure::Refused(e)
    }
}

impl From<SignInError> for Failure {
    fn from(e: SignInError) -> Failure {
        Failure::Unavailable(e.to_string())
    }
}

impl From<PortalError> for Failure {
    fn from(e: PortalError) -> Failure {
        match e {
            PortalError::Logout(e) => Failure::Refused(e),
            other => Failure::Unavailable(other.to_string()),
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<Provider>>,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let token = form.ok().and_then(|Form(f)| f.logout_token);
    let no_store = [(CACHE_CONTROL, "no-store")];
    match end(&state, &provider, token.as_deref()).await {
        Ok(ended) => {
            tracing::info!(
                ended,
                "the provider ended portal sessions over the back channel"
            );
            (StatusCode::OK, no_store).into_response()
        }
        Err(Failure::Refused(e)) => {
            tracing::warn!(error = %e, "a back-channel logout token was refused");
            let body = json!({"error": e.code(), "error_description": e.to_string()});
            (StatusCode::BAD_REQUEST, no_store, Json(body)).into_response()
        }
        Err(Failure::Unavailable(e)) => {
            tracing::error!(error = %e, "a back-channel logout could not be handled");
            let body = json!({
                "error": "temporarily_unavailable",
                "error_description": "the portal cannot handle logout tokens now; try again"
            });
            (StatusCode::SERVICE_UNAVAILABLE, no_store, Json(body)).into_response()
        }
    }
}

/// Verifies the token and ends the sessions it names; how many ended.
async fn end(state: &AppState, provider: &Provider, token: Option<&str>) -> Result<u64, Failure> {
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(LogoutError::NoToken)?;
    let signed = SignedToken::parse(token)?;
    let known = provider.known(state).await?;
    match logout_signature(&known, &signed) {
        Ok(()) => {}
        Err(SignatureCheck::NoKey) => {
            // A key this node has not seen yet (the provider rotated): look once more.
            match logout_signature(&*provider.refresh(state).await?, &signed) {
                Ok(()) => {}
                Err(SignatureCheck::NoKey) => return Err(LogoutError::BadSignature.into()),
                Err(SignatureCheck::Refused(e)) => return Err(e.into()),
            }
        }
        Err(SignatureCheck::Refused(e)) => return Err(e.into()),
    }
    let expected = Expected {
        issuer: issuer(state),
        client_id: PORTAL_CLIENT,
        now_s: state.portal.now_ms().div_euclid(1000),
    };
    let token = LogoutToken::from_claims(&signed.claims, &expected)?;
    Ok(state.portal.log_out(&token).await?)
}
