//! The registry's storage trait and the column mapping both backends share.
//!
//! The rules (validation, what a correction may change, import bookkeeping) live above this trait;
//! each backend only moves typed values in and out of its tables, in the transactions the trait
//! names, so that a batch and its progress marker always commit together.

/// Binds the 20 data columns of a [`PersonColumns`] in [`PERSON_COLUMNS`] order.
macro_rules! bind_person {
    ($q:expr, $c:expr) => {{
        let c = $c;
        $q.bind(c.personal_id)
            .bind(c.family_name)
            .bind(c.middle_name)
            .bind(c.given_name)
            .bind(c.name_folded)
            .bind(c.birth_date)
            .bind(c.sex)
            .bind(c.place_of_origin)
            .bind(c.permanent_residence)
            .bind(c.current_residence)
            .bind(c.nationality)
            .bind(c.ethnicity)
            .bind(c.religion)
            .bind(c.father_id)
            .bind(c.mother_id)
            .bind(c.spouse_id)
            .bind(c.id_card_number)
            .bind(c.id_card_issued)
            .bind(c.id_card_expires)
            .bind(c.death_date)
    }};
}

/// Binds an organization's 8 columns: code, name_vi, abbreviation, name_foreign, name_folded,
/// founded, head_office, legal_representative.
macro_rules! bind_organization {
    ($q:expr, $o:expr) => {{
        let o = $o;
        $q.bind(o.code.as_str())
            .bind(&o.name_vi)
            .bind(&o.abbreviation)
            .bind(&o.name_foreign)
            .bind(o.folded_name())
            .bind(o.founded)
            .bind(&o.head_office)
            .bind(o.legal_representative.as_i64())
    }};
}

mod postgres;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use dinhdanh_domain::{NaiveDate, PersonName, PersonalId, Sex, TaxCode};
use dinhdanh_store::Db;

use crate::RegistryError;
use crate::organization::Organization;
use crate::person::{IdCard, LifeStatus, Person, PersonRecord};
use crate::row::Change;

pub use postgres::PgRegistry;
pub use sqlite::SqliteRegistry;

/// Builds the store for whichever backend `db` is.
pub fn for_db(db: &Db) -> std::sync::Arc<dyn RegistryStore> {
    match db {
        Db::Sqlite(pool) => std::sync::Arc::new(SqliteRegistry::new(pool.clone())),
        Db::Postgres(pool) => std::sync::Arc::new(PgRegistry::new(pool.clone())),
    }
}

/// Storage operations of the registry; one implementation per backend.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// One person by number.
    async fn person(&self, id: PersonalId) -> Result<Option<PersonRecord>, RegistryError>;
    /// Persons whose folded name starts with the query, in (name, number) order.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<PersonRecord>, RegistryError>;
    /// Recorded changes of one person, oldest first (creation is on the record itself).
    async fn person_versions(&self, id: PersonalId) -> Result<Vec<VersionEntry>, RegistryError>;
    /// Replaces a person's data if the stored version is still `update.expected_version`.
    async fn update_person(&self, update: &PersonUpdate) -> Result<(), RegistryError>;
    /// Retires `old` and creates the re-established record, in one transaction.
    async fn reestablish(&self, re: &Reestablishment) -> Result<(), RegistryError>;
    /// Writes one import batch and advances the run's progress marker, in one transaction.
    async fn import_persons(
        &self,
        batch: &ImportBatch<Person>,
    ) -> Result<BatchOutcome, RegistryError>;
    /// The same for organizations.
    async fn import_organizations(
        &self,
        batch: &ImportBatch<Organization>,
    ) -> Result<BatchOutcome, RegistryError>;
    /// The unfinished run for this file, or a new one.
    async fn open_run(&self, start: &RunStart) -> Result<ImportRun, RegistryError>;
    /// Marks a run finished; a backend that staged the run merges it now and returns the
    /// run's final totals.
    async fn finish_run(
        &self,
        run_id: i64,
        now_ms: i64,
    ) -> Result<Option<BatchOutcome>, RegistryError>;
    /// Numbers of persons and organizations.
    async fn counts(&self) -> Result<Counts, RegistryError>;
    /// Persons in number order after `after`, for export and checksums.
    async fn persons_after(
        &self,
        after: Option<PersonalId>,
        limit: u32,
    ) -> Result<Vec<Person>, RegistryError>;
    /// One organization by code.
    async fn organization(
        &self,
        code: &TaxCode,
    ) -> Result<Option<OrganizationRecord>, RegistryError>;
    /// Organizations whose legal representative is this person.
    async fn organizations_represented_by(
        &self,
        id: PersonalId,
    ) -> Result<Vec<OrganizationRecord>, RegistryError>;
    /// Organizations in code order after `after`, for export.
    async fn organizations_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Organization>, RegistryError>;
}

