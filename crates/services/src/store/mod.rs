//! The SQL, written once for SQLite and PostgreSQL (`$N` placeholders, the store's macros).
//! Every change of an application is an update conditioned on the version the caller saw, so
//! two officers acting at once cannot both win; the event and the update share a transaction.

use dinhdanh_accounts::AccountId;
use dinhdanh_domain::PersonalId;
use dinhdanh_store::{on_db, write_tx};
use rand::RngCore;
use sqlx::FromRow;

use crate::application::{Actor, Application, Detail, Event, Filing, Form, Outcome, Upload};
use crate::catalogue::Level;
use crate::code::{ApplicationCode, UnitCode};
use crate::error::ServicesError;
use crate::result::Issued;
use crate::status::Status;
use crate::{MAX_LISTED, Services};

mod catalogue;
mod public;
mod tallies;

pub(crate) use catalogue::{add_officer, import, procedure, procedures, units_of};
pub(crate) use public::{ResultKey, count_check, result};
pub(crate) use tallies::{day_number, recount, sums as tally_sums};

/// A fresh application identifier: 128 random bits, hex.
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(FromRow)]
struct Row {
    application_id: String,
    code: Option<String>,
    procedure_code: String,
    unit: String,
    personal_id: i64,
    account_id: Option<i64>,
    channel: String,
    level: String,
    status: i64,
    data: String,
    fee_vnd: i64,
    created_at: i64,
    filed_at: Option<i64>,
    accept_due_at: Option<i64>,
    accepted_at: Option<i64>,
    first_due_at: Option<i64>,
    due_at: Option<i64>,
    decided_at: Option<i64>,
    outcome: Option<String>,
    returned_at: Option<i64>,
    result_electronic: Option<i64>,
    apologies: i64,
    version: i64,
}

/// The columns of [`Row`], for `concat!`.
macro_rules! columns {
    () => {
        "application_id, code, procedure_code, unit, personal_id, account_id, channel, level,
         status, data, fee_vnd, created_at, filed_at, accept_due_at, accepted_at, first_due_at,
         due_at, decided_at, outcome, returned_at, result_electronic, apologies, version"
    };
}

fn corrupt(what: &str) -> ServicesError {
    ServicesError::Storage(format!("a stored application has an unreadable {what}"))
}

impl Row {
    fn into_application(self) -> Result<Application, ServicesError> {
        Ok(Application {
            id: self.application_id,
            code: self
                .code
                .as_deref()
                .map(ApplicationCode::parse)
                .transpose()?,
            procedure: self.procedure_code,
            unit: UnitCode::parse(&self.unit)?,
            personal_id: PersonalId::parse(&format!("{:012}", self.personal_id))
                .map_err(|_| corrupt("personal ID"))?,
            account: self.account_id,
            filing: match self.channel.as_str() {
                "online" => Filing::Online,
                "counter" => Filing::Counter,
                _ => return Err(corrupt("channel")),
            },
            level: Level::parse(&self.level).ok_or_else(|| corrupt("level"))?,
            status: match self.status {
                0 => None,
                code => Some(Status::from_code(code).ok_or_else(|| corrupt("status"))?),
            },
            form: serde_json::from_str(&self.data)?,
            fee_vnd: self.fee_vnd,
            created_at: self.created_at,
            filed_at: self.filed_at,
            accept_due_at: self.accept_due_at,
            accepted_at: self.accepted_at,
            first_due_at: self.first_due_at,
            due_at: self.due_at,
            decided_at: self.decided_at,
            outcome: self.outcome.as_deref().map(Outcome::parse).transpose()?,
            returned_at: self.returned_at,
            result_electronic: self.result_electronic.map(|e| e == 1),
            apologies: self.apologies,
            version: self.version,
        })
    }
}

fn status_code(status: Option<Status>) -> i64 {
    status.map_or(0, |s| s.code() as i64)
}

/// Inserts the whole application, in the caller's transaction.
macro_rules! insert_row {
    ($tx:expr, $a:expr, $data:expr) => {{
        let a: &Application = $a;
        let data: &str = $data;
        sqlx::query(concat!(
            "INSERT INTO service_applications (",
            columns!(),
            ", updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $22, $23, $12)"
        ))
        .bind(&a.id)
        .bind(a.code.as_ref().map(|c| c.to_string()))
        .bind(&a.procedure)
        .bind(a.unit.as_str())
        .bind(a.personal_id.as_i64())
        .bind(a.account)
        .bind(a.filing.as_str())
        .bind(a.level.as_str())
        .bind(status_code(a.status))
        .bind(data)
        .bind(a.fee_vnd)
        .bind(a.created_at)
        .bind(a.filed_at)
        .bind(a.accept_due_at)
        .bind(a.accepted_at)
        .bind(a.first_due_at)
        .bind(a.due_at)
        .bind(a.decided_at)
        .bind(a.outcome.map(|o| o.as_str()))
        .bind(a.returned_at)
        .bind(a.result_electronic.map(i64::from))
        .bind(a.apologies)
        .bind(a.version)
        .execute(&mut *$tx)
        .await?;
    }};
}

