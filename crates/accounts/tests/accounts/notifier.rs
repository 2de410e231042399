//! The outbox and the gateway dispatcher, against a gateway that checks signatures, fails, and
//! answers slowly as real SMS gateways do.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use dinhdanh_accounts::notify::{Dispatcher, outbox, verify_signature};
use dinhdanh_accounts::{AccountSettings, Delivery, GatewaySettings};
use dinhdanh_http::ClientTls;
use dinhdanh_http::testing::TestCa;

use crate::common::*;

const KEY: &[u8] = b"gateway shared secret";

#[derive(Clone, Default)]
struct Gateway {
    /// Requests seen (valid or not).
    requests: Arc<AtomicUsize>,
    /// Answer 503 to this many valid requests first.
    fail_first: Arc<AtomicUsize>,
    /// Messages accepted, as (idempotency key, body).
    accepted: Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
    /// Sleep this long before answering.
    delay_ms: Arc<AtomicUsize>,
}

async fn handle(
    axum::extract::State(g): axum::extract::State<Gateway>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    g.requests.fetch_add(1, Ordering::SeqCst);
    let delay = g.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let Ok(timestamp) = header("x-dinhdanh-timestamp").parse::<i64>() else {
        return StatusCode::UNAUTHORIZED;
    };
    if !verify_signature(KEY, timestamp, &body, &header("x-dinhdanh-signature")) {
        return StatusCode::UNAUTHORIZED;
    }
    if g.fail_first.load(Ordering::SeqCst) > 0 {
        g.fail_first.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    g.accepted
        .lock()
        .unwrap()
        .push((header("idempotency-key"), json));
    StatusCode::ACCEPTED
}

async fn start(gateway: Gateway) -> url::Url {
    let app = axum::Router::new()
        .route("/sms", post(handle))
        .with_state(gateway);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url::Url::parse(&format!("http://{address}/sms")).unwrap()
}

/// The gateway over HTTPS, with a certificate `ca` signed.
async fn start_https(gateway: Gateway, ca: &TestCa) -> url::Url {
    let app = axum::Router::new()
        .route("/sms", post(handle))
        .with_state(gateway);
    let address = ca.serve(app).await;
    url::Url::parse(&format!("https://localhost:{}/sms", address.port())).unwrap()
}

fn gateway_settings(url: url::Url, key: &[u8]) -> GatewaySettings {
    GatewaySettings {
        url,
        key: key.to_vec(),
        timeout: Duration::from_millis(300),
        max_attempts: 3,
        retry_base: Duration::from_secs(1),
    }
}

#[tokio::test]
async fn codes_are_held_in_the_outbox_in_development() {
    for w in worlds().await {
        let name = w.name();
        w.accounts
            .register(&an_registration("0912345678"), &client("10.6.6.6"))
            .await
            .unwrap();
        let messages = outbox(w.db(), None, 10).await.unwrap();
        assert_eq!(messages.len(), 1, "{name}");
        assert_eq!(messages[0].status, "held", "{name}");
        assert_eq!(messages[0].recipient, "+84912345678", "{name}");
        assert!(last_code(w.db(), "+84912345678").await.is_some(), "{name}");
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn the_gateway_gets_signed_messages_with_retries() {
    for w in worlds().await {
        let name = w.name();
        let gateway = Gateway::default();
        gateway.fail_first.store(1, Ordering::SeqCst);
        let url = start(gateway.clone()).await;
        let settings = gateway_settings(url.clone(), KEY);
        let node = w.node(AccountSettings {
            delivery: Delivery::Gateway(settings.clone()),
            ..crate::common::settings()
        });
        node.register(&an_registration("0912345678"), &client("10.6.6.7"))
            .await
            .unwrap();
        let dispatcher =
            Dispatcher::new(w.db(), settings, w.clock.clone(), &ClientTls::system()).unwrap();

        let first = dispatcher.run_once(10).await.unwrap();
        assert_eq!(
            (first.sent, first.retrying),
            (0, 1),
            "{name}: 503 is retried"
        );
        let early = dispatcher.run_once(10).await.unwrap();
        assert_eq!(
            early.sent + early.retrying,
            0,
            "{name}: not before the back-off"
        );
        w.clock.advance(Duration::from_secs(2));
        let second = dispatcher.run_once(10).await.unwrap();
        assert_eq!(second.sent, 1, "{name}");
        let accepted = gateway.accepted.lock().unwrap().clone();
        assert_eq!(accepted.len(), 1, "{name}");
        let (key, body) = &accepted[0];
        assert_eq!(body["to"], "+84912345678", "{name}");
        assert_eq!(body["purpose"], "register", "{name}");
        assert_eq!(
            key,
            &body["id"].to_string(),
            "{name}: idempotency key is the message id"
        );
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .contains(&last_code(w.db(), "+84912345678").await.unwrap()),
            "{name}"
        );
        assert_eq!(
            outbox(w.db(), None, 1).await.unwrap()[0].status,
            "sent",
            "{name}"
        );
        // Nothing is sent twice.
        w.clock.advance(Duration::from_secs(60));
        assert_eq!(dispatcher.run_once(10).await.unwrap().sent, 0, "{name}");
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn a_refusing_or_silent_gateway_fails_the_message_after_its_attempts() {
    for w in worlds().await {
        let name = w.name();
        let gateway = Gateway::default();
        let url = start(gateway.clone()).await;
        // A wrong key: the gateway answers 401, which is final.
        let wrong_key = gateway_settings(url.clone(), b"another key");
        let node = w.node(AccountSettings {
            delivery: Delivery::Gateway(wrong_key.clone()),
            ..crate::common::settings()
        });
        node.register(&an_registration("0912345678"), &client("10.6.6.8"))
            .await
            .unwrap();
        let dispatcher =
            Dispatcher::new(w.db(), wrong_key, w.clock.clone(), &ClientTls::system()).unwrap();
        assert_eq!(dispatcher.run_once(10).await.unwrap().failed, 1, "{name}");
        let failed = &outbox(w.db(), None, 1).await.unwrap()[0];
        assert_eq!(failed.status, "failed", "{name}");
        assert!(
            failed.last_error.as_deref().unwrap().contains("401"),
            "{name}"
        );

        // A gateway slower than the timeout: retried, then given up after max_attempts.
        gateway.delay_ms.store(1000, Ordering::SeqCst);
        let slow = gateway_settings(url, KEY);
        let node = w.node(AccountSettings {
            delivery: Delivery::Gateway(slow.clone()),
            ..crate::common::settings()
        });
        node.register(&an_registration("0912345679"), &client("10.6.6.8"))
            .await
            .unwrap();
        let dispatcher =
            Dispatcher::new(w.db(), slow, w.clock.clone(), &ClientTls::system()).unwrap();
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let r = dispatcher.run_once(10).await.unwrap();
            outcomes.push((r.retrying, r.failed));
            w.clock.advance(Duration::from_secs(10));
        }
        assert_eq!(outcomes, vec![(1, 0), (1, 0), (0, 1)], "{name}");
        let message = &outbox(w.db(), None, 1).await.unwrap()[0];
        assert_eq!(
            (message.status.as_str(), message.attempts),
            ("failed", 3),
            "{name}"
        );
        assert!(
            message.last_error.as_deref().unwrap().contains("timed out"),
            "{name}"
        );
        w.test_db.close().await;
    }
}

#[tokio::test]
async fn an_https_gateway_is_reached_when_its_ca_is_trusted_and_refused_otherwise() {
    let ca = TestCa::new();
    for w in worlds().await {
        let name = w.name();
        let gateway = Gateway::default();
        let url = start_https(gateway.clone(), &ca).await;
        let settings = gateway_settings(url, KEY);
        let node = w.node(AccountSettings {
            delivery: Delivery::Gateway(settings.clone()),
            ..crate::common::settings()
        });
        node.register(&an_registration("0912345678"), &client("10.6.6.9"))
            .await
            .unwrap();
        // The system's roots alone do not know the gateway's authority: retried, with the reason.
        let untrusting = Dispatcher::new(
            w.db(),
            settings.clone(),
            w.clock.clone(),
            &ClientTls::system(),
        )
        .unwrap();
        let first = untrusting.run_once(10).await.unwrap();
        assert_eq!((first.sent, first.retrying), (0, 1), "{name}");
        assert_eq!(gateway.requests.load(Ordering::SeqCst), 0, "{name}");
        let error = outbox(w.db(), None, 1).await.unwrap()[0]
            .last_error
            .clone()
            .unwrap();
        assert!(error.contains("UnknownIssuer"), "{name}: {error}");
        // With the operator's CA file, the next attempt goes through.
        let tls = ClientTls::with_ca_file(ca.ca_file()).unwrap();
        let trusting = Dispatcher::new(w.db(), settings, w.clock.clone(), &tls).unwrap();
        w.clock.advance(Duration::from_secs(2));
        let second = trusting.run_once(10).await.unwrap();
        assert_eq!(second.sent, 1, "{name}");
        assert_eq!(gateway.accepted.lock().unwrap().len(), 1, "{name}");
        w.test_db.close().await;
    }
}
