//! Data-subject requests on the web (Decree 13/2023/ND-CP Art. 9): the citizen files a request to
//! correct their data, restrict its processing or object to it, follows it against its 72-hour
//! deadline, reads the answer, and may withdraw it while nobody has taken it
//! (`/account/requests`); officers list the requests overdue first, take one, and close it with
//! an answer (`/officer/requests`).
//!
//! The rules are in `dinhdanh_rights`; this module only turns the signed-in account into a
//! [`Citizen`] or an [`Officer`], forms into parsed values, and refusals into pages that say
//! what is wrong in the visitor's language. Every POST carries the CSRF token.

use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, FixedOffset, SecondsFormat};
use dinhdanh_accounts::AccountStatus;
use dinhdanh_rights::{
    Actor, Answer, Citizen, Detail, Event, Field, Filing, Kind, MAX_ABOUT, MAX_ANSWER, Officer,
    Outcome, Queue, Request, RequestId, RightsError, Status,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::account::time;
use super::layout::{alert, message_page, notice, page};
use super::{Lang, Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/requests", get(my_requests).post(file))
        .route("/account/requests/{id}", get(my_request))
        .route("/account/requests/{id}/withdraw", post(withdraw))
        .route("/officer/requests", get(queue))
        .route("/officer/requests/{id}", get(officer_request))
        .route("/officer/requests/{id}/take", post(take))
        .route("/officer/requests/{id}/close", post(close))
}

// ---------------------------------------------------------------------------------------------
// Who is asking
// ---------------------------------------------------------------------------------------------

/// The signed-in citizen, or the response that explains why there is none.
fn citizen(web: &Web) -> Result<Citizen, Response> {
    let user = web.user()?;
    if user.account.status == AccountStatus::Pending {
        return Err(Redirect::to("/account/setup").into_response());
    }
    Citizen::of(&user.account).map_err(|e| refusal(web, "rights.title", &e))
}

/// The signed-in officer (a role and a strong sign-in), or the page saying what is missing.
fn officer(web: &Web) -> Result<Officer, Response> {
    let user = web.user()?;
    match Officer::of(&user.account, &user.session) {
        Ok(officer) => Ok(officer),
        Err(RightsError::StepUpRequired) => Err(page(
            web,
            t(web.lang, "rights.queue_title"),
            html! {
                (alert(Some(t(web.lang, "rights.step_up"))))
                p { a.button href="/login/second" { (t(web.lang, "rights.step_up_link")) } }
            },
        )
        .into_response()),
        Err(e) => Err(refusal(web, "rights.queue_title", &e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors in words
// ---------------------------------------------------------------------------------------------

/// The HTTP status a refusal is answered with.
fn status_of(error: &RightsError) -> StatusCode {
    match error {
        e if e.is_input() => StatusCode::BAD_REQUEST,
        RightsError::NotFound => StatusCode::NOT_FOUND,
        RightsError::NotAPerson
        | RightsError::NotAnOfficer
        | RightsError::StepUpRequired
        | RightsError::OwnRequest
        | RightsError::Account(_) => StatusCode::FORBIDDEN,
        RightsError::Closed(_)
        | RightsError::NotOpen
        | RightsError::NotTaken
        | RightsError::HandledByAnother(_)
        | RightsError::TooManyOpen { .. }
        | RightsError::Conflict => StatusCode::CONFLICT,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// A refusal in `lang`, from the catalogue below.
fn error_text(lang: Lang, error: &RightsError) -> String {
    let key = |code: &str| format!("rights.error.{}", code.trim_start_matches("rights."));
    match error {
        RightsError::Account(e) => super::i18n::error_text(lang, e),
        RightsError::Database(_) | RightsError::Corrupt { .. } => {
            tracing::error!(error = %error, "a data-subject request could not be handled");
            t(lang, "rights.error.unavailable").to_owned()
        }
        RightsError::UnknownKind { value }
        | RightsError::UnknownField { value }
        | RightsError::UnknownOutcome { value } => fill(
            t(lang, &key(error.code())),
            &[("value", value.chars().take(40).collect())],
        ),
        RightsError::TooLong { chars, max } => fill(
            t(lang, &key(error.code())),
            &[("chars", chars.to_string()), ("max", max.to_string())],
        ),
        RightsError::Closed(status) => fill(
            t(lang, &key(error.code())),
            &[("status", status_text(lang, *status).to_owned())],
        ),
        RightsError::HandledByAnother(officer) => fill(
            t(lang, &key(error.code())),
            &[("officer", officer.to_string())],
        ),
        RightsError::TooManyOpen { max } => {
            fill(t(lang, &key(error.code())), &[("max", max.to_string())])
        }
        other => t(lang, &key(other.code())).to_owned(),
    }
}

/// A page with the refusal, answered with its status.
fn refusal(web: &Web, title: &str, error: &RightsError) -> Response {
    (
        status_of(error),
        message_page(web, t(web.lang, title), &error_text(web.lang, error)),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

fn status_text(lang: Lang, status: Status) -> &'static str {
    t(lang, &format!("rights.status.{}", status.as_str()))
}

fn kind_text(lang: Lang, kind: Kind) -> &'static str {
    t(lang, &format!("rights.kind.{}", kind.as_str()))
}

fn field_text(lang: Lang, field: Field) -> &'static str {
    t(lang, &format!("rights.field.{}", field.as_str()))
}

fn fields_text(lang: Lang, fields: &[Field]) -> String {
    if fields.is_empty() {
        return t(lang, "rights.no_fields").to_owned();
    }
    fields
        .iter()
        .map(|f| field_text(lang, *f))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Free text with its line breaks kept.
fn lines(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// The first `n` characters of a text, on one line.
fn excerpt(text: &str, n: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}

/// An instant as RFC 3339 in Vietnam time, for `<time datetime>`.
fn iso(ms: i64) -> String {
    let vietnam = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    DateTime::from_timestamp_millis(ms)
        .map(|at| {
            at.with_timezone(&vietnam)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
}

/// Whole hours, rounded up, between two instants.
fn hours(ms: i64) -> i64 {
    (ms.max(0) + 3_599_999) / 3_600_000
}

/// The deadline with how long is left, how late it is, or whether it was answered late.
fn deadline(lang: Lang, request: &Request, now: i64) -> Markup {
    let overdue = request.is_overdue(now);
    html! {
        time datetime=(iso(request.due_at)) { (time(lang, request.due_at)) }
        @if overdue {
            " · " strong.overdue { (fill(t(lang, "rights.overdue_by"), &[("hours", ((now - request.due_at) / 3_600_000).max(1).to_string())])) }
        } @else if !request.status.is_closed() {
            " · " span.left { (fill(t(lang, "rights.due_in"), &[("hours", hours(request.due_at - now).to_string())])) }
        } @else if request.is_late(now) && request.status != Status::Withdrawn {
            " · " span.late { (t(lang, "rights.answered_late")) }
        }
    }
}

/// What an event did, in words.
fn event_text(lang: Lang, event: &Event) -> &'static str {
    let key = match (event.from, event.to) {
        (None, _) => "filed",
        (Some(Status::InProgress), Status::InProgress) => "handed_over",
        (_, Status::InProgress) => "taken",
        (_, Status::Done) => "done",
        (_, Status::Rejected) => "rejected",
        (_, Status::Withdrawn) => "withdrawn",
        (_, Status::Open) => "filed",
    };
    t(lang, &format!("rights.event.{key}"))
}

/// The history of a request; officers see who acted by account, the citizen sees roles.
fn history(lang: Lang, events: &[Event], for_officer: bool) -> Markup {
    html! {
        section {
            h2 { (t(lang, "rights.history")) }
            ol #history {
                @for event in events {
                    li data-seq=(event.seq) data-to=(event.to.as_str()) data-actor=(event.actor.role()) {
                        time datetime=(iso(event.at)) { (time(lang, event.at)) }
                        " · " (event_text(lang, event)) " · "
                        @match (event.actor, for_officer) {
                            (Actor::Filer(_), false) => (t(lang, "rights.by_you")),
                            (Actor::Officer(_), false) => (t(lang, "rights.by_officer")),
                            (Actor::Filer(a), true) => (fill(t(lang, "rights.by_filer_account"), &[("account", a.to_string())])),
                            (Actor::Officer(a), true) => (fill(t(lang, "rights.by_officer_account"), &[("account", a.to_string())])),
                        }
                    }
                }
            }
        }
    }
}

/// The parts of a request both the citizen and the officer see.
fn request_facts(lang: Lang, request: &Request, now: i64) -> Markup {
    html! {
        dl #request data-id=(request.id) data-status=(request.status.as_str()) data-due=(request.due_at)
            data-overdue=(request.is_overdue(now)) {
            dt { (t(lang, "rights.kind")) } dd #request-kind { (kind_text(lang, request.kind)) }
            dt { (t(lang, "rights.fields")) } dd #request-fields { (fields_text(lang, &request.fields)) }
            dt { (t(lang, "rights.about")) } dd #request-about { (lines(&request.about)) }
            dt { (t(lang, "rights.filed_at")) } dd { time datetime=(iso(request.filed_at)) { (time(lang, request.filed_at)) } }
            dt { (t(lang, "rights.due_at")) }
            @if request.is_overdue(now) { dd.alert #request-due { (deadline(lang, request, now)) } }
            @else { dd #request-due { (deadline(lang, request, now)) } }
            dt { (t(lang, "rights.status")) } dd #request-status { (status_text(lang, request.status)) }
            @if let Some(closed) = request.closed_at {
                dt { (t(lang, "rights.closed_at")) } dd { time datetime=(iso(closed)) { (time(lang, closed)) } }
            }
            @if let Some(answer) = &request.answer {
                dt { (t(lang, "rights.answer")) } dd #request-answer { (lines(answer)) }
            }
        }
    }
}

fn hidden_csrf(web: &Web) -> Markup {
    html! { input type="hidden" name="csrf" value=(web.csrf); }
}

/// A known flash message, from a redirect's `done` parameter.
fn done_text(lang: Lang, done: Option<&str>) -> Option<&'static str> {
    match done? {
        key @ ("filed" | "withdrawn" | "taken" | "closed") => {
            Some(t(lang, &format!("rights.done.{key}")))
        }
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    view: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The citizen's pages
// ---------------------------------------------------------------------------------------------

/// The filing form as submitted, kept to fill the form again after a refusal.
#[derive(Debug, Default)]
struct FilingForm {
    csrf: String,
    kind: String,
    about: String,
    fields: Vec<String>,
}

impl FilingForm {
    /// Reads a form body; `fields` may repeat (one per ticked box), the others count once.
    fn from_body(body: &[u8]) -> FilingForm {
        let mut form = FilingForm::default();
        let mut seen = [false; 3];
        for (key, value) in url::form_urlencoded::parse(body) {
            let (slot, target) = match key.as_ref() {
                "fields" => {
                    form.fields.push(value.into_owned());
                    continue;
                }
                "csrf" => (0, &mut form.csrf),
                "kind" => (1, &mut form.kind),
                "about" => (2, &mut form.about),
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

/// The citizen's list and the filing form, with an optional refusal and the form as typed.
async fn list_page(
    state: &AppState,
    web: &Web,
    citizen: &Citizen,
    done: Option<&str>,
    problem: Option<String>,
    form: &FilingForm,
) -> Response {
    let l = web.lang;
    let mine = match state.rights.mine(citizen).await {
        Ok(mine) => mine,
        Err(e) => return refusal(web, "rights.title", &e),
    };
    let now = state.rights.now();
    let kind = if form.kind.is_empty() {
        Kind::Correction.as_str()
    } else {
        form.kind.as_str()
    };
    page(
        web,
        t(l, "rights.title"),
        html! {
            (notice(done_text(l, done)))
            p #rights-intro { (t(l, "rights.intro")) }
            section {
                h2 { (t(l, "rights.mine")) }
                @if mine.is_empty() {
                    p #requests-empty { (t(l, "rights.none")) }
                } @else {
                    table #requests {
                        thead { tr {
                            th { (t(l, "rights.kind")) } th { (t(l, "rights.about")) }
                            th { (t(l, "rights.filed_at")) } th { (t(l, "rights.due_at")) }
                            th { (t(l, "rights.status")) } th { (t(l, "rights.answer")) } th {}
                        } }
                        tbody {
                            @for r in &mine {
                                tr data-id=(r.id) data-status=(r.status.as_str()) data-due=(r.due_at) data-overdue=(r.is_overdue(now)) {
                                    td { (kind_text(l, r.kind)) }
                                    td { a href={ "/account/requests/" (r.id) } { (excerpt(&r.about, 80)) } }
                                    td { (time(l, r.filed_at)) }
                                    @if r.is_overdue(now) { td.alert { (deadline(l, r, now)) } }
                                    @else { td { (deadline(l, r, now)) } }
                                    td.status { (status_text(l, r.status)) }
                                    td.answer { @if let Some(a) = &r.answer { (lines(a)) } }
                                    td {
                                        @if r.status == Status::Open {
                                            form.inline method="post" action={ "/account/requests/" (r.id) "/withdraw" } {
                                                (hidden_csrf(web))
                                                button.secondary type="submit" { (t(l, "rights.withdraw")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h2 { (t(l, "rights.new")) }
                (alert(problem.as_deref()))
                form #file-request method="post" action="/account/requests" {
                    (hidden_csrf(web))
                    label for="request-kind" { (t(l, "rights.kind")) }
                    select #request-kind name="kind" {
                        @for k in Kind::ALL {
                            option value=(k.as_str()) selected[k.as_str() == kind] { (kind_text(l, k)) }
                        }
                    }
                    fieldset #request-fields {
                        legend { (t(l, "rights.fields")) }
                        p.help { (t(l, "rights.fields_help")) }
                        @for f in Field::ALL {
                            label {
                                input type="checkbox" name="fields" value=(f.as_str())
                                    checked[form.fields.iter().any(|x| x == f.as_str())];
                                " " (field_text(l, f))
                            }
                        }
                    }
                    label for="request-about" { (t(l, "rights.about")) }
                    textarea #request-about name="about" rows="6" maxlength=(MAX_ABOUT) required { (form.about) }
                    p.help { (t(l, "rights.about_help")) }
                    button type="submit" { (t(l, "rights.submit")) }
                }
            }
        },
    )
    .into_response()
}

async fn my_requests(
    State(state): State<AppState>,
    web: Web,
    Query(flash): Query<Flash>,
) -> Response {
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    list_page(
        &state,
        &web,
        &citizen,
        flash.done.as_deref(),
        None,
        &FilingForm::default(),
    )
    .await
}

async fn file(State(state): State<AppState>, web: Web, RawForm(body): RawForm) -> Response {
    let form = FilingForm::from_body(&body);
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match Filing::parse(&form.kind, &form.about, &form.fields) {
        Ok(filing) => state.rights.file(&citizen, &filing).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/account/requests?done=filed").into_response(),
        Err(e) => {
            let mut response = list_page(
                &state,
                &web,
                &citizen,
                None,
                Some(error_text(web.lang, &e)),
                &form,
            )
            .await;
            *response.status_mut() = status_of(&e);
            response
        }
    }
}

async fn my_request(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let detail = match RequestId::parse(&id) {
        Ok(id) => state.rights.request_of(&citizen, &id).await,
        Err(e) => Err(e),
    };
    let Detail { request, events } = match detail {
        Ok(d) => d,
        Err(e) => return refusal(&web, "rights.title", &e),
    };
    let now = state.rights.now();
    page(
        &web,
        t(l, "rights.request"),
        html! {
            (request_facts(l, &request, now))
            @if request.status == Status::Open {
                form #withdraw method="post" action={ "/account/requests/" (request.id) "/withdraw" } {
                    (hidden_csrf(&web))
                    button.secondary type="submit" { (t(l, "rights.withdraw")) }
                }
            }
            (history(l, &events, false))
            p { a href="/account/requests" { (t(l, "rights.back_mine")) } }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
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
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match RequestId::parse(&id) {
        Ok(id) => state.rights.withdraw(&citizen, &id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/account/requests?done=withdrawn").into_response(),
        Err(RightsError::NotFound) => refusal(&web, "rights.title", &RightsError::NotFound),
        Err(e) => {
            let mut response = list_page(
                &state,
                &web,
                &citizen,
                None,
                Some(error_text(web.lang, &e)),
                &FilingForm::default(),
            )
            .await;
            *response.status_mut() = status_of(&e);
            response
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The officers' pages
// ---------------------------------------------------------------------------------------------

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

/// The texts of these pages: key, Vietnamese, English.
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    (
        "rights.title",
        "Yêu cầu về dữ liệu cá nhân",
        "Requests about my personal data",
    ),
    (
        "rights.open",
        "Yêu cầu chỉnh sửa, hạn chế xử lý hoặc phản đối xử lý dữ liệu của tôi",
        "Ask to correct my data, or to restrict or object to its processing",
    ),
    (
        "rights.intro",
        "Theo Nghị định 13/2023/NĐ-CP (Điều 9), bạn có quyền yêu cầu chỉnh sửa dữ liệu cá nhân của mình, yêu cầu hạn chế xử lý và phản đối việc xử lý dữ liệu. Cơ quan quản lý trả lời mỗi yêu cầu trong vòng 72 giờ kể từ khi nhận.",
        "Under Decree 13/2023/ND-CP (Article 9), you may ask to have your personal data corrected, ask to restrict its processing, and object to its processing. The authority answers every request within 72 hours of receiving it.",
    ),
    ("rights.mine", "Yêu cầu của tôi", "My requests"),
    (
        "rights.none",
        "Bạn chưa gửi yêu cầu nào.",
        "You have not filed any request.",
    ),
    ("rights.new", "Gửi yêu cầu mới", "File a new request"),
    ("rights.kind", "Loại yêu cầu", "Kind of request"),
    (
        "rights.fields",
        "Thông tin liên quan",
        "Information concerned",
    ),
    (
        "rights.fields_help",
        "Đánh dấu các thông tin trong hồ sơ dân cư mà yêu cầu liên quan (không bắt buộc).",
        "Tick the parts of your population record the request concerns (optional).",
    ),
    ("rights.about", "Nội dung yêu cầu", "What you ask for"),
    (
        "rights.about_help",
        "Nêu rõ thông tin nào sai và đúng là gì, hoặc việc xử lý nào bạn muốn hạn chế hay phản đối và vì sao; tối đa 2.000 ký tự.",
        "Say which information is wrong and what is right, or which processing you want restricted or object to, and why; at most 2,000 characters.",
    ),
    ("rights.submit", "Gửi yêu cầu", "File the request"),
    ("rights.withdraw", "Rút yêu cầu", "Withdraw"),
    ("rights.filed_at", "Ngày gửi", "Filed"),
    ("rights.due_at", "Hạn trả lời", "Answer due"),
    ("rights.status", "Trạng thái", "Status"),
    ("rights.answer", "Trả lời", "Answer"),
    ("rights.closed_at", "Ngày kết thúc", "Closed"),
    ("rights.history", "Lịch sử xử lý", "History"),
    (
        "rights.request",
        "Yêu cầu về dữ liệu cá nhân",
        "Data-subject request",
    ),
    (
        "rights.back_mine",
        "Quay lại danh sách yêu cầu",
        "Back to my requests",
    ),
    ("rights.due_in", "còn {hours} giờ", "{hours} h left"),
    (
        "rights.overdue_by",
        "quá hạn {hours} giờ",
        "overdue by {hours} h",
    ),
    ("rights.answered_late", "trả lời trễ hạn", "answered late"),
    ("rights.by_you", "Bạn", "You"),
    ("rights.by_officer", "Cán bộ xử lý", "The handling officer"),
    (
        "rights.by_officer_account",
        "Cán bộ, tài khoản số {account}",
        "Officer, account no. {account}",
    ),
    (
        "rights.by_filer_account",
        "Người yêu cầu, tài khoản số {account}",
        "The citizen, account no. {account}",
    ),
    ("rights.event.filed", "Gửi yêu cầu", "Filed"),
    ("rights.event.taken", "Tiếp nhận xử lý", "Taken"),
    (
        "rights.event.handed_over",
        "Chuyển cán bộ xử lý",
        "Handed over",
    ),
    ("rights.event.done", "Đã thực hiện", "Carried out"),
    ("rights.event.rejected", "Từ chối", "Rejected"),
    ("rights.event.withdrawn", "Rút yêu cầu", "Withdrawn"),
    ("rights.status.open", "Chờ tiếp nhận", "Waiting"),
    ("rights.status.in_progress", "Đang xử lý", "In progress"),
    ("rights.status.done", "Đã thực hiện", "Carried out"),
    ("rights.status.rejected", "Bị từ chối", "Rejected"),
    ("rights.status.withdrawn", "Đã rút", "Withdrawn"),
    (
        "rights.kind.correction",
        "Chỉnh sửa dữ liệu",
        "Correct my data",
    ),
    (
        "rights.kind.restriction",
        "Hạn chế xử lý dữ liệu",
        "Restrict processing",
    ),
    (
        "rights.kind.objection",
        "Phản đối xử lý dữ liệu",
        "Object to processing",
    ),
    ("rights.field.full_name", "Họ, chữ đệm và tên", "Full name"),
    ("rights.field.birth_date", "Ngày sinh", "Date of birth"),
    ("rights.field.sex", "Giới tính", "Sex"),
    (
        "rights.field.place_of_origin",
        "Quê quán",
        "Place of origin",
    ),
    (
        "rights.field.permanent_residence",
        "Nơi thường trú",
        "Permanent residence",
    ),
    (
        "rights.field.current_residence",
        "Nơi ở hiện tại",
        "Current residence",
    ),
    ("rights.field.nationality", "Quốc tịch", "Nationality"),
    ("rights.field.ethnicity", "Dân tộc", "Ethnicity"),
    ("rights.field.religion", "Tôn giáo", "Religion"),
    ("rights.field.father", "Cha", "Father"),
    ("rights.field.mother", "Mẹ", "Mother"),
    ("rights.field.spouse", "Vợ hoặc chồng", "Spouse"),
    ("rights.field.id_card", "Thẻ căn cước", "Identity card"),
    (
        "rights.no_fields",
        "Không nêu thông tin cụ thể",
        "No particular information",
    ),
    (
        "rights.done.filed",
        "Đã gửi yêu cầu. Hạn trả lời được ghi trong danh sách bên dưới.",
        "Your request was filed. The answer is due by the time shown in the list below.",
    ),
    (
        "rights.done.withdrawn",
        "Đã rút yêu cầu.",
        "The request was withdrawn.",
    ),
    (
        "rights.done.taken",
        "Bạn đã tiếp nhận yêu cầu này.",
        "You have taken this request.",
    ),
    (
        "rights.done.closed",
        "Đã trả lời và kết thúc yêu cầu.",
        "The request was answered and closed.",
    ),
    (
        "rights.queue_title",
        "Yêu cầu của chủ thể dữ liệu",
        "Data-subject requests",
    ),
    (
        "rights.counts",
        "Chờ tiếp nhận: {open} · Đang xử lý: {in_progress} · Quá hạn: {overdue}",
        "Waiting: {open} · In progress: {in_progress} · Overdue: {overdue}",
    ),
    ("rights.view.waiting", "Cần xử lý", "To handle"),
    ("rights.view.mine", "Tôi đang xử lý", "Mine"),
    ("rights.view.closed", "Đã kết thúc", "Closed"),
    (
        "rights.queue_empty",
        "Không có yêu cầu nào.",
        "There are no requests here.",
    ),
    ("rights.person", "Số định danh cá nhân", "Personal ID"),
    (
        "rights.account_no",
        "Tài khoản người yêu cầu",
        "Citizen's account",
    ),
    ("rights.handler", "Cán bộ xử lý", "Handled by"),
    ("rights.handler_you", "Bạn", "You"),
    ("rights.handler_none", "Chưa có", "Nobody yet"),
    ("rights.take", "Tiếp nhận", "Take"),
    ("rights.take_over", "Tiếp nhận thay", "Take over"),
    ("rights.close", "Trả lời và kết thúc", "Answer and close"),
    ("rights.outcome", "Kết quả", "Outcome"),
    (
        "rights.outcome.done",
        "Đã thực hiện yêu cầu",
        "The request was carried out",
    ),
    (
        "rights.outcome.rejected",
        "Từ chối yêu cầu",
        "The request is rejected",
    ),
    (
        "rights.answer_help",
        "Câu trả lời người yêu cầu sẽ đọc: đã làm gì, hoặc vì sao từ chối và căn cứ pháp lý; tối đa 4.000 ký tự.",
        "The answer the citizen will read: what was done, or why the request is rejected and on which legal basis; at most 4,000 characters.",
    ),
    (
        "rights.own",
        "Bạn là người gửi yêu cầu này nên một cán bộ khác phải xử lý.",
        "You filed this request, so another officer must handle it.",
    ),
    (
        "rights.step_up",
        "Để xử lý yêu cầu của chủ thể dữ liệu, hãy xác thực bằng khóa truy cập hoặc ứng dụng xác thực.",
        "To handle data-subject requests, confirm your sign-in with a passkey or an authenticator app.",
    ),
    ("rights.step_up_link", "Xác thực thêm", "Confirm sign-in"),
    (
        "rights.back_queue",
        "Quay lại danh sách",
        "Back to the list",
    ),
    (
        "rights.error.unknown_kind",
        "“{value}” không phải là loại yêu cầu; hãy chọn chỉnh sửa, hạn chế xử lý hoặc phản đối xử lý.",
        "“{value}” is not a kind of request; choose correction, restriction or objection.",
    ),
    (
        "rights.error.unknown_field",
        "“{value}” không phải là thông tin của hồ sơ dân cư; hãy chọn trong danh sách hoặc để trống.",
        "“{value}” is not part of the population record; choose from the list or leave it empty.",
    ),
    (
        "rights.error.about_required",
        "Hãy nêu nội dung yêu cầu.",
        "Describe what your request is about.",
    ),
    (
        "rights.error.answer_required",
        "Hãy viết câu trả lời cho người yêu cầu trước khi kết thúc.",
        "Write the answer the citizen will read before closing the request.",
    ),
    (
        "rights.error.too_long",
        "Nội dung dài {chars} ký tự; tối đa {max} ký tự.",
        "The text is {chars} characters long; at most {max} are allowed.",
    ),
    (
        "rights.error.control_character",
        "Nội dung có ký tự điều khiển không hợp lệ; hãy xóa ký tự đó.",
        "The text contains a control character; remove it.",
    ),
    (
        "rights.error.unknown_outcome",
        "“{value}” không phải là kết quả; hãy chọn đã thực hiện hoặc từ chối.",
        "“{value}” is not an outcome; choose carried out or rejected.",
    ),
    (
        "rights.error.not_a_person",
        "Chỉ tài khoản cá nhân của chính bạn mới gửi được yêu cầu này.",
        "Only a person's own account can file this request; sign in with your personal account.",
    ),
    (
        "rights.error.not_an_officer",
        "Việc xử lý yêu cầu cần vai trò cán bộ cơ quan quản lý hoặc cán bộ đăng ký định danh.",
        "Handling data-subject requests needs the agency officer or enrolment officer role.",
    ),
    (
        "rights.error.step_up_required",
        "Cán bộ phải đăng nhập bằng khóa truy cập hoặc ứng dụng xác thực để xử lý yêu cầu.",
        "Officers must sign in with a passkey or an authenticator app to handle requests.",
    ),
    (
        "rights.error.not_found",
        "Không có yêu cầu này.",
        "There is no such request.",
    ),
    (
        "rights.error.own_request",
        "Bạn là người gửi yêu cầu này; một cán bộ khác phải xử lý.",
        "You filed this request yourself; another officer must handle it.",
    ),
    (
        "rights.error.closed",
        "Yêu cầu đã kết thúc ({status}); hãy gửi yêu cầu mới nếu cần.",
        "The request is already closed ({status}); file a new one if needed.",
    ),
    (
        "rights.error.not_open",
        "Cán bộ đã tiếp nhận yêu cầu này nên không thể rút nữa.",
        "An officer is already handling this request; it can no longer be withdrawn.",
    ),
    (
        "rights.error.not_taken",
        "Hãy tiếp nhận yêu cầu trước khi trả lời.",
        "Take the request before answering it.",
    ),
    (
        "rights.error.handled_by_another",
        "Cán bộ tài khoản số {officer} đang xử lý yêu cầu này; hãy tiếp nhận thay trước.",
        "Officer account no. {officer} is handling this request; take it over first.",
    ),
    (
        "rights.error.too_many_open",
        "Bạn đang có {max} yêu cầu chờ trả lời; hãy chờ trả lời hoặc rút bớt một yêu cầu.",
        "You have {max} requests waiting for an answer; wait for one to be answered or withdraw one.",
    ),
    (
        "rights.error.conflict",
        "Yêu cầu vừa được thay đổi; hãy tải lại trang và thử lại.",
        "The request changed while you were working on it; reload the page and try again.",
    ),
    (
        "rights.error.unavailable",
        "Hiện không xử lý được yêu cầu; vui lòng thử lại sau.",
        "Requests cannot be handled right now; please try again later.",
    ),
];

#[cfg(test)]
mod tests {
    use super::super::i18n::lookup;
    use super::*;

    #[test]
    fn every_text_these_pages_use_exists_in_both_languages() {
        let mut missing = Vec::new();
        let source = include_str!("rights.rs");
        for piece in source.split("t(").skip(1) {
            let Some(rest) = piece.split_once(", \"").map(|(_, r)| r) else {
                continue;
            };
            let Some((key, _)) = rest.split_once('"') else {
                continue;
            };
            if key.starts_with("rights.") && lookup(Lang::Vi, key).is_none() {
                missing.push(key.to_owned());
            }
        }
        let mut families: Vec<String> = Vec::new();
        families.extend(
            Kind::ALL
                .iter()
                .map(|k| format!("rights.kind.{}", k.as_str())),
        );
        families.extend(
            Field::ALL
                .iter()
                .map(|f| format!("rights.field.{}", f.as_str())),
        );
        families.extend(
            Status::ALL
                .iter()
                .map(|s| format!("rights.status.{}", s.as_str())),
        );
        for v in [Queue::Waiting, Queue::Mine, Queue::Closed] {
            families.push(format!("rights.view.{}", v.as_str()));
        }
        for key in ["filed", "withdrawn", "taken", "closed"] {
            families.push(format!("rights.done.{key}"));
        }
        for key in [
            "filed",
            "taken",
            "handed_over",
            "done",
            "rejected",
            "withdrawn",
        ] {
            families.push(format!("rights.event.{key}"));
        }
        for key in ["done", "rejected"] {
            families.push(format!("rights.outcome.{key}"));
        }
        for key in families {
            if lookup(Lang::Vi, &key).is_none() || lookup(Lang::En, &key).is_none() {
                missing.push(key);
            }
        }
        assert!(missing.is_empty(), "texts missing for {missing:?}");
        assert!(TEXTS.iter().all(|(k, _, _)| k.starts_with("rights.")));
    }

    #[test]
    fn every_refusal_reads_as_words_in_both_languages() {
        let errors = [
            RightsError::UnknownKind { value: "x".into() },
            RightsError::UnknownField { value: "x".into() },
            RightsError::AboutRequired,
            RightsError::AnswerRequired,
            RightsError::TooLong {
                chars: 2001,
                max: 2000,
            },
            RightsError::ControlCharacter('\u{7}'),
            RightsError::UnknownOutcome { value: "x".into() },
            RightsError::NotAPerson,
            RightsError::NotAnOfficer,
            RightsError::StepUpRequired,
            RightsError::NotFound,
            RightsError::OwnRequest,
            RightsError::Closed(Status::Done),
            RightsError::NotOpen,
            RightsError::NotTaken,
            RightsError::HandledByAnother(7),
            RightsError::TooManyOpen { max: 20 },
            RightsError::Conflict,
        ];
        for error in &errors {
            for lang in [Lang::Vi, Lang::En] {
                let text = error_text(lang, error);
                assert!(
                    text != "?" && !text.contains('{'),
                    "{}: {text}",
                    error.code()
                );
            }
        }
        assert_eq!(
            error_text(Lang::Vi, &errors[4]),
            "Nội dung dài 2001 ký tự; tối đa 2000 ký tự."
        );
        assert_eq!(
            error_text(Lang::En, &RightsError::Closed(Status::Rejected)),
            "The request is already closed (Rejected); file a new one if needed."
        );
        assert_eq!(status_of(&errors[0]), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(&RightsError::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_of(&RightsError::NotAnOfficer), StatusCode::FORBIDDEN);
        assert_eq!(status_of(&RightsError::NotOpen), StatusCode::CONFLICT);
    }

    #[test]
    fn the_filing_form_keeps_every_ticked_field_and_the_first_of_the_rest() {
        let form = FilingForm::from_body(
            b"csrf=abc&kind=correction&fields=full_name&about=S%E1%BB%ADa+t%C3%AAn&fields=spouse&kind=objection",
        );
        assert_eq!(form.csrf, "abc");
        assert_eq!(form.kind, "correction");
        assert_eq!(form.about, "Sửa tên");
        assert_eq!(form.fields, vec!["full_name", "spouse"]);
    }

    #[test]
    fn hours_round_up_and_excerpts_stay_on_one_line() {
        assert_eq!(hours(0), 0);
        assert_eq!(hours(1), 1);
        assert_eq!(hours(3_600_000), 1);
        assert_eq!(hours(3_600_001), 2);
        assert_eq!(hours(-5), 0);
        assert_eq!(excerpt("a\nb   c", 10), "a b c");
        assert_eq!(excerpt("ạạạạ", 2), "ạạ…");
    }
}
