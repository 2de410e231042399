//! The procedure catalogue: what each administrative procedure is, who handles it, what it needs
//! and how long it may take.
//!
//! A procedure carries the information Circular 32/2017/TT-BTTTT requires a portal to publish
//! (steps, channels, documents, deadline, who may apply, result, fees, legal basis) and what the
//! portal needs to run it online: the registry fields it pre-fills, the documents a citizen
//! uploads and the fields only the citizen can give. Its level follows Decree 42/2022/ND-CP
//! Art 11: *full online* (toàn trình) or *partial* (một phần), shown also as the older levels 4
//! and 3 (Decree 43/2011).
//!
//! A catalogue comes in as JSON and becomes a [`Procedure`] only through [`Procedure::check`],
//! which names the first thing that is wrong.

use std::collections::BTreeSet;

use dinhdanh_domain::Texts;
use serde::{Deserialize, Serialize};

use crate::code::UnitCode;
use crate::error::ServicesError;

/// The largest upload a procedure may allow, in bytes.
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;
/// The file types the portal accepts, by their media type.
pub const UPLOAD_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
/// The longest processing time a procedure may state: two years of working hours.
pub const MAX_PROCESSING_HOURS: u32 = 2 * 250 * 8;

/// How much of a procedure can be done online (Decree 42/2022/ND-CP Art 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Toàn trình: filed, processed and paid online, the result returned online or by post.
    Full,
    /// Một phần: anything that is not fully online.
    Partial,
}

impl Level {
    /// The stored and published name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::Partial => "partial",
        }
    }

    /// Parses [`Level::as_str`].
    pub fn parse(value: &str) -> Option<Level> {
        match value {
            "full" => Some(Level::Full),
            "partial" => Some(Level::Partial),
            _ => None,
        }
    }

    /// The level under the older Decree 43/2011 scale, which reports still use.
    pub fn old_level(self) -> u8 {
        match self {
            Level::Full => 4,
            Level::Partial => 3,
        }
    }
}

/// A way of filing or receiving the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Through the portal.
    Online,
    /// At the one-stop counter.
    Counter,
    /// By public postal service.
    Post,
}

/// The agency that handles a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Its unit code (Circular 10/2016/TT-BTTTT), the first part of every application code.
    pub unit: UnitCode,
    /// Its name.
    pub name: Texts,
}

/// A document the applicant must or may provide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Short identifier, unique in the procedure (`photo`, `medical_certificate`).
    pub id: String,
    /// What it is.
    pub name: Texts,
    /// Whether the application cannot be filed without it.
    pub required: bool,
    /// Media types accepted, from [`UPLOAD_TYPES`].
    #[serde(default = "default_types")]
    pub types: Vec<String>,
    /// The largest file accepted, in bytes.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
}

fn default_types() -> Vec<String> {
    UPLOAD_TYPES.iter().map(|t| (*t).to_owned()).collect()
}

fn default_max_bytes() -> u64 {
    5 * 1024 * 1024
}

/// What kind of value a form field takes. Unknown keys of a form field are refused here: the
/// field's own keys are flattened into this enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum FieldKind {
    /// Free text up to `max` characters.
    Text {
        /// The longest value.
        #[serde(default = "default_text_max")]
        max: usize,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date {},
    /// A whole number between the bounds.
    Number {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// One of the listed options.
    Choice {
        /// The options: their stored codes and labels.
        options: Vec<Choice>,
    },
    /// A personal identification number, checked like any other.
    PersonalId {},
}

fn default_text_max() -> usize {
    500
}

/// One option of a [`FieldKind::Choice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored code.
    pub code: String,
    /// What the citizen reads.
    pub label: Texts,
}

/// A field only the applicant can fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Short identifier, unique in the procedure.
    pub id: String,
    /// The label.
    pub label: Texts,
    /// Its kind and bounds.
    #[serde(flatten)]
    pub kind: FieldKind,
    /// Whether the application cannot be filed without it.
    pub required: bool,
}

/// What the portal reads from a data service to fill in the form, and on which ground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prefill {
    /// The data service on the exchange (`population`, `land`).
    pub service: String,
    /// The fields read.
    pub fields: Vec<String>,
    /// The legal basis the portal invokes, as the service lists it.
    pub legal_basis: String,
}

