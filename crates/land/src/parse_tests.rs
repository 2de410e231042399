//! Parsing rules: every bad column gives its own error, every good value survives a round trip.

use chrono::NaiveDate;
use dinhdanh_domain::{PersonalIdError, ProvinceError, TaxCodeError};
use proptest::prelude::*;

use crate::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

fn parcel_row() -> ParcelRow {
    ParcelRow {
        province: "001".into(),
        district: "Quận Hoàn Kiếm".into(),
        commune: "Phường Hàng Bạc".into(),
        map_sheet: "12".into(),
        parcel_number: "345".into(),
        street_address: "Số 12, phố Hàng Bạc".into(),
        area_m2: "250.5".into(),
        purposes: "ODT:100:long; CLN:150.5:2063-10-15".into(),
        origin: "CNQ-CTT".into(),
        acquired_by: "transfer".into(),
    }
}

fn certificate_row() -> CertificateRow {
    CertificateRow {
        serial: "AA 01234567".into(),
        registry_book_number: "CH 00120".into(),
        issued_on: "2024-09-01".into(),
        issued_by: "Văn phòng đăng ký đất đai Hà Nội".into(),
        parcels: "001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345".into(),
        holders: "person:001090012345; person:001192004321".into(),
        status: "valid".into(),
        superseded_by: String::new(),
    }
}

/// The errors of a parcel row changed by `edit`, as (column, error) pairs.
fn parcel_errors(edit: impl FnOnce(&mut ParcelRow)) -> Vec<(&'static str, ValueError)> {
    let mut row = parcel_row();
    edit(&mut row);
    row.parse()
        .expect_err("the edited row must be refused")
        .into_iter()
        .map(|e| (e.field, e.error))
        .collect()
}

fn certificate_errors(edit: impl FnOnce(&mut CertificateRow)) -> Vec<(&'static str, ValueError)> {
    let mut row = certificate_row();
    edit(&mut row);
    row.parse(today())
        .expect_err("the edited row must be refused")
        .into_iter()
        .map(|e| (e.field, e.error))
        .collect()
}

/// Asserts exactly one error, on `field`, matching `pattern`.
macro_rules! refuses {
    ($errors:expr, $field:literal, $pattern:pat) => {{
        let errors = $errors;
        assert!(
            matches!(errors.as_slice(), [($field, $pattern)]),
            "expected one {} error matching {}, got {errors:?}",
            $field,
            stringify!($pattern)
        );
    }};
}

#[test]
fn a_good_parcel_row_parses_and_round_trips() {
    let parcel = parcel_row().parse().unwrap();
    assert_eq!(parcel.area(), Area::parse("250.5").unwrap());
    assert_eq!(
        parcel.key.to_string(),
        "001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345"
    );
    assert_eq!(
        parcel.origin.to_string(),
        "Nhận chuyển nhượng đất được công nhận QSDĐ như giao đất có thu tiền sử dụng đất"
    );
    let again = ParcelRow::from(&parcel).parse().unwrap();
    assert_eq!(again, parcel);
}

