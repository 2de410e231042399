//! Applications on both backends, through the public API, with a real exchange, registry and
//! ledger: pre-filling from the registry (and the read in the ledger), filing, codes, the
//! officers' moves and their deadlines on the working calendar, who sees what, and bad input that
//! changes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dinhdanh_accounts::testing::population::{self, AN, BICH};
use dinhdanh_accounts::{
    Account, AccountId, AccountKind, AccountLevel, AccountSettings, AccountStatus, Accounts,
    Factor, Session,
};
use dinhdanh_calendar::WorkCalendar;
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::Exchange;
use dinhdanh_ledger::{Ledger, LedgerOptions};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};
use dinhdanh_registry::Registry;
use dinhdanh_services::{
    Actor, CatalogueFile, Citizen, Clock, Move, Officer, Outcome, Services, ServicesError, Status,
    Step, UnitCode,
};
use dinhdanh_store::testing::{TestDb, backends};

const PORTAL: &str = "dvc.portal";
const WARD: &str = "000.00.12.H29";
const MINISTRY: &str = "000.00.00.G10";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";

fn catalogue() -> CatalogueFile {
    let texts = |vi: &str, en: &str| serde_json::json!({"vi": vi, "en": en});
    let procedure = |code: &str, unit: &str, hours: u32, fee: i64, level: &str| {
        serde_json::json!({
            "code": code,
            "name": texts("Đăng ký thường trú", "Permanent-residence registration"),
            "agency": {"unit": unit, "name": texts("Công an phường", "Ward police")},
            "field": texts("Cư trú", "Residence"),
            "level": level,
            "steps": [texts("Nộp hồ sơ", "File the application"), texts("Nhận kết quả", "Receive the result")],
            "channels": ["online", "counter"],
            "documents": [
                {"id": "proof_of_home", "name": texts("Giấy tờ chỗ ở", "Proof of lawful residence"),
                 "required": true, "types": ["application/pdf"], "max_bytes": 1024},
                {"id": "other", "name": texts("Giấy tờ khác", "Other papers"), "required": false}
            ],
            "processing_hours": hours,
            "applicants": texts("Công dân", "Citizens"),
            "result": texts("Thông báo", "Notice"),
            "fee_vnd": fee,
            "fee_note": texts("Thông tư 75/2022/TT-BTC", "Circular 75/2022/TT-BTC"),
            "legal_basis": [texts("Luật Cư trú 2020", "Law on Residence 2020")],
            "prefill": {"service": "population",
                        "fields": ["full_name", "birth_date", "permanent_residence"],
                        "legal_basis": "residence-law-68-2020"},
            "form": [
                {"id": "new_address", "label": texts("Địa chỉ mới", "New address"),
                 "kind": "text", "max": 200, "required": true},
                {"id": "relation", "label": texts("Quan hệ với chủ hộ", "Relation to the householder"),
                 "kind": "choice", "required": false,
                 "options": [{"code": "owner", "label": texts("Chủ hộ", "Householder")},
                             {"code": "child", "label": texts("Con", "Child")}]}
            ]
        })
    };
    let file = serde_json::json!({
        "format": "dinhdanh.procedures/1",
        "procedures": [procedure("1.004194", WARD, 56, 20_000, "full"), procedure("2.000001", MINISTRY, 8, 0, "partial")]
    });
    CatalogueFile::parse(&file.to_string()).unwrap()
}

