//! A sandbox payment gateway that behaves like the real one at its edges, for the demo and the
//! tests: it serves a pay page for signed pay URLs, lets the customer pay, cancel or fail,
//! redirects the browser back with a signed result, and sends the IPN to the merchant with
//! retries and backoff until the merchant answers `00` or `02`.
//!
//! It can be driven from code as well as through its pages ([`Gateway::open`],
//! [`Gateway::pay`], [`Gateway::complete`]), and misbehaves on request so that the merchant's
//! defences can be tested: a duplicate IPN ([`Gateway::resend_ipn`]), a payment after expiry,
//! a result signed with the wrong key, or one with another amount ([`Twist`]).
//!
//! Orders live in memory: a sandbox forgets everything when it stops, as a test gateway may.

mod notify;
mod page;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, RngCore};
use url::Url;

use crate::codes::{ResponseCode, TransactionStatus};
use crate::error::QueryError;
use crate::order::TmnCode;
use crate::protocol::{GatewayResult, PayRequest};
use crate::signing::{self, HashSecret};
use crate::{Clock, Terminal};

pub use notify::{Delivery, Retry, Try, TryOutcome};

/// The path of the pay page, the same as the real gateway's.
pub const PAY_PATH: &str = "/paymentv2/vpcpay.html";
/// The bank the sandbox pretends the customer paid with (VNPay's sandbox test bank).
pub const BANK_CODE: &str = "NCB";

/// What the sandbox needs to know about the one terminal it serves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The terminal's code.
    pub tmn_code: TmnCode,
    /// The terminal's hash secret.
    pub secret: HashSecret,
    /// Where the merchant receives IPNs (registered with the gateway, not sent in the pay URL).
    pub ipn_url: Url,
    /// How IPNs are retried.
    pub retry: Retry,
    /// The gateway's clock (tests share theirs, to move time for both sides).
    pub clock: Clock,
}

impl Config {
    /// A terminal with the default retry schedule and the system clock.
    pub fn new(tmn_code: TmnCode, secret: HashSecret, ipn_url: Url) -> Config {
        Config {
            tmn_code,
            secret,
            ipn_url,
            retry: Retry::default(),
            clock: Clock::system(),
        }
    }
}

/// What the customer does on the pay page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Pays: codes `00`/`00`.
    Pay,
    /// Cancels: code `24`, status `02`, no transaction.
    Cancel,
    /// The bank refuses (not enough money): code `51`, status `02`.
    Fail,
}

impl Choice {
    /// As the page's buttons send it.
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Pay => "pay",
            Choice::Cancel => "cancel",
            Choice::Fail => "fail",
        }
    }

    /// From the page's form.
    pub fn parse(value: &str) -> Option<Choice> {
        [Choice::Pay, Choice::Cancel, Choice::Fail]
            .into_iter()
            .find(|c| c.as_str() == value)
    }
}

/// Ways to misbehave on purpose when completing an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Twist {
    /// Sign the result with a key that is not the terminal's (a forgery).
    pub wrong_key: bool,
    /// Report this amount instead of the order's.
    pub amount_vnd: Option<i64>,
    /// Complete the order even though it expired (a late capture).
    pub ignore_expiry: bool,
}

/// An order completed through [`Gateway::complete`].
#[derive(Debug, Clone)]
pub struct Completion {
    /// The result as reported.
    pub result: GatewayResult,
    /// Where the browser was sent back to: `vnp_ReturnUrl` with the signed result.
    pub return_url: Url,
    /// How the IPN went.
    pub delivery: Delivery,
}

