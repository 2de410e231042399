//! Back-channel logout: a citizen who signs out at the provider is signed out of the portal too
//! (the provider posts a logout token to `/portal/backchannel-logout`), and a logout token that
//! breaks a rule of OpenID Connect Back-Channel Logout 1.0 is refused with what is wrong and ends
//! no session.

use std::time::Duration;

use dinhdanh_oidc::jose::{Alg, SigningKey};
use dinhdanh_portal::LogoutError;
use dinhdanh_portal::logout::BACKCHANNEL_EVENT;

use super::*;

const BACK_CHANNEL: &str = "/portal/backchannel-logout";

/// Whether the browser's portal session still opens the citizen's list.
async fn signed_in(browser: &mut Browser) -> bool {
    let page = browser.get("/portal/applications").await;
    match page.status {
        StatusCode::OK => true,
        s if s.is_redirection() && location(&page).starts_with("/portal/login?") => false,
        s => panic!("unexpected {s}: {}", page.body),
    }
}

/// The provider session (`sid`) the browser signed in to the portal in, and the citizen's
/// subject as the portal knows them (pairwise).
async fn sid_and_sub(app: &TestApp, browser: &Browser) -> (String, String) {
    let session = app
        .accounts
        .session(&browser.jar["dd_session"])
        .await
        .expect("the browser's provider session");
    let oidc = app.state.oidc();
    let portal = oidc
        .client(dinhdanh_services::PORTAL_CLIENT)
        .await
        .unwrap()
        .expect("the portal is registered");
    let sub = oidc.subject(&portal, session.account_id).await.unwrap();
    (session.handle, sub)
}

/// The claims of a valid logout token for the provider session `sid` of `sub`.
fn claims(app: &TestApp, sid: &str, sub: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": app.origin,
        "aud": dinhdanh_services::PORTAL_CLIENT,
        "iat": now,
        "exp": now + 120,
        "jti": dinhdanh_accounts::secret::token(),
        "sub": sub,
        "sid": sid,
        "events": {BACKCHANNEL_EVENT: {}},
    })
}

/// The provider's current ES256 signing key.
async fn provider_key(app: &TestApp) -> std::sync::Arc<SigningKey> {
    app.state
        .oidc()
        .keys()
        .await
        .unwrap()
        .signer(Alg::ES256)
        .expect("an ES256 key")
        .clone()
}

/// Posts a logout token the way the provider does: a form, no cookies, no CSRF token.
async fn deliver(app: &TestApp, token: &str, origin: Option<&str>) -> (StatusCode, String, Value) {
    let mut request = app
        .client
        .post(app.url(BACK_CHANNEL))
        .form(&[("logout_token", token)]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.unwrap();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON, not {text}"))
    };
    (status, cache, body)
}

#[tokio::test]
async fn signing_out_at_the_provider_ends_the_portal_session_of_that_provider_session() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an_and_bich(&app, &t.db).await;
        let mut an = portal_browser(&app, AN_HN).await;
        // The same citizen on another device: another provider session.
        let mut an_elsewhere = portal_browser(&app, AN_HN).await;
        let mut bich = portal_browser(&app, BICH).await;
        assert!(signed_in(&mut an).await, "{name}");

        // The citizen signs out at the provider, not at the portal.
        let confirm = an
            .get(&format!(
                "/session/end?client_id={}",
                dinhdanh_services::PORTAL_CLIENT
            ))
            .await;
        assert_eq!(confirm.status, StatusCode::OK, "{name}: {}", confirm.body);
        let csrf = confirm.csrf();
        let done = an
            .post(
                "/session/end",
                &[
                    ("csrf", csrf.as_str()),
                    ("client_id", dinhdanh_services::PORTAL_CLIENT),
                    ("decision", "logout"),
                ],
                Some(&app.origin),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}: {}", done.body);
        assert!(!an.jar.contains_key("dd_session"), "{name}");
        // The browser still holds the portal's cookie; the portal session behind it ends as soon
        // as the logout token arrives.
        assert!(an.jar.contains_key("dvc_session"), "{name}");
        let mut ended = false;
        for _ in 0..100 {
            if !signed_in(&mut an).await {
                ended = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ended, "{name}: the portal session outlived the provider's");
        assert!(
            signed_in(&mut an_elsewhere).await,
            "{name}: another session"
        );
        assert!(signed_in(&mut bich).await, "{name}: another citizen");
        t.close().await;
    }
}

