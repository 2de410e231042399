//! The gateway's query signature: HMAC-SHA512 over the sorted, URL-encoded `vnp_` parameters.
//!
//! Both directions use it: the pay URL the merchant sends the customer to, and the result the
//! gateway sends back (the browser's return and the server-to-server IPN). The string that is
//! signed is built as VNPay's reference code for version 2.1.0 builds it: the `vnp_` parameters
//! except `vnp_SecureHash` and `vnp_SecureHashType`, with empty values left out, sorted by name,
//! each written `name=value` with the value `application/x-www-form-urlencoded` (space as `+`,
//! everything but `A–Z a–z 0–9 * - . _` percent-encoded in upper-case hex), joined by `&`. The
//! signature is the lower-case hex of HMAC-SHA512 under the terminal's hash secret.
//!
//! Verification decodes the query, rebuilds that string from the decoded values and compares the
//! MAC in constant time (`hmac`'s `verify_slice`), so the way the sender happened to encode its
//! query does not matter. A parameter given twice is refused: which of the two a reader would
//! take is exactly the ambiguity a forger needs. Everything here is pure.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha512;
use url::form_urlencoded;

use crate::error::QueryError;

/// The name of the signature parameter.
pub const SECURE_HASH: &str = "vnp_SecureHash";
/// The name of the hash-type parameter of older versions, never signed and ignored when present.
pub const SECURE_HASH_TYPE: &str = "vnp_SecureHashType";
/// Only parameters with this prefix are the gateway's; others (the merchant's own return-URL
/// parameters) are neither signed nor read.
pub const PREFIX: &str = "vnp_";
/// The longest query accepted for verification: a real one is well under 2 KiB.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

type HmacSha512 = Hmac<Sha512>;

/// A terminal's hash secret (`vnp_HashSecret`), shared by the merchant and the gateway only.
#[derive(Clone, PartialEq, Eq)]
pub struct HashSecret(String);

impl HashSecret {
    /// The secret as the gateway issued it; it must be at least 16 printable ASCII characters
    /// (VNPay issues 32 upper-case letters).
    pub fn parse(value: &str) -> Result<HashSecret, QueryError> {
        if value.len() >= 16 && value.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(HashSecret(value.to_owned()))
        } else {
            Err(QueryError::WeakSecret)
        }
    }

    /// A fresh random secret of 32 upper-case letters, the shape VNPay issues (for sandboxes).
    pub fn generate() -> HashSecret {
        let mut rng = rand::rng();
        HashSecret(
            (0..32)
                .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
                .collect(),
        )
    }

    /// The secret itself, for the configuration file it came from.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn mac(&self) -> HmacSha512 {
        HmacSha512::new_from_slice(self.0.as_bytes()).expect("HMAC accepts keys of any length")
    }
}

impl fmt::Debug for HashSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashSecret(…)")
    }
}

