//! How the portal signs citizens in: as an ordinary relying party of the platform's OpenID
//! provider, over HTTP, with the `openidconnect` crate.
//!
//! - At start, `provider::register` registers the client `dvc.portal` (idempotently): redirect
//!   URI `<origin>/portal/callback`, scopes `openid personal_id` for sign-in and `exchange.read`
//!   with `client_credentials` for the agency that reads registry data, security level 3, and
//!   `private_key_jwt` with a P-256 key that the first node creates and keeps in the database,
//!   so every node and every restart authenticates with the same key.
//! - `/portal/login` discovers the provider (cached a few minutes), keeps a fresh `state`,
//!   nonce and PKCE verifier in the database, binds the `state` to the browser with a cookie,
//!   and sends the browser to the provider's authorization endpoint.
//! - `/portal/callback` takes that sign-in once, checks `state` against the cookie and `iss`
//!   against the issuer, exchanges the code with the verifier and a signed client assertion,
//!   and validates the ID token (signature by the provider's published key, issuer, audience,
//!   expiry, nonce, `at_hash`). The verified `personal_id` claim names the account; the portal
//!   then opens its own session, stored in the database with the token's `sub` and `sid`, and
//!   never looks at the provider's.
//! - `/portal/logout` ends the portal session and hands over to the provider's RP-initiated
//!   logout, which asks the citizen whether to sign out there too.
//! - When the provider session ends, however it ends, the provider's back-channel logout
//!   (`backchannel`) ends the portal sessions that came from it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use dinhdanh_accounts::Account;
use dinhdanh_accounts::secret::{same, token, token_hash};
use dinhdanh_domain::PersonalId;
use dinhdanh_oidc::AdminError;
use dinhdanh_portal::{Login, NewSession, PortalError};
use dinhdanh_services::{Citizen, PORTAL_CLIENT, ServicesError};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, CsrfToken, LogoutRequest, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, Scope, SignatureVerificationError,
};
use serde::Deserialize;
use serde_json::json;

use super::provider::{PERSONAL_ID_SCOPE, Provider, exchange_error, issuer, verify};
use super::{Visitor, applications, is_portal_path, message, t};
use crate::AppState;
use crate::web::CsrfForm;
use crate::web::{Lang, Web, cookie};

/// The portal's session cookie.
pub(super) const SESSION_COOKIE: &str = "dvc_session";
/// The cookie that binds a sign-in in flight to the browser that started it.
const LOGIN_COOKIE: &str = "dvc_login";
/// How long a citizen has to sign in at the provider.
const LOGIN_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a portal session lasts, from sign-in (a working morning).
const SESSION_TTL: Duration = Duration::from_secs(4 * 3600);
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal/login", get(login))
        .route("/portal/callback", get(callback))
        .route("/portal/logout", post(logout))
}

// ---------------------------------------------------------------------------------------------
// What can go wrong
// ---------------------------------------------------------------------------------------------

/// Why a sign-in through the provider did not give a portal session.
#[derive(Debug, thiserror::Error)]
pub(super) enum SignInError {
    /// The provider's discovery document or keys could not be read.
    #[error("the provider could not be discovered: {0}")]
    Discovery(String),
    /// The callback's `state` is not one this browser started, or it expired or was used.
    #[error("the sign-in is unknown to this browser, expired, or already used")]
    UnknownState,
    /// The provider answered with an error (the citizen declined, or the request was refused).
    #[error("the provider refused the sign-in: {0}")]
    Refused(String),
    /// The answer names another issuer (RFC 9207), or none.
    #[error("the answer does not name this provider as its issuer")]
    WrongIssuer,
    /// The answer has no code.
    #[error("the answer carries no authorization code")]
    NoCode,
    /// The token endpoint did not give tokens for the code.
    #[error("the code could not be exchanged: {0}")]
    Exchange(String),
    /// The ID token does not verify.
    #[error("the ID token is not valid: {0}")]
    IdToken(String),
    /// The verified claims name no person with an account.
    #[error("the ID token names no personal account")]
    NoPerson,
    /// The account may not apply.
    #[error("the account cannot use the portal: {0}")]
    Citizen(ServicesError),
    /// The portal's client key could not be made or read.
    #[error("the portal's client key: {0}")]
    Key(String),
    /// The registration was refused.
    #[error("the registration was refused: {0}")]
    Registration(#[from] AdminError),
    /// The portal's storage failed.
    #[error("{0}")]
    Storage(#[from] PortalError),
}

impl SignInError {
    /// The status and the words the citizen reads.
    fn shown(&self, lang: Lang) -> (StatusCode, String) {
        match self {
            SignInError::UnknownState => (
                StatusCode::BAD_REQUEST,
                t(lang, "portal.signin.expired").to_owned(),
            ),
            SignInError::Refused(code) if code == "access_denied" => (
                StatusCode::FORBIDDEN,
                t(lang, "portal.signin.declined").to_owned(),
            ),
            SignInError::Refused(_)
            | SignInError::WrongIssuer
            | SignInError::NoCode
            | SignInError::Exchange(_)
            | SignInError::IdToken(_) => (
                StatusCode::BAD_REQUEST,
                t(lang, "portal.signin.failed").to_owned(),
            ),
            SignInError::NoPerson => (
                StatusCode::FORBIDDEN,
                t(lang, "portal.signin.no_person").to_owned(),
            ),
            SignInError::Citizen(e) => (super::status_of(e), super::error_text(lang, e, None)),
            SignInError::Discovery(_)
            | SignInError::Key(_)
            | SignInError::Registration(_)
            | SignInError::Storage(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                t(lang, "portal.signin.unavailable").to_owned(),
            ),
        }
    }
}

/// The page for a sign-in that did not work, with a way to start again.
fn failure(web: &Web, visitor: &Visitor, error: &SignInError) -> Response {
    let (status, text) = error.shown(web.lang);
    if status.is_server_error() {
        tracing::error!(error = %error, "a portal sign-in failed");
    } else {
        tracing::info!(error = %error, "a portal sign-in was refused");
    }
    message(
        web,
        visitor,
        status,
        t(web.lang, "portal.signin.title"),
        &text,
    )
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

/// A cookie of the portal: only sent to `/portal`, never to scripts, not to other sites' posts.
fn portal_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let mut text = format!(
        "{name}={value}; Path=/portal; HttpOnly; SameSite=Lax; Max-Age={}",
        max_age.as_secs()
    );
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).expect("cookie values are base64url")
}

/// The account of the portal session the request carries, if it is live.
pub(super) async fn session_account(state: &AppState, headers: &HeaderMap) -> Option<Account> {
    let session = cookie(headers, SESSION_COOKIE).filter(|v| v.len() == 43)?;
    match state.portal.session_account(&token_hash(session)).await {
        Ok(Some(id)) => state.accounts.account(id).await.ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "portal sessions cannot be read");
            None
        }
    }
}

