//! The personal identification number (số định danh cá nhân), Circular 07/2016/TT-BCA.
//!
//! Every citizen record, card and API call is keyed by this 12-digit number, laid out as
//! `PPP G YY RRRRRR`: province of birth registration, a digit encoding century of birth and sex,
//! the last two digits of the birth year, and a serial. There is no check digit, so the only
//! defences against typing errors are the province table and [`PersonalId::check_consistency`]
//! against the date of birth and sex held on file.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::province::Province;
use crate::sex::Sex;

/// Number of digits in a personal identification number.
pub const LENGTH: usize = 12;
/// First birth year the century digit can encode (digit 0 or 1).
pub const MIN_BIRTH_YEAR: i32 = 1900;
/// Last birth year the century digit can encode (digit 8 or 9).
pub const MAX_BIRTH_YEAR: i32 = 2399;
/// Largest serial (the last six digits).
pub const MAX_SERIAL: u32 = 999_999;

const MAX_VALUE: u64 = 999_999_999_999;

/// A valid 12-digit personal identification number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonalId(u64);

/// Why a text or number could not be read as a [`PersonalId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    /// Nothing was given.
    #[error("the personal identification number is empty; give its 12 digits")]
    Empty,
    /// A character other than an ASCII digit was found.
    #[error(
        "the personal identification number contains '{}' at position {position}; it must be 12 digits with no spaces or separators",
        found.escape_debug()
    )]
    NonDigit {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The number does not have exactly 12 digits.
    #[error(
        "the personal identification number has {found} digits; it must have exactly 12 (check for a missing or extra digit)"
    )]
    WrongLength {
        /// How many digits were given.
        found: usize,
    },
    /// The first three digits are not a province code.
    #[error(
        "the first three digits '{code:03}' are not one of the 63 province codes of Circular 07/2016/TT-BCA; check the province part of the number"
    )]
    UnknownProvince {
        /// The three-digit prefix that was given.
        code: u16,
    },
    /// A birth year outside what the century digit can encode.
    #[error("birth year {year} cannot be encoded; the number covers births from 1900 to 2399")]
    BirthYearOutOfRange {
        /// The year that was given.
        year: i32,
    },
    /// A serial with more than six digits.
    #[error("serial {serial} is too large; the serial is six digits, 000000 to 999999")]
    SerialOutOfRange {
        /// The serial that was given.
        serial: u32,
    },
    /// A stored integer with more than 12 digits.
    #[error("{value} has more than 12 digits, so it is not a personal identification number")]
    TooLarge {
        /// The integer that was given.
        value: u64,
    },
}

impl PersonalIdError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            PersonalIdError::Empty => "personal_id.empty",
            PersonalIdError::NonDigit { .. } => "personal_id.non_digit",
            PersonalIdError::WrongLength { .. } => "personal_id.wrong_length",
            PersonalIdError::UnknownProvince { .. } => "personal_id.unknown_province",
            PersonalIdError::BirthYearOutOfRange { .. } => "personal_id.birth_year_out_of_range",
            PersonalIdError::SerialOutOfRange { .. } => "personal_id.serial_out_of_range",
            PersonalIdError::TooLarge { .. } => "personal_id.too_large",
        }
    }
}

/// A part of a valid number that disagrees with the date of birth or sex held on file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdMismatch {
    /// The century digit (position 4) encodes another century than the date of birth's.
    #[error(
        "digit {digit} (position 4) encodes births in {encoded_century_start}–{}, but the date of birth is {birth_date}; correct the number or the date of birth",
        encoded_century_start + 99
    )]
    Century {
        /// The century-and-sex digit of the number.
        digit: u8,
        /// First year of the century that digit encodes, e.g. 1900.
        encoded_century_start: i32,
        /// The date of birth it was checked against.
        birth_date: NaiveDate,
    },
    /// Digits 5–6 are not the last two digits of the birth year.
    #[error(
        "digits 5–6 are '{encoded_yy:02}' but the year of birth is {birth_year}; correct the number or the date of birth"
    )]
    BirthYear {
        /// The two year digits of the number.
        encoded_yy: u8,
        /// The year of the date of birth it was checked against.
        birth_year: i32,
    },
    /// The century digit (position 4) encodes the other sex.
    #[error(
        "digit {digit} (position 4) encodes a {encoded} holder, but the sex given is {given}; correct the number or the sex"
    )]
    Sex {
        /// The century-and-sex digit of the number.
        digit: u8,
        /// The sex that digit encodes.
        encoded: Sex,
        /// The sex it was checked against.
        given: Sex,
    },
}

impl PersonalIdMismatch {
    /// A stable machine-readable code for this mismatch.
    pub fn code(&self) -> &'static str {
        match self {
            PersonalIdMismatch::Century { .. } => "personal_id.century_mismatch",
            PersonalIdMismatch::BirthYear { .. } => "personal_id.birth_year_mismatch",
            PersonalIdMismatch::Sex { .. } => "personal_id.sex_mismatch",
        }
    }
}

