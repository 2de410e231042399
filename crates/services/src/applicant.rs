//! What the applicant does: start a draft pre-filled from the registry, answer, upload, file,
//! follow their applications, withdraw or hand in a supplement.

use std::collections::BTreeMap;

use dinhdanh_exchange::{Agency, ReadRequest};

use crate::application::{self, Actor, Application, Detail, Filing, Form, Prefilled, Step, Upload};
use crate::status::{Move, Role};
use crate::{
    Citizen, PREFILL_PURPOSE, RECEPTION_HOURS, Services, ServicesError, catalogue, complete,
    editable, store,
};

impl Services {
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
        let current = self.own_application(citizen, id).await?;
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
        let current = self.own_application(citizen, id).await?;
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
        let current = &self.own_application(citizen, id).await?;
        if current.status.is_some() {
            return Err(ServicesError::invalid("application", "it is already filed"));
        }
        let procedure = self.procedure(&current.procedure).await?;
        complete(&procedure, current, &store::uploads(self, id).await?)?;
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

    /// One of the citizen's own applications, without its history.
    async fn own_application(
        &self,
        citizen: &Citizen,
        id: &str,
    ) -> Result<Application, ServicesError> {
        let application = store::application(self, id).await?;
        if application.account != Some(citizen.account()) {
            return Err(ServicesError::NotFound);
        }
        Ok(application)
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
}
