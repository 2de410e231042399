//! A person as the registry holds them: the typed record every other capability reads.

use chrono::{DateTime, Utc};
use dinhdanh_domain::{NaiveDate, PersonName, PersonalId, Province, Sex};
use serde::Serialize;

/// One resident of the population registry, already validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The 12-digit personal identification number; it encodes province, century, sex and year.
    pub personal_id: PersonalId,
    /// Family, middle and given names, NFC-normalised.
    pub name: PersonName,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex as registered.
    pub sex: Sex,
    /// Quê quán: the place of origin.
    pub place_of_origin: String,
    /// Nơi thường trú: permanent residence.
    pub permanent_residence: String,
    /// Nơi ở hiện tại: current residence.
    pub current_residence: String,
    /// Nationality as an ISO 3166-1 alpha-2 code.
    pub nationality: String,
    /// Ethnic group (dân tộc).
    pub ethnicity: String,
    /// Religion (tôn giáo), "Không" when none.
    pub religion: String,
    /// Father's personal ID, when known.
    pub father: Option<PersonalId>,
    /// Mother's personal ID, when known.
    pub mother: Option<PersonalId>,
    /// Spouse's personal ID, when married.
    pub spouse: Option<PersonalId>,
    /// The identity card (CCCD, or the older 9-digit CMND), when one was issued.
    pub id_card: Option<IdCard>,
    /// Living, or deceased with the date.
    pub status: LifeStatus,
}

impl Person {
    /// The province of birth registration, read from the number.
    pub fn birth_province(&self) -> Province {
        self.personal_id.province()
    }
}

/// An identity card: the chip CCCD carries the personal ID as its number, the older CMND 9 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdCard {
    /// Card number: 12 digits (equal to the personal ID) or 9 digits for a CMND.
    pub number: String,
    /// Date of issue.
    pub issued: NaiveDate,
    /// Date of expiry; `None` for cards valid for life.
    pub expires: Option<NaiveDate>,
}

impl IdCard {
    /// Whether the card is valid on `day`.
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.issued <= day && self.expires.is_none_or(|e| day < e)
    }
}

/// Whether the person is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum LifeStatus {
    /// Living.
    Living,
    /// Deceased on the given date.
    Deceased {
        /// Date of death.
        date: NaiveDate,
    },
}

/// A stored person with the bookkeeping the registry keeps around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    /// The current data.
    pub person: Person,
    /// 1 at creation, +1 at each change.
    pub version: u32,
    /// The number this one re-established (Circular 59/2021/TT-BCA), if any.
    pub previous_id: Option<PersonalId>,
    /// The number that replaced this one, if it was re-established.
    pub superseded_by: Option<PersonalId>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// Who created it (an operator, or `import:<run>`).
    pub created_by: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
