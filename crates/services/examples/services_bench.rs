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
use dinhdanh_services::catalogue::{Channel, Level, Procedure};
use dinhdanh_services::{Citizen, PORTAL_CLIENT, PREFILL_PURPOSE, Services};
use dinhdanh_store::{Db, PoolOptions, on_db};
use serde_json::json;

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

/// SplitMix64: the synthetic applications depend only on their number.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform draw in `[0, 1)` from `key`'s `part`.
fn draw(key: u64, part: u64) -> f64 {
    (mix(key ^ part.wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Adds synthetic applications until there are `wanted`.
async fn fill(
    db: &Db,
    services: &Services,
    procedures: &[Procedure],
    ids: &[PersonalId],
    wanted: u64,
) {
    let have: i64 = on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_applications
             WHERE application_id >= 'bench' AND application_id < 'benci'",
        )
        .fetch_one(pool)
        .await
        .expect("count")
    });
    let have = have as u64;
    if have >= wanted {
        return;
    }
    eprintln!("{have} synthetic applications; adding {} …", wanted - have);
    let started = Instant::now();
    // A bulk load: the secondary indexes go while the rows go in, and come back as they were.
    let indexes = secondary_indexes(db).await;
    for (name, _) in &indexes {
        let drop = format!("DROP INDEX {name}");
        on_db!(db, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop.as_str()))
                .execute(pool)
                .await
                .expect("drop an index");
        });
    }
    let now = services.now();
    let today = dinhdanh_calendar::vietnam::date(now);
    // Popular procedures first: the i-th gets weight 1/(i+1).
    let weights: Vec<f64> = (0..procedures.len())
        .map(|i| 1.0 / (i as f64 + 1.0))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut cumulative = Vec::new();
    let mut acc = 0.0;
    for w in &weights {
        acc += w / sum;
        cumulative.push(acc);
    }
    const BATCH: u64 = 1000;
    const PER_TRANSACTION: u64 = 20;
    let mut next = have;
    while next < wanted {
        let mut statements = Vec::new();
        for _ in 0..PER_TRANSACTION {
            if next >= wanted {
                break;
            }
            let end = (next + BATCH).min(wanted);
            let mut sql = String::from(
                "INSERT INTO service_applications (application_id, code, procedure_code, unit, \
                 personal_id, account_id, channel, level, status, data, fee_vnd, created_at, \
                 filed_at, accept_due_at, accepted_at, first_due_at, due_at, decided_at, outcome, \
                 returned_at, result_electronic, apologies, version, updated_at) VALUES ",
            );
            for i in next..end {
                if i > next {
                    sql.push(',');
                }
                let key = mix(i ^ 0x5EED);
                let pick = draw(key, 1);
                let p = &procedures[cumulative.iter().position(|c| pick < *c).unwrap_or(0)];
                row(&mut sql, services, p, ids, i, key, now, today);
            }
            statements.push(sql);
            next = end;
        }
        on_db!(db, |pool| {
            let mut tx = pool.begin().await.expect("begin");
            for sql in &statements {
                // The values are numbers and codes this program made, never outside input.
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str()))
                    .execute(&mut *tx)
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        });
        if next % 500_000 < BATCH * PER_TRANSACTION {
            eprintln!(
                "  {next} ({:.0} rows/s)",
                (next - have) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let indexed = Instant::now();
    for (_, create) in &indexes {
        on_db!(db, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(create.as_str()))
                .execute(pool)
                .await
                .expect("create an index");
        });
    }
    // As after any bulk load, fresh statistics for the planner (autovacuum would get there
    // later); without them PostgreSQL scans every application to find the changed ones.
    on_db!(db, |pool| {
        sqlx::query("ANALYZE service_applications")
            .execute(pool)
            .await
            .expect("analyze");
    });
    eprintln!(
        "added in {:.0} s, of which {:.0} s rebuilding {} indexes",
        started.elapsed().as_secs_f64(),
        indexed.elapsed().as_secs_f64(),
        indexes.len()
    );
}

/// Sets each unit's daily counter past the numbers the synthetic applications took, as the
/// counter would be had they been filed one by one, so that new filings get fresh codes.
async fn count_numbers_used(db: &Db, services: &Services, procedures: &[Procedure], wanted: u64) {
    let today = dinhdanh_calendar::vietnam::date(services.now());
    let units: BTreeSet<&str> = procedures.iter().map(|p| p.agency.unit.as_str()).collect();
    let last = (wanted / 365 + 1) as i64;
    for unit in units {
        for back in 0..365 {
            let day = (today - chrono::Days::new(back)).to_string();
            on_db!(db, |pool| {
                sqlx::query(
                    "INSERT INTO service_sequences (unit, day, last) VALUES ($1, $2, $3)
                     ON CONFLICT (unit, day) DO UPDATE
                     SET last = CASE WHEN service_sequences.last < $3 THEN $3
                                     ELSE service_sequences.last END",
                )
                .bind(unit)
                .bind(&day)
                .bind(last)
                .execute(pool)
                .await
                .expect("set a counter");
            });
        }
    }
}