pub(crate) async fn insert_draft(s: &Services, a: &Application) -> Result<(), ServicesError> {
    let data = serde_json::to_string(&a.form)?;
    writes::write(
        s,
        Write::Draft {
            application: Box::new(a.clone()),
            data,
        },
    )
    .await
}

/// The next number `unit` gives on `day`, counted in the caller's transaction.
macro_rules! next_number {
    ($tx:expr, $unit:expr, $day:expr) => {{
        let (last,): (i64,) = sqlx::query_as(
            "INSERT INTO service_sequences (unit, day, last) VALUES ($1, $2, 1)
             ON CONFLICT (unit, day) DO UPDATE SET last = service_sequences.last + 1
             RETURNING last",
        )
        .bind($unit)
        .bind($day)
        .fetch_one(&mut *$tx)
        .await?;
        u32::try_from(last)
            .map_err(|_| ServicesError::Storage("application numbers ran out".into()))?
    }};
}

/// Writes an event numbered after the application's last one, in the caller's transaction.
macro_rules! add_event {
    ($tx:expr, $id:expr, $event:expr) => {{
        let e: &NewEvent = $event;
        let (actor, account) = match e.actor {
            Actor::Applicant(a) => ("applicant", a),
            Actor::Officer(a) => ("officer", Some(a)),
            Actor::System => ("system", None),
        };
        sqlx::query(
            "INSERT INTO service_events
                 (application_id, seq, at, actor, actor_account, step, from_status, to_status, reason, detail)
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9
             FROM service_events WHERE application_id = $1",
        )
        .bind($id)
        .bind(e.at)
        .bind(actor)
        .bind(account)
        .bind(e.step)
        .bind(status_code(e.from))
        .bind(status_code(e.to))
        .bind(e.reason.clone())
        .bind(e.detail.as_ref().map(|d| d.to_string()))
        .execute(&mut *$tx)
        .await?;
    }};
}

/// An event to write.
pub(crate) struct NewEvent {
    pub(crate) at: i64,
    pub(crate) actor: Actor,
    pub(crate) step: &'static str,
    pub(crate) from: Option<Status>,
    pub(crate) to: Option<Status>,
    pub(crate) reason: Option<String>,
    pub(crate) detail: Option<serde_json::Value>,
}

mod writes;

pub(crate) use writes::{Write, group_for};

pub(crate) async fn save_form(
    s: &Services,
    current: &Application,
    form: &Form,
) -> Result<Application, ServicesError> {
    writes::write(
        s,
        Write::Form {
            id: current.id.clone(),
            version: current.version,
            data: serde_json::to_string(form)?,
            now: s.now(),
        },
    )
    .await?;
    let mut next = current.clone();
    next.form = form.clone();
    next.version += 1;
    Ok(next)
}

pub(crate) async fn put_upload(
    s: &Services,
    current: &Application,
    upload: &Upload,
    bytes: &[u8],
) -> Result<(), ServicesError> {
    writes::write(
        s,
        Write::Upload {
            id: current.id.clone(),
            version: current.version,
            upload: upload.clone(),
            bytes: bytes.to_vec(),
        },
    )
    .await
}

pub(crate) async fn file(
    s: &Services,
    current: &Application,
    now: i64,
    accept_due: i64,
) -> Result<Application, ServicesError> {
    let code = std::sync::Arc::new(std::sync::Mutex::new(None));
    writes::write(
        s,
        Write::File {
            id: current.id.clone(),
            version: current.version,
            account: current.account,
            unit: current.unit.clone(),
            day: dinhdanh_calendar::vietnam::date(now),
            now,
            accept_due,
            code: code.clone(),
        },
    )
    .await?;
    let mut next = current.clone();
    next.code = code.lock().unwrap_or_else(|e| e.into_inner()).take();
    if next.code.is_none() {
        return Err(ServicesError::Storage(
            "the filing was committed without a code".into(),
        ));
    }
    next.status = Some(Status::New);
    next.filed_at = Some(now);
    next.accept_due_at = Some(accept_due);
    next.version += 1;
    Ok(next)
}

