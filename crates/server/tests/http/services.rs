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

// ---------------------------------------------------------------------------------------------
// The public API
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_catalogue_and_the_status_check_are_public_and_the_check_is_rate_limited() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;

        let (status, body) = json_of(app.get_anonymous("/api/v1/services/procedures").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let listed = body["procedures"].as_array().unwrap();
        assert_eq!(listed.len(), 22, "{name}: the demo catalogue");
        assert!(listed.iter().any(|p| p["code"] == TEMPORARY), "{name}");
        let (status, one) = json_of(
            app.get_anonymous(&format!("/api/v1/services/procedures/{TEMPORARY}"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {one}");
        assert_eq!(
            one["name"]["en"], "Temporary residence registration",
            "{name}"
        );
        assert_eq!(one["agency"]["unit"], RESIDENCE, "{name}");
        assert_eq!(one["fee_vnd"], 7000, "{name}");
        assert_eq!(one["level"], "full", "{name}");
        let (status, unknown) = json_of(
            app.get_anonymous("/api/v1/services/procedures/9.999999")
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {unknown}");
        assert_eq!(unknown["error"], "services.unknown_procedure", "{name}");

        // Documented, under their tags.
        let (_, doc) = json_of(app.get_anonymous("/api/v1/openapi.json").await).await;
        for (path, tag) in [
            ("/api/v1/services/procedures", "services"),
            ("/api/v1/services/procedures/{code}", "services"),
            ("/api/v1/services/status", "services"),
            ("/api/v1/services/statistics", "services"),
            ("/api/v1/payments/ipn", "payments"),
        ] {
            assert_eq!(doc["paths"][path]["get"]["tags"][0], tag, "{name}: {path}");
        }

        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a = filed(&app, BICH).await;
        let code = a.code.clone().unwrap().to_string();
        let check =
            |code: &str, id: &str| format!("/api/v1/services/status?code={code}&personal_id={id}");

        // The count is per minute: start early in one, so that the eleven checks share it.
        let clock = app.accounts.clock();
        let into = clock.now_ms() % 60_000;
        if into > 30_000 {
            clock.advance(Duration::from_millis((60_000 - into + 100) as u64));
        }
        let (status, found) = json_of(app.get_anonymous(&check(&code, BICH)).await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {found}");
        assert_eq!(found["code"], code.as_str(), "{name}");
        assert_eq!(found["procedure"], TEMPORARY, "{name}");
        assert_eq!(found["status"], "new", "{name}");
        assert_eq!(found["status_code"], 1, "{name}");
        assert_eq!(found["due_at"], a.accept_due_at.unwrap(), "{name}");
        assert_eq!(
            found.as_object().unwrap().len(),
            6,
            "{name}: the status and the deadline, nothing else: {found}"
        );
        // Someone else's personal ID answers exactly like a code that does not exist.
        let wrong_pair = json_of(app.get_anonymous(&check(&code, DAT)).await).await;
        let unknown_code = json_of(
            app.get_anonymous(&check(&format!("{RESIDENCE}-200101-9999"), BICH))
                .await,
        )
        .await;
        assert_eq!(
            wrong_pair.0,
            StatusCode::NOT_FOUND,
            "{name}: {}",
            wrong_pair.1
        );
        assert_eq!(wrong_pair, unknown_code, "{name}");
        assert_eq!(wrong_pair.1["error"], "services.not_found", "{name}");
        // Ten checks a minute from one address; the eleventh waits, even with the right pair.
        for _ in 0..7 {
            let response = app.get_anonymous(&check(&code, DAT)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
        }
        let limited = app.get_anonymous(&check(&code, BICH)).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{name}: Retry-After {wait}");
        let (_, body) = json_of(limited).await;
        assert_eq!(body["error"], "services.too_many_checks", "{name}");
        assert!(body.get("status").is_none(), "{name}: {body}");

        // A missing parameter is named.
        let (status, body) =
            json_of(app.get_anonymous("/api/v1/services/status?code=x").await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"], "request.bad_parameter", "{name}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn statistics_match_figures_computed_by_hand_as_json_csv_and_on_the_page() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let s = app.state.services();
        let ward = staff_officer(&app).await;
        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        citizen(&app, &t.db, DAT, "Đặng Đức Đạt", "1990-06-30", "0933000222").await;
        let moved = |a: &Application, m: Move| step(m, a.version);

        // A: online, decided (approved) at once, result returned electronically.
        let a = filed(&app, BICH).await;
        let a = s
            .officer_moves(&ward, &a.id, &moved(&a, Move::Accept))
            .await
            .unwrap();
        let a = s
            .officer_moves(&ward, &a.id, &moved(&a, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&a, Move::Decide);
        decide.outcome = Some(Outcome::Approved);
        let a = s.officer_moves(&ward, &a.id, &decide).await.unwrap();
        let mut give = moved(&a, Move::ReturnResult);
        give.electronic = Some(true);
        s.officer_moves(&ward, &a.id, &give).await.unwrap();
        // B: online, refused at once, result on paper.
        let b = filed(&app, DAT).await;
        let b = s
            .officer_moves(&ward, &b.id, &moved(&b, Move::Accept))
            .await
            .unwrap();
        let b = s
            .officer_moves(&ward, &b.id, &moved(&b, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&b, Move::Decide);
        decide.outcome = Some(Outcome::Refused);
        decide.reason = Some("Hợp đồng thuê đã hết hạn".into());
        let b = s.officer_moves(&ward, &b.id, &decide).await.unwrap();
        let mut give = moved(&b, Move::ReturnResult);
        give.electronic = Some(false);
        s.officer_moves(&ward, &b.id, &give).await.unwrap();
        // C: at the counter, accepted and open, its deadline days away. D: online, new.
        at_the_counter(&app, &ward, AN_HN).await;
        filed(&app, BICH).await;

        // By hand, for the residence unit (4 procedures listed, 3 of them fully online):
        // filed 4, online 3 (75 %); decided 2, both on time, none open late (100 %);
        // returned 2, 1 electronically (50 %).
        let day = today(&app);
        let path = format!("/api/v1/services/statistics?from={day}&to={day}&unit={RESIDENCE}");
        let (status, stats) = json_of(app.get_anonymous(&path).await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {stats}");
        let agencies = stats["agencies"].as_array().unwrap();
        assert_eq!(agencies.len(), 1, "{name}: {stats}");
        let unit = &agencies[0];
        assert_eq!(unit["unit"], RESIDENCE, "{name}");
        assert_eq!(
            unit["counts"],
            json!({"filed": 4, "online": 3, "decided": 2, "decided_on_time": 2, "open_late": 0,
                   "returned": 2, "returned_electronically": 1}),
            "{name}"
        );
        assert_eq!(unit["procedures"], 4, "{name}");
        assert_eq!(unit["procedures_full_online"], 3, "{name}");
        assert_eq!(unit["full_online_share"], 75.0, "{name}");
        assert_eq!(unit["online_share"], 75.0, "{name}");
        assert_eq!(unit["on_time_rate"], 100.0, "{name}");
        assert_eq!(unit["electronic_result_share"], 50.0, "{name}");
        let line = |code: &str| {
            stats["procedures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["code"] == code)
                .unwrap()
                .clone()
        };
        let permanent = line(PERMANENT);
        assert_eq!(
            permanent["online_share"], 0.0,
            "{name}: one filed, none online"
        );
        assert_eq!(
            permanent["on_time_rate"],
            Value::Null,
            "{name}: nothing to count is not 0 %"
        );
        assert_eq!(permanent["electronic_result_share"], Value::Null, "{name}");
        assert_eq!(line(TEMPORARY)["online_share"], 100.0, "{name}");
        assert_eq!(line("1.004206")["online_share"], Value::Null, "{name}");

        // Every agency: the justice office counts nothing; 15 of the 22 procedures are fully
        // online.
        let all = format!("/api/v1/services/statistics?from={day}&to={day}");
        let (_, stats) = json_of(app.get_anonymous(&all).await).await;
        let justice = stats["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["unit"] == JUSTICE)
            .unwrap();
        assert_eq!(justice["counts"]["filed"], 0, "{name}");
        assert_eq!(justice["online_share"], Value::Null, "{name}");
        assert_eq!(stats["total"]["counts"]["filed"], 4, "{name}");
        assert_eq!(stats["total"]["full_online_share"], 1500.0 / 22.0, "{name}");
        // The day before counts nothing: the last day is included, and only it.
        let before = day.pred_opt().unwrap();
        let (_, earlier) = json_of(
            app.get_anonymous(&format!(
                "/api/v1/services/statistics?from={before}&to={before}&unit={RESIDENCE}"
            ))
            .await,
        )
        .await;
        assert_eq!(earlier["agencies"][0]["counts"]["filed"], 0, "{name}");
        assert_eq!(
            earlier["agencies"][0]["on_time_rate"],
            Value::Null,
            "{name}"
        );

        // The same as CSV.
        let response = app.get_anonymous(&format!("{path}&format=csv")).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8",
            "{name}"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"statistics-{RESIDENCE}-{day}-{day}.csv\"").as_str(),
            "{name}"
        );
        let csv = response.text().await.unwrap();
        for expected in [
            format!("{TEMPORARY},{RESIDENCE},full,3,3,100.0,2,2,0,100.0,2,1,50.0"),
            format!("{PERMANENT},{RESIDENCE},full,1,0,0.0,0,0,0,,0,0,"),
            format!("1.004206,{RESIDENCE},full,0,0,,0,0,0,,0,0,"),
        ] {
            assert!(
                csv.lines().any(|l| l == expected),
                "{name}: {expected} in\n{csv}"
            );
        }
        assert_eq!(
            csv.lines().count(),
            5,
            "{name}: a header and 4 procedures: {csv}"
        );

        // Bad periods are named.
        for (query, status, field) in [
            (
                "from=2026-13-01&to=2026-12-31",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-12-31&to=2026-01-01",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "to=2026-01-01",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-01-01&to=2026-01-02&format=xml",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-01-01&to=2026-01-02&unit=H29",
                StatusCode::UNPROCESSABLE_ENTITY,
                "services.invalid",
            ),
        ] {
            let (got, body) = json_of(
                app.get_anonymous(&format!("/api/v1/services/statistics?{query}"))
                    .await,
            )
            .await;
            assert_eq!(got, status, "{name}: {query}: {body}");
            assert_eq!(body["error"], field, "{name}: {query}");
        }

        // The public page: tables, charts drawn on the server, the CSV link; "—" for nothing.
        let mut visitor = Browser::new(&app);
        let page = visitor
            .get(&format!(
                "/services/statistics?from={day}&to={day}&unit={RESIDENCE}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        for text in [
            "id=\"agencies\"",
            "id=\"procedures\"",
            "<svg id=\"chart-online\" role=\"img\"",
            "75,0 %",
            "50,0 %",
            "—",
            &format!(
                "/api/v1/services/statistics?from={day}&amp;to={day}&amp;unit={RESIDENCE}&amp;format=csv"
            ),
        ] {
            assert!(page.body.contains(text), "{name}: {text}");
        }
        assert!(!page.body.contains("<script>"), "{name}");
        assert!(
            !page.body.contains(" style="),
            "{name}: the CSP forbids inline styles"
        );
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("style-src 'self'"), "{name}: {csp}");
        // Without a period: this year. In English on request.
        let year = visitor.get("/services/statistics?lang=en").await;
        assert_eq!(year.status, StatusCode::OK, "{name}");
        let y = chrono::Datelike::year(&day);
        assert!(
            year.body.contains(&format!("value=\"{y}-01-01\"")),
            "{name}"
        );
        assert!(
            year.body.contains(&format!("value=\"{y}-12-31\"")),
            "{name}"
        );
        assert!(year.body.contains("Applications filed online"), "{name}");
        assert!(year.body.contains("75.0%"), "{name}");
        let bad = visitor.get("/services/statistics?from=31/12/2026").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad.body.contains("2026-01-31"),
            "{name}: the expected form is shown"
        );

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Fees through the sandbox gateway
// ---------------------------------------------------------------------------------------------

/// A counter application of `id` with its fee requested (status 6), and a payment attempt for
/// it started at the server's gateway.
async fn waiting_for_its_fee(
    app: &TestApp,
    officer: &Officer,
    id: &str,
) -> (Application, dinhdanh_payment::Started) {
    let a = at_the_counter(app, officer, id).await;
    let a = app
        .state
        .services()
        .officer_moves(officer, &a.id, &step(Move::RequestPayment, a.version))
        .await
        .unwrap();
    assert_eq!(a.status.map(Status::code), Some(6));
    let started = app
        .state
        .payments()
        .start(
            &a.id,
            a.fee_vnd,
            "Lệ phí đăng ký thường trú",
            &format!("{}/portal/payments/return", app.origin),
            "127.0.0.1",
        )
        .await
        .expect("start a payment");
    (a, started)
}

/// A gateway with the server's terminal and secret that gives up after one try: it forges on
/// request without retrying for minutes, or notifies an address that does not answer.
fn impatient_gateway(app: &TestApp, ipn_url: &str) -> Gateway {
    let base = url::Url::parse(&app.origin).unwrap();
    let terminal = app
        .state
        .sandbox()
        .expect("the sandbox gateway")
        .terminal(&base);
    Gateway::new(Config {
        tmn_code: terminal.tmn_code,
        secret: terminal.secret,
        ipn_url: url::Url::parse(ipn_url).unwrap(),
        retry: Retry {
            max_tries: 1,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            timeout: Duration::from_secs(10),
        },
        clock: app.accounts.clock().clone(),
    })
}

#[tokio::test]
async fn a_fee_paid_at_the_gateway_moves_the_application_and_forgeries_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let payments = app.state.payments();
        let ward = staff_officer(&app).await;
        let sandbox = app
            .state
            .sandbox()
            .expect("no gateway is configured, so the sandbox runs");
        let ipn_url = format!("{}{}", app.origin, dinhdanh_server::PAYMENT_IPN_PATH);

        // Paid at the sandbox: its IPN reaches the server over HTTP and is confirmed; the
        // platform moves the application back to processing, with the payment's details.
        let (a, started) = waiting_for_its_fee(&app, &ward, AN_HN).await;
        let order_ref = started.order_ref.to_string();
        sandbox
            .open(started.pay_url.as_str())
            .expect("the gateway takes the signed pay URL");
        let paid = sandbox.pay(&order_ref).await.expect("pay");
        assert_eq!(
            paid.delivery.codes(),
            vec!["00"],
            "{name}: {:?}",
            paid.delivery
        );
        assert_eq!(
            paid.delivery.last_reply().unwrap().message,
            "Confirm Success",
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        assert_eq!(after.application.status, Some(Status::Processing), "{name}");
        assert_eq!(after.application.version, a.version + 1, "{name}");
        let event = after.events.last().unwrap();
        assert_eq!(event.step, "paid", "{name}");
        assert_eq!(event.actor, Actor::System, "{name}: by the platform");
        assert_eq!(
            (event.from, event.to),
            (Some(Status::PaymentRequested), Some(Status::Processing)),
            "{name}"
        );
        let receipt = payments.receipt(&order_ref).await.unwrap();
        assert_eq!(receipt.transaction_no, paid.result.transaction_no, "{name}");
        assert_eq!(
            event.detail,
            Some(json!({
                "order_ref": order_ref,
                "amount_vnd": 10_000,
                "transaction_no": receipt.transaction_no,
                "receipt_number": receipt.number,
            })),
            "{name}"
        );
        assert!(
            payments
                .settlements_to_hand_over(10)
                .await
                .unwrap()
                .is_empty(),
            "{name}: handed over"
        );

        // The same notification again: "already confirmed", and nothing moves.
        let again = sandbox.resend_ipn(&order_ref).await.unwrap();
        assert_eq!(again.codes(), vec!["02"], "{name}: {again:?}");
        let same = detail(&app, &ward, &a.id).await;
        assert_eq!(same.application, after.application, "{name}");
        assert_eq!(same.events.len(), after.events.len(), "{name}");

        // A result signed with another key: "invalid signature", and nothing changes; the real
        // payment of the same attempt then goes through.
        let (b, started) = waiting_for_its_fee(&app, &ward, ANH).await;
        let b_ref = started.order_ref.to_string();
        let before = detail(&app, &ward, &b.id).await;
        let forger = impatient_gateway(&app, &ipn_url);
        forger.open(started.pay_url.as_str()).unwrap();
        let forged = forger
            .complete(
                &b_ref,
                Choice::Pay,
                Twist {
                    wrong_key: true,
                    ..Twist::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(forged.delivery.codes(), vec!["97"], "{name}: {forged:?}");
        let untouched = detail(&app, &ward, &b.id).await;
        assert_eq!(untouched.application, before.application, "{name}");
        assert_eq!(untouched.events.len(), before.events.len(), "{name}");
        assert_eq!(
            payments.attempt(&b_ref).await.unwrap().status,
            AttemptStatus::Pending,
            "{name}"
        );
        assert!(!payments.is_paid(&b.id).await.unwrap(), "{name}");
        sandbox.open(started.pay_url.as_str()).unwrap();
        let real = sandbox.pay(&b_ref).await.unwrap();
        assert_eq!(real.delivery.codes(), vec!["00"], "{name}");
        assert_eq!(
            detail(&app, &ward, &b.id).await.application.status,
            Some(Status::Processing),
            "{name}"
        );
        // Anyone calling the endpoint without the secret gets the same answer.
        let (status, body) = json_of(
            app.get_anonymous("/api/v1/payments/ipn?vnp_TxnRef=x&vnp_Amount=1000000")
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            body,
            json!({"RspCode": "97", "Message": "Invalid signature"}),
            "{name}"
        );

        // The payment is recorded but the server stops before moving the application (here:
        // the notification is handled without the HTTP layer): the hand-over loop finishes it.
        let (c, started) = waiting_for_its_fee(&app, &ward, BICH).await;
        let c_ref = started.order_ref.to_string();
        let nowhere = impatient_gateway(&app, "http://127.0.0.1:9/ipn");
        nowhere.open(started.pay_url.as_str()).unwrap();
        let lost = nowhere.pay(&c_ref).await.unwrap();
        assert!(!lost.delivery.confirmed(), "{name}: nobody answered");
        let signed_result = lost.return_url.query().unwrap();
        let outcome = payments.handle_ipn(signed_result).await;
        assert!(
            matches!(outcome, IpnOutcome::Settled(_)),
            "{name}: {outcome:?}"
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let moved = loop {
            let d = detail(&app, &ward, &c.id).await;
            if d.application.status == Some(Status::Processing)
                && payments
                    .settlements_to_hand_over(10)
                    .await
                    .unwrap()
                    .is_empty()
            {
                break d;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name}: the hand-over loop did not move the paid application"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let event = moved.events.last().unwrap();
        assert_eq!(
            (event.step.as_str(), event.actor),
            ("paid", Actor::System),
            "{name}"
        );
        assert_eq!(
            event.detail.as_ref().unwrap()["order_ref"],
            c_ref.as_str(),
            "{name}"
        );

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The officer console
// ---------------------------------------------------------------------------------------------

/// An application's version and number of events: what a refused form must leave as it was.
fn written(d: &dinhdanh_services::Detail) -> (i64, usize) {
    (d.application.version, d.events.len())
}

#[tokio::test]
async fn the_officer_console_serves_only_a_strongly_signed_in_officer_of_the_unit() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let ward = staff_officer(&app).await;
        let mut bich = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a = filed(&app, BICH).await;
        let code = a.code.clone().unwrap().to_string();
        let path = format!("/officer/applications/{}", a.id);
        let document = format!("{path}/documents/rental_contract");
        let filed_state = written(&detail(&app, &ward, &a.id).await);

        // Nobody signed in: the sign-in page. A citizen: no officer.
        let mut anonymous = Browser::new(&app);
        let page = anonymous.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(page.headers["location"], "/login", "{name}");
        let page = bich.get("/officer/applications").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{name}");
        assert!(!page.body.contains(&code), "{name}");

        // The staff member signed in with a password only: refused and pointed to a strong
        // factor, for every page and every move.
        let password = staff_password(&app).await;
        let mut weak = Browser::new(&app);
        let weak_csrf = weak.get("/login").await.csrf();
        let signed = weak
            .post(
                "/login",
                &[
                    ("csrf", weak_csrf.as_str()),
                    ("personal_id", STAFF),
                    ("password", password),
                ],
                None,
            )
            .await;
        assert_eq!(
            signed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            signed.body
        );
        for p in ["/officer/applications", path.as_str(), document.as_str()] {
            let page = weak.get(p).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{name}: {p}");
            assert!(page.body.contains("href=\"/login/second\""), "{name}: {p}");
            assert!(page.body.contains("khóa truy cập"), "{name}: {p}");
            assert!(!page.body.contains(&code), "{name}: {p}");
        }
        let refused = weak
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", weak_csrf.as_str()),
                    ("step", "accept"),
                    ("version", &a.version.to_string()),
                ],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            filed_state,
            "{name}"
        );

        // An officer of another unit sees nothing of it: not in the queue, 404 for the
        // application, its documents and its moves.
        let (other_token, _) = second_officer(&app, &t.db, DAT, "0977000777").await;
        app.state
            .services()
            .add_officer(
                account_of(&app, DAT).await.id,
                &UnitCode::parse(JUSTICE).unwrap(),
            )
            .await
            .unwrap();
        let (mut other, other_csrf) = signed_in(&app, &other_token).await;
        let queue = other.get("/officer/applications").await;
        assert!(
            queue.body.contains("id=\"queue-empty\""),
            "{name}: {}",
            queue.body
        );
        assert!(!queue.body.contains(&a.id), "{name}");
        for p in [path.as_str(), document.as_str()] {
            let page = other.get(p).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{name}: {p}");
            assert!(!page.body.contains(&code), "{name}: {p}");
            assert!(!page.body.contains("%PDF"), "{name}: {p}");
        }
        let refused = other
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", other_csrf.as_str()),
                    ("step", "accept"),
                    ("version", &a.version.to_string()),
                ],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            filed_state,
            "{name}"
        );

        // The unit's officer: the queue, then the application with what the registry gave.
        let (mut officer, csrf) = signed_in(&app, &app.token).await;
        let queue = officer.get("/officer/applications").await;
        let row_start = queue
            .body
            .find(&format!("data-id=\"{}\"", a.id))
            .expect("the application is queued");
        let row =
            &queue.body[row_start..row_start + queue.body[row_start..].find("</tr>").unwrap()];
        for text in [
            code.as_str(),
            TEMPORARY,
            "Trần Thị Bích",
            "Trực tuyến",
            "Mới đăng ký",
        ] {
            assert!(row.contains(text), "{name}: {text} in {row}");
        }
        let page = officer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        for text in [
            "data-field=\"full_name\" data-source=\"registry\"",
            "Trần Thị Bích",
            "Luật Cư trú số 68/2020/QH14 (residence-law-68-2020)",
            "href=\"/api/v1/ledger/entries/",
            "Số 5, ngõ 8, phố Huế, Hà Nội",
            &format!("href=\"{document}\""),
            "hợp đồng thuê.pdf",
            "id=\"move-accept\"",
            "id=\"move-refuse\"",
            "id=\"move-request_supplement\"",
            &format!("data-version=\"{}\"", a.version),
            "data-step=\"file\"",
        ] {
            assert!(page.body.contains(text), "{name}: {text}");
        }
        assert!(
            !page.body.contains("id=\"move-decide\""),
            "{name}: not from status 1"
        );

        // Accept, with the version seen.
        let seen = a.version.to_string();
        let moves = format!("{path}/moves");
        let accepted = officer
            .post(
                &moves,
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "accept"),
                    ("version", &seen),
                ],
                None,
            )
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            accepted.body
        );
        assert_eq!(
            accepted.headers["location"],
            format!("{path}?done=accept"),
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        assert_eq!(after.application.status, Some(Status::Accepted), "{name}");
        let staff = account_of(&app, STAFF).await;
        assert_eq!(
            after.events.last().unwrap().actor,
            Actor::Officer(staff.id),
            "{name}"
        );
        let shown = officer.get(&format!("{path}?done=accept")).await;
        assert!(
            shown.body.contains("Đã chuyển hồ sơ sang bước tiếp theo."),
            "{name}"
        );
        assert!(
            shown.body.contains("id=\"move-start_processing\""),
            "{name}"
        );

        // The same stale page again, and another move from it: "changed", nothing written.
        for (form_step, reason) in [("accept", ""), ("request_supplement", "Thiếu giấy tờ")] {
            let stale = officer
                .post(
                    &moves,
                    &[
                        ("csrf", csrf.as_str()),
                        ("step", form_step),
                        ("version", &seen),
                        ("reason", reason),
                    ],
                    None,
                )
                .await;
            assert_eq!(stale.status, StatusCode::CONFLICT, "{name}: {form_step}");
            assert!(
                stale.body.contains(
                    "Hồ sơ vừa được thay đổi trong khi bạn đang xem. Hãy tải lại trang và thử lại."
                ),
                "{name}: {form_step}: {}",
                stale.body
            );
            assert_eq!(
                written(&detail(&app, &ward, &a.id).await),
                written(&after),
                "{name}"
            );
        }
        // Bad input on a fresh page changes nothing either: a stop needs a reason.
        let current = after.application.version.to_string();
        let blank = officer
            .post(
                &moves,
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "stop"),
                    ("version", &current),
                    ("reason", "  "),
                ],
                None,
            )
            .await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            blank
                .body
                .contains("Hãy nêu lý do; người nộp sẽ đọc lý do này."),
            "{name}"
        );
        let english = officer
            .post(
                &format!("{moves}?lang=en"),
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "decide"),
                    ("version", &current),
                    ("outcome", "approved"),
                ],
                None,
            )
            .await;
        assert_eq!(english.status, StatusCode::CONFLICT, "{name}");
        assert!(
            english
                .body
                .contains("The application is “Accepted”; “Decide” cannot be done from there."),
            "{name}: {}",
            english.body
        );
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            written(&after),
            "{name}"
        );
        officer.get("/officer/applications?lang=vi").await;

        // The document: the exact bytes, with the type stored at upload, as an attachment.
        let response = app
            .client
            .get(app.url(&document))
            .header("cookie", format!("dd_session={}", app.token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "application/pdf",
            "{name}"
        );
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; "),
            "{name}: {disposition}"
        );
        assert!(
            disposition
                .contains("filename*=UTF-8''h%E1%BB%A3p%20%C4%91%E1%BB%93ng%20thu%C3%AA.pdf"),
            "{name}: {disposition}"
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), PDF, "{name}");
        let none = officer
            .get(&format!("{path}/documents/owner_consent"))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{name}");

        // Recording at the counter: the procedure's form; what is missing or wrong is named and
        // nothing is recorded; then it is recorded, accepted at once.
        let counter = "/officer/applications/counter";
        let form = officer
            .get(&format!("{counter}?procedure={PERMANENT}"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{name}");
        assert!(form.body.contains("id=\"record-counter\""), "{name}");
        assert!(
            form.body.contains("name=\"answer.residence_basis\""),
            "{name}"
        );
        let queued = || async { app.state.services().queue(&ward, &[]).await.unwrap().len() };
        assert_eq!(queued().await, 1, "{name}");
        let address = "Số 12, phố Hàng Bạc, Hà Nội";
        for (pid, procedure, basis, status, text) in [
            (
                AN_HN,
                PERMANENT,
                "",
                StatusCode::BAD_REQUEST,
                "“Căn cứ đăng ký” là thông tin bắt buộc.",
            ),
            (
                AN_HN,
                PERMANENT,
                "castle",
                StatusCode::BAD_REQUEST,
                "“Căn cứ đăng ký”: hãy chọn một trong các lựa chọn.",
            ),
            (
                "12345",
                PERMANENT,
                "own_home",
                StatusCode::BAD_REQUEST,
                "Số định danh cá nhân gồm 12 chữ số hợp lệ.",
            ),
            (
                AN_HN,
                "1.001193",
                "own_home",
                StatusCode::NOT_FOUND,
                "Hãy chọn một thủ tục của đơn vị bạn.",
            ),
        ] {
            let refused = officer
                .post(
                    counter,
                    &[
                        ("csrf", csrf.as_str()),
                        ("procedure", procedure),
                        ("personal_id", pid),
                        ("answer.new_address", address),
                        ("answer.residence_basis", basis),
                    ],
                    None,
                )
                .await;
            assert_eq!(refused.status, status, "{name}: {text}");
            assert!(
                refused.body.contains(text),
                "{name}: {text} in {}",
                refused.body
            );
            assert_eq!(queued().await, 1, "{name}: nothing recorded");
        }
        let recorded = officer
            .post(
                counter,
                &[
                    ("csrf", csrf.as_str()),
                    ("procedure", PERMANENT),
                    ("personal_id", AN_HN),
                    ("answer.new_address", address),
                    ("answer.residence_basis", "own_home"),
                ],
                None,
            )
            .await;
        assert_eq!(
            recorded.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            recorded.body
        );
        let location = recorded.headers["location"].to_str().unwrap().to_owned();
        assert!(location.ends_with("?done=recorded"), "{name}: {location}");
        let shown = officer.get(&location).await;
        for text in [
            "Đã ghi nhận và tiếp nhận hồ sơ.",
            "Trực tiếp",
            "Được tiếp nhận",
            "data-step=\"record\"",
            AN_HN,
            "id=\"move-start_processing\"",
        ] {
            assert!(shown.body.contains(text), "{name}: {text}");
        }
        assert_eq!(queued().await, 2, "{name}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn an_overdue_application_gets_an_apology_and_keeps_its_first_deadline() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let ward = staff_officer(&app).await;
        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a = filed(&app, BICH).await;
        let a = app
            .state
            .services()
            .officer_moves(&ward, &a.id, &step(Move::Accept, a.version))
            .await
            .unwrap();
        let first_due = a.first_due_at.unwrap();
        let (_, mut key) = second_officer(&app, &t.db, DAT, "0977000777").await;
        app.state
            .services()
            .add_officer(
                account_of(&app, DAT).await.id,
                &UnitCode::parse(RESIDENCE).unwrap(),
            )
            .await
            .unwrap();

        // Fifteen days later (longer than any run of holidays) the three working days are over.
        let clock = app.accounts.clock();
        clock.advance(Duration::from_secs(15 * 86_400));
        let token = passkey_sign_in(&app, &mut key).await;
        let (mut officer, csrf) = signed_in(&app, &token).await;
        let queue = officer.get("/officer/applications").await;
        assert!(
            queue.body.contains(&format!("data-id=\"{}\"", a.id)),
            "{name}: {}",
            queue.body
        );
        assert!(queue.body.contains("data-overdue=\"true\""), "{name}");
        assert!(queue.body.contains("quá hạn"), "{name}");
        let path = format!("/officer/applications/{}", a.id);
        let page = officer.get(&path).await;
        assert!(page.body.contains("id=\"apology-form\""), "{name}");
        let before = written(&detail(&app, &ward, &a.id).await);

        let apology = format!("{path}/apology");
        let version = a.version.to_string();
        let tomorrow = clock.today().succ_opt().unwrap();
        let appointment = format!("{tomorrow}T08:00");
        for (at, reason, status, text) in [
            (
                "2020-01-01T08:00",
                "Thiếu cán bộ thẩm định",
                StatusCode::BAD_REQUEST,
                "Ngày hẹn mới phải ở tương lai.",
            ),
            (
                "ngày mai",
                "Thiếu cán bộ thẩm định",
                StatusCode::BAD_REQUEST,
                "Hãy chọn ngày và giờ hẹn mới.",
            ),
            (
                appointment.as_str(),
                " ",
                StatusCode::BAD_REQUEST,
                "Hãy nêu lý do; người nộp sẽ đọc lý do này.",
            ),
        ] {
            let refused = officer
                .post(
                    &apology,
                    &[
                        ("csrf", csrf.as_str()),
                        ("version", &version),
                        ("new_due_at", at),
                        ("reason", reason),
                    ],
                    None,
                )
                .await;
            assert_eq!(refused.status, status, "{name}: {text}");
            assert!(
                refused.body.contains(text),
                "{name}: {text} in {}",
                refused.body
            );
            assert_eq!(written(&detail(&app, &ward, &a.id).await), before, "{name}");
        }
        let sent = officer
            .post(
                &apology,
                &[
                    ("csrf", csrf.as_str()),
                    ("version", &version),
                    ("new_due_at", &appointment),
                    ("reason", "Thiếu cán bộ thẩm định"),
                ],
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{name}: {}", sent.body);
        assert_eq!(
            sent.headers["location"],
            format!("{path}?done=apologize"),
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        let new_due = tomorrow
            .and_hms_opt(1, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(
            after.application.due_at,
            Some(new_due),
            "{name}: 08:00 in Vietnam"
        );
        assert_eq!(
            after.application.first_due_at,
            Some(first_due),
            "{name}: kept"
        );
        assert_eq!(after.application.apologies, 1, "{name}");
        let event = after.events.last().unwrap();
        assert_eq!(event.step, "apologize", "{name}");
        assert_eq!(
            event.reason.as_deref(),
            Some("Thiếu cán bộ thẩm định"),
            "{name}"
        );
        let page = officer.get(&format!("{path}?done=apologize")).await;
        assert!(page.body.contains("Đã gửi thư xin lỗi"), "{name}");
        assert!(page.body.contains("Hạn ban đầu"), "{name}");
        assert!(
            !page.body.contains("id=\"apology-form\""),
            "{name}: no longer overdue"
        );
        // The page that was open before the apology is stale now.
        let stale = officer
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "start_processing"),
                    ("version", &version),
                ],
                None,
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{name}");
        assert!(stale.body.contains("Hãy tải lại trang"), "{name}");

        drop(app);
        t.close().await;
    }
}
