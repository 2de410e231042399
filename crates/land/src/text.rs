//! Small parsers shared by every land type: free text, names, whole numbers and dates.

use chrono::NaiveDate;
use dinhdanh_domain::normalize;

use crate::error::ValueError;

/// Characters the CSV layout uses between items of one column (parcel keys, purposes, holders).
pub(crate) const SEPARATORS: [char; 3] = ['/', ';', '|'];

/// Required free text: NFC-normalised, whitespace collapsed, no control characters, bounded.
pub(crate) fn required_text(value: &str, max_chars: usize) -> Result<String, ValueError> {
    let value = normalize(value);
    if value.is_empty() {
        return Err(ValueError::Required);
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(ValueError::TooLong {
            chars,
            max: max_chars,
        });
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(ValueError::ControlCharacter(c));
    }
    Ok(value)
}

/// Optional free text: empty means absent, anything else as [`required_text`].
pub(crate) fn optional_text(value: &str, max_chars: usize) -> Result<Option<String>, ValueError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    required_text(value, max_chars).map(Some)
}

/// A place name: required text that may not contain an item separator.
pub(crate) fn name_text(value: &str, max_chars: usize) -> Result<String, ValueError> {
    let value = required_text(value, max_chars)?;
    match value.chars().find(|c| SEPARATORS.contains(c)) {
        Some(c) => Err(ValueError::Separator(c)),
        None => Ok(value),
    }
}

/// A whole number in `min..=max`, written in ASCII digits.
pub(crate) fn whole_number(value: &str, min: u32, max: u32) -> Result<u32, ValueError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValueError::Required);
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::NotANumber {
            value: value.to_owned(),
        });
    }
    // Digits only: the one failure left is overflow, which is out of range too.
    let number = value.parse::<u64>().unwrap_or(u64::MAX);
    if number < u64::from(min) || number > u64::from(max) {
        return Err(ValueError::OutOfRange {
            value: number,
            min: u64::from(min),
            max: u64::from(max),
        });
    }
    Ok(u32::try_from(number).expect("checked against a u32 bound"))
}

/// An ISO date (`YYYY-MM-DD`).
pub(crate) fn date(value: &str) -> Result<NaiveDate, ValueError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValueError::Required);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| ValueError::Date {
        value: value.to_owned(),
    })
}

/// Splits a list column into trimmed, non-empty items (a trailing `;` is forgiven).
pub(crate) fn items(value: &str) -> impl Iterator<Item = &str> {
    value.split(';').map(str::trim).filter(|s| !s.is_empty())
}