pub(crate) async fn insert_counter(
    s: &Services,
    a: &Application,
    officer: AccountId,
) -> Result<Application, ServicesError> {
    let now = a.created_at;
    let day = dinhdanh_calendar::vietnam::date(now);
    let data = serde_json::to_string(&a.form)?;
    let mut next = a.clone();
    write_tx!(s.db(), s.inner.gate, |tx| {
        let number = next_number!(tx, a.unit.as_str(), day.to_string());
        next.code = Some(ApplicationCode::new(&a.unit, day, number));
        insert_row!(tx, &next, &data);
        add_event!(
            tx,
            &a.id,
            &NewEvent {
                at: now,
                actor: Actor::Officer(officer),
                step: "record",
                from: None,
                to: Some(Status::Accepted),
                reason: None,
                detail: Some(serde_json::json!({ "filing": "counter" })),
            }
        );
    });
    Ok(next)
}

pub(crate) async fn apply(
    s: &Services,
    current: &Application,
    next: &Application,
    issued: Option<&Issued>,
    event: NewEvent,
) -> Result<Application, ServicesError> {
    write_tx!(s.db(), s.inner.gate, |tx| {
        let changed = sqlx::query(
            "UPDATE service_applications
             SET status = $3, accept_due_at = $4, accepted_at = $5, first_due_at = $6, due_at = $7,
                 decided_at = $8, outcome = $9, returned_at = $10, result_electronic = $11,
                 version = $12, updated_at = $13
             WHERE application_id = $1 AND version = $2",
        )
        .bind(&current.id)
        .bind(current.version)
        .bind(status_code(next.status))
        .bind(next.accept_due_at)
        .bind(next.accepted_at)
        .bind(next.first_due_at)
        .bind(next.due_at)
        .bind(next.decided_at)
        .bind(next.outcome.map(|o| o.as_str()))
        .bind(next.returned_at)
        .bind(next.result_electronic.map(i64::from))
        .bind(next.version)
        .bind(event.at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(ServicesError::Changed);
        }
        if let Some(issued) = issued {
            sqlx::query(
                "INSERT INTO service_results (result_id, application_id, jws, issued_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&issued.id)
            .bind(&issued.application)
            .bind(&issued.jws)
            .bind(issued.issued_at)
            .execute(&mut *tx)
            .await?;
        }
        add_event!(tx, &current.id, &event);
    });
    Ok(next.clone())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn apologize(
    s: &Services,
    current: &Application,
    version: i64,
    officer: AccountId,
    now: i64,
    new_due_at: i64,
    reason: &str,
) -> Result<Application, ServicesError> {
    if version != current.version {
        return Err(ServicesError::Changed);
    }
    write_tx!(s.db(), s.inner.gate, |tx| {
        let changed = sqlx::query(
            "UPDATE service_applications
             SET due_at = $3, apologies = apologies + 1, version = version + 1, updated_at = $4
             WHERE application_id = $1 AND version = $2",
        )
        .bind(&current.id)
        .bind(current.version)
        .bind(new_due_at)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(ServicesError::Changed);
        }
        add_event!(
            tx,
            &current.id,
            &NewEvent {
                at: now,
                actor: Actor::Officer(officer),
                step: "apologize",
                from: current.status,
                to: current.status,
                reason: Some(reason.to_owned()),
                detail: Some(
                    serde_json::json!({ "new_due_at": new_due_at, "previous_due_at": current.due_at })
                ),
            }
        );
    });
    let mut next = current.clone();
    next.due_at = Some(new_due_at);
    next.apologies += 1;
    next.version += 1;
    Ok(next)
}

pub(crate) async fn of_account(
    s: &Services,
    account: AccountId,
) -> Result<Vec<Application>, ServicesError> {
    let rows: Vec<Row> = on_db!(s.db(), |pool| {
        sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM service_applications WHERE account_id = $1
             ORDER BY created_at DESC LIMIT $2"
        ))
        .bind(account)
        .bind(MAX_LISTED)
        .fetch_all(pool)
        .await?
    });
    rows.into_iter().map(Row::into_application).collect()
}

pub(crate) async fn queue(
    s: &Services,
    units: &[UnitCode],
    statuses: &[Status],
) -> Result<Vec<Application>, ServicesError> {
    let mut found = Vec::new();
    // One index range per unit and status: (unit, status, due_at).
    for unit in units {
        for status in statuses {
            let rows: Vec<Row> = on_db!(s.db(), |pool| {
                sqlx::query_as(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM service_applications
                     WHERE unit = $1 AND status = $2 ORDER BY due_at LIMIT $3"
                ))
                .bind(unit.as_str())
                .bind(status.code() as i64)
                .bind(MAX_LISTED)
                .fetch_all(pool)
                .await?
            });
            for row in rows {
                found.push(row.into_application()?);
            }
        }
    }
    found.sort_by_key(|a| (a.due_at.or(a.accept_due_at).unwrap_or(i64::MAX), a.filed_at));
    found.truncate(MAX_LISTED as usize);
    Ok(found)
}

