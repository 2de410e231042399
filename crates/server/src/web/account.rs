//! The account dashboard: my record from the registry, my level and session, a link to who
//! accessed my data, my sessions and devices, my authenticators and method locks, my history, my
//! children and organizations, and locking my own account.

use super::layout::hidden_csrf;
use crate::web::CsrfForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Utc};
use dinhdanh_accounts::{AccountStatus, By, LockReason, MemberRole, Method};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::layout::{alert, notice, page};
use super::login::{check_csrf_header as csrf_header, json_error};
use super::{Lang, Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(dashboard))
        .route("/account/portrait/image", get(portrait_image))
        .route("/account/passkeys/start", post(passkey_start))
        .route("/account/passkeys/finish", post(passkey_finish))
        .route("/account/recovery", post(recovery))
        .route(
            "/account/authenticators/{id}/remove",
            post(remove_authenticator),
        )
        .route("/account/methods/{method}/{action}", post(method_lock))
        .route("/account/sessions/{handle}/end", post(end_session))
        .route("/account/sessions/end-all", post(end_all))
        .route("/account/consents/{client}/revoke", post(revoke_consent))
        .route("/account/lock", post(lock_own))
        .route("/account/children", post(register_child))
        .route("/account/organizations", post(register_organization))
        .route("/account/organizations/{code}/members", post(add_member))
}

