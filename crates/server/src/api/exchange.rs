//! The data-sharing platform's JSON API under `/api/v1/exchange`.
//!
//! - Anyone may read the catalogue (`GET /services`, `/services/{id}`): it is metadata.
//! - Agencies call with an access token from the `client_credentials` grant carrying the
//!   `exchange.read` scope (Bearer, or DPoP when the token is bound): the reads
//!   (`GET /population/persons/{id}`, `GET /land/holders/{id}/parcels`) and consent requests
//!   (`POST /consents`, `GET /consents/{id}`).
//! - Operators (signed in with a strong factor) set the policy and register data services.
//! - Citizens list, answer and withdraw their consents under `/api/v1/me/consents`.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dinhdanh_accounts::Role;
use dinhdanh_domain::PersonalId;
use dinhdanh_exchange::{Agency, Answer, Consent, ConsentAsk, DataService, Policy, ReadRequest};
use dinhdanh_oidc::{ErrorCode, OAuthError, Presented, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};

/// The scope an agency's token needs.
pub(crate) const EXCHANGE_SCOPE: &str = "exchange.read";

/// Routes under `/api/v1/exchange`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(services))
        .route("/services/{id}", get(service).put(register_service))
        .route("/services/{id}/subjects/{subject}", get(read_any))
        .route("/population/persons/{id}", get(read_person))
        .route("/land/holders/{id}/parcels", get(read_holder))
        .route("/consents", post(ask_consent))
        .route("/consents/{id}", get(agency_consent))
        .route("/policy", get(policy).put(set_policy))
        .route("/policy/versions", get(policy_versions))
        .route("/policy/versions/{version}", get(policy_version))
}

/// The citizen's routes, under `/api/v1/accounts/me/consents`.
pub(crate) fn my_consents_router() -> Router<AppState> {
    Router::new()
        .route("/", get(my_consents))
        .route("/{id}", get(my_consent))
        .route("/{id}/answer", post(answer))
        .route("/{id}/withdraw", post(withdraw))
        .route("/{id}/receipt", get(receipt))
}

/// An agency authenticated by a client-credentials access token with the `exchange.read` scope.
pub(crate) struct AgencyCaller(pub Agency);

impl FromRequestParts<AppState> for AgencyCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let access = client_access(parts, state, "the exchange", |scopes| {
            scopes.contains(&Scope::Service(EXCHANGE_SCOPE.into()))
        })
        .await?;
        Ok(AgencyCaller(Agency {
            client_id: access.client_id,
        }))
    }
}

/// The client's own access token (from the `client_credentials` grant, Bearer or DPoP-bound),
/// checked, with a scope `has_scope` accepts; `what` names the API in the errors.
pub(crate) async fn client_access(
    parts: &Parts,
    state: &AppState,
    what: &str,
    has_scope: impl Fn(&std::collections::BTreeSet<Scope>) -> bool,
) -> Result<dinhdanh_oidc::AccessToken, Response> {
    let reject = |e: OAuthError| crate::oidc::oauth_error(&e);
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let scheme = |name: &str| {
        (header.len() > name.len() && header[..name.len()].eq_ignore_ascii_case(name))
            .then(|| header[name.len()..].trim())
    };
    let (token, dpop_scheme) = match (scheme("bearer "), scheme("dpop ")) {
        (Some(t), _) => (t, false),
        (None, Some(t)) => (t, true),
        (None, None) => {
            return Err(reject(OAuthError::new(
                ErrorCode::InvalidToken,
                format!("{what} takes an access token from the client_credentials grant"),
            )));
        }
    };
    let proof = parts.headers.get("dpop").and_then(|v| v.to_str().ok());
    // The full path, as the client signed it in a DPoP proof (nested routers see a suffix).
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |u| u.0.path().to_owned());
    let url = format!("{}{path}", state.oidc.issuer());
    let access = state
        .oidc
        .check_presented(&Presented {
            token,
            dpop_scheme,
            proof,
            method: parts.method.as_str(),
            url: &url,
        })
        .await
        .map_err(reject)?;
    if access.account_id.is_some() {
        return Err(reject(OAuthError::new(
            ErrorCode::InsufficientScope,
            format!(
                "this token was issued for a citizen; agencies call {what} with their own \
                 client_credentials token"
            ),
        )));
    }
    if !has_scope(&access.scopes) {
        return Err(reject(OAuthError::new(
            ErrorCode::InsufficientScope,
            format!("the token lacks a scope for {what}"),
        )));
    }
    Ok(access)
}

/// A signed-in operator.
pub(crate) struct Operator(Caller);

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        state
            .accounts
            .require_staff(&caller.session, Role::Operator)
            .await?;
        Ok(Operator(caller))
    }
}