#[tokio::test]
async fn a_logout_token_naming_only_the_subject_ends_all_their_portal_sessions() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an_and_bich(&app, &t.db).await;
        let mut an = portal_browser(&app, AN_HN).await;
        let mut an_elsewhere = portal_browser(&app, AN_HN).await;
        let mut bich = portal_browser(&app, BICH).await;
        let (_, sub) = sid_and_sub(&app, &an).await;
        let mut only_sub = claims(&app, "", &sub);
        only_sub.as_object_mut().unwrap().remove("sid");
        let token = provider_key(&app).await.sign("logout+jwt", &only_sub);
        // Server to server: no cookies, no CSRF token, and whatever Origin the caller sends.
        let (status, cache, body) = deliver(&app, &token, Some("https://another.example")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(cache, "no-store", "{name}");
        assert!(!signed_in(&mut an).await, "{name}");
        assert!(!signed_in(&mut an_elsewhere).await, "{name}");
        assert!(signed_in(&mut bich).await, "{name}: another citizen");
        t.close().await;
    }
}

#[tokio::test]
async fn logout_tokens_that_break_a_rule_are_refused_and_end_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an(&app, &t.db).await;
        let mut an = portal_browser(&app, AN_HN).await;
        let (sid, sub) = sid_and_sub(&app, &an).await;
        let key = provider_key(&app).await;
        let good = || claims(&app, &sid, &sub);
        let changed = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut c = good();
            change(c.as_object_mut().unwrap());
            key.sign("logout+jwt", &c)
        };
        // Another key under the provider key's own kid, and under another kid.
        let (_, der) = SigningKey::generate(Alg::ES256).unwrap();
        let impostor = SigningKey::from_pkcs8(key.kid(), Alg::ES256, &der).unwrap();
        let (stranger, _) = SigningKey::generate(Alg::ES256).unwrap();
        let garbage = "not.a.jwt".to_owned();
        let cases: Vec<(&str, String, LogoutError)> = vec![
            ("no token", String::new(), LogoutError::NoToken),
            ("not a JWT", garbage, LogoutError::NotAJwt),
            (
                "signed by another key with the provider's kid",
                impostor.sign("logout+jwt", &good()),
                LogoutError::BadSignature,
            ),
            (
                "signed by another key",
                stranger.sign("logout+jwt", &good()),
                LogoutError::BadSignature,
            ),
            (
                "for another client",
                changed(&|c| {
                    c.insert("aud".into(), json!("another.client"));
                }),
                LogoutError::WrongAudience,
            ),
            (
                "from another issuer",
                changed(&|c| {
                    c.insert("iss".into(), json!("https://evil.example"));
                }),
                LogoutError::WrongIssuer,
            ),
            (
                "without events",
                changed(&|c| {
                    c.remove("events");
                }),
                LogoutError::NoEvent,
            ),
            (
                "with a nonce",
                changed(&|c| {
                    c.insert("nonce".into(), json!("n-0S6_WzA2Mj"));
                }),
                LogoutError::Nonce,
            ),
            (
                "without sid or sub",
                changed(&|c| {
                    c.remove("sid");
                    c.remove("sub");
                }),
                LogoutError::NoSubject,
            ),
            (
                "issued an hour ago",
                changed(&|c| {
                    let hour_ago = Utc::now().timestamp() - 3600;
                    c.insert("iat".into(), json!(hour_ago));
                    c.insert("exp".into(), json!(hour_ago + 120));
                }),
                LogoutError::NotRecent,
            ),
            (
                "without jti",
                changed(&|c| {
                    c.remove("jti");
                }),
                LogoutError::NoJti,
            ),
        ];
        for (case, token, error) in cases {
            let (status, cache, body) = deliver(&app, &token, None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {case}: {body}");
            assert_eq!(cache, "no-store", "{name}: {case}");
            assert_eq!(body["error"], "invalid_request", "{name}: {case}");
            assert_eq!(
                body["error_description"],
                error.to_string(),
                "{name}: {case}"
            );
            assert!(signed_in(&mut an).await, "{name}: {case} ended the session");
        }

        // A jti is acted on once: the same token again, or another token with its jti.
        let mut spare = portal_browser(&app, AN_HN).await;
        let (spare_sid, _) = sid_and_sub(&app, &spare).await;
        let mut first = claims(&app, &spare_sid, &sub);
        let (status, _, body) = deliver(&app, &key.sign("logout+jwt", &first), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(!signed_in(&mut spare).await, "{name}");
        let (status, _, body) = deliver(&app, &key.sign("logout+jwt", &first), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(
            body["error_description"],
            LogoutError::Replayed.to_string(),
            "{name}"
        );
        let mut replay = good();
        replay["jti"] = first["jti"].take();
        let (status, _, body) = deliver(&app, &key.sign("logout+jwt", &replay), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(
            body["error_description"],
            LogoutError::Replayed.to_string(),
            "{name}"
        );
        assert!(
            signed_in(&mut an).await,
            "{name}: a replayed jti ended the session"
        );

        // And the same token with a fresh jti is acted on: the refusals above were the rules'.
        let (status, _, body) = deliver(&app, &key.sign("logout+jwt", &good()), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(!signed_in(&mut an).await, "{name}");
        t.close().await;
    }
}
