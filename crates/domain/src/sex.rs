//! Sex as recorded in the national population database.
//!
//! The personal identification number encodes sex in its fourth digit, so every capability that
//! builds or checks numbers, and every form that collects citizen data, goes through [`Sex`].
//! Input arrives in English ("male") or Vietnamese ("nam", "nữ"), in either Unicode normal form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The sex of a citizen, as the population database records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Male (nam).
    Male,
    /// Female (nữ).
    Female,
}

/// Why a text could not be read as a [`Sex`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SexError {
    /// The text is not one of the accepted spellings.
    #[error("'{found}' is not a recognised sex; write one of: male, female, m, f, nam, nữ (or nu)")]
    Unrecognised {
        /// The text as given (trimmed).
        found: String,
    },
}

impl SexError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            SexError::Unrecognised { .. } => "sex.unrecognised",
        }
    }
}

impl Sex {
    /// Reads a sex from English or Vietnamese text, case-insensitively, in NFC or NFD.
    pub fn parse(input: &str) -> Result<Sex, SexError> {
        let trimmed = input.trim();
        // NFC first so that "nữ" typed as "nu" + combining marks compares equal to the composed form.
        let key: String = trimmed.nfc().collect::<String>().to_lowercase();
        match key.as_str() {
            "male" | "m" | "nam" => Ok(Sex::Male),
            "female" | "f" | "nữ" | "nu" => Ok(Sex::Female),
            _ => Err(SexError::Unrecognised {
                found: trimmed.to_owned(),
            }),
        }
    }

    /// The lowercase English word used in the API and storage: "male" or "female".
    pub fn as_str(&self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// The other sex; handy for tests and generators that need a deliberate mismatch.
    pub fn other(&self) -> Sex {
        match self {
            Sex::Male => Sex::Female,
            Sex::Female => Sex::Male,
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sex {
    type Err = SexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sex::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_spelling() {
        for s in ["male", "MALE", "Male", "m", "M", "nam", "NAM", " Nam "] {
            assert_eq!(Sex::parse(s), Ok(Sex::Male), "{s}");
        }
        for s in ["female", "FEMALE", "f", "F", "nữ", "NỮ", "Nữ", "nu", "NU"] {
            assert_eq!(Sex::parse(s), Ok(Sex::Female), "{s}");
        }
    }

    #[test]
    fn accepts_nfd_vietnamese() {
        let nfd: String = "nữ".nfd().collect();
        assert_ne!(nfd, "nữ", "the test input must really be decomposed");
        assert_eq!(Sex::parse(&nfd), Ok(Sex::Female));
        let upper_nfd: String = "NỮ".nfd().collect();
        assert_eq!(Sex::parse(&upper_nfd), Ok(Sex::Female));
    }

    #[test]
    fn refuses_other_text_with_code() {
        for s in ["", "x", "males", "nư", "nũ", "0", "other"] {
            let err = Sex::parse(s).unwrap_err();
            assert_eq!(err.code(), "sex.unrecognised");
            assert!(err.to_string().contains("nam"), "{err}");
        }
    }

    #[test]
    fn display_and_serde() {
        assert_eq!(Sex::Male.to_string(), "male");
        assert_eq!(Sex::Female.to_string(), "female");
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"female\"");
        assert_eq!(serde_json::from_str::<Sex>("\"male\"").unwrap(), Sex::Male);
        assert!(serde_json::from_str::<Sex>("\"nam\"").is_err());
        assert_eq!("f".parse::<Sex>(), Ok(Sex::Female));
        assert_eq!(Sex::Male.other(), Sex::Female);
    }

    proptest! {
        #[test]
        fn display_parses_back(female in any::<bool>()) {
            let sex = if female { Sex::Female } else { Sex::Male };
            prop_assert_eq!(Sex::parse(&sex.to_string()), Ok(sex));
        }

        #[test]
        fn long_text_is_refused(s in "[a-z]{4,12}") {
            prop_assume!(s != "male" && s != "female");
            prop_assert!(Sex::parse(&s).is_err());
        }
    }
}
