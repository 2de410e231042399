//! Paying an application's fee online: when the agency asks for it (status 6) the applicant
//! starts a payment and is sent to the gateway's pay page; coming back, the portal shows what
//! the gateway's signed answer says, checked against what the gateway's notification recorded:
//! paid (with the receipt), being confirmed, or not paid. The return never settles anything:
//! only the gateway's notification (IPN) does.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use dinhdanh_payment::{AttemptState, AttemptStatus, PaymentError, ReturnView};
use dinhdanh_services::{Application, ServicesError, Status};
use maud::{Markup, html};

use super::{Visitor, fee_text, fill, frame, hidden_csrf, message, refusal};
use crate::AppState;
use crate::web::CsrfForm;
use crate::web::account::time;
use crate::web::{Lang, Web, t};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal/applications/{id}/pay", post(pay))
        .route("/portal/payments/return", get(payment_return))
        .route("/portal/payments/{order_ref}/receipt", get(receipt))
}

fn state_text(lang: Lang, state: AttemptState) -> &'static str {
    t(lang, &format!("portal.attempt.{}", state.as_str()))
}

/// The fee part of an application page: the button while the fee is asked for and not paid,
/// and every attempt with its receipt once paid.
pub(super) async fn payment_section(state: &AppState, web: &Web, app: &Application) -> Markup {
    let l = web.lang;
    let asked = app.status == Some(Status::PaymentRequested);
    if app.status.is_none() || (app.fee_vnd == 0 && !asked) {
        return html! {};
    }
    let attempts = match state.payments.attempts_of(&app.id).await {
        Ok(attempts) => attempts,
        Err(e) => {
            tracing::error!(error = %e, "payment attempts cannot be read");
            Vec::new()
        }
    };
    if attempts.is_empty() && !asked {
        return html! {};
    }
    let now = state.payments.now();
    let paid = attempts.iter().any(|a| a.status == AttemptStatus::Paid);
    let open = attempts
        .iter()
        .find(|a| a.state_at(now) == AttemptState::Open);
    html! {
        section #payment {
            h2 { (t(l, "portal.payment.title")) }
            @if asked && !paid {
                p { (fill(t(l, "portal.payment.asked"), &[("amount", fee_text(l, app.fee_vnd))])) }
                @if let Some(open) = open {
                    p.help { (fill(t(l, "portal.payment.open_attempt"), &[("at", time(l, open.created_at))])) }
                }
                form #pay-form method="post" action={ "/portal/applications/" (app.id) "/pay" } {
                    (hidden_csrf(web))
                    button type="submit" { (t(l, "portal.payment.pay")) }
                }
            }
            @if !attempts.is_empty() {
                table #payments {
                    thead { tr {
                        th { (t(l, "portal.payment.started")) } th { (t(l, "portal.payment.amount")) }
                        th { (t(l, "portal.payment.state")) } th { (t(l, "portal.payment.receipt")) }
                    } }
                    tbody {
                        @for a in &attempts {
                            tr data-order=(a.order_ref.as_str()) data-state=(a.state_at(now).as_str()) {
                                td { (time(l, a.created_at)) }
                                td { (fee_text(l, a.amount_vnd)) }
                                td { (state_text(l, a.state_at(now))) }
                                td {
                                    @if a.status == AttemptStatus::Paid {
                                        a href={ "/portal/payments/" (a.order_ref.as_str()) "/receipt" } {
                                            (a.receipt_number.as_deref().unwrap_or("—"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// "Pay the fee": a new payment attempt, and the citizen sent to the gateway with it.
async fn pay(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let l = web.lang;
    let citizen = match visitor.citizen(&web, &format!("/portal/applications/{id}")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let app = match state.services.own(&citizen, &id).await {
        Ok(d) => d.application,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    let title = t(l, "portal.payment.title");
    if app.status != Some(Status::PaymentRequested) {
        let text = t(l, "portal.payment.not_asked");
        return message(&web, &visitor, StatusCode::CONFLICT, title, text);
    }
    let procedure = match state.services.procedure(&app.procedure).await {
        Ok(p) => p,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    // The receipt is Vietnamese, whatever language the page is in.
    let code = app
        .code
        .as_ref()
        .map_or_else(String::new, |c| c.to_string());
    let description: String = format!("Phí, lệ phí hồ sơ {code}: {}", procedure.name.vi)
        .chars()
        .take(dinhdanh_payment::order::MAX_DESCRIPTION)
        .collect();
    let back = format!(
        "{}/portal/payments/return",
        state.web.public_origin.trim_end_matches('/')
    );
    let started = state
        .payments
        .start(
            &app.id,
            app.fee_vnd,
            &description,
            &back,
            &web.client.address,
        )
        .await;
    match started {
        Ok(started) => Redirect::to(started.pay_url.as_str()).into_response(),
        Err(PaymentError::AlreadyPaid { receipt_number, .. }) => {
            let text = fill(
                t(l, "portal.payment.already_paid"),
                &[("receipt", receipt_number)],
            );
            message(&web, &visitor, StatusCode::CONFLICT, title, &text)
        }
        Err(e) => {
            tracing::error!(error = %e, application = %app.id, "a payment could not be started");
            let text = t(l, "portal.payment.unavailable");
            message(&web, &visitor, StatusCode::SERVICE_UNAVAILABLE, title, text)
        }
    }
}

/// Where the gateway sends the citizen back: the signed answer, read but never acted on.
async fn payment_return(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let here = format!("/portal/payments/return?{query}");
    let citizen = match visitor.citizen(&web, &here) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let title = t(l, "portal.payment.title");
    let view = match state.payments.handle_return(&query).await {
        Ok(view) => view,
        Err(e) => {
            tracing::info!(error = %e, "a payment return that does not verify");
            let text = t(l, "portal.payment.return_invalid");
            return message(&web, &visitor, StatusCode::BAD_REQUEST, title, text);
        }
    };
    let attempt = match &view {
        ReturnView::Paid { attempt, .. }
        | ReturnView::Confirming { attempt }
        | ReturnView::NotPaid { attempt, .. } => attempt,
    };
    let application = attempt.reference.as_str().to_owned();
    if let Err(e) = state.services.own(&citizen, &application).await {
        return refusal(&web, &visitor, &e, None);
    }
    let back = format!("/portal/applications/{application}");
    frame(
        &web,
        &visitor,
        title,
        html! {
            @match &view {
                ReturnView::Paid { receipt, .. } => {
                    p #payment-result data-result="paid" { (t(l, "portal.payment.paid")) }
                    p { a href={ "/portal/payments/" (receipt.order_ref.as_str()) "/receipt" } { (t(l, "portal.payment.see_receipt")) " " (receipt.number) } }
                }
                ReturnView::Confirming { .. } => {
                    p #payment-result data-result="confirming" { (t(l, "portal.payment.confirming")) }
                    p { a href=(here) { (t(l, "portal.payment.reload")) } }
                }
                ReturnView::NotPaid { code, .. } => {
                    @let (vi, en) = code.texts();
                    p #payment-result data-result="not_paid" data-code=(code.as_str()) {
                        (t(l, "portal.payment.not_paid")) " " (if l == Lang::En { en } else { vi })
                    }
                }
            }
            p { a href=(back) { (t(l, "portal.payment.back")) } }
        },
    )
    .into_response()
}

/// The receipt (biên lai) of a paid attempt of one of the citizen's applications.
async fn receipt(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(order_ref): Path<String>,
) -> Response {
    let l = web.lang;
    let here: String = format!(
        "/portal/payments/{}/receipt",
        order_ref
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    let citizen = match visitor.citizen(&web, &here) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let not_found = || refusal(&web, &visitor, &ServicesError::NotFound, None);
    let Ok(attempt) = state.payments.attempt(&order_ref).await else {
        return not_found();
    };
    let Ok(detail) = state
        .services
        .own(&citizen, attempt.reference.as_str())
        .await
    else {
        return not_found();
    };
    let receipt = match state.payments.receipt(&order_ref).await {
        Ok(r) => r,
        Err(PaymentError::NotPaid { .. }) => {
            let text = t(l, "portal.receipt.not_paid");
            return message(
                &web,
                &visitor,
                StatusCode::NOT_FOUND,
                t(l, "portal.receipt.title"),
                text,
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "a receipt cannot be read");
            return super::unavailable(&web);
        }
    };
    let app = &detail.application;
    frame(
        &web,
        &visitor,
        t(l, "portal.receipt.title"),
        html! {
            dl #receipt data-number=(receipt.number) {
                dt { (t(l, "portal.receipt.number")) } dd #receipt-number { (receipt.number) }
                @if let Some(code) = &app.code {
                    dt { (t(l, "portal.application.code")) } dd { (code.as_str()) }
                }
                dt { (t(l, "portal.payment.amount")) } dd #receipt-amount { (fee_text(l, receipt.amount_vnd)) }
                dt { (t(l, "portal.receipt.for")) } dd { (receipt.description) }
                dt { (t(l, "portal.receipt.paid_at")) } dd { (time(l, receipt.paid_at)) }
                dt { (t(l, "portal.receipt.transaction")) } dd { (receipt.transaction_no) }
                @if let Some(bank) = &receipt.bank_code {
                    dt { (t(l, "portal.receipt.bank")) } dd { (bank) }
                }
            }
            @if !receipt.flags.is_empty() {
                p.notice { (t(l, "portal.receipt.flagged")) }
            }
            p { a href={ "/portal/applications/" (app.id) } { (t(l, "portal.payment.back")) } }
        },
    )
    .into_response()
}
