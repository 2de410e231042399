//! Passwords: Argon2id hashing with configured parameters, the rules a new password must meet,
//! and the check that tells a login to re-hash a password stored under older parameters.

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use serde::Deserialize;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for more).
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted, in characters: enough for any pass phrase, bounded for hashing.
pub const MAX_LENGTH: usize = 128;

const COMMON: &str = include_str!("common_passwords.txt");

/// Argon2id cost parameters, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    /// The OWASP recommendation: m = 19456 KiB, t = 2, p = 1.
    fn default() -> Self {
        Argon2Settings {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
    /// On the list of commonly used passwords.
    #[error("this password is on the list of commonly used passwords")]
    Common,
    /// Built from the holder's own personal ID, phone number or date of birth.
    #[error("the password must not contain your personal ID, phone number or date of birth")]
    Personal,
    /// One character repeated, or a run such as "1234567890".
    #[error("the password must not be one repeated character or a simple sequence")]
    Trivial,
}

/// Hashes and verifies passwords with one set of parameters.
#[derive(Clone)]
pub struct PasswordHasherConfig {
    settings: Argon2Settings,
    argon2: Argon2<'static>,
    /// A hash of a random password, verified when the account does not exist so that a wrong
    /// personal ID costs the same time as a wrong password.
    dummy: String,
}

impl std::fmt::Debug for PasswordHasherConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasherConfig")
            .field("settings", &self.settings)
            .finish()
    }
}

/// A configuration error in the Argon2 parameters.
#[derive(Debug, thiserror::Error)]
#[error("invalid Argon2id parameters: {0}")]
pub struct BadParameters(String);

impl PasswordHasherConfig {
    /// Validates the parameters and prepares the hasher.
    pub fn new(settings: Argon2Settings) -> Result<Self, BadParameters> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| BadParameters(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut this = PasswordHasherConfig {
            settings,
            argon2,
            dummy: String::new(),
        };
        this.dummy = this
            .hash(&crate::secret::token())
            .map_err(|e| BadParameters(e.to_string()))?;
        Ok(this)
    }

    /// The parameters in force.
    pub fn settings(&self) -> Argon2Settings {
        self.settings
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh 128-bit salt.
    pub fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt)?;
        let params = self.argon2.params();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        derive(&self.argon2, password, salt.as_salt(), &mut out)?;
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(params)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out)?),
        }
        .to_string())
    }

    /// Whether `password` matches the stored PHC string; a malformed stored string never matches.
    /// The algorithm, version and parameters are read from the stored string, so old hashes still
    /// verify.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let check = || -> Result<bool, argon2::password_hash::Error> {
            let parsed = PasswordHash::new(stored)?;
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                return Ok(false);
            };
            let argon2 = Argon2::new(
                Algorithm::try_from(parsed.algorithm)?,
                parsed
                    .version
                    .map(Version::try_from)
                    .transpose()?
                    .unwrap_or_default(),
                Params::try_from(&parsed)?,
            );
            let mut out = vec![0u8; expected.len()];
            derive(&argon2, password, salt, &mut out)?;
            // `Output` compares in constant time.
            Ok(Output::new(&out)? == expected)
        };
        check().unwrap_or(false)
    }

    /// Spends the time of one verification on nothing (for unknown accounts).
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy);
    }

    /// Whether a stored hash was made with other parameters than the configured ones.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(p) => {
                p.m_cost() != self.settings.memory_kib
                    || p.t_cost() != self.settings.iterations
                    || p.p_cost() != self.settings.parallelism
            }
            Err(_) => true,
        }
    }
}

thread_local! {
    /// The Argon2 memory of each thread that hashes, kept between hashes: allocating and faulting
    /// in 19 MiB afresh cost about a third of every check.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2 into `out` on this thread's kept memory.
fn derive(
    argon2: &Argon2<'_>,
    password: &str,
    salt: Salt<'_>,
    out: &mut [u8],
) -> Result<(), argon2::password_hash::Error> {
    let mut raw_salt = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut raw_salt)?;
    BLOCKS.with_borrow_mut(|blocks| {
        let needed = argon2.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        // Every block is written before it is read, so what an earlier hash left is never used.
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut blocks[..needed])
    })?;
    Ok(())
}

