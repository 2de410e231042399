//! Tests for the enterprise / tax code: the published vectors, each rejection, and properties
//! that mirror python-stdnum's `stdnum.vn.mst.validate`.

use super::*;
use proptest::prelude::*;

/// An independent transcription of stdnum's rules, to compare `parse` against.
fn stdnum_is_valid(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 10 && b.len() != 13 {
        return false;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if &number[2..9] == "0000000" {
        return false;
    }
    if b.len() == 13 && &number[10..] == "000" {
        return false;
    }
    let total: u32 = [31, 29, 23, 19, 17, 13, 7, 5, 3]
        .iter()
        .zip(b)
        .map(|(w, d)| w * u32::from(d - b'0'))
        .sum();
    // str(10 - total % 11) is "10" when the remainder is 0, which never equals one character.
    (10 - total % 11).to_string() == number[9..10]
}

#[test]
fn published_vectors() {
    let company = TaxCode::parse("0100233488").unwrap();
    assert_eq!(company.as_str(), "0100233488");
    assert!(!company.is_dependent_unit());
    assert_eq!(company.parent(), None);
    assert_eq!(company.suffix(), None);

    let branch = TaxCode::parse("0314409058-002").unwrap();
    assert_eq!(branch.as_str(), "0314409058-002");
    assert!(branch.is_dependent_unit());
    assert_eq!(branch.parent().unwrap().as_str(), "0314409058");
    assert_eq!(branch.suffix(), Some("002"));

    let err = TaxCode::parse("0100233480").unwrap_err();
    assert_eq!(
        err,
        TaxCodeError::CheckDigit {
            expected: 8,
            found: 0
        }
    );
    assert_eq!(err.code(), "tax_code.check_digit");
    assert!(err.to_string().contains("should be 8"), "{err}");
    assert!(err.to_string().contains("but is 0"), "{err}");
}

#[test]
fn thirteen_plain_digits_and_whitespace_normalise() {
    let code = TaxCode::parse("  0314409058002\t").unwrap();
    assert_eq!(code.as_str(), "0314409058-002");
    assert_eq!(code, TaxCode::parse("0314409058-002").unwrap());
    assert_eq!(code.to_string(), "0314409058-002");
    assert_eq!(
        TaxCode::parse(" 0100233488 ").unwrap().as_str(),
        "0100233488"
    );
}

#[test]
fn check_digit_helper() {
    assert_eq!(check_digit_for("010023348"), Some(8));
    assert_eq!(check_digit_for("031440905"), Some(8));
    assert_eq!(check_digit_for("01002334"), None);
    assert_eq!(check_digit_for("0100233a8"), None);
    // 1·31 + 0 + … + 8·3 = 55 is divisible by 11: no check digit exists.
    assert_eq!(check_digit_for("100000008"), None);
}

#[test]
fn prefix_without_check_digit_has_its_own_error() {
    for last in 0..=9 {
        let text = format!("100000008{last}");
        let err = TaxCode::parse(&text).unwrap_err();
        assert_eq!(
            err,
            TaxCodeError::NoCheckDigit {
                prefix: "100000008".into()
            },
            "{text}"
        );
        assert_eq!(err.code(), "tax_code.no_check_digit");
        assert!(!stdnum_is_valid(&text));
    }
}

#[test]
fn rejections_name_the_problem() {
    let cases = [
        ("", "tax_code.empty"),
        ("   ", "tax_code.empty"),
        ("12345", "tax_code.wrong_length"),
        ("01002334881", "tax_code.wrong_length"),
        ("01002334880000", "tax_code.wrong_length"),
        ("0100233488-", "tax_code.suffix_length"),
        ("0100233488-01", "tax_code.suffix_length"),
        ("0100233488-0011", "tax_code.suffix_length"),
        ("010023348-8002", "tax_code.misplaced_dash"),
        ("0314409058-00-2", "tax_code.misplaced_dash"),
        ("0100 233488", "tax_code.invalid_character"),
        ("01.00.233.488", "tax_code.invalid_character"),
        ("0100233488-002x", "tax_code.invalid_character"),
        ("0000000001", "tax_code.zero_sequence"),
        ("0100000000", "tax_code.zero_sequence"),
        ("0314409058-000", "tax_code.zero_suffix"),
        ("0314409058000", "tax_code.zero_suffix"),
    ];
    for (text, code) in cases {
        let err = TaxCode::parse(text).unwrap_err();
        assert_eq!(err.code(), code, "{text:?}: {err}");
    }
    assert_eq!(
        TaxCode::parse("0100a33488").unwrap_err(),
        TaxCodeError::InvalidCharacter {
            position: 5,
            found: 'a'
        }
    );
    assert_eq!(
        TaxCode::parse("12345").unwrap_err(),
        TaxCodeError::WrongLength { found: 5 }
    );
    assert_eq!(
        TaxCode::parse("0100233488-01").unwrap_err(),
        TaxCodeError::SuffixLength { found: 2 }
    );
}

#[test]
fn serde_is_the_canonical_string() {
    let code = TaxCode::parse("0314409058002").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"0314409058-002\"");
    assert_eq!(
        serde_json::from_str::<TaxCode>("\"0314409058002\"").unwrap(),
        code
    );
    let err = serde_json::from_str::<TaxCode>("\"0100233480\"").unwrap_err();
    assert!(err.to_string().contains("should be 8"), "{err}");
    assert_eq!(
        "0100233488".parse::<TaxCode>().unwrap().as_str(),
        "0100233488"
    );
}

