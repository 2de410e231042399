//! The shared-data catalogue: what each data service shares, the sensitivity of each field, and
//! the legal bases under which each field may be read (Decree 47/2020/ND-CP asks every agency to
//! list the data it provides to others).
//!
//! A service's description is plain data that an agency submits as JSON; [`DataService::check`]
//! turns it into a service the catalogue accepts or says what is wrong. The platform's own two
//! providers, the population registry and the land database, are described by [`population`] and
//! [`land`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::CatalogueError;

pub use dinhdanh_domain::Texts;

/// A law or decree under which data may be read without the person's consent (Decree 13/2023
/// Art 17), as a data service lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// Short code used in policies and in the ledger, e.g. `identification-law-26-2023`.
    pub code: String,
    /// Its title.
    pub title: Texts,
}

/// One field a service shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Name used in requests (`fields=`), policies and the ledger.
    pub name: String,
    /// What it is.
    pub title: Texts,
    /// The Decree 13/2023 Art 2(4) category when the field is sensitive personal data
    /// (`religious-views`, `ethnic-origin`, `health` …); absent for basic personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<String>,
    /// Codes of the service's legal bases under which this field may be read without consent.
    #[serde(default)]
    pub legal_bases: Vec<String>,
}

impl Field {
    /// Whether the field is sensitive personal data.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive.is_some()
    }
}

/// Whose data a service answers about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A person, by personal ID.
    Person,
    /// A right holder: a person by personal ID or an organization by tax code.
    Holder,
}

/// A data service in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataService {
    /// Identifier used in URLs and policies: lowercase letters, digits and `-`.
    pub id: String,
    /// The providing agency.
    pub provider: Texts,
    /// The service's name.
    pub title: Texts,
    /// What it answers.
    pub description: Texts,
    /// Whose data it answers about.
    pub subject: SubjectKind,
    /// The request path agencies call, with `{id}` for the subject.
    pub path: String,
    /// The legal bases it recognises.
    pub legal_bases: Vec<LegalBasis>,
    /// The fields it shares.
    pub fields: Vec<Field>,
}

/// Decree 13/2023 Art 2(4) categories of sensitive personal data.
pub const SENSITIVE_CATEGORIES: &[&str] = &[
    "political-views",
    "religious-views",
    "health",
    "ethnic-origin",
    "genetic",
    "biometric",
    "sex-life",
    "criminal-records",
    "financial-customer",
    "location",
    "other-by-law",
];

