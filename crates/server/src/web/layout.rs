//! The page frame, the home page, plain message pages and the demo outbox.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use dinhdanh_accounts::Role;
use maud::{DOCTYPE, Markup, html};

use super::{Lang, Web, t};
use crate::AppState;

/// A whole page around `body`.
pub(crate) fn page(web: &Web, title: &str, body: Markup) -> Markup {
    let lang = web.lang;
    let other = match lang {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    };
    let staff = web.signed_in.as_ref().is_some_and(|u| {
        u.account.has_role(Role::EnrolmentOfficer) || u.account.has_role(Role::Operator)
    });
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(web.csrf);
                title { (title) " · " (t(lang, "site.name")) }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/passkey.js" defer {}
            }
            body {
                a.skip href="#main" { (t(lang, "nav.skip")) }
                header {
                    a.brand href="/" { (t(lang, "site.name")) }
                    nav aria-label=(t(lang, "nav.label")) {
                        @if web.signed_in.is_some() {
                            a href="/account" { (t(lang, "nav.account")) }
                            @if staff { a href="/officer" { (t(lang, "nav.officer")) } }
                            form #logout method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(web.csrf);
                                button.link type="submit" { (t(lang, "nav.logout")) }
                            }
                        } @else {
                            a href="/login" { (t(lang, "nav.login")) }
                            a href="/register" { (t(lang, "nav.register")) }
                        }
                        a href={ "?lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) {
                            (other.name())
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
                footer { p { (t(lang, "site.footer")) } }
            }
        }
    }
}

/// A page with one message.
pub(crate) fn message_page(web: &Web, title: &str, text: &str) -> Markup {
    page(
        web,
        title,
        html! { p { (text) } p { a href="/" { (t(web.lang, "nav.home")) } } },
    )
}

/// An error line for forms.
pub(crate) fn alert(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.alert role="alert" { (text) }
        }
    }
}

/// The hidden field carrying the page's CSRF token; every POST form has one.
pub(crate) fn hidden_csrf(web: &Web) -> Markup {
    html! { input type="hidden" name="csrf" value=(web.csrf); }
}

/// A success line.
pub(crate) fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice role="status" { (text) }
        }
    }
}

pub(crate) async fn home(web: Web) -> Markup {
    let l = web.lang;
    page(
        &web,
        t(l, "home.title"),
        html! {
            p { (t(l, "home.intro")) }
            ul.actions {
                li { a.button href="/register" { (t(l, "home.register")) } }
                li { a.button href="/login" { (t(l, "home.login")) } }
                li { a.button.secondary href="/activate" { (t(l, "home.activate")) } }
                li { a.button.secondary href="/credentials/verify" { (t(l, "home.verify_document")) } }
            }
            h2 { (t(l, "home.levels")) }
            dl {
                dt { (t(l, "level.1")) } dd { (t(l, "home.level1")) }
                dt { (t(l, "level.2")) } dd { (t(l, "home.level2")) }
            }
        },
    )
}

/// Messages that would go out by SMS (demo mode only).
pub(crate) async fn demo_outbox(State(state): State<AppState>, web: Web) -> Response {
    let l = web.lang;
    let messages = match dinhdanh_accounts::notify::outbox(&state.db, None, 50).await {
        Ok(m) => m,
        Err(e) => {
            return message_page(&web, t(l, "error.title"), &web.error_text(&e)).into_response();
        }
    };
    page(
        &web,
        t(l, "outbox.title"),
        html! {
            p { (t(l, "outbox.intro")) }
            table #outbox {
                thead { tr { th { (t(l, "outbox.to")) } th { (t(l, "outbox.text")) } th { (t(l, "outbox.status")) } } }
                tbody {
                    @for m in &messages {
                        tr data-recipient=(m.recipient) {
                            td { (m.recipient) }
                            td.body { (m.body) }
                            td { (m.status) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
