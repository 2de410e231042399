//! Consent on both backends, with a clock the test moves: silence is never consent (a request
//! lapses unanswered), a consent ends when its time is up, withdrawal is immediate, one person
//! cannot act on another's consent, and a read on consent names the consent in the ledger.

use std::sync::atomic::{AtomicI64, Ordering};

use dinhdanh_accounts::testing::population::{self, AN, BICH};
use dinhdanh_accounts::{AccountSettings, Accounts, Clock};
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::{Agency, ConsentAsk, ConsentStatus, Exchange, ExchangeError, ReadRequest};
use dinhdanh_ledger::{Ledger, LedgerOptions};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};
use dinhdanh_registry::Registry;
use dinhdanh_store::testing::backends;

const DAY: i64 = 24 * 60 * 60 * 1000;
const BANK: &str = "bank.example";

static NOW: AtomicI64 = AtomicI64::new(1_790_000_000_000);

fn now() -> i64 {
    NOW.load(Ordering::SeqCst)
}

async fn exchange(db: &dinhdanh_store::Db) -> Exchange {
    let registry = Registry::new(db);
    population::seed(registry.store(), chrono::Utc::now().date_naive()).await;
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
    let reg: ClientRegistration = serde_json::from_value(serde_json::json!({
        "client_id": BANK,
        "name": {"vi": "Ngân hàng", "en": "Bank"},
        "purpose": {"vi": "Mở tài khoản", "en": "Account opening"},
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "scopes": ["exchange.read"],
        "grant_types": ["client_credentials"],
        "security_level": 2
    }))
    .unwrap();
    oidc.register_client(reg).await.unwrap();
    let exchange = Exchange::new(
        db,
        accounts.sqlite_write_gate(),
        registry,
        dinhdanh_land::Land::new(db),
        ledger,
        oidc,
    )
    .with_clock(now);
    exchange
        .set_policy(
            r#"{"rules":[{"id":"bank-kyc","agency":"bank.example","service":"population",
                "fields":["full_name","permanent_residence"],"purposes":["account-opening"],
                "basis":"consent","min_security_level":2}]}"#,
            "test",
            "bank on consent",
        )
        .await
        .unwrap();
    exchange
}

fn ask(person: &str, days: u32) -> ConsentAsk {
    ConsentAsk {
        personal_id: PersonalId::parse(person).unwrap(),
        service: "population".into(),
        fields: vec!["full_name".into()],
        purpose: "account-opening".into(),
        purpose_text: "Mở tài khoản thanh toán".into(),
        valid_days: Some(days),
    }
}

fn read(person: &str) -> ReadRequest {
    ReadRequest {
        service: "population".into(),
        subject: person.into(),
        fields: Some(vec!["full_name".into()]),
        purpose: "account-opening".into(),
        ..ReadRequest::default()
    }
}

fn agency() -> Agency {
    Agency {
        client_id: BANK.into(),
    }
}

#[tokio::test]
async fn silence_lapses_consent_ends_on_time_and_nobody_acts_for_another() {
    for t in backends().await {
        let name = t.name();
        let x = exchange(&t.db).await;
        let bich = PersonalId::parse(BICH).unwrap();
        let an = PersonalId::parse(AN).unwrap();

        // Unanswered for longer than the answer period: lapsed, and cannot be agreed to late.
        let lapsing = x.ask_consent(BANK, ask(BICH, 30)).await.unwrap();
        NOW.fetch_add(8 * DAY, Ordering::SeqCst);
        let seen = x.consent_of(&bich, &lapsing.id).await.unwrap();
        assert_eq!(seen.status, ConsentStatus::Expired, "{name}");
        let late = x.answer_consent(&bich, &lapsing.id, true).await;
        assert!(
            matches!(late, Err(ExchangeError::Conflict(_))),
            "{name}: {late:?}"
        );
        assert!(matches!(
            x.read(&agency(), &read(BICH)).await,
            Err(ExchangeError::Refused { .. })
        ));

        // Another person can neither see nor answer it.
        let request = x.ask_consent(BANK, ask(BICH, 30)).await.unwrap();
        assert!(matches!(
            x.answer_consent(&an, &request.id, true).await,
            Err(ExchangeError::NotFound(_))
        ));
        assert!(x.consents_of(&an).await.unwrap().is_empty(), "{name}");

        // Given: reads rest on it, and the ledger names it.
        let given = x.answer_consent(&bich, &request.id, true).await.unwrap();
        assert_eq!(given.status, ConsentStatus::Active, "{name}");
        assert!(given.receipt.is_some(), "{name}");
        let answer = x.read(&agency(), &read(BICH)).await.unwrap();
        assert_eq!(
            answer.released[0].legal_basis,
            format!("consent:{}", request.id)
        );
        assert_eq!(answer.data["full_name"], "Trần Thị Bích", "{name}");

        // The consent covers one person: Ân's data is still refused.
        assert!(matches!(
            x.read(&agency(), &read(AN)).await,
            Err(ExchangeError::Refused { .. })
        ));

        // Thirty days later it is over, without anyone doing anything.
        NOW.fetch_add(31 * DAY, Ordering::SeqCst);
        let seen = x.consent_of(&bich, &request.id).await.unwrap();
        assert_eq!(seen.status, ConsentStatus::Expired, "{name}");
        match x.read(&agency(), &read(BICH)).await {
            Err(ExchangeError::Refused { withheld, .. }) => {
                assert_eq!(withheld[0].rule, "no-consent", "{name}")
            }
            other => panic!("{name}: an expired consent released data: {other:?}"),
        }
        // An expired consent cannot be withdrawn either: there is nothing in force.
        assert!(matches!(
            x.withdraw_consent(&bich, &request.id).await,
            Err(ExchangeError::Conflict(_))
        ));

        // Bad requests change nothing.
        let before = x.consents_of(&bich).await.unwrap().len();
        for bad in [
            ConsentAsk {
                purpose_text: "short".into(),
                ..ask(BICH, 30)
            },
            ask(BICH, 0),
            ConsentAsk {
                fields: vec!["blood_type".into()],
                ..ask(BICH, 30)
            },
            ConsentAsk {
                purpose: "marketing".into(),
                ..ask(BICH, 30)
            },
        ] {
            assert!(x.ask_consent(BANK, bad).await.is_err(), "{name}");
        }
        assert_eq!(x.consents_of(&bich).await.unwrap().len(), before, "{name}");
        t.close().await;
    }
}
