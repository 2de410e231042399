//! Exchange read throughput: an agency's reads through the whole read path — policy decision,
//! registry fetch and the durable `data.read` (and `data.refused`) ledger entries — with no HTTP.
//!
//! ```text
//! exchange_bench <database-url> [persons] [tasks] [seconds] [mode]
//! ```
//!
//! The database is migrated and, when the registry holds fewer than `persons` persons (default
//! 100 000), a synthetic population is generated and imported through the registry's own import
//! (a file whose content depends only on the count, so a killed import resumes and a second run
//! reuses the data). A level-3 agency and a one-rule policy are set up if missing. Then `tasks`
//! (default 64) concurrent tasks read random persons for `seconds` (default 10). `mode` is
//! `lawful` (every field released under the law) or `mixed` (each read also asks for `religion`,
//! which is withheld, so each read writes two entries). The ledger's size is checked to have
//! grown by exactly the entries written. Last, the registry fetch and the ledger append are each
//! timed alone for two seconds at the same concurrency, to show where the time goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use dinhdanh_accounts::{AccountSettings, Accounts, Clock};
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::{Agency, Exchange, PolicyDocument, ReadRequest};
use dinhdanh_land::Land;
use dinhdanh_ledger::{Actor, Event, Kind, Ledger, LedgerOptions};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};
use dinhdanh_registry::Registry;
use dinhdanh_registry::generate::{GenerateOptions, ensure_population};
use dinhdanh_store::{Db, PoolOptions, on_db};
use serde_json::json;

/// The benchmark's agency: social insurance, a level-3 system.
const AGENCY: &str = "bhxh.bench.gov.vn";
const PURPOSE: &str = "social-insurance-enrolment";
const LAW: &str = "social-insurance-law-41-2024";
const GRANTED: [&str; 4] = ["full_name", "birth_date", "sex", "permanent_residence"];
/// The generated population's seed and observation day: fixed, so the file is the same each run.
const SEED: u64 = 2024;
const USAGE: &str =
    "usage: exchange_bench <database-url> [persons] [tasks] [seconds] [lawful|mixed]";

/// Whether each read also asks for a field the policy withholds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Lawful,
    Mixed,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = args.get(1) else {
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
    let wanted = number(2, 100_000).max(1);
    let tasks = number(3, 64).max(1);
    let seconds = number(4, 10).max(1);
    let mode = match args.get(5).map(String::as_str) {
        None | Some("lawful") => Mode::Lawful,
        Some("mixed") => Mode::Mixed,
        Some(_) => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };

    let pool = PoolOptions::default();
    let db = Db::connect(url, &pool)
        .await
        .expect("connect to the database");
    db.migrate().await.expect("migrate");
    let accounts = Accounts::new(
        &db,
        AccountSettings {
            public_url: url::Url::parse("https://bench.dinhdanh.vn").expect("a URL"),
            ..AccountSettings::default()
        },
        Clock::system(),
    )
    .expect("accounts");
    let registry = accounts.registry().clone();
    ensure_persons(&registry, wanted, accounts.clock().today()).await;
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
        &db,
        accounts.clone(),
        OidcSettings::for_issuer("https://bench.dinhdanh.vn"),
    );
    ensure_agency(&oidc).await;
    let exchange = Exchange::new(
        &db,
        accounts.sqlite_write_gate(),
        registry.clone(),
        Land::new(&db),
        ledger.clone(),
        oidc,
    );
    let policy_version = ensure_policy(&exchange).await;
    let ids = Arc::new(person_ids(&db, wanted).await);

    // One read outside the measurement: it loads the policy, the agency and the ledger's keys,
    // and shows the answer has the shape the benchmark asserts on.
    let probe = exchange
        .read(&agency(), &request(&ids[0], mode, 0))
        .await
        .expect("a first read");
    assert!(probe.data.get("full_name").is_some(), "{:?}", probe.data);
    assert_eq!(probe.withheld.len(), usize::from(mode == Mode::Mixed));

    let entries_per_read = if mode == Mode::Mixed { 2 } else { 1 };
    let size_before = ledger
        .checkpoint()
        .await
        .expect("a checkpoint")
        .checkpoint
        .size;
    let (reads, elapsed, latencies) = measure(tasks, seconds, ids.len(), {
        let (exchange, ids) = (exchange.clone(), ids.clone());
        move |pick, n| {
            let (exchange, ids) = (exchange.clone(), ids.clone());
            async move {
                let answer = exchange
                    .read(&agency(), &request(&ids[pick], mode, n))
                    .await
                    .expect("a read");
                assert!(answer.data.get("full_name").is_some(), "{:?}", answer.data);
            }
        }
    })
    .await;
    let size_after = ledger
        .checkpoint()
        .await
        .expect("a checkpoint")
        .checkpoint
        .size;
    let entries = reads * entries_per_read;
    assert_eq!(
        size_after - size_before,
        entries,
        "the ledger grew by {} entries for {reads} reads × {entries_per_read}",
        size_after - size_before
    );
    let rate = reads as f64 / elapsed;
    println!(
        "RESULT exchange_reads_per_second {rate:.0} ({reads} reads in {elapsed:.1} s, mode {}, {:.0} ledger entries/s, latency p50 {:.1} ms, p99 {:.1} ms)",
        if mode == Mode::Mixed {
            "mixed"
        } else {
            "lawful"
        },
        entries as f64 / elapsed,
        millis(&latencies, 0.50),
        millis(&latencies, 0.99),
    );
    println!(
        "backend {}, {} persons ({} read at random), {tasks} tasks, pool {} connections, policy version {policy_version}; ledger {size_before} -> {size_after} (+{entries}, checked)",
        db.backend(),
        registry.counts().await.expect("counts").persons,
        ids.len(),
        pool.max_connections,
    );

    // The parts alone, at the same concurrency.
    let (fetches, fetch_secs, fetch_lat) = measure(tasks, 2, ids.len(), {
        let (registry, ids) = (registry.clone(), ids.clone());
        move |pick, _| {
            let (registry, ids) = (registry.clone(), ids.clone());
            async move {
                let id = PersonalId::parse(&ids[pick]).expect("a stored ID");
                registry.person(id).await.expect("the person");
            }
        }
    })
    .await;
    let (appends, append_secs, append_lat) = measure(tasks, 2, ids.len(), {
        let (ledger, ids) = (ledger.clone(), ids.clone());
        move |pick, n| {
            let (ledger, ids) = (ledger.clone(), ids.clone());
            async move {
                let e = event(&ledger, &ids[pick], n).await;
                ledger.append(&e).await.expect("append");
            }
        }
    })
    .await;
    println!(
        "BREAKDOWN registry person() alone {:.0}/s (p50 {:.1} ms), ledger.append alone {:.0}/s durable (p50 {:.1} ms), full read {rate:.0}/s (p50 {:.1} ms), {tasks} tasks each",
        fetches as f64 / fetch_secs,
        millis(&fetch_lat, 0.50),
        appends as f64 / append_secs,
        millis(&append_lat, 0.50),
        millis(&latencies, 0.50),
    );
    db.close().await;
}