/// One administrative procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Its code in the national procedure database (`1.001193`).
    pub code: String,
    /// Its name.
    pub name: Texts,
    /// The agency that handles it.
    pub agency: Agency,
    /// The field (lĩnh vực) it belongs to.
    pub field: Texts,
    /// How much of it can be done online.
    pub level: Level,
    /// The steps, in order.
    pub steps: Vec<Texts>,
    /// Ways to file.
    pub channels: Vec<Channel>,
    /// Documents to provide.
    pub documents: Vec<Document>,
    /// The processing time in working hours (a working day is 8 hours).
    pub processing_hours: u32,
    /// Who may apply.
    pub applicants: Texts,
    /// What the applicant receives.
    pub result: Texts,
    /// The fee in đồng; 0 when free.
    pub fee_vnd: i64,
    /// How the fee is set, or why there is none.
    pub fee_note: Texts,
    /// The legal texts it rests on.
    pub legal_basis: Vec<Texts>,
    /// What the portal fills in from the registry.
    pub prefill: Option<Prefill>,
    /// What the applicant adds.
    pub form: Vec<FormField>,
}

fn is_identifier(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 40
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A national procedure code: digits in dot-separated groups, e.g. `1.001193` or `2.000884`.
pub fn is_procedure_code(value: &str) -> bool {
    value.len() <= 20
        && value.split('.').count() >= 2
        && value
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

impl Procedure {
    /// Checks everything a procedure must satisfy; the error names the first problem and where
    /// it is.
    pub fn check(&self) -> Result<(), ServicesError> {
        let at = |what: &str, why: String| ServicesError::BadProcedure {
            code: self.code.clone(),
            problem: format!("{what}: {why}"),
        };
        if !is_procedure_code(&self.code) {
            return Err(at(
                "code",
                "a national procedure code is digits in dot-separated groups, such as 1.001193"
                    .into(),
            ));
        }
        for (what, text) in [
            ("name", &self.name),
            ("agency.name", &self.agency.name),
            ("field", &self.field),
            ("applicants", &self.applicants),
            ("result", &self.result),
            ("fee_note", &self.fee_note),
        ] {
            if text.has_blank() {
                return Err(at(
                    what,
                    "both the Vietnamese and the English text are needed".into(),
                ));
            }
        }
        if self.steps.is_empty() || self.steps.iter().any(Texts::has_blank) {
            return Err(at("steps", "list the steps, each in both languages".into()));
        }
        if self.legal_basis.is_empty() || self.legal_basis.iter().any(Texts::has_blank) {
            return Err(at(
                "legal_basis",
                "name at least one legal text, in both languages".into(),
            ));
        }
        if self.channels.is_empty() {
            return Err(at("channels", "name at least one way to file".into()));
        }
        if self.level == Level::Full && !self.channels.contains(&Channel::Online) {
            return Err(at(
                "level",
                "a fully online procedure must be offered online".into(),
            ));
        }
        if self.processing_hours == 0 || self.processing_hours > MAX_PROCESSING_HOURS {
            return Err(at(
                "processing_hours",
                format!("between 1 and {MAX_PROCESSING_HOURS} working hours"),
            ));
        }
        if !(0..=1_000_000_000).contains(&self.fee_vnd) {
            return Err(at(
                "fee_vnd",
                "a fee in đồng between 0 and 1,000,000,000".into(),
            ));
        }
        let mut ids = BTreeSet::new();
        for document in &self.documents {
            if !is_identifier(&document.id) || !ids.insert(document.id.as_str()) {
                return Err(at(
                    "documents",
                    format!("{:?} must be a unique lowercase identifier", document.id),
                ));
            }
            if document.name.has_blank() {
                return Err(at(
                    &format!("documents.{}", document.id),
                    "name it in both languages".into(),
                ));
            }
            if document.types.is_empty()
                || document
                    .types
                    .iter()
                    .any(|t| !UPLOAD_TYPES.contains(&t.as_str()))
            {
                return Err(at(
                    &format!("documents.{}.types", document.id),
                    format!("choose from {}", UPLOAD_TYPES.join(", ")),
                ));
            }
            if document.max_bytes == 0 || document.max_bytes > MAX_UPLOAD_BYTES {
                return Err(at(
                    &format!("documents.{}.max_bytes", document.id),
                    format!("between 1 and {MAX_UPLOAD_BYTES} bytes"),
                ));
            }
        }
        for field in &self.form {
            if !is_identifier(&field.id) || !ids.insert(field.id.as_str()) {
                return Err(at(
                    "form",
                    format!("{:?} must be a unique lowercase identifier", field.id),
                ));
            }
            if field.label.has_blank() {
                return Err(at(
                    &format!("form.{}", field.id),
                    "label it in both languages".into(),
                ));
            }
            match &field.kind {
                FieldKind::Text { max } if *max == 0 || *max > 5000 => {
                    return Err(at(
                        &format!("form.{}.max", field.id),
                        "between 1 and 5000".into(),
                    ));
                }
                FieldKind::Number { min, max } if min > max => {
                    return Err(at(&format!("form.{}", field.id), "min is above max".into()));
                }
                FieldKind::Choice { options } => {
                    let codes: BTreeSet<&str> = options.iter().map(|o| o.code.as_str()).collect();
                    if options.is_empty()
                        || codes.len() != options.len()
                        || options
                            .iter()
                            .any(|o| !is_identifier(&o.code) || o.label.has_blank())
                    {
                        return Err(at(
                            &format!("form.{}.options", field.id),
                            "unique lowercase codes, each labelled in both languages".into(),
                        ));
                    }
                }
                _ => {}
            }
        }
        if let Some(prefill) = &self.prefill {
            if prefill.fields.is_empty() || prefill.fields.iter().any(|f| !is_identifier(f)) {
                return Err(at(
                    "prefill.fields",
                    "name the data service's fields to read".into(),
                ));
            }
            if let Some(clash) = prefill.fields.iter().find(|f| ids.contains(f.as_str())) {
                return Err(at(
                    "prefill.fields",
                    format!("{clash:?} is also a form field or document"),
                ));
            }
        }
        Ok(())
    }

    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}

/// A catalogue file: the procedures, in the order they are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// The format, `dinhdanh.procedures/1`.
    pub format: String,
    /// The procedures.
    pub procedures: Vec<Procedure>,
}

/// The format name of a catalogue file.
pub const CATALOGUE_FORMAT: &str = "dinhdanh.procedures/1";

impl CatalogueFile {
    /// Parses and checks a catalogue file; every procedure is checked and codes are unique.
    pub fn parse(json: &str) -> Result<CatalogueFile, ServicesError> {
        let file: CatalogueFile =
            serde_json::from_str(json).map_err(|e| ServicesError::BadCatalogue(e.to_string()))?;
        if file.format != CATALOGUE_FORMAT {
            return Err(ServicesError::BadCatalogue(format!(
                "format is {:?}; expected {CATALOGUE_FORMAT:?}",
                file.format
            )));
        }
        let mut codes = BTreeSet::new();
        for procedure in &file.procedures {
            procedure.check()?;
            if !codes.insert(procedure.code.as_str()) {
                return Err(ServicesError::BadCatalogue(format!(
                    "procedure {} is listed twice",
                    procedure.code
                )));
            }
        }
        Ok(file)
    }

    /// The file as pretty JSON, the form `parse` reads back.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a catalogue serializes")
    }
}

