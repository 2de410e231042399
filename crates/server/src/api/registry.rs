//! `/api/v1/registry`: read persons and organizations, search, history, corrections.
//!
//! Every handler requires an agency officer or operator session ([`RegistryStaff`]); the registry
//! holds personal data. A correction is followed at once by the accounts check, so that a death or
//! a withdrawn card locks the person's e-ID account without waiting for the daily sweep.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use dinhdanh_domain::{PersonalId, Province, TaxCode};
use dinhdanh_registry::{
    Change, Correction, HistoryEntry, LifeStatus, OrganizationRecord, PersonRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::RegistryStaff;
use crate::error::{ApiError, ErrorBody};
use crate::record::View;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/persons", get(search))
        .route("/persons/{id}", get(person).patch(correct))
        .route("/persons/{id}/history", get(history))
        .route("/persons/{id}/reestablish", post(reestablish))
        .route("/organizations/{code}", get(organization))
}

/// A person as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// 12-digit personal identification number.
    #[schema(example = "001090012345")]
    pub personal_id: String,
    /// Family name (họ).
    pub family_name: String,
    /// Middle name (tên đệm), possibly empty.
    pub middle_name: String,
    /// Given name (tên).
    pub given_name: String,
    /// Full name in display order.
    pub full_name: String,
    /// Date of birth, YYYY-MM-DD.
    pub birth_date: String,
    /// `male` or `female`.
    pub sex: String,
    /// Province of birth registration, read from the number.
    pub birth_province: ProvinceView,
    /// Place of origin (quê quán).
    pub place_of_origin: String,
    /// Permanent residence (thường trú).
    pub permanent_residence: String,
    /// Current residence (nơi ở hiện tại).
    pub current_residence: String,
    /// ISO 3166-1 alpha-2 nationality.
    pub nationality: String,
    /// Ethnic group.
    pub ethnicity: String,
    /// Religion.
    pub religion: String,
    /// Father's personal ID.
    pub father_id: Option<String>,
    /// Mother's personal ID.
    pub mother_id: Option<String>,
    /// Spouse's personal ID.
    pub spouse_id: Option<String>,
    /// Identity card, when issued.
    pub id_card: Option<IdCardView>,
    /// `living` or `deceased`.
    pub status: String,
    /// Date of death, when deceased.
    pub death_date: Option<String>,
    /// Record version (1 at creation).
    pub version: u32,
    /// The number this record re-established, if any.
    pub previous_id: Option<String>,
    /// The number that replaced this one, if it was re-established.
    pub superseded_by: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A province code with its name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceView {
    /// Three-digit code (Circular 07/2016/TT-BCA).
    #[schema(example = "001")]
    pub code: String,
    /// Name.
    #[schema(example = "Hà Nội")]
    pub name: String,
}

/// An identity card.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdCardView {
    /// Card number (12 digits for CCCD, 9 for CMND).
    pub number: String,
    /// Date of issue.
    pub issued: String,
    /// Date of expiry, if any.
    pub expires: Option<String>,
}

impl From<PersonRecord> for PersonView {
    fn from(r: PersonRecord) -> Self {
        let p = r.person;
        let province = p.birth_province();
        let id = |v: Option<PersonalId>| v.map(|i| i.to_string());
        let (status, death_date) = match p.status {
            LifeStatus::Living => ("living", None),
            LifeStatus::Deceased { date } => ("deceased", Some(date.to_string())),
        };
        PersonView {
            personal_id: p.personal_id.to_string(),
            family_name: p.name.family().to_owned(),
            middle_name: p.name.middle().to_owned(),
            given_name: p.name.given().to_owned(),
            full_name: p.name.full(),
            birth_date: p.birth_date.to_string(),
            sex: p.sex.to_string(),
            birth_province: ProvinceView {
                code: province.code_str(),
                name: province.name().to_owned(),
            },
            place_of_origin: p.place_of_origin,
            permanent_residence: p.permanent_residence,
            current_residence: p.current_residence,
            nationality: p.nationality,
            ethnicity: p.ethnicity,
            religion: p.religion,
            father_id: id(p.father),
            mother_id: id(p.mother),
            spouse_id: id(p.spouse),
            id_card: p.id_card.map(|c| IdCardView {
                number: c.number,
                issued: c.issued.to_string(),
                expires: c.expires.map(|d| d.to_string()),
            }),
            status: status.to_owned(),
            death_date,
            version: r.version,
            previous_id: id(r.previous_id),
            superseded_by: id(r.superseded_by),
            updated_at: r.updated_at,
        }
    }
}

