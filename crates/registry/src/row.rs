//! The flat, all-text form of a person: one CSV row, one JSON line, one export line.
//!
//! Everything from outside enters as a [`PersonRow`] and becomes a [`Person`] through
//! [`PersonRow::parse`], which checks every field and reports each problem by field name. The same
//! flat form is what corrections patch and what history diffs, so one set of rules serves import,
//! the API and the CLI.

use dinhdanh_domain::{NaiveDate, NamePart, PersonName, PersonalId, Sex, normalize};
use serde::{Deserialize, Deserializer, Serialize};

use crate::person::{IdCard, LifeStatus, Person};

/// Column names, in file order.
pub const PERSON_FIELDS: [&str; 20] = [
    "personal_id",
    "family_name",
    "middle_name",
    "given_name",
    "birth_date",
    "sex",
    "place_of_origin",
    "permanent_residence",
    "current_residence",
    "nationality",
    "ethnicity",
    "religion",
    "father_id",
    "mother_id",
    "spouse_id",
    "id_card_number",
    "id_card_issued",
    "id_card_expires",
    "status",
    "death_date",
];

/// Longest address or place text accepted, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest ethnicity or religion accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 40;
/// Earliest date of birth the registry accepts.
pub const EARLIEST_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();

/// A person as text; empty strings mean "absent".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PersonRow {
    #[serde(deserialize_with = "text")]
    pub personal_id: String,
    #[serde(deserialize_with = "text")]
    pub family_name: String,
    #[serde(default, deserialize_with = "text")]
    pub middle_name: String,
    #[serde(deserialize_with = "text")]
    pub given_name: String,
    #[serde(deserialize_with = "text")]
    pub birth_date: String,
    #[serde(deserialize_with = "text")]
    pub sex: String,
    #[serde(default, deserialize_with = "text")]
    pub place_of_origin: String,
    #[serde(default, deserialize_with = "text")]
    pub permanent_residence: String,
    #[serde(default, deserialize_with = "text")]
    pub current_residence: String,
    #[serde(default, deserialize_with = "text")]
    pub nationality: String,
    #[serde(default, deserialize_with = "text")]
    pub ethnicity: String,
    #[serde(default, deserialize_with = "text")]
    pub religion: String,
    #[serde(default, deserialize_with = "text")]
    pub father_id: String,
    #[serde(default, deserialize_with = "text")]
    pub mother_id: String,
    #[serde(default, deserialize_with = "text")]
    pub spouse_id: String,
    #[serde(default, deserialize_with = "text")]
    pub id_card_number: String,
    #[serde(default, deserialize_with = "text")]
    pub id_card_issued: String,
    #[serde(default, deserialize_with = "text")]
    pub id_card_expires: String,
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    #[serde(default, deserialize_with = "text")]
    pub death_date: String,
}

/// JSON `null` reads as an absent (empty) field; anything but a string or null is an error.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// One problem with one field of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The column name.
    pub field: &'static str,
    /// What is wrong, in words a data clerk can act on.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The column name.
    pub field: String,
    /// Value before (empty when absent).
    pub old: String,
    /// Value after (empty when absent).
    pub new: String,
}

impl PersonRow {
    /// The value of a column by name.
    pub fn get(&self, field: &str) -> Option<&str> {
        let index = PERSON_FIELDS.iter().position(|f| *f == field)?;
        Some(self.fields()[index].as_str())
    }

    /// Sets a column by name; `None` when no such column exists.
    pub fn set(&mut self, field: &str, value: &str) -> Option<()> {
        *self.slot_mut(field)? = value.to_owned();
        Some(())
    }

    /// Every column value in [`PERSON_FIELDS`] order.
    pub fn fields(&self) -> [&String; 20] {
        [
            &self.personal_id,
            &self.family_name,
            &self.middle_name,
            &self.given_name,
            &self.birth_date,
            &self.sex,
            &self.place_of_origin,
            &self.permanent_residence,
            &self.current_residence,
            &self.nationality,
            &self.ethnicity,
            &self.religion,
            &self.father_id,
            &self.mother_id,
            &self.spouse_id,
            &self.id_card_number,
            &self.id_card_issued,
            &self.id_card_expires,
            &self.status,
            &self.death_date,
        ]
    }