fn agency() -> Agency {
    Agency {
        client_id: AGENCY.into(),
    }
}

fn request(id: &str, mode: Mode, n: u64) -> ReadRequest {
    let mut fields: Vec<String> = GRANTED.iter().map(|f| (*f).to_owned()).collect();
    if mode == Mode::Mixed {
        fields.push("religion".into());
    }
    ReadRequest {
        service: "population".into(),
        subject: id.to_owned(),
        fields: Some(fields),
        purpose: PURPOSE.into(),
        legal_basis: Some(LAW.into()),
        request_id: Some(format!("bench-{n:x}")),
    }
}

/// An entry like the one a lawful read writes.
async fn event(ledger: &Ledger, id: &str, n: u64) -> Event {
    let mut e = Event::new(
        Kind::DataRead,
        Actor {
            kind: "agency".into(),
            id: AGENCY.into(),
        },
        Utc::now(),
    );
    e.subject = Some(ledger.subject(id).await.expect("the ledger is open"));
    e.service = Some("population".into());
    e.fields = GRANTED.iter().map(|f| (*f).to_owned()).collect();
    e.purpose = Some(PURPOSE.into());
    e.legal_basis = Some(LAW.into());
    e.request_id = Some(format!("bench-{n:x}"));
    e.detail = Some("policy:1 rules:bench-social-insurance".into());
    e
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
            // xorshift64: a cheap, Send generator per task.
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (t + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            let mut n = t;
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = Instant::now();
                one((x % len as u64) as usize, n).await;
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

/// Imports the generated population when the registry has fewer than `count` persons.
async fn ensure_persons(registry: &Registry, count: u64, today: NaiveDate) {
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1)
        .expect("a date")
        .min(today);
    let options = GenerateOptions {
        count,
        seed: SEED,
        as_of,
    };
    ensure_population(registry, &options, today)
        .await
        .expect("import the generated persons");
}

/// Registers the agency as a client-credentials client at security level 3 unless it exists.
async fn ensure_agency(oidc: &Oidc) {
    if oidc.client(AGENCY).await.expect("read clients").is_some() {
        return;
    }
    let registration: ClientRegistration = serde_json::from_value(json!({
        "client_id": AGENCY,
        "name": {"vi": "Bảo hiểm xã hội (đo tải)", "en": "Social insurance (benchmark)"},
        "purpose": {"vi": "Đăng ký tham gia bảo hiểm xã hội", "en": "Social insurance enrolment"},
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "scopes": ["exchange.read"],
        "grant_types": ["client_credentials"],
        "security_level": 3
    }))
    .expect("a registration");
    oidc.register_client(registration)
        .await
        .expect("register the agency");
}

/// Sets the one-rule policy unless it is the policy in force; returns the version in force.
async fn ensure_policy(exchange: &Exchange) -> i64 {
    let json = json!({"rules": [{
        "id": "bench-social-insurance",
        "agency": AGENCY,
        "service": "population",
        "fields": GRANTED,
        "purposes": [PURPOSE],
        "basis": {"law": LAW},
        "min_security_level": 3
    }]})
    .to_string();
    let services = exchange.services().await.expect("the catalogue");
    let wanted = PolicyDocument::parse(&json, &services).expect("a valid policy");
    let current = exchange.policy().await.expect("the policy");
    if current.document == wanted {
        return current.version;
    }
    exchange
        .set_policy(&json, "exchange_bench", "benchmark policy")
        .await
        .expect("set the policy")
        .version
}

/// Up to `n` current personal IDs, as 12-digit strings.
async fn person_ids(db: &Db, n: u64) -> Vec<String> {
    let rows: Vec<(i64,)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT personal_id FROM persons WHERE superseded_by IS NULL ORDER BY personal_id LIMIT $1",
        )
        .bind(n as i64)
        .fetch_all(pool)
        .await
        .expect("read personal IDs")
    });
    assert!(!rows.is_empty(), "the registry has no persons");
    rows.into_iter().map(|(id,)| format!("{id:012}")).collect()
}