/// A folded-name prefix search with optional filters and a keyset cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Folded prefix (see `dinhdanh_domain::fold`).
    pub folded_prefix: String,
    /// Only persons born in this year.
    pub birth_year: Option<i32>,
    /// Only persons whose birth was registered in this province.
    pub province: Option<dinhdanh_domain::Province>,
    /// Continue after this (folded name, number).
    pub after: Option<(String, PersonalId)>,
    /// Page size.
    pub limit: u32,
}

impl SearchQuery {
    /// The exclusive upper bound of the prefix range in byte order.
    fn upper_bound(&self) -> String {
        format!("{}\u{10FFFF}", self.folded_prefix)
    }

    /// Key range of a province: its numbers are `PPP·10⁹ … PPP·10⁹ + 999 999 999`.
    fn province_range(&self) -> (Option<i64>, Option<i64>) {
        match self.province {
            Some(p) => {
                let low = i64::from(p.code()) * 1_000_000_000;
                (Some(low), Some(low + 999_999_999))
            }
            None => (None, None),
        }
    }

    /// The two `GYY` values (male, female) that encode a birth year in digits 4–6.
    fn year_codes(&self) -> (Option<i64>, Option<i64>) {
        match self.birth_year {
            Some(y) if (1900..2400).contains(&y) => {
                let male = i64::from(((y - 1900) / 100) * 2) * 100 + i64::from(y % 100);
                (Some(male), Some(male + 100))
            }
            Some(_) => (Some(-1), Some(-1)),
            None => (None, None),
        }
    }
}

/// One recorded change of a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionEntry {
    /// The version this change produced.
    pub version: u32,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// Who (an operator name or `import:<run>`).
    pub actor: String,
    /// Why, as the actor stated it.
    pub reason: String,
    /// What changed.
    pub changes: Vec<Change>,
}

/// A correction to store.
#[derive(Debug, Clone)]
pub struct PersonUpdate {
    /// The new data (same number).
    pub person: Person,
    /// The version the change was computed against.
    pub expected_version: u32,
    /// The field-level diff to record.
    pub changes: Vec<Change>,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
}

/// A number re-establishment to store.
#[derive(Debug, Clone)]
pub struct Reestablishment {
    /// The old number.
    pub old: PersonalId,
    /// The old record's version the change was computed against.
    pub expected_version: u32,
    /// The person under the new number.
    pub person: Person,
    /// The field-level diff (including the number) recorded on the old record.
    pub changes: Vec<Change>,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
}

/// Which kind of record an import run loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Persons.
    Persons,
    /// Organizations.
    Organizations,
}

impl ImportKind {
    /// The name stored with the run.
    pub fn as_str(&self) -> &'static str {
        match self {
            ImportKind::Persons => "persons",
            ImportKind::Organizations => "organizations",
        }
    }
}

/// What identifies an import run.
#[derive(Debug, Clone)]
pub struct RunStart {
    /// What the file holds.
    pub kind: ImportKind,
    /// The file name as given.
    pub file_name: String,
    /// SHA-256 of the file's bytes: the same content resumes the same run.
    pub file_sha256: String,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
}

/// An import run's durable state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    /// Run number.
    pub run_id: i64,
    /// Byte offset just after the last committed row.
    pub committed_offset: u64,
    /// Line number of the last committed row.
    pub committed_line: u64,
    /// Totals committed so far.
    pub outcome: BatchOutcome,
    /// True when this run was already under way (it is being resumed).
    pub resumed: bool,
}

/// A batch of valid rows and the file position just after its last row.
#[derive(Debug, Clone)]
pub struct ImportBatch<T> {
    /// The run.
    pub run_id: i64,
    /// Validated records.
    pub rows: Vec<T>,
    /// Byte offset after the batch's last line.
    pub end_offset: u64,
    /// Line number of the batch's last line.
    pub end_line: u64,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
}

