//! Signing in (password, then a second factor when the account has one; or a passkey alone),
//! step-up, and signing out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use dinhdanh_accounts::{AccountError, Credential, Method};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::layout::{alert, page};
use super::{Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/login/second", get(second_form).post(second))
        .route("/login/passkey/start", post(passkey_start))
        .route("/login/passkey/finish", post(passkey_finish))
        .route("/logout", post(logout))
}

/// `?next=` (where to go after signing in: an authorization to continue) and `?hint=` (a
/// personal ID to prefill, from the relying party's `login_hint`).
#[derive(Deserialize, Default)]
struct After {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl After {
    /// The accepted `next`, if any.
    fn next(&self) -> Option<&str> {
        super::authorize::safe_next(self.next.as_deref())
    }

    /// The origin of the relying party the interaction in `next` answers, if any.
    async fn return_origin(&self, state: &AppState) -> Option<String> {
        let interaction = self
            .next()?
            .strip_prefix(super::authorize::CONTINUE_PREFIX)?;
        state.oidc.interaction_return_origin(interaction).await
    }

    /// `path`, carrying `next` along.
    fn with_next(&self, path: &str) -> String {
        match self.next() {
            Some(next) => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next)
                    .finish();
                format!("{path}?{query}")
            }
            None => path.to_owned(),
        }
    }

    /// Where a completed sign-in goes.
    fn done(&self) -> &str {
        self.next().unwrap_or("/account")
    }
}

fn login_page(web: &Web, personal_id: &str, error: Option<&str>, after: &After) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "login.title"),
        html! {
            (alert(error))
            form #login method="post" action=(after.with_next("/login")) {
                input type="hidden" name="csrf" value=(web.csrf);
                label for="personal_id" { (t(l, "field.personal_id")) }
                input #personal_id name="personal_id" inputmode="numeric" autocomplete="username"
                    pattern="[0-9]{12}" maxlength="12" required value=(personal_id);
                label for="password" { (t(l, "field.password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                label {
                    input type="checkbox" name="recovery" value="1";
                    " " (t(l, "login.recovery"))
                }
                button type="submit" { (t(l, "login.submit")) }
            }
            p.or { (t(l, "login.or")) }
            button #passkey-login type="button" data-passkey="login" data-start="/login/passkey/start"
                data-finish=(after.with_next("/login/passkey/finish")) data-msg-cancelled=(t(l, "passkey.cancelled"))
                data-msg-failed=(t(l, "passkey.failed")) { (t(l, "login.passkey")) }
            p #passkey-error.alert hidden {}
            p { (t(l, "login.no_account")) " " a href="/register" { (t(l, "nav.register")) } }
        },
    )
}

/// The sign-in form, also when a session exists: signing in replaces it.
async fn login_form(
    State(state): State<AppState>,
    web: Web,
    Query(after): Query<After>,
) -> Response {
    let hint = after
        .hint
        .as_deref()
        .filter(|h| h.len() == 12 && h.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("");
    let origin = after.return_origin(&state).await;
    super::allow_form_target(
        login_page(&web, hint, None, &after).into_response(),
        origin.as_deref(),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    recovery: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    web: Web,
    Query(after): Query<After>,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .accounts
        .login(
            &form.personal_id,
            &if form.recovery.is_some() {
                Credential::Recovery(form.password)
            } else {
                Credential::Password(form.password)
            },
            &web.client,
        )
        .await
    {
        Ok(signed_in) => {
            // Any session the browser had is replaced (no fixation); offer a second factor.
            if let Some(old) = &web.signed_in {
                let _ = state.accounts.sign_out(&old.token).await;
            }
            let methods = state
                .accounts
                .authenticators(signed_in.session.account_id)
                .await
                .unwrap_or_default();
            let next = if methods.iter().any(|a| a.method == Method::Totp) {
                after.with_next("/login/second")
            } else {
                after.done().to_owned()
            };
            web.sign_in_redirect(&signed_in.token, &next)
        }
        Err(e) => {
            let status = match e {
                AccountError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                AccountError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::UNAUTHORIZED,
            };
            (
                status,
                login_page(&web, &form.personal_id, Some(&web.error_text(&e)), &after),
            )
                .into_response()
        }
    }
}

fn second_page(web: &Web, error: Option<&str>, after: &After) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "second.title"),
        html! {
            p { (t(l, "second.intro")) }
            (alert(error))
            form #second method="post" action=(after.with_next("/login/second")) {
                input type="hidden" name="csrf" value=(web.csrf);
                label for="code" { (t(l, "field.totp_code")) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="11" required;
                label {
                    input type="checkbox" name="recovery" value="1";
                    " " (t(l, "second.recovery"))
                }
                button type="submit" { (t(l, "second.submit")) }
            }
            p { (t(l, "second.or_passkey")) }
            button #passkey-step-up type="button" data-passkey="login" data-start="/login/passkey/start"
                data-finish=(after.with_next("/login/passkey/finish")) data-msg-cancelled=(t(l, "passkey.cancelled"))
                data-msg-failed=(t(l, "passkey.failed")) { (t(l, "login.passkey")) }
            p #passkey-error.alert hidden {}
            p { a href=(after.done()) { (t(l, "second.skip")) } }
        },
    )
}

