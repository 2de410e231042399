//! `verify`: presentations verified per second against a status list held in memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dinhdanh_credentials::sdjwt::{self, Checks, SdJwt};
use dinhdanh_credentials::status::StatusList;
use dinhdanh_credentials::verify::{self, Trusted};
use dinhdanh_credentials::{LIST_SIZE, Refusal};
use dinhdanh_oidc::jose::{Alg, SigningKey};
use serde_json::{Map, Value, json};

use crate::millis;

const ISSUER: &str = "https://id.example.vn/credentials";
/// The verifier, as the holders name it in their key-binding JWTs.
const VERIFIER: &str = "https://verifier.example.vn";
const PRESENTATIONS: usize = 1_000;
/// The driving licence's fields, every one selectively disclosable.
const FIELDS: [&str; 7] = [
    "number",
    "full_name",
    "birth_date",
    "classes",
    "issued_on",
    "valid_until",
    "issued_by",
];
/// The fields each presentation discloses.
const DISCLOSED: [&str; 3] = ["full_name", "birth_date", "classes"];

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A presentation and the nonce its verifier gave.
struct Presentation {
    text: String,
    nonce: String,
}

/// A driving licence issued to `holder` at place `idx` of the list at `uri`, presented with
/// [`DISCLOSED`] for `nonce`.
fn presentation(
    issuer: &SigningKey,
    holder: &SigningKey,
    n: usize,
    uri: &str,
    idx: usize,
    nonce: &str,
) -> String {
    let now = now_s();
    let public = holder.public_jwk();
    let claims: Map<String, Value> = json!({
        "iss": ISSUER,
        "vct": dinhdanh_credentials::metadata::vct(ISSUER, "driving_licence"),
        "iat": now,
        "exp": now + 365 * 86_400,
        "cnf": {"jwk": {"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"]}},
        "status": {"status_list": {"idx": idx, "uri": uri}},
        "issuing_authority": "Cục Cảnh sát giao thông (Traffic Police Department)",
        "number": format!("B{n:08}"),
        "full_name": format!("Nguyễn Văn {n}"),
        "birth_date": "1990-03-15",
        "classes": ["A1", "B"],
        "issued_on": "2021-06-01",
        "valid_until": "2031-06-01",
        "issued_by": "Sở Giao thông vận tải Hà Nội",
    })
    .as_object()
    .expect("an object")
    .clone();
    let disclosable: Vec<sdjwt::Path> = FIELDS.iter().map(|f| sdjwt::path(&[f])).collect();
    let issued = sdjwt::issue(issuer, sdjwt::TYP, claims, &disclosable).expect("issue");
    let keep: Vec<sdjwt::Path> = DISCLOSED.iter().map(|f| sdjwt::path(&[f])).collect();
    SdJwt::parse(&issued)
        .expect("parse")
        .select(|p| keep.contains(p))
        .expect("select")
        .present(holder, VERIFIER, nonce, now)
}

