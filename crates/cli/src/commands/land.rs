//! `dinhdanh land …`: import parcels and certificates, generate demo land for the registry's
//! population, read one holder's parcels, count. The rules live in `dinhdanh-land`; this module
//! only parses arguments, reads owners from the registry and prints.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use chrono::Datelike;
use clap::{Subcommand, ValueEnum};
use dinhdanh_domain::{NaiveDate, PersonalId, Province, Sex, TaxCode};
use dinhdanh_land::generate::{GenerateOptions, LandData, Owners};
use dinhdanh_land::{Holder, ImportKind, ImportOptions, ImportProgress, ImportSummary, Land};
use dinhdanh_registry::{LifeStatus, Person, Registry};
use dinhdanh_store::Db;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};

use crate::config::Config;

/// Land subcommands.
#[derive(Debug, Subcommand)]
pub enum LandCommand {
    /// Import parcels or certificates from CSV; resumable, idempotent. Import the parcels
    /// before the certificates that name them.
    Import {
        /// The file to import.
        file: PathBuf,
        /// What the file holds.
        #[arg(long, value_enum)]
        kind: Kind,
        /// Valid rows per committed batch.
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
        /// Where to write rejected rows (default: FILE.rejects.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Write deterministic demo land (parcels.csv, certificates.csv) for persons and
    /// organizations of the population registry in the database.
    Generate {
        /// Directory for parcels.csv and certificates.csv (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed: the same seed, date and owners give the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day the data is observed: no certificate is issued after it (default: today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// At most this many persons (living adults, with their spouses), and a hundredth as
        /// many organizations (at least 10). A larger registry is sampled across provinces.
        #[arg(long, default_value_t = 20_000)]
        persons: u64,
    },
    /// Print the parcels a holder holds today, as JSON. An operator tool: agencies read land
    /// records through the exchange API, under a legal basis and into the access ledger.
    Parcels {
        /// `person:<12-digit personal ID>` or `organization:<tax code>`.
        holder: String,
    },
    /// Print the numbers of parcels, certificates and holders, as JSON.
    Counts,
}

/// Land record kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// Parcels (parcels.csv).
    Parcels,
    /// Land-use-right certificates (certificates.csv).
    Certificates,
}

impl From<Kind> for ImportKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Parcels => ImportKind::Parcels,
            Kind::Certificates => ImportKind::Certificates,
        }
    }
}

