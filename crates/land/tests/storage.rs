//! The land database through the real storage backends (SQLite, and PostgreSQL when
//! `DINHDANH_TEST_POSTGRES` is set): import, idempotence, rejects, resume, holders' parcels.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use dinhdanh_domain::{PersonalId, Province, Sex, TaxCode};
use dinhdanh_land::generate::{GenerateOptions, LandData, Owners, generate, write_csv};
use dinhdanh_land::store::{ImportBatch, RunStart};
use dinhdanh_land::*;
use dinhdanh_store::testing::backends;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

fn options(kind: ImportKind, batch_size: usize) -> ImportOptions {
    ImportOptions {
        kind,
        batch_size,
        today: today(),
        reject_report: None,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

async fn import(land: &Land, path: &Path, kind: ImportKind, batch_size: usize) -> ImportSummary {
    land.import(path, &options(kind, batch_size), None)
        .await
        .unwrap()
}

/// The report's rows as "line field: reason".
fn report(summary: &ImportSummary) -> Vec<String> {
    let mut r = csv::Reader::from_path(&summary.report).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            format!("{} {}: {}", &rec[0], &rec[1], &rec[2])
        })
        .collect()
}

fn demo() -> LandData {
    let ids: Vec<PersonalId> = (0..300u32)
        .map(|i| {
            let province = Province::all().nth(i as usize % 63).unwrap();
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            PersonalId::from_parts(province, sex, 1950 + (i % 50) as i32, i).unwrap()
        })
        .collect();
    let couples: Vec<_> = ids.chunks(2).map(|p| (p[0], p[1])).collect();
    let orgs = [
        TaxCode::parse("0100233488").unwrap(),
        TaxCode::parse("0314409058").unwrap(),
    ];
    generate(
        &GenerateOptions {
            seed: 42,
            as_of: today(),
        },
        &Owners {
            persons: &ids,
            couples: &couples,
            organizations: &orgs,
        },
    )
}

fn demo_files(dir: &Path, data: &LandData) -> (PathBuf, PathBuf) {
    let (mut p, mut c) = (Vec::new(), Vec::new());
    write_csv(data, &mut p, &mut c).unwrap();
    (
        write(dir, "parcels.csv", &String::from_utf8(p).unwrap()),
        write(dir, "certificates.csv", &String::from_utf8(c).unwrap()),
    )
}

#[tokio::test]
async fn demo_data_imports_whole_and_a_second_import_changes_nothing() {
    let data = demo();
    for t in backends().await {
        let name = t.name();
        let dir = tempfile::tempdir().unwrap();
        let (parcels, certificates) = demo_files(dir.path(), &data);
        let land = Land::new(&t.db);

        let first = import(&land, &parcels, ImportKind::Parcels, 37).await;
        assert_eq!(first.outcome.inserted, data.parcels.len() as u64, "{name}");
        assert_eq!(first.rejected, 0, "{name}");
        assert!(
            !first.report.exists(),
            "{name}: a clean file leaves no report"
        );
        let first = import(&land, &certificates, ImportKind::Certificates, 37).await;
        assert_eq!(
            first.outcome.inserted,
            data.certificates.len() as u64,
            "{name}"
        );
        assert_eq!(first.rejected, 0, "{name}: {:?}", first.report);

        let counts = land.counts().await.unwrap();
        assert_eq!(counts.parcels, data.parcels.len() as u64, "{name}");
        assert_eq!(
            counts.certificates,
            data.certificates.len() as u64,
            "{name}"
        );
        for p in data.parcels.iter().step_by(17) {
            assert_eq!(&land.parcel(&p.key).await.unwrap(), p, "{name}");
        }
        for c in data.certificates.iter().step_by(13) {
            assert_eq!(&land.certificate(&c.serial).await.unwrap(), c, "{name}");
        }

        for (path, kind, total) in [
            (&parcels, ImportKind::Parcels, data.parcels.len()),
            (
                &certificates,
                ImportKind::Certificates,
                data.certificates.len(),
            ),
        ] {
            let again = import(&land, path, kind, 50).await;
            assert!(!again.resumed, "{name}: a finished run is not resumed");
            assert_eq!(
                again.outcome,
                BatchOutcome {
                    inserted: 0,
                    updated: 0,
                    unchanged: total as u64
                },
                "{name}"
            );
        }
        assert_eq!(land.counts().await.unwrap(), counts, "{name}");
        t.close().await;
    }
}

