//! Documents: what issuing agencies record for a person, and what a citizen integrates into the
//! account once it matches the issuer's record (Decree 69/2024/ND-CP Art 17).
//!
//! An agency adds or updates a document of the types its client may issue, and revokes or
//! suspends it; every credential issued from the document follows its status. A citizen asks
//! for a document by type and number; it is integrated only when the issuer's record names the
//! citizen's personal ID. The electronic identity card is made from the registry for a level-2
//! account.

use chrono::NaiveDate;
use dinhdanh_accounts::{Account, AccountId, AccountKind, AccountLevel, AccountStatus};
use dinhdanh_domain::PersonalId;
use dinhdanh_store::{on_db, write_tx};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::FromRow;

use crate::status::Status;
use crate::types::{self, DocumentType};
use crate::{Credentials, CredentialsError};

/// A citizen acting on their own documents.
#[derive(Debug, Clone)]
pub struct Holder {
    account: AccountId,
    personal_id: PersonalId,
    level: AccountLevel,
}

impl Holder {
    /// The holder of `account`: a person's active, usable account.
    pub fn of(account: &Account) -> Result<Holder, CredentialsError> {
        let (AccountKind::Person, Some(personal_id)) = (account.kind, account.personal_id) else {
            return Err(CredentialsError::Forbidden(
                "only a person's own account holds documents".into(),
            ));
        };
        if account.status != AccountStatus::Active || account.usable().is_err() {
            return Err(CredentialsError::Forbidden(
                "the account is not active or is locked".into(),
            ));
        }
        Ok(Holder {
            account: account.id,
            personal_id,
            level: account.level,
        })
    }

    /// The account.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The personal ID.
    pub fn personal_id(&self) -> PersonalId {
        self.personal_id
    }
}

/// An issuing agency: a registered client and the document types its scopes let it issue
/// (`credentials.issue:<type>`).
#[derive(Debug, Clone)]
pub struct IssuingAgency {
    /// Its client ID.
    pub client_id: String,
    /// The document types it may issue.
    pub types: Vec<String>,
}

/// The scope that lets a client issue documents of `doc_type`.
pub fn issue_scope(doc_type: &str) -> String {
    format!("credentials.issue:{doc_type}")
}

/// The client name the registry's own documents (identity cards) carry.
pub const REGISTRY_ISSUER: &str = "registry";

/// A document as the issuer sent it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Its identifier here.
    pub id: String,
    /// Its type.
    pub doc_type: String,
    /// Its own number.
    pub number: String,
    /// The issuer's client ID.
    pub issuer: String,
    /// Whose it is.
    pub personal_id: String,
    /// Its fields.
    pub data: Map<String, Value>,
    /// Valid, revoked or suspended.
    pub status: Status,
    /// Why it was revoked or suspended.
    pub status_reason: Option<String>,
    /// 1 at creation, +1 at each change.
    pub version: i64,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Last changed (Unix ms).
    pub updated_at: i64,
}

