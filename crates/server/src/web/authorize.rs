//! The authorization endpoint as the browser sees it: the request is checked by the OpenID
//! provider, which answers with a redirect (a code or an error for the client), a sign-in, a
//! consent page, or an error shown here and never sent to an unverified redirect URI.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use dinhdanh_oidc::{Outcome, Scope};
use maud::html;
use serde::Deserialize;

use super::layout::page;
use super::{Lang, Web, t};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/authorize", get(authorize_get).post(authorize_post))
        .route("/authorize/continue/{id}", get(resume))
        .route("/authorize/consent/{id}", get(consent_form).post(consent))
        .route("/session/end", get(end_session_form).post(end_session))
}

/// Where the sign-in pages send the browser back to; only these paths are accepted as `next`.
pub(crate) const CONTINUE_PREFIX: &str = "/authorize/continue/";

/// A `next` parameter, if it names an interaction to continue (nothing else: no open redirect).
pub(crate) fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| {
        n.strip_prefix(CONTINUE_PREFIX).is_some_and(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    })
}

fn respond(web: &Web, outcome: Outcome) -> Response {
    match outcome {
        Outcome::Redirect(to) => Redirect::to(&to).into_response(),
        Outcome::SignIn {
            interaction,
            login_hint,
            ..
        } => {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("next", &format!("{CONTINUE_PREFIX}{interaction}"));
            if let Some(hint) =
                login_hint.filter(|h| h.len() == 12 && h.bytes().all(|b| b.is_ascii_digit()))
            {
                query.append_pair("hint", &hint);
            }
            Redirect::to(&format!("/login?{}", query.finish())).into_response()
        }
        Outcome::Consent { interaction } => {
            Redirect::to(&format!("/authorize/consent/{interaction}")).into_response()
        }
        Outcome::Page(error) => {
            let l = web.lang;
            (
                StatusCode::BAD_REQUEST,
                page(
                    web,
                    t(l, "authorize.error_title"),
                    html! {
                        p { (t(l, "authorize.error_intro")) }
                        p.alert role="alert" data-error=(error.code.as_str()) {
                            code { (error.code.as_str()) } ": " (error.description)
                        }
                    },
                ),
            )
                .into_response()
        }
    }
}

fn params_of(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "lang")
        .collect()
}

async fn authorize_get(
    State(state): State<AppState>,
    web: Web,
    RawQuery(query): RawQuery,
) -> Response {
    let params = params_of(query.as_deref());
    let signed_in = web.signed_in.as_ref().map(|u| (&u.session, &u.account));
    let outcome = state.oidc.authorize(&params, signed_in).await;
    respond(&web, outcome)
}

/// OpenID Connect Core §3.1.2.1: the endpoint accepts a form POST as well.
async fn authorize_post(
    State(state): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a form body is expected",
        )
            .into_response();
    }
    let params = params_of(std::str::from_utf8(&body).ok());
    let signed_in = web.signed_in.as_ref().map(|u| (&u.session, &u.account));
    let outcome = state.oidc.authorize(&params, signed_in).await;
    respond(&web, outcome)
}

async fn resume(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let signed_in = web.signed_in.as_ref().map(|u| (&u.session, &u.account));
    let outcome = state.oidc.resume(&id, signed_in).await;
    respond(&web, outcome)
}

fn scope_key(scope: &Scope) -> &'static str {
    match scope {
        Scope::OpenId => "scope.openid",
        Scope::Profile => "scope.profile",
        Scope::Address => "scope.address",
        Scope::Phone => "scope.phone",
        Scope::PersonalId => "scope.personal_id",
        Scope::Service(_) => "scope.service",
    }
}

async fn consent_form(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let origin = state.oidc.interaction_return_origin(&id).await;
    super::allow_form_target(consent_page(&state, &web, &id).await, origin.as_deref())
}

