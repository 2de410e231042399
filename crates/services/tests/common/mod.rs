//! The world every public-services test runs in, on SQLite and (when `DINHDANH_TEST_POSTGRES`
//! is set) PostgreSQL: a seeded registry, a real ledger, exchange and OpenID provider, the
//! portal's sharing policy, a two-procedure catalogue, two citizens and two agencies' officers.
// Each test binary uses a part of this module and of the names it passes on.
#![allow(dead_code, unused_imports)]

pub use std::collections::BTreeMap;
pub use std::time::Duration;

pub use chrono::{DateTime, NaiveDate, TimeZone, Utc};
pub use dinhdanh_accounts::testing::population::{self, AN, BICH};
pub use dinhdanh_accounts::{
    Account, AccountId, AccountKind, AccountLevel, AccountSettings, AccountStatus, Accounts,
    Factor, Session,
};
pub use dinhdanh_calendar::WorkCalendar;
pub use dinhdanh_domain::PersonalId;
pub use dinhdanh_exchange::Exchange;
pub use dinhdanh_ledger::{Ledger, LedgerOptions};
pub use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};
pub use dinhdanh_registry::Registry;
pub use dinhdanh_services::{
    Actor, CatalogueFile, Citizen, Clock, Move, Officer, Outcome, Services, ServicesError, Status,
    Step, UnitCode,
};
pub use dinhdanh_store::testing::{TestDb, backends};

pub const PORTAL: &str = "dvc.portal";
pub const WARD: &str = "000.00.12.H29";
pub const MINISTRY: &str = "000.00.00.G10";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";

pub fn catalogue() -> CatalogueFile {
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

pub fn account(id: AccountId, personal_id: &str) -> Account {
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

pub fn session(account_id: AccountId, factors: Vec<Factor>) -> Session {
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

pub struct World {
    pub oidc: Oidc,
    pub t: TestDb,
    pub services: Services,
    pub ledger: Ledger,
    pub clock: Clock,
    pub an: Citizen,
    pub bich: Citizen,
    pub ward: Officer,
    pub ministry: Officer,
}

pub async fn worlds() -> Vec<World> {
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
            oidc.clone(),
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
            oidc,
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

pub fn step(step: Move, version: i64) -> Step {
    Step {
        step,
        version,
        reason: None,
        outcome: None,
        electronic: None,
    }
}

pub fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A filed application of `citizen` for the ward's procedure.
pub async fn filed(w: &World, citizen: &Citizen) -> dinhdanh_services::Application {
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
pub fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp_millis()
}

pub fn set_clock(clock: &Clock, at: i64) {
    let now = clock.now_ms();
    assert!(at >= now, "the test clock only moves forward");
    clock.advance(Duration::from_millis((at - now) as u64));
}

/// When the application's last event happened.
pub async fn detail_time(s: &Services, citizen: &Citizen, id: &str) -> i64 {
    s.own(citizen, id).await.unwrap().events.last().unwrap().at
}
