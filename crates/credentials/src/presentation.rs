//! Verification by OpenID for Verifiable Presentations 1.0, on a verifier's behalf: the verifier
//! (a bank's client, or anyone at the public verification page) asks for some claims of one
//! document type; the platform makes an authorization request with a DCQL query, a fresh nonce
//! and `response_mode=direct_post`, shown as a QR code; the citizen's wallet posts the
//! presentation back; the platform checks it — issuer signature, disclosures, key binding to
//! this request's `client_id` and nonce, validity and status — records it in the ledger as a
//! presentation of the citizen's credential, and keeps the outcome for the verifier.
//!
//! A request is answered once: a replayed presentation finds it answered, and a presentation
//! made for another request carries another nonce.

use dinhdanh_ledger::{Actor, Event, Kind};
use dinhdanh_store::{on_db, write_tx};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::sdjwt::{Checks, Step};
use crate::status::Reference;
use crate::types;
use crate::verify::{self, Trusted};
use crate::{Credentials, CredentialsError, Refusal, random_id};

/// How long a request can be answered.
pub const REQUEST_SECONDS: i64 = 600;
/// The DCQL credential query's identifier in requests made here.
pub const QUERY_ID: &str = "document";
/// The most claims a request may ask for.
pub const MAX_CLAIMS: usize = 16;

/// A request for a presentation.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// Its identifier, for the verifier to read the outcome.
    pub id: String,
    /// The `openid4vp://` URI for the QR code (request by value).
    pub uri: String,
    /// The `client_id` a key binding must name (`redirect_uri:<response_uri>`).
    pub client_id: String,
    /// The nonce the key binding must carry.
    pub nonce: String,
    /// The DCQL query.
    pub dcql_query: Value,
    /// Until when a wallet can answer (Unix ms).
    pub expires_at: i64,
}

/// What came of a request.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// No answer yet.
    Pending,
    /// The presentation checked out: the claims disclosed.
    Verified {
        /// The disclosed claims (with `iss`, `vct`, `iat`, `exp`).
        claims: Map<String, Value>,
    },
    /// The presentation was refused.
    Refused {
        /// The reason's code.
        code: String,
        /// The reason.
        reason: String,
    },
    /// Nobody answered in time.
    Expired,
}

/// A stored request and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    /// Its identifier.
    pub id: String,
    /// Who asked.
    pub verifier: String,
    /// Why.
    pub purpose: String,
    /// The document type.
    pub doc_type: String,
    /// The claims asked for.
    pub claims: Vec<String>,
    /// The outcome.
    pub outcome: Outcome,
}

#[derive(sqlx::FromRow)]
struct Row {
    request_id: String,
    nonce: String,
    verifier: String,
    purpose: String,
    doc_type: String,
    claims: String,
    expires_at: i64,
    answered_at: Option<i64>,
    outcome: Option<String>,
}

impl Credentials {
    /// The address wallets post presentations to.
    pub fn response_uri(&self) -> String {
        format!("{}/vp/response", self.issuer())
    }

    /// The `client_id` of this verifier in requests and key bindings.
    pub fn verifier_client_id(&self) -> String {
        format!("redirect_uri:{}", self.response_uri())
    }

