//! The land database on PostgreSQL: the production backend, shared by many stateless nodes.
//!
//! Lists go to the server as one array parameter (`= ANY($1)`, `UNNEST`), so a batch of any size
//! is a fixed handful of statements.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgPool};

use super::*;

/// Land storage on a PostgreSQL pool.
pub struct PgLand {
    pool: PgPool,
}

impl PgLand {
    /// Wraps a pool whose schema is migrated.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// Inserts a whole batch of parcels in one statement: one array per column, unnested.
const INSERT_PARCELS: &str = "INSERT INTO land_parcels (parcel_key, province, district, \
    commune, map_sheet, parcel_number, street_address, area_centi_m2, purposes, origin, \
    acquired_by, version, created_at, created_by, updated_at) \
    SELECT *, 1, $12, $13, $12 FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], \
    $5::int8[], $6::int8[], $7::text[], $8::int8[], $9::text[], $10::text[], $11::text[])";

const INSERT_HOLDERS: &str = "INSERT INTO land_holders (serial, position, holder_kind, \
    holder_id, share_numerator, share_denominator) \
    SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], $5::int8[], $6::int8[])";

const INSERT_COVERED: &str = "INSERT INTO land_certificate_parcels (serial, position, \
    parcel_key) SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[])";

async fn load_certificates(
    conn: &mut PgConnection,
    serials: &[String],
) -> Result<BTreeMap<String, Certificate>, LandError> {
    let certificates: Vec<DbCertificate> = sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT_CERTIFICATE} WHERE serial = ANY($1)"
    )))
    .bind(serials)
    .fetch_all(&mut *conn)
    .await?;
    let holders: Vec<DbHolder> = sqlx::query_as(
        "SELECT serial, holder_kind, holder_id, share_numerator, share_denominator \
         FROM land_holders WHERE serial = ANY($1) ORDER BY serial, position",
    )
    .bind(serials)
    .fetch_all(&mut *conn)
    .await?;
    let parcels: Vec<DbCoveredParcel> = sqlx::query_as(
        "SELECT serial, parcel_key FROM land_certificate_parcels WHERE serial = ANY($1) \
         ORDER BY serial, position",
    )
    .bind(serials)
    .fetch_all(&mut *conn)
    .await?;
    CertificateRows {
        certificates,
        holders,
        parcels,
    }
    .assemble()
}

async fn load_parcels(
    conn: &mut PgConnection,
    keys: &[String],
) -> Result<HashMap<String, Parcel>, LandError> {
    let rows: Vec<DbParcel> = sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT_PARCEL} WHERE parcel_key = ANY($1)"
    )))
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.parcel_key.clone(), r.into_parcel()?)))
        .collect()
}

/// Column arrays for [`INSERT_PARCELS`].
#[derive(Default)]
struct ParcelArrays {
    parcel_key: Vec<String>,
    province: Vec<i64>,
    district: Vec<Option<String>>,
    commune: Vec<String>,
    map_sheet: Vec<i64>,
    parcel_number: Vec<i64>,
    street_address: Vec<Option<String>>,
    area_centi_m2: Vec<i64>,
    purposes: Vec<String>,
    origin: Vec<String>,
    acquired_by: Vec<Option<String>>,
}

