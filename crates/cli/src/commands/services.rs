//! `dinhdanh services …`: the public-service catalogue and its figures from the console — import
//! and export the procedures (JSON), make an account an officer of an agency unit, and print the
//! statistics of a period.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_domain::PersonalId;
use dinhdanh_services::{CatalogueFile, Services, UnitCode};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ServicesCommand {
    /// Add or update the procedures of a catalogue file (`dinhdanh.procedures/1` JSON, or `-`
    /// for standard input); every procedure is checked before anything is written.
    Import {
        /// The catalogue file.
        file: PathBuf,
    },
    /// Add or update the demonstration catalogue (about twenty common procedures).
    ImportDemo,
    /// Print the catalogue as a file `import` reads back.
    Export,
    /// Make the account of a person an officer of an agency unit (its queue and its counter).
    AddOfficer {
        /// The officer's personal ID.
        personal_id: String,
        /// The unit code, such as 000.31.12.H29.
        unit: String,
    },
    /// Check a result document offline against a saved JWK Set (the provider's `/jwks`), or
    /// against this installation's own keys when none is given; prints its claims.
    VerifyResult {
        /// The result (a compact JWS), or `-` for standard input.
        file: PathBuf,
        /// The provider's key set, saved as JSON.
        #[arg(long)]
        jwks: Option<PathBuf>,
    },
    /// Print the statistics of applications filed in a period (JSON, or CSV per procedure).
    Stats {
        /// First day, YYYY-MM-DD (Vietnam time).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, YYYY-MM-DD, included.
        #[arg(long)]
        to: NaiveDate,
        /// Only this agency unit.
        #[arg(long)]
        unit: Option<String>,
        /// CSV instead of JSON.
        #[arg(long)]
        csv: bool,
    },
}

async fn open(config: &Config) -> anyhow::Result<(Services, Accounts)> {
    let exchange = super::exchange::open(config).await?;
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    let services = Services::new(
        &db,
        accounts.sqlite_write_gate(),
        exchange,
        dinhdanh_services::PORTAL_CLIENT,
    );
    Ok((services, accounts))
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        Ok(std::io::read_to_string(std::io::stdin())?)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

pub async fn run(config: &Config, command: ServicesCommand) -> anyhow::Result<()> {
    match command {
        ServicesCommand::Import { file } => {
            let catalogue = CatalogueFile::parse(&read(&file)?)?;
            let report = open(config).await?.0.import_catalogue(&catalogue).await?;
            eprintln!(
                "catalogue imported: {} added, {} changed, {} unchanged",
                report.added, report.changed, report.unchanged
            );
        }
        ServicesCommand::ImportDemo => {
            let report = open(config)
                .await?
                .0
                .import_catalogue(&dinhdanh_services::catalogue::demo())
                .await?;
            eprintln!(
                "demo catalogue imported: {} added, {} changed, {} unchanged",
                report.added, report.changed, report.unchanged
            );
        }
        ServicesCommand::Export => {
            println!(
                "{}",
                open(config).await?.0.export_catalogue().await?.to_json()
            );
        }
        ServicesCommand::VerifyResult { file, jwks } => {
            let token = read(&file)?;
            let verified = match jwks {
                // Offline: nothing of this installation is opened.
                Some(jwks) => {
                    let keys: serde_json::Value = serde_json::from_str(&read(&jwks)?)
                        .with_context(|| format!("{} is not a JSON key set", jwks.display()))?;
                    dinhdanh_services::result::verify(&token, &keys)?
                }
                None => open(config).await?.0.verify_result(&token).await?,
            };
            eprintln!("the result verifies (key {})", verified.kid);
            println!("{}", serde_json::to_string_pretty(&verified.claims)?);
        }
        ServicesCommand::AddOfficer { personal_id, unit } => {
            let person = PersonalId::parse(&personal_id)?;
            let unit = UnitCode::parse(&unit)?;
            let (services, accounts) = open(config).await?;
            let account = accounts
                .account_of_person(person)
                .await?
                .with_context(|| format!("{person} has no account; enrol first"))?;
            services.add_officer(account.id, &unit).await?;
            eprintln!("account {} is an officer of {unit}", account.id);
        }
        ServicesCommand::Stats {
            from,
            to,
            unit,
            csv,
        } => {
            let stats = open(config)
                .await?
                .0
                .statistics(from, to, unit.as_deref())
                .await?;
            if csv {
                print!("{}", stats.to_csv());
            } else {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            }
        }
    }
    Ok(())
}