const PARCELS: &str = "\
province,district,commune,map_sheet,parcel_number,street_address,area_m2,purposes,origin,acquired_by
001,Quận Hoàn Kiếm,Phường Hàng Bạc,12,345,\"Số 12, phố Hàng Bạc\",80.5,ODT:80.5:long,CNQ-CTT,transfer
001,Huyện Gia Lâm,Xã Yên Viên,3,78,,1250,LUC:1250:2043-10-15,DG-KTT,
001,Huyện Gia Lâm,Xã Yên Viên,3,79,,600,HNK:600:2043-10-15,DG-KTT,inheritance
079,,Phường Sài Gòn,7,15,\"Số 1, đường Lê Lợi\",25000,TMD:25000:2075-08-01,DT-TML,
001,Huyện Gia Lâm,Xã Yên Viên,4,10,,500,CLN:500:2043-10-15,DG-KTT,inheritance
";

const CERTIFICATES: &str = "\
serial,registry_book_number,issued_on,issued_by,parcels,holders,status,superseded_by
CM 264931,CH 00120,2012-05-04,Ủy ban nhân dân quận Hoàn Kiếm,001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345,person:001090012345;person:001192004321,valid,
BS 123456,CH 00077,2001-03-02,Ủy ban nhân dân huyện Gia Lâm,001/Huyện Gia Lâm/Xã Yên Viên/3/78;001/Huyện Gia Lâm/Xã Yên Viên/3/79,person:001090012345,superseded,AA 00000001
AA 00000001,CH 01234,2025-02-10,Văn phòng đăng ký đất đai Hà Nội,001/Huyện Gia Lâm/Xã Yên Viên/3/78;001/Huyện Gia Lâm/Xã Yên Viên/3/79,person:001090012345,valid,
AB 00000002,CT 00010,2025-09-01,Văn phòng đăng ký đất đai TP Hồ Chí Minh,079/Phường Sài Gòn/7/15,organization:0100233488,,
BT 654321,CH 00301,2015-06-30,Ủy ban nhân dân huyện Gia Lâm,001/Huyện Gia Lâm/Xã Yên Viên/4/10,person:001090012345@1/2;person:001095000077@1/2,valid,
CK 096662,CH 00999,2010-01-01,Ủy ban nhân dân huyện Gia Lâm,001/Huyện Gia Lâm/Xã Yên Viên/4/10,person:001060000001,revoked,
";

fn person(id: &str) -> Holder {
    Holder::Person(PersonalId::parse(id).unwrap())
}

fn serials(holding: &Holding) -> Vec<&str> {
    holding
        .certificates
        .iter()
        .map(|c| c.serial.as_str())
        .collect()
}