#[test]
fn each_bad_parcel_column_has_its_own_error() {
    use ValueError::*;
    refuses!(
        parcel_errors(|r| r.province = "003".into()),
        "province",
        Province(ProvinceError::Unknown { code: 3 })
    );
    refuses!(
        parcel_errors(|r| r.district = "Hoàn Kiếm".into()),
        "district",
        DistrictKind { .. }
    );
    refuses!(
        parcel_errors(|r| r.commune = "Hàng Bạc".into()),
        "commune",
        CommuneKind { .. }
    );
    refuses!(
        parcel_errors(|r| r.commune = "phường".into()),
        "commune",
        NameMissing { kind: "phường" }
    );
    refuses!(
        parcel_errors(|r| r.commune = "Phường Hàng/Bạc".into()),
        "commune",
        Separator('/')
    );
    refuses!(
        parcel_errors(|r| {
            r.district.clear();
            r.commune = "Thị trấn Trâu Quỳ".into();
        }),
        "commune",
        TownshipWithoutDistrict
    );
    refuses!(
        parcel_errors(|r| r.commune = "Đặc khu Phú Quốc".into()),
        "commune",
        SpecialZoneWithDistrict
    );
    refuses!(
        parcel_errors(|r| r.map_sheet = "0".into()),
        "map_sheet",
        OutOfRange { value: 0, .. }
    );
    refuses!(
        parcel_errors(|r| r.map_sheet = "12a".into()),
        "map_sheet",
        NotANumber { .. }
    );
    refuses!(
        parcel_errors(|r| r.parcel_number = " ".into()),
        "parcel_number",
        Required
    );
    refuses!(
        parcel_errors(|r| r.street_address = "Số 12\u{7}".into()),
        "street_address",
        ControlCharacter('\u{7}')
    );
    refuses!(
        parcel_errors(|r| r.area_m2 = "250,5".into()),
        "area_m2",
        AreaComma { .. }
    );
    refuses!(
        parcel_errors(|r| r.area_m2 = "250.555".into()),
        "area_m2",
        AreaTooPrecise { .. }
    );
    refuses!(
        parcel_errors(|r| r.area_m2 = "0.00".into()),
        "area_m2",
        AreaZero
    );
    refuses!(
        parcel_errors(|r| r.area_m2 = "-250".into()),
        "area_m2",
        AreaSyntax { .. }
    );
    refuses!(
        parcel_errors(|r| r.area_m2 = "2000000000".into()),
        "area_m2",
        AreaTooLarge { .. }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "XYZ:250.5:long".into()),
        "purposes",
        UnknownPurpose { .. }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "ODT 250.5 long".into()),
        "purposes",
        PurposeSyntax { .. }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "ODT:100:long;ODT:150.5:long".into()),
        "purposes",
        DuplicatePurpose { code: "ODT" }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "ODT:100:2063-01-01;CLN:150.5:long".into()),
        "purposes",
        ResidentialTerm { code: "ODT" }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "ODT:100:long;CLN:150:2063-10-15".into()),
        "purposes",
        PurposeAreaMismatch { .. }
    );
    refuses!(
        parcel_errors(|r| r.purposes = "ODT:100:long;CLN:150.5:15/10/2063".into()),
        "purposes",
        Date { .. }
    );
    refuses!(
        parcel_errors(|r| r.purposes = " ; ".into()),
        "purposes",
        Empty
    );
    refuses!(
        parcel_errors(|r| r.origin = "giao đất".into()),
        "origin",
        UnknownOrigin { .. }
    );
    refuses!(
        parcel_errors(|r| r.acquired_by = "bought".into()),
        "acquired_by",
        UnknownAcquisition { .. }
    );
}

#[test]
fn every_problem_of_a_row_is_reported_at_once() {
    let errors = parcel_errors(|r| {
        r.province = "abc".into();
        r.map_sheet = "x".into();
        r.origin.clear();
    });
    let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, ["province", "map_sheet", "origin"]);
}

#[test]
fn a_good_certificate_row_parses_and_round_trips() {
    let certificate = certificate_row().parse(today()).unwrap();
    assert_eq!(certificate.serial.form(), CertificateForm::Circular10Of2024);
    assert_eq!(certificate.holders.as_slice().len(), 2);
    assert_eq!(
        CertificateRow::from(&certificate).parse(today()).unwrap(),
        certificate
    );
}