async fn second_form(
    State(state): State<AppState>,
    web: Web,
    Query(after): Query<After>,
) -> Response {
    if let Err(r) = web.user() {
        return r;
    }
    let origin = after.return_origin(&state).await;
    super::allow_form_target(
        second_page(&web, None, &after).into_response(),
        origin.as_deref(),
    )
}

#[derive(Deserialize)]
struct SecondForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery: Option<String>,
}

async fn second(
    State(state): State<AppState>,
    web: Web,
    Query(after): Query<After>,
    Form(form): Form<SecondForm>,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let credential = if form.recovery.is_some() {
        Credential::Recovery(form.code)
    } else {
        Credential::Totp(form.code)
    };
    match state
        .accounts
        .step_up(&user.token, &credential, &web.client)
        .await
    {
        Ok(raised) => web.sign_in_redirect(&raised.token, after.done()),
        Err(AccountError::NoSession) => Redirect::to("/login").into_response(),
        Err(e) => (
            StatusCode::UNAUTHORIZED,
            second_page(&web, Some(&web.error_text(&e)), &after),
        )
            .into_response(),
    }
}

/// JSON error for the passkey script.
pub(crate) fn json_error(web: &Web, status: StatusCode, e: &AccountError) -> Response {
    (
        status,
        Json(json!({"error": e.code(), "message": web.error_text(e)})),
    )
        .into_response()
}

pub(crate) fn check_csrf_header(
    web: &Web,
    headers: &axum::http::HeaderMap,
) -> Result<(), Response> {
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !given.is_empty() && dinhdanh_accounts::secret::same(given.as_bytes(), web.csrf.as_bytes()) {
        Ok(())
    } else {
        Err((
            StatusCode::FORBIDDEN,
            Json(json!({"error": "csrf", "message": t(web.lang, "csrf.body")})),
        )
            .into_response())
    }
}

async fn passkey_start(
    State(state): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(r) = check_csrf_header(&web, &headers) {
        return r;
    }
    match state.accounts.passkey_login_start().await {
        Ok(login) => {
            Json(json!({"ceremony": login.ceremony, "options": login.options})).into_response()
        }
        Err(e) => json_error(&web, StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize)]
struct PasskeyFinish {
    ceremony: String,
    response: serde_json::Value,
}

async fn passkey_finish(
    State(state): State<AppState>,
    web: Web,
    Query(after): Query<After>,
    headers: axum::http::HeaderMap,
    Json(body): Json<PasskeyFinish>,
) -> Response {
    if let Err(r) = check_csrf_header(&web, &headers) {
        return r;
    }
    let current = web.signed_in.as_ref().map(|u| u.token.as_str());
    match state
        .accounts
        .passkey_login_finish(&body.ceremony, &body.response, current, &web.client)
        .await
    {
        Ok(signed_in) => {
            let mut response = Json(json!({"redirect": after.done()})).into_response();
            response
                .headers_mut()
                .append(SET_COOKIE, web.session_cookie(&signed_in.token));
            response
        }
        Err(e) => {
            let status = match e {
                AccountError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            json_error(&web, status, &e)
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, web: Web, Form(form): Form<CsrfOnly>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    if let Some(user) = &web.signed_in {
        end_session_and_tell(&state, &user.token, &user.session.handle).await;
    }
    web.sign_out_redirect("/login")
}

/// Ends a session and tells the relying parties that received tokens in it (back-channel
/// logout).
pub(crate) async fn end_session_and_tell(state: &AppState, token: &str, handle: &str) {
    let _ = state.accounts.sign_out(token).await;
    if let Err(e) = state.oidc.session_ended(handle).await {
        tracing::warn!(error = %e, "back-channel logout could not be queued");
    }
}
