//! The enrolment officer's console: find a person, record the in-person checks and raise the
//! account to level 2 (or create it), lock and unlock accounts with the decree's reasons.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use dinhdanh_accounts::{AccountError, By, InPersonCheck, LockReason, Role};
use dinhdanh_domain::PersonalId;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{alert, notice, page};
use super::{Web, t};
use crate::AppState;
use crate::record::{View, record_view};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/officer", get(console))
        .route("/officer/enrol", post(enrol))
        .route("/officer/lock", post(lock))
        .route("/officer/unlock", post(unlock))
}

/// The signed-in officer, or the page explaining what is missing.
async fn officer<'a>(state: &AppState, web: &'a Web) -> Result<&'a super::SignedInUser, Response> {
    let user = web.user()?;
    match state
        .accounts
        .require_staff(&user.session, Role::EnrolmentOfficer)
        .await
    {
        Ok(()) => Ok(user),
        Err(AccountError::StepUpRequired(_)) => Err(page(
            web,
            t(web.lang, "officer.title"),
            html! {
                (alert(Some(t(web.lang, "officer.step_up"))))
                p { a.button href="/login/second" { (t(web.lang, "officer.step_up_link")) } }
            },
        )
        .into_response()),
        Err(e) => Err((
            StatusCode::FORBIDDEN,
            page(
                web,
                t(web.lang, "officer.title"),
                html! {
                    (alert(Some(&web.error_text(&e))))
                },
            ),
        )
            .into_response()),
    }
}

#[derive(Deserialize, Default)]
struct Find {
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

async fn console(State(state): State<AppState>, web: Web, Query(find): Query<Find>) -> Response {
    let user = match officer(&state, &web).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let l = web.lang;
    let mut problem = find.error.clone();
    let mut found: Option<Markup> = None;
    let mut status = StatusCode::OK;
    if !find.personal_id.trim().is_empty() {
        match PersonalId::parse(&find.personal_id) {
            Err(e) => problem = Some(e.to_string()),
            Ok(pid) => match state.registry.person(pid).await {
                Err(e) => problem = Some(e.to_string()),
                Ok(record) => {
                    // The view is in the ledger before the record is on the screen; when it
                    // cannot be recorded, the record is not shown.
                    let view = View {
                        officer: user.session.account_id,
                        person: pid,
                        fields: shown_fields(&record),
                        purpose: "enrolment",
                        detail: "record",
                    };
                    match record_view(&state.ledger, view).await {
                        Ok(()) => {
                            let account =
                                state.accounts.account_of_person(pid).await.ok().flatten();
                            found = Some(person_panel(&web, &record, account.as_ref()));
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "an officer's view could not be recorded; the record was withheld");
                            status = StatusCode::SERVICE_UNAVAILABLE;
                            problem = Some(format!(
                                "the record is not shown because this view could not be recorded in the access ledger: {e}"
                            ));
                        }
                    }
                }
            },
        }
    }
    let done = find.done.as_deref().map(|k| t(l, &format!("done.{k}")));
    (
        status,
        page(
            &web,
            t(l, "officer.title"),
            html! {
                (notice(done))
                (alert(problem.as_deref()))
                form #find method="get" action="/officer" {
                    label for="find_id" { (t(l, "field.personal_id")) }
                    input #find_id name="personal_id" inputmode="numeric" pattern="[0-9]{12}" maxlength="12"
                        required value=(find.personal_id);
                    button type="submit" { (t(l, "officer.find")) }
                }
                @if let Some(panel) = found { (panel) }
            },
        ),
    )
        .into_response()
}

/// The registry fields [`person_panel`] shows, as the ledger names them.
fn shown_fields(record: &dinhdanh_registry::PersonRecord) -> Vec<String> {
    let mut fields = vec![
        "full_name",
        "personal_id",
        "birth_date",
        "permanent_residence",
    ];
    if record.person.id_card.is_some() {
        fields.extend(["id_card_number", "id_card_expires"]);
    }
    fields.into_iter().map(str::to_owned).collect()
}

