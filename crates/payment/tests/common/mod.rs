//! One world per backend for the payment tests: a merchant (the [`Payments`] capability behind a
//! small axum app with an IPN endpoint and a return page, as the portal would have) and the
//! sandbox gateway, each on its own random port, talking real HTTP to each other.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use dinhdanh_payment::sandbox::{self, Gateway, Retry};
use dinhdanh_payment::{
    Attempt, Clock, HashSecret, NotificationOutcome, Payments, ReturnView, RspCode, Started,
    TmnCode,
};
use dinhdanh_store::testing::{TestDb, backends};
use tokio::net::TcpListener;
use url::Url;

/// The sandbox's terminal code.
pub const TMN_CODE: &str = "DDTEST01";
/// What the tests pay for.
pub const REFERENCE: &str = "HS-2026-000123";
/// The fee, in đồng.
pub const FEE: i64 = 150_000;
/// The description.
pub const DESCRIPTION: &str = "Lệ phí cấp hộ chiếu phổ thông";
/// The citizen's address.
pub const CLIENT_IP: &str = "203.113.1.2";

/// The merchant app's state.
#[derive(Clone)]
struct Merchant {
    payments: Payments,
    /// How many of the next IPNs to answer with HTTP 500 before reaching `handle_ipn`.
    fail_next: Arc<AtomicU32>,
    /// How many IPNs arrived.
    calls: Arc<AtomicU32>,
}

async fn ipn(State(m): State<Merchant>, RawQuery(query): RawQuery) -> Response {
    m.calls.fetch_add(1, Ordering::SeqCst);
    let failing = m
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down for maintenance").into_response();
    }
    let outcome = m
        .payments
        .handle_ipn(query.as_deref().unwrap_or_default())
        .await;
    Json(outcome.reply()).into_response()
}

/// The return page, in words a test can read.
async fn return_page(State(m): State<Merchant>, RawQuery(query): RawQuery) -> Response {
    match m
        .payments
        .handle_return(query.as_deref().unwrap_or_default())
        .await
    {
        Ok(ReturnView::Paid { receipt, .. }) => format!("paid {}", receipt.number).into_response(),
        Ok(ReturnView::Confirming { .. }) => "confirming".into_response(),
        Ok(ReturnView::NotPaid { code, .. }) => format!("not paid {code}").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// One backend's merchant and gateway.
pub struct World {
    pub t: TestDb,
    pub payments: Payments,
    pub gateway: Gateway,
    pub clock: Clock,
    pub merchant_base: Url,
    pub gateway_base: Url,
    pub fail_next: Arc<AtomicU32>,
    pub calls: Arc<AtomicU32>,
    pub retry: Retry,
}

/// Quick retries, so that a test that makes the gateway give up ends fast.
pub fn quick_retry() -> Retry {
    Retry {
        max_tries: 4,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(80),
        timeout: Duration::from_secs(10),
    }
}

pub async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in backends().await {
        out.push(world(t).await);
    }
    out
}

async fn listener() -> (TcpListener, Url) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    (listener, base)
}

async fn world(t: TestDb) -> World {
    let clock = Clock::system();
    let (merchant_listener, merchant_base) = listener().await;
    let (gateway_listener, gateway_base) = listener().await;
    let mut config = sandbox::Config::new(
        TmnCode::parse(TMN_CODE).unwrap(),
        HashSecret::generate(),
        merchant_base.join("ipn").unwrap(),
    );
    config.retry = quick_retry();
    config.clock = clock.clone();
    let retry = config.retry.clone();
    let gateway = Gateway::new(config);
    let payments = Payments::new(
        &t.db,
        Arc::new(tokio::sync::Mutex::new(())),
        gateway.terminal(&gateway_base),
    )
    .with_clock(clock.clone());
    let merchant = Merchant {
        payments: payments.clone(),
        fail_next: Arc::new(AtomicU32::new(0)),
        calls: Arc::new(AtomicU32::new(0)),
    };
    let app = Router::new()
        .route("/ipn", get(ipn))
        .route("/return", get(return_page))
        .with_state(merchant.clone());
    tokio::spawn(axum::serve(merchant_listener, app).into_future());
    tokio::spawn(axum::serve(gateway_listener, gateway.router()).into_future());
    World {
        t,
        payments,
        gateway,
        clock,
        merchant_base,
        gateway_base,
        fail_next: merchant.fail_next,
        calls: merchant.calls,
        retry,
    }
}

impl World {
    /// The backend's name, for assertion messages.
    pub fn name(&self) -> String {
        self.t.name()
    }

    /// The merchant's return page.
    pub fn return_url(&self) -> String {
        self.merchant_base.join("return").unwrap().to_string()
    }

    /// Starts an attempt for `reference` with the standard fee.
    pub async fn start(&self, reference: &str) -> Started {
        self.payments
            .start(reference, FEE, DESCRIPTION, &self.return_url(), CLIENT_IP)
            .await
            .unwrap()
    }

    /// Starts an attempt and opens its pay URL at the gateway (from code).
    pub async fn start_and_open(&self, reference: &str) -> Started {
        let started = self.start(reference).await;
        self.gateway.open(started.pay_url.as_str()).unwrap();
        started
    }

    /// The attempt as stored now.
    pub async fn attempt(&self, started: &Started) -> Attempt {
        self.payments
            .attempt(started.order_ref.as_str())
            .await
            .unwrap()
    }
}

/// The text between `start` and the next `end` in `s`.
pub fn between<'s>(s: &'s str, start: &str, end: &str) -> &'s str {
    let from = s
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {s}"))
        + start.len();
    let len = s[from..].find(end).unwrap();
    &s[from..from + len]
}

/// A result for `order_ref` signed with the merchant's own secret, as only the gateway could:
/// for notifications the sandbox would not send (an unknown order, a success after a failure).
pub fn signed_result(w: &World, result: &dinhdanh_payment::GatewayResult) -> String {
    result
        .to_params()
        .to_signed_query(&w.payments.terminal().secret)
}

/// A successful result for `order_ref` of `amount_vnd`, paid now.
pub fn success(w: &World, order_ref: &str, amount_vnd: i64) -> dinhdanh_payment::GatewayResult {
    use dinhdanh_payment::{GatewayResult, OrderRef, ResponseCode, TransactionStatus};
    GatewayResult {
        tmn_code: TmnCode::parse(TMN_CODE).unwrap(),
        txn_ref: OrderRef::parse(order_ref).unwrap(),
        amount_vnd,
        response_code: ResponseCode::Success,
        transaction_status: TransactionStatus::Success,
        transaction_no: "55550001".into(),
        bank_code: Some("NCB".into()),
        bank_tran_no: None,
        card_type: None,
        pay_date: Some(w.payments.now()),
        order_info: "Le phi".into(),
    }
}

/// The answers and outcomes logged for an order, in order.
pub async fn logged(w: &World, order_ref: &str) -> Vec<(RspCode, NotificationOutcome)> {
    w.payments
        .notifications_of(order_ref)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.rsp_code, n.outcome))
        .collect()
}
