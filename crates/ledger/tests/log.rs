//! The ledger on both backends: batched durable appends, proofs that verify, history by subject,
//! and audits that catch every kind of tampering with the stored log by name.

use std::sync::Arc;

use chrono::Utc;
use dinhdanh_ledger::audit::Finding;
use dinhdanh_ledger::export::{AuditError, verify_export};
use dinhdanh_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use dinhdanh_ledger::note::verify;
use dinhdanh_ledger::{Actor, Event, HistoryFilter, Kind, Ledger, LedgerOptions};
use dinhdanh_store::testing::{TestDb, backends};
use dinhdanh_store::{Db, sqlx};
use tokio::sync::Mutex;

async fn open(db: &Db) -> Ledger {
    Ledger::open(
        db.clone(),
        Arc::new(Mutex::new(())),
        LedgerOptions {
            origin: "test.dinhdanh.vn/ledger".into(),
            checkpoint_every: std::time::Duration::ZERO,
            ..LedgerOptions::default()
        },
    )
    .await
    .unwrap()
}

async fn read_event(ledger: &Ledger, agency: &str, person: &str) -> Event {
    let mut event = Event::new(
        Kind::DataRead,
        Actor {
            kind: "agency".into(),
            id: agency.into(),
        },
        Utc::now(),
    );
    event.subject = Some(ledger.subject(person).await.unwrap());
    event.service = Some("population".into());
    event.fields = vec!["full_name".into(), "birth_date".into()];
    event.purpose = Some("checking eligibility for a pension".into());
    event.legal_basis = Some("Law on Social Insurance 2024, Art. 9".into());
    event
}

/// Appends `n` events concurrently so that they share batches.
async fn fill(ledger: &Ledger, n: usize) -> Vec<u64> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let person = format!("0010990{:05}", i % 7);
            let event = read_event(&ledger, if i % 2 == 0 { "bhxh" } else { "tax" }, &person).await;
            ledger.append(&event).await.unwrap()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn exec(test: &TestDb, sql: &str) -> u64 {
    match &test.db {
        Db::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
    }
}

#[tokio::test]
async fn appends_are_numbered_in_order_and_every_proof_verifies() {
    for test in backends().await {
        let ledger = open(&test.db).await;
        let mut indexes = fill(&ledger, 600).await;
        indexes.sort();
        assert_eq!(indexes, (0..600).collect::<Vec<u64>>(), "{}", test.name());

        let head = ledger.checkpoint().await.unwrap();
        assert_eq!(head.checkpoint.size, 600);
        let keys = ledger.verifier_keys().await.unwrap();
        verify(&head.note, &keys, Utc::now(), chrono::Duration::minutes(1)).unwrap();

        let entries = ledger.entries(0, 1000).await.unwrap();
        assert_eq!(entries.len(), 600);
        for index in [0u64, 1, 255, 256, 511, 599] {
            let proof = ledger.inclusion_proof(index, 600).await.unwrap();
            assert_eq!(proof.leaf_hash, leaf_hash(&entries[index as usize]));
            verify_inclusion(
                &proof.leaf_hash,
                index,
                600,
                &proof.proof,
                &head.checkpoint.root,
            )
            .unwrap();
        }
        // Every kept checkpoint is consistent with the head.
        let kept = ledger.checkpoints(1, 600).await.unwrap();
        assert!(!kept.is_empty());
        for old in kept {
            let proof = ledger
                .consistency_proof(old.checkpoint.size, 600)
                .await
                .unwrap();
            verify_consistency(
                old.checkpoint.size,
                600,
                &old.checkpoint.root,
                &head.checkpoint.root,
                &proof.proof,
            )
            .unwrap();
        }
        // The bundle of one entry checks offline.
        let bundle = ledger.bundle(42).await.unwrap();
        bundle.verify(&keys, Utc::now()).unwrap();

        // Asking beyond the tree is refused with a reason, not answered.
        let err = ledger.inclusion_proof(600, 600).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("index 600 is not in a tree of 600"),
            "{err}"
        );
        let err = ledger.inclusion_proof(1, 601).await.unwrap_err();
        assert!(
            err.to_string().contains("latest checkpoint's size (600)"),
            "{err}"
        );
        assert!(ledger.consistency_proof(10, 5).await.is_err());

        let report = ledger.audit(&[], |_, _| {}).await.unwrap();
        assert_eq!(report.entries, 600);
        test.close().await;
    }
}

