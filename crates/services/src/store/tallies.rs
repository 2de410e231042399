//! The statistics' tallies (see the migration `service_tallies` for what each measure counts):
//! recounting the filing days whose applications changed, and summing a period.

use dinhdanh_store::{on_db, write_tx};
use sqlx::FromRow;

use crate::Services;
use crate::error::ServicesError;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// Vietnam's offset from UTC, in milliseconds.
const OFFSET_MS: i64 = 7 * 3_600_000;
/// Changes made up to this long before a count began are sure to be in it: a write that was
/// still in its transaction when the count read the applications (or was stamped by a node
/// whose clock is behind) is counted again the next time.
const SETTLING_MS: i64 = 60_000;
/// Filing days recounted per transaction, so that a first count of years of applications
/// never holds the write lock for long.
const DAYS_PER_TRANSACTION: i64 = 31;

/// The Vietnam day number (days since 1970-01-01) of an instant, in SQL: the same integer
/// division on both backends, for instants after 1970.
macro_rules! day_of {
    ($column:literal) => {
        concat!("((", $column, " + 25200000) / 86400000)")
    };
}

/// The Vietnam day number of an instant.
pub(crate) fn day_number(ms: i64) -> i64 {
    (ms + OFFSET_MS).div_euclid(DAY_MS)
}

/// The instant a Vietnam day begins.
fn day_start(day: i64) -> i64 {
    day * DAY_MS - OFFSET_MS
}

