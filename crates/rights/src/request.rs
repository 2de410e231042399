//! The values a data-subject request is made of, each parsed once from outside: its ID, its kind
//! (Decree 13/2023/ND-CP Art. 9: correct, restrict processing, object), the registry fields it is
//! about, the free text of the request and of the officer's answer, and its status.
//!
//! The statuses form a small machine: `open → in_progress → done | rejected`, and `open →
//! withdrawn` by the citizen. Done, rejected and withdrawn are closed: nothing leaves them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dinhdanh_accounts::AccountId;
use dinhdanh_domain::PersonalId;
use rand::RngCore;
use unicode_normalization::UnicodeNormalization;

use crate::error::RightsError;

/// How long the controller has to carry out a request: 72 hours (Decree 13/2023/ND-CP Art. 9(6)
/// sets this limit for restriction; the platform holds every kind to it).
pub const DEADLINE_MS: i64 = 72 * 3_600_000;
/// The longest description of a request, in characters.
pub const MAX_ABOUT: usize = 2_000;
/// The longest answer of an officer, in characters.
pub const MAX_ANSWER: usize = 4_000;

/// A request's ID: 128 random bits, base64url without padding (22 characters), safe in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh random ID.
    pub fn new() -> RequestId {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        RequestId(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// An ID from a URL; anything else than 22 base64url characters is no request at all.
    pub fn parse(value: &str) -> Result<RequestId, RightsError> {
        if value.len() == 22
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(RequestId(value.to_owned()))
        } else {
            Err(RightsError::NotFound)
        }
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which right the citizen exercises (Decree 13/2023/ND-CP Art. 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The right to have one's data corrected (Art. 9(3)).
    Correction,
    /// The right to restrict processing (Art. 9(6)).
    Restriction,
    /// The right to object to processing (Art. 9(8)).
    Objection,
}

impl Kind {
    /// Every kind, in the order forms list them.
    pub const ALL: [Kind; 3] = [Kind::Correction, Kind::Restriction, Kind::Objection];

    /// The stored and submitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Correction => "correction",
            Kind::Restriction => "restriction",
            Kind::Objection => "objection",
        }
    }

    /// Parses [`Kind::as_str`].
    pub fn parse(value: &str) -> Result<Kind, RightsError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| RightsError::UnknownKind {
                value: value.to_owned(),
            })
    }
}

/// A field of the population record a request can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Full name.
    FullName,
    /// Date of birth.
    BirthDate,
    /// Sex.
    Sex,
    /// Place of origin (quê quán).
    PlaceOfOrigin,
    /// Permanent residence.
    PermanentResidence,
    /// Current residence.
    CurrentResidence,
    /// Nationality.
    Nationality,
    /// Ethnicity.
    Ethnicity,
    /// Religion.
    Religion,
    /// Father.
    Father,
    /// Mother.
    Mother,
    /// Spouse.
    Spouse,
    /// Identity card.
    IdCard,
}

impl Field {
    /// Every field, in the order of the population record.
    pub const ALL: [Field; 13] = [
        Field::FullName,
        Field::BirthDate,
        Field::Sex,
        Field::PlaceOfOrigin,
        Field::PermanentResidence,
        Field::CurrentResidence,
        Field::Nationality,
        Field::Ethnicity,
        Field::Religion,
        Field::Father,
        Field::Mother,
        Field::Spouse,
        Field::IdCard,
    ];

