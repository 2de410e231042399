//! What the merchant side keeps: payment attempts, the receipts of paid ones, and the log of
//! notifications received.

use url::Url;

use crate::codes::{ResponseCode, RspCode};
use crate::gmt7;
use crate::order::{Description, OrderRef, Reference};

/// Where an attempt stands, as stored: only an IPN moves it out of `Pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptStatus {
    /// Waiting for the gateway's result.
    Pending,
    /// The gateway took the money.
    Paid,
    /// The gateway reports the payment did not go through.
    Failed,
}

impl AttemptStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Pending => "pending",
            AttemptStatus::Paid => "paid",
            AttemptStatus::Failed => "failed",
        }
    }

    /// From storage.
    pub fn parse(value: &str) -> Option<AttemptStatus> {
        match value {
            "pending" => Some(AttemptStatus::Pending),
            "paid" => Some(AttemptStatus::Paid),
            "failed" => Some(AttemptStatus::Failed),
            _ => None,
        }
    }
}

/// Where an attempt stands at a given moment, for the portal: a pending attempt past its
/// expiry is `Expired`, although a late result can still settle it (see [`Flag::Late`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptState {
    /// Payable now.
    Open,
    /// No longer payable; no result came.
    Expired,
    /// Paid.
    Paid,
    /// Not paid: cancelled, refused or failed.
    Failed,
}

impl AttemptState {
    /// As shown in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Open => "open",
            AttemptState::Expired => "expired",
            AttemptState::Paid => "paid",
            AttemptState::Failed => "failed",
        }
    }
}

/// Something about a paid attempt that a person should look at: the money is recorded, never
/// dropped, but it may have to be refunded or the gateway asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// Paid after the attempt had expired (the gateway still captured it).
    Late,
    /// Paid after an earlier notification had reported the attempt failed.
    AfterFailure,
    /// The reference had already been paid by another attempt: one of the two is to be refunded.
    DoublePayment,
}

impl Flag {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Late => "late",
            Flag::AfterFailure => "after_failure",
            Flag::DoublePayment => "double_payment",
        }
    }

    /// From storage.
    pub fn parse(value: &str) -> Option<Flag> {
        match value {
            "late" => Some(Flag::Late),
            "after_failure" => Some(Flag::AfterFailure),
            "double_payment" => Some(Flag::DoublePayment),
            _ => None,
        }
    }
}

/// One payment attempt: one `vnp_TxnRef`, one pay URL, at most one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The attempt's order reference (`vnp_TxnRef`).
    pub order_ref: OrderRef,
    /// What it pays for.
    pub reference: Reference,
    /// How much, in đồng.
    pub amount_vnd: i64,
    /// Why.
    pub description: Description,
    /// When it was made, Unix ms.
    pub created_at: i64,
    /// When it stops being payable, Unix ms.
    pub expires_at: i64,
    /// Where it stands, as stored.
    pub status: AttemptStatus,
    /// The gateway's code, once it reported.
    pub response_code: Option<ResponseCode>,
    /// The gateway's transaction number, once it reported.
    pub transaction_no: Option<String>,
    /// The paying bank, once it reported.
    pub bank_code: Option<String>,
    /// When the money was taken (the gateway's pay date, else when the IPN came), Unix ms.
    pub paid_at: Option<i64>,
    /// When the IPN that settled it was recorded, Unix ms.
    pub settled_at: Option<i64>,
    /// The receipt number, once paid.
    pub receipt_number: Option<String>,
    /// What a person should look at.
    pub flags: Vec<Flag>,
    /// When the portal confirmed it had acted on the payment, Unix ms.
    pub handed_over_at: Option<i64>,
}

impl Attempt {
    /// Where the attempt stands at `now`.
    pub fn state_at(&self, now: i64) -> AttemptState {
        match self.status {
            AttemptStatus::Paid => AttemptState::Paid,
            AttemptStatus::Failed => AttemptState::Failed,
            AttemptStatus::Pending if now > self.expires_at => AttemptState::Expired,
            AttemptStatus::Pending => AttemptState::Open,
        }
    }
}

