//! The citizen's and officer's web pages: server-rendered HTML (maud), Vietnamese by default,
//! English on request, no assets from outside, a strict Content-Security-Policy, and a CSRF token
//! on every form.
//!
//! Forms use the signed-in session cookie (`Secure`, `HttpOnly`, `SameSite=Lax`); every state
//! change is a POST that must carry the CSRF token of the `dd_csrf` cookie (double submit) and,
//! when the browser sends one, an `Origin` equal to the site's.

// Page handlers answer early with a whole response (a redirect, an error page); boxing each of
// those early returns would add noise and save nothing measurable.
#![allow(clippy::result_large_err)]

mod access;
mod account;
mod applications;
mod authorize;
mod consents;
mod documents;
mod enrol;
mod export;
pub(crate) mod i18n;
mod layout;
mod login;
mod officer;
pub(crate) mod portal;
mod results;
mod rights;
mod verify_page;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, SET_COOKIE,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dinhdanh_accounts::{Account, AccountError, Client, Session};

pub(crate) use i18n::{Lang, t};

use crate::AppState;

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "dd_session";
const CSRF_COOKIE: &str = "dd_csrf";
const LANG_COOKIE: &str = "dd_lang";

/// The policy every page is served with: only this site's own scripts, styles and images.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// `response` with the page policy widened so that its forms may end at `origin`: browsers
/// (Chromium) check every redirect that follows a form submission against `form-action`, so the
/// sign-in, consent and sign-out pages of a relying party's request, and the page that sends a
/// citizen to the payment gateway, name that one other origin. Anything but a plain
/// `scheme://host[:port]` origin leaves the strict policy.
pub(crate) fn allow_form_target(mut response: Response, origin: Option<&str>) -> Response {
    let Some(origin) = origin.filter(|o| {
        (o.starts_with("https://") || o.starts_with("http://"))
            && o.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'.' | b'-' | b'[' | b']')
            })
    }) else {
        return response;
    };
    let policy = CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (turn off only for plain-HTTP development on another host than
    /// localhost; browsers accept `Secure` cookies on http://localhost).
    pub secure_cookies: bool,
    /// Serve `/demo/outbox`, which shows messages that would be sent by SMS.
    pub demo_outbox: bool,
    /// The public origin, e.g. `https://id.example.vn`; `Origin` headers must match it.
    pub public_origin: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: true,
            demo_outbox: false,
            public_origin: "http://localhost:8080".into(),
        }
    }
}

/// A form that carries only its CSRF token (a button that posts: withdraw, offer, print …).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let portal = portal::routes(state);
    let mut router = Router::new()
        .route("/", get(layout::home))
        .route("/static/app.css", get(static_css))
        .route("/static/passkey.js", get(static_js))
        .merge(enrol::router())
        .merge(login::router())
        .merge(authorize::router())
        .merge(account::router())
        .merge(access::router())
        .merge(consents::router())
        .merge(documents::router())
        .merge(export::router())
        .merge(officer::router())
        .merge(results::router())
        .merge(rights::router())
        .merge(verify_page::router())
        .merge(portal.pages)
        .merge(applications::router());
    if state.web.demo_outbox {
        router = router.route("/demo/outbox", get(layout::demo_outbox));
    }
    // The portal's back channel is called server to server, without cookies or a CSRF token:
    // outside the pages' guard, like the provider's own token endpoint.
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .merge(portal.back_channel)
}

async fn static_css() -> Response {
    static_asset(
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    )
}

async fn static_js() -> Response {
    static_asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/passkey.js"),
    )
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The value of a cookie in a request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).expect("cookie values are base64url")
}

/// What the guard found out about the request, for handlers.
#[derive(Clone)]
pub(crate) struct RequestContext {
    pub lang: Lang,
    pub csrf: String,
}

/// Sets the CSRF and language cookies, checks `Origin` on state changes, and gives every page
/// its security headers.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && request.uri().path() != "/authorize"
        && let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok())
        && origin != state.web.public_origin
    {
        return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
    }
    let existing_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 43)
        .map(str::to_owned);
    let query_lang = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse)
    });
    let lang = query_lang
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default();
    let csrf = existing_csrf
        .clone()
        .unwrap_or_else(dinhdanh_accounts::secret::token);
    request.extensions_mut().insert(RequestContext {
        lang,
        csrf: csrf.clone(),
    });
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    if existing_csrf.is_none() {
        out.append(
            SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, None, state.web.secure_cookies),
        );
    }
    if let Some(lang) = query_lang {
        out.append(
            SET_COOKIE,
            set_cookie(
                LANG_COOKIE,
                lang.code(),
                Some(31_536_000),
                state.web.secure_cookies,
            ),
        );
    }
    // A page whose forms lead to another site sets its own policy (see `allow_form_target`).
    if !out.contains_key(CONTENT_SECURITY_POLICY) {
        out.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    // "no-referrer" would make browsers send `Origin: null` on our own form posts; "same-origin"
    // keeps the referrer from other sites and lets the Origin check work.
    out.insert(
        axum::http::header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !out.contains_key(CACHE_CONTROL) {
        out.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request's language, CSRF token, client and (if signed in) session.
pub(crate) struct Web {
    pub lang: Lang,
    pub csrf: String,
    pub client: Client,
    pub signed_in: Option<SignedInUser>,
    secure: bool,
}

/// A signed-in user as the pages see them.
pub(crate) struct SignedInUser {
    pub token: String,
    pub session: Session,
    pub account: Account,
}

impl FromRequestParts<AppState> for Web {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let context = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        let client = crate::client_of(parts);
        let mut signed_in = None;
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Ok(session) = state.accounts.session(token).await
            && let Ok(account) = state.accounts.account(session.account_id).await
        {
            signed_in = Some(SignedInUser {
                token: token.to_owned(),
                session,
                account,
            });
        }
        Ok(Web {
            lang: context.lang,
            csrf: context.csrf,
            client,
            signed_in,
            secure: state.web.secure_cookies,
        })
    }
}

impl Web {
    /// Checks a submitted CSRF token against the cookie's, in constant time.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Response> {
        if dinhdanh_accounts::secret::same(submitted.as_bytes(), self.csrf.as_bytes())
            && !submitted.is_empty()
        {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                layout::message_page(self, t(self.lang, "csrf.title"), t(self.lang, "csrf.body")),
            )
                .into_response())
        }
    }

    /// The signed-in user, or a redirect to the sign-in page.
    pub fn user(&self) -> Result<&SignedInUser, Response> {
        self.signed_in
            .as_ref()
            .ok_or_else(|| Redirect::to("/login").into_response())
    }

    /// A redirect that also sets the session cookie.
    pub fn sign_in_redirect(&self, token: &str, to: &str) -> Response {
        let mut response = Redirect::to(to).into_response();
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(SESSION_COOKIE, token, None, self.secure),
        );
        response
    }

    /// A redirect that clears the session cookie.
    pub fn sign_out_redirect(&self, to: &str) -> Response {
        let mut response = Redirect::to(to).into_response();
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), self.secure),
        );
        response
    }

    /// The session cookie header for a JSON answer.
    pub fn session_cookie(&self, token: &str) -> HeaderValue {
        set_cookie(SESSION_COOKIE, token, None, self.secure)
    }

    /// A localized message for an account error.
    pub fn error_text(&self, error: &AccountError) -> String {
        i18n::error_text(self.lang, error)
    }
}
