//! Recording an application received at the one-stop counter: the officer picks a procedure of
//! one of their units, types the applicant's personal ID and the procedure's form fields; the
//! application is accepted at once and numbered with the online ones.

use std::collections::BTreeMap;

use axum::extract::{Query, RawForm, State};
use axum::response::Redirect;
use axum::routing::get;
use dinhdanh_domain::PersonalId;
use dinhdanh_services::catalogue::Channel;
use serde::Deserialize;

use super::*;

/// The prefix of a form field's input name.
const ANSWER: &str = "answer.";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/officer/applications/counter",
        get(counter_form).post(record),
    )
}

#[derive(Deserialize, Default)]
struct Chosen {
    #[serde(default)]
    procedure: Option<String>,
}

/// What the officer typed, kept to fill the form again after a refusal.
#[derive(Debug, Default)]
struct Typed {
    csrf: String,
    procedure: String,
    personal_id: String,
    answers: BTreeMap<String, String>,
}

impl Typed {
    /// Reads a form body; each name counts once (the first).
    fn from_body(body: &[u8]) -> Typed {
        let mut typed = Typed::default();
        let mut seen = std::collections::BTreeSet::new();
        for (key, value) in url::form_urlencoded::parse(body) {
            if !seen.insert(key.to_string()) {
                continue;
            }
            match key.as_ref() {
                "csrf" => typed.csrf = value.into_owned(),
                "procedure" => typed.procedure = value.into_owned(),
                "personal_id" => typed.personal_id = value.into_owned(),
                name => {
                    if let Some(id) = name.strip_prefix(ANSWER) {
                        typed.answers.insert(id.to_owned(), value.into_owned());
                    }
                }
            }
        }
        typed
    }
}

/// The procedures the officer may record: those of their units filed at the counter.
async fn theirs(state: &AppState, me: &Officer) -> Result<Vec<Procedure>, ServicesError> {
    Ok(state
        .services
        .procedures()
        .await?
        .into_iter()
        .filter(|p| me.serves(&p.agency.unit) && p.channels.contains(&Channel::Counter))
        .collect())
}

async fn counter_form(
    State(state): State<AppState>,
    web: Web,
    Query(chosen): Query<Chosen>,
) -> Response {
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let typed = Typed {
        procedure: chosen.procedure.unwrap_or_default(),
        ..Typed::default()
    };
    counter_page(&state, &web, &me, &typed, None).await
}

