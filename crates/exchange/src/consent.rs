//! Consent (Decree 13/2023/ND-CP Art 11): an agency asks, the person answers. A consent names the
//! data types, one purpose, who processes the data and the person's rights; silence is never
//! consent (an unanswered request lapses); the person may withdraw at any time, and the next read
//! is refused because every read checks the stored state.
//!
//! When the person agrees, the platform writes `consent.given` in the ledger and signs a receipt:
//! a JWS with the OpenID provider's key, verifiable by anyone against `/jwks`, that names the
//! ledger entry.

use chrono::{DateTime, SecondsFormat, Utc};
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Actor, Event, Kind};
use dinhdanh_oidc::jose::Alg;
use dinhdanh_store::{on_db, write_on_db};
use rand::RngCore;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::FromRow;

use crate::catalogue::{Texts, is_code};
use crate::policy::{Basis, SENSITIVE_ON_CONSENT_MIN_LEVEL};
use crate::{Exchange, ExchangeError};

/// How long a person has to answer a request before it lapses.
pub const ANSWER_WITHIN_DAYS: i64 = 7;
/// The longest a consent may last.
pub const MAX_VALID_DAYS: u32 = 5 * 365;
/// The `typ` of a receipt's JWS header.
pub const RECEIPT_TYPE: &str = "consent-receipt+jwt";

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Where a consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Asked, not yet answered.
    Pending,
    /// Given and in force.
    Active,
    /// Refused by the person.
    Declined,
    /// Withdrawn by the person.
    Withdrawn,
    /// Not answered in time, or past its end.
    Expired,
}

impl ConsentStatus {
    fn stored(self) -> &'static str {
        match self {
            ConsentStatus::Pending => "pending",
            ConsentStatus::Active => "active",
            ConsentStatus::Declined => "declined",
            ConsentStatus::Withdrawn => "withdrawn",
            ConsentStatus::Expired => "expired",
        }
    }
}

/// What an agency asks a person to consent to.
#[derive(Debug, Clone)]
pub struct ConsentAsk {
    /// The person.
    pub personal_id: PersonalId,
    /// The data service.
    pub service: String,
    /// The data types (fields of the service).
    pub fields: Vec<String>,
    /// The one purpose, as a code matching the policy.
    pub purpose: String,
    /// The purpose explained to the person, in plain words.
    pub purpose_text: String,
    /// How long the consent lasts once given, in days (default 365).
    pub valid_days: Option<u32>,
}

/// A consent or a request for one.
#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    /// Its identifier.
    pub id: String,
    /// The person.
    pub personal_id: String,
    /// The agency that processes the data (its client ID).
    pub agency: String,
    /// The data service.
    pub service: String,
    /// The data types.
    pub fields: Vec<String>,
    /// The purpose code.
    pub purpose: String,
    /// The purpose in plain words.
    pub purpose_text: String,
    /// How long it lasts once given.
    pub valid_days: u32,
    /// Where it stands now.
    pub status: ConsentStatus,
    /// When asked (Unix ms).
    pub requested_at: i64,
    /// Answer before (Unix ms).
    pub answer_by: i64,
    /// When the person answered.
    pub decided_at: Option<i64>,
    /// When it ends.
    pub expires_at: Option<i64>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<i64>,
    /// The signed receipt, once given.
    pub receipt: Option<String>,
}

#[derive(FromRow)]
struct Row {
    consent_id: String,
    personal_id: String,
    agency: String,
    service_id: String,
    fields: String,
    purpose: String,
    purpose_text: String,
    valid_days: i64,
    status: String,
    requested_at: i64,
    answer_by: i64,
    decided_at: Option<i64>,
    expires_at: Option<i64>,
    withdrawn_at: Option<i64>,
    receipt: Option<String>,
}

const COLUMNS: &str = "consent_id, personal_id, agency, service_id, fields, purpose, purpose_text, \
     valid_days, status, requested_at, answer_by, decided_at, expires_at, withdrawn_at, receipt";