/// Nine digits whose sequence part (digits 3–9) is not all zero.
fn nine_digits() -> impl Strategy<Value = String> {
    "[0-9]{9}".prop_filter("sequence 0000000 is invalid", |p| &p[2..9] != "0000000")
}

/// Nine digits that admit a check digit, with that digit.
fn valid_prefix() -> impl Strategy<Value = (String, u8)> {
    nine_digits().prop_filter_map("no check digit", |p| check_digit_for(&p).map(|d| (p, d)))
}

proptest! {
    #[test]
    fn valid_prefix_parses_and_other_check_digits_fail(prefix in nine_digits(), shift in 1u8..10) {
        match check_digit_for(&prefix) {
            Some(digit) => {
                let text = format!("{prefix}{digit}");
                let code = TaxCode::parse(&text).unwrap();
                prop_assert_eq!(code.as_str(), text.as_str());
                let wrong = (digit + shift) % 10;
                prop_assert_eq!(
                    TaxCode::parse(&format!("{prefix}{wrong}")),
                    Err(TaxCodeError::CheckDigit { expected: digit, found: wrong })
                );
            }
            None => {
                let text = format!("{prefix}{}", shift % 10);
                prop_assert_eq!(
                    TaxCode::parse(&text),
                    Err(TaxCodeError::NoCheckDigit { prefix: prefix.clone() })
                );
            }
        }
    }

    #[test]
    fn dependent_units_roundtrip((prefix, digit) in valid_prefix(), suffix in 1u16..1000) {
        let parent = format!("{prefix}{digit}");
        let dashed = format!("{parent}-{suffix:03}");
        let code = TaxCode::parse(&format!("{parent}{suffix:03}")).unwrap();
        prop_assert_eq!(code.as_str(), dashed.as_str());
        prop_assert_eq!(TaxCode::parse(&dashed).unwrap(), code.clone());
        prop_assert_eq!(code.parent().unwrap().to_string(), parent);
        prop_assert_eq!(TaxCode::parse(&code.to_string()).unwrap(), code);
    }

    #[test]
    fn agrees_with_stdnum_on_ten_digits(text in "[0-9]{10}") {
        prop_assert_eq!(TaxCode::parse(&text).is_ok(), stdnum_is_valid(&text));
    }

    #[test]
    fn agrees_with_stdnum_on_thirteen_digits(text in "[0-9]{13}") {
        prop_assert_eq!(TaxCode::parse(&text).is_ok(), stdnum_is_valid(&text));
    }

    #[test]
    fn other_lengths_are_refused(
        text in prop_oneof![0usize..10, 11usize..13, 14usize..21].prop_flat_map(|n| proptest::string::string_regex(&format!("[0-9]{{{n}}}")).unwrap())
    ) {
        prop_assert!(TaxCode::parse(&text).is_err());
    }
}
