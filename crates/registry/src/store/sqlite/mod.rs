//! The registry on embedded SQLite.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use async_trait::async_trait;
use dinhdanh_domain::{PersonalId, TaxCode};
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite as Db, Transaction};

mod staging;

use self::staging::{is_staged, merge_staged, stage};
use super::*;
use crate::organization::OrganizationRow;
use crate::row::PersonRow;

/// Rows per multi-row INSERT: 50 × 24 parameters stays far below SQLite's limit and keeps one
/// cached prepared statement for full chunks.
const CHUNK: usize = 50;

const SELECT_PERSON: &str = "SELECT personal_id, family_name, middle_name, given_name, birth_date, \
    sex, place_of_origin, permanent_residence, current_residence, nationality, ethnicity, religion, \
    father_id, mother_id, spouse_id, id_card_number, id_card_issued, id_card_expires, death_date, \
    previous_id, superseded_by, version, created_at, created_by, updated_at FROM persons";

const SELECT_ORGANIZATION: &str = "SELECT code, name_vi, abbreviation, name_foreign, founded, \
    head_office, legal_representative, version, created_at, created_by, updated_at FROM organizations";

/// Registry storage on a SQLite pool.
pub struct SqliteRegistry {
    pool: SqlitePool,
}

impl SqliteRegistry {
    /// Wraps a pool whose schema is migrated.
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

fn insert_sql(rows: usize) -> String {
    let mut sql = format!(
        "INSERT INTO persons ({PERSON_COLUMNS}, version, created_at, created_by, updated_at) VALUES "
    );
    let per_row = PERSON_COLUMN_COUNT + 4;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..per_row {
            if c > 0 {
                sql.push(',');
            }
            // Anonymous `?`: SQLite resolves numbered parameters by a linear scan per bind, which
            // makes a many-row statement quadratic (it was 44% of import time).
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

fn full_chunk_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| insert_sql(CHUNK))
}

const UPDATE_PERSON: &str = "UPDATE persons SET family_name = ?2, middle_name = ?3, \
    given_name = ?4, name_folded = ?5, birth_date = ?6, sex = ?7, place_of_origin = ?8, \
    permanent_residence = ?9, current_residence = ?10, nationality = ?11, ethnicity = ?12, \
    religion = ?13, father_id = ?14, mother_id = ?15, spouse_id = ?16, id_card_number = ?17, \
    id_card_issued = ?18, id_card_expires = ?19, death_date = ?20, version = version + 1, \
    updated_at = ?21 WHERE personal_id = ?1 AND version = ?22 AND superseded_by IS NULL";

async fn write_update(
    tx: &mut Transaction<'_, Db>,
    person: &Person,
    expected_version: u32,
    now_ms: i64,
) -> Result<bool, RegistryError> {
    let result = bind_person!(sqlx::query(UPDATE_PERSON), PersonColumns::from(person))
        .bind(now_ms)
        .bind(i64::from(expected_version))
        .execute(&mut **tx)
        .await?;
    Ok(result.rows_affected() == 1)
}

async fn write_version(
    tx: &mut Transaction<'_, Db>,
    table: &str,
    key_column: &str,
    key: impl sqlx::Encode<'_, Db> + sqlx::Type<Db> + Send,
    version: u32,
    who: (&str, &str, i64),
    changes: &[Change],
) -> Result<(), RegistryError> {
    let (actor, reason, now_ms) = who;
    let sql = format!(
        "INSERT INTO {table} ({key_column}, version, changed_at, actor, reason, changes) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(key)
        .bind(i64::from(version))
        .bind(now_ms)
        .bind(actor)
        .bind(reason)
        .bind(changes_json(changes))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Which of these numbers are already stored (one indexed probe per number, no row data).
async fn existing_ids(
    tx: &mut Transaction<'_, Db>,
    ids: &[i64],
) -> Result<HashSet<i64>, RegistryError> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let mut qb =
            QueryBuilder::<Db>::new("SELECT personal_id FROM persons WHERE personal_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")");
        let found: Vec<i64> = qb.build_query_scalar().fetch_all(&mut **tx).await?;
        out.extend(found);
    }
    Ok(out)
}

async fn fetch_persons(
    tx: &mut Transaction<'_, Db>,
    ids: &[i64],
) -> Result<HashMap<i64, DbPerson>, RegistryError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut qb = QueryBuilder::<Db>::new(SELECT_PERSON);
        qb.push(" WHERE personal_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<DbPerson> = qb.build_query_as().fetch_all(&mut **tx).await?;
        out.extend(rows.into_iter().map(|r| (r.personal_id, r)));
    }
    Ok(out)
}