/// The shared-data catalogue: every data service with its fields, their sensitivity and the legal
/// bases under which each may be read.
#[utoipa::path(get, path = "/api/v1/exchange/services", tag = "exchange",
    responses((status = 200, description = "`{\"services\": [...]}`", body = Object)))]
pub(crate) async fn services(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let services = state.exchange.services().await?;
    Ok(Json(json!({ "services": *services })))
}

/// One data service of the catalogue.
#[utoipa::path(get, path = "/api/v1/exchange/services/{id}", tag = "exchange",
    params(("id" = String, Path, description = "The service, e.g. population")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DataService>, ApiError> {
    Ok(Json(state.exchange.service(&id).await?))
}

async fn register_service(
    State(state): State<AppState>,
    Operator(caller): Operator,
    Path(id): Path<String>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if parsed.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(ApiError::BadParameter {
            field: "id",
            message: format!("the description's id must be {id:?}, as in the URL"),
        });
    }
    let by = format!("account:{}", caller.session.account_id);
    let (service, version) = state.exchange.register_service(&body, &by).await?;
    Ok(Json(json!({ "service": service, "version": version })))
}

/// The query of a read.
#[derive(Deserialize)]
pub(crate) struct ReadQuery {
    #[serde(default)]
    fields: Option<String>,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: Option<String>,
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(100).collect())
}

async fn read(
    state: &AppState,
    agency: &Agency,
    service: &str,
    subject: String,
    query: ReadQuery,
    headers: &HeaderMap,
) -> Result<Json<Answer>, ApiError> {
    let request = ReadRequest {
        service: service.to_owned(),
        subject,
        fields: query
            .fields
            .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect()),
        purpose: query.purpose,
        legal_basis: query.legal_basis.filter(|b| !b.is_empty()),
        request_id: request_id(headers),
    };
    Ok(Json(state.exchange.read(agency, &request).await?))
}

/// An agency reads a person from the population registry: only the fields the policy and the
/// person's consent allow; the read (and any refusal) is in the ledger before the answer leaves.
#[utoipa::path(get, path = "/api/v1/exchange/population/persons/{id}", tag = "exchange",
    params(("id" = String, Path, description = "The 12-digit personal ID"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields; all when absent"),
        ("purpose" = String, Query, description = "The purpose code the policy names"),
        ("legal_basis" = Option<String>, Query, description = "A legal basis to read under, or `consent`")),
    responses((status = 200, description = "data, released (with ledger entries), withheld", body = Object),
        (status = 400, body = ErrorBody), (status = 401, description = "no valid agency token"),
        (status = 403, description = "nothing may be released: `withheld` names each rule; `ledger_entry` the refusal", body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("agency" = [])))]
pub(crate) async fn read_person(
    State(state): State<AppState>,
    AgencyCaller(agency): AgencyCaller,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
    headers: HeaderMap,
) -> Result<Json<Answer>, ApiError> {
    read(&state, &agency, "population", id, query, &headers).await
}

/// An agency reads the parcels a person or organization holds today from the land database,
/// through the same policy, consent and ledger path.
#[utoipa::path(get, path = "/api/v1/exchange/land/holders/{id}/parcels", tag = "exchange",
    params(("id" = String, Path, description = "A 12-digit personal ID or a tax code"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields; all when absent"),
        ("purpose" = String, Query, description = "The purpose code the policy names"),
        ("legal_basis" = Option<String>, Query, description = "A legal basis to read under, or `consent`")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("agency" = [])))]
pub(crate) async fn read_holder(
    State(state): State<AppState>,
    AgencyCaller(agency): AgencyCaller,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
    headers: HeaderMap,
) -> Result<Json<Answer>, ApiError> {
    read(&state, &agency, "land", id, query, &headers).await
}

/// Any service of the catalogue, by its id: the same read as the service's own path.
async fn read_any(
    State(state): State<AppState>,
    AgencyCaller(agency): AgencyCaller,
    Path((service, subject)): Path<(String, String)>,
    Query(query): Query<ReadQuery>,
    headers: HeaderMap,
) -> Result<Json<Answer>, ApiError> {
    read(&state, &agency, &service, subject, query, &headers).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskBody {
    personal_id: String,
    service: String,
    fields: Vec<String>,
    purpose: String,
    purpose_text: String,
    #[serde(default)]
    valid_days: Option<u32>,
}

/// An agency asks a person's consent for data types and one purpose that the policy allows on
/// consent; the person answers on their account page.
#[utoipa::path(post, path = "/api/v1/exchange/consents", tag = "exchange",
    request_body(content = Object, description = "personal_id, service, fields, purpose, purpose_text, valid_days"),
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("agency" = [])))]
pub(crate) async fn ask_consent(
    State(state): State<AppState>,
    AgencyCaller(agency): AgencyCaller,
    body: String,
) -> Result<Response, ApiError> {
    let body: AskBody = serde_json::from_str(&body).map_err(|e| ApiError::BadParameter {
        field: "body",
        message: format!("expected a JSON consent request: {e}"),
    })?;
    let personal_id = PersonalId::parse(&body.personal_id).map_err(|e| ApiError::BadParameter {
        field: "personal_id",
        message: e.to_string(),
    })?;
    let consent = state
        .exchange
        .ask_consent(
            &agency.client_id,
            ConsentAsk {
                personal_id,
                service: body.service,
                fields: body.fields,
                purpose: body.purpose,
                purpose_text: body.purpose_text,
                valid_days: body.valid_days,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(consent)).into_response())
}