fn parse_id(raw: &str) -> Result<PersonalId, ApiError> {
    PersonalId::parse(raw).map_err(|e| ApiError::BadParameter {
        field: "id",
        message: e.to_string(),
    })
}

/// Read one person by personal ID.
#[utoipa::path(get, path = "/api/v1/registry/persons/{id}", tag = "registry",
    params(("id" = String, Path, description = "12-digit personal ID")),
    security(("session" = [])),
    responses(
        (status = 200, body = PersonView),
        (status = 400, body = ErrorBody, description = "malformed number"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn person(
    staff: RegistryStaff,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PersonView>, ApiError> {
    let id = parse_id(&id)?;
    let record = state.registry.person(id).await?;
    record_view(&state, &staff, id, "record").await?;
    Ok(Json(record.into()))
}

/// Records in the ledger that an officer opened a person's whole record, before it is sent.
async fn record_view(
    state: &AppState,
    staff: &RegistryStaff,
    id: PersonalId,
    what: &str,
) -> Result<(), ApiError> {
    let view = View {
        officer: staff.0.session.account_id,
        person: id,
        fields: vec!["*".into()],
        purpose: "registry administration",
        detail: what,
    };
    Ok(crate::record::record_view(&state.ledger, view).await?)
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name or its beginning, any case, with or without tone marks.
    pub name: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Province of birth registration (3-digit code).
    pub province: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// Cursor from a previous page's `next`.
    pub after: Option<String>,
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// Matches in (folded name, number) order.
    pub results: Vec<PersonSummary>,
    /// Cursor for the next page, when there may be more.
    pub next: Option<String>,
}

/// A search hit: enough to tell people apart, no more.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    /// Personal ID.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth.
    pub birth_date: String,
    /// Sex.
    pub sex: String,
    /// Province of birth registration.
    pub birth_province: String,
    /// `living` or `deceased`.
    pub status: String,
}

/// Search persons by folded name: `nguyen van an` finds `Nguyễn Văn An`.
#[utoipa::path(get, path = "/api/v1/registry/persons", tag = "registry",
    params(SearchParams), security(("session" = [])),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn search(
    _: RegistryStaff,
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchPage>, ApiError> {
    let province = params
        .province
        .as_deref()
        .map(Province::parse)
        .transpose()
        .map_err(|e| ApiError::BadParameter {
            field: "province",
            message: e.to_string(),
        })?;
    let after = params.after.as_deref().map(decode_cursor).transpose()?;
    let limit = params.limit.unwrap_or(20);
    let found = state
        .registry
        .search(&params.name, params.birth_year, province, after, limit)
        .await?;
    let next = (found.len() as u32 >= limit.clamp(1, dinhdanh_registry::MAX_SEARCH_LIMIT))
        .then(|| found.last())
        .flatten()
        .map(|r| format!("{}|{}", r.person.name.folded(), r.person.personal_id));
    Ok(Json(SearchPage {
        results: found
            .into_iter()
            .map(|r| PersonSummary {
                personal_id: r.person.personal_id.to_string(),
                full_name: r.person.name.full(),
                birth_date: r.person.birth_date.to_string(),
                sex: r.person.sex.to_string(),
                birth_province: r.person.birth_province().to_string(),
                status: match r.person.status {
                    LifeStatus::Living => "living".to_owned(),
                    LifeStatus::Deceased { .. } => "deceased".to_owned(),
                },
            })
            .collect(),
        next,
    }))
}

fn decode_cursor(raw: &str) -> Result<(String, PersonalId), ApiError> {
    let bad = || ApiError::BadParameter {
        field: "after",
        message: "not a cursor from a previous page".to_owned(),
    };
    let (name, id) = raw.rsplit_once('|').ok_or_else(bad)?;
    Ok((name.to_owned(), PersonalId::parse(id).map_err(|_| bad())?))
}

/// One version of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// Version number (1 = creation).
    pub version: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// Field changes (empty at creation).
    pub changes: Vec<ChangeView>,
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// Field name.
    pub field: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
}

impl From<HistoryEntry> for HistoryView {
    fn from(h: HistoryEntry) -> Self {
        HistoryView {
            version: h.version,
            at: h.at,
            actor: h.actor,
            reason: h.reason,
            changes: h
                .changes
                .into_iter()
                .map(|Change { field, old, new }| ChangeView { field, old, new })
                .collect(),
        }
    }
}

/// Every version of a person's record: who changed what, when and why.
#[utoipa::path(get, path = "/api/v1/registry/persons/{id}/history", tag = "registry",
    params(("id" = String, Path, description = "12-digit personal ID")),
    security(("session" = [])),
    responses((status = 200, body = Vec<HistoryView>), (status = 404, body = ErrorBody)))]