/// What a batch (or a whole run) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchOutcome {
    /// New records.
    pub inserted: u64,
    /// Existing records whose data changed (each got a new version).
    pub updated: u64,
    /// Existing records already identical.
    pub unchanged: u64,
}

impl std::ops::AddAssign for BatchOutcome {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Registry size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Person records (including superseded numbers).
    pub persons: u64,
    /// Organization records.
    pub organizations: u64,
}

/// A stored organization with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrganizationRecord {
    /// The data.
    pub organization: Organization,
    /// 1 at creation, +1 at each change.
    pub version: u32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A person flattened into the columns both backends store.
pub(crate) struct PersonColumns {
    pub personal_id: i64,
    pub family_name: String,
    pub middle_name: String,
    pub given_name: String,
    pub name_folded: String,
    pub birth_date: NaiveDate,
    pub sex: i32,
    pub place_of_origin: String,
    pub permanent_residence: String,
    pub current_residence: Option<String>,
    pub nationality: String,
    pub ethnicity: String,
    pub religion: String,
    pub father_id: Option<i64>,
    pub mother_id: Option<i64>,
    pub spouse_id: Option<i64>,
    pub id_card_number: Option<String>,
    pub id_card_issued: Option<NaiveDate>,
    pub id_card_expires: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
}

/// The stored columns, in insert order (bookkeeping columns follow them).
pub(crate) const PERSON_COLUMNS: &str = "personal_id, family_name, middle_name, given_name, \
    name_folded, birth_date, sex, place_of_origin, permanent_residence, current_residence, \
    nationality, ethnicity, religion, father_id, mother_id, spouse_id, id_card_number, \
    id_card_issued, id_card_expires, death_date";

/// Number of data columns in [`PERSON_COLUMNS`].
pub(crate) const PERSON_COLUMN_COUNT: usize = 20;

impl From<&Person> for PersonColumns {
    fn from(p: &Person) -> Self {
        PersonColumns {
            personal_id: p.personal_id.as_i64(),
            family_name: p.name.family().to_owned(),
            middle_name: p.name.middle().to_owned(),
            given_name: p.name.given().to_owned(),
            name_folded: p.name.folded(),
            birth_date: p.birth_date,
            sex: match p.sex {
                Sex::Male => 0,
                Sex::Female => 1,
            },
            place_of_origin: p.place_of_origin.clone(),
            permanent_residence: p.permanent_residence.clone(),
            // Most people live where they are registered; store the address once.
            current_residence: (p.current_residence != p.permanent_residence)
                .then(|| p.current_residence.clone()),
            nationality: p.nationality.clone(),
            ethnicity: p.ethnicity.clone(),
            religion: p.religion.clone(),
            father_id: p.father.map(|i| i.as_i64()),
            mother_id: p.mother.map(|i| i.as_i64()),
            spouse_id: p.spouse.map(|i| i.as_i64()),
            id_card_number: p.id_card.as_ref().map(|c| c.number.clone()),
            id_card_issued: p.id_card.as_ref().map(|c| c.issued),
            id_card_expires: p.id_card.as_ref().and_then(|c| c.expires),
            death_date: match p.status {
                LifeStatus::Living => None,
                LifeStatus::Deceased { date } => Some(date),
            },
        }
    }
}

