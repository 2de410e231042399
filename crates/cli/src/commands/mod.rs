//! One module per top-level command.

pub mod accounts;
pub mod credentials;
pub mod demo;
pub mod exchange;
pub mod land;
pub mod ledger;
pub mod oidc;
pub mod registry;
pub mod serve;
pub mod services;

use anyhow::Context;
use dinhdanh_store::{Db, PoolOptions};

use crate::config::Config;

/// Opens the configured database.
pub async fn open(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url();
    Db::connect(
        &url,
        &PoolOptions {
            max_connections: config.max_connections,
            ..PoolOptions::default()
        },
    )
    .await
    .with_context(|| format!("cannot open the database {}", redact(&url)))
}

/// Opens and migrates the configured database.
pub async fn open_migrated(config: &Config) -> anyhow::Result<Db> {
    let db = open(config).await?;
    db.migrate().await.context("cannot apply migrations")?;
    Ok(db)
}

/// A URL fit for logs: no password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
