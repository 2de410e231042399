//! What the agency does: the queue, one application and its documents, moves, counter
//! applications, apologies, and the platform's move when a fee is paid.

use std::collections::BTreeMap;

use dinhdanh_domain::PersonalId;

use crate::application::{self, Actor, Application, Detail, Filing, Form, Step, Upload};
use crate::status::{Move, Role, Status};
use crate::{Citizen, Officer, Services, ServicesError, store};

impl Services {
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
}
