//! The National Public Service Portal (Cổng Dịch vụ công quốc gia), the citizen's side: the
//! procedure catalogue, applications pre-filled from the registry, uploads, filing, following an
//! application, paying its fee, and the public status check.
//!
//! The portal is its own relying party of the platform's OpenID provider (client
//! [`dinhdanh_services::PORTAL_CLIENT`]): a citizen signs in through the standard
//! authorization-code flow over HTTP, exactly as a ministry's portal on another server would, and
//! the portal keeps its own session. It never reads the provider's session cookie.
//!
//! - `provider`: the provider as the portal reaches it (discovery, ID-token and logout-token
//!   signatures, registration at start); `signin`: sign-in, callback, the portal's session,
//!   sign-out; `backchannel`: the provider's back-channel logout, which ends portal sessions.
//!   Their tables are the `dinhdanh_portal` capability's.
//! - `catalogue`, `applications` (with `documents`, `moves` and the pieces in `view`), `fees` and
//!   `status`: the pages; `texts`: their words in Vietnamese and English.
//!
//! The rules are in `dinhdanh_services` and `dinhdanh_payment`; this module turns the portal
//! session into a [`Citizen`], forms into calls, and refusals into pages that say what is wrong
//! in the visitor's language.

mod applications;
mod backchannel;
mod catalogue;
mod documents;
mod fees;
mod moves;
mod provider;
mod signin;
mod status;
mod texts;
mod view;

use crate::web::layout::hidden_csrf;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use dinhdanh_accounts::{Account, AccountError};
use dinhdanh_services::catalogue::Level;
use dinhdanh_services::{Citizen, Procedure, ServicesError, Status};
use maud::{Markup, html};

use super::layout::{message_page, page};
use super::{Lang, Web, t};
use crate::AppState;

pub(crate) use provider::register;
pub(crate) use texts::TEXTS;

/// The portal's routes, sharing one [`provider::Provider`].
pub(crate) struct Routes {
    /// The pages: behind the site's guard (CSRF cookie, `Origin` check, page headers).
    pub(crate) pages: Router<AppState>,
    /// The back-channel logout endpoint, which the provider calls server to server.
    pub(crate) back_channel: Router<AppState>,
}

pub(crate) fn routes(state: &AppState) -> Routes {
    let provider = Extension(Arc::new(provider::Provider::new(state.client_tls())));
    Routes {
        pages: Router::new()
            .merge(catalogue::router())
            .merge(signin::router())
            .merge(applications::router())
            .merge(documents::router())
            .merge(moves::router())
            .merge(fees::router())
            .merge(status::router())
            .layer(provider.clone()),
        back_channel: backchannel::router().layer(provider),
    }
}

// ---------------------------------------------------------------------------------------------
// Who is asking
// ---------------------------------------------------------------------------------------------

/// Whoever opened a portal page: signed in to the portal or not.
pub(super) struct Visitor {
    /// The account of the portal session, if there is a live one.
    signed: Option<Account>,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(Visitor {
            signed: signin::session_account(state, &parts.headers).await,
        })
    }
}

impl Visitor {
    /// Whether the visitor has a portal session.
    fn signed_in(&self) -> bool {
        self.signed.is_some()
    }

    /// The citizen of the portal session; without one, a redirect through the provider's sign-in
    /// that comes back to `next`.
    fn citizen(&self, web: &Web, next: &str) -> Result<Citizen, Response> {
        let Some(account) = &self.signed else {
            return Err(signin::login_redirect(next));
        };
        Citizen::of(account).map_err(|e| refusal(web, self, &e, None))
    }
}

// ---------------------------------------------------------------------------------------------
// The frame
// ---------------------------------------------------------------------------------------------

