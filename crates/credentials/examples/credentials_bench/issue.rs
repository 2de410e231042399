//! `issue`: credentials issued per second through OpenID4VCI.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dinhdanh_accounts::{
    Account, AccountKind, AccountLevel, AccountSettings, AccountStatus, Accounts, Clock,
};
use dinhdanh_credentials::{CredentialRequest, Credentials, DocumentInput, Holder, IssuingAgency};
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Ledger, LedgerOptions};
use dinhdanh_oidc::jose::ClientKey;
use dinhdanh_store::{Db, PoolOptions, on_db};
use serde_json::json;

use crate::{millis, mix};

/// The public origin; the issuer is `<origin>/credentials`.
const ORIGIN: &str = "https://id.example.vn";
const DOC_TYPE: &str = "driving_licence";
const AGENCY: &str = "csgt.bench";
/// Persons with a driving licence integrated into their account.
const PERSONS: usize = 10_000;
const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The `n`th person's personal ID: Hà Nội (001), a man born in 1990, serial `n`.
fn personal_id(n: usize) -> PersonalId {
    PersonalId::parse(&format!("001090{n:06}")).expect("a valid personal ID")
}

fn licence_number(n: usize) -> String {
    format!("B{n:08}")
}

fn holder(n: usize) -> Holder {
    Holder::of(&Account {
        id: 2_000_000 + n as i64,
        kind: AccountKind::Person,
        personal_id: Some(personal_id(n)),
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
    .expect("a holder")
}

/// One person with their licence integrated.
#[derive(Clone)]
struct Person {
    holder: Holder,
    document: String,
}

/// The steps timed, their total time (µs) over a phase.
#[derive(Clone, Copy)]
enum Step {
    Offer,
    Token,
    Nonce,
    Proof,
    Credential,
}
const STEP_NAMES: [&str; 5] = [
    "offer",
    "token",
    "nonce",
    "proof (wallet signs)",
    "credential",
];
static STEPS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

fn took(step: Step, since: &mut Instant) {
    STEPS[step as usize].fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    *since = Instant::now();
}

fn reset_steps() {
    for s in &STEPS {
        s.store(0, Ordering::Relaxed);
    }
}

fn breakdown(steps: &[Step], per: u64) -> String {
    steps
        .iter()
        .map(|s| {
            let mean = STEPS[*s as usize].load(Ordering::Relaxed) as f64 / per.max(1) as f64;
            format!("{} {:.2} ms", STEP_NAMES[*s as usize], mean / 1000.0)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A wallet's proof of possession of `key` for `issuer` with `nonce`.
fn proof(key: &ClientKey, issuer: &str, nonce: &str) -> String {
    let public = key.signing.public_jwk();
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"]});
    key.signing.sign_with_header(
        &json!({"typ": dinhdanh_credentials::PROOF_TYP, "alg": "ES256", "jwk": jwk}),
        &json!({"aud": issuer, "iat": chrono::Utc::now().timestamp(), "nonce": nonce}),
    )
}

fn request(proof: String) -> CredentialRequest {
    let mut proofs = serde_json::Map::new();
    proofs.insert("jwt".into(), json!([proof]));
    CredentialRequest {
        credential_configuration_id: Some(DOC_TYPE.into()),
        credential_identifier: None,
        proofs: Some(proofs),
        proof: None,
        credential_response_encryption: None,
    }
}

/// An offer of the person's licence redeemed at the token endpoint: the access token.
async fn access_token(credentials: &Credentials, person: &Person, timed: bool) -> String {
    let mut at = Instant::now();
    let offer = credentials
        .offer(&person.holder, &person.document)
        .await
        .expect("an offer");
    if timed {
        took(Step::Offer, &mut at);
    }
    let code = offer
        .offer_url
        .rsplit('/')
        .next()
        .expect("the code ends the offer's URL");
    let params: HashMap<String, String> = [
        ("grant_type", PRE_AUTHORIZED_GRANT),
        ("pre-authorized_code", code),
        ("tx_code", &offer.tx_code),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let token = credentials.token(&params).await.expect("an access token");
    if timed {
        took(Step::Token, &mut at);
    }
    token.access_token
}

/// Nonce, proof and credential request with `access`.
async fn credential(credentials: &Credentials, key: &ClientKey, access: &str) {
    let mut at = Instant::now();
    let nonce = credentials.nonce().await.expect("a nonce");
    took(Step::Nonce, &mut at);
    let request = request(proof(key, credentials.issuer(), &nonce));
    took(Step::Proof, &mut at);
    let issued = credentials
        .credential(access, &request)
        .await
        .expect("a credential");
    took(Step::Credential, &mut at);
    assert!(issued.credential.ends_with('~'), "an SD-JWT VC");
}

/// Runs `one(i)` for `i` in `0..count` on `tasks` tasks; returns the results in order.
async fn parallel<T, F, Fut>(tasks: u64, count: usize, one: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (one, next) = (one.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break out;
                }
                out.push((i, one(i).await));
            }
        }));
    }
    let mut all = Vec::with_capacity(count);
    for h in handles {
        all.extend(h.await.expect("a setup task panicked"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

/// Runs `tasks` loops of `one(task, sequence number)` for `seconds`, or until one of them
/// answers false (nothing left to do); returns how many finished, the elapsed seconds, every
/// latency sorted, and whether the work ran out.
async fn measure<F, Fut>(tasks: u64, seconds: u64, one: F) -> (u64, f64, Vec<Duration>, bool)
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let ran_out = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (one, stop, ran_out, done) = (one.clone(), stop.clone(), ran_out.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut n = t + 1;
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let at = Instant::now();
                if !one(t as usize, n).await {
                    ran_out.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
                latencies.push(at.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
                n += tasks;
            }
            latencies
        }));
    }
    {
        let stop = stop.clone();
        let _ = tokio::time::timeout(Duration::from_secs(seconds), async move {
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.expect("a benchmark task panicked"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    (
        done.load(Ordering::Relaxed),
        elapsed,
        latencies,
        ran_out.load(Ordering::Relaxed),
    )
}

/// What the database holds of issuances: credentials, the ledger's size, its issuance entries.
async fn counts(db: &Db, ledger: &Ledger) -> (i64, u64, i64) {
    let issued: i64 = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM credentials_issued")
            .fetch_one(pool)
            .await
            .expect("count credentials")
    });
    let entries: i64 = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'credential.issued'")
            .fetch_one(pool)
            .await
            .expect("count ledger entries")
    });
    let size = ledger
        .checkpoint()
        .await
        .expect("a checkpoint")
        .checkpoint
        .size;
    (issued, size, entries)
}

/// Checks that the phase's `done` issuances are all in the database and the ledger.
async fn check(db: &Db, ledger: &Ledger, before: (i64, u64, i64), done: u64) {
    let after = counts(db, ledger).await;
    let grew = (
        (after.0 - before.0) as u64,
        after.1 - before.1,
        (after.2 - before.2) as u64,
    );
    assert_eq!(
        grew.0, done,
        "every issuance counted is a credentials_issued row"
    );
    assert_eq!(grew.1, done, "the ledger grew by one entry per issuance");
    assert_eq!(grew.2, done, "one credential.issued entry per issuance");
    println!(
        "checked: credentials_issued +{}, ledger checkpoint size +{}, credential.issued entries +{} (= {done} counted)",
        grew.0, grew.1, grew.2
    );
}

pub async fn run(url: &str, tasks: u64, seconds: u64) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).expect("create the database's folder");
        }
    }
    let pool = PoolOptions::default();
    let db = Db::connect(url, &pool)
        .await
        .expect("connect to the database");
    db.migrate().await.expect("migrate");
    let accounts =
        Accounts::new(&db, AccountSettings::default(), Clock::system()).expect("accounts");
    let ledger = Ledger::open(
        db.clone(),
        accounts.sqlite_write_gate(),
        LedgerOptions {
            origin: "id.example.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open the ledger");
    let credentials = Credentials::new(
        &db,
        accounts.sqlite_write_gate(),
        accounts.registry().clone(),
        ledger.clone(),
        accounts.clock().clone(),
        ORIGIN,
    );
    println!(
        "backend {}, {tasks} tasks, pool {} connections",
        db.backend(),
        pool.max_connections
    );

    // The persons and their licences (again on a database that has them: both steps are
    // idempotent).
    let started = Instant::now();
    let persons: Arc<Vec<Person>> = Arc::new(
        parallel(tasks, PERSONS, {
            let credentials = credentials.clone();
            move |n| {
                let credentials = credentials.clone();
                async move {
                    let agency = IssuingAgency {
                        client_id: AGENCY.into(),
                        types: vec![DOC_TYPE.into()],
                    };
                    let number = licence_number(n);
                    let input = DocumentInput {
                        personal_id: personal_id(n).to_string(),
                        data: json!({
                            "number": number,
                            "full_name": format!("Nguyễn Văn Bench {n}"),
                            "birth_date": "1990-03-15",
                            "classes": ["A1", "B"],
                            "issued_on": "2021-06-01",
                            "valid_until": "2031-06-01",
                            "issued_by": "Sở Giao thông vận tải Hà Nội"
                        })
                        .as_object()
                        .expect("an object")
                        .clone(),
                    };
                    credentials
                        .put_document(&agency, DOC_TYPE, &number, &input)
                        .await
                        .expect("put a licence");
                    let holder = holder(n);
                    let held = credentials
                        .integrate(&holder, DOC_TYPE, &number)
                        .await
                        .expect("integrate the licence");
                    Person {
                        holder,
                        document: held.document.id,
                    }
                }
            }
        })
        .await,
    );
    println!(
        "setup: {PERSONS} licences put and integrated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // One issuance untimed: it makes the issuer's key and starts the ledger's writer.
    {
        let access = access_token(&credentials, &persons[0], false).await;
        credential(&credentials, &ClientKey::generate("wallet"), &access).await;
    }
    let wallets: Arc<Vec<ClientKey>> = Arc::new(
        (0..tasks)
            .map(|t| ClientKey::generate(&format!("wallet-{t}")))
            .collect(),
    );

    // (a) The credential endpoint, with access tokens prepared beforehand.
    let wanted = 20_000.max(3_000 * seconds as usize);
    let started = Instant::now();
    let tokens: Arc<Vec<String>> = Arc::new(
        parallel(tasks, wanted, {
            let (credentials, persons) = (credentials.clone(), persons.clone());
            move |i| {
                let (credentials, persons) = (credentials.clone(), persons.clone());
                async move {
                    let person = &persons[(mix(i as u64) % PERSONS as u64) as usize];
                    access_token(&credentials, person, false).await
                }
            }
        })
        .await,
    );
    let prepared = started.elapsed().as_secs_f64();
    println!(
        "prepared {wanted} access tokens (offer + token) in {prepared:.1} s ({:.0} per second, untimed)",
        wanted as f64 / prepared
    );
    let before = counts(&db, &ledger).await;
    reset_steps();
    let taken = Arc::new(AtomicUsize::new(0));
    let (done, elapsed, latencies, ran_out) = measure(tasks, seconds, {
        let (credentials, wallets, tokens) = (credentials.clone(), wallets.clone(), tokens.clone());
        move |task, _| {
            let (credentials, wallets, tokens, taken) = (
                credentials.clone(),
                wallets.clone(),
                tokens.clone(),
                taken.clone(),
            );
            async move {
                let Some(access) = tokens.get(taken.fetch_add(1, Ordering::Relaxed)) else {
                    return false;
                };
                credential(&credentials, &wallets[task], access).await;
                true
            }
        }
    })
    .await;
    if ran_out {
        println!("NOTE the {wanted} prepared tokens ran out before {seconds} s");
    }
    println!(
        "RESULT credentials_issued_per_second {:.0} (credential endpoint: {done} issued in {elapsed:.1} s; each: nonce, proof signed by the wallet, credential request (token, proof and nonce checked, SD-JWT VC signed, stored, recorded in the ledger); access tokens prepared beforehand; latency p50 {:.1} ms, p99 {:.1} ms; backend {}, {tasks} tasks)",
        done as f64 / elapsed,
        millis(&latencies, 0.50),
        millis(&latencies, 0.99),
        db.backend(),
    );
    println!(
        "BREAKDOWN credential endpoint, mean per credential: {}",
        breakdown(&[Step::Nonce, Step::Proof, Step::Credential], done)
    );
    check(&db, &ledger, before, done).await;

    // (b) The whole flow.
    let before = counts(&db, &ledger).await;
    reset_steps();
    let (done, elapsed, latencies, _) = measure(tasks, seconds, {
        let (credentials, wallets, persons) =
            (credentials.clone(), wallets.clone(), persons.clone());
        move |task, n| {
            let (credentials, wallets, persons) =
                (credentials.clone(), wallets.clone(), persons.clone());
            async move {
                let person = &persons[(mix(n) % PERSONS as u64) as usize];
                let access = access_token(&credentials, person, true).await;
                credential(&credentials, &wallets[task], &access).await;
                true
            }
        }
    })
    .await;
    println!(
        "RESULT whole_issuance_flows_per_second {:.0} (whole flow: {done} issued in {elapsed:.1} s; each: offer, token (pre-authorized code + tx_code), nonce, proof, credential; latency p50 {:.1} ms, p99 {:.1} ms; backend {}, {tasks} tasks)",
        done as f64 / elapsed,
        millis(&latencies, 0.50),
        millis(&latencies, 0.99),
        db.backend(),
    );
    println!(
        "BREAKDOWN whole flow, mean per issuance: {}",
        breakdown(
            &[
                Step::Offer,
                Step::Token,
                Step::Nonce,
                Step::Proof,
                Step::Credential
            ],
            done
        )
    );
    check(&db, &ledger, before, done).await;
    db.close().await;
}