    /// The stored and submitted name (the registry's field name).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::PlaceOfOrigin => "place_of_origin",
            Field::PermanentResidence => "permanent_residence",
            Field::CurrentResidence => "current_residence",
            Field::Nationality => "nationality",
            Field::Ethnicity => "ethnicity",
            Field::Religion => "religion",
            Field::Father => "father",
            Field::Mother => "mother",
            Field::Spouse => "spouse",
            Field::IdCard => "id_card",
        }
    }

    /// Parses [`Field::as_str`].
    pub fn parse(value: &str) -> Result<Field, RightsError> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == value.trim())
            .ok_or_else(|| RightsError::UnknownField {
                value: value.to_owned(),
            })
    }

    /// Parses a list of names; repeats count once, and the result is in record order.
    pub fn parse_all<S: AsRef<str>>(values: &[S]) -> Result<Vec<Field>, RightsError> {
        let mut fields = values
            .iter()
            .map(|v| Field::parse(v.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        fields.sort_unstable();
        fields.dedup();
        Ok(fields)
    }
}

/// Free text typed by a person: NFC-normalized, trimmed, line breaks kept as `\n`, no other
/// control characters, not empty, at most `max` characters.
fn text(value: &str, max: usize, empty: RightsError) -> Result<String, RightsError> {
    let normalized: String = value.replace("\r\n", "\n").nfc().collect();
    let trimmed = normalized.trim();
    if trimmed.is_empty() {
        return Err(empty);
    }
    if let Some(c) = trimmed
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t')
    {
        return Err(RightsError::ControlCharacter(c));
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(RightsError::TooLong { chars, max });
    }
    Ok(trimmed.to_owned())
}

/// What the citizen asks for, in their words (at most [`MAX_ABOUT`] characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About(String);

impl About {
    /// Checks and tidies the text of a request.
    pub fn parse(value: &str) -> Result<About, RightsError> {
        text(value, MAX_ABOUT, RightsError::AboutRequired).map(About)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The officer's answer to the citizen (at most [`MAX_ANSWER`] characters); required to close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer(String);

impl Answer {
    /// Checks and tidies the text of an answer.
    pub fn parse(value: &str) -> Result<Answer, RightsError> {
        text(value, MAX_ANSWER, RightsError::AnswerRequired).map(Answer)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new request as the citizen submitted it, every part parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// Which right.
    pub kind: Kind,
    /// What it is about.
    pub about: About,
    /// The record's fields concerned; may be empty (an objection may concern all processing).
    pub fields: Vec<Field>,
}

impl Filing {
    /// Parses a submitted form: the kind, the fields, then the text; the first problem found is
    /// the error.
    pub fn parse<S: AsRef<str>>(
        kind: &str,
        about: &str,
        fields: &[S],
    ) -> Result<Filing, RightsError> {
        Ok(Filing {
            kind: Kind::parse(kind)?,
            fields: Field::parse_all(fields)?,
            about: About::parse(about)?,
        })
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Filed, not yet taken by an officer.
    Open,
    /// An officer is handling it.
    InProgress,
    /// Carried out; the answer says how.
    Done,
    /// Refused; the answer says why.
    Rejected,
    /// Withdrawn by the citizen before an officer took it.
    Withdrawn,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::InProgress,
        Status::Done,
        Status::Rejected,
        Status::Withdrawn,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Parses [`Status::as_str`].
    pub fn parse(value: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether nothing more can happen to the request.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Rejected | Status::Withdrawn)
    }
}

/// How an officer closes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Carried out.
    Done,
    /// Refused.
    Rejected,
}

impl Outcome {
    /// Parses `done` or `rejected`.
    pub fn parse(value: &str) -> Result<Outcome, RightsError> {
        match value.trim() {
            "done" => Ok(Outcome::Done),
            "rejected" => Ok(Outcome::Rejected),
            _ => Err(RightsError::UnknownOutcome {
                value: value.to_owned(),
            }),
        }
    }

    /// The status the request ends in.
    pub fn status(self) -> Status {
        match self {
            Outcome::Done => Status::Done,
            Outcome::Rejected => Status::Rejected,
        }
    }
}

/// A data-subject request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Its ID.
    pub id: RequestId,
    /// Whose data it is about: the filer's own.
    pub personal_id: PersonalId,
    /// The account that filed it; only this account sees and withdraws it.
    pub account: AccountId,
    /// Which right.
    pub kind: Kind,
    /// What it is about, in the citizen's words.
    pub about: String,
    /// The record's fields concerned.
    pub fields: Vec<Field>,
    /// When it was filed (Unix ms).
    pub filed_at: i64,
    /// When it must be answered: filed + 72 hours (Unix ms).
    pub due_at: i64,
    /// Where it stands.
    pub status: Status,
    /// The officer handling or having handled it.
    pub handler: Option<AccountId>,
    /// The officer's answer, once closed as done or rejected.
    pub answer: Option<String>,
    /// When it was closed (Unix ms).
    pub closed_at: Option<i64>,
    /// Number of changes so far (1 after filing); each has an [`Event`] with this number.
    pub version: i64,
}

impl Request {
    /// Not closed and past its deadline at `now_ms`.
    pub fn is_overdue(&self, now_ms: i64) -> bool {
        !self.status.is_closed() && now_ms > self.due_at
    }

    /// Whether it was closed after its deadline (or is still open past it).
    pub fn is_late(&self, now_ms: i64) -> bool {
        match self.closed_at {
            Some(at) => at > self.due_at,
            None => now_ms > self.due_at,
        }
    }
}

/// Who changed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The citizen who filed it, through their account.
    Filer(AccountId),
    /// An officer, through their account.
    Officer(AccountId),
}

impl Actor {
    /// The acting account.
    pub fn account(self) -> AccountId {
        match self {
            Actor::Filer(id) | Actor::Officer(id) => id,
        }
    }

    /// The stored role name.
    pub fn role(self) -> &'static str {
        match self {
            Actor::Filer(_) => "filer",
            Actor::Officer(_) => "officer",
        }
    }
}

