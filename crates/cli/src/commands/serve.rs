//! `dinhdanh serve`: migrate, then serve HTTP until SIGINT or SIGTERM. With a gateway configured,
//! the same process dispatches the outbox; a daily sweep re-checks accounts against the registry.

use std::time::Duration;

use anyhow::Context;
use dinhdanh_accounts::notify::Dispatcher;
use dinhdanh_accounts::{Accounts, Clock, Delivery};
use dinhdanh_server::{AppState, ServerSettings, WebSettings};

use crate::config::Config;

/// The server's settings from the configuration.
pub fn settings(config: &Config) -> anyhow::Result<ServerSettings> {
    Ok(ServerSettings {
        request_timeout: Some(Duration::from_secs(config.request_timeout_seconds.max(1))),
        web: WebSettings {
            secure_cookies: config.secure_cookies,
            demo_outbox: config.demo_outbox,
            public_origin: config.public_origin(),
        },
        payment: config.payment_terminal()?,
        http_client: config.client_tls()?,
    })
}

/// Runs the server with the given configuration.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let account_settings = config.account_settings()?;
    let settings = settings(config)?;
    let db = super::open_migrated(config).await?;
    let clock = Clock::system();
    let accounts = Accounts::new(&db, account_settings.clone(), clock.clone())
        .context("cannot set up accounts")?;
    if settings.payment.is_none() {
        tracing::warn!(
            "no payment gateway is configured: fees are paid through the sandbox gateway, which takes no money"
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        %address,
        public_url = %config.public_url,
        backend = %db.backend(),
        database = %super::redact(&config.database_url()),
        demo_outbox = config.demo_outbox,
        "dinhdanh is listening"
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    match &account_settings.delivery {
        Delivery::Gateway(gateway) => {
            let dispatcher = Dispatcher::new(&db, gateway.clone(), clock, &settings.http_client)?;
            tokio::spawn(dispatcher.run(Duration::from_millis(500), stopped.clone()));
        }
        Delivery::Outbox => tracing::warn!(
            "no SMS gateway is configured: codes are held in the outbox (`dinhdanh outbox`)"
        ),
    }
    tokio::spawn(daily_sweep(accounts.clone(), stopped));
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")?;
    let state = AppState::new(db.clone(), accounts, ledger, &settings);
    dinhdanh_server::serve(listener, state, &settings, shutdown()).await?;
    let _ = stop.send(true);
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Identity cards expire with time, not with a registry change: re-check every account daily,
/// and purge what has expired.
async fn daily_sweep(accounts: Accounts, mut stopped: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(24 * 3600)) => {}
            _ = stopped.changed() => return,
        }
        match accounts.sync_all().await {
            Ok(changed) => tracing::info!(changed, "accounts re-checked against the registry"),
            Err(e) => tracing::error!(error = %e, "registry sweep failed"),
        }
        match accounts.purge_expired().await {
            Ok(removed) => tracing::info!(removed, "expired sessions, ceremonies and codes purged"),
            Err(e) => tracing::error!(error = %e, "purge failed"),
        }
    }
}

pub(crate) async fn shutdown() {
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
