//! Online public services: the procedure catalogue, applications pre-filled from what the state
//! already knows, the officers' workflow with statutory deadlines, and the figures that show how
//! much is done online.
//!
//! [`Services`] is the one entry point. An application starts as a draft: the portal reads the
//! registry fields the procedure needs through the exchange, under the procedure's legal basis,
//! so the read is in the citizen's access history, and the applicant adds only what the state
//! cannot know. Filing gives it its code (Circular 01/2018/TT-VPCP) and a reception deadline of
//! 8 working hours (Decree 45/2020/ND-CP); acceptance sets the processing deadline from the
//! procedure's time in working hours, on the Vietnamese working calendar with its lunar
//! holidays. Every move goes through [`status::next`] and is kept as an event with who, when and
//! why; a move names the version it was made on, so two officers cannot both act on the same
//! state.
//!
//! Who may do what is in the types: the applicant's operations take a [`Citizen`], the agency's an
//! [`Officer`] of the unit that handles the procedure.
#![forbid(unsafe_code)]

mod agency;
mod applicant;
pub mod application;
pub mod catalogue;
pub mod code;
mod error;
pub mod parties;
pub mod result;
pub mod stats;
pub mod status;
mod store;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use dinhdanh_accounts::{Account, AccountId, Session};
use dinhdanh_calendar::WorkCalendar;
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::Exchange;
use dinhdanh_store::Db;

pub use application::{
    Actor, Application, Detail, Event, Filing, Form, Outcome, Prefilled, Step, Upload,
};
pub use catalogue::{CatalogueFile, Level, Procedure};
pub use code::{ApplicationCode, UnitCode};
pub use dinhdanh_accounts::Clock;
pub use error::ServicesError;
pub use parties::{Citizen, Officer};
pub use status::{Move, Role, Status};

/// Working hours reception has to accept an online application or ask for more (Decree
/// 45/2020/ND-CP).
pub const RECEPTION_HOURS: u32 = 8;
/// The client ID of the public-service portal, the relying party and agency through which
/// citizens apply.
pub const PORTAL_CLIENT: &str = "dvc.portal";
/// The purpose the portal names when it reads registry data for an application.
pub const PREFILL_PURPOSE: &str = "public-service-application";
/// Public status checks allowed per client address and minute.
pub const STATUS_CHECKS_PER_MINUTE: i64 = 10;
/// The most applications one list shows.
pub const MAX_LISTED: i64 = 500;

/// What a catalogue import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Procedures new to the catalogue.
    pub added: usize,
    /// Procedures whose description changed.
    pub changed: usize,
    /// Procedures already as given.
    pub unchanged: usize,
}

/// What the public status check tells anyone holding the code and the personal ID.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicStatus {
    /// The code.
    pub code: String,
    /// The procedure's code.
    pub procedure: String,
    /// The status.
    pub status: Status,
    /// Filed.
    pub filed_at: i64,
    /// The deadline in force.
    pub due_at: Option<i64>,
}

/// The public-services capability.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gate: Arc<tokio::sync::Mutex<()>>,
    clock: Clock,
    calendar: WorkCalendar,
    exchange: Exchange,
    portal: String,
    /// When the last count of the statistics' tallies began.
    tallied: tokio::sync::Mutex<i64>,
    /// The applicant's writes on SQLite share commits (see `store::writes`).
    writes: Option<dinhdanh_store::group::GroupCommit<store::Write>>,
    /// Procedures read recently, with when.
    procedure_cache: ProcedureCache,
}

type ProcedureCache =
    std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, Arc<Procedure>)>>;

/// How long a node keeps a procedure it read.
pub const PROCEDURE_CACHE: std::time::Duration = std::time::Duration::from_secs(10);

