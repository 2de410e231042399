//! The registry's errors: one enum, each variant carrying what a caller needs to act.

use dinhdanh_domain::PersonalId;

use crate::row::FieldError;

/// What can go wrong in the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No person has this number.
    #[error("no person with personal ID {0}")]
    PersonNotFound(PersonalId),
    /// No organization has this code.
    #[error("no organization with code {0}")]
    OrganizationNotFound(String),
    /// The submitted data is invalid; every problem is listed.
    #[error("invalid data: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A correction would change what the number encodes; it must be a re-establishment.
    #[error(
        "changing {fields} would contradict personal ID {id}; correct it by re-establishing the number (Circular 59/2021/TT-BCA)"
    )]
    NeedsReestablishment {
        /// The current number.
        id: PersonalId,
        /// The fields whose new values the number contradicts.
        fields: String,
    },
    /// A re-establishment was asked for, but the number still fits the data.
    #[error("personal ID {0} still agrees with the corrected data; use a plain correction")]
    ReestablishmentNotNeeded(PersonalId),
    /// The record was superseded by a re-established number and can no longer change.
    #[error("personal ID {id} was replaced by {by}; change the record under the new number")]
    Superseded {
        /// The old number.
        id: PersonalId,
        /// The number that replaced it.
        by: PersonalId,
    },
    /// Someone else changed the record first.
    #[error("personal ID {id} changed meanwhile (now version {current}); reload and try again")]
    VersionConflict {
        /// The record.
        id: PersonalId,
        /// Its version now.
        current: u32,
    },
    /// A change names a field the registry does not have.
    #[error("{0:?} is not a registry field")]
    UnknownField(String),
    /// A change lists no field at all, or no field whose value differs.
    #[error("the change modifies nothing")]
    NothingToChange,
    /// A change must say why it was made.
    #[error("a reason is required for every change")]
    ReasonRequired,
    /// No unused serial could be found for a new number.
    #[error("no unused personal ID is left for province {province}, born {year}")]
    NumbersExhausted {
        /// Province code.
        province: String,
        /// Year of birth.
        year: i32,
    },
    /// The search text folds to nothing searchable.
    #[error("the search needs at least 2 letters of a name")]
    SearchTooShort,
    /// A stored row no longer parses: the database was edited outside the registry.
    #[error("stored record {key} is corrupt: {detail}")]
    Corrupt {
        /// The row's key.
        key: String,
        /// What failed.
        detail: String,
    },
    /// The import file could not be used at all (see the import module for row-level rejects).
    #[error("{0}")]
    ImportFile(String),
    /// Reading the import file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A change was made but could not be recorded in the access ledger.
    #[error(
        "the change to personal ID {id} was made but could not be recorded in the access ledger: {message}"
    )]
    Unrecorded {
        /// The record that changed.
        id: PersonalId,
        /// Why the ledger refused.
        message: String,
    },
}

impl RegistryError {
    /// A stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::PersonNotFound(_) => "registry.person_not_found",
            RegistryError::OrganizationNotFound(_) => "registry.organization_not_found",
            RegistryError::Invalid(_) => "registry.invalid",
            RegistryError::NeedsReestablishment { .. } => "registry.needs_reestablishment",
            RegistryError::ReestablishmentNotNeeded(_) => "registry.reestablishment_not_needed",
            RegistryError::Superseded { .. } => "registry.superseded",
            RegistryError::VersionConflict { .. } => "registry.version_conflict",
            RegistryError::UnknownField(_) => "registry.unknown_field",
            RegistryError::NothingToChange => "registry.nothing_to_change",
            RegistryError::ReasonRequired => "registry.reason_required",
            RegistryError::NumbersExhausted { .. } => "registry.numbers_exhausted",
            RegistryError::SearchTooShort => "registry.search_too_short",
            RegistryError::Corrupt { .. } => "registry.corrupt",
            RegistryError::ImportFile(_) => "registry.import_file",
            RegistryError::Io { .. } => "registry.io",
            RegistryError::Database(_) => "registry.database",
            RegistryError::Unrecorded { .. } => "registry.unrecorded",
        }
    }
}
