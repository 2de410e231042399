//! "My consents" (`/account/consents`): what agencies asked to read on the citizen's consent, each
//! request with the data types, the one purpose, who processes the data and the citizen's rights
//! (Decree 13/2023/ND-CP Art 11); agree or decline; the consents in force with their signed
//! receipts and a button that withdraws them at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use dinhdanh_accounts::AccountKind;
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::{Consent, ConsentStatus, DataService, ExchangeError};
use maud::{Markup, html};
use serde::Deserialize;

use super::account::time;
use super::layout::{alert, notice, page};
use super::{Lang, Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/consents", get(consents_page))
        .route("/account/consents/{id}/answer", post(answer))
        .route("/account/consents/{id}/withdraw", post(withdraw))
        .route("/account/consents/{id}/receipt", get(receipt))
}

/// The signed-in person's ID, or the response that stands instead of the page.
fn person(web: &Web) -> Result<PersonalId, Response> {
    let user = web.user()?;
    match (user.account.kind, user.account.personal_id) {
        (AccountKind::Person, Some(id)) => Ok(id),
        _ => Err((
            StatusCode::FORBIDDEN,
            page(
                web,
                t(web.lang, "sharing.title"),
                html! { p #consents-not-personal { (t(web.lang, "sharing.not_personal")) } },
            ),
        )
            .into_response()),
    }
}

fn status_text(l: Lang, status: ConsentStatus) -> &'static str {
    t(
        l,
        match status {
            ConsentStatus::Pending => "sharing.status.pending",
            ConsentStatus::Active => "sharing.status.active",
            ConsentStatus::Declined => "sharing.status.declined",
            ConsentStatus::Withdrawn => "sharing.status.withdrawn",
            ConsentStatus::Expired => "sharing.status.expired",
        },
    )
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
}

async fn consents_page(
    State(state): State<AppState>,
    web: Web,
    axum::extract::Query(flash): axum::extract::Query<Flash>,
) -> Response {
    let person = match person(&web) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let l = web.lang;
    let (consents, services) = match tokio::try_join!(
        state.exchange.consents_of(&person),
        state.exchange.services()
    ) {
        Ok(found) => found,
        Err(e) => return failure(&web, &e),
    };
    let mut cards = Vec::with_capacity(consents.len());
    for consent in &consents {
        let agency = match state.oidc.client(&consent.agency).await {
            Ok(Some(c)) => c.name_in(l == Lang::Vi).to_owned(),
            _ => consent.agency.clone(),
        };
        let service = services.iter().find(|s| s.id == consent.service);
        cards.push(card(&web, consent, &agency, service));
    }
    let done = flash.done.as_deref().and_then(|d| match d {
        "given" => Some(t(l, "sharing.done.given")),
        "declined" => Some(t(l, "sharing.done.declined")),
        "withdrawn" => Some(t(l, "sharing.done.withdrawn")),
        _ => None,
    });
    page(
        &web,
        t(l, "sharing.title"),
        html! {
            (notice(done))
            p { (t(l, "sharing.intro")) }
            @if cards.is_empty() {
                p #consents-empty { (t(l, "sharing.empty")) }
            }
            @for c in cards { (c) }
            p { a href="/account/access" { (t(l, "sharing.see_access")) } " · " a href="/account" { (t(l, "nav.back")) } }
        },
    )
    .into_response()
}

