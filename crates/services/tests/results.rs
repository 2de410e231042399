//! Results issued electronically: signed when the result is returned, verifiable by our own
//! check and by an independent JOSE library (joserfc, interop/services/verify_result.py), and
//! refused once altered.

mod common;

use common::*;

/// Takes `citizen`'s new application to a decision and returns it, electronically or not.
async fn returned(w: &World, citizen: &Citizen, outcome: Outcome, electronic: bool) -> String {
    let s = &w.services;
    let a = filed(w, citizen).await;
    let a = s
        .officer_moves(&w.ward, &a.id, &step(Move::Accept, a.version))
        .await
        .unwrap();
    let a = s
        .officer_moves(&w.ward, &a.id, &step(Move::StartProcessing, a.version))
        .await
        .unwrap();
    let mut decide = step(Move::Decide, a.version);
    decide.outcome = Some(outcome);
    decide.reason = (outcome == Outcome::Refused).then(|| "Không đủ điều kiện".to_owned());
    let a = s.officer_moves(&w.ward, &a.id, &decide).await.unwrap();
    let mut give = step(Move::ReturnResult, a.version);
    give.electronic = Some(electronic);
    s.officer_moves(&w.ward, &a.id, &give).await.unwrap().id
}

/// Runs the independent verifier on `token` with the provider's key set.
fn python_verifies(token: &str, jwks: &serde_json::Value, issuer: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let (token_file, jwks_file) = (dir.path().join("result.jwt"), dir.path().join("jwks.json"));
    std::fs::write(&token_file, token).unwrap();
    std::fs::write(&jwks_file, jwks.to_string()).unwrap();
    let python = std::env::var("DINHDANH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/services/verify_result.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg("--jwks-file")
        .arg(&jwks_file)
        .args(["--issuer", issuer])
        .arg(&token_file)
        .output()
        .expect("run the Python result verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn an_electronic_result_is_signed_and_anyone_can_check_it() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let id = returned(&w, &w.an, Outcome::Approved, true).await;
        let issued = s.result_of(&w.an, &id).await.unwrap();
        assert_eq!(issued.application, id, "{name}");
        assert_eq!(s.result(&issued.id).await.unwrap(), issued, "{name}");
        let detail = s.own(&w.an, &id).await.unwrap();
        let last = detail.events.last().unwrap();
        assert_eq!(
            last.detail.as_ref().unwrap()["result"],
            serde_json::json!(issued.id),
            "{name}"
        );

        // Our own check, against the provider's keys.
        let verified = s.verify_result(&issued.jws).await.unwrap();
        let claims = &verified.claims;
        assert_eq!(claims["holder"]["personal_id"], AN, "{name}");
        assert_eq!(claims["holder"]["full_name"], population::AN_NAME, "{name}");
        assert_eq!(claims["outcome"], "approved", "{name}");
        assert_eq!(claims["procedure"]["code"], "1.004194", "{name}");
        assert_eq!(claims["agency"]["unit"], WARD, "{name}");
        assert_eq!(
            claims["answers"]["new_address"], "12 Trần Thái Tông, Cầu Giấy",
            "{name}"
        );
        let code = detail.application.code.unwrap();
        assert_eq!(claims["application"]["code"], code.as_str(), "{name}");
        assert!(
            claims["verify_at"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/services/results/{}", issued.id)),
            "{name}"
        );

        // An independent JOSE library agrees, with the published key set.
        let jwks = w.oidc.keys().await.unwrap().jwks();
        let (ok, out) = python_verifies(&issued.jws, &jwks, w.oidc.issuer());
        assert!(ok, "{name}: {out}");
        assert!(out.contains(&issued.id), "{name}: {out}");

        // Altered: another holder in the payload, or another issuer — both refused.
        let parts: Vec<&str> = issued.jws.split('.').collect();
        let mut payload: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
                .unwrap(),
        )
        .unwrap();
        payload["holder"]["personal_id"] = serde_json::json!(BICH);
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                payload.to_string()
            ),
            parts[2]
        );
        let e = s.verify_result(&forged).await.unwrap_err();
        assert!(e.to_string().contains("does not verify"), "{name}: {e}");
        let (ok, out) = python_verifies(&forged, &jwks, w.oidc.issuer());
        assert!(!ok, "{name}: {out}");
        let (ok, out) = python_verifies(&issued.jws, &jwks, "https://elsewhere.example");
        assert!(!ok && out.contains("issued by"), "{name}: {out}");
        let e = s.verify_result("not.a.jws").await.unwrap_err();
        assert!(matches!(e, ServicesError::Invalid { .. }), "{name}: {e}");

        // Nobody else reads it through the applicant's route; a paper result has no document.
        assert!(
            matches!(
                s.result_of(&w.bich, &id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        let paper = returned(&w, &w.bich, Outcome::Refused, false).await;
        assert!(
            matches!(
                s.result_of(&w.bich, &paper).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(s.result("0000").await, Err(ServicesError::NotFound)),
            "{name}"
        );
        w.t.close().await;
    }
}
