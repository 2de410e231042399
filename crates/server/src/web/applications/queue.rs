//! The officer's queue: the applications of their units, overdue first, then by the deadline
//! that runs now, filtered by status.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/officer/applications", get(queue))
}

/// The statuses of the default view: every application that still waits for someone.
const OPEN: [Status; 6] = [
    Status::New,
    Status::Accepted,
    Status::Processing,
    Status::SupplementRequested,
    Status::PaymentRequested,
    Status::Processed,
];

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    status: Option<String>,
}

async fn queue(State(state): State<AppState>, web: Web, Query(filter): Query<Filter>) -> Response {
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = web.lang;
    let chosen = match filter.status.as_deref().unwrap_or("open") {
        "" | "open" => None,
        name => match Status::ALL.into_iter().find(|s| s.as_str() == name) {
            Some(status) => Some(status),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    message_page(
                        &web,
                        t(l, "applications.queue_title"),
                        &fill(
                            t(l, "applications.error.unknown_status"),
                            &[("value", name.chars().take(40).collect())],
                        ),
                    ),
                )
                    .into_response();
            }
        },
    };
    let statuses = chosen.map_or_else(|| OPEN.to_vec(), |s| vec![s]);
    let (mut found, procedures) = match tokio::try_join!(
        state.services.queue(&me, &statuses),
        state.services.procedures()
    ) {
        Ok(both) => both,
        Err(e) => return refusal(&web, &e, &Doing::Viewing),
    };
    let names: HashMap<&str, &Procedure> =
        procedures.iter().map(|p| (p.code.as_str(), p)).collect();
    let now = state.services.now();
    found.sort_by_key(|a| {
        (
            !a.overdue(now),
            deadline_of(a).unwrap_or(i64::MAX),
            a.filed_at,
        )
    });
    let overdue = found.iter().filter(|a| a.overdue(now)).count();
    let units: Vec<&str> = me.units().iter().map(|u| u.as_str()).collect();
    page(
        &web,
        t(l, "applications.queue_title"),
        html! {
            p #units { (t(l, "applications.your_units")) " " (units.join(", ")) }
            p #counts data-count=(found.len()) data-overdue=(overdue) {
                (fill(t(l, "applications.counts"), &[
                    ("count", found.len().to_string()),
                    ("overdue", overdue.to_string()),
                ]))
            }
            ul.actions {
                li { a.button href="/officer/applications/counter" { (t(l, "applications.counter_title")) } }
                li { a href="/services/statistics" { (t(l, "applications.statistics_title")) } }
            }
            nav #filter aria-label=(t(l, "applications.filter")) {
                @if chosen.is_none() {
                    strong aria-current="page" { (t(l, "applications.filter_open")) }
                } @else {
                    a href="/officer/applications" { (t(l, "applications.filter_open")) }
                }
                @for s in Status::ALL {
                    " "
                    @if chosen == Some(s) {
                        strong aria-current="page" { (status_text(l, s)) }
                    } @else {
                        a href={ "/officer/applications?status=" (s.as_str()) } { (status_text(l, s)) }
                    }
                }
            }
            @if found.is_empty() {
                p #queue-empty { (t(l, "applications.queue_empty")) }
            } @else {
                table #queue {
                    thead { tr {
                        th { (t(l, "applications.code")) }
                        th { (t(l, "applications.procedure")) }
                        th { (t(l, "applications.applicant")) }
                        th { (t(l, "applications.filing")) }
                        th { (t(l, "applications.status")) }
                        th { (t(l, "applications.deadline")) }
                    } }
                    tbody {
                        @for a in &found {
                            @let code = a.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
                            tr data-id=(a.id) data-code=(code) data-status=(a.status.map_or("", Status::as_str))
                                data-overdue=(a.overdue(now)) {
                                td { a href={ "/officer/applications/" (a.id) } { (code) } }
                                td {
                                    (a.procedure)
                                    @if let Some(p) = names.get(a.procedure.as_str()) {
                                        br; span.help { (p.name.pick(l == Lang::En)) }
                                    }
                                }
                                td { (applicant_name(a).map_or_else(|| a.personal_id.to_string(), str::to_owned)) }
                                td { (t(l, &format!("applications.filing.{}", a.filing.as_str()))) }
                                td { (a.status.map_or("", |s| status_text(l, s))) }
                                @if a.overdue(now) { td.alert { (deadline(l, a, now)) } }
                                @else { td { (deadline(l, a, now)) } }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
