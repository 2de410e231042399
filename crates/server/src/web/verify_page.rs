//! The public check of digital documents (`/credentials/verify`), for anyone shown one — a shop,
//! a landlord, an office — without signing in:
//!
//! - **Ask a wallet** (OpenID4VP 1.0 with DCQL): choose a document type, then the fields to see,
//!   and give your name and your purpose; the page makes a request through the credentials
//!   capability and shows its `openid4vp://` URI as a QR code for the holder's wallet, with the
//!   link to the result page `/credentials/verify/{id}`. The URI (with the request's `state`) is
//!   returned only when the request is made, so the QR code is in the answer to the form, and
//!   the result page shows the outcome only: pending (refreshed every few seconds), verified with
//!   the fields asked, refused with the reason, or expired.
//! - **Paste a document**: an SD-JWT VC pasted (the text of a printed copy's QR code) is checked
//!   with [`verify::verify`] against this issuer's published keys and status list: valid with
//!   its fields, or refused with the reason.
//!
//! The name the visitor gives is self-declared: it is stored with the mark [`SELF_DECLARED`],
//! which no registered client identifier can carry (they are letters, digits, `.`, `_`, `-`), so
//! the citizen's history never shows a visitor under a registered service's name, and the
//! result page shows only requests made here (not those of API verifiers).

use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use dinhdanh_credentials::presentation::{Outcome, Request, Stored};
use dinhdanh_credentials::sdjwt::{Checks, SdJwt, Verified};
use dinhdanh_credentials::types::{self, DocumentType, Field, Kind};
use dinhdanh_credentials::{CredentialsError, Refusal};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::account::time;
use super::i18n::lookup;
use super::layout::{hidden_csrf, page};
use super::{Lang, Web, t};
use crate::AppState;

/// The page's address.
const PAGE: &str = "/credentials/verify";
/// Where a pasted document is checked.
const CHECK: &str = "/credentials/verify/check";
/// The stylesheet of these pages, served from this site as the page policy requires.
const STYLESHEET: &str = "/static/credentials-verify.css";
/// Appended to the name a visitor gives, in both languages.
const SELF_DECLARED: &str = " [tự khai · self-declared]";
/// The longest name and purpose a visitor may give (the capability takes 200 characters, the
/// mark included).
const MAX_TEXT: usize = 150;
/// The longest pasted document taken (a printed copy's is a few kilobytes).
const MAX_PASTE: usize = 64 * 1024;
/// Seconds between two refreshes of a pending result.
const REFRESH_SECONDS: u32 = 3;

