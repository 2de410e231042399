//! One application as an officer of its unit sees it: the facts and deadlines, the form (what
//! the registry gave, with its legal basis and ledger entry, and what the applicant added), the
//! documents, the history, one form per move the status allows now, and the apology with a new
//! appointment when it is overdue. What the forms post to is in `moves`.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use dinhdanh_exchange::DataService;
use dinhdanh_services::application::MAX_REASON;
use dinhdanh_services::{Actor, Detail, Event, Outcome, Role, Upload, status};
use serde::Deserialize;
use serde_json::Value;

use super::*;
use crate::web::layout::notice;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/officer/applications/{id}", get(show))
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    done: Option<String>,
}

/// A refusal shown on the application's page, with what the officer typed.
pub(super) struct Problem<'a> {
    pub(super) text: String,
    pub(super) status: StatusCode,
    /// The form that was sent: a move's name, or `apology`.
    pub(super) form: &'a str,
    /// The reason as typed.
    pub(super) reason: &'a str,
}

async fn show(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    application_page(&state, &web, &me, &id, flash.done.as_deref(), None).await
}

/// A success message for a redirect's `done` parameter.
fn done_text(lang: Lang, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "apologize" => Some(t(lang, "applications.done.apologize")),
        "recorded" => Some(t(lang, "applications.done.recorded")),
        step => Move::parse(step)
            .ok()
            .map(|_| t(lang, "applications.done.moved")),
    }
}

pub(super) async fn application_page(
    state: &AppState,
    web: &Web,
    me: &Officer,
    id: &str,
    done: Option<&str>,
    problem: Option<Problem<'_>>,
) -> Response {
    let l = web.lang;
    let Detail {
        application: a,
        events,
        uploads,
    } = match state.services.handled(me, id).await {
        Ok(d) => d,
        Err(e) => return refusal(web, &e, &Doing::Viewing),
    };
    let procedure = state.services.procedure(&a.procedure).await.ok();
    let service = match procedure.as_ref().and_then(|p| p.prefill.as_ref()) {
        Some(prefill) => state.exchange.service(&prefill.service).await.ok(),
        None => None,
    };
    let now = state.services.now();
    let current = a.status.unwrap_or(Status::New);
    let moves: Vec<Move> = Move::ALL
        .into_iter()
        .filter(|m| m.role() == Role::Officer && status::next(current, *m, Role::Officer).is_ok())
        .collect();
    let code = a.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let (answer, typed) = match &problem {
        Some(p) => (p.status, Some((p.form, p.reason))),
        None => (StatusCode::OK, None),
    };
    let typed_for = |form: &str| match typed {
        Some((f, reason)) if f == form => reason,
        _ => "",
    };
    let markup = page(
        web,
        &fill(
            t(l, "applications.application_title"),
            &[("code", code.clone())],
        ),
        html! {
            (notice(done_text(l, done)))
            (alert(problem.as_ref().map(|p| p.text.as_str())))
            (facts(l, &a, procedure.as_ref(), now))
            (prefilled(l, &a, service.as_ref()))
            (answers(l, &a, procedure.as_ref()))
            (documents(l, &a, &uploads, procedure.as_ref()))
            section #moves {
                h2 { (t(l, "applications.moves")) }
                @if moves.is_empty() {
                    p #no-moves { (t(l, "applications.no_moves")) }
                }
                @for m in &moves {
                    (move_form(web, &a, *m, typed_for(m.as_str())))
                }
            }
            @if a.overdue(now) {
                (apology_form(web, &a, typed_for("apology")))
            }
            (history(l, &events))
            p { a href="/officer/applications" { (t(l, "applications.back_queue")) } }
        },
    );
    (answer, markup).into_response()
}

