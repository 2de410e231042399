//! The sandbox gateway's own edges, over HTTP, on each backend: its pay page checks the pay
//! URL it is given (signature, terminal, expiry), ties its form to the order, and its cancel and
//! fail buttons bring the citizen back with a signed result that the merchant records.

mod common;

use std::time::Duration;

use common::{REFERENCE, World, between, worlds};
use dinhdanh_payment::{
    AttemptStatus, ClientIp, HashSecret, Locale, OrderRef, PayRequest, ResponseCode, ReturnUrl,
    TmnCode,
};

/// Opens the pay page and returns its form token.
async fn open_page(browser: &reqwest::Client, pay_url: &url::Url) -> String {
    let page = browser.get(pay_url.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    between(&html, r#"name="token" value=""#, "\"").to_owned()
}

async fn press(
    w: &World,
    browser: &reqwest::Client,
    order_ref: &str,
    token: &str,
    action: &str,
) -> reqwest::Response {
    browser
        .post(w.gateway_base.join("paymentv2/vpcpay.html").unwrap())
        .form(&[
            ("vnp_TxnRef", order_ref),
            ("token", token),
            ("action", action),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_pay_page_refuses_a_tampered_foreign_or_expired_pay_url() {
    for w in worlds().await {
        let name = w.name();
        let browser = reqwest::Client::new();
        let started = w.start(REFERENCE).await;

        // A cheaper amount in a signed URL.
        let tampered = started
            .pay_url
            .as_str()
            .replace("vnp_Amount=15000000", "vnp_Amount=100");
        assert_ne!(tampered, started.pay_url.as_str(), "{name}");
        let page = browser.get(&tampered).send().await.unwrap();
        assert_eq!(page.status(), 400, "{name}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Dữ liệu thanh toán không hợp lệ"),
            "{name}: {html}"
        );
        assert!(html.contains("signature does not match"), "{name}: {html}");

        // A URL for a terminal the gateway does not serve.
        let now = w.payments.now();
        let foreign = PayRequest {
            tmn_code: TmnCode::parse("OTHER001").unwrap(),
            txn_ref: OrderRef::new(),
            amount_vnd: 1_000,
            order_info: "Le phi".into(),
            return_url: ReturnUrl::parse(&w.return_url()).unwrap(),
            ip_addr: ClientIp::parse("127.0.0.1").unwrap(),
            create_date: now,
            expire_date: now + 60_000,
            locale: Locale::English,
        }
        .to_url(&started.pay_url, &HashSecret::generate());
        let page = browser.get(foreign).send().await.unwrap();
        assert_eq!(page.status(), 400, "{name}");
        assert!(
            page.text().await.unwrap().contains("chưa được đăng ký"),
            "{name}"
        );
        // The gateway never learnt of those orders.
        assert!(
            w.gateway.pay(started.order_ref.as_str()).await.is_err(),
            "{name}"
        );

        // The genuine URL works, until it expires.
        open_page(&browser, &started.pay_url).await;
        w.clock.advance(Duration::from_secs(16 * 60));
        let page = browser.get(started.pay_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 400, "{name}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("quá thời gian chờ thanh toán"),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn the_pay_page_cancels_and_fails_and_refuses_a_forged_form() {
    for w in worlds().await {
        let name = w.name();
        let browser = reqwest::Client::new();

        let first = w.start(REFERENCE).await;
        let order_ref = first.order_ref.as_str();
        let token = open_page(&browser, &first.pay_url).await;
        let forged = press(&w, &browser, order_ref, &"0".repeat(32), "pay").await;
        assert_eq!(forged.status(), 400, "{name}");
        assert_eq!(
            w.payments.attempt(order_ref).await.unwrap().status,
            AttemptStatus::Pending,
            "{name}"
        );
        assert!(w.gateway.deliveries(order_ref).is_empty(), "{name}");

        let back = press(&w, &browser, order_ref, &token, "cancel").await;
        assert_eq!(back.url().path(), "/return", "{name}");
        assert_eq!(back.text().await.unwrap(), "not paid 24", "{name}");
        let delivery = w
            .gateway
            .wait_delivered(order_ref, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(delivery.codes(), vec!["00"], "{name}");
        let attempt = w.payments.attempt(order_ref).await.unwrap();
        assert_eq!(attempt.status, AttemptStatus::Failed, "{name}");
        assert_eq!(
            attempt.response_code,
            Some(ResponseCode::Cancelled),
            "{name}"
        );
        // Pressing a button again on the same order is refused.
        let again = press(&w, &browser, order_ref, &token, "pay").await;
        assert_eq!(again.status(), 409, "{name}");

        let second = w.start(REFERENCE).await;
        let token = open_page(&browser, &second.pay_url).await;
        let back = press(&w, &browser, second.order_ref.as_str(), &token, "fail").await;
        assert_eq!(back.text().await.unwrap(), "not paid 51", "{name}");
        w.gateway
            .wait_delivered(second.order_ref.as_str(), Duration::from_secs(10))
            .await
            .unwrap();
        let attempt = w.payments.attempt(second.order_ref.as_str()).await.unwrap();
        assert_eq!(
            attempt.response_code,
            Some(ResponseCode::InsufficientFunds),
            "{name}"
        );
        assert_eq!(attempt.status, AttemptStatus::Failed, "{name}");
        w.t.close().await;
    }
}
