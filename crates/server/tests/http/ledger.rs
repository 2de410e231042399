//! The access ledger over HTTP: officers' reads are logged before the record is sent, the log is
//! public and verifiable, and an independent verifier written in Python from RFC 9162 and the
//! C2SP specifications (interop/ledger/verify.py) accepts our checkpoints and proofs and rejects
//! altered ones.

use std::path::PathBuf;
use std::process::Stdio;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dinhdanh_ledger::merkle::{Hash, leaf_hash, verify_inclusion};
use serde_json::{Value, json};

use crate::support::*;

fn verifier() -> (String, PathBuf) {
    let python = std::env::var("DINHDANH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/ledger/verify.py");
    assert!(script.is_file(), "{} is missing", script.display());
    (python, script)
}

/// Runs the Python verifier with `args`, feeding `stdin`; returns (exit code, stdout, stderr).
async fn python(args: &[&str], keys: &[String], stdin: Option<Value>) -> (i32, String, String) {
    let (python, script) = verifier();
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg(script).args(args);
    for key in keys {
        cmd.arg("--key").arg(key);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run the Python verifier");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.map(|v| v.to_string()).unwrap_or_default();
    use tokio::io::AsyncWriteExt;
    input.write_all(text.as_bytes()).await.expect("write stdin");
    drop(input);
    let out = child.wait_with_output().await.expect("the verifier ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn text(app: &TestApp, path: &str) -> String {
    let response = app.client.get(app.url(path)).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("text body")
}

async fn public_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    json_of(app.client.get(app.url(path)).send().await.expect("GET")).await
}

#[tokio::test]
async fn officer_reads_are_logged_and_the_python_verifier_accepts_the_log() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        // The staff member's set-up is in the log already (account.changed entries).
        let base: u64 = text(&app, "/ledger/checkpoint")
            .await
            .lines()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        for _ in 0..3 {
            for id in [AN_HN, BICH] {
                let (status, body) = app
                    .get_json(&format!("/api/v1/registry/persons/{id}"))
                    .await;
                assert_eq!(status, StatusCode::OK, "{name}: {body}");
            }
        }
        let (status, _) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}/history"))
            .await;
        assert_eq!(status, StatusCode::OK);

        let keys: Vec<String> = text(&app, "/ledger/keys")
            .await
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(keys.len(), 2, "{name}");
        let checkpoint = text(&app, "/ledger/checkpoint").await;
        let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
        assert_eq!(
            size,
            base + 7,
            "{name}: six reads and one history view\n{checkpoint}"
        );

        // The entries say who read which record, and never carry the personal ID itself.
        let (status, page) = public_json(
            &app,
            &format!("/api/v1/ledger/entries?start={base}&count=100"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        let entries: Vec<Vec<u8>> = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| STANDARD.decode(e.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(entries.len(), 7);
        for bytes in &entries {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(
                !text.contains(AN_HN) && !text.contains(BICH),
                "{name}: {text}"
            );
            let event: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(event["kind"], "record.viewed", "{name}: {text}");
            assert_eq!(event["actor"]["type"], "officer");
        }
        let (_, first) = public_json(&app, &format!("/api/v1/ledger/entries/{base}")).await;
        assert_eq!(first["event"]["service"], "population", "{name}: {first}");

        // Our own check of every inclusion proof against the signed root.
        let root = Hash::from_base64(checkpoint.lines().nth(2).unwrap()).unwrap();
        for (index, bytes) in (base..).zip(&entries) {
            let (status, proof) = public_json(
                &app,
                &format!("/api/v1/ledger/proofs/inclusion?index={index}&tree_size={size}"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{name}: {proof}");
            let hashes: Vec<Hash> = proof["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
                .collect();
            verify_inclusion(&leaf_hash(bytes), index, size, &hashes, &root).unwrap();
        }

        // The independent verifier: the whole log, then again after it grew, consistently.
        let state = tempfile::NamedTempFile::new().unwrap();
        let state_path = state.path().to_str().unwrap().to_owned();
        let (code, out, err) = python(
            &[
                "log",
                "--url",
                &app.address,
                "--state",
                &state_path,
                "--sample",
                "7",
            ],
            &keys,
            None,
        )
        .await;
        assert_eq!(code, 0, "{name}: {out}{err}");
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["tree_size"], base + 7, "{name}: {report}");
        assert_eq!(report["entries_checked"], base + 7);
        let old_checkpoint = checkpoint.clone();
        for _ in 0..5 {
            app.get_json(&format!("/api/v1/registry/persons/{BICH}"))
                .await;
        }
        let (code, out, err) = python(
            &["log", "--url", &app.address, "--state", &state_path],
            &keys,
            None,
        )
        .await;
        assert_eq!(code, 0, "{name}: {out}{err}");
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["tree_size"], base + 12, "{name}: {report}");
        assert_eq!(report["consistent_with_previous"], true, "{name}: {report}");

        // One entry's bundle verifies in Python; altered entry bytes or proof hashes do not.
        let (status, bundle) =
            public_json(&app, &format!("/api/v1/ledger/entries/{}/bundle", base + 3)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {bundle}");
        let (code, out, err) = python(&["inclusion"], &keys, Some(bundle.clone())).await;
        assert_eq!(code, 0, "{name}: {out}{err}");
        let mut altered = bundle.clone();
        let entry = STANDARD.decode(bundle["entry"].as_str().unwrap()).unwrap();
        let forged = String::from_utf8(entry)
            .unwrap()
            .replace("registry administration", "curiosity");
        altered["entry"] = json!(STANDARD.encode(forged));
        let (code, _, err) = python(&["inclusion"], &keys, Some(altered)).await;
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.starts_with("FAIL: "), "{name}: {err}");
        let mut altered = bundle.clone();
        let first_hash = altered["proof"][0].as_str().unwrap().to_owned();
        let mut raw = STANDARD.decode(first_hash).unwrap();
        raw[0] ^= 1;
        altered["proof"][0] = json!(STANDARD.encode(raw));
        let (code, _, err) = python(&["inclusion"], &keys, Some(altered)).await;
        assert_eq!(code, 1, "{name}: {err}");

        // A consistency proof between the two checkpoints verifies; against a forged old
        // checkpoint (another log's, same size) it does not.
        let new_checkpoint = text(&app, "/ledger/checkpoint").await;
        let (_, proof) = public_json(
            &app,
            &format!(
                "/api/v1/ledger/proofs/consistency?from={}&to={}",
                base + 7,
                base + 12
            ),
        )
        .await;
        let input = json!({"old": old_checkpoint, "new": new_checkpoint, "proof": proof["proof"]});
        let (code, out, err) = python(&["consistency"], &keys, Some(input)).await;
        assert_eq!(code, 0, "{name}: {out}{err}");
        let mut bad = proof["proof"].clone();
        let h = bad[0].as_str().unwrap().to_owned();
        let mut raw = STANDARD.decode(h).unwrap();
        raw[31] ^= 0x40;
        bad[0] = json!(STANDARD.encode(raw));
        let input = json!({"old": old_checkpoint, "new": new_checkpoint, "proof": bad});
        let (code, _, err) = python(&["consistency"], &keys, Some(input)).await;
        assert_eq!(code, 1, "{name}: {err}");
        t.close().await;
    }
}

#[tokio::test]
async fn bad_ledger_requests_get_specific_errors() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        app.get_json(&format!("/api/v1/registry/persons/{AN_HN}"))
            .await;
        // The staff member's set-up and the read above.
        let size: u64 = text(&app, "/ledger/checkpoint")
            .await
            .lines()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let past_the_head = format!(
            "/api/v1/ledger/proofs/inclusion?index=0&tree_size={}",
            size + 1
        );
        let head_size = format!("latest checkpoint's size ({size})");
        let cases = [
            (
                "/api/v1/ledger/proofs/inclusion?index=abc&tree_size=1",
                StatusCode::BAD_REQUEST,
                "index",
            ),
            (
                "/api/v1/ledger/proofs/inclusion?index=0",
                StatusCode::BAD_REQUEST,
                "tree_size",
            ),
            (
                "/api/v1/ledger/proofs/inclusion?index=1&tree_size=1",
                StatusCode::BAD_REQUEST,
                "not in a tree of 1",
            ),
            (
                past_the_head.as_str(),
                StatusCode::BAD_REQUEST,
                head_size.as_str(),
            ),
            (
                "/api/v1/ledger/proofs/consistency?from=2&to=1",
                StatusCode::BAD_REQUEST,
                "must not exceed",
            ),
            (
                "/api/v1/ledger/entries?count=5000",
                StatusCode::BAD_REQUEST,
                "count",
            ),
            (
                "/api/v1/ledger/entries/99",
                StatusCode::NOT_FOUND,
                "no entry 99",
            ),
            (
                "/api/v1/ledger/entries/-1",
                StatusCode::BAD_REQUEST,
                "index",
            ),
        ];
        for (path, status, says) in cases {
            let (got, body) = public_json(&app, path).await;
            assert_eq!(got, status, "{name}: {path}: {body}");
            assert!(body.to_string().contains(says), "{name}: {path}: {body}");
        }
        // Asking past the end of the log is not an error: the page is just short.
        let (status, page) = public_json(
            &app,
            &format!("/api/v1/ledger/entries?start={size}&count=10"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        assert_eq!(page["entries"].as_array().unwrap().len(), 0);
        t.close().await;
    }
}
