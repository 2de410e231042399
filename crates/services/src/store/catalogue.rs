//! The catalogue's procedures and the officers of each unit.

use dinhdanh_accounts::AccountId;
use dinhdanh_store::{on_db, write_tx};

use crate::catalogue::{CatalogueFile, Procedure};
use crate::code::UnitCode;
use crate::error::ServicesError;
use crate::{ImportReport, Services};

pub(crate) async fn import(
    s: &Services,
    file: &CatalogueFile,
) -> Result<ImportReport, ServicesError> {
    let now = s.now();
    let mut report = ImportReport::default();
    write_tx!(s.db(), s.inner.gate, |tx| {
        for procedure in &file.procedures {
            let document = serde_json::to_string(procedure)?;
            let stored: Option<(String, i64)> =
                sqlx::query_as("SELECT document, listed FROM service_procedures WHERE code = $1")
                    .bind(&procedure.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            match stored {
                Some((old, listed)) if old == document && listed == 1 => report.unchanged += 1,
                Some(_) => {
                    sqlx::query(
                        "UPDATE service_procedures SET unit = $2, level = $3, document = $4,
                                listed = 1, version = version + 1, updated_at = $5
                         WHERE code = $1",
                    )
                    .bind(&procedure.code)
                    .bind(procedure.agency.unit.as_str())
                    .bind(procedure.level.as_str())
                    .bind(&document)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    report.changed += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO service_procedures (code, unit, level, document, listed, version, updated_at)
                         VALUES ($1, $2, $3, $4, 1, 1, $5)",
                    )
                    .bind(&procedure.code)
                    .bind(procedure.agency.unit.as_str())
                    .bind(procedure.level.as_str())
                    .bind(&document)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    report.added += 1;
                }
            }
        }
    });
    Ok(report)
}

fn parse_procedure(document: &str) -> Result<Procedure, ServicesError> {
    Ok(serde_json::from_str(document)?)
}

pub(crate) async fn procedures(s: &Services) -> Result<Vec<Procedure>, ServicesError> {
    let rows: Vec<(String,)> = on_db!(s.db(), |pool| {
        sqlx::query_as("SELECT document FROM service_procedures WHERE listed = 1 ORDER BY code")
            .fetch_all(pool)
            .await?
    });
    rows.iter().map(|(d,)| parse_procedure(d)).collect()
}

pub(crate) async fn procedure(
    s: &Services,
    code: &str,
) -> Result<Option<Procedure>, ServicesError> {
    let row: Option<(String,)> = on_db!(s.db(), |pool| {
        sqlx::query_as("SELECT document FROM service_procedures WHERE code = $1")
            .bind(code)
            .fetch_optional(pool)
            .await?
    });
    row.map(|(d,)| parse_procedure(&d)).transpose()
}

pub(crate) async fn add_officer(
    s: &Services,
    account: AccountId,
    unit: &UnitCode,
) -> Result<(), ServicesError> {
    let now = s.now();
    write_tx!(s.db(), s.inner.gate, |tx| {
        sqlx::query(
            "INSERT INTO service_officers (account_id, unit, added_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id, unit) DO NOTHING",
        )
        .bind(account)
        .bind(unit.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    });
    Ok(())
}

pub(crate) async fn units_of(
    s: &Services,
    account: AccountId,
) -> Result<Vec<UnitCode>, ServicesError> {
    let rows: Vec<(String,)> = on_db!(s.db(), |pool| {
        sqlx::query_as("SELECT unit FROM service_officers WHERE account_id = $1 ORDER BY unit")
            .bind(account)
            .fetch_all(pool)
            .await?
    });
    rows.iter().map(|(u,)| UnitCode::parse(u)).collect()
}
