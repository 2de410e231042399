//! `dinhdanh demo`: the platform on embedded SQLite with a generated population, a fresh operator
//! token, and the commands to try printed on screen.

use std::time::Duration;

use anyhow::Context;
use dinhdanh_registry::Registry;
use dinhdanh_registry::generate::GenerateOptions;
use dinhdanh_server::{AppState, ServerSettings};

use super::registry::{FileFormat, Kind};
use crate::config::Config;

/// Options of the demo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Persons to generate when the registry is empty.
    #[arg(long, default_value_t = 20_000)]
    persons: u64,
    /// Address to listen on.
    #[arg(long)]
    listen: Option<String>,
}

/// Seeds an empty registry, then serves with a one-time operator token.
pub async fn run(mut config: Config, args: DemoArgs) -> anyhow::Result<()> {
    if let Some(l) = args.listen {
        config.listen = l;
    }
    let db = super::open_migrated(&config).await?;
    let registry = Registry::new(&db);
    if registry.counts().await?.persons == 0 {
        seed(&config, &registry, args.persons).await?;
    }
    let token = super::new_token();
    let settings = ServerSettings {
        operator_token_sha256: Some(dinhdanh_server::hash_token(&token)),
        request_timeout: Some(Duration::from_secs(30)),
    };
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let base = format!("http://{}", listener.local_addr()?);
    let sample = registry
        .search("nguyen", None, None, None, 1)
        .await?
        .into_iter()
        .next()
        .context("the demo population has no Nguyễn")?;
    let id = sample.person.personal_id;
    let counts = registry.counts().await?;
    println!(
        r#"
dinhdanh demo — {persons} persons and {orgs} organizations on SQLite ({url})

  Interactive API documentation:  {base}/api/v1/docs   (Authorize with the token below)
  Operator token (this run only): {token}

Try:
  curl -H 'Authorization: Bearer {token}' {base}/api/v1/registry/persons/{id}
  curl -H 'Authorization: Bearer {token}' '{base}/api/v1/registry/persons?name=nguyen%20van&limit=5'
  curl -H 'Authorization: Bearer {token}' {base}/api/v1/registry/persons/{id}/history
  curl {base}/readyz
  curl {base}/metrics
  dinhdanh registry search "{name}"

Press Ctrl-C to stop.
"#,
        persons = counts.persons,
        orgs = counts.organizations,
        url = config.database_url(),
        name = sample.person.name.full(),
    );
    let state = AppState::new(db.clone(), &settings);
    dinhdanh_server::serve(listener, state, &settings, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    db.close().await;
    Ok(())
}

/// Generates the demo population to files and loads it through the regular import path.
async fn seed(config: &Config, registry: &Registry, persons: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let as_of = chrono::Utc::now().date_naive();
    let options = GenerateOptions {
        count: persons,
        seed: 1,
        as_of,
    };
    let people = config.data_dir.join("demo-persons.csv");
    let orgs = config.data_dir.join("demo-organizations.csv");
    write_csv(&people, dinhdanh_registry::generate::persons(&options))?;
    write_csv(
        &orgs,
        dinhdanh_registry::generate::organizations(&options, (persons / 100).max(10)),
    )?;
    let today = chrono::Utc::now().date_naive();
    for (file, kind) in [(&people, Kind::Persons), (&orgs, Kind::Organizations)] {
        super::registry::import(
            registry,
            file,
            kind,
            Some(FileFormat::Csv),
            5_000,
            None,
            today,
        )
        .await?;
    }
    Ok(())
}

fn write_csv<T: serde::Serialize>(
    path: &std::path::Path,
    rows: impl Iterator<Item = T>,
) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}
