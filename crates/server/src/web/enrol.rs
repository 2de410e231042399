//! Registration (level 1), activation codes (level 2, children, staff), and the setup page where
//! a new account gets its portrait and first authenticators.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine as _;
use dinhdanh_accounts::{AccountStatus, Method, Registration};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{alert, notice, page};
use super::{Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(register_form).post(register))
        .route("/register/verify", post(verify))
        .route("/activate", get(activate_form).post(activate))
        .route("/account/setup", get(setup))
        .route("/account/portrait", post(portrait))
        .route("/account/password", post(password))
        .route("/account/totp", get(totp_form).post(totp_confirm))
}

#[derive(Deserialize, Default)]
pub(crate) struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    phone: String,
}

fn register_page(web: &Web, form: &RegisterForm, error: Option<&str>) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "register.title"),
        html! {
            p { (t(l, "register.intro")) }
            (alert(error))
            form #register method="post" action="/register" {
                input type="hidden" name="csrf" value=(web.csrf);
                label for="personal_id" { (t(l, "field.personal_id")) }
                input #personal_id name="personal_id" inputmode="numeric" autocomplete="username"
                    pattern="[0-9]{12}" maxlength="12" required value=(form.personal_id);
                label for="full_name" { (t(l, "field.full_name")) }
                input #full_name name="full_name" autocomplete="name" required value=(form.full_name);
                label for="birth_date" { (t(l, "field.birth_date")) }
                input #birth_date name="birth_date" type="date" required value=(form.birth_date);
                label for="phone" { (t(l, "field.phone")) }
                input #phone name="phone" type="tel" autocomplete="tel" required value=(form.phone);
                button type="submit" { (t(l, "register.submit")) }
            }
        },
    )
}

async fn register_form(web: Web) -> Markup {
    register_page(&web, &RegisterForm::default(), None)
}

async fn register(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<RegisterForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let registration = Registration {
        personal_id: form.personal_id.clone(),
        full_name: form.full_name.clone(),
        birth_date: form.birth_date.clone(),
        phone: form.phone.clone(),
    };
    match state.accounts.register(&registration, &web.client).await {
        Ok(ticket) => verify_page(&web, &ticket.0, None).into_response(),
        Err(e) => register_page(&web, &form, Some(&web.error_text(&e))).into_response(),
    }
}

fn verify_page(web: &Web, ticket: &str, error: Option<&str>) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "verify.title"),
        html! {
            p { (t(l, "verify.intro")) }
            (alert(error))
            form #verify method="post" action="/register/verify" {
                input type="hidden" name="csrf" value=(web.csrf);
                input type="hidden" name="ticket" value=(ticket);
                label for="code" { (t(l, "field.code")) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9]{6}" maxlength="6" required;
                button type="submit" { (t(l, "verify.submit")) }
            }
        },
    )
}

#[derive(Deserialize)]
struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
}

async fn verify(State(state): State<AppState>, web: Web, Form(form): Form<VerifyForm>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .accounts
        .verify_registration(&form.ticket, &form.code, &web.client)
        .await
    {
        Ok(signed_in) => web.sign_in_redirect(&signed_in.token, "/account/setup"),
        Err(e) => verify_page(&web, &form.ticket, Some(&web.error_text(&e))).into_response(),
    }
}

#[derive(Deserialize, Default)]
struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    code: String,
}

fn activate_page(web: &Web, personal_id: &str, error: Option<&str>) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "activate.title"),
        html! {
            p { (t(l, "activate.intro")) }
            (alert(error))
            form #activate method="post" action="/activate" {
                input type="hidden" name="csrf" value=(web.csrf);
                label for="personal_id" { (t(l, "field.personal_id")) }
                input #personal_id name="personal_id" inputmode="numeric" pattern="[0-9]{12}"
                    maxlength="12" required value=(personal_id);
                label for="code" { (t(l, "field.code")) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9]{6}" maxlength="6" required;
                button type="submit" { (t(l, "activate.submit")) }
            }
        },
    )
}

async fn activate_form(web: Web) -> Markup {
    activate_page(&web, "", None)
}

