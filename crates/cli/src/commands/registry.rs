//! `dinhdanh registry …`: import, generate, read, search, history, export and correct.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use dinhdanh_accounts::{Accounts, Clock};
use dinhdanh_domain::{NaiveDate, PersonalId, Province};
use dinhdanh_registry::generate::{self, GenerateOptions};
use dinhdanh_registry::import::{Format, ImportOptions, ImportProgress};
use dinhdanh_registry::{Correction, ImportKind, Registry};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;

/// Registry subcommands.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Import persons or organizations from CSV or JSON Lines; resumable, idempotent.
    Import {
        /// The file to import.
        file: PathBuf,
        /// What the file holds.
        #[arg(long, value_enum, default_value_t = Kind::Persons)]
        kind: Kind,
        /// File format (default: from the extension).
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// Valid rows per committed batch.
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
        /// Where to write rejected rows (default: FILE.rejects.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Write a realistic, deterministic synthetic population (or organizations).
    Generate {
        /// How many records.
        #[arg(long)]
        count: u64,
        /// Seed: the same seed and count give the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// What to generate.
        #[arg(long, value_enum, default_value_t = Kind::Persons)]
        kind: Kind,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
        format: FileFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The date the population is generated as of.
        #[arg(long, default_value = "2026-01-01")]
        as_of: NaiveDate,
        /// For organizations: the `--count` of the generated population (same seed) that legal
        /// representatives are drawn from; default: `--count`.
        #[arg(long)]
        persons: Option<u64>,
    },
    /// Show one person as JSON.
    Get {
        /// 12-digit personal ID.
        id: String,
    },
    /// Search by name (tone marks and case do not matter).
    Search {
        /// The name or its beginning.
        name: String,
        /// Year of birth.
        #[arg(long)]
        birth_year: Option<i32>,
        /// Province of birth registration (3-digit code).
        #[arg(long)]
        province: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Show every version of a person's record.
    History {
        /// 12-digit personal ID.
        id: String,
    },
    /// Export every record in number order (the output's SHA-256 is a content checksum).
    Export {
        /// What to export.
        #[arg(long, value_enum, default_value_t = Kind::Persons)]
        kind: Kind,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
        format: FileFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Correct fields of a person's record (recorded as a new version).
    Correct {
        /// 12-digit personal ID.
        id: String,
        /// FIELD=VALUE, repeatable.
        #[arg(long = "set", required = true)]
        set: Vec<String>,
        /// Why (recorded in the history).
        #[arg(long)]
        reason: String,
        /// Re-establish the number (birth-year or sex corrections).
        #[arg(long)]
        reestablish: bool,
    },
}

/// Record kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// Persons.
    Persons,
    /// Organizations.
    Organizations,
}

impl From<Kind> for ImportKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Persons => ImportKind::Persons,
            Kind::Organizations => ImportKind::Organizations,
        }
    }
}

/// File formats on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    /// CSV with a header row.
    Csv,
    /// JSON Lines.
    Jsonl,
}

impl From<FileFormat> for Format {
    fn from(f: FileFormat) -> Self {
        match f {
            FileFormat::Csv => Format::Csv,
            FileFormat::Jsonl => Format::JsonLines,
        }
    }
}

fn parse_id(raw: &str) -> anyhow::Result<PersonalId> {
    PersonalId::parse(raw).with_context(|| format!("{raw:?} is not a personal ID"))
}

fn output(path: &Option<PathBuf>) -> anyhow::Result<Box<dyn Write + Send>> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout())),
    })
}

fn bar(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] [{{bar:30}}] {{percent}}% {{msg}} {unit} · ETA {{eta}}"
        ))
        .expect("static template")
        .progress_chars("=> "),
    );
    bar
}