/// A person row as read back from either backend.
#[derive(sqlx::FromRow)]
pub(crate) struct DbPerson {
    pub personal_id: i64,
    pub family_name: String,
    pub middle_name: String,
    pub given_name: String,
    pub birth_date: NaiveDate,
    pub sex: i32,
    pub place_of_origin: String,
    pub permanent_residence: String,
    pub current_residence: Option<String>,
    pub nationality: String,
    pub ethnicity: String,
    pub religion: String,
    pub father_id: Option<i64>,
    pub mother_id: Option<i64>,
    pub spouse_id: Option<i64>,
    pub id_card_number: Option<String>,
    pub id_card_issued: Option<NaiveDate>,
    pub id_card_expires: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
    pub previous_id: Option<i64>,
    pub superseded_by: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

fn corrupt(key: impl ToString, detail: impl ToString) -> RegistryError {
    RegistryError::Corrupt {
        key: key.to_string(),
        detail: detail.to_string(),
    }
}

fn stored_id(key: i64, value: i64) -> Result<PersonalId, RegistryError> {
    u64::try_from(value)
        .ok()
        .and_then(|v| PersonalId::from_u64(v).ok())
        .ok_or_else(|| corrupt(key, format!("{value} is not a personal ID")))
}

pub(crate) fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl DbPerson {
    /// The typed person (no bookkeeping).
    pub fn into_person(self) -> Result<Person, RegistryError> {
        Ok(self.into_record()?.person)
    }

    /// The typed record; a row that no longer parses is reported, never papered over.
    pub fn into_record(self) -> Result<PersonRecord, RegistryError> {
        let key = self.personal_id;
        let opt = |v: Option<i64>| v.map(|v| stored_id(key, v)).transpose();
        let name = PersonName::parse(&self.family_name, &self.middle_name, &self.given_name)
            .map_err(|e| corrupt(key, e))?;
        let id_card = match (self.id_card_number, self.id_card_issued) {
            (Some(number), Some(issued)) => Some(IdCard {
                number,
                issued,
                expires: self.id_card_expires,
            }),
            _ => None,
        };
        Ok(PersonRecord {
            person: Person {
                personal_id: stored_id(key, key)?,
                name,
                birth_date: self.birth_date,
                sex: if self.sex == 0 {
                    Sex::Male
                } else {
                    Sex::Female
                },
                place_of_origin: self.place_of_origin,
                current_residence: self
                    .current_residence
                    .unwrap_or_else(|| self.permanent_residence.clone()),
                permanent_residence: self.permanent_residence,
                nationality: self.nationality,
                ethnicity: self.ethnicity,
                religion: self.religion,
                father: opt(self.father_id)?,
                mother: opt(self.mother_id)?,
                spouse: opt(self.spouse_id)?,
                id_card,
                status: match self.death_date {
                    None => LifeStatus::Living,
                    Some(date) => LifeStatus::Deceased { date },
                },
            },
            version: u32::try_from(self.version).map_err(|e| corrupt(key, e))?,
            previous_id: opt(self.previous_id)?,
            superseded_by: opt(self.superseded_by)?,
            created_at: millis(self.created_at),
            created_by: self.created_by,
            updated_at: millis(self.updated_at),
        })
    }
}

/// A version row as read back from either backend.
#[derive(sqlx::FromRow)]
pub(crate) struct DbVersion {
    pub version: i64,
    pub changed_at: i64,
    pub actor: String,
    pub reason: String,
    pub changes: String,
}

impl DbVersion {
    pub fn into_entry(self, key: &str) -> Result<VersionEntry, RegistryError> {
        Ok(VersionEntry {
            version: u32::try_from(self.version).map_err(|e| corrupt(key, e))?,
            changed_at: millis(self.changed_at),
            actor: self.actor,
            reason: self.reason,
            changes: serde_json::from_str(&self.changes).map_err(|e| corrupt(key, e))?,
        })
    }
}

/// An organization row as read back from either backend.
#[derive(sqlx::FromRow)]
pub(crate) struct DbOrganization {
    pub code: String,
    pub name_vi: String,
    pub abbreviation: Option<String>,
    pub name_foreign: Option<String>,
    pub founded: NaiveDate,
    pub head_office: String,
    pub legal_representative: i64,
    pub version: i64,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

impl DbOrganization {
    pub fn into_record(self) -> Result<OrganizationRecord, RegistryError> {
        let key = self.code.clone();
        Ok(OrganizationRecord {
            organization: Organization {
                code: TaxCode::parse(&self.code).map_err(|e| corrupt(&key, e))?,
                name_vi: self.name_vi,
                abbreviation: self.abbreviation,
                name_foreign: self.name_foreign,
                founded: self.founded,
                head_office: self.head_office,
                legal_representative: u64::try_from(self.legal_representative)
                    .ok()
                    .and_then(|v| PersonalId::from_u64(v).ok())
                    .ok_or_else(|| corrupt(&key, "legal representative is not a personal ID"))?,
            },
            version: u32::try_from(self.version).map_err(|e| corrupt(&key, e))?,
            created_at: millis(self.created_at),
            created_by: self.created_by,
            updated_at: millis(self.updated_at),
        })
    }
}

/// Serialises a diff for the versions table.
pub(crate) fn changes_json(changes: &[Change]) -> String {
    serde_json::to_string(changes).expect("a list of strings always serialises")
}
