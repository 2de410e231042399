//! Random secrets and their hashes: session tokens, tickets, one-time and recovery codes.
//!
//! Tokens carry 256 bits from the operating system's generator and are stored only as SHA-256:
//! with that much entropy a fast hash is enough, and a stolen database yields no usable token.
//! One-time codes are short, so each gets a random salt as well.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh 256-bit token, base64url without padding (43 characters).
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token's text, the form in which tokens are stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A six-digit one-time code, uniformly distributed.
pub fn six_digits() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// A fresh 16-byte salt.
pub fn salt() -> Vec<u8> {
    let mut bytes = vec![0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// SHA-256(salt ‖ code).
pub fn code_hash(salt: &[u8], code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

/// Constant-time equality of two byte strings.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Seals `payload` with an expiry (Unix ms) under `key`: `base64url(expiry ‖ payload) "." base64url(HMAC)`.
/// The payload is readable by whoever holds the handle, but cannot be altered or extended.
pub fn seal(key: &[u8], expires_ms: i64, payload: &[u8]) -> String {
    let mut body = expires_ms.to_be_bytes().to_vec();
    body.extend_from_slice(payload);
    let mac = mac(key, &body);
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&body),
        URL_SAFE_NO_PAD.encode(mac)
    )
}

/// Opens a handle made by [`seal`]: `None` if it was altered, made with another key, or expired.
pub fn open_sealed(key: &[u8], handle: &str, now_ms: i64) -> Option<Vec<u8>> {
    let (body, tag) = handle.split_once('.')?;
    let body = URL_SAFE_NO_PAD.decode(body).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if body.len() < 8 || !same(&mac(key, &body), &tag) {
        return None;
    }
    let expires = i64::from_be_bytes(body[..8].try_into().ok()?);
    (now_ms < expires).then(|| body[8..].to_vec())
}

fn mac(key: &[u8], body: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// A recovery code: ten characters from an alphabet without look-alikes, shown as `xxxxx-xxxxx`
/// (about 50 bits, single use, stored hashed).
pub fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        code.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    code
}

/// A recovery code as typed: lowercase, without spaces or dashes.
pub fn normalize_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The stored form of a recovery code.
pub fn recovery_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalize_recovery_code(code).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = token();
        let b = token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 32);
    }

    #[test]
    fn six_digit_codes_keep_leading_zeros() {
        for _ in 0..1000 {
            let code = six_digits();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn code_hash_depends_on_salt_and_code() {
        let s1 = salt();
        let s2 = salt();
        assert_ne!(code_hash(&s1, "123456"), code_hash(&s2, "123456"));
        assert_ne!(code_hash(&s1, "123456"), code_hash(&s1, "123457"));
        assert!(same(&code_hash(&s1, "000001"), &code_hash(&s1, "000001")));
    }

    #[test]
    fn sealed_handles_resist_tampering_and_expire() {
        let key = salt();
        let handle = seal(&key, 1_000, b"state");
        assert_eq!(
            open_sealed(&key, &handle, 999).as_deref(),
            Some(&b"state"[..])
        );
        assert_eq!(open_sealed(&key, &handle, 1_000), None, "expired");
        assert_eq!(open_sealed(&salt(), &handle, 999), None, "another key");
        let (body, tag) = handle.split_once('.').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        raw[7] = 0xff; // push the expiry far out
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(open_sealed(&key, &forged, 999), None, "altered");
        assert_eq!(open_sealed(&key, "garbage", 0), None);
    }

    #[test]
    fn recovery_codes_survive_retyping() {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        let retyped = format!(" {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(recovery_hash(&code), recovery_hash(&retyped));
        assert_ne!(recovery_hash(&code), recovery_hash(&recovery_code()));
    }
}
