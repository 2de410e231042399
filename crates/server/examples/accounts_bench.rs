//! Sign-in throughput over HTTP: password logins next to raw Argon2id verifications at the same
//! parameters, and passkey logins (challenge + assertion + session), on this machine.
//!
//!   cargo run --release -p dinhdanh-server --example accounts_bench -- [SECONDS] [CONCURRENCY]
//!
//! With DINHDANH_BENCH_PG=postgres://… the server runs on a fresh PostgreSQL schema, otherwise on
//! a fresh SQLite file. The server and the load generator share the machine (and this process),
//! as in the registry benchmarks; the figures are therefore conservative.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dinhdanh_accounts::testing::SoftPasskey;
use dinhdanh_accounts::{AccountSettings, Accounts, Argon2Settings, Client, Clock, Registration};
use dinhdanh_registry::Registry;
use dinhdanh_registry::generate::{GenerateOptions, persons};
use dinhdanh_server::{AppState, ServerSettings};
use serde_json::{Value, json};

const PASSWORD: &str = "một câu mật khẩu dài cho đo đạc";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(10);
    let concurrency: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(16);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .unwrap();

    let (test_db, base, accounts) = server_rt.block_on(start_server(concurrency));
    println!(
        "backend {}, {cores} cores, {concurrency} concurrent clients, {seconds} s per measurement",
        test_db.db.backend()
    );
    let users = server_rt.block_on(enrol(&accounts, &test_db.db, concurrency, &base));

    // DINHDANH_BENCH_ONLY=passkey skips the password figures (for profiling).
    let only_passkeys = std::env::var("DINHDANH_BENCH_ONLY").is_ok_and(|v| v == "passkey");
    let client = dinhdanh_http::ClientTls::system()
        .client_builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    if !only_passkeys {
        // The raw rate is measured half before and half after the logins, so that a machine
        // whose speed drifts (shared hosts do) is compared with itself.
        let before = raw_argon2(cores, seconds.div_ceil(2));
        let ids: Vec<String> = users.iter().map(|u| u.personal_id.clone()).collect();
        let (c, b) = (client.clone(), base.clone());
        let (rate, p50, p99) = client_rt.block_on(load(concurrency, seconds, move |i| {
            let client = c.clone();
            let base = b.clone();
            let id = ids[i % ids.len()].clone();
            async move {
                let r = client
                    .post(format!("{base}/api/v1/sessions"))
                    .json(&json!({"personal_id": id, "method": "password", "value": PASSWORD}))
                    .send()
                    .await
                    .ok()?;
                r.status().is_success().then_some(())
            }
        }));
        let after = raw_argon2(cores, seconds.div_ceil(2));
        let raw = (before + after) / 2.0;
        println!(
            "RESULT argon2id_raw_verifications_per_second {raw:.1} (m=19456 KiB, t=2, p=1, {cores} threads; {before:.1} before the logins, {after:.1} after)"
        );
        println!("RESULT password_logins_per_second {rate:.1} (p50 {p50:.1} ms, p99 {p99:.1} ms)");
        println!(
            "RESULT password_login_share_of_raw {:.1} %",
            100.0 * rate / raw
        );
    }

    let keys: Vec<Arc<tokio::sync::Mutex<SoftPasskey>>> = users
        .into_iter()
        .map(|u| Arc::new(tokio::sync::Mutex::new(u.passkey)))
        .collect();
    let (c, b) = (client.clone(), base.clone());
    let (rate, p50, p99) = client_rt.block_on(load(concurrency, seconds, move |i| {
        let client = c.clone();
        let base = b.clone();
        let key = keys[i % keys.len()].clone();
        async move {
            let start: Value = client
                .post(format!("{base}/api/v1/sessions/passkey/start"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let response = key.lock().await.sign_in(&start["options"]);
            let r = client
                .post(format!("{base}/api/v1/sessions/passkey/finish"))
                .json(&json!({"ceremony": start["ceremony"], "response": response}))
                .send()
                .await
                .ok()?;
            r.status().is_success().then_some(())
        }
    }));
    println!(
        "RESULT passkey_logins_per_second {rate:.1} (p50 {p50:.1} ms, p99 {p99:.1} ms; 2 requests each)"
    );
    server_rt.block_on(test_db.close());
}

async fn start_server(concurrency: usize) -> (dinhdanh_store::testing::TestDb, String, Accounts) {
    let test_db = match std::env::var("DINHDANH_BENCH_PG")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(url) => dinhdanh_store::testing::postgres(&url).await,
        None => dinhdanh_store::testing::sqlite().await,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("http://localhost:{port}");
    let clock = Clock::system();
    // Every client comes from 127.0.0.1: give the address counter room for the whole run.
    let throttle = dinhdanh_accounts::ThrottlePolicy {
        free_per_address: 1_000_000,
        ..Default::default()
    };
    let accounts = Accounts::new(
        &test_db.db,
        AccountSettings {
            argon2: Argon2Settings::default(),
            public_url: url::Url::parse(&origin).unwrap(),
            throttle,
            ..AccountSettings::default()
        },
        clock.clone(),
    )
    .unwrap();
    // A population to draw account holders from.
    let today = clock.today();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("persons.jsonl");
    let rows: Vec<String> = persons(&GenerateOptions {
        count: (concurrency as u64 * 40).max(2000),
        seed: 11,
        as_of: today,
    })
    .map(|r| serde_json::to_string(&r).unwrap())
    .collect();
    std::fs::write(&file, rows.join("\n") + "\n").unwrap();
    let options = dinhdanh_registry::import::ImportOptions {
        kind: dinhdanh_registry::ImportKind::Persons,
        format: None,
        batch_size: 5000,
        today,
        reject_report: None,
    };
    dinhdanh_registry::import::import_file(
        Registry::new(&test_db.db).store(),
        &file,
        &options,
        None,
    )
    .await
    .unwrap();
    let settings = ServerSettings {
        web: dinhdanh_server::WebSettings {
            public_origin: origin.clone(),
            ..Default::default()
        },
        ..ServerSettings::default()
    };
    let ledger = dinhdanh_server::open_ledger(&test_db.db, &accounts, &settings)
        .await
        .expect("the ledger opens");
    let state = AppState::new(test_db.db.clone(), accounts.clone(), ledger, &settings);
    tokio::spawn(async move {
        dinhdanh_server::serve(listener, state, &settings, std::future::pending())
            .await
            .unwrap();
    });
    (test_db, format!("http://127.0.0.1:{port}"), accounts)
}

struct User {
    personal_id: String,
    passkey: SoftPasskey,
}

/// Registers `n` people at level 1 through the service, each with a password and a passkey.
async fn enrol(accounts: &Accounts, db: &dinhdanh_store::Db, n: usize, base: &str) -> Vec<User> {
    let origin = base.replace("127.0.0.1", "localhost");
    let registry = Registry::new(db);
    let today = accounts.clock().today();
    let found = registry
        .search("nguyen", None, None, None, 1000)
        .await
        .unwrap();
    let mut users = Vec::new();
    for record in found {
        if users.len() == n {
            break;
        }
        let p = &record.person;
        let eligible = matches!(p.status, dinhdanh_registry::LifeStatus::Living)
            && p.id_card.as_ref().is_some_and(|c| c.is_valid_on(today));
        if !eligible {
            continue;
        }
        let phone = format!("09{:08}", users.len());
        let client = Client::default();
        let ticket = accounts
            .register(
                &Registration {
                    personal_id: p.personal_id.to_string(),
                    full_name: p.name.full(),
                    birth_date: p.birth_date.to_string(),
                    phone: phone.clone(),
                },
                &client,
            )
            .await
            .unwrap();
        let international = dinhdanh_accounts::parse_phone(&phone).unwrap();
        let body = dinhdanh_accounts::notify::outbox(db, Some(&international), 1)
            .await
            .unwrap()[0]
            .body
            .clone();
        let code = body
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_owned();
        let enrolment = accounts
            .verify_registration(&ticket.0, &code, &client)
            .await
            .unwrap();
        accounts
            .set_password(&enrolment.session, PASSWORD)
            .await
            .unwrap();
        let mut passkey = SoftPasskey::new(&origin);
        let challenge = accounts
            .start_passkey_registration(&enrolment.session)
            .await
            .unwrap();
        accounts
            .finish_passkey_registration(
                &enrolment.session,
                &challenge.ceremony,
                &passkey.register(&challenge.options),
                "bench",
            )
            .await
            .unwrap();
        users.push(User {
            personal_id: p.personal_id.to_string(),
            passkey,
        });
    }
    assert_eq!(
        users.len(),
        n,
        "not enough eligible people in the generated population"
    );
    users
}

/// Argon2id verifications per second with one thread per core.
fn raw_argon2(threads: usize, seconds: u64) -> f64 {
    let hasher =
        dinhdanh_accounts::password::PasswordHasherConfig::new(Argon2Settings::default()).unwrap();
    let stored = hasher.hash(PASSWORD).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (hasher, stored, stop, done) =
                (hasher.clone(), stored.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    assert!(hasher.verify(PASSWORD, &stored));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Runs `concurrency` loops of `one` for `seconds`; returns successes per second and the p50 and
/// p99 latency in milliseconds. A failed request aborts the run: figures must be honest.
async fn load<F, Fut>(concurrency: usize, seconds: u64, one: F) -> (f64, f64, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<()>> + Send + 'static,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let one = Arc::new(one);
    let workers: Vec<_> = (0..concurrency)
        .map(|i| {
            let one = one.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    one(i).await.expect("a request failed during the benchmark");
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("a benchmark worker panicked"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    (all.len() as f64 / elapsed, pct(0.50), pct(0.99))
}
