//! "My applications": the list, and one application from draft to result. A draft shows what
//! the registry gave (read-only), the applicant's own fields, the documents with their upload
//! forms, and what is still missing before filing; a filed application shows its code, status,
//! deadlines and history, and the moves the applicant can make (withdraw, hand in a supplement,
//! pay the fee), and, once its result was returned electronically, the link to the result's
//! public page. Every page and document is the signed-in citizen's own: anyone else's is "not
//! found", like an application that does not exist. Uploads are in `documents`, the applicant's
//! moves in `moves`; both answer a refusal with the page built here.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use dinhdanh_services::{Application, Citizen, Move, ServicesError, Status};
use maud::html;
use serde::Deserialize;

use super::view;
use super::{
    Visitor, error_text, fee_text, fill, frame, hidden_csrf, next_text, refusal, status_of,
    status_text,
};
use crate::AppState;
use crate::web::CsrfForm;
use crate::web::account::time;
use crate::web::layout::{alert, notice};
use crate::web::{Lang, Web, t};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal/applications", get(list))
        .route("/portal/applications/{id}", get(detail))
        .route("/portal/applications/{id}/answers", post(answers))
        .route("/portal/applications/{id}/file", post(file))
}

pub(super) fn path_of(id: &str) -> String {
    format!("/portal/applications/{id}")
}

