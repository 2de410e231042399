//! The land database's errors: [`ValueError`] for one bad value from outside, [`FieldError`] to
//! name the column it came from, and [`LandError`] for everything an operation can fail with.
//!
//! Every message says what is wrong and what a correct value looks like, so that a data clerk
//! reading an import report can fix the row without opening the source code.

use dinhdanh_domain::{PersonalIdError, ProvinceError, TaxCodeError};

use crate::certificate::CertificateSerial;
use crate::parcel::ParcelKey;

/// Why one value read from outside (a CSV field, an API parameter) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is empty but required.
    #[error("is required")]
    Required,
    /// Free text longer than allowed.
    #[error("is {chars} characters long; at most {max} are allowed")]
    TooLong {
        /// Characters given.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A control character (tab, line feed …) inside text.
    #[error("contains the control character U+{:04X}", *.0 as u32)]
    ControlCharacter(char),
    /// A character the CSV layout reserves as a separator.
    #[error("contains '{0}', which separates items in this column; remove it from the name")]
    Separator(char),
    /// The province code is not one of the 63 of Circular 07/2016/TT-BCA.
    #[error("{0}")]
    Province(#[from] ProvinceError),
    /// A personal identification number is malformed.
    #[error("{0}")]
    PersonalId(#[from] PersonalIdError),
    /// An enterprise or tax code is malformed.
    #[error("{0}")]
    TaxCode(#[from] TaxCodeError),
    /// A district name without its kind in front.
    #[error(
        "{found:?} does not start with the kind of district: write \"quận …\", \"huyện …\", \"thị xã …\" or \"thành phố …\" in full"
    )]
    DistrictKind {
        /// The text given.
        found: String,
    },
    /// A commune-level name without its kind in front.
    #[error(
        "{found:?} does not start with the kind of unit: write \"xã …\", \"phường …\", \"thị trấn …\" or \"đặc khu …\" in full"
    )]
    CommuneKind {
        /// The text given.
        found: String,
    },
    /// A kind with no name after it.
    #[error("names only the kind {kind:?}; add the unit's name, e.g. \"{kind} An Phú\"")]
    NameMissing {
        /// The kind that was given alone.
        kind: &'static str,
    },
    /// A township (thị trấn) recorded without its district.
    #[error(
        "a thị trấn is part of a district, which the two-level administration of 1 July 2025 abolished; give the district, or the commune's name after the reform"
    )]
    TownshipWithoutDistrict,
    /// A special zone (đặc khu) recorded with a district.
    #[error(
        "an đặc khu is a commune-level unit of the two-level administration (from 1 July 2025), which has no districts; leave the district empty"
    )]
    SpecialZoneWithDistrict,
    /// Not a whole number.
    #[error("{value:?} is not a whole number")]
    NotANumber {
        /// The text given.
        value: String,
    },
    /// A whole number outside its range.
    #[error("{value} is out of range; it must be between {min} and {max}")]
    OutOfRange {
        /// The number given.
        value: u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A parcel key that does not have the shape `province/[district/]commune/sheet/parcel`.
    #[error(
        "{value:?} is not a parcel key; write province/commune/sheet/parcel, with the district after the province for records made before 1 July 2025, e.g. \"001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345\""
    )]
    ParcelKeySyntax {
        /// The text given.
        value: String,
    },
    /// Not an area in square metres.
    #[error(
        "{value:?} is not an area in m²; write digits with a dot for decimals, such as 125 or 125.5"
    )]
    AreaSyntax {
        /// The text given.
        value: String,
    },
    /// A decimal comma, which the layout does not accept (it would clash with thousands separators).
    #[error(
        "{value:?} uses a comma; write the decimal point as a dot, such as 125.5, and no thousands separator"
    )]
    AreaComma {
        /// The text given.
        value: String,
    },
    /// More than two decimals.
    #[error("{value:?} has more than two decimals; areas are kept to 0.01 m²")]
    AreaTooPrecise {
        /// The text given.
        value: String,
    },
    /// Zero area.
    #[error("the area is zero; a parcel and each of its purposes must have an area")]
    AreaZero,
    /// An implausibly large area.
    #[error("{value:?} m² is larger than the {max_m2} m² the database accepts for one parcel")]
    AreaTooLarge {
        /// The text given.
        value: String,
        /// The limit in m².
        max_m2: u64,
    },
    /// A land-use purpose code the database does not know.
    #[error(
        "{code:?} is not a land-use purpose code of Circular 08/2024/TT-BTNMT (such as ONT, ODT, LUC, HNK, CLN, NTS, TMD, SKC)"
    )]
    UnknownPurpose {
        /// The code given.
        code: String,
    },
    /// A purpose item that is not `CODE:AREA:TERM`.
    #[error(
        "{item:?} is not a purpose; write CODE:AREA:TERM, where TERM is \"long\" or an end date, e.g. \"ONT:100:long; CLN:150.5:2063-10-15\""
    )]
    PurposeSyntax {
        /// The item given.
        item: String,
    },
    /// The same purpose twice in one parcel.
    #[error("{code} is listed twice; give each purpose once with its whole area")]
    DuplicatePurpose {
        /// The repeated code.
        code: &'static str,
    },
    /// The purposes' areas do not add up to the parcel's area.
    #[error("the purposes' areas add up to {sum} m², but the parcel's area is {area} m²")]
    PurposeAreaMismatch {
        /// Sum of the purposes, in m².
        sum: String,
        /// The parcel's area, in m².
        area: String,
    },
    /// Residential land with a term that ends.
    #[error(
        "{code} is residential land, which is used long-term (Land Law 2024 Art. 171(1)); write \"long\" as its term"
    )]
    ResidentialTerm {
        /// The residential code.
        code: &'static str,
    },
    /// Not a date.
    #[error("{value:?} is not a date in the form YYYY-MM-DD")]
    Date {
        /// The text given.
        value: String,
    },
    /// A date after the day the data is checked against.
    #[error("{date} is in the future")]
    DateInFuture {
        /// The date given.
        date: chrono::NaiveDate,
    },
    /// A date before the earliest the database accepts.
    #[error("{date} is before {earliest}, the earliest date the database accepts here")]
    DateTooEarly {
        /// The date given.
        date: chrono::NaiveDate,
        /// The limit.
        earliest: chrono::NaiveDate,
    },
    /// An origin code the database does not know.
    #[error(
        "{value:?} is not an origin of use; use one of DG-CTT, DG-KTT, DT-THN, DT-TML, CNQ-CTT, CNQ-KTT"
    )]
    UnknownOrigin {
        /// The text given.
        value: String,
    },
    /// An acquisition kind the database does not know.
    #[error(
        "{value:?} is not a way of acquiring the right; use transfer, exchange, inheritance, gift, capital_contribution, auction or judgment, or leave it empty"
    )]
    UnknownAcquisition {
        /// The text given.
        value: String,
    },
    /// Not a certificate serial number.
    #[error(
        "{value:?} is not a certificate serial (số phát hành): two letters and 8 digits on the form of Circular 10/2024/TT-BTNMT, such as \"AA 01234567\", or two letters and 6 digits on earlier forms, such as \"CM 264931\""
    )]
    Serial {
        /// The text given.
        value: String,
    },
    /// Not a registry-book number.
    #[error(
        "{value:?} is not a registry-book number (số vào sổ cấp GCN): letters, digits, spaces, '/', '-' and '.', with at least one digit, such as \"CH 00120\" or \"CS23305/DA\""
    )]
    RegistryBookNumber {
        /// The text given.
        value: String,
    },
    /// A holder item that is not `person:ID` or `organization:CODE`, optionally with `@share`.
    #[error(
        "{item:?} is not a holder; write person:<12-digit personal ID> or organization:<tax code>, optionally followed by @share such as @1/2"
    )]
    HolderSyntax {
        /// The item given.
        item: String,
    },
    /// The same holder twice on one certificate.
    #[error("{holder} is listed twice")]
    DuplicateHolder {
        /// The repeated holder.
        holder: String,
    },
    /// Not a share.
    #[error("{value:?} is not a share; write a fraction such as 1/2 or 1/3, or 1 for the whole")]
    ShareSyntax {
        /// The text given.
        value: String,
    },
    /// A share of zero or more than the whole.
    #[error("{value} is not a share between 0 (excluded) and 1")]
    ShareRange {
        /// The fraction given.
        value: String,
    },
    /// Some holders have shares and others do not.
    #[error("give a share to every holder or to none (none means they hold the right in common)")]
    SharesPartial,
    /// The shares add up to more than the whole.
    #[error("the shares add up to {total}, more than the whole parcel")]
    SharesExceedWhole {
        /// Their sum, as a fraction.
        total: String,
    },
    /// Shares whose exact sum cannot be computed: denominators with no common factor.
    #[error(
        "the shares' denominators have no common factors and their sum is too fine to keep exactly; use a common denominator such as 1/4, 3/4"
    )]
    SharesTooFine,
    /// No parcels or holders at all.
    #[error("lists none; at least one is required")]
    Empty,
    /// Too many items in a list.
    #[error("lists {count}; at most {max} are allowed")]
    TooMany {
        /// Items given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The same parcel twice on one certificate.
    #[error("{key} is listed twice")]
    DuplicateParcel {
        /// The repeated parcel.
        key: String,
    },
    /// Parcels of one certificate in different communes.
    #[error(
        "{key} is not in the commune of the first parcel; one certificate covers parcels of one commune only (Land Law 2024 Art. 135(1))"
    )]
    ParcelsInSeveralCommunes {
        /// The first parcel outside the first parcel's commune.
        key: String,
    },
    /// A certificate referring to a parcel the database does not hold.
    #[error("{key} is not in the land database; import the parcels file before the certificates")]
    UnknownParcel {
        /// The missing parcel.
        key: String,
    },
    /// A status the database does not know.
    #[error("{value:?} is not a status; use valid, superseded or revoked")]
    UnknownStatus {
        /// The text given.
        value: String,
    },
    /// A replacing certificate named on a certificate that is not superseded.
    #[error("names a replacing certificate, but the status is not superseded")]
    SupersededByWithoutStatus,
    /// A certificate replaced by itself.
    #[error("a certificate cannot replace itself")]
    SupersededBySelf,
}