fn facts(lang: Lang, a: &Application, procedure: Option<&Procedure>, now: i64) -> Markup {
    let en = lang == Lang::En;
    html! {
        dl #application data-id=(a.id) data-status=(a.status.map_or("", Status::as_str))
            data-version=(a.version) data-overdue=(a.overdue(now)) {
            dt { (t(lang, "applications.procedure")) }
            dd #application-procedure {
                (a.procedure)
                @if let Some(p) = procedure { " · " (p.name.pick(en)) }
            }
            dt { (t(lang, "applications.unit")) }
            dd {
                (a.unit)
                @if let Some(p) = procedure { " · " (p.agency.name.pick(en)) }
            }
            dt { (t(lang, "applications.applicant")) }
            dd #application-applicant {
                @if let Some(name) = applicant_name(a) { (name) " · " }
                (a.personal_id)
            }
            dt { (t(lang, "applications.filing")) }
            dd { (t(lang, &format!("applications.filing.{}", a.filing.as_str()))) }
            dt { (t(lang, "applications.level")) }
            dd { (t(lang, &format!("applications.level.{}", a.level.as_str()))) }
            dt { (t(lang, "applications.status")) }
            dd #application-status { (a.status.map_or("", |s| status_text(lang, s))) }
            @if let Some(filed) = a.filed_at {
                dt { (t(lang, "applications.filed_at")) } dd { (when(lang, filed)) }
            }
            dt { (t(lang, "applications.deadline")) }
            @if a.overdue(now) { dd.alert #application-deadline { (deadline(lang, a, now)) } }
            @else { dd #application-deadline { (deadline(lang, a, now)) } }
            @if let Some(first) = a.first_due_at && a.due_at != Some(first) {
                dt { (t(lang, "applications.first_deadline")) } dd { (when(lang, first)) }
            }
            @if a.apologies > 0 {
                dt { (t(lang, "applications.apologies")) } dd { (a.apologies) }
            }
            dt { (t(lang, "applications.fee")) } dd { (vnd(a.fee_vnd)) }
            @if let Some(outcome) = a.outcome {
                dt { (t(lang, "applications.decision")) }
                dd #application-outcome { (t(lang, &format!("applications.outcome.{}", outcome.as_str()))) }
            }
            @if let Some(electronic) = a.result_electronic {
                dt { (t(lang, "applications.result_channel")) }
                dd { (t(lang, if electronic { "applications.result.electronic" } else { "applications.result.paper" })) }
            }
        }
    }
}

/// A value as the registry gave it.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

fn prefilled(lang: Lang, a: &Application, service: Option<&DataService>) -> Markup {
    let en = lang == Lang::En;
    let label = |name: &str| {
        service
            .and_then(|s| s.fields.iter().find(|f| f.name == name))
            .map_or_else(|| name.to_owned(), |f| f.title.pick(en).to_owned())
    };
    let basis = |code: &str| {
        service
            .and_then(|s| s.legal_bases.iter().find(|b| b.code == code))
            .map_or_else(
                || code.to_owned(),
                |b| format!("{} ({code})", b.title.pick(en)),
            )
    };
    html! {
        section #prefilled {
            h2 { (t(lang, "applications.prefilled")) }
            @if a.form.prefilled.is_empty() {
                p { (t(lang, "applications.prefilled_none")) }
            } @else {
                p.help { (t(lang, "applications.prefilled_help")) }
                table {
                    thead { tr {
                        th { (t(lang, "applications.field")) }
                        th { (t(lang, "applications.value")) }
                        th { (t(lang, "applications.legal_basis")) }
                        th { (t(lang, "applications.ledger_entry")) }
                    } }
                    tbody {
                        @for p in &a.form.prefilled {
                            tr data-field=(p.field) data-source="registry" {
                                td { (label(&p.field)) }
                                td { (shown(&p.value)) }
                                td { (basis(&p.legal_basis)) }
                                td { a href={ "/api/v1/ledger/entries/" (p.entry) } { "#" (p.entry) } }
                            }
                        }
                    }
                }
            }
            @if !a.form.withheld.is_empty() {
                p #withheld {
                    (t(lang, "applications.withheld")) " "
                    (a.form.withheld.iter().map(|f| label(f)).collect::<Vec<_>>().join(", "))
                }
            }
        }
    }
}

