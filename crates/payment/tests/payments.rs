//! Fee payment from the merchant's side, paid through the sandbox gateway over real HTTP, on
//! SQLite and (when `DINHDANH_TEST_POSTGRES` is set) PostgreSQL: the round trip through the pay
//! page with its receipt and hand-over, a cancellation and a new attempt, a merchant that fails
//! at first, and bad input. The gateway misbehaving is in `misbehaviour.rs`.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{CLIENT_IP, DESCRIPTION, FEE, REFERENCE, between, logged, worlds};
use dinhdanh_payment::sandbox::TryOutcome;
use dinhdanh_payment::{
    AttemptState, AttemptStatus, NotificationOutcome, PaymentError, PaymentState, ResponseCode,
    ReturnView, RspCode, gmt7,
};

#[tokio::test]
async fn a_citizen_pays_through_the_pay_page_and_gets_a_receipt() {
    for w in worlds().await {
        let name = w.name();
        let started = w.start(REFERENCE).await;
        let order_ref = started.order_ref.as_str();
        assert!(
            started
                .pay_url
                .as_str()
                .starts_with(w.gateway_base.as_str()),
            "{name}"
        );
        assert_eq!(started.pay_url.path(), "/paymentv2/vpcpay.html", "{name}");
        assert_eq!(
            w.payments.payment_of(REFERENCE).await.unwrap(),
            PaymentState::Waiting(w.attempt(&started).await),
            "{name}"
        );

        // The citizen's browser opens the pay URL: the gateway shows the order.
        let browser = reqwest::Client::new();
        let page = browser.get(started.pay_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200, "{name}");
        let html = page.text().await.unwrap();
        assert!(html.contains(order_ref), "{name}: {html}");
        assert!(html.contains("150.000 VND"), "{name}: {html}");
        assert!(
            html.contains("Le phi cap ho chieu pho thong"),
            "{name}: {html}"
        );
        let token = between(&html, r#"name="token" value=""#, "\"");

        // They press "pay": the browser lands on the merchant's return page.
        let back = browser
            .post(w.gateway_base.join("paymentv2/vpcpay.html").unwrap())
            .form(&[
                ("vnp_TxnRef", order_ref),
                ("token", token),
                ("action", "pay"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(back.status(), 200, "{name}");
        let return_url = back.url().clone();
        assert_eq!(return_url.path(), "/return", "{name}");
        let shown = back.text().await.unwrap();
        assert!(
            shown == "confirming" || shown.starts_with("paid BL-"),
            "{name}: {shown}"
        );

        // The gateway's IPN settled the attempt, once.
        let delivery = w
            .gateway
            .wait_delivered(order_ref, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(delivery.codes(), vec!["00"], "{name}");
        let attempt = w.attempt(&started).await;
        assert_eq!(attempt.status, AttemptStatus::Paid, "{name}");
        assert_eq!(attempt.response_code, Some(ResponseCode::Success), "{name}");
        assert!(attempt.flags.is_empty(), "{name}");
        assert_eq!(
            w.payments.payment_of(REFERENCE).await.unwrap(),
            PaymentState::Paid(attempt.clone()),
            "{name}"
        );
        assert!(w.payments.is_paid(REFERENCE).await.unwrap(), "{name}");

        // The receipt.
        let receipt = w.payments.receipt(order_ref).await.unwrap();
        assert_eq!(
            receipt.number,
            format!("BL-{}-{order_ref}", gmt7::day(receipt.paid_at)),
            "{name}"
        );
        assert_eq!(receipt.reference.as_str(), REFERENCE, "{name}");
        assert_eq!(receipt.amount_vnd, FEE, "{name}");
        assert_eq!(receipt.description, DESCRIPTION, "{name}");
        assert_eq!(
            Some(&receipt.transaction_no),
            attempt.transaction_no.as_ref(),
            "{name}"
        );
        assert_eq!(receipt.bank_code.as_deref(), Some("NCB"), "{name}");
        assert!(receipt.paid_at <= w.payments.now(), "{name}");

        // Coming back to the return page now shows the receipt.
        let again = browser.get(return_url).send().await.unwrap();
        assert_eq!(
            again.text().await.unwrap(),
            format!("paid {}", receipt.number),
            "{name}"
        );

        // The portal is told until it says it acted on it.
        let due = w.payments.settlements_to_hand_over(10).await.unwrap();
        assert_eq!(due.len(), 1, "{name}");
        assert_eq!(due[0].reference.as_str(), REFERENCE, "{name}");
        assert_eq!(due[0].receipt_number, receipt.number, "{name}");
        w.payments.handed_over(order_ref).await.unwrap();
        w.payments.handed_over(order_ref).await.unwrap();
        assert!(
            w.payments
                .settlements_to_hand_over(10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );

        // Nothing more to pay for this reference.
        match w
            .payments
            .start(REFERENCE, FEE, DESCRIPTION, &w.return_url(), CLIENT_IP)
            .await
        {
            Err(PaymentError::AlreadyPaid { receipt_number, .. }) => {
                assert_eq!(receipt_number, receipt.number, "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            logged(&w, order_ref).await,
            vec![(RspCode::ConfirmSuccess, NotificationOutcome::Paid)],
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_cancelled_payment_fails_and_a_new_attempt_can_be_paid() {
    for w in worlds().await {
        let name = w.name();
        let first = w.start_and_open(REFERENCE).await;
        let cancelled = w.gateway.cancel(first.order_ref.as_str()).await.unwrap();
        assert_eq!(cancelled.delivery.codes(), vec!["00"], "{name}");
        let attempt = w.attempt(&first).await;
        assert_eq!(attempt.status, AttemptStatus::Failed, "{name}");
        assert_eq!(
            attempt.response_code,
            Some(ResponseCode::Cancelled),
            "{name}"
        );
        assert_eq!(attempt.receipt_number, None, "{name}");
        match w
            .payments
            .handle_return(cancelled.return_url.query().unwrap())
            .await
            .unwrap()
        {
            ReturnView::NotPaid { code, .. } => {
                assert_eq!(code, ResponseCode::Cancelled, "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            w.payments.payment_of(REFERENCE).await.unwrap(),
            PaymentState::Unpaid,
            "{name}"
        );
        assert!(
            matches!(
                w.payments.receipt(first.order_ref.as_str()).await,
                Err(PaymentError::NotPaid {
                    state: AttemptState::Failed,
                    ..
                })
            ),
            "{name}"
        );
        // A repeated cancellation changes nothing.
        let again = w
            .gateway
            .resend_ipn(first.order_ref.as_str())
            .await
            .unwrap();
        assert_eq!(again.codes(), vec!["02"], "{name}");
        assert_eq!(w.attempt(&first).await, attempt, "{name}");

        // The citizen tries again, with a new order reference, and pays.
        w.clock.advance(Duration::from_secs(1));
        let second = w.start_and_open(REFERENCE).await;
        assert_ne!(second.order_ref, first.order_ref, "{name}");
        let paid = w.gateway.pay(second.order_ref.as_str()).await.unwrap();
        assert_eq!(paid.delivery.codes(), vec!["00"], "{name}");
        let attempts = w.payments.attempts_of(REFERENCE).await.unwrap();
        let refs: Vec<_> = attempts.iter().map(|a| a.order_ref.clone()).collect();
        assert_eq!(
            refs,
            vec![second.order_ref.clone(), first.order_ref.clone()],
            "{name}"
        );
        let statuses: Vec<_> = attempts.iter().map(|a| a.status).collect();
        assert_eq!(
            statuses,
            vec![AttemptStatus::Paid, AttemptStatus::Failed],
            "{name}"
        );
        assert_eq!(
            w.payments.payment_of(REFERENCE).await.unwrap(),
            PaymentState::Paid(attempts[0].clone()),
            "{name}"
        );
        assert!(
            w.payments.receipt(second.order_ref.as_str()).await.is_ok(),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn the_gateway_retries_until_the_merchant_answers_and_it_settles_once() {
    for w in worlds().await {
        let name = w.name();
        w.fail_next.store(2, Ordering::SeqCst);
        let started = w.start_and_open(REFERENCE).await;
        let order_ref = started.order_ref.as_str();
        let paid = w.gateway.pay(order_ref).await.unwrap();
        let outcomes: Vec<_> = paid
            .delivery
            .tries
            .iter()
            .map(|t| t.outcome.clone())
            .collect();
        assert_eq!(outcomes.len(), 3, "{name}: {outcomes:?}");
        assert_eq!(outcomes[0], TryOutcome::HttpStatus(500), "{name}");
        assert_eq!(outcomes[1], TryOutcome::HttpStatus(500), "{name}");
        assert_eq!(paid.delivery.codes()[2], "00", "{name}");
        assert!(paid.delivery.confirmed(), "{name}");
        assert!(
            paid.delivery.tries[1].at >= paid.delivery.tries[0].at,
            "{name}: tries in order"
        );
        assert_eq!(w.calls.load(Ordering::SeqCst), 3, "{name}");
        assert_eq!(
            w.attempt(&started).await.status,
            AttemptStatus::Paid,
            "{name}"
        );
        assert_eq!(
            logged(&w, order_ref).await,
            vec![(RspCode::ConfirmSuccess, NotificationOutcome::Paid)],
            "{name}: only the notification that got through is logged"
        );
        assert_eq!(
            w.payments.settlements_to_hand_over(10).await.unwrap().len(),
            1,
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn bad_input_starts_nothing() {
    for w in worlds().await {
        let name = w.name();
        let return_url = w.return_url();
        let cases: Vec<(&str, i64, &str, &str, &str, &str)> = vec![
            (
                "",
                FEE,
                DESCRIPTION,
                &return_url,
                CLIENT_IP,
                "payment.invalid_reference",
            ),
            (
                "HS 1",
                FEE,
                DESCRIPTION,
                &return_url,
                CLIENT_IP,
                "payment.invalid_reference",
            ),
            (
                REFERENCE,
                0,
                DESCRIPTION,
                &return_url,
                CLIENT_IP,
                "payment.amount_out_of_range",
            ),
            (
                REFERENCE,
                -5,
                DESCRIPTION,
                &return_url,
                CLIENT_IP,
                "payment.amount_out_of_range",
            ),
            (
                REFERENCE,
                10_000_000_000,
                DESCRIPTION,
                &return_url,
                CLIENT_IP,
                "payment.amount_out_of_range",
            ),
            (
                REFERENCE,
                FEE,
                "   ",
                &return_url,
                CLIENT_IP,
                "payment.description_required",
            ),
            (
                REFERENCE,
                FEE,
                "★★",
                &return_url,
                CLIENT_IP,
                "payment.description_unprintable",
            ),
            (
                REFERENCE,
                FEE,
                DESCRIPTION,
                "javascript:alert(1)",
                CLIENT_IP,
                "payment.invalid_return_url",
            ),
            (
                REFERENCE,
                FEE,
                DESCRIPTION,
                "/tra-ve",
                CLIENT_IP,
                "payment.invalid_return_url",
            ),
            (
                REFERENCE,
                FEE,
                DESCRIPTION,
                &return_url,
                "not-an-ip",
                "payment.invalid_client_ip",
            ),
        ];
        for (reference, amount, description, url, ip, code) in cases {
            let err = w
                .payments
                .start(reference, amount, description, url, ip)
                .await
                .unwrap_err();
            assert_eq!(err.code(), code, "{name}: {err}");
            assert!(err.is_input(), "{name}: {err}");
        }
        assert!(
            w.payments.attempts_of(REFERENCE).await.unwrap().is_empty(),
            "{name}"
        );
        assert_eq!(
            w.payments.payment_of(REFERENCE).await.unwrap(),
            PaymentState::Unpaid,
            "{name}"
        );
        assert!(
            matches!(
                w.payments.attempts_of("not a reference").await,
                Err(PaymentError::InvalidReference { .. })
            ),
            "{name}"
        );
        let started = w.start(REFERENCE).await;
        assert!(
            matches!(
                w.payments.handed_over(started.order_ref.as_str()).await,
                Err(PaymentError::NotPaid {
                    state: AttemptState::Open,
                    ..
                })
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.payments.handed_over("NOSUCHORDER1").await,
                Err(PaymentError::NotFound { .. })
            ),
            "{name}"
        );
        w.t.close().await;
    }
}
