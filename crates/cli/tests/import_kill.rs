//! A national-scale import killed with SIGKILL at arbitrary moments, then run again, must end in
//! exactly the database one clean run produces: same row count, same content checksum.
//!
//! This drives the real binary against each backend of the test harness.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dinhdanh_store::Db;
use dinhdanh_store::testing::backends;

const BIN: &str = env!("CARGO_BIN_EXE_dinhdanh");

fn dinhdanh(url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--database-url").arg(url).args(args);
    c.env_remove("DINHDANH_CONFIG").env("DINHDANH_LOG", "warn");
    c
}

fn run_ok(mut c: Command) -> std::process::Output {
    let out = c.output().expect("run dinhdanh");
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "dinhdanh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn persons(db: &Db) -> i64 {
    scalar(db, "SELECT count(*) FROM persons").await
}

/// Lines committed by the newest import run (an initial load stages its rows before merging them,
/// so progress shows here before it shows in `persons`).
async fn committed_lines(db: &Db) -> i64 {
    scalar(
        db,
        "SELECT coalesce(max(committed_line), 0) FROM import_runs",
    )
    .await
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// `registry export` prints "exported N records; sha256 H" on stderr.
fn export_checksum(url: &str, out: &Path) -> String {
    let o = run_ok(dinhdanh(
        url,
        &["registry", "export", "-o", out.to_str().unwrap()],
    ));
    let text = String::from_utf8_lossy(&o.stderr).to_string();
    text.lines()
        .find(|l| l.starts_with("exported"))
        .unwrap_or_else(|| panic!("no summary line in {text}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_reruns_to_the_same_database_as_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("population.csv");
    run_ok(dinhdanh(
        "sqlite://unused.db",
        &[
            "registry",
            "generate",
            "--count",
            "40000",
            "--seed",
            "7",
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    // A few bad rows at the end, so the rejects path runs in every attempt too.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(b"001090012345,Nguyen,Van\n").unwrap();
    }
    let file = file.to_str().unwrap().to_owned();

    for t in backends().await {
        let clean = match t.db.backend() {
            dinhdanh_store::Backend::Sqlite => dinhdanh_store::testing::sqlite().await,
            dinhdanh_store::Backend::Postgres => {
                dinhdanh_store::testing::postgres(&dinhdanh_store::testing::postgres_url().unwrap())
                    .await
            }
        };
        run_ok(dinhdanh(
            &clean.url,
            &["registry", "import", &file, "--batch-size", "1000"],
        ));

        // Kill the import three times at growing depths, each after at least one batch landed.
        let mut kills = 0;
        for round in 0..3u64 {
            let before = committed_lines(&t.db).await;
            let mut child = dinhdanh(
                &t.url,
                &["registry", "import", &file, "--batch-size", "1000"],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
            let started = Instant::now();
            loop {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if committed_lines(&t.db).await > before + 1000 * (round as i64 + 1)
                    || started.elapsed() > Duration::from_secs(60)
                {
                    child.kill().unwrap(); // SIGKILL
                    kills += 1;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            child.wait().unwrap();
        }
        let partial = committed_lines(&t.db).await;
        let out = run_ok(dinhdanh(
            &t.url,
            &["registry", "import", &file, "--batch-size", "1000"],
        ));
        let summary = String::from_utf8_lossy(&out.stderr).to_string();
        let name = t.name();
        assert!(
            kills >= 1,
            "{name}: the import finished before it could be killed"
        );
        assert!(
            partial > 0 && partial < 40_000,
            "{name}: {partial} lines committed after the kills"
        );
        assert!(summary.contains("(resumed)"), "{name}: {summary}");
        assert!(summary.contains("1 rejected"), "{name}: {summary}");

        assert_eq!(persons(&t.db).await, persons(&clean.db).await, "{name}");
        let killed = export_checksum(&t.url, &dir.path().join("killed.csv"));
        let reference = export_checksum(&clean.url, &dir.path().join("clean.csv"));
        assert_eq!(killed, reference, "{name}");
        assert!(
            killed.starts_with("exported 40000 records"),
            "{name}: {killed}"
        );

        // Running the finished file again changes nothing.
        let out = run_ok(dinhdanh(&t.url, &["registry", "import", &file]));
        let again = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            again.contains("0 inserted, 0 updated, 40000 unchanged"),
            "{name}: {again}"
        );
        assert_eq!(
            export_checksum(&t.url, &dir.path().join("again.csv")),
            reference,
            "{name}"
        );
        clean.close().await;
        t.close().await;
    }
}
