//! The land database on embedded SQLite.
//!
//! Writes take the write lock when they begin (`BEGIN IMMEDIATE`): an import batch reads what is
//! stored and then writes, and a transaction that only upgrades to a writer after reading can
//! fail half-way when another writer went first. Lists are bound in chunks, far below SQLite's
//! limit of 32,766 parameters per statement.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, FromRow, QueryBuilder, Sqlite};

use super::*;

/// Keys per `IN (…)` list, and rows per multi-row INSERT.
const CHUNK: usize = 200;

/// Land storage on a SQLite pool.
pub struct SqliteLand {
    pool: SqlitePool,
}

impl SqliteLand {
    /// Wraps a pool whose schema is migrated.
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

/// Runs `head IN (keys…) tail` chunk by chunk and concatenates the rows.
async fn select_in<T>(
    conn: &mut SqliteConnection,
    head: &str,
    keys: &[String],
    tail: &str,
) -> Result<Vec<T>, LandError>
where
    T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(head);
        qb.push(" IN (");
        let mut list = qb.separated(", ");
        for key in chunk {
            list.push_bind(key.as_str());
        }
        qb.push(") ");
        qb.push(tail);
        out.extend(qb.build_query_as::<T>().fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

async fn load_certificates(
    conn: &mut SqliteConnection,
    serials: &[String],
) -> Result<BTreeMap<String, Certificate>, LandError> {
    let rows = CertificateRows {
        certificates: select_in(
            conn,
            &format!("{SELECT_CERTIFICATE} WHERE serial"),
            serials,
            "",
        )
        .await?,
        holders: select_in(
            conn,
            "SELECT serial, holder_kind, holder_id, share_numerator, share_denominator \
             FROM land_holders WHERE serial",
            serials,
            "ORDER BY serial, position",
        )
        .await?,
        parcels: select_in(
            conn,
            "SELECT serial, parcel_key FROM land_certificate_parcels WHERE serial",
            serials,
            "ORDER BY serial, position",
        )
        .await?,
    };
    rows.assemble()
}

async fn load_parcels(
    conn: &mut SqliteConnection,
    keys: &[String],
) -> Result<HashMap<String, Parcel>, LandError> {
    let rows: Vec<DbParcel> =
        select_in(conn, &format!("{SELECT_PARCEL} WHERE parcel_key"), keys, "").await?;
    rows.into_iter()
        .map(|r| Ok((r.parcel_key.clone(), r.into_parcel()?)))
        .collect()
}

async fn insert_parcels(
    conn: &mut SqliteConnection,
    parcels: &[&Parcel],
    run_id: i64,
    now_ms: i64,
) -> Result<(), LandError> {
    for chunk in parcels.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO land_parcels (parcel_key, province, district, commune, map_sheet, \
             parcel_number, street_address, area_centi_m2, purposes, origin, acquired_by, \
             version, created_at, created_by, updated_at) ",
        );
        qb.push_values(chunk, |mut row, p| {
            let c = ParcelColumns::from(*p);
            row.push_bind(c.parcel_key)
                .push_bind(c.province)
                .push_bind(c.district)
                .push_bind(c.commune)
                .push_bind(c.map_sheet)
                .push_bind(c.parcel_number)
                .push_bind(c.street_address)
                .push_bind(c.area_centi_m2)
                .push_bind(c.purposes)
                .push_bind(c.origin)
                .push_bind(c.acquired_by)
                .push_bind(1_i64)
                .push_bind(now_ms)
                .push_bind(actor(run_id))
                .push_bind(now_ms);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes a certificate's own row (new or replacing), then its holders and parcels afresh.
async fn write_certificate(
    conn: &mut SqliteConnection,
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
    let mut qb = QueryBuilder::<Sqlite>::new(
        "INSERT INTO land_holders (serial, position, holder_kind, holder_id, share_numerator, \
         share_denominator) ",
    );
    qb.push_values(
        c.holders.as_slice().iter().enumerate(),
        |mut row, (i, h)| {
            let (kind, id, numerator, denominator) = holder_columns(h);
            row.push_bind(serial)
                .push_bind(i as i64)
                .push_bind(kind)
                .push_bind(id)
                .push_bind(numerator)
                .push_bind(denominator);
        },
    );
    qb.build().execute(&mut *conn).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "INSERT INTO land_certificate_parcels (serial, position, parcel_key) ",
    );
    qb.push_values(
        c.parcels.as_slice().iter().enumerate(),
        |mut row, (i, key)| {
            row.push_bind(serial)
                .push_bind(i as i64)
                .push_bind(key.to_string());
        },
    );
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

async fn advance_run<T>(
    conn: &mut SqliteConnection,
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
impl LandStore for SqliteLand {
    async fn parcel(&self, key: &ParcelKey) -> Result<Option<Parcel>, LandError> {
        let mut conn = self.pool.acquire().await?;
        let mut found = load_parcels(&mut conn, &[key.to_string()]).await?;
        Ok(found.remove(&key.to_string()))
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let named = distinct(
            batch
                .rows
                .iter()
                .flat_map(|(_, c)| c.parcels.as_slice().iter().map(ToString::to_string)),
        );
        let present: HashSet<String> = select_in::<(String,)>(
            &mut tx,
            "SELECT parcel_key FROM land_parcels WHERE parcel_key",
            &named,
            "",
        )
        .await?
        .into_iter()
        .map(|(key,)| key)
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(FINISH_RUN)
            .bind(run_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts, LandError> {
        let (parcels, certificates, valid, holders): (i64, i64, i64, i64) =
            sqlx::query_as(COUNTS).fetch_one(&self.pool).await?;
        Ok(counts_from(parcels, certificates, valid, holders))
    }
}
