//! The HTTP layer: axum routers that parse requests into capability calls (registry, accounts)
//! and map errors to responses; the citizen's and officer's web pages. No SQL and no business
//! rules live here.
#![forbid(unsafe_code)]

mod api;
mod auth;
mod credentials;
mod error;
mod health;
mod metrics;
mod oidc;
mod openapi;
mod record;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use dinhdanh_accounts::{Accounts, Client};
use dinhdanh_ledger::{Ledger, LedgerOptions};
use dinhdanh_registry::Registry;
use dinhdanh_store::Db;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use openapi::openapi_json;
pub use web::WebSettings;

/// What the server needs besides the database and the capabilities.
#[derive(Debug, Clone, Default)]
pub struct ServerSettings {
    /// How long one request may take before it is answered with 503.
    pub request_timeout: Option<Duration>,
    /// Cookies, demo pages, the public origin.
    pub web: WebSettings,
    /// The payment gateway's terminal for application fees; without one, the sandbox gateway
    /// answers on this server (`/paymentv2/vpcpay.html`) and notifies it like a real one.
    pub payment: Option<dinhdanh_payment::Terminal>,
    /// Whom outgoing HTTPS trusts (back-channel logout, client keys, the sandbox gateway's
    /// notifications): the system's roots, plus the operator's CA file when one is configured.
    pub http_client: dinhdanh_http::ClientTls,
}

/// The path at which the gateway's payment notifications (IPN) arrive.
pub const PAYMENT_IPN_PATH: &str = "/api/v1/payments/ipn";

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    db: Db,
    registry: Registry,
    accounts: Accounts,
    oidc: dinhdanh_oidc::Oidc,
    ledger: Ledger,
    land: dinhdanh_land::Land,
    exchange: dinhdanh_exchange::Exchange,
    rights: dinhdanh_rights::Rights,
    services: dinhdanh_services::Services,
    payments: dinhdanh_payment::Payments,
    /// The public-service portal's own storage (its sessions, as a relying party).
    portal: dinhdanh_portal::Portal,
    /// Digital documents and the credentials issued from them.
    credentials: dinhdanh_credentials::Credentials,
    /// The sandbox gateway, when no real one is configured.
    sandbox: Option<dinhdanh_payment::sandbox::Gateway>,
    web: Arc<WebSettings>,
    /// Whom outgoing HTTPS trusts, for clients built after the state (the portal's).
    http_client: dinhdanh_http::ClientTls,
    registry_size: Arc<metrics::RegistrySize>,
}

impl AppState {
    /// The OpenID provider (for tools and tests that register clients).
    pub fn oidc(&self) -> &dinhdanh_oidc::Oidc {
        &self.oidc
    }

    /// The data-sharing platform (for tools and tests that set policies).
    pub fn exchange(&self) -> &dinhdanh_exchange::Exchange {
        &self.exchange
    }

    /// Public services: catalogue, applications, statistics.
    pub fn services(&self) -> &dinhdanh_services::Services {
        &self.services
    }

    /// The access ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Digital documents and verifiable credentials.
    pub fn credentials(&self) -> &dinhdanh_credentials::Credentials {
        &self.credentials
    }

    /// Application fees.
    pub fn payments(&self) -> &dinhdanh_payment::Payments {
        &self.payments
    }

    /// The sandbox gateway, when the server runs one (tests drive it).
    pub fn sandbox(&self) -> Option<&dinhdanh_payment::sandbox::Gateway> {
        self.sandbox.as_ref()
    }

    /// Whom the server's outgoing HTTPS trusts: the system's roots, plus the operator's CA file.
    pub fn client_tls(&self) -> &dinhdanh_http::ClientTls {
        &self.http_client
    }

