//! The synthetic applications of the statistics benchmark: generated from their number alone,
//! bulk-loaded with the secondary indexes dropped and rebuilt after.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::NaiveDate;
use dinhdanh_domain::PersonalId;
use dinhdanh_services::Services;
use dinhdanh_services::catalogue::{Channel, Level, Procedure};
use dinhdanh_store::{Db, on_db};

use crate::SYNTHETIC;

/// SplitMix64: the synthetic applications depend only on their number.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform draw in `[0, 1)` from `key`'s `part`.
fn draw(key: u64, part: u64) -> f64 {
    (mix(key ^ part.wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Adds synthetic applications until there are `wanted`.
pub(crate) async fn fill(
    db: &Db,
    services: &Services,
    procedures: &[Procedure],
    ids: &[PersonalId],
    wanted: u64,
) {
    let have: i64 = on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_applications
             WHERE application_id >= 'bench' AND application_id < 'benci'",
        )
        .fetch_one(pool)
        .await
        .expect("count")
    });
    let have = have as u64;
    if have >= wanted {
        return;
    }
    eprintln!("{have} synthetic applications; adding {} …", wanted - have);
    let started = Instant::now();
    // A bulk load: the secondary indexes go while the rows go in, and come back as they were.
    let indexes = secondary_indexes(db).await;
    for (name, _) in &indexes {
        let drop = format!("DROP INDEX {name}");
        on_db!(db, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop.as_str()))
                .execute(pool)
                .await
                .expect("drop an index");
        });
    }
    let now = services.now();
    let today = dinhdanh_calendar::vietnam::date(now);
    // Popular procedures first: the i-th gets weight 1/(i+1).
    let weights: Vec<f64> = (0..procedures.len())
        .map(|i| 1.0 / (i as f64 + 1.0))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut cumulative = Vec::new();
    let mut acc = 0.0;
    for w in &weights {
        acc += w / sum;
        cumulative.push(acc);
    }
    const BATCH: u64 = 1000;
    const PER_TRANSACTION: u64 = 20;
    let mut next = have;
    while next < wanted {
        let mut statements = Vec::new();
        for _ in 0..PER_TRANSACTION {
            if next >= wanted {
                break;
            }
            let end = (next + BATCH).min(wanted);
            let mut sql = String::from(
                "INSERT INTO service_applications (application_id, code, procedure_code, unit, \
                 personal_id, account_id, channel, level, status, data, fee_vnd, created_at, \
                 filed_at, accept_due_at, accepted_at, first_due_at, due_at, decided_at, outcome, \
                 returned_at, result_electronic, apologies, version, updated_at) VALUES ",
            );
            for i in next..end {
                if i > next {
                    sql.push(',');
                }
                let key = mix(i ^ 0x5EED);
                let pick = draw(key, 1);
                let p = &procedures[cumulative.iter().position(|c| pick < *c).unwrap_or(0)];
                row(&mut sql, services, p, ids, i, key, now, today);
            }
            statements.push(sql);
            next = end;
        }
        on_db!(db, |pool| {
            let mut tx = pool.begin().await.expect("begin");
            for sql in &statements {
                // The values are numbers and codes this program made, never outside input.
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str()))
                    .execute(&mut *tx)
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        });
        if next % 500_000 < BATCH * PER_TRANSACTION {
            eprintln!(
                "  {next} ({:.0} rows/s)",
                (next - have) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let indexed = Instant::now();
    for (_, create) in &indexes {
        on_db!(db, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(create.as_str()))
                .execute(pool)
                .await
                .expect("create an index");
        });
    }
    // As after any bulk load, fresh statistics for the planner (autovacuum would get there
    // later); without them PostgreSQL scans every application to find the changed ones.
    on_db!(db, |pool| {
        sqlx::query("ANALYZE service_applications")
            .execute(pool)
            .await
            .expect("analyze");
    });
    eprintln!(
        "added in {:.0} s, of which {:.0} s rebuilding {} indexes",
        started.elapsed().as_secs_f64(),
        indexed.elapsed().as_secs_f64(),
        indexes.len()
    );
}

/// Sets each unit's daily counter past the numbers the synthetic applications took, as the
/// counter would be had they been filed one by one, so that new filings get fresh codes.
pub(crate) async fn count_numbers_used(
    db: &Db,
    services: &Services,
    procedures: &[Procedure],
    wanted: u64,
) {
    let today = dinhdanh_calendar::vietnam::date(services.now());
    let units: BTreeSet<&str> = procedures.iter().map(|p| p.agency.unit.as_str()).collect();
    let last = (wanted / 365 + 1) as i64;
    for unit in units {
        for back in 0..365 {
            let day = (today - chrono::Days::new(back)).to_string();
            on_db!(db, |pool| {
                sqlx::query(
                    "INSERT INTO service_sequences (unit, day, last) VALUES ($1, $2, $3)
                     ON CONFLICT (unit, day) DO UPDATE
                     SET last = CASE WHEN service_sequences.last < $3 THEN $3
                                     ELSE service_sequences.last END",
                )
                .bind(unit)
                .bind(&day)
                .bind(last)
                .execute(pool)
                .await
                .expect("set a counter");
            });
        }
    }
}