/// One change of status, kept for the request's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The request's version after the change (1 for filing).
    pub seq: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub actor: Actor,
    /// The status before; `None` for filing.
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// The answer when closing, or why (a handover names the officer before).
    pub note: Option<String>,
}

/// A request with its whole history, oldest event first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The request.
    pub request: Request,
    /// Its events.
    pub events: Vec<Event>,
}

/// Numbers for the officers' queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Filed and not taken.
    pub open: u64,
    /// Taken and not closed.
    pub in_progress: u64,
    /// Not closed and past the deadline (counted in `open` or `in_progress` too).
    pub overdue: u64,
}

/// Which requests an officer lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Queue {
    /// Open or in progress, whoever handles them; overdue first, then by deadline.
    #[default]
    Waiting,
    /// In progress and handled by the asking officer; overdue first, then by deadline.
    Mine,
    /// Closed ones, the most recently closed first.
    Closed,
}

impl Queue {
    /// The name used in links.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Waiting => "waiting",
            Queue::Mine => "mine",
            Queue::Closed => "closed",
        }
    }

    /// Parses [`Queue::as_str`]; anything else is the default.
    pub fn parse(value: &str) -> Queue {
        [Queue::Waiting, Queue::Mine, Queue::Closed]
            .into_iter()
            .find(|q| q.as_str() == value)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ids_are_22_url_safe_characters_and_nothing_else_parses() {
        let id = RequestId::new();
        assert_eq!(id.as_str().len(), 22);
        assert_eq!(RequestId::parse(id.as_str()).unwrap(), id);
        assert_ne!(RequestId::new(), id);
        for bad in [
            "",
            "short",
            "aaaaaaaaaaaaaaaaaaaaa/",
            "aaaaaaaaaaaaaaaaaaaaaaa",
            "ả",
        ] {
            assert!(
                matches!(RequestId::parse(bad), Err(RightsError::NotFound)),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_fields_and_outcomes_parse_only_known_names() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(matches!(
            Kind::parse("deletion"),
            Err(RightsError::UnknownKind { value }) if value == "deletion"
        ));
        for field in Field::ALL {
            assert_eq!(Field::parse(field.as_str()).unwrap(), field);
        }
        assert!(matches!(
            Field::parse("blood_group"),
            Err(RightsError::UnknownField { value }) if value == "blood_group"
        ));
        assert_eq!(
            Field::parse_all(&["spouse", "full_name", "spouse"]).unwrap(),
            vec![Field::FullName, Field::Spouse]
        );
        assert_eq!(Outcome::parse("done").unwrap().status(), Status::Done);
        assert_eq!(
            Outcome::parse("rejected").unwrap().status(),
            Status::Rejected
        );
        assert!(Outcome::parse("maybe").is_err());
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Queue::parse("closed"), Queue::Closed);
        assert_eq!(Queue::parse("whatever"), Queue::Waiting);
    }

    #[test]
    fn text_is_required_bounded_and_free_of_control_characters() {
        assert!(matches!(
            About::parse("  \n\t "),
            Err(RightsError::AboutRequired)
        ));
        assert!(matches!(
            Answer::parse(""),
            Err(RightsError::AnswerRequired)
        ));
        assert!(matches!(
            About::parse(&"ạ".repeat(MAX_ABOUT + 1)),
            Err(RightsError::TooLong {
                chars: 2001,
                max: 2000
            })
        ));
        assert!(About::parse(&"ạ".repeat(MAX_ABOUT)).is_ok());
        assert!(matches!(
            About::parse("a\u{7}b"),
            Err(RightsError::ControlCharacter('\u{7}'))
        ));
        assert_eq!(
            About::parse("  dòng một\r\ndòng hai \n").unwrap().as_str(),
            "dòng một\ndòng hai"
        );
        // A decomposed "ệ" (e + two combining marks) is one character once composed.
        let decomposed = "e\u{323}\u{302}".repeat(MAX_ABOUT);
        assert_eq!(
            About::parse(&decomposed).unwrap().as_str().chars().count(),
            MAX_ABOUT
        );
    }

    #[test]
    fn a_filing_reports_the_first_bad_part() {
        assert!(matches!(
            Filing::parse("erasure", "", &["nope"]),
            Err(RightsError::UnknownKind { .. })
        ));
        assert!(matches!(
            Filing::parse("correction", "", &["nope"]),
            Err(RightsError::UnknownField { .. })
        ));
        assert!(matches!(
            Filing::parse::<&str>("correction", "", &[]),
            Err(RightsError::AboutRequired)
        ));
        let filing = Filing::parse("objection", "Tôi phản đối", &["religion"]).unwrap();
        assert_eq!(filing.kind, Kind::Objection);
        assert_eq!(filing.fields, vec![Field::Religion]);
    }

    #[test]
    fn overdue_means_not_closed_and_past_the_deadline() {
        let mut request = Request {
            id: RequestId::new(),
            personal_id: PersonalId::parse("001090012345").unwrap(),
            account: 1,
            kind: Kind::Correction,
            about: "x".into(),
            fields: vec![],
            filed_at: 0,
            due_at: DEADLINE_MS,
            status: Status::InProgress,
            handler: Some(2),
            answer: None,
            closed_at: None,
            version: 2,
        };
        assert!(!request.is_overdue(DEADLINE_MS));
        assert!(request.is_overdue(DEADLINE_MS + 1));
        request.status = Status::Done;
        request.closed_at = Some(DEADLINE_MS + 5);
        assert!(!request.is_overdue(DEADLINE_MS + 10));
        assert!(request.is_late(DEADLINE_MS + 10));
    }

    proptest! {
        #[test]
        fn any_printable_text_within_the_limit_is_accepted_as_typed(
            text in "[a-zA-Z0-9àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễđ .,;:!?()\n-]{0,300}[a-zđ]"
        ) {
            let about = About::parse(&text).unwrap();
            prop_assert_eq!(about.as_str(), text.trim());
        }

        #[test]
        fn nothing_longer_than_the_limit_is_accepted(extra in 1usize..50) {
            let text = "x".repeat(MAX_ANSWER + extra);
            prop_assert!(
                matches!(Answer::parse(&text), Err(RightsError::TooLong { .. })),
                "an answer over the limit must be refused"
            );
        }
    }
}
