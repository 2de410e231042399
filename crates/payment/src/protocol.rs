//! The two messages of the gateway's pay flow as typed values, each with the one function that
//! writes it and the one that reads it: the [`PayRequest`] the merchant signs into the pay URL,
//! and the [`GatewayResult`] the gateway signs into the return URL and the IPN.
//!
//! Both directions are here because the sandbox gateway reads what the merchant writes and
//! writes what the merchant reads; keeping the parameter names in one file keeps them in step.

use url::Url;

use crate::codes::{ResponseCode, TransactionStatus};
use crate::error::QueryError;
use crate::gmt7;
use crate::order::{ClientIp, MAX_AMOUNT_VND, MIN_AMOUNT_VND, OrderRef, ReturnUrl, TmnCode};
use crate::signing::{HashSecret, Params};

/// The protocol version spoken (`vnp_Version`).
pub const VERSION: &str = "2.1.0";
/// The command of a payment (`vnp_Command`).
pub const COMMAND_PAY: &str = "pay";
/// The only currency (`vnp_CurrCode`).
pub const CURRENCY: &str = "VND";
/// The order category sent (`vnp_OrderType`); the gateway's catalogue has no public-fee entry.
pub const ORDER_TYPE: &str = "other";

/// The language of the gateway's pages (`vnp_Locale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// `vn`.
    Vietnamese,
    /// `en`.
    English,
}

impl Locale {
    /// As sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Vietnamese => "vn",
            Locale::English => "en",
        }
    }
}

/// A payment request, as signed into the pay URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayRequest {
    /// The merchant's terminal.
    pub tmn_code: TmnCode,
    /// The order reference of this attempt.
    pub txn_ref: OrderRef,
    /// The amount in đồng (sent ×100).
    pub amount_vnd: i64,
    /// What is paid for, without diacritics.
    pub order_info: String,
    /// Where the citizen comes back to.
    pub return_url: ReturnUrl,
    /// The citizen's address.
    pub ip_addr: ClientIp,
    /// When the attempt was made, Unix ms (sent to the second, GMT+7).
    pub create_date: i64,
    /// When it stops being payable, Unix ms (sent to the second, GMT+7).
    pub expire_date: i64,
    /// The language of the gateway's pages.
    pub locale: Locale,
}

impl PayRequest {
    /// The request's parameters.
    pub fn to_params(&self) -> Params {
        let mut p = Params::new();
        p.set("vnp_Version", VERSION)
            .set("vnp_Command", COMMAND_PAY)
            .set("vnp_TmnCode", self.tmn_code.as_str())
            .set("vnp_Amount", (self.amount_vnd * 100).to_string())
            .set("vnp_CreateDate", gmt7::format(self.create_date))
            .set("vnp_CurrCode", CURRENCY)
            .set("vnp_IpAddr", self.ip_addr.to_string())
            .set("vnp_Locale", self.locale.as_str())
            .set("vnp_OrderInfo", self.order_info.as_str())
            .set("vnp_OrderType", ORDER_TYPE)
            .set("vnp_ReturnUrl", self.return_url.as_str())
            .set("vnp_ExpireDate", gmt7::format(self.expire_date))
            .set("vnp_TxnRef", self.txn_ref.as_str());
        p
    }

    /// The signed pay URL: `pay_page` with the signed query.
    pub fn to_url(&self, pay_page: &Url, secret: &HashSecret) -> Url {
        let mut url = pay_page.clone();
        url.set_query(Some(&self.to_params().to_signed_query(secret)));
        url
    }

    /// Reads a verified pay request (what the gateway does with the pay URL).
    pub fn parse(params: &Params) -> Result<PayRequest, QueryError> {
        expect(params, "vnp_Version", VERSION)?;
        expect(params, "vnp_Command", COMMAND_PAY)?;
        expect(params, "vnp_CurrCode", CURRENCY)?;
        let amount_vnd = amount(params)?;
        let order_info = required(params, "vnp_OrderInfo")?;
        if order_info.len() > 255
            || !order_info
                .bytes()
                .all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(invalid(
                "vnp_OrderInfo",
                order_info,
                "at most 255 characters of Vietnamese without diacritics",
            ));
        }
        let return_url = required(params, "vnp_ReturnUrl")?;
        let ip_addr = required(params, "vnp_IpAddr")?;
        let locale = match required(params, "vnp_Locale")? {
            "vn" => Locale::Vietnamese,
            "en" => Locale::English,
            other => return Err(invalid("vnp_Locale", other, "vn or en")),
        };
        Ok(PayRequest {
            tmn_code: tmn_code(params)?,
            txn_ref: txn_ref(params)?,
            amount_vnd,
            order_info: order_info.to_owned(),
            return_url: ReturnUrl::parse(return_url)
                .map_err(|_| invalid("vnp_ReturnUrl", return_url, "an http or https address"))?,
            ip_addr: ClientIp::parse(ip_addr)
                .map_err(|_| invalid("vnp_IpAddr", ip_addr, "an IP address"))?,
            create_date: time(params, "vnp_CreateDate")?,
            expire_date: time(params, "vnp_ExpireDate")?,
            locale,
        })
    }
}