fn account(id: AccountId, personal_id: &str) -> Account {
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

fn session(account_id: AccountId, factors: Vec<Factor>) -> Session {
    Session {
        handle: "test".into(),
        account_id,
        factors,
        assurance: None,
        created_at: 0,
        authenticated_at: 0,
        last_seen_at: 0,
        expires_at: i64::MAX,
        user_agent: "tests".into(),
        client_address: "127.0.0.1".into(),
    }
}

struct World {
    t: TestDb,
    services: Services,
    ledger: Ledger,
    clock: Clock,
    an: Citizen,
    bich: Citizen,
    ward: Officer,
    ministry: Officer,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in backends().await {
        let db = &t.db;
        let registry = Registry::new(db);
        population::seed(registry.store(), Utc::now().date_naive()).await;
        let accounts = Accounts::new(db, AccountSettings::default(), Clock::system()).unwrap();
        let ledger = Ledger::open(
            db.clone(),
            accounts.sqlite_write_gate(),
            LedgerOptions {
                origin: "test.dinhdanh.vn/ledger".into(),
                ..LedgerOptions::default()
            },
        )
        .await
        .unwrap();
        let oidc = Oidc::new(
            db,
            accounts.clone(),
            OidcSettings::for_issuer("https://id.test"),
        );
        let portal: ClientRegistration = serde_json::from_value(serde_json::json!({
            "client_id": PORTAL,
            "name": {"vi": "Cổng dịch vụ công", "en": "Public service portal"},
            "purpose": {"vi": "Giải quyết thủ tục hành chính", "en": "Administrative procedures"},
            "redirect_uris": [],
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["exchange.read"],
            "grant_types": ["client_credentials"],
            "security_level": 3
        }))
        .unwrap();
        oidc.register_client(portal).await.unwrap();
        let exchange = Exchange::new(
            db,
            accounts.sqlite_write_gate(),
            registry,
            dinhdanh_land::Land::new(db),
            ledger.clone(),
            oidc,
        );
        exchange
            .set_policy(
                r#"{"rules":[{"id":"portal-residence","agency":"dvc.portal","service":"population",
                    "fields":["full_name","birth_date","permanent_residence"],
                    "purposes":["public-service-application"],
                    "basis":{"law":"residence-law-68-2020"},"min_security_level":3}]}"#,
                "test",
                "the portal pre-fills residence procedures",
            )
            .await
            .unwrap();
        let clock = Clock::system();
        let services = Services::new(db, accounts.sqlite_write_gate(), exchange, PORTAL)
            .with(clock.clone(), WorkCalendar::vietnam());
        services.import_catalogue(&catalogue()).await.unwrap();
        let officer_account = account(900, "079095000001");
        let other_account = account(901, "048060123456");
        let strong = |id| session(id, vec![Factor::Password, Factor::Totp]);
        services
            .add_officer(900, &UnitCode::parse(WARD).unwrap())
            .await
            .unwrap();
        services
            .add_officer(901, &UnitCode::parse(MINISTRY).unwrap())
            .await
            .unwrap();
        let ward = services
            .officer(&officer_account, &strong(900))
            .await
            .unwrap();
        let ministry = services
            .officer(&other_account, &strong(901))
            .await
            .unwrap();
        out.push(World {
            an: Citizen::of(&account(1, AN)).unwrap(),
            bich: Citizen::of(&account(2, BICH)).unwrap(),
            t,
            services,
            ledger,
            clock,
            ward,
            ministry,
        });
    }
    out
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

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A filed application of `citizen` for the ward's procedure.
async fn filed(w: &World, citizen: &Citizen) -> dinhdanh_services::Application {
    let s = &w.services;
    let draft = s.start(citizen, "1.004194").await.unwrap();
    s.answer(
        citizen,
        &draft.id,
        &answers(&[("new_address", "12 Trần Thái Tông, Cầu Giấy")]),
    )
    .await
    .unwrap();
    s.upload(citizen, &draft.id, "proof_of_home", "hop-dong.pdf", PDF)
        .await
        .unwrap();
    s.file(citizen, &draft.id).await.unwrap()
}

/// Vietnam time to Unix milliseconds.
fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp_millis()
}

fn set_clock(clock: &Clock, at: i64) {
    let now = clock.now_ms();
    assert!(at >= now, "the test clock only moves forward");
    clock.advance(Duration::from_millis((at - now) as u64));
}

