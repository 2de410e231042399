//! The land database's storage trait, and the column mapping both backends share.
//!
//! The rules (what a valid parcel or certificate is, import bookkeeping) live above this trait;
//! each backend moves typed values in and out of its tables, in the transactions the trait
//! names, so that a batch, its rejects and its progress marker always commit together. The
//! backends differ where the engines do: PostgreSQL binds whole lists as arrays, SQLite takes a
//! write lock up front and binds lists in chunks.

/// Binds a [`ParcelColumns`] in [`UPDATE_PARCEL`] order: the key, then the 10 data columns.
macro_rules! bind_parcel {
    ($q:expr, $c:expr) => {{
        let c = $c;
        $q.bind(c.parcel_key)
            .bind(c.province)
            .bind(c.district)
            .bind(c.commune)
            .bind(c.map_sheet)
            .bind(c.parcel_number)
            .bind(c.street_address)
            .bind(c.area_centi_m2)
            .bind(c.purposes)
            .bind(c.origin)
            .bind(c.acquired_by)
    }};
}

mod postgres;
mod sqlite;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::NaiveDate;
use dinhdanh_store::Db;

use crate::certificate::{
    Certificate, CertificateSerial, CertificateStatus, CoveredParcels, Holder, HolderShare,
    Holders, RegistryBookNumber, Share,
};
use crate::error::{LandError, corrupt};
use crate::origin::{Acquisition, StateGrant, UseOrigin};
use crate::parcel::{Parcel, ParcelKey, Purposes};

pub use postgres::PgLand;
pub use sqlite::SqliteLand;

/// Builds the store for whichever backend `db` is.
pub fn for_db(db: &Db) -> std::sync::Arc<dyn LandStore> {
    match db {
        Db::Sqlite(pool) => std::sync::Arc::new(SqliteLand::new(pool.clone())),
        Db::Postgres(pool) => std::sync::Arc::new(PgLand::new(pool.clone())),
    }
}

/// Storage operations of the land database; one implementation per backend.
#[async_trait]
pub trait LandStore: Send + Sync {
    /// One parcel by key.
    async fn parcel(&self, key: &ParcelKey) -> Result<Option<Parcel>, LandError>;
    /// One certificate by serial.
    async fn certificate(
        &self,
        serial: &CertificateSerial,
    ) -> Result<Option<Certificate>, LandError>;
    /// Every certificate that covers the parcel, in any status, oldest first.
    async fn certificates_of_parcel(&self, key: &ParcelKey) -> Result<Vec<Certificate>, LandError>;
    /// The parcels the holder holds through a valid certificate, each with those certificates,
    /// in parcel-key order. Finding them is one query on the holders index.
    async fn holdings(&self, holder: &Holder) -> Result<Vec<Holding>, LandError>;
    /// Writes one batch of parcels and advances the run, in one transaction.
    async fn import_parcels(&self, batch: &ImportBatch<Parcel>) -> Result<BatchResult, LandError>;
    /// Writes one batch of certificates and advances the run, in one transaction. A certificate
    /// naming a parcel the database does not hold is not written; it comes back as a reject,
    /// which is also stored with the run.
    async fn import_certificates(
        &self,
        batch: &ImportBatch<Certificate>,
    ) -> Result<BatchResult, LandError>;
    /// The unfinished run for this file, or a new one.
    async fn open_run(&self, start: &RunStart) -> Result<ImportRun, LandError>;
    /// The rejects stored by the run's committed batches (rows valid alone, refused in context).
    async fn run_rejects(&self, run_id: i64) -> Result<Vec<Reject>, LandError>;
    /// Marks a run finished.
    async fn finish_run(&self, run_id: i64, now_ms: i64) -> Result<(), LandError>;
    /// Sizes of the database.
    async fn counts(&self) -> Result<Counts, LandError>;
}

/// A parcel with the certificates through which one holder holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Holding {
    /// The parcel.
    pub parcel: Parcel,
    /// The holder's valid certificates covering it (usually one), oldest first.
    pub certificates: Vec<Certificate>,
}