fn card(web: &Web, consent: &Consent, agency: &str, service: Option<&DataService>) -> Markup {
    let l = web.lang;
    let vi = l == Lang::Vi;
    let text = |t: &dinhdanh_exchange::catalogue::Texts| {
        if vi { t.vi.clone() } else { t.en.clone() }
    };
    html! {
        article.consent id=(format!("consent-{}", consent.id)) data-status=(format!("{:?}", consent.status).to_lowercase()) {
            h2 { (agency) }
            p.status { (status_text(l, consent.status)) }
            dl {
                dt { (t(l, "sharing.processor")) }
                dd { (agency) " (" code { (consent.agency) } ")" }
                dt { (t(l, "sharing.source")) }
                dd { (service.map(|s| text(&s.provider)).unwrap_or_else(|| consent.service.clone())) }
                dt { (t(l, "sharing.data")) }
                dd {
                    ul {
                        @for f in &consent.fields {
                            @let field = service.and_then(|s| s.field(f));
                            li {
                                (field.map(|x| text(&x.title)).unwrap_or_else(|| f.clone()))
                                @if field.is_some_and(|x| x.is_sensitive()) {
                                    " " strong.sensitive { (t(l, "sharing.sensitive")) }
                                }
                            }
                        }
                    }
                }
                dt { (t(l, "sharing.purpose")) }
                dd { (consent.purpose_text) " (" code { (consent.purpose) } ")" }
                dt { (t(l, "sharing.duration")) }
                dd { (consent.valid_days) " " (t(l, "sharing.days")) }
                @if let Some(at) = consent.decided_at {
                    dt { (t(l, "sharing.decided")) } dd { (time(l, at)) }
                }
                @if let Some(at) = consent.expires_at {
                    dt { (t(l, "sharing.until")) } dd { (time(l, at)) }
                }
                @if let Some(at) = consent.withdrawn_at {
                    dt { (t(l, "sharing.withdrawn_at")) } dd { (time(l, at)) }
                }
            }
            @match consent.status {
                ConsentStatus::Pending => {
                    p.rights { (text(&dinhdanh_exchange::consent::rights())) }
                    p { (t(l, "sharing.answer_by")) " " (time(l, consent.answer_by)) }
                    form method="post" action=(format!("/account/consents/{}/answer", consent.id)) {
                        input type="hidden" name="csrf" value=(web.csrf);
                        button type="submit" name="agree" value="yes" { (t(l, "sharing.agree")) }
                        " "
                        button.secondary type="submit" name="agree" value="no" { (t(l, "sharing.decline")) }
                    }
                }
                ConsentStatus::Active => {
                    p { a.receipt href=(format!("/account/consents/{}/receipt", consent.id)) { (t(l, "sharing.receipt")) } }
                    form method="post" action=(format!("/account/consents/{}/withdraw", consent.id)) {
                        input type="hidden" name="csrf" value=(web.csrf);
                        button type="submit" { (t(l, "sharing.withdraw")) }
                    }
                }
                _ => {
                    @if consent.receipt.is_some() {
                        p { a.receipt href=(format!("/account/consents/{}/receipt", consent.id)) { (t(l, "sharing.receipt")) } }
                    }
                }
            }
        }
    }
}

