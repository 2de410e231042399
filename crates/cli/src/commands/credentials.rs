//! `dinhdanh credential …`: checking a credential or presentation offline, and the issuer's
//! signing keys (list, rotate, withdraw).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_credentials::Credentials;
use dinhdanh_credentials::sdjwt::{Checks, SdJwt};
use dinhdanh_credentials::verify::{self, Trusted};
use serde_json::{Value, json};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Check an SD-JWT VC, or a presentation of one, and print what it discloses. Offline with
    /// `--issuer` (the issuer's saved `/.well-known/jwt-vc-issuer/…` document) and
    /// `--status-list` (its saved status list token); against this installation's own keys and
    /// lists when neither is given. Exit status 1 when it is refused, with the reason.
    Verify {
        /// The credential or presentation, or `-` for standard input.
        file: PathBuf,
        /// The issuer's JWT VC issuer metadata (`{"issuer", "jwks"}`), saved as JSON.
        #[arg(long, requires = "status_list")]
        issuer: Option<PathBuf>,
        /// The status list token the credential names, saved as fetched.
        #[arg(long, requires = "issuer")]
        status_list: Option<PathBuf>,
        /// For a presentation: the verifier's identifier its key binding must name.
        #[arg(long, requires = "nonce")]
        aud: Option<String>,
        /// For a presentation: the nonce the verifier gave.
        #[arg(long, requires = "aud")]
        nonce: Option<String>,
    },
    /// The issuer's signing keys, oldest first.
    Keys,
    /// Retire the current signing key and make the next; credentials signed before keep
    /// verifying.
    RotateKey,
    /// Stop publishing a retired key: every credential it signed stops verifying.
    WithdrawKey {
        /// The key ID.
        kid: String,
    },
}

async fn open(config: &Config) -> anyhow::Result<Credentials> {
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    let settings = super::serve::settings(config)?;
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")?;
    Ok(Credentials::new(
        &db,
        accounts.sqlite_write_gate(),
        accounts.registry().clone(),
        ledger,
        accounts.clock().clone(),
        &config.public_url,
    ))
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        Ok(std::io::read_to_string(std::io::stdin())?)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

pub async fn run(
    config: &Config,
    command: CredentialCommand,
) -> anyhow::Result<std::process::ExitCode> {
    match command {
        CredentialCommand::Verify {
            file,
            issuer,
            status_list,
            aud,
            nonce,
        } => {
            let text = read(&file)?.trim().to_owned();
            let presentation = SdJwt::parse(&text)
                .map(|sd| sd.key_binding.is_some())
                .unwrap_or(false);
            if presentation && aud.is_none() {
                bail!("this is a presentation (it has a key binding): give --aud and --nonce");
            }
            let now = chrono::Utc::now().timestamp();
            let checks = match (&aud, &nonce) {
                (Some(aud), Some(nonce)) => Checks::presentation(now, aud, nonce),
                _ => Checks::issued(now),
            };
            let (issuer_id, verified) = match (issuer, status_list) {
                // Offline: nothing of this installation is opened.
                (Some(issuer), Some(list)) => {
                    let meta: Value = serde_json::from_str(&read(&issuer)?)
                        .with_context(|| format!("{} is not JSON", issuer.display()))?;
                    let trusted = Trusted {
                        issuer: meta["issuer"]
                            .as_str()
                            .context("the issuer metadata has no issuer")?
                            .to_owned(),
                        jwks: meta["jwks"].clone(),
                    };
                    let list = read(&list)?.trim().to_owned();
                    let verified = verify::verify(&text, &trusted, &checks, |uri| {
                        verify::read_list(&list, uri, &trusted, now).map(std::sync::Arc::new)
                    });
                    (trusted.issuer, verified)
                }
                // This installation's own keys and lists.
                _ => {
                    let credentials = open(config).await?;
                    let verified = credentials.check(&text, &checks).await?;
                    (credentials.issuer().to_owned(), verified)
                }
            };
            match verified {
                Ok(v) => {
                    eprintln!(
                        "the credential verifies (issuer {}, key {})",
                        issuer_id,
                        v.kid.unwrap_or_default()
                    );
                    let disclosed: Vec<String> = v
                        .disclosed
                        .iter()
                        .map(|p| {
                            p.iter()
                                .map(|s| match s {
                                    dinhdanh_credentials::sdjwt::Step::Key(k) => k.clone(),
                                    dinhdanh_credentials::sdjwt::Step::Each => "[]".to_owned(),
                                })
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .collect();
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({
                            "valid": true,
                            "status": "valid",
                            "disclosed": disclosed,
                            "claims": v.claims,
                        }))?
                    );
                }
                Err(refusal) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({
                            "valid": false,
                            "code": refusal.code(),
                            "reason": refusal.to_string(),
                        }))?
                    );
                    eprintln!("refused: {refusal}");
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
        }
        CredentialCommand::Keys => {
            let keys = open(config).await?.list_keys().await?;
            println!("{}", serde_json::to_string_pretty(&keys)?);
        }
        CredentialCommand::RotateKey => {
            let kid = open(config).await?.rotate_keys().await?;
            eprintln!("new signing key {kid}; the one before stays published");
        }
        CredentialCommand::WithdrawKey { kid } => {
            open(config).await?.withdraw_key(&kid).await?;
            eprintln!("key {kid} is no longer published; credentials it signed stop verifying");
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
