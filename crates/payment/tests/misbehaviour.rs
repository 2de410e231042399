//! The gateway's notifications repeated, late, forged, with another amount, for an unknown
//! order, or contradicting an earlier one, and a tampered return query: on SQLite and (when
//! `DINHDANH_TEST_POSTGRES` is set) PostgreSQL, through the sandbox over real HTTP. Bad
//! notifications change nothing but the log; money the gateway took is never dropped.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{FEE, REFERENCE, between, logged, signed_result, success, worlds};
use dinhdanh_payment::sandbox::{Choice, SandboxError, Twist};
use dinhdanh_payment::signing::Params;
use dinhdanh_payment::{
    AttemptState, AttemptStatus, Flag, IpnOutcome, NotificationOutcome, OrderRef, PaymentError,
    PaymentState, QueryError, ReturnView, RspCode,
};

#[tokio::test]
async fn a_duplicate_ipn_is_answered_02_and_changes_nothing() {
    for w in worlds().await {
        let name = w.name();
        let started = w.start_and_open(REFERENCE).await;
        let order_ref = started.order_ref.as_str();
        let paid = w.gateway.pay(order_ref).await.unwrap();
        assert_eq!(paid.delivery.codes(), vec!["00"], "{name}");
        let settled = w.attempt(&started).await;

        let again = w.gateway.resend_ipn(order_ref).await.unwrap();
        assert_eq!(again.codes(), vec!["02"], "{name}");
        assert!(again.confirmed(), "{name}");
        assert_eq!(w.attempt(&started).await, settled, "{name}");
        assert_eq!(
            w.payments.settlements_to_hand_over(10).await.unwrap().len(),
            1,
            "{name}"
        );
        assert_eq!(
            logged(&w, order_ref).await,
            vec![
                (RspCode::ConfirmSuccess, NotificationOutcome::Paid),
                (
                    RspCode::AlreadyConfirmed,
                    NotificationOutcome::AlreadyConfirmed
                ),
            ],
            "{name}"
        );

        // Many copies at once still settle it once.
        let other = w.start_and_open("HS-2026-000200").await;
        let query = signed_result(&w, &success(&w, other.order_ref.as_str(), FEE));
        let mut copies = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let payments = w.payments.clone();
            let query = query.clone();
            copies.spawn(async move { payments.handle_ipn(&query).await.rsp_code() });
        }
        let mut codes = copies.join_all().await;
        codes.sort_by_key(|c| c.as_str());
        assert_eq!(
            codes,
            vec![
                RspCode::ConfirmSuccess,
                RspCode::AlreadyConfirmed,
                RspCode::AlreadyConfirmed,
                RspCode::AlreadyConfirmed,
                RspCode::AlreadyConfirmed,
                RspCode::AlreadyConfirmed,
            ],
            "{name}"
        );
        assert_eq!(
            w.payments.settlements_to_hand_over(10).await.unwrap().len(),
            2,
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_late_ipn_is_recorded_and_a_capture_after_expiry_is_flagged() {
    for w in worlds().await {
        let name = w.name();

        // Paid in time, but the merchant was down until after the attempt expired: the
        // notification that finally gets through records the payment, unflagged.
        let in_time = w.start_and_open("HS-2026-000301").await;
        w.fail_next.store(u32::MAX, Ordering::SeqCst);
        let paid = w.gateway.pay(in_time.order_ref.as_str()).await.unwrap();
        assert!(!paid.delivery.confirmed(), "{name}: the gateway gave up");
        assert_eq!(
            paid.delivery.tries.len() as u32,
            w.retry.max_tries,
            "{name}"
        );
        assert_eq!(
            w.attempt(&in_time).await.status,
            AttemptStatus::Pending,
            "{name}"
        );
        w.fail_next.store(0, Ordering::SeqCst);

        // Meanwhile a second attempt is opened, and time passes beyond both expiries.
        let late = w.start_and_open("HS-2026-000302").await;
        w.clock.advance(Duration::from_secs(16 * 60));
        assert_eq!(
            w.attempt(&late).await.state_at(w.payments.now()),
            AttemptState::Expired,
            "{name}"
        );
        assert_eq!(
            w.payments.payment_of("HS-2026-000302").await.unwrap(),
            PaymentState::Unpaid,
            "{name}"
        );

        let resent = w
            .gateway
            .resend_ipn(in_time.order_ref.as_str())
            .await
            .unwrap();
        assert_eq!(resent.codes(), vec!["00"], "{name}");
        let attempt = w.attempt(&in_time).await;
        assert_eq!(attempt.status, AttemptStatus::Paid, "{name}");
        assert!(attempt.flags.is_empty(), "{name}: paid before expiry");
        assert!(attempt.paid_at.unwrap() <= attempt.expires_at, "{name}");

        // The gateway refuses to take payment for the expired attempt…
        assert!(
            matches!(
                w.gateway.pay(late.order_ref.as_str()).await,
                Err(SandboxError::Expired { .. })
            ),
            "{name}"
        );
        // …but when it captures it anyway, the money is recorded and flagged for a person.
        let captured = w
            .gateway
            .complete(
                late.order_ref.as_str(),
                Choice::Pay,
                Twist {
                    ignore_expiry: true,
                    ..Twist::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(captured.delivery.codes(), vec!["00"], "{name}");
        let attempt = w.attempt(&late).await;
        assert_eq!(attempt.status, AttemptStatus::Paid, "{name}");
        assert_eq!(attempt.flags, vec![Flag::Late], "{name}");
        assert!(attempt.paid_at.unwrap() > attempt.expires_at, "{name}");
        let receipt = w.payments.receipt(late.order_ref.as_str()).await.unwrap();
        assert_eq!(receipt.flags, vec![Flag::Late], "{name}");
        assert!(matches!(
            w.payments.payment_of("HS-2026-000302").await.unwrap(),
            PaymentState::Paid(_)
        ));
        let due = w.payments.settlements_to_hand_over(10).await.unwrap();
        let flags: Vec<_> = due.iter().map(|s| s.flags.clone()).collect();
        assert_eq!(flags, vec![vec![], vec![Flag::Late]], "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_forged_ipn_is_answered_97_and_changes_nothing() {
    for w in worlds().await {
        let name = w.name();
        let started = w.start_and_open(REFERENCE).await;
        let order_ref = started.order_ref.as_str();
        let before = w.attempt(&started).await;

        let forged = w
            .gateway
            .complete(
                order_ref,
                Choice::Pay,
                Twist {
                    wrong_key: true,
                    ..Twist::default()
                },
            )
            .await
            .unwrap();
        let tries = w.retry.max_tries as usize;
        assert_eq!(forged.delivery.codes(), vec!["97"; tries], "{name}");
        assert!(!forged.delivery.confirmed(), "{name}");
        assert_eq!(w.attempt(&started).await, before, "{name}");
        assert!(!w.payments.is_paid(REFERENCE).await.unwrap(), "{name}");
        assert_eq!(
            logged(&w, order_ref).await,
            vec![
                (
                    RspCode::InvalidSignature,
                    NotificationOutcome::InvalidSignature
                );
                tries
            ],
            "{name}"
        );
        // The browser's copy is refused too.
        assert!(
            matches!(
                w.payments
                    .handle_return(forged.return_url.query().unwrap())
                    .await,
                Err(PaymentError::Query(QueryError::BadSignature))
            ),
            "{name}"
        );

        // Unsigned queries are no better.
        let unsigned = format!(
            "vnp_TxnRef={order_ref}&vnp_Amount={}&vnp_ResponseCode=00",
            FEE * 100
        );
        for query in [unsigned.as_str(), "", "?"] {
            let outcome = w.payments.handle_ipn(query).await;
            assert!(
                matches!(
                    outcome,
                    IpnOutcome::InvalidSignature(QueryError::MissingSignature)
                ),
                "{name}: {query:?} {outcome:?}"
            );
            assert_eq!(outcome.reply().rsp_code, "97", "{name}");
        }
        assert_eq!(w.attempt(&started).await, before, "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_changed_amount_is_answered_04_and_changes_nothing() {
    for w in worlds().await {
        let name = w.name();
        let started = w.start_and_open(REFERENCE).await;
        let order_ref = started.order_ref.as_str();
        let before = w.attempt(&started).await;

        let cheaper = w
            .gateway
            .complete(
                order_ref,
                Choice::Pay,
                Twist {
                    amount_vnd: Some(1_000),
                    ..Twist::default()
                },
            )
            .await
            .unwrap();
        let tries = w.retry.max_tries as usize;
        assert_eq!(cheaper.delivery.codes(), vec!["04"; tries], "{name}");
        assert_eq!(w.attempt(&started).await, before, "{name}");
        assert_eq!(
            logged(&w, order_ref).await,
            vec![(RspCode::InvalidAmount, NotificationOutcome::InvalidAmount); tries],
            "{name}"
        );
        match w
            .payments
            .handle_return(cheaper.return_url.query().unwrap())
            .await
        {
            Err(PaymentError::AmountMismatch { expected, got, .. }) => {
                assert_eq!((expected, got), (FEE, 1_000), "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }

        // A signed amount that is not a whole number of đồng is an invalid amount as well.
        let mut params: Params = success(&w, order_ref, FEE).to_params();
        params.set("vnp_Amount", (FEE * 100 + 50).to_string());
        let query = params.to_signed_query(&w.payments.terminal().secret);
        let outcome = w.payments.handle_ipn(&query).await;
        assert_eq!(
            outcome.rsp_code(),
            RspCode::InvalidAmount,
            "{name}: {outcome:?}"
        );
        assert_eq!(w.attempt(&started).await, before, "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn an_unknown_order_is_answered_01() {
    for w in worlds().await {
        let name = w.name();
        let stranger = OrderRef::new();
        let query = signed_result(&w, &success(&w, stranger.as_str(), FEE));
        let outcome = w.payments.handle_ipn(&query).await;
        assert!(
            matches!(&outcome, IpnOutcome::OrderNotFound { txn_ref } if txn_ref == stranger.as_str()),
            "{name}: {outcome:?}"
        );
        assert_eq!(
            serde_json::to_string(&outcome.reply()).unwrap(),
            r#"{"RspCode":"01","Message":"Order not found"}"#,
            "{name}"
        );
        assert_eq!(
            logged(&w, stranger.as_str()).await,
            vec![(RspCode::OrderNotFound, NotificationOutcome::NotFound)],
            "{name}"
        );

        // An order reference that could never be ours is not found either.
        let mut params = success(&w, stranger.as_str(), FEE).to_params();
        params.set("vnp_TxnRef", "HS_2026");
        let query = params.to_signed_query(&w.payments.terminal().secret);
        assert_eq!(
            w.payments.handle_ipn(&query).await.rsp_code(),
            RspCode::OrderNotFound,
            "{name}"
        );
        // None at all is a malformed notification.
        let mut params = Params::new();
        params
            .set("vnp_Amount", "15000000")
            .set("vnp_ResponseCode", "00");
        let query = params.to_signed_query(&w.payments.terminal().secret);
        assert_eq!(
            w.payments.handle_ipn(&query).await.rsp_code(),
            RspCode::UnknownError,
            "{name}"
        );
        assert!(
            matches!(
                w.payments.receipt(stranger.as_str()).await,
                Err(PaymentError::NotFound { .. })
            ),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_tampered_return_query_is_rejected_and_a_return_settles_nothing() {
    for w in worlds().await {
        let name = w.name();
        let started = w.start_and_open(REFERENCE).await;
        let paid = w.gateway.pay(started.order_ref.as_str()).await.unwrap();
        let query = paid.return_url.query().unwrap().to_owned();
        assert!(
            matches!(
                w.payments.handle_return(&query).await.unwrap(),
                ReturnView::Paid { .. }
            ),
            "{name}"
        );
        // The merchant's own parameters are not the gateway's and not signed.
        assert!(
            w.payments
                .handle_return(&format!("{query}&lang=en"))
                .await
                .is_ok(),
            "{name}"
        );

        let signature = between(&format!("{query}&"), "vnp_SecureHash=", "&").to_owned();
        let tampered = [
            query.replace("vnp_ResponseCode=00", "vnp_ResponseCode=24"),
            query.replace(&format!("vnp_Amount={}", FEE * 100), "vnp_Amount=100"),
            query.replace("vnp_BankCode=NCB", "vnp_BankCode=VCB"),
            query.replace(&signature, &"0".repeat(128)),
        ];
        for bad in &tampered {
            assert_ne!(bad, &query, "{name}: the tampering took");
            assert!(
                matches!(
                    w.payments.handle_return(bad).await,
                    Err(PaymentError::Query(QueryError::BadSignature))
                ),
                "{name}: {bad}"
            );
        }
        let unsigned = query.replace(&format!("&vnp_SecureHash={signature}"), "");
        assert!(
            matches!(
                w.payments.handle_return(&unsigned).await,
                Err(PaymentError::Query(QueryError::MissingSignature))
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.payments
                    .handle_return(&format!("{query}&vnp_ResponseCode=00"))
                    .await,
                Err(PaymentError::Query(QueryError::DuplicateParameter { .. }))
            ),
            "{name}"
        );

        // A genuine success on the return page, whose IPN never got through, settles nothing.
        w.fail_next.store(u32::MAX, Ordering::SeqCst);
        let other = w.start_and_open("HS-2026-000400").await;
        let unnoticed = w.gateway.pay(other.order_ref.as_str()).await.unwrap();
        assert!(!unnoticed.delivery.confirmed(), "{name}");
        let view = w
            .payments
            .handle_return(unnoticed.return_url.query().unwrap())
            .await
            .unwrap();
        assert!(
            matches!(view, ReturnView::Confirming { .. }),
            "{name}: {view:?}"
        );
        assert_eq!(
            w.attempt(&other).await.status,
            AttemptStatus::Pending,
            "{name}"
        );
        assert!(
            !w.payments.is_paid("HS-2026-000400").await.unwrap(),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn money_taken_after_a_failure_or_twice_is_recorded_and_flagged() {
    for w in worlds().await {
        let name = w.name();

        // The gateway first reports a cancellation, then that it did take the money.
        let a = w.start_and_open("HS-2026-000501").await;
        w.gateway.cancel(a.order_ref.as_str()).await.unwrap();
        let query = signed_result(&w, &success(&w, a.order_ref.as_str(), FEE));
        let outcome = w.payments.handle_ipn(&query).await;
        match &outcome {
            IpnOutcome::Settled(s) => assert_eq!(s.flags, vec![Flag::AfterFailure], "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(outcome.rsp_code(), RspCode::ConfirmSuccess, "{name}");
        assert_eq!(w.attempt(&a).await.status, AttemptStatus::Paid, "{name}");

        // Two attempts for one reference, both paid: the second is flagged for a refund.
        let b1 = w.start_and_open("HS-2026-000502").await;
        w.clock.advance(Duration::from_secs(1));
        let b2 = w.start_and_open("HS-2026-000502").await;
        w.gateway.pay(b1.order_ref.as_str()).await.unwrap();
        let second = w.gateway.pay(b2.order_ref.as_str()).await.unwrap();
        assert_eq!(second.delivery.codes(), vec!["00"], "{name}");
        assert!(w.attempt(&b1).await.flags.is_empty(), "{name}");
        assert_eq!(
            w.attempt(&b2).await.flags,
            vec![Flag::DoublePayment],
            "{name}"
        );
        assert_eq!(
            w.payments.payment_of("HS-2026-000502").await.unwrap(),
            PaymentState::Paid(w.attempt(&b1).await),
            "{name}: the first payment counts"
        );

        // A second, different success for a paid attempt is logged but recorded nowhere.
        let settled = w.attempt(&b1).await;
        let mut other = success(&w, b1.order_ref.as_str(), FEE);
        other.transaction_no = "99990001".into();
        let outcome = w.payments.handle_ipn(&signed_result(&w, &other)).await;
        assert_eq!(outcome.rsp_code(), RspCode::AlreadyConfirmed, "{name}");
        assert_eq!(w.attempt(&b1).await, settled, "{name}");
        let notes = w
            .payments
            .notifications_of(b1.order_ref.as_str())
            .await
            .unwrap();
        assert!(
            notes
                .last()
                .and_then(|n| n.detail.as_deref())
                .is_some_and(|d| d.contains("99990001")),
            "{name}: {notes:?}"
        );

        let due = w.payments.settlements_to_hand_over(10).await.unwrap();
        assert_eq!(due.len(), 3, "{name}");
        w.t.close().await;
    }
}