/// The demonstration catalogue: about twenty common procedures with plausible data.
pub fn demo() -> CatalogueFile {
    CatalogueFile::parse(include_str!("../demo/catalogue.json"))
        .expect("the demo catalogue is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_is_valid_and_round_trips() {
        let demo = demo();
        assert!(demo.procedures.len() >= 20, "{}", demo.procedures.len());
        assert!(demo.procedures.iter().any(|p| p.level == Level::Full));
        assert!(demo.procedures.iter().any(|p| p.level == Level::Partial));
        assert!(demo.procedures.iter().any(|p| p.fee_vnd > 0));
        assert_eq!(CatalogueFile::parse(&demo.to_json()).unwrap(), demo);
    }

    fn one() -> Procedure {
        demo().procedures.remove(0)
    }

    #[test]
    fn each_problem_is_named() {
        type Change = fn(&mut Procedure);
        let cases: Vec<(Change, &str)> = vec![
            (|p| p.code = "1001193".into(), "code"),
            (|p| p.name.en = " ".into(), "name"),
            (|p| p.steps.clear(), "steps"),
            (|p| p.channels.clear(), "channels"),
            (
                |p| {
                    p.level = Level::Full;
                    p.channels = vec![Channel::Counter];
                },
                "level",
            ),
            (|p| p.processing_hours = 0, "processing_hours"),
            (|p| p.fee_vnd = -1, "fee_vnd"),
            (
                |p| {
                    let d = p.documents[0].clone();
                    p.documents.push(d);
                },
                "documents",
            ),
            (|p| p.documents[0].types = vec!["text/html".into()], "types"),
            (
                |p| p.documents[0].max_bytes = MAX_UPLOAD_BYTES + 1,
                "max_bytes",
            ),
        ];
        for (change, named) in cases {
            let mut p = one();
            assert!(!p.documents.is_empty());
            change(&mut p);
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains(named), "{named}: {e}");
        }
    }

    #[test]
    fn a_catalogue_with_a_repeated_code_or_unknown_field_is_refused() {
        let mut demo = demo();
        demo.procedures.push(demo.procedures[0].clone());
        let e = CatalogueFile::parse(&demo.to_json())
            .unwrap_err()
            .to_string();
        assert!(e.contains("listed twice"), "{e}");
        let bad = r#"{"format":"dinhdanh.procedures/1","procedures":[],"extra":1}"#;
        let e = CatalogueFile::parse(bad).unwrap_err().to_string();
        assert!(e.contains("unknown field"), "{e}");
        let e = CatalogueFile::parse(r#"{"format":"x","procedures":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("dinhdanh.procedures/1"), "{e}");
    }
}
