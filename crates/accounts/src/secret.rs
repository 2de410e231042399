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
    fn recovery_codes_survive_retyping() {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        let retyped = format!(" {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(recovery_hash(&code), recovery_hash(&retyped));
        assert_ne!(recovery_hash(&code), recovery_hash(&recovery_code()));
    }
}