impl Row {
    fn into_consent(self, now: i64) -> Consent {
        let stored = match self.status.as_str() {
            "active" => ConsentStatus::Active,
            "declined" => ConsentStatus::Declined,
            "withdrawn" => ConsentStatus::Withdrawn,
            "expired" => ConsentStatus::Expired,
            _ => ConsentStatus::Pending,
        };
        let status = match stored {
            ConsentStatus::Pending if now >= self.answer_by => ConsentStatus::Expired,
            ConsentStatus::Active if self.expires_at.is_some_and(|e| now >= e) => {
                ConsentStatus::Expired
            }
            s => s,
        };
        Consent {
            id: self.consent_id,
            personal_id: self.personal_id,
            agency: self.agency,
            service: self.service_id,
            fields: serde_json::from_str(&self.fields).unwrap_or_default(),
            purpose: self.purpose,
            purpose_text: self.purpose_text,
            valid_days: u32::try_from(self.valid_days).unwrap_or(0),
            status,
            requested_at: self.requested_at,
            answer_by: self.answer_by,
            decided_at: self.decided_at,
            expires_at: self.expires_at,
            withdrawn_at: self.withdrawn_at,
            receipt: self.receipt,
        }
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The person's rights as every receipt states them (Decree 13/2023 Art 9).
pub fn rights() -> Texts {
    Texts {
        vi: "Bạn có quyền được biết, đồng ý, truy cập, rút lại sự đồng ý bất cứ lúc nào, xóa, hạn chế xử lý, phản đối xử lý, yêu cầu cung cấp dữ liệu, khiếu nại, tố cáo, khởi kiện và yêu cầu bồi thường (Điều 9 Nghị định 13/2023/NĐ-CP). Việc rút lại có hiệu lực ngay.".into(),
        en: "You have the rights to be informed, to consent, to access, to withdraw consent at any time, to deletion, to restrict and to object to processing, to be given your data, to complain and to claim damages (Decree 13/2023/ND-CP Art 9). Withdrawal takes effect at once.".into(),
    }
}

impl Exchange {
    /// An agency asks a person for consent. The policy must let this agency read every named
    /// field on consent for this purpose, so that a consent can never reach beyond what the
    /// operator allowed.
    pub async fn ask_consent(
        &self,
        agency: &str,
        ask: ConsentAsk,
    ) -> Result<Consent, ExchangeError> {
        let bad = |m: String| Err(ExchangeError::BadRequest(m));
        let service = self.service(&ask.service).await?;
        if !is_code(&ask.purpose) {
            return bad(format!(
                "the purpose {:?} must be a lowercase code such as social-insurance-enrolment",
                ask.purpose
            ));
        }
        let purpose_text = ask.purpose_text.trim();
        if !(10..=500).contains(&purpose_text.chars().count()) {
            return bad(
                "purpose_text explains the purpose to the person in 10 to 500 characters".into(),
            );
        }
        let valid_days = ask.valid_days.unwrap_or(365);
        if !(1..=MAX_VALID_DAYS).contains(&valid_days) {
            return bad(format!("valid_days is 1 to {MAX_VALID_DAYS}"));
        }
        let mut fields = ask.fields.clone();
        fields.sort();
        fields.dedup();
        if fields.is_empty() {
            return bad("name at least one field the consent covers".into());
        }
        if let Some(unknown) = fields.iter().find(|f| service.field(f).is_none()) {
            return bad(format!(
                "the service {} has no field {unknown:?}",
                service.id
            ));
        }
        let client = self.oidc().client(agency).await?.ok_or_else(|| {
            ExchangeError::Forbidden(format!("{agency} is not a registered agency"))
        })?;
        let policy = self.policy().await?;
        for name in &fields {
            let sensitive = service.field(name).is_some_and(|f| f.is_sensitive());
            let allowed = policy.document.rules.iter().any(|r| {
                r.agency == agency
                    && r.service == service.id
                    && r.basis == Basis::Consent
                    && r.fields.contains(name)
                    && r.purposes.contains(&ask.purpose)
                    && client.security_level >= r.min_security_level
            });
            if !allowed {
                return Err(ExchangeError::Forbidden(format!(
                    "no rule of policy version {} lets {agency} read {name} from {} on consent for {}",
                    policy.version, service.id, ask.purpose
                )));
            }
            if sensitive && client.security_level < SENSITIVE_ON_CONSENT_MIN_LEVEL {
                return Err(ExchangeError::Forbidden(format!(
                    "{name} is sensitive personal data: consent for it may be asked only by systems of security level {SENSITIVE_ON_CONSENT_MIN_LEVEL} or above"
                )));
            }
        }
        self.person_exists(&ask.personal_id).await?;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let id = format!("cs_{}", hex::encode(bytes));
        let now = self.now();
        let answer_by = now + ANSWER_WITHIN_DAYS * DAY_MS;
        let fields_json = serde_json::to_string(&fields).expect("fields serialize");
        write_on_db!(self.db(), self.gate(), |pool| {
            sqlx::query(
                "INSERT INTO exchange_consents (consent_id, personal_id, agency, service_id, fields, purpose, \
                 purpose_text, valid_days, status, requested_at, answer_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)",
            )
            .bind(&id)
            .bind(ask.personal_id.to_string())
            .bind(agency)
            .bind(&service.id)
            .bind(&fields_json)
            .bind(&ask.purpose)
            .bind(purpose_text)
            .bind(i64::from(valid_days))
            .bind(now)
            .bind(answer_by)
            .execute(pool)
            .await?
            .rows_affected()
        });
        tracing::info!(consent = %id, agency, service = %service.id, "consent requested");
        Ok(Consent {
            id,
            personal_id: ask.personal_id.to_string(),
            agency: agency.to_owned(),
            service: service.id,
            fields,
            purpose: ask.purpose,
            purpose_text: purpose_text.to_owned(),
            valid_days,
            status: ConsentStatus::Pending,
            requested_at: now,
            answer_by,
            decided_at: None,
            expires_at: None,
            withdrawn_at: None,
            receipt: None,
        })
    }

    /// Consents are asked of persons the population registry knows.
    async fn person_exists(&self, id: &PersonalId) -> Result<(), ExchangeError> {
        let registry = self
            .provider("population")
            .expect("the population registry is always connected");
        registry
            .fetch(&crate::Subject::Person(*id), &[])
            .await
            .map(|_| ())
    }

    async fn load(&self, id: &str) -> Result<Option<Consent>, ExchangeError> {
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM exchange_consents WHERE consent_id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| r.into_consent(self.now())))
    }