#[tokio::test]
async fn a_citizen_applies_with_registry_data_and_the_agency_takes_it_to_the_result() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let before = w.ledger.checkpoint().await.unwrap().checkpoint.size;

        // The draft is filled in from the registry, and that read is in the ledger.
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        assert_eq!(draft.status, None, "{name}");
        assert!(draft.code.is_none(), "{name}");
        let fields: Vec<&str> = draft
            .form
            .prefilled
            .iter()
            .map(|p| p.field.as_str())
            .collect();
        assert_eq!(
            fields,
            ["full_name", "birth_date", "permanent_residence"],
            "{name}"
        );
        assert_eq!(
            draft.form.prefilled[0].value,
            serde_json::json!(population::AN_NAME),
            "{name}"
        );
        assert_eq!(
            draft.form.prefilled[0].legal_basis, "residence-law-68-2020",
            "{name}"
        );
        let entry = draft.form.prefilled[0].entry;
        assert!(entry >= before, "{name}");
        let logged = String::from_utf8(w.ledger.entry(entry).await.unwrap().bytes).unwrap();
        assert!(
            logged.contains(PORTAL) && logged.contains("data.read"),
            "{name}: {logged}"
        );

        // The applicant adds only what the state cannot know, and the documents.
        s.answer(
            &w.an,
            &draft.id,
            &answers(&[("new_address", "12 Trần Thái Tông"), ("relation", "owner")]),
        )
        .await
        .unwrap();
        let upload = s
            .upload(&w.an, &draft.id, "proof_of_home", "hop-dong.pdf", PDF)
            .await
            .unwrap();
        assert_eq!(upload.media_type, "application/pdf", "{name}");
        let application = s.file(&w.an, &draft.id).await.unwrap();
        let code = application.code.clone().unwrap();
        let today =
            DateTime::<Utc>::from_timestamp_millis(application.filed_at.unwrap() + 7 * 3_600_000)
                .unwrap()
                .format("%y%m%d");
        assert_eq!(code.as_str(), format!("{WARD}-{today}-0001"), "{name}");
        assert_eq!(application.status, Some(Status::New), "{name}");
        assert_eq!(
            application.accept_due_at,
            Some(s.after_working_hours(application.filed_at.unwrap(), 8)),
            "{name}"
        );
        // The unit's next application that day gets the next number.
        let second = filed(&w, &w.bich).await;
        assert_eq!(
            second.code.unwrap().as_str(),
            format!("{WARD}-{today}-0002"),
            "{name}"
        );

        // The ward's officer sees it in the queue, soonest deadline first; the ministry's does not.
        let queue = s.queue(&w.ward, &[Status::New]).await.unwrap();
        assert_eq!(queue.len(), 2, "{name}");
        assert_eq!(queue[0].id, application.id, "{name}");
        assert!(
            s.queue(&w.ministry, &[]).await.unwrap().is_empty(),
            "{name}"
        );

        // Accept: the processing deadline is 56 working hours from now.
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        let accepted_at = accepted.accepted_at.unwrap();
        assert_eq!(
            accepted.due_at,
            Some(s.after_working_hours(accepted_at, 56)),
            "{name}"
        );
        assert_eq!(accepted.first_due_at, accepted.due_at, "{name}");
        let processing = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::StartProcessing, accepted.version),
            )
            .await
            .unwrap();
        let waiting = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::RequestPayment, processing.version),
            )
            .await
            .unwrap();
        assert_eq!(waiting.status, Some(Status::PaymentRequested), "{name}");
        // Only the platform reports a payment.
        let e = s
            .officer_moves(&w.ward, &application.id, &step(Move::Paid, waiting.version))
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::NotYours(Move::Paid)),
            "{name}: {e}"
        );
        let paid = s
            .paid(
                &application.id,
                serde_json::json!({"order": "T1", "amount_vnd": 20000}),
            )
            .await
            .unwrap();
        assert_eq!(paid.status, Some(Status::Processing), "{name}");
        let mut decide = step(Move::Decide, paid.version);
        decide.outcome = Some(Outcome::Approved);
        let decided = s
            .officer_moves(&w.ward, &application.id, &decide)
            .await
            .unwrap();
        let mut give = step(Move::ReturnResult, decided.version);
        give.electronic = Some(true);
        let returned = s
            .officer_moves(&w.ward, &application.id, &give)
            .await
            .unwrap();
        assert_eq!(returned.status, Some(Status::ResultReturned), "{name}");
        assert_eq!(returned.result_electronic, Some(true), "{name}");

        // The history says who did what, in order; the applicant sees the same history.
        let detail = s.own(&w.an, &application.id).await.unwrap();
        let steps: Vec<(&str, Option<Status>)> = detail
            .events
            .iter()
            .map(|e| (e.step.as_str(), e.to))
            .collect();
        assert_eq!(
            steps,
            [
                ("file", Some(Status::New)),
                ("accept", Some(Status::Accepted)),
                ("start_processing", Some(Status::Processing)),
                ("request_payment", Some(Status::PaymentRequested)),
                ("paid", Some(Status::Processing)),
                ("decide", Some(Status::Processed)),
                ("return_result", Some(Status::ResultReturned)),
            ],
            "{name}"
        );
        assert_eq!(
            detail.events[0].actor,
            Actor::Applicant(Some(w.an.account())),
            "{name}"
        );
        assert_eq!(
            detail.events[1].actor,
            Actor::Officer(w.ward.account()),
            "{name}"
        );
        assert_eq!(detail.events[4].actor, Actor::System, "{name}");
        assert_eq!(detail.uploads.len(), 1, "{name}");
        let (meta, bytes) = s
            .document_bytes(&application.id, "proof_of_home")
            .await
            .unwrap();
        assert_eq!(
            (meta.size, bytes.as_slice()),
            (PDF.len() as i64, PDF),
            "{name}"
        );

        // Nothing more can happen to it.
        let e = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Withdraw, returned.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAllowed { .. }), "{name}: {e}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn nobody_sees_or_moves_what_is_not_theirs() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let application = filed(&w, &w.an).await;
        // Another citizen: the same answer as for an application that does not exist.
        assert!(
            matches!(
                s.own(&w.bich, &application.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        let e = s
            .applicant_moves(
                &w.bich,
                &application.id,
                &step(Move::Withdraw, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotFound), "{name}: {e}");
        // An officer of another unit.
        assert!(
            matches!(
                s.handled(&w.ministry, &application.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        let e = s
            .officer_moves(
                &w.ministry,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotFound), "{name}: {e}");
        // Officers need a strong factor and a unit; an applicant cannot make an officer's move.
        let weak = session(900, vec![Factor::Password]);
        let e = s
            .officer(&account(900, "079095000001"), &weak)
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::StepUpRequired), "{name}: {e}");
        let nobody = session(902, vec![Factor::Password, Factor::Totp]);
        let e = s
            .officer(&account(902, "031185000222"), &nobody)
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAnOfficer), "{name}: {e}");
        let e = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::NotYours(Move::Accept)),
            "{name}: {e}"
        );
        // A draft is nobody's business but the applicant's.
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        assert!(
            matches!(
                s.handled(&w.ward, &draft.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            s.queue(&w.ward, &[])
                .await
                .unwrap()
                .iter()
                .all(|a| a.status.is_some()),
            "{name}"
        );
        // Nothing changed.
        let after = s.own(&w.an, &application.id).await.unwrap();
        assert_eq!(after.application, application, "{name}");
        assert_eq!(after.events.len(), 1, "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_specific_error_and_changes_nothing() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        let e = s
            .answer(&w.an, &draft.id, &answers(&[("favourite_colour", "blue")]))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no such field"), "{name}: {e}");
        let e = s
            .answer(&w.an, &draft.id, &answers(&[("relation", "cousin")]))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not an option"), "{name}: {e}");
        // Filing without the required answer and document.
        let e = s.file(&w.an, &draft.id).await.unwrap_err();
        assert!(
            matches!(e, ServicesError::Missing(ref m) if m.contains("new_address")),
            "{name}: {e}"
        );
        s.answer(
            &w.an,
            &draft.id,
            &answers(&[("new_address", "12 Trần Thái Tông")]),
        )
        .await
        .unwrap();
        let e = s.file(&w.an, &draft.id).await.unwrap_err();
        assert!(
            matches!(e, ServicesError::Missing(ref m) if m.contains("proof_of_home")),
            "{name}: {e}"
        );
        // A page of HTML named .pdf, a JPEG where only PDF is accepted, a file too large.
        for (file, bytes, says) in [
            (
                "a.pdf",
                b"<html><script>alert(1)</script>".as_slice(),
                "not a PDF, JPEG or PNG",
            ),
            (
                "a.pdf",
                [0xFF, 0xD8, 0xFF, 0xE0].as_slice(),
                "image/jpeg file is not accepted",
            ),
            (
                "a.pdf",
                [b"%PDF-".as_slice(), &[b' '; 1100]].concat().leak(),
                "at most 1024",
            ),
        ] {
            let e = s
                .upload(&w.an, &draft.id, "proof_of_home", file, bytes)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        let e = s
            .upload(&w.an, &draft.id, "passport", "a.pdf", PDF)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no document"), "{name}: {e}");
        let unchanged = s.own(&w.an, &draft.id).await.unwrap();
        assert!(unchanged.uploads.is_empty(), "{name}");
        assert_eq!(unchanged.application.status, None, "{name}");

        // Moves: a refusal needs its reason; a stale version is refused; neither writes.
        let application = filed(&w, &w.bich).await;
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Refuse, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::Missing(_)), "{name}: {e}");
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version - 1),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::Changed), "{name}: {e}");
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Decide, application.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ServicesError::NotAllowed {
                    from: Status::New,
                    step: Move::Decide
                }
            ),
            "{name}: {e}"
        );
        let mut control = step(Move::Refuse, application.version);
        control.reason = Some("thiếu\u{0007}giấy".into());
        let e = s
            .officer_moves(&w.ward, &application.id, &control)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("control character"), "{name}: {e}");
        let after = s.handled(&w.ward, &application.id).await.unwrap();
        assert_eq!(after.application, application, "{name}");
        assert_eq!(after.events.len(), 1, "{name}");
        // Unknown procedures and codes.
        assert!(
            matches!(
                s.start(&w.an, "9.999999").await,
                Err(ServicesError::UnknownProcedure(_))
            ),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn two_officers_acting_at_once_cannot_both_win() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let application = filed(&w, &w.an).await;
        let mut refuse = step(Move::Refuse, application.version);
        refuse.reason = Some("Hồ sơ không thuộc thẩm quyền".into());
        let accept = step(Move::Accept, application.version);
        let (a, b) = tokio::join!(
            s.officer_moves(&w.ward, &application.id, &accept),
            s.officer_moves(&w.ward, &application.id, &refuse),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "{name}: exactly one wins: {a:?} {b:?}"
        );
        let loser = a.err().or(b.err()).unwrap();
        assert!(matches!(loser, ServicesError::Changed), "{name}: {loser}");
        let detail = s.handled(&w.ward, &application.id).await.unwrap();
        assert_eq!(detail.events.len(), 2, "{name}");
        w.t.close().await;
    }
}