const CSS: &str = "\
.qr { margin: 16px 0; }
.qr svg { display: block; max-width: 100%; height: auto; background: #fff; }
fieldset { border: 1px solid var(--line, #d0d0d0); border-radius: 4px; margin: 12px 0; padding: 8px 16px; }
fieldset label { display: block; margin: 6px 0; }
textarea { display: block; width: 100%; max-width: 40rem; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em; padding: 8px; border: 2px solid var(--muted); border-radius: 4px; word-break: break-all; }
section.verify { margin: 24px 0 32px; }
dl.claims dd { font-weight: 600; }
#request-link { word-break: break-all; }
";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(form_page).post(ask))
        .route(CHECK, post(check))
        .route("/credentials/verify/{id}", get(result))
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

/// A field's value as the page shows it: dates in the page language's order, lists joined.
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

/// The QR code of `text` as inline SVG; `None` when it does not fit a QR code.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .or_else(|_| qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L))
        .ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(280, 280)
        .quiet_zone(true)
        .build();
    // The renderer starts with an XML declaration, which has no place inside HTML.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

/// An error line, with the capability's own words (in English) after ours.
fn problem(text: &str, detail: Option<&str>) -> Markup {
    html! {
        p.alert role="alert" #verify-error {
            (text)
            @if let Some(detail) = detail {
                " " span.detail lang="en" { "(" (detail) ")" }
            }
        }
    }
}

/// Why a document or a presentation was refused, in the page's language, then the reason as
/// the capability words it (English).
fn refusal(l: Lang, id: &str, code: &str, reason: &str) -> Markup {
    let why = lookup(l, &format!("doccheck.why.{code}")).unwrap_or(t(l, "doccheck.why.other"));
    html! {
        p.alert role="alert" id=(id) data-valid="false" data-code=(code) {
            strong { (t(l, "doccheck.refused")) } " " (why)
            " " span.detail lang="en" { "(" (reason) ")" }
        }
    }
}

/// A whole page of this family, never stored by caches.
fn respond(web: &Web, status: StatusCode, title: &str, body: Markup) -> Response {
    let body = html! {
        link rel="stylesheet" href=(STYLESHEET);
        (body)
    };
    (
        status,
        [(CACHE_CONTROL, "no-store")],
        page(web, title, body),
    )
        .into_response()
}

/// A failure of the capability itself (storage, ledger): logged, and a plain message.
fn failure(web: &Web, e: &CredentialsError) -> Response {
    tracing::error!(error = %e, "the document check page failed");
    let status = match e {
        CredentialsError::Ledger(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    respond(
        web,
        status,
        t(web.lang, "doccheck.title"),
        html! {
            (problem(t(web.lang, "doccheck.failed"), None))
            p { a href=(PAGE) { (t(web.lang, "doccheck.back")) } }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The form page
// ---------------------------------------------------------------------------------------------

/// The wallet request form as sent, to show it again with what was wrong.
#[derive(Debug, Default)]
struct AskForm {
    csrf: String,
    doc_type: String,
    claims: Vec<String>,
    purpose: String,
    verifier: String,
}

impl AskForm {
    /// Reads a form body; `claims` repeats (one per ticked box), the others count once.
    fn from_body(body: &[u8]) -> AskForm {
        let mut form = AskForm::default();
        let mut seen = [false; 4];
        for (key, value) in url::form_urlencoded::parse(body) {
            let (slot, target) = match key.as_ref() {
                "claims" => {
                    form.claims.push(value.into_owned());
                    continue;
                }
                "csrf" => (0, &mut form.csrf),
                "doc_type" => (1, &mut form.doc_type),
                "purpose" => (2, &mut form.purpose),
                "verifier" => (3, &mut form.verifier),
                _ => continue,
            };
            if !seen[slot] {
                seen[slot] = true;
                *target = value.into_owned();
            }
        }
        form
    }
}

/// What the form page shows besides the forms.
#[derive(Default)]
struct Shown {
    /// The type chosen at the first step.
    chosen: Option<DocumentType>,
    /// The wallet request form as sent, when it is shown again.
    kept: Option<AskForm>,
    /// What was wrong with the wallet request form.
    ask_error: Option<Markup>,
    /// The outcome of a pasted document's check.
    checked: Option<Markup>,
}

#[derive(Deserialize, Default)]
struct TypeQuery {
    #[serde(default, rename = "type")]
    doc_type: Option<String>,
}

async fn form_page(web: Web, Query(query): Query<TypeQuery>) -> Response {
    let l = web.lang;
    match query.doc_type.as_deref().filter(|s| !s.is_empty()) {
        None => form_view(&web, StatusCode::OK, Shown::default()),
        Some(id) => match types::by_id(id) {
            Some(chosen) => form_view(
                &web,
                StatusCode::OK,
                Shown {
                    chosen: Some(chosen),
                    ..Shown::default()
                },
            ),
            None => form_view(
                &web,
                StatusCode::BAD_REQUEST,
                Shown {
                    ask_error: Some(problem(t(l, "doccheck.ask.unknown_type"), None)),
                    ..Shown::default()
                },
            ),
        },
    }
}

/// The page: the wallet request (choose a type, then its fields) and the paste form.
fn form_view(web: &Web, status: StatusCode, shown: Shown) -> Response {
    let l = web.lang;
    let all = types::all();
    let chosen_id = shown.chosen.as_ref().map_or("", |c| c.id);
    let kept = shown.kept.as_ref();
    let ticked = |name: &str| kept.is_some_and(|k| k.claims.iter().any(|c| c == name));
    let body = html! {
        p { (t(l, "doccheck.intro")) }
        section.verify #ask aria-labelledby="ask-title" {
            h2 #ask-title { (t(l, "doccheck.ask.title")) }
            p.help { (t(l, "doccheck.ask.help")) }
            @if let Some(error) = &shown.ask_error { (error) }
            form #type-form method="get" action=(PAGE) {
                label for="type" { (t(l, "doccheck.ask.type")) }
                select #type name="type" {
                    @for ty in &all {
                        option value=(ty.id) selected[ty.id == chosen_id] { (type_name(l, ty)) }
                    }
                }
                button.secondary type="submit" { (t(l, "doccheck.ask.choose")) }
            }
            @if let Some(ty) = &shown.chosen {
                form #ask-form method="post" action=(PAGE) {
                    (hidden_csrf(web))
                    input type="hidden" name="doc_type" value=(ty.id);
                    fieldset #claims-choice {
                        legend { (t(l, "doccheck.ask.claims")) " — " (type_name(l, ty)) }
                        p.help { (t(l, "doccheck.ask.claims_help")) }
                        @for f in &ty.fields {
                            label {
                                input type="checkbox" name="claims" value=(f.name) checked[ticked(f.name)];
                                " " (field_name(l, f))
                            }
                        }
                    }
                    label for="verifier" { (t(l, "doccheck.ask.verifier")) }
                    input #verifier name="verifier" required maxlength=(MAX_TEXT) autocomplete="organization"
                        aria-describedby="verifier-help"
                        value=(kept.map_or("", |k| k.verifier.as_str()));
                    p #verifier-help .help { (t(l, "doccheck.ask.verifier_help")) }
                    label for="purpose" { (t(l, "doccheck.ask.purpose")) }
                    input #purpose name="purpose" required maxlength=(MAX_TEXT) autocomplete="off"
                        aria-describedby="purpose-help"
                        value=(kept.map_or("", |k| k.purpose.as_str()));
                    p #purpose-help .help { (t(l, "doccheck.ask.purpose_help")) }
                    button type="submit" { (t(l, "doccheck.ask.submit")) }
                }
            }
        }
        section.verify #paste aria-labelledby="paste-title" {
            h2 #paste-title { (t(l, "doccheck.check.title")) }
            @if let Some(checked) = &shown.checked { (checked) }
            form #check-form method="post" action=(CHECK) {
                (hidden_csrf(web))
                label for="credential" { (t(l, "doccheck.check.paste")) }
                p #credential-help .help { (t(l, "doccheck.check.help")) }
                textarea #credential name="credential" rows="8" required spellcheck="false"
                    autocomplete="off" aria-describedby="credential-help" {}
                button type="submit" { (t(l, "doccheck.check.submit")) }
            }
        }
    };
    respond(web, status, t(l, "doccheck.title"), body)
}

