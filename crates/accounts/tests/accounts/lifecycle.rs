//! Lock, unlock, revoke, the registry's automatic locks, method locks and roles.

use std::collections::BTreeMap;
use std::time::Duration;

use dinhdanh_accounts::testing::SoftPasskey;
use dinhdanh_accounts::testing::population::{AN, EXPIRING, OFFICER};
use dinhdanh_accounts::{AccountError, By, Credential, LockReason, Method, Role};
use dinhdanh_domain::PersonalId;
use dinhdanh_registry::Correction;

use crate::common::*;

fn correction(field: &str, value: &str) -> Correction {
    Correction {
        set: BTreeMap::from([(field.to_owned(), value.to_owned())]),
        expected_version: None,
        actor: "test".into(),
        reason: "civil status update".into(),
    }
}

/// Tries every sign-in method and expects each to be refused with `expected`.
async fn every_method_refused(w: &World, key: &mut SoftPasskey, recovery: &str, expected: &str) {
    let name = w.name();
    let e = w
        .accounts
        .login(
            AN,
            &Credential::Password(PASSWORD.into()),
            &client("10.3.3.3"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), expected, "{name}: password");
    let e = w
        .accounts
        .login(
            AN,
            &Credential::Recovery(recovery.into()),
            &client("10.3.3.3"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e.code(), "login_failed") || e.code() == expected,
        "{name}: recovery: {e}"
    );
    let start = w.accounts.passkey_login_start().await.unwrap();
    let e = w
        .accounts
        .passkey_login_finish(
            &start.ceremony,
            &key.sign_in(&start.options),
            None,
            &client("10.3.3.3"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), expected, "{name}: passkey");
    let e = w
        .accounts
        .activate(AN, "123456", &client("10.3.3.3"))
        .await
        .unwrap_err();
    assert!(matches!(e, AccountError::LoginFailed), "{name}: activation");
}