/// Where a page that needs a signed-in citizen sends a visitor without a portal session.
pub(super) fn login_redirect(next: &str) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("next", next);
    Redirect::to(&format!("/portal/login?{}", query.finish())).into_response()
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<Provider>>,
    web: Web,
    visitor: Visitor,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = query
        .next
        .filter(|n| is_portal_path(n))
        .unwrap_or_else(|| "/portal/applications".into());
    if visitor.signed_in() {
        return Redirect::to(&next).into_response();
    }
    begin(&state, &provider, &web, &visitor, &next, None).await
}

/// Starts a sign-in at the provider that comes back to `next`, or starts a draft for the
/// procedure `start`.
pub(super) async fn begin(
    state: &AppState,
    provider: &Provider,
    web: &Web,
    visitor: &Visitor,
    next: &str,
    start: Option<&str>,
) -> Response {
    match authorization(state, provider, next, start).await {
        Ok((url, login_state)) => {
            let mut response = Redirect::to(&url).into_response();
            response.headers_mut().append(
                SET_COOKIE,
                portal_cookie(
                    LOGIN_COOKIE,
                    &login_state,
                    LOGIN_TTL,
                    state.web.secure_cookies,
                ),
            );
            response
        }
        Err(e) => failure(web, visitor, &e),
    }
}

/// The authorization URL of a new sign-in, and its `state`.
async fn authorization(
    state: &AppState,
    provider: &Provider,
    next: &str,
    start: Option<&str>,
) -> Result<(String, String), SignInError> {
    let known = provider.known(state).await?;
    // Only a portal page is a place to come back to, whoever asked.
    let next = if is_portal_path(next) {
        next
    } else {
        "/portal/applications"
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let login_state = token();
    let nonce = token();
    let (sent_state, sent_nonce) = (login_state.clone(), nonce.clone());
    let (url, _, _) = known
        .client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(sent_state),
            move || Nonce::new(sent_nonce),
        )
        .add_scope(Scope::new(PERSONAL_ID_SCOPE.into()))
        .set_pkce_challenge(challenge)
        .url();
    let expires_at = state.accounts.clock().now_ms() + LOGIN_TTL.as_millis() as i64;
    state
        .portal
        .save_login(&Login {
            state_hash: token_hash(&login_state),
            nonce,
            verifier: verifier.secret().clone(),
            next: next.to_owned(),
            start: start.map(str::to_owned),
            expires_at,
        })
        .await?;
    Ok((url.to_string(), login_state))
}

