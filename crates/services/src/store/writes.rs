//! The applicant's writes, committed in groups on SQLite.
//!
//! Applying means a draft, answers, uploads and the filing: four commits per application. SQLite
//! commits one transaction at a time and each commit waits for the disk, so on SQLite these
//! writes go through a [`GroupCommit`](dinhdanh_store::group::GroupCommit): what arrives together
//! shares one transaction and one fsync. On PostgreSQL each runs in its own transaction; the
//! server groups concurrent commits itself.
//!
//! Each write is a plain statement sequence over its own application, safe to run again after a
//! rolled-back group. A write made on a version that is no longer the application's ends with
//! [`sqlx::Error::RowNotFound`], which the caller reads as [`ServicesError::Changed`].

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use dinhdanh_accounts::AccountId;
use dinhdanh_store::group::GroupedWrite;
use sqlx::SqliteConnection;

use super::{NewEvent, status_code};
use crate::Services;
use crate::application::{Actor, Application, Upload};
use crate::code::{ApplicationCode, UnitCode};
use crate::error::ServicesError;
use crate::status::Status;

/// At most this many writes share one SQLite commit.
const GROUP_MAX: usize = 64;

/// One write.
pub(crate) enum Write {
    /// A new draft, with its form as JSON.
    Draft {
        application: Box<Application>,
        data: String,
    },
    /// The form of a draft (or an application waiting for a supplement) changes.
    Form {
        id: String,
        version: i64,
        data: String,
        now: i64,
    },
    /// A document is uploaded, replacing an earlier file for it.
    Upload {
        id: String,
        version: i64,
        upload: Upload,
        bytes: Vec<u8>,
    },
    /// A draft is filed: it gets the next number of its unit's day, and `code` is set to it.
    File {
        id: String,
        version: i64,
        account: Option<AccountId>,
        unit: UnitCode,
        day: NaiveDate,
        now: i64,
        accept_due: i64,
        code: Arc<Mutex<Option<ApplicationCode>>>,
    },
}

/// Bumps the version of application `$id` if it is still `$version`; otherwise the write ends
/// with [`sqlx::Error::RowNotFound`].
macro_rules! claim_version {
    ($conn:expr, $id:expr, $version:expr) => {{
        let claimed = sqlx::query(
            "UPDATE service_applications SET version = version + 1
             WHERE application_id = $1 AND version = $2",
        )
        .bind($id)
        .bind($version)
        .execute(&mut *$conn)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Err(sqlx::Error::RowNotFound);
        }
    }};
}

/// Runs `$write` on `$conn` (a SQLite or PostgreSQL connection): the same SQL for both.
macro_rules! apply_write {
    ($conn:expr, $write:expr) => {{
        match $write {
            Write::Draft { application, data } => {
                insert_row!($conn, &**application, data);
            }
            Write::Form {
                id,
                version,
                data,
                now,
            } => {
                claim_version!($conn, id, version);
                sqlx::query(
                    "UPDATE service_applications SET data = $2, updated_at = $3
                     WHERE application_id = $1",
                )
                .bind(id)
                .bind(data)
                .bind(now)
                .execute(&mut *$conn)
                .await?;
            }
            Write::Upload {
                id,
                version,
                upload,
                bytes,
            } => {
                claim_version!($conn, id, version);
                sqlx::query(
                    "DELETE FROM service_uploads WHERE application_id = $1 AND document_id = $2",
                )
                .bind(id)
                .bind(&upload.document)
                .execute(&mut *$conn)
                .await?;
                sqlx::query(
                    "INSERT INTO service_uploads
                         (application_id, document_id, file_name, media_type, size, sha256, bytes,
                          uploaded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(&upload.document)
                .bind(&upload.file_name)
                .bind(&upload.media_type)
                .bind(upload.size)
                .bind(&upload.sha256)
                .bind(bytes)
                .bind(upload.uploaded_at)
                .execute(&mut *$conn)
                .await?;
            }
            Write::File {
                id,
                version,
                account,
                unit,
                day,
                now,
                accept_due,
                code,
            } => {
                claim_version!($conn, id, version);
                add_event!(
                    $conn,
                    id,
                    &NewEvent {
                        at: *now,
                        actor: Actor::Applicant(*account),
                        step: "file",
                        from: None,
                        to: Some(Status::New),
                        reason: None,
                        detail: None,
                    }
                );
                // The day's counter is the one row every filing of the unit takes (on
                // PostgreSQL, a lock held until the commit): taken last.
                let (last,): (i64,) = sqlx::query_as(
                    "INSERT INTO service_sequences (unit, day, last) VALUES ($1, $2, 1)
                     ON CONFLICT (unit, day) DO UPDATE SET last = service_sequences.last + 1
                     RETURNING last",
                )
                .bind(unit.as_str())
                .bind(day.to_string())
                .fetch_one(&mut *$conn)
                .await?;
                let number = u32::try_from(last).map_err(|_| {
                    sqlx::Error::Protocol(format!("{unit} ran out of application numbers on {day}"))
                })?;
                let filed_code = ApplicationCode::new(unit, *day, number);
                sqlx::query(
                    "UPDATE service_applications
                     SET code = $2, status = 1, filed_at = $3, accept_due_at = $4, updated_at = $3
                     WHERE application_id = $1 AND status = 0",
                )
                .bind(id)
                .bind(filed_code.as_str())
                .bind(now)
                .bind(accept_due)
                .execute(&mut *$conn)
                .await?;
                *code.lock().unwrap_or_else(|e| e.into_inner()) = Some(filed_code);
            }
        }
        Ok::<(), sqlx::Error>(())
    }};
}

impl GroupedWrite for Write {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        apply_write!(conn, self)
    }
}

/// Commits one write: in a group on SQLite, in its own transaction on PostgreSQL. A write on a
/// version that is no longer the application's is [`ServicesError::Changed`].
pub(crate) async fn write(s: &Services, write: Write) -> Result<(), ServicesError> {
    let done = match (s.db(), &s.inner.writes) {
        (dinhdanh_store::Db::Sqlite(_), Some(group)) => group.write(write).await,
        (dinhdanh_store::Db::Sqlite(pool), None) => {
            let _gate = s.inner.gate.lock().await;
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            let conn: &mut SqliteConnection = &mut tx;
            let applied: Result<(), sqlx::Error> = async { apply_write!(conn, &write) }.await;
            match applied {
                Ok(()) => tx.commit().await,
                Err(e) => Err(e),
            }
        }
        (dinhdanh_store::Db::Postgres(pool), _) => {
            let mut tx = pool.begin().await?;
            let conn: &mut sqlx::PgConnection = &mut tx;
            let applied: Result<(), sqlx::Error> = async { apply_write!(conn, &write) }.await;
            match applied {
                Ok(()) => tx.commit().await,
                Err(e) => Err(e),
            }
        }
    };
    match done {
        Err(sqlx::Error::RowNotFound) => Err(ServicesError::Changed),
        other => Ok(other?),
    }
}

/// The group committer for `db`'s applicant writes: on SQLite only.
pub(crate) fn group_for(
    db: &dinhdanh_store::Db,
    gate: Arc<tokio::sync::Mutex<()>>,
) -> Option<dinhdanh_store::group::GroupCommit<Write>> {
    match db {
        dinhdanh_store::Db::Sqlite(pool) => Some(dinhdanh_store::group::GroupCommit::new(
            pool.clone(),
            gate,
            GROUP_MAX,
        )),
        dinhdanh_store::Db::Postgres(_) => None,
    }
}
