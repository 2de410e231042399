//! The requests' tables, read and written with SQL that runs unchanged on SQLite and PostgreSQL.
//!
//! A change of status is one write transaction: read the request, let the rule decide, update it
//! only if its version is still the one read, and append the event numbered by the new version.
//! On SQLite the transaction holds the write lock from its start; on PostgreSQL the version check
//! turns a concurrent change into [`RightsError::Conflict`] instead of a lost update.

use dinhdanh_accounts::AccountId;
use dinhdanh_domain::PersonalId;
use dinhdanh_store::{on_db, write_tx};

use crate::error::{RightsError, corrupt};
use crate::request::{
    Actor, Counts, Detail, Event, Field, Kind, Queue, Request, RequestId, Status,
};
use crate::{MAX_LISTED, MAX_WAITING_PER_ACCOUNT, Rights};

/// `SELECT` of every column of a request, followed by the rest of the statement.
macro_rules! select_requests {
    ($rest:literal) => {
        concat!(
            "SELECT request_id, personal_id, account_id, kind, about, fields, filed_at, due_at,
                    status, handler_account, answer, closed_at, version
             FROM rights_requests ",
            $rest
        )
    };
}

/// A request's row.
#[derive(sqlx::FromRow)]
struct Row {
    request_id: String,
    personal_id: String,
    account_id: i64,
    kind: String,
    about: String,
    fields: String,
    filed_at: i64,
    due_at: i64,
    status: String,
    handler_account: Option<i64>,
    answer: Option<String>,
    closed_at: Option<i64>,
    version: i64,
}

impl Row {
    fn parse(self) -> Result<Request, RightsError> {
        let id = &self.request_id;
        let fields = if self.fields.is_empty() {
            Vec::new()
        } else {
            self.fields
                .split(',')
                .map(Field::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt(id, e))?
        };
        Ok(Request {
            id: RequestId::parse(id).map_err(|_| corrupt(id, "malformed request ID"))?,
            personal_id: PersonalId::parse(&self.personal_id).map_err(|e| corrupt(id, e))?,
            account: self.account_id,
            kind: Kind::parse(&self.kind).map_err(|e| corrupt(id, e))?,
            about: self.about,
            fields,
            filed_at: self.filed_at,
            due_at: self.due_at,
            status: Status::parse(&self.status)
                .ok_or_else(|| corrupt(id, format!("unknown status {:?}", self.status)))?,
            handler: self.handler_account,
            answer: self.answer,
            closed_at: self.closed_at,
            version: self.version,
        })
    }
}

/// An event's row.
#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor_account: i64,
    actor_role: String,
    from_status: Option<String>,
    to_status: String,
    note: Option<String>,
}

impl EventRow {
    fn parse(self, id: &RequestId) -> Result<Event, RightsError> {
        let status = |s: &str| {
            Status::parse(s).ok_or_else(|| corrupt(id.as_str(), format!("unknown status {s:?}")))
        };
        let actor = match self.actor_role.as_str() {
            "filer" => Actor::Filer(self.actor_account),
            "officer" => Actor::Officer(self.actor_account),
            other => {
                return Err(corrupt(
                    id.as_str(),
                    format!("unknown actor role {other:?}"),
                ));
            }
        };
        Ok(Event {
            seq: self.seq,
            at: self.at,
            actor,
            from: self.from_status.as_deref().map(status).transpose()?,
            to: status(&self.to_status)?,
            note: self.note,
        })
    }
}

/// What a rule decided a request becomes.
pub(crate) struct Step {
    pub actor: Actor,
    pub at: i64,
    pub to: Status,
    pub handler: Option<AccountId>,
    pub answer: Option<String>,
    pub note: Option<String>,
}

