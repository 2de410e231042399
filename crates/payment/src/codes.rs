//! The gateway's two-digit codes, each spelled once: what the gateway reports about a payment
//! (`vnp_ResponseCode`, `vnp_TransactionStatus`) and what the merchant answers an IPN with
//! (`RspCode` and `Message`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a payment succeeded or failed, as the gateway reports it in `vnp_ResponseCode`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    /// `00`: the payment went through.
    Success,
    /// `07`: money was taken but the transaction is held as suspicious; the merchant confirms
    /// or refuses it in the gateway's merchant admin.
    Suspicious,
    /// `09`: the card or account is not registered for internet banking.
    NoInternetBanking,
    /// `10`: the card or account details were entered wrongly more than three times.
    AuthenticationFailed,
    /// `11`: the time to pay ran out.
    Expired,
    /// `12`: the card or account is locked.
    CardLocked,
    /// `13`: a wrong one-time password.
    WrongOtp,
    /// `24`: the customer cancelled.
    Cancelled,
    /// `51`: not enough money in the account.
    InsufficientFunds,
    /// `65`: over the account's daily limit.
    DailyLimit,
    /// `75`: the paying bank is under maintenance.
    BankMaintenance,
    /// `79`: the payment password was entered wrongly too many times.
    WrongPassword,
    /// Any other two-digit code (`99` is "other errors").
    Other(String),
}

impl ResponseCode {
    /// A code from the wire: exactly two digits.
    pub fn parse(value: &str) -> Option<ResponseCode> {
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(match value {
            "00" => ResponseCode::Success,
            "07" => ResponseCode::Suspicious,
            "09" => ResponseCode::NoInternetBanking,
            "10" => ResponseCode::AuthenticationFailed,
            "11" => ResponseCode::Expired,
            "12" => ResponseCode::CardLocked,
            "13" => ResponseCode::WrongOtp,
            "24" => ResponseCode::Cancelled,
            "51" => ResponseCode::InsufficientFunds,
            "65" => ResponseCode::DailyLimit,
            "75" => ResponseCode::BankMaintenance,
            "79" => ResponseCode::WrongPassword,
            other => ResponseCode::Other(other.to_owned()),
        })
    }

