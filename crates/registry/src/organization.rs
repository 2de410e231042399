//! Organizations in the registry: enterprises and their dependent units, keyed by tax code.
//!
//! Businesses and agencies act on the e-ID platform through their legal representative, a person
//! in the registry, so an organization links a validated [`TaxCode`] to a [`PersonalId`]. As with
//! persons, everything from outside enters as the flat text form, [`OrganizationRow`], and
//! becomes an [`Organization`] through [`OrganizationRow::parse`], which names every bad field.

use dinhdanh_domain::{NaiveDate, PersonalId, TaxCode, fold};
use serde::{Deserialize, Deserializer, Serialize};

use crate::row::{Change, FieldError, MAX_ADDRESS_CHARS, date, required_text};

/// Column names, in file order.
pub const ORGANIZATION_FIELDS: [&str; 7] = [
    "code",
    "name_vi",
    "abbreviation",
    "name_foreign",
    "founded",
    "head_office",
    "legal_representative",
];

/// Longest Vietnamese or foreign name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest abbreviation accepted, in characters.
pub const MAX_ABBREVIATION_CHARS: usize = 40;
/// Earliest founding date the registry accepts.
pub const EARLIEST_FOUNDED: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();

/// A validated organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Enterprise or tax code; a dependent unit carries its parent's code and a suffix.
    pub code: TaxCode,
    /// The name in Vietnamese, NFC-normalised.
    pub name_vi: String,
    /// The short name, e.g. "HBC" or "MINH PHAT CO., LTD", when registered.
    pub abbreviation: Option<String>,
    /// The name in a foreign language, usually English, when registered.
    pub name_foreign: Option<String>,
    /// Date of establishment (registration).
    pub founded: NaiveDate,
    /// Address of the head office.
    pub head_office: String,
    /// The person who acts for the organization.
    pub legal_representative: PersonalId,
}

impl Organization {
    /// The Vietnamese name folded for accent-insensitive search.
    pub fn folded_name(&self) -> String {
        fold(&self.name_vi)
    }
}

/// An organization as text; empty strings mean "absent".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OrganizationRow {
    #[serde(deserialize_with = "text")]
    pub code: String,
    #[serde(deserialize_with = "text")]
    pub name_vi: String,
    #[serde(default, deserialize_with = "text")]
    pub abbreviation: String,
    #[serde(default, deserialize_with = "text")]
    pub name_foreign: String,
    #[serde(deserialize_with = "text")]
    pub founded: String,
    #[serde(default, deserialize_with = "text")]
    pub head_office: String,
    #[serde(default, deserialize_with = "text")]
    pub legal_representative: String,
}

/// JSON `null` reads as an absent (empty) field, as in [`crate::row::PersonRow`].
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

impl OrganizationRow {
    /// Every column value in [`ORGANIZATION_FIELDS`] order.
    pub fn fields(&self) -> [&String; 7] {
        [
            &self.code,
            &self.name_vi,
            &self.abbreviation,
            &self.name_foreign,
            &self.founded,
            &self.head_office,
            &self.legal_representative,
        ]
    }

    /// The value of a column by name.
    pub fn get(&self, field: &str) -> Option<&str> {
        let index = ORGANIZATION_FIELDS.iter().position(|f| *f == field)?;
        Some(self.fields()[index].as_str())
    }

    /// Sets a column by name; `None` when no such column exists.
    pub fn set(&mut self, field: &str, value: &str) -> Option<()> {
        let slot = match field {
            "code" => &mut self.code,
            "name_vi" => &mut self.name_vi,
            "abbreviation" => &mut self.abbreviation,
            "name_foreign" => &mut self.name_foreign,
            "founded" => &mut self.founded,
            "head_office" => &mut self.head_office,
            "legal_representative" => &mut self.legal_representative,
            _ => return None,
        };
        *slot = value.to_owned();
        Some(())
    }

    /// The fields that differ from `newer`, as old → new.
    pub fn diff(&self, newer: &OrganizationRow) -> Vec<Change> {
        ORGANIZATION_FIELDS
            .iter()
            .zip(self.fields().into_iter().zip(newer.fields()))
            .filter(|(_, (a, b))| a != b)
            .map(|(field, (a, b))| Change {
                field: (*field).to_owned(),
                old: a.clone(),
                new: b.clone(),
            })
            .collect()
    }