/// Which kind of record an import run loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ImportKind {
    /// Parcels (`parcels.csv`).
    Parcels,
    /// Certificates (`certificates.csv`).
    Certificates,
}

impl ImportKind {
    /// The name stored with the run.
    pub fn as_str(&self) -> &'static str {
        match self {
            ImportKind::Parcels => "parcels",
            ImportKind::Certificates => "certificates",
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
    /// Totals committed so far.
    pub outcome: BatchOutcome,
    /// True when this run was already under way (it is being resumed).
    pub resumed: bool,
}

/// Valid rows with their line numbers, and the file position just after the last of them.
#[derive(Debug, Clone)]
pub struct ImportBatch<T> {
    /// The run.
    pub run_id: i64,
    /// (line, record) pairs.
    pub rows: Vec<(u64, T)>,
    /// Byte offset after the batch's last line.
    pub end_offset: u64,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
}

/// What a batch (or a whole run) did to the database.
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

/// A batch's outcome and the rows the database refused in context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchResult {
    /// What was written.
    pub outcome: BatchOutcome,
    /// Rows not written.
    pub rejects: Vec<Reject>,
}

/// One rejected row (a row with several problems has several).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    /// Line number in the file (1 is the header).
    pub line: u64,
    /// The column, or `-` for the row as a whole.
    pub field: String,
    /// Why, in words a data clerk can act on.
    pub reason: String,
}

/// Sizes of the land database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Parcels.
    pub parcels: u64,
    /// Certificates in any status.
    pub certificates: u64,
    /// Certificates in force.
    pub valid_certificates: u64,
    /// Distinct persons and organizations on any certificate.
    pub holders: u64,
}

/// Who wrote a row: the import run, as in the registry.
pub(crate) fn actor(run_id: i64) -> String {
    format!("import:{run_id}")
}

// Statements both backends run unchanged: `$N` placeholders are PostgreSQL's own, and the
// SQLite driver binds them by number.

/// Replaces a parcel's data; bind with [`bind_parcel!`], then `updated_at`.
pub(crate) const UPDATE_PARCEL: &str = "UPDATE land_parcels SET province = $2, district = $3, \
    commune = $4, map_sheet = $5, parcel_number = $6, street_address = $7, area_centi_m2 = $8, \
    purposes = $9, origin = $10, acquired_by = $11, version = version + 1, updated_at = $12 \
    WHERE parcel_key = $1";

/// A new certificate: serial, book number, issue date, authority, status, replacement, time, actor.
pub(crate) const INSERT_CERTIFICATE: &str = "INSERT INTO land_certificates (serial, \
    registry_book_number, issued_on, issued_by, status, superseded_by, version, created_at, \
    created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7)";

/// A changed certificate: as [`INSERT_CERTIFICATE`] without the actor.
pub(crate) const UPDATE_CERTIFICATE: &str = "UPDATE land_certificates SET \
    registry_book_number = $2, issued_on = $3, issued_by = $4, status = $5, superseded_by = $6, \
    version = version + 1, updated_at = $7 WHERE serial = $1";

/// Serials of the certificates covering a parcel.
pub(crate) const CERTIFICATES_OF_PARCEL: &str =
    "SELECT DISTINCT serial FROM land_certificate_parcels WHERE parcel_key = $1";

/// (parcel key, serial) for every parcel a holder holds through a valid certificate: a range of
/// `land_holders_by_holder`, then primary-key lookups.
pub(crate) const HOLDINGS: &str = "SELECT cp.parcel_key, h.serial FROM land_holders h \
    JOIN land_certificates c ON c.serial = h.serial \
    JOIN land_certificate_parcels cp ON cp.serial = h.serial \
    WHERE h.holder_kind = $1 AND h.holder_id = $2 AND c.status = 'valid'";

/// A row refused in context: run, line, column, reason.
pub(crate) const INSERT_REJECT: &str = "INSERT INTO land_import_rejects (run_id, line, field, \
    reason) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, line, field) DO NOTHING";