/// The state of a consent the calling agency asked for.
#[utoipa::path(get, path = "/api/v1/exchange/consents/{id}", tag = "exchange",
    params(("id" = String, Path, description = "The consent")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("agency" = [])))]
pub(crate) async fn agency_consent(
    State(state): State<AppState>,
    AgencyCaller(agency): AgencyCaller,
    Path(id): Path<String>,
) -> Result<Json<Consent>, ApiError> {
    Ok(Json(
        state
            .exchange
            .consent_for_agency(&agency.client_id, &id)
            .await?,
    ))
}

async fn policy(
    State(state): State<AppState>,
    _operator: Operator,
) -> Result<Json<Policy>, ApiError> {
    Ok(Json((*state.exchange.policy().await?).clone()))
}

async fn policy_versions(
    State(state): State<AppState>,
    _operator: Operator,
) -> Result<Json<Value>, ApiError> {
    let versions: Vec<Value> = state
        .exchange
        .policy_versions()
        .await?
        .into_iter()
        .map(|p| {
            json!({"version": p.version, "author": p.author, "note": p.note, "created_at": p.created_at})
        })
        .collect();
    Ok(Json(json!({ "versions": versions })))
}

async fn policy_version(
    State(state): State<AppState>,
    _operator: Operator,
    Path(version): Path<i64>,
) -> Result<Json<Policy>, ApiError> {
    Ok(Json(state.exchange.policy_version(version).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPolicy {
    document: Value,
    note: String,
}

/// Sets a new version of the sharing policy (operators).
#[utoipa::path(put, path = "/api/v1/exchange/policy", tag = "exchange",
    request_body(content = Object, description = "`{\"document\": {\"rules\": [...]}, \"note\": \"why\"}`"),
    responses((status = 200, body = Object), (status = 422, description = "the rule that breaks the catalogue", body = ErrorBody)),
    security(("session" = [])))]
pub(crate) async fn set_policy(
    State(state): State<AppState>,
    Operator(caller): Operator,
    body: String,
) -> Result<Json<Policy>, ApiError> {
    let body: SetPolicy = serde_json::from_str(&body).map_err(|e| ApiError::BadParameter {
        field: "body",
        message: format!("expected {{\"document\": {{\"rules\": [...]}}, \"note\": \"why\"}}: {e}"),
    })?;
    if body.note.trim().is_empty() {
        return Err(ApiError::BadParameter {
            field: "note",
            message: "say why the policy changes".into(),
        });
    }
    let author = format!("account:{}", caller.session.account_id);
    let policy = state
        .exchange
        .set_policy(&body.document.to_string(), &author, body.note.trim())
        .await?;
    Ok(Json(policy))
}

/// The signed-in citizen's personal ID.
async fn person_of(state: &AppState, caller: &Caller) -> Result<PersonalId, ApiError> {
    let account = state.accounts.account(caller.session.account_id).await?;
    account.personal_id.ok_or(ApiError::BadParameter {
        field: "account",
        message: "only a person's account has consents".into(),
    })
}

async fn my_consents(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let person = person_of(&state, &caller).await?;
    let consents = state.exchange.consents_of(&person).await?;
    Ok(Json(json!({ "consents": consents })))
}

async fn my_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Consent>, ApiError> {
    let person = person_of(&state, &caller).await?;
    Ok(Json(state.exchange.consent_of(&person, &id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    agree: bool,
}

async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<AnswerBody>,
) -> Result<Json<Consent>, ApiError> {
    let person = person_of(&state, &caller).await?;
    Ok(Json(
        state
            .exchange
            .answer_consent(&person, &id, body.agree)
            .await?,
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Consent>, ApiError> {
    let person = person_of(&state, &caller).await?;
    Ok(Json(state.exchange.withdraw_consent(&person, &id).await?))
}

async fn receipt(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let person = person_of(&state, &caller).await?;
    let consent = state.exchange.consent_of(&person, &id).await?;
    let receipt = consent.receipt.ok_or_else(|| {
        ApiError::Exchange(dinhdanh_exchange::ExchangeError::NotFound(
            "this consent has no receipt: only a consent the person gave has one".into(),
        ))
    })?;
    Ok(([(CONTENT_TYPE, "application/jwt")], receipt).into_response())
}
