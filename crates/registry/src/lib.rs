//! The population registry: persons keyed by the 12-digit personal ID, organizations keyed by
//! their enterprise code, every change versioned, searchable by folded Vietnamese name, and
//! loadable at national scale.
//!
//! [`Registry`] holds the rules; [`store::RegistryStore`] moves typed values in and out of SQLite
//! or PostgreSQL. Other capabilities read persons through [`Registry`], never through tables.
#![forbid(unsafe_code)]

mod error;
pub mod export;
pub mod generate;
pub mod import;
pub mod organization;
pub mod person;
mod record;
pub mod row;
pub mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use dinhdanh_domain::{NaiveDate, PersonalId, Province, Sex, TaxCode, fold};
use dinhdanh_store::Db;

pub use error::RegistryError;
pub use organization::{Organization, OrganizationRow};
pub use person::{IdCard, LifeStatus, Person, PersonRecord};
pub use row::{Change, FieldError, PersonRow};
pub use store::{
    BatchOutcome, Counts, ImportKind, OrganizationRecord, RegistryStore, SearchQuery, VersionEntry,
};

/// Largest page a search returns.
pub const MAX_SEARCH_LIMIT: u32 = 100;

/// The registry's public API, shared by the HTTP layer, the CLI and other capabilities.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn RegistryStore>,
    /// Where changes to a person's record are recorded (set once by the server or the CLI;
    /// shared by every clone).
    ledger: Arc<std::sync::OnceLock<dinhdanh_ledger::Ledger>>,
}

/// One entry of a record's history, creation included.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// The version this entry produced (1 = creation).
    pub version: u32,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// What changed (empty at creation: the record was created whole).
    pub changes: Vec<Change>,
}

/// A change to a person: new values for named fields, with who and why.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// Field name → new value (empty string clears an optional field).
    pub set: BTreeMap<String, String>,
    /// The version the caller read; `None` means "the current one".
    pub expected_version: Option<u32>,
    /// Who asks (operator or officer identity).
    pub actor: String,
    /// Why, as it will appear in the history.
    pub reason: String,
}

impl Registry {
    /// The registry over whichever backend `db` is.
    pub fn new(db: &Db) -> Registry {
        Registry {
            store: store::for_db(db),
            ledger: Arc::default(),
        }
    }

    /// The storage behind this registry (for imports and exports).
    pub fn store(&self) -> Arc<dyn RegistryStore> {
        self.store.clone()
    }

    /// One person by number.
    pub async fn person(&self, id: PersonalId) -> Result<PersonRecord, RegistryError> {
        self.store
            .person(id)
            .await?
            .ok_or(RegistryError::PersonNotFound(id))
    }

    /// Folded-name prefix search: `nguyen van an` finds `Nguyễn Văn An`, NFC or NFD alike.
    pub async fn search(
        &self,
        name: &str,
        birth_year: Option<i32>,
        province: Option<Province>,
        after: Option<(String, PersonalId)>,
        limit: u32,
    ) -> Result<Vec<PersonRecord>, RegistryError> {
        let folded = fold(name);
        if folded.chars().filter(|c| c.is_alphabetic()).count() < 2 {
            return Err(RegistryError::SearchTooShort);
        }
        self.store
            .search(&SearchQuery {
                folded_prefix: folded,
                birth_year,
                province,
                after,
                limit: limit.clamp(1, MAX_SEARCH_LIMIT),
            })
            .await
    }

    /// Every version of a person, creation first.
    pub async fn history(&self, id: PersonalId) -> Result<Vec<HistoryEntry>, RegistryError> {
        let record = self.person(id).await?;
        let mut out = vec![HistoryEntry {
            version: 1,
            at: record.created_at,
            actor: record.created_by.clone(),
            reason: match record.previous_id {
                Some(old) => format!("re-established from {old}"),
                None => "created".to_owned(),
            },
            changes: Vec::new(),
        }];
        out.extend(
            self.store
                .person_versions(id)
                .await?
                .into_iter()
                .map(|v| HistoryEntry {
                    version: v.version,
                    at: v.changed_at,
                    actor: v.actor,
                    reason: v.reason,
                    changes: v.changes,
                }),
        );
        Ok(out)
    }

    /// Applies a correction that keeps the number; refuses one the number would contradict.
    /// With a ledger set, returns once the change is also recorded there.
    pub async fn correct(
        &self,
        id: PersonalId,
        correction: &Correction,
        today: NaiveDate,
    ) -> Result<PersonRecord, RegistryError> {
        let (record, person, changes) = self.prepare(id, correction, today).await?;
        let mismatched: Vec<&str> = if person
            .personal_id
            .mismatches(person.birth_date, person.sex)
            .is_empty()
        {
            Vec::new()
        } else {
            changes
                .iter()
                .map(|c| c.field.as_str())
                .filter(|f| *f == "birth_date" || *f == "sex")
                .collect()
        };
        if !mismatched.is_empty() {
            return Err(RegistryError::NeedsReestablishment {
                id,
                fields: mismatched.join(" and "),
            });
        }
        let update = store::PersonUpdate {
            person,
            expected_version: record.version,
            changes,
            actor: correction.actor.clone(),
            reason: correction.reason.clone(),
            now_ms: chrono::Utc::now().timestamp_millis(),
        };
        self.store.update_person(&update).await?;
        self.record_change(id, correction, &update.changes, "correction", None)
            .await?;
        self.person(id).await
    }

