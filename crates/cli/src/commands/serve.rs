//! `dinhdanh serve`: migrate, then serve HTTP until SIGINT or SIGTERM.

use std::time::Duration;

use anyhow::Context;
use dinhdanh_server::{AppState, ServerSettings};

use crate::config::Config;

/// Runs the server with the given configuration and operator-token hash.
pub async fn run(config: &Config, operator_token_sha256: Option<[u8; 32]>) -> anyhow::Result<()> {
    let db = super::open_migrated(config).await?;
    let settings = ServerSettings {
        operator_token_sha256,
        request_timeout: Some(Duration::from_secs(config.request_timeout_seconds.max(1))),
    };
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        %address,
        backend = %db.backend(),
        database = %super::redact(&config.database_url()),
        operator_api = operator_token_sha256.is_some(),
        "dinhdanh is listening"
    );
    if operator_token_sha256.is_none() {
        tracing::warn!(
            "no operator_token_sha256 is configured: the registry API answers 403 (see `dinhdanh token new`)"
        );
    }
    let state = AppState::new(db.clone(), &settings);
    dinhdanh_server::serve(listener, state, &settings, shutdown()).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