#[test]
fn each_bad_certificate_column_has_its_own_error() {
    use ValueError::*;
    refuses!(
        certificate_errors(|r| r.serial = "A1 234567".into()),
        "serial",
        Serial { .. }
    );
    refuses!(
        certificate_errors(|r| r.serial = "AA 1234567".into()),
        "serial",
        Serial { .. }
    );
    refuses!(
        certificate_errors(|r| r.registry_book_number = "CH#120".into()),
        "registry_book_number",
        RegistryBookNumber { .. }
    );
    refuses!(
        certificate_errors(|r| r.registry_book_number = "CH".into()),
        "registry_book_number",
        RegistryBookNumber { .. }
    );
    refuses!(
        certificate_errors(|r| r.registry_book_number = "1".repeat(31)),
        "registry_book_number",
        TooLong { chars: 31, .. }
    );
    refuses!(
        certificate_errors(|r| r.issued_on = "2024-13-01".into()),
        "issued_on",
        Date { .. }
    );
    refuses!(
        certificate_errors(|r| r.issued_on = "2026-01-02".into()),
        "issued_on",
        DateInFuture { .. }
    );
    refuses!(
        certificate_errors(|r| r.issued_on = "1960-01-01".into()),
        "issued_on",
        DateTooEarly { .. }
    );
    refuses!(
        certificate_errors(|r| r.issued_by = "  ".into()),
        "issued_by",
        Required
    );
    refuses!(certificate_errors(|r| r.parcels.clear()), "parcels", Empty);
    refuses!(
        certificate_errors(|r| r.parcels = "001/Phường Hàng Bạc/12".into()),
        "parcels",
        ParcelKeySyntax { .. }
    );
    refuses!(
        certificate_errors(|r| r.parcels = format!("{0};{0}", r.parcels)),
        "parcels",
        DuplicateParcel { .. }
    );
    refuses!(
        certificate_errors(|r| r
            .parcels
            .push_str(";001/Quận Hoàn Kiếm/Phường Hàng Đào/1/2")),
        "parcels",
        ParcelsInSeveralCommunes { .. }
    );
    refuses!(
        certificate_errors(|r| r.holders = "citizen:001090012345".into()),
        "holders",
        HolderSyntax { .. }
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:00109001234".into()),
        "holders",
        PersonalId(PersonalIdError::WrongLength { found: 11 })
    );
    refuses!(
        certificate_errors(|r| r.holders = "organization:0100233480".into()),
        "holders",
        TaxCode(TaxCodeError::CheckDigit { .. })
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:001090012345;person:001090012345".into()),
        "holders",
        DuplicateHolder { .. }
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:001090012345@1/2;person:001192004321".into()),
        "holders",
        SharesPartial
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:001090012345@2/3;person:001192004321@2/3".into()),
        "holders",
        SharesExceedWhole { .. }
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:001090012345@0/2".into()),
        "holders",
        ShareRange { .. }
    );
    refuses!(
        certificate_errors(|r| r.holders = "person:001090012345@half".into()),
        "holders",
        ShareSyntax { .. }
    );
    refuses!(
        certificate_errors(|r| r.status = "lost".into()),
        "status",
        UnknownStatus { .. }
    );
    refuses!(
        certificate_errors(|r| r.superseded_by = "AB 00000001".into()),
        "superseded_by",
        SupersededByWithoutStatus
    );
    refuses!(
        certificate_errors(|r| {
            r.status = "superseded".into();
            r.superseded_by = "aa01234567".into();
        }),
        "superseded_by",
        SupersededBySelf
    );
}

#[test]
fn keys_of_both_administrations_round_trip() {
    for text in [
        "001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345",
        "001/Huyện Gia Lâm/Thị trấn Trâu Quỳ/3/78",
        "091/Đặc khu Phú Quốc/40/1203",
        "079/Phường Sài Gòn/7/15",
    ] {
        let key = ParcelKey::parse(text).unwrap();
        assert_eq!(key.to_string(), text);
        assert_eq!(key.locality.is_two_level(), text.matches('/').count() == 3);
    }
    // Kinds are read in any case and written canonically.
    let key = ParcelKey::parse(" 1 / quận hoàn kiếm / PHƯỜNG Hàng Bạc / 012 / 345 ").unwrap();
    assert_eq!(key.to_string(), "001/Quận hoàn kiếm/Phường Hàng Bạc/12/345");
    assert_eq!(key.locality.commune().kind(), CommuneKind::Ward);
}