impl ValueError {
    /// A stable machine-readable code for API error bodies and reports.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::Required => "land.required",
            ValueError::TooLong { .. } => "land.too_long",
            ValueError::ControlCharacter(_) => "land.control_character",
            ValueError::Separator(_) => "land.separator",
            ValueError::Province(e) => e.code(),
            ValueError::PersonalId(e) => e.code(),
            ValueError::TaxCode(e) => e.code(),
            ValueError::DistrictKind { .. } => "land.district_kind",
            ValueError::CommuneKind { .. } => "land.commune_kind",
            ValueError::NameMissing { .. } => "land.name_missing",
            ValueError::TownshipWithoutDistrict => "land.township_without_district",
            ValueError::SpecialZoneWithDistrict => "land.special_zone_with_district",
            ValueError::NotANumber { .. } => "land.not_a_number",
            ValueError::OutOfRange { .. } => "land.out_of_range",
            ValueError::ParcelKeySyntax { .. } => "land.parcel_key_syntax",
            ValueError::AreaSyntax { .. } => "land.area_syntax",
            ValueError::AreaComma { .. } => "land.area_comma",
            ValueError::AreaTooPrecise { .. } => "land.area_too_precise",
            ValueError::AreaZero => "land.area_zero",
            ValueError::AreaTooLarge { .. } => "land.area_too_large",
            ValueError::UnknownPurpose { .. } => "land.unknown_purpose",
            ValueError::PurposeSyntax { .. } => "land.purpose_syntax",
            ValueError::DuplicatePurpose { .. } => "land.duplicate_purpose",
            ValueError::PurposeAreaMismatch { .. } => "land.purpose_area_mismatch",
            ValueError::ResidentialTerm { .. } => "land.residential_term",
            ValueError::Date { .. } => "land.date",
            ValueError::DateInFuture { .. } => "land.date_in_future",
            ValueError::DateTooEarly { .. } => "land.date_too_early",
            ValueError::UnknownOrigin { .. } => "land.unknown_origin",
            ValueError::UnknownAcquisition { .. } => "land.unknown_acquisition",
            ValueError::Serial { .. } => "land.serial",
            ValueError::RegistryBookNumber { .. } => "land.registry_book_number",
            ValueError::HolderSyntax { .. } => "land.holder_syntax",
            ValueError::DuplicateHolder { .. } => "land.duplicate_holder",
            ValueError::ShareSyntax { .. } => "land.share_syntax",
            ValueError::ShareRange { .. } => "land.share_range",
            ValueError::SharesPartial => "land.shares_partial",
            ValueError::SharesExceedWhole { .. } => "land.shares_exceed_whole",
            ValueError::SharesTooFine => "land.shares_too_fine",
            ValueError::Empty => "land.empty",
            ValueError::TooMany { .. } => "land.too_many",
            ValueError::DuplicateParcel { .. } => "land.duplicate_parcel",
            ValueError::ParcelsInSeveralCommunes { .. } => "land.parcels_in_several_communes",
            ValueError::UnknownParcel { .. } => "land.unknown_parcel",
            ValueError::UnknownStatus { .. } => "land.unknown_status",
            ValueError::SupersededByWithoutStatus => "land.superseded_by_without_status",
            ValueError::SupersededBySelf => "land.superseded_by_self",
        }
    }
}