/// The names and definitions of the applications' indexes other than the primary key and
/// unique constraints.
async fn secondary_indexes(db: &Db) -> Vec<(String, String)> {
    match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'service_applications' AND sql IS NOT NULL",
        )
        .fetch_all(pool)
        .await
        .expect("read the indexes"),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT i.indexname::TEXT, i.indexdef FROM pg_indexes i
             WHERE i.tablename = 'service_applications' AND i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        )
        .fetch_all(pool)
        .await
        .expect("read the indexes"),
    }
}

/// One synthetic application, as SQL values, in the state its age makes likely.
#[allow(clippy::too_many_arguments)]
fn row(
    sql: &mut String,
    services: &Services,
    p: &Procedure,
    ids: &[PersonalId],
    i: u64,
    key: u64,
    now: i64,
    today: NaiveDate,
) {
    use std::fmt::Write;
    const HOUR: i64 = 3_600_000;
    let day = today - chrono::Days::new(i % 365);
    let online_share = if p.level == Level::Full { 0.75 } else { 0.4 };
    let online = p.channels.contains(&Channel::Online) && draw(key, 2) < online_share;
    // Online at any time from 06:00 to 23:00; at the counter in office hours.
    let minute = if online {
        360 + (draw(key, 3) * 1020.0) as i64
    } else {
        450 + (draw(key, 3) * 540.0) as i64
    };
    let filed = dinhdanh_calendar::vietnam::midnight(day) + minute * 60_000;
    let filed = filed.min(now - 1);
    let number = i / 365 + 1;
    let code = format!(
        "{}-{}-{number:04}",
        p.agency.unit.as_str(),
        day.format("%y%m%d")
    );
    let person = ids[(key % ids.len() as u64) as usize];
    let accept_due = services.after_working_hours(filed, 8);
    // Reception answers within 1 to 10 working hours; 3 % are not accepted.
    let accepted = services.after_working_hours(filed, 1 + (draw(key, 4) * 10.0) as u32);
    let mut status = 1;
    let (mut accepted_at, mut first_due, mut decided, mut outcome) = (None, None, None, None);
    let (mut returned, mut electronic) = (None, None);
    let mut updated = filed;
    if accepted <= now {
        updated = accepted;
        if draw(key, 5) < 0.03 {
            status = 3;
        } else {
            status = 4;
            accepted_at = Some(accepted);
            let due = services.after_working_hours(accepted, p.processing_hours.max(1));
            first_due = Some(due);
            // Most are decided well before the deadline; some late.
            let at = accepted + ((due - accepted) as f64 * (0.2 + draw(key, 6) * 1.0)) as i64;
            if at <= now {
                updated = at;
                let fate = draw(key, 7);
                if fate < 0.02 {
                    status = 7;
                } else if fate < 0.04 {
                    status = 8;
                } else {
                    status = 9;
                    decided = Some(at);
                    outcome = Some(if draw(key, 8) < 0.93 {
                        "approved"
                    } else {
                        "refused"
                    });
                    let back = at + (draw(key, 9) * 48.0 * HOUR as f64) as i64;
                    if back <= now {
                        status = 10;
                        updated = back;
                        returned = Some(back);
                        let share = if online { 0.8 } else { 0.2 };
                        electronic = Some(i64::from(draw(key, 10) < share));
                    }
                }
            }
        }
    }
    let opt = |v: Option<i64>| v.map_or_else(|| "NULL".to_owned(), |v| v.to_string());
    let _ = write!(
        sql,
        "('{SYNTHETIC}{i:027}','{code}','{}','{}',{},{},'{}','{}',{status},'{{}}',{},{},{filed},{accept_due},{},{},{},{},{},{},{},0,{},{updated})",
        p.code,
        p.agency.unit.as_str(),
        person.as_u64(),
        1_000_000 + (key % 5_000_000) as i64,
        if online { "online" } else { "counter" },
        p.level.as_str(),
        p.fee_vnd,
        filed - 10 * 60_000,
        opt(accepted_at),
        opt(first_due),
        opt(first_due),
        opt(decided),
        outcome.map_or_else(|| "NULL".to_owned(), |o| format!("'{o}'")),
        opt(returned),
        opt(electronic),
        2 + i64::from(status >= 4) + i64::from(decided.is_some()) + i64::from(returned.is_some()),
    );
}
