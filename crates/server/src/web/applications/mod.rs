//! Public-service applications on the web, the agency's side: the officer console
//! (`/officer/applications…`: the queue of the officer's units, one application with its form,
//! documents, history and the moves allowed now, the apology for an overdue one, and recording
//! an application received at the counter) and the public statistics page
//! (`/services/statistics`). The citizen's pages are the portal's (`/portal/…`).
//!
//! The rules are in `dinhdanh_services`; this module only turns the signed-in account into an
//! [`Officer`], forms into typed values, and refusals into pages that say what is wrong in the
//! visitor's language. Every POST carries the CSRF token and, for a move, the version of the
//! application the officer saw.

use crate::web::layout::hidden_csrf;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat};
use dinhdanh_services::catalogue::FieldKind;
use dinhdanh_services::{Application, Move, Officer, Procedure, ServicesError, Status};
use maud::{Markup, html};

use super::layout::{alert, message_page, page};
use super::{Lang, Web, t};
use crate::AppState;

mod counter;
mod detail;
mod moves;
mod queue;
mod statistics;
mod texts;

pub(crate) use texts::TEXTS;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(queue::router())
        .merge(detail::router())
        .merge(moves::router())
        .merge(counter::router())
        .merge(statistics::router())
}

// ---------------------------------------------------------------------------------------------
// Who is asking
// ---------------------------------------------------------------------------------------------