fn answers(lang: Lang, a: &Application, procedure: Option<&Procedure>) -> Markup {
    let en = lang == Lang::En;
    let field = |id: &str| procedure.and_then(|p| p.form.iter().find(|f| f.id == id));
    // In the order of the procedure's form, then anything the form no longer asks.
    let position = |id: &str| {
        procedure
            .and_then(|p| p.form.iter().position(|f| f.id == id))
            .unwrap_or(usize::MAX)
    };
    let mut given: Vec<(&String, &String)> = a.form.answers.iter().collect();
    given.sort_by_key(|(id, _)| position(id));
    html! {
        section #answers {
            h2 { (t(lang, "applications.answers")) }
            @if a.form.answers.is_empty() {
                p { (t(lang, "applications.answers_none")) }
            } @else {
                dl {
                    @for (id, value) in given {
                        @let f = field(id);
                        dt { (f.map_or(id.as_str(), |f| f.label.pick(en))) }
                        dd data-answer=(id) {
                            @match f.map(|f| &f.kind) {
                                Some(FieldKind::Choice { options }) => {
                                    (options.iter().find(|o| &o.code == value).map_or(value.as_str(), |o| o.label.pick(en)))
                                }
                                _ => (lines(value)),
                            }
                        }
                    }
                }
            }
        }
    }
}

