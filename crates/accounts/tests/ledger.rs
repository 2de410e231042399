//! The accounts' entries in the access ledger, on both backends: every change to a person's
//! account is recorded, durable before the call returns, naming who made it (the holder, an
//! officer, the platform) and what changed without any secret; signing in records nothing.

#[path = "accounts/common.rs"]
mod common;

use std::sync::Arc;

use common::*;
use dinhdanh_accounts::testing::population::{AN, OFFICER};
use dinhdanh_accounts::{By, Credential, InPersonCheck, LockReason, Role};
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Event, HistoryFilter, Kind, Ledger, LedgerOptions};
use dinhdanh_registry::Correction;
use dinhdanh_store::Db;

async fn open_ledger(db: &Db) -> Ledger {
    Ledger::open(
        db.clone(),
        Arc::new(tokio::sync::Mutex::new(())),
        LedgerOptions {
            origin: "test.dinhdanh.vn/ledger".into(),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open the ledger")
}

/// One of a person's entries, as `(kind, actor type, actor, detail)`.
type Said = (Kind, String, String, String);

/// The person's entries, oldest first.
async fn entries_about(ledger: &Ledger, personal_id: &str) -> Vec<Said> {
    let subject = ledger.subject(personal_id).await.unwrap();
    let filter = HistoryFilter {
        limit: 1000,
        ..HistoryFilter::default()
    };
    let mut found: Vec<Said> = ledger
        .history(&subject, &filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let e = r.event;
            (
                e.kind,
                e.actor.kind,
                e.actor.id,
                e.detail.unwrap_or_default(),
            )
        })
        .collect();
    found.reverse();
    found
}

/// Every entry of the log.
async fn log_size(ledger: &Ledger) -> usize {
    ledger.entries(0, 1000).await.unwrap().len()
}

fn said(kind: Kind, actor_type: &str, actor: &str, detail: &str) -> Said {
    (kind, actor_type.into(), actor.into(), detail.into())
}

#[tokio::test]
async fn lifecycle_changes_are_recorded_and_signing_in_is_not() {
    for w in worlds().await {
        let name = w.name();
        let ledger = open_ledger(w.db()).await;
        w.accounts.record_changes_in(ledger.clone());
        let changed = Kind::AccountChanged;

        // Registration online: created, a password, activated, all by the holder.
        let citizen = an_with_password(&w).await;
        let me = format!("account:{}", citizen.session.account_id);
        assert_eq!(
            entries_about(&ledger, AN).await,
            vec![
                said(changed, "citizen", &me, "created:1"),
                said(changed, "citizen", &me, "password.added"),
                said(changed, "citizen", &me, "activated"),
            ],
            "{name}"
        );

        // Signing in, with one factor or two, is no change.
        let officer_session = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;
        let officer = format!("account:{}", officer_session.0.session.account_id);
        let before = log_size(&ledger).await;
        for _ in 0..3 {
            password_session(&w, AN).await;
        }
        w.accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.0.0.2"),
            )
            .await
            .unwrap();
        assert_eq!(
            log_size(&ledger).await,
            before,
            "{name}: sign-ins record nothing"
        );

        // The officer raises the account to level 2 at the counter.
        let check = InPersonCheck {
            registration_point: "Công an phường Hàng Bạc, Hoàn Kiếm".into(),
            card_checked: true,
            fingerprints_checked: true,
            phone: None,
        };
        w.accounts
            .enrol_in_person(&officer_session.0.session, AN, &check)
            .await
            .unwrap();
        // … locks it for a breach of the terms, and lifts the lock.
        let id = citizen.session.account_id;
        let by_officer = By::Session(&officer_session.0.session);
        w.accounts
            .lock(by_officer, id, LockReason::TermsBreach, "case 7/2026")
            .await
            .unwrap();
        // Locking what is locked changes nothing, and records nothing.
        w.accounts
            .lock(by_officer, id, LockReason::TermsBreach, "again")
            .await
            .unwrap();
        w.accounts
            .unlock(by_officer, id, LockReason::TermsBreach, "resolved")
            .await
            .unwrap();
        // The holder locks their own account.
        let holder = password_session(&w, AN).await;
        w.accounts
            .lock(
                By::Session(&holder.session),
                id,
                LockReason::HolderRequest,
                "lost my phone",
            )
            .await
            .unwrap();
        // The console lifts it.
        w.accounts
            .unlock(
                By::Console,
                id,
                LockReason::HolderRequest,
                "checked at the desk",
            )
            .await
            .unwrap();
        let all = entries_about(&ledger, AN).await;
        assert_eq!(
            all[3..],
            [
                said(changed, "officer", &officer, "level.raised:2"),
                said(changed, "officer", &officer, "locked:terms_breach"),
                said(changed, "officer", &officer, "unlocked:terms_breach"),
                said(changed, "citizen", &me, "locked:holder_request"),
                said(
                    changed,
                    "system",
                    &format!("cli:{}", cli_user()),
                    "unlocked:holder_request"
                ),
            ],
            "{name}"
        );

        // The registry records a death: the platform locks the account.
        let pid = PersonalId::parse(AN).unwrap();
        let mut death = Correction {
            actor: "test".into(),
            reason: "death registered".into(),
            ..Correction::default()
        };
        death.set.insert("status".into(), "deceased".into());
        death.set.insert("death_date".into(), "2026-11-01".into());
        w.registry()
            .correct(pid, &death, w.clock.today())
            .await
            .unwrap();
        w.accounts.sync_with_registry(pid).await.unwrap();
        assert_eq!(
            entries_about(&ledger, AN).await.last(),
            Some(&said(changed, "system", "registry", "locked:death")),
            "{name}"
        );

        // No secret, note or label reaches the log.
        for bytes in ledger.entries(0, 1000).await.unwrap() {
            let text = String::from_utf8(bytes.clone()).unwrap();
            for secret in [
                AN,
                OFFICER,
                PASSWORD,
                "case 7/2026",
                "lost my phone",
                "+8491",
            ] {
                assert!(!text.contains(secret), "{name}: {secret} in {text}");
            }
            assert_eq!(Event::from_bytes(&bytes).unwrap().kind, changed, "{name}");
        }
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn staff_set_up_at_the_console_and_their_roles_are_recorded() {
    for w in worlds().await {
        let name = w.name();
        let ledger = open_ledger(w.db()).await;
        w.accounts.record_changes_in(ledger.clone());
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;
        let me = format!("account:{}", officer.session.account_id);
        let console = format!("cli:{}", cli_user());
        let changed = Kind::AccountChanged;
        assert_eq!(
            entries_about(&ledger, OFFICER).await,
            vec![
                said(changed, "system", &console, "created:2"),
                said(
                    changed,
                    "system",
                    &console,
                    "role.granted:enrolment_officer"
                ),
                said(changed, "citizen", &me, "password.added"),
                said(changed, "citizen", &me, "activated"),
                said(changed, "citizen", &me, "totp.added"),
            ],
            "{name}"
        );
        w.accounts
            .revoke_role(
                By::Console,
                officer.session.account_id,
                Role::EnrolmentOfficer,
            )
            .await
            .unwrap();
        assert_eq!(
            entries_about(&ledger, OFFICER).await.last(),
            Some(&said(
                changed,
                "system",
                &console,
                "role.revoked:enrolment_officer"
            )),
            "{name}"
        );
        w.test_db.close().await;
    }
}

/// The name the console acts under (`cli:<user>`).
fn cli_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
}