/// A portal page: the site's layout with the portal's own navigation above `body`.
fn frame(web: &Web, visitor: &Visitor, title: &str, body: Markup) -> Markup {
    let l = web.lang;
    page(
        web,
        title,
        html! {
            nav #portal-nav aria-label=(t(l, "portal.nav.label")) {
                a href="/portal" { (t(l, "portal.nav.catalogue")) }
                a href="/portal/applications" { (t(l, "portal.nav.mine")) }
                a href="/portal/status" { (t(l, "portal.nav.status")) }
                @if visitor.signed_in() {
                    form.inline #portal-logout method="post" action="/portal/logout" {
                        (hidden_csrf(web))
                        button.link type="submit" { (t(l, "portal.nav.logout")) }
                    }
                } @else {
                    a #portal-login href="/portal/login" { (t(l, "portal.nav.login")) }
                }
            }
            (body)
        },
    )
}

/// A portal page with one message, answered with `status`.
fn message(web: &Web, visitor: &Visitor, status: StatusCode, title: &str, text: &str) -> Response {
    let l = web.lang;
    (
        status,
        frame(
            web,
            visitor,
            title,
            html! {
                p #message { (text) }
                p { a href="/portal" { (t(l, "portal.nav.catalogue")) } }
            },
        ),
    )
        .into_response()
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// Local paths only: where a sign-in may send the browser back to.
fn is_portal_path(next: &str) -> bool {
    (next == "/portal" || next.starts_with("/portal/") || next.starts_with("/portal?"))
        && !next.contains("//")
        && !next.contains('\\')
        && next.len() <= 1000
        && !next.chars().any(char::is_control)
}

// ---------------------------------------------------------------------------------------------
// Refusals in words
// ---------------------------------------------------------------------------------------------

/// The HTTP status a refusal is answered with.
fn status_of(error: &ServicesError) -> StatusCode {
    match error {
        ServicesError::Invalid { .. }
        | ServicesError::Missing(_)
        | ServicesError::BadUpload { .. } => StatusCode::BAD_REQUEST,
        ServicesError::NotFound | ServicesError::UnknownProcedure(_) => StatusCode::NOT_FOUND,
        ServicesError::NotAPerson
        | ServicesError::NotAnOfficer
        | ServicesError::StepUpRequired
        | ServicesError::Account(_) => StatusCode::FORBIDDEN,
        ServicesError::NotOnline(_)
        | ServicesError::NotAllowed { .. }
        | ServicesError::NotYours(_)
        | ServicesError::Changed => StatusCode::CONFLICT,
        ServicesError::TooManyChecks { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A refusal in `lang`. With the procedure at hand, a field or document is named by its label.
fn error_text(lang: Lang, error: &ServicesError, procedure: Option<&Procedure>) -> String {
    let english = lang == Lang::En;
    match error {
        ServicesError::Invalid { field, .. } => {
            match procedure.and_then(|p| p.form.iter().find(|f| &f.id == field)) {
                Some(f) => fill(
                    t(lang, "portal.error.field"),
                    &[
                        ("field", f.label.pick(english).to_owned()),
                        ("hint", view::field_hint(lang, &f.kind)),
                    ],
                ),
                None if field == "application" => t(lang, "portal.error.locked").to_owned(),
                None if field == "code" => t(lang, "portal.error.code").to_owned(),
                None if field == "personal_id" => t(lang, "portal.error.personal_id").to_owned(),
                None => fill(
                    t(lang, "portal.error.invalid"),
                    &[("field", field.chars().take(40).collect())],
                ),
            }
        }
        ServicesError::Missing(what) => fill(
            t(lang, "portal.error.missing"),
            &[("what", missing_name(lang, what, procedure))],
        ),
        ServicesError::BadUpload { document, .. } => fill(
            t(lang, "portal.error.upload"),
            &[(
                "document",
                procedure
                    .and_then(|p| p.document(document))
                    .map_or_else(|| document.clone(), |d| d.name.pick(english).to_owned()),
            )],
        ),
        ServicesError::UnknownProcedure(_) => t(lang, "portal.error.unknown_procedure").to_owned(),
        ServicesError::NotOnline(_) => t(lang, "portal.error.not_online").to_owned(),
        ServicesError::NotFound => t(lang, "portal.error.not_found").to_owned(),
        ServicesError::NotAllowed { from, .. } => fill(
            t(lang, "portal.error.not_allowed"),
            &[("status", status_text(lang, Some(*from)).to_owned())],
        ),
        ServicesError::NotYours(_) => t(lang, "portal.error.not_yours").to_owned(),
        ServicesError::Changed => t(lang, "portal.error.changed").to_owned(),
        ServicesError::NotAPerson => t(lang, "portal.error.not_a_person").to_owned(),
        ServicesError::TooManyChecks { retry_after_s } => fill(
            t(lang, "portal.error.too_many_checks"),
            &[("seconds", retry_after_s.to_string())],
        ),
        ServicesError::Account(e) => account_text(lang, e),
        ServicesError::Prefill(e) => {
            tracing::warn!(error = %e, "the portal could not read registry data for a draft");
            t(lang, "portal.error.prefill").to_owned()
        }
        other => {
            tracing::error!(error = %other, "a portal request failed");
            t(lang, "portal.error.unavailable").to_owned()
        }
    }
}

/// What a [`ServicesError::Missing`] names, by its label in `lang` when the procedure has it
/// (the capability names it as `English label (id)`).
fn missing_name(lang: Lang, what: &str, procedure: Option<&Procedure>) -> String {
    let english = lang == Lang::En;
    let id = what
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'));
    let label = procedure.zip(id).and_then(|(p, id)| {
        p.form
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.label.pick(english).to_owned())
            .or_else(|| p.document(id).map(|d| d.name.pick(english).to_owned()))
    });
    label.unwrap_or_else(|| what.to_owned())
}

fn account_text(lang: Lang, error: &AccountError) -> String {
    super::i18n::error_text(lang, error)
}

/// A page with the refusal, answered with its status.
fn refusal(
    web: &Web,
    visitor: &Visitor,
    error: &ServicesError,
    procedure: Option<&Procedure>,
) -> Response {
    message(
        web,
        visitor,
        status_of(error),
        t(web.lang, "portal.error.title"),
        &error_text(web.lang, error, procedure),
    )
}

/// The whole response for a page that cannot be shown to anyone: a plain message page.
fn unavailable(web: &Web) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        message_page(
            web,
            t(web.lang, "portal.error.title"),
            t(web.lang, "portal.error.unavailable"),
        ),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Shared words
// ---------------------------------------------------------------------------------------------

/// An application's status in words; `None` is a draft.
fn status_text(lang: Lang, status: Option<Status>) -> &'static str {
    match status {
        None => t(lang, "portal.status.draft"),
        Some(s) => t(lang, &format!("portal.status.{}", s.as_str())),
    }
}

/// What the applicant has to do next, for an application in `status`.
fn next_text(lang: Lang, status: Option<Status>) -> &'static str {
    match status {
        None => t(lang, "portal.next.draft"),
        Some(s) => t(lang, &format!("portal.next.{}", s.as_str())),
    }
}

/// What an event of the history did, in words (a move, or filing, an apology, a counter record).
fn step_text(lang: Lang, step: &str) -> String {
    super::i18n::lookup(lang, &format!("portal.step.{step}"))
        .map_or_else(|| step.to_owned(), str::to_owned)
}

/// A procedure's level under Decree 42/2022 with the older level beside it.
fn level_text(lang: Lang, level: Level) -> &'static str {
    t(lang, &format!("portal.level.{}", level.as_str()))
}