/// The signed-in officer (assigned to a unit, signed in with a strong factor), or the page that
/// says what is missing.
async fn officer(state: &AppState, web: &Web) -> Result<Officer, Response> {
    let user = web.user()?;
    match state.services.officer(&user.account, &user.session).await {
        Ok(officer) => Ok(officer),
        Err(ServicesError::StepUpRequired) => Err((
            StatusCode::FORBIDDEN,
            page(
                web,
                t(web.lang, "applications.queue_title"),
                html! {
                    (alert(Some(t(web.lang, "applications.error.step_up_required"))))
                    p { a.button href="/login/second" { (t(web.lang, "applications.step_up_link")) } }
                },
            ),
        )
            .into_response()),
        Err(e) => Err(refusal(web, &e, &Doing::Viewing)),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors in words
// ---------------------------------------------------------------------------------------------

/// What the officer was doing when a refusal came: it says which input a missing value or an
/// invalid one is, in the officer's language.
pub(super) enum Doing<'a> {
    /// Reading a page.
    Viewing,
    /// Making a move, with what the form gave.
    Moving {
        step: Move,
        outcome_given: bool,
        electronic_given: bool,
    },
    /// Sending an apology with a new appointment.
    Apologizing,
    /// Recording a counter application for a procedure.
    Recording(Option<&'a Procedure>),
}

/// The HTTP status a refusal is answered with.
fn status_of(error: &ServicesError) -> StatusCode {
    use ServicesError as E;
    match error {
        E::Invalid { .. }
        | E::Missing(_)
        | E::BadUpload { .. }
        | E::BadProcedure { .. }
        | E::BadCatalogue(_) => StatusCode::BAD_REQUEST,
        E::NotFound | E::UnknownProcedure(_) => StatusCode::NOT_FOUND,
        E::NotAllowed { .. } | E::Changed | E::NotOnline(_) => StatusCode::CONFLICT,
        E::NotYours(_) | E::NotAPerson | E::NotAnOfficer | E::StepUpRequired | E::Account(_) => {
            StatusCode::FORBIDDEN
        }
        E::TooManyChecks { .. } => StatusCode::TOO_MANY_REQUESTS,
        E::Prefill(_) | E::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
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

/// What a form field of a procedure takes, in words.
fn expected(lang: Lang, kind: &FieldKind) -> String {
    match kind {
        FieldKind::Text { max } => fill(
            t(lang, "applications.expect.text"),
            &[("max", max.to_string())],
        ),
        FieldKind::Date {} => t(lang, "applications.expect.date").to_owned(),
        FieldKind::Number { min, max } => fill(
            t(lang, "applications.expect.number"),
            &[("min", min.to_string()), ("max", max.to_string())],
        ),
        FieldKind::Choice { .. } => t(lang, "applications.expect.choice").to_owned(),
        FieldKind::PersonalId {} => t(lang, "applications.expect.personal_id").to_owned(),
    }
}

/// A refusal in `lang`: the capability decides what is wrong, this says it in the officer's
/// words, naming the input by its label.
pub(super) fn error_text(lang: Lang, error: &ServicesError, doing: &Doing<'_>) -> String {
    use ServicesError as E;
    let en = lang == Lang::En;
    let key = |code: &str| format!("applications.error.{code}");
    match error {
        E::Invalid { field, problem } => match (field.as_str(), doing) {
            ("reason", _) => fill(
                t(lang, &key("reason_invalid")),
                &[(
                    "max",
                    dinhdanh_services::application::MAX_REASON.to_string(),
                )],
            ),
            ("apology", _) => t(lang, &key("not_overdue")).to_owned(),
            ("new_due_at", _) => t(lang, &key("appointment_past")).to_owned(),
            (field, Doing::Recording(Some(procedure))) => {
                match procedure.form.iter().find(|f| f.id == field) {
                    Some(f) => fill(
                        t(lang, &key("field_invalid")),
                        &[
                            ("label", f.label.pick(en).to_owned()),
                            ("expected", expected(lang, &f.kind)),
                        ],
                    ),
                    None => fill(
                        t(lang, &key("unknown_field")),
                        &[("field", field.chars().take(40).collect())],
                    ),
                }
            }
            (field, _) => fill(
                t(lang, &key("invalid")),
                &[("field", field.to_owned()), ("problem", problem.clone())],
            ),
        },
        E::Missing(what) => match doing {
            Doing::Moving {
                step: Move::Decide,
                outcome_given: false,
                ..
            } => t(lang, &key("decision_required")).to_owned(),
            Doing::Moving {
                step: Move::ReturnResult,
                electronic_given: false,
                ..
            } => t(lang, &key("channel_required")).to_owned(),
            Doing::Moving { .. } | Doing::Apologizing => {
                t(lang, &key("reason_required")).to_owned()
            }
            Doing::Recording(Some(procedure)) => {
                // The capability names a missing form field as "<English label> (<id>)".
                let id = what
                    .rsplit_once('(')
                    .map(|(_, rest)| rest.trim_end_matches(')'));
                match procedure.form.iter().find(|f| Some(f.id.as_str()) == id) {
                    Some(f) => fill(
                        t(lang, &key("field_required")),
                        &[("label", f.label.pick(en).to_owned())],
                    ),
                    None => fill(t(lang, &key("missing")), &[("what", what.clone())]),
                }
            }
            _ => fill(t(lang, &key("missing")), &[("what", what.clone())]),
        },
        E::NotAllowed { from, step } => fill(
            t(lang, &key("not_allowed")),
            &[
                ("status", status_text(lang, *from).to_owned()),
                ("move", move_text(lang, *step).to_owned()),
            ],
        ),
        E::NotYours(step) => fill(
            t(lang, &key("not_yours")),
            &[("move", move_text(lang, *step).to_owned())],
        ),
        E::UnknownProcedure(code) | E::NotOnline(code) => fill(
            t(lang, &key(error.code())),
            &[("code", code.chars().take(40).collect())],
        ),
        E::BadUpload { document, problem } => fill(
            t(lang, &key("bad_upload")),
            &[("document", document.clone()), ("problem", problem.clone())],
        ),
        E::BadProcedure { .. } | E::BadCatalogue(_) => fill(
            t(lang, &key("bad_catalogue")),
            &[("problem", error.to_string())],
        ),
        E::TooManyChecks { retry_after_s } => fill(
            t(lang, &key("too_many_checks")),
            &[("seconds", retry_after_s.to_string())],
        ),
        E::Account(e) => super::i18n::error_text(lang, e),
        E::Prefill(_) | E::Storage(_) => {
            tracing::error!(error = %error, "a public-service page could not be answered");
            t(lang, &key("unavailable")).to_owned()
        }
        E::NotFound | E::Changed | E::NotAPerson | E::NotAnOfficer | E::StepUpRequired => {
            t(lang, &key(error.code())).to_owned()
        }
    }
}

/// A page with the refusal, answered with its status.
fn refusal(web: &Web, error: &ServicesError, doing: &Doing<'_>) -> Response {
    (
        status_of(error),
        message_page(
            web,
            t(web.lang, "applications.queue_title"),
            &error_text(web.lang, error, doing),
        ),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

fn status_text(lang: Lang, status: Status) -> &'static str {
    t(lang, &format!("applications.status.{}", status.as_str()))
}

fn move_text(lang: Lang, step: Move) -> &'static str {
    t(lang, &format!("applications.move.{}", step.as_str()))
}

/// An instant as RFC 3339 in Vietnam time, for `<time datetime>`.
fn iso(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|at| {
            at.with_timezone(&dinhdanh_calendar::vietnam::offset())
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
}

/// An instant as the pages write it, in Vietnam time.
fn when(lang: Lang, ms: i64) -> Markup {
    html! { time datetime=(iso(ms)) { (super::account::time(lang, ms)) } }
}

/// An amount in đồng, with the thousands grouped the Vietnamese way.
fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{grouped} ₫")
}

/// The deadline that runs for the application now: reception's while it is new, else the
/// processing deadline in force.
fn deadline_of(application: &Application) -> Option<i64> {
    match application.status {
        Some(Status::New) => application.accept_due_at,
        _ => application.due_at,
    }
}

/// The applicant's name as the registry gave it for the form, when it was read.
fn applicant_name(application: &Application) -> Option<&str> {
    application
        .form
        .prefilled
        .iter()
        .find(|p| p.field == "full_name")
        .and_then(|p| p.value.as_str())
}

/// The deadline with its overdue marker.
fn deadline(lang: Lang, application: &Application, now: i64) -> Markup {
    html! {
        @if let Some(due) = deadline_of(application) {
            (when(lang, due))
            @if application.overdue(now) {
                " · " strong.overdue { (t(lang, "applications.overdue")) }
            }
        } @else {
            "—"
        }
    }
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

#[cfg(test)]
mod tests {
    use super::super::i18n::lookup;
    use super::*;

    #[test]
    fn every_text_these_pages_use_exists_in_both_languages() {
        let mut missing = Vec::new();
        let source = [
            include_str!("mod.rs"),
            include_str!("queue.rs"),
            include_str!("detail.rs"),
            include_str!("moves.rs"),
            include_str!("counter.rs"),
            include_str!("statistics.rs"),
        ]
        .concat();
        for piece in source.split("t(").skip(1) {
            let Some(rest) = piece.split_once("\"").map(|(_, r)| r) else {
                continue;
            };
            let Some((key, _)) = rest.split_once('"') else {
                continue;
            };
            if key.starts_with("applications.") && !key.contains('{') {
                for lang in [Lang::Vi, Lang::En] {
                    if lookup(lang, key).is_none() {
                        missing.push(key.to_owned());
                    }
                }
            }
        }
        let mut families: Vec<String> = Vec::new();
        families.extend(
            Status::ALL
                .iter()
                .map(|s| format!("applications.status.{}", s.as_str())),
        );
        families.extend(
            Move::ALL
                .iter()
                .map(|m| format!("applications.move.{}", m.as_str())),
        );
        for key in [
            "applications.filing.online",
            "applications.filing.counter",
            "applications.level.full",
            "applications.level.partial",
            "applications.outcome.approved",
            "applications.outcome.refused",
            "applications.step.file",
            "applications.step.record",
            "applications.step.apologize",
        ] {
            families.push(key.to_owned());
        }
        for key in families {
            if lookup(Lang::Vi, &key).is_none() || lookup(Lang::En, &key).is_none() {
                missing.push(key);
            }
        }
        assert!(missing.is_empty(), "texts missing for {missing:?}");
        assert!(TEXTS.iter().all(|(k, _, _)| k.starts_with("applications.")));
    }

    #[test]
    fn every_refusal_reads_as_words_in_both_languages() {
        let errors = [
            ServicesError::invalid("reason", "x"),
            ServicesError::invalid("apology", "x"),
            ServicesError::invalid("new_due_at", "x"),
            ServicesError::invalid("code", "x"),
            ServicesError::Missing("the reason".into()),
            ServicesError::NotFound,
            ServicesError::NotAllowed {
                from: Status::Accepted,
                step: Move::Accept,
            },
            ServicesError::NotYours(Move::Withdraw),
            ServicesError::Changed,
            ServicesError::UnknownProcedure("1.000001".into()),
            ServicesError::NotOnline("1.000001".into()),
            ServicesError::NotAPerson,
            ServicesError::NotAnOfficer,
            ServicesError::StepUpRequired,
            ServicesError::TooManyChecks { retry_after_s: 12 },
            ServicesError::BadUpload {
                document: "photo".into(),
                problem: "x".into(),
            },
            ServicesError::Storage("x".into()),
        ];
        let moving = Doing::Moving {
            step: Move::Refuse,
            outcome_given: false,
            electronic_given: false,
        };
        for error in &errors {
            for lang in [Lang::Vi, Lang::En] {
                for doing in [&Doing::Viewing, &moving, &Doing::Apologizing] {
                    let text = error_text(lang, error, doing);
                    assert!(
                        text != "?" && !text.contains('{'),
                        "{}: {text}",
                        error.code()
                    );
                }
            }
        }
        assert_eq!(
            error_text(Lang::En, &errors[6], &Doing::Viewing),
            "The application is “Accepted”; “Accept” cannot be done from there."
        );
        assert_eq!(
            error_text(Lang::Vi, &ServicesError::Changed, &Doing::Viewing),
            "Hồ sơ vừa được thay đổi trong khi bạn đang xem. Hãy tải lại trang và thử lại."
        );
        let decide = Doing::Moving {
            step: Move::Decide,
            outcome_given: false,
            electronic_given: false,
        };
        assert_eq!(
            error_text(Lang::En, &ServicesError::Missing("x".into()), &decide),
            "Choose the decision: approved or refused."
        );
        assert_eq!(status_of(&ServicesError::Changed), StatusCode::CONFLICT);
        assert_eq!(status_of(&ServicesError::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(
            status_of(&ServicesError::StepUpRequired),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn a_form_field_is_named_by_its_label() {
        let procedure = dinhdanh_services::catalogue::demo()
            .procedures
            .into_iter()
            .find(|p| p.code == "1.004194")
            .unwrap();
        let doing = Doing::Recording(Some(&procedure));
        let text = error_text(
            Lang::En,
            &ServicesError::invalid("duration_months", "between 1 and 24"),
            &doing,
        );
        assert!(text.starts_with("“"), "{text}");
        assert!(text.contains("a whole number from"), "{text}");
        let missing = ServicesError::Missing("Temporary address (temporary_address)".into());
        let vi = error_text(Lang::Vi, &missing, &doing);
        assert!(vi.contains("bắt buộc"), "{vi}");
        assert!(!vi.contains("temporary_address"), "{vi}");
    }

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(vnd(0), "0 ₫");
        assert_eq!(vnd(7000), "7.000 ₫");
        assert_eq!(vnd(1_350_000), "1.350.000 ₫");
    }
}