async fn insert_parcels(
    conn: &mut PgConnection,
    parcels: &[&Parcel],
    run_id: i64,
    now_ms: i64,
) -> Result<(), LandError> {
    if parcels.is_empty() {
        return Ok(());
    }
    let mut a = ParcelArrays::default();
    for p in parcels {
        let c = ParcelColumns::from(*p);
        a.parcel_key.push(c.parcel_key);
        a.province.push(c.province);
        a.district.push(c.district);
        a.commune.push(c.commune);
        a.map_sheet.push(c.map_sheet);
        a.parcel_number.push(c.parcel_number);
        a.street_address.push(c.street_address);
        a.area_centi_m2.push(c.area_centi_m2);
        a.purposes.push(c.purposes);
        a.origin.push(c.origin);
        a.acquired_by.push(c.acquired_by);
    }
    sqlx::query(INSERT_PARCELS)
        .bind(a.parcel_key)
        .bind(a.province)
        .bind(a.district)
        .bind(a.commune)
        .bind(a.map_sheet)
        .bind(a.parcel_number)
        .bind(a.street_address)
        .bind(a.area_centi_m2)
        .bind(a.purposes)
        .bind(a.origin)
        .bind(a.acquired_by)
        .bind(now_ms)
        .bind(actor(run_id))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes a certificate's own row (new or replacing), then its holders and parcels afresh.
async fn write_certificate(
    conn: &mut PgConnection,
    c: &Certificate,
    exists: bool,
    run_id: i64,
    now_ms: i64,
) -> Result<(), LandError> {
    let serial = c.serial.as_str();
    if exists {
        sqlx::query(UPDATE_CERTIFICATE)
            .bind(serial)
            .bind(c.registry_book_number.as_str())
            .bind(c.issued_on)
            .bind(&c.issued_by)
            .bind(c.status.code())
            .bind(superseded_by(&c.status))
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        for table in ["land_holders", "land_certificate_parcels"] {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE serial = $1"
            )))
            .bind(serial)
            .execute(&mut *conn)
            .await?;
        }
    } else {
        sqlx::query(INSERT_CERTIFICATE)
            .bind(serial)
            .bind(c.registry_book_number.as_str())
            .bind(c.issued_on)
            .bind(&c.issued_by)
            .bind(c.status.code())
            .bind(superseded_by(&c.status))
            .bind(now_ms)
            .bind(actor(run_id))
            .execute(&mut *conn)
            .await?;
    }
    let holders = c.holders.as_slice();
    let (mut kinds, mut ids, mut numerators, mut denominators) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for h in holders {
        let (kind, id, numerator, denominator) = holder_columns(h);
        kinds.push(kind);
        ids.push(id);
        numerators.push(numerator);
        denominators.push(denominator);
    }
    sqlx::query(INSERT_HOLDERS)
        .bind(vec![serial; holders.len()])
        .bind((0..holders.len() as i64).collect::<Vec<_>>())
        .bind(kinds)
        .bind(ids)
        .bind(numerators)
        .bind(denominators)
        .execute(&mut *conn)
        .await?;
    let parcels = c.parcels.as_slice();
    sqlx::query(INSERT_COVERED)
        .bind(vec![serial; parcels.len()])
        .bind((0..parcels.len() as i64).collect::<Vec<_>>())
        .bind(parcels.iter().map(ToString::to_string).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn advance_run<T>(
    conn: &mut PgConnection,
    batch: &ImportBatch<T>,
    result: &BatchResult,
) -> Result<(), LandError> {
    for r in &result.rejects {
        sqlx::query(INSERT_REJECT)
            .bind(batch.run_id)
            .bind(r.line as i64)
            .bind(&r.field)
            .bind(&r.reason)
            .execute(&mut *conn)
            .await?;
    }
    let o = &result.outcome;
    sqlx::query(ADVANCE_RUN)
        .bind(batch.run_id)
        .bind(batch.end_offset as i64)
        .bind(o.inserted as i64)
        .bind(o.updated as i64)
        .bind(o.unchanged as i64)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[async_trait]
impl LandStore for PgLand {
    async fn parcel(&self, key: &ParcelKey) -> Result<Option<Parcel>, LandError> {
        let mut conn = self.pool.acquire().await?;
        let key = key.to_string();
        Ok(load_parcels(&mut conn, std::slice::from_ref(&key))
            .await?
            .remove(&key))
    }

    async fn certificate(
        &self,
        serial: &CertificateSerial,
    ) -> Result<Option<Certificate>, LandError> {
        let mut conn = self.pool.acquire().await?;
        let serial = serial.to_string();
        Ok(load_certificates(&mut conn, std::slice::from_ref(&serial))
            .await?
            .remove(&serial))
    }

    async fn certificates_of_parcel(&self, key: &ParcelKey) -> Result<Vec<Certificate>, LandError> {
        let mut conn = self.pool.acquire().await?;
        let serials: Vec<String> = sqlx::query_scalar(CERTIFICATES_OF_PARCEL)
            .bind(key.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut out: Vec<Certificate> = load_certificates(&mut conn, &serials)
            .await?
            .into_values()
            .collect();
        out.sort_by(|a, b| (a.issued_on, &a.serial).cmp(&(b.issued_on, &b.serial)));
        Ok(out)
    }

    async fn holdings(&self, holder: &Holder) -> Result<Vec<Holding>, LandError> {
        let mut conn = self.pool.acquire().await?;
        let links: Vec<(String, String)> = sqlx::query_as(HOLDINGS)
            .bind(holder.kind())
            .bind(holder.id())
            .fetch_all(&mut *conn)
            .await?;
        let keys = distinct(links.iter().map(|(k, _)| k.clone()));
        let serials = distinct(links.iter().map(|(_, s)| s.clone()));
        let parcels = load_parcels(&mut conn, &keys).await?;
        let certificates = load_certificates(&mut conn, &serials).await?;
        holdings_from(links, parcels, &certificates)
    }

    async fn import_parcels(&self, batch: &ImportBatch<Parcel>) -> Result<BatchResult, LandError> {
        let mut tx = self.pool.begin().await?;
        let keys: Vec<String> = batch.rows.iter().map(|(_, p)| p.key.to_string()).collect();
        let stored = load_parcels(&mut tx, &keys).await?;
        let mut result = BatchResult::default();
        let mut fresh = Vec::new();
        for ((_, parcel), key) in batch.rows.iter().zip(&keys) {
            match stored.get(key) {
                None => fresh.push(parcel),
                Some(old) if old == parcel => result.outcome.unchanged += 1,
                Some(_) => {
                    bind_parcel!(sqlx::query(UPDATE_PARCEL), ParcelColumns::from(parcel))
                        .bind(batch.now_ms)
                        .execute(&mut *tx)
                        .await?;
                    result.outcome.updated += 1;
                }
            }
        }
        insert_parcels(&mut tx, &fresh, batch.run_id, batch.now_ms).await?;
        result.outcome.inserted = fresh.len() as u64;
        advance_run(&mut tx, batch, &result).await?;
        tx.commit().await?;
        Ok(result)
    }

    async fn import_certificates(
        &self,
        batch: &ImportBatch<Certificate>,
    ) -> Result<BatchResult, LandError> {
        let mut tx = self.pool.begin().await?;
        let named = distinct(
            batch
                .rows
                .iter()
                .flat_map(|(_, c)| c.parcels.as_slice().iter().map(ToString::to_string)),
        );
        let present: HashSet<String> =
            sqlx::query_scalar("SELECT parcel_key FROM land_parcels WHERE parcel_key = ANY($1)")
                .bind(&named)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut result = BatchResult::default();
        let accepted = accept_known_parcels(&batch.rows, &present, &mut result.rejects);
        let serials: Vec<String> = accepted.iter().map(|c| c.serial.to_string()).collect();
        let stored = load_certificates(&mut tx, &serials).await?;
        for certificate in accepted {
            let old = stored.get(certificate.serial.as_str());
            if old == Some(certificate) {
                result.outcome.unchanged += 1;
                continue;
            }
            write_certificate(
                &mut tx,
                certificate,
                old.is_some(),
                batch.run_id,
                batch.now_ms,
            )
            .await?;
            match old {
                Some(_) => result.outcome.updated += 1,
                None => result.outcome.inserted += 1,
            }
        }
        advance_run(&mut tx, batch, &result).await?;
        tx.commit().await?;
        Ok(result)
    }

    async fn open_run(&self, start: &RunStart) -> Result<ImportRun, LandError> {
        let mut tx = self.pool.begin().await?;
        // Two nodes opening a run for the same file at once would otherwise both create one.
        sqlx::query("LOCK TABLE land_import_runs IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let open: Option<(i64, i64, i64, i64, i64)> = sqlx::query_as(FIND_OPEN_RUN)
            .bind(&start.file_sha256)
            .bind(start.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let run = match open {
            Some(row) => resumed_run(row),
            None => {
                let run_id: i64 = sqlx::query_scalar(INSERT_RUN)
                    .bind(start.kind.as_str())
                    .bind(&start.file_name)
                    .bind(&start.file_sha256)
                    .bind(start.now_ms)
                    .fetch_one(&mut *tx)
                    .await?;
                new_run(run_id)
            }
        };
        tx.commit().await?;
        Ok(run)
    }

    async fn run_rejects(&self, run_id: i64) -> Result<Vec<Reject>, LandError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(RUN_REJECTS)
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(reject_from).collect())
    }

    async fn finish_run(&self, run_id: i64, now_ms: i64) -> Result<(), LandError> {
        sqlx::query(FINISH_RUN)
            .bind(run_id)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts, LandError> {
        let (parcels, certificates, valid, holders): (i64, i64, i64, i64) =
            sqlx::query_as(COUNTS).fetch_one(&self.pool).await?;
        Ok(counts_from(parcels, certificates, valid, holders))
    }
}