    /// Builds the state over a migrated database and the accounts capability; the OpenID
    /// provider's issuer is the public origin.
    pub fn new(db: Db, accounts: Accounts, ledger: Ledger, settings: &ServerSettings) -> AppState {
        let oidc = dinhdanh_oidc::Oidc::new(
            &db,
            accounts.clone(),
            dinhdanh_oidc::OidcSettings {
                tls: settings.http_client.clone(),
                ..dinhdanh_oidc::OidcSettings::for_issuer(&settings.web.public_origin)
            },
        );
        oidc.record_releases_in(ledger.clone());
        accounts.record_changes_in(ledger.clone());
        accounts.registry().record_changes_in(ledger.clone());
        let exchange = dinhdanh_exchange::Exchange::new(
            &db,
            accounts.sqlite_write_gate(),
            accounts.registry().clone(),
            dinhdanh_land::Land::new(&db),
            ledger.clone(),
            oidc.clone(),
        );
        let services = dinhdanh_services::Services::new(
            &db,
            accounts.sqlite_write_gate(),
            exchange.clone(),
            dinhdanh_services::PORTAL_CLIENT,
        )
        .with(
            accounts.clock().clone(),
            dinhdanh_calendar::WorkCalendar::vietnam(),
        );
        let origin = url::Url::parse(&settings.web.public_origin)
            .unwrap_or_else(|_| url::Url::parse("http://localhost:8080").expect("a valid URL"));
        let (terminal, sandbox) = match &settings.payment {
            Some(terminal) => (terminal.clone(), None),
            None => {
                let gateway = dinhdanh_payment::sandbox::Gateway::with_tls(
                    dinhdanh_payment::sandbox::Config::new(
                        dinhdanh_payment::TmnCode::parse("DDSANDBX").expect("a valid code"),
                        dinhdanh_payment::signing::HashSecret::generate(),
                        origin.join(PAYMENT_IPN_PATH).expect("the IPN path joins"),
                    ),
                    &settings.http_client,
                );
                (gateway.terminal(&origin), Some(gateway))
            }
        };
        let payments = dinhdanh_payment::Payments::new(&db, accounts.sqlite_write_gate(), terminal)
            .with_clock(accounts.clock().clone());
        let credentials = dinhdanh_credentials::Credentials::new(
            &db,
            accounts.sqlite_write_gate(),
            accounts.registry().clone(),
            ledger.clone(),
            accounts.clock().clone(),
            &settings.web.public_origin,
        );
        AppState {
            credentials,
            registry: accounts.registry().clone(),
            land: dinhdanh_land::Land::new(&db),
            rights: dinhdanh_rights::Rights::new(&db, accounts.sqlite_write_gate())
                .with_clock(accounts.clock().clone()),
            exchange,
            services,
            payments,
            portal: dinhdanh_portal::Portal::new(
                &db,
                accounts.sqlite_write_gate(),
                accounts.clock().clone(),
            ),
            sandbox,
            db,
            accounts,
            oidc,
            ledger,
            web: Arc::new(settings.web.clone()),
            http_client: settings.http_client.clone(),
            registry_size: Arc::new(metrics::RegistrySize::default()),
        }
    }
}

/// Opens the access ledger of `db`, named after the public origin (`<host>/ledger`) when it is
/// created; it shares the accounts' SQLite write gate.
pub async fn open_ledger(
    db: &Db,
    accounts: &Accounts,
    settings: &ServerSettings,
) -> Result<Ledger, dinhdanh_ledger::LedgerError> {
    let origin = &settings.web.public_origin;
    let host = origin
        .split_once("://")
        .map_or(origin.as_str(), |(_, rest)| rest)
        .trim_end_matches('/');
    let host = if host.is_empty() { "localhost" } else { host };
    Ledger::open(
        db.clone(),
        accounts.sqlite_write_gate(),
        LedgerOptions {
            origin: format!("{host}/ledger"),
            ..LedgerOptions::default()
        },
    )
    .await
}

/// The client's address (from the connection) and user agent.
pub(crate) fn client_of(parts: &axum::http::request::Parts) -> Client {
    let address = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let user_agent = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    Client {
        address,
        user_agent,
    }
}

/// The whole application router.
pub fn router(state: AppState, settings: &ServerSettings) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let pages = web::router(&state);
    let sandbox = state.sandbox.as_ref().map(|g| g.router());
    let mut app = Router::new()
        .merge(pages)
        .merge(health::router())
        .merge(metrics::router())
        .merge(oidc::router())
        .merge(credentials::router())
        .merge(api::ledger::text_router())
        .nest("/api/v1", api::router())
        .merge(openapi::router())
        .with_state(state);
    if let Some(sandbox) = sandbox {
        app = app.merge(sandbox);
    }
    let mut app = app
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::extract::DefaultBodyLimit::max(3 * 1024 * 1024));
    if let Some(timeout) = settings.request_timeout {
        app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ));
    }
    app.layer(
        TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        }),
    )
    .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
    .layer(SetRequestIdLayer::new(x_request_id, NextRequestId))
    .layer(SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    ))
}

/// Request IDs unique per process: start time and a process-wide counter, so logs from several
/// nodes differ.
#[derive(Clone, Default)]
struct NextRequestId;

impl MakeRequestId for NextRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let start = *START.get_or_init(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_micros() as u64)
                .unwrap_or_default()
        });
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{start:x}-{n:x}"))
            .ok()
            .map(RequestId::new)
    }
}

/// Serves until `shutdown` resolves; refreshes the registry-size gauge in the background.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    settings: &ServerSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::spawn_refresh(state.clone());
    spawn_oidc_sweep(state.oidc.clone());
    spawn_credentials_sweep(state.credentials.clone());
    web::portal::register(&state).await;
    let _hand_over = api::payments::spawn_hand_over(state.clone());
    let app = router(state, settings);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Every ten minutes, the credential issuer deletes used nonces, tokens, offers and presentation
/// requests that can no longer be used.
fn spawn_credentials_sweep(credentials: dinhdanh_credentials::Credentials) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            match credentials.purge_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "expired credential state purged"),
                Err(e) => tracing::warn!(error = %e, "credential purge failed"),
            }
        }
    });
}

/// Every minute, the OpenID provider deletes what has expired (used assertion IDs, codes, pushed
/// requests, refresh families past their end).
fn spawn_oidc_sweep(oidc: dinhdanh_oidc::Oidc) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            match oidc.purge_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "expired OpenID state purged"),
                Err(e) => tracing::warn!(error = %e, "OpenID purge failed"),
            }
        }
    });
}
