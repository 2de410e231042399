//! Applications (hồ sơ) as the applicant and the officers see them, and the checks on what the
//! applicant gives: answers to the form and uploaded files.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use dinhdanh_accounts::AccountId;
use dinhdanh_domain::PersonalId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::{Document, FieldKind, Level, Procedure};
use crate::code::{ApplicationCode, UnitCode};
use crate::error::ServicesError;
use crate::status::{Move, Status};

/// How an application reached the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filing {
    /// Through the portal.
    Online,
    /// At the counter, recorded by an officer.
    Counter,
}

impl Filing {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Filing::Online => "online",
            Filing::Counter => "counter",
        }
    }
}

/// A value the portal read from a data service for the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefilled {
    /// The field of the data service.
    pub field: String,
    /// The value as the service gave it.
    pub value: Value,
    /// The legal basis of the read.
    pub legal_basis: String,
    /// The ledger entry recording the read.
    pub entry: u64,
}

/// The form: what the state already knew and what the applicant added.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// Values read from the registry, never typed by the applicant.
    pub prefilled: Vec<Prefilled>,
    /// Registry fields the exchange withheld; the officer sees that they are missing.
    pub withheld: Vec<String>,
    /// The applicant's answers, by form field.
    pub answers: BTreeMap<String, String>,
}

/// The decision on a processed application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Granted: the result is issued.
    Approved,
    /// Refused, with the reason in the event.
    Refused,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Refused => "refused",
        }
    }

    /// Parses [`Outcome::as_str`].
    pub fn parse(value: &str) -> Result<Outcome, ServicesError> {
        match value {
            "approved" => Ok(Outcome::Approved),
            "refused" => Ok(Outcome::Refused),
            _ => Err(ServicesError::invalid(
                "outcome",
                format!("{value:?} is not a decision; approved or refused"),
            )),
        }
    }
}

/// One application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    /// Its internal identifier (drafts have no code yet).
    pub id: String,
    /// Its code, given when it is filed.
    pub code: Option<ApplicationCode>,
    /// The procedure.
    pub procedure: String,
    /// The handling agency.
    pub unit: UnitCode,
    /// The applicant.
    #[serde(skip)]
    pub personal_id: PersonalId,
    /// The applicant's account, when filed online.
    #[serde(skip)]
    pub account: Option<AccountId>,
    /// How it was filed.
    pub filing: Filing,
    /// The procedure's level when it was filed.
    pub level: Level,
    /// Its status; `None` while it is a draft.
    pub status: Option<Status>,
    /// The form.
    pub form: Form,
    /// The fee in đồng.
    pub fee_vnd: i64,
    /// When the draft was started.
    pub created_at: i64,
    /// When it was filed.
    pub filed_at: Option<i64>,
    /// When reception must answer: 8 working hours after filing (Decree 45/2020).
    pub accept_due_at: Option<i64>,
    /// When it was accepted.
    pub accepted_at: Option<i64>,
    /// The deadline given at acceptance.
    pub first_due_at: Option<i64>,
    /// The deadline in force (a new appointment after an apology).
    pub due_at: Option<i64>,
    /// When it was decided.
    pub decided_at: Option<i64>,
    /// The decision.
    pub outcome: Option<Outcome>,
    /// When the result was returned.
    pub returned_at: Option<i64>,
    /// Whether the result was returned electronically.
    pub result_electronic: Option<bool>,
    /// How many apologies with a new appointment were sent (Form 04).
    pub apologies: i64,
    /// Changes so far; a move names the version it was made on.
    pub version: i64,
}

impl Application {
    /// Whether it is past the deadline that applies to its status at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        match self.status {
            Some(Status::New) => self.accept_due_at.is_some_and(|d| now > d),
            Some(Status::Accepted | Status::Processing) => self.due_at.is_some_and(|d| now > d),
            _ => false,
        }
    }
}

/// Who made a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "account")]
pub enum Actor {
    /// The applicant.
    Applicant(Option<AccountId>),
    /// An officer.
    Officer(AccountId),
    /// The platform.
    System,
}

/// One entry of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Its number, from 1.
    pub seq: i64,
    /// When.
    pub at: i64,
    /// Who.
    pub actor: Actor,
    /// What: a [`Move`]'s name, or `file`, `apologize`, `record`.
    pub step: String,
    /// The status before, `None` for a draft.
    pub from: Option<Status>,
    /// The status after.
    pub to: Option<Status>,
    /// The reason the applicant reads.
    pub reason: Option<String>,
    /// More: the decision, the new appointment.
    pub detail: Option<Value>,
}

/// An uploaded document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upload {
    /// The procedure's document.
    pub document: String,
    /// The file name given.
    pub file_name: String,
    /// Its media type, from its content.
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// When.
    pub uploaded_at: i64,
}

/// An application with its history and documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    /// The application.
    pub application: Application,
    /// Its history, oldest first.
    pub events: Vec<Event>,
    /// Its documents.
    pub uploads: Vec<Upload>,
}

/// A move with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The move.
    pub step: Move,
    /// The version of the application the actor saw.
    pub version: i64,
    /// The reason, required for refusals, supplement requests and stops.
    pub reason: Option<String>,
    /// The decision, for [`Move::Decide`].
    pub outcome: Option<Outcome>,
    /// For [`Move::ReturnResult`]: whether the result goes out electronically.
    pub electronic: Option<bool>,
}

/// The longest reason or free text kept.
pub const MAX_REASON: usize = 2000;