/// What [`crate::Payments::start`] gives the portal: where to send the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The new attempt's order reference.
    pub order_ref: OrderRef,
    /// The signed pay URL at the gateway.
    pub pay_url: Url,
    /// When the attempt stops being payable, Unix ms.
    pub expires_at: i64,
}

/// Whether a reference is paid, for the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// Nothing paid and no attempt open (none made, or all failed or expired).
    Unpaid,
    /// An attempt is open: the citizen may be at the gateway now (the newest open one).
    Waiting(Attempt),
    /// Paid (the first paid attempt).
    Paid(Attempt),
}

/// A paid attempt, as told to the portal so that it moves the application on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The attempt.
    pub order_ref: OrderRef,
    /// What was paid for.
    pub reference: Reference,
    /// How much, in đồng.
    pub amount_vnd: i64,
    /// The receipt.
    pub receipt_number: String,
    /// When the money was taken, Unix ms.
    pub paid_at: i64,
    /// What a person should look at.
    pub flags: Vec<Flag>,
}

/// The receipt (biên lai) of a paid attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `BL-yyyyMMdd-<order ref>`: the day paid (GMT+7) and the attempt, unique because the
    /// attempt is, and readable over the phone.
    pub number: String,
    /// The attempt.
    pub order_ref: OrderRef,
    /// What was paid for.
    pub reference: Reference,
    /// How much, in đồng.
    pub amount_vnd: i64,
    /// Why, with diacritics.
    pub description: String,
    /// When the money was taken, Unix ms.
    pub paid_at: i64,
    /// The gateway's transaction number.
    pub transaction_no: String,
    /// The paying bank.
    pub bank_code: Option<String>,
    /// What a person should look at.
    pub flags: Vec<Flag>,
}

/// The receipt number of an attempt paid at `paid_at`.
pub(crate) fn receipt_number(order_ref: &OrderRef, paid_at: i64) -> String {
    format!("BL-{}-{}", gmt7::day(paid_at), order_ref.as_str())
}

/// What became of one IPN, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationOutcome {
    /// It settled the attempt as paid.
    Paid,
    /// It settled the attempt as failed.
    Failed,
    /// The attempt was settled already: nothing changed.
    AlreadyConfirmed,
    /// No attempt has its order reference.
    NotFound,
    /// Its amount is not the attempt's.
    InvalidAmount,
    /// Its signature does not verify.
    InvalidSignature,
    /// It could not be read or recorded.
    Error,
}

impl NotificationOutcome {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationOutcome::Paid => "paid",
            NotificationOutcome::Failed => "failed",
            NotificationOutcome::AlreadyConfirmed => "already_confirmed",
            NotificationOutcome::NotFound => "not_found",
            NotificationOutcome::InvalidAmount => "invalid_amount",
            NotificationOutcome::InvalidSignature => "invalid_signature",
            NotificationOutcome::Error => "error",
        }
    }

    /// From storage.
    pub fn parse(value: &str) -> Option<NotificationOutcome> {
        [
            NotificationOutcome::Paid,
            NotificationOutcome::Failed,
            NotificationOutcome::AlreadyConfirmed,
            NotificationOutcome::NotFound,
            NotificationOutcome::InvalidAmount,
            NotificationOutcome::InvalidSignature,
            NotificationOutcome::Error,
        ]
        .into_iter()
        .find(|o| o.as_str() == value)
    }
}

/// One IPN as received and answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// When it came, Unix ms.
    pub received_at: i64,
    /// The `vnp_TxnRef` it named, verified or not.
    pub txn_ref: Option<String>,
    /// The answer given.
    pub rsp_code: RspCode,
    /// What became of it.
    pub outcome: NotificationOutcome,
    /// Why, in words, when it changed nothing.
    pub detail: Option<String>,
    /// The query as received (cut at 4,000 characters).
    pub query: String,
}
