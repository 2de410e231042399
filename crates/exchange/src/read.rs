//! The read path of an agency's call: check the request, decide under the policy, check the
//! person's consents for what rests on consent, read only what may go out, and write the read —
//! or the refusal — in the ledger before the answer leaves. A ledger failure releases nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use dinhdanh_domain::{PersonalId, TaxCode};
use dinhdanh_land::Holder;
use dinhdanh_ledger::{Actor, Event, Kind};
use serde::Serialize;
use serde_json::Value;

use crate::catalogue::{DataService, SubjectKind, is_code};
use crate::policy::{Ask, Withheld, decide};
use crate::providers::Subject;
use crate::{Exchange, ExchangeError};

/// The agency calling, as its access token and client registration say.
#[derive(Debug, Clone)]
pub struct Agency {
    /// Its client ID.
    pub client_id: String,
}

/// One read.
#[derive(Debug, Clone, Default)]
pub struct ReadRequest {
    /// The data service.
    pub service: String,
    /// The subject's ID as given in the URL (a personal ID, or a tax code for a holder).
    pub subject: String,
    /// Fields asked for; `None` asks for every field of the service.
    pub fields: Option<Vec<String>>,
    /// The purpose code.
    pub purpose: String,
    /// A legal basis the agency invokes, or `consent`.
    pub legal_basis: Option<String>,
    /// The request ID, written in the ledger so the agency can match its own logs.
    pub request_id: Option<String>,
}

/// Fields released on one ground.
#[derive(Debug, Clone, Serialize)]
pub struct Released {
    /// The fields.
    pub fields: Vec<String>,
    /// The legal basis code, or `consent:<id>`.
    pub legal_basis: String,
    /// The policy rules that granted them.
    pub rules: Vec<String>,
    /// The ledger entry recording the read.
    pub entry: u64,
}

/// The answer to a read.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The service.
    pub service: String,
    /// The policy version the decision was made under.
    pub policy_version: i64,
    /// The released data, only the released fields.
    pub data: Value,
    /// What was released, and why.
    pub released: Vec<Released>,
    /// What was withheld, and by which rule.
    pub withheld: Vec<Withheld>,
    /// The ledger entry recording what was withheld, if anything was.
    pub refusal_entry: Option<u64>,
}

fn parse_subject(service: &DataService, id: &str) -> Result<Subject, ExchangeError> {
    let id = id.trim();
    match service.subject {
        SubjectKind::Person => PersonalId::parse(id)
            .map(Subject::Person)
            .map_err(|e| ExchangeError::BadRequest(format!("the personal ID {id:?}: {e}"))),
        SubjectKind::Holder => {
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                PersonalId::parse(id)
                    .map(|p| Subject::Holder(Holder::Person(p)))
                    .map_err(|e| ExchangeError::BadRequest(format!("the personal ID {id:?}: {e}")))
            } else {
                TaxCode::parse(id)
                    .map(|t| Subject::Holder(Holder::Organization(t)))
                    .map_err(|e| {
                        ExchangeError::BadRequest(format!(
                            "the holder {id:?} is neither a 12-digit personal ID nor a tax code: {e}"
                        ))
                    })
            }
        }
    }
}

