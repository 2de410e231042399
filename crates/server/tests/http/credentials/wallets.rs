//! Independent wallets and verifiers: the OpenWallet Foundation's `@openid4vc/openid4vci`
//! client receives a credential from our issuer and `@sd-jwt/sd-jwt-vc` verifies it and a
//! presentation with key binding (Node.js); the IETF reference implementation `sd-jwt` (PyPI)
//! verifies it, presents it with selected disclosures, and our verifier checks that
//! presentation. After the agency revokes the document, both the independent library and our
//! verifier refuse it. `scripts/test` installs both (interop/credentials).

use dinhdanh_credentials::Refusal;
use dinhdanh_credentials::sdjwt::{Checks, Step};
use dinhdanh_ledger::{HistoryFilter, Kind};

use super::*;

const VERIFIER: &str = "redirect_uri:https://bank.example.vn/vp/response";

fn interop_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/credentials");
    assert!(
        dir.join("node_modules/@openid4vc/openid4vci").is_dir(),
        "interop/credentials/node_modules is missing: run scripts/test (or npm ci in interop/credentials)"
    );
    dir
}

async fn node(env: &[(&str, &str)]) -> Value {
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("wallet.mjs").current_dir(interop_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run node");
    assert!(
        out.status.success(),
        "wallet.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

async fn python(env: &[(&str, &str)]) -> Value {
    let python = std::env::var("DINHDANH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg("verify.py").current_dir(interop_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run python");
    assert!(
        out.status.success(),
        "verify.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test]
async fn independent_wallets_receive_present_and_verify_and_a_revoked_credential_is_refused() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let offer = s
            .app
            .state
            .credentials()
            .offer(&holder, &document)
            .await
            .unwrap();
        let nonce = random();

        // The Node.js wallet: OpenID4VCI pre-authorized code flow with the transaction code,
        // then verification and a presentation of the full name only.
        let wallet = node(&[
            ("DD_OFFER_URI", &offer.uri),
            ("DD_TX_CODE", &offer.tx_code),
            ("DD_VERIFIER_AUD", VERIFIER),
            ("DD_NONCE", &nonce),
            ("DD_DISCLOSE", "full_name"),
        ])
        .await;
        assert_eq!(
            wallet["credential_configuration_id"], "driving_licence",
            "{name}"
        );
        assert_eq!(wallet["issuer_header"]["typ"], "dc+sd-jwt", "{name}");
        assert_eq!(wallet["claims"]["number"], LICENCE, "{name}");
        assert_eq!(wallet["claims"]["classes"], json!(["A1", "B"]), "{name}");
        assert_eq!(wallet["status_checked"], true, "{name}");
        assert_eq!(
            wallet["presented_claims"]["full_name"], "Nguyễn Văn An",
            "{name}"
        );
        assert!(
            wallet["presented_claims"].get("birth_date").is_none(),
            "{name}"
        );
        let credential = wallet["credential"].as_str().unwrap();

        // Our verifier accepts the Node wallet's presentation, with only the name disclosed.
        let presented = our_verify(
            &s.app,
            wallet["presentation"].as_str().unwrap(),
            &Checks::presentation(now_s(), VERIFIER, &nonce),
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            presented.disclosed,
            vec![vec![Step::Key("full_name".into())]],
            "{name}"
        );

        // The Python reference implementation verifies it, and presents the birth date with
        // key binding; our verifier checks that presentation.
        let (_, meta) = s
            .app
            .get_json("/.well-known/jwt-vc-issuer/credentials")
            .await;
        let py_nonce = random();
        let py = python(&[
            ("DD_CREDENTIAL", credential),
            ("DD_ISSUER_JWKS", &meta["jwks"].to_string()),
            ("DD_HOLDER_JWK", &wallet["holder_jwk"].to_string()),
            ("DD_AUD", VERIFIER),
            ("DD_NONCE", &py_nonce),
            ("DD_DISCLOSE", "birth_date"),
        ])
        .await;
        assert_eq!(
            py["issued_claims"]["issued_by"], "Sở Giao thông vận tải Hà Nội",
            "{name}"
        );
        assert_eq!(py["presented_claims"]["birth_date"], "1990-03-15", "{name}");
        let verified = our_verify(
            &s.app,
            py["presentation"].as_str().unwrap(),
            &Checks::presentation(now_s(), VERIFIER, &py_nonce),
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.claims["birth_date"], "1990-03-15");
        assert!(verified.claims.get("full_name").is_none());
        // A replay to another verifier's nonce is refused.
        let replay = our_verify(
            &s.app,
            py["presentation"].as_str().unwrap(),
            &Checks::presentation(now_s(), VERIFIER, "another-nonce"),
        )
        .await
        .unwrap_err();
        assert!(matches!(replay, Refusal::KeyBinding(_)), "{name}: {replay}");

        // The issuance is in the citizen's ledger history.
        let ledger = s.app.state.ledger();
        let subject = ledger.subject(AN_HN).await.unwrap();
        let history = ledger
            .history(
                &subject,
                &HistoryFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let issued: Vec<_> = history
            .iter()
            .filter(|r| r.event.kind == Kind::CredentialIssued)
            .collect();
        assert_eq!(issued.len(), 1, "{name}");
        assert_eq!(issued[0].event.purpose.as_deref(), Some("driving_licence"));

        // The agency revokes the licence: the independent library and ours refuse it.
        let (status, body) = s.set_status(LICENCE, "revoked").await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let refused = node(&[
            ("DD_MODE", "verify"),
            ("DD_CREDENTIAL", credential),
            ("DD_ISSUER_ORIGIN", &s.app.origin),
        ])
        .await;
        assert_eq!(refused["ok"], false, "{name}: {refused}");
        assert!(
            refused["error"]
                .as_str()
                .unwrap()
                .contains("Status is not valid"),
            "{name}: {refused}"
        );
        let ours = our_verify(&s.app, credential, &Checks::issued(now_s()))
            .await
            .unwrap_err();
        assert_eq!(ours, Refusal::Revoked, "{name}");

        // A wrong transaction code is invalid_grant to the independent client.
        let (status, _) = s.put_licence("790000000001", AN_HN).await;
        assert_eq!(status, StatusCode::OK);
        let held = s
            .app
            .state
            .credentials()
            .integrate(&holder, "driving_licence", "790000000001")
            .await
            .unwrap();
        let second = s
            .app
            .state
            .credentials()
            .offer(&holder, &held.document.id)
            .await
            .unwrap();
        let wrong = if second.tx_code == "000000" {
            "111111"
        } else {
            "000000"
        };
        let out = node(&[
            ("DD_MODE", "wrong_tx"),
            ("DD_OFFER_URI", &second.uri),
            ("DD_TX_CODE", wrong),
        ])
        .await;
        assert_eq!(out["error"], "invalid_grant", "{name}: {out}");
        t.close().await;
    }
}

/// Asks, as the bank, for claims of a driving licence; returns the request.
async fn ask(s: &Issuing, claims: &[&str]) -> Value {
    let (status, body) = json_of(
        s.app
            .client
            .post(s.app.url("/api/v1/credentials/verifications"))
            .bearer_auth(&s.verifier_token)
            .json(&json!({"type": "driving_licence", "claims": claims,
                          "purpose": "Mở tài khoản ngân hàng / opening a bank account"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn outcome(s: &Issuing, id: &str) -> Value {
    let (status, body) = json_of(
        s.app
            .client
            .get(
                s.app
                    .url(&format!("/api/v1/credentials/verifications/{id}")),
            )
            .bearer_auth(&s.verifier_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The OpenWallet Foundation's `@openid4vc/openid4vp` wallet answers the platform's verifier:
/// a DCQL request for two claims, `direct_post`, key binding to the request's `client_id` and
/// nonce. The bank reads what was disclosed, the citizen's ledger shows who verified what, a
/// replayed response is refused, and so is a revoked credential.
#[tokio::test]
async fn an_independent_wallet_presents_to_the_verifier_by_openid4vp() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let offer = s
            .app
            .state
            .credentials()
            .offer(&holder, &document)
            .await
            .unwrap();
        let wallet = node(&[("DD_OFFER_URI", &offer.uri), ("DD_TX_CODE", &offer.tx_code)]).await;
        let credential = wallet["credential"].as_str().unwrap();
        let holder_jwk = wallet["holder_jwk"].to_string();

        let request = ask(&s, &["full_name", "classes"]).await;
        assert_eq!(
            outcome(&s, request["id"].as_str().unwrap()).await["outcome"]["status"],
            "pending"
        );
        let present = |uri: String| {
            let credential = credential.to_owned();
            let holder_jwk = holder_jwk.clone();
            async move {
                node(&[
                    ("DD_MODE", "present"),
                    ("DD_REQUEST_URI", &uri),
                    ("DD_CREDENTIAL", &credential),
                    ("DD_HOLDER_JWK", &holder_jwk),
                ])
                .await
            }
        };
        let answered = present(request["uri"].as_str().unwrap().to_owned()).await;
        assert_eq!(answered["status"], 200, "{name}: {answered}");
        assert_eq!(answered["aud"], request["client_id"], "{name}");
        let seen = outcome(&s, request["id"].as_str().unwrap()).await;
        assert_eq!(seen["outcome"]["status"], "verified", "{name}: {seen}");
        assert_eq!(seen["outcome"]["claims"]["full_name"], "Nguyễn Văn An");
        assert_eq!(seen["outcome"]["claims"]["classes"], json!(["A1", "B"]));
        assert!(
            seen["outcome"]["claims"].get("birth_date").is_none(),
            "{name}: not asked, not shown"
        );

        // The citizen's history names the bank, the claims and the purpose.
        let ledger = s.app.state.ledger();
        let subject = ledger.subject(AN_HN).await.unwrap();
        let history = ledger
            .history(
                &subject,
                &HistoryFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let presented: Vec<_> = history
            .iter()
            .filter(|r| r.event.kind == Kind::CredentialPresented)
            .collect();
        assert_eq!(presented.len(), 1, "{name}");
        assert_eq!(presented[0].event.actor.id, BANK);
        assert_eq!(presented[0].event.fields, vec!["full_name", "classes"]);

        // The same answer again finds the request answered.
        let replay = present(request["uri"].as_str().unwrap().to_owned()).await;
        assert_eq!(replay["status"], 400, "{name}: {replay}");

        // Another bank cannot read this bank's outcome; nobody without a token can.
        let (status, _) = json_of(
            s.app
                .client
                .get(s.app.url(&format!(
                    "/api/v1/credentials/verifications/{}",
                    request["id"].as_str().unwrap()
                )))
                .bearer_auth(&s.agency_token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{name}: the agency's token lacks credentials.verify"
        );

        // Once the licence is revoked, a presentation is refused with the reason.
        let (status, _) = s.set_status(LICENCE, "revoked").await;
        assert_eq!(status, StatusCode::OK);
        let request = ask(&s, &["full_name"]).await;
        let answered = present(request["uri"].as_str().unwrap().to_owned()).await;
        assert_eq!(answered["status"], 400, "{name}: {answered}");
        let seen = outcome(&s, request["id"].as_str().unwrap()).await;
        assert_eq!(seen["outcome"]["status"], "refused", "{name}: {seen}");
        assert_eq!(seen["outcome"]["code"], "revoked");
        t.close().await;
    }
}
