//! Import through the real storage backends: rejects, idempotence, updates, resume, export.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{csv_of, family, row, today};
use dinhdanh_domain::PersonalId;
use dinhdanh_registry::import::{Format, ImportOptions, ImportSummary, import_file};
use dinhdanh_registry::store::{ImportBatch, RunStart};
use dinhdanh_registry::{ImportKind, Registry, RegistryError, export};
use dinhdanh_store::testing::backends;

fn options(batch_size: usize) -> ImportOptions {
    ImportOptions {
        kind: ImportKind::Persons,
        format: None,
        batch_size,
        today: today(),
        reject_report: None,
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

async fn import(registry: &Registry, path: &Path, batch_size: usize) -> ImportSummary {
    import_file(registry.store(), path, &options(batch_size), None)
        .await
        .unwrap()
}

async fn checksum(registry: &Registry) -> (u64, String) {
    let mut out = Vec::new();
    let s = export::export(
        registry.store(),
        ImportKind::Persons,
        Format::Csv,
        &mut out,
        &|_| {},
    )
    .await
    .unwrap();
    (s.records, s.sha256)
}

fn rejects(summary: &ImportSummary) -> Vec<(u64, String, String)> {
    let mut r = csv::Reader::from_path(&summary.report).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].parse().unwrap(),
                rec[1].to_owned(),
                rec[2].to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_never_applied() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let good = family();
        let mut text = csv_of(&good);
        // line 7: malformed (too few fields)
        text.extend_from_slice(b"001090099999,Nguyen,Van\n");
        // line 8: non-UTF-8 byte in the family name
        let mut bad_utf8 = csv_of(&[row(
            "001090011111",
            "Lê",
            "Văn",
            "Tám",
            "1990-01-01",
            "male",
        )]);
        let body = bad_utf8.split_off(bad_utf8.iter().position(|b| *b == b'\n').unwrap() + 1);
        let body = String::from_utf8(body)
            .unwrap()
            .replacen("Lê", "L\u{FFFF}", 1);
        let mut body = body.into_bytes();
        let at = body
            .windows(3)
            .position(|w| w == "\u{FFFF}".as_bytes())
            .unwrap();
        body.splice(at..at + 3, [0xFFu8]);
        text.extend_from_slice(&body);
        // line 9: number says male, record says female
        let inconsistent = row("001090022222", "Phạm", "Thị", "Hoa", "1990-02-02", "female");
        // line 10: unknown province 003
        let province = row("003090033333", "Vũ", "Văn", "Nam", "1990-03-03", "male");
        // line 11: the same number as line 2
        let duplicate = row(
            &good[0].personal_id,
            "Hoàng",
            "Văn",
            "Hải",
            "1990-04-04",
            "male",
        );
        // line 12: an address over the limit
        let mut oversized = row("001090044444", "Bùi", "Văn", "Long", "1990-05-05", "male");
        oversized.permanent_residence = "x".repeat(300);
        let rest = csv_of(&[inconsistent, province, duplicate, oversized]);
        let rest = &rest[rest.iter().position(|b| *b == b'\n').unwrap() + 1..];
        text.extend_from_slice(rest);
        let path = write(dir.path(), "people.csv", &text);

        let registry = Registry::new(&t.db);
        let summary = import(&registry, &path, 2).await;
        let name = t.name();
        assert_eq!(summary.lines, 11, "{name}");
        assert_eq!(summary.outcome.inserted, 5, "{name}");
        assert_eq!(summary.rejected, 6, "{name}");
        let report = rejects(&summary);
        let at = |line: u64| {
            report
                .iter()
                .filter(|(l, _, _)| *l == line)
                .map(|(_, f, r)| format!("{f}: {r}"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        assert!(
            at(7).contains("3 fields where the header has 20"),
            "{name}: {}",
            at(7)
        );
        assert!(
            at(8).contains("family_name is not valid UTF-8"),
            "{name}: {}",
            at(8)
        );
        assert!(
            at(9).starts_with("personal_id:") && at(9).contains("female"),
            "{name}: {}",
            at(9)
        );
        assert!(at(10).contains("003"), "{name}: {}", at(10));
        assert!(
            at(11).contains("duplicate") && at(11).contains("line 2"),
            "{name}: {}",
            at(11)
        );
        assert!(
            at(12).starts_with("permanent_residence:") && at(12).contains("300 characters"),
            "{name}: {}",
            at(12)
        );
        // Nothing of the rejected rows reached the database.
        assert_eq!(registry.counts().await.unwrap().persons, 5, "{name}");
        for id in ["001090099999", "001090022222", "001090044444"] {
            let id = PersonalId::parse(id).unwrap();
            assert!(
                matches!(
                    registry.person(id).await,
                    Err(RegistryError::PersonNotFound(_))
                ),
                "{name}: {id} must not exist"
            );
        }
        let first = registry
            .person(PersonalId::parse(&good[0].personal_id).unwrap())
            .await
            .unwrap();
        assert_eq!(
            first.person.name.given(),
            "An",
            "{name}: the duplicate must not overwrite"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_read_changes_nothing() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(&t.db);
        let mut text = b"personal_id,family_name,given_name,birth_date,sex,shoe_size\n".to_vec();
        text.extend_from_slice(b"001090012345,Nguyen,An,1990-03-15,male,42\n");
        let path = write(dir.path(), "bad-header.csv", &text);
        let err = import_file(registry.store(), &path, &options(10), None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("shoe_size"), "{}: {err}", t.name());
        let missing = write(dir.path(), "missing.csv", b"personal_id,family_name\n1,2\n");
        let err = import_file(registry.store(), &missing, &options(10), None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("given_name"), "{}: {err}", t.name());
        let unknown = write(dir.path(), "people.txt", b"x");
        let err = import_file(registry.store(), &unknown, &options(10), None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("format"), "{}: {err}", t.name());
        assert_eq!(registry.counts().await.unwrap().persons, 0, "{}", t.name());
        t.close().await;
    }
}

#[tokio::test]
async fn json_lines_are_checked_like_csv() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(&t.db);
        let mut text = Vec::new();
        for r in family() {
            serde_json::to_writer(&mut text, &r).unwrap();
            text.push(b'\n');
        }
        text.extend_from_slice(b"{\"personal_id\": \"001090012345\", oops}\n");
        text.extend_from_slice(b"{\"personal_id\":\"001090055555\",\"shoe\":1}\n");
        text.extend_from_slice(b"{\"personal_id\":\"00109\xff\"}\n");
        let path = write(dir.path(), "people.jsonl", &text);
        let summary = import(&registry, &path, 3).await;
        let name = t.name();
        assert_eq!(summary.outcome.inserted, 5, "{name}");
        assert_eq!(summary.rejected, 3, "{name}");
        let report = rejects(&summary);
        assert!(
            report[0].0 == 6 && report[0].2.contains("malformed JSON"),
            "{name}: {report:?}"
        );
        assert!(
            report[1].0 == 7 && report[1].2.contains("unknown field `shoe`"),
            "{name}: {report:?}"
        );
        assert!(
            report[2].0 == 8 && report[2].2.contains("not valid UTF-8"),
            "{name}: {report:?}"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn reimporting_changes_nothing_and_a_changed_file_makes_versions() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(&t.db);
        let rows = family();
        let path = write(dir.path(), "people.csv", &csv_of(&rows));
        let first = import(&registry, &path, 2).await;
        let before = checksum(&registry).await;
        let again = import(&registry, &path, 2).await;
        let name = t.name();
        assert_eq!(first.outcome.inserted, 5, "{name}");
        assert!(
            !first.report.exists(),
            "{name}: a clean file leaves no reject report"
        );
        assert_eq!(again.outcome.inserted, 0, "{name}");
        assert_eq!(again.outcome.updated, 0, "{name}");
        assert_eq!(again.outcome.unchanged, 5, "{name}");
        assert_ne!(
            first.run_id, again.run_id,
            "{name}: a finished run is not resumed"
        );
        assert_eq!(checksum(&registry).await, before, "{name}");

        let mut changed = rows.clone();
        changed[3].current_residence =
            "Số 1, đường Lê Lợi, phường Bến Nghé, quận 1, TP Hồ Chí Minh".into();
        let path2 = write(dir.path(), "people-v2.csv", &csv_of(&changed));
        let update = import(&registry, &path2, 2).await;
        assert_eq!(
            (update.outcome.updated, update.outcome.unchanged),
            (1, 4),
            "{name}"
        );
        let id = PersonalId::parse(&rows[3].personal_id).unwrap();
        let history = registry.history(id).await.unwrap();
        assert_eq!(history.len(), 2, "{name}");
        assert_eq!(history[1].changes.len(), 1, "{name}");
        assert_eq!(history[1].changes[0].field, "current_residence", "{name}");
        assert_eq!(
            history[1].actor,
            format!("import:{}", update.run_id),
            "{name}"
        );
        assert_ne!(checksum(&registry).await, before, "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn an_interrupted_run_resumes_after_its_last_batch() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let rows = family();
        let text = csv_of(&rows);
        let path = write(dir.path(), "people.csv", &text);
        let name = t.name();

        // The state a run leaves when killed after committing its first batch (lines 2–3).
        let registry = Registry::new(&t.db);
        let store = registry.store();
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&text))
        };
        let run = store
            .open_run(&RunStart {
                kind: ImportKind::Persons,
                file_name: "people.csv".into(),
                file_sha256: sha,
                now_ms: 0,
            })
            .await
            .unwrap();
        let newlines: Vec<usize> = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let first_two: Vec<_> = rows[..2]
            .iter()
            .map(|r| r.parse(today()).unwrap())
            .collect();
        store
            .import_persons(&ImportBatch {
                run_id: run.run_id,
                rows: first_two,
                end_offset: newlines[2] as u64 + 1,
                end_line: 3,
                now_ms: 0,
            })
            .await
            .unwrap();

        let resumed = import(&registry, &path, 2).await;
        assert!(resumed.resumed, "{name}");
        assert_eq!(resumed.run_id, run.run_id, "{name}");
        assert_eq!(
            resumed.outcome.inserted, 5,
            "{name}: totals cover the whole run"
        );
        assert_eq!(
            resumed.outcome.unchanged, 0,
            "{name}: committed rows are skipped, not re-read"
        );

        let clean = dinhdanh_store::testing::sqlite().await;
        let clean_registry = Registry::new(&clean.db);
        import(&clean_registry, &path, 2).await;
        assert_eq!(
            checksum(&registry).await,
            checksum(&clean_registry).await,
            "{name}"
        );
        clean.close().await;
        t.close().await;
    }
}

#[tokio::test]
async fn organizations_import_validate_and_version_like_persons() {
    use dinhdanh_domain::TaxCode;
    use dinhdanh_registry::OrganizationRow;
    use dinhdanh_registry::generate::{GenerateOptions, organizations};

    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(&t.db);
        let name = t.name();
        let population = GenerateOptions {
            count: 2_000,
            seed: 3,
            as_of: today(),
        };
        let mut rows: Vec<OrganizationRow> = organizations(&population, 20).collect();
        let mut bad = rows[0].clone();
        bad.code = "0100233480".into(); // wrong check digit
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows.iter().chain(std::iter::once(&bad)) {
            w.serialize(r).unwrap();
        }
        let path = write(dir.path(), "orgs.csv", &w.into_inner().unwrap());
        let opts = ImportOptions {
            kind: ImportKind::Organizations,
            ..options(5)
        };
        let first = import_file(registry.store(), &path, &opts, None)
            .await
            .unwrap();
        assert_eq!((first.outcome.inserted, first.rejected), (20, 1), "{name}");
        let report = rejects(&first);
        assert!(
            report[0].0 == 22 && report[0].1 == "code" && report[0].2.contains("check digit"),
            "{name}: {report:?}"
        );
        assert_eq!(registry.counts().await.unwrap().organizations, 20, "{name}");
        let code = TaxCode::parse(&rows[0].code).unwrap();
        let stored = registry.organization(&code).await.unwrap();
        assert_eq!(
            OrganizationRow::from(&stored.organization),
            rows[0],
            "{name}"
        );
        let represented = registry
            .organizations_represented_by(stored.organization.legal_representative)
            .await
            .unwrap();
        assert!(
            represented.iter().any(|o| o.organization.code == code),
            "{name}"
        );

        rows[0].head_office =
            "Số 1, phố Tràng Tiền, phường Tràng Tiền, quận Hoàn Kiếm, Hà Nội".into();
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &rows {
            w.serialize(r).unwrap();
        }
        let path2 = write(dir.path(), "orgs-v2.csv", &w.into_inner().unwrap());
        let second = import_file(registry.store(), &path2, &opts, None)
            .await
            .unwrap();
        assert_eq!(
            (second.outcome.updated, second.outcome.unchanged),
            (1, 19),
            "{name}"
        );
        let stored = registry.organization(&code).await.unwrap();
        assert_eq!(stored.version, 2, "{name}");
        assert_eq!(
            stored.organization.head_office, rows[0].head_office,
            "{name}"
        );
        t.close().await;
    }
}