fn documents(
    lang: Lang,
    a: &Application,
    uploads: &[Upload],
    procedure: Option<&Procedure>,
) -> Markup {
    let en = lang == Lang::En;
    let name = |id: &str| {
        procedure
            .and_then(|p| p.document(id))
            .map_or_else(|| id.to_owned(), |d| d.name.pick(en).to_owned())
    };
    html! {
        section #documents {
            h2 { (t(lang, "applications.documents")) }
            @if uploads.is_empty() {
                p { (t(lang, "applications.documents_none")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "applications.document")) }
                        th { (t(lang, "applications.file")) }
                        th { (t(lang, "applications.uploaded_at")) }
                    } }
                    tbody {
                        @for u in uploads {
                            tr data-document=(u.document) {
                                td { (name(&u.document)) }
                                td {
                                    a href={ "/officer/applications/" (a.id) "/documents/" (u.document) } download { (u.file_name) }
                                    br; span.help { (u.media_type) " · " (u.size) " B · SHA-256 " code { (u.sha256) } }
                                }
                                td { (when(lang, u.uploaded_at)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form of one move, carrying the version the officer sees.
fn move_form(web: &Web, a: &Application, step: Move, typed: &str) -> Markup {
    let l = web.lang;
    let reason_id = format!("reason-{}", step.as_str());
    html! {
        form.move id={ "move-" (step.as_str()) } method="post" action={ "/officer/applications/" (a.id) "/moves" } {
            (hidden_csrf(web))
            input type="hidden" name="step" value=(step.as_str());
            input type="hidden" name="version" value=(a.version);
            @match step {
                Move::Decide => {
                    fieldset {
                        legend { (t(l, "applications.decision")) }
                        @for o in [Outcome::Approved, Outcome::Refused] {
                            label {
                                input type="radio" name="outcome" value=(o.as_str()) required;
                                " " (t(l, &format!("applications.outcome.{}", o.as_str())))
                            }
                        }
                    }
                    label for=(reason_id) { (t(l, "applications.reason_refusal")) }
                    textarea id=(reason_id) name="reason" rows="3" maxlength=(MAX_REASON) { (typed) }
                }
                Move::ReturnResult => {
                    fieldset {
                        legend { (t(l, "applications.result_channel")) }
                        @for (value, key) in [("electronic", "applications.result.electronic"), ("paper", "applications.result.paper")] {
                            label {
                                input type="radio" name="electronic" value=(value) required;
                                " " (t(l, key))
                            }
                        }
                    }
                }
                Move::Refuse | Move::RequestSupplement | Move::Stop => {
                    label for=(reason_id) { (t(l, "applications.reason")) }
                    textarea id=(reason_id) name="reason" rows="3" maxlength=(MAX_REASON) required { (typed) }
                    p.help { (t(l, "applications.reason_help")) }
                }
                Move::RequestPayment => {
                    p.help { (fill(t(l, "applications.fee_help"), &[("fee", vnd(a.fee_vnd))])) }
                }
                _ => {}
            }
            button type="submit" { (move_text(l, step)) }
        }
    }
}

fn apology_form(web: &Web, a: &Application, typed: &str) -> Markup {
    let l = web.lang;
    html! {
        section #apology {
            h2 { (t(l, "applications.apology")) }
            p.help { (t(l, "applications.apology_help")) }
            form #apology-form method="post" action={ "/officer/applications/" (a.id) "/apology" } {
                (hidden_csrf(web))
                input type="hidden" name="version" value=(a.version);
                label for="new-due-at" { (t(l, "applications.new_appointment")) }
                input #new-due-at type="datetime-local" name="new_due_at" required;
                label for="apology-reason" { (t(l, "applications.apology_reason")) }
                textarea #apology-reason name="reason" rows="3" maxlength=(MAX_REASON) required { (typed) }
                button type="submit" { (t(l, "applications.send_apology")) }
            }
        }
    }
}

/// What an event's step was, in words.
fn step_text(lang: Lang, step: &str) -> String {
    match Move::parse(step) {
        Ok(m) => move_text(lang, m).to_owned(),
        Err(_) => super::super::i18n::lookup(lang, &format!("applications.step.{step}"))
            .map_or_else(|| step.to_owned(), str::to_owned),
    }
}

/// The detail of an event (a decision, a new appointment, a payment), in words.
fn detail_text(lang: Lang, detail: &Value) -> Markup {
    let Some(fields) = detail.as_object() else {
        return html! { (detail.to_string()) };
    };
    html! {
        @for (i, (key, value)) in fields.iter().enumerate() {
            @if i > 0 { "; " }
            (super::super::i18n::lookup(lang, &format!("applications.detail.{key}")).unwrap_or(key))
            ": "
            @match (key.as_str(), value) {
                (k, Value::Number(n)) if k.ends_with("_at") && n.as_i64().is_some() => {
                    (when(lang, n.as_i64().unwrap_or_default()))
                }
                ("amount_vnd", Value::Number(n)) => (vnd(n.as_i64().unwrap_or_default())),
                ("outcome", Value::String(o)) => {
                    (super::super::i18n::lookup(lang, &format!("applications.outcome.{o}")).unwrap_or(o))
                }
                (_, v) => (shown(v)),
            }
        }
    }
}

fn history(lang: Lang, events: &[Event]) -> Markup {
    html! {
        section #history-section {
            h2 { (t(lang, "applications.history")) }
            ol #history {
                @for e in events {
                    @let actor = match e.actor {
                        Actor::Applicant(_) => ("applicant", t(lang, "applications.actor.applicant").to_owned()),
                        Actor::Officer(account) => ("officer", fill(t(lang, "applications.actor.officer"), &[("account", account.to_string())])),
                        Actor::System => ("system", t(lang, "applications.actor.system").to_owned()),
                    };
                    li data-seq=(e.seq) data-step=(e.step) data-actor=(actor.0)
                        data-to=(e.to.map_or("", Status::as_str)) {
                        (when(lang, e.at)) " · " strong { (step_text(lang, &e.step)) } " · " (actor.1)
                        @if let (Some(from), Some(to)) = (e.from, e.to) && from != to {
                            " · " (status_text(lang, from)) " → " (status_text(lang, to))
                        } @else if let (None, Some(to)) = (e.from, e.to) {
                            " · " (status_text(lang, to))
                        }
                        @if let Some(reason) = &e.reason {
                            br; span.reason { (t(lang, "applications.reason")) ": " (lines(reason)) }
                        }
                        @if let Some(detail) = &e.detail {
                            br; span.detail { (detail_text(lang, detail)) }
                        }
                    }
                }
            }
        }
    }
}