/// The names and definitions of the applications' indexes other than the primary key and
/// unique constraints.
async fn secondary_indexes(db: &Db) -> Vec<(String, String)> {
    match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'service_applications' AND sql IS NOT NULL",
        )
        .fetch_all(pool)
        .await
        .expect("read the indexes"),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT i.indexname::TEXT, i.indexdef FROM pg_indexes i
             WHERE i.tablename = 'service_applications' AND i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        )
        .fetch_all(pool)
        .await
        .expect("read the indexes"),
    }
}

/// One synthetic application, as SQL values, in the state its age makes likely.
#[allow(clippy::too_many_arguments)]
fn row(
    sql: &mut String,
    services: &Services,
    p: &Procedure,
    ids: &[PersonalId],
    i: u64,
    key: u64,
    now: i64,
    today: NaiveDate,
) {
    use std::fmt::Write;
    const HOUR: i64 = 3_600_000;
    let day = today - chrono::Days::new(i % 365);
    let online_share = if p.level == Level::Full { 0.75 } else { 0.4 };
    let online = p.channels.contains(&Channel::Online) && draw(key, 2) < online_share;
    // Online at any time from 06:00 to 23:00; at the counter in office hours.
    let minute = if online {
        360 + (draw(key, 3) * 1020.0) as i64
    } else {
        450 + (draw(key, 3) * 540.0) as i64
    };
    let filed = dinhdanh_calendar::vietnam::midnight(day) + minute * 60_000;
    let filed = filed.min(now - 1);
    let number = i / 365 + 1;
    let code = format!(
        "{}-{}-{number:04}",
        p.agency.unit.as_str(),
        day.format("%y%m%d")
    );
    let person = ids[(key % ids.len() as u64) as usize];
    let accept_due = services.after_working_hours(filed, 8);
    // Reception answers within 1 to 10 working hours; 3 % are not accepted.
    let accepted = services.after_working_hours(filed, 1 + (draw(key, 4) * 10.0) as u32);
    let mut status = 1;
    let (mut accepted_at, mut first_due, mut decided, mut outcome) = (None, None, None, None);
    let (mut returned, mut electronic) = (None, None);
    let mut updated = filed;
    if accepted <= now {
        updated = accepted;
        if draw(key, 5) < 0.03 {
            status = 3;
        } else {
            status = 4;
            accepted_at = Some(accepted);
            let due = services.after_working_hours(accepted, p.processing_hours.max(1));
            first_due = Some(due);
            // Most are decided well before the deadline; some late.
            let at = accepted + ((due - accepted) as f64 * (0.2 + draw(key, 6) * 1.0)) as i64;
            if at <= now {
                updated = at;
                let fate = draw(key, 7);
                if fate < 0.02 {
                    status = 7;
                } else if fate < 0.04 {
                    status = 8;
                } else {
                    status = 9;
                    decided = Some(at);
                    outcome = Some(if draw(key, 8) < 0.93 {
                        "approved"
                    } else {
                        "refused"
                    });
                    let back = at + (draw(key, 9) * 48.0 * HOUR as f64) as i64;
                    if back <= now {
                        status = 10;
                        updated = back;
                        returned = Some(back);
                        let share = if online { 0.8 } else { 0.2 };
                        electronic = Some(i64::from(draw(key, 10) < share));
                    }
                }
            }
        }
    }
    let opt = |v: Option<i64>| v.map_or_else(|| "NULL".to_owned(), |v| v.to_string());
    let _ = write!(
        sql,
        "('{SYNTHETIC}{i:027}','{code}','{}','{}',{},{},'{}','{}',{status},'{{}}',{},{},{filed},{accept_due},{},{},{},{},{},{},{},0,{},{updated})",
        p.code,
        p.agency.unit.as_str(),
        person.as_u64(),
        1_000_000 + (key % 5_000_000) as i64,
        if online { "online" } else { "counter" },
        p.level.as_str(),
        p.fee_vnd,
        filed - 10 * 60_000,
        opt(accepted_at),
        opt(first_due),
        opt(first_due),
        opt(decided),
        outcome.map_or_else(|| "NULL".to_owned(), |o| format!("'{o}'")),
        opt(returned),
        opt(electronic),
        2 + i64::from(status >= 4) + i64::from(decided.is_some()) + i64::from(returned.is_some()),
    );
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