/// Why the sandbox refuses.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The pay URL cannot be trusted or read.
    #[error("{0}")]
    Query(#[from] QueryError),
    /// The pay URL names another terminal.
    #[error("terminal {tmn_code:?} is not known to this gateway")]
    UnknownTerminal {
        /// The code named.
        tmn_code: String,
    },
    /// No order has this reference (its pay page was never opened).
    #[error("there is no order {order_ref:?} at this gateway")]
    UnknownOrder {
        /// The reference named.
        order_ref: String,
    },
    /// The same `vnp_TxnRef` with different contents.
    #[error(
        "order {order_ref} already exists with other details; each attempt needs its own vnp_TxnRef"
    )]
    ConflictingOrder {
        /// The reference.
        order_ref: String,
    },
    /// The order's time to pay ran out.
    #[error("order {order_ref} expired; go back to the merchant and start again")]
    Expired {
        /// The reference.
        order_ref: String,
    },
    /// The order was paid, cancelled or failed already.
    #[error("order {order_ref} is already completed")]
    AlreadyCompleted {
        /// The reference.
        order_ref: String,
    },
    /// The order has no result yet, so there is no IPN to send again.
    #[error("order {order_ref} has no result yet")]
    NotCompleted {
        /// The reference.
        order_ref: String,
    },
    /// The form was not the one the pay page showed for this order.
    #[error("the form does not belong to order {order_ref}; open the pay page again")]
    BadToken {
        /// The reference.
        order_ref: String,
    },
    /// No IPN delivery finished in time.
    #[error("no notification for order {order_ref} finished in time")]
    Timeout {
        /// The reference.
        order_ref: String,
    },
}

impl SandboxError {
    /// What to tell the customer on the pay page, in Vietnamese.
    pub fn vietnamese(&self) -> &'static str {
        match self {
            SandboxError::Query(_) => {
                "Dữ liệu thanh toán không hợp lệ (sai chữ ký hoặc thiếu thông tin)."
            }
            SandboxError::UnknownTerminal { .. } => {
                "Website này chưa được đăng ký với cổng thanh toán."
            }
            SandboxError::UnknownOrder { .. } => "Không tìm thấy giao dịch.",
            SandboxError::ConflictingOrder { .. } => "Mã giao dịch đã tồn tại với thông tin khác.",
            SandboxError::Expired { .. } => "Giao dịch đã quá thời gian chờ thanh toán.",
            SandboxError::AlreadyCompleted { .. } => "Giao dịch đã được xử lý.",
            SandboxError::NotCompleted { .. } => "Giao dịch chưa có kết quả.",
            SandboxError::BadToken { .. } => "Biểu mẫu không hợp lệ; hãy mở lại trang thanh toán.",
            SandboxError::Timeout { .. } => "Hết thời gian chờ thông báo.",
        }
    }
}

/// An order the gateway knows.
struct Order {
    request: PayRequest,
    /// Ties the page's form to the order.
    token: String,
    completed: Option<Completed>,
    deliveries: Vec<Delivery>,
}

/// An order's result, as sent.
#[derive(Clone)]
struct Completed {
    result: GatewayResult,
    /// The signed result query, for the return URL and the IPN.
    query: String,
    return_url: Url,
}

struct Inner {
    config: Config,
    client: reqwest::Client,
    orders: Mutex<HashMap<String, Order>>,
    next_transaction: AtomicU64,
}

