//! Data-subject requests (Decree 13/2023/ND-CP Art. 9): a citizen asks to have their data
//! corrected, its processing restricted, or objects to it; an officer takes the request and
//! answers it within 72 hours; every change of status is kept as an event, so that the citizen
//! and the officers see the same history.
//!
//! [`Rights`] is the one entry point, used by the web pages. Who may do what is in the types:
//! operations for the filer take a [`Citizen`], those for the handling agency an [`Officer`],
//! and both are built in [`parties`] from the signed-in account. Values from outside become
//! typed values through one `parse` each ([`Filing::parse`], [`Answer::parse`],
//! [`Outcome::parse`], [`RequestId::parse`]) or a [`RightsError`] that says what is wrong, and
//! nothing is written until everything parsed.
//!
//! The SQL is written once for SQLite and PostgreSQL (`$N` placeholders, the store's macros);
//! SQLite writers queue on the write gate shared with the other capabilities. Time comes from a
//! [`Clock`], which tests move by hand.
#![forbid(unsafe_code)]

mod error;
pub mod parties;
pub mod request;
mod store;

use std::sync::Arc;

use dinhdanh_store::Db;

pub use dinhdanh_accounts::Clock;
pub use error::RightsError;
pub use parties::{Citizen, OFFICER_ROLES, Officer};
pub use request::{
    About, Actor, Answer, Counts, DEADLINE_MS, Detail, Event, Field, Filing, Kind, MAX_ABOUT,
    MAX_ANSWER, Outcome, Queue, Request, RequestId, Status,
};

/// How many requests one account may have waiting for an answer at once: enough for any
/// honest need, and a bound on what one account can put in the officers' queue.
pub const MAX_WAITING_PER_ACCOUNT: u64 = 20;
/// The most requests one list shows.
pub const MAX_LISTED: u32 = 200;

/// The data-subject requests capability.
#[derive(Clone)]
pub struct Rights {
    db: Db,
    gate: Arc<tokio::sync::Mutex<()>>,
    clock: Clock,
}

impl Rights {
    /// Requests stored in `db`; on SQLite, writes queue on `gate`, the write gate every
    /// capability of the database shares (`Accounts::sqlite_write_gate`).
    pub fn new(db: &Db, gate: Arc<tokio::sync::Mutex<()>>) -> Rights {
        Rights {
            db: db.clone(),
            gate,
            clock: Clock::system(),
        }
    }

    /// The same capability reading time from `clock` (the server passes the accounts' clock;
    /// tests pass one they move).
    pub fn with_clock(mut self, clock: Clock) -> Rights {
        self.clock = clock;
        self
    }

    /// Now, in Unix milliseconds, by this capability's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Files a request for the citizen's own data; it is due 72 hours from now.
    pub async fn file(&self, citizen: &Citizen, filing: &Filing) -> Result<Request, RightsError> {
        let now = self.now();
        let request = Request {
            id: RequestId::new(),
            personal_id: citizen.personal_id(),
            account: citizen.account(),
            kind: filing.kind,
            about: filing.about.as_str().to_owned(),
            fields: filing.fields.clone(),
            filed_at: now,
            due_at: now + DEADLINE_MS,
            status: Status::Open,
            handler: None,
            answer: None,
            closed_at: None,
            version: 1,
        };
        self.insert(&request).await?;
        Ok(request)
    }

    /// The citizen's own requests, newest first (at most [`MAX_LISTED`]).
    pub async fn mine(&self, citizen: &Citizen) -> Result<Vec<Request>, RightsError> {
        self.of_account(citizen.account()).await
    }

    /// One of the citizen's own requests with its history; someone else's is [`RightsError::NotFound`].
    pub async fn request_of(
        &self,
        citizen: &Citizen,
        id: &RequestId,
    ) -> Result<Detail, RightsError> {
        let detail = self.detail(id).await?;
        if detail.request.account != citizen.account() {
            return Err(RightsError::NotFound);
        }
        Ok(detail)
    }

    /// Withdraws one of the citizen's own requests while no officer has taken it.
    pub async fn withdraw(
        &self,
        citizen: &Citizen,
        id: &RequestId,
    ) -> Result<Request, RightsError> {
        let now = self.now();
        self.change(id, |r| {
            if r.account != citizen.account() {
                return Err(RightsError::NotFound);
            }
            if r.status.is_closed() {
                return Err(RightsError::Closed(r.status));
            }
            if r.status != Status::Open {
                return Err(RightsError::NotOpen);
            }
            Ok(Some(store::Step {
                actor: Actor::Filer(citizen.account()),
                at: now,
                to: Status::Withdrawn,
                handler: r.handler,
                answer: None,
                note: None,
            }))
        })
        .await
    }

    /// Requests for officers to handle (at most [`MAX_LISTED`]); waiting ones come overdue
    /// first, then by deadline.
    pub async fn queue(
        &self,
        officer: &Officer,
        queue: Queue,
    ) -> Result<Vec<Request>, RightsError> {
        self.listed(queue, officer.account()).await
    }

    /// Any request with its history, for an officer.
    pub async fn request(&self, _officer: &Officer, id: &RequestId) -> Result<Detail, RightsError> {
        self.detail(id).await
    }

    /// The officer takes a request: an open one becomes in progress with them as its handler;
    /// one another officer handles is handed over to them (the history shows both). Taking a
    /// request one already handles changes nothing.
    pub async fn take(&self, officer: &Officer, id: &RequestId) -> Result<Request, RightsError> {
        let now = self.now();
        self.change(id, |r| {
            if r.status.is_closed() {
                return Err(RightsError::Closed(r.status));
            }
            if r.account == officer.account() {
                return Err(RightsError::OwnRequest);
            }
            if r.status == Status::InProgress && r.handler == Some(officer.account()) {
                return Ok(None);
            }
            Ok(Some(store::Step {
                actor: Actor::Officer(officer.account()),
                at: now,
                to: Status::InProgress,
                handler: Some(officer.account()),
                answer: None,
                note: None,
            }))
        })
        .await
    }

    /// The handling officer closes a request as done or rejected, with the answer the citizen
    /// will read.
    pub async fn close(
        &self,
        officer: &Officer,
        id: &RequestId,
        outcome: Outcome,
        answer: &Answer,
    ) -> Result<Request, RightsError> {
        let now = self.now();
        self.change(id, |r| {
            if r.status.is_closed() {
                return Err(RightsError::Closed(r.status));
            }
            if r.account == officer.account() {
                return Err(RightsError::OwnRequest);
            }
            match r.handler {
                _ if r.status == Status::Open => return Err(RightsError::NotTaken),
                Some(handler) if handler != officer.account() => {
                    return Err(RightsError::HandledByAnother(handler));
                }
                _ => {}
            }
            Ok(Some(store::Step {
                actor: Actor::Officer(officer.account()),
                at: now,
                to: outcome.status(),
                handler: Some(officer.account()),
                answer: Some(answer.as_str().to_owned()),
                note: Some(answer.as_str().to_owned()),
            }))
        })
        .await
    }

    /// How many requests are open, in progress, and overdue now.
    pub async fn counts(&self) -> Result<Counts, RightsError> {
        self.count_at(self.now()).await
    }
}
