//! The applicant's moves on a filed application: withdraw it (after a confirmation page), and
//! hand in the supplement the agency asked for. Each names the version the applicant saw, so a
//! page that is out of date changes nothing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use dinhdanh_services::{Move, ServicesError, Step};
use maud::html;
use serde::Deserialize;

use super::applications::{Problem, Shown, path_of, refused_page, withdrawable};
use super::{Visitor, fill, frame, hidden_csrf, refusal, status_of};
use crate::AppState;
use crate::web::{Web, t};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/portal/applications/{id}/withdraw",
            get(withdraw_page).post(withdraw),
        )
        .route(
            "/portal/applications/{id}/supplement",
            axum::routing::post(supplement),
        )
}

/// A move the applicant makes on what they saw: the version, and an optional reason.
#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

impl MoveForm {
    fn step(&self, step: Move) -> Step {
        Step {
            step,
            // A version that does not parse is one the application never had: "it changed".
            version: self.version.trim().parse().unwrap_or(-1),
            reason: Some(self.reason.clone()).filter(|r| !r.trim().is_empty()),
            outcome: None,
            electronic: None,
        }
    }
}

async fn withdraw_page(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let app = match state.services.own(&citizen, &id).await {
        Ok(d) => d.application,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    frame(
        &web,
        &visitor,
        t(l, "portal.withdraw.title"),
        html! {
            @if withdrawable(&app) {
                p { (fill(t(l, "portal.withdraw.question"), &[("code", app.code.as_ref().map_or_else(String::new, |c| c.to_string()))])) }
                form #withdraw-form method="post" action={ (path_of(&app.id)) "/withdraw" } {
                    (hidden_csrf(&web))
                    input type="hidden" name="version" value=(app.version);
                    label for="withdraw-reason" { (t(l, "portal.withdraw.reason")) }
                    textarea #withdraw-reason name="reason" rows="3" maxlength="2000" {}
                    button.danger type="submit" { (t(l, "portal.withdraw.confirm")) }
                }
            } @else {
                p { (t(l, "portal.withdraw.not_now")) }
            }
            p { a href=(path_of(&app.id)) { (t(l, "portal.withdraw.keep")) } }
        },
    )
    .into_response()
}

/// The applicant's moves: withdraw, and hand in a supplement.
async fn applicant_move(
    state: &AppState,
    web: &Web,
    visitor: &Visitor,
    id: &str,
    form: &MoveForm,
    step: Move,
    done: &str,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match visitor.citizen(web, &path_of(id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state
        .services
        .applicant_moves(&citizen, id, &form.step(step))
        .await
    {
        Ok(_) => Redirect::to(&format!("{}?done={done}", path_of(id))).into_response(),
        Err(ServicesError::NotFound) => refusal(web, visitor, &ServicesError::NotFound, None),
        Err(e) => {
            let status = status_of(&e);
            let shown = Shown::refused(Problem::Error(&e));
            refused_page(state, web, visitor, &citizen, id, shown, status).await
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    applicant_move(
        &state,
        &web,
        &visitor,
        &id,
        &form,
        Move::Withdraw,
        "withdrawn",
    )
    .await
}

async fn supplement(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    applicant_move(
        &state,
        &web,
        &visitor,
        &id,
        &form,
        Move::Supplement,
        "supplemented",
    )
    .await
}
