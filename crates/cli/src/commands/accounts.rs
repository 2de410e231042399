//! `dinhdanh accounts …` and `dinhdanh outbox`: the operator's console for e-ID accounts. Whoever
//! runs these holds the database already, so they act as `cli:<user>` without signing in.

use anyhow::Context;
use dinhdanh_accounts::{Accounts, By, Clock, LockReason, Role};
use dinhdanh_domain::PersonalId;

use crate::config::Config;

/// Account administration.
#[derive(Debug, clap::Subcommand)]
pub enum AccountsCommand {
    /// Create (or raise to level 2) a staff member's account with a role, and send its
    /// activation code. This is how the first operator and officers are set up.
    Bootstrap {
        /// The staff member's personal ID (they must be in the registry with a valid card).
        #[arg(long)]
        personal_id: String,
        /// Mobile number for the activation code.
        #[arg(long)]
        phone: String,
        /// enrolment_officer, agency_officer or operator.
        #[arg(long)]
        role: String,
        /// Where the identity was checked in person.
        #[arg(long, default_value = "operator console")]
        registration_point: String,
    },
    /// Grant a role to an existing account.
    Grant {
        /// The holder's personal ID.
        #[arg(long)]
        personal_id: String,
        /// enrolment_officer, agency_officer or operator.
        #[arg(long)]
        role: String,
    },
    /// Lock an account (reasons: holder_request, terms_breach, authority_request).
    Lock {
        /// The holder's personal ID.
        #[arg(long)]
        personal_id: String,
        /// The reason.
        #[arg(long)]
        reason: String,
        /// A note: the request's reference.
        #[arg(long)]
        note: String,
    },
    /// Lift a lock.
    Unlock {
        /// The holder's personal ID.
        #[arg(long)]
        personal_id: String,
        /// The reason whose lock is lifted.
        #[arg(long)]
        reason: String,
        /// A note.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Re-check every account against the registry now (death, identity card validity).
    Sync,
    /// Show an account and its history.
    Show {
        /// The holder's personal ID.
        #[arg(long)]
        personal_id: String,
    },
}

/// The accounts capability, recording its changes in the access ledger like the server does.
async fn accounts(config: &Config) -> anyhow::Result<Accounts> {
    let db = super::open_migrated(config).await?;
    let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
    let settings = super::serve::settings(config)?;
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")?;
    accounts.record_changes_in(ledger);
    Ok(accounts)
}

fn pid(text: &str) -> anyhow::Result<PersonalId> {
    PersonalId::parse(text).map_err(|e| anyhow::anyhow!("--personal-id: {e}"))
}

fn role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).with_context(|| {
        format!("--role {text:?}: use enrolment_officer, agency_officer or operator")
    })
}

fn reason(text: &str) -> anyhow::Result<LockReason> {
    LockReason::parse(text).with_context(|| {
        format!("--reason {text:?}: use holder_request, terms_breach or authority_request")
    })
}

async fn account_id(accounts: &Accounts, personal_id: &str) -> anyhow::Result<i64> {
    Ok(accounts
        .account_of_person(pid(personal_id)?)
        .await?
        .with_context(|| format!("{personal_id} has no account"))?
        .id)
}

/// Runs an accounts command.
pub async fn run(config: &Config, command: AccountsCommand) -> anyhow::Result<()> {
    let accounts = accounts(config).await?;
    match command {
        AccountsCommand::Bootstrap {
            personal_id,
            phone,
            role: r,
            registration_point,
        } => {
            let id = accounts
                .bootstrap_staff(pid(&personal_id)?, &phone, role(&r)?, &registration_point)
                .await?;
            let account = accounts.account(id).await?;
            println!(
                "account {id} ({personal_id}): level 2, {}, role {r}",
                account.status.as_str()
            );
            if account.status == dinhdanh_accounts::AccountStatus::Pending {
                println!(
                    "an activation code was sent to {}; without a gateway read it with `dinhdanh outbox`",
                    account.phone.unwrap_or_default()
                );
            }
        }
        AccountsCommand::Grant {
            personal_id,
            role: r,
        } => {
            let id = account_id(&accounts, &personal_id).await?;
            accounts.grant_role(By::Console, id, role(&r)?).await?;
            println!("{personal_id}: role {r} granted");
        }
        AccountsCommand::Lock {
            personal_id,
            reason: r,
            note,
        } => {
            let id = account_id(&accounts, &personal_id).await?;
            accounts.lock(By::Console, id, reason(&r)?, &note).await?;
            println!("{personal_id}: locked ({r})");
        }
        AccountsCommand::Unlock {
            personal_id,
            reason: r,
            note,
        } => {
            let id = account_id(&accounts, &personal_id).await?;
            accounts.unlock(By::Console, id, reason(&r)?, &note).await?;
            println!("{personal_id}: lock {r} lifted");
        }
        AccountsCommand::Sync => {
            let changed = accounts.sync_all().await?;
            println!("{changed} account(s) changed");
        }
        AccountsCommand::Show { personal_id } => {
            let id = account_id(&accounts, &personal_id).await?;
            let account = accounts.account(id).await?;
            let events = accounts.events(id, 100).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"account": account, "events": events})
                )?
            );
        }
    }
    Ok(())
}

/// Prints the newest messages of the outbox.
pub async fn outbox(config: &Config, to: Option<String>, limit: i64) -> anyhow::Result<()> {
    let db = super::open_migrated(config).await?;
    let to = match to {
        Some(phone) => Some(dinhdanh_accounts::parse_phone(&phone)?),
        None => None,
    };
    for m in dinhdanh_accounts::notify::outbox(&db, to.as_deref(), limit).await? {
        println!("{} {} [{}] {}", m.message_id, m.recipient, m.status, m.body);
    }
    Ok(())
}
