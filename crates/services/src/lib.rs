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

pub mod application;
pub mod catalogue;
pub mod code;
mod error;
pub mod parties;
pub mod result;
pub mod stats;
pub mod status;
mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dinhdanh_accounts::{Account, AccountId, Session};
use dinhdanh_calendar::WorkCalendar;
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::{Agency, Exchange, ReadRequest};
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
}

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
                gate,
                clock: Clock::system(),
                calendar: WorkCalendar::vietnam(),
                exchange,
                portal: portal.to_owned(),
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
        store::import(self, file).await
    }

    /// The listed procedures, by code.
    pub async fn procedures(&self) -> Result<Vec<Procedure>, ServicesError> {
        store::procedures(self).await
    }

    /// One procedure, listed or not (applications keep naming withdrawn ones).
    pub async fn procedure(&self, code: &str) -> Result<Procedure, ServicesError> {
        store::procedure(self, code)
            .await?
            .ok_or_else(|| ServicesError::UnknownProcedure(code.to_owned()))
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

    // ---- the applicant -----------------------------------------------------------------------

    /// Starts a draft for `procedure`, filled in with what the registry knows about the
    /// citizen. The read goes through the exchange as the portal, under the procedure's legal
    /// basis, and is in the citizen's access history.
    pub async fn start(
        &self,
        citizen: &Citizen,
        procedure: &str,
    ) -> Result<Application, ServicesError> {
        let procedure = self.procedure(procedure).await?;
        if !procedure.channels.contains(&catalogue::Channel::Online) {
            return Err(ServicesError::NotOnline(procedure.code));
        }
        let mut form = Form::default();
        if let Some(prefill) = &procedure.prefill {
            let answer = self
                .inner
                .exchange
                .read(
                    &Agency {
                        client_id: self.inner.portal.clone(),
                    },
                    &ReadRequest {
                        service: prefill.service.clone(),
                        subject: citizen.personal_id().to_string(),
                        fields: Some(prefill.fields.clone()),
                        purpose: PREFILL_PURPOSE.into(),
                        legal_basis: Some(prefill.legal_basis.clone()),
                        request_id: None,
                    },
                )
                .await?;
            for released in &answer.released {
                for field in &released.fields {
                    form.prefilled.push(Prefilled {
                        field: field.clone(),
                        value: answer.data.get(field).cloned().unwrap_or_default(),
                        legal_basis: released.legal_basis.clone(),
                        entry: released.entry,
                    });
                }
            }
            form.withheld = answer.withheld.iter().map(|w| w.field.clone()).collect();
        }
        let now = self.now();
        let application = Application {
            id: store::new_id(),
            code: None,
            procedure: procedure.code.clone(),
            unit: procedure.agency.unit.clone(),
            personal_id: citizen.personal_id(),
            account: Some(citizen.account()),
            filing: Filing::Online,
            level: procedure.level,
            status: None,
            form,
            fee_vnd: procedure.fee_vnd,
            created_at: now,
            filed_at: None,
            accept_due_at: None,
            accepted_at: None,
            first_due_at: None,
            due_at: None,
            decided_at: None,
            outcome: None,
            returned_at: None,
            result_electronic: None,
            apologies: 0,
            version: 1,
        };
        store::insert_draft(self, &application).await?;
        Ok(application)
    }

    /// Saves the applicant's answers on a draft or an application waiting for a supplement: the
    /// fields given are set, and those given empty are cleared; the others stay as they were.
    pub async fn answer(
        &self,
        citizen: &Citizen,
        id: &str,
        answers: &BTreeMap<String, String>,
    ) -> Result<Application, ServicesError> {
        let current = self.own(citizen, id).await?.application;
        editable(&current)?;
        let procedure = self.procedure(&current.procedure).await?;
        let checked = application::check_answers(&procedure, answers, false)?;
        let mut form = current.form.clone();
        // A field given empty is cleared; the others are set.
        for field in answers.keys().filter(|f| !checked.contains_key(*f)) {
            form.answers.remove(field);
        }
        form.answers.extend(checked);
        store::save_form(self, &current, &form).await
    }

    /// Stores a document for a draft or an application waiting for a supplement, replacing any
    /// earlier file for the same document. The file's type is judged by its bytes.
    pub async fn upload(
        &self,
        citizen: &Citizen,
        id: &str,
        document: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<Upload, ServicesError> {
        let current = self.own(citizen, id).await?.application;
        editable(&current)?;
        let procedure = self.procedure(&current.procedure).await?;
        let Some(doc) = procedure.document(document) else {
            return Err(ServicesError::invalid(
                "document",
                format!(
                    "procedure {} asks for no document {document:?}",
                    procedure.code
                ),
            ));
        };
        let media_type = application::check_upload(doc, file_name, bytes)?;
        let upload = Upload {
            document: document.to_owned(),
            file_name: file_name.trim().to_owned(),
            media_type: media_type.to_owned(),
            size: bytes.len() as i64,
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)),
            uploaded_at: self.now(),
        };
        store::put_upload(self, &current, &upload, bytes).await?;
        Ok(upload)
    }

    /// Files a draft: every required answer and document must be there. It gets its code and
    /// reception has 8 working hours to answer.
    pub async fn file(&self, citizen: &Citizen, id: &str) -> Result<Application, ServicesError> {
        let detail = self.own(citizen, id).await?;
        let current = &detail.application;
        if current.status.is_some() {
            return Err(ServicesError::invalid("application", "it is already filed"));
        }
        let procedure = self.procedure(&current.procedure).await?;
        complete(&procedure, current, &detail.uploads)?;
        let now = self.now();
        let accept_due = self.after_working_hours(now, RECEPTION_HOURS);
        store::file(self, current, now, accept_due).await
    }

    /// The citizen's applications, newest first.
    pub async fn mine(&self, citizen: &Citizen) -> Result<Vec<Application>, ServicesError> {
        store::of_account(self, citizen.account()).await
    }

    /// One of the citizen's own applications with its history; anyone else's is
    /// [`ServicesError::NotFound`].
    pub async fn own(&self, citizen: &Citizen, id: &str) -> Result<Detail, ServicesError> {
        let detail = store::detail(self, id).await?;
        if detail.application.account != Some(citizen.account()) {
            return Err(ServicesError::NotFound);
        }
        Ok(detail)
    }

    /// A move by the applicant: withdraw, or hand in the supplement asked for (which sends the
    /// application back to reception with a new 8-hour window).
    pub async fn applicant_moves(
        &self,
        citizen: &Citizen,
        id: &str,
        step: &Step,
    ) -> Result<Application, ServicesError> {
        let detail = self.own(citizen, id).await?;
        if step.step == Move::Supplement {
            let procedure = self.procedure(&detail.application.procedure).await?;
            complete(&procedure, &detail.application, &detail.uploads)?;
        }
        self.make(
            &detail.application,
            step,
            Role::Applicant,
            Actor::Applicant(Some(citizen.account())),
        )
        .await
    }

    // ---- the agency --------------------------------------------------------------------------

    /// The officer's queue: applications of their units in `statuses` (all open ones when
    /// empty), soonest deadline first.
    pub async fn queue(
        &self,
        officer: &Officer,
        statuses: &[Status],
    ) -> Result<Vec<Application>, ServicesError> {
        let statuses: Vec<Status> = if statuses.is_empty() {
            Status::ALL
                .into_iter()
                .filter(|s| !s.is_final() && *s != Status::Processed)
                .collect()
        } else {
            statuses.to_vec()
        };
        store::queue(self, officer.units(), &statuses).await
    }

    /// An application of one of the officer's units, with its history and documents.
    pub async fn handled(&self, officer: &Officer, id: &str) -> Result<Detail, ServicesError> {
        let detail = store::detail(self, id).await?;
        if detail.application.status.is_none() || !officer.serves(&detail.application.unit) {
            return Err(ServicesError::NotFound);
        }
        Ok(detail)
    }

    /// One of the citizen's own documents with its bytes; anyone else's is
    /// [`ServicesError::NotFound`].
    pub async fn document_of(
        &self,
        citizen: &Citizen,
        id: &str,
        document: &str,
    ) -> Result<(Upload, Vec<u8>), ServicesError> {
        self.own(citizen, id).await?;
        self.document_bytes(id, document).await
    }

    /// A document of an application the officer's unit handles, with its bytes.
    pub async fn document_for(
        &self,
        officer: &Officer,
        id: &str,
        document: &str,
    ) -> Result<(Upload, Vec<u8>), ServicesError> {
        self.handled(officer, id).await?;
        self.document_bytes(id, document).await
    }

    async fn document_bytes(
        &self,
        id: &str,
        document: &str,
    ) -> Result<(Upload, Vec<u8>), ServicesError> {
        store::upload_bytes(self, id, document)
            .await?
            .ok_or(ServicesError::NotFound)
    }

    /// A move by an officer of the handling unit.
    pub async fn officer_moves(
        &self,
        officer: &Officer,
        id: &str,
        step: &Step,
    ) -> Result<Application, ServicesError> {
        let detail = self.handled(officer, id).await?;
        self.make(
            &detail.application,
            step,
            Role::Officer,
            Actor::Officer(officer.account()),
        )
        .await
    }

    /// Records an application received at the counter: the officer checked it there, so it is
    /// accepted at once and its processing deadline starts now.
    pub async fn record_counter(
        &self,
        officer: &Officer,
        procedure: &str,
        personal_id: PersonalId,
        answers: &BTreeMap<String, String>,
    ) -> Result<Application, ServicesError> {
        let procedure = self.procedure(procedure).await?;
        if !officer.serves(&procedure.agency.unit) {
            return Err(ServicesError::NotAnOfficer);
        }
        let answers = application::check_answers(&procedure, answers, true)?;
        let now = self.now();
        let due = self.after_working_hours(now, procedure.processing_hours);
        let application = Application {
            id: store::new_id(),
            code: None,
            procedure: procedure.code.clone(),
            unit: procedure.agency.unit.clone(),
            personal_id,
            account: None,
            filing: Filing::Counter,
            level: procedure.level,
            status: Some(Status::Accepted),
            form: Form {
                answers,
                ..Form::default()
            },
            fee_vnd: procedure.fee_vnd,
            created_at: now,
            filed_at: Some(now),
            accept_due_at: Some(now),
            accepted_at: Some(now),
            first_due_at: Some(due),
            due_at: Some(due),
            decided_at: None,
            outcome: None,
            returned_at: None,
            result_electronic: None,
            apologies: 0,
            version: 1,
        };
        store::insert_counter(self, &application, officer.account()).await
    }

    /// Sends the applicant an apology with a new appointment (Circular 01/2018, Form 04) for an
    /// application past its deadline. The first deadline stays on record for the statistics.
    pub async fn apologize(
        &self,
        officer: &Officer,
        id: &str,
        version: i64,
        new_due_at: i64,
        reason: &str,
    ) -> Result<Application, ServicesError> {
        let current = self.handled(officer, id).await?.application;
        let now = self.now();
        if current.status == Some(Status::New) {
            return Err(ServicesError::invalid(
                "apology",
                "an application waiting for reception is accepted, refused or sent back, not apologised for",
            ));
        }
        if !current.overdue(now) {
            return Err(ServicesError::invalid(
                "apology",
                "the application is not past its deadline; an apology is sent only when it is",
            ));
        }
        if new_due_at <= now {
            return Err(ServicesError::invalid(
                "new_due_at",
                "the new appointment must be in the future",
            ));
        }
        let reason = application::clean_text("reason", reason, application::MAX_REASON)?;
        if reason.is_empty() {
            return Err(ServicesError::Missing("the reason for the delay".into()));
        }
        store::apologize(
            self,
            &current,
            version,
            officer.account(),
            now,
            new_due_at,
            &reason,
        )
        .await
    }

    /// The platform's move when the fee was paid: the gateway's settlement for `id`. Paying an
    /// application that no longer waits for its fee changes nothing and says so.
    pub async fn paid(
        &self,
        id: &str,
        detail: serde_json::Value,
    ) -> Result<Application, ServicesError> {
        let current = store::detail(self, id).await?.application;
        let step = Step {
            step: Move::Paid,
            version: current.version,
            reason: None,
            outcome: None,
            electronic: None,
        };
        self.make_with(&current, &step, Role::System, Actor::System, Some(detail))
            .await
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
fn editable(application: &Application) -> Result<(), ServicesError> {
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
fn complete(
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
