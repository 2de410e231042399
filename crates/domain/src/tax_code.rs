//! The enterprise and tax code (mã số doanh nghiệp / mã số thuế), Circular 105/2020/TT-BTC.
//!
//! Businesses that act as relying parties of the e-ID platform are identified by this code. A
//! company has ten digits, the tenth a check digit over the first nine; a dependent unit (branch,
//! representative office) appends a three-digit suffix, written `NNNNNNNNNN-NNN`. The rules here
//! agree with python-stdnum's `stdnum.vn.mst.validate` for 10- and 13-digit input.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Weights applied to digits 1–9 when computing the check digit.
const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A valid enterprise or tax code, held in canonical form (10 digits, or 10 digits, dash, 3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxCode(String);

/// Why a text could not be read as a [`TaxCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    /// Nothing was given.
    #[error(
        "the tax code is empty; give 10 digits, or 13 for a dependent unit (e.g. 0314409058-002)"
    )]
    Empty,
    /// A character other than a digit or the dash before the suffix was found.
    #[error(
        "the tax code contains '{}' at position {position}; only digits are allowed, with an optional dash before a three-digit suffix",
        found.escape_debug()
    )]
    InvalidCharacter {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A dash somewhere other than between the tenth digit and the suffix.
    #[error(
        "the tax code has a dash at position {position}; the only dash allowed is at position 11, between the 10-digit code and the 3-digit suffix"
    )]
    MisplacedDash {
        /// 1-based position of the offending dash.
        position: usize,
    },
    /// Neither 10 nor 13 digits.
    #[error(
        "the tax code has {found} digits; it must have 10, or 13 for a dependent unit (check for a missing or extra digit)"
    )]
    WrongLength {
        /// How many digits were given.
        found: usize,
    },
    /// A dash was written but the suffix after it does not have three digits.
    #[error(
        "the dependent-unit suffix after the dash has {found} digits; it must have exactly 3, such as 0314409058-002"
    )]
    SuffixLength {
        /// How many digits follow the dash.
        found: usize,
    },
    /// Digits 3–9, the sequence number, are all zero.
    #[error(
        "digits 3–9 of the tax code are all zero; the sequence number runs from 0000001 to 9999999"
    )]
    ZeroSequence,
    /// The dependent-unit suffix is 000.
    #[error("the dependent-unit suffix is 000; suffixes run from 001 to 999")]
    ZeroSuffix,
    /// The first nine digits admit no check digit, so no code starts with them.
    #[error(
        "no valid check digit exists for the first nine digits '{prefix}' (their weighted sum is divisible by 11), so this is not a tax code; check the first nine digits"
    )]
    NoCheckDigit {
        /// The first nine digits.
        prefix: String,
    },
    /// The tenth digit is not the check digit of the first nine.
    #[error(
        "the check digit (digit 10) should be {expected} for the first nine digits, but is {found}; one of the first ten digits is wrong"
    )]
    CheckDigit {
        /// The check digit the first nine digits call for.
        expected: u8,
        /// The tenth digit as given.
        found: u8,
    },
}

impl TaxCodeError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            TaxCodeError::Empty => "tax_code.empty",
            TaxCodeError::InvalidCharacter { .. } => "tax_code.invalid_character",
            TaxCodeError::MisplacedDash { .. } => "tax_code.misplaced_dash",
            TaxCodeError::WrongLength { .. } => "tax_code.wrong_length",
            TaxCodeError::SuffixLength { .. } => "tax_code.suffix_length",
            TaxCodeError::ZeroSequence => "tax_code.zero_sequence",
            TaxCodeError::ZeroSuffix => "tax_code.zero_suffix",
            TaxCodeError::NoCheckDigit { .. } => "tax_code.no_check_digit",
            TaxCodeError::CheckDigit { .. } => "tax_code.check_digit",
        }
    }
}

impl TaxCode {
    /// Reads a code: 10 digits, 13 digits, or `NNNNNNNNNN-NNN`; surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<TaxCode, TaxCodeError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TaxCodeError::Empty);
        }
        let mut digits = String::with_capacity(13);
        for (index, c) in trimmed.chars().enumerate() {
            let position = index + 1;
            match c {
                '0'..='9' => digits.push(c),
                // A dash is only meaningful right after the ten-digit company code.
                '-' if position == 11 && digits.len() == 10 => {}
                '-' => return Err(TaxCodeError::MisplacedDash { position }),
                _ => return Err(TaxCodeError::InvalidCharacter { position, found: c }),
            }
        }
        // A dash can only have been accepted after exactly ten digits, and it promises a suffix.
        let dashed = digits.len() != trimmed.len();
        if dashed && digits.len() != 13 {
            return Err(TaxCodeError::SuffixLength {
                found: digits.len() - 10,
            });
        }
        if digits.len() != 10 && digits.len() != 13 {
            return Err(TaxCodeError::WrongLength {
                found: digits.len(),
            });
        }
        let bytes = digits.as_bytes();
        if bytes[2..9].iter().all(|&b| b == b'0') {
            return Err(TaxCodeError::ZeroSequence);
        }
        if digits.len() == 13 && &digits[10..] == "000" {
            return Err(TaxCodeError::ZeroSuffix);
        }
        let found = bytes[9] - b'0';
        match check_digit_for(&digits[..9]) {
            None => Err(TaxCodeError::NoCheckDigit {
                prefix: digits[..9].to_owned(),
            }),
            Some(expected) if expected != found => {
                Err(TaxCodeError::CheckDigit { expected, found })
            }
            Some(_) => {
                if digits.len() == 13 {
                    digits.insert(10, '-');
                }
                Ok(TaxCode(digits))
            }
        }
    }

    /// The canonical text: 10 digits, or 10 digits, a dash and the 3-digit suffix.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a dependent unit (branch, office) with a 3-digit suffix.
    pub fn is_dependent_unit(&self) -> bool {
        self.0.len() == 14
    }

    /// The 10-digit code of the enterprise a dependent unit belongs to; `None` for an enterprise.
    pub fn parent(&self) -> Option<TaxCode> {
        self.is_dependent_unit()
            .then(|| TaxCode(self.0[..10].to_owned()))
    }

    /// The 3-digit suffix of a dependent unit; `None` for an enterprise.
    pub fn suffix(&self) -> Option<&str> {
        self.is_dependent_unit().then(|| &self.0[11..])
    }
}

/// The check digit for nine ASCII digits, or `None` if the input is not nine digits or no digit fits.
///
/// The digit is `10 − (Σ wᵢ·dᵢ mod 11)`. When the remainder is 0 that gives 10, which is not a
/// digit; the circular assigns no code with such a prefix (stdnum likewise rejects them).
pub fn check_digit_for(prefix9: &str) -> Option<u8> {
    let bytes = prefix9.as_bytes();
    if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    match sum % 11 {
        0 => None,
        // remainder is 1..=10, so the digit is 0..=9.
        remainder => u8::try_from(10 - remainder).ok(),
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TaxCode {
    type Err = TaxCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaxCode::parse(s)
    }
}

impl Serialize for TaxCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TaxCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        TaxCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "tax_code_tests.rs"]
mod tests;