/// A reason as given: trimmed, bounded, without control characters other than line breaks.
pub fn clean_text(field: &str, text: &str, max: usize) -> Result<String, ServicesError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars > max {
        return Err(ServicesError::invalid(
            field,
            format!("{chars} characters; at most {max} are allowed"),
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ServicesError::invalid(
            field,
            format!(
                "contains the control character U+{:04X}; remove it",
                c as u32
            ),
        ));
    }
    Ok(text.to_owned())
}

/// Checks the applicant's answers against the procedure's form. Unknown fields are refused;
/// with `complete`, every required field must be answered.
pub fn check_answers(
    procedure: &Procedure,
    answers: &BTreeMap<String, String>,
    complete: bool,
) -> Result<BTreeMap<String, String>, ServicesError> {
    let mut clean = BTreeMap::new();
    for (id, value) in answers {
        let Some(field) = procedure.form.iter().find(|f| &f.id == id) else {
            return Err(ServicesError::invalid(
                id,
                format!("procedure {} has no such field", procedure.code),
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let value = match &field.kind {
            FieldKind::Text { max } => clean_text(id, value, *max)?,
            FieldKind::Date {} => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| {
                    ServicesError::invalid(id, format!("{value:?} is not a date YYYY-MM-DD"))
                })?
                .to_string(),
            FieldKind::Number { min, max } => {
                let n: i64 = value.parse().map_err(|_| {
                    ServicesError::invalid(id, format!("{value:?} is not a whole number"))
                })?;
                if n < *min || n > *max {
                    return Err(ServicesError::invalid(
                        id,
                        format!("between {min} and {max}"),
                    ));
                }
                n.to_string()
            }
            FieldKind::Choice { options } => {
                if !options.iter().any(|o| o.code == value) {
                    return Err(ServicesError::invalid(
                        id,
                        format!(
                            "{value:?} is not an option; one of {}",
                            options
                                .iter()
                                .map(|o| o.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                value.to_owned()
            }
            FieldKind::PersonalId {} => PersonalId::parse(value)
                .map_err(|e| ServicesError::invalid(id, e.to_string()))?
                .to_string(),
        };
        clean.insert(id.clone(), value);
    }
    if complete
        && let Some(missing) = procedure
            .form
            .iter()
            .find(|f| f.required && !clean.contains_key(&f.id))
    {
        return Err(ServicesError::Missing(format!(
            "{} ({})",
            missing.label.en, missing.id
        )));
    }
    Ok(clean)
}

/// The media type of a file by its first bytes: only PDF, JPEG and PNG are recognised, whatever
/// the name or the browser says.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Checks an upload for `document`: its size and its real type. Returns the media type.
pub fn check_upload(
    document: &Document,
    file_name: &str,
    bytes: &[u8],
) -> Result<&'static str, ServicesError> {
    let bad = |problem: String| ServicesError::BadUpload {
        document: document.id.clone(),
        problem,
    };
    if bytes.is_empty() {
        return Err(bad("the file is empty".into()));
    }
    if bytes.len() as u64 > document.max_bytes {
        return Err(bad(format!(
            "the file has {} bytes; at most {} are accepted",
            bytes.len(),
            document.max_bytes
        )));
    }
    let name = file_name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(|c| c.is_control()) {
        return Err(bad("give the file a name of at most 200 characters".into()));
    }
    let Some(kind) = sniff(bytes) else {
        return Err(bad(format!(
            "the file is not a PDF, JPEG or PNG; {} accepted",
            document.types.join(", ")
        )));
    };
    if !document.types.iter().any(|t| t == kind) {
        return Err(bad(format!(
            "a {kind} file is not accepted; send {}",
            document.types.join(", ")
        )));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::demo;

    fn with_form() -> Procedure {
        demo()
            .procedures
            .into_iter()
            .find(|p| {
                p.form.iter().any(|f| f.required)
                    && p.form
                        .iter()
                        .any(|f| matches!(f.kind, FieldKind::Choice { .. }))
            })
            .expect("a demo procedure with a required field and a choice")
    }

    #[test]
    fn answers_are_checked_by_kind() {
        let p = with_form();
        let unknown = BTreeMap::from([("no_such".to_owned(), "x".to_owned())]);
        assert!(check_answers(&p, &unknown, false).is_err());
        let choice = p
            .form
            .iter()
            .find(|f| matches!(f.kind, FieldKind::Choice { .. }))
            .unwrap();
        let wrong = BTreeMap::from([(choice.id.clone(), "not-an-option".to_owned())]);
        let e = check_answers(&p, &wrong, false).unwrap_err().to_string();
        assert!(e.contains("not an option"), "{e}");
        let e = check_answers(&p, &BTreeMap::new(), true).unwrap_err();
        assert!(matches!(e, ServicesError::Missing(_)), "{e}");
        assert!(
            check_answers(&p, &BTreeMap::new(), false)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn uploads_are_judged_by_their_bytes() {
        let document = Document {
            id: "photo".into(),
            name: dinhdanh_domain::Texts::new("Ảnh", "Photo"),
            required: true,
            types: vec!["image/jpeg".into(), "image/png".into()],
            max_bytes: 64,
        };
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        assert_eq!(
            check_upload(&document, "a.jpg", &jpeg).unwrap(),
            "image/jpeg"
        );
        let pdf = b"%PDF-1.7\n";
        let e = check_upload(&document, "a.jpg", pdf)
            .unwrap_err()
            .to_string();
        assert!(e.contains("application/pdf file is not accepted"), "{e}");
        let html = b"<html><script>";
        let e = check_upload(&document, "a.png", html)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a PDF, JPEG or PNG"), "{e}");
        let e = check_upload(&document, "a.jpg", &[0xFF; 65])
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most 64"), "{e}");
        assert!(check_upload(&document, "a.jpg", &[]).is_err());
        assert!(check_upload(&document, "", &jpeg).is_err());
    }
}