#[tokio::test]
async fn parcels_of_a_holder_come_with_the_certificates_they_hold_them_by() {
    for t in backends().await {
        let name = t.name();
        let dir = tempfile::tempdir().unwrap();
        let land = Land::new(&t.db);
        import(
            &land,
            &write(dir.path(), "p.csv", PARCELS),
            ImportKind::Parcels,
            2,
        )
        .await;
        let summary = import(
            &land,
            &write(dir.path(), "c.csv", CERTIFICATES),
            ImportKind::Certificates,
            4,
        )
        .await;
        assert_eq!(summary.outcome.inserted, 6, "{name}");

        // The husband, in key order (province, then district kind: quận before huyện): the home
        // with his wife, two farm parcels on one certificate (the superseded one is no longer
        // his title), and a parcel held half with his brother.
        let husband = land
            .parcels_of_holder(&person("001090012345"))
            .await
            .unwrap();
        let held: Vec<(String, Vec<&str>)> = husband
            .iter()
            .map(|h| (h.parcel.key.to_string(), serials(h)))
            .collect();
        assert_eq!(
            held,
            [
                (
                    "001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345".to_owned(),
                    vec!["CM 264931"]
                ),
                (
                    "001/Huyện Gia Lâm/Xã Yên Viên/3/78".to_owned(),
                    vec!["AA 00000001"]
                ),
                (
                    "001/Huyện Gia Lâm/Xã Yên Viên/3/79".to_owned(),
                    vec!["AA 00000001"]
                ),
                (
                    "001/Huyện Gia Lâm/Xã Yên Viên/4/10".to_owned(),
                    vec!["BT 654321"]
                ),
            ],
            "{name}"
        );

        // The wife holds the home in common with him: both on one certificate, no shares.
        let wife = land
            .parcels_of_holder(&person("001192004321"))
            .await
            .unwrap();
        assert_eq!(wife.len(), 1, "{name}");
        let home = &wife[0].certificates[0];
        assert_eq!(home.holders.as_slice().len(), 2, "{name}");
        assert!(
            home.holders.as_slice().iter().all(|h| h.share.is_none()),
            "{name}"
        );
        assert_eq!(wife[0].parcel.area().to_string(), "80.5", "{name}");

        // The brother holds half of the farm parcel.
        let brother = person("001095000077");
        let his = land.parcels_of_holder(&brother).await.unwrap();
        assert_eq!(his.len(), 1, "{name}");
        let entry = his[0].certificates[0].holder(&brother).unwrap();
        assert_eq!(entry.share, Some(Share::new(1, 2).unwrap()), "{name}");

        // The organization, recorded under the two-level administration.
        let org = Holder::Organization(TaxCode::parse("0100233488").unwrap());
        let company = land.parcels_of_holder(&org).await.unwrap();
        assert_eq!(company.len(), 1, "{name}");
        assert!(company[0].parcel.key.locality.is_two_level(), "{name}");
        assert_eq!(company[0].parcel.area().to_string(), "25000", "{name}");

        // A revoked certificate's holder holds nothing; a stranger holds nothing.
        assert!(
            land.parcels_of_holder(&person("001060000001"))
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert!(
            land.parcels_of_holder(&person("079099000001"))
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );

        // The parcel's history keeps every certificate, oldest first.
        let farm = ParcelKey::parse("001/Huyện Gia Lâm/Xã Yên Viên/3/78").unwrap();
        let history: Vec<String> = land
            .certificates_of_parcel(&farm)
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{} {}", c.serial, c.status.code()))
            .collect();
        assert_eq!(
            history,
            ["BS 123456 superseded", "AA 00000001 valid"],
            "{name}"
        );
        let counts = land.counts().await.unwrap();
        assert_eq!(
            (
                counts.certificates,
                counts.valid_certificates,
                counts.holders
            ),
            (6, 4, 5),
            "{name}"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_column_and_never_half_written() {
    for t in backends().await {
        let name = t.name();
        let dir = tempfile::tempdir().unwrap();
        let land = Land::new(&t.db);
        let mut parcels = PARCELS.to_owned();
        // line 7: area and purposes disagree; line 8: a duplicate of line 2; line 9: too few fields
        parcels.push_str("001,Huyện Gia Lâm,Xã Yên Viên,5,1,,100,LUC:90:2043-10-15,DG-KTT,\n");
        parcels.push_str("001,Quận Hoàn Kiếm,Phường Hàng Bạc,12,345,,99,ODT:99:long,CNQ-CTT,\n");
        parcels.push_str("001,Huyện Gia Lâm\n");
        let summary = import(
            &land,
            &write(dir.path(), "p.csv", &parcels),
            ImportKind::Parcels,
            2,
        )
        .await;
        assert_eq!(
            (summary.lines, summary.outcome.inserted, summary.rejected),
            (8, 5, 3),
            "{name}"
        );
        let lines = report(&summary);
        assert!(
            lines[0].starts_with("7 purposes: the purposes' areas add up to 90 m²"),
            "{name}: {lines:?}"
        );
        assert!(
            lines[1].starts_with("8 parcel_number: duplicate") && lines[1].contains("line 2"),
            "{name}: {lines:?}"
        );
        assert!(
            lines[2].starts_with("9 -: malformed row: 2 fields"),
            "{name}: {lines:?}"
        );
        let home = ParcelKey::parse("001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345").unwrap();
        assert_eq!(
            land.parcel(&home).await.unwrap().area().to_string(),
            "80.5",
            "{name}"
        );

        // A certificate naming an unknown parcel is refused whole: none of its parcels, holders
        // or its own row is written, even though its other parcel exists.
        let mut certificates = CERTIFICATES.to_owned();
        certificates.push_str("AC 00000003,CH 5,2025-01-02,UBND,001/Huyện Gia Lâm/Xã Yên Viên/4/10;001/Huyện Gia Lâm/Xã Yên Viên/9/9,person:031080000555,valid,\n");
        certificates.push_str(
            "AD 00000004,CH 6,2027-01-02,UBND,001/Huyện Gia Lâm/Xã Yên Viên/4/10,person:abc,,\n",
        );
        let summary = import(
            &land,
            &write(dir.path(), "c.csv", &certificates),
            ImportKind::Certificates,
            3,
        )
        .await;
        assert_eq!(
            (summary.outcome.inserted, summary.rejected),
            (6, 2),
            "{name}"
        );
        let lines = report(&summary);
        assert!(
            lines.iter().any(|l| l.starts_with(
                "8 parcels: 001/Huyện Gia Lâm/Xã Yên Viên/9/9 is not in the land database"
            )),
            "{name}: {lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("9 issued_on: 2027-01-02 is in the future")),
            "{name}: {lines:?}"
        );
        assert!(
            lines.iter().any(
                |l| l.starts_with("9 holders: the personal identification number contains 'a'")
            ),
            "{name}: {lines:?}"
        );
        let missing = CertificateSerial::parse("AC 00000003").unwrap();
        assert!(
            matches!(
                land.certificate(&missing).await,
                Err(LandError::CertificateNotFound(_))
            ),
            "{name}"
        );
        assert!(
            land.parcels_of_holder(&person("031080000555"))
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let shared = ParcelKey::parse("001/Huyện Gia Lâm/Xã Yên Viên/4/10").unwrap();
        assert_eq!(
            land.certificates_of_parcel(&shared).await.unwrap().len(),
            2,
            "{name}"
        );

        // A file whose header is wrong changes nothing at all.
        let bad = write(dir.path(), "bad.csv", "serial,colour\nAA 00000009,red\n");
        let err = land
            .import(&bad, &options(ImportKind::Certificates, 10), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("\"colour\""), "{name}: {err}");
        assert_eq!(land.counts().await.unwrap().certificates, 6, "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn a_changed_row_updates_the_record() {
    for t in backends().await {
        let name = t.name();
        let dir = tempfile::tempdir().unwrap();
        let land = Land::new(&t.db);
        import(
            &land,
            &write(dir.path(), "p.csv", PARCELS),
            ImportKind::Parcels,
            10,
        )
        .await;
        import(
            &land,
            &write(dir.path(), "c.csv", CERTIFICATES),
            ImportKind::Certificates,
            10,
        )
        .await;
        let revised = CERTIFICATES.replace("CM 264931,CH 00120,2012-05-04,Ủy ban nhân dân quận Hoàn Kiếm,001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345,person:001090012345;person:001192004321,valid,", "CM 264931,CH 00120,2012-05-04,Ủy ban nhân dân quận Hoàn Kiếm,001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345,person:001090012345@1/2;person:001192004321@1/2,valid,");
        let summary = import(
            &land,
            &write(dir.path(), "c2.csv", &revised),
            ImportKind::Certificates,
            10,
        )
        .await;
        assert_eq!(
            (summary.outcome.updated, summary.outcome.unchanged),
            (1, 5),
            "{name}"
        );
        let home = land
            .certificate(&CertificateSerial::parse("CM 264931").unwrap())
            .await
            .unwrap();
        assert!(
            home.holders
                .as_slice()
                .iter()
                .all(|h| h.share == Some(Share::new(1, 2).unwrap())),
            "{name}"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn an_interrupted_run_resumes_after_its_last_batch() {
    for t in backends().await {
        let name = t.name();
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.csv", PARCELS);
        let land = Land::new(&t.db);
        let store = land.store();
        // The state a run leaves when killed after committing its first batch (lines 2–3).
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(PARCELS.as_bytes()))
        };
        let run = store
            .open_run(&RunStart {
                kind: ImportKind::Parcels,
                file_name: "p.csv".into(),
                file_sha256: sha,
                now_ms: 0,
            })
            .await
            .unwrap();
        let rows: Vec<(u64, Parcel)> = csv::Reader::from_reader(PARCELS.as_bytes())
            .deserialize::<ParcelRow>()
            .take(2)
            .enumerate()
            .map(|(i, r)| (i as u64 + 2, r.unwrap().parse().unwrap()))
            .collect();
        let end_of_line_3 = PARCELS.match_indices('\n').nth(2).unwrap().0 as u64 + 1;
        store
            .import_parcels(&ImportBatch {
                run_id: run.run_id,
                rows,
                end_offset: end_of_line_3,
                now_ms: 0,
            })
            .await
            .unwrap();

        let resumed = import(&land, &path, ImportKind::Parcels, 2).await;
        assert!(resumed.resumed && resumed.run_id == run.run_id, "{name}");
        assert_eq!(
            resumed.outcome.inserted, 5,
            "{name}: totals cover the whole run"
        );
        assert_eq!(
            resumed.outcome.unchanged, 0,
            "{name}: committed rows are not read again"
        );
        assert_eq!(land.counts().await.unwrap().parcels, 5, "{name}");
        t.close().await;
    }
}
