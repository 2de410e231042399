//! Digital documents in the JSON API.
//!
//! - Issuing agencies, with an access token from the `client_credentials` grant carrying
//!   `credentials.issue:<type>` for each type they issue, add and update documents
//!   (`PUT /api/v1/credentials/documents/{type}/{number}`), read them back (`GET`), and revoke,
//!   suspend or reinstate them (`POST …/status`).
//! - Verifiers, with a client token carrying `credentials.verify`, ask for a presentation
//!   (`POST /api/v1/credentials/verifications`: a document type, the claims, the purpose) and
//!   read its outcome (`GET …/{id}`); the request's `uri` goes in a QR code for the wallet.
//! - Anyone may read the document types (`GET /api/v1/credentials/types`).
//! - Citizens list their integrated documents, integrate one by type and number, and ask for a
//!   wallet offer (`/api/v1/accounts/me/documents`).

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use dinhdanh_credentials::status::Status;
use dinhdanh_credentials::{Document, DocumentInput, Held, Holder, IssuingAgency, Offer, types};
use dinhdanh_oidc::Scope;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::exchange::client_access;
use crate::auth::Caller;
use crate::error::ApiError;

/// The scope that lets a client ask for presentations.
const VERIFY_SCOPE: &str = "credentials.verify";

/// The scope prefix that lets a client issue documents of a type.
const ISSUE_PREFIX: &str = "credentials.issue:";

/// Routes under `/api/v1/credentials`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/types", get(list_types))
        .route(
            "/documents/{doc_type}/{number}",
            get(agency_document).put(put_document),
        )
        .route("/documents/{doc_type}/{number}/status", post(set_status))
        .route("/verifications", post(ask_presentation))
        .route("/verifications/{id}", get(presentation_outcome))
}

/// The citizen's routes, under `/api/v1/accounts/me/documents`.
pub(crate) fn my_documents_router() -> Router<AppState> {
    Router::new()
        .route("/", get(my_documents).post(integrate))
        .route("/{id}/offer", post(offer))
}

/// An issuing agency, by its client token.
struct AgencyIssuer(IssuingAgency);

impl FromRequestParts<AppState> for AgencyIssuer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let access = client_access(parts, state, "the document API", |scopes| {
            scopes
                .iter()
                .any(|s| matches!(s, Scope::Service(s) if s.starts_with(ISSUE_PREFIX)))
        })
        .await?;
        let types = access
            .scopes
            .iter()
            .filter_map(|s| match s {
                Scope::Service(s) => s.strip_prefix(ISSUE_PREFIX).map(str::to_owned),
                _ => None,
            })
            .collect();
        Ok(AgencyIssuer(IssuingAgency {
            client_id: access.client_id,
            types,
        }))
    }
}

async fn list_types() -> Json<Value> {
    Json(json!({ "types": types::all() }))
}

async fn put_document(
    State(state): State<AppState>,
    AgencyIssuer(agency): AgencyIssuer,
    Path((doc_type, number)): Path<(String, String)>,
    Json(input): Json<DocumentInput>,
) -> Result<Json<Document>, ApiError> {
    Ok(Json(
        state
            .credentials()
            .put_document(&agency, &doc_type, &number, &input)
            .await?,
    ))
}

async fn agency_document(
    State(state): State<AppState>,
    AgencyIssuer(agency): AgencyIssuer,
    Path((doc_type, number)): Path<(String, String)>,
) -> Result<Json<Document>, ApiError> {
    Ok(Json(
        state
            .credentials()
            .agency_document(&agency, &doc_type, &number)
            .await?,
    ))
}

/// A status change.
#[derive(Deserialize)]
struct StatusChange {
    status: Status,
    #[serde(default)]
    reason: Option<String>,
}

async fn set_status(
    State(state): State<AppState>,
    AgencyIssuer(agency): AgencyIssuer,
    Path((doc_type, number)): Path<(String, String)>,
    Json(change): Json<StatusChange>,
) -> Result<Json<Document>, ApiError> {
    Ok(Json(
        state
            .credentials()
            .set_document_status(
                &agency,
                &doc_type,
                &number,
                change.status,
                change.reason.as_deref(),
            )
            .await?,
    ))
}

async fn holder_of(state: &AppState, caller: &Caller) -> Result<Holder, ApiError> {
    let account = state.accounts.account(caller.session.account_id).await?;
    Ok(Holder::of(&account)?)
}

async fn my_documents(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let holder = holder_of(&state, &caller).await?;
    let held = state.credentials().held(&holder).await?;
    Ok(Json(json!({ "documents": held })))
}

/// A document to integrate.
#[derive(Deserialize)]
struct Integrate {
    #[serde(rename = "type")]
    doc_type: String,
    #[serde(default)]
    number: String,
}

async fn integrate(
    State(state): State<AppState>,
    caller: Caller,
    Json(ask): Json<Integrate>,
) -> Result<Json<Held>, ApiError> {
    let holder = holder_of(&state, &caller).await?;
    Ok(Json(
        state
            .credentials()
            .integrate(&holder, &ask.doc_type, &ask.number)
            .await?,
    ))
}

async fn offer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Offer>, ApiError> {
    let holder = holder_of(&state, &caller).await?;
    Ok(Json(state.credentials().offer(&holder, &id).await?))
}

/// A verifier, by its client token.
struct VerifierClient(String);

impl FromRequestParts<AppState> for VerifierClient {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let access = client_access(parts, state, "the verification API", |scopes| {
            scopes.contains(&Scope::Service(VERIFY_SCOPE.into()))
        })
        .await?;
        Ok(VerifierClient(access.client_id))
    }
}

/// A presentation to ask for.
#[derive(Deserialize)]
struct Ask {
    #[serde(rename = "type")]
    doc_type: String,
    claims: Vec<String>,
    purpose: String,
}

async fn ask_presentation(
    State(state): State<AppState>,
    VerifierClient(client): VerifierClient,
    Json(ask): Json<Ask>,
) -> Result<Json<dinhdanh_credentials::presentation::Request>, ApiError> {
    Ok(Json(
        state
            .credentials()
            .request_presentation(&client, &ask.purpose, &ask.doc_type, &ask.claims)
            .await?,
    ))
}

async fn presentation_outcome(
    State(state): State<AppState>,
    VerifierClient(client): VerifierClient,
    Path(id): Path<String>,
) -> Result<Json<dinhdanh_credentials::presentation::Stored>, ApiError> {
    let stored = state.credentials().presentation(&id).await?;
    if stored.verifier != client {
        return Err(dinhdanh_credentials::CredentialsError::NotFound.into());
    }
    Ok(Json(stored))
}