#[derive(Deserialize)]
struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The provider's answer: a portal session, or a refusal that signs nobody in.
async fn callback(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<Provider>>,
    web: Web,
    visitor: Visitor,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let secure = state.web.secure_cookies;
    let mut response = match complete(&state, &provider, &headers, &query).await {
        Ok(Completed {
            account,
            sub,
            sid,
            login,
        }) => {
            let session = token();
            let replaced = cookie(&headers, SESSION_COOKIE).map(token_hash);
            let opened = state
                .portal
                .open_session(&NewSession {
                    token_hash: &token_hash(&session),
                    replaces: replaced.as_deref(),
                    account: account.id,
                    sub: &sub,
                    sid: sid.as_deref(),
                    expires_at: state.accounts.clock().now_ms() + SESSION_TTL.as_millis() as i64,
                })
                .await;
            if let Err(e) = opened {
                return failure(&web, &visitor, &e.into());
            }
            let signed = Visitor {
                signed: Some(account.clone()),
            };
            let mut response = match &login.start {
                Some(code) => applications::start_or_resume(&state, &web, &signed, code).await,
                None => Redirect::to(&login.next).into_response(),
            };
            response.headers_mut().append(
                SET_COOKIE,
                portal_cookie(SESSION_COOKIE, &session, SESSION_TTL, secure),
            );
            response
        }
        Err(e) => failure(&web, &visitor, &e),
    };
    // The sign-in in flight is over, whatever happened.
    response.headers_mut().append(
        SET_COOKIE,
        portal_cookie(LOGIN_COOKIE, "", Duration::ZERO, secure),
    );
    response
}

/// A sign-in the provider's answer completed.
struct Completed {
    /// The citizen's account.
    account: Account,
    /// The ID token's subject (the portal's pairwise name for the citizen).
    sub: String,
    /// The provider session the ID token was issued in.
    sid: Option<String>,
    /// The sign-in it completes.
    login: Login,
}

/// Checks the answer and the tokens.
async fn complete(
    state: &AppState,
    provider: &Provider,
    headers: &HeaderMap,
    query: &CallbackQuery,
) -> Result<Completed, SignInError> {
    let given = query.state.as_deref().ok_or(SignInError::UnknownState)?;
    let bound = cookie(headers, LOGIN_COOKIE).ok_or(SignInError::UnknownState)?;
    if given.is_empty() || !same(given.as_bytes(), bound.as_bytes()) {
        return Err(SignInError::UnknownState);
    }
    let login = state
        .portal
        .take_login(&token_hash(given))
        .await?
        .ok_or(SignInError::UnknownState)?;
    if let Some(error) = &query.error {
        return Err(SignInError::Refused(error.chars().take(60).collect()));
    }
    if query.iss.as_deref() != Some(issuer(state)) {
        return Err(SignInError::WrongIssuer);
    }
    let code = query.code.clone().ok_or(SignInError::NoCode)?;
    let known = provider.known(state).await?;
    let key = state.portal.client_key(PORTAL_CLIENT).await?;
    let now = state.accounts.clock().now_ms() / 1000;
    let assertion = key.sign(
        "JWT",
        &json!({
            "iss": PORTAL_CLIENT, "sub": PORTAL_CLIENT, "aud": issuer(state),
            "iat": now, "exp": now + 60, "jti": token(),
        }),
    );
    let tokens = known
        .client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| SignInError::Exchange(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(login.verifier.clone()))
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", assertion)
        .request_async(&provider.http)
        .await
        .map_err(|e| SignInError::Exchange(exchange_error(&e)))?;
    let nonce = Nonce::new(login.nonce.clone());
    let claims = match verify(&known.client, &tokens, &nonce) {
        // A key the memory does not have yet (the provider rotated): discover once more.
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => verify(&provider.discover(state).await?.client, &tokens, &nonce),
        other => other,
    }
    .map_err(|e| SignInError::IdToken(e.to_string()))?;
    let person = claims
        .additional_claims()
        .personal_id
        .as_deref()
        .and_then(|p| PersonalId::parse(p).ok())
        .ok_or(SignInError::NoPerson)?;
    let account = state
        .accounts
        .account_of_person(person)
        .await
        .map_err(|e| SignInError::Citizen(e.into()))?
        .ok_or(SignInError::NoPerson)?;
    Citizen::of(&account).map_err(SignInError::Citizen)?;
    Ok(Completed {
        account,
        sub: claims.subject().as_str().to_owned(),
        sid: claims.additional_claims().sid.clone(),
        login,
    })
}

/// Ends the portal session, then hands over to the provider's RP-initiated logout.
async fn logout(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<Provider>>,
    web: Web,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    if let Some(session) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.portal.end_session(&token_hash(session)).await
    {
        tracing::error!(error = %e, "a portal session could not be ended");
        return super::unavailable(&web);
    }
    let back = format!("{}/portal", issuer(&state));
    let to = match (provider.known(&state).await, PostLogoutRedirectUrl::new(back)) {
        (Ok(known), Ok(back)) => known.end_session.clone().map(|end| {
            LogoutRequest::from(end)
                .set_client_id(ClientId::new(PORTAL_CLIENT.into()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string()
        }),
        (Err(e), _) => {
            tracing::warn!(error = %e, "the provider is unreachable; the portal session ended alone");
            None
        }
        (_, Err(_)) => None,
    }
    .unwrap_or_else(|| "/portal".into());
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        portal_cookie(SESSION_COOKIE, "", Duration::ZERO, state.web.secure_cookies),
    );
    response
}
