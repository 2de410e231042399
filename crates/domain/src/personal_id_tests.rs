//! Tests for the personal identification number: fixed cases for each rule and each rejection,
//! and properties tying construction, display, parsing and the consistency check together.

use super::*;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn province(code: u16) -> Province {
    Province::from_code(code).unwrap()
}

#[test]
fn parses_and_decodes_every_part() {
    let id = PersonalId::parse("001090123456").unwrap();
    assert_eq!(id.province(), province(1));
    assert_eq!(id.sex(), Sex::Male);
    assert_eq!(id.birth_year(), 1990);
    assert_eq!(id.serial(), 123_456);
    assert_eq!(id.century_sex_digit(), 0);
    assert_eq!(id.as_u64(), 1_090_123_456);
    assert_eq!(id.as_i64(), 1_090_123_456);
    assert_eq!(id.to_string(), "001090123456");

    let id = PersonalId::parse("  079305000000\n").unwrap();
    assert_eq!(id.province(), province(79));
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.birth_year(), 2005);
    assert_eq!(id.serial(), 0);

    let id = PersonalId::parse("096999999999").unwrap();
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.birth_year(), 2399);
    assert_eq!(id.serial(), 999_999);
}

#[test]
fn every_century_digit_decodes() {
    let expected = [
        (0, 1900, Sex::Male),
        (1, 1900, Sex::Female),
        (2, 2000, Sex::Male),
        (3, 2000, Sex::Female),
        (4, 2100, Sex::Male),
        (5, 2100, Sex::Female),
        (6, 2200, Sex::Male),
        (7, 2200, Sex::Female),
        (8, 2300, Sex::Male),
        (9, 2300, Sex::Female),
    ];
    for (digit, century, sex) in expected {
        let id = PersonalId::parse(&format!("001{digit}42000001")).unwrap();
        assert_eq!(id.birth_year(), century + 42, "digit {digit}");
        assert_eq!(id.sex(), sex, "digit {digit}");
        let built = PersonalId::from_parts(province(1), sex, century + 42, 1).unwrap();
        assert_eq!(built, id, "digit {digit}");
    }
}

#[test]
fn rejects_wrong_length() {
    let err = PersonalId::parse("00109012345").unwrap_err();
    assert_eq!(err, PersonalIdError::WrongLength { found: 11 });
    assert_eq!(err.code(), "personal_id.wrong_length");
    assert!(err.to_string().contains("has 11 digits"), "{err}");
    assert!(err.to_string().contains("exactly 12"), "{err}");
    assert_eq!(
        PersonalId::parse("0010901234567").unwrap_err(),
        PersonalIdError::WrongLength { found: 13 }
    );
    assert_eq!(
        PersonalId::parse("   ").unwrap_err().code(),
        "personal_id.empty"
    );
}

#[test]
fn rejects_non_digit_naming_position_and_character() {
    let err = PersonalId::parse("0010901234x6").unwrap_err();
    assert_eq!(
        err,
        PersonalIdError::NonDigit {
            position: 11,
            found: 'x'
        }
    );
    assert_eq!(err.code(), "personal_id.non_digit");
    assert!(err.to_string().contains("'x' at position 11"), "{err}");
    // Separators are not accepted: the number is written as one block.
    assert_eq!(
        PersonalId::parse("001 090 123456").unwrap_err(),
        PersonalIdError::NonDigit {
            position: 4,
            found: ' '
        }
    );
    // Non-ASCII digits look like digits but are refused.
    assert_eq!(
        PersonalId::parse("٠01090123456").unwrap_err().code(),
        "personal_id.non_digit"
    );
}

#[test]
fn rejects_unknown_province() {
    let err = PersonalId::parse("003090123456").unwrap_err();
    assert_eq!(err, PersonalIdError::UnknownProvince { code: 3 });
    assert_eq!(err.code(), "personal_id.unknown_province");
    assert!(err.to_string().contains("'003'"), "{err}");
    for prefix in ["000", "097", "100", "999"] {
        let text = format!("{prefix}090123456");
        assert_eq!(
            PersonalId::parse(&text).unwrap_err().code(),
            "personal_id.unknown_province",
            "{text}"
        );
    }
}