pub(crate) async fn history(
    staff: RegistryStaff,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    let id = parse_id(&id)?;
    record_view(&state, &staff, id, "history").await?;
    Ok(Json(
        state
            .registry
            .history(id)
            .await?
            .into_iter()
            .map(HistoryView::from)
            .collect(),
    ))
}

/// A correction: new values by field name, with the reason recorded in the history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// Field name → new value; an empty string clears an optional field.
    pub set: BTreeMap<String, String>,
    /// Why the record changes (required).
    pub reason: String,
    /// The version you read; the change is refused if the record moved on.
    pub expected_version: Option<u32>,
}

impl CorrectionRequest {
    fn into_correction(self, staff: &RegistryStaff) -> Correction {
        Correction {
            set: self.set,
            expected_version: self.expected_version,
            actor: format!("account:{}", staff.0.session.account_id),
            reason: self.reason,
        }
    }
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// Correct a person's record; birth-year or sex changes that break the number are refused.
#[utoipa::path(patch, path = "/api/v1/registry/persons/{id}", tag = "registry",
    params(("id" = String, Path, description = "12-digit personal ID")),
    request_body = CorrectionRequest, security(("session" = [])),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "version conflict or needs re-establishment"),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn correct(
    staff: RegistryStaff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<CorrectionRequest>,
) -> Result<Json<PersonView>, ApiError> {
    let id = parse_id(&id)?;
    let record = state
        .registry
        .correct(id, &body.into_correction(&staff), today())
        .await?;
    state.accounts.sync_with_registry(id).await?;
    state.credentials().follow_registry(id).await?;
    Ok(Json(record.into()))
}

/// Re-establish the number after a correction of birth year or sex (Circular 59/2021/TT-BCA).
#[utoipa::path(post, path = "/api/v1/registry/persons/{id}/reestablish", tag = "registry",
    params(("id" = String, Path, description = "12-digit personal ID")),
    request_body = CorrectionRequest, security(("session" = [])),
    responses((status = 201, body = PersonView, description = "the record under its new number"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn reestablish(
    staff: RegistryStaff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<CorrectionRequest>,
) -> Result<(axum::http::StatusCode, Json<PersonView>), ApiError> {
    let id = parse_id(&id)?;
    let record = state
        .registry
        .reestablish(id, &body.into_correction(&staff), today())
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(record.into())))
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    /// Enterprise / tax code.
    #[schema(example = "0100233488")]
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// Abbreviation.
    pub abbreviation: Option<String>,
    /// Foreign name.
    pub name_foreign: Option<String>,
    /// Founding date.
    pub founded: String,
    /// Head-office address.
    pub head_office: String,
    /// Legal representative's personal ID.
    pub legal_representative: String,
    /// Record version.
    pub version: u32,
}

impl From<OrganizationRecord> for OrganizationView {
    fn from(r: OrganizationRecord) -> Self {
        let o = r.organization;
        OrganizationView {
            code: o.code.to_string(),
            name_vi: o.name_vi,
            abbreviation: o.abbreviation,
            name_foreign: o.name_foreign,
            founded: o.founded.to_string(),
            head_office: o.head_office,
            legal_representative: o.legal_representative.to_string(),
            version: r.version,
        }
    }
}

/// Read one organization by enterprise code.
#[utoipa::path(get, path = "/api/v1/registry/organizations/{code}", tag = "registry",
    params(("code" = String, Path, description = "10-digit code, or 10-3 for dependent units")),
    security(("session" = [])),
    responses((status = 200, body = OrganizationView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn organization(
    _: RegistryStaff,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<OrganizationView>, ApiError> {
    let code = TaxCode::parse(&code).map_err(|e| ApiError::BadParameter {
        field: "code",
        message: e.to_string(),
    })?;
    Ok(Json(state.registry.organization(&code).await?.into()))
}