#[tokio::test]
async fn every_transition_is_recorded_and_enforced() {
    for w in worlds().await {
        let name = w.name();
        let citizen = an_with_password(&w).await;
        let id = citizen.session.account_id;
        let mut key = SoftPasskey::new(ORIGIN);
        let challenge = w
            .accounts
            .start_passkey_registration(&citizen.session)
            .await
            .unwrap();
        w.accounts
            .finish_passkey_registration(
                &citizen.session,
                &challenge.ceremony,
                &key.register(&challenge.options),
                "",
            )
            .await
            .unwrap();
        let codes = w
            .accounts
            .new_recovery_codes(&citizen.session)
            .await
            .unwrap();
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;

        // The holder locks their own account: sessions end, every method is refused.
        w.accounts
            .lock(
                By::Session(&citizen.session),
                id,
                LockReason::HolderRequest,
                "lost my phone",
            )
            .await
            .unwrap();
        assert!(w.accounts.session(&citizen.token).await.is_err(), "{name}");
        every_method_refused(&w, &mut key, &codes[0], "account_locked").await;
        // The holder may not lock for another reason, nor unlock.
        let e = w
            .accounts
            .lock(
                By::Session(&citizen.session),
                id,
                LockReason::TermsBreach,
                "",
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{name}");
        let e = w
            .accounts
            .unlock(
                By::Session(&citizen.session),
                id,
                LockReason::HolderRequest,
                "",
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{name}");

        // An authority's request adds a second cause; lifting one leaves the other.
        w.accounts
            .lock(
                By::Session(&officer.session),
                id,
                LockReason::AuthorityRequest,
                "court order 12/2026",
            )
            .await
            .unwrap();
        w.accounts
            .unlock(
                By::Session(&officer.session),
                id,
                LockReason::HolderRequest,
                "holder came in person",
            )
            .await
            .unwrap();
        let e = w
            .accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.3.3.3"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AccountError::Locked(r) if r == &vec![LockReason::AuthorityRequest]),
            "{name}: {e}"
        );
        w.accounts
            .unlock(
                By::Console,
                id,
                LockReason::AuthorityRequest,
                "order lifted",
            )
            .await
            .unwrap();
        w.accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.3.3.3"),
            )
            .await
            .unwrap();
        // Registry causes cannot be set by hand.
        let e = w
            .accounts
            .lock(By::Session(&officer.session), id, LockReason::Death, "")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{name}");

        // Death in the registry locks the account at the next check, and every method fails.
        let pid = PersonalId::parse(AN).unwrap();
        let today = w.clock.today();
        let mut death = correction("death_date", "2026-11-01");
        death.set.insert("status".into(), "deceased".into());
        w.registry().correct(pid, &death, today).await.unwrap();
        w.accounts.sync_with_registry(pid).await.unwrap();
        every_method_refused(&w, &mut key, &codes[1], "account_locked").await;
        // The registry's correction (a mistaken death record) unlocks it again, automatically.
        let mut alive = correction("death_date", "");
        alive.set.insert("status".into(), "living".into());
        w.registry().correct(pid, &alive, today).await.unwrap();
        let outcome = w.accounts.sync_with_registry(pid).await.unwrap();
        assert_eq!(outcome.unlocked, vec![LockReason::Death], "{name}");
        w.accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.3.3.3"),
            )
            .await
            .unwrap();

        // Revocation is final.
        w.accounts
            .revoke(
                By::Session(&officer.session),
                id,
                LockReason::TermsBreach,
                "fraud",
            )
            .await
            .unwrap();
        every_method_refused(&w, &mut key, &codes[2], "account_revoked").await;
        let e = w
            .accounts
            .revoke(By::Console, id, LockReason::TermsBreach, "again")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "account_revoked", "{name}");

        let history: Vec<(String, Option<String>, String)> = w
            .accounts
            .events(id, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.action.as_str(), "locked" | "unlocked" | "revoked"))
            .map(|e| (e.action, e.reason, e.actor))
            .rev()
            .collect();
        let officer_actor = format!("account:{}", officer.session.account_id);
        let holder_actor = format!("account:{id}");
        let expected = [
            ("locked", "holder_request", holder_actor.as_str()),
            ("locked", "authority_request", officer_actor.as_str()),
            ("unlocked", "holder_request", officer_actor.as_str()),
            ("unlocked", "authority_request", ""),
            ("locked", "death", "registry"),
            ("unlocked", "death", "registry"),
            ("revoked", "terms_breach", officer_actor.as_str()),
        ];
        assert_eq!(history.len(), expected.len(), "{name}: {history:?}");
        for ((action, reason, actor), (a, r, who)) in history.iter().zip(expected) {
            assert_eq!((action.as_str(), reason.as_deref()), (a, Some(r)), "{name}");
            if !who.is_empty() {
                assert_eq!(actor, who, "{name}");
            } else {
                assert!(actor.starts_with("cli:"), "{name}: {actor}");
            }
        }
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn an_expired_card_locks_and_a_new_card_unlocks() {
    for w in worlds().await {
        let name = w.name();
        let (hoa, _) = staff(&w, EXPIRING, "0977000222", Role::AgencyOfficer).await;
        let id = hoa.session.account_id;
        w.clock.advance(Duration::from_secs(30 * 24 * 3600));
        assert_eq!(w.accounts.sync_all().await.unwrap(), 1, "{name}");
        let account = w.accounts.account(id).await.unwrap();
        assert_eq!(account.locks.len(), 1, "{name}");
        assert!(account.locks[0].automatic, "{name}");
        assert_eq!(account.locks[0].reason, LockReason::CardInvalid, "{name}");
        let e = w
            .accounts
            .login(
                EXPIRING,
                &Credential::Password(PASSWORD.into()),
                &client("10.4.4.4"),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "account_locked", "{name}");
        // The new card is recorded; the next sign-in re-checks and is let in.
        let pid = PersonalId::parse(EXPIRING).unwrap();
        let mut renewal = correction("id_card_issued", "2026-12-19");
        renewal
            .set
            .insert("id_card_expires".into(), "2045-05-05".into());
        w.registry()
            .correct(pid, &renewal, w.clock.today())
            .await
            .unwrap();
        w.accounts
            .login(
                EXPIRING,
                &Credential::Password(PASSWORD.into()),
                &client("10.4.4.4"),
            )
            .await
            .unwrap();
        assert_eq!(w.accounts.sync_all().await.unwrap(), 0, "{name}");
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn a_locked_method_is_refused_while_others_work() {
    for w in worlds().await {
        let name = w.name();
        let citizen = an_with_password(&w).await;
        let mut key = SoftPasskey::new(ORIGIN);
        let challenge = w
            .accounts
            .start_passkey_registration(&citizen.session)
            .await
            .unwrap();
        w.accounts
            .finish_passkey_registration(
                &citizen.session,
                &challenge.ceremony,
                &key.register(&challenge.options),
                "",
            )
            .await
            .unwrap();
        w.accounts
            .set_method_lock(&citizen.session, Method::Password, true)
            .await
            .unwrap();
        let e = w
            .accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.5.5.5"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, AccountError::MethodLocked(Method::Password)),
            "{name}: {e}"
        );
        // A wrong password on a locked method still says only "failed".
        let e = w
            .accounts
            .login(
                AN,
                &Credential::Password("wrong one here".into()),
                &client("10.5.5.5"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, AccountError::LoginFailed), "{name}: {e}");
        let start = w.accounts.passkey_login_start().await.unwrap();
        let session = w
            .accounts
            .passkey_login_finish(
                &start.ceremony,
                &key.sign_in(&start.options),
                None,
                &client("10.5.5.5"),
            )
            .await
            .unwrap();
        assert_eq!(
            w.accounts
                .account(session.session.account_id)
                .await
                .unwrap()
                .locked_methods,
            vec![Method::Password],
            "{name}"
        );
        w.accounts
            .set_method_lock(&session.session, Method::Password, false)
            .await
            .unwrap();
        w.accounts
            .login(
                AN,
                &Credential::Password(PASSWORD.into()),
                &client("10.5.5.5"),
            )
            .await
            .unwrap();
        // The last password or passkey cannot be removed; with two, one can.
        let list = w
            .accounts
            .authenticators(session.session.account_id)
            .await
            .unwrap();
        let password = list
            .iter()
            .find(|a| a.method == Method::Password)
            .unwrap()
            .id;
        let passkey = list
            .iter()
            .find(|a| a.method == Method::Passkey)
            .unwrap()
            .id;
        w.accounts
            .remove_authenticator(&session.session, password)
            .await
            .unwrap();
        let e = w
            .accounts
            .remove_authenticator(&session.session, passkey)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "conflict", "{name}");
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn only_operators_grant_roles() {
    for w in worlds().await {
        let name = w.name();
        let citizen = an_with_password(&w).await;
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::EnrolmentOfficer).await;
        let e = w
            .accounts
            .grant_role(
                By::Session(&officer.session),
                citizen.session.account_id,
                Role::Operator,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "missing_role", "{name}");
        w.accounts
            .grant_role(By::Console, officer.session.account_id, Role::Operator)
            .await
            .unwrap();
        w.accounts
            .grant_role(
                By::Session(&officer.session),
                citizen.session.account_id,
                Role::AgencyOfficer,
            )
            .await
            .unwrap();
        assert!(
            w.accounts
                .account(citizen.session.account_id)
                .await
                .unwrap()
                .has_role(Role::AgencyOfficer),
            "{name}"
        );
        w.accounts
            .revoke_role(
                By::Session(&officer.session),
                citizen.session.account_id,
                Role::AgencyOfficer,
            )
            .await
            .unwrap();
        assert!(
            w.accounts
                .account(citizen.session.account_id)
                .await
                .unwrap()
                .roles
                .is_empty(),
            "{name}"
        );
        w.test_db.close().await;
    }
}

/// Why `node` refuses the staff check of `token` for `roles`.
async fn refusal(node: &dinhdanh_accounts::Accounts, token: &str, roles: &[Role]) -> &'static str {
    node.staff_session(token, roles).await.unwrap_err().code()
}