impl PersonalId {
    /// Reads a number from text: exactly 12 ASCII digits, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<PersonalId, PersonalIdError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PersonalIdError::Empty);
        }
        // Characters before length: "a digit is missing" would mislead when a letter is the issue.
        if let Some((index, found)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(PersonalIdError::NonDigit {
                position: index + 1,
                found,
            });
        }
        if trimmed.len() != LENGTH {
            return Err(PersonalIdError::WrongLength {
                found: trimmed.len(),
            });
        }
        let value = trimmed
            .bytes()
            .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
        PersonalId::from_u64(value)
    }

    /// Builds the number for a birth registered in `province`, with the given sex, year and serial.
    pub fn from_parts(
        province: Province,
        sex: Sex,
        birth_year: i32,
        serial: u32,
    ) -> Result<PersonalId, PersonalIdError> {
        if !(MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&birth_year) {
            return Err(PersonalIdError::BirthYearOutOfRange { year: birth_year });
        }
        if serial > MAX_SERIAL {
            return Err(PersonalIdError::SerialOutOfRange { serial });
        }
        let offset = birth_year - MIN_BIRTH_YEAR;
        // Even digits are male, odd digits female, two digits per century from 1900.
        let digit = (offset / 100) * 2 + i32::from(sex == Sex::Female);
        let yy = offset % 100;
        // Both are small and non-negative after the range check above.
        let digit = u64::try_from(digit).expect("digit in 0..=9");
        let yy = u64::try_from(yy).expect("yy in 0..=99");
        let value = u64::from(province.code()) * 1_000_000_000
            + digit * 100_000_000
            + yy * 1_000_000
            + u64::from(serial);
        Ok(PersonalId(value))
    }

    /// Reads a number stored as an integer, checking it as [`PersonalId::parse`] would.
    pub fn from_u64(value: u64) -> Result<PersonalId, PersonalIdError> {
        if value > MAX_VALUE {
            return Err(PersonalIdError::TooLarge { value });
        }
        // value <= 999_999_999_999, so the prefix is below 1000.
        let code = u16::try_from(value / 1_000_000_000).expect("prefix below 1000");
        if Province::from_code(code).is_none() {
            return Err(PersonalIdError::UnknownProvince { code });
        }
        // Every century digit 0–9, year 00–99 and serial is meaningful, so nothing else to check.
        Ok(PersonalId(value))
    }

    /// The number as an unsigned integer, for storage.
    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// The number as a signed integer, for databases without unsigned 64-bit columns.
    pub fn as_i64(&self) -> i64 {
        // At most 999_999_999_999, far below i64::MAX.
        i64::try_from(self.0).expect("12 digits fit in i64")
    }

    /// The province where the birth was registered (digits 1–3).
    pub fn province(&self) -> Province {
        let code = u16::try_from(self.0 / 1_000_000_000).expect("prefix below 1000");
        Province::from_code(code).expect("constructors only accept known provinces")
    }

    /// The century-and-sex digit (digit 4), 0 to 9.
    pub fn century_sex_digit(&self) -> u8 {
        u8::try_from((self.0 / 100_000_000) % 10).expect("a single digit")
    }

    /// The sex encoded in digit 4: even is male, odd is female.
    pub fn sex(&self) -> Sex {
        if self.century_sex_digit().is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The full birth year, from the century in digit 4 and the two digits 5–6.
    pub fn birth_year(&self) -> i32 {
        self.century_start() + i32::from(self.yy())
    }

    /// The six-digit serial (digits 7–12).
    pub fn serial(&self) -> u32 {
        u32::try_from(self.0 % 1_000_000).expect("below one million")
    }

    /// Checks the number against a date of birth and sex on file, reporting the first mismatch.
    ///
    /// The order is century, then year, then sex, so the most fundamental disagreement is named.
    pub fn check_consistency(
        &self,
        birth_date: NaiveDate,
        sex: Sex,
    ) -> Result<(), PersonalIdMismatch> {
        match self.mismatches(birth_date, sex).into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// Every part of the number that disagrees with a date of birth and sex, in check order.
    pub fn mismatches(&self, birth_date: NaiveDate, sex: Sex) -> Vec<PersonalIdMismatch> {
        let mut found = Vec::new();
        let year = birth_date.year();
        let century_start = self.century_start();
        if !(century_start..century_start + 100).contains(&year) {
            found.push(PersonalIdMismatch::Century {
                digit: self.century_sex_digit(),
                encoded_century_start: century_start,
                birth_date,
            });
        }
        if i32::from(self.yy()) != year.rem_euclid(100) {
            found.push(PersonalIdMismatch::BirthYear {
                encoded_yy: self.yy(),
                birth_year: year,
            });
        }
        if self.sex() != sex {
            found.push(PersonalIdMismatch::Sex {
                digit: self.century_sex_digit(),
                encoded: self.sex(),
                given: sex,
            });
        }
        found
    }

    fn century_start(&self) -> i32 {
        MIN_BIRTH_YEAR + i32::from(self.century_sex_digit() / 2) * 100
    }

    fn yy(&self) -> u8 {
        u8::try_from((self.0 / 1_000_000) % 100).expect("two digits")
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl FromStr for PersonalId {
    type Err = PersonalIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PersonalId::parse(s)
    }
}

impl Serialize for PersonalId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PersonalId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PersonalId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "personal_id_tests.rs"]
mod tests;