/// Starts a draft of `code` for the signed-in citizen, or resumes the draft they already have
/// for it (no second read of their registry data), and sends them to it.
pub(super) async fn start_or_resume(
    state: &AppState,
    web: &Web,
    visitor: &Visitor,
    code: &str,
) -> Response {
    let citizen = match visitor.citizen(web, &format!("/portal/procedures/{code}")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.services.mine(&citizen).await {
        Ok(mine) => {
            if let Some(draft) = mine
                .iter()
                .find(|a| a.status.is_none() && a.procedure == code)
            {
                return Redirect::to(&path_of(&draft.id)).into_response();
            }
        }
        Err(e) => return refusal(web, visitor, &e, None),
    }
    match state.services.start(&citizen, code).await {
        Ok(draft) => Redirect::to(&format!("{}?done=started", path_of(&draft.id))).into_response(),
        Err(e) => refusal(web, visitor, &e, None),
    }
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/// The deadline that applies to an application now: reception's while it is new, else the
/// processing deadline in force.
fn deadline(application: &Application) -> Option<i64> {
    match application.status {
        None => None,
        Some(Status::New) => application.accept_due_at,
        Some(_) => application.due_at,
    }
}

async fn list(State(state): State<AppState>, web: Web, visitor: Visitor) -> Response {
    let citizen = match visitor.citizen(&web, "/portal/applications") {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let english = l == Lang::En;
    let (mine, procedures) =
        match tokio::try_join!(state.services.mine(&citizen), state.services.procedures()) {
            Ok(found) => found,
            Err(e) => return refusal(&web, &visitor, &e, None),
        };
    let names: BTreeMap<&str, &str> = procedures
        .iter()
        .map(|p| (p.code.as_str(), p.name.pick(english)))
        .collect();
    let now = state.services.now();
    frame(
        &web,
        &visitor,
        t(l, "portal.mine.title"),
        html! {
            @if mine.is_empty() {
                p #applications-empty { (t(l, "portal.mine.none")) " " a href="/portal" { (t(l, "portal.nav.catalogue")) } }
            } @else {
                table #applications {
                    thead { tr {
                        th { (t(l, "portal.application.code")) } th { (t(l, "portal.application.procedure")) }
                        th { (t(l, "portal.application.status")) } th { (t(l, "portal.application.deadline")) }
                        th { (t(l, "portal.application.next")) }
                    } }
                    tbody {
                        @for a in &mine {
                            tr data-id=(a.id) data-status=(a.status.map_or("draft", |s| s.as_str())) {
                                td.code { @if let Some(code) = &a.code { (code.as_str()) } @else { "—" } }
                                td { a href=(path_of(&a.id)) { (names.get(a.procedure.as_str()).copied().unwrap_or(a.procedure.as_str())) } }
                                td.status { (status_text(l, a.status)) }
                                td.deadline {
                                    @if let Some(due) = deadline(a) {
                                        (time(l, due))
                                        @if a.overdue(now) { " " strong.overdue { (t(l, "portal.application.overdue")) } }
                                    } @else { "—" }
                                }
                                td.next { (next_text(l, a.status)) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// One application
// ---------------------------------------------------------------------------------------------

/// A refusal the page shows above the application.
pub(super) enum Problem<'a> {
    None,
    Error(&'a ServicesError),
    Text(String),
}

/// What a page shows beyond the application: a flash after a redirect, a refusal, and the form
/// as typed when it was refused.
pub(super) struct Shown<'a> {
    done: Option<&'a str>,
    problem: Problem<'a>,
    typed: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Shown<'a> {
    pub(super) fn refused(problem: Problem<'a>) -> Shown<'a> {
        Shown {
            done: None,
            problem,
            typed: None,
        }
    }
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
}

fn done_text(lang: Lang, done: Option<&str>) -> Option<&'static str> {
    match done? {
        key @ ("started" | "saved" | "uploaded" | "filed" | "withdrawn" | "supplemented") => {
            Some(t(lang, &format!("portal.done.{key}")))
        }
        _ => None,
    }
}

/// Whether the applicant may still withdraw the application.
pub(super) fn withdrawable(application: &Application) -> bool {
    application.status.is_some_and(|s| {
        dinhdanh_services::status::next(s, Move::Withdraw, dinhdanh_services::Role::Applicant)
            .is_ok()
    })
}

/// The application page, with a flash or a refusal (its status is the caller's to set).
async fn application_page(
    state: &AppState,
    web: &Web,
    visitor: &Visitor,
    citizen: &Citizen,
    id: &str,
    shown: Shown<'_>,
) -> Response {
    let Shown {
        done,
        problem,
        typed,
    } = shown;
    let l = web.lang;
    let english = l == Lang::En;
    let detail = match state.services.own(citizen, id).await {
        Ok(d) => d,
        Err(e) => return refusal(web, visitor, &e, None),
    };
    let app = &detail.application;
    let procedure = match state.services.procedure(&app.procedure).await {
        Ok(p) => p,
        Err(e) => return refusal(web, visitor, &e, None),
    };
    let service = match &procedure.prefill {
        Some(prefill) => state.exchange.service(&prefill.service).await.ok(),
        None => None,
    };
    let problem = match problem {
        Problem::None => None,
        Problem::Error(e) => Some(error_text(l, e, Some(&procedure))),
        Problem::Text(text) => Some(text),
    };
    let editable = matches!(app.status, None | Some(Status::SupplementRequested));
    let missing = view::missing(l, &procedure, app, &detail.uploads);
    let payment = super::fees::payment_section(state, web, app).await;
    // The signed result, once it was returned electronically: its public page checks it.
    let result = match app.result_electronic {
        Some(true) => match state.services.result_of(citizen, &app.id).await {
            Ok(issued) => Some(issued.id),
            Err(e) => {
                tracing::error!(error = %e, application = %app.id, "a returned result cannot be read");
                None
            }
        },
        _ => None,
    };
    let asked = detail
        .events
        .iter()
        .rev()
        .find(|e| e.step == Move::RequestSupplement.as_str())
        .and_then(|e| e.reason.clone());
    frame(
        web,
        visitor,
        procedure.name.pick(english),
        html! {
            (notice(done_text(l, done)))
            (alert(problem.as_deref()))
            dl #application data-id=(app.id) data-status=(app.status.map_or("draft", |s| s.as_str()))
                data-version=(app.version) {
                @if let Some(code) = &app.code {
                    dt { (t(l, "portal.application.code")) } dd #application-code { (code.as_str()) }
                }
                dt { (t(l, "portal.application.status")) }
                dd #application-status {
                    (status_text(l, app.status))
                    @if let Some(s) = app.status { " (" (s.code()) ")" }
                }
                dt { (t(l, "portal.application.procedure")) } dd { (procedure.code) " — " (procedure.name.pick(english)) }
                dt { (t(l, "portal.procedure.agency")) } dd { (procedure.agency.name.pick(english)) }
                @if let Some(filed) = app.filed_at {
                    dt { (t(l, "portal.application.filed")) } dd { (time(l, filed)) }
                }
                @if let Some(due) = app.accept_due_at {
                    dt { (t(l, "portal.application.reception_due")) } dd #reception-due { (time(l, due)) }
                }
                @if let Some(due) = app.due_at {
                    dt { (t(l, "portal.application.processing_due")) }
                    dd #processing-due {
                        (time(l, due))
                        @if let Some(first) = app.first_due_at.filter(|f| *f != due) {
                            " " (fill(t(l, "portal.application.first_due"), &[("at", time(l, first))]))
                        }
                    }
                }
                dt { (t(l, "portal.procedure.fee")) } dd { (fee_text(l, app.fee_vnd)) }
                @if let Some(outcome) = app.outcome {
                    dt { (t(l, "portal.application.outcome")) } dd #application-outcome { (t(l, &format!("portal.outcome.{}", outcome.as_str()))) }
                }
                @if let Some(result) = &result {
                    dt { (t(l, "portal.application.result")) }
                    dd { a #result-link href={ "/services/results/" (result) } { (t(l, "portal.application.result_link")) } }
                }
                dt { (t(l, "portal.application.next")) } dd #next-action { (next_text(l, app.status)) }
            }
            @if app.status == Some(Status::SupplementRequested) {
                section #supplement-request {
                    h2 { (t(l, "portal.supplement.title")) }
                    p { (asked.as_deref().unwrap_or("—")) }
                }
            }
            (payment)
            (view::prefilled(l, app, service.as_ref()))
            (view::own_fields(web, &procedure, app, typed, editable))
            (view::documents(web, &procedure, app, &detail.uploads, editable))
            @if editable {
                section #file-section {
                    h2 { @if app.status.is_none() { (t(l, "portal.file.title")) } @else { (t(l, "portal.supplement.hand_in")) } }
                    @if missing.is_empty() {
                        p { (t(l, "portal.file.complete")) }
                    } @else {
                        p { (t(l, "portal.file.missing")) }
                        ul #missing { @for m in &missing { li { (m) } } }
                    }
                    @if app.status.is_none() {
                        form #file-form method="post" action={ (path_of(&app.id)) "/file" } {
                            (hidden_csrf(web))
                            button type="submit" { (t(l, "portal.file.submit")) }
                        }
                    } @else {
                        form #supplement-form method="post" action={ (path_of(&app.id)) "/supplement" } {
                            (hidden_csrf(web))
                            input type="hidden" name="version" value=(app.version);
                            button type="submit" { (t(l, "portal.supplement.hand_in")) }
                        }
                    }
                }
            }
            @if app.status.is_some() { (view::history(l, &detail.events)) }
            @if withdrawable(app) {
                p { a #withdraw-link href={ (path_of(&app.id)) "/withdraw" } { (t(l, "portal.withdraw.title")) } }
            }
            p { a href="/portal/applications" { (t(l, "portal.mine.back")) } }
        },
    )
    .into_response()
}

/// The application page with a refusal, answered with `status` (unless the page itself could
/// not be shown).
pub(super) async fn refused_page(
    state: &AppState,
    web: &Web,
    visitor: &Visitor,
    citizen: &Citizen,
    id: &str,
    shown: Shown<'_>,
    status: StatusCode,
) -> Response {
    let mut response = application_page(state, web, visitor, citizen, id, shown).await;
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

async fn detail(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let shown = Shown {
        done: flash.done.as_deref(),
        ..Shown::refused(Problem::None)
    };
    // The page's fee form leads to the payment gateway.
    let gateway = dinhdanh_oidc::authorize::origin_of(state.payments.terminal().pay_page.as_str())
        .filter(|o| {
            dinhdanh_oidc::authorize::origin_of(&state.web.public_origin).as_ref() != Some(o)
        });
    crate::web::allow_form_target(
        application_page(&state, &web, &visitor, &citizen, &id, shown).await,
        gateway.as_deref(),
    )
}

/// Reads a form body: the CSRF token, and the first value of every other field.
fn answers_of(body: &[u8]) -> (String, BTreeMap<String, String>) {
    let mut csrf = String::new();
    let mut answers = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if key == "csrf" {
            if csrf.is_empty() {
                csrf = value.into_owned();
            }
        } else {
            answers
                .entry(key.into_owned())
                .or_insert_with(|| value.into_owned());
        }
    }
    (csrf, answers)
}

async fn answers(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (csrf, typed) = answers_of(&body);
    if let Err(r) = web.check_csrf(&csrf) {
        return r;
    }
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.services.answer(&citizen, &id, &typed).await {
        Ok(_) => Redirect::to(&format!("{}?done=saved", path_of(&id))).into_response(),
        Err(e) => {
            let status = status_of(&e);
            let problem = Problem::Error(&e);
            let shown = Shown {
                typed: Some(&typed),
                ..Shown::refused(problem)
            };
            refused_page(&state, &web, &visitor, &citizen, &id, shown, status).await
        }
    }
}

async fn file(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.services.file(&citizen, &id).await {
        Ok(_) => Redirect::to(&format!("{}?done=filed", path_of(&id))).into_response(),
        Err(e) => {
            let status = status_of(&e);
            let shown = Shown::refused(Problem::Error(&e));
            refused_page(&state, &web, &visitor, &citizen, &id, shown, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_form_keeps_the_token_apart_and_the_first_of_each_field() {
        let (csrf, answers) =
            answers_of(b"csrf=abc&new_address=12+H%C3%A0ng+B%E1%BA%A1c&csrf=x&new_address=y");
        assert_eq!(csrf, "abc");
        assert_eq!(answers.len(), 1);
        assert_eq!(answers["new_address"], "12 Hàng Bạc");
    }
}
