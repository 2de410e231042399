//! `dinhdanh credential verify` offline, through the real binary: a credential and a
//! presentation check out against the issuer's saved metadata and status list; a revoked one,
//! a replayed presentation, a presentation without the verifier's nonce and another issuer's
//! credential are each refused with exit status 1 and the reason.

use std::path::Path;
use std::process::{Command, Output};

use dinhdanh_credentials::sdjwt::{self, SdJwt, path};
use dinhdanh_credentials::status::StatusList;
use dinhdanh_oidc::jose::{Alg, SigningKey};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_dinhdanh");
const ISSUER: &str = "https://id.example.vn/credentials";
const LIST: &str = "https://id.example.vn/credentials/status/0";
const AUD: &str = "redirect_uri:https://bank.example.vn/vp/response";

fn verify(dir: &Path, args: &[&str]) -> (Output, Value) {
    let o = Command::new(BIN)
        .args(["credential", "verify"])
        .args(args)
        .env_remove("DINHDANH_CONFIG")
        .env("DINHDANH_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run dinhdanh");
    let out = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o, out)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn credentials_and_presentations_are_checked_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let issuer = SigningKey::generate(Alg::ES256).unwrap().0;
    let holder = SigningKey::generate(Alg::ES256).unwrap().0;
    let now = chrono::Utc::now().timestamp();
    let h = holder.public_jwk();
    let claims = json!({
        "iss": ISSUER, "vct": format!("{ISSUER}/types/driving_licence"), "iat": now, "exp": now + 86_400,
        "cnf": {"jwk": {"kty": "EC", "crv": "P-256", "x": h["x"], "y": h["y"]}},
        "status": {"status_list": {"idx": 5, "uri": LIST}},
        "number": "790123456789", "full_name": "Nguyễn Văn An", "birth_date": "1990-03-15",
    });
    let issued = sdjwt::issue(
        &issuer,
        sdjwt::TYP,
        claims.as_object().unwrap().clone(),
        &[
            path(&["number"]),
            path(&["full_name"]),
            path(&["birth_date"]),
        ],
    )
    .unwrap();
    write(d, "issued.txt", &issued);
    write(
        d,
        "issuer.json",
        &json!({"issuer": ISSUER, "jwks": {"keys": [issuer.public_jwk()]}}).to_string(),
    );
    let mut list = StatusList::new(1024);
    write(
        d,
        "list.jwt",
        &list.token(&issuer, ISSUER, LIST, now, now + 3600, 60),
    );
    let offline = ["--issuer", "issuer.json", "--status-list", "list.jwt"];

    let (o, out) = verify(d, &[&["issued.txt"][..], &offline].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(out["valid"], true);
    assert_eq!(out["claims"]["number"], "790123456789");

    let presentation = SdJwt::parse(&issued)
        .unwrap()
        .select(|p| *p == path(&["full_name"]))
        .unwrap()
        .present(&holder, AUD, "nonce-1", now);
    write(d, "presentation.txt", &presentation);
    let (o, out) = verify(
        d,
        &[
            &["presentation.txt"][..],
            &offline,
            &["--aud", AUD, "--nonce", "nonce-1"],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(out["disclosed"], json!(["full_name"]));
    assert!(out["claims"].get("birth_date").is_none());

    // A presentation needs the verifier's nonce; a replay with another nonce is refused.
    let (o, _) = verify(d, &[&["presentation.txt"][..], &offline].concat());
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--aud and --nonce"));
    let (o, out) = verify(
        d,
        &[
            &["presentation.txt"][..],
            &offline,
            &["--aud", AUD, "--nonce", "nonce-2"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out["code"], "bad_key_binding", "{out}");

    // Revoked in the list.
    list.set(5, 1);
    write(
        d,
        "list.jwt",
        &list.token(&issuer, ISSUER, LIST, now, now + 3600, 60),
    );
    let (o, out) = verify(d, &[&["issued.txt"][..], &offline].concat());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out["code"], "revoked", "{out}");

    // Another issuer's metadata does not vouch for it.
    let other = SigningKey::generate(Alg::ES256).unwrap().0;
    write(
        d,
        "other.json",
        &json!({"issuer": "https://elsewhere.example/credentials", "jwks": {"keys": [other.public_jwk()]}})
            .to_string(),
    );
    let (o, out) = verify(
        d,
        &[
            "issued.txt",
            "--issuer",
            "other.json",
            "--status-list",
            "list.jwt",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out["code"], "untrusted_issuer", "{out}");
}