/// The `vnp_` parameters of a query, sorted by name, without the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets a parameter; `name` must start with `vnp_` (a programming error otherwise).
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Params {
        debug_assert!(
            is_param_name(name),
            "{name:?} is not a gateway parameter name"
        );
        self.0.insert(name.to_owned(), value.into());
        self
    }

    /// A parameter's value; an empty value counts as absent, as it is not signed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The parameters, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The string that is signed (see the module docs).
    pub fn hash_data(&self) -> String {
        let mut out = String::new();
        for (name, value) in self.0.iter().filter(|(_, v)| !v.is_empty()) {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        }
        out
    }

    /// The signature under `secret`: lower-case hex of HMAC-SHA512 over [`Params::hash_data`].
    pub fn sign(&self, secret: &HashSecret) -> String {
        let mut mac = secret.mac();
        mac.update(self.hash_data().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The query to send: the signed parameters followed by `vnp_SecureHash`.
    pub fn to_signed_query(&self, secret: &HashSecret) -> String {
        let data = self.hash_data();
        let signature = self.sign(secret);
        if data.is_empty() {
            format!("{SECURE_HASH}={signature}")
        } else {
            format!("{data}&{SECURE_HASH}={signature}")
        }
    }
}

/// Whether `name` is a gateway parameter name: `vnp_` then letters, digits or `_`.
fn is_param_name(name: &str) -> bool {
    name.len() > PREFIX.len()
        && name.starts_with(PREFIX)
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Checks the signature of a query (without the leading `?`) under `secret` and returns its
/// `vnp_` parameters, or says why it cannot be trusted.
pub fn verify(secret: &HashSecret, query: &str) -> Result<Params, QueryError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong {
            bytes: query.len(),
            max: MAX_QUERY_BYTES,
        });
    }
    let mut params = BTreeMap::new();
    let mut signature: Option<String> = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if !name.starts_with(PREFIX) {
            continue;
        }
        if !is_param_name(&name) {
            return Err(QueryError::MalformedName {
                name: name.into_owned(),
            });
        }
        let slot = match name.as_ref() {
            SECURE_HASH_TYPE => continue,
            SECURE_HASH => signature.replace(value.into_owned()).is_some(),
            _ => params
                .insert(name.clone().into_owned(), value.into_owned())
                .is_some(),
        };
        if slot {
            return Err(QueryError::DuplicateParameter {
                name: name.into_owned(),
            });
        }
    }
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(QueryError::MissingSignature)?;
    let params = Params(params);
    let given = hex::decode(&signature).map_err(|_| QueryError::BadSignature)?;
    let mut mac = secret.mac();
    mac.update(params.hash_data().as_bytes());
    mac.verify_slice(&given)
        .map_err(|_| QueryError::BadSignature)?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> HashSecret {
        HashSecret::parse("SECRETKEYFORTESTSONLY0123456789AB").unwrap()
    }

    #[test]
    fn values_are_form_encoded_and_names_sorted() {
        let mut p = Params::new();
        p.set("vnp_OrderInfo", "Le phi: ho chieu/2026")
            .set("vnp_Amount", "15000000")
            .set("vnp_BankCode", "")
            .set("vnp_ReturnUrl", "https://dvc.example.vn/tra-ve?a=1&b=2");
        assert_eq!(
            p.hash_data(),
            "vnp_Amount=15000000&vnp_OrderInfo=Le+phi%3A+ho+chieu%2F2026\
             &vnp_ReturnUrl=https%3A%2F%2Fdvc.example.vn%2Ftra-ve%3Fa%3D1%26b%3D2"
        );
    }

    #[test]
    fn a_signed_query_verifies_and_any_change_breaks_it() {
        let mut p = Params::new();
        p.set("vnp_Amount", "15000000").set("vnp_TxnRef", "ABC123");
        let query = p.to_signed_query(&secret());
        assert_eq!(verify(&secret(), &query).unwrap(), p);
        // Other parameters (the merchant's own) and the hash type are not signed.
        assert_eq!(
            verify(
                &secret(),
                &format!("lang=vi&{query}&vnp_SecureHashType=HmacSHA512")
            )
            .unwrap(),
            p
        );
        let tampered = query.replace("15000000", "15000001");
        assert!(matches!(
            verify(&secret(), &tampered),
            Err(QueryError::BadSignature)
        ));
        let other = HashSecret::parse("ANOTHERSECRETKEY0123456789ABCDEF").unwrap();
        assert!(matches!(
            verify(&other, &query),
            Err(QueryError::BadSignature)
        ));
        let upper = query.replace(&p.sign(&secret()), &p.sign(&secret()).to_uppercase());
        assert_eq!(
            verify(&secret(), &upper).unwrap(),
            p,
            "hex case is not signed"
        );
    }

    #[test]
    fn missing_duplicated_or_malformed_parts_are_refused() {
        let mut p = Params::new();
        p.set("vnp_Amount", "100").set("vnp_TxnRef", "A");
        let query = p.to_signed_query(&secret());
        assert!(matches!(
            verify(&secret(), "vnp_Amount=100&vnp_TxnRef=A"),
            Err(QueryError::MissingSignature)
        ));
        assert!(matches!(
            verify(&secret(), &format!("{query}&vnp_Amount=100")),
            Err(QueryError::DuplicateParameter { name }) if name == "vnp_Amount"
        ));
        assert!(matches!(
            verify(&secret(), &format!("{query}&vnp_SecureHash=00")),
            Err(QueryError::DuplicateParameter { .. })
        ));
        assert!(matches!(
            verify(&secret(), &format!("vnp_Am%20ount=1&{query}")),
            Err(QueryError::MalformedName { .. })
        ));
        assert!(matches!(
            verify(&secret(), "vnp_Amount=100&vnp_SecureHash=zz"),
            Err(QueryError::BadSignature)
        ));
        assert!(matches!(
            verify(&secret(), &"a".repeat(MAX_QUERY_BYTES + 1)),
            Err(QueryError::TooLong { .. })
        ));
    }

    #[test]
    fn secrets_are_not_shown_and_weak_ones_refused() {
        assert_eq!(format!("{:?}", secret()), "HashSecret(…)");
        assert!(HashSecret::parse("short").is_err());
        assert!(HashSecret::parse("has a space in the secret").is_err());
        let generated = HashSecret::generate();
        assert_eq!(generated.expose().len(), 32);
        assert!(generated.expose().bytes().all(|b| b.is_ascii_uppercase()));
    }

    proptest::proptest! {
        #[test]
        fn any_values_round_trip(values in proptest::collection::btree_map("vnp_[A-Za-z]{1,12}", "\\PC{0,40}", 0..8)) {
            let mut p = Params::new();
            for (k, v) in &values {
                p.set(k, v.clone());
            }
            let verified = verify(&secret(), &p.to_signed_query(&secret())).unwrap();
            proptest::prop_assert_eq!(verified.hash_data(), p.hash_data());
        }
    }
}
