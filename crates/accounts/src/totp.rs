//! Time-based one-time passwords (RFC 6238): SHA-1, six digits, 30-second steps — what every
//! authenticator app understands. A code is accepted for the current step and one step either
//! side (clock drift), and only once: the caller stores the last step used.

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Totp};

use crate::error::AccountError;

/// Seconds per step.
pub const STEP: u64 = 30;
const DIGITS: u8 = 6;

/// A secret of 160 bits, the size RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, AccountError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(STEP)
        .with_skew(1)
        .with_secret(secret.to_vec())
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| AccountError::Internal(format!("totp: {e:?}")))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> Result<String, AccountError> {
    totp(secret, issuer, account)?
        .to_url()
        .map_err(|e| AccountError::Internal(format!("totp: {e:?}")))
}

/// The secret in base32, for typing into an app by hand.
pub fn base32(secret: &[u8]) -> String {
    totp(secret, "x", "x")
        .map(|t| t.secret().to_base32())
        .unwrap_or_default()
}

/// Reads a base32 secret back.
pub fn from_base32(text: &str) -> Result<Vec<u8>, AccountError> {
    let url = format!("otpauth://totp/x:x?secret={text}&issuer=x");
    Totp::from_url(&url)
        .map(|t| t.secret().as_bytes().to_vec())
        .map_err(|_| AccountError::Internal("stored TOTP secret is not base32".into()))
}

/// A QR code of `url` as a standalone SVG document.
pub fn qr_svg(url: &str) -> Result<String, AccountError> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| AccountError::Internal(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

/// The code for a given step (tests and the benchmark's client use it).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret, "x", "x")
        .map(|t| t.generate(unix_seconds).to_string())
        .unwrap_or_default()
}

/// The step whose code `code` is, among the step at `unix_seconds` and its neighbours; `None` if
/// it matches none. Comparison is constant-time.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_seconds / STEP;
    let t = totp(secret, "x", "x").ok()?;
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = t.generate(step * STEP).to_string();
        if crate::secret::same(expected.as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B, truncated to six digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 1_234_567_890), "005924");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
    }

    #[test]
    fn accepts_neighbouring_steps_only() {
        let secret = new_secret();
        let t = 1_800_000_000u64;
        let code = code_at(&secret, t);
        assert_eq!(matching_step(&secret, &code, t), Some(t / STEP));
        assert_eq!(matching_step(&secret, &code, t + STEP), Some(t / STEP));
        assert_eq!(matching_step(&secret, &code, t + 3 * STEP), None);
        assert_eq!(matching_step(&secret, "12345", t), None);
        assert_eq!(matching_step(&secret, "abcdef", t), None);
    }

    #[test]
    fn url_and_qr() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "dinhdanh", "001090012345").unwrap();
        assert!(
            url.starts_with("otpauth://totp/dinhdanh:001090012345?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={}", base32(&secret))));
        assert_eq!(from_base32(&base32(&secret)).unwrap(), secret);
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg"));
    }
}
