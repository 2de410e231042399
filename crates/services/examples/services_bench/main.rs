//! Public-services throughput, with no HTTP: applications submitted per second, and statistics
//! pages over millions of applications.
//!
//! ```text
//! services_bench submit     <database-url> [tasks] [seconds]
//! services_bench statistics <database-url> [applications] [seconds]
//! ```
//!
//! Both modes migrate the database, make sure it holds a generated population of 20 000 persons
//! (through the registry's own import), the demo catalogue and the portal's sharing rules.
//!
//! `submit`: `tasks` (default 32) citizens at a time each go through the whole applicant
//! journey for a temporary-residence registration, for `seconds` (default 10): start a draft
//! pre-filled from the registry (a read through the exchange, with its ledger entry), answer
//! the three questions, upload the rental contract (a small PDF) and file. An application counts
//! once filed; the count is checked against the database afterwards.
//!
//! `statistics`: adds synthetic applications until the database holds `applications` of them
//! (default 10 000 000) filed over the 365 days before today, across the demo catalogue's
//! procedures and agencies, each in the state its age makes likely (received, processing,
//! decided on time or late, returned on paper or electronically, refused, withdrawn). Rows are
//! inserted directly, in batches, with the secondary indexes dropped and built again after, as
//! a bulk load is done (so give it a database of its own: an interrupted fill leaves it without
//! them). Then it times the first count of the statistics' tallies, and statistics pages for
//! `seconds` each (default 5): the year for every agency (the public page's default), one
//! month, and the year for one agency. Last, 200 applications are submitted through the
//! journey and the next page is timed, which recounts their day.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use dinhdanh_accounts::{
    Account, AccountKind, AccountLevel, AccountSettings, AccountStatus, Accounts, Clock,
};
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::Exchange;
use dinhdanh_land::Land;
use dinhdanh_ledger::{Ledger, LedgerOptions};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};
use dinhdanh_registry::generate::{GenerateOptions, ensure_population};
use dinhdanh_services::catalogue::Procedure;
use dinhdanh_services::{Citizen, PORTAL_CLIENT, PREFILL_PURPOSE, Services};
use dinhdanh_store::{Db, PoolOptions, on_db};
use serde_json::json;

mod fill;

use fill::{count_numbers_used, fill, mix};

const USAGE: &str = "usage: services_bench submit <database-url> [tasks] [seconds]\n       \
                     services_bench statistics <database-url> [applications] [seconds]";
/// The generated population: fixed, so the data is the same on every run.
const PERSONS: u64 = 20_000;
const SEED: u64 = 2024;
/// The procedure the submitting citizens apply for: temporary-residence registration.
const PROCEDURE: &str = "1.004194";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// Synthetic applications' identifiers start with this, so that a fill can count its own.
const SYNTHETIC: &str = "bench";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(url)) = (args.get(1), args.get(2)) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.parse().unwrap_or_else(|_| {
                eprintln!("{USAGE}");
                std::process::exit(2)
            })
        })
    };
    let pool = PoolOptions::default();
    let db = Db::connect(url, &pool)
        .await
        .expect("connect to the database");
    db.migrate().await.expect("migrate");
    let (services, ids) = world(&db).await;
    match mode.as_str() {
        "submit" => {
            let tasks = number(3, 32).max(1);
            let seconds = number(4, 10).max(1);
            submit(&db, &services, ids, tasks, seconds).await;
            println!(
                "backend {}, {tasks} tasks, pool {} connections",
                db.backend(),
                pool.max_connections
            );
        }
        "statistics" => {
            let wanted = number(3, 10_000_000);
            let seconds = number(4, 5).max(1);
            statistics(&db, &services, ids, wanted, seconds).await;
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
    db.close().await;
}

/// The capability with its parts, the demo catalogue and the portal's rules; and the personal
/// IDs of living persons to apply as.
async fn world(db: &Db) -> (Services, Arc<Vec<PersonalId>>) {
    let accounts =
        Accounts::new(db, AccountSettings::default(), Clock::system()).expect("accounts");
    let registry = accounts.registry().clone();
    let today = accounts.clock().today();
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1)
        .expect("a date")
        .min(today);
    ensure_population(
        &registry,
        &GenerateOptions {
            count: PERSONS,
            seed: SEED,
            as_of,
        },
        today,
    )
    .await
    .expect("import the generated persons");
    let ledger = Ledger::open(
        db.clone(),
        accounts.sqlite_write_gate(),
        LedgerOptions {
            origin: "bench.dinhdanh.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open the ledger");
    let oidc = Oidc::new(
        db,
        accounts.clone(),
        OidcSettings::for_issuer("https://bench.dinhdanh.vn"),
    );
    if oidc
        .client(PORTAL_CLIENT)
        .await
        .expect("read clients")
        .is_none()
    {
        let portal: ClientRegistration = serde_json::from_value(json!({
            "client_id": PORTAL_CLIENT,
            "name": {"vi": "Cổng dịch vụ công", "en": "Public service portal"},
            "purpose": {"vi": "Giải quyết thủ tục hành chính", "en": "Administrative procedures"},
            "redirect_uris": [],
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["exchange.read"],
            "grant_types": ["client_credentials"],
            "security_level": 3
        }))
        .expect("a registration");
        oidc.register_client(portal)
            .await
            .expect("register the portal");
    }
    let exchange = Exchange::new(
        db,
        accounts.sqlite_write_gate(),
        registry.clone(),
        Land::new(db),
        ledger,
        oidc,
    );
    let services = Services::new(
        db,
        accounts.sqlite_write_gate(),
        exchange.clone(),
        PORTAL_CLIENT,
    );
    let catalogue = dinhdanh_services::catalogue::demo();
    services
        .import_catalogue(&catalogue)
        .await
        .expect("import the demo catalogue");
    ensure_portal_rules(&exchange, &catalogue.procedures).await;
    let ids: Vec<i64> = on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT personal_id FROM persons WHERE superseded_by IS NULL ORDER BY personal_id LIMIT $1",
        )
        .bind(PERSONS as i64)
        .fetch_all(pool)
        .await
        .expect("read personal IDs")
    });
    let ids: Vec<PersonalId> = ids
        .into_iter()
        .map(|id| PersonalId::parse(&format!("{id:012}")).expect("a stored ID"))
        .collect();
    assert!(!ids.is_empty(), "the registry has no persons");
    (services, Arc::new(ids))
}