/// Runs a land subcommand.
pub async fn run(config: &Config, command: LandCommand) -> anyhow::Result<ExitCode> {
    let db = super::open_migrated(config).await?;
    let land = Land::new(&db);
    let today = chrono::Utc::now().date_naive();
    let code = match command {
        LandCommand::Import {
            file,
            kind,
            batch_size,
            rejects,
        } => {
            let progress = bar(0, "bytes");
            let summary = import(&land, &file, kind, batch_size, rejects, today, &progress).await;
            progress.finish_and_clear();
            let summary = summary?;
            eprintln!("{}", summary_line(&summary));
            if summary.rejected > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        LandCommand::Generate {
            out,
            seed,
            as_of,
            persons,
        } => {
            let as_of = as_of.unwrap_or(today);
            if as_of > today {
                bail!(
                    "--as-of {as_of} is after today ({today}): the import refuses certificates \
                     issued in the future"
                );
            }
            let registry = Registry::new(&db);
            let progress = bar(0, "owners");
            let (data, owners) = generate(&registry, seed, as_of, persons, &progress).await?;
            progress.finish_and_clear();
            let (parcels, certificates) = write_files(&data, &out)?;
            eprintln!(
                "generated {} parcels and {} certificates for {} persons ({} couples) and {} \
                 organizations (seed {seed}, as of {as_of}): {}, {}",
                data.parcels.len(),
                data.certificates.len(),
                owners.persons.len(),
                owners.couples.len(),
                owners.organizations.len(),
                parcels.display(),
                certificates.display()
            );
            ExitCode::SUCCESS
        }
        LandCommand::Parcels { holder } => {
            // The parse errors repeat their source in their message: print it once.
            let holder = Holder::parse(&holder).map_err(|e| anyhow!("holder {holder:?}: {e}"))?;
            let holdings = land.parcels_of_holder(&holder).await?;
            println!("{}", serde_json::to_string_pretty(&holdings)?);
            eprintln!("{holder} holds {} parcel(s)", holdings.len());
            ExitCode::SUCCESS
        }
        LandCommand::Counts => {
            println!("{}", serde_json::to_string_pretty(&land.counts().await?)?);
            ExitCode::SUCCESS
        }
    };
    db.close().await;
    Ok(code)
}

/// Seeds an empty land database with land for the registry's population (at most `persons`
/// of them), through the regular generate and import path, printing one line.
pub async fn seed_demo(db: &Db, registry: &Registry, persons: u64) -> anyhow::Result<()> {
    let land = Land::new(db);
    let counts = land.counts().await?;
    if counts.parcels > 0 || counts.certificates > 0 {
        return Ok(());
    }
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let quiet = ProgressBar::hidden();
    let (data, _) = generate(registry, 1, today, persons, &quiet).await?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let (parcels, certificates) = write_files(&data, dir.path())?;
    let mut rejected = 0;
    for (file, kind) in [
        (&parcels, Kind::Parcels),
        (&certificates, Kind::Certificates),
    ] {
        rejected += import(&land, file, kind, 5_000, None, today, &quiet)
            .await?
            .rejected;
    }
    let counts = land.counts().await?;
    eprintln!(
        "land: {} parcels and {} certificates for {} holders in {:.1}s{}",
        counts.parcels,
        counts.certificates,
        counts.holders,
        started.elapsed().as_secs_f64(),
        if rejected > 0 {
            format!(" ({rejected} generated rows rejected)")
        } else {
            String::new()
        }
    );
    Ok(())
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

/// Imports one file, showing progress on `progress`.
async fn import(
    land: &Land,
    file: &Path,
    kind: Kind,
    batch_size: usize,
    rejects: Option<PathBuf>,
    today: NaiveDate,
    progress: &ProgressBar,
) -> anyhow::Result<ImportSummary> {
    let p = progress.clone();
    let started = Instant::now();
    let callback: dinhdanh_land::ProgressFn = Arc::new(move |e: ImportProgress| {
        p.set_length(e.total_bytes);
        p.set_position(e.bytes_read);
        let rate = e.rows_committed as f64 / started.elapsed().as_secs_f64().max(0.001);
        p.set_message(format!("{} rows committed, {rate:.0}/s", e.rows_committed));
    });
    let options = ImportOptions {
        kind: kind.into(),
        batch_size,
        today,
        reject_report: rejects,
    };
    // The land errors repeat their source in their message: print it once.
    land.import(file, &options, Some(callback))
        .await
        .map_err(|e| anyhow!("cannot import {}: {e}", file.display()))
}

fn summary_line(summary: &ImportSummary) -> String {
    let o = summary.outcome;
    format!(
        "import run {}{}: {} lines in {:.1}s ({:.0} lines/s): {} inserted, {} updated, {} \
         unchanged, {} rejected{}",
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
    )
}

/// Writes `parcels.csv` and `certificates.csv` into `dir`; returns their paths.
fn write_files(data: &LandData, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let parcels = dir.join("parcels.csv");
    let certificates = dir.join("certificates.csv");
    let create = |p: &Path| {
        File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .with_context(|| format!("cannot create {}", p.display()))
    };
    dinhdanh_land::generate::write_csv(data, create(&parcels)?, create(&certificates)?)
        .with_context(|| format!("cannot write the files in {}", dir.display()))?;
    Ok((parcels, certificates))
}

/// Who may hold generated land, read from the registry.
#[derive(Debug, Default)]
struct RegistryOwners {
    persons: Vec<PersonalId>,
    couples: Vec<(PersonalId, PersonalId)>,
    organizations: Vec<TaxCode>,
}

/// Reads owners from the registry and generates their land (on a blocking thread).
async fn generate(
    registry: &Registry,
    seed: u64,
    as_of: NaiveDate,
    persons: u64,
    progress: &ProgressBar,
) -> anyhow::Result<(LandData, RegistryOwners)> {
    let cap = usize::try_from(persons).unwrap_or(usize::MAX);
    let owners = owners_from_registry(registry, cap, as_of, seed, progress).await?;
    if owners.persons.is_empty() && owners.organizations.is_empty() {
        bail!("the registry holds no living adult and no organization to give land to");
    }
    progress.set_message("generating");
    tokio::task::spawn_blocking(move || {
        let data = dinhdanh_land::generate::generate(
            &GenerateOptions { seed, as_of },
            &Owners {
                persons: &owners.persons,
                couples: &owners.couples,
                organizations: &owners.organizations,
            },
        );
        (data, owners)
    })
    .await
    .context("the generating thread failed")
}

/// Persons read per registry query when the registry is read whole.
const PAGE: u32 = 5_000;
/// Consecutive numbers read from each random point when the registry is sampled.
const RUN: u32 = 50;

/// Living adults of the registry (at most `cap`, spouses included), the married couples among
/// them, and organizations (at most a hundredth of `cap`, at least 10). A registry no larger
/// than `cap` is read whole. A larger one is sampled in short runs of numbers from random
/// points, so that owners spread over provinces, sexes and years of birth; the first `cap`
/// numbers would all be people registered in Hà Nội, mostly born in the 1900s.
async fn owners_from_registry(
    registry: &Registry,
    cap: usize,
    as_of: NaiveDate,
    seed: u64,
    progress: &ProgressBar,
) -> anyhow::Result<RegistryOwners> {
    let store = registry.store();
    let counts = registry.counts().await?;
    let eligible = |p: &Person| {
        p.status == LifeStatus::Living && p.personal_id.birth_year() + 18 <= as_of.year()
    };
    // Each chosen person with their registered spouse, in the order chosen.
    let mut chosen: HashMap<PersonalId, Option<PersonalId>> = HashMap::new();
    let mut order = Vec::new();
    progress.set_length(counts.persons.min(cap as u64));
    if counts.persons <= cap as u64 {
        let mut after = None;
        while chosen.len() < cap {
            let page = store.persons_after(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.personal_id);
            for p in page.iter().filter(|p| eligible(p)).take(cap - chosen.len()) {
                chosen.insert(p.personal_id, p.spouse);
                order.push(p.personal_id);
            }
            progress.set_position(chosen.len() as u64);
        }
    } else {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut fruitless = 0;
        while chosen.len() < cap && fruitless < 100 {
            let before = chosen.len();
            let start = random_number(&mut rng, as_of);
            for p in store.persons_after(Some(start), RUN).await? {
                if chosen.len() >= cap {
                    break;
                }
                if !eligible(&p) || chosen.contains_key(&p.personal_id) {
                    continue;
                }
                chosen.insert(p.personal_id, p.spouse);
                order.push(p.personal_id);
                // Bring the spouse too, so that couples can hold their home together.
                let Some(spouse) = p.spouse.filter(|s| !chosen.contains_key(s)) else {
                    continue;
                };
                if let Some(record) = store.person(spouse).await?
                    && record.superseded_by.is_none()
                    && eligible(&record.person)
                    && chosen.len() < cap
                {
                    chosen.insert(spouse, record.person.spouse);
                    order.push(spouse);
                }
            }
            fruitless = if chosen.len() == before {
                fruitless + 1
            } else {
                0
            };
            progress.set_position(chosen.len() as u64);
        }
    }
    // A couple when both are chosen and each names the other.
    let couples = order
        .iter()
        .filter_map(|&a| {
            let b = chosen.get(&a).copied().flatten()?;
            (a < b && chosen.get(&b).copied().flatten() == Some(a)).then_some((a, b))
        })
        .collect();
    let org_cap = (cap / 100).max(10);
    let mut organizations = Vec::new();
    let mut after: Option<String> = None;
    while organizations.len() < org_cap {
        let page = store
            .organizations_after(after.as_deref(), PAGE.min(org_cap as u32))
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.code.as_str().to_owned());
        let room = org_cap - organizations.len();
        organizations.extend(page.into_iter().take(room).map(|o| o.code));
    }
    Ok(RegistryOwners {
        persons: order,
        couples,
        organizations,
    })
}

/// A personal ID to start a sample run after: a province weighted by population, either sex,
/// a year of birth that makes an adult, any serial (serials are spread over the million).
fn random_number(rng: &mut impl Rng, as_of: NaiveDate) -> PersonalId {
    let total: u32 = Province::all().map(|p| p.population_thousands()).sum();
    let mut pick = rng.random_range(0..total.max(1));
    let mut province = Province::all()
        .last()
        .expect("the province table is not empty");
    for p in Province::all() {
        if pick < p.population_thousands() {
            province = p;
            break;
        }
        pick -= p.population_thousands();
    }
    let sex = if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let last_year = (as_of.year() - 18).max(1900);
    let year = rng.random_range(1900..=last_year);
    let serial = rng.random_range(0..=999_999);
    PersonalId::from_parts(province, sex, year, serial).expect("years 1900.. and serials < 10^6")
}
