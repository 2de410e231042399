//! `kill -9` while batches are being written loses no acknowledged entry: a child process appends
//! from 64 tasks and prints each index only after `append` returned; it is killed mid-stream,
//! and every printed index must be in the database, in a log that still verifies and goes on.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::Utc;
use dinhdanh_ledger::{Actor, Event, Kind, Ledger, LedgerOptions};
use dinhdanh_store::testing::backends;
use dinhdanh_store::{Db, PoolOptions};
use tokio::sync::Mutex;

const CHILD_ENV: &str = "DINHDANH_LEDGER_CRASH_CHILD";

async fn open(db: Db) -> Ledger {
    Ledger::open(
        db,
        Arc::new(Mutex::new(())),
        LedgerOptions {
            origin: "crash.dinhdanh.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .unwrap()
}

async fn event(ledger: &Ledger, i: u64) -> Event {
    let mut event = Event::new(
        Kind::DataRead,
        Actor {
            kind: "agency".into(),
            id: "bhxh".into(),
        },
        Utc::now(),
    );
    event.subject = Some(ledger.subject(&format!("00109{i:07}")).await.unwrap());
    event.fields = vec!["full_name".into()];
    event
}

/// The child: appends until killed. Does nothing when run as an ordinary test.
#[tokio::test]
async fn crash_child() {
    let Ok(url) = std::env::var(CHILD_ENV) else {
        return;
    };
    let db = Db::connect(&url, &PoolOptions::default()).await.unwrap();
    let ledger = open(db).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    for t in 0..64u64 {
        let (ledger, tx) = (ledger.clone(), tx.clone());
        tokio::spawn(async move {
            let mut i = t;
            loop {
                let index = ledger.append(&event(&ledger, i).await).await.unwrap();
                let _ = tx.send(index);
                i += 64;
            }
        });
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    while let Some(index) = rx.recv().await {
        writeln!(out, "ACK {index}").unwrap();
        out.flush().unwrap();
    }
}

#[tokio::test]
async fn kill_9_during_batching_loses_no_acknowledged_entry() {
    for test in backends().await {
        // The parent creates the log first, so the child and the check share its keys.
        let ledger = open(test.db.clone()).await;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &test.url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut acked = Vec::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            if let Some(index) = line.strip_prefix("ACK ") {
                acked.push(index.parse::<u64>().unwrap());
                if acked.len() == 3000 {
                    break;
                }
            }
        }
        // SIGKILL: no destructors, no flushing, batches in flight.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            acked.len(),
            3000,
            "{}: the child acknowledged too few entries",
            test.name()
        );

        let size = ledger.checkpoint().await.unwrap().checkpoint.size;
        let max = *acked.iter().max().unwrap();
        assert!(
            size > max,
            "{}: acknowledged entry {max} is beyond the durable tree of {size}",
            test.name()
        );
        let stored = ledger.entries(0, 1000).await.unwrap().len();
        assert_eq!(stored as u64, size.min(1000));
        for index in &acked {
            ledger.entry(*index).await.unwrap_or_else(|e| {
                panic!("{}: acknowledged entry {index} was lost: {e}", test.name())
            });
        }
        ledger.audit(&[], |_, _| {}).await.unwrap();

        // The log goes on from where the killed writer left it.
        let next = ledger.append(&event(&ledger, 1).await).await.unwrap();
        assert_eq!(next, size);
        ledger.audit(&[], |_, _| {}).await.unwrap();
        test.close().await;
    }
}