impl Services {
    /// Public services stored in `db` (on SQLite, writes queue on `gate`, the write gate every
    /// capability shares), reading registry data through `exchange` as the agency `portal`
    /// (the portal's client ID), on the Vietnamese working calendar.
    pub fn new(
        db: &Db,
        gate: Arc<tokio::sync::Mutex<()>>,
        exchange: Exchange,
        portal: &str,
    ) -> Services {
        Services {
            inner: Arc::new(Inner {
                db: db.clone(),
                writes: store::group_for(db, gate.clone()),
                procedure_cache: ProcedureCache::default(),
                gate,
                clock: Clock::system(),
                calendar: WorkCalendar::vietnam(),
                exchange,
                portal: portal.to_owned(),
                tallied: tokio::sync::Mutex::new(i64::MIN),
            }),
        }
    }

    /// The same capability with another clock and calendar (tests, operators' extra days off).
    pub fn with(self, clock: Clock, calendar: WorkCalendar) -> Services {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            db: shared.db.clone(),
            gate: shared.gate.clone(),
            clock: shared.clock.clone(),
            calendar: shared.calendar.clone(),
            exchange: shared.exchange.clone(),
            portal: shared.portal.clone(),
            tallied: tokio::sync::Mutex::new(i64::MIN),
            writes: store::group_for(&shared.db, shared.gate.clone()),
            procedure_cache: ProcedureCache::default(),
        });
        Services {
            inner: Arc::new(Inner {
                clock,
                calendar,
                ..inner
            }),
        }
    }

    /// Now, in Unix milliseconds.
    pub fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The working calendar deadlines are computed on.
    pub fn calendar(&self) -> &WorkCalendar {
        &self.inner.calendar
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The instant `hours` working hours after `from` (Unix milliseconds).
    pub fn after_working_hours(&self, from: i64, hours: u32) -> i64 {
        let from = DateTime::<Utc>::from_timestamp_millis(from).unwrap_or_default();
        self.inner
            .calendar
            .add_working_hours(from, hours)
            .timestamp_millis()
    }

    // ---- catalogue ------------------------------------------------------------------------

    /// Adds or updates every procedure of `file` (already checked by [`CatalogueFile::parse`]),
    /// in one transaction.
    pub async fn import_catalogue(
        &self,
        file: &CatalogueFile,
    ) -> Result<ImportReport, ServicesError> {
        for procedure in &file.procedures {
            procedure.check()?;
        }
        let report = store::import(self, file).await;
        self.forget_procedures();
        report
    }

    /// The listed procedures, by code.
    pub async fn procedures(&self) -> Result<Vec<Procedure>, ServicesError> {
        store::procedures(self).await
    }

    /// One procedure, listed or not (applications keep naming withdrawn ones). Every step of
    /// an application reads its procedure, so a node keeps what it read for
    /// [`PROCEDURE_CACHE`]; an import on this node forgets it at once, and one on another node
    /// is seen within that time.
    pub async fn procedure(&self, code: &str) -> Result<Procedure, ServicesError> {
        let now = std::time::Instant::now();
        let cached = self
            .inner
            .procedure_cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(code)
            .filter(|(read, _)| now.duration_since(*read) < PROCEDURE_CACHE)
            .map(|(_, p)| p.clone());
        if let Some(procedure) = cached {
            return Ok(Procedure::clone(&procedure));
        }
        let procedure = store::procedure(self, code)
            .await?
            .ok_or_else(|| ServicesError::UnknownProcedure(code.to_owned()))?;
        let mut cache = self
            .inner
            .procedure_cache
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(code.to_owned(), (now, Arc::new(procedure.clone())));
        Ok(procedure)
    }

    fn forget_procedures(&self) {
        self.inner
            .procedure_cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The whole catalogue as a file, the form import reads.
    pub async fn export_catalogue(&self) -> Result<CatalogueFile, ServicesError> {
        Ok(CatalogueFile {
            format: catalogue::CATALOGUE_FORMAT.into(),
            procedures: self.procedures().await?,
        })
    }

    // ---- officers ----------------------------------------------------------------------------

    /// Makes `account` an officer of `unit` (an operator's act).
    pub async fn add_officer(
        &self,
        account: AccountId,
        unit: &UnitCode,
    ) -> Result<(), ServicesError> {
        store::add_officer(self, account, unit).await
    }

    /// The officer signed in with `session` on `account`, with the units they work for.
    pub async fn officer(
        &self,
        account: &Account,
        session: &Session,
    ) -> Result<Officer, ServicesError> {
        Officer::check(account, session)?;
        let units = store::units_of(self, account.id).await?;
        if units.is_empty() {
            return Err(ServicesError::NotAnOfficer);
        }
        // Only someone who is an officer is told to sign in more strongly.
        if !session.has_strong_factor() {
            return Err(ServicesError::StepUpRequired);
        }
        Ok(Officer {
            account: account.id,
            units,
        })
    }

    // ---- anyone ------------------------------------------------------------------------------

    /// The public status check: the code and the applicant's personal ID, nothing else; at most
    /// [`STATUS_CHECKS_PER_MINUTE`] per client address and minute, counted in the database so
    /// every node shares the count. A wrong pair answers exactly like an unknown code.
    pub async fn check_status(
        &self,
        code: &str,
        personal_id: &str,
        address: &str,
    ) -> Result<PublicStatus, ServicesError> {
        store::count_check(self, address).await?;
        let code = ApplicationCode::parse(code)?;
        let personal_id = PersonalId::parse(personal_id)
            .map_err(|e| ServicesError::invalid("personal_id", e.to_string()))?;
        let found = store::by_code(self, &code).await?;
        match found {
            Some(a) if a.personal_id == personal_id => Ok(PublicStatus {
                code: code.to_string(),
                procedure: a.procedure,
                status: a.status.unwrap_or(Status::New),
                filed_at: a.filed_at.unwrap_or_default(),
                due_at: a.due_at.or(a.accept_due_at),
            }),
            _ => Err(ServicesError::NotFound),
        }
    }

    // ---- moves -------------------------------------------------------------------------------

    async fn make(
        &self,
        current: &Application,
        step: &Step,
        role: Role,
        actor: Actor,
    ) -> Result<Application, ServicesError> {
        self.make_with(current, step, role, actor, None).await
    }

    async fn make_with(
        &self,
        current: &Application,
        step: &Step,
        role: Role,
        actor: Actor,
        detail: Option<serde_json::Value>,
    ) -> Result<Application, ServicesError> {
        let Some(from) = current.status else {
            return Err(ServicesError::invalid(
                "application",
                "file the draft first",
            ));
        };
        // A stale page first: whatever it asks, the application is no longer what it showed.
        if step.version != current.version {
            return Err(ServicesError::Changed);
        }
        let to = status::next(from, step.step, role)?;
        let reason = match &step.reason {
            Some(r) => Some(application::clean_text(
                "reason",
                r,
                application::MAX_REASON,
            )?)
            .filter(|r| !r.is_empty()),
            None => None,
        };
        let outcome = if step.step == Move::Decide {
            Some(step.outcome.ok_or_else(|| {
                ServicesError::Missing("the decision (approved or refused)".into())
            })?)
        } else {
            None
        };
        if (step.step.needs_reason() || outcome == Some(Outcome::Refused)) && reason.is_none() {
            return Err(ServicesError::Missing(
                "the reason the applicant will read".into(),
            ));
        }
        let electronic = if step.step == Move::ReturnResult {
            Some(step.electronic.ok_or_else(|| {
                ServicesError::Missing(
                    "how the result is returned (electronically or on paper)".into(),
                )
            })?)
        } else {
            None
        };
        let now = self.now();
        let mut next = current.clone();
        next.status = Some(to);
        next.version += 1;
        match step.step {
            Move::Accept => {
                let due = self.after_working_hours(
                    now,
                    self.procedure(&current.procedure).await?.processing_hours,
                );
                next.accepted_at = Some(now);
                next.first_due_at = Some(due);
                next.due_at = Some(due);
            }
            Move::Supplement => {
                // Back to reception: the deadline runs again from a complete application.
                next.accept_due_at = Some(self.after_working_hours(now, RECEPTION_HOURS));
                next.accepted_at = None;
                next.due_at = None;
            }
            Move::Decide => {
                next.decided_at = Some(now);
                next.outcome = outcome;
            }
            Move::ReturnResult => {
                next.returned_at = Some(now);
                next.result_electronic = electronic;
            }
            _ => {}
        }
        let mut detail = match (detail, outcome) {
            (Some(d), _) => Some(d),
            (None, Some(o)) => Some(serde_json::json!({ "outcome": o.as_str() })),
            (None, None) => None,
        };
        let issued = if electronic == Some(true) {
            let issued = self.sign_result(&next, now).await?;
            detail = Some(serde_json::json!({ "result": issued.id }));
            Some(issued)
        } else {
            None
        };
        store::apply(
            self,
            current,
            &next,
            issued.as_ref(),
            store::NewEvent {
                at: now,
                actor,
                step: step.step.as_str(),
                from: Some(from),
                to: Some(to),
                reason,
                detail,
            },
        )
        .await
    }
}

impl Services {
    /// Signs the result document of `application` (decided, being returned electronically).
    async fn sign_result(
        &self,
        application: &Application,
        now: i64,
    ) -> Result<result::Issued, ServicesError> {
        let procedure = self.procedure(&application.procedure).await?;
        let oidc = self.inner.exchange.oidc();
        let id = store::new_id();
        let claims = result::claims(oidc.issuer(), &id, application, &procedure, now);
        let keys = oidc
            .keys()
            .await
            .map_err(|e| ServicesError::Storage(format!("signing keys: {e}")))?;
        let key = keys
            .signer(dinhdanh_oidc::jose::Alg::ES256)
            .ok_or_else(|| ServicesError::Storage("no ES256 signing key".into()))?;
        Ok(result::Issued {
            id,
            application: application.id.clone(),
            jws: key.sign(result::RESULT_TYPE, &claims),
            issued_at: now,
        })
    }

    /// A result by its public identifier (the one its QR code carries).
    pub async fn result(&self, result_id: &str) -> Result<result::Issued, ServicesError> {
        store::result(self, store::ResultKey::Result(result_id))
            .await?
            .ok_or(ServicesError::NotFound)
    }

    /// The result of one of the citizen's own applications, once issued.
    pub async fn result_of(
        &self,
        citizen: &Citizen,
        id: &str,
    ) -> Result<result::Issued, ServicesError> {
        self.own(citizen, id).await?;
        store::result(self, store::ResultKey::Application(id))
            .await?
            .ok_or(ServicesError::NotFound)
    }

    /// Checks a result document against the provider's current and previous keys.
    pub async fn verify_result(&self, jws: &str) -> Result<result::Verified, ServicesError> {
        let keys = self
            .inner
            .exchange
            .oidc()
            .keys()
            .await
            .map_err(|e| ServicesError::Storage(format!("signing keys: {e}")))?;
        result::verify(jws, &keys.jwks())
    }
}

/// Whether the applicant may still change the form and documents.
pub(crate) fn editable(application: &Application) -> Result<(), ServicesError> {
    match application.status {
        None | Some(Status::SupplementRequested) => Ok(()),
        Some(other) => Err(ServicesError::invalid(
            "application",
            format!(
                "it is {} and can no longer be changed",
                other.as_str().replace('_', " ")
            ),
        )),
    }
}

/// Every required answer and document is there.
pub(crate) fn complete(
    procedure: &Procedure,
    application: &Application,
    uploads: &[Upload],
) -> Result<(), ServicesError> {
    application::check_answers(procedure, &application.form.answers, true)?;
    if let Some(missing) = procedure
        .documents
        .iter()
        .find(|d| d.required && !uploads.iter().any(|u| u.document == d.id))
    {
        return Err(ServicesError::Missing(format!(
            "{} ({})",
            missing.name.en, missing.id
        )));
    }
    Ok(())
}