pub(crate) fn time(lang: Lang, ms: i64) -> String {
    let at = DateTime::<Utc>::from_timestamp_millis(ms + 7 * 3_600_000).unwrap_or_default();
    match lang {
        Lang::Vi => at.format("%d/%m/%Y %H:%M").to_string(),
        Lang::En => at.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The button that registers a passkey (used on the dashboard and the setup page).
pub(crate) fn passkey_register_button(web: &Web) -> Markup {
    let l = web.lang;
    html! {
        label for="passkey-label" { (t(l, "field.label")) }
        input #passkey-label name="passkey_label" maxlength="60" placeholder=(t(l, "passkey.label_hint"));
        button #passkey-register type="button" data-passkey="register" data-start="/account/passkeys/start"
            data-finish="/account/passkeys/finish" data-label-input="#passkey-label"
            data-msg-cancelled=(t(l, "passkey.cancelled")) data-msg-failed=(t(l, "passkey.failed")) {
            (t(l, "passkey.add"))
        }
        p #passkey-error.alert hidden {}
    }
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
}

async fn dashboard(
    State(state): State<AppState>,
    web: Web,
    Query(flash): Query<Flash>,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if user.account.status == AccountStatus::Pending {
        return Redirect::to("/account/setup").into_response();
    }
    let l = web.lang;
    let accounts = &state.accounts;
    let account = &user.account;
    let record = match account.personal_id {
        Some(pid) => state.registry.person(pid).await.ok(),
        None => None,
    };
    let sessions = accounts.sessions(account.id).await.unwrap_or_default();
    let authenticators = accounts
        .authenticators(account.id)
        .await
        .unwrap_or_default();
    let events = accounts.events(account.id, 20).await.unwrap_or_default();
    let wards = accounts.wards(account.id).await.unwrap_or_default();
    let memberships = accounts.memberships(account.id).await.unwrap_or_default();
    let consents = state.oidc.consents(account.id).await.unwrap_or_default();
    let assurance = user.session.assurance.map_or("none", |a| a.name());
    let done = flash.done.as_deref().map(|k| t(l, &format!("done.{k}")));
    page(
        &web,
        t(l, "account.title"),
        html! {
            (notice(done))
            section {
                h2 { (t(l, "account.summary")) }
                dl {
                    dt { (t(l, "account.level")) }
                    dd #level data-level=(account.level as u8) { (t(l, if account.level as u8 == 2 { "level.2" } else { "level.1" })) }
                    dt { (t(l, "account.assurance")) }
                    dd #assurance data-assurance=(assurance) { (t(l, &format!("assurance.{assurance}"))) }
                    dt { (t(l, "account.factors")) }
                    dd { @for f in &user.session.factors { code { (f.amr()) } " " } }
                    @if let Some(phone) = &account.phone { dt { (t(l, "field.phone")) } dd { (phone) } }
                }
                @if account.portrait.is_some() {
                    img.portrait src="/account/portrait/image" alt=(t(l, "account.portrait")) width="120";
                }
                p { a href="/account/setup" { (t(l, "account.setup_more")) } }
            }
            @if let Some(record) = &record {
                section #record {
                    h2 { (t(l, "account.record")) }
                    p.help { (t(l, "account.record_help")) }
                    dl {
                        dt { (t(l, "field.personal_id")) } dd { (record.person.personal_id) }
                        dt { (t(l, "field.full_name")) } dd { (record.person.name.full()) }
                        dt { (t(l, "field.birth_date")) } dd { (record.person.birth_date) }
                        dt { (t(l, "record.origin")) } dd { (record.person.place_of_origin) }
                        dt { (t(l, "record.residence")) } dd { (record.person.permanent_residence) }
                        @if let Some(card) = &record.person.id_card {
                            dt { (t(l, "record.card")) }
                            dd { (card.number) " · " (card.issued) " → " (card.expires.map(|d| d.to_string()).unwrap_or_else(|| "∞".into())) }
                        }
                    }
                }
            }
            @if account.personal_id.is_some() {
                section #access-section {
                    h2 { (t(l, "access.title")) }
                    p { (t(l, "access.dashboard_help")) }
                    p { a #access-link href="/account/access" { (t(l, "access.open")) } }
                    p { a #requests-link href="/account/requests" { (t(l, "rights.open")) } }
                    p { a #consents-link href="/account/consents" { (t(l, "sharing.title")) } }
                    p { a #documents-link href="/account/documents" { (t(l, "documents.title")) } }
                    p { a #export-link href="/account/export" download { (t(l, "export.title")) } " — " (t(l, "export.help")) }
                }
            }
            section {
                h2 { (t(l, "account.sessions")) }
                table #sessions {
                    thead { tr { th { (t(l, "sessions.device")) } th { (t(l, "sessions.address")) } th { (t(l, "sessions.since")) } th { (t(l, "account.assurance")) } th {} } }
                    tbody {
                        @for s in &sessions {
                            tr data-current=(s.handle == user.session.handle) {
                                td { (s.user_agent) }
                                td { (s.client_address) }
                                td { (time(l, s.created_at)) }
                                td { (s.assurance.map_or("-", |a| a.name())) }
                                td {
                                    @if s.handle == user.session.handle {
                                        (t(l, "sessions.this"))
                                    } @else {
                                        form method="post" action={ "/account/sessions/" (s.handle) "/end" } {
                                            (hidden_csrf(&web))
                                            button.link type="submit" { (t(l, "sessions.end")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                form method="post" action="/account/sessions/end-all" {
                    (hidden_csrf(&web))
                    button.secondary type="submit" { (t(l, "sessions.end_all")) }
                }
            }
            section {
                h2 { (t(l, "consents.title")) }
                @if consents.is_empty() {
                    p { (t(l, "consents.none")) }
                } @else {
                    ul #consents {
                        @for c in &consents {
                            li data-client=(c.client.client_id) {
                                strong { (c.client.name_in(l == super::Lang::Vi)) }
                                ": "
                                (c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                                form.inline method="post" action={ "/account/consents/" (c.client.client_id) "/revoke" } {
                                    (hidden_csrf(&web))
                                    button.link type="submit" { (t(l, "consents.revoke")) }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h2 { (t(l, "account.authenticators")) }
                table #authenticators {
                    thead { tr { th { (t(l, "auth.method")) } th { (t(l, "field.label")) } th { (t(l, "auth.added")) } th { (t(l, "auth.used")) } th {} } }
                    tbody {
                        @for a in authenticators.iter().filter(|a| a.method != Method::Recovery) {
                            tr data-method=(a.method.as_str()) {
                                td { (t(l, &format!("method.{}", a.method.as_str()))) }
                                td { (a.label) }
                                td { (time(l, a.created_at)) }
                                td { (a.last_used_at.map(|t| time(l, t)).unwrap_or_default()) }
                                td {
                                    form method="post" action={ "/account/authenticators/" (a.id) "/remove" } {
                                        (hidden_csrf(&web))
                                        button.link type="submit" { (t(l, "auth.remove")) }
                                    }
                                }
                            }
                        }
                        @let unused = authenticators.iter().filter(|a| a.method == Method::Recovery && a.used_at.is_none()).count();
                        @if authenticators.iter().any(|a| a.method == Method::Recovery) {
                            tr data-method="recovery" {
                                td { (t(l, "method.recovery")) }
                                td { (unused) " / 10 " (t(l, "auth.unused")) }
                                td {} td {} td {}
                            }
                        }
                    }
                }
                (passkey_register_button(&web))
                p { a href="/account/totp" { (t(l, "setup.totp_link")) } }
                form method="post" action="/account/recovery" {
                    (hidden_csrf(&web))
                    button.secondary type="submit" { (t(l, "recovery.new")) }
                }
            }
            section {
                h2 { (t(l, "account.secure")) }
                p { (t(l, "account.secure_help")) }
                ul.methods {
                    @for m in Method::ALL {
                        @let locked = account.locked_methods.contains(&m);
                        li data-method=(m.as_str()) data-locked=(locked) {
                            (t(l, &format!("method.{}", m.as_str()))) ": "
                            strong { (t(l, if locked { "secure.locked" } else { "secure.open" })) }
                            form.inline method="post" action={ "/account/methods/" (m.as_str()) "/" (if locked { "unlock" } else { "lock" }) } {
                                (hidden_csrf(&web))
                                button.link type="submit" { (t(l, if locked { "secure.unlock" } else { "secure.lock" })) }
                            }
                        }
                    }
                }
                form #lock-account method="post" action="/account/lock" {
                    (hidden_csrf(&web))
                    label { input type="checkbox" name="confirm" value="1" required; " " (t(l, "lock.confirm")) }
                    button.danger type="submit" { (t(l, "lock.submit")) }
                }
            }
            @if account.level as u8 == 2 {
                section {
                    h2 { (t(l, "account.children")) }
                    ul { @for w in &wards { li { (w.personal_id.map(|p| p.to_string()).unwrap_or_default()) " — " (w.status.as_str()) } } }
                    form #child method="post" action="/account/children" {
                        (hidden_csrf(&web))
                        label for="child_id" { (t(l, "children.personal_id")) }
                        input #child_id name="personal_id" inputmode="numeric" pattern="[0-9]{12}" maxlength="12" required;
                        button type="submit" { (t(l, "children.submit")) }
                    }
                }
                section {
                    h2 { (t(l, "account.organizations")) }
                    ul { @for (code, role) in &memberships { li { (code) " — " (t(l, &format!("member.{}", role.as_str()))) } } }
                    form #organization method="post" action="/account/organizations" {
                        (hidden_csrf(&web))
                        label for="org_code" { (t(l, "organizations.code")) }
                        input #org_code name="code" required;
                        button type="submit" { (t(l, "organizations.submit")) }
                    }
                }
            }
            section {
                h2 { (t(l, "account.history")) }
                table #history {
                    thead { tr { th { (t(l, "history.when")) } th { (t(l, "history.what")) } th { (t(l, "history.who")) } } }
                    tbody {
                        @for e in &events {
                            tr data-action=(e.action) {
                                td { (time(l, e.at)) }
                                td { (t(l, &format!("event.{}", e.action))) @if let Some(r) = &e.reason { " (" (t(l, &format!("reason.{r}"))) ")" } }
                                td { (e.actor) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

async fn portrait_image(State(state): State<AppState>, web: Web) -> Response {
    let Some(user) = &web.signed_in else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(hash) = &user.account.portrait else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.accounts.portrait(hash).await {
        Ok((media_type, bytes)) => {
            ([(axum::http::header::CONTENT_TYPE, media_type)], bytes).into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn passkey_start(
    State(state): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(r) = csrf_header(&web, &headers) {
        return r;
    }
    let Some(user) = &web.signed_in else {
        return json_error(
            &web,
            StatusCode::UNAUTHORIZED,
            &dinhdanh_accounts::AccountError::NoSession,
        );
    };
    match state
        .accounts
        .start_passkey_registration(&user.session)
        .await
    {
        Ok(c) => Json(json!({"ceremony": c.ceremony, "options": c.options})).into_response(),
        Err(e) => json_error(&web, StatusCode::CONFLICT, &e),
    }
}

#[derive(Deserialize)]
struct PasskeyFinish {
    ceremony: String,
    response: serde_json::Value,
    #[serde(default)]
    label: String,
}

async fn passkey_finish(
    State(state): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
    Json(body): Json<PasskeyFinish>,
) -> Response {
    if let Err(r) = csrf_header(&web, &headers) {
        return r;
    }
    let Some(user) = &web.signed_in else {
        return json_error(
            &web,
            StatusCode::UNAUTHORIZED,
            &dinhdanh_accounts::AccountError::NoSession,
        );
    };
    match state
        .accounts
        .finish_passkey_registration(&user.session, &body.ceremony, &body.response, &body.label)
        .await
    {
        Ok(()) => {
            let mut response = Json(json!({"redirect": "/account?done=passkey"})).into_response();
            response
                .headers_mut()
                .append(SET_COOKIE, web.session_cookie(&user.token));
            response
        }
        Err(e) => json_error(&web, StatusCode::BAD_REQUEST, &e),
    }
}

macro_rules! signed_in {
    ($web:expr, $csrf:expr) => {{
        if let Err(r) = $web.check_csrf($csrf) {
            return r;
        }
        match $web.user() {
            Ok(u) => u,
            Err(r) => return r,
        }
    }};
}

fn failure(web: &Web, e: &dinhdanh_accounts::AccountError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(
            web,
            t(web.lang, "error.title"),
            html! {
                (alert(Some(&web.error_text(e))))
                p { a href="/account" { (t(web.lang, "nav.back")) } }
            },
        ),
    )
        .into_response()
}

async fn recovery(State(state): State<AppState>, web: Web, Form(form): Form<CsrfForm>) -> Response {
    let user = signed_in!(web, &form.csrf);
    let l = web.lang;
    match state.accounts.new_recovery_codes(&user.session).await {
        Ok(codes) => page(
            &web,
            t(l, "recovery.title"),
            html! {
                p { (t(l, "recovery.intro")) }
                ol #recovery-codes { @for c in &codes { li { code { (c) } } } }
                p { a href="/account" { (t(l, "recovery.done")) } }
            },
        )
        .into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn remove_authenticator(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    match state.accounts.remove_authenticator(&user.session, id).await {
        Ok(()) => Redirect::to("/account?done=removed").into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn method_lock(
    State(state): State<AppState>,
    web: Web,
    Path((method, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    let (Some(method), Some(lock)) = (
        Method::parse(&method),
        match action.as_str() {
            "lock" => Some(true),
            "unlock" => Some(false),
            _ => None,
        },
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state
        .accounts
        .set_method_lock(&user.session, method, lock)
        .await
    {
        Ok(()) => Redirect::to("/account?done=method").into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn end_session(
    State(state): State<AppState>,
    web: Web,
    Path(handle): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    match state
        .accounts
        .sign_out_session(user.account.id, &handle)
        .await
    {
        Ok(()) => {
            if let Err(e) = state.oidc.session_ended(&handle).await {
                tracing::warn!(error = %e, "back-channel logout could not be queued");
            }
            Redirect::to("/account?done=session_ended").into_response()
        }
        Err(e) => failure(&web, &e),
    }
}

async fn revoke_consent(
    State(state): State<AppState>,
    web: Web,
    Path(client): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    match state.oidc.revoke_consent(user.account.id, &client).await {
        Ok(_) => Redirect::to("/account?done=consent_revoked").into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            super::layout::message_page(&web, t(web.lang, "consents.title"), &e.description),
        )
            .into_response(),
    }
}

async fn end_all(State(state): State<AppState>, web: Web, Form(form): Form<CsrfForm>) -> Response {
    let user = signed_in!(web, &form.csrf);
    let sessions = state
        .accounts
        .sessions(user.account.id)
        .await
        .unwrap_or_default();
    let _ = state.accounts.sign_out_everywhere(user.account.id).await;
    for session in sessions {
        if let Err(e) = state.oidc.session_ended(&session.handle).await {
            tracing::warn!(error = %e, "back-channel logout could not be queued");
        }
    }
    web.sign_out_redirect("/login")
}

#[derive(Deserialize)]
struct LockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn lock_own(State(state): State<AppState>, web: Web, Form(form): Form<LockForm>) -> Response {
    let user = signed_in!(web, &form.csrf);
    if form.confirm.is_none() {
        return Redirect::to("/account").into_response();
    }
    match state
        .accounts
        .lock(
            By::Session(&user.session),
            user.account.id,
            LockReason::HolderRequest,
            "locked from the dashboard",
        )
        .await
    {
        Ok(()) => web.sign_out_redirect("/login"),
        Err(e) => failure(&web, &e),
    }
}

#[derive(Deserialize)]
struct IdForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    role: String,
}

async fn register_child(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<IdForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    match state
        .accounts
        .register_child(&user.session, &form.personal_id)
        .await
    {
        Ok(_) => Redirect::to("/account?done=child").into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn register_organization(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<IdForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    match state
        .accounts
        .register_organization(&user.session, &form.code)
        .await
    {
        Ok(_) => Redirect::to("/account?done=organization").into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn add_member(
    State(state): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    Form(form): Form<IdForm>,
) -> Response {
    let user = signed_in!(web, &form.csrf);
    let Some(role) = MemberRole::parse(&form.role) else {
        return failure(&web, &dinhdanh_accounts::AccountError::NotFound("role"));
    };
    match state
        .accounts
        .add_member(&user.session, &code, &form.personal_id, role)
        .await
    {
        Ok(_) => Redirect::to("/account?done=member").into_response(),
        Err(e) => failure(&web, &e),
    }
}