/// A fee in đồng, grouped the way the language writes numbers; "free" for 0.
fn fee_text(lang: Lang, fee_vnd: i64) -> String {
    if fee_vnd == 0 {
        return t(lang, "portal.fee.free").to_owned();
    }
    let digits = fee_vnd.to_string();
    let separator = if lang == Lang::Vi { '.' } else { ',' };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    fill(t(lang, "portal.fee.amount"), &[("amount", grouped)])
}

/// A processing time in working days when it is whole days, else in working hours.
fn duration_text(lang: Lang, hours: u32) -> String {
    if hours.is_multiple_of(8) {
        fill(
            t(lang, "portal.time.days"),
            &[("days", (hours / 8).to_string())],
        )
    } else {
        fill(
            t(lang, "portal.time.hours"),
            &[("hours", hours.to_string())],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::i18n::lookup;
    use super::*;

    #[test]
    fn every_text_the_portal_uses_exists_in_both_languages() {
        let source = [
            include_str!("mod.rs"),
            include_str!("signin.rs"),
            include_str!("provider.rs"),
            include_str!("catalogue.rs"),
            include_str!("applications.rs"),
            include_str!("documents.rs"),
            include_str!("moves.rs"),
            include_str!("view.rs"),
            include_str!("fees.rs"),
            include_str!("status.rs"),
        ]
        .concat();
        let mut missing = Vec::new();
        for piece in source.split("\"portal.").skip(1) {
            let Some((rest, _)) = piece.split_once('"') else {
                continue;
            };
            let key = format!("portal.{rest}");
            // Families are listed below; a key built with format! ends with a dot.
            if key.ends_with('.') || key.contains('{') {
                continue;
            }
            if lookup(Lang::Vi, &key).is_none() || lookup(Lang::En, &key).is_none() {
                missing.push(key);
            }
        }
        let mut families: Vec<String> = Status::ALL
            .iter()
            .flat_map(|s| {
                [
                    format!("portal.status.{}", s.as_str()),
                    format!("portal.next.{}", s.as_str()),
                ]
            })
            .collect();
        families.extend(
            dinhdanh_services::Move::ALL
                .iter()
                .map(|m| format!("portal.step.{}", m.as_str())),
        );
        for step in ["file", "apologize", "record"] {
            families.push(format!("portal.step.{step}"));
        }
        for level in [Level::Full, Level::Partial] {
            families.push(format!("portal.level.{}", level.as_str()));
        }
        for channel in ["online", "counter", "post"] {
            families.push(format!("portal.channel.{channel}"));
        }
        for state in ["open", "expired", "paid", "failed"] {
            families.push(format!("portal.attempt.{state}"));
        }
        for done in [
            "started",
            "saved",
            "uploaded",
            "filed",
            "withdrawn",
            "supplemented",
        ] {
            families.push(format!("portal.done.{done}"));
        }
        for key in [
            "outcome.approved",
            "outcome.refused",
            "value.male",
            "value.female",
        ] {
            families.push(format!("portal.{key}"));
        }
        for key in families {
            if lookup(Lang::Vi, &key).is_none() || lookup(Lang::En, &key).is_none() {
                missing.push(key);
            }
        }
        assert!(missing.is_empty(), "texts missing for {missing:?}");
        assert!(TEXTS.iter().all(|(k, _, _)| k.starts_with("portal.")));
    }

    #[test]
    fn fees_and_times_read_naturally() {
        assert_eq!(fee_text(Lang::Vi, 0), "Miễn phí");
        assert_eq!(fee_text(Lang::Vi, 1_250_000), "1.250.000 đồng");
        assert_eq!(fee_text(Lang::En, 20_000), "20,000 VND");
        assert_eq!(duration_text(Lang::Vi, 56), "7 ngày làm việc");
        assert_eq!(duration_text(Lang::En, 4), "4 working hours");
    }

    #[test]
    fn only_portal_paths_are_places_to_come_back_to() {
        for ok in ["/portal", "/portal/applications/ab", "/portal?q=x"] {
            assert!(is_portal_path(ok), "{ok}");
        }
        for bad in [
            "https://evil.example/portal",
            "//evil.example/portal",
            "/portal//evil",
            "/portalx",
            "/account",
            "/portal/\\evil",
        ] {
            assert!(!is_portal_path(bad), "{bad}");
        }
    }

    #[test]
    fn a_missing_field_is_named_by_its_label() {
        let procedure = dinhdanh_services::catalogue::demo()
            .procedures
            .into_iter()
            .find(|p| p.code == "1.001193")
            .expect("the birth registration procedure");
        let e = ServicesError::Missing("Child's full name (child_full_name)".into());
        assert_eq!(
            error_text(Lang::Vi, &e, Some(&procedure)),
            "Còn thiếu: Họ, chữ đệm và tên của trẻ."
        );
        assert_eq!(
            error_text(Lang::En, &e, Some(&procedure)),
            "Missing: Child's full name."
        );
    }
}
