//! `dinhdanh ledger …`: the access ledger from the console: its checkpoint and keys, an export
//! for offline checking, and verification of the whole log or of one entry.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_ledger::export::{AuditError, verify_export};
use dinhdanh_ledger::{Bundle, Ledger, VerifierKey};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Print the latest signed checkpoint (C2SP signed note).
    Checkpoint,
    /// Print the log's verifier keys (C2SP vkeys): note signature, then timestamped cosignature.
    Keys,
    /// Write the log (checkpoints, entries, tree tiles, keys) into a directory for offline checks.
    Export {
        /// The directory to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify the whole log in the database (default), an export, or one entry's bundle. Names
    /// the first entry, tile or checkpoint that does not match; exits with 1 when one does not.
    Verify {
        /// Verify this export directory instead of the database.
        #[arg(long, conflicts_with = "bundle")]
        export: Option<PathBuf>,
        /// Verify one entry's bundle (from /api/v1/ledger/entries/{index}/bundle).
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// A trusted verifier key; repeat for both. Needed for exports and bundles; the
        /// database's own keys are used when verifying the database without one.
        #[arg(long = "key")]
        keys: Vec<String>,
    },
}

async fn open(config: &Config) -> anyhow::Result<Ledger> {
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    let settings = super::serve::settings(config)?;
    dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")
}

pub async fn run(config: &Config, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Checkpoint => print!("{}", open(config).await?.checkpoint().await?.note),
        LedgerCommand::Keys => {
            for key in open(config).await?.verifier_keys().await? {
                println!("{key}");
            }
        }
        LedgerCommand::Export { out } => {
            let ledger = open(config).await?;
            let size = ledger
                .export(&out, |done, all| progress("exported", done, all))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!();
            println!("exported {size} entries to {}", out.display());
        }
        LedgerCommand::Verify {
            export,
            bundle,
            keys,
        } => {
            let keys = keys
                .iter()
                .map(|k| VerifierKey::parse(k).with_context(|| format!("--key {k:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if (export.is_some() || bundle.is_some()) && keys.is_empty() {
                anyhow::bail!(
                    "give the log's verifier keys with --key (from `dinhdanh ledger keys` or /ledger/keys, obtained from a source you trust)"
                );
            }
            if let Some(path) = bundle {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let bundle: Bundle = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a ledger bundle", path.display()))?;
                return Ok(match bundle.verify(&keys, chrono::Utc::now()) {
                    Ok(signed) => {
                        println!(
                            "ok: entry {} is in the log of {} entries signed at {}",
                            bundle.index, signed.checkpoint.size, signed.time
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        println!("FAIL: {e}");
                        ExitCode::FAILURE
                    }
                });
            }
            let result = match export {
                Some(dir) => verify_export(&dir, &keys),
                None => {
                    let ledger = open(config).await?;
                    ledger
                        .audit(&keys, |done, all| progress("verified", done, all))
                        .await
                }
            };
            eprintln!();
            return Ok(match result {
                Ok(report) => {
                    println!(
                        "ok: {} entries, {} checkpoints matched, root {}, signed at {}",
                        report.entries, report.checkpoints, report.root, report.signed_at
                    );
                    ExitCode::SUCCESS
                }
                Err(AuditError::Failed(finding)) => {
                    println!("FAIL: {finding}");
                    ExitCode::FAILURE
                }
                Err(AuditError::Unreadable(e)) => anyhow::bail!("{e}"),
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn progress(verb: &str, done: u64, all: u64) {
    eprint!("\r{verb} {done} of {all} entries");
}