    /// Checks every field and builds the typed organization, or lists every problem found.
    ///
    /// `today` bounds the founding date, so tests and imports are deterministic.
    pub fn parse(&self, today: NaiveDate) -> Result<Organization, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err =
            |field: &'static str, message: String| errors.push(FieldError { field, message });

        let code = TaxCode::parse(&self.code)
            .map_err(|e| err("code", e.to_string()))
            .ok();
        let name_vi = required_text(&self.name_vi, MAX_NAME_CHARS)
            .map_err(|m| err("name_vi", m))
            .ok();
        let abbreviation = optional_text(&self.abbreviation, MAX_ABBREVIATION_CHARS)
            .map_err(|m| err("abbreviation", m))
            .ok();
        let name_foreign = optional_text(&self.name_foreign, MAX_NAME_CHARS)
            .map_err(|m| err("name_foreign", m))
            .ok();
        let founded = match date(&self.founded) {
            Err(m) => {
                err("founded", m);
                None
            }
            Ok(d) if d > today => {
                err("founded", format!("{d} is in the future"));
                None
            }
            Ok(d) if d < EARLIEST_FOUNDED => {
                err("founded", format!("{d} is before {EARLIEST_FOUNDED}"));
                None
            }
            Ok(d) => Some(d),
        };
        let head_office = required_text(&self.head_office, MAX_ADDRESS_CHARS)
            .map_err(|m| err("head_office", m))
            .ok();
        let legal_representative = PersonalId::parse(&self.legal_representative)
            .map_err(|e| err("legal_representative", e.to_string()))
            .ok();

        match (
            code,
            name_vi,
            abbreviation,
            name_foreign,
            founded,
            head_office,
            legal_representative,
        ) {
            (
                Some(code),
                Some(name_vi),
                Some(abbreviation),
                Some(name_foreign),
                Some(founded),
                Some(head_office),
                Some(legal_representative),
            ) => Ok(Organization {
                code,
                name_vi,
                abbreviation,
                name_foreign,
                founded,
                head_office,
                legal_representative,
            }),
            _ => Err(errors),
        }
    }
}

/// An optional free-text field: empty means absent, otherwise the rules of a required one.
fn optional_text(value: &str, max_chars: usize) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    required_text(value, max_chars).map(Some)
}

