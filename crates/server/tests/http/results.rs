//! The public result pages: a result returned electronically is shown with its signature
//! checked, its QR code and its signed document; a pasted document is checked, and an altered
//! one is refused; an unknown address is 404.

use std::collections::BTreeMap;

use dinhdanh_accounts::{Account, AccountKind, AccountLevel, AccountStatus, Factor, Session};
use dinhdanh_domain::PersonalId;
use dinhdanh_services::{CatalogueFile, Citizen, Move, Outcome, Step, UnitCode};

use crate::support::*;
use crate::web::Browser;

const UNIT: &str = "000.21.12.H29";
const APPLICANT: &str = "001090012345";

fn account(id: i64, personal_id: &str) -> Account {
    Account {
        id,
        kind: AccountKind::Person,
        personal_id: Some(PersonalId::parse(personal_id).unwrap()),
        organization_code: None,
        level: AccountLevel::Two,
        status: AccountStatus::Active,
        phone: None,
        portrait: None,
        guardian: None,
        locks: vec![],
        roles: vec![],
        locked_methods: vec![],
        created_at: 0,
    }
}

fn catalogue() -> CatalogueFile {
    let texts = |vi: &str, en: &str| serde_json::json!({"vi": vi, "en": en});
    CatalogueFile::parse(
        &serde_json::json!({
            "format": "dinhdanh.procedures/1",
            "procedures": [{
                "code": "2.000635",
                "name": texts("Cấp bản sao trích lục hộ tịch", "Copy of a civil-status excerpt"),
                "agency": {"unit": UNIT, "name": texts("UBND phường", "Ward People's Committee")},
                "field": texts("Hộ tịch", "Civil status"),
                "level": "full",
                "steps": [texts("Nộp hồ sơ", "File"), texts("Nhận kết quả", "Receive the result")],
                "channels": ["online"],
                "documents": [],
                "processing_hours": 8,
                "applicants": texts("Công dân", "Citizens"),
                "result": texts("Bản sao trích lục", "Copy of the excerpt"),
                "fee_vnd": 0,
                "fee_note": texts("Miễn phí", "Free"),
                "legal_basis": [texts("Luật Hộ tịch 2014", "Law on Civil Status 2014")],
                "prefill": null,
                "form": [{"id": "copies", "label": texts("Số bản", "Copies"),
                          "kind": "number", "min": 1, "max": 10, "required": true}]
            }]
        })
        .to_string(),
    )
    .unwrap()
}

/// Files an application and takes it to a result returned electronically; returns the
/// result's public identifier and its signed document.
async fn issued(app: &TestApp) -> (String, String) {
    let s = app.state.services();
    s.import_catalogue(&catalogue()).await.unwrap();
    let citizen = Citizen::of(&account(7001, APPLICANT)).unwrap();
    let draft = s.start(&citizen, "2.000635").await.unwrap();
    let answers = BTreeMap::from([("copies".to_owned(), "2".to_owned())]);
    s.answer(&citizen, &draft.id, &answers).await.unwrap();
    let a = s.file(&citizen, &draft.id).await.unwrap();
    s.add_officer(7002, &UnitCode::parse(UNIT).unwrap())
        .await
        .unwrap();
    let session = Session {
        handle: "test".into(),
        account_id: 7002,
        factors: vec![Factor::Password, Factor::Totp],
        assurance: None,
        created_at: 0,
        authenticated_at: 0,
        last_seen_at: 0,
        expires_at: i64::MAX,
        user_agent: "tests".into(),
        client_address: "127.0.0.1".into(),
    };
    let officer = s
        .officer(&account(7002, "079095000001"), &session)
        .await
        .unwrap();
    let step = |m: Move, version: i64| Step {
        step: m,
        version,
        reason: None,
        outcome: (m == Move::Decide).then_some(Outcome::Approved),
        electronic: (m == Move::ReturnResult).then_some(true),
    };
    let mut a = a;
    for m in [
        Move::Accept,
        Move::StartProcessing,
        Move::Decide,
        Move::ReturnResult,
    ] {
        a = s
            .officer_moves(&officer, &a.id, &step(m, a.version))
            .await
            .unwrap();
    }
    let result = s.result_of(&citizen, &a.id).await.unwrap();
    (result.id, result.jws)
}

#[tokio::test]
async fn a_result_page_shows_the_document_its_signature_and_its_qr_code() {
    for t in backends().await {
        let name = t.name();
        let app = spawn_app(t.db.clone()).await;
        let (id, jws) = issued(&app).await;
        let mut browser = Browser::new(&app);

        let page = browser
            .get(&format!("/services/results/{id}?lang=en"))
            .await;
        assert_eq!(page.status, 200, "{name}");
        assert!(
            page.body.contains(r#"data-valid="true""#),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains(APPLICANT), "{name}");
        assert!(
            page.body.contains("Copy of a civil-status excerpt"),
            "{name}"
        );
        assert!(page.body.contains("Approved"), "{name}");
        assert!(page.body.contains("<svg"), "{name}: the QR code");
        assert!(
            page.body
                .contains(&format!("{}/services/results/{id}", app.origin)),
            "{name}: the address the QR code carries"
        );

        let document = app
            .client
            .get(format!(
                "{}/services/results/{id}/document.jwt",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(document.status(), 200, "{name}");
        assert_eq!(
            document.headers()["content-type"],
            "application/jwt",
            "{name}"
        );
        assert_eq!(document.text().await.unwrap(), jws, "{name}");

        // A verifier pastes the document: valid; one character changed in the payload: refused.
        let form = browser.get("/services/results/verify?lang=en").await;
        let csrf = form.csrf();
        let checked = browser
            .post(
                "/services/results/verify",
                &[("csrf", csrf.as_str()), ("document", jws.as_str())],
                Some(&app.origin),
            )
            .await;
        assert!(
            checked.body.contains(r#"data-valid="true""#),
            "{name}: {}",
            checked.body
        );
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
        parts[1].pop();
        parts[1].push(flipped);
        let altered = parts.join(".");
        let refused = browser
            .post(
                "/services/results/verify",
                &[("csrf", csrf.as_str()), ("document", altered.as_str())],
                Some(&app.origin),
            )
            .await;
        assert!(
            refused.body.contains(r#"data-valid="false""#),
            "{name}: {}",
            refused.body
        );
        let no_token = browser
            .post(
                "/services/results/verify",
                &[("document", jws.as_str())],
                Some(&app.origin),
            )
            .await;
        assert_eq!(no_token.status, 403, "{name}");

        let unknown = browser
            .get("/services/results/00000000000000000000000000000000")
            .await;
        assert_eq!(unknown.status, 404, "{name}");
        t.close().await;
    }
}