async fn advance_run<T>(
    tx: &mut Transaction<'_, Db>,
    batch: &ImportBatch<T>,
    outcome: &BatchOutcome,
) -> Result<(), RegistryError> {
    sqlx::query(
        "UPDATE import_runs SET committed_offset = ?2, committed_line = ?3, \
         inserted = inserted + ?4, updated = updated + ?5, unchanged = unchanged + ?6 \
         WHERE run_id = ?1",
    )
    .bind(batch.run_id)
    .bind(batch.end_offset as i64)
    .bind(batch.end_line as i64)
    .bind(outcome.inserted as i64)
    .bind(outcome.updated as i64)
    .bind(outcome.unchanged as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl RegistryStore for SqliteRegistry {
    async fn person(&self, id: PersonalId) -> Result<Option<PersonRecord>, RegistryError> {
        let row: Option<DbPerson> = sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT_PERSON} WHERE personal_id = ?1"
        )))
        .bind(id.as_i64())
        .fetch_optional(&self.pool)
        .await?;
        row.map(DbPerson::into_record).transpose()
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<PersonRecord>, RegistryError> {
        let (low, high) = query.province_range();
        let (male, female) = query.year_codes();
        let (after_name, after_id) = match &query.after {
            Some((n, id)) => (Some(n.clone()), Some(id.as_i64())),
            None => (None, None),
        };
        let sql = format!(
            "{SELECT_PERSON} WHERE name_folded >= ?1 AND name_folded < ?2 \
             AND (?3 IS NULL OR name_folded > ?3 OR (name_folded = ?3 AND personal_id > ?4)) \
             AND (?5 IS NULL OR personal_id BETWEEN ?5 AND ?6) \
             AND (?7 IS NULL OR (personal_id / 1000000) % 1000 IN (?7, ?8)) \
             ORDER BY name_folded, personal_id LIMIT ?9"
        );
        let rows: Vec<DbPerson> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&query.folded_prefix)
            .bind(query.upper_bound())
            .bind(after_name)
            .bind(after_id)
            .bind(low)
            .bind(high)
            .bind(male)
            .bind(female)
            .bind(i64::from(query.limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(DbPerson::into_record).collect()
    }

    async fn person_versions(&self, id: PersonalId) -> Result<Vec<VersionEntry>, RegistryError> {
        let rows: Vec<DbVersion> = sqlx::query_as(
            "SELECT version, changed_at, actor, reason, changes FROM person_versions \
             WHERE personal_id = ?1 ORDER BY version",
        )
        .bind(id.as_i64())
        .fetch_all(&self.pool)
        .await?;
        let key = id.to_string();
        rows.into_iter().map(|r| r.into_entry(&key)).collect()
    }

    async fn update_person(&self, update: &PersonUpdate) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        let id = update.person.personal_id;
        if !write_update(
            &mut tx,
            &update.person,
            update.expected_version,
            update.now_ms,
        )
        .await?
        {
            tx.rollback().await?;
            return Err(self.why_not_current(id).await);
        }
        write_version(
            &mut tx,
            "person_versions",
            "personal_id",
            id.as_i64(),
            update.expected_version + 1,
            (&update.actor, &update.reason, update.now_ms),
            &update.changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reestablish(&self, re: &Reestablishment) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        let retired = sqlx::query(
            "UPDATE persons SET superseded_by = ?2, version = version + 1, updated_at = ?3 \
             WHERE personal_id = ?1 AND version = ?4 AND superseded_by IS NULL",
        )
        .bind(re.old.as_i64())
        .bind(re.person.personal_id.as_i64())
        .bind(re.now_ms)
        .bind(i64::from(re.expected_version))
        .execute(&mut *tx)
        .await?;
        if retired.rows_affected() != 1 {
            tx.rollback().await?;
            return Err(self.why_not_current(re.old).await);
        }
        write_version(
            &mut tx,
            "person_versions",
            "personal_id",
            re.old.as_i64(),
            re.expected_version + 1,
            (&re.actor, &re.reason, re.now_ms),
            &re.changes,
        )
        .await?;
        bind_person!(
            sqlx::query(AssertSqlSafe(insert_sql(1))),
            PersonColumns::from(&re.person)
        )
        .bind(1_i64)
        .bind(re.now_ms)
        .bind(&re.actor)
        .bind(re.now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE persons SET previous_id = ?2 WHERE personal_id = ?1")
            .bind(re.person.personal_id.as_i64())
            .bind(re.old.as_i64())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_persons(
        &self,
        batch: &ImportBatch<Person>,
    ) -> Result<BatchOutcome, RegistryError> {
        if is_staged(&self.pool, batch.run_id).await? {
            return stage(&self.pool, batch).await;
        }
        let actor = format!("import:{}", batch.run_id);
        let mut tx = self.pool.begin().await?;
        // A large page cache for the bulk writer: the table is clustered on the number, so new
        // rows land all over it and re-reading pages through the kernel dominated otherwise.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *tx)
            .await?;
        // Checkpoint the WAL less often: a page changed by several batches is then copied into
        // the database once, not once per batch.
        sqlx::query("PRAGMA wal_autocheckpoint = 65536")
            .execute(&mut *tx)
            .await?;
        let ids: Vec<i64> = batch.rows.iter().map(|p| p.personal_id.as_i64()).collect();
        let present = existing_ids(&mut tx, &ids).await?;
        // Insert in key order: neighbouring rows share B-tree pages.
        let mut fresh: Vec<&Person> = batch
            .rows
            .iter()
            .filter(|p| !present.contains(&p.personal_id.as_i64()))
            .collect();
        fresh.sort_unstable_by_key(|p| p.personal_id);
        for chunk in fresh.chunks(CHUNK) {
            let sql = if chunk.len() == CHUNK {
                full_chunk_sql().to_owned()
            } else {
                insert_sql(chunk.len())
            };
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in chunk {
                q = bind_person!(q, PersonColumns::from(*p))
                    .bind(1_i64)
                    .bind(batch.now_ms)
                    .bind(actor.clone())
                    .bind(batch.now_ms);
            }
            q.execute(&mut *tx).await?;
        }
        let inserted: HashSet<i64> = fresh.iter().map(|p| p.personal_id.as_i64()).collect();
        let mut outcome = BatchOutcome {
            inserted: inserted.len() as u64,
            ..BatchOutcome::default()
        };
        let existing: Vec<i64> = batch
            .rows
            .iter()
            .map(|p| p.personal_id.as_i64())
            .filter(|id| !inserted.contains(id))
            .collect();
        if !existing.is_empty() {
            let mut stored = fetch_persons(&mut tx, &existing).await?;
            let reason = format!("import run {}", batch.run_id);
            for p in batch.rows.iter() {
                let Some(row) = stored.remove(&p.personal_id.as_i64()) else {
                    continue;
                };
                let record = row.into_record()?;
                if record.person == *p || record.superseded_by.is_some() {
                    outcome.unchanged += 1;
                    continue;
                }
                let changes = PersonRow::from(&record.person).diff(&PersonRow::from(p));
                if !write_update(&mut tx, p, record.version, batch.now_ms).await? {
                    return Err(RegistryError::VersionConflict {
                        id: p.personal_id,
                        current: record.version,
                    });
                }
                write_version(
                    &mut tx,
                    "person_versions",
                    "personal_id",
                    p.personal_id.as_i64(),
                    record.version + 1,
                    (&actor, &reason, batch.now_ms),
                    &changes,
                )
                .await?;
                outcome.updated += 1;
            }
        }
        advance_run(&mut tx, batch, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn import_organizations(
        &self,
        batch: &ImportBatch<Organization>,
    ) -> Result<BatchOutcome, RegistryError> {
        let actor = format!("import:{}", batch.run_id);
        let reason = format!("import run {}", batch.run_id);
        let mut tx = self.pool.begin().await?;
        let mut outcome = BatchOutcome::default();
        for o in &batch.rows {
            let stored: Option<DbOrganization> = sqlx::query_as(AssertSqlSafe(format!(
                "{SELECT_ORGANIZATION} WHERE code = ?1"
            )))
            .bind(o.code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match stored {
                None => {
                    bind_organization!(
                        sqlx::query(
                            "INSERT INTO organizations (code, name_vi, abbreviation, name_foreign, \
                         name_folded, founded, head_office, legal_representative, version, \
                         created_at, created_by, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?9)",
                        ),
                        o
                    )
                    .bind(batch.now_ms)
                    .bind(&actor)
                    .execute(&mut *tx)
                    .await?;
                    outcome.inserted += 1;
                }
                Some(row) => {
                    let record = row.into_record()?;
                    if record.organization == *o {
                        outcome.unchanged += 1;
                        continue;
                    }
                    let changes =
                        OrganizationRow::from(&record.organization).diff(&OrganizationRow::from(o));
                    bind_organization!(
                        sqlx::query(
                            "UPDATE organizations SET name_vi = ?2, abbreviation = ?3, \
                         name_foreign = ?4, name_folded = ?5, founded = ?6, head_office = ?7, \
                         legal_representative = ?8, version = version + 1, updated_at = ?9 \
                         WHERE code = ?1",
                        ),
                        o
                    )
                    .bind(batch.now_ms)
                    .execute(&mut *tx)
                    .await?;
                    write_version(
                        &mut tx,
                        "organization_versions",
                        "code",
                        o.code.as_str().to_owned(),
                        record.version + 1,
                        (&actor, &reason, batch.now_ms),
                        &changes,
                    )
                    .await?;
                    outcome.updated += 1;
                }
            }
        }
        advance_run(&mut tx, batch, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn open_run(&self, start: &RunStart) -> Result<ImportRun, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let open: Option<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT run_id, committed_offset, committed_line, inserted, updated, unchanged \
             FROM import_runs WHERE file_sha256 = ?1 AND kind = ?2 AND finished_at IS NULL \
             ORDER BY run_id DESC LIMIT 1",
        )
        .bind(&start.file_sha256)
        .bind(start.kind.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let run = match open {
            Some((run_id, offset, line, inserted, updated, unchanged)) => ImportRun {
                run_id,
                committed_offset: offset as u64,
                committed_line: line as u64,
                outcome: BatchOutcome {
                    inserted: inserted as u64,
                    updated: updated as u64,
                    unchanged: unchanged as u64,
                },
                resumed: true,
            },
            None => {
                // An initial load into an empty registry is staged and merged in key order:
                // random inserts into a clustered table of millions of rows rewrite pages
                // over and over, while appends and one sorted merge write each page once.
                let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM persons)")
                    .fetch_one(&mut *tx)
                    .await?;
                let mode = if start.kind == ImportKind::Persons && empty {
                    "staged"
                } else {
                    "direct"
                };
                let run_id: i64 = sqlx::query_scalar(
                    "INSERT INTO import_runs (kind, file_name, file_sha256, started_at, \
                     committed_offset, committed_line, inserted, updated, unchanged, mode) \
                     VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0, ?5) RETURNING run_id",
                )
                .bind(start.kind.as_str())
                .bind(&start.file_name)
                .bind(&start.file_sha256)
                .bind(start.now_ms)
                .bind(mode)
                .fetch_one(&mut *tx)
                .await?;
                ImportRun {
                    run_id,
                    committed_offset: 0,
                    committed_line: 0,
                    outcome: BatchOutcome::default(),
                    resumed: false,
                }
            }
        };
        tx.commit().await?;
        Ok(run)
    }

    async fn finish_run(
        &self,
        run_id: i64,
        now_ms: i64,
    ) -> Result<Option<BatchOutcome>, RegistryError> {
        if !is_staged(&self.pool, run_id).await? {
            sqlx::query("UPDATE import_runs SET finished_at = ?2 WHERE run_id = ?1")
                .bind(run_id)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        merge_staged(&self.pool, run_id, now_ms).await.map(Some)
    }

    async fn counts(&self) -> Result<Counts, RegistryError> {
        let persons: i64 = sqlx::query_scalar("SELECT count(*) FROM persons")
            .fetch_one(&self.pool)
            .await?;
        let organizations: i64 = sqlx::query_scalar("SELECT count(*) FROM organizations")
            .fetch_one(&self.pool)
            .await?;
        Ok(Counts {
            persons: persons as u64,
            organizations: organizations as u64,
        })
    }

    async fn persons_after(
        &self,
        after: Option<PersonalId>,
        limit: u32,
    ) -> Result<Vec<Person>, RegistryError> {
        let rows: Vec<DbPerson> = sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT_PERSON} WHERE personal_id > ?1 ORDER BY personal_id LIMIT ?2"
        )))
        .bind(after.map_or(-1, |i| i.as_i64()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DbPerson::into_person).collect()
    }

    async fn organization(
        &self,
        code: &TaxCode,
    ) -> Result<Option<OrganizationRecord>, RegistryError> {
        let row: Option<DbOrganization> = sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT_ORGANIZATION} WHERE code = ?1"
        )))
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(DbOrganization::into_record).transpose()
    }

    async fn organizations_represented_by(
        &self,
        id: PersonalId,
    ) -> Result<Vec<OrganizationRecord>, RegistryError> {
        let rows: Vec<DbOrganization> = sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT_ORGANIZATION} WHERE legal_representative = ?1 ORDER BY code"
        )))
        .bind(id.as_i64())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DbOrganization::into_record).collect()
    }

    async fn organizations_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Organization>, RegistryError> {
        let rows: Vec<DbOrganization> = sqlx::query_as(AssertSqlSafe(format!(
            "{SELECT_ORGANIZATION} WHERE code > ?1 ORDER BY code LIMIT ?2"
        )))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| r.into_record().map(|r| r.organization))
            .collect()
    }
}

impl SqliteRegistry {
    /// Explains why a versioned write matched no row.
    async fn why_not_current(&self, id: PersonalId) -> RegistryError {
        match self.person(id).await {
            Ok(None) => RegistryError::PersonNotFound(id),
            Ok(Some(r)) => match r.superseded_by {
                Some(by) => RegistryError::Superseded { id, by },
                None => RegistryError::VersionConflict {
                    id,
                    current: r.version,
                },
            },
            Err(e) => e,
        }
    }
}
