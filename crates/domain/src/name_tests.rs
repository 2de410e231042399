//! Tests for names: folding and normalisation on both Unicode forms, each refusal, and serde.

use super::*;
use proptest::prelude::*;

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

#[test]
fn fold_strips_accents_case_and_spacing() {
    assert_eq!(fold("Nguyễn Văn An"), "nguyen van an");
    let decomposed = nfd("Nguyễn Văn An");
    assert_ne!(decomposed, "Nguyễn Văn An", "the input must really be NFD");
    assert_eq!(fold(&decomposed), "nguyen van an");
    assert_eq!(fold("Đặng Thị Đào"), "dang thi dao");
    assert_eq!(fold("đỗ"), "do");
    assert_eq!(fold("TRẦN   HƯNG\tĐẠO"), "tran hung dao");
    assert_eq!(fold("  Lê\n Ánh  "), "le anh");
    assert_eq!(fold("Ưng Hoàng Phúc"), "ung hoang phuc");
    assert_eq!(fold(""), "");
}

#[test]
fn normalize_composes_and_collapses() {
    let decomposed = nfd("Nguyễn");
    assert_eq!(normalize(&format!("  {decomposed}   Văn  ")), "Nguyễn Văn");
    assert_eq!(normalize("Nguyễn"), "Nguyễn");
    // Normalisation keeps case and accents; only folding removes them.
    assert_eq!(normalize("ĐÀO"), "ĐÀO");
}

#[test]
fn parse_normalises_each_part() {
    let name = PersonName::parse(&nfd(" Nguyễn "), "Văn", &nfd("An")).unwrap();
    assert_eq!(name.family(), "Nguyễn");
    assert_eq!(name.middle(), "Văn");
    assert_eq!(name.given(), "An");
    assert_eq!(name.full(), "Nguyễn Văn An");
    assert_eq!(name.to_string(), "Nguyễn Văn An");
    assert_eq!(name.folded(), "nguyen van an");

    let two_part = PersonName::parse("Lê", "  ", "Ánh").unwrap();
    assert_eq!(two_part.middle(), "");
    assert_eq!(two_part.full(), "Lê Ánh");

    let compound = PersonName::parse("Tôn Nữ", "Thị", "Ngọc  Hân").unwrap();
    assert_eq!(compound.full(), "Tôn Nữ Thị Ngọc Hân");
    assert!(PersonName::parse("K'Sor", "", "H'Hen").is_ok());
    assert!(PersonName::parse("Ksor", "", "H\u{2019}Hen").is_ok());
    assert!(PersonName::parse("Nguyễn-Trần", "", "Bảo").is_ok());
}

#[test]
fn refuses_empty_required_parts() {
    let err = PersonName::parse("", "Văn", "An").unwrap_err();
    assert_eq!(
        err,
        NameError::Empty {
            part: NamePart::Family
        }
    );
    assert_eq!(err.code(), "name.empty");
    assert!(err.to_string().contains("family name"), "{err}");
    assert_eq!(
        PersonName::parse("Nguyễn", "Văn", " \t ").unwrap_err(),
        NameError::Empty {
            part: NamePart::Given
        }
    );
}

#[test]
fn refuses_long_parts_naming_length_and_limit() {
    let long = "a".repeat(65);
    let err = PersonName::parse("Nguyễn", &long, "An").unwrap_err();
    assert_eq!(
        err,
        NameError::TooLong {
            part: NamePart::Middle,
            length: 65,
            limit: 64
        }
    );
    assert_eq!(err.code(), "name.too_long");
    assert!(err.to_string().contains("middle name is 65"), "{err}");
    // The limit counts characters after NFC, not bytes or NFD code points.
    let accented = nfd(&"ễ".repeat(64));
    assert!(PersonName::parse("Nguyễn", "", &accented).is_ok());
}