// ---------------------------------------------------------------------------------------------
// Asking a wallet
// ---------------------------------------------------------------------------------------------

/// Whether `text` is a name or purpose the page takes.
fn fit(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().count() <= MAX_TEXT && !text.chars().any(char::is_control)
}

async fn ask(State(state): State<AppState>, web: Web, RawForm(body): RawForm) -> Response {
    let form = AskForm::from_body(&body);
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let l = web.lang;
    let Some(ty) = types::by_id(&form.doc_type) else {
        let error = problem(t(l, "doccheck.ask.unknown_type"), None);
        return form_again(&web, StatusCode::BAD_REQUEST, None, form, error);
    };
    let (status, key) = if form.claims.is_empty() {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("doccheck.ask.no_claims"),
        )
    } else if form.claims.iter().any(|c| ty.field(c).is_none()) {
        (StatusCode::BAD_REQUEST, Some("doccheck.ask.unknown_claim"))
    } else if !fit(&form.verifier) {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("doccheck.ask.bad_verifier"),
        )
    } else if !fit(&form.purpose) {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("doccheck.ask.bad_purpose"),
        )
    } else {
        (StatusCode::OK, None)
    };
    if let Some(key) = key {
        let error = problem(t(l, key), None);
        return form_again(&web, status, Some(ty), form, error);
    }
    // Each field once, in the type's order.
    let claims: Vec<String> = ty
        .fields
        .iter()
        .filter(|f| form.claims.iter().any(|c| c == f.name))
        .map(|f| f.name.to_owned())
        .collect();
    let verifier = format!("{}{SELF_DECLARED}", form.verifier.trim());
    let request = match state
        .credentials()
        .request_presentation(&verifier, form.purpose.trim(), ty.id, &claims)
        .await
    {
        Ok(r) => r,
        Err(CredentialsError::Invalid { problem: p, .. }) => {
            let error = problem(t(l, "doccheck.ask.invalid"), Some(&p));
            return form_again(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(ty),
                form,
                error,
            );
        }
        Err(e) => return failure(&web, &e),
    };
    requested(&web, &ty, &claims, form.verifier.trim(), &request)
}