    fn slot_mut(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "personal_id" => &mut self.personal_id,
            "family_name" => &mut self.family_name,
            "middle_name" => &mut self.middle_name,
            "given_name" => &mut self.given_name,
            "birth_date" => &mut self.birth_date,
            "sex" => &mut self.sex,
            "place_of_origin" => &mut self.place_of_origin,
            "permanent_residence" => &mut self.permanent_residence,
            "current_residence" => &mut self.current_residence,
            "nationality" => &mut self.nationality,
            "ethnicity" => &mut self.ethnicity,
            "religion" => &mut self.religion,
            "father_id" => &mut self.father_id,
            "mother_id" => &mut self.mother_id,
            "spouse_id" => &mut self.spouse_id,
            "id_card_number" => &mut self.id_card_number,
            "id_card_issued" => &mut self.id_card_issued,
            "id_card_expires" => &mut self.id_card_expires,
            "status" => &mut self.status,
            "death_date" => &mut self.death_date,
            _ => return None,
        })
    }

    /// The fields that differ from `other`, as old → new.
    pub fn diff(&self, newer: &PersonRow) -> Vec<Change> {
        PERSON_FIELDS
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

    /// Checks every field and builds the typed person, or lists every problem found.
    ///
    /// `today` bounds dates of birth, issue and death, so tests and imports are deterministic.
    pub fn parse(&self, today: NaiveDate) -> Result<Person, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err =
            |field: &'static str, message: String| errors.push(FieldError { field, message });

        let personal_id = PersonalId::parse(&self.personal_id)
            .map_err(|e| err("personal_id", e.to_string()))
            .ok();
        let name = PersonName::parse(&self.family_name, &self.middle_name, &self.given_name)
            .map_err(|e| {
                let field = match e.part() {
                    NamePart::Family => "family_name",
                    NamePart::Middle => "middle_name",
                    NamePart::Given => "given_name",
                };
                err(field, e.to_string())
            })
            .ok();
        let birth_date = date(&self.birth_date)
            .map_err(|m| err("birth_date", m))
            .ok()
            .and_then(|d| {
                if d > today {
                    err("birth_date", format!("{d} is in the future"));
                    None
                } else if d < EARLIEST_BIRTH {
                    err("birth_date", format!("{d} is before {EARLIEST_BIRTH}"));
                    None
                } else {
                    Some(d)
                }
            });
        let sex = Sex::parse(&self.sex)
            .map_err(|e| err("sex", e.to_string()))
            .ok();
        if let (Some(id), Some(d), Some(s)) = (personal_id, birth_date, sex) {
            for mismatch in id.mismatches(d, s) {
                err("personal_id", mismatch.to_string());
            }
        }

        let place_of_origin = required_text(&self.place_of_origin, MAX_ADDRESS_CHARS)
            .map_err(|m| err("place_of_origin", m))
            .unwrap_or_default();
        let permanent_residence = required_text(&self.permanent_residence, MAX_ADDRESS_CHARS)
            .map_err(|m| err("permanent_residence", m))
            .unwrap_or_default();
        let current_residence = if self.current_residence.trim().is_empty() {
            permanent_residence.clone()
        } else {
            required_text(&self.current_residence, MAX_ADDRESS_CHARS)
                .map_err(|m| err("current_residence", m))
                .unwrap_or_default()
        };
        let nationality = self.nationality.trim();
        if nationality.len() != 2 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
            err(
                "nationality",
                format!("{nationality:?} is not an ISO 3166-1 alpha-2 code such as \"VN\""),
            );
        }
        let ethnicity = required_text(&self.ethnicity, MAX_LABEL_CHARS)
            .map_err(|m| err("ethnicity", m))
            .unwrap_or_default();
        let religion = required_text(&self.religion, MAX_LABEL_CHARS)
            .map_err(|m| err("religion", m))
            .unwrap_or_default();

        let mut relation = |field: &'static str, value: &str, expect: Option<Sex>| {
            if value.trim().is_empty() {
                return None;
            }
            match PersonalId::parse(value) {
                Err(e) => {
                    err(field, e.to_string());
                    None
                }
                Ok(other) if Some(other) == personal_id => {
                    err(field, "a person cannot be their own relative".to_owned());
                    None
                }
                Ok(other) => match expect {
                    Some(s) if other.sex() != s => {
                        err(field, format!("{other} is the number of a {}", other.sex()));
                        None
                    }
                    _ => Some(other),
                },
            }
        };
        let father = relation("father_id", &self.father_id, Some(Sex::Male));
        let mother = relation("mother_id", &self.mother_id, Some(Sex::Female));
        let spouse = relation("spouse_id", &self.spouse_id, None);

        let id_card = self.id_card(personal_id, birth_date, today, &mut err);

        let status = match self.status.trim() {
            "" | "living" if self.death_date.trim().is_empty() => Some(LifeStatus::Living),
            "" | "living" => {
                err(
                    "death_date",
                    "is set but status is not \"deceased\"".to_owned(),
                );
                None
            }
            "deceased" => match date(&self.death_date) {
                Err(_) if self.death_date.trim().is_empty() => {
                    err(
                        "death_date",
                        "is required when status is \"deceased\"".into(),
                    );
                    None
                }
                Err(m) => {
                    err("death_date", m);
                    None
                }
                Ok(d) if d > today => {
                    err("death_date", format!("{d} is in the future"));
                    None
                }
                Ok(d) if birth_date.is_some_and(|b| d < b) => {
                    err("death_date", format!("{d} is before the date of birth"));
                    None
                }
                Ok(d) => Some(LifeStatus::Deceased { date: d }),
            },
            other => {
                err(
                    "status",
                    format!("{other:?} is not a status; use \"living\" or \"deceased\""),
                );
                None
            }
        };

        match (personal_id, name, birth_date, sex, status) {
            (Some(personal_id), Some(name), Some(birth_date), Some(sex), Some(status))
                if errors.is_empty() =>
            {
                Ok(Person {
                    personal_id,
                    name,
                    birth_date,
                    sex,
                    place_of_origin,
                    permanent_residence,
                    current_residence,
                    nationality: nationality.to_owned(),
                    ethnicity,
                    religion,
                    father,
                    mother,
                    spouse,
                    id_card,
                    status,
                })
            }
            _ => Err(errors),
        }
    }

    fn id_card(
        &self,
        personal_id: Option<PersonalId>,
        birth_date: Option<NaiveDate>,
        today: NaiveDate,
        err: &mut impl FnMut(&'static str, String),
    ) -> Option<IdCard> {
        let number = self.id_card_number.trim();
        if number.is_empty() {
            if !self.id_card_issued.trim().is_empty() || !self.id_card_expires.trim().is_empty() {
                err(
                    "id_card_number",
                    "is required when an issue or expiry date is given".into(),
                );
            }
            return None;
        }
        if !number.bytes().all(|b| b.is_ascii_digit()) || !(number.len() == 9 || number.len() == 12)
        {
            err(
                "id_card_number",
                format!("{number:?} is neither a 12-digit CCCD number nor a 9-digit CMND number"),
            );
            return None;
        }
        if number.len() == 12 && personal_id.is_some_and(|id| id.to_string() != number) {
            err(
                "id_card_number",
                "a 12-digit card number must equal the personal ID".into(),
            );
            return None;
        }
        let issued = match date(&self.id_card_issued) {
            Ok(d) if d > today => {
                err("id_card_issued", format!("{d} is in the future"));
                return None;
            }
            Ok(d) if birth_date.is_some_and(|b| d < b) => {
                err("id_card_issued", format!("{d} is before the date of birth"));
                return None;
            }
            Ok(d) => d,
            Err(m) => {
                err("id_card_issued", m);
                return None;
            }
        };
        let expires = if self.id_card_expires.trim().is_empty() {
            None
        } else {
            match date(&self.id_card_expires) {
                Ok(d) if d <= issued => {
                    err(
                        "id_card_expires",
                        format!("{d} is not after the issue date"),
                    );
                    return None;
                }
                Ok(d) => Some(d),
                Err(m) => {
                    err("id_card_expires", m);
                    return None;
                }
            }
        };
        Some(IdCard {
            number: number.to_owned(),
            issued,
            expires,
        })
    }
}