    /// One consent as its person sees it; another person's is "not found".
    pub async fn consent_of(
        &self,
        person: &PersonalId,
        id: &str,
    ) -> Result<Consent, ExchangeError> {
        match self.load(id).await? {
            Some(c) if c.personal_id == person.to_string() => Ok(c),
            _ => Err(ExchangeError::NotFound(format!("you have no consent {id}"))),
        }
    }

    /// One consent as the agency that asked for it sees it; another agency's is "not found".
    pub async fn consent_for_agency(
        &self,
        agency: &str,
        id: &str,
    ) -> Result<Consent, ExchangeError> {
        match self.load(id).await? {
            Some(c) if c.agency == agency => Ok(c),
            _ => Err(ExchangeError::NotFound(format!(
                "{agency} asked for no consent {id}"
            ))),
        }
    }

    /// Every consent and request of a person, newest first.
    pub async fn consents_of(&self, person: &PersonalId) -> Result<Vec<Consent>, ExchangeError> {
        let rows: Vec<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM exchange_consents WHERE personal_id = $1 ORDER BY requested_at DESC, consent_id"
            )))
            .bind(person.to_string())
            .fetch_all(pool)
            .await?
        });
        let now = self.now();
        Ok(rows.into_iter().map(|r| r.into_consent(now)).collect())
    }

    /// The consents in force for a person, agency, service and purpose (the read path's check).
    pub(crate) async fn active_consents(
        &self,
        person: &PersonalId,
        agency: &str,
        service: &str,
        purpose: &str,
    ) -> Result<Vec<Consent>, ExchangeError> {
        let rows: Vec<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM exchange_consents \
                 WHERE personal_id = $1 AND agency = $2 AND purpose = $3 AND service_id = $4 AND status = 'active'"
            )))
            .bind(person.to_string())
            .bind(agency)
            .bind(purpose)
            .bind(service)
            .fetch_all(pool)
            .await?
        });
        let now = self.now();
        Ok(rows
            .into_iter()
            .map(|r| r.into_consent(now))
            .filter(|c| c.status == ConsentStatus::Active)
            .collect())
    }

    /// The person answers a request: agreeing makes the consent active, writes `consent.given`
    /// in the ledger and signs the receipt; declining closes the request. Only a pending request
    /// of this person, answered in time, can be answered.
    pub async fn answer_consent(
        &self,
        person: &PersonalId,
        id: &str,
        agree: bool,
    ) -> Result<Consent, ExchangeError> {
        let consent = self.consent_of(person, id).await?;
        if consent.status != ConsentStatus::Pending {
            return Err(ExchangeError::Conflict(format!(
                "this request is {}, so it can no longer be answered",
                consent.status.stored()
            )));
        }
        let now = self.now();
        let (status, expires_at) = if agree {
            (
                ConsentStatus::Active,
                Some(now + i64::from(consent.valid_days) * DAY_MS),
            )
        } else {
            (ConsentStatus::Declined, None)
        };
        let changed = write_on_db!(self.db(), self.gate(), |pool| {
            sqlx::query(
                "UPDATE exchange_consents SET status = $3, decided_at = $4, expires_at = $5 \
                 WHERE consent_id = $1 AND personal_id = $2 AND status = 'pending' AND answer_by > $4",
            )
            .bind(id)
            .bind(person.to_string())
            .bind(status.stored())
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(ExchangeError::Conflict(
                "this request was answered or lapsed meanwhile".into(),
            ));
        }
        let mut consent = Consent {
            status,
            decided_at: Some(now),
            expires_at,
            ..consent
        };
        if !agree {
            return Ok(consent);
        }
        let entry = match self.record(&consent, Kind::ConsentGiven).await {
            Ok(entry) => entry,
            Err(e) => {
                // Nothing may be in force that the ledger does not show: undo.
                write_on_db!(self.db(), self.gate(), |pool| {
                    sqlx::query(
                        "UPDATE exchange_consents SET status = 'pending', decided_at = NULL, expires_at = NULL \
                         WHERE consent_id = $1",
                    )
                    .bind(id)
                    .execute(pool)
                    .await?
                    .rows_affected()
                });
                return Err(e);
            }
        };
        let receipt = self.sign_receipt(&consent, entry).await?;
        write_on_db!(self.db(), self.gate(), |pool| {
            sqlx::query("UPDATE exchange_consents SET receipt = $2 WHERE consent_id = $1")
                .bind(id)
                .bind(&receipt)
                .execute(pool)
                .await?
                .rows_affected()
        });
        consent.receipt = Some(receipt);
        Ok(consent)
    }

    /// The person withdraws a consent in force: from this moment no read rests on it.
    pub async fn withdraw_consent(
        &self,
        person: &PersonalId,
        id: &str,
    ) -> Result<Consent, ExchangeError> {
        let consent = self.consent_of(person, id).await?;
        let now = self.now();
        let changed = write_on_db!(self.db(), self.gate(), |pool| {
            sqlx::query(
                "UPDATE exchange_consents SET status = 'withdrawn', withdrawn_at = $3 \
                 WHERE consent_id = $1 AND personal_id = $2 AND status = 'active' \
                 AND (expires_at IS NULL OR expires_at > $3)",
            )
            .bind(id)
            .bind(person.to_string())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(ExchangeError::Conflict(format!(
                "this consent is {}, not in force, so there is nothing to withdraw",
                consent.status.stored()
            )));
        }
        let consent = Consent {
            status: ConsentStatus::Withdrawn,
            withdrawn_at: Some(now),
            ..consent
        };
        self.record(&consent, Kind::ConsentWithdrawn).await?;
        Ok(consent)
    }

    async fn record(&self, consent: &Consent, kind: Kind) -> Result<u64, ExchangeError> {
        let ledger = self.ledger();
        let at = DateTime::<Utc>::from_timestamp_millis(self.now()).unwrap_or_default();
        let mut event = Event::new(
            kind,
            Actor {
                kind: "agency".into(),
                id: consent.agency.clone(),
            },
            at,
        );
        event.subject = Some(ledger.subject(&consent.personal_id).await?);
        event.service = Some(consent.service.clone());
        event.fields = consent.fields.clone();
        event.purpose = Some(consent.purpose.clone());
        event.legal_basis = Some(format!("consent:{}", consent.id));
        Ok(ledger.append(&event).await?)
    }

    async fn sign_receipt(&self, consent: &Consent, entry: u64) -> Result<String, ExchangeError> {
        let service = self.service(&consent.service).await?;
        let agency_name = match self.oidc().client(&consent.agency).await? {
            Some(c) => json!({"vi": c.name.vi, "en": c.name.en}),
            None => Value::Null,
        };
        let data: Vec<Value> = consent
            .fields
            .iter()
            .map(|f| {
                let field = service.field(f);
                json!({
                    "field": f,
                    "title": field.map(|x| &x.title),
                    "sensitive": field.and_then(|x| x.sensitive.clone()),
                })
            })
            .collect();
        let issuer = self.oidc().issuer().to_owned();
        let claims = json!({
            "iss": issuer,
            "jti": consent.id,
            "iat": self.now() / 1000,
            "personal_id": consent.personal_id,
            "controller": {"client_id": consent.agency, "name": agency_name},
            "service": {"id": service.id, "provider": service.provider},
            "data": data,
            "purpose": {"code": consent.purpose, "description": consent.purpose_text},
            "given_at": consent.decided_at.map(rfc3339),
            "expires_at": consent.expires_at.map(rfc3339),
            "rights": rights(),
            "withdraw_at": format!("{issuer}/account/consents"),
            "ledger": {"origin": self.ledger().origin().await?, "index": entry},
        });
        let keys = self
            .oidc()
            .keys()
            .await
            .map_err(|e| ExchangeError::Signing(e.to_string()))?;
        let key = keys
            .signer(Alg::ES256)
            .ok_or_else(|| ExchangeError::Signing("no ES256 key".into()))?;
        Ok(key.sign(RECEIPT_TYPE, &claims))
    }
}