#[tokio::test]
async fn history_lists_one_persons_entries_newest_first_with_filters() {
    for test in backends().await {
        let ledger = open(&test.db).await;
        fill(&ledger, 70).await;
        let subject = ledger.subject("001099000003").await.unwrap();
        let all = ledger
            .history(
                &subject,
                &HistoryFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 10, "{}", test.name());
        assert!(all.windows(2).all(|w| w[0].index > w[1].index));
        assert!(
            all.iter()
                .all(|r| r.event.subject.as_ref() == Some(&subject))
        );
        let by_tax = ledger
            .history(
                &subject,
                &HistoryFilter {
                    actor: Some("tax".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(!by_tax.is_empty() && by_tax.len() < all.len());
        assert!(by_tax.iter().all(|r| r.event.actor.id == "tax"));
        let page = ledger
            .history(
                &subject,
                &HistoryFilter {
                    before: Some(all[4].index),
                    limit: 3,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.iter().map(|r| r.index).collect::<Vec<_>>(),
            all[5..8].iter().map(|r| r.index).collect::<Vec<_>>()
        );
        let nobody = ledger.subject("079199000001").await.unwrap();
        assert!(
            ledger
                .history(
                    &nobody,
                    &HistoryFilter {
                        limit: 10,
                        ..Default::default()
                    }
                )
                .await
                .unwrap()
                .is_empty()
        );
        test.close().await;
    }
}

#[tokio::test]
async fn a_reopened_ledger_keeps_its_keys_and_goes_on_appending() {
    for test in backends().await {
        let first = open(&test.db).await;
        fill(&first, 300).await;
        let keys = first.verifier_keys().await.unwrap();
        drop(first);
        let again = open(&test.db).await;
        assert_eq!(again.verifier_keys().await.unwrap(), keys);
        fill(&again, 300).await;
        assert_eq!(again.checkpoint().await.unwrap().checkpoint.size, 600);
        again.audit(&keys, |_, _| {}).await.unwrap();
        test.close().await;
    }
}

#[tokio::test]
async fn two_writers_on_one_database_share_one_consistent_log() {
    for test in backends().await {
        // Two handles stand for two server processes: separate writers and edge caches.
        let a = open(&test.db).await;
        let b = open(&test.db).await;
        let (x, y) = tokio::join!(fill(&a, 400), fill(&b, 400));
        let mut all: Vec<u64> = x.into_iter().chain(y).collect();
        all.sort();
        assert_eq!(all, (0..800).collect::<Vec<u64>>(), "{}", test.name());
        a.audit(&[], |_, _| {}).await.unwrap();
        test.close().await;
    }
}

#[tokio::test]
async fn tampering_with_the_stored_log_is_found_and_named() {
    for test in backends().await {
        let ledger = open(&test.db).await;
        fill(&ledger, 700).await;
        let keys = ledger.verifier_keys().await.unwrap();
        ledger.audit(&keys, |_, _| {}).await.unwrap();
        let name = test.name();

        // Changing an entry's bytes (here: the purpose) names that entry.
        let original: (Vec<u8>,) = match &test.db {
            Db::Sqlite(p) => sqlx::query_as("SELECT entry FROM ledger_entries WHERE idx = 300")
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_as("SELECT entry FROM ledger_entries WHERE idx = 300")
                .fetch_one(p)
                .await
                .unwrap(),
        };
        let altered = String::from_utf8(original.0.clone())
            .unwrap()
            .replace("pension", "loan offer");
        let hex_bytes = hex_literal(&test, altered.as_bytes());
        exec(
            &test,
            &format!("UPDATE ledger_entries SET entry = {hex_bytes} WHERE idx = 300"),
        )
        .await;
        let err = ledger.audit(&keys, |_, _| {}).await.unwrap_err();
        assert!(
            matches!(err, AuditError::Failed(Finding::Changed(300))),
            "{name}: {err}"
        );
        let restored = hex_literal(&test, &original.0);
        exec(
            &test,
            &format!("UPDATE ledger_entries SET entry = {restored} WHERE idx = 300"),
        )
        .await;
        ledger.audit(&keys, |_, _| {}).await.unwrap();

        // Moving an entry to someone else in the search column hides it from their history.
        exec(
            &test,
            "UPDATE ledger_entries SET subject = 'someone-else' WHERE idx = 12",
        )
        .await;
        let err = ledger.audit(&keys, |_, _| {}).await.unwrap_err();
        assert!(
            matches!(
                err,
                AuditError::Failed(Finding::ColumnChanged {
                    index: 12,
                    column: "subject"
                })
            ),
            "{name}: {err}"
        );
        exec(&test, "DELETE FROM ledger_entries WHERE idx = 12").await;

        // Deleting an entry names the gap.
        let err = ledger.audit(&keys, |_, _| {}).await.unwrap_err();
        assert!(
            matches!(err, AuditError::Failed(Finding::Missing(12))),
            "{name}: {err}"
        );
        exec(&test, "DELETE FROM ledger_entries WHERE idx = 699").await;
        test.close().await;
    }
}

#[tokio::test]
async fn an_export_verifies_offline_and_a_rewritten_history_does_not() {
    for test in backends().await {
        let ledger = open(&test.db).await;
        fill(&ledger, 520).await;
        let keys = ledger.verifier_keys().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ledger.export(dir.path(), |_, _| {}).await.unwrap(), 520);
        let report = verify_export(dir.path(), &keys).unwrap();
        assert_eq!(report.entries, 520);

        // Rewriting an entry and its leaf hash and every tile above it still cannot match the
        // signed checkpoints.
        let entries = std::fs::read_to_string(dir.path().join("entries.jsonl")).unwrap();
        let lines: Vec<&str> = entries.lines().collect();
        let line: serde_json::Value = serde_json::from_str(lines[5]).unwrap();
        let bytes = base64_decode(line["entry"].as_str().unwrap());
        let forged = String::from_utf8(bytes)
            .unwrap()
            .replace("pension", "marketing");
        let mut forged_line = line.clone();
        forged_line["entry"] = base64_encode(forged.as_bytes()).into();
        let mut rewritten: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        rewritten[5] = forged_line.to_string();
        std::fs::write(
            dir.path().join("entries.jsonl"),
            rewritten.join("\n") + "\n",
        )
        .unwrap();
        let err = verify_export(dir.path(), &keys).unwrap_err();
        assert!(
            matches!(err, AuditError::Failed(Finding::Changed(5))),
            "{err}"
        );

        // A log signed by another key is refused at its checkpoints.
        let other = open_other_key().await;
        let err = verify_export(dir.path(), &other).unwrap_err();
        assert!(
            matches!(err, AuditError::Failed(Finding::BadCheckpoint { .. })),
            "{err}"
        );
        test.close().await;
    }
}

async fn open_other_key() -> Vec<dinhdanh_ledger::VerifierKey> {
    let test = dinhdanh_store::testing::sqlite().await;
    let other = open(&test.db).await;
    let keys = other.verifier_keys().await.unwrap().to_vec();
    test.close().await;
    keys
}

fn hex_literal(test: &TestDb, bytes: &[u8]) -> String {
    match test.db {
        Db::Sqlite(_) => format!("X'{}'", hex::encode(bytes)),
        Db::Postgres(_) => format!("'\\x{}'::bytea", hex::encode(bytes)),
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