#[test]
fn from_parts_rejects_out_of_range() {
    let p = province(1);
    assert_eq!(
        PersonalId::from_parts(p, Sex::Male, 1899, 0),
        Err(PersonalIdError::BirthYearOutOfRange { year: 1899 })
    );
    assert_eq!(
        PersonalId::from_parts(p, Sex::Male, 2400, 0),
        Err(PersonalIdError::BirthYearOutOfRange { year: 2400 })
    );
    assert_eq!(
        PersonalId::from_parts(p, Sex::Male, 1990, 1_000_000),
        Err(PersonalIdError::SerialOutOfRange { serial: 1_000_000 })
    );
    assert!(PersonalId::from_parts(p, Sex::Female, 1900, 999_999).is_ok());
    assert!(PersonalId::from_parts(p, Sex::Female, 2399, 0).is_ok());
}

#[test]
fn from_u64_validates() {
    assert_eq!(
        PersonalId::from_u64(1_000_000_000_000),
        Err(PersonalIdError::TooLarge {
            value: 1_000_000_000_000
        })
    );
    assert_eq!(
        PersonalId::from_u64(3_090_123_456),
        Err(PersonalIdError::UnknownProvince { code: 3 })
    );
    assert_eq!(
        PersonalId::from_u64(90_123_456),
        Err(PersonalIdError::UnknownProvince { code: 0 })
    );
    let id = PersonalId::from_u64(96_999_999_999).unwrap();
    assert_eq!(id.to_string(), "096999999999");
}

#[test]
fn consistency_names_the_disagreeing_part() {
    let id = PersonalId::parse("001091123456").unwrap(); // male, 1991
    assert_eq!(id.check_consistency(date(1991, 5, 1), Sex::Male), Ok(()));

    let err = id
        .check_consistency(date(1991, 5, 1), Sex::Female)
        .unwrap_err();
    assert_eq!(
        err,
        PersonalIdMismatch::Sex {
            digit: 0,
            encoded: Sex::Male,
            given: Sex::Female
        }
    );
    assert_eq!(err.code(), "personal_id.sex_mismatch");
    assert!(err.to_string().contains("encodes a male holder"), "{err}");

    let err = id
        .check_consistency(date(1990, 5, 1), Sex::Male)
        .unwrap_err();
    assert_eq!(
        err,
        PersonalIdMismatch::BirthYear {
            encoded_yy: 91,
            birth_year: 1990
        }
    );
    assert_eq!(err.code(), "personal_id.birth_year_mismatch");
    assert!(
        err.to_string()
            .starts_with("digits 5–6 are '91' but the year of birth is 1990"),
        "{err}"
    );

    let future = PersonalId::parse("001490123456").unwrap(); // male, 2190
    let err = future
        .check_consistency(date(1990, 5, 1), Sex::Male)
        .unwrap_err();
    assert_eq!(err.code(), "personal_id.century_mismatch");
    assert!(
        err.to_string().starts_with(
            "digit 4 (position 4) encodes births in 2100–2199, but the date of birth is 1990-05-01"
        ),
        "{err}"
    );
}

#[test]
fn mismatches_reports_all_in_order() {
    let id = PersonalId::parse("001305000001").unwrap(); // female, 2005
    let all = id.mismatches(date(1990, 1, 1), Sex::Male);
    let codes: Vec<&str> = all.iter().map(|m| m.code()).collect();
    assert_eq!(
        codes,
        [
            "personal_id.century_mismatch",
            "personal_id.birth_year_mismatch",
            "personal_id.sex_mismatch"
        ]
    );
    assert_eq!(
        id.check_consistency(date(1990, 1, 1), Sex::Male),
        Err(all[0].clone())
    );
    assert!(id.mismatches(date(2005, 12, 31), Sex::Female).is_empty());
}

#[test]
fn serde_is_a_string_and_checks() {
    let id = PersonalId::parse("001090123456").unwrap();
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"001090123456\"");
    assert_eq!(
        serde_json::from_str::<PersonalId>("\"001090123456\"").unwrap(),
        id
    );
    let err = serde_json::from_str::<PersonalId>("\"003090123456\"").unwrap_err();
    assert!(err.to_string().contains("'003'"), "{err}");
    assert!(serde_json::from_str::<PersonalId>("1090123456").is_err());
    assert_eq!("001090123456".parse::<PersonalId>(), Ok(id));
}

fn any_province() -> impl Strategy<Value = Province> {
    (0usize..63).prop_map(|i| Province::all().nth(i).unwrap())
}

fn any_sex() -> impl Strategy<Value = Sex> {
    any::<bool>().prop_map(|f| if f { Sex::Female } else { Sex::Male })
}

