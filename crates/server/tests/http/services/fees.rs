//! Fees paid through the sandbox gateway: the IPN moves the application; forged and repeated
//! notifications change nothing; a payment recorded but not acted on is finished by the loop.

use super::*;

/// A counter application of `id` with its fee requested (status 6), and a payment attempt for
/// it started at the server's gateway.
async fn waiting_for_its_fee(
    app: &TestApp,
    officer: &Officer,
    id: &str,
) -> (Application, dinhdanh_payment::Started) {
    let a = at_the_counter(app, officer, id).await;
    let a = app
        .state
        .services()
        .officer_moves(officer, &a.id, &step(Move::RequestPayment, a.version))
        .await
        .unwrap();
    assert_eq!(a.status.map(Status::code), Some(6));
    let started = app
        .state
        .payments()
        .start(
            &a.id,
            a.fee_vnd,
            "Lệ phí đăng ký thường trú",
            &format!("{}/portal/payments/return", app.origin),
            "127.0.0.1",
        )
        .await
        .expect("start a payment");
    (a, started)
}

/// A gateway with the server's terminal and secret that gives up after one try: it forges on
/// request without retrying for minutes, or notifies an address that does not answer.
fn impatient_gateway(app: &TestApp, ipn_url: &str) -> Gateway {
    let base = url::Url::parse(&app.origin).unwrap();
    let terminal = app
        .state
        .sandbox()
        .expect("the sandbox gateway")
        .terminal(&base);
    Gateway::new(Config {
        tmn_code: terminal.tmn_code,
        secret: terminal.secret,
        ipn_url: url::Url::parse(ipn_url).unwrap(),
        retry: Retry {
            max_tries: 1,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            timeout: Duration::from_secs(10),
        },
        clock: app.accounts.clock().clone(),
    })
}

#[tokio::test]
async fn a_fee_paid_at_the_gateway_moves_the_application_and_forgeries_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let payments = app.state.payments();
        let ward = staff_officer(&app).await;
        let sandbox = app
            .state
            .sandbox()
            .expect("no gateway is configured, so the sandbox runs");
        let ipn_url = format!("{}{}", app.origin, dinhdanh_server::PAYMENT_IPN_PATH);

        // Paid at the sandbox: its IPN reaches the server over HTTP and is confirmed; the
        // platform moves the application back to processing, with the payment's details.
        let (a, started) = waiting_for_its_fee(&app, &ward, AN_HN).await;
        let order_ref = started.order_ref.to_string();
        sandbox
            .open(started.pay_url.as_str())
            .expect("the gateway takes the signed pay URL");
        let paid = sandbox.pay(&order_ref).await.expect("pay");
        assert_eq!(
            paid.delivery.codes(),
            vec!["00"],
            "{name}: {:?}",
            paid.delivery
        );
        assert_eq!(
            paid.delivery.last_reply().unwrap().message,
            "Confirm Success",
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        assert_eq!(after.application.status, Some(Status::Processing), "{name}");
        assert_eq!(after.application.version, a.version + 1, "{name}");
        let event = after.events.last().unwrap();
        assert_eq!(event.step, "paid", "{name}");
        assert_eq!(event.actor, Actor::System, "{name}: by the platform");
        assert_eq!(
            (event.from, event.to),
            (Some(Status::PaymentRequested), Some(Status::Processing)),
            "{name}"
        );
        let receipt = payments.receipt(&order_ref).await.unwrap();
        assert_eq!(receipt.transaction_no, paid.result.transaction_no, "{name}");
        assert_eq!(
            event.detail,
            Some(json!({
                "order_ref": order_ref,
                "amount_vnd": 10_000,
                "transaction_no": receipt.transaction_no,
                "receipt_number": receipt.number,
            })),
            "{name}"
        );
        assert!(
            payments
                .settlements_to_hand_over(10)
                .await
                .unwrap()
                .is_empty(),
            "{name}: handed over"
        );

        // The same notification again: "already confirmed", and nothing moves.
        let again = sandbox.resend_ipn(&order_ref).await.unwrap();
        assert_eq!(again.codes(), vec!["02"], "{name}: {again:?}");
        let same = detail(&app, &ward, &a.id).await;
        assert_eq!(same.application, after.application, "{name}");
        assert_eq!(same.events.len(), after.events.len(), "{name}");

        // A result signed with another key: "invalid signature", and nothing changes; the real
        // payment of the same attempt then goes through.
        let (b, started) = waiting_for_its_fee(&app, &ward, ANH).await;
        let b_ref = started.order_ref.to_string();
        let before = detail(&app, &ward, &b.id).await;
        let forger = impatient_gateway(&app, &ipn_url);
        forger.open(started.pay_url.as_str()).unwrap();
        let forged = forger
            .complete(
                &b_ref,
                Choice::Pay,
                Twist {
                    wrong_key: true,
                    ..Twist::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(forged.delivery.codes(), vec!["97"], "{name}: {forged:?}");
        let untouched = detail(&app, &ward, &b.id).await;
        assert_eq!(untouched.application, before.application, "{name}");
        assert_eq!(untouched.events.len(), before.events.len(), "{name}");
        assert_eq!(
            payments.attempt(&b_ref).await.unwrap().status,
            AttemptStatus::Pending,
            "{name}"
        );
        assert!(!payments.is_paid(&b.id).await.unwrap(), "{name}");
        sandbox.open(started.pay_url.as_str()).unwrap();
        let real = sandbox.pay(&b_ref).await.unwrap();
        assert_eq!(real.delivery.codes(), vec!["00"], "{name}");
        assert_eq!(
            detail(&app, &ward, &b.id).await.application.status,
            Some(Status::Processing),
            "{name}"
        );
        // Anyone calling the endpoint without the secret gets the same answer.
        let (status, body) = json_of(
            app.get_anonymous("/api/v1/payments/ipn?vnp_TxnRef=x&vnp_Amount=1000000")
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            body,
            json!({"RspCode": "97", "Message": "Invalid signature"}),
            "{name}"
        );

        // The payment is recorded but the server stops before moving the application (here:
        // the notification is handled without the HTTP layer): the hand-over loop finishes it.
        let (c, started) = waiting_for_its_fee(&app, &ward, BICH).await;
        let c_ref = started.order_ref.to_string();
        let nowhere = impatient_gateway(&app, "http://127.0.0.1:9/ipn");
        nowhere.open(started.pay_url.as_str()).unwrap();
        let lost = nowhere.pay(&c_ref).await.unwrap();
        assert!(!lost.delivery.confirmed(), "{name}: nobody answered");
        let signed_result = lost.return_url.query().unwrap();
        let outcome = payments.handle_ipn(signed_result).await;
        assert!(
            matches!(outcome, IpnOutcome::Settled(_)),
            "{name}: {outcome:?}"
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let moved = loop {
            let d = detail(&app, &ward, &c.id).await;
            if d.application.status == Some(Status::Processing)
                && payments
                    .settlements_to_hand_over(10)
                    .await
                    .unwrap()
                    .is_empty()
            {
                break d;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name}: the hand-over loop did not move the paid application"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let event = moved.events.last().unwrap();
        assert_eq!(
            (event.step.as_str(), event.actor),
            ("paid", Actor::System),
            "{name}"
        );
        assert_eq!(
            event.detail.as_ref().unwrap()["order_ref"],
            c_ref.as_str(),
            "{name}"
        );

        drop(app);
        t.close().await;
    }
}