#[tokio::test]
async fn staff_checks_end_with_the_role_the_lock_or_the_memory_time() {
    const REGISTRY: [Role; 2] = [Role::AgencyOfficer, Role::Operator];
    for w in worlds().await {
        let name = w.name();
        let (officer, _) = staff(&w, OFFICER, "0987000111", Role::AgencyOfficer).await;
        let id = officer.session.account_id;
        let other_node = w.node(settings());
        for node in [&w.accounts, &other_node] {
            let session = node.staff_session(&officer.token, &REGISTRY).await.unwrap();
            assert_eq!(session.account_id, id, "{name}");
        }
        assert_eq!(
            refusal(&w.accounts, &officer.token, &[Role::EnrolmentOfficer]).await,
            "missing_role",
            "{name}: another role is not remembered"
        );

        // A citizen holds no role; a password-only officer session must step up.
        let citizen = an_with_password(&w).await;
        assert_eq!(
            refusal(&w.accounts, &citizen.token, &REGISTRY).await,
            "missing_role",
            "{name}"
        );
        let weak = password_session(&w, OFFICER).await;
        assert_eq!(
            refusal(&w.accounts, &weak.token, &REGISTRY).await,
            "step_up_required",
            "{name}"
        );

        // Withdrawing the role takes effect at once on the node that withdrew it, and on the
        // other node once its memory of the check runs out.
        w.accounts
            .revoke_role(By::Console, id, Role::AgencyOfficer)
            .await
            .unwrap();
        assert_eq!(
            refusal(&w.accounts, &officer.token, &REGISTRY).await,
            "missing_role",
            "{name}: same node"
        );
        other_node
            .staff_session(&officer.token, &REGISTRY)
            .await
            .expect("the other node still remembers the check");
        w.clock.advance(Duration::from_millis(
            dinhdanh_accounts::STAFF_CHECK_MEMORY_MS as u64,
        ));
        assert_eq!(
            refusal(&other_node, &officer.token, &REGISTRY).await,
            "missing_role",
            "{name}: other node, later"
        );

        // Back as an operator; a lock ends the session everywhere the same way.
        w.accounts
            .grant_role(By::Console, id, Role::Operator)
            .await
            .unwrap();
        for node in [&w.accounts, &other_node] {
            node.staff_session(&officer.token, &REGISTRY).await.unwrap();
        }
        w.accounts
            .lock(
                By::Console,
                id,
                LockReason::AuthorityRequest,
                "investigation",
            )
            .await
            .unwrap();
        assert_eq!(
            refusal(&w.accounts, &officer.token, &REGISTRY).await,
            "no_session",
            "{name}: the lock ended the session"
        );
        w.clock.advance(Duration::from_millis(
            dinhdanh_accounts::STAFF_CHECK_MEMORY_MS as u64,
        ));
        assert_eq!(
            refusal(&other_node, &officer.token, &REGISTRY).await,
            "no_session",
            "{name}: other node, later"
        );
        w.test_db.close().await;
    }
}