/// One problem with one column of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The column name.
    pub field: &'static str,
    /// What is wrong with it.
    pub error: ValueError,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.error)
    }
}

/// What can go wrong in the land database.
#[derive(Debug, thiserror::Error)]
pub enum LandError {
    /// No parcel has this key.
    #[error("no parcel {0}")]
    ParcelNotFound(ParcelKey),
    /// No certificate has this serial.
    #[error("no certificate with serial {0}")]
    CertificateNotFound(CertificateSerial),
    /// The submitted data is invalid; every problem is listed.
    #[error("invalid data: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A stored row no longer parses: the database was edited outside the land crate.
    #[error("stored record {key} is corrupt: {detail}")]
    Corrupt {
        /// The row's key.
        key: String,
        /// What failed.
        detail: String,
    },
    /// The import file could not be used at all (row-level problems go to the reject report).
    #[error("{0}")]
    ImportFile(String),
    /// Reading or writing a file failed.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl LandError {
    /// A stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            LandError::ParcelNotFound(_) => "land.parcel_not_found",
            LandError::CertificateNotFound(_) => "land.certificate_not_found",
            LandError::Invalid(_) => "land.invalid",
            LandError::Corrupt { .. } => "land.corrupt",
            LandError::ImportFile(_) => "land.import_file",
            LandError::Io { .. } => "land.io",
            LandError::Database(_) => "land.database",
        }
    }
}

/// A stored value that no longer parses, reported against its row's key.
pub(crate) fn corrupt(key: impl ToString, detail: impl ToString) -> LandError {
    LandError::Corrupt {
        key: key.to_string(),
        detail: detail.to_string(),
    }
}
