//! The initial-load path on SQLite: rows of a run into an empty registry are appended to
//! `import_staging` and merged into `persons` in key order when the run finishes.
//!
//! Random inserts into the number-clustered `persons` table rewrite each touched page once per
//! batch; appends plus one sorted merge (and a name index rebuilt by sorting) write each page
//! about once. Staged batches commit with the run's progress like direct ones, so the resume
//! guarantees are the same, and the merge is one transaction.

use super::*;

/// Rows per staging INSERT: 300 × 21 parameters, well under SQLite's limit of 32,766.
const STAGE_CHUNK: usize = 300;

fn stage_sql(rows: usize) -> String {
    let row = format!("({})", vec!["?"; PERSON_COLUMN_COUNT + 1].join(","));
    let values = vec![row; rows].join(",");
    format!("INSERT INTO import_staging (run_id, {PERSON_COLUMNS}) VALUES {values}")
}

fn full_stage_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| stage_sql(STAGE_CHUNK))
}

/// One multi-row INSERT into `import_staging`, binding borrowed values: the rows outlive the
/// statement, and copying every string of every row was a large share of the writer's time.
fn stage_query<'q>(
    run_id: i64,
    chunk: &'q [Person],
    folded: &'q [String],
) -> sqlx::query::Query<'q, Db, sqlx::sqlite::SqliteArguments> {
    let sql = if chunk.len() == STAGE_CHUNK {
        full_stage_sql().to_owned()
    } else {
        stage_sql(chunk.len())
    };
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (p, folded) in chunk.iter().zip(folded) {
        let card = p.id_card.as_ref();
        q = q
            .bind(run_id)
            .bind(p.personal_id.as_i64())
            .bind(p.name.family())
            .bind(p.name.middle())
            .bind(p.name.given())
            .bind(folded.as_str())
            .bind(p.birth_date)
            .bind(i32::from(p.sex == dinhdanh_domain::Sex::Female))
            .bind(p.place_of_origin.as_str())
            .bind(p.permanent_residence.as_str())
            .bind(
                (p.current_residence != p.permanent_residence)
                    .then_some(p.current_residence.as_str()),
            )
            .bind(p.nationality.as_str())
            .bind(p.ethnicity.as_str())
            .bind(p.religion.as_str())
            .bind(p.father.map(|i| i.as_i64()))
            .bind(p.mother.map(|i| i.as_i64()))
            .bind(p.spouse.map(|i| i.as_i64()))
            .bind(card.map(|c| c.number.as_str()))
            .bind(card.map(|c| c.issued))
            .bind(card.and_then(|c| c.expires))
            .bind(match p.status {
                crate::person::LifeStatus::Living => None,
                crate::person::LifeStatus::Deceased { date } => Some(date),
            });
    }
    q
}

/// Whether a run loads through the staging table.
pub(super) async fn is_staged(pool: &SqlitePool, run_id: i64) -> Result<bool, RegistryError> {
    let mode: Option<String> = sqlx::query_scalar("SELECT mode FROM import_runs WHERE run_id = ?1")
        .bind(run_id)
        .fetch_optional(pool)
        .await?;
    Ok(mode.as_deref() == Some("staged"))
}

/// Appends a batch of a staged run to `import_staging`, with the run's progress, in one
/// transaction.
pub(super) async fn stage(
    pool: &SqlitePool,
    batch: &ImportBatch<Person>,
) -> Result<BatchOutcome, RegistryError> {
    // Staged batches skip the fsync at commit (WAL with synchronous=NORMAL): a process crash
    // still loses nothing written, and a power loss can only lose whole recent batches together
    // with the progress marker that covers them, which the next run then stages again.
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *conn)
        .await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // Bind the next statement while SQLite executes the current one: binding runs on this task
    // and execution on the connection's worker thread, so the two overlap instead of alternating.
    let folded: Vec<String> = batch.rows.iter().map(|p| p.name.folded()).collect();
    let chunks: Vec<(&[Person], &[String])> = batch
        .rows
        .chunks(STAGE_CHUNK)
        .zip(folded.chunks(STAGE_CHUNK))
        .collect();
    let mut next = chunks.first().map(|(c, f)| stage_query(batch.run_id, c, f));
    let mut index = 0;
    while let Some(query) = next.take() {
        index += 1;
        let upcoming = chunks.get(index);
        let (done, built) = tokio::join!(query.execute(&mut *tx), async {
            upcoming.map(|(c, f)| stage_query(batch.run_id, c, f))
        });
        done?;
        next = built;
    }
    let outcome = BatchOutcome {
        inserted: batch.rows.len() as u64,
        ..BatchOutcome::default()
    };
    advance_run(&mut tx, batch, &outcome).await?;
    tx.commit().await?;
    sqlx::query("PRAGMA synchronous = FULL")
        .execute(&mut *conn)
        .await?;
    Ok(outcome)
}

/// Moves a staged run into `persons` in key order and rebuilds the name index by sorting, all in
/// one transaction: killed midway, nothing of the merge remains and the next run redoes it.
pub(super) async fn merge_staged(
    pool: &SqlitePool,
    run_id: i64,
    now_ms: i64,
) -> Result<BatchOutcome, RegistryError> {
    let mut tx = pool.begin().await?;
    sqlx::query("PRAGMA cache_size = -524288")
        .execute(&mut *tx)
        .await?;
    // Let the sorts (key order for the merge, the name index) use both cores.
    sqlx::query("PRAGMA threads = 4").execute(&mut *tx).await?;
    // Every staged row was counted as inserted in the same transaction that staged it.
    let staged: i64 = sqlx::query_scalar("SELECT inserted FROM import_runs WHERE run_id = ?1")
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("DROP INDEX IF EXISTS persons_by_name")
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO persons ({PERSON_COLUMNS}, version, created_at, created_by, updated_at) \
         SELECT {PERSON_COLUMNS}, 1, ?2, 'import:' || ?1, ?2 FROM import_staging \
         WHERE run_id = ?1 ORDER BY personal_id ON CONFLICT (personal_id) DO NOTHING"
    )))
    .bind(run_id)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("CREATE INDEX persons_by_name ON persons (name_folded)")
        .execute(&mut *tx)
        .await?;
    // Without a WHERE clause SQLite drops the table's pages wholesale instead of deleting
    // row by row (21 s → under a second at 10 M rows); only when another unfinished staged run
    // shares the table are this run's rows deleted one by one.
    let others: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM import_runs WHERE mode = 'staged' \
         AND finished_at IS NULL AND run_id <> ?1)",
    )
    .bind(run_id)
    .fetch_one(&mut *tx)
    .await?;
    if others {
        sqlx::query("DELETE FROM import_staging WHERE run_id = ?1")
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM import_staging")
            .execute(&mut *tx)
            .await?;
    }
    // Rows that met an existing number (a concurrent writer during an initial load) are left
    // as they are and counted as unchanged.
    let outcome = BatchOutcome {
        inserted,
        updated: 0,
        unchanged: staged as u64 - inserted,
    };
    if outcome.unchanged > 0 {
        tracing::warn!(
            run_id,
            conflicts = outcome.unchanged,
            "staged rows met existing numbers and were not applied"
        );
    }
    sqlx::query(
        "UPDATE import_runs SET finished_at = ?2, inserted = ?3, updated = 0, unchanged = ?4 \
         WHERE run_id = ?1",
    )
    .bind(run_id)
    .bind(now_ms)
    .bind(outcome.inserted as i64)
    .bind(outcome.unchanged as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}
