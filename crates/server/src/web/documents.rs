//! "My documents" (`/account/documents`): the digital documents integrated into the citizen's
//! account (Decree 69/2024/ND-CP Art 17), a form to integrate one by type and number, putting
//! one in a wallet (an OpenID4VCI offer: a QR code and a transaction code) and a printable copy
//! whose QR code is the document as an SD-JWT VC bound to no key.
//!
//! Everything goes through the credentials capability with the signed-in person as
//! [`Holder`]: another person's document is "not found", as the capability answers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use dinhdanh_accounts::{AccountKind, AccountLevel};
use dinhdanh_credentials::status::Status;
use dinhdanh_credentials::types::{self, DocumentType, Field, Kind};
use dinhdanh_credentials::{CredentialsError, Held, Holder};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;

use super::account::time;
use super::layout::{hidden_csrf, notice, page};
use super::{Lang, Web, t};
use crate::AppState;
use crate::web::CsrfForm;

/// The stylesheet of these pages: the large transaction code, the QR codes, and what is left
/// out when a page is printed. Served from this site, as the page policy requires.
const STYLESHEET: &str = "/static/documents.css";

const CSS: &str = "\
article.document { border: 1px solid var(--line, #d0d0d0); border-radius: 4px; padding: 4px 16px 12px; margin: 16px 0; }
article.document h2 { margin-top: .6em; }
.document-actions { display: flex; flex-wrap: wrap; gap: 0 16px; align-items: baseline; }
.document-actions form { margin: 0; }
.status-valid { color: #0b6b2f; font-weight: 600; }
.status-revoked, .status-suspended { color: #a50e0e; font-weight: 600; }
.qr { margin: 16px 0; }
.qr svg { display: block; max-width: 100%; height: auto; background: #fff; }
.tx-code { font-family: ui-monospace, \"Cascadia Mono\", Menlo, Consolas, monospace; font-size: 2.6em; font-weight: 700; letter-spacing: .3em; margin: 4px 0 12px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
#document-credential { display: block; white-space: pre-wrap; word-break: break-all; font-size: .8em; }
@media print {
  header, nav, footer, .skip, .no-print, details { display: none !important; }
  body { font-size: 12pt; color: #000; background: #fff; }
  main { max-width: none; margin: 0; padding: 0; }
  a { color: #000; text-decoration: none; }
  .qr svg { width: 8cm; height: 8cm; }
  article.printout { border: 0; }
}
";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/documents", get(documents_page).post(integrate))
        .route("/account/documents/{id}/offer", post(offer))
        .route("/account/documents/{id}/print", post(print))
        .route(STYLESHEET, get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// The signed-in citizen as the holder of their documents, and their account's level.
struct Citizen {
    holder: Holder,
    level: AccountLevel,
}

/// The signed-in citizen, or the response that stands instead of the page: the sign-in page,
/// or 403 for an account that holds no documents (an organization's, or one that is locked).
fn citizen(web: &Web) -> Result<Citizen, Response> {
    let user = web.user()?;
    match Holder::of(&user.account) {
        Ok(holder) => Ok(Citizen {
            holder,
            level: user.account.level,
        }),
        Err(_) => {
            let key =
                if user.account.kind == AccountKind::Person && user.account.personal_id.is_some() {
                    "documents.not_active"
                } else {
                    "documents.not_personal"
                };
            Err((
                StatusCode::FORBIDDEN,
                page(
                    web,
                    t(web.lang, "documents.title"),
                    html! {
                        p.alert role="alert" #documents-refused { (t(web.lang, key)) }
                        p { a href="/account" { (t(web.lang, "nav.back")) } }
                    },
                ),
            )
                .into_response())
        }
    }
}

/// The citizen behind a posted form, its CSRF token checked first.
fn posting_citizen(web: &Web, csrf: &str) -> Result<Citizen, Response> {
    web.check_csrf(csrf)?;
    citizen(web)
}

fn type_name(l: Lang, t: &DocumentType) -> &'static str {
    match l {
        Lang::Vi => t.vi,
        Lang::En => t.en,
    }
}

fn field_name(l: Lang, f: &Field) -> &'static str {
    match l {
        Lang::Vi => f.vi,
        Lang::En => f.en,
    }
}

fn status_key(status: Status) -> &'static str {
    match status {
        Status::Valid => "documents.status.valid",
        Status::Revoked => "documents.status.revoked",
        Status::Suspended => "documents.status.suspended",
    }
}

/// A field's value as a page shows it: dates in the page language's order, lists joined.
fn field_value(l: Lang, kind: Kind, value: &Value) -> String {
    match (kind, value) {
        (Kind::Date, Value::String(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if l == Lang::Vi => d.format("%d/%m/%Y").to_string(),
            _ => s.clone(),
        },
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        (_, other) => other.to_string(),
    }
}

/// The QR code of `text` as inline SVG, at error correction level M, or L when the text is too
/// long for M; `None` when it does not fit a QR code at all.
fn qr_svg(text: &str, min_size: u32) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .or_else(|_| qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L))
        .ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(min_size, min_size)
        .quiet_zone(true)
        .build();
    // The renderer starts with an XML declaration, which has no place inside HTML.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

/// A QR code with its text alternative.
fn qr_figure(svg: String, label: &str, caption: Markup) -> Markup {
    html! {
        figure.qr {
            div role="img" aria-label=(label) { (PreEscaped(svg)) }
            figcaption { (caption) }
        }
    }
}

/// An error line with the capability's own words (in English) after ours.
fn problem(id: &str, text: &str, detail: Option<&str>) -> Markup {
    html! {
        p.alert role="alert" id=(id) {
            (text)
            @if let Some(detail) = detail {
                " " span.detail lang="en" { "(" (detail) ")" }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
}

/// What the integration form was sent with, and what went wrong, to show it again.
struct Kept {
    status: StatusCode,
    error: Markup,
    /// Whether the number is what was wrong.
    number_wrong: bool,
    doc_type: String,
    number: String,
}

async fn documents_page(
    State(state): State<AppState>,
    web: Web,
    Query(flash): Query<Flash>,
) -> Response {
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done = match flash.done.as_deref() {
        Some("integrated") => Some(t(web.lang, "documents.done.integrated")),
        _ => None,
    };
    list(&state, &web, &citizen, done, None).await
}

/// The list of documents and the integration form.
async fn list(
    state: &AppState,
    web: &Web,
    citizen: &Citizen,
    done: Option<&str>,
    kept: Option<Kept>,
) -> Response {
    let l = web.lang;
    let held = match state.credentials().held(&citizen.holder).await {
        Ok(h) => h,
        Err(e) => return failure(web, &e),
    };
    let all = types::all();
    let level2 = citizen.level >= AccountLevel::Two;
    let chosen = kept.as_ref().map_or("", |k| k.doc_type.as_str());
    let status = kept.as_ref().map_or(StatusCode::OK, |k| k.status);
    let body = html! {
        link rel="stylesheet" href=(STYLESHEET);
        (notice(done))
        p { (t(l, "documents.intro")) }
        section #documents aria-labelledby="documents-held" {
            h2 #documents-held { (t(l, "documents.held")) }
            @if held.is_empty() {
                p #documents-empty { (t(l, "documents.empty")) }
            }
            @for h in &held { (card(web, h)) }
        }
        section #integrate aria-labelledby="integrate-title" {
            h2 #integrate-title { (t(l, "documents.integrate")) }
            p.help { (t(l, "documents.integrate_help")) }
            @if let Some(k) = &kept { (k.error) }
            form #integrate-form method="post" action="/account/documents" {
                (hidden_csrf(web))
                label for="doc_type" { (t(l, "documents.type")) }
                select #doc_type name="doc_type" aria-describedby="doc-type-help" {
                    @for ty in &all {
                        option value=(ty.id) selected[ty.id == chosen] {
                            (type_name(l, ty))
                            @if ty.id == types::ID_CARD { " — " (t(l, "documents.id_card_option")) }
                        }
                    }
                }
                p #doc-type-help .help {
                    (t(l, "documents.id_card_help"))
                    @if !level2 { " " strong #level-1-note { (t(l, "documents.level_1_note")) } }
                }
                label for="number" { (t(l, "documents.number")) }
                input #number name="number" maxlength="64" autocomplete="off" spellcheck="false"
                    value=(kept.as_ref().map_or("", |k| k.number.as_str()))
                    aria-describedby=(if kept.as_ref().is_some_and(|k| k.number_wrong) { "documents-error number-help" } else { "number-help" })
                    aria-invalid=[kept.as_ref().filter(|k| k.number_wrong).map(|_| "true")];
                p #number-help .help { (t(l, "documents.number_help")) }
                button type="submit" { (t(l, "documents.integrate_submit")) }
            }
        }
        p { a href="/account" { (t(l, "nav.back")) } }
    };
    (status, page(web, t(l, "documents.title"), body)).into_response()
}

/// One held document with its actions.
fn card(web: &Web, h: &Held) -> Markup {
    let l = web.lang;
    let d = &h.document;
    let ty = types::by_id(&d.doc_type);
    let name = ty
        .as_ref()
        .map_or(d.doc_type.as_str(), |ty| type_name(l, ty));
    html! {
        article.document id=(format!("document-{}", d.id)) data-type=(d.doc_type) data-status=(d.status.as_str()) {
            h2 { (name) }
            dl {
                dt { (t(l, "documents.number")) }
                dd.number { (d.number) }
                @if let Some(ty) = &ty {
                    dt { (t(l, "documents.authority")) }
                    dd { (ty.authority) }
                }
                dt { (t(l, "documents.status")) }
                dd {
                    span class=(format!("status status-{}", d.status.as_str())) { (t(l, status_key(d.status))) }
                    @if d.status != Status::Valid {
                        @if let Some(reason) = &d.status_reason {
                            " — " (t(l, "documents.reason")) " " span.reason { (reason) }
                        }
                    }
                }
                dt { (t(l, "documents.integrated_at")) }
                dd { (time(l, h.integrated_at)) }
            }
            @if d.status != Status::Valid {
                p.help { (t(l, "documents.not_valid_help")) }
            }
            div.document-actions {
                form method="post" action=(format!("/account/documents/{}/offer", d.id)) {
                    (hidden_csrf(web))
                    button type="submit" aria-label=(format!("{} — {}", t(l, "documents.to_wallet"), name)) {
                        (t(l, "documents.to_wallet"))
                    }
                }
                // A printed copy is a credential of its own (a status position and a ledger
                // entry), so it is made by a button, not by viewing a page.
                form method="post" action=(format!("/account/documents/{}/print", d.id)) {
                    (hidden_csrf(web))
                    button.secondary type="submit" aria-label=(format!("{} — {}", t(l, "documents.print"), name)) {
                        (t(l, "documents.print"))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct IntegrateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    number: String,
}

async fn integrate(
    State(state): State<AppState>,
    web: Web,
    Form(form): Form<IntegrateForm>,
) -> Response {
    let citizen = match posting_citizen(&web, &form.csrf) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let keep = |status: StatusCode, error: Markup, number_wrong: bool| Kept {
        status,
        error,
        number_wrong,
        doc_type: form.doc_type.clone(),
        number: form.number.clone(),
    };
    // The identity card comes from the registry with a level-2 account: say so in the page's
    // language before asking.
    if form.doc_type == types::ID_CARD && citizen.level < AccountLevel::Two {
        let error = problem("documents-error", t(l, "documents.id_card_level_2"), None);
        return list(
            &state,
            &web,
            &citizen,
            None,
            Some(keep(StatusCode::FORBIDDEN, error, false)),
        )
        .await;
    }
    match state
        .credentials()
        .integrate(&citizen.holder, &form.doc_type, &form.number)
        .await
    {
        Ok(_) => Redirect::to("/account/documents?done=integrated").into_response(),
        Err(e) => {
            let number_wrong = matches!(
                e,
                CredentialsError::NotFound | CredentialsError::Invalid { .. }
            );
            let (status, error) = match &e {
                CredentialsError::NotFound => (
                    StatusCode::NOT_FOUND,
                    problem("documents-error", t(l, "documents.no_such_number"), None),
                ),
                CredentialsError::UnknownType(_) => (
                    StatusCode::BAD_REQUEST,
                    problem("documents-error", t(l, "documents.unknown_type"), None),
                ),
                CredentialsError::Invalid { problem: p, .. } => (
                    StatusCode::BAD_REQUEST,
                    problem("documents-error", t(l, "documents.invalid"), Some(p)),
                ),
                CredentialsError::Forbidden(m) => (
                    StatusCode::FORBIDDEN,
                    problem("documents-error", t(l, "documents.refused"), Some(m)),
                ),
                _ => return failure(&web, &e),
            };
            list(
                &state,
                &web,
                &citizen,
                None,
                Some(keep(status, error, number_wrong)),
            )
            .await
        }
    }
}

/// A page that only says what went wrong, with the way back to the list.
fn message(web: &Web, status: StatusCode, error: Markup) -> Response {
    let l = web.lang;
    (
        status,
        [(CACHE_CONTROL, "no-store")],
        page(
            web,
            t(l, "documents.title"),
            html! {
                (error)
                p { a href="/account/documents" { (t(l, "documents.back")) } }
            },
        ),
    )
        .into_response()
}

/// A failure of the capability itself (storage, ledger): logged, and a plain message.
fn failure(web: &Web, e: &CredentialsError) -> Response {
    let status = match e {
        CredentialsError::Ledger(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    tracing::error!(error = %e, "a documents page failed");
    message(
        web,
        status,
        problem("documents-error", t(web.lang, "documents.failed"), None),
    )
}

/// Why a wallet offer or a printed copy of the document `id` was refused.
async fn refused(
    state: &AppState,
    web: &Web,
    holder: &Holder,
    id: &str,
    e: CredentialsError,
) -> Response {
    let l = web.lang;
    match &e {
        CredentialsError::NotFound => message(
            web,
            StatusCode::NOT_FOUND,
            problem("documents-error", t(l, "documents.unknown"), None),
        ),
        CredentialsError::Invalid { problem: p, .. } => {
            // The document is not valid any more: say which way, and why, from the issuer's
            // record.
            let held = state.credentials().held_document(holder, id).await.ok();
            let error = match held.as_ref().map(|h| &h.document) {
                Some(d) if d.status != Status::Valid => html! {
                    p.alert role="alert" #documents-error {
                        (t(l, "documents.not_valid")) " "
                        strong { (t(l, status_key(d.status))) }
                        @if let Some(reason) = &d.status_reason {
                            " — " (t(l, "documents.reason")) " " span.reason { (reason) }
                        }
                        ". " (t(l, "documents.not_valid_help"))
                    }
                },
                _ => problem("documents-error", t(l, "documents.refused"), Some(p)),
            };
            message(web, StatusCode::CONFLICT, error)
        }
        CredentialsError::Protocol { description, .. } => message(
            web,
            StatusCode::CONFLICT,
            problem(
                "documents-error",
                t(l, "documents.refused"),
                Some(description),
            ),
        ),
        CredentialsError::Forbidden(m) => message(
            web,
            StatusCode::FORBIDDEN,
            problem("documents-error", t(l, "documents.refused"), Some(m)),
        ),
        _ => failure(web, &e),
    }
}

async fn offer(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let citizen = match posting_citizen(&web, &form.csrf) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let credentials = state.credentials();
    let offer = match credentials.offer(&citizen.holder, &id).await {
        Ok(o) => o,
        Err(e) => return refused(&state, &web, &citizen.holder, &id, e).await,
    };
    let name = types::by_id(&offer.credential_configuration_id)
        .map_or(offer.credential_configuration_id.clone(), |ty| {
            type_name(l, &ty).to_owned()
        });
    let number = credentials
        .held_document(&citizen.holder, &id)
        .await
        .map(|h| h.document.number)
        .ok();
    let spoken: String = offer
        .tx_code
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    let body = html! {
        link rel="stylesheet" href=(STYLESHEET);
        p #offer-document {
            strong { (name) }
            @if let Some(n) = &number { " — " (t(l, "documents.number")) " " (n) }
        }
        ol.steps {
            li { (t(l, "documents.offer.step_scan")) }
            li { (t(l, "documents.offer.step_code")) }
        }
        @match qr_svg(&offer.uri, 240) {
            Some(svg) => (qr_figure(svg, t(l, "documents.offer.qr_label"), html! { (t(l, "documents.offer.qr_caption")) })),
            None => p.alert role="alert" { (t(l, "documents.qr_too_long")) },
        }
        p #tx-code-label { (t(l, "documents.offer.code_label")) }
        p.tx-code #tx-code data-code=(offer.tx_code) {
            span aria-hidden="true" { (offer.tx_code) }
            span.visually-hidden { (spoken) }
        }
        p #offer-expiry {
            (t(l, "documents.offer.expires")) " "
            time datetime=(chrono::DateTime::<chrono::Utc>::from_timestamp_millis(offer.expires_at).map(|d| d.to_rfc3339()).unwrap_or_default()) {
                (time(l, offer.expires_at))
            }
            ". " (t(l, "documents.offer.once"))
        }
        p.help { (t(l, "documents.offer.secret")) }
        h2 { (t(l, "documents.offer.same_device")) }
        p { a #offer-link .button href=(offer.uri) { (t(l, "documents.offer.open_wallet")) } }
        p { a href="/account/documents" { (t(l, "documents.back")) } }
    };
    (
        [(CACHE_CONTROL, "no-store")],
        page(&web, t(l, "documents.offer.title"), body),
    )
        .into_response()
}

async fn print(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let citizen = match posting_citizen(&web, &form.csrf) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let credentials = state.credentials();
    let held = match credentials.held_document(&citizen.holder, &id).await {
        Ok(h) => h,
        Err(e) => return refused(&state, &web, &citizen.holder, &id, e).await,
    };
    let issued = match credentials.print(&citizen.holder, &id).await {
        Ok(i) => i,
        Err(e) => return refused(&state, &web, &citizen.holder, &id, e).await,
    };
    let d = &held.document;
    let ty = types::by_id(&d.doc_type);
    let name = ty
        .as_ref()
        .map_or(d.doc_type.clone(), |ty| type_name(l, ty).to_owned());
    // When the copy was issued and until when it is valid, from the credential itself.
    let claims = dinhdanh_credentials::sdjwt::SdJwt::parse(&issued.credential)
        .ok()
        .and_then(|sd| dinhdanh_oidc::jose::Jws::parse(&sd.jwt).ok())
        .map(|jws| jws.claims)
        .unwrap_or_default();
    let seconds = |name: &str| claims.get(name).and_then(Value::as_i64);
    let rows: Vec<(&str, String)> = match &ty {
        Some(ty) => ty
            .fields
            .iter()
            .filter_map(|f| {
                d.data
                    .get(f.name)
                    .map(|v| (field_name(l, f), field_value(l, f.kind, v)))
            })
            .collect(),
        None => d
            .data
            .iter()
            .map(|(k, v)| (k.as_str(), field_value(l, Kind::Text, v)))
            .collect(),
    };
    let qr = qr_svg(&issued.credential, 320);
    let body = html! {
        link rel="stylesheet" href=(STYLESHEET);
        p.no-print.help { (t(l, "documents.print_help")) }
        article.printout #printout data-type=(d.doc_type) {
            h2 { (name) }
            @if let Some(ty) = &ty {
                p.authority { (t(l, "documents.authority")) ": " (ty.authority) }
            }
            dl #document-fields {
                @for (label, value) in &rows {
                    dt { (label) }
                    dd { (value) }
                }
            }
            @match qr {
                Some(svg) => (qr_figure(svg, t(l, "documents.print_qr_label"), html! { (t(l, "documents.print_qr_caption")) })),
                None => p.alert role="alert" #qr-too-long { (t(l, "documents.qr_too_long")) },
            }
            p #printed-at {
                @if let Some(iat) = seconds("iat") {
                    (t(l, "documents.printed_at")) " " (time(l, iat * 1000)) ". "
                }
                @if let Some(exp) = seconds("exp") {
                    (t(l, "documents.copy_valid_until")) " " (time(l, exp * 1000)) "."
                }
            }
            p.help #verify-help { (t(l, "documents.verify_help")) " " code { "dinhdanh credential verify" } "." }
        }
        details #credential-text {
            summary { (t(l, "documents.credential_text")) }
            code #document-credential { (issued.credential) }
        }
        p.no-print { a href="/account/documents" { (t(l, "documents.back")) } }
    };
    (
        [(CACHE_CONTROL, "no-store")],
        page(
            &web,
            &format!("{} — {}", t(l, "documents.print_title"), name),
            body,
        ),
    )
        .into_response()
}
