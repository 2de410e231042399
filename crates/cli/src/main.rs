//! `dinhdanh`: the one binary of the platform. It parses the command line, loads configuration,
//! opens the database and hands over to the capability crates; it holds no rules of its own.
#![forbid(unsafe_code)]

mod commands;
mod config;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogFormat};

/// National electronic identification and authentication platform.
#[derive(Debug, Parser)]
#[command(name = "dinhdanh", version, about)]
struct Cli {
    /// Configuration file (default: ./dinhdanh.toml when it exists).
    #[arg(long, global = true, env = "DINHDANH_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (overrides the configuration).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Directory for the embedded database (overrides the configuration).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Log format (overrides the configuration).
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrations are applied first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// The public origin, e.g. https://id.example.vn (overrides the configuration).
        #[arg(long)]
        public_url: Option<String>,
        /// Show the SMS outbox as a page, for demonstrations and tests. Never in production.
        #[arg(long)]
        demo_outbox: bool,
    },
    /// Run a demonstration: a generated population on SQLite, and what to try.
    Demo(commands::demo::DemoArgs),
    /// Database administration.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// The population registry.
    Registry {
        #[command(subcommand)]
        command: commands::registry::RegistryCommand,
    },
    /// e-ID accounts: staff bootstrap, roles, locks, registry re-check.
    Accounts {
        #[command(subcommand)]
        command: commands::accounts::AccountsCommand,
    },
    /// OpenID relying parties: register, update, list, disable.
    Clients {
        #[command(subcommand)]
        command: commands::oidc::ClientsCommand,
    },
    /// OpenID signing keys: list, rotate.
    Keys {
        #[command(subcommand)]
        command: commands::oidc::KeysCommand,
    },
    /// The access ledger: checkpoint, keys, export, verification.
    Ledger {
        #[command(subcommand)]
        command: commands::ledger::LedgerCommand,
    },
    /// The national land database: import, demo data, a holder's parcels, counts.
    Land {
        #[command(subcommand)]
        command: commands::land::LandCommand,
    },
    /// Data sharing between agencies: the catalogue of data services and the sharing policy.
    Exchange {
        #[command(subcommand)]
        command: commands::exchange::ExchangeCommand,
    },
    /// Online public services: the procedure catalogue, officers of agency units, statistics.
    Services {
        #[command(subcommand)]
        command: commands::services::ServicesCommand,
    },
    /// Digital documents: check a credential or presentation offline; the issuer's keys.
    Credential {
        #[command(subcommand)]
        command: commands::credentials::CredentialCommand,
    },
    /// Print the messages waiting in (or sent from) the SMS outbox.
    Outbox {
        /// Only messages to this phone number.
        #[arg(long)]
        to: Option<String>,
        /// How many of the newest.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply pending migrations.
    Migrate,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = (|| {
        let mut config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
        if let Some(v) = cli.data_dir.clone() {
            config.data_dir = v;
        }
        if let Some(v) = cli.database_url.clone() {
            config.database_url = Some(v);
        }
        if let Some(v) = cli.log_format {
            config.log_format = v;
        }
        init_logging(config.log_format);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(run(cli.command, config))
    })();
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<std::process::ExitCode> {
    match command {
        Command::Serve {
            listen,
            public_url,
            demo_outbox,
        } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(u) = public_url {
                config.public_url = u;
            }
            config.demo_outbox |= demo_outbox;
            commands::serve::run(&config).await?;
        }
        Command::Demo(args) => commands::demo::run(config, args).await?,
        Command::Db {
            command: DbCommand::Migrate,
        } => {
            let db = commands::open(&config).await?;
            let applied = db.migrate().await?;
            let status = db.migration_status().await?;
            println!(
                "{} migration(s) applied now; {} of {} applied on {}",
                applied,
                status.applied,
                status.known,
                db.backend()
            );
        }
        Command::Registry { command } => return commands::registry::run(&config, command).await,
        Command::Accounts { command } => commands::accounts::run(&config, command).await?,
        Command::Clients { command } => commands::oidc::clients(&config, command).await?,
        Command::Keys { command } => commands::oidc::keys(&config, command).await?,
        Command::Ledger { command } => return commands::ledger::run(&config, command).await,
        Command::Land { command } => return commands::land::run(&config, command).await,
        Command::Exchange { command } => commands::exchange::run(&config, command).await?,
        Command::Services { command } => commands::services::run(&config, command).await?,
        Command::Credential { command } => {
            return commands::credentials::run(&config, command).await;
        }
        Command::Outbox { to, limit } => commands::accounts::outbox(&config, to, limit).await?,
        Command::Openapi => println!("{}", dinhdanh_server::openapi_json()),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DINHDANH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