fn asked_fields(
    service: &DataService,
    fields: Option<&[String]>,
) -> Result<Vec<String>, ExchangeError> {
    let Some(fields) = fields else {
        return Ok(service.fields.iter().map(|f| f.name.clone()).collect());
    };
    let mut out: Vec<String> = Vec::new();
    for name in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if service.field(name).is_none() {
            return Err(ExchangeError::BadRequest(format!(
                "the service {} has no field {name:?}; its fields are {}",
                service.id,
                service
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !out.iter().any(|f| f == name) {
            out.push(name.to_owned());
        }
    }
    if out.is_empty() {
        return Err(ExchangeError::BadRequest(
            "fields is empty: name the fields you need, or leave it out to ask for all".into(),
        ));
    }
    Ok(out)
}

impl Exchange {
    /// Reads a subject's data for `agency` (see the module's description).
    pub async fn read(
        &self,
        agency: &Agency,
        request: &ReadRequest,
    ) -> Result<Answer, ExchangeError> {
        let remembered = self.remembered().await?;
        let service = remembered
            .services
            .iter()
            .find(|s| s.id == request.service)
            .ok_or_else(|| ExchangeError::UnknownService(request.service.clone()))?;
        if !is_code(&request.purpose) {
            return Err(ExchangeError::BadRequest(format!(
                "purpose is required: a lowercase code such as social-insurance-enrolment (got {:?})",
                request.purpose
            )));
        }
        if let Some(basis) = &request.legal_basis
            && basis != "consent"
            && service.legal_basis(basis).is_none()
        {
            return Err(ExchangeError::BadRequest(format!(
                "the service {} lists no legal basis {basis:?}; use one of {} or consent",
                service.id,
                service
                    .legal_bases
                    .iter()
                    .map(|b| b.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let fields = asked_fields(service, request.fields.as_deref())?;
        let subject = parse_subject(service, &request.subject)?;
        let provider = self
            .provider(&service.id)
            .ok_or_else(|| ExchangeError::NotConnected(service.id.clone()))?;
        let security_level = self
            .oidc()
            .client(&agency.client_id)
            .await?
            .map(|c| c.security_level)
            .ok_or_else(|| {
                ExchangeError::Forbidden(format!("{} is not a registered agency", agency.client_id))
            })?;

        let policy = &remembered.policy;
        let decision = decide(
            &policy.document,
            &Ask {
                agency: &agency.client_id,
                security_level,
                service,
                fields: &fields,
                purpose: &request.purpose,
                legal_basis: request.legal_basis.as_deref(),
            },
        );
        let mut withheld = decision.withheld;
        // Ground → (fields, rules).
        let mut grounds: BTreeMap<String, (Vec<String>, Vec<String>)> = decision
            .lawful
            .into_iter()
            .map(|(basis, (fields, rules))| (basis, (fields, rules.into_iter().collect())))
            .collect();
        if !decision.on_consent.is_empty() {
            let consents = match subject.person() {
                Some(person) => {
                    self.active_consents(person, &agency.client_id, &service.id, &request.purpose)
                        .await?
                }
                None => Vec::new(),
            };
            for (field, rule) in decision.on_consent {
                match consents.iter().find(|c| c.fields.contains(&field)) {
                    Some(c) => {
                        let ground = grounds.entry(format!("consent:{}", c.id)).or_default();
                        ground.0.push(field);
                        if !ground.1.contains(&rule) {
                            ground.1.push(rule);
                        }
                    }
                    None => withheld.push(Withheld {
                        reason: format!(
                            "rule {rule} releases {field} only with the person's consent to {} for {}, and none is in force",
                            agency.client_id, request.purpose
                        ),
                        field,
                        rule: "no-consent".into(),
                    }),
                }
            }
        }

        let subject_hash = self.ledger().subject(&subject.ledger_key()).await?;
        let event = |kind: Kind, fields: Vec<String>, basis: Option<String>, detail: String| {
            let mut e = Event::new(
                kind,
                Actor {
                    kind: "agency".into(),
                    id: agency.client_id.clone(),
                },
                DateTime::<Utc>::from_timestamp_millis(self.now()).unwrap_or_default(),
            );
            e.subject = Some(subject_hash.clone());
            e.service = Some(service.id.clone());
            e.fields = fields;
            e.purpose = Some(request.purpose.clone());
            e.legal_basis = basis;
            e.request_id = request.request_id.clone();
            e.detail = Some(detail);
            e
        };
        let refusal = (!withheld.is_empty()).then(|| {
            let mut rules: Vec<&str> = withheld.iter().map(|w| w.rule.as_str()).collect();
            rules.dedup();
            event(
                Kind::DataRefused,
                withheld.iter().map(|w| w.field.clone()).collect(),
                None,
                format!("policy:{} rules:{}", policy.version, rules.join(",")),
            )
        });

        if grounds.is_empty() {
            let refusal = refusal.expect("nothing granted means something withheld");
            let entry = self.ledger().append(&refusal).await?;
            return Err(ExchangeError::Refused { withheld, entry });
        }

        let released_fields: Vec<String> = fields
            .iter()
            .filter(|f| grounds.values().any(|(g, _)| g.contains(f)))
            .cloned()
            .collect();
        let data = provider.fetch(&subject, &released_fields).await?;

        let reads: Vec<Event> = grounds
            .iter()
            .map(|(basis, (fields, rules))| {
                event(
                    Kind::DataRead,
                    fields.clone(),
                    Some(basis.clone()),
                    format!("policy:{} rules:{}", policy.version, rules.join(",")),
                )
            })
            .collect();
        let entries = self.append_all(reads.iter().chain(refusal.iter())).await?;
        let released = grounds
            .into_iter()
            .zip(entries.iter())
            .map(|((legal_basis, (fields, rules)), entry)| Released {
                fields,
                legal_basis,
                rules,
                entry: *entry,
            })
            .collect();
        Ok(Answer {
            service: service.id.clone(),
            policy_version: policy.version,
            data,
            released,
            refusal_entry: refusal.as_ref().map(|_| entries[entries.len() - 1]),
            withheld,
        })
    }

    /// Appends events together (they share one batch) and waits until all are durable.
    async fn append_all(
        &self,
        events: impl Iterator<Item = &Event>,
    ) -> Result<Vec<u64>, ExchangeError> {
        let ledger = self.ledger();
        futures::future::join_all(events.map(|e| ledger.append(e)))
            .await
            .into_iter()
            .map(|r| r.map_err(ExchangeError::from))
            .collect()
    }
}
