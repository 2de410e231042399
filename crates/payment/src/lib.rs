//! Online fee payment for public-service applications: the portal asks a citizen to pay a fee
//! in đồng, sends them to a payment gateway with a signed URL, and records the result the
//! gateway notifies, with a receipt.
//!
//! # The gateway protocol relied on
//!
//! The reference is VNPay's "Cổng thanh toán VNPAY" pay flow, version 2.1.0, as its integration
//! guide and reference code (PHP and Java) describe it:
//!
//! - The pay URL is the gateway's pay page with `vnp_Version=2.1.0`, `vnp_Command=pay`,
//!   `vnp_TmnCode` (8 characters), `vnp_Amount` (đồng ×100), `vnp_CurrCode=VND`, `vnp_TxnRef`
//!   (unique per attempt), `vnp_OrderInfo` (Vietnamese without diacritics), `vnp_OrderType`,
//!   `vnp_Locale`, `vnp_ReturnUrl`, `vnp_IpAddr`, `vnp_CreateDate` and `vnp_ExpireDate`
//!   (`yyyyMMddHHmmss`, GMT+7) and `vnp_SecureHash`.
//! - `vnp_SecureHash` is HMAC-SHA512 (lower-case hex) under the terminal's hash secret over the
//!   `vnp_` parameters other than `vnp_SecureHash`/`vnp_SecureHashType`, sorted by name, empty
//!   values left out, each `name=value` with the value URL-encoded as
//!   `application/x-www-form-urlencoded`, joined by `&` ([`signing`] says exactly how).
//! - After payment the gateway redirects the browser to `vnp_ReturnUrl` and calls the
//!   merchant's IPN URL (HTTP GET) with the same signed result: `vnp_TmnCode`, `vnp_TxnRef`,
//!   `vnp_Amount`, `vnp_ResponseCode`, `vnp_TransactionStatus`, `vnp_TransactionNo`,
//!   `vnp_BankCode`, `vnp_BankTranNo`, `vnp_CardType`, `vnp_PayDate`, `vnp_OrderInfo`.
//!   Success is `vnp_ResponseCode=00` and `vnp_TransactionStatus=00`; `24` is a cancellation.
//! - The merchant answers the IPN with JSON `{"RspCode":…,"Message":…}`, checking in this
//!   order: signature (`97`), order exists (`01`), amount (`04`), order not yet confirmed
//!   (`02`), then records the result (`00`); any other failure is `99`. The gateway sends the
//!   IPN again until it gets `00` or `02`. Only the IPN updates the order; the return URL only
//!   shows the result.
//!
//! Where the guide is silent this crate decides, and says so: the order references are random
//! ([`OrderRef`]); a success that arrives after the attempt expired, after it was reported
//! failed, or for a reference already paid is recorded as paid and flagged ([`Flag`]), because
//! the gateway has taken the money and a payment must never be lost; the gateway's retry
//! schedule is not relied on (the sandbox's is configurable).
//!
//! # Shape
//!
//! [`signing`], [`protocol`], [`codes`], [`order`] and [`gmt7`] are pure. [`Payments`] is the
//! merchant side, storing attempts and notifications with SQL written once for SQLite and
//! PostgreSQL; SQLite writers queue on the write gate shared with the other capabilities.
//! [`sandbox`] is a fake gateway at the true edge (pay page, redirect, IPN with retries) that
//! the demo and the tests pay through, and that misbehaves on request.
//!
//! # Handing payments over to the portal
//!
//! [`Payments::handle_ipn`] returns [`IpnOutcome::Settled`] when an attempt becomes paid, and the
//! caller moves the application on. So that a crash between the two loses nothing, every paid
//! attempt stays in [`Payments::settlements_to_hand_over`] until the portal calls
//! [`Payments::handed_over`] for it; a portal that restarts reads that list and acts again
//! (acting must be idempotent per reference). [`Payments::is_paid`] answers the question directly.
#![forbid(unsafe_code)]

mod attempt;
pub mod codes;
mod error;
pub mod gmt7;
mod merchant;
pub mod order;
pub mod protocol;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod signing;
mod store;

use std::sync::Arc;
use std::time::Duration;

use dinhdanh_store::Db;
use url::Url;