/// Moves a run's committed offset and adds a batch's outcome to its totals.
pub(crate) const ADVANCE_RUN: &str = "UPDATE land_import_runs SET committed_offset = $2, \
    inserted = inserted + $3, updated = updated + $4, unchanged = unchanged + $5 \
    WHERE run_id = $1";

/// The latest unfinished run of this file and kind.
pub(crate) const FIND_OPEN_RUN: &str = "SELECT run_id, committed_offset, inserted, updated, \
    unchanged FROM land_import_runs WHERE file_sha256 = $1 AND kind = $2 \
    AND finished_at IS NULL ORDER BY run_id DESC LIMIT 1";

/// A new run: kind, file name, file hash, start time.
pub(crate) const INSERT_RUN: &str = "INSERT INTO land_import_runs (kind, file_name, \
    file_sha256, started_at, committed_offset, inserted, updated, unchanged) \
    VALUES ($1, $2, $3, $4, 0, 0, 0, 0) RETURNING run_id";

/// The rejects a run's committed batches stored.
pub(crate) const RUN_REJECTS: &str =
    "SELECT line, field, reason FROM land_import_rejects WHERE run_id = $1 ORDER BY line, field";

/// Marks a run finished.
pub(crate) const FINISH_RUN: &str =
    "UPDATE land_import_runs SET finished_at = $2 WHERE run_id = $1";

/// Parcels, certificates, valid certificates, distinct holders.
pub(crate) const COUNTS: &str = "SELECT (SELECT count(*) FROM land_parcels), \
    (SELECT count(*) FROM land_certificates), \
    (SELECT count(*) FROM land_certificates WHERE status = 'valid'), \
    (SELECT count(*) FROM (SELECT DISTINCT holder_kind, holder_id FROM land_holders) AS h)";

/// A stored unfinished run: (run_id, committed_offset, inserted, updated, unchanged).
pub(crate) fn resumed_run(
    (run_id, offset, inserted, updated, unchanged): (i64, i64, i64, i64, i64),
) -> ImportRun {
    ImportRun {
        run_id,
        committed_offset: offset as u64,
        outcome: BatchOutcome {
            inserted: inserted as u64,
            updated: updated as u64,
            unchanged: unchanged as u64,
        },
        resumed: true,
    }
}

/// A run just created.
pub(crate) fn new_run(run_id: i64) -> ImportRun {
    ImportRun {
        run_id,
        committed_offset: 0,
        outcome: BatchOutcome::default(),
        resumed: false,
    }
}

/// A stored reject: (line, field, reason).
pub(crate) fn reject_from((line, field, reason): (i64, String, String)) -> Reject {
    Reject {
        line: line as u64,
        field,
        reason,
    }
}

/// Counts from the four numbers of [`COUNTS`].
pub(crate) fn counts_from(parcels: i64, certificates: i64, valid: i64, holders: i64) -> Counts {
    Counts {
        parcels: parcels as u64,
        certificates: certificates as u64,
        valid_certificates: valid as u64,
        holders: holders as u64,
    }
}

/// The certificates whose parcels are all stored; each other one becomes a reject naming the
/// first parcel missing.
pub(crate) fn accept_known_parcels<'a>(
    rows: &'a [(u64, Certificate)],
    present: &std::collections::HashSet<String>,
    rejects: &mut Vec<Reject>,
) -> Vec<&'a Certificate> {
    let mut accepted = Vec::with_capacity(rows.len());
    for (line, certificate) in rows {
        let missing = certificate
            .parcels
            .as_slice()
            .iter()
            .find(|k| !present.contains(&k.to_string()));
        match missing {
            None => accepted.push(certificate),
            Some(key) => rejects.push(Reject {
                line: *line,
                field: "parcels".to_owned(),
                reason: crate::error::ValueError::UnknownParcel {
                    key: key.to_string(),
                }
                .to_string(),
            }),
        }
    }
    accepted
}

