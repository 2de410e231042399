//! Prometheus metrics: request counts and latencies per route, pool figures, registry size.
//!
//! One process-wide recorder (installed once, so several routers in one test process share it);
//! gauges that cost a query (registry size) are refreshed in the background, never on scrape.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// Registry counts, refreshed in the background.
#[derive(Default)]
pub(crate) struct RegistrySize {
    persons: AtomicU64,
    organizations: AtomicU64,
}

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_owned()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may exist in tests that embed the server; then ours stays local.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.db.pool_stats();
    let backend = state.db.backend().to_string();
    metrics::gauge!("db_pool_connections", "backend" => backend.clone()).set(pool.size);
    metrics::gauge!("db_pool_idle_connections", "backend" => backend.clone()).set(pool.idle);
    metrics::gauge!("db_pool_max_connections", "backend" => backend).set(pool.max);
    metrics::gauge!("registry_persons")
        .set(state.registry_size.persons.load(Ordering::Relaxed) as f64);
    metrics::gauge!("registry_organizations")
        .set(state.registry_size.organizations.load(Ordering::Relaxed) as f64);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
}

/// Middleware: counts and times each request by its route template (never the raw path, which
/// would put personal IDs into metric labels).
pub(crate) async fn track(request: Request, next: Next) -> Response {
    handle();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Refreshes the registry-size gauges now and every 30 seconds.
pub(crate) fn spawn_refresh(state: AppState) {
    tokio::spawn(async move {
        loop {
            match state.registry.counts().await {
                Ok(c) => {
                    state
                        .registry_size
                        .persons
                        .store(c.persons, Ordering::Relaxed);
                    state
                        .registry_size
                        .organizations
                        .store(c.organizations, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(error = %e, "cannot count the registry"),
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
}