fn field_list(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

const INSERT_EVENT: &str = "INSERT INTO rights_request_events
         (request_id, seq, at, actor_account, actor_role, from_status, to_status, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

impl Rights {
    /// Stores a new request and its filing event, unless the account has too many waiting.
    pub(crate) async fn insert(&self, request: &Request) -> Result<(), RightsError> {
        let fields = field_list(&request.fields);
        let personal_id = request.personal_id.to_string();
        write_tx!(&self.db, self.gate, |tx| {
            let (waiting,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM rights_requests
                 WHERE account_id = $1 AND status IN ('open', 'in_progress')",
            )
            .bind(request.account)
            .fetch_one(&mut *tx)
            .await?;
            if waiting as u64 >= MAX_WAITING_PER_ACCOUNT {
                return Err(RightsError::TooManyOpen {
                    max: MAX_WAITING_PER_ACCOUNT,
                });
            }
            sqlx::query(
                "INSERT INTO rights_requests
                     (request_id, personal_id, account_id, kind, about, fields, filed_at, due_at,
                      status, handler_account, answer, closed_at, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, $10, $7)",
            )
            .bind(request.id.as_str())
            .bind(&personal_id)
            .bind(request.account)
            .bind(request.kind.as_str())
            .bind(&request.about)
            .bind(&fields)
            .bind(request.filed_at)
            .bind(request.due_at)
            .bind(request.status.as_str())
            .bind(request.version)
            .execute(&mut *tx)
            .await?;
            sqlx::query(INSERT_EVENT)
                .bind(request.id.as_str())
                .bind(request.version)
                .bind(request.filed_at)
                .bind(request.account)
                .bind(Actor::Filer(request.account).role())
                .bind(None::<String>)
                .bind(request.status.as_str())
                .bind(None::<String>)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Applies the change `decide` makes of the request as it is now, in one write transaction;
    /// `decide` returning `None` changes nothing.
    pub(crate) async fn change<F>(&self, id: &RequestId, decide: F) -> Result<Request, RightsError>
    where
        F: FnOnce(&Request) -> Result<Option<Step>, RightsError>,
    {
        let changed = write_tx!(&self.db, self.gate, |tx| {
            let row: Option<Row> = sqlx::query_as(select_requests!("WHERE request_id = $1"))
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let current = row.ok_or(RightsError::NotFound)?.parse()?;
            match decide(&current)? {
                None => current,
                Some(step) => {
                    let closed_at = step.to.is_closed().then_some(step.at);
                    let updated = sqlx::query(
                        "UPDATE rights_requests
                         SET status = $1, handler_account = $2, answer = $3, closed_at = $4,
                             version = version + 1, updated_at = $5
                         WHERE request_id = $6 AND version = $7",
                    )
                    .bind(step.to.as_str())
                    .bind(step.handler)
                    .bind(&step.answer)
                    .bind(closed_at)
                    .bind(step.at)
                    .bind(id.as_str())
                    .bind(current.version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if updated != 1 {
                        return Err(RightsError::Conflict);
                    }
                    let version = current.version + 1;
                    sqlx::query(INSERT_EVENT)
                        .bind(id.as_str())
                        .bind(version)
                        .bind(step.at)
                        .bind(step.actor.account())
                        .bind(step.actor.role())
                        .bind(current.status.as_str())
                        .bind(step.to.as_str())
                        .bind(&step.note)
                        .execute(&mut *tx)
                        .await?;
                    Request {
                        status: step.to,
                        handler: step.handler,
                        answer: step.answer,
                        closed_at,
                        version,
                        ..current
                    }
                }
            }
        });
        Ok(changed)
    }

    /// A request with its events, oldest first.
    pub(crate) async fn detail(&self, id: &RequestId) -> Result<Detail, RightsError> {
        let row: Option<Row> = on_db!(&self.db, |pool| {
            sqlx::query_as(select_requests!("WHERE request_id = $1"))
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?
        });
        let request = row.ok_or(RightsError::NotFound)?.parse()?;
        let rows: Vec<EventRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT seq, at, actor_account, actor_role, from_status, to_status, note
                 FROM rights_request_events WHERE request_id = $1 ORDER BY seq",
            )
            .bind(id.as_str())
            .fetch_all(pool)
            .await?
        });
        let events = rows
            .into_iter()
            .map(|r| r.parse(id))
            .collect::<Result<_, _>>()?;
        Ok(Detail { request, events })
    }

    /// An account's requests, newest first.
    pub(crate) async fn of_account(&self, account: AccountId) -> Result<Vec<Request>, RightsError> {
        let rows: Vec<Row> = on_db!(&self.db, |pool| {
            sqlx::query_as(select_requests!(
                "WHERE account_id = $1 ORDER BY filed_at DESC, request_id LIMIT $2"
            ))
            .bind(account)
            .bind(i64::from(MAX_LISTED))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Row::parse).collect()
    }

    /// One of the officers' lists. Waiting requests are ordered by deadline alone, which puts the
    /// overdue ones first: a request is overdue when its deadline is before now, and every other
    /// waiting request's deadline is not.
    pub(crate) async fn listed(
        &self,
        queue: Queue,
        officer: AccountId,
    ) -> Result<Vec<Request>, RightsError> {
        let limit = i64::from(MAX_LISTED);
        let rows: Vec<Row> = on_db!(&self.db, |pool| {
            match queue {
                Queue::Waiting => {
                    sqlx::query_as(select_requests!(
                        "WHERE status IN ('open', 'in_progress')
                         ORDER BY due_at, request_id LIMIT $1"
                    ))
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
                }
                Queue::Mine => {
                    sqlx::query_as(select_requests!(
                        "WHERE status = 'in_progress' AND handler_account = $1
                         ORDER BY due_at, request_id LIMIT $2"
                    ))
                    .bind(officer)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
                }
                Queue::Closed => {
                    sqlx::query_as(select_requests!(
                        "WHERE status IN ('done', 'rejected', 'withdrawn')
                         ORDER BY closed_at DESC, request_id LIMIT $1"
                    ))
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
                }
            }
        });
        rows.into_iter().map(Row::parse).collect()
    }

    /// The queue's numbers at `now`.
    pub(crate) async fn count_at(&self, now: i64) -> Result<Counts, RightsError> {
        let (open, in_progress, overdue): (i64, i64, i64) = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT COUNT(CASE WHEN status = 'open' THEN 1 END),
                        COUNT(CASE WHEN status = 'in_progress' THEN 1 END),
                        COUNT(CASE WHEN due_at < $1 THEN 1 END)
                 FROM rights_requests WHERE status IN ('open', 'in_progress')",
            )
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(Counts {
            open: open as u64,
            in_progress: in_progress as u64,
            overdue: overdue as u64,
        })
    }
}
