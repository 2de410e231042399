//! The officers' pages: the queue (overdue first), one request with its history, take, close.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/officer/requests", get(queue))
        .route("/officer/requests/{id}", get(officer_request))
        .route("/officer/requests/{id}/take", post(take))
        .route("/officer/requests/{id}/close", post(close))
}

fn handler_text(lang: Lang, request: &Request, me: &Officer) -> String {
    match request.handler {
        None => t(lang, "rights.handler_none").to_owned(),
        Some(h) if h == me.account() => t(lang, "rights.handler_you").to_owned(),
        Some(h) => fill(
            t(lang, "rights.by_officer_account"),
            &[("account", h.to_string())],
        ),
    }
}

/// The take button, when this officer may take the request (or take it over).
fn take_button(web: &Web, request: &Request, me: &Officer) -> Markup {
    let l = web.lang;
    let can = !request.status.is_closed()
        && request.account != me.account()
        && request.handler != Some(me.account());
    html! {
        @if can {
            form.inline.take method="post" action={ "/officer/requests/" (request.id) "/take" } {
                (hidden_csrf(web))
                button type="submit" {
                    (t(l, if request.status == Status::InProgress { "rights.take_over" } else { "rights.take" }))
                }
            }
        }
    }
}

async fn queue(State(state): State<AppState>, web: Web, Query(flash): Query<Flash>) -> Response {
    let me = match officer(&web) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = web.lang;
    let view = Queue::parse(flash.view.as_deref().unwrap_or(""));
    let (requests, counts) =
        match tokio::try_join!(state.rights.queue(&me, view), state.rights.counts()) {
            Ok(found) => found,
            Err(e) => return refusal(&web, "rights.queue_title", &e),
        };
    let now = state.rights.now();
    page(
        &web,
        t(l, "rights.queue_title"),
        html! {
            (notice(done_text(l, flash.done.as_deref())))
            p #counts data-open=(counts.open) data-in-progress=(counts.in_progress) data-overdue=(counts.overdue) {
                (fill(t(l, "rights.counts"), &[
                    ("open", counts.open.to_string()),
                    ("in_progress", counts.in_progress.to_string()),
                    ("overdue", counts.overdue.to_string()),
                ]))
            }
            nav #views aria-label=(t(l, "rights.queue_title")) {
                @for v in [Queue::Waiting, Queue::Mine, Queue::Closed] {
                    @if v == view {
                        strong aria-current="page" { (t(l, &format!("rights.view.{}", v.as_str()))) }
                    } @else {
                        a href={ "/officer/requests?view=" (v.as_str()) } { (t(l, &format!("rights.view.{}", v.as_str()))) }
                    }
                    " "
                }
            }
            @if requests.is_empty() {
                p #queue-empty { (t(l, "rights.queue_empty")) }
            } @else {
                table #queue {
                    thead { tr {
                        th { (t(l, "rights.due_at")) } th { (t(l, "rights.person")) }
                        th { (t(l, "rights.kind")) } th { (t(l, "rights.about")) }
                        th { (t(l, "rights.status")) } th { (t(l, "rights.handler")) } th {}
                    } }
                    tbody {
                        @for r in &requests {
                            tr data-id=(r.id) data-status=(r.status.as_str()) data-due=(r.due_at) data-overdue=(r.is_overdue(now)) {
                                @if r.is_overdue(now) { td.alert { (deadline(l, r, now)) } }
                                @else { td { (deadline(l, r, now)) } }
                                td { (r.personal_id) }
                                td { (kind_text(l, r.kind)) }
                                td { a href={ "/officer/requests/" (r.id) } { (excerpt(&r.about, 80)) } }
                                td { (status_text(l, r.status)) }
                                td { (handler_text(l, r, &me)) }
                                td { (take_button(&web, r, &me)) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The officer's view of one request, with an optional refusal and the answer as typed.
async fn officer_page(
    state: &AppState,
    web: &Web,
    me: &Officer,
    id: &RequestId,
    done: Option<&str>,
    problem: Option<(String, &CloseForm)>,
) -> Response {
    let l = web.lang;
    let Detail { request, events } = match state.rights.request(me, id).await {
        Ok(d) => d,
        Err(e) => return refusal(web, "rights.queue_title", &e),
    };
    let now = state.rights.now();
    let mine = request.status == Status::InProgress && request.handler == Some(me.account());
    let (text, typed) = match &problem {
        Some((text, form)) => (Some(text.as_str()), Some(*form)),
        None => (None, None),
    };
    let outcome = typed.map_or("done", |f| f.outcome.as_str());
    page(
        web,
        t(l, "rights.request"),
        html! {
            (notice(done_text(l, done)))
            (alert(text))
            dl #filer {
                dt { (t(l, "rights.person")) } dd #request-person { (request.personal_id) }
                dt { (t(l, "rights.account_no")) } dd { (request.account) }
                dt { (t(l, "rights.handler")) } dd #request-handler { (handler_text(l, &request, me)) }
            }
            (request_facts(l, &request, now))
            @if request.account == me.account() && !request.status.is_closed() {
                p.help #own-request { (t(l, "rights.own")) }
            }
            (take_button(web, &request, me))
            @if mine {
                section {
                    h2 { (t(l, "rights.close")) }
                    form #close-request method="post" action={ "/officer/requests/" (request.id) "/close" } {
                        (hidden_csrf(web))
                        fieldset {
                            legend { (t(l, "rights.outcome")) }
                            @for o in ["done", "rejected"] {
                                label {
                                    input type="radio" name="outcome" value=(o) checked[o == outcome];
                                    " " (t(l, &format!("rights.outcome.{o}")))
                                }
                            }
                        }
                        label for="request-answer-text" { (t(l, "rights.answer")) }
                        textarea #request-answer-text name="answer" rows="6" maxlength=(MAX_ANSWER) required {
                            (typed.map_or("", |f| f.answer.as_str()))
                        }
                        p.help { (t(l, "rights.answer_help")) }
                        button type="submit" { (t(l, "rights.close")) }
                    }
                }
            }
            (history(l, &events, true))
            p { a href="/officer/requests" { (t(l, "rights.back_queue")) } }
        },
    )
    .into_response()
}

async fn officer_request(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let me = match officer(&web) {
        Ok(o) => o,
        Err(r) => return r,
    };
    match RequestId::parse(&id) {
        Ok(id) => officer_page(&state, &web, &me, &id, flash.done.as_deref(), None).await,
        Err(e) => refusal(&web, "rights.queue_title", &e),
    }
}

async fn take(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let me = match officer(&web) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let id = match RequestId::parse(&id) {
        Ok(id) => id,
        Err(e) => return refusal(&web, "rights.queue_title", &e),
    };
    match state.rights.take(&me, &id).await {
        Ok(_) => Redirect::to(&format!("/officer/requests/{id}?done=taken")).into_response(),
        Err(e) => refusal(&web, "rights.queue_title", &e),
    }
}

#[derive(Deserialize, Default)]
struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    answer: String,
}

async fn close(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CloseForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let me = match officer(&web) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let id = match RequestId::parse(&id) {
        Ok(id) => id,
        Err(e) => return refusal(&web, "rights.queue_title", &e),
    };
    let parsed = Outcome::parse(&form.outcome)
        .and_then(|outcome| Answer::parse(&form.answer).map(|answer| (outcome, answer)));
    let result = match parsed {
        Ok((outcome, answer)) => state.rights.close(&me, &id, outcome, &answer).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/officer/requests/{id}?done=closed")).into_response(),
        Err(RightsError::NotFound) => refusal(&web, "rights.queue_title", &RightsError::NotFound),
        Err(e) => {
            let status = status_of(&e);
            let mut response = officer_page(
                &state,
                &web,
                &me,
                &id,
                None,
                Some((error_text(web.lang, &e), &form)),
            )
            .await;
            if response.status().is_success() {
                *response.status_mut() = status;
            }
            response
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------------------------