/// When the application's last event happened.
async fn detail_time(s: &Services, citizen: &Citizen, id: &str) -> i64 {
    s.own(citizen, id).await.unwrap().events.last().unwrap().at
}

#[tokio::test]
async fn a_supplement_sends_it_back_to_reception_and_the_deadline_restarts() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Monday 1 March 2027, 09:00: office hours, so each hour of waiting moves the deadline.
        set_clock(&w.clock, vn(2027, 3, 1, 9, 0));
        let application = filed(&w, &w.an).await;
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        set_clock(&w.clock, vn(2027, 3, 1, 10, 0));
        let mut ask = step(Move::RequestSupplement, accepted.version);
        ask.reason = Some("Bổ sung hợp đồng thuê nhà có công chứng".into());
        let waiting = s
            .officer_moves(&w.ward, &application.id, &ask)
            .await
            .unwrap();
        assert_eq!(waiting.status, Some(Status::SupplementRequested), "{name}");
        // While it waits, the applicant may change documents; then hands it in.
        let replaced = s
            .upload(
                &w.an,
                &application.id,
                "proof_of_home",
                "cong-chung.pdf",
                PDF,
            )
            .await
            .unwrap();
        assert_eq!(replaced.file_name, "cong-chung.pdf", "{name}");
        let current = s.own(&w.an, &application.id).await.unwrap().application;
        let back = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Supplement, current.version),
            )
            .await
            .unwrap();
        assert_eq!(back.status, Some(Status::New), "{name}");
        assert_eq!(back.due_at, None, "{name}");
        let handed_in = detail_time(s, &w.an, &application.id).await;
        assert_eq!(
            back.accept_due_at,
            Some(s.after_working_hours(handed_in, 8)),
            "{name}"
        );
        assert!(
            back.accept_due_at.unwrap() > application.accept_due_at.unwrap(),
            "{name}"
        );
        // Once handed in, documents are frozen again.
        let e = s
            .upload(&w.an, &application.id, "proof_of_home", "late.pdf", PDF)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("can no longer be changed"),
            "{name}: {e}"
        );
        let detail = s.own(&w.an, &application.id).await.unwrap();
        assert_eq!(
            detail.events[2].reason.as_deref(),
            ask.reason.as_deref(),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn deadlines_skip_tet_and_an_overdue_application_gets_an_apology() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Filed at 16:00 on Thursday 4 February 2027, the day before the Tết holiday
        // (5–10 February 2027 with the compensatory day).
        set_clock(&w.clock, vn(2027, 2, 4, 16, 0));
        let application = filed(&w, &w.an).await;
        assert!(
            application
                .code
                .as_ref()
                .unwrap()
                .as_str()
                .contains("-270204-"),
            "{name}"
        );
        let due = application.accept_due_at.unwrap();
        let calendar = WorkCalendar::vietnam();
        let holidays: Vec<NaiveDate> = calendar.holidays(2027).iter().map(|h| h.date).collect();
        assert!(
            holidays.contains(&NaiveDate::from_ymd_opt(2027, 2, 8).unwrap()),
            "{name}: {holidays:?}"
        );
        // One working hour on Thursday, then seven after the holiday.
        let first_working_day_after = (5..=20)
            .map(|d| NaiveDate::from_ymd_opt(2027, 2, d).unwrap())
            .find(|d| calendar.is_working_day(*d))
            .unwrap();
        let due_day = DateTime::<Utc>::from_timestamp_millis(due + 7 * 3_600_000)
            .unwrap()
            .date_naive();
        assert_eq!(due_day, first_working_day_after, "{name}");
        assert_eq!(
            due,
            s.after_working_hours(application.filed_at.unwrap(), 8),
            "{name}"
        );

        // Not overdue yet: no apology.
        let e = s
            .apologize(
                &w.ward,
                &application.id,
                application.version,
                due + 86_400_000,
                "Quá tải",
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("not past its deadline"),
            "{name}: {e}"
        );
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        let first_due = accepted.due_at.unwrap();
        set_clock(&w.clock, first_due + 60_000);
        assert!(accepted.overdue(s.now()), "{name}");
        let new_due = s.after_working_hours(s.now(), 16);
        let sorry = s
            .apologize(
                &w.ward,
                &application.id,
                accepted.version,
                new_due,
                "Cần xác minh thêm",
            )
            .await
            .unwrap();
        assert_eq!(
            (sorry.due_at, sorry.first_due_at, sorry.apologies),
            (Some(new_due), Some(first_due), 1),
            "{name}"
        );
        let detail = s.own(&w.an, &application.id).await.unwrap();
        let last = detail.events.last().unwrap();
        assert_eq!(last.step, "apologize", "{name}");
        assert_eq!(
            last.detail.as_ref().unwrap()["new_due_at"],
            serde_json::json!(new_due),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn counter_applications_share_the_numbering_and_the_status_check_tells_only_the_holder() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let online = filed(&w, &w.an).await;
        let counter = s
            .record_counter(
                &w.ward,
                "1.004194",
                PersonalId::parse(BICH).unwrap(),
                &answers(&[("new_address", "5 Xuân Thủy")]),
            )
            .await
            .unwrap();
        assert_eq!(counter.status, Some(Status::Accepted), "{name}");
        assert!(
            counter.code.as_ref().unwrap().as_str().ends_with("-0002"),
            "{name}"
        );
        assert!(counter.due_at.is_some(), "{name}");
        // The ministry's officer cannot record the ward's procedure.
        let e = s
            .record_counter(
                &w.ministry,
                "1.004194",
                PersonalId::parse(BICH).unwrap(),
                &answers(&[("new_address", "x")]),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAnOfficer), "{name}: {e}");

        let code = online.code.unwrap();
        let seen = s.check_status(code.as_str(), AN, "10.0.0.1").await.unwrap();
        assert_eq!(
            (seen.status, seen.procedure.as_str()),
            (Status::New, "1.004194"),
            "{name}"
        );
        // Someone else's personal ID answers like an unknown code.
        assert!(
            matches!(
                s.check_status(code.as_str(), BICH, "10.0.0.1").await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                s.check_status("nonsense", AN, "10.0.0.1").await,
                Err(ServicesError::Invalid { .. })
            ),
            "{name}"
        );
        // Ten checks a minute per address; the eleventh waits, another address does not.
        for _ in 3..10 {
            s.check_status(code.as_str(), AN, "10.0.0.1").await.unwrap();
        }
        let e = s
            .check_status(code.as_str(), AN, "10.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::TooManyChecks { .. }),
            "{name}: {e}"
        );
        s.check_status(code.as_str(), AN, "10.0.0.2").await.unwrap();
        w.t.close().await;
    }
}

