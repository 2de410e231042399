//! What the officer's forms do: a move (with the version of the application the officer saw),
//! an apology with a new appointment, and the download of a document. A refusal shows the
//! application's page again with the reason in words and what was typed; a stale page is told
//! that the application changed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::Redirect;
use axum::routing::{get, post};
use chrono::NaiveDateTime;
use dinhdanh_services::{Outcome, Step};
use serde::Deserialize;

use super::detail::{Problem, application_page};
use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/officer/applications/{id}/moves", post(make_move))
        .route("/officer/applications/{id}/apology", post(apologize))
        .route(
            "/officer/applications/{id}/documents/{document}",
            get(download),
        )
}

#[derive(Deserialize, Default)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    electronic: String,
}

/// The move as the form gives it, or the text that says which input is wrong.
fn parse_move(lang: Lang, form: &MoveForm, step: Move) -> Result<Step, String> {
    let version = form
        .version
        .trim()
        .parse()
        .map_err(|_| t(lang, "applications.error.form").to_owned())?;
    let outcome = match form.outcome.trim() {
        "" => None,
        given => Some(
            Outcome::parse(given)
                .map_err(|_| t(lang, "applications.error.decision_required").to_owned())?,
        ),
    };
    let electronic = match form.electronic.trim() {
        "" => None,
        "electronic" => Some(true),
        "paper" => Some(false),
        _ => return Err(t(lang, "applications.error.channel_required").to_owned()),
    };
    Ok(Step {
        step,
        version,
        reason: Some(form.reason.clone()).filter(|r| !r.trim().is_empty()),
        outcome,
        electronic,
    })
}

/// The refusal to show for a failed move or apology: when the application changed since the
/// officer's page was made, that is what to say, whatever else the stale form got wrong.
async fn explain(
    state: &AppState,
    me: &Officer,
    id: &str,
    seen: &str,
    error: &ServicesError,
    lang: Lang,
    doing: &Doing<'_>,
) -> (String, StatusCode) {
    if let Ok(detail) = state.services.handled(me, id).await
        && seen.trim().parse::<i64>().ok() != Some(detail.application.version)
    {
        let changed = ServicesError::Changed;
        return (
            error_text(lang, &changed, &Doing::Viewing),
            status_of(&changed),
        );
    }
    (error_text(lang, error, doing), status_of(error))
}

async fn make_move(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = web.lang;
    let failed = |text: String, status: StatusCode| Problem {
        text,
        status,
        form: form.step.trim(),
        reason: form.reason.as_str(),
    };
    let Ok(step) = Move::parse(form.step.trim()) else {
        let problem = failed(
            t(l, "applications.error.form").to_owned(),
            StatusCode::BAD_REQUEST,
        );
        return application_page(&state, &web, &me, &id, None, Some(problem)).await;
    };
    let parsed = match parse_move(l, &form, step) {
        Ok(parsed) => parsed,
        Err(text) => {
            let problem = failed(text, StatusCode::BAD_REQUEST);
            return application_page(&state, &web, &me, &id, None, Some(problem)).await;
        }
    };
    match state.services.officer_moves(&me, &id, &parsed).await {
        Ok(moved) => Redirect::to(&format!(
            "/officer/applications/{}?done={}",
            moved.id,
            step.as_str()
        ))
        .into_response(),
        Err(e @ ServicesError::NotFound) => refusal(&web, &e, &Doing::Viewing),
        Err(e) => {
            let doing = Doing::Moving {
                step,
                outcome_given: parsed.outcome.is_some(),
                electronic_given: parsed.electronic.is_some(),
            };
            let (text, status) = explain(&state, &me, &id, &form.version, &e, l, &doing).await;
            application_page(&state, &web, &me, &id, None, Some(failed(text, status))).await
        }
    }
}

#[derive(Deserialize, Default)]
struct ApologyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    new_due_at: String,
    #[serde(default)]
    reason: String,
}

/// A new appointment as a `datetime-local` input gives it, in Vietnam time, as Unix ms.
fn appointment(value: &str) -> Option<i64> {
    let value = value.trim();
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(dinhdanh_calendar::vietnam::instant(local))
}

async fn apologize(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<ApologyForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = web.lang;
    let failed = |text: String, status: StatusCode| Problem {
        text,
        status,
        form: "apology",
        reason: form.reason.as_str(),
    };
    let parsed = form
        .version
        .trim()
        .parse::<i64>()
        .ok()
        .zip(appointment(&form.new_due_at));
    let Some((version, new_due_at)) = parsed else {
        let key = if appointment(&form.new_due_at).is_none() {
            "applications.error.appointment_format"
        } else {
            "applications.error.form"
        };
        let problem = failed(t(l, key).to_owned(), StatusCode::BAD_REQUEST);
        return application_page(&state, &web, &me, &id, None, Some(problem)).await;
    };
    match state
        .services
        .apologize(&me, &id, version, new_due_at, &form.reason)
        .await
    {
        Ok(moved) => Redirect::to(&format!(
            "/officer/applications/{}?done=apologize",
            moved.id
        ))
        .into_response(),
        Err(e @ ServicesError::NotFound) => refusal(&web, &e, &Doing::Viewing),
        Err(e) => {
            let (text, status) =
                explain(&state, &me, &id, &form.version, &e, l, &Doing::Apologizing).await;
            application_page(&state, &web, &me, &id, None, Some(failed(text, status))).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

/// `Content-Disposition` for a download under the name the applicant gave: an ASCII fallback
/// and the exact name in RFC 8187 encoding.
fn attachment(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    State(state): State<AppState>,
    web: Web,
    Path((id, document)): Path<(String, String)>,
) -> Response {
    let me = match officer(&state, &web).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match state.services.document_for(&me, &id, &document).await {
        Ok((upload, bytes)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_str(&upload.media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            if let Ok(value) = HeaderValue::from_str(&attachment(&upload.file_name)) {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => refusal(&web, &e, &Doing::Viewing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_keeps_the_applicants_file_name() {
        assert_eq!(
            attachment("hợp đồng thuê.pdf"),
            "attachment; filename=\"h_p __ng thu_.pdf\"; \
             filename*=UTF-8''h%E1%BB%A3p%20%C4%91%E1%BB%93ng%20thu%C3%AA.pdf"
        );
        assert_eq!(
            attachment("a\"b.pdf"),
            "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf"
        );
    }

    #[test]
    fn an_appointment_is_read_in_vietnam_time() {
        // 2026-03-16 08:00 in Vietnam is 01:00 UTC.
        assert_eq!(appointment("2026-03-16T08:00"), Some(1_773_622_800_000));
        assert_eq!(
            appointment(" 2026-03-16T08:00:00 "),
            Some(1_773_622_800_000)
        );
        assert_eq!(appointment("16/03/2026 08:00"), None);
        assert_eq!(appointment(""), None);
    }
}