impl From<&Organization> for OrganizationRow {
    fn from(o: &Organization) -> Self {
        OrganizationRow {
            code: o.code.to_string(),
            name_vi: o.name_vi.clone(),
            abbreviation: o.abbreviation.clone().unwrap_or_default(),
            name_foreign: o.name_foreign.clone().unwrap_or_default(),
            founded: o.founded.to_string(),
            head_office: o.head_office.clone(),
            legal_representative: o.legal_representative.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    fn valid() -> OrganizationRow {
        OrganizationRow {
            code: "0314409058".to_owned(),
            name_vi: "Công ty Cổ phần Xây dựng Hòa Bình".to_owned(),
            abbreviation: "HBC".to_owned(),
            name_foreign: "Hoa Binh Construction Joint Stock Company".to_owned(),
            founded: "2017-06-01".to_owned(),
            head_office: "Số 235, đường Võ Thị Sáu, phường Võ Thị Sáu, quận 3, TP Hồ Chí Minh"
                .to_owned(),
            legal_representative: "001085012345".to_owned(),
        }
    }

    /// The single error of a row that differs from [`valid`] in one field.
    fn only_error(field: &str, value: &str) -> FieldError {
        let mut row = valid();
        row.set(field, value).unwrap();
        let errors = row.parse(today()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, field);
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn accepts_a_valid_row_and_round_trips() {
        let org = valid().parse(today()).unwrap();
        assert_eq!(org.code.as_str(), "0314409058");
        assert_eq!(org.abbreviation.as_deref(), Some("HBC"));
        assert_eq!(org.founded, NaiveDate::from_ymd_opt(2017, 6, 1).unwrap());
        assert_eq!(org.legal_representative.to_string(), "001085012345");
        assert_eq!(org.folded_name(), "cong ty co phan xay dung hoa binh");
        assert_eq!(OrganizationRow::from(&org), valid());
    }

    #[test]
    fn optional_fields_may_be_empty_and_text_is_normalised() {
        let mut row = valid();
        row.abbreviation = "  ".to_owned();
        row.name_foreign = String::new();
        // NFD input with doubled spaces is stored as NFC with single spaces.
        row.name_vi = "Co\u{302}ng ty  TNHH Minh Pha\u{301}t ".to_owned();
        row.code = " 0314409058-002 ".to_owned();
        let org = row.parse(today()).unwrap();
        assert_eq!(org.abbreviation, None);
        assert_eq!(org.name_foreign, None);
        assert_eq!(org.name_vi, "Công ty TNHH Minh Phát");
        assert_eq!(org.code.as_str(), "0314409058-002");
        assert!(org.code.is_dependent_unit());
    }

    #[test]
    fn rejects_a_bad_code_with_the_tax_code_message() {
        let e = only_error("code", "0314409050");
        assert!(e.message.contains("check digit"), "{e}");
        assert!(only_error("code", "").message.contains("empty"));
        assert!(only_error("code", "03144-09058").message.contains("dash"));
    }

    #[test]
    fn rejects_missing_or_long_names() {
        assert_eq!(only_error("name_vi", " ").message, "is required");
        assert!(
            only_error("name_vi", &"a".repeat(201))
                .message
                .contains("201")
        );
        assert!(
            only_error("abbreviation", &"A".repeat(41))
                .message
                .contains("at most 40")
        );
        assert!(
            only_error("name_foreign", &"b".repeat(201))
                .message
                .contains("at most 200")
        );
        assert!(
            only_error("name_vi", "Công ty\u{7}")
                .message
                .contains("U+0007")
        );
    }

    #[test]
    fn rejects_bad_founding_dates() {
        assert!(only_error("founded", "").message.contains("required"));
        assert!(
            only_error("founded", "01/06/2017")
                .message
                .contains("YYYY-MM-DD")
        );
        assert!(
            only_error("founded", "2025-06-02")
                .message
                .contains("future")
        );
        assert!(
            only_error("founded", "1899-12-31")
                .message
                .contains("before 1900-01-01")
        );
        let mut row = valid();
        row.founded = "2025-06-01".to_owned();
        assert!(row.parse(today()).is_ok(), "today itself is allowed");
    }

    #[test]
    fn rejects_missing_head_office_and_bad_representative() {
        assert_eq!(only_error("head_office", "").message, "is required");
        assert!(
            only_error("head_office", &"x".repeat(201))
                .message
                .contains("at most 200")
        );
        assert!(
            only_error("legal_representative", "")
                .message
                .contains("empty")
        );
        assert!(
            only_error("legal_representative", "00108501234")
                .message
                .contains("11 digits")
        );
        assert!(
            only_error("legal_representative", "003085012345")
                .message
                .contains("province")
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let row = OrganizationRow::default();
        let fields: Vec<&str> = row
            .parse(today())
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "code",
                "name_vi",
                "founded",
                "head_office",
                "legal_representative"
            ]
        );
    }

    #[test]
    fn get_set_and_diff_by_column_name() {
        let mut row = valid();
        assert_eq!(row.get("abbreviation"), Some("HBC"));
        assert_eq!(row.get("nope"), None);
        assert_eq!(row.set("nope", "x"), None);
        let old = row.clone();
        row.set(
            "head_office",
            "Số 1, đường Lê Lợi, phường Bến Nghé, quận 1, TP Hồ Chí Minh",
        )
        .unwrap();
        row.set("abbreviation", "").unwrap();
        let changes = old.diff(&row);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["abbreviation", "head_office"]);
        assert_eq!(changes[0].old, "HBC");
        assert_eq!(changes[0].new, "");
        for (name, value) in ORGANIZATION_FIELDS.iter().zip(row.fields()) {
            assert_eq!(row.get(name), Some(value.as_str()));
        }
    }

    #[test]
    fn serde_refuses_unknown_columns_and_reads_null_as_empty() {
        let json = r#"{"code":"0314409058","name_vi":"X","abbreviation":null,
            "founded":"2017-06-01","head_office":"Y","legal_representative":"001085012345"}"#;
        let row: OrganizationRow = serde_json::from_str(json).unwrap();
        assert_eq!(row.abbreviation, "");
        assert_eq!(row.name_foreign, "");
        let extra = r#"{"code":"1","name_vi":"X","founded":"2017-06-01","tax":"1"}"#;
        assert!(serde_json::from_str::<OrganizationRow>(extra).is_err());
    }
}