/// A parcel flattened into the columns both backends store. The key's parts are stored beside
/// the key for queries by place; the key text is what reads decode.
pub(crate) struct ParcelColumns {
    pub parcel_key: String,
    pub province: i64,
    pub district: Option<String>,
    pub commune: String,
    pub map_sheet: i64,
    pub parcel_number: i64,
    pub street_address: Option<String>,
    pub area_centi_m2: i64,
    pub purposes: String,
    pub origin: String,
    pub acquired_by: Option<String>,
}

impl From<&Parcel> for ParcelColumns {
    fn from(p: &Parcel) -> Self {
        let locality = &p.key.locality;
        ParcelColumns {
            parcel_key: p.key.to_string(),
            province: i64::from(locality.province().code()),
            district: locality.district().map(ToString::to_string),
            commune: locality.commune().to_string(),
            map_sheet: i64::from(p.key.map_sheet.get()),
            parcel_number: i64::from(p.key.number.get()),
            street_address: p.street_address.clone(),
            // At most MAX_AREA_M2 × 100, far below i64::MAX.
            area_centi_m2: i64::try_from(p.area().centi_m2()).expect("area fits i64"),
            purposes: p.purposes.to_string(),
            origin: p.origin.grant.code().to_owned(),
            acquired_by: p.origin.acquired_by.map(|a| a.code().to_owned()),
        }
    }
}

/// The parcel columns reads select, in [`DbParcel`] order.
pub(crate) const SELECT_PARCEL: &str =
    "SELECT parcel_key, street_address, purposes, origin, acquired_by FROM land_parcels";

/// A parcel row as read back from either backend.
#[derive(sqlx::FromRow)]
pub(crate) struct DbParcel {
    pub parcel_key: String,
    pub street_address: Option<String>,
    pub purposes: String,
    pub origin: String,
    pub acquired_by: Option<String>,
}

impl DbParcel {
    /// The typed parcel; a row that no longer parses is reported, never papered over.
    pub fn into_parcel(self) -> Result<Parcel, LandError> {
        let key = &self.parcel_key;
        Ok(Parcel {
            key: ParcelKey::parse(key).map_err(|e| corrupt(key, e))?,
            street_address: self.street_address,
            purposes: Purposes::parse(&self.purposes).map_err(|e| corrupt(key, e))?,
            origin: UseOrigin {
                grant: StateGrant::parse(&self.origin).map_err(|e| corrupt(key, e))?,
                acquired_by: Acquisition::parse_optional(self.acquired_by.as_deref().unwrap_or(""))
                    .map_err(|e| corrupt(key, e))?,
            },
        })
    }
}

/// The certificate columns reads select, in [`DbCertificate`] order.
pub(crate) const SELECT_CERTIFICATE: &str = "SELECT serial, registry_book_number, issued_on, \
    issued_by, status, superseded_by FROM land_certificates";

/// A certificate row as read back from either backend.
#[derive(sqlx::FromRow)]
pub(crate) struct DbCertificate {
    pub serial: String,
    pub registry_book_number: String,
    pub issued_on: NaiveDate,
    pub issued_by: String,
    pub status: String,
    pub superseded_by: Option<String>,
}

/// One holder row of a certificate.
#[derive(sqlx::FromRow)]
pub(crate) struct DbHolder {
    pub serial: String,
    pub holder_kind: String,
    pub holder_id: String,
    pub share_numerator: Option<i64>,
    pub share_denominator: Option<i64>,
}

/// One parcel a certificate covers.
#[derive(sqlx::FromRow)]
pub(crate) struct DbCoveredParcel {
    pub serial: String,
    pub parcel_key: String,
}

/// Certificate rows with their holder and parcel rows (each list in position order).
#[derive(Default)]
pub(crate) struct CertificateRows {
    pub certificates: Vec<DbCertificate>,
    pub holders: Vec<DbHolder>,
    pub parcels: Vec<DbCoveredParcel>,
}