impl Document {
    /// The last day it is valid, from its `valid_until` field if it has one.
    pub fn valid_until(&self) -> Option<NaiveDate> {
        ["valid_until", "card_valid_until"].iter().find_map(|f| {
            self.data
                .get(*f)
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
    }
}

#[derive(FromRow)]
struct DocumentRow {
    document_id: String,
    doc_type: String,
    number: String,
    issuer_client: String,
    personal_id: String,
    data: String,
    status: i64,
    status_reason: Option<String>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<DocumentRow> for Document {
    type Error = CredentialsError;

    fn try_from(r: DocumentRow) -> Result<Document, CredentialsError> {
        let data = match serde_json::from_str(&r.data) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(CredentialsError::Storage(
                    "a stored document is not JSON".into(),
                ));
            }
        };
        Ok(Document {
            id: r.document_id,
            doc_type: r.doc_type,
            number: r.number,
            issuer: r.issuer_client,
            personal_id: r.personal_id,
            data,
            status: u8::try_from(r.status)
                .ok()
                .and_then(Status::from_value)
                .ok_or_else(|| CredentialsError::Storage("a stored status is unknown".into()))?,
            status_reason: r.status_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The columns a [`DocumentRow`] reads, for `concat!`.
macro_rules! document_columns {
    () => {
        "document_id, doc_type, number, issuer_client, personal_id, data, status, status_reason, \
         version, created_at, updated_at"
    };
}

/// An access token of the credential endpoint, as stored.
#[derive(FromRow)]
pub(crate) struct TokenRow {
    pub(crate) account_id: i64,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
    /// The document type the token is for.
    #[sqlx(rename = "token_type")]
    pub(crate) doc_type: String,
}

/// What an issuer sends for a document.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DocumentInput {
    /// Whose it is.
    pub personal_id: String,
    /// Its fields, as the type defines them.
    pub data: Map<String, Value>,
}

/// A document in a citizen's account.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    /// The document.
    pub document: Document,
    /// When it was integrated (Unix ms).
    pub integrated_at: i64,
}

fn number_ok(number: &str) -> Result<String, CredentialsError> {
    let n = number.trim();
    if n.is_empty()
        || n.len() > 64
        || !n
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'.'))
    {
        return Err(CredentialsError::invalid(
            "number",
            "a document number is 1 to 64 letters, digits, '-', '/' or '.'",
        ));
    }
    Ok(n.to_owned())
}

fn doc_type(id: &str) -> Result<DocumentType, CredentialsError> {
    types::by_id(id).ok_or_else(|| CredentialsError::UnknownType(id.to_owned()))
}

impl Credentials {
    /// Adds a document of `type_id` numbered `number`, or updates it (its fields and holder)
    /// when the agency already sent it. An agency may not touch another agency's document.
    pub async fn put_document(
        &self,
        agency: &IssuingAgency,
        type_id: &str,
        number: &str,
        input: &DocumentInput,
    ) -> Result<Document, CredentialsError> {
        let t = doc_type(type_id)?;
        if t.id == types::ID_CARD || !agency.types.iter().any(|x| x == t.id) {
            return Err(CredentialsError::Forbidden(format!(
                "client {} may not issue {} documents (it needs the scope {})",
                agency.client_id,
                t.id,
                issue_scope(t.id)
            )));
        }
        let number = number_ok(number)?;
        let personal_id = PersonalId::parse(&input.personal_id)
            .map_err(|e| CredentialsError::invalid("personal_id", e.to_string()))?;
        let data = t
            .check(&input.data)
            .map_err(|e| CredentialsError::invalid("data", e))?;
        let now = self.now_ms();
        let id = crate::random_id();
        let data_text = Value::Object(data).to_string();
        let stored: DocumentRow = write_tx!(self.db(), self.inner.gate, |tx| {
            let existing: Option<(String,)> = sqlx::query_as(
                "SELECT issuer_client FROM credential_documents WHERE doc_type = $1 AND number = $2",
            )
            .bind(t.id)
            .bind(&number)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((owner,)) = existing
                && owner != agency.client_id
            {
                return Err(CredentialsError::Forbidden(format!(
                    "{} {number} was issued by another agency",
                    t.id
                )));
            }
            sqlx::query_as(concat!(
                "INSERT INTO credential_documents
                     (document_id, doc_type, number, issuer_client, personal_id, data, version,
                      created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)
                 ON CONFLICT (doc_type, number) DO UPDATE
                 SET personal_id = excluded.personal_id, data = excluded.data,
                     version = credential_documents.version + 1, updated_at = excluded.updated_at
                 RETURNING ",
                document_columns!(),
                ""
            ))
            .bind(&id)
            .bind(t.id)
            .bind(&number)
            .bind(&agency.client_id)
            .bind(personal_id.to_string())
            .bind(&data_text)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        });
        stored.try_into()
    }