async fn activate(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<ActivateForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .accounts
        .activate(&form.personal_id, &form.code, &web.client)
        .await
    {
        Ok(signed_in) => web.sign_in_redirect(&signed_in.token, "/account/setup"),
        Err(e) => activate_page(&web, &form.personal_id, Some(&web.error_text(&e))).into_response(),
    }
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

async fn setup(
    State(state): State<AppState>,
    web: Web,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let l = web.lang;
    let methods: Vec<Method> = state
        .accounts
        .authenticators(user.account.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.method)
        .collect();
    let has = |m: Method| methods.contains(&m);
    let notice_text = done.done.as_deref().map(|k| t(l, &format!("done.{k}")));
    let error_text = done.error.as_deref().map(|k| t(l, &format!("error.{k}")));
    page(
        &web,
        t(l, "setup.title"),
        html! {
            (notice(notice_text))
            (alert(error_text))
            @if user.account.status == AccountStatus::Pending {
                p { (t(l, "setup.pending")) }
            } @else {
                p { (t(l, "setup.active")) " " a href="/account" { (t(l, "setup.to_account")) } }
            }
            section {
                h2 { (t(l, "setup.portrait")) @if user.account.portrait.is_some() { " ✓" } }
                p { (t(l, "setup.portrait_help")) }
                form #portrait method="post" action="/account/portrait" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(web.csrf);
                    label for="portrait-file" { (t(l, "field.portrait")) }
                    input #portrait-file name="portrait" type="file" accept="image/jpeg,image/png" capture="user" required;
                    button type="submit" { (t(l, "setup.portrait_submit")) }
                }
            }
            section {
                h2 { (t(l, "setup.password")) @if has(Method::Password) { " ✓" } }
                form #password method="post" action="/account/password" {
                    input type="hidden" name="csrf" value=(web.csrf);
                    label for="new-password" { (t(l, "field.password")) }
                    input #new-password name="password" type="password" autocomplete="new-password" minlength="10" required;
                    label for="password_confirm" { (t(l, "field.password_confirm")) }
                    input #password_confirm name="password_confirm" type="password" autocomplete="new-password" minlength="10" required;
                    p.help { (t(l, "setup.password_help")) }
                    button type="submit" { (t(l, "setup.password_submit")) }
                }
            }
            section {
                h2 { (t(l, "setup.totp")) @if has(Method::Totp) { " ✓" } }
                p { a #setup-totp href="/account/totp" { (t(l, "setup.totp_link")) } }
            }
            section {
                h2 { (t(l, "setup.passkey")) @if has(Method::Passkey) { " ✓" } }
                (super::account::passkey_register_button(&web))
            }
        },
    )
    .into_response()
}

async fn portrait(State(state): State<AppState>, web: Web, mut multipart: Multipart) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("portrait") => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(_) => {
                    return Redirect::to("/account/setup?error=portrait_too_big").into_response();
                }
            },
            _ => {}
        }
    }
    if let Err(r) = web.check_csrf(&csrf) {
        return r;
    }
    match state.accounts.set_portrait(&user.session, &bytes).await {
        Ok(_) => Redirect::to("/account/setup?done=portrait").into_response(),
        Err(e) => {
            let text = web.error_text(&e);
            page(
                &web,
                t(web.lang, "setup.title"),
                html! {
                    (alert(Some(&text)))
                    p { a href="/account/setup" { (t(web.lang, "nav.back")) } }
                },
            )
            .into_response()
        }
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn password(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<PasswordForm>,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    if form.password != form.password_confirm {
        return Redirect::to("/account/setup?error=password_mismatch").into_response();
    }
    match state
        .accounts
        .set_password(&user.session, &form.password)
        .await
    {
        Ok(()) => Redirect::to("/account/setup?done=password").into_response(),
        Err(e) => {
            let text = web.error_text(&e);
            page(
                &web,
                t(web.lang, "setup.password"),
                html! {
                    (alert(Some(&text)))
                    p { a href="/account/setup" { (t(web.lang, "nav.back")) } }
                },
            )
            .into_response()
        }
    }
}

async fn totp_form(State(state): State<AppState>, web: Web) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state.accounts.start_totp(&user.session).await {
        Ok(enrolment) => totp_page(&web, &enrolment, None).into_response(),
        Err(e) => {
            super::layout::message_page(&web, t(web.lang, "error.title"), &web.error_text(&e))
                .into_response()
        }
    }
}

fn totp_page(
    web: &Web,
    enrolment: &dinhdanh_accounts::TotpEnrolment,
    error: Option<&str>,
) -> Markup {
    let l = web.lang;
    let svg = enrolment
        .qr_svg
        .split_once("?>")
        .map_or(enrolment.qr_svg.as_str(), |(_, rest)| rest);
    let data = base64::engine::general_purpose::STANDARD.encode(svg.as_bytes());
    page(
        web,
        t(l, "totp.title"),
        html! {
            p { (t(l, "totp.intro")) }
            (alert(error))
            img.qr src={ "data:image/svg+xml;base64," (data) } alt=(t(l, "totp.qr_alt")) width="220" height="220";
            p { (t(l, "totp.manual")) " " code #totp-secret { (enrolment.secret) } }
            form #totp method="post" action="/account/totp" {
                input type="hidden" name="csrf" value=(web.csrf);
                input type="hidden" name="ceremony" value=(enrolment.ceremony);
                input type="hidden" name="secret" value=(enrolment.secret);
                label for="code" { (t(l, "field.totp_code")) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required;
                label for="label" { (t(l, "field.label")) }
                input #label name="label" maxlength="60";
                button type="submit" { (t(l, "totp.submit")) }
            }
        },
    )
}

#[derive(Deserialize)]
struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
}

async fn totp_confirm(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<TotpForm>,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .accounts
        .confirm_totp(&user.session, &form.ceremony, &form.code, &form.label)
        .await
    {
        Ok(()) => Redirect::to("/account?done=totp").into_response(),
        Err(e) => {
            let label = user
                .account
                .personal_id
                .map(|p| p.to_string())
                .unwrap_or_default();
            let url = dinhdanh_accounts::totp::from_base32(&form.secret)
                .and_then(|s| {
                    dinhdanh_accounts::totp::otpauth_url(
                        &s,
                        &state.accounts.settings().service_name,
                        &label,
                    )
                })
                .unwrap_or_default();
            let retry = dinhdanh_accounts::TotpEnrolment {
                ceremony: form.ceremony.clone(),
                secret: form.secret.clone(),
                qr_svg: dinhdanh_accounts::totp::qr_svg(&url).unwrap_or_default(),
                url,
            };
            totp_page(&web, &retry, Some(&web.error_text(&e))).into_response()
        }
    }
}
