//! The portal's storage on SQLite and (when `DINHDANH_TEST_POSTGRES` is set) PostgreSQL: one
//! client key for every node, sign-ins taken once, sessions opened, replaced and ended, and the
//! back-channel logout ending exactly the sessions its token names, once.

use std::sync::Arc;
use std::time::Duration;

use dinhdanh_accounts::Clock;
use dinhdanh_portal::{Ends, Login, LogoutError, LogoutToken, NewSession, Portal, PortalError};
use dinhdanh_store::testing::backends;

const CLIENT: &str = "dvc.portal";

fn portal(db: &dinhdanh_store::Db, clock: &Clock) -> Portal {
    Portal::new(db, Arc::new(tokio::sync::Mutex::new(())), clock.clone())
}

fn login(state: u8, expires_at: i64) -> Login {
    Login {
        state_hash: vec![state; 32],
        nonce: format!("nonce-{state}"),
        verifier: format!("verifier-{state}"),
        next: "/portal/applications".into(),
        start: state.is_multiple_of(2).then(|| "1.004194".to_owned()),
        expires_at,
    }
}

/// Opens a session `token` for account 7 in provider session `sid` of subject `sub`.
async fn open(p: &Portal, token: u8, sub: &str, sid: &str) {
    p.open_session(&NewSession {
        token_hash: &[token; 32],
        replaces: None,
        account: 7,
        sub,
        sid: Some(sid),
        expires_at: p.now_ms() + 3_600_000,
    })
    .await
    .unwrap();
}

async fn live(p: &Portal, token: u8) -> bool {
    p.session_account(&[token; 32]).await.unwrap().is_some()
}

fn token(jti: &str, ends: Ends, p: &Portal) -> LogoutToken {
    LogoutToken {
        jti: jti.into(),
        ends,
        remember_until_ms: p.now_ms() + 360_000,
    }
}

#[tokio::test]
async fn every_node_signs_with_the_one_client_key() {
    for t in backends().await {
        let name = t.name();
        let clock = Clock::system();
        let first = portal(&t.db, &clock).client_key(CLIENT).await.unwrap();
        // Another node over the same database.
        let second = portal(&t.db, &clock).client_key(CLIENT).await.unwrap();
        assert_eq!(first.kid(), second.kid(), "{name}");
        assert_eq!(first.public_jwk(), second.public_jwk(), "{name}");
        let other = portal(&t.db, &clock).client_key("other.rp").await.unwrap();
        assert_ne!(other.kid(), first.kid(), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn a_sign_in_is_taken_once_and_not_after_it_expired() {
    for t in backends().await {
        let name = t.name();
        let clock = Clock::system();
        let p = portal(&t.db, &clock);
        let now = p.now_ms();
        p.save_login(&login(2, now + 600_000)).await.unwrap();
        p.save_login(&login(3, now + 1_000)).await.unwrap();
        assert_eq!(
            p.take_login(&[2; 32]).await.unwrap(),
            Some(login(2, now + 600_000)),
            "{name}"
        );
        assert_eq!(p.take_login(&[2; 32]).await.unwrap(), None, "{name}");
        assert_eq!(p.take_login(&[9; 32]).await.unwrap(), None, "{name}");
        clock.advance(Duration::from_secs(2));
        assert_eq!(p.take_login(&[3; 32]).await.unwrap(), None, "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn sessions_open_replace_expire_and_end() {
    for t in backends().await {
        let name = t.name();
        let clock = Clock::system();
        let p = portal(&t.db, &clock);
        open(&p, 1, "sub-a", "sid-1").await;
        assert_eq!(
            p.session_account(&[1; 32]).await.unwrap(),
            Some(7),
            "{name}"
        );
        // A new sign-in in the same browser replaces its session.
        p.open_session(&NewSession {
            token_hash: &[2; 32],
            replaces: Some(&[1; 32]),
            account: 8,
            sub: "sub-b",
            sid: None,
            expires_at: p.now_ms() + 1_000,
        })
        .await
        .unwrap();
        assert!(!live(&p, 1).await, "{name}");
        assert_eq!(
            p.session_account(&[2; 32]).await.unwrap(),
            Some(8),
            "{name}"
        );
        clock.advance(Duration::from_secs(2));
        assert!(!live(&p, 2).await, "{name}: expired");
        open(&p, 3, "sub-a", "sid-1").await;
        p.end_session(&[3; 32]).await.unwrap();
        assert!(!live(&p, 3).await, "{name}");
        // Ending a session that is not there is no error.
        p.end_session(&[3; 32]).await.unwrap();
        t.close().await;
    }
}

#[tokio::test]
async fn a_logout_token_ends_what_it_names_once() {
    for t in backends().await {
        let name = t.name();
        let clock = Clock::system();
        let p = portal(&t.db, &clock);
        // Citizen A in two provider sessions (three portal sessions), citizen B in one.
        open(&p, 1, "sub-a", "sid-1").await;
        open(&p, 2, "sub-a", "sid-1").await;
        open(&p, 3, "sub-a", "sid-2").await;
        open(&p, 4, "sub-b", "sid-3").await;

        // sid and a sub that is not the session's: nothing ends.
        let mismatch = Ends::Session {
            sid: "sid-1".into(),
            sub: Some("sub-b".into()),
        };
        assert_eq!(
            p.log_out(&token("j0", mismatch, &p)).await.unwrap(),
            0,
            "{name}"
        );
        // sid and sub: that provider session's portal sessions.
        let one = Ends::Session {
            sid: "sid-1".into(),
            sub: Some("sub-a".into()),
        };
        assert_eq!(p.log_out(&token("j1", one, &p)).await.unwrap(), 2, "{name}");
        assert!(!live(&p, 1).await && !live(&p, 2).await, "{name}");
        assert!(live(&p, 3).await && live(&p, 4).await, "{name}");

        // The same jti again, naming another session: refused, nothing ends.
        let again = token("j1", Ends::Subject("sub-b".into()), &p);
        assert!(
            matches!(
                p.log_out(&again).await,
                Err(PortalError::Logout(LogoutError::Replayed))
            ),
            "{name}"
        );
        assert!(live(&p, 4).await, "{name}: a replay ends nothing");

        // sub alone: every session of the subject.
        open(&p, 5, "sub-b", "sid-4").await;
        assert_eq!(
            p.log_out(&token("j2", Ends::Subject("sub-b".into()), &p))
                .await
                .unwrap(),
            2,
            "{name}"
        );
        assert!(!live(&p, 4).await && !live(&p, 5).await, "{name}");
        // sid alone.
        let by_sid = Ends::Session {
            sid: "sid-2".into(),
            sub: None,
        };
        assert_eq!(
            p.log_out(&token("j3", by_sid, &p)).await.unwrap(),
            1,
            "{name}"
        );
        assert!(!live(&p, 3).await, "{name}");

        // A jti is forgotten once the token it came with could no longer be accepted.
        let short = LogoutToken {
            jti: "j4".into(),
            ends: Ends::Subject("nobody".into()),
            remember_until_ms: p.now_ms() + 1_000,
        };
        p.log_out(&short).await.unwrap();
        assert!(p.log_out(&short).await.is_err(), "{name}");
        clock.advance(Duration::from_secs(2));
        // (By then the rules refuse the token itself by its iat.)
        assert_eq!(p.log_out(&short).await.unwrap(), 0, "{name}");
        t.close().await;
    }
}