    /// Revokes, suspends or reinstates a document, and with it every credential issued from it.
    /// A revoked document stays revoked.
    pub async fn set_document_status(
        &self,
        agency: &IssuingAgency,
        type_id: &str,
        number: &str,
        status: Status,
        reason: Option<&str>,
    ) -> Result<Document, CredentialsError> {
        let t = doc_type(type_id)?;
        let number = number_ok(number)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if status != Status::Valid && reason.is_none_or(|r| r.chars().count() > 300) {
            return Err(CredentialsError::invalid(
                "reason",
                "revoking or suspending needs a reason of at most 300 characters",
            ));
        }
        let now = self.now_ms();
        let row: Option<DocumentRow> = write_tx!(self.db(), self.inner.gate, |tx| {
            let current: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT document_id, issuer_client, status FROM credential_documents
                 WHERE doc_type = $1 AND number = $2",
            )
            .bind(t.id)
            .bind(&number)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, owner, was)) = current else {
                return Err(CredentialsError::NotFound);
            };
            if owner != agency.client_id {
                return Err(CredentialsError::NotFound);
            }
            if was == i64::from(Status::Revoked.value()) && status != Status::Revoked {
                return Err(CredentialsError::invalid(
                    "status",
                    "a revoked document cannot be reinstated; issue a new one",
                ));
            }
            sqlx::query(
                "UPDATE credentials_issued SET status = $2 WHERE document_id = $1 AND status <> 1",
            )
            .bind(&id)
            .bind(i64::from(status.value()))
            .execute(&mut *tx)
            .await?;
            sqlx::query_as(concat!(
                "UPDATE credential_documents
                 SET status = $2, status_reason = $3, version = version + 1, updated_at = $4
                 WHERE document_id = $1 RETURNING ",
                document_columns!(),
                ""
            ))
            .bind(&id)
            .bind(i64::from(status.value()))
            .bind(reason)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
        });
        self.forget_lists();
        row.ok_or(CredentialsError::NotFound)?.try_into()
    }

    /// The agency's document of that type and number.
    pub async fn agency_document(
        &self,
        agency: &IssuingAgency,
        type_id: &str,
        number: &str,
    ) -> Result<Document, CredentialsError> {
        let number = number_ok(number)?;
        let row: Option<DocumentRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                document_columns!(),
                " FROM credential_documents
                 WHERE doc_type = $1 AND number = $2 AND issuer_client = $3"
            ))
            .bind(type_id)
            .bind(&number)
            .bind(&agency.client_id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(CredentialsError::NotFound)?.try_into()
    }

    /// Integrates the citizen's document of `type_id` numbered `number`: the issuer's record
    /// must exist, be valid and name the citizen. Any other case gets the same answer, so the
    /// call cannot be used to learn whose a number is.
    pub async fn integrate(
        &self,
        holder: &Holder,
        type_id: &str,
        number: &str,
    ) -> Result<Held, CredentialsError> {
        let t = doc_type(type_id)?;
        if t.id == types::ID_CARD {
            return self.integrate_id_card(holder).await;
        }
        let number = number_ok(number)?;
        let row: Option<DocumentRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                document_columns!(),
                " FROM credential_documents
                 WHERE doc_type = $1 AND number = $2"
            ))
            .bind(t.id)
            .bind(&number)
            .fetch_optional(pool)
            .await?
        });
        let document: Document = match row {
            Some(r) if r.personal_id == holder.personal_id.to_string() => r.try_into()?,
            _ => return Err(CredentialsError::NotFound),
        };
        if document.status != Status::Valid {
            return Err(CredentialsError::invalid(
                "number",
                format!("the issuer has {} this document", document.status.as_str()),
            ));
        }
        self.hold(holder, document).await
    }

    /// Makes (or refreshes from the registry) the citizen's electronic identity card and
    /// integrates it. Only a level-2 account has one.
    async fn integrate_id_card(&self, holder: &Holder) -> Result<Held, CredentialsError> {
        if holder.level < AccountLevel::Two {
            return Err(CredentialsError::Forbidden(
                "the electronic identity card comes with a level-2 account; have your identity \
                 checked at a registration point"
                    .into(),
            ));
        }
        // A card made before follows the registry first: credentials carrying fields that
        // have changed since are revoked.
        self.follow_registry(holder.personal_id).await?;
        let data = self
            .id_card_data(holder.personal_id)
            .await?
            .ok_or_else(|| {
                CredentialsError::Forbidden(
                    "the registry does not record this person as living".into(),
                )
            })?;
        let now = self.now_ms();
        let id = crate::random_id();
        let row: DocumentRow = write_tx!(self.db(), self.inner.gate, |tx| {
            sqlx::query_as(concat!(
                "INSERT INTO credential_documents
                     (document_id, doc_type, number, issuer_client, personal_id, data, version,
                      created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $3, $5, 1, $6, $6)
                 ON CONFLICT (doc_type, number) DO UPDATE
                 SET data = excluded.data, version = credential_documents.version + 1,
                     updated_at = excluded.updated_at
                 RETURNING ",
                document_columns!(),
                ""
            ))
            .bind(&id)
            .bind(types::ID_CARD)
            .bind(holder.personal_id.to_string())
            .bind(REGISTRY_ISSUER)
            .bind(Value::Object(data).to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        });
        let document: Document = row.try_into()?;
        if document.status != Status::Valid {
            return Err(CredentialsError::Forbidden(format!(
                "the identity card is {}",
                document.status.as_str()
            )));
        }
        self.hold(holder, document).await
    }

    /// The identity card's fields from the registry, or `None` when the registry records the
    /// person's death.
    async fn id_card_data(
        &self,
        personal_id: PersonalId,
    ) -> Result<Option<Map<String, Value>>, CredentialsError> {
        let record = self
            .inner
            .registry
            .person(personal_id)
            .await
            .map_err(|e| CredentialsError::Storage(format!("registry: {e}")))?;
        let p = &record.person;
        if !matches!(p.status, dinhdanh_registry::LifeStatus::Living) {
            return Ok(None);
        }
        let mut data = json!({
            "personal_id": p.personal_id.to_string(),
            "full_name": p.name.to_string(),
            "birth_date": p.birth_date.to_string(),
            "sex": p.sex.as_str(),
            "nationality": p.nationality,
            "place_of_origin": p.place_of_origin,
            "permanent_residence": p.permanent_residence,
        });
        if let Some(card) = &p.id_card {
            data["card_number"] = json!(card.number);
            data["card_issued_on"] = json!(card.issued.to_string());
            if let Some(e) = card.expires {
                data["card_valid_until"] = json!(e.to_string());
            }
        }
        let t = doc_type(types::ID_CARD)?;
        t.check(data.as_object().expect("an object"))
            .map(Some)
            .map_err(|e| CredentialsError::Storage(format!("registry data: {e}")))
    }

    /// Brings a person's identity card in line with the registry after a change there: when the
    /// registry records the death, the card and its credentials are revoked; when the card's
    /// fields changed, they are updated and the credentials issued with the old ones are
    /// revoked (the holder asks for new ones). Nothing happens to a person without a card here.
    /// Returns whether anything changed.
    pub async fn follow_registry(&self, personal_id: PersonalId) -> Result<bool, CredentialsError> {
        let number = personal_id.to_string();
        let current: Option<DocumentRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                document_columns!(),
                " FROM credential_documents WHERE doc_type = $1 AND number = $2"
            ))
            .bind(types::ID_CARD)
            .bind(&number)
            .fetch_optional(pool)
            .await?
        });
        let Some(current) = current else {
            return Ok(false);
        };
        let current: Document = current.try_into()?;
        if current.status == Status::Revoked {
            return Ok(false);
        }
        let data = self.id_card_data(personal_id).await?;
        let (status, reason, data) = match data {
            None => (
                Status::Revoked,
                Some("the registry records the holder's death"),
                current.data.clone(),
            ),
            Some(d) if d != current.data => (current.status, current.status_reason.as_deref(), d),
            Some(_) => return Ok(false),
        };
        let now = self.now_ms();
        write_tx!(self.db(), self.inner.gate, |tx| {
            sqlx::query(
                "UPDATE credentials_issued SET status = 1 WHERE document_id = $1 AND status <> 1",
            )
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE credential_documents
                 SET data = $2, status = $3, status_reason = $4, version = version + 1,
                     updated_at = $5
                 WHERE document_id = $1",
            )
            .bind(&current.id)
            .bind(Value::Object(data).to_string())
            .bind(i64::from(status.value()))
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        self.forget_lists();
        Ok(true)
    }

    async fn hold(&self, holder: &Holder, document: Document) -> Result<Held, CredentialsError> {
        let now = self.now_ms();
        let at: i64 = write_tx!(self.db(), self.inner.gate, |tx| {
            sqlx::query(
                "INSERT INTO credential_holdings (account_id, document_id, integrated_at)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(holder.account)
            .bind(&document.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (at,): (i64,) = sqlx::query_as(
                "SELECT integrated_at FROM credential_holdings
                 WHERE account_id = $1 AND document_id = $2",
            )
            .bind(holder.account)
            .bind(&document.id)
            .fetch_one(&mut *tx)
            .await?;
            at
        });
        Ok(Held {
            document,
            integrated_at: at,
        })
    }

    /// The citizen's integrated documents, in the order they were integrated.
    pub async fn held(&self, holder: &Holder) -> Result<Vec<Held>, CredentialsError> {
        #[derive(FromRow)]
        struct HeldRow {
            #[sqlx(flatten)]
            document: DocumentRow,
            integrated_at: i64,
        }
        let rows: Vec<HeldRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT d.document_id, d.doc_type, d.number, d.issuer_client, d.personal_id,
                        d.data, d.status, d.status_reason, d.version, d.created_at, d.updated_at,
                        h.integrated_at
                 FROM credential_holdings h
                 JOIN credential_documents d ON d.document_id = h.document_id
                 WHERE h.account_id = $1 AND d.personal_id = $2
                 ORDER BY h.integrated_at, d.document_id",
            )
            .bind(holder.account)
            .bind(holder.personal_id.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Held {
                    document: r.document.try_into()?,
                    integrated_at: r.integrated_at,
                })
            })
            .collect()
    }

    /// An access token of the credential endpoint, by its hash, with the document it is for.
    pub(crate) async fn token_document(
        &self,
        token_hash: &str,
    ) -> Result<Option<(TokenRow, Document)>, CredentialsError> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            token: TokenRow,
            #[sqlx(flatten)]
            document: DocumentRow,
        }
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT t.account_id, t.expires_at, t.used_at, t.doc_type AS token_type,
                        d.document_id, d.doc_type, d.number, d.issuer_client, d.personal_id, d.data,
                        d.status, d.status_reason, d.version, d.created_at, d.updated_at
                 FROM credential_tokens t
                 JOIN credential_documents d ON d.document_id = t.document_id
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| Ok((r.token, r.document.try_into()?)))
            .transpose()
    }

    /// One of the citizen's integrated documents.
    pub async fn held_document(
        &self,
        holder: &Holder,
        document_id: &str,
    ) -> Result<Held, CredentialsError> {
        self.held(holder)
            .await?
            .into_iter()
            .find(|h| h.document.id == document_id)
            .ok_or(CredentialsError::NotFound)
    }
}
