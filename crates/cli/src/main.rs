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
    /// Operator tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply pending migrations.
    Migrate,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a random operator token and print it with the hash to configure.
    New,
    /// Print the SHA-256 of a token read from standard input.
    Hash,
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
        Command::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            commands::serve::run(&config, config.operator_token_hash()?).await?;
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
        Command::Token { command } => match command {
            TokenCommand::New => {
                let token = commands::new_token();
                println!("token:                 {token}");
                println!(
                    "operator_token_sha256 = \"{}\"",
                    hex::encode(dinhdanh_server::hash_token(&token))
                );
            }
            TokenCommand::Hash => {
                let mut token = String::new();
                std::io::stdin().read_line(&mut token)?;
                println!("{}", hex::encode(dinhdanh_server::hash_token(token.trim())));
            }
        },
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