proptest! {
    #[test]
    fn parts_display_parse_roundtrip(
        p in any_province(),
        sex in any_sex(),
        year in MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR,
        serial in 0..=MAX_SERIAL,
    ) {
        let id = PersonalId::from_parts(p, sex, year, serial).unwrap();
        let text = id.to_string();
        prop_assert_eq!(text.len(), 12);
        let back = PersonalId::parse(&text).unwrap();
        prop_assert_eq!(back, id);
        prop_assert_eq!(back.province(), p);
        prop_assert_eq!(back.sex(), sex);
        prop_assert_eq!(back.birth_year(), year);
        prop_assert_eq!(back.serial(), serial);
        prop_assert_eq!(PersonalId::from_u64(id.as_u64()), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<PersonalId>(&json).unwrap(), id);
    }

    #[test]
    fn consistency_accepts_generator_and_rejects_changes(
        p in any_province(),
        sex in any_sex(),
        year in MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR,
        ordinal in 1u32..=365,
        serial in 0..=MAX_SERIAL,
        year_shift in 1i32..100,
        century_shift in 1i32..5,
    ) {
        let id = PersonalId::from_parts(p, sex, year, serial).unwrap();
        let born = NaiveDate::from_yo_opt(year, ordinal).unwrap();
        prop_assert_eq!(id.check_consistency(born, sex), Ok(()));

        // Other sex: only the sex part disagrees.
        let err = id.check_consistency(born, sex.other()).unwrap_err();
        let is_sex_mismatch = matches!(err, PersonalIdMismatch::Sex { encoded, given, .. }
            if encoded == sex && given == sex.other());
        prop_assert!(is_sex_mismatch, "{:?}", err);

        // Another year in the same century: only the two year digits disagree.
        let century = (year / 100) * 100;
        let other_year = century + (year - century + year_shift) % 100;
        let other = NaiveDate::from_yo_opt(other_year, 1).unwrap();
        let err = id.check_consistency(other, sex).unwrap_err();
        prop_assert_eq!(
            err,
            PersonalIdMismatch::BirthYear { encoded_yy: (year % 100) as u8, birth_year: other_year }
        );

        // Same two digits, another of the five encodable centuries: the century digit disagrees,
        // and it is named first even when the sex disagrees too.
        let own_index = (year - MIN_BIRTH_YEAR) / 100;
        let moved = MIN_BIRTH_YEAR + ((own_index + century_shift) % 5) * 100 + year % 100;
        let other = NaiveDate::from_yo_opt(moved, 1).unwrap();
        let err = id.check_consistency(other, sex.other()).unwrap_err();
        let is_century_mismatch = matches!(err, PersonalIdMismatch::Century { encoded_century_start, .. }
            if encoded_century_start == century);
        prop_assert!(is_century_mismatch, "{:?}", err);
        prop_assert_eq!(id.mismatches(other, sex).len(), 1);
    }

    #[test]
    fn wrong_lengths_are_rejected(
        digits in prop_oneof![0usize..12, 13usize..31].prop_flat_map(|n| proptest::string::string_regex(&format!("[0-9]{{{n}}}")).unwrap())
    ) {
        let err = PersonalId::parse(&digits).unwrap_err();
        let expected = if digits.is_empty() { "personal_id.empty" } else { "personal_id.wrong_length" };
        prop_assert_eq!(err.code(), expected);
    }

    #[test]
    fn twelve_digits_accepted_exactly_when_province_known(digits in "[0-9]{12}") {
        let code: u16 = digits[..3].parse().unwrap();
        let result = PersonalId::parse(&digits);
        match Province::from_code(code) {
            Some(p) => {
                let id = result.unwrap();
                prop_assert_eq!(id.province(), p);
                prop_assert_eq!(id.to_string(), digits);
            }
            None => prop_assert_eq!(result, Err(PersonalIdError::UnknownProvince { code })),
        }
    }

    #[test]
    fn a_non_digit_anywhere_is_named(digits in "[0-9]{12}", pos in 0usize..12, c in "[^0-9\\s]") {
        let mut chars: Vec<char> = digits.chars().collect();
        let bad = c.chars().next().unwrap();
        chars[pos] = bad;
        let text: String = chars.into_iter().collect();
        prop_assert_eq!(
            PersonalId::parse(&text),
            Err(PersonalIdError::NonDigit { position: pos + 1, found: bad })
        );
    }
}
