//! Shared fixtures for the registry's storage tests: valid rows and files made from them.

#![allow(dead_code)]

use dinhdanh_domain::NaiveDate;
use dinhdanh_registry::PersonRow;

/// The date these tests treat as today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

/// A valid row; vary the number, names, date and sex through the arguments.
pub fn row(id: &str, family: &str, middle: &str, given: &str, birth: &str, sex: &str) -> PersonRow {
    PersonRow {
        personal_id: id.to_owned(),
        family_name: family.to_owned(),
        middle_name: middle.to_owned(),
        given_name: given.to_owned(),
        birth_date: birth.to_owned(),
        sex: sex.to_owned(),
        place_of_origin: "xã Yên Sở, huyện Hoài Đức, Hà Nội".to_owned(),
        permanent_residence: "Số 12, phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội"
            .to_owned(),
        current_residence: String::new(),
        nationality: "VN".to_owned(),
        ethnicity: "Kinh".to_owned(),
        religion: "Không".to_owned(),
        status: "living".to_owned(),
        ..PersonRow::default()
    }
}

/// Five valid persons: a married couple with a child, and two others.
pub fn family() -> Vec<PersonRow> {
    let mut husband = row("001090012345", "Nguyễn", "Văn", "An", "1990-03-15", "male");
    let mut wife = row(
        "001192004321",
        "Trần",
        "Thị",
        "Bích",
        "1992-07-01",
        "female",
    );
    husband.spouse_id = wife.personal_id.clone();
    wife.spouse_id = husband.personal_id.clone();
    husband.id_card_number = husband.personal_id.clone();
    husband.id_card_issued = "2021-05-10".to_owned();
    husband.id_card_expires = "2030-03-15".to_owned();
    let mut child = row(
        "001218000777",
        "Nguyễn",
        "Minh",
        "Khang",
        "2018-09-09",
        "male",
    );
    child.father_id = husband.personal_id.clone();
    child.mother_id = wife.personal_id.clone();
    let anh = row("079095000001", "Nguyễn", "Văn", "Anh", "1995-12-31", "male");
    let mut dat = row("048060123456", "Đặng", "Đức", "Đạt", "1960-01-20", "male");
    dat.status = "deceased".to_owned();
    dat.death_date = "2024-02-02".to_owned();
    vec![husband, wife, child, anh, dat]
}

/// CSV text (header + rows) for these rows.
pub fn csv_of(rows: &[PersonRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).unwrap();
    }
    w.into_inner().unwrap()
}