fn person_panel(
    web: &Web,
    record: &dinhdanh_registry::PersonRecord,
    account: Option<&dinhdanh_accounts::Account>,
) -> Markup {
    let l = web.lang;
    let person = &record.person;
    html! {
        section #person {
            h2 { (person.name.full()) }
            dl {
                dt { (t(l, "field.personal_id")) } dd { (person.personal_id) }
                dt { (t(l, "field.birth_date")) } dd { (person.birth_date) }
                dt { (t(l, "record.residence")) } dd { (person.permanent_residence) }
                @if let Some(card) = &person.id_card {
                    dt { (t(l, "record.card")) } dd { (card.number) " → " (card.expires.map(|d| d.to_string()).unwrap_or_else(|| "∞".into())) }
                }
                dt { (t(l, "officer.account")) }
                @match account {
                    Some(a) => dd #account-level data-level=(a.level as u8) data-status=(a.status.as_str()) {
                        (t(l, if a.level as u8 == 2 { "level.2" } else { "level.1" })) " · " (a.status.as_str())
                        @for lock in &a.locks { " · " (t(l, &format!("reason.{}", lock.reason.as_str()))) }
                    },
                    None => dd #account-level data-level="0" { (t(l, "officer.no_account")) },
                }
            }
        }
        section {
            h2 { (t(l, "officer.enrol")) }
            form #enrol method="post" action="/officer/enrol" {
                input type="hidden" name="csrf" value=(web.csrf);
                input type="hidden" name="personal_id" value=(person.personal_id);
                label for="registration_point" { (t(l, "officer.point")) }
                input #registration_point name="registration_point" required;
                label { input type="checkbox" name="card_checked" value="1" required; " " (t(l, "officer.card_checked")) }
                label { input type="checkbox" name="fingerprints_checked" value="1" required; " " (t(l, "officer.fingerprints_checked")) }
                label for="enrol_phone" { (t(l, "field.phone")) }
                input #enrol_phone name="phone" type="tel";
                p.help { (t(l, "officer.phone_help")) }
                button type="submit" { (t(l, "officer.enrol_submit")) }
            }
        }
        @if let Some(a) = account {
            section {
                h2 { (t(l, "officer.lifecycle")) }
                form #lock method="post" action="/officer/lock" {
                    input type="hidden" name="csrf" value=(web.csrf);
                    input type="hidden" name="personal_id" value=(person.personal_id);
                    label for="lock_reason" { (t(l, "officer.reason")) }
                    select #lock_reason name="reason" {
                        @for r in LockReason::ALL.into_iter().filter(|r| !r.is_automatic()) {
                            option value=(r.as_str()) { (t(l, &format!("reason.{}", r.as_str()))) }
                        }
                    }
                    label for="lock_note" { (t(l, "officer.note")) }
                    input #lock_note name="note" required;
                    button.danger type="submit" { (t(l, "officer.lock")) }
                }
                @for lock in a.locks.iter().filter(|l| !l.automatic) {
                    form.inline method="post" action="/officer/unlock" {
                        input type="hidden" name="csrf" value=(web.csrf);
                        input type="hidden" name="personal_id" value=(person.personal_id);
                        input type="hidden" name="reason" value=(lock.reason.as_str());
                        input type="hidden" name="note" value="unlocked at the counter";
                        button type="submit" { (t(l, "officer.unlock")) " — " (t(l, &format!("reason.{}", lock.reason.as_str()))) }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    registration_point: String,
    #[serde(default)]
    card_checked: Option<String>,
    #[serde(default)]
    fingerprints_checked: Option<String>,
    #[serde(default)]
    phone: String,
}

fn back(personal_id: &str, key: &str, error: Option<String>) -> Response {
    let mut url = format!("/officer?personal_id={}", personal_id.trim());
    match error {
        Some(e) => url.push_str(&format!("&error={}", urlencode(&e))),
        None => url.push_str(&format!("&done={key}")),
    }
    Redirect::to(&url).into_response()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn enrol(State(state): State<AppState>, web: Web, Form(form): Form<EnrolForm>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let user = match officer(&state, &web).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let check = InPersonCheck {
        registration_point: form.registration_point.clone(),
        card_checked: form.card_checked.is_some(),
        fingerprints_checked: form.fingerprints_checked.is_some(),
        phone: Some(form.phone.clone()).filter(|p| !p.trim().is_empty()),
    };
    let result = state
        .accounts
        .enrol_in_person(&user.session, &form.personal_id, &check)
        .await;
    back(
        &form.personal_id,
        "enrolled",
        result.err().map(|e| web.error_text(&e)),
    )
}

#[derive(Deserialize)]
struct LockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    personal_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn lifecycle(state: &AppState, web: &Web, form: &LockForm, lock: bool) -> Result<(), String> {
    let user = web.user().map_err(|_| "not signed in".to_string())?;
    let reason = LockReason::parse(&form.reason)
        .ok_or_else(|| format!("unknown reason {:?}", form.reason))?;
    let pid = PersonalId::parse(&form.personal_id).map_err(|e| e.to_string())?;
    let account = state
        .accounts
        .account_of_person(pid)
        .await
        .map_err(|e| web.error_text(&e))?
        .ok_or_else(|| t(web.lang, "officer.no_account").to_string())?;
    let result = if lock {
        state
            .accounts
            .lock(By::Session(&user.session), account.id, reason, &form.note)
            .await
    } else {
        state
            .accounts
            .unlock(By::Session(&user.session), account.id, reason, &form.note)
            .await
    };
    result.map_err(|e| web.error_text(&e))
}

async fn lock(State(state): State<AppState>, web: Web, Form(form): Form<LockForm>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    if let Err(r) = officer(&state, &web).await {
        return r;
    }
    back(
        &form.personal_id,
        "locked",
        lifecycle(&state, &web, &form, true).await.err(),
    )
}

async fn unlock(State(state): State<AppState>, web: Web, Form(form): Form<LockForm>) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    if let Err(r) = officer(&state, &web).await {
        return r;
    }
    back(
        &form.personal_id,
        "unlocked",
        lifecycle(&state, &web, &form, false).await.err(),
    )
}
