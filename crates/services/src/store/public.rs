//! What anyone may ask: the status check's counter and results by their public identifier.

use dinhdanh_store::{on_db, write_tx};

use crate::error::ServicesError;
use crate::result::Issued;
use crate::{STATUS_CHECKS_PER_MINUTE, Services};

pub(crate) async fn count_check(s: &Services, address: &str) -> Result<(), ServicesError> {
    let now = s.now();
    let minute = now / 60_000;
    let count: i64 = write_tx!(s.db(), s.inner.gate, |tx| {
        let (count,): (i64,) = sqlx::query_as(
            "INSERT INTO service_status_checks (address, minute, count) VALUES ($1, $2, 1)
             ON CONFLICT (address, minute) DO UPDATE SET count = service_status_checks.count + 1
             RETURNING count",
        )
        .bind(address)
        .bind(minute)
        .fetch_one(&mut *tx)
        .await?;
        if count == 1 {
            // The first check of a minute from an address clears that address's old minutes.
            sqlx::query("DELETE FROM service_status_checks WHERE address = $1 AND minute < $2")
                .bind(address)
                .bind(minute)
                .execute(&mut *tx)
                .await?;
        }
        count
    });
    if count > STATUS_CHECKS_PER_MINUTE {
        return Err(ServicesError::TooManyChecks {
            retry_after_s: (60 - (now / 1000) % 60) as u64,
        });
    }
    Ok(())
}

/// Which key a result is looked up by.
pub(crate) enum ResultKey<'a> {
    /// Its public identifier.
    Result(&'a str),
    /// Its application.
    Application(&'a str),
}

pub(crate) async fn result(
    s: &Services,
    key: ResultKey<'_>,
) -> Result<Option<Issued>, ServicesError> {
    let (query, value) = match key {
        ResultKey::Result(id) => (
            "SELECT result_id, application_id, jws, issued_at FROM service_results WHERE result_id = $1",
            id,
        ),
        ResultKey::Application(id) => (
            "SELECT result_id, application_id, jws, issued_at FROM service_results WHERE application_id = $1",
            id,
        ),
    };
    let row: Option<(String, String, String, i64)> = on_db!(s.db(), |pool| {
        sqlx::query_as(query)
            .bind(value)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|(id, application, jws, issued_at)| Issued {
        id,
        application,
        jws,
        issued_at,
    }))
}
