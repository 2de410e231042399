//! Results of applications, for anyone who holds one: `/services/results/{id}` shows a result
//! document issued electronically, checks its signature against the provider's keys, and gives
//! its QR code (which carries this page's address) and the signed document itself;
//! `/services/results/verify` checks a document pasted by a verifier.
//!
//! The identifier is 128 random bits printed only on the document, so the page shows the
//! document to whoever holds it, as the paper would.

use super::layout::hidden_csrf;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;

use super::layout::{alert, page};
use super::{Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/services/results/verify", get(verify_form).post(verify))
        .route("/services/results/{id}", get(show))
        .route("/services/results/{id}/document.jwt", get(download))
}

/// The QR code of `text` as an inline SVG.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
    )
}

fn text_of(value: &Value, english: bool) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get(if english { "en" } else { "vi" })
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

/// The document as a page: what was decided, for whom, by whom.
fn document(web: &Web, claims: &Value) -> Markup {
    let l = web.lang;
    let en = matches!(l, super::Lang::En);
    let rows: Vec<(&str, String)> = vec![
        (
            "results.procedure",
            text_of(&claims["procedure"]["name"], en),
        ),
        ("results.agency", text_of(&claims["agency"]["name"], en)),
        ("results.result", text_of(&claims["result"], en)),
        (
            "results.holder",
            text_of(&claims["holder"]["full_name"], en),
        ),
        (
            "results.personal_id",
            text_of(&claims["holder"]["personal_id"], en),
        ),
        ("results.code", text_of(&claims["application"]["code"], en)),
        (
            "results.outcome",
            match claims["outcome"].as_str() {
                Some("approved") => t(l, "results.approved").to_owned(),
                Some("refused") => t(l, "results.refused").to_owned(),
                _ => "—".to_owned(),
            },
        ),
        ("results.decided_at", text_of(&claims["decided_at"], en)),
    ];
    html! {
        dl.document {
            @for (key, value) in &rows {
                dt { (t(l, key)) }
                dd { (value) }
            }
        }
        @if let Some(answers) = claims["answers"].as_object().filter(|a| !a.is_empty()) {
            h2 { (t(l, "results.answers")) }
            dl.answers {
                @for (field, value) in answers {
                    dt { code { (field) } }
                    dd { (text_of(value, en)) }
                }
            }
        }
    }
}

async fn show(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let l = web.lang;
    let issued = match state.services.result(&id).await {
        Ok(issued) => issued,
        Err(dinhdanh_services::ServicesError::NotFound) => {
            return (
                StatusCode::NOT_FOUND,
                page(
                    &web,
                    t(l, "results.title"),
                    alert(Some(t(l, "results.unknown"))),
                ),
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "a result could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let verified = state.services.verify_result(&issued.jws).await;
    let address = format!(
        "{}/services/results/{}",
        state.web.public_origin.trim_end_matches('/'),
        issued.id
    );
    page(
        &web,
        t(l, "results.title"),
        html! {
            @match &verified {
                Ok(v) => {
                    p.notice role="status" #signature data-valid="true" {
                        (t(l, "results.valid")) " (" code { (v.kid) } ")"
                    }
                    (document(&web, &v.claims))
                }
                Err(e) => {
                    p.alert role="alert" #signature data-valid="false" {
                        (t(l, "results.invalid")) " " (e.to_string())
                    }
                }
            }
            figure.qr {
                @if let Some(svg) = qr_svg(&address) { (PreEscaped(svg)) }
                figcaption { (address) }
            }
            p {
                a #result-download href={ "/services/results/" (issued.id) "/document.jwt" } { (t(l, "results.download")) }
                " · "
                a href="/jwks" { (t(l, "results.keys")) }
                " · "
                a href="/services/results/verify" { (t(l, "results.verify_other")) }
            }
            p.help { (t(l, "results.offline")) }
        },
    )
    .into_response()
}

async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.services.result(&id).await {
        Ok(issued) => (
            [
                (CONTENT_TYPE, "application/jwt".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"result-{}.jwt\"", issued.id),
                ),
            ],
            issued.jws,
        )
            .into_response(),
        Err(dinhdanh_services::ServicesError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a result could not be read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn verify_page(web: &Web, outcome: Option<Markup>) -> Markup {
    let l = web.lang;
    page(
        web,
        t(l, "results.verify_title"),
        html! {
            @if let Some(outcome) = outcome { (outcome) }
            form method="post" action="/services/results/verify" {
                (hidden_csrf(web))
                label for="document" { (t(l, "results.paste")) }
                textarea #document name="document" rows="8" required {}
                button type="submit" { (t(l, "results.check")) }
            }
            p.help { (t(l, "results.offline")) }
        },
    )
}

async fn verify_form(web: Web) -> Response {
    verify_page(&web, None).into_response()
}

#[derive(Deserialize)]
struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    document: String,
}

async fn verify(State(state): State<AppState>, web: Web, Form(form): Form<VerifyForm>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let l = web.lang;
    let outcome = match state.services.verify_result(&form.document).await {
        Ok(v) => html! {
            p.notice role="status" #signature data-valid="true" {
                (t(l, "results.valid")) " (" code { (v.kid) } ")"
            }
            (document(&web, &v.claims))
        },
        Err(e) => html! {
            p.alert role="alert" #signature data-valid="false" {
                (t(l, "results.invalid")) " " (e.to_string())
            }
        },
    };
    verify_page(&web, Some(outcome)).into_response()
}

pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    (
        "results.title",
        "Kết quả giải quyết thủ tục hành chính",
        "Result of an administrative procedure",
    ),
    (
        "results.unknown",
        "Không có kết quả nào với địa chỉ này.",
        "There is no result at this address.",
    ),
    (
        "results.valid",
        "Chữ ký hợp lệ: văn bản do nền tảng cấp và chưa bị sửa đổi.",
        "The signature is valid: the platform issued this document and it has not been altered.",
    ),
    (
        "results.invalid",
        "Chữ ký KHÔNG hợp lệ:",
        "The signature is NOT valid:",
    ),
    ("results.procedure", "Thủ tục", "Procedure"),
    ("results.agency", "Cơ quan giải quyết", "Deciding agency"),
    ("results.result", "Kết quả", "Result"),
    ("results.holder", "Người được cấp", "Issued to"),
    ("results.personal_id", "Số định danh cá nhân", "Personal ID"),
    ("results.code", "Mã hồ sơ", "Application code"),
    ("results.outcome", "Quyết định", "Decision"),
    ("results.approved", "Chấp thuận", "Approved"),
    ("results.refused", "Từ chối", "Refused"),
    ("results.decided_at", "Thời điểm quyết định", "Decided at"),
    (
        "results.answers",
        "Nội dung hồ sơ",
        "Contents of the application",
    ),
    (
        "results.download",
        "Tải văn bản đã ký (JWS)",
        "Download the signed document (JWS)",
    ),
    (
        "results.keys",
        "Khóa công khai của nền tảng",
        "The platform's public keys",
    ),
    (
        "results.verify_other",
        "Kiểm tra một văn bản khác",
        "Check another document",
    ),
    (
        "results.offline",
        "Có thể kiểm tra ngoại tuyến: văn bản là chữ ký ES256 (JWS) kiểm bằng khóa công khai tại /jwks, ví dụ bằng lệnh dinhdanh services verify-result.",
        "It can be checked offline: the document is an ES256 signature (JWS) checked with the public keys at /jwks, for example with dinhdanh services verify-result.",
    ),
    (
        "results.verify_title",
        "Kiểm tra văn bản kết quả",
        "Check a result document",
    ),
    (
        "results.paste",
        "Dán văn bản đã ký (JWS)",
        "Paste the signed document (JWS)",
    ),
    ("results.check", "Kiểm tra", "Check"),
];