/// Runs the benchmark; false when a presentation failed to verify.
pub fn run(seconds: u64, threads: usize) -> bool {
    let (issuer_key, _) = SigningKey::generate(Alg::ES256).expect("an issuer key");
    let trusted = Trusted {
        issuer: ISSUER.to_owned(),
        jwks: json!({"keys": [issuer_key.public_jwk()]}),
    };
    let uri = format!("{ISSUER}/status/0");
    let mut list = StatusList::new(LIST_SIZE as usize);
    let mut revoked = Vec::new();
    for idx in 0..LIST_SIZE as usize {
        if rand::random::<u32>().is_multiple_of(100) {
            list.set(idx, 1);
            revoked.push(idx);
        }
    }
    let now = now_s();
    let token = list.token(&issuer_key, ISSUER, &uri, now, now + 86_400, 60);
    let read_at = Instant::now();
    let held = Arc::new(verify::read_list(&token, &uri, &trusted, now).expect("read the list"));
    let read_ms = read_at.elapsed().as_secs_f64() * 1000.0;
    // Distinct valid places, spread over the list.
    let mut places = std::collections::BTreeSet::new();
    while places.len() < PRESENTATIONS {
        let idx = rand::random::<u32>() as usize % LIST_SIZE as usize;
        if list.get(idx) == Some(0) {
            places.insert(idx);
        }
    }
    let presentations: Vec<Presentation> = places
        .into_iter()
        .enumerate()
        .map(|(n, idx)| {
            let (holder, _) = SigningKey::generate(Alg::ES256).expect("a holder key");
            let nonce = dinhdanh_oidc::jose::b64(rand::random::<[u8; 16]>());
            Presentation {
                text: presentation(&issuer_key, &holder, n, &uri, idx, &nonce),
                nonce,
            }
        })
        .collect();
    let bytes: usize = presentations.iter().map(|p| p.text.len()).sum();
    println!(
        "status list: {LIST_SIZE} entries, {} revoked, token {:.0} KiB, read once in {read_ms:.1} ms; {PRESENTATIONS} presentations of {:.0} bytes on average",
        revoked.len(),
        token.len() as f64 / 1024.0,
        bytes as f64 / PRESENTATIONS as f64,
    );
    // The status check is not skipped: a credential at a revoked place is refused.
    {
        let (holder, _) = SigningKey::generate(Alg::ES256).expect("a holder key");
        let text = presentation(&issuer_key, &holder, 0, &uri, revoked[0], "n");
        let refused = verify::verify(
            &text,
            &trusted,
            &Checks::presentation(now_s(), VERIFIER, "n"),
            |_| Ok(held.clone()),
        );
        assert!(
            matches!(refused, Err(Refusal::Revoked)),
            "a revoked credential is refused, not {refused:?}"
        );
    }

    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let results: Vec<(u64, Vec<String>, Vec<Duration>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (stop, presentations, trusted, held) = (&stop, &presentations, &trusted, &held);
                scope.spawn(move || {
                    let mut i = t;
                    let mut ok = 0u64;
                    let mut failures = Vec::new();
                    let mut latencies = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let p = &presentations[i % PRESENTATIONS];
                        let at = Instant::now();
                        let checks = Checks::presentation(now_s(), VERIFIER, &p.nonce);
                        let result =
                            verify::verify(&p.text, trusted, &checks, |_| Ok(held.clone()));
                        latencies.push(at.elapsed());
                        match result {
                            Ok(v) if v.disclosed.len() == DISCLOSED.len() => ok += 1,
                            Ok(v) => failures.push(format!(
                                "presentation {}: {} claims disclosed, not {}",
                                i % PRESENTATIONS,
                                v.disclosed.len(),
                                DISCLOSED.len()
                            )),
                            Err(e) => {
                                failures.push(format!("presentation {}: {e}", i % PRESENTATIONS))
                            }
                        }
                        i += threads;
                    }
                    (ok, failures, latencies)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        handles
            .into_iter()
            .map(|h| h.join().expect("a verifying thread panicked"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut verified = 0;
    let mut failures = Vec::new();
    let mut latencies = Vec::new();
    for (ok, failed, times) in results {
        verified += ok;
        failures.extend(failed);
        latencies.extend(times);
    }
    latencies.sort();
    println!(
        "RESULT presentations_verified_per_second {:.0} ({verified} verified in {elapsed:.1} s by {threads} threads, {} failed; each: issuer ES256 signature, 3 of 7 disclosures, validity, key-binding JWT (holder ES256 signature, aud, nonce, iat, sd_hash), status in a held {LIST_SIZE}-entry list; latency p50 {:.3} ms, p99 {:.3} ms)",
        verified as f64 / elapsed,
        failures.len(),
        millis(&latencies, 0.50),
        millis(&latencies, 0.99),
    );
    for f in failures.iter().take(10) {
        println!("FAILED {f}");
    }
    failures.is_empty()
}
