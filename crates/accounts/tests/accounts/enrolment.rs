//! Enrolment at level 1 and 2, children and organizations, and the one-time codes behind them.

use std::time::Duration;

use dinhdanh_accounts::testing::population::{self, AN, BICH, CHILD, DECEASED, OFFICER};
use dinhdanh_accounts::{
    AccountError, AccountLevel, AccountStatus, Assurance, Credential, InPersonCheck, MemberRole,
    Registration, Role,
};

use crate::common::*;

#[tokio::test]
async fn level_one_registration_activates_with_the_first_authenticator() {
    for w in worlds().await {
        let name = w.name();
        let ticket = w
            .accounts
            .register(&an_registration("091 234 5678"), &client("10.0.0.1"))
            .await
            .unwrap();
        let code = last_code(w.db(), "+84912345678").await.expect("code sent");
        let enrolment = w
            .accounts
            .verify_registration(&ticket.0, &code, &client("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(
            enrolment.session.assurance, None,
            "{name}: a phone code alone proves nothing"
        );
        let account = w
            .accounts
            .account(enrolment.session.account_id)
            .await
            .unwrap();
        assert_eq!(account.status, AccountStatus::Pending, "{name}");
        assert_eq!(account.level, AccountLevel::One, "{name}");
        assert_eq!(account.phone.as_deref(), Some("+84912345678"), "{name}");

        // A pending account cannot sign in yet.
        let e = w
            .accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.0.0.1"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, AccountError::LoginFailed), "{name}: {e}");

        let weak = w
            .accounts
            .set_password(&enrolment.session, "password123")
            .await
            .unwrap_err();
        assert_eq!(weak.code(), "weak_password", "{name}");
        let personal = w
            .accounts
            .set_password(&enrolment.session, "an-15031990-ok")
            .await
            .unwrap_err();
        assert_eq!(
            personal.code(),
            "weak_password",
            "{name}: the birth date is refused"
        );
        w.accounts
            .set_password(&enrolment.session, PASSWORD)
            .await
            .unwrap();
        let account = w.accounts.account(account.id).await.unwrap();
        assert_eq!(account.status, AccountStatus::Active, "{name}");

        let session = w
            .accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.0.0.1"),
            )
            .await
            .unwrap();
        assert_eq!(session.session.assurance, Some(Assurance::Low), "{name}");
        let actions: Vec<String> = w
            .accounts
            .events(account.id, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            ["activated", "authenticator_added", "created"],
            "{name}"
        );
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn registration_answers_alike_whether_or_not_the_details_match() {
    for w in worlds().await {
        let name = w.name();
        let cases = [
            (
                "wrong name",
                Registration {
                    full_name: "Nguyen Van An".into(),
                    ..an_registration("0912000001")
                },
            ),
            (
                "wrong birth date",
                Registration {
                    birth_date: "1990-03-16".into(),
                    ..an_registration("0912000002")
                },
            ),
            (
                "unknown person",
                Registration {
                    personal_id: "001090099999".into(),
                    ..an_registration("0912000003")
                },
            ),
            (
                "deceased",
                Registration {
                    personal_id: DECEASED.into(),
                    full_name: "Đặng Đức Đạt".into(),
                    birth_date: "20/01/1960".into(),
                    ..an_registration("0912000004")
                },
            ),
            (
                "child without card",
                Registration {
                    personal_id: CHILD.into(),
                    full_name: "Nguyễn Minh Khang".into(),
                    birth_date: "2018-09-09".into(),
                    ..an_registration("0912000005")
                },
            ),
        ];
        for (case, form) in cases {
            let ticket = w.accounts.register(&form, &client("10.0.0.2")).await;
            let ticket = ticket.unwrap_or_else(|e| panic!("{name} {case}: {e}"));
            assert_eq!(ticket.0.len(), 43, "{name} {case}");
            let phone = dinhdanh_accounts::parse_phone(&form.phone).unwrap();
            assert_eq!(
                message_count(w.db(), &phone).await,
                0,
                "{name} {case}: no code is sent"
            );
            for guess in ["000000", "123456"] {
                let e = w
                    .accounts
                    .verify_registration(&ticket.0, guess, &client("10.0.0.2"))
                    .await
                    .unwrap_err();
                assert_eq!(e.code(), "wrong_code", "{name} {case}");
            }
        }
        // Malformed input is refused with the field named, and changes nothing.
        let e = w
            .accounts
            .register(
                &Registration {
                    personal_id: "12345".into(),
                    ..an_registration("0912345678")
                },
                &client("10.0.0.2"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                AccountError::Invalid {
                    field: "personal_id",
                    ..
                }
            ),
            "{name}: {e}"
        );
        let e = w
            .accounts
            .register(
                &Registration {
                    phone: "12345".into(),
                    ..an_registration("0912345678")
                },
                &client("10.0.0.2"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, AccountError::Invalid { field: "phone", .. }),
            "{name}: {e}"
        );
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn one_time_codes_allow_five_tries_and_five_minutes() {
    for w in worlds().await {
        let name = w.name();
        let ticket = w
            .accounts
            .register(&an_registration("0912345678"), &client("10.0.0.3"))
            .await
            .unwrap();
        let code = last_code(w.db(), "+84912345678").await.unwrap();
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for remaining in (1..=4).rev() {
            let e = w
                .accounts
                .verify_registration(&ticket.0, wrong, &client("10.0.0.3"))
                .await
                .unwrap_err();
            assert!(
                matches!(e, AccountError::WrongCode { remaining: r } if r == remaining),
                "{name}: {e}"
            );
        }
        let e = w
            .accounts
            .verify_registration(&ticket.0, wrong, &client("10.0.0.3"))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            "code_spent",
            "{name}: the fifth failure spends the code"
        );
        let e = w
            .accounts
            .verify_registration(&ticket.0, &code, &client("10.0.0.3"))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            "code_spent",
            "{name}: even the right code is refused now"
        );

        let ticket = w
            .accounts
            .register(&an_registration("0912345678"), &client("10.0.0.3"))
            .await
            .unwrap();
        let code = last_code(w.db(), "+84912345678").await.unwrap();
        w.clock.advance(Duration::from_secs(5 * 60 + 1));
        let e = w
            .accounts
            .verify_registration(&ticket.0, &code, &client("10.0.0.3"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "code_expired", "{name}");

        let ticket = w
            .accounts
            .register(&an_registration("0912345678"), &client("10.0.0.3"))
            .await
            .unwrap();
        let code = last_code(w.db(), "+84912345678").await.unwrap();
        w.accounts
            .verify_registration(&ticket.0, &code, &client("10.0.0.3"))
            .await
            .unwrap();
        let e = w
            .accounts
            .verify_registration(&ticket.0, &code, &client("10.0.0.3"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "code_spent", "{name}: a code works once");

        // Codes are stored hashed: the database holds no six-digit code.
        let stored: Vec<(Option<Vec<u8>>,)> = match w.db() {
            dinhdanh_store::Db::Sqlite(p) => sqlx::query_as("SELECT code_hash FROM one_time_codes")
                .fetch_all(p)
                .await
                .unwrap(),
            dinhdanh_store::Db::Postgres(p) => {
                sqlx::query_as("SELECT code_hash FROM one_time_codes")
                    .fetch_all(p)
                    .await
                    .unwrap()
            }
        };
        assert!(
            stored
                .iter()
                .all(|(h,)| h.as_ref().is_none_or(|h| h.len() == 32)),
            "{name}"
        );
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn an_officer_raises_an_account_to_level_two_in_person() {
    for w in worlds().await {
        let name = w.name();
        let citizen = an_with_password(&w).await;
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;
        let check = InPersonCheck {
            registration_point: "Công an phường Hàng Bạc, Hoàn Kiếm".into(),
            card_checked: true,
            fingerprints_checked: true,
            phone: None,
        };

        // An officer signed in with a password alone may not act.
        let password_only = password_session(&w, OFFICER).await;
        let e = w
            .accounts
            .enrol_in_person(&password_only.session, AN, &check)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "step_up_required", "{name}");
        // A citizen is no officer.
        let e = w
            .accounts
            .enrol_in_person(&citizen.session, AN, &check)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "missing_role", "{name}");
        // Both checks are required.
        let unchecked = InPersonCheck {
            fingerprints_checked: false,
            ..check.clone()
        };
        let e = w
            .accounts
            .enrol_in_person(&officer.session, AN, &unchecked)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                AccountError::Invalid {
                    field: "fingerprints_checked",
                    ..
                }
            ),
            "{name}"
        );

        let raised = w
            .accounts
            .enrol_in_person(&officer.session, AN, &check)
            .await
            .unwrap();
        assert_eq!(raised.level, AccountLevel::Two, "{name}");
        let event = &w.accounts.events(raised.id, 1).await.unwrap()[0];
        assert_eq!(event.action, "level_raised", "{name}");
        assert_eq!(
            event.detail["registration_point"], "Công an phường Hàng Bạc, Hoàn Kiếm",
            "{name}"
        );
        assert_eq!(
            event.actor,
            format!("account:{}", officer.session.account_id),
            "{name}"
        );

        // Creating at level 2: the citizen activates with the code sent to the phone.
        let new = InPersonCheck {
            phone: Some("0933111222".into()),
            ..check.clone()
        };
        let created = w
            .accounts
            .enrol_in_person(&officer.session, BICH, &new)
            .await
            .unwrap();
        assert_eq!(
            (created.level, created.status),
            (AccountLevel::Two, AccountStatus::Pending),
            "{name}"
        );
        let code = last_code(w.db(), "+84933111222")
            .await
            .expect("activation code");
        let e = w
            .accounts
            .activate(BICH, "000000", &client("10.0.0.4"))
            .await;
        assert!(e.is_err() || code == "000000", "{name}");
        let enrolment = w
            .accounts
            .activate(BICH, &code, &client("10.0.0.4"))
            .await
            .unwrap();
        w.accounts
            .set_password(&enrolment.session, PASSWORD)
            .await
            .unwrap();
        let e = w
            .accounts
            .enrol_in_person(&officer.session, DECEASED, &new)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "registry_mismatch", "{name}");
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn a_parent_registers_a_child_and_a_representative_an_organization() {
    for w in worlds().await {
        let name = w.name();
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;
        let check = InPersonCheck {
            registration_point: "UBND phường Tràng Tiền".into(),
            card_checked: true,
            fingerprints_checked: true,
            phone: Some("0933111222".into()),
        };
        w.accounts
            .enrol_in_person(&officer.session, BICH, &check)
            .await
            .unwrap();
        let code = last_code(w.db(), "+84933111222").await.unwrap();
        let enrolment = w
            .accounts
            .activate(BICH, &code, &client("10.0.0.5"))
            .await
            .unwrap();
        w.accounts
            .set_password(&enrolment.session, PASSWORD)
            .await
            .unwrap();
        let totp = w.accounts.start_totp(&enrolment.session).await.unwrap();
        w.accounts
            .confirm_totp(
                &enrolment.session,
                &totp.ceremony,
                &totp_now(&w, &totp.secret),
                "",
            )
            .await
            .unwrap();
        let mother = w
            .accounts
            .login(
                BICH,
                &Credential::Password(PASSWORD.into()),
                &client("10.0.0.5"),
            )
            .await
            .unwrap();

        // The child: activation code to the parent's phone.
        let child = w
            .accounts
            .register_child(&mother.session, CHILD)
            .await
            .unwrap();
        assert_eq!(child.guardian, Some(mother.session.account_id), "{name}");
        assert_eq!(child.level, AccountLevel::One, "{name}");
        let code = last_code(w.db(), "+84933111222").await.unwrap();
        let child_session = w
            .accounts
            .activate(CHILD, &code, &client("10.0.0.5"))
            .await
            .unwrap();
        w.accounts
            .set_password(&child_session.session, "diều bay trên cánh đồng")
            .await
            .unwrap();
        assert_eq!(
            w.accounts
                .wards(mother.session.account_id)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        let e = w
            .accounts
            .register_child(&mother.session, CHILD)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "conflict", "{name}");
        let e = w
            .accounts
            .register_child(&mother.session, OFFICER)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "registry_mismatch", "{name}: not her child");

        // The organization needs two factors.
        let code = population::organization_code();
        let e = w
            .accounts
            .register_organization(&mother.session, &code)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "step_up_required", "{name}");
        next_step(&w);
        let strong = w
            .accounts
            .step_up(
                &mother.token,
                &Credential::Totp(totp_now(&w, &totp.secret)),
                &client("10.0.0.5"),
            )
            .await
            .unwrap();
        assert_eq!(
            strong.session.assurance,
            Some(Assurance::Substantial),
            "{name}"
        );
        let organization = w
            .accounts
            .register_organization(&strong.session, &code)
            .await
            .unwrap();
        assert_eq!(
            organization.organization_code.as_deref(),
            Some(code.as_str()),
            "{name}"
        );
        // Someone the registry does not name cannot.
        let e = w
            .accounts
            .register_organization(&officer.session, &code)
            .await
            .unwrap_err();
        assert!(
            matches!(e.code(), "step_up_required" | "registry_mismatch"),
            "{name}: {e}"
        );

        let member = w
            .accounts
            .add_member(&strong.session, &code, OFFICER, MemberRole::Staff)
            .await
            .unwrap();
        let members = w.accounts.members(organization.id).await.unwrap();
        assert_eq!(members.len(), 2, "{name}");
        assert_eq!(
            w.accounts.memberships(member.account_id).await.unwrap(),
            vec![(code.clone(), MemberRole::Staff)],
            "{name}"
        );
        // A staff member cannot manage members.
        let e = w
            .accounts
            .add_member(&officer.session, &code, AN, MemberRole::Administrator)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{name}");
        w.accounts
            .remove_member(&strong.session, &code, member.account_id)
            .await
            .unwrap();
        assert_eq!(
            w.accounts.members(organization.id).await.unwrap().len(),
            1,
            "{name}"
        );
        w.test_db.close().await;
    }
}