pub(crate) async fn by_code(
    s: &Services,
    code: &ApplicationCode,
) -> Result<Option<Application>, ServicesError> {
    let row: Option<Row> = on_db!(s.db(), |pool| {
        sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM service_applications WHERE code = $1"
        ))
        .bind(code.as_str())
        .fetch_optional(pool)
        .await?
    });
    row.map(Row::into_application).transpose()
}

#[derive(FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor: String,
    actor_account: Option<i64>,
    step: String,
    from_status: i64,
    to_status: i64,
    reason: Option<String>,
    detail: Option<String>,
}

#[derive(FromRow)]
struct UploadRow {
    document_id: String,
    file_name: String,
    media_type: String,
    size: i64,
    sha256: String,
    uploaded_at: i64,
}

impl From<UploadRow> for Upload {
    fn from(r: UploadRow) -> Upload {
        Upload {
            document: r.document_id,
            file_name: r.file_name,
            media_type: r.media_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// One application without its history; [`ServicesError::NotFound`] if there is none.
pub(crate) async fn application(s: &Services, id: &str) -> Result<Application, ServicesError> {
    let row: Option<Row> = on_db!(s.db(), |pool| {
        sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM service_applications WHERE application_id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    row.ok_or(ServicesError::NotFound)?.into_application()
}

/// The files of one application, by document.
pub(crate) async fn uploads(s: &Services, id: &str) -> Result<Vec<Upload>, ServicesError> {
    let rows: Vec<UploadRow> = on_db!(s.db(), |pool| {
        sqlx::query_as(
            "SELECT document_id, file_name, media_type, size, sha256, uploaded_at
             FROM service_uploads WHERE application_id = $1 ORDER BY document_id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(Upload::from).collect())
}

pub(crate) async fn detail(s: &Services, id: &str) -> Result<Detail, ServicesError> {
    let (row, events, uploads): (Option<Row>, Vec<EventRow>, Vec<UploadRow>) =
        on_db!(s.db(), |pool| {
            let row = sqlx::query_as(concat!(
                "SELECT ",
                columns!(),
                " FROM service_applications WHERE application_id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let events = sqlx::query_as(
                "SELECT seq, at, actor, actor_account, step, from_status, to_status, reason, detail
             FROM service_events WHERE application_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let uploads = sqlx::query_as(
                "SELECT document_id, file_name, media_type, size, sha256, uploaded_at
             FROM service_uploads WHERE application_id = $1 ORDER BY document_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            (row, events, uploads)
        });
    let application = row.ok_or(ServicesError::NotFound)?.into_application()?;
    let status = |code: i64| {
        if code == 0 {
            None
        } else {
            Status::from_code(code)
        }
    };
    let events = events
        .into_iter()
        .map(|e| {
            Ok(Event {
                seq: e.seq,
                at: e.at,
                actor: match (e.actor.as_str(), e.actor_account) {
                    ("applicant", a) => Actor::Applicant(a),
                    ("officer", Some(a)) => Actor::Officer(a),
                    ("system", _) => Actor::System,
                    _ => return Err(corrupt("event actor")),
                },
                step: e.step,
                from: status(e.from_status),
                to: status(e.to_status),
                reason: e.reason,
                detail: e.detail.as_deref().map(serde_json::from_str).transpose()?,
            })
        })
        .collect::<Result<_, ServicesError>>()?;
    Ok(Detail {
        application,
        events,
        uploads: uploads.into_iter().map(Upload::from).collect(),
    })
}

pub(crate) async fn upload_bytes(
    s: &Services,
    id: &str,
    document: &str,
) -> Result<Option<(Upload, Vec<u8>)>, ServicesError> {
    #[derive(FromRow)]
    struct WithBytes {
        #[sqlx(flatten)]
        upload: UploadRow,
        bytes: Vec<u8>,
    }
    let row: Option<WithBytes> = on_db!(s.db(), |pool| {
        sqlx::query_as(
            "SELECT document_id, file_name, media_type, size, sha256, uploaded_at, bytes
             FROM service_uploads WHERE application_id = $1 AND document_id = $2",
        )
        .bind(id)
        .bind(document)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|r| (r.upload.into(), r.bytes)))
}