impl CertificateRows {
    /// Assembles typed certificates, keyed by serial text.
    pub fn assemble(self) -> Result<BTreeMap<String, Certificate>, LandError> {
        let mut holders: HashMap<String, Vec<HolderShare>> = HashMap::new();
        for h in self.holders {
            let key = h.serial.clone();
            holders.entry(key).or_default().push(decode_holder(h)?);
        }
        let mut parcels: HashMap<String, Vec<ParcelKey>> = HashMap::new();
        for p in self.parcels {
            let parcel = ParcelKey::parse(&p.parcel_key).map_err(|e| corrupt(&p.serial, e))?;
            parcels.entry(p.serial).or_default().push(parcel);
        }
        let mut out = BTreeMap::new();
        for c in self.certificates {
            let key = c.serial.clone();
            let bad = |e: crate::error::ValueError| corrupt(&key, e);
            let status =
                CertificateStatus::parse(&c.status, c.superseded_by.as_deref().unwrap_or(""))
                    .map_err(bad)?;
            let certificate = Certificate {
                serial: CertificateSerial::parse(&c.serial).map_err(bad)?,
                registry_book_number: RegistryBookNumber::parse(&c.registry_book_number)
                    .map_err(bad)?,
                issued_on: c.issued_on,
                issued_by: c.issued_by,
                parcels: CoveredParcels::new(parcels.remove(&key).unwrap_or_default())
                    .map_err(bad)?,
                holders: Holders::new(holders.remove(&key).unwrap_or_default()).map_err(bad)?,
                status,
            };
            out.insert(key, certificate);
        }
        Ok(out)
    }
}

fn decode_holder(h: DbHolder) -> Result<HolderShare, LandError> {
    let serial = &h.serial;
    let holder = Holder::parse(&format!("{}:{}", h.holder_kind, h.holder_id))
        .map_err(|e| corrupt(serial, e))?;
    let share = match (h.share_numerator, h.share_denominator) {
        (Some(n), Some(d)) => {
            let part = |v: i64| u32::try_from(v).map_err(|e| corrupt(serial, e));
            Some(Share::new(part(n)?, part(d)?).map_err(|e| corrupt(serial, e))?)
        }
        (None, None) => None,
        _ => {
            return Err(corrupt(
                serial,
                "a share lacks its numerator or denominator",
            ));
        }
    };
    Ok(HolderShare { holder, share })
}

/// A holder flattened into its columns: kind, id, share numerator and denominator.
pub(crate) fn holder_columns(h: &HolderShare) -> (&'static str, String, Option<i64>, Option<i64>) {
    (
        h.holder.kind(),
        h.holder.id(),
        h.share.map(|s| i64::from(s.numerator())),
        h.share.map(|s| i64::from(s.denominator())),
    )
}

/// The replacing serial stored with a superseded certificate.
pub(crate) fn superseded_by(status: &CertificateStatus) -> Option<String> {
    match status {
        CertificateStatus::Superseded { by } => by.as_ref().map(ToString::to_string),
        _ => None,
    }
}

/// The values without repeats (order does not matter: they are bound as a set).
pub(crate) fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    values
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .collect()
}

/// Groups (parcel key, serial) links into holdings, in parcel-key order.
pub(crate) fn holdings_from(
    links: Vec<(String, String)>,
    mut parcels: HashMap<String, Parcel>,
    certificates: &BTreeMap<String, Certificate>,
) -> Result<Vec<Holding>, LandError> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (parcel, serial) in links {
        grouped.entry(parcel).or_default().push(serial);
    }
    let mut out = Vec::with_capacity(grouped.len());
    for (key, serials) in grouped {
        let parcel = parcels
            .remove(&key)
            .ok_or_else(|| corrupt(&key, "a certificate names a parcel that is not stored"))?;
        let mut held: Vec<Certificate> = serials
            .iter()
            .filter_map(|s| certificates.get(s).cloned())
            .collect();
        held.sort_by(|a, b| (a.issued_on, &a.serial).cmp(&(b.issued_on, &b.serial)));
        held.dedup_by(|a, b| a.serial == b.serial);
        out.push(Holding {
            parcel,
            certificates: held,
        });
    }
    out.sort_by(|a, b| a.parcel.key.cmp(&b.parcel.key));
    Ok(out)
}