pub use attempt::{
    Attempt, AttemptState, AttemptStatus, Flag, Notification, NotificationOutcome, PaymentState,
    Receipt, Settlement, Started,
};
pub use codes::{IpnReply, ResponseCode, RspCode, TransactionStatus};
pub use dinhdanh_accounts::Clock;
pub use error::{PaymentError, QueryError};
pub use merchant::{IpnOutcome, ReturnView};
pub use order::{ClientIp, Description, Order, OrderRef, Reference, ReturnUrl, TmnCode};
pub use protocol::{GatewayResult, Locale, PayRequest};
pub use signing::HashSecret;

/// How long an attempt stays payable unless configured otherwise.
pub const DEFAULT_ATTEMPT_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// The most attempts or notifications one list shows.
pub const MAX_LISTED: u32 = 200;

/// The merchant's terminal at the gateway: its code, its hash secret and the gateway's pay page.
#[derive(Debug, Clone)]
pub struct Terminal {
    /// The terminal code (`vnp_TmnCode`).
    pub tmn_code: TmnCode,
    /// The hash secret.
    pub secret: HashSecret,
    /// The gateway's pay page, e.g. `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html`.
    pub pay_page: Url,
}

impl Terminal {
    /// A terminal from configuration text.
    pub fn parse(tmn_code: &str, secret: &str, pay_page: &str) -> Result<Terminal, PaymentError> {
        let bad = |reason| PaymentError::InvalidPayPage {
            value: pay_page.to_owned(),
            reason,
        };
        let page = Url::parse(pay_page).map_err(|_| bad("it is not an absolute URL"))?;
        if !matches!(page.scheme(), "http" | "https") || page.host().is_none() {
            return Err(bad("it must be an http or https address"));
        }
        if page.query().is_some() || page.fragment().is_some() {
            return Err(bad("it must not carry a query or a fragment"));
        }
        Ok(Terminal {
            tmn_code: TmnCode::parse(tmn_code)?,
            secret: HashSecret::parse(secret)?,
            pay_page: page,
        })
    }
}

/// The fee-payment capability, merchant side.
#[derive(Clone)]
pub struct Payments {
    db: Db,
    gate: Arc<tokio::sync::Mutex<()>>,
    clock: Clock,
    terminal: Arc<Terminal>,
    lifetime_ms: i64,
}

impl Payments {
    /// Payments through `terminal`, stored in `db`; on SQLite, writes queue on `gate`, the write
    /// gate every capability of the database shares (`Accounts::sqlite_write_gate`).
    pub fn new(db: &Db, gate: Arc<tokio::sync::Mutex<()>>, terminal: Terminal) -> Payments {
        Payments {
            db: db.clone(),
            gate,
            clock: Clock::system(),
            terminal: Arc::new(terminal),
            lifetime_ms: DEFAULT_ATTEMPT_LIFETIME.as_millis() as i64,
        }
    }

    /// The same capability reading time from `clock` (tests pass one they move).
    pub fn with_clock(mut self, clock: Clock) -> Payments {
        self.clock = clock;
        self
    }

    /// The same capability with attempts payable for `lifetime` (at least a minute).
    pub fn with_attempt_lifetime(mut self, lifetime: Duration) -> Payments {
        self.lifetime_ms = lifetime.max(Duration::from_secs(60)).as_millis() as i64;
        self
    }

    /// Now, in Unix milliseconds, by this capability's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The terminal payments go through.
    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_is_read_from_configuration_or_refused() {
        let t = Terminal::parse(
            "DDTEST01",
            "SECRETKEYFORTESTSONLY0123456789AB",
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        )
        .unwrap();
        assert_eq!(t.tmn_code.as_str(), "DDTEST01");
        assert_eq!(t.pay_page.path(), "/paymentv2/vpcpay.html");
        let page = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html";
        let secret = "SECRETKEYFORTESTSONLY0123456789AB";
        for (code, secret, page, expected) in [
            ("DDTEST1", secret, page, "payment.invalid_tmn_code"),
            ("DDTEST01", "short", page, "payment.weak_secret"),
            (
                "DDTEST01",
                secret,
                "vpcpay.html",
                "payment.invalid_pay_page",
            ),
            (
                "DDTEST01",
                secret,
                "ftp://gw.example.vn/pay",
                "payment.invalid_pay_page",
            ),
            (
                "DDTEST01",
                secret,
                "https://gw.example.vn/pay?x=1",
                "payment.invalid_pay_page",
            ),
        ] {
            assert_eq!(
                Terminal::parse(code, secret, page).unwrap_err().code(),
                expected,
                "{code} {page}"
            );
        }
    }
}