/// One sharing rule per data service and legal basis the procedures pre-fill with, as the demo
/// sets them, unless the portal has rules already.
async fn ensure_portal_rules(exchange: &Exchange, procedures: &[Procedure]) {
    let policy = exchange.policy().await.expect("the policy");
    if policy
        .document
        .rules
        .iter()
        .any(|r| r.agency == PORTAL_CLIENT)
    {
        return;
    }
    let mut grants: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for prefill in procedures.iter().filter_map(|p| p.prefill.as_ref()) {
        grants
            .entry((prefill.service.clone(), prefill.legal_basis.clone()))
            .or_default()
            .extend(prefill.fields.iter().cloned());
    }
    let mut document = serde_json::to_value(&policy.document).expect("JSON");
    let rules = document["rules"].as_array_mut().expect("rules");
    for ((service, basis), fields) in grants {
        rules.push(json!({
            "id": format!("portal-{service}-{basis}"),
            "agency": PORTAL_CLIENT,
            "service": service,
            "fields": fields,
            "purposes": [PREFILL_PURPOSE],
            "basis": {"law": basis},
            "min_security_level": 3
        }));
    }
    exchange
        .set_policy(
            &document.to_string(),
            "services_bench",
            "the portal pre-fills applications",
        )
        .await
        .expect("set the policy");
}

fn citizen(n: usize, id: PersonalId) -> Citizen {
    Citizen::of(&Account {
        id: 1_000_000 + n as i64,
        kind: AccountKind::Person,
        personal_id: Some(id),
        organization_code: None,
        level: AccountLevel::Two,
        status: AccountStatus::Active,
        phone: None,
        portrait: None,
        guardian: None,
        locks: vec![],
        roles: vec![],
        locked_methods: vec![],
        created_at: 0,
    })
    .expect("a citizen")
}

/// Time spent in each step of the journey, in microseconds, over all journeys.
static STEPS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
const STEP_NAMES: [&str; 4] = ["start (pre-filled)", "answer", "upload", "file"];

fn took(step: usize, since: &mut Instant) {
    STEPS[step].fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    *since = Instant::now();
}

/// One whole applicant journey; returns the filed application's code.
async fn apply(services: &Services, citizen: &Citizen, n: u64) -> String {
    let mut at = Instant::now();
    let draft = services
        .start(citizen, PROCEDURE)
        .await
        .expect("start a draft");
    assert!(
        !draft.form.prefilled.is_empty(),
        "the draft is pre-filled from the registry"
    );
    took(0, &mut at);
    let answers: BTreeMap<String, String> = [
        (
            "temporary_address",
            format!(
                "Số {}, ngõ 12 Trần Thái Tông, Cầu Giấy, Hà Nội",
                n % 500 + 1
            ),
        ),
        ("start_date", "2026-12-01".to_owned()),
        ("duration_months", format!("{}", n % 24 + 1)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    services
        .answer(citizen, &draft.id, &answers)
        .await
        .expect("answer");
    took(1, &mut at);
    services
        .upload(
            citizen,
            &draft.id,
            "rental_contract",
            "hop-dong-thue.pdf",
            PDF,
        )
        .await
        .expect("upload");
    took(2, &mut at);
    let filed = services.file(citizen, &draft.id).await.expect("file");
    took(3, &mut at);
    filed
        .code
        .expect("a filed application has a code")
        .to_string()
}

async fn count_filed(db: &Db) -> i64 {
    on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_applications WHERE procedure_code = $1 AND status > 0",
        )
        .bind(PROCEDURE)
        .fetch_one(pool)
        .await
        .expect("count")
    })
}

