//! Public services over HTTP, the agency's side: the public catalogue, status check and
//! statistics (JSON, CSV and the page with its charts); fees paid through the sandbox gateway,
//! whose notifications arrive at the real IPN endpoint and move the application, while forged
//! and repeated ones change nothing; and the officer console, which only a strongly signed-in
//! officer of the handling unit may use, where a stale page writes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use dinhdanh_accounts::Account;
use dinhdanh_domain::PersonalId;
use dinhdanh_payment::sandbox::{Choice, Config, Gateway, Retry, Twist};
use dinhdanh_payment::{AttemptStatus, IpnOutcome};
use dinhdanh_services::{
    Actor, Application, Citizen, Move, Officer, Outcome, Status, Step, UnitCode,
};

use crate::support::*;
use crate::web::{Browser, citizen, staff_password};

/// The police unit that handles residence registration.
const RESIDENCE: &str = "000.31.12.H29";
/// The justice office (civil status), another unit.
const JUSTICE: &str = "000.21.12.H29";
/// Temporary residence registration: fully online, a rental contract to upload, 7,000 đồng.
const TEMPORARY: &str = "1.004194";
/// Permanent residence registration: fully online, 10,000 đồng.
const PERMANENT: &str = "1.004222";
/// A PDF with bytes that are not UTF-8, so that a download is compared byte for byte.
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj <<>> endobj\n%%EOF\n";

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn step(step: Move, version: i64) -> Step {
    Step {
        step,
        version,
        reason: None,
        outcome: None,
        electronic: None,
    }
}

async fn account_of(app: &TestApp, id: &str) -> Account {
    app.accounts
        .account_of_person(PersonalId::parse(id).unwrap())
        .await
        .unwrap()
        .expect("an account")
}

/// The demo catalogue; the portal (`dvc.portal`) registered and allowed to pre-fill residence
/// procedures from the population registry; the staff member an officer of the residence unit.
async fn services_app(t: &TestDb) -> TestApp {
    let app = seeded_app(t).await;
    let state = &app.state;
    state
        .services()
        .import_catalogue(&dinhdanh_services::catalogue::demo())
        .await
        .expect("import the demo catalogue");
    let portal = serde_json::from_value(json!({
        "client_id": dinhdanh_services::PORTAL_CLIENT,
        "name": {"vi": "Cổng dịch vụ công", "en": "Public service portal"},
        "purpose": {"vi": "Giải quyết thủ tục hành chính", "en": "Administrative procedures"},
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "scopes": ["exchange.read"],
        "grant_types": ["client_credentials"],
        "security_level": 3
    }))
    .unwrap();
    // The server may have registered the portal already, as it does when it starts.
    if let Err(e) = state.oidc().register_client(portal).await {
        assert!(matches!(e, dinhdanh_oidc::AdminError::Exists(_)), "{e}");
    }
    let policy = json!({"rules": [{
        "id": "portal-residence", "agency": dinhdanh_services::PORTAL_CLIENT, "service": "population",
        "fields": ["full_name", "birth_date", "sex", "place_of_origin", "permanent_residence", "current_residence"],
        "purposes": [dinhdanh_services::PREFILL_PURPOSE],
        "basis": {"law": "residence-law-68-2020"}, "min_security_level": 3
    }]});
    state
        .exchange()
        .set_policy(
            &policy.to_string(),
            "test",
            "the portal pre-fills residence procedures",
        )
        .await
        .unwrap();
    let staff = account_of(&app, STAFF).await;
    state
        .services()
        .add_officer(staff.id, &UnitCode::parse(RESIDENCE).unwrap())
        .await
        .unwrap();
    app
}

/// The staff member as the capability sees them, on the passkey session of [`seeded_app`].
async fn staff_officer(app: &TestApp) -> Officer {
    let account = account_of(app, STAFF).await;
    let session = app.accounts.session(&app.token).await.unwrap();
    app.state
        .services()
        .officer(&account, &session)
        .await
        .unwrap()
}

/// A temporary-residence application of `id` (who has an account), filed online with its
/// rental contract.
async fn filed(app: &TestApp, id: &str) -> Application {
    let me = Citizen::of(&account_of(app, id).await).unwrap();
    let s = app.state.services();
    let draft = s.start(&me, TEMPORARY).await.expect("start a draft");
    s.answer(
        &me,
        &draft.id,
        &answers(&[
            ("temporary_address", "Số 5, ngõ 8, phố Huế, Hà Nội"),
            ("start_date", "2026-03-01"),
            ("duration_months", "12"),
        ]),
    )
    .await
    .unwrap();
    s.upload(&me, &draft.id, "rental_contract", "hợp đồng thuê.pdf", PDF)
        .await
        .unwrap();
    s.file(&me, &draft.id).await.expect("file the application")
}

/// A permanent-residence application recorded at the counter for `id` (accepted at once).
async fn at_the_counter(app: &TestApp, officer: &Officer, id: &str) -> Application {
    app.state
        .services()
        .record_counter(
            officer,
            PERMANENT,
            PersonalId::parse(id).unwrap(),
            &answers(&[
                ("new_address", "Số 12, phố Hàng Bạc, Hà Nội"),
                ("residence_basis", "own_home"),
            ]),
        )
        .await
        .expect("record a counter application")
}

/// An application's detail, as its officer reads it.
async fn detail(app: &TestApp, officer: &Officer, id: &str) -> dinhdanh_services::Detail {
    app.state.services().handled(officer, id).await.unwrap()
}

/// Gives `id` an identity card, makes them staff with a passkey (a second officer), and returns
/// the passkey's session token and the key.
async fn second_officer(
    app: &TestApp,
    db: &Db,
    id: &str,
    phone: &str,
) -> (String, dinhdanh_accounts::testing::SoftPasskey) {
    let mut card = dinhdanh_registry::Correction {
        actor: "test".into(),
        reason: "card issued".into(),
        ..Default::default()
    };
    card.set.insert("id_card_number".into(), id.into());
    card.set
        .insert("id_card_issued".into(), "2022-02-02".into());
    card.set
        .insert("id_card_expires".into(), "2040-01-01".into());
    Registry::new(db)
        .correct(
            PersonalId::parse(id).unwrap(),
            &card,
            Utc::now().date_naive(),
        )
        .await
        .expect("give the officer a card");
    app.accounts
        .bootstrap_staff(
            PersonalId::parse(id).unwrap(),
            phone,
            Role::AgencyOfficer,
            "test",
        )
        .await
        .expect("bootstrap the second officer");
    let mut key = passkey_for(app, db, id, &format!("+84{}", &phone[1..])).await;
    let token = passkey_sign_in(app, &mut key).await;
    (token, key)
}

/// A browser on the session `token`, and the CSRF token of the queue page.
async fn signed_in(app: &TestApp, token: &str) -> (Browser, String) {
    let mut browser = Browser::new(app);
    browser.jar.insert("dd_session".into(), token.to_owned());
    let page = browser.get("/officer/applications").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    (browser, csrf)
}

/// Today in Vietnam by the server's clock.
fn today(app: &TestApp) -> chrono::NaiveDate {
    app.accounts.clock().today()
}

mod console;
mod fees;
mod public;