/// The result of a payment as the gateway reports it, in the return URL and the IPN alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayResult {
    /// The terminal the payment was for.
    pub tmn_code: TmnCode,
    /// The order reference of the attempt.
    pub txn_ref: OrderRef,
    /// The amount in đồng.
    pub amount_vnd: i64,
    /// Why the payment went through or not.
    pub response_code: ResponseCode,
    /// The transaction's state at the gateway.
    pub transaction_status: TransactionStatus,
    /// The gateway's transaction number (`0` when none was made).
    pub transaction_no: String,
    /// The paying bank or wallet.
    pub bank_code: Option<String>,
    /// The bank's own transaction number.
    pub bank_tran_no: Option<String>,
    /// The kind of card or account (ATM, QRCODE, …).
    pub card_type: Option<String>,
    /// When the payment was made, Unix ms (to the second), if the gateway says.
    pub pay_date: Option<i64>,
    /// The order info echoed back.
    pub order_info: String,
}

impl GatewayResult {
    /// Whether the money was taken and the transaction completed: both codes `00`, as the
    /// gateway's reference code requires.
    pub fn is_success(&self) -> bool {
        self.response_code == ResponseCode::Success
            && self.transaction_status == TransactionStatus::Success
    }

    /// The result's parameters.
    pub fn to_params(&self) -> Params {
        let mut p = Params::new();
        p.set("vnp_TmnCode", self.tmn_code.as_str())
            .set("vnp_TxnRef", self.txn_ref.as_str())
            .set("vnp_Amount", (self.amount_vnd * 100).to_string())
            .set("vnp_ResponseCode", self.response_code.as_str())
            .set("vnp_TransactionStatus", self.transaction_status.as_str())
            .set("vnp_TransactionNo", self.transaction_no.as_str())
            .set("vnp_OrderInfo", self.order_info.as_str());
        for (name, value) in [
            ("vnp_BankCode", &self.bank_code),
            ("vnp_BankTranNo", &self.bank_tran_no),
            ("vnp_CardType", &self.card_type),
        ] {
            if let Some(v) = value {
                p.set(name, v.as_str());
            }
        }
        if let Some(at) = self.pay_date {
            p.set("vnp_PayDate", gmt7::format(at));
        }
        p
    }

    /// Reads a verified result.
    pub fn parse(params: &Params) -> Result<GatewayResult, QueryError> {
        let response_code = required(params, "vnp_ResponseCode")?;
        let transaction_status = required(params, "vnp_TransactionStatus")?;
        let transaction_no = required(params, "vnp_TransactionNo")?;
        if transaction_no.len() > 20 || !transaction_no.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "vnp_TransactionNo",
                transaction_no,
                "the gateway's transaction number (digits)",
            ));
        }
        let short = |name: &'static str, max: usize| -> Result<Option<String>, QueryError> {
            match params.get(name) {
                None => Ok(None),
                Some(v)
                    if v.len() <= max
                        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    Ok(Some(v.to_owned()))
                }
                Some(v) => Err(invalid(name, v, "letters and digits")),
            }
        };
        let pay_date = match params.get("vnp_PayDate") {
            None => None,
            Some(_) => Some(time(params, "vnp_PayDate")?),
        };
        Ok(GatewayResult {
            tmn_code: tmn_code(params)?,
            txn_ref: txn_ref(params)?,
            amount_vnd: amount(params)?,
            response_code: ResponseCode::parse(response_code)
                .ok_or_else(|| invalid("vnp_ResponseCode", response_code, "two digits"))?,
            transaction_status: TransactionStatus::parse(transaction_status).ok_or_else(|| {
                invalid("vnp_TransactionStatus", transaction_status, "two digits")
            })?,
            transaction_no: transaction_no.to_owned(),
            bank_code: short("vnp_BankCode", 20)?,
            bank_tran_no: short("vnp_BankTranNo", 255)?,
            card_type: short("vnp_CardType", 20)?,
            pay_date,
            order_info: params.get("vnp_OrderInfo").unwrap_or_default().to_owned(),
        })
    }
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> QueryError {
    QueryError::Invalid {
        name,
        value: value.chars().take(100).collect(),
        expected,
    }
}

fn required<'p>(params: &'p Params, name: &'static str) -> Result<&'p str, QueryError> {
    params.get(name).ok_or(QueryError::Missing { name })
}

fn expect(params: &Params, name: &'static str, value: &'static str) -> Result<(), QueryError> {
    let given = required(params, name)?;
    if given == value {
        Ok(())
    } else {
        Err(invalid(name, given, value))
    }
}

/// The order reference named by a query, before anything else is read: an IPN for an order
/// that does not exist is answered `01` whatever else is wrong with it.
pub fn txn_ref(params: &Params) -> Result<OrderRef, QueryError> {
    let value = required(params, "vnp_TxnRef")?;
    OrderRef::parse(value)
        .ok_or_else(|| invalid("vnp_TxnRef", value, "1 to 100 letters and digits"))
}

