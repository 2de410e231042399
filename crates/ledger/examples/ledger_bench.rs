//! Ledger benchmark and crash helper.
//!
//! ```text
//! ledger_bench appends <database-url> [tasks] [seconds]   durable appends per second
//! ledger_bench proofs  <database-url> [size] [seconds]    inclusion proofs per second at `size`
//! ledger_bench ack     <database-url>                     append forever, print each acked index
//! ```
//!
//! `appends` runs `tasks` concurrent appenders (each waits for its entry to be durable before
//! the next) and reports appends/s, commits and latency. `proofs` first grows the log to `size`
//! entries if it is smaller (resumable), then asks for inclusion proofs of random entries at the
//! latest checkpoint from 64 concurrent tasks, through the same path as the HTTP API, and checks
//! one in a hundred. `ack` is for the crash test: it prints an index only after `append` returned.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use dinhdanh_ledger::merkle::{leaf_hash, verify_inclusion};
use dinhdanh_ledger::{Actor, Event, Kind, Ledger, LedgerOptions};
use dinhdanh_store::{Db, PoolOptions};
use tokio::sync::Mutex;

async fn event(ledger: &Ledger, i: u64) -> Event {
    let mut event = Event::new(
        Kind::DataRead,
        Actor {
            kind: "agency".into(),
            id: ["bhxh", "tax", "vst", "land-hn"][(i % 4) as usize].into(),
        },
        Utc::now(),
    );
    event.subject = Some(
        ledger
            .subject(&format!("{:03}1{:08}", 1 + i % 96, i % 100_000_000))
            .await
            .expect("the ledger is open"),
    );
    event.service = Some("population".into());
    event.fields = vec![
        "full_name".into(),
        "birth_date".into(),
        "permanent_residence".into(),
    ];
    event.purpose = Some("checking eligibility for social insurance".into());
    event.legal_basis = Some("Law on Social Insurance 41/2024/QH15".into());
    event.request_id = Some(format!("req-{i:x}"));
    event
}

async fn open(url: &str) -> Ledger {
    let db = Db::connect(url, &PoolOptions::default())
        .await
        .expect("connect to the database");
    db.migrate().await.expect("migrate");
    Ledger::open(
        db,
        Arc::new(Mutex::new(())),
        LedgerOptions {
            origin: "bench.dinhdanh.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open the ledger")
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: ledger_bench appends|proofs|ack <database-url> [n] [seconds]";
    let (Some(mode), Some(url)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let n: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
    let seconds: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(10);
    let ledger = open(url).await;
    match mode.as_str() {
        "appends" => appends(&ledger, if n == 0 { 512 } else { n }, seconds).await,
        "proofs" => proofs(&ledger, if n == 0 { 10_000_000 } else { n }, seconds).await,
        "ack" => ack(&ledger).await,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

async fn appends(ledger: &Ledger, tasks: u64, seconds: u64) {
    let start_size = ledger.checkpoint().await.unwrap().checkpoint.size;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (ledger, stop, done) = (ledger.clone(), stop.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = t;
            while !stop.load(Ordering::Relaxed) {
                let e = event(&ledger, i).await;
                let at = Instant::now();
                ledger.append(&e).await.expect("append");
                latencies.push(at.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
                i += tasks;
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = Vec::new();
    for h in handles {
        latencies.extend(h.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let end_size = ledger.checkpoint().await.unwrap().checkpoint.size;
    println!(
        "appends: {:.0}/s durable ({} entries in {elapsed:.1} s, {tasks} concurrent appenders), latency p50 {:.1} ms, p99 {:.1} ms; log size {start_size} -> {end_size}",
        done.load(Ordering::Relaxed) as f64 / elapsed,
        done.load(Ordering::Relaxed),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
}

async fn proofs(ledger: &Ledger, size: u64, seconds: u64) {
    let have = ledger.checkpoint().await.unwrap().checkpoint.size;
    if have < size {
        eprintln!("growing the log from {have} to {size} entries …");
        let started = Instant::now();
        let next = Arc::new(AtomicU64::new(have));
        let mut handles = Vec::new();
        for _ in 0..2048 {
            let (ledger, next) = (ledger.clone(), next.clone());
            handles.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= size {
                        return;
                    }
                    ledger
                        .append(&event(&ledger, i).await)
                        .await
                        .expect("append");
                    if i.is_multiple_of(500_000) {
                        eprintln!("  {i} entries, {:.0} s", started.elapsed().as_secs_f64());
                    }
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        eprintln!("grown in {:.0} s", started.elapsed().as_secs_f64());
    }
    let head = ledger.checkpoint().await.unwrap();
    let size = head.checkpoint.size;
    let root = head.checkpoint.root;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..64u64 {
        let (ledger, stop, done) = (ledger.clone(), stop.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ t;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let index = x % size;
                let proof = ledger.inclusion_proof(index, size).await.expect("proof");
                if n.is_multiple_of(100) {
                    let entry = ledger.entries(index, 1).await.expect("entry");
                    assert_eq!(leaf_hash(&entry[0]), proof.leaf_hash);
                    verify_inclusion(&proof.leaf_hash, index, size, &proof.proof, &root)
                        .expect("the proof verifies");
                }
                n += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "inclusion proofs: {:.0}/s at {size} entries ({} proofs in {elapsed:.1} s, 64 concurrent, 1 in 100 verified)",
        done.load(Ordering::Relaxed) as f64 / elapsed,
        done.load(Ordering::Relaxed),
    );
}

async fn ack(ledger: &Ledger) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    for t in 0..64u64 {
        let (ledger, tx) = (ledger.clone(), tx.clone());
        tokio::spawn(async move {
            let mut i = t;
            loop {
                let index = ledger
                    .append(&event(&ledger, i).await)
                    .await
                    .expect("append");
                if tx.send(index).is_err() {
                    return;
                }
                i += 64;
            }
        });
    }
    let mut out = std::io::stdout().lock();
    while let Some(index) = rx.recv().await {
        writeln!(out, "{index}").expect("stdout");
        out.flush().expect("stdout");
    }
}
