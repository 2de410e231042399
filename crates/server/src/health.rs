//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and answering.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready to serve: the database answers and every migration this binary knows is applied.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if let Err(e) = state.db.ping().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": format!("database unreachable: {e}")})),
        );
    }
    match state.db.migration_status().await {
        Ok(status) if status.is_current() => (
            StatusCode::OK,
            Json(json!({
                "status": "ready",
                "backend": state.db.backend().to_string(),
                "migrations": status.applied,
            })),
        ),
        Ok(status) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable",
                "reason": "migrations pending; run `dinhdanh db migrate`",
                "pending": status.pending,
            })),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "unavailable", "reason": format!("cannot read migrations: {e}")}),
            ),
        ),
    }
}