    /// Corrects birth year or sex by issuing a new number that agrees with them, linking the old
    /// number to the new one (Circular 59/2021/TT-BCA); returns the new record. With a ledger
    /// set, the change is recorded under both numbers before this returns.
    pub async fn reestablish(
        &self,
        id: PersonalId,
        correction: &Correction,
        today: NaiveDate,
    ) -> Result<PersonRecord, RegistryError> {
        let (record, mut person, _) = self.prepare(id, correction, today).await?;
        if id.mismatches(person.birth_date, person.sex).is_empty() {
            return Err(RegistryError::ReestablishmentNotNeeded(id));
        }
        let new_id = self
            .free_number(id.province(), person.sex, person.birth_date)
            .await?;
        person.personal_id = new_id;
        if let Some(card) = &person.id_card
            && card.number == id.to_string()
        {
            // The chip card carried the old number; it no longer identifies the holder.
            person.id_card = None;
        }
        let changes = PersonRow::from(&record.person).diff(&PersonRow::from(&person));
        let re = store::Reestablishment {
            old: id,
            expected_version: record.version,
            person,
            changes,
            actor: correction.actor.clone(),
            reason: correction.reason.clone(),
            now_ms: chrono::Utc::now().timestamp_millis(),
        };
        self.store.reestablish(&re).await?;
        // The person is known by either number (an account may still hold the old one).
        for number in [id, new_id] {
            self.record_change(
                number,
                correction,
                &re.changes,
                "reestablished",
                Some(record::REESTABLISHMENT_BASIS),
            )
            .await?;
        }
        self.person(new_id).await
    }

    /// Loads the record, applies the field changes and validates the result.
    async fn prepare(
        &self,
        id: PersonalId,
        correction: &Correction,
        today: NaiveDate,
    ) -> Result<(PersonRecord, Person, Vec<Change>), RegistryError> {
        if correction.reason.trim().is_empty() {
            return Err(RegistryError::ReasonRequired);
        }
        let record = self.person(id).await?;
        if let Some(by) = record.superseded_by {
            return Err(RegistryError::Superseded { id, by });
        }
        if let Some(v) = correction.expected_version
            && v != record.version
        {
            return Err(RegistryError::VersionConflict {
                id,
                current: record.version,
            });
        }
        let before = PersonRow::from(&record.person);
        let mut after = before.clone();
        for (field, value) in &correction.set {
            if field == "personal_id" {
                return Err(RegistryError::UnknownField(
                    "personal_id (numbers change only by re-establishment)".to_owned(),
                ));
            }
            after
                .set(field, value)
                .ok_or_else(|| RegistryError::UnknownField(field.clone()))?;
        }
        let changes = before.diff(&after);
        if changes.is_empty() {
            return Err(RegistryError::NothingToChange);
        }
        // Validate the new data against the *new* structure: for a re-establishment the
        // mismatch with the old number is expected, so check every other field here.
        let mut probe = after.clone();
        if let (Ok(date), Ok(sex)) = (row_date(&after.birth_date), Sex::parse(&after.sex))
            && let Ok(fitting) =
                PersonalId::from_parts(id.province(), sex, date_year(date), id.serial())
        {
            probe.personal_id = fitting.to_string();
        }
        let mut person = probe.parse(today).map_err(RegistryError::Invalid)?;
        person.personal_id = id;
        Ok((record, person, changes))
    }

    /// A random unused serial for the given province, sex and year of birth.
    async fn free_number(
        &self,
        province: Province,
        sex: Sex,
        birth_date: NaiveDate,
    ) -> Result<PersonalId, RegistryError> {
        use rand::Rng;
        for _ in 0..64 {
            let serial = rand::rng().random_range(0..=999_999);
            let candidate = PersonalId::from_parts(province, sex, date_year(birth_date), serial)
                .map_err(|e| {
                    RegistryError::Invalid(vec![FieldError {
                        field: "birth_date",
                        message: e.to_string(),
                    }])
                })?;
            if self.store.person(candidate).await?.is_none() {
                return Ok(candidate);
            }
        }
        Err(RegistryError::NumbersExhausted {
            province: province.code_str(),
            year: date_year(birth_date),
        })
    }

    /// One organization by code.
    pub async fn organization(&self, code: &TaxCode) -> Result<OrganizationRecord, RegistryError> {
        self.store
            .organization(code)
            .await?
            .ok_or_else(|| RegistryError::OrganizationNotFound(code.to_string()))
    }

    /// Organizations this person legally represents.
    pub async fn organizations_represented_by(
        &self,
        id: PersonalId,
    ) -> Result<Vec<OrganizationRecord>, RegistryError> {
        self.store.organizations_represented_by(id).await
    }

    /// Numbers of persons and organizations.
    pub async fn counts(&self) -> Result<Counts, RegistryError> {
        self.store.counts().await
    }
}

fn row_date(value: &str) -> Result<NaiveDate, String> {
    row::date(value)
}

fn date_year(date: NaiveDate) -> i32 {
    use chrono::Datelike;
    date.year()
}
