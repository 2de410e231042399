//! What enters from outside, as types that cannot be wrong: what is paid for ([`Reference`]),
//! how much (checked by [`check_amount`]), why ([`Description`]), where the citizen comes back
//! to ([`ReturnUrl`]) and from where ([`ClientIp`]); and the gateway's identifiers
//! ([`OrderRef`], [`TmnCode`]).
//!
//! The sizes follow the gateway's documented formats: `vnp_Amount` is `Numeric[1,12]` in
//! hundredths of a đồng, `vnp_TxnRef` `Alphanumeric[1,100]`, `vnp_OrderInfo` up to 255
//! characters of Vietnamese without diacritics, `vnp_ReturnUrl` `[10,255]`, `vnp_IpAddr`
//! `[7,45]`, `vnp_TmnCode` `Alphanumeric[8]`.

use std::fmt;
use std::net::IpAddr;

use rand::Rng;
use unicode_normalization::UnicodeNormalization;
use url::Url;

use crate::error::PaymentError;

/// The least amount, in đồng.
pub const MIN_AMOUNT_VND: i64 = 1;
/// The most, in đồng: `vnp_Amount` has at most 12 digits and counts hundredths.
pub const MAX_AMOUNT_VND: i64 = 9_999_999_999;
/// The longest reference.
pub const MAX_REFERENCE: usize = 64;
/// The longest description, in characters (`vnp_OrderInfo` is at most 255).
pub const MAX_DESCRIPTION: usize = 255;
/// The longest return URL (`vnp_ReturnUrl` is at most 255).
pub const MAX_RETURN_URL: usize = 255;

/// Checks an amount in đồng against what the gateway can carry.
pub fn check_amount(amount_vnd: i64) -> Result<i64, PaymentError> {
    if (MIN_AMOUNT_VND..=MAX_AMOUNT_VND).contains(&amount_vnd) {
        Ok(amount_vnd)
    } else {
        Err(PaymentError::AmountOutOfRange {
            amount_vnd,
            min: MIN_AMOUNT_VND,
            max: MAX_AMOUNT_VND,
        })
    }
}

/// What is paid for, in the portal's words (an application ID): 1 to 64 ASCII letters, digits
/// and `. _ : -`. Several attempts may pay for one reference; at most one should succeed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    /// A reference from the portal.
    pub fn parse(value: &str) -> Result<Reference, PaymentError> {
        let ok = !value.is_empty()
            && value.len() <= MAX_REFERENCE
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b));
        if ok {
            Ok(Reference(value.to_owned()))
        } else {
            Err(PaymentError::InvalidReference {
                value: value.to_owned(),
                max: MAX_REFERENCE,
            })
        }
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The order reference of one payment attempt (`vnp_TxnRef`), unique across all attempts.
///
/// Ours are 12 characters of Crockford's base 32 (60 random bits: no I, L, O or U, so that they
/// read aloud over the phone without doubt); any 1 to 100 letters and digits parse, as that is
/// what the gateway may send back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderRef(String);