#[test]
fn identifiers_are_held_in_canonical_form() {
    let serial = CertificateSerial::parse(" cm264931 ").unwrap();
    assert_eq!(serial.as_str(), "CM 264931");
    assert_eq!(serial.form(), CertificateForm::Earlier);
    assert_eq!(
        RegistryBookNumber::parse(" cs23305/da ").unwrap().as_str(),
        "CS23305/DA"
    );
    assert_eq!(Share::parse("2/4").unwrap().to_string(), "1/2");
    assert_eq!(Share::parse("1").unwrap().to_string(), "1");
    let holder = Holder::parse("Organization: 0314409058-002").unwrap();
    assert_eq!(holder.to_string(), "organization:0314409058-002");
    assert_eq!(
        LandUseCode::parse("ont").unwrap(),
        LandUseCode::RuralResidential
    );
    assert!(LandUseCode::parse("BHK").unwrap().is_legacy());
    assert_eq!(UseTerm::parse("Lâu dài").unwrap(), UseTerm::LongTerm);
    assert_eq!(Area::parse("125.50").unwrap().to_string(), "125.5");
    assert_eq!(Area::parse("125.05").unwrap().to_string(), "125.05");
}

#[test]
fn holders_may_share_a_parcel_exactly() {
    let holders = Holders::parse("person:001090012345@1/3;person:001192004321@2/3").unwrap();
    assert_eq!(holders.as_slice()[1].share, Some(Share::new(2, 3).unwrap()));
    // Shares below the whole are allowed: the rest is on the co-users' own certificates.
    assert!(Holders::parse("person:001090012345@1/4").is_ok());
    // Sums that cannot be kept exactly are refused, not rounded.
    let primes = [
        9973u32, 9967, 9949, 9941, 9931, 9929, 9923, 9907, 9901, 9887, 9883,
    ];
    let items: Vec<String> = primes
        .iter()
        .enumerate()
        .map(|(i, p)| format!("person:0010900{:05}@1/{p}", i + 1))
        .collect();
    assert_eq!(
        Holders::parse(&items.join(";")),
        Err(ValueError::SharesTooFine)
    );
}

proptest! {
    #[test]
    fn areas_round_trip(centi in 1u64..=100_000_000_000) {
        let area = Area::from_centi_m2(centi);
        prop_assert_eq!(Area::parse(&area.to_string()).unwrap(), area);
    }

    #[test]
    fn serials_round_trip(letters in "[A-Z]{2}", digits in "[0-9]{6}|[0-9]{8}") {
        let serial = CertificateSerial::parse(&format!("{letters}{digits}")).unwrap();
        prop_assert_eq!(CertificateSerial::parse(serial.as_str()).unwrap(), serial);
    }
}

#[test]
fn records_serialise_for_api_clients_without_losing_exactness() {
    let parcel = parcel_row().parse().unwrap();
    let json = serde_json::to_value(&parcel).unwrap();
    assert_eq!(
        json["key"]["key"],
        "001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345"
    );
    assert_eq!(json["key"]["district"], "Quận Hoàn Kiếm");
    assert_eq!(json["area_m2"], "250.5");
    assert_eq!(json["purposes"][1]["code"], "CLN");
    assert_eq!(json["purposes"][1]["term"], "2063-10-15");
    assert_eq!(json["origin"]["grant"], "CNQ-CTT");
    let mut row = certificate_row();
    row.holders = "person:001090012345@1/2;organization:0100233488@1/2".into();
    let json = serde_json::to_value(row.parse(today()).unwrap()).unwrap();
    assert_eq!(json["holders"][0]["holder"]["kind"], "person");
    assert_eq!(json["holders"][0]["holder"]["id"], "001090012345");
    assert_eq!(json["holders"][1]["share"], "1/2");
    assert_eq!(json["status"], "valid");
    row.status = "superseded".into();
    row.superseded_by = "AB 00000002".into();
    let json = serde_json::to_value(row.parse(today()).unwrap()).unwrap();
    assert_eq!(json["status"], "superseded");
    assert_eq!(json["superseded_by"], "AB 00000002");
}