async fn counter_page(
    state: &AppState,
    web: &Web,
    me: &Officer,
    typed: &Typed,
    problem: Option<(String, StatusCode)>,
) -> Response {
    let l = web.lang;
    let en = l == Lang::En;
    let procedures = match theirs(state, me).await {
        Ok(p) => p,
        Err(e) => return refusal(web, &e, &Doing::Viewing),
    };
    let chosen = procedures.iter().find(|p| p.code == typed.procedure.trim());
    let (status, text) = match &problem {
        Some((text, status)) => (*status, Some(text.as_str())),
        None if !typed.procedure.is_empty() && chosen.is_none() => (
            StatusCode::NOT_FOUND,
            Some(t(l, "applications.error.not_your_procedure")),
        ),
        None => (StatusCode::OK, None),
    };
    let markup = page(
        web,
        t(l, "applications.counter_title"),
        html! {
            (alert(text))
            p.help { (t(l, "applications.counter_help")) }
            form #choose-procedure method="get" action="/officer/applications/counter" {
                label for="procedure" { (t(l, "applications.procedure")) }
                select #procedure name="procedure" required {
                    option value="" { "—" }
                    @for p in &procedures {
                        option value=(p.code) selected[chosen.is_some_and(|c| c.code == p.code)] {
                            (p.code) " · " (p.name.pick(en)) " (" (p.agency.unit) ")"
                        }
                    }
                }
                button.secondary type="submit" { (t(l, "applications.choose")) }
            }
            @if let Some(p) = chosen {
                form #record-counter method="post" action="/officer/applications/counter" {
                    (hidden_csrf(web))
                    input type="hidden" name="procedure" value=(p.code);
                    h2 { (p.name.pick(en)) }
                    label for="counter-personal-id" { (t(l, "applications.applicant_id")) }
                    input #counter-personal-id name="personal_id" inputmode="numeric" maxlength="12"
                        autocomplete="off" required value=(typed.personal_id);
                    @for f in &p.form {
                        @let input_id = format!("answer-{}", f.id);
                        @let name = format!("{ANSWER}{}", f.id);
                        @let value = typed.answers.get(&f.id).map_or("", String::as_str);
                        label for=(input_id) {
                            (f.label.pick(en))
                            @if !f.required { " " span.help { (t(l, "applications.optional")) } }
                        }
                        @match &f.kind {
                            FieldKind::Choice { options } => {
                                select id=(input_id) name=(name) required[f.required] {
                                    option value="" { "—" }
                                    @for o in options {
                                        option value=(o.code) selected[o.code == value] { (o.label.pick(en)) }
                                    }
                                }
                            }
                            FieldKind::Date {} => {
                                input id=(input_id) name=(name) type="date" required[f.required] value=(value);
                            }
                            FieldKind::Number { min, max } => {
                                input id=(input_id) name=(name) type="number" min=(min) max=(max)
                                    required[f.required] value=(value);
                            }
                            FieldKind::PersonalId {} => {
                                input id=(input_id) name=(name) inputmode="numeric" maxlength="12"
                                    required[f.required] value=(value);
                            }
                            FieldKind::Text { max } => {
                                input id=(input_id) name=(name) maxlength=(max) required[f.required] value=(value);
                            }
                        }
                    }
                    button type="submit" { (t(l, "applications.record")) }
                }
            }
            p { a href="/officer/applications" { (t(l, "applications.back_queue")) } }
        },
    );
    (status, markup).into_response()
}

async fn record(State(state): State<AppState>, web: Web, RawForm(body): RawForm) -> Response {
    let typed = Typed::from_body(&body);
    if let Err(r) = web.check_csrf(&typed.csrf) {
        return r;
    }
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = web.lang;
    let procedure = theirs(&state, &me)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|p| p.code == typed.procedure.trim()));
    let Some(procedure) = procedure else {
        let text = t(l, "applications.error.not_your_procedure").to_owned();
        return counter_page(
            &state,
            &web,
            &me,
            &typed,
            Some((text, StatusCode::NOT_FOUND)),
        )
        .await;
    };
    let Ok(personal_id) = PersonalId::parse(typed.personal_id.trim()) else {
        let text = t(l, "applications.error.personal_id").to_owned();
        return counter_page(
            &state,
            &web,
            &me,
            &typed,
            Some((text, StatusCode::BAD_REQUEST)),
        )
        .await;
    };
    match state
        .services
        .record_counter(&me, &procedure.code, personal_id, &typed.answers)
        .await
    {
        Ok(recorded) => Redirect::to(&format!(
            "/officer/applications/{}?done=recorded",
            recorded.id
        ))
        .into_response(),
        Err(e) => {
            let text = error_text(l, &e, &Doing::Recording(Some(&procedure)));
            counter_page(&state, &web, &me, &typed, Some((text, status_of(&e)))).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_keeps_each_answer_and_the_first_of_a_repeated_name() {
        let typed = Typed::from_body(
            b"csrf=abc&procedure=1.004194&personal_id=001090012345&answer.temporary_address=S%E1%BB%91+5&answer.start_date=2026-03-01&procedure=2.000001&other=x",
        );
        assert_eq!(typed.csrf, "abc");
        assert_eq!(typed.procedure, "1.004194");
        assert_eq!(typed.personal_id, "001090012345");
        assert_eq!(typed.answers.len(), 2);
        assert_eq!(typed.answers["temporary_address"], "Số 5");
    }
}