/// Crockford's base-32 alphabet.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl OrderRef {
    /// A fresh random order reference.
    pub fn new() -> OrderRef {
        let mut rng = rand::rng();
        OrderRef(
            (0..12)
                .map(|_| char::from(CROCKFORD[rng.random_range(0..32usize)]))
                .collect(),
        )
    }

    /// An order reference from the gateway or a URL; `None` unless 1 to 100 ASCII letters or
    /// digits (such a value names no attempt).
    pub fn parse(value: &str) -> Option<OrderRef> {
        (!value.is_empty()
            && value.len() <= 100
            && value.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| OrderRef(value.to_owned()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for OrderRef {
    fn default() -> OrderRef {
        OrderRef::new()
    }
}

impl fmt::Display for OrderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The merchant's terminal code at the gateway (`vnp_TmnCode`): 8 ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TmnCode(String);

impl TmnCode {
    /// A terminal code from the configuration or the wire.
    pub fn parse(value: &str) -> Result<TmnCode, PaymentError> {
        if value.len() == 8 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(TmnCode(value.to_owned()))
        } else {
            Err(PaymentError::InvalidTmnCode {
                value: value.to_owned(),
            })
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TmnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the fee is for: the text the receipt shows (Vietnamese, NFC, single spaces) and the
/// `vnp_OrderInfo` the gateway shows, the same words without diacritics or special characters
/// as the gateway asks ("Lệ phí cấp hộ chiếu" → "Le phi cap ho chieu").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    text: String,
    order_info: String,
}

impl Description {
    /// A description from the portal.
    pub fn parse(value: &str) -> Result<Description, PaymentError> {
        if let Some(c) = value
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            return Err(PaymentError::ControlCharacter(c));
        }
        let text = value
            .nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() {
            return Err(PaymentError::DescriptionRequired);
        }
        let chars = text.chars().count();
        if chars > MAX_DESCRIPTION {
            return Err(PaymentError::DescriptionTooLong {
                chars,
                max: MAX_DESCRIPTION,
            });
        }
        let order_info = order_info(&text);
        if !order_info.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return Err(PaymentError::DescriptionUnprintable {
                value: value.to_owned(),
            });
        }
        Ok(Description { text, order_info })
    }

    /// A description as stored: its text and the order info sent with it.
    pub(crate) fn stored(text: String, order_info: String) -> Description {
        Description { text, order_info }
    }

    /// The text, with diacritics, for the receipt and the portal.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text as sent to the gateway in `vnp_OrderInfo`.
    pub fn order_info(&self) -> &str {
        &self.order_info
    }
}

/// Vietnamese without diacritics, keeping letters, digits, spaces and `. , : - / #`.
fn order_info(text: &str) -> String {
    let folded: String = text
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii_alphanumeric() || " .,:-/#".contains(c) => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the gateway sends the citizen back (`vnp_ReturnUrl`): an absolute `http` or `https`
/// URL of at most 255 characters, without a fragment, credentials or `vnp_` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrl(Url);

impl ReturnUrl {
    /// A return URL from the portal.
    pub fn parse(value: &str) -> Result<ReturnUrl, PaymentError> {
        let bad = |reason| PaymentError::InvalidReturnUrl {
            value: value.to_owned(),
            reason,
        };
        if value.len() > MAX_RETURN_URL {
            return Err(bad("it is longer than the gateway's 255 characters"));
        }
        let url = Url::parse(value).map_err(|_| bad("it is not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(bad("it must be an http or https address"));
        }
        if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not carry a fragment or credentials"));
        }
        // The gateway appends its signed vnp_ parameters; one of ours would be read as one of
        // its own and break the signature.
        if url
            .query_pairs()
            .any(|(k, _)| k.starts_with(crate::signing::PREFIX))
        {
            return Err(bad("its query must not carry vnp_ parameters"));
        }
        Ok(ReturnUrl(url))
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The citizen's IP address, as the gateway asks (`vnp_IpAddr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(IpAddr);

impl ClientIp {
    /// An address from the request.
    pub fn parse(value: &str) -> Result<ClientIp, PaymentError> {
        value
            .trim()
            .parse()
            .map(ClientIp)
            .map_err(|_| PaymentError::InvalidClientIp {
                value: value.to_owned(),
            })
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.0
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Everything one payment attempt needs, parsed: nothing is written until all of it parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// What is paid for.
    pub reference: Reference,
    /// How much, in đồng.
    pub amount_vnd: i64,
    /// Why.
    pub description: Description,
    /// Where the citizen comes back to.
    pub return_url: ReturnUrl,
    /// The citizen's address.
    pub client_ip: ClientIp,
}

impl Order {
    /// Parses every part; the first that is wrong is the error.
    pub fn parse(
        reference: &str,
        amount_vnd: i64,
        description: &str,
        return_url: &str,
        client_ip: &str,
    ) -> Result<Order, PaymentError> {
        Ok(Order {
            reference: Reference::parse(reference)?,
            amount_vnd: check_amount(amount_vnd)?,
            description: Description::parse(description)?,
            return_url: ReturnUrl::parse(return_url)?,
            client_ip: ClientIp::parse(client_ip)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn references() {
        for ok in ["HS-2026-000123", "a", "app:1.2_3", &"x".repeat(64)] {
            assert_eq!(Reference::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", " x", "hồ-sơ", "a/b", &"x".repeat(65)] {
            assert!(matches!(
                Reference::parse(bad),
                Err(PaymentError::InvalidReference { .. })
            ));
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(check_amount(1).unwrap(), 1);
        assert_eq!(check_amount(MAX_AMOUNT_VND).unwrap(), MAX_AMOUNT_VND);
        for bad in [0, -5, MAX_AMOUNT_VND + 1, i64::MAX] {
            assert!(matches!(
                check_amount(bad),
                Err(PaymentError::AmountOutOfRange { .. })
            ));
        }
    }

    #[test]
    fn descriptions_keep_vietnamese_and_send_it_without_diacritics() {
        let d = Description::parse("  Lệ phí  cấp hộ chiếu — hồ sơ #12 (ĐĂNG KÝ)\n").unwrap();
        assert_eq!(d.text(), "Lệ phí cấp hộ chiếu — hồ sơ #12 (ĐĂNG KÝ)");
        assert_eq!(d.order_info(), "Le phi cap ho chieu ho so #12 DANG KY");
        // NFD input is stored in NFC.
        let nfd: String = "Lệ phí".nfd().collect();
        assert_eq!(Description::parse(&nfd).unwrap().text(), "Lệ phí");
        assert!(matches!(
            Description::parse(" \n "),
            Err(PaymentError::DescriptionRequired)
        ));
        assert!(matches!(
            Description::parse("★★★"),
            Err(PaymentError::DescriptionUnprintable { .. })
        ));
        assert!(matches!(
            Description::parse("a\u{7}b"),
            Err(PaymentError::ControlCharacter('\u{7}'))
        ));
        assert!(matches!(
            Description::parse(&"ơ".repeat(256)),
            Err(PaymentError::DescriptionTooLong { chars: 256, .. })
        ));
    }

    #[test]
    fn return_urls() {
        let ok = ReturnUrl::parse("https://dichvucong.example.vn/thanh-toan/ket-qua?hs=1").unwrap();
        assert_eq!(ok.url().host_str(), Some("dichvucong.example.vn"));
        for bad in [
            "/relative",
            "javascript:alert(1)",
            "ftp://example.vn/x",
            "https://example.vn/#frag",
            "https://user:pw@example.vn/",
            "https://example.vn/tra-ve?vnp_Amount=1",
            &format!("https://example.vn/{}", "a".repeat(250)),
        ] {
            assert!(
                matches!(
                    ReturnUrl::parse(bad),
                    Err(PaymentError::InvalidReturnUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn client_ips_and_terminal_codes() {
        assert_eq!(
            ClientIp::parse("203.113.1.2").unwrap().to_string(),
            "203.113.1.2"
        );
        assert_eq!(
            ClientIp::parse("2001:db8::1").unwrap().to_string(),
            "2001:db8::1"
        );
        assert!(ClientIp::parse("localhost").is_err());
        assert!(TmnCode::parse("DEMOV210").is_ok());
        for bad in ["DEMOV21", "DEMOV2100", "DEMO-210"] {
            assert!(TmnCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order_refs_are_crockford_and_distinct() {
        let a = OrderRef::new();
        assert_eq!(a.as_str().len(), 12);
        assert!(a.as_str().bytes().all(|b| CROCKFORD.contains(&b)));
        assert_ne!(a, OrderRef::new());
        assert_eq!(OrderRef::parse(a.as_str()), Some(a));
        for bad in ["", "a-b", "x y", &"9".repeat(101)] {
            assert_eq!(OrderRef::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn order_info_is_always_plain_ascii(s in "\\PC{1,80}") {
            if let Ok(d) = Description::parse(&s) {
                prop_assert!(d.order_info().bytes().all(|b| b.is_ascii_alphanumeric() || b" .,:-/#".contains(&b)));
                prop_assert!(d.order_info().len() <= MAX_DESCRIPTION);
            }
        }
    }
}