/// Whether `text` is a well-formed code: 2–64 lowercase letters, digits, `-` and `.`.
pub(crate) fn is_code(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

impl DataService {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The legal basis with `code`.
    pub fn legal_basis(&self, code: &str) -> Option<&LegalBasis> {
        self.legal_bases.iter().find(|b| b.code == code)
    }

    /// Checks a description: codes well formed and unique, every field's bases listed, known
    /// sensitivity categories, a path with `{id}`.
    pub fn check(self) -> Result<DataService, CatalogueError> {
        let bad = |what: String| Err(CatalogueError::Invalid(what));
        if !is_code(&self.id) {
            return bad(format!(
                "the service id {:?} must be 2–64 lowercase letters, digits, '-' or '.'",
                self.id
            ));
        }
        if !self.path.starts_with("/api/v1/exchange/") || !self.path.contains("{id}") {
            return bad(format!(
                "the path {:?} must start with /api/v1/exchange/ and contain {{id}}",
                self.path
            ));
        }
        for t in [&self.provider, &self.title, &self.description] {
            if t.vi.trim().is_empty() || t.en.trim().is_empty() {
                return bad("provider, title and description need Vietnamese and English".into());
            }
        }
        let mut bases = BTreeSet::new();
        for basis in &self.legal_bases {
            if !is_code(&basis.code) || basis.code.starts_with("consent") {
                return bad(format!(
                    "the legal basis code {:?} must be a lowercase code not starting with 'consent'",
                    basis.code
                ));
            }
            if !bases.insert(basis.code.as_str()) {
                return bad(format!("the legal basis {} is listed twice", basis.code));
            }
        }
        if self.fields.is_empty() {
            return bad("a service shares at least one field".into());
        }
        let mut names = BTreeSet::new();
        for field in &self.fields {
            let snake = (2..=64).contains(&field.name.len())
                && field.name.starts_with(|c: char| c.is_ascii_lowercase())
                && field
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !snake {
                return bad(format!(
                    "the field name {:?} must be 2–64 lowercase letters, digits or '_'",
                    field.name
                ));
            }
            if !names.insert(field.name.as_str()) {
                return bad(format!("the field {} is listed twice", field.name));
            }
            if let Some(category) = &field.sensitive
                && !SENSITIVE_CATEGORIES.contains(&category.as_str())
            {
                return bad(format!(
                    "the field {} names the sensitive category {category:?}; known categories: {}",
                    field.name,
                    SENSITIVE_CATEGORIES.join(", ")
                ));
            }
            if let Some(missing) = field
                .legal_bases
                .iter()
                .find(|b| !bases.contains(b.as_str()))
            {
                return bad(format!(
                    "the field {} names the legal basis {missing}, which the service does not list",
                    field.name
                ));
            }
        }
        Ok(self)
    }
}

fn field(name: &str, vi: &str, en: &str, sensitive: Option<&str>, bases: &[&str]) -> Field {
    Field {
        name: name.to_owned(),
        title: Texts::new(vi, en),
        sensitive: sensitive.map(str::to_owned),
        legal_bases: bases.iter().map(|b| (*b).to_owned()).collect(),
    }
}

fn basis(code: &str, vi: &str, en: &str) -> LegalBasis {
    LegalBasis {
        code: code.to_owned(),
        title: Texts::new(vi, en),
    }
}

const IDENTIFICATION: &str = "identification-law-26-2023";
const RESIDENCE: &str = "residence-law-68-2020";
const SOCIAL_INSURANCE: &str = "social-insurance-law-41-2024";
const TAX: &str = "tax-administration-law-38-2019";
const LAND: &str = "land-law-31-2024";

/// The national population database as a data service: one person by personal ID.
pub fn population() -> DataService {
    let all = [IDENTIFICATION, RESIDENCE, SOCIAL_INSURANCE, TAX];
    let identity = [IDENTIFICATION, SOCIAL_INSURANCE, TAX];
    DataService {
        id: "population".into(),
        provider: Texts::new(
            "Bộ Công an — Cơ sở dữ liệu quốc gia về dân cư",
            "Ministry of Public Security — National Population Database",
        ),
        title: Texts::new("Thông tin công dân", "Citizen information"),
        description: Texts::new(
            "Thông tin về một công dân theo số định danh cá nhân.",
            "Information about one citizen by personal identification number.",
        ),
        subject: SubjectKind::Person,
        path: "/api/v1/exchange/population/persons/{id}".into(),
        legal_bases: vec![
            basis(
                IDENTIFICATION,
                "Luật Căn cước số 26/2023/QH15",
                "Law on Identification No. 26/2023/QH15",
            ),
            basis(
                RESIDENCE,
                "Luật Cư trú số 68/2020/QH14",
                "Law on Residence No. 68/2020/QH14",
            ),
            basis(
                SOCIAL_INSURANCE,
                "Luật Bảo hiểm xã hội số 41/2024/QH15",
                "Law on Social Insurance No. 41/2024/QH15",
            ),
            basis(
                TAX,
                "Luật Quản lý thuế số 38/2019/QH14",
                "Law on Tax Administration No. 38/2019/QH14",
            ),
        ],
        fields: vec![
            field("full_name", "Họ, chữ đệm và tên", "Full name", None, &all),
            field("birth_date", "Ngày sinh", "Date of birth", None, &all),
            field("sex", "Giới tính", "Sex", None, &all),
            field("nationality", "Quốc tịch", "Nationality", None, &all),
            field(
                "place_of_origin",
                "Quê quán",
                "Place of origin",
                None,
                &[IDENTIFICATION, RESIDENCE],
            ),
            field(
                "permanent_residence",
                "Nơi thường trú",
                "Permanent residence",
                None,
                &all,
            ),
            field(
                "current_residence",
                "Nơi ở hiện tại",
                "Current residence",
                None,
                &[IDENTIFICATION, RESIDENCE, SOCIAL_INSURANCE],
            ),
            field("id_card", "Thẻ căn cước", "Identity card", None, &identity),
            field(
                "life_status",
                "Tình trạng (còn sống / đã mất)",
                "Living or deceased",
                None,
                &all,
            ),
            field(
                "father",
                "Số định danh của cha",
                "Father's personal ID",
                None,
                &[IDENTIFICATION, RESIDENCE],
            ),
            field(
                "mother",
                "Số định danh của mẹ",
                "Mother's personal ID",
                None,
                &[IDENTIFICATION, RESIDENCE],
            ),
            field(
                "spouse",
                "Số định danh của vợ/chồng",
                "Spouse's personal ID",
                None,
                &[IDENTIFICATION, RESIDENCE],
            ),
            field(
                "ethnicity",
                "Dân tộc",
                "Ethnic group",
                Some("ethnic-origin"),
                &[IDENTIFICATION],
            ),
            field(
                "religion",
                "Tôn giáo",
                "Religion",
                Some("religious-views"),
                &[IDENTIFICATION],
            ),
        ],
    }
}

/// The national land database as a data service: the parcels a holder holds today.
pub fn land() -> DataService {
    let all = [LAND, TAX];
    DataService {
        id: "land".into(),
        provider: Texts::new(
            "Bộ Nông nghiệp và Môi trường — Cơ sở dữ liệu quốc gia về đất đai",
            "Ministry of Agriculture and Environment — National Land Database",
        ),
        title: Texts::new(
            "Thửa đất của người sử dụng đất",
            "Parcels held by a land user",
        ),
        description: Texts::new(
            "Các thửa đất mà một cá nhân (theo số định danh) hoặc tổ chức (theo mã số thuế) đang có quyền sử dụng, với giấy chứng nhận còn hiệu lực.",
            "The parcels a person (by personal ID) or an organization (by tax code) holds today, with the certificates in force.",
        ),
        subject: SubjectKind::Holder,
        path: "/api/v1/exchange/land/holders/{id}/parcels".into(),
        legal_bases: vec![
            basis(
                LAND,
                "Luật Đất đai số 31/2024/QH15",
                "Land Law No. 31/2024/QH15",
            ),
            basis(
                TAX,
                "Luật Quản lý thuế số 38/2019/QH14",
                "Law on Tax Administration No. 38/2019/QH14",
            ),
        ],
        fields: vec![
            field(
                "parcel",
                "Số tờ, số thửa, địa bàn",
                "Map sheet, parcel number, locality",
                None,
                &all,
            ),
            field("address", "Địa chỉ thửa đất", "Parcel address", None, &all),
            field("area", "Diện tích", "Area", None, &all),
            field(
                "purposes",
                "Mục đích và thời hạn sử dụng",
                "Land-use purposes and terms",
                None,
                &all,
            ),
            field(
                "origin",
                "Nguồn gốc sử dụng",
                "Origin of the right",
                None,
                &[LAND],
            ),
            field(
                "certificates",
                "Giấy chứng nhận và phần quyền",
                "Certificates and the holder's share",
                None,
                &all,
            ),
        ],
    }
}

/// The services this platform itself provides.
pub fn built_in() -> Vec<DataService> {
    vec![population(), land()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_services_pass_their_own_checks() {
        for service in built_in() {
            let id = service.id.clone();
            service.check().unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }

    #[test]
    fn religion_and_ethnicity_are_sensitive_and_names_are_not() {
        let population = population();
        assert_eq!(
            population.field("religion").unwrap().sensitive.as_deref(),
            Some("religious-views")
        );
        assert!(population.field("ethnicity").unwrap().is_sensitive());
        assert!(!population.field("full_name").unwrap().is_sensitive());
    }

    #[test]
    fn a_description_with_an_unlisted_basis_or_unknown_category_is_refused() {
        let mut service = population();
        service.fields[0].legal_bases.push("made-up-law".into());
        let e = service.check().unwrap_err().to_string();
        assert!(e.contains("made-up-law") && e.contains("full_name"), "{e}");

        let mut service = population();
        service.fields[0].sensitive = Some("astrology".into());
        let e = service.check().unwrap_err().to_string();
        assert!(e.contains("astrology"), "{e}");

        let mut service = land();
        service.fields.push(service.fields[0].clone());
        assert!(service.check().unwrap_err().to_string().contains("twice"));

        let mut service = land();
        service.id = "Land Records".into();
        assert!(service.check().is_err());
    }
}
