//! Vietnamese personal names: validation, normalisation, and accent-folding for search.
//!
//! Names arrive from forms, bulk imports and card readers in both Unicode normal forms. The
//! registry stores them in NFC via [`PersonName`], and indexes [`fold`]ed forms so that a search
//! for "nguyen van an" finds "Nguyễn Văn An" regardless of how either was typed.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest allowed family, middle or given name, in characters after NFC.
pub const MAX_PART_CHARS: usize = 64;

/// Folds a name for accent- and case-insensitive matching: "Nguyễn  Văn Đạt" → "nguyen van dat".
pub fn fold(s: &str) -> String {
    let stripped: String = s
        .nfd()
        // Lowercase before stripping, so marks a lowercase mapping introduces are dropped too.
        .flat_map(char::to_lowercase)
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        // đ is a letter in its own right, not d plus a mark, so NFD leaves it alone.
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect();
    collapse_whitespace(&stripped)
}

/// Normalises text for storage: NFC, trimmed, runs of whitespace collapsed to one space.
pub fn normalize(s: &str) -> String {
    let composed: String = s.nfc().collect();
    collapse_whitespace(&composed)
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which part of a name an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamePart {
    /// The family name (họ), e.g. "Nguyễn".
    Family,
    /// The middle name (tên đệm), e.g. "Văn"; may be empty.
    Middle,
    /// The given name (tên), e.g. "An".
    Given,
}

impl fmt::Display for NamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NamePart::Family => "family name",
            NamePart::Middle => "middle name",
            NamePart::Given => "given name",
        })
    }
}

/// Why a name could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// A required part is empty after trimming.
    #[error("the {part} is empty; it is required")]
    Empty {
        /// The part that is empty.
        part: NamePart,
    },
    /// A part is longer than [`MAX_PART_CHARS`].
    #[error("the {part} is {length} characters long; the limit is {limit}")]
    TooLong {
        /// The part that is too long.
        part: NamePart,
        /// Its length in characters, after NFC.
        length: usize,
        /// The limit, [`MAX_PART_CHARS`].
        limit: usize,
    },
    /// A part contains a digit, symbol, control or other disallowed character.
    #[error(
        "the {part} contains '{}' (U+{:04X}) at position {position}; names may contain only letters, spaces, hyphens and apostrophes",
        character.escape_debug(),
        u32::from(*character)
    )]
    InvalidCharacter {
        /// The part that contains it.
        part: NamePart,
        /// The offending character.
        character: char,
        /// 1-based position within the part, after NFC and trimming.
        position: usize,
    },
    /// A part has punctuation but no letter at all, e.g. "-".
    #[error("the {part} has no letters; write the name with letters")]
    NoLetter {
        /// The part without letters.
        part: NamePart,
    },
}

impl NameError {
    /// Which part of the name the error is about.
    pub fn part(&self) -> NamePart {
        match self {
            NameError::Empty { part }
            | NameError::TooLong { part, .. }
            | NameError::InvalidCharacter { part, .. }
            | NameError::NoLetter { part } => *part,
        }
    }

    /// A stable, machine-readable identifier of the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            NameError::Empty { .. } => "name.empty",
            NameError::TooLong { .. } => "name.too_long",
            NameError::InvalidCharacter { .. } => "name.invalid_character",
            NameError::NoLetter { .. } => "name.no_letter",
        }
    }
}

/// A validated personal name, each part in NFC with single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPersonName")]
pub struct PersonName {
    family: String,
    middle: String,
    given: String,
}

/// The unchecked shape of a serialised name; deserialisation goes through [`PersonName::parse`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPersonName {
    family: String,
    #[serde(default)]
    middle: String,
    given: String,
}

impl TryFrom<RawPersonName> for PersonName {
    type Error = NameError;

    fn try_from(raw: RawPersonName) -> Result<Self, Self::Error> {
        PersonName::parse(&raw.family, &raw.middle, &raw.given)
    }
}

impl PersonName {
    /// Checks and normalises the three parts; only the middle name may be empty.
    pub fn parse(family: &str, middle: &str, given: &str) -> Result<PersonName, NameError> {
        Ok(PersonName {
            family: parse_part(NamePart::Family, family, true)?,
            middle: parse_part(NamePart::Middle, middle, false)?,
            given: parse_part(NamePart::Given, given, true)?,
        })
    }

    /// The family name (họ).
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The middle name (tên đệm); may be empty.
    pub fn middle(&self) -> &str {
        &self.middle
    }

    /// The given name (tên).
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The full name in Vietnamese order, family first, skipping an empty middle name.
    pub fn full(&self) -> String {
        [&self.family, &self.middle, &self.given]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The full name folded for search, see [`fold`].
    pub fn folded(&self) -> String {
        fold(&self.full())
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

fn parse_part(part: NamePart, raw: &str, required: bool) -> Result<String, NameError> {
    let composed: String = raw.nfc().collect();
    let trimmed = composed.trim();
    if trimmed.is_empty() {
        return if required {
            Err(NameError::Empty { part })
        } else {
            Ok(String::new())
        };
    }
    // Characters are checked before whitespace is collapsed, so that a tab or line break inside
    // a name is refused rather than silently turned into a space.
    for (index, character) in trimmed.chars().enumerate() {
        let allowed = character.is_alphabetic()
            // Marks are allowed for scripts whose letters have no precomposed NFC form.
            || is_combining_mark(character)
            || (character.is_whitespace() && !character.is_control())
            || matches!(character, '-' | '\'' | '\u{2019}');
        if !allowed {
            return Err(NameError::InvalidCharacter {
                part,
                character,
                position: index + 1,
            });
        }
    }
    let value = collapse_whitespace(trimmed);
    let length = value.chars().count();
    if length > MAX_PART_CHARS {
        return Err(NameError::TooLong {
            part,
            length,
            limit: MAX_PART_CHARS,
        });
    }
    if !value.chars().any(char::is_alphabetic) {
        return Err(NameError::NoLetter { part });
    }
    Ok(value)
}

#[cfg(test)]
#[path = "name_tests.rs"]
mod tests;