fn tmn_code(params: &Params) -> Result<TmnCode, QueryError> {
    let value = required(params, "vnp_TmnCode")?;
    TmnCode::parse(value).map_err(|_| invalid("vnp_TmnCode", value, "8 letters and digits"))
}

/// `vnp_Amount` in đồng: up to 12 digits of hundredths, ending in 00.
fn amount(params: &Params) -> Result<i64, QueryError> {
    let value = required(params, "vnp_Amount")?;
    if value.is_empty() || value.len() > 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "vnp_Amount",
            value,
            "the amount in hundredths of a đồng (1 to 12 digits)",
        ));
    }
    let hundredths: i64 = value.parse().expect("at most 12 digits fit an i64");
    if hundredths % 100 != 0 {
        return Err(QueryError::FractionalAmount {
            value: value.to_owned(),
        });
    }
    let vnd = hundredths / 100;
    if !(MIN_AMOUNT_VND..=MAX_AMOUNT_VND).contains(&vnd) {
        return Err(invalid(
            "vnp_Amount",
            value,
            "a positive amount in hundredths of a đồng",
        ));
    }
    Ok(vnd)
}

fn time(params: &Params, name: &'static str) -> Result<i64, QueryError> {
    let value = required(params, name)?;
    gmt7::parse(value).ok_or_else(|| invalid(name, value, "yyyyMMddHHmmss in GMT+7"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::verify;

    fn secret() -> HashSecret {
        HashSecret::parse("SECRETKEYFORTESTSONLY0123456789AB").unwrap()
    }

    fn request() -> PayRequest {
        PayRequest {
            tmn_code: TmnCode::parse("DDTEST01").unwrap(),
            txn_ref: OrderRef::parse("7K3M9QXA2B4C").unwrap(),
            amount_vnd: 150_000,
            order_info: "Le phi cap ho chieu".into(),
            return_url: ReturnUrl::parse("https://dvc.example.vn/tra-ve").unwrap(),
            ip_addr: ClientIp::parse("203.113.1.2").unwrap(),
            create_date: 1_796_180_645_000,
            expire_date: 1_796_181_545_000,
            locale: Locale::Vietnamese,
        }
    }

    #[test]
    fn a_pay_url_carries_the_request_and_reads_back() {
        let url = request().to_url(
            &Url::parse("https://sandbox.example.vn/paymentv2/vpcpay.html").unwrap(),
            &secret(),
        );
        let query = url.query().unwrap();
        assert!(query.contains("vnp_Amount=15000000&"), "{query}");
        assert!(query.contains("vnp_CreateDate=20261202100405&"), "{query}");
        assert!(query.contains("vnp_ExpireDate=20261202101905&"), "{query}");
        assert!(
            query.contains("vnp_OrderInfo=Le+phi+cap+ho+chieu&"),
            "{query}"
        );
        let params = verify(&secret(), query).unwrap();
        assert_eq!(PayRequest::parse(&params).unwrap(), request());
    }

    #[test]
    fn a_result_reads_back_and_bad_fields_are_named() {
        let result = GatewayResult {
            tmn_code: TmnCode::parse("DDTEST01").unwrap(),
            txn_ref: OrderRef::parse("7K3M9QXA2B4C").unwrap(),
            amount_vnd: 150_000,
            response_code: ResponseCode::Success,
            transaction_status: TransactionStatus::Success,
            transaction_no: "14831393".into(),
            bank_code: Some("NCB".into()),
            bank_tran_no: Some("VNP14831393".into()),
            card_type: Some("ATM".into()),
            pay_date: Some(1_796_180_700_000),
            order_info: "Le phi cap ho chieu".into(),
        };
        assert!(result.is_success());
        assert_eq!(GatewayResult::parse(&result.to_params()).unwrap(), result);

        let with = |name: &str, value: &str| {
            let mut p = result.to_params();
            p.set(name, value);
            GatewayResult::parse(&p).unwrap_err()
        };
        assert_eq!(
            with("vnp_Amount", "15000050"),
            QueryError::FractionalAmount {
                value: "15000050".into()
            }
        );
        assert!(with("vnp_Amount", "-100").is_amount());
        assert!(with("vnp_Amount", "1234567890000").is_amount());
        assert!(with("vnp_Amount", "").is_amount());
        assert!(matches!(
            with("vnp_ResponseCode", "0"),
            QueryError::Invalid {
                name: "vnp_ResponseCode",
                ..
            }
        ));
        assert!(matches!(
            with("vnp_PayDate", "20261399000000"),
            QueryError::Invalid {
                name: "vnp_PayDate",
                ..
            }
        ));
        assert!(matches!(
            with("vnp_TransactionNo", "12ab"),
            QueryError::Invalid {
                name: "vnp_TransactionNo",
                ..
            }
        ));
        assert!(matches!(
            with("vnp_TxnRef", "a-b"),
            QueryError::Invalid {
                name: "vnp_TxnRef",
                ..
            }
        ));
        let cancelled = GatewayResult {
            response_code: ResponseCode::Cancelled,
            transaction_status: TransactionStatus::Failed,
            ..result
        };
        assert!(!cancelled.is_success());
    }
}
