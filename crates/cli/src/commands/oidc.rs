//! `dinhdanh clients …` and `dinhdanh keys …`: the OpenID provider's relying parties and signing
//! keys, administered from the console.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_oidc::jose::Alg;
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};

use crate::config::Config;

/// Relying parties.
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a relying party from a JSON file (see docs/oidc.md for the fields). Prints the
    /// client, and its secret once when it uses client_secret_basic.
    Add {
        /// The registration, as JSON ("-" for standard input).
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a relying party's registration (its secret is kept).
    Update {
        /// The client ID.
        #[arg(long)]
        client_id: String,
        /// The new registration, as JSON.
        #[arg(long)]
        file: PathBuf,
    },
    /// List the relying parties.
    List,
    /// Disable a relying party and revoke every grant it holds.
    Disable {
        /// The client ID.
        #[arg(long)]
        client_id: String,
    },
}

/// Signing keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the keys: current, retired but still published, retired and withdrawn.
    List,
    /// Retire the current key of each algorithm (or of --alg) and create its successor; the
    /// retired key stays in the JWKS until the next rotation.
    Rotate {
        /// ES256, EdDSA, PS256 or RS256 (default: all).
        #[arg(long)]
        alg: Option<String>,
    },
}

async fn provider(config: &Config) -> anyhow::Result<Oidc> {
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    Ok(Oidc::new(
        &db,
        accounts,
        OidcSettings::for_issuer(&config.public_url),
    ))
}

fn read_registration(file: &PathBuf) -> anyhow::Result<ClientRegistration> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid registration", file.display()))
}

/// Runs a clients command.
pub async fn clients(config: &Config, command: ClientsCommand) -> anyhow::Result<()> {
    let oidc = provider(config).await?;
    match command {
        ClientsCommand::Add { file } => {
            let registered = oidc.register_client(read_registration(&file)?).await?;
            println!("{}", serde_json::to_string_pretty(&registered)?);
        }
        ClientsCommand::Update { client_id, file } => {
            let client = oidc
                .update_client(&client_id, read_registration(&file)?)
                .await?;
            println!("{}", serde_json::to_string_pretty(&client)?);
        }
        ClientsCommand::List => {
            for c in oidc.clients().await? {
                println!(
                    "{}\t{}\t{}\tlevel {}\t{}",
                    c.client_id,
                    c.auth_method.as_str(),
                    c.scopes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    c.security_level,
                    c.name.en
                );
            }
        }
        ClientsCommand::Disable { client_id } => {
            oidc.disable_client(&client_id).await?;
            println!("{client_id}: disabled; its grants are revoked");
        }
    }
    Ok(())
}

/// Runs a keys command.
pub async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let oidc = provider(config).await?;
    match command {
        KeysCommand::List => {
            for k in oidc.list_keys().await? {
                let state = match (k.retired_at, k.published) {
                    (None, _) => "current",
                    (Some(_), true) => "retired, published",
                    (Some(_), false) => "retired",
                };
                println!("{}\t{}\t{}", k.kid, k.alg, state);
            }
        }
        KeysCommand::Rotate { alg } => {
            let algs = match alg {
                None => Alg::ALL.to_vec(),
                Some(name) => vec![Alg::parse(&name).with_context(|| {
                    format!("--alg {name:?}: use ES256, EdDSA, PS256 or RS256")
                })?],
            };
            for (alg, kid) in oidc.rotate_keys(&algs).await? {
                println!("{}: new current key {kid}", alg.name());
            }
        }
    }
    Ok(())
}
