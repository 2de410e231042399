//! `dinhdanh exchange …`: the data-sharing platform from the console — the catalogue of data
//! services, and the sharing policy, whose every change is a new version kept for the record.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_exchange::Exchange;
use dinhdanh_oidc::{Oidc, OidcSettings};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// List the data services of the catalogue (JSON).
    Services,
    /// Add an agency's data service to the catalogue, or replace its description (JSON file, or
    /// `-` for standard input).
    RegisterService {
        /// The description: id, provider, title, description, subject, path, legal_bases, fields.
        file: PathBuf,
    },
    /// Print the policy in force (JSON), or one version of it.
    Policy {
        /// A past version instead of the one in force.
        #[arg(long)]
        version: Option<i64>,
    },
    /// List the policy's versions, newest first.
    PolicyVersions,
    /// Set a new version of the policy from a JSON file (`{"rules": [...]}`, or `-` for standard
    /// input); it is checked against the catalogue and applies at once.
    SetPolicy {
        /// The policy document.
        file: PathBuf,
        /// Why it changes; kept with the version.
        #[arg(long)]
        note: String,
    },
}

pub(crate) async fn open(config: &Config) -> anyhow::Result<Exchange> {
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    let settings = super::serve::settings(config)?;
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")?;
    let oidc = Oidc::new(
        &db,
        accounts.clone(),
        OidcSettings::for_issuer(&config.public_url),
    );
    Ok(Exchange::new(
        &db,
        accounts.sqlite_write_gate(),
        accounts.registry().clone(),
        dinhdanh_land::Land::new(&db),
        ledger,
        oidc,
    ))
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        Ok(std::io::read_to_string(std::io::stdin())?)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(config: &Config, command: ExchangeCommand) -> anyhow::Result<()> {
    let exchange = open(config).await?;
    let operator = format!("console:{}", whoami());
    match command {
        ExchangeCommand::Services => print(&*exchange.services().await?)?,
        ExchangeCommand::RegisterService { file } => {
            let (service, version) = exchange.register_service(&read(&file)?, &operator).await?;
            eprintln!("data service {} is at version {version}", service.id);
        }
        ExchangeCommand::Policy { version: None } => print(&*exchange.policy().await?)?,
        ExchangeCommand::Policy {
            version: Some(version),
        } => print(&exchange.policy_version(version).await?)?,
        ExchangeCommand::PolicyVersions => {
            for p in exchange.policy_versions().await? {
                let at = chrono::DateTime::from_timestamp_millis(p.created_at).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}",
                    p.version,
                    at.to_rfc3339(),
                    p.author,
                    p.note
                );
            }
        }
        ExchangeCommand::SetPolicy { file, note } => {
            if note.trim().is_empty() {
                anyhow::bail!("--note must say why the policy changes");
            }
            let policy = exchange
                .set_policy(&read(&file)?, &operator, note.trim())
                .await?;
            eprintln!(
                "policy version {} is in force: {} rule(s)",
                policy.version,
                policy.document.rules.len()
            );
        }
    }
    Ok(())
}

/// The operating-system user running the command, recorded as the author of changes.
fn whoami() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}
