//! The query signature against values computed independently, once, with Python's standard
//! library (not available inside `cargo test`, hence fixed here):
//!
//! ```text
//! python3 -c '
//! import hmac,hashlib,urllib.parse
//! secret=b"VNPAYSANDBOXTESTSECRET0123456789"
//! p={...the parameters below...}
//! d="&".join(k+"="+urllib.parse.quote_plus(p[k],safe="*") for k in sorted(p))
//! print(d); print(hmac.new(secret,d.encode(),hashlib.sha512).hexdigest())'
//! ```
//!
//! `quote_plus(v, safe="*")` is the `application/x-www-form-urlencoded` encoding VNPay's Java
//! reference code uses (`URLEncoder.encode`), for values without `~`.

use dinhdanh_payment::signing::{Params, verify};
use dinhdanh_payment::{
    ClientIp, GatewayResult, HashSecret, Locale, OrderRef, PayRequest, ResponseCode, ReturnUrl,
    TmnCode, TransactionStatus,
};
use url::Url;

const SECRET: &str = "VNPAYSANDBOXTESTSECRET0123456789";

const PAY_HASH_DATA: &str = "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20261202100405\
&vnp_CurrCode=VND&vnp_ExpireDate=20261202101905&vnp_IpAddr=203.113.1.2&vnp_Locale=vn\
&vnp_OrderInfo=Le+phi+cap+ho+chieu%3A+HS-2026%2F000123&vnp_OrderType=other\
&vnp_ReturnUrl=https%3A%2F%2Fdichvucong.example.vn%2Fthanh-toan%2Fket-qua%3Fhs%3DHS-2026-000123%26lang%3Dvi\
&vnp_TmnCode=DDTEST01&vnp_TxnRef=7K3M9QXA2B4C&vnp_Version=2.1.0";

const PAY_HASH: &str = "f04a71a7bc4fbdfa170594de642f174bd2d2be00d4501102990f9951a503a27b\
80f62e9c3d53b73760498ad63a2c2bf5f2b6400e2de7b3f85d699a77fc9bfe71";

const RESULT_HASH_DATA: &str = "vnp_Amount=15000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14831393\
&vnp_CardType=ATM&vnp_OrderInfo=Le+phi+cap+ho+chieu%3A+HS-2026%2F000123\
&vnp_PayDate=20261202100712&vnp_ResponseCode=00&vnp_TmnCode=DDTEST01\
&vnp_TransactionNo=14831393&vnp_TransactionStatus=00&vnp_TxnRef=7K3M9QXA2B4C";

const RESULT_HASH: &str = "e554c0b4e802c4be7e069bd7c5c39744feea6007dba8173a397a5a25a33387fb\
f21d096eabf7b1ab3081fb02c576d7f516297f8e1524e4d441fcc77344a4cf43";

/// 2026-12-02 10:04:05 in Hà Nội.
const CREATED: i64 = 1_796_180_645_000;

fn secret() -> HashSecret {
    HashSecret::parse(SECRET).unwrap()
}

#[test]
fn a_pay_url_is_signed_as_computed_independently() {
    let request = PayRequest {
        tmn_code: TmnCode::parse("DDTEST01").unwrap(),
        txn_ref: OrderRef::parse("7K3M9QXA2B4C").unwrap(),
        amount_vnd: 150_000,
        order_info: "Le phi cap ho chieu: HS-2026/000123".into(),
        return_url: ReturnUrl::parse(
            "https://dichvucong.example.vn/thanh-toan/ket-qua?hs=HS-2026-000123&lang=vi",
        )
        .unwrap(),
        ip_addr: ClientIp::parse("203.113.1.2").unwrap(),
        create_date: CREATED,
        expire_date: CREATED + 15 * 60 * 1000,
        locale: Locale::Vietnamese,
    };
    let params = request.to_params();
    assert_eq!(params.hash_data(), PAY_HASH_DATA);
    assert_eq!(params.sign(&secret()), PAY_HASH);
    let url = request.to_url(
        &Url::parse("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html").unwrap(),
        &secret(),
    );
    assert_eq!(
        url.as_str(),
        format!(
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{PAY_HASH_DATA}&vnp_SecureHash={PAY_HASH}"
        )
    );
}

#[test]
fn a_result_signed_independently_verifies_and_reads() {
    let query = format!("{RESULT_HASH_DATA}&vnp_SecureHash={RESULT_HASH}");
    let params = verify(&secret(), &query).unwrap();
    let result = GatewayResult::parse(&params).unwrap();
    assert_eq!(result.txn_ref.as_str(), "7K3M9QXA2B4C");
    assert_eq!(result.amount_vnd, 150_000);
    assert_eq!(result.response_code, ResponseCode::Success);
    assert_eq!(result.transaction_status, TransactionStatus::Success);
    assert_eq!(result.transaction_no, "14831393");
    assert_eq!(result.bank_code.as_deref(), Some("NCB"));
    assert_eq!(result.order_info, "Le phi cap ho chieu: HS-2026/000123");
    // 10:07:12 GMT+7 is 03:07:12 UTC.
    assert_eq!(result.pay_date, Some(CREATED + 187_000));
    assert!(result.is_success());
    // Writing it back gives the same signed string.
    assert_eq!(result.to_params().hash_data(), RESULT_HASH_DATA);
    assert_eq!(result.to_params().sign(&secret()), RESULT_HASH);

    // One flipped hex digit, or one changed value, and it no longer verifies.
    let flipped = query.replace("cf43", "cf44");
    assert!(verify(&secret(), &flipped).is_err());
    let cheaper = query.replace("vnp_Amount=15000000", "vnp_Amount=1500000");
    assert!(verify(&secret(), &cheaper).is_err());
    // An empty parameter is not signed (VNPay's reference code leaves empty values out).
    let mut with_empty = Params::new();
    for (k, v) in params.iter() {
        with_empty.set(k, v);
    }
    with_empty.set("vnp_CardHolder", "");
    assert_eq!(with_empty.hash_data(), RESULT_HASH_DATA);
    assert_eq!(with_empty.sign(&secret()), RESULT_HASH);
}