/// Checks a new password against the rules. `personal` holds the holder's own numbers (personal
/// ID, phone, birth date as digits), which the password must not contain.
pub fn check_new(password: &str, personal: &[&str]) -> Result<(), PasswordRule> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordRule::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordRule::TooLong);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err(PasswordRule::Common);
    }
    let digits: String = password.chars().filter(char::is_ascii_digit).collect();
    for own in personal.iter().filter(|p| p.len() >= 6) {
        if lower.contains(*own) || digits.contains(*own) {
            return Err(PasswordRule::Personal);
        }
    }
    if is_trivial(&lower) {
        return Err(PasswordRule::Trivial);
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|common| {
            lower == common
                || (lower.len() <= common.len() + 4
                    && lower.starts_with(common)
                    && lower[common.len()..]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '!'))
        })
}

fn is_trivial(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let all_same = chars.iter().all(|c| *c == chars[0]);
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| w[1] as i64 - w[0] as i64)
        .collect();
    let sequence = steps.iter().all(|s| s.abs() == 1 && *s == steps[0]);
    all_same || sequence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> PasswordHasherConfig {
        PasswordHasherConfig::new(Argon2Settings {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let h = fast();
        let a = h.hash("correct horse battery").unwrap();
        let b = h.hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
        assert!(h.verify("correct horse battery", &a));
        assert!(!h.verify("correct horse batterY", &a));
        assert!(!h.verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = fast();
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(256, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = reference
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(ours.verify("correct horse battery", &theirs));
        assert!(!ours.verify("correct horse batterY", &theirs));
        let mine = ours.hash("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&mine).unwrap();
        assert!(
            reference
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            reference
                .verify_password(b"correct horse batterY", &parsed)
                .is_err()
        );
        // Other variants and larger memory on the same thread, then the small one again.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(1024, 2, 2, Some(20)).unwrap(),
        )
        .hash_password(b"pass phrase", &salt)
        .unwrap()
        .to_string();
        assert!(ours.verify("pass phrase", &argon2i));
        assert!(!ours.verify("pass phrasE", &argon2i));
        assert!(ours.verify("correct horse battery", &theirs));
    }

    #[test]
    fn rehash_is_needed_when_parameters_change() {
        let old = fast();
        let stored = old.hash("correct horse battery").unwrap();
        assert!(!old.needs_rehash(&stored));
        let new = PasswordHasherConfig::new(Argon2Settings {
            memory_kib: 512,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        assert!(new.needs_rehash(&stored));
        assert!(
            new.verify("correct horse battery", &stored),
            "old hashes still verify"
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        let zero = Argon2Settings {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
        };
        assert!(PasswordHasherConfig::new(zero).is_err());
    }

    #[test]
    fn new_password_rules() {
        assert_eq!(check_new("short", &[]), Err(PasswordRule::TooShort));
        assert_eq!(check_new(&"x1".repeat(65), &[]), Err(PasswordRule::TooLong));
        assert_eq!(check_new("password123", &[]), Err(PasswordRule::Common));
        assert_eq!(check_new("Qwertyuiop", &[]), Err(PasswordRule::Common));
        assert_eq!(check_new("matkhau2024", &[]), Err(PasswordRule::Common));
        assert_eq!(
            check_new("me-001090012345", &["001090012345"]),
            Err(PasswordRule::Personal)
        );
        assert_eq!(
            check_new("zalo 0912 345 678", &["0912345678"]),
            Err(PasswordRule::Personal)
        );
        assert_eq!(check_new("aaaaaaaaaaaa", &[]), Err(PasswordRule::Trivial));
        assert_eq!(check_new("abcdefghijk", &[]), Err(PasswordRule::Trivial));
        assert_eq!(check_new("hoa sen trên đầm lầy", &["001090012345"]), Ok(()));
    }
}