impl From<&Person> for PersonRow {
    fn from(p: &Person) -> Self {
        let id = |v: Option<PersonalId>| v.map(|i| i.to_string()).unwrap_or_default();
        let (status, death_date) = match p.status {
            LifeStatus::Living => ("living".to_owned(), String::new()),
            LifeStatus::Deceased { date } => ("deceased".to_owned(), date.to_string()),
        };
        PersonRow {
            personal_id: p.personal_id.to_string(),
            family_name: p.name.family().to_owned(),
            middle_name: p.name.middle().to_owned(),
            given_name: p.name.given().to_owned(),
            birth_date: p.birth_date.to_string(),
            sex: p.sex.to_string(),
            place_of_origin: p.place_of_origin.clone(),
            permanent_residence: p.permanent_residence.clone(),
            current_residence: p.current_residence.clone(),
            nationality: p.nationality.clone(),
            ethnicity: p.ethnicity.clone(),
            religion: p.religion.clone(),
            father_id: id(p.father),
            mother_id: id(p.mother),
            spouse_id: id(p.spouse),
            id_card_number: p
                .id_card
                .as_ref()
                .map(|c| c.number.clone())
                .unwrap_or_default(),
            id_card_issued: p
                .id_card
                .as_ref()
                .map(|c| c.issued.to_string())
                .unwrap_or_default(),
            id_card_expires: p
                .id_card
                .as_ref()
                .and_then(|c| c.expires)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            status,
            death_date,
        }
    }
}

/// Parses an ISO date (`YYYY-MM-DD`) with a message that shows the expected form.
pub(crate) fn date(value: &str) -> Result<NaiveDate, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("is required (YYYY-MM-DD)".to_owned());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{value:?} is not a date in the form YYYY-MM-DD"))
}

/// A required free-text field: NFC-normalised, no control characters, bounded length.
pub(crate) fn required_text(value: &str, max_chars: usize) -> Result<String, String> {
    let value = normalize(value);
    if value.is_empty() {
        return Err("is required".to_owned());
    }
    let length = value.chars().count();
    if length > max_chars {
        return Err(format!(
            "is {length} characters long; at most {max_chars} are allowed"
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!("contains the control character U+{:04X}", c as u32));
    }
    Ok(value)
}