/// The form page again, with what was sent and what was wrong.
fn form_again(
    web: &Web,
    status: StatusCode,
    chosen: Option<DocumentType>,
    form: AskForm,
    error: Markup,
) -> Response {
    form_view(
        web,
        status,
        Shown {
            chosen,
            kept: Some(form),
            ask_error: Some(error),
            checked: None,
        },
    )
}

/// The QR code of a request just made, and the way to its result.
fn requested(
    web: &Web,
    ty: &DocumentType,
    claims: &[String],
    verifier: &str,
    request: &Request,
) -> Response {
    let l = web.lang;
    let result = format!("{PAGE}/{}", request.id);
    let body = html! {
        dl #request-summary {
            dt { (t(l, "doccheck.result.document")) }
            dd { (type_name(l, ty)) }
            dt { (t(l, "doccheck.result.asked")) }
            dd { (names(l, ty, claims)) }
            dt { (t(l, "doccheck.result.verifier")) }
            dd { (verifier) " " span.help { "(" (t(l, "doccheck.self_declared")) ")" } }
        }
        ol.steps {
            li { (t(l, "doccheck.request.step_scan")) }
            li { (t(l, "doccheck.request.step_consent")) }
            li { (t(l, "doccheck.request.step_result")) }
        }
        @match qr_svg(&request.uri) {
            Some(svg) => figure.qr #request-qr {
                div role="img" aria-label=(t(l, "doccheck.request.qr_label")) { (PreEscaped(svg)) }
                figcaption { (t(l, "doccheck.request.qr_caption")) }
            },
            None => p.alert role="alert" { (t(l, "doccheck.request.qr_too_long")) },
        }
        p #request-expiry {
            (t(l, "doccheck.request.expires")) " "
            time datetime=(chrono::DateTime::<chrono::Utc>::from_timestamp_millis(request.expires_at).map(|d| d.to_rfc3339()).unwrap_or_default()) {
                (time(l, request.expires_at))
            }
            ". " (t(l, "doccheck.request.once"))
        }
        p { a.button #result-link href=(result) { (t(l, "doccheck.request.see_result")) } }
        h2 { (t(l, "doccheck.request.same_device")) }
        p { a #request-link href=(request.uri) { (t(l, "doccheck.request.open_wallet")) } }
        p.help { (t(l, "doccheck.request.private")) }
        p { a href=(PAGE) { (t(l, "doccheck.back")) } }
    };
    respond(web, StatusCode::OK, t(l, "doccheck.request.title"), body)
}

/// The names of `claims` of a `ty`, in the page's language.
fn names(l: Lang, ty: &DocumentType, claims: &[String]) -> String {
    claims
        .iter()
        .map(|c| ty.field(c).map_or(c.as_str(), |f| field_name(l, f)))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// The result of a request
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ResultQuery {
    /// `0` stops the automatic refresh of a pending result.
    #[serde(default)]
    auto: Option<String>,
}

/// The outcome of request `id`. The identifier is 128 random bits given only to whoever made
/// the request, so knowing it is what lets one see the result (as the API's verifier sees it by
/// its client token); requests made by API verifiers are not shown here.
async fn result(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Query(query): Query<ResultQuery>,
) -> Response {
    let l = web.lang;
    let stored = match state.credentials().presentation(&id).await {
        Ok(s) if s.verifier.ends_with(SELF_DECLARED) => s,
        Ok(_) | Err(CredentialsError::NotFound) => {
            return respond(
                &web,
                StatusCode::NOT_FOUND,
                t(l, "doccheck.result.title"),
                html! {
                    (problem(t(l, "doccheck.result.unknown"), None))
                    p { a href=(PAGE) { (t(l, "doccheck.back")) } }
                },
            );
        }
        Err(e) => return failure(&web, &e),
    };
    let ty = types::by_id(&stored.doc_type);
    let auto = stored.outcome == Outcome::Pending && query.auto.as_deref() != Some("0");
    let body = html! {
        (summary(l, &stored, ty.as_ref()))
        @match &stored.outcome {
            Outcome::Pending => {
                p.notice role="status" #outcome data-outcome="pending" {
                    (t(l, "doccheck.result.pending"))
                }
                p {
                    @if auto {
                        (t(l, "doccheck.result.auto")) " "
                        a #stop-refresh href={ (PAGE) "/" (stored.id) "?auto=0" } { (t(l, "doccheck.result.stop")) }
                    } @else {
                        a #refresh href={ (PAGE) "/" (stored.id) } { (t(l, "doccheck.result.refresh")) }
                    }
                }
                p.help { (t(l, "doccheck.result.pending_help")) }
            }
            Outcome::Verified { claims } => {
                p.notice role="status" #outcome data-outcome="verified" {
                    strong { (t(l, "doccheck.verified")) } " " (t(l, "doccheck.result.verified_help"))
                }
                (disclosed(l, ty.as_ref(), claims, Some(&stored.claims), "claims"))
            }
            Outcome::Refused { code, reason } => {
                (refusal(l, "outcome", code, reason))
            }
            Outcome::Expired => {
                p.alert role="alert" #outcome data-outcome="expired" { (t(l, "doccheck.result.expired")) }
            }
        }
        p { a href=(PAGE) { (t(l, "doccheck.result.new")) } }
    };
    let mut response = respond(&web, StatusCode::OK, t(l, "doccheck.result.title"), body);
    if auto {
        // The `Refresh` header reloads the page as `<meta http-equiv="refresh">` would; the
        // page policy does not govern it.
        response
            .headers_mut()
            .insert("refresh", axum::http::HeaderValue::from(REFRESH_SECONDS));
    }
    response
}

