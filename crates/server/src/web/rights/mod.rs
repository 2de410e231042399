//! Data-subject requests on the web (Decree 13/2023/ND-CP Art. 9): the citizen files a request to
//! correct their data, restrict its processing or object to it, follows it against its 72-hour
//! deadline, reads the answer, and may withdraw it while nobody has taken it
//! (`/account/requests`); officers list the requests overdue first, take one, and close it with
//! an answer (`/officer/requests`).
//!
//! The rules are in `dinhdanh_rights`; this module only turns the signed-in account into a
//! [`Citizen`] or an [`Officer`], forms into parsed values, and refusals into pages that say
//! what is wrong in the visitor's language. Every POST carries the CSRF token.
//!
//! The citizen's pages are in `citizen_pages`, the officers' in `officer_pages`, the texts of
//! both in `texts`; what they share (who is asking, refusals, deadlines, history) is here.

use crate::web::CsrfForm;
use crate::web::layout::hidden_csrf;
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

mod citizen_pages;
mod officer_pages;
mod texts;

pub(crate) use texts::TEXTS;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(citizen_pages::router())
        .merge(officer_pages::router())
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

#[cfg(test)]
mod tests {
    use super::super::i18n::lookup;
    use super::*;

    #[test]
    fn every_text_these_pages_use_exists_in_both_languages() {
        let mut missing = Vec::new();
        let source = [
            include_str!("mod.rs"),
            include_str!("citizen_pages.rs"),
            include_str!("officer_pages.rs"),
        ]
        .concat();
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