/// The sandbox gateway; clones share it.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl Gateway {
    /// A gateway serving one terminal, trusting the system's roots when it notifies an HTTPS
    /// merchant.
    pub fn new(config: Config) -> Gateway {
        Gateway::with_tls(config, &dinhdanh_http::ClientTls::system())
    }

    /// A gateway serving one terminal, trusting `tls` when it notifies an HTTPS merchant.
    pub fn with_tls(config: Config, tls: &dinhdanh_http::ClientTls) -> Gateway {
        let client = tls
            .client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.retry.timeout)
            .build()
            .expect("an HTTP client over a ready TLS configuration");
        Gateway {
            inner: Arc::new(Inner {
                config,
                client,
                orders: Mutex::new(HashMap::new()),
                next_transaction: AtomicU64::new(rand::rng().random_range(10_000_000..90_000_000)),
            }),
        }
    }

    /// The terminal a merchant configures to pay through this gateway served at `base` (e.g.
    /// `http://127.0.0.1:8081/`).
    pub fn terminal(&self, base: &Url) -> Terminal {
        Terminal {
            tmn_code: self.inner.config.tmn_code.clone(),
            secret: self.inner.config.secret.clone(),
            pay_page: base
                .join(PAY_PATH)
                .expect("the pay path joins any base URL"),
        }
    }

    /// The pay page, to serve.
    pub fn router(&self) -> axum::Router {
        page::router(self.clone())
    }

    /// The customer arrives with a pay URL (or its query): the gateway checks it and knows the
    /// order. Opening the same URL again shows the same order.
    pub fn open(&self, pay_url: &str) -> Result<PayRequest, SandboxError> {
        let query = pay_url.split_once('?').map_or(pay_url, |(_, q)| q);
        let named = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "vnp_TmnCode")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if named != self.inner.config.tmn_code.as_str() {
            return Err(SandboxError::UnknownTerminal { tmn_code: named });
        }
        let params = signing::verify(&self.inner.config.secret, query)?;
        let request = PayRequest::parse(&params)?;
        let order_ref = request.txn_ref.to_string();
        if self.now() > request.expire_date {
            return Err(SandboxError::Expired { order_ref });
        }
        let mut orders = self.orders();
        match orders.get(&order_ref) {
            Some(known) if known.request != request => {
                Err(SandboxError::ConflictingOrder { order_ref })
            }
            Some(_) => Ok(request),
            None => {
                let mut token = [0u8; 16];
                rand::rng().fill_bytes(&mut token);
                orders.insert(
                    order_ref,
                    Order {
                        request: request.clone(),
                        token: hex::encode(token),
                        completed: None,
                        deliveries: Vec::new(),
                    },
                );
                Ok(request)
            }
        }
    }

    /// The customer pays, and the gateway notifies the merchant (waiting for the delivery).
    pub async fn pay(&self, order_ref: &str) -> Result<Completion, SandboxError> {
        self.complete(order_ref, Choice::Pay, Twist::default())
            .await
    }

    /// The customer cancels, and the gateway notifies the merchant.
    pub async fn cancel(&self, order_ref: &str) -> Result<Completion, SandboxError> {
        self.complete(order_ref, Choice::Cancel, Twist::default())
            .await
    }

    /// Completes an order as `choice`, twisted as asked, and delivers the IPN (with retries),
    /// returning once the delivery finished.
    pub async fn complete(
        &self,
        order_ref: &str,
        choice: Choice,
        twist: Twist,
    ) -> Result<Completion, SandboxError> {
        let completed = self.finish(order_ref, None, choice, &twist)?;
        let delivery = self.deliver(order_ref, &completed.query).await;
        Ok(Completion {
            result: completed.result,
            return_url: completed.return_url,
            delivery,
        })
    }

    /// Sends an order's IPN again, exactly as before (a duplicate notification).
    pub async fn resend_ipn(&self, order_ref: &str) -> Result<Delivery, SandboxError> {
        let query = {
            let orders = self.orders();
            let order = orders
                .get(order_ref)
                .ok_or_else(|| SandboxError::UnknownOrder {
                    order_ref: order_ref.to_owned(),
                })?;
            let completed = order
                .completed
                .as_ref()
                .ok_or_else(|| SandboxError::NotCompleted {
                    order_ref: order_ref.to_owned(),
                })?;
            completed.query.clone()
        };
        Ok(self.deliver(order_ref, &query).await)
    }

    /// The IPN deliveries of an order so far, oldest first.
    pub fn deliveries(&self, order_ref: &str) -> Vec<Delivery> {
        self.orders()
            .get(order_ref)
            .map(|o| o.deliveries.clone())
            .unwrap_or_default()
    }

    /// Waits until at least one IPN delivery of the order finished (for orders completed
    /// through the pay page, whose IPN goes out in the background) and returns the first.
    pub async fn wait_delivered(
        &self,
        order_ref: &str,
        timeout: Duration,
    ) -> Result<Delivery, SandboxError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(first) = self.deliveries(order_ref).into_iter().next() {
                return Ok(first);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SandboxError::Timeout {
                    order_ref: order_ref.to_owned(),
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Records the order's result (the form's `token` is checked when given) and returns it,
    /// signed, without notifying anyone yet.
    fn finish(
        &self,
        order_ref: &str,
        token: Option<&str>,
        choice: Choice,
        twist: &Twist,
    ) -> Result<Completed, SandboxError> {
        let now = self.now();
        let mut orders = self.orders();
        let order = orders
            .get_mut(order_ref)
            .ok_or_else(|| SandboxError::UnknownOrder {
                order_ref: order_ref.to_owned(),
            })?;
        if token.is_some_and(|t| t != order.token) {
            return Err(SandboxError::BadToken {
                order_ref: order_ref.to_owned(),
            });
        }
        if order.completed.is_some() {
            return Err(SandboxError::AlreadyCompleted {
                order_ref: order_ref.to_owned(),
            });
        }
        if now > order.request.expire_date && !twist.ignore_expiry {
            return Err(SandboxError::Expired {
                order_ref: order_ref.to_owned(),
            });
        }
        let request = &order.request;
        let paid = choice == Choice::Pay;
        let transaction_no = match choice {
            Choice::Cancel => "0".to_owned(),
            Choice::Pay | Choice::Fail => self
                .inner
                .next_transaction
                .fetch_add(1, Ordering::Relaxed)
                .to_string(),
        };
        let result = GatewayResult {
            tmn_code: request.tmn_code.clone(),
            txn_ref: request.txn_ref.clone(),
            amount_vnd: twist.amount_vnd.unwrap_or(request.amount_vnd),
            response_code: match choice {
                Choice::Pay => ResponseCode::Success,
                Choice::Cancel => ResponseCode::Cancelled,
                Choice::Fail => ResponseCode::InsufficientFunds,
            },
            transaction_status: if paid {
                TransactionStatus::Success
            } else {
                TransactionStatus::Failed
            },
            bank_tran_no: paid.then(|| format!("VNP{transaction_no}")),
            transaction_no,
            bank_code: Some(BANK_CODE.to_owned()),
            card_type: paid.then(|| "ATM".to_owned()),
            pay_date: Some(now),
            order_info: request.order_info.clone(),
        };
        let secret = if twist.wrong_key {
            HashSecret::generate()
        } else {
            self.inner.config.secret.clone()
        };
        let query = result.to_params().to_signed_query(&secret);
        let base = request.return_url.as_str();
        let separator = if request.return_url.url().query().is_some() {
            '&'
        } else {
            '?'
        };
        let return_url = Url::parse(&format!("{base}{separator}{query}"))
            .expect("a valid URL with a form-encoded query appended stays valid");
        let completed = Completed {
            result,
            query,
            return_url,
        };
        order.completed = Some(completed.clone());
        Ok(completed)
    }

    /// Delivers an IPN and records how it went.
    async fn deliver(&self, order_ref: &str, query: &str) -> Delivery {
        let delivery = notify::deliver(
            &self.inner.client,
            &self.inner.config.ipn_url,
            query,
            &self.inner.config.retry,
            &self.inner.config.clock,
        )
        .await;
        if let Some(order) = self.orders().get_mut(order_ref) {
            order.deliveries.push(delivery.clone());
        }
        delivery
    }

    fn now(&self) -> i64 {
        self.inner.config.clock.now_ms()
    }

    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, Order>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner
            .orders
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The order as the pay page shows it, with its form token.
    fn shown(&self, order_ref: &str) -> Option<(PayRequest, String)> {
        self.orders()
            .get(order_ref)
            .map(|o| (o.request.clone(), o.token.clone()))
    }

    /// The terminal's code.
    fn tmn_code(&self) -> &TmnCode {
        &self.inner.config.tmn_code
    }
}