    /// The code as the gateway writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseCode::Success => "00",
            ResponseCode::Suspicious => "07",
            ResponseCode::NoInternetBanking => "09",
            ResponseCode::AuthenticationFailed => "10",
            ResponseCode::Expired => "11",
            ResponseCode::CardLocked => "12",
            ResponseCode::WrongOtp => "13",
            ResponseCode::Cancelled => "24",
            ResponseCode::InsufficientFunds => "51",
            ResponseCode::DailyLimit => "65",
            ResponseCode::BankMaintenance => "75",
            ResponseCode::WrongPassword => "79",
            ResponseCode::Other(code) => code,
        }
    }

    /// What to tell the citizen, in Vietnamese and English.
    pub fn texts(&self) -> (&'static str, &'static str) {
        match self {
            ResponseCode::Success => ("Thanh toán thành công.", "The payment went through."),
            ResponseCode::Suspicious => (
                "Tiền đã bị trừ nhưng giao dịch đang được kiểm tra; cơ quan sẽ liên hệ với bạn.",
                "Money was taken but the transaction is being checked; the agency will contact you.",
            ),
            ResponseCode::NoInternetBanking => (
                "Thẻ/tài khoản chưa đăng ký dịch vụ Internet Banking.",
                "The card or account is not registered for internet banking.",
            ),
            ResponseCode::AuthenticationFailed => (
                "Xác thực thông tin thẻ/tài khoản sai quá 3 lần.",
                "The card or account details were entered wrongly more than three times.",
            ),
            ResponseCode::Expired => (
                "Đã hết thời gian chờ thanh toán; hãy thanh toán lại.",
                "The time to pay ran out; please pay again.",
            ),
            ResponseCode::CardLocked => {
                ("Thẻ/tài khoản bị khóa.", "The card or account is locked.")
            }
            ResponseCode::WrongOtp => (
                "Nhập sai mật khẩu xác thực giao dịch (OTP).",
                "The one-time password was wrong.",
            ),
            ResponseCode::Cancelled => ("Bạn đã hủy giao dịch.", "You cancelled the payment."),
            ResponseCode::InsufficientFunds => (
                "Tài khoản không đủ số dư.",
                "There is not enough money in the account.",
            ),
            ResponseCode::DailyLimit => (
                "Tài khoản đã vượt quá hạn mức giao dịch trong ngày.",
                "The account is over its daily limit.",
            ),
            ResponseCode::BankMaintenance => (
                "Ngân hàng thanh toán đang bảo trì.",
                "The paying bank is under maintenance.",
            ),
            ResponseCode::WrongPassword => (
                "Nhập sai mật khẩu thanh toán quá số lần quy định.",
                "The payment password was entered wrongly too many times.",
            ),
            ResponseCode::Other(_) => (
                "Giao dịch không thành công.",
                "The payment did not go through.",
            ),
        }
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of the transaction at the gateway (`vnp_TransactionStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    /// `00`: completed successfully.
    Success,
    /// `01`: not completed.
    Incomplete,
    /// `02`: failed.
    Failed,
    /// `04`: reversed (the bank took the money but the gateway did not complete).
    Reversed,
    /// `07`: held as suspicious.
    Suspicious,
    /// Any other two-digit status (refund states).
    Other(String),
}

impl TransactionStatus {
    /// A status from the wire: exactly two digits.
    pub fn parse(value: &str) -> Option<TransactionStatus> {
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(match value {
            "00" => TransactionStatus::Success,
            "01" => TransactionStatus::Incomplete,
            "02" => TransactionStatus::Failed,
            "04" => TransactionStatus::Reversed,
            "07" => TransactionStatus::Suspicious,
            other => TransactionStatus::Other(other.to_owned()),
        })
    }

    /// The status as the gateway writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TransactionStatus::Success => "00",
            TransactionStatus::Incomplete => "01",
            TransactionStatus::Failed => "02",
            TransactionStatus::Reversed => "04",
            TransactionStatus::Suspicious => "07",
            TransactionStatus::Other(code) => code,
        }
    }
}

impl fmt::Display for TransactionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The merchant's answer to an IPN (`RspCode`). `00` and `02` tell the gateway to stop;
/// anything else makes it send the notification again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RspCode {
    /// `00`: the result was recorded.
    ConfirmSuccess,
    /// `01`: no such order.
    OrderNotFound,
    /// `02`: the order already has its result; nothing was changed.
    AlreadyConfirmed,
    /// `04`: the amount is not the order's.
    InvalidAmount,
    /// `97`: the signature does not verify.
    InvalidSignature,
    /// `99`: anything else (the merchant could not record the result now).
    UnknownError,
}

impl RspCode {
    /// Every answer, for tests and for reading an answer back.
    pub const ALL: [RspCode; 6] = [
        RspCode::ConfirmSuccess,
        RspCode::OrderNotFound,
        RspCode::AlreadyConfirmed,
        RspCode::InvalidAmount,
        RspCode::InvalidSignature,
        RspCode::UnknownError,
    ];

    /// The code as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            RspCode::ConfirmSuccess => "00",
            RspCode::OrderNotFound => "01",
            RspCode::AlreadyConfirmed => "02",
            RspCode::InvalidAmount => "04",
            RspCode::InvalidSignature => "97",
            RspCode::UnknownError => "99",
        }
    }

    /// The message sent with it, as in VNPay's reference code.
    pub fn message(self) -> &'static str {
        match self {
            RspCode::ConfirmSuccess => "Confirm Success",
            RspCode::OrderNotFound => "Order not found",
            RspCode::AlreadyConfirmed => "Order already confirmed",
            RspCode::InvalidAmount => "Invalid amount",
            RspCode::InvalidSignature => "Invalid signature",
            RspCode::UnknownError => "Unknown error",
        }
    }

    /// A code read back from an answer.
    pub fn parse(value: &str) -> Option<RspCode> {
        RspCode::ALL.into_iter().find(|c| c.as_str() == value)
    }

    /// Whether the gateway should stop sending this notification.
    pub fn is_final(self) -> bool {
        matches!(self, RspCode::ConfirmSuccess | RspCode::AlreadyConfirmed)
    }

    /// The JSON body to answer with.
    pub fn reply(self) -> IpnReply {
        IpnReply {
            rsp_code: self.as_str().to_owned(),
            message: self.message().to_owned(),
        }
    }
}

/// The JSON body of an IPN answer: `{"RspCode":"00","Message":"Confirm Success"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpnReply {
    /// The two-digit answer.
    #[serde(rename = "RspCode")]
    pub rsp_code: String,
    /// Its message.
    #[serde(rename = "Message")]
    pub message: String,
}

impl IpnReply {
    /// The typed code, if it is one of the known answers.
    pub fn code(&self) -> Option<RspCode> {
        RspCode::parse(&self.rsp_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            "00", "07", "09", "10", "11", "12", "13", "24", "51", "65", "75", "79", "99",
        ] {
            assert_eq!(ResponseCode::parse(code).unwrap().as_str(), code);
        }
        for status in ["00", "01", "02", "04", "05", "07"] {
            assert_eq!(TransactionStatus::parse(status).unwrap().as_str(), status);
        }
        for bad in ["", "0", "000", "a0", " 0"] {
            assert_eq!(ResponseCode::parse(bad), None);
            assert_eq!(TransactionStatus::parse(bad), None);
        }
        for code in RspCode::ALL {
            assert_eq!(RspCode::parse(code.as_str()), Some(code));
        }
    }

    #[test]
    fn the_reply_is_the_gateways_json() {
        let json = serde_json::to_string(&RspCode::ConfirmSuccess.reply()).unwrap();
        assert_eq!(json, r#"{"RspCode":"00","Message":"Confirm Success"}"#);
        let back: IpnReply = serde_json::from_str(r#"{"RspCode":"02","Message":"x"}"#).unwrap();
        assert_eq!(back.code(), Some(RspCode::AlreadyConfirmed));
        assert!(RspCode::AlreadyConfirmed.is_final());
        assert!(!RspCode::UnknownError.is_final());
    }
}
