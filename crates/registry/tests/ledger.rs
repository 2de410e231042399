//! The registry's entries in the access ledger, on both backends: a change to one person's record
//! through the registry's API is recorded once, durable before the call returns, naming the
//! person by keyed hash, who changed what and why; a bulk import writes nothing per person.

mod common;

use std::io::Write;
use std::sync::Arc;

use common::{csv_of, family, today};
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Event, HistoryFilter, Kind, Ledger, LedgerOptions};
use dinhdanh_registry::import::{ImportOptions, import_file};
use dinhdanh_registry::{Correction, ImportKind, Registry, RegistryError};
use dinhdanh_store::Db;
use dinhdanh_store::testing::backends;

async fn open_ledger(db: &Db) -> Ledger {
    Ledger::open(
        db.clone(),
        Arc::new(tokio::sync::Mutex::new(())),
        LedgerOptions {
            origin: "test.dinhdanh.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open the ledger")
}

/// Every entry of the log, oldest first.
async fn all_entries(ledger: &Ledger) -> Vec<Event> {
    ledger
        .entries(0, 1000)
        .await
        .expect("read the entries")
        .iter()
        .map(|bytes| Event::from_bytes(bytes).expect("an event"))
        .collect()
}

/// Loads the test family through the bulk import path, with the ledger set on the registry.
async fn import_family(registry: &Registry) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("family.csv");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&csv_of(&family()))
        .unwrap();
    let summary = import_file(
        registry.store(),
        &path,
        &ImportOptions {
            kind: ImportKind::Persons,
            format: None,
            batch_size: 2,
            today: today(),
            reject_report: None,
        },
        None,
    )
    .await
    .expect("import");
    assert_eq!(summary.outcome.inserted, 5);
}

fn correction(actor: &str, reason: &str, set: &[(&str, &str)]) -> Correction {
    Correction {
        set: set
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        expected_version: None,
        actor: actor.to_owned(),
        reason: reason.to_owned(),
    }
}

#[tokio::test]
async fn an_import_records_nothing_and_a_correction_records_one_entry_with_its_fields() {
    for t in backends().await {
        let name = t.name();
        let ledger = open_ledger(&t.db).await;
        let registry = Registry::new(&t.db);
        registry.record_changes_in(ledger.clone());

        import_family(&registry).await;
        assert!(
            all_entries(&ledger).await.is_empty(),
            "{name}: a bulk import writes nothing per person"
        );

        // A correction through a clone of the registry: the clone shares the ledger.
        let husband = PersonalId::parse("001090012345").unwrap();
        let record = registry
            .clone()
            .correct(
                husband,
                &correction(
                    "account:42",
                    "moved house (decision 12/QĐ-CA)",
                    &[
                        ("permanent_residence", "Số 3, phố Huế, Hà Nội"),
                        ("religion", "Phật giáo"),
                    ],
                ),
                today(),
            )
            .await
            .expect("correct");
        assert_eq!(record.version, 2, "{name}");

        let entries = all_entries(&ledger).await;
        assert_eq!(entries.len(), 1, "{name}: {entries:?}");
        let entry = &entries[0];
        assert_eq!(entry.kind, Kind::RegistryChanged, "{name}");
        assert_eq!(entry.actor.kind, "officer", "{name}");
        assert_eq!(entry.actor.id, "account:42", "{name}");
        assert_eq!(
            entry.subject.as_ref(),
            Some(&ledger.subject("001090012345").await.unwrap()),
            "{name}: the person is named by the keyed hash of their number"
        );
        let mut fields = entry.fields.clone();
        fields.sort();
        assert_eq!(
            fields,
            vec!["permanent_residence", "religion"],
            "{name}: the changed fields, and only them"
        );
        assert_eq!(entry.service.as_deref(), Some("population"), "{name}");
        assert_eq!(entry.detail.as_deref(), Some("correction"), "{name}");
        assert_eq!(
            entry.purpose, None,
            "{name}: the free-text reason stays in the registry"
        );
        let bytes = String::from_utf8(entry.to_bytes()).unwrap();
        for secret in ["001090012345", "phố Huế", "Phật giáo", "moved house"] {
            assert!(!bytes.contains(secret), "{name}: {secret} in {bytes}");
        }
        // It is on that person's history, and nobody else's.
        let filter = HistoryFilter {
            limit: 10,
            ..HistoryFilter::default()
        };
        let theirs = ledger.history(entry.subject.as_ref().unwrap(), &filter);
        assert_eq!(theirs.await.unwrap().len(), 1, "{name}");
        let wife = ledger.subject("001192004321").await.unwrap();
        assert!(
            ledger.history(&wife, &filter).await.unwrap().is_empty(),
            "{name}"
        );

        // A refused change records nothing.
        let refused = registry
            .correct(
                husband,
                &correction("account:42", "again", &[("religion", "Phật giáo")]),
                today(),
            )
            .await;
        assert!(
            matches!(refused, Err(RegistryError::NothingToChange)),
            "{name}: {refused:?}"
        );
        assert_eq!(all_entries(&ledger).await.len(), 1, "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn a_reestablishment_is_recorded_under_both_numbers_and_the_console_is_the_system() {
    for t in backends().await {
        let name = t.name();
        let ledger = open_ledger(&t.db).await;
        let registry = Registry::new(&t.db);
        import_family(&registry).await;
        registry.record_changes_in(ledger.clone());

        let old = PersonalId::parse("079095000001").unwrap();
        let record = registry
            .reestablish(
                old,
                &correction(
                    "cli:hoa",
                    "birth year wrong",
                    &[("birth_date", "1996-12-31")],
                ),
                today(),
            )
            .await
            .expect("re-establish");
        let new = record.person.personal_id;
        assert_ne!(new, old, "{name}");

        let entries = all_entries(&ledger).await;
        assert_eq!(entries.len(), 2, "{name}: {entries:?}");
        let subjects: Vec<_> = entries.iter().map(|e| e.subject.clone().unwrap()).collect();
        assert_eq!(
            subjects,
            vec![
                ledger.subject(&old.to_string()).await.unwrap(),
                ledger.subject(&new.to_string()).await.unwrap(),
            ],
            "{name}"
        );
        for entry in &entries {
            assert_eq!(entry.kind, Kind::RegistryChanged, "{name}");
            assert_eq!(entry.actor.kind, "system", "{name}");
            assert_eq!(entry.actor.id, "cli:hoa", "{name}");
            assert_eq!(entry.detail.as_deref(), Some("reestablished"), "{name}");
            assert_eq!(
                entry.legal_basis.as_deref(),
                Some("Circular 59/2021/TT-BCA"),
                "{name}"
            );
            assert!(entry.fields.contains(&"birth_date".to_owned()), "{name}");
            assert!(entry.fields.contains(&"personal_id".to_owned()), "{name}");
        }
        t.close().await;
    }
}

#[tokio::test]
async fn without_a_ledger_changes_are_made_and_nothing_is_recorded() {
    for t in backends().await {
        let name = t.name();
        let registry = Registry::new(&t.db);
        import_family(&registry).await;
        let ledger = open_ledger(&t.db).await;
        registry
            .correct(
                PersonalId::parse("001090012345").unwrap(),
                &correction("account:1", "typo", &[("religion", "Công giáo")]),
                today(),
            )
            .await
            .expect("correct");
        assert!(all_entries(&ledger).await.is_empty(), "{name}");
        t.close().await;
    }
}