/// Runs a registry subcommand.
pub async fn run(config: &Config, command: RegistryCommand) -> anyhow::Result<ExitCode> {
    if let RegistryCommand::Generate {
        count,
        seed,
        kind,
        format,
        output: path,
        as_of,
        persons,
    } = &command
    {
        let population = GenerateOptions {
            count: persons.unwrap_or(*count),
            seed: *seed,
            as_of: *as_of,
        };
        generate_file(*count, population, *kind, *format, path)?;
        return Ok(ExitCode::SUCCESS);
    }
    let db = super::open_migrated(config).await?;
    let registry = Registry::new(&db);
    let today = chrono::Utc::now().date_naive();
    match command {
        RegistryCommand::Generate { .. } => unreachable!("handled above"),
        RegistryCommand::Import {
            file,
            kind,
            format,
            batch_size,
            rejects,
        } => {
            let summary =
                import(&registry, &file, kind, format, batch_size, rejects, today).await?;
            if summary.rejected > 0 {
                return Ok(ExitCode::from(3));
            }
        }
        RegistryCommand::Get { id } => {
            let record = registry.person(parse_id(&id)?).await?;
            println!("{}", serde_json::to_string_pretty(&record)?);
        }
        RegistryCommand::Search {
            name,
            birth_year,
            province,
            limit,
        } => {
            let province = province
                .as_deref()
                .map(Province::parse)
                .transpose()
                .context("--province")?;
            let found = registry
                .search(&name, birth_year, province, None, limit)
                .await?;
            for r in &found {
                let p = &r.person;
                println!(
                    "{}  {:<32} {}  {:<6} {}",
                    p.personal_id,
                    p.name.full(),
                    p.birth_date,
                    p.sex,
                    p.birth_province().name()
                );
            }
            eprintln!("{} found", found.len());
        }
        RegistryCommand::History { id } => {
            for h in registry.history(parse_id(&id)?).await? {
                println!(
                    "v{}  {}  {}  {}",
                    h.version,
                    h.at.to_rfc3339(),
                    h.actor,
                    h.reason
                );
                for c in h.changes {
                    println!("      {}: {:?} → {:?}", c.field, c.old, c.new);
                }
            }
        }
        RegistryCommand::Export {
            kind,
            format,
            output: path,
        } => {
            let mut out = output(&path)?;
            let counts = registry.counts().await?;
            let total = match kind {
                Kind::Persons => counts.persons,
                Kind::Organizations => counts.organizations,
            };
            let progress = bar(total, "records");
            let p = progress.clone();
            let summary = dinhdanh_registry::export::export(
                registry.store(),
                kind.into(),
                format.into(),
                &mut out,
                &move |n| {
                    p.set_position(n);
                    p.set_message(n.to_string());
                },
            )
            .await?;
            out.flush()?;
            progress.finish_and_clear();
            eprintln!(
                "exported {} records; sha256 {}",
                summary.records, summary.sha256
            );
        }
        RegistryCommand::Correct {
            id,
            set,
            reason,
            reestablish,
        } => {
            let mut fields = BTreeMap::new();
            for pair in set {
                let Some((k, v)) = pair.split_once('=') else {
                    bail!("--set {pair:?}: write FIELD=VALUE");
                };
                fields.insert(k.trim().to_owned(), v.to_owned());
            }
            let correction = Correction {
                set: fields,
                expected_version: None,
                actor: format!("cli:{}", whoami()),
                reason,
            };
            // The change is recorded in the access ledger like one made through the API.
            let accounts = Accounts::new(&db, config.account_settings()?, Clock::system())?;
            let settings = super::serve::settings(config)?;
            let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
                .await
                .context("cannot open the access ledger")?;
            registry.record_changes_in(ledger);
            let id = parse_id(&id)?;
            let record = if reestablish {
                registry.reestablish(id, &correction, today).await?
            } else {
                registry.correct(id, &correction, today).await?
            };
            println!("{}", serde_json::to_string_pretty(&record)?);
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".to_owned())
}

/// Imports one file with a progress bar and prints the summary line.
pub async fn import(
    registry: &Registry,
    file: &std::path::Path,
    kind: Kind,
    format: Option<FileFormat>,
    batch_size: usize,
    rejects: Option<PathBuf>,
    today: NaiveDate,
) -> anyhow::Result<dinhdanh_registry::import::ImportSummary> {
    let progress = bar(0, "rows");
    let p = progress.clone();
    let started = std::time::Instant::now();
    let callback: dinhdanh_registry::import::ProgressFn = Arc::new(move |e: ImportProgress| {
        p.set_length(e.total_bytes);
        p.set_position(e.bytes_read);
        let rate = e.rows_committed as f64 / started.elapsed().as_secs_f64().max(0.001);
        p.set_message(format!("{} rows committed, {rate:.0}/s", e.rows_committed));
    });
    let summary = dinhdanh_registry::import::import_file(
        registry.store(),
        file,
        &ImportOptions {
            kind: kind.into(),
            format: format.map(Into::into),
            batch_size,
            today,
            reject_report: rejects,
        },
        Some(callback),
    )
    .await?;
    progress.finish_and_clear();
    let o = summary.outcome;
    eprintln!(
        "import run {}{}: {} lines in {:.1}s ({:.0} lines/s): {} inserted, {} updated, {} unchanged, {} rejected{}",
        summary.run_id,
        if summary.resumed { " (resumed)" } else { "" },
        summary.lines,
        summary.seconds,
        summary.lines as f64 / summary.seconds.max(0.001),
        o.inserted,
        o.updated,
        o.unchanged,
        summary.rejected,
        if summary.rejected > 0 {
            format!(" — see {}", summary.report.display())
        } else {
            String::new()
        }
    );
    Ok(summary)
}

fn generate_file(
    count: u64,
    population: GenerateOptions,
    kind: Kind,
    format: FileFormat,
    path: &Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut out = output(path)?;
    let progress = bar(count, "records");
    let GenerateOptions { seed, as_of, .. } = population;
    let options = GenerateOptions {
        count,
        ..population
    };
    let started = std::time::Instant::now();
    let mut written = 0u64;
    match (kind, format) {
        (Kind::Persons, FileFormat::Csv) => {
            let mut w = csv::Writer::from_writer(&mut out);
            for row in generate::persons(&options) {
                w.serialize(&row)?;
                written += 1;
                if written.is_multiple_of(65_536) {
                    progress.set_position(written);
                }
            }
            w.flush()?;
        }
        (Kind::Persons, FileFormat::Jsonl) => {
            for row in generate::persons(&options) {
                serde_json::to_writer(&mut out, &row)?;
                out.write_all(b"\n")?;
                written += 1;
                if written.is_multiple_of(65_536) {
                    progress.set_position(written);
                }
            }
        }
        (Kind::Organizations, FileFormat::Csv) => {
            let mut w = csv::Writer::from_writer(&mut out);
            for row in generate::organizations(&population, count) {
                w.serialize(&row)?;
                written += 1;
            }
            w.flush()?;
        }
        (Kind::Organizations, FileFormat::Jsonl) => {
            for row in generate::organizations(&population, count) {
                serde_json::to_writer(&mut out, &row)?;
                out.write_all(b"\n")?;
                written += 1;
            }
        }
    }
    out.flush()?;
    progress.finish_and_clear();
    eprintln!(
        "generated {written} records (seed {seed}, as of {as_of}) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