async fn consent_page(state: &AppState, web: &Web, id: &str) -> Response {
    let signed_in = web.signed_in.as_ref().map(|u| (&u.session, &u.account));
    let view = match state.oidc.consent_view(id, signed_in).await {
        Ok(view) => view,
        Err(outcome) => return respond(web, outcome),
    };
    let l = web.lang;
    let client = &view.client;
    let (name, purpose) = match l {
        Lang::Vi => (&client.name.vi, &client.purpose.vi),
        Lang::En => (&client.name.en, &client.purpose.en),
    };
    page(
        web,
        t(l, "consent.title"),
        html! {
            p { (t(l, "consent.intro")) " " strong #client-name { (name) } }
            p { (t(l, "consent.purpose")) " " span #client-purpose { (purpose) } }
            p { (t(l, "consent.security_level")) " " (client.security_level) }
            ul #consent-scopes {
                @for scope in &view.scopes {
                    li data-scope=(scope.as_str()) { (t(l, scope_key(scope))) }
                }
            }
            p { (t(l, "consent.revocable")) }
            form #consent method="post" action={ "/authorize/consent/" (id) } {
                input type="hidden" name="csrf" value=(web.csrf);
                button type="submit" name="decision" value="allow" { (t(l, "consent.allow")) }
                " "
                button.secondary type="submit" name="decision" value="deny" { (t(l, "consent.deny")) }
            }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

async fn consent(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "decision must be allow or deny",
            )
                .into_response();
        }
    };
    let signed_in = web.signed_in.as_ref().map(|u| (&u.session, &u.account));
    let outcome = state.oidc.decide_consent(&id, signed_in, allow).await;
    respond(&web, outcome)
}

/// RP-initiated logout: a confirmation page (so that no other site can sign a citizen out by a
/// link), then the session ends, the relying parties of the session are told over the back
/// channel, and the browser returns to the registered post-logout URI.
async fn end_session_form(
    State(state): State<AppState>,
    web: Web,
    RawQuery(query): RawQuery,
) -> Response {
    let params = params_of(query.as_deref());
    let request = match state.oidc.logout_request(&params).await {
        Ok(r) => r,
        Err(e) => return respond(&web, Outcome::Page(e)),
    };
    let l = web.lang;
    if web.signed_in.is_none() {
        if let Some(to) = request.redirect() {
            return Redirect::to(&to).into_response();
        }
        return page(
            &web,
            t(l, "logout.done_title"),
            html! { p { (t(l, "logout.done")) } },
        )
        .into_response();
    }
    let client_name = request.client.as_ref().map(|c| match l {
        Lang::Vi => c.name.vi.clone(),
        Lang::En => c.name.en.clone(),
    });
    let origin = request
        .post_logout_redirect_uri
        .as_deref()
        .and_then(dinhdanh_oidc::authorize::origin_of);
    let confirm = page(
        &web,
        t(l, "logout.title"),
        html! {
            @if let Some(name) = client_name {
                p { (t(l, "logout.from")) " " strong { (name) } }
            }
            p { (t(l, "logout.question")) }
            form #end-session method="post" action="/session/end" {
                input type="hidden" name="csrf" value=(web.csrf);
                @for (k, v) in &params {
                    @if matches!(k.as_str(), "id_token_hint" | "client_id" | "post_logout_redirect_uri" | "state") {
                        input type="hidden" name=(k) value=(v);
                    }
                }
                button type="submit" name="decision" value="logout" { (t(l, "logout.confirm")) }
            }
        },
    )
    .into_response();
    super::allow_form_target(confirm, origin.as_deref())
}

async fn end_session(State(state): State<AppState>, web: Web, body: axum::body::Bytes) -> Response {
    let params = params_of(std::str::from_utf8(&body).ok());
    let csrf = params
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if let Err(r) = web.check_csrf(csrf) {
        return r;
    }
    let request = match state.oidc.logout_request(&params).await {
        Ok(r) => r,
        Err(e) => return respond(&web, Outcome::Page(e)),
    };
    if let Some(user) = &web.signed_in {
        super::login::end_session_and_tell(&state, &user.token, &user.session.handle).await;
    }
    let to = request.redirect().unwrap_or_else(|| "/login".to_owned());
    web.sign_out_redirect(&to)
}