    /// A request for `claims` of a `doc_type` credential, for `verifier` and `purpose` (both
    /// shown to the citizen and written in the ledger).
    pub async fn request_presentation(
        &self,
        verifier: &str,
        purpose: &str,
        doc_type: &str,
        claims: &[String],
    ) -> Result<Request, CredentialsError> {
        let t =
            types::by_id(doc_type).ok_or_else(|| CredentialsError::UnknownType(doc_type.into()))?;
        if claims.is_empty() || claims.len() > MAX_CLAIMS {
            return Err(CredentialsError::invalid(
                "claims",
                format!("ask for 1 to {MAX_CLAIMS} claims"),
            ));
        }
        if let Some(unknown) = claims.iter().find(|c| t.field(c).is_none()) {
            return Err(CredentialsError::invalid(
                "claims",
                format!("a {} has no claim {unknown:?}", t.id),
            ));
        }
        for (field, text) in [("verifier", verifier), ("purpose", purpose)] {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 200 || text.chars().any(char::is_control) {
                return Err(CredentialsError::invalid(
                    field,
                    "1 to 200 characters, no control characters",
                ));
            }
        }
        let id = random_id();
        let state = random_id();
        let nonce = random_id();
        let now = self.now_ms();
        let expires_at = now + REQUEST_SECONDS * 1000;
        let dcql_query = json!({
            "credentials": [{
                "id": QUERY_ID,
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [crate::metadata::vct(self.issuer(), t.id)]},
                "claims": claims.iter().map(|c| json!({"path": [c]})).collect::<Vec<_>>(),
            }],
        });
        write_tx!(self.db(), self.inner.gate, |tx| {
            sqlx::query(
                "INSERT INTO credential_presentations
                     (request_id, state, nonce, verifier, purpose, doc_type, claims, created_at,
                      expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id)
            .bind(&state)
            .bind(&nonce)
            .bind(verifier.trim())
            .bind(purpose.trim())
            .bind(t.id)
            .bind(json!(claims).to_string())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        });
        let client_id = self.verifier_client_id();
        let client_metadata = json!({
            "vp_formats_supported": {
                "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]},
            },
        });
        let params = [
            ("response_type", "vp_token".to_owned()),
            ("response_mode", "direct_post".to_owned()),
            ("client_id", client_id.clone()),
            ("response_uri", self.response_uri()),
            ("nonce", nonce.clone()),
            ("state", state),
            ("dcql_query", dcql_query.to_string()),
            ("client_metadata", client_metadata.to_string()),
        ];
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        Ok(Request {
            id,
            uri: format!("openid4vp://?{query}"),
            client_id,
            nonce,
            dcql_query,
            expires_at,
        })
    }

    /// The request `id` and its outcome.
    pub async fn presentation(&self, id: &str) -> Result<Stored, CredentialsError> {
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT request_id, nonce, verifier, purpose, doc_type, claims, expires_at,
                        answered_at, outcome
                 FROM credential_presentations WHERE request_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let row = row.ok_or(CredentialsError::NotFound)?;
        let outcome = match (&row.outcome, row.answered_at) {
            (Some(text), Some(_)) => serde_json::from_str(text)
                .map_err(|e| CredentialsError::Storage(format!("a stored outcome: {e}")))?,
            _ if row.expires_at <= self.now_ms() => Outcome::Expired,
            _ => Outcome::Pending,
        };
        Ok(Stored {
            id: row.request_id,
            verifier: row.verifier,
            purpose: row.purpose,
            doc_type: row.doc_type,
            claims: serde_json::from_str(&row.claims).unwrap_or_default(),
            outcome,
        })
    }