/// What was asked, by whom, why.
fn summary(l: Lang, stored: &Stored, ty: Option<&DocumentType>) -> Markup {
    let verifier = stored
        .verifier
        .strip_suffix(SELF_DECLARED)
        .unwrap_or(&stored.verifier);
    html! {
        dl #request-summary {
            dt { (t(l, "doccheck.result.document")) }
            dd { (ty.map_or(stored.doc_type.as_str(), |ty| type_name(l, ty))) }
            dt { (t(l, "doccheck.result.asked")) }
            dd {
                @match ty {
                    Some(ty) => (names(l, ty, &stored.claims)),
                    None => (stored.claims.join(", ")),
                }
            }
            dt { (t(l, "doccheck.result.verifier")) }
            dd { (verifier) " " span.help { "(" (t(l, "doccheck.self_declared")) ")" } }
            dt { (t(l, "doccheck.result.purpose")) }
            dd { (stored.purpose) }
        }
    }
}

/// The claims of a verified document: its type, issuer and validity, then its fields (only
/// those `asked`, when a request named them) in the type's order and the page's language.
fn disclosed(
    l: Lang,
    ty: Option<&DocumentType>,
    claims: &Map<String, Value>,
    asked: Option<&[String]>,
    id: &str,
) -> Markup {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let seconds = |name: &str| claims.get(name).and_then(Value::as_i64);
    let rows: Vec<(&str, String)> = match ty {
        Some(ty) => ty
            .fields
            .iter()
            .filter(|f| asked.is_none_or(|a| a.iter().any(|c| c == f.name)))
            .filter_map(|f| {
                claims
                    .get(f.name)
                    .map(|v| (field_name(l, f), field_value(l, f.kind, v)))
            })
            .collect(),
        None => Vec::new(),
    };
    html! {
        dl.claims id=(id) {
            dt { (t(l, "doccheck.result.document")) }
            dd data-claim="type" { (ty.map_or("—", |ty| type_name(l, ty))) }
            @for (label, value) in &rows {
                dt { (label) }
                dd { (value) }
            }
            @if let Some(authority) = text("issuing_authority") {
                dt { (t(l, "doccheck.claims.authority")) }
                dd { (authority) }
            }
            @if let Some(iss) = text("iss") {
                dt { (t(l, "doccheck.claims.issuer")) }
                dd { code { (iss) } }
            }
            @if let Some(iat) = seconds("iat") {
                dt { (t(l, "doccheck.claims.issued_at")) }
                dd { (time(l, iat * 1000)) }
            }
            @if let Some(exp) = seconds("exp") {
                dt { (t(l, "doccheck.claims.valid_until")) }
                dd { (time(l, exp * 1000)) }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A pasted document
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    credential: String,
}

async fn check(
    State(state): State<AppState>,
    web: Web,
    axum::Form(form): axum::Form<CheckForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let l = web.lang;
    // A document has no white space; a copy from a page or a scanner may break its lines.
    let text: String = form
        .credential
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() || text.len() > MAX_PASTE {
        let key = if text.is_empty() {
            "doccheck.check.empty"
        } else {
            "doccheck.check.too_long"
        };
        let shown = Shown {
            checked: Some(html! {
                p.alert role="alert" #check-result data-valid="false" { (t(l, key)) }
            }),
            ..Shown::default()
        };
        return form_view(&web, StatusCode::UNPROCESSABLE_ENTITY, shown);
    }
    let checked = match check_text(&state, &text).await {
        Ok(c) => c,
        Err(e) => return failure(&web, &e),
    };
    let issuer = state.credentials().issuer();
    let outcome = match checked {
        Ok(v) => {
            let ty = v
                .claims
                .get("vct")
                .and_then(Value::as_str)
                .and_then(|vct| vct.strip_prefix(&format!("{issuer}/types/")))
                .and_then(types::by_id);
            let bound = v.claims.contains_key("cnf");
            html! {
                p.notice role="status" #check-result data-valid="true" {
                    strong { (t(l, "doccheck.valid")) } " " (t(l, "doccheck.check.valid_help"))
                }
                (disclosed(l, ty.as_ref(), &v.claims, None, "check-claims"))
                @if bound {
                    p.help #check-bound { (t(l, "doccheck.check.bound")) }
                }
            }
        }
        Err(refused) => {
            // A presentation with key binding is for the verifier that asked for it: this
            // check takes none, and says where presentations are checked.
            let presented = matches!(refused, Refusal::KeyBinding(_))
                && SdJwt::parse(&text).is_ok_and(|sd| sd.key_binding.is_some());
            html! {
                (refusal(l, "check-result", refused.code(), &refused.to_string()))
                @if presented {
                    p.help #check-presentation { (t(l, "doccheck.check.presentation")) }
                }
            }
        }
    };
    form_view(
        &web,
        StatusCode::OK,
        Shown {
            checked: Some(outcome),
            ..Shown::default()
        },
    )
}

/// Checks a pasted document against this issuer: its published keys and its status list.
/// `Err` only when the capability fails (its keys cannot be read).
async fn check_text(
    state: &AppState,
    text: &str,
) -> Result<Result<Verified, Refusal>, CredentialsError> {
    let now = state.accounts.clock().now_ms().div_euclid(1000);
    state.credentials().check(text, &Checks::issued(now)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Refusal::code()` of the capability (see `dinhdanh_credentials::Refusal`).
    const CODES: [&str; 13] = [
        "malformed",
        "wrong_type",
        "bad_signature",
        "unknown_issuer_key",
        "untrusted_issuer",
        "bad_disclosure",
        "expired",
        "not_yet_valid",
        "missing_claim",
        "bad_key_binding",
        "revoked",
        "suspended",
        "status_unavailable",
    ];

    #[test]
    fn every_refusal_has_a_reason_in_both_languages() {
        for code in CODES.iter().chain(&["other"]) {
            for l in [Lang::Vi, Lang::En] {
                assert!(
                    lookup(l, &format!("doccheck.why.{code}")).is_some(),
                    "doccheck.why.{code}"
                );
            }
        }
        assert_eq!(Refusal::Revoked.code(), "revoked");
        assert_eq!(Refusal::Status(String::new()).code(), "status_unavailable");
    }

    #[test]
    fn the_request_form_keeps_every_ticked_claim_and_the_first_of_the_rest() {
        let form = AskForm::from_body(
            b"csrf=abc&doc_type=driving_licence&claims=number&verifier=C%E1%BB%ADa+h%C3%A0ng&claims=full_name&doc_type=cccd&purpose=Thu%C3%AA+xe",
        );
        assert_eq!(form.csrf, "abc");
        assert_eq!(form.doc_type, "driving_licence");
        assert_eq!(form.claims, ["number", "full_name"]);
        assert_eq!(form.verifier, "Cửa hàng");
        assert_eq!(form.purpose, "Thuê xe");
    }

    #[test]
    fn a_visitor_cannot_take_a_registered_client_identifier() {
        // Client identifiers are letters, digits, '.', '_' and '-'.
        assert!(
            SELF_DECLARED
                .bytes()
                .any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
        );
        assert!(MAX_TEXT + SELF_DECLARED.chars().count() <= 200);
        assert!(fit(" Cửa hàng Minh Anh "));
        assert!(!fit("  "));
        assert!(!fit("a\u{7}b"));
        assert!(!fit(&"x".repeat(MAX_TEXT + 1)));
    }
}
