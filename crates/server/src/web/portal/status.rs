//! The public status check: anyone holding an application's code and the applicant's personal
//! ID sees its status and deadline, nothing else. Checks are counted per address in the
//! database (as `Services::check_status` does), and a wrong pair reads exactly like a code that
//! does not exist, so the page tells nobody whose application a code is.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use dinhdanh_services::{PublicStatus, ServicesError};
use maud::html;
use serde::Deserialize;

use super::{Visitor, error_text, frame, hidden_csrf, status_of, status_text};
use crate::AppState;
use crate::web::account::time;
use crate::web::layout::alert;
use crate::web::{Lang, Web, t};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/portal/status", get(form_page).post(check))
}

#[derive(Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    personal_id: String,
}

/// The form, with the answer to the last check or the reason there is none.
async fn page(
    state: &AppState,
    web: &Web,
    visitor: &Visitor,
    form: &CheckForm,
    answer: Option<Result<PublicStatus, ServicesError>>,
) -> Response {
    let l = web.lang;
    let english = l == Lang::En;
    let status = match &answer {
        Some(Err(e)) => status_of(e),
        _ => axum::http::StatusCode::OK,
    };
    let procedure = match &answer {
        Some(Ok(found)) => state.services.procedure(&found.procedure).await.ok(),
        _ => None,
    };
    let problem = match &answer {
        Some(Err(ServicesError::NotFound)) => Some(t(l, "portal.check.not_found").to_owned()),
        Some(Err(e)) => Some(error_text(l, e, None)),
        _ => None,
    };
    let body = html! {
        p { (t(l, "portal.check.intro")) }
        (alert(problem.as_deref()))
        @if let Some(Ok(found)) = &answer {
            dl #check-result data-status=(found.status.as_str()) {
                dt { (t(l, "portal.application.code")) } dd { (found.code) }
                dt { (t(l, "portal.application.procedure")) }
                dd { (found.procedure) @if let Some(p) = &procedure { " — " (p.name.pick(english)) } }
                dt { (t(l, "portal.application.status")) }
                dd #check-status { (status_text(l, Some(found.status))) " (" (found.status.code()) ")" }
                dt { (t(l, "portal.application.filed")) } dd { (time(l, found.filed_at)) }
                @if let Some(due) = found.due_at {
                    dt { (t(l, "portal.application.deadline")) } dd { (time(l, due)) }
                }
            }
        }
        form #status-check method="post" action="/portal/status" {
            (hidden_csrf(web))
            label for="check-code" { (t(l, "portal.application.code")) }
            input #check-code name="code" value=(form.code) maxlength="40" autocomplete="off"
                placeholder="000.00.12.H29-260105-0001";
            label for="check-personal-id" { (t(l, "portal.check.personal_id")) }
            input #check-personal-id name="personal_id" inputmode="numeric" maxlength="12"
                autocomplete="off";
            button type="submit" { (t(l, "portal.check.submit")) }
        }
    };
    let mut response = frame(web, visitor, t(l, "portal.check.title"), body).into_response();
    *response.status_mut() = status;
    response
}

async fn form_page(State(state): State<AppState>, web: Web, visitor: Visitor) -> Response {
    page(&state, &web, &visitor, &CheckForm::default(), None).await
}

async fn check(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Form(form): Form<CheckForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let answer = state
        .services
        .check_status(&form.code, &form.personal_id, &web.client.address)
        .await;
    page(&state, &web, &visitor, &form, Some(answer)).await
}