    /// A wallet's response (`direct_post`): `state` names the request, `vp_token` is the JSON
    /// object of presentations by query. Returns the outcome, which is also kept for the
    /// verifier. A response to an unknown, answered or expired request changes nothing.
    pub async fn receive_presentation(
        &self,
        state: &str,
        vp_token: &str,
    ) -> Result<Outcome, CredentialsError> {
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT request_id, nonce, verifier, purpose, doc_type, claims, expires_at,
                        answered_at, outcome
                 FROM credential_presentations WHERE state = $1",
            )
            .bind(state)
            .fetch_optional(pool)
            .await?
        });
        let bad = |d: &str| CredentialsError::protocol("invalid_request", 400, d);
        let row = row.ok_or_else(|| bad("no presentation request has this state"))?;
        if row.answered_at.is_some() {
            return Err(bad(
                "this request was already answered (a replayed response?)",
            ));
        }
        if row.expires_at <= self.now_ms() {
            return Err(bad("this request expired"));
        }
        let asked: Vec<String> = serde_json::from_str(&row.claims).unwrap_or_default();
        let checked = self.check_response(&row, &asked, vp_token).await;
        let (outcome, subject) = match checked {
            Ok((claims, subject)) => (Outcome::Verified { claims }, subject),
            Err(refusal) => (
                Outcome::Refused {
                    code: refusal.code().to_owned(),
                    reason: refusal.to_string(),
                },
                None,
            ),
        };
        let now = self.now_ms();
        let text = serde_json::to_string(&outcome).expect("an outcome serializes");
        let answered = dinhdanh_store::write_on_db!(self.db(), self.inner.gate, |pool| {
            sqlx::query(
                "UPDATE credential_presentations SET answered_at = $2, outcome = $3
                 WHERE request_id = $1 AND answered_at IS NULL",
            )
            .bind(&row.request_id)
            .bind(now)
            .bind(&text)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if answered != 1 {
            return Err(bad(
                "this request was already answered (a replayed response?)",
            ));
        }
        if let (Outcome::Verified { claims }, Some(personal_id)) = (&outcome, subject) {
            let mut event = Event::new(
                Kind::CredentialPresented,
                Actor {
                    kind: "relying_party".into(),
                    id: row.verifier.clone(),
                },
                chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
            );
            event.subject = Some(self.inner.ledger.subject(&personal_id).await?);
            event.service = Some("credentials".into());
            event.fields = asked
                .iter()
                .filter(|c| claims.contains_key(*c))
                .cloned()
                .collect();
            event.purpose = Some(row.purpose.clone());
            event.detail = Some(format!("{}:{}", row.doc_type, row.request_id));
            self.inner.ledger.append(&event).await?;
        }
        Ok(outcome)
    }

    /// Checks a response against its request; the disclosed claims and whose credential it is.
    async fn check_response(
        &self,
        row: &Row,
        asked: &[String],
        vp_token: &str,
    ) -> Result<(Map<String, Value>, Option<String>), Refusal> {
        let malformed = |d: &str| Refusal::Malformed(d.to_owned());
        let token: Value = serde_json::from_str(vp_token).map_err(|_| {
            malformed("vp_token is not JSON (OpenID4VP 1.0: an object by query id)")
        })?;
        let presentations = token
            .get(QUERY_ID)
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("vp_token has no array of presentations for the query"))?;
        let [presentation] = presentations.as_slice() else {
            return Err(malformed("one presentation was asked for"));
        };
        let text = presentation
            .as_str()
            .ok_or_else(|| malformed("a presentation is a string"))?;
        let client_id = self.verifier_client_id();
        let verified = self
            .check(
                text,
                &Checks::presentation(self.now_s(), &client_id, &row.nonce),
            )
            .await
            .map_err(|e| Refusal::Status(e.to_string()))??;
        let reference = Reference::of(&verified.claims)?;
        if verified.claims.get("vct").and_then(Value::as_str)
            != Some(crate::metadata::vct(self.issuer(), &row.doc_type).as_str())
        {
            return Err(Refusal::Claim("vct"));
        }
        let missing: Vec<&String> = asked
            .iter()
            .filter(|c| !verified.disclosed.contains(&vec![Step::Key((*c).clone())]))
            .collect();
        if !missing.is_empty() {
            return Err(Refusal::Disclosure(format!(
                "the claims asked for were not all disclosed: {missing:?}"
            )));
        }
        // Whose credential: its place in the status list names it.
        let subject = match reference {
            Some(r) => self.holder_of(&r).await,
            None => None,
        };
        Ok((verified.claims, subject))
    }

    /// Checks a credential or presentation of this issuer: its published keys, and its status
    /// in this issuer's own list (read from memory, never from an address the text names).
    /// The outer `Err` is a failure of the capability (its keys or lists cannot be read); the
    /// inner one the refusal.
    pub async fn check(
        &self,
        text: &str,
        checks: &Checks<'_>,
    ) -> Result<Result<crate::sdjwt::Verified, Refusal>, CredentialsError> {
        let trusted = Trusted {
            issuer: self.issuer().to_owned(),
            jwks: self.keys().await?.jwks(),
        };
        // The check is synchronous: the list is read first, at the address the text names
        // (before its signature is checked, so only this issuer's own lists are looked up).
        let reference = crate::sdjwt::SdJwt::parse(text)
            .ok()
            .and_then(|sd| dinhdanh_oidc::jose::Jws::parse(&sd.jwt).ok())
            .and_then(|jws| Reference::of(&jws.claims).ok().flatten());
        let list = match &reference {
            Some(r) => match self.own_list(&r.uri).await {
                Ok(list) => Some(Ok(list)),
                Err(CredentialsError::NotFound) => Some(Err(Refusal::Status(format!(
                    "{} is not a status list of {}",
                    r.uri,
                    self.issuer()
                )))),
                Err(e) => return Err(e),
            },
            None => None,
        };
        Ok(verify::verify(text, &trusted, checks, |_| {
            list.unwrap_or(Err(Refusal::Claim("status")))
        }))
    }

    /// The personal ID of the holder of the credential at `reference`, if it is one of ours.
    async fn holder_of(&self, reference: &Reference) -> Option<String> {
        let list = self.list_number(&reference.uri)?;
        let idx = i64::try_from(reference.idx).ok()?;
        let row: Option<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT d.personal_id FROM credentials_issued c
                 JOIN credential_documents d ON d.document_id = c.document_id
                 WHERE c.list_id = $1 AND c.idx = $2",
            )
            .bind(list)
            .bind(idx)
            .fetch_optional(pool)
            .await
            .ok()?
        });
        row.map(|(p,)| p)
    }
}