async fn submit(db: &Db, services: &Services, ids: Arc<Vec<PersonalId>>, tasks: u64, seconds: u64) {
    // One journey outside the measurement: it loads the policy, the catalogue and the keys.
    apply(services, &citizen(0, ids[0]), 0).await;
    let before = count_filed(db).await;
    for step in &STEPS {
        step.store(0, Ordering::Relaxed);
    }
    let (filed, elapsed, latencies) = measure(tasks, seconds, ids.len(), {
        let (services, ids) = (services.clone(), ids.clone());
        move |pick, n| {
            let (services, ids) = (services.clone(), ids.clone());
            async move {
                apply(&services, &citizen(pick, ids[pick]), n).await;
            }
        }
    })
    .await;
    let after = count_filed(db).await;
    assert_eq!(
        (after - before) as u64,
        filed,
        "every journey counted is a filed application"
    );
    println!(
        "RESULT applications_submitted_per_second {:.0} ({filed} filed in {elapsed:.1} s; each: pre-filled draft with its ledger entry, answers, one upload, filing; latency p50 {:.1} ms, p99 {:.1} ms)",
        filed as f64 / elapsed,
        millis(&latencies, 0.50),
        millis(&latencies, 0.99),
    );
    let breakdown: Vec<String> = STEP_NAMES
        .iter()
        .zip(&STEPS)
        .map(|(name, micros)| {
            let mean = micros.load(Ordering::Relaxed) as f64 / filed.max(1) as f64 / 1000.0;
            format!("{name} {mean:.1} ms")
        })
        .collect();
    println!("BREAKDOWN mean per journey: {}", breakdown.join(", "));
}

async fn statistics(
    db: &Db,
    services: &Services,
    ids: Arc<Vec<PersonalId>>,
    wanted: u64,
    seconds: u64,
) {
    let procedures = services.procedures().await.expect("the catalogue");
    fill(db, services, &procedures, &ids, wanted).await;
    count_numbers_used(db, services, &procedures, wanted).await;
    let started = Instant::now();
    let today = dinhdanh_calendar::vietnam::date(services.now());
    let year_ago = today - chrono::Days::new(364);
    services
        .statistics(today, today, None)
        .await
        .expect("a first count");
    let tallies: i64 = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM service_tallies")
            .fetch_one(pool)
            .await
            .expect("count")
    });
    let total: i64 = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM service_applications WHERE status > 0")
            .fetch_one(pool)
            .await
            .expect("count")
    });
    println!(
        "the first count of the tallies took {:.1} s ({total} applications, {tallies} tallies)",
        started.elapsed().as_secs_f64()
    );
    let month_start = today.with_day(1).expect("a first day");
    let biggest = procedures
        .first()
        .map(|p| p.agency.unit.as_str().to_owned())
        .expect("a procedure");
    let pages: [(&str, NaiveDate, Option<&str>); 3] = [
        ("year, every agency", year_ago, None),
        ("month, every agency", month_start, None),
        ("year, one agency", year_ago, Some(&biggest)),
    ];
    for (name, first, unit) in pages {
        let mut times = Vec::new();
        let mut filed = 0;
        let until = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < until {
            let at = Instant::now();
            let stats = services
                .statistics(first, today, unit)
                .await
                .expect("statistics");
            times.push(at.elapsed());
            filed = stats.total.counts.filed;
        }
        times.sort();
        println!(
            "RESULT statistics_page_ms {:.1} ({name}: {filed} applications; {} pages, p50 {:.1} ms, max {:.1} ms)",
            millis(&times, 0.50),
            times.len(),
            millis(&times, 0.50),
            times.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        );
    }
    for n in 0..200 {
        let pick = n % ids.len();
        apply(services, &citizen(pick, ids[pick]), n as u64).await;
    }
    let at = Instant::now();
    let stats = services
        .statistics(year_ago, today, None)
        .await
        .expect("statistics");
    println!(
        "RESULT statistics_page_after_200_submissions_ms {:.1} (year, every agency: {} applications)",
        at.elapsed().as_secs_f64() * 1000.0,
        stats.total.counts.filed
    );
    println!("backend {}", db.backend());
}

/// Runs `tasks` loops of `one(random index below len, sequence number)` for `seconds`; returns
/// how many finished, the elapsed seconds and every latency, sorted.
async fn measure<F, Fut>(tasks: u64, seconds: u64, len: usize, one: F) -> (u64, f64, Vec<Duration>)
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (one, stop, done) = (one.clone(), stop.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut n = t + 1;
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let at = Instant::now();
                one((mix(n) % len as u64) as usize, n).await;
                latencies.push(at.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
                n += tasks;
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.expect("a benchmark task panicked"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    (done.load(Ordering::Relaxed), elapsed, latencies)
}

fn millis(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