fn failure(web: &Web, e: &ExchangeError) -> Response {
    let status = match e {
        ExchangeError::NotFound(_) => StatusCode::NOT_FOUND,
        ExchangeError::Conflict(_) => StatusCode::CONFLICT,
        ExchangeError::Ledger(_) => StatusCode::SERVICE_UNAVAILABLE,
        ExchangeError::Database(_) | ExchangeError::Provider(_) | ExchangeError::Signing(_) => {
            tracing::error!(error = %e, "a consent page failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let text = if status == StatusCode::INTERNAL_SERVER_ERROR {
        t(web.lang, "sharing.failed").to_owned()
    } else {
        e.to_string()
    };
    (
        status,
        page(
            web,
            t(web.lang, "sharing.title"),
            html! {
                (alert(Some(&text)))
                p { a href="/account/consents" { (t(web.lang, "nav.back")) } }
            },
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
struct AnswerForm {
    csrf: String,
    agree: String,
}

async fn answer(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let person = match person(&web) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let agree = match form.agree.as_str() {
        "yes" => true,
        "no" => false,
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    match state.exchange.answer_consent(&person, &id, agree).await {
        Ok(_) if agree => Redirect::to("/account/consents?done=given").into_response(),
        Ok(_) => Redirect::to("/account/consents?done=declined").into_response(),
        Err(e) => failure(&web, &e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn withdraw(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let person = match person(&web) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match state.exchange.withdraw_consent(&person, &id).await {
        Ok(_) => Redirect::to("/account/consents?done=withdrawn").into_response(),
        Err(e) => failure(&web, &e),
    }
}

async fn receipt(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let person = match person(&web) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match state.exchange.consent_of(&person, &id).await {
        Ok(Consent {
            receipt: Some(receipt),
            ..
        }) => (
            [
                (CONTENT_TYPE, "application/jwt".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"consent-{id}.jwt\""),
                ),
                (CACHE_CONTROL, "no-store".to_owned()),
            ],
            receipt,
        )
            .into_response(),
        Ok(_) => failure(
            &web,
            &ExchangeError::NotFound(t(web.lang, "sharing.no_receipt").to_owned()),
        ),
        Err(e) => failure(&web, &e),
    }
}

/// The page's texts: (key, Vietnamese, English).
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    (
        "sharing.title",
        "Đồng ý cho cơ quan đọc dữ liệu của tôi",
        "Consents for agencies to read my data",
    ),
    (
        "sharing.intro",
        "Các cơ quan chỉ được đọc dữ liệu mà không có căn cứ pháp lý khi bạn đồng ý. Mỗi sự đồng ý chỉ cho một mục đích; bạn có thể rút lại bất cứ lúc nào và việc rút lại có hiệu lực ngay.",
        "Agencies may read data that no law lets them read only with your consent. Each consent is for one purpose; you may withdraw it at any time, and withdrawal takes effect at once.",
    ),
    (
        "sharing.empty",
        "Chưa có cơ quan nào đề nghị bạn đồng ý.",
        "No agency has asked for your consent.",
    ),
    (
        "sharing.not_personal",
        "Chỉ tài khoản của cá nhân mới có sự đồng ý.",
        "Only a person's account has consents.",
    ),
    (
        "sharing.processor",
        "Bên xử lý dữ liệu",
        "Who processes the data",
    ),
    (
        "sharing.source",
        "Nguồn dữ liệu",
        "Where the data comes from",
    ),
    ("sharing.data", "Loại dữ liệu", "Data types"),
    (
        "sharing.sensitive",
        "(dữ liệu nhạy cảm)",
        "(sensitive data)",
    ),
    ("sharing.purpose", "Mục đích", "Purpose"),
    ("sharing.duration", "Thời hạn", "Lasts"),
    ("sharing.days", "ngày", "days"),
    ("sharing.decided", "Trả lời lúc", "Answered"),
    ("sharing.until", "Hiệu lực đến", "In force until"),
    ("sharing.withdrawn_at", "Rút lại lúc", "Withdrawn"),
    ("sharing.answer_by", "Trả lời trước", "Answer by"),
    ("sharing.agree", "Đồng ý", "Agree"),
    ("sharing.decline", "Không đồng ý", "Decline"),
    ("sharing.withdraw", "Rút lại sự đồng ý", "Withdraw consent"),
    (
        "sharing.receipt",
        "Tải biên nhận có chữ ký",
        "Download the signed receipt",
    ),
    (
        "sharing.no_receipt",
        "Chỉ sự đồng ý đã được đưa ra mới có biên nhận.",
        "Only a consent you gave has a receipt.",
    ),
    (
        "sharing.status.pending",
        "Đang chờ bạn trả lời",
        "Awaiting your answer",
    ),
    ("sharing.status.active", "Đang có hiệu lực", "In force"),
    ("sharing.status.declined", "Bạn đã từ chối", "You declined"),
    ("sharing.status.withdrawn", "Đã rút lại", "Withdrawn"),
    ("sharing.status.expired", "Đã hết hạn", "Expired"),
    (
        "sharing.done.given",
        "Bạn đã đồng ý. Biên nhận có chữ ký đã sẵn sàng.",
        "You consented. Your signed receipt is ready.",
    ),
    ("sharing.done.declined", "Bạn đã từ chối.", "You declined."),
    (
        "sharing.done.withdrawn",
        "Đã rút lại. Cơ quan không còn đọc được dữ liệu này dựa trên sự đồng ý đó.",
        "Withdrawn. The agency can no longer read this data on that consent.",
    ),
    (
        "sharing.see_access",
        "Ai đã truy cập dữ liệu của tôi",
        "Who accessed my data",
    ),
    (
        "sharing.failed",
        "Không thể xử lý yêu cầu lúc này. Vui lòng thử lại.",
        "This could not be done right now. Please try again.",
    ),
];