/// Recounts every filing day with an application changed since the last count; returns how
/// many (procedure, day) tallies were recounted.
pub(crate) async fn recount(s: &Services) -> Result<u64, ServicesError> {
    let began = s.now();
    let counted_to: i64 = on_db!(s.db(), |pool| {
        sqlx::query_scalar("SELECT counted_to FROM service_tally_state WHERE id = 1")
            .fetch_one(pool)
            .await?
    });
    // A plain range on the index by update time: no DISTINCT or ORDER BY here, which could
    // make the planner walk another index over every application instead.
    let rows: Vec<(String, i64)> = on_db!(s.db(), |pool| {
        sqlx::query_as(
            "SELECT procedure_code, filed_at FROM service_applications
             WHERE updated_at >= $1 AND status > 0",
        )
        .bind(counted_to.saturating_sub(SETTLING_MS))
        .fetch_all(pool)
        .await?
    });
    let changed: Vec<(String, i64)> = rows
        .into_iter()
        .map(|(procedure, filed_at)| (procedure, day_number(filed_at)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let recounted = changed.len() as u64;
    for (procedure, first, end) in runs(&changed) {
        let mut from = first;
        while from < end {
            let to = (from + DAYS_PER_TRANSACTION).min(end);
            recount_days(s, procedure, from, to).await?;
            from = to;
        }
    }
    write_tx!(s.db(), s.inner.gate, |tx| {
        sqlx::query(
            "UPDATE service_tally_state SET counted_to = $1 WHERE id = 1 AND counted_to < $1",
        )
        .bind(began)
        .execute(&mut *tx)
        .await?;
    });
    Ok(recounted)
}

/// Consecutive days of one procedure as `(procedure, first day, day after the last)`, from
/// pairs sorted by procedure and day.
fn runs(changed: &[(String, i64)]) -> Vec<(&str, i64, i64)> {
    let mut out: Vec<(&str, i64, i64)> = Vec::new();
    for (procedure, day) in changed {
        match out.last_mut() {
            Some((p, _, end)) if *p == procedure.as_str() && *end == *day => *end += 1,
            _ => out.push((procedure, *day, day + 1)),
        }
    }
    out
}

/// Replaces the tallies of `procedure` for filing days `[from, to)` with a fresh count.
async fn recount_days(
    s: &Services,
    procedure: &str,
    from: i64,
    to: i64,
) -> Result<(), ServicesError> {
    // Each measure: the same applications (by the index on procedure and filing time), grouped
    // by what the measure keeps.
    const COUNTS: [&str; 4] = [
        concat!(
            "INSERT INTO service_tallies
                 (procedure_code, filed_day, unit, measure, day, until_day, flag, n)
             SELECT procedure_code, ",
            day_of!("filed_at"),
            ", unit, 1, 0, 0, CASE WHEN channel = 'online' THEN 1 ELSE 0 END, COUNT(*)
             FROM service_applications
             WHERE procedure_code = $1 AND filed_at >= $2 AND filed_at < $3 AND status > 0
             GROUP BY 1, 2, 3, 7"
        ),
        concat!(
            "INSERT INTO service_tallies
                 (procedure_code, filed_day, unit, measure, day, until_day, flag, n)
             SELECT procedure_code, ",
            day_of!("filed_at"),
            ", unit, 2, ",
            day_of!("decided_at"),
            ", 0, CASE WHEN decided_at <= first_due_at THEN 1 ELSE 0 END, COUNT(*)
             FROM service_applications
             WHERE procedure_code = $1 AND filed_at >= $2 AND filed_at < $3
               AND status IN (9, 10) AND decided_at IS NOT NULL
             GROUP BY 1, 2, 3, 5, 7"
        ),
        concat!(
            "INSERT INTO service_tallies
                 (procedure_code, filed_day, unit, measure, day, until_day, flag, n)
             SELECT procedure_code, ",
            day_of!("filed_at"),
            ", unit, 3, ",
            day_of!("returned_at"),
            ", 0, CASE WHEN result_electronic = 1 THEN 1 ELSE 0 END, COUNT(*)
             FROM service_applications
             WHERE procedure_code = $1 AND filed_at >= $2 AND filed_at < $3
               AND status = 10 AND returned_at IS NOT NULL
             GROUP BY 1, 2, 3, 5, 7"
        ),
        // Status codes: 1 new, 2 accepted, 4 processing (with the agency); 9 processed,
        // 10 returned (decided).
        concat!(
            "INSERT INTO service_tallies
                 (procedure_code, filed_day, unit, measure, day, until_day, flag, n)
             SELECT procedure_code, ",
            day_of!("filed_at"),
            ", unit, 4, ",
            day_of!("first_due_at"),
            ", CASE WHEN status IN (9, 10) THEN ",
            day_of!("decided_at"),
            // Still with the agency: later than any period's end.
            " ELSE 1000000 END, 0, COUNT(*)
             FROM service_applications
             WHERE procedure_code = $1 AND filed_at >= $2 AND filed_at < $3
               AND first_due_at IS NOT NULL
               AND (status IN (1, 2, 4) OR (status IN (9, 10) AND decided_at IS NOT NULL))
             GROUP BY 1, 2, 3, 5, 6"
        ),
    ];
    write_tx!(s.db(), s.inner.gate, |tx| {
        // Two nodes recounting at once take turns here (PostgreSQL); SQLite's writer is alone.
        if matches!(s.db(), dinhdanh_store::Db::Postgres(_)) {
            sqlx::query("SELECT counted_to FROM service_tally_state WHERE id = 1 FOR UPDATE")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "DELETE FROM service_tallies
             WHERE procedure_code = $1 AND filed_day >= $2 AND filed_day < $3",
        )
        .bind(procedure)
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?;
        for count in COUNTS {
            sqlx::query(count)
                .bind(procedure)
                .bind(day_start(from))
                .bind(day_start(to))
                .execute(&mut *tx)
                .await?;
        }
    });
    Ok(())
}

/// A procedure's sums over a period.
#[derive(FromRow, Default)]
pub(crate) struct Sums {
    pub filed: i64,
    pub online: i64,
    pub decided: i64,
    pub decided_on_time: i64,
    pub open_late: i64,
    pub returned: i64,
    pub returned_electronically: i64,
}

/// The sums of `procedure`'s tallies for applications filed on days `[from, to)` (restricted
/// to `unit` if given), as of the end of day `to - 1`; an application still open counts as
/// late once its first deadline's day is before `late_before`.
pub(crate) async fn sums(
    s: &Services,
    procedure: &str,
    unit: Option<&str>,
    from: i64,
    to: i64,
    late_before: i64,
) -> Result<Sums, ServicesError> {
    let sums = on_db!(s.db(), |pool| {
        sqlx::query_as(
            "SELECT
                CAST(COALESCE(SUM(CASE WHEN measure = 1 THEN n ELSE 0 END), 0) AS BIGINT) AS filed,
                CAST(COALESCE(SUM(CASE WHEN measure = 1 AND flag = 1 THEN n ELSE 0 END), 0)
                     AS BIGINT) AS online,
                CAST(COALESCE(SUM(CASE WHEN measure = 2 AND day < $3 THEN n ELSE 0 END), 0)
                     AS BIGINT) AS decided,
                CAST(COALESCE(SUM(CASE WHEN measure = 2 AND day < $3 AND flag = 1 THEN n ELSE 0 END),
                              0) AS BIGINT) AS decided_on_time,
                CAST(COALESCE(SUM(CASE WHEN measure = 4 AND day < $4 AND until_day >= $3
                                       THEN n ELSE 0 END), 0) AS BIGINT) AS open_late,
                CAST(COALESCE(SUM(CASE WHEN measure = 3 AND day < $3 THEN n ELSE 0 END), 0)
                     AS BIGINT) AS returned,
                CAST(COALESCE(SUM(CASE WHEN measure = 3 AND day < $3 AND flag = 1 THEN n ELSE 0 END),
                              0) AS BIGINT) AS returned_electronically
             FROM service_tallies
             WHERE procedure_code = $1 AND filed_day >= $2 AND filed_day < $3
               AND ($5 IS NULL OR unit = $5)",
        )
        .bind(procedure)
        .bind(from)
        .bind(to)
        .bind(late_before)
        .bind(unit)
        .fetch_one(pool)
        .await?
    });
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_vietnam_days() {
        // 2027-03-01 00:00 in Vietnam is 2027-02-28 17:00 UTC.
        let midnight = 1_803_834_000_000;
        assert_eq!(day_number(midnight), day_number(midnight + DAY_MS - 1));
        assert_eq!(day_number(midnight - 1) + 1, day_number(midnight));
        assert_eq!(day_start(day_number(midnight)), midnight);
    }

    #[test]
    fn changed_days_are_recounted_in_runs() {
        let changed = [
            ("a".to_owned(), 10),
            ("a".to_owned(), 11),
            ("a".to_owned(), 13),
            ("b".to_owned(), 14),
            ("b".to_owned(), 15),
        ];
        assert_eq!(
            runs(&changed),
            vec![("a", 10, 12), ("a", 13, 14), ("b", 14, 16)]
        );
        assert!(runs(&[]).is_empty());
    }
}
