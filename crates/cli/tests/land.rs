//! `dinhdanh land …` end to end through the real binary, on each backend of the test harness:
//! demo land generated for a registry's population imports cleanly, reads back by holder,
//! imports again without change, and malformed files are refused with a message a clerk can act
//! on, importing nothing.

use std::path::Path;
use std::process::{Command, Output};

use dinhdanh_store::testing::backends;

const BIN: &str = env!("CARGO_BIN_EXE_dinhdanh");

fn dinhdanh(url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DINHDANH_CONFIG")
        .env("DINHDANH_LOG", "warn")
        .output()
        .expect("run dinhdanh")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and expects success; returns standard output.
fn ok(url: &str, args: &[&str]) -> (String, String) {
    let o = dinhdanh(url, args);
    assert!(
        o.status.success(),
        "dinhdanh {args:?} failed: {}",
        stderr(&o)
    );
    (String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temporary path")
}

/// `land counts` as (parcels, certificates).
fn counts(url: &str) -> (u64, u64) {
    let (out, _) = ok(url, &["land", "counts"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("counts are JSON");
    (
        v["parcels"].as_u64().unwrap(),
        v["certificates"].as_u64().unwrap(),
    )
}

/// Data lines of a CSV file (header excluded).
fn data_lines(file: &Path) -> u64 {
    csv::Reader::from_path(file).unwrap().records().count() as u64
}

/// A person holding land through a valid certificate, with that certificate's parcel keys.
fn a_person_holder(certificates: &Path) -> (String, Vec<String>) {
    let mut reader = csv::Reader::from_path(certificates).unwrap();
    for row in reader.deserialize::<std::collections::HashMap<String, String>>() {
        let row = row.unwrap();
        if row["status"] != "valid" {
            continue;
        }
        let first = row["holders"].split(';').next().unwrap();
        let holder = first.split('@').next().unwrap();
        if holder.starts_with("person:") {
            let parcels = row["parcels"].split(';').map(str::to_owned).collect();
            return (holder.to_owned(), parcels);
        }
    }
    panic!(
        "no valid certificate held by a person in {}",
        certificates.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_land_imports_reads_back_and_reimports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let persons = dir.path().join("persons.csv");
    let orgs = dir.path().join("organizations.csv");
    let unused = "sqlite://unused.db";
    ok(
        unused,
        &[
            "registry",
            "generate",
            "--count",
            "1500",
            "--seed",
            "5",
            "-o",
            path(&persons),
        ],
    );
    ok(
        unused,
        &[
            "registry",
            "generate",
            "--kind",
            "organizations",
            "--count",
            "15",
            "--persons",
            "1500",
            "--seed",
            "5",
            "-o",
            path(&orgs),
        ],
    );

    let mut first_files: Option<(Vec<u8>, Vec<u8>)> = None;
    for t in backends().await {
        let name = t.name();
        let url = t.url.as_str();
        ok(url, &["registry", "import", path(&persons)]);
        ok(
            url,
            &["registry", "import", "--kind", "organizations", path(&orgs)],
        );

        let out = dir.path().join(format!("land-{name}"));
        let (_, said) = ok(
            url,
            &[
                "land",
                "generate",
                "--out",
                path(&out),
                "--seed",
                "5",
                "--as-of",
                "2026-06-30",
            ],
        );
        assert!(said.contains("generated"), "{name}: {said}");
        let parcels = out.join("parcels.csv");
        let certificates = out.join("certificates.csv");
        // The same registry gives the same files on either backend.
        let files = (
            std::fs::read(&parcels).unwrap(),
            std::fs::read(&certificates).unwrap(),
        );
        match &first_files {
            None => first_files = Some(files),
            Some(first) => assert!(*first == files, "{name}: the files differ by backend"),
        }
        let (p, c) = (data_lines(&parcels), data_lines(&certificates));
        assert!(
            p > 100 && c >= p / 2,
            "{name}: {p} parcels, {c} certificates"
        );

        let (_, said) = ok(
            url,
            &["land", "import", "--kind", "parcels", path(&parcels)],
        );
        assert!(
            said.contains(&format!("{p} inserted, 0 updated, 0 unchanged, 0 rejected")),
            "{name}: {said}"
        );
        let (_, said) = ok(
            url,
            &[
                "land",
                "import",
                "--kind",
                "certificates",
                path(&certificates),
            ],
        );
        assert!(
            said.contains(&format!("{c} inserted, 0 updated, 0 unchanged, 0 rejected")),
            "{name}: {said}"
        );
        assert_eq!(counts(url), (p, c), "{name}");

        let (holder, keys) = a_person_holder(&certificates);
        let (json, _) = ok(url, &["land", "parcels", &holder]);
        let holdings: serde_json::Value = serde_json::from_str(&json).unwrap();
        let held: Vec<&str> = holdings
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["parcel"]["key"]["key"].as_str().unwrap())
            .collect();
        assert!(
            keys.iter().all(|k| held.contains(&k.as_str())),
            "{name}: {holder} holds {held:?}, not all of {keys:?}"
        );

        // Importing the same files again changes nothing.
        for (kind, file, n) in [("parcels", &parcels, p), ("certificates", &certificates, c)] {
            let (_, said) = ok(url, &["land", "import", "--kind", kind, path(file)]);
            assert!(
                said.contains(&format!("0 inserted, 0 updated, {n} unchanged, 0 rejected")),
                "{name}: {said}"
            );
        }
        assert_eq!(counts(url), (p, c), "{name}");

        let o = dinhdanh(url, &["land", "parcels", "person:12345"]);
        let said = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {said}");
        assert!(
            said.contains("holder \"person:12345\"") && said.contains("exactly 12"),
            "{name}: {said}"
        );
        t.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_files_are_refused_and_import_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for t in backends().await {
        let name = t.name();
        let url = t.url.as_str();

        // A file whose header is not the kind's: refused whole, before anything is recorded.
        let wrong = dir.path().join(format!("wrong-{name}.csv"));
        std::fs::write(
            &wrong,
            "serial,registry_book_number,issued_on\nAA 00000001,CH 00001,2020-01-01\n",
        )
        .unwrap();
        let o = dinhdanh(url, &["land", "import", "--kind", "parcels", path(&wrong)]);
        let said = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {said}");
        assert!(
            said.contains("cannot import") && said.contains("\"serial\", which is not a column"),
            "{name}: {said}"
        );

        // A sound header over broken rows: every row rejected, with the reasons in a report.
        let broken = dir.path().join(format!("broken-{name}.csv"));
        std::fs::write(
            &broken,
            "province,district,commune,map_sheet,parcel_number,area_m2,purposes,origin\n\
             001,,Phường Hàng Bạc,1,2\n\
             999,,Phường Hàng Bạc,1,2,100,ODT:100:long,DG-CTT\n\
             001,,Phường Hàng Bạc,1,3,100,ODT:90:long,DG-CTT\n",
        )
        .unwrap();
        let o = dinhdanh(url, &["land", "import", "--kind", "parcels", path(&broken)]);
        let said = stderr(&o);
        assert_eq!(o.status.code(), Some(3), "{name}: {said}");
        assert!(
            said.contains("0 inserted, 0 updated, 0 unchanged, 3 rejected"),
            "{name}: {said}"
        );
        let report = std::fs::read_to_string(format!("{}.rejects.csv", broken.display()))
            .expect("the reject report");
        assert!(
            report.contains("malformed row: 5 fields where the header has 8"),
            "{name}: {report}"
        );
        assert!(report.contains("purposes"), "{name}: {report}");
        assert_eq!(counts(url), (0, 0), "{name}");
        t.close().await;
    }
}