#[test]
fn refuses_digits_symbols_and_controls_naming_part_and_character() {
    let err = PersonName::parse("Nguyễn", "Văn", "An2").unwrap_err();
    assert_eq!(
        err,
        NameError::InvalidCharacter {
            part: NamePart::Given,
            character: '2',
            position: 3
        }
    );
    assert_eq!(err.code(), "name.invalid_character");
    assert!(err.to_string().contains("given name contains '2'"), "{err}");

    let err = PersonName::parse("Nguyễn\u{0}", "", "An").unwrap_err();
    assert!(matches!(
        err,
        NameError::InvalidCharacter {
            part: NamePart::Family,
            character: '\u{0}',
            ..
        }
    ));
    assert!(err.to_string().contains("U+0000"), "{err}");

    for bad in ["Văn\tAn", "Văn\nAn", "Văn@", "Văn.", "Văn_", "Văn😀", "<b>"] {
        let err = PersonName::parse("Lê", bad, "An").unwrap_err();
        assert_eq!(err.code(), "name.invalid_character", "{bad:?}");
    }
}

#[test]
fn refuses_parts_without_letters() {
    assert_eq!(
        PersonName::parse("-", "", "An").unwrap_err(),
        NameError::NoLetter {
            part: NamePart::Family
        }
    );
    assert_eq!(
        PersonName::parse("Lê", "' -", "An").unwrap_err().code(),
        "name.no_letter"
    );
}

#[test]
fn serde_goes_through_parse() {
    let name = PersonName::parse("Nguyễn", "Văn", "An").unwrap();
    let json = serde_json::to_string(&name).unwrap();
    assert_eq!(json, r#"{"family":"Nguyễn","middle":"Văn","given":"An"}"#);
    assert_eq!(serde_json::from_str::<PersonName>(&json).unwrap(), name);

    let without_middle: PersonName =
        serde_json::from_str(r#"{"family":"Lê","given":"  Ánh "}"#).unwrap();
    assert_eq!(without_middle.full(), "Lê Ánh");

    let err = serde_json::from_str::<PersonName>(r#"{"family":"","given":"An"}"#).unwrap_err();
    assert!(err.to_string().contains("family name is empty"), "{err}");
    assert!(serde_json::from_str::<PersonName>(r#"{"family":"Lê","given":"4"}"#).is_err());
}

proptest! {
    #[test]
    fn fold_is_the_same_for_nfc_and_nfd(s in "\\PC{0,40}") {
        prop_assert_eq!(fold(&s), fold(&nfd(&s)));
        let nfc: String = s.nfc().collect();
        prop_assert_eq!(fold(&s), fold(&nfc));
    }

    #[test]
    fn fold_is_idempotent_and_unaccented(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ \t]{0,40}") {
        let folded = fold(&s);
        prop_assert_eq!(fold(&folded), folded.clone());
        prop_assert!(folded.chars().all(|c| c.is_ascii_lowercase() || c == ' '), "{:?}", folded);
        prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    }

    #[test]
    fn letter_names_are_accepted_and_roundtrip(
        family in "[A-ZĐ][a-zàáảãạăâđêôơư]{0,10}",
        middle in "([A-ZĐ][a-zàáảãạăâđêôơư]{0,10})?",
        given in "[A-ZĐ][a-zàáảãạăâđêôơư]{0,10}",
    ) {
        let name = PersonName::parse(&nfd(&family), &middle, &given).unwrap();
        prop_assert_eq!(name.family(), family.as_str());
        let json = serde_json::to_string(&name).unwrap();
        prop_assert_eq!(serde_json::from_str::<PersonName>(&json).unwrap(), name.clone());
        prop_assert_eq!(fold(&name.full()), name.folded());
    }

    #[test]
    fn a_digit_is_always_refused(given in "[a-z]{1,10}", digit in "[0-9]", at in 0usize..10) {
        let at = at.min(given.len());
        let bad = format!("{}{}{}", &given[..at], digit, &given[at..]);
        let err = PersonName::parse("Lê", "", &bad).unwrap_err();
        let expected = NameError::InvalidCharacter {
            part: NamePart::Given,
            character: digit.chars().next().unwrap(),
            position: at + 1,
        };
        prop_assert_eq!(err, expected);
    }

    #[test]
    fn over_long_parts_are_refused(len in 65usize..200) {
        let err = PersonName::parse(&"a".repeat(len), "", "An").unwrap_err();
        prop_assert_eq!(err, NameError::TooLong { part: NamePart::Family, length: len, limit: 64 });
    }
}