#[tokio::test]
async fn statistics_match_figures_computed_by_hand() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        set_clock(&w.clock, vn(2027, 3, 1, 9, 0));
        let moved = |a: &dinhdanh_services::Application, m: Move| step(m, a.version);
        // A: online, decided on time, result returned electronically.
        let a = filed(&w, &w.an).await;
        let a = s
            .officer_moves(&w.ward, &a.id, &moved(&a, Move::Accept))
            .await
            .unwrap();
        let a = s
            .officer_moves(&w.ward, &a.id, &moved(&a, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&a, Move::Decide);
        decide.outcome = Some(Outcome::Approved);
        let a = s.officer_moves(&w.ward, &a.id, &decide).await.unwrap();
        let mut give = moved(&a, Move::ReturnResult);
        give.electronic = Some(true);
        s.officer_moves(&w.ward, &a.id, &give).await.unwrap();
        // B: online, accepted now, decided after its deadline, result on paper.
        let b = filed(&w, &w.bich).await;
        let b = s
            .officer_moves(&w.ward, &b.id, &moved(&b, Move::Accept))
            .await
            .unwrap();
        let b = s
            .officer_moves(&w.ward, &b.id, &moved(&b, Move::StartProcessing))
            .await
            .unwrap();
        // C: at the counter, still open past its deadline at the end of the period.
        s.record_counter(
            &w.ward,
            "1.004194",
            PersonalId::parse(BICH).unwrap(),
            &answers(&[("new_address", "5 Xuân Thủy")]),
        )
        .await
        .unwrap();
        // D: online, waiting for reception (no processing deadline yet). E: the ministry's.
        filed(&w, &w.an).await;
        let e = s.start(&w.an, "2.000001").await.unwrap();
        s.answer(&w.an, &e.id, &answers(&[("new_address", "1 Tràng Tiền")]))
            .await
            .unwrap();
        s.upload(&w.an, &e.id, "proof_of_home", "a.pdf", PDF)
            .await
            .unwrap();
        s.file(&w.an, &e.id).await.unwrap();

        set_clock(&w.clock, vn(2027, 3, 15, 9, 0));
        let mut decide = moved(&b, Move::Decide);
        decide.outcome = Some(Outcome::Refused);
        decide.reason = Some("Không đủ điều kiện".into());
        let b = s.officer_moves(&w.ward, &b.id, &decide).await.unwrap();
        let mut give = moved(&b, Move::ReturnResult);
        give.electronic = Some(false);
        s.officer_moves(&w.ward, &b.id, &give).await.unwrap();

        let stats = s
            .statistics(vn(2027, 3, 1, 0, 0), vn(2027, 4, 1, 0, 0), None)
            .await
            .unwrap();
        let ward = stats.agencies.iter().find(|l| l.unit == WARD).unwrap();
        let c = ward.counts;
        assert_eq!(
            (
                c.filed,
                c.online,
                c.decided,
                c.decided_on_time,
                c.open_late,
                c.returned,
                c.returned_electronically
            ),
            (4, 3, 2, 1, 1, 2, 1),
            "{name}"
        );
        assert_eq!(c.online_share(), Some(75.0), "{name}");
        assert_eq!(c.on_time_rate(), Some(100.0 / 3.0), "{name}");
        assert_eq!(c.electronic_result_share(), Some(50.0), "{name}");
        assert_eq!(ward.full_online_share(), Some(100.0), "{name}");
        let ministry = stats.agencies.iter().find(|l| l.unit == MINISTRY).unwrap();
        assert_eq!(
            (ministry.counts.filed, ministry.counts.online),
            (1, 1),
            "{name}"
        );
        assert_eq!(
            ministry.counts.on_time_rate(),
            None,
            "{name}: nothing to count is not 0 %"
        );
        assert_eq!(ministry.full_online_share(), Some(0.0), "{name}");
        assert_eq!(stats.total.full_online_share(), Some(50.0), "{name}");
        assert_eq!(stats.total.counts.filed, 5, "{name}");
        let csv = stats.to_csv();
        assert!(
            csv.lines()
                .any(|l| l == format!("1.004194,{WARD},full,4,3,75.0,2,1,1,33.3,2,1,50.0")),
            "{name}: {csv}"
        );
        // One agency only; a period before everything counts nothing.
        let only = s
            .statistics(vn(2027, 3, 1, 0, 0), vn(2027, 4, 1, 0, 0), Some(MINISTRY))
            .await
            .unwrap();
        assert_eq!(
            (only.agencies.len(), only.total.counts.filed),
            (1, 1),
            "{name}"
        );
        let before = s
            .statistics(vn(2027, 1, 1, 0, 0), vn(2027, 2, 1, 0, 0), None)
            .await
            .unwrap();
        assert_eq!(before.total.counts, Default::default(), "{name}");
        assert!(s.statistics(10, 10, None).await.is_err(), "{name}");
        w.t.close().await;
    }
}
