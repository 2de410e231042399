//! The public-services JSON API under `/api/v1/services`, open to anyone: the procedure
//! catalogue, the status check by code and personal ID, and the statistics a portal is judged
//! by (as JSON or CSV).
//!
//! The rules (what the status check reveals, how often it may be asked, how the figures are
//! counted) are in `dinhdanh_services`; this module turns query strings into typed values and
//! answers in JSON.

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use dinhdanh_services::stats::{AgencyLine, Counts, Statistics};
use dinhdanh_services::{Level, Procedure, UnitCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};

/// Routes under `/api/v1/services`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/procedures", get(procedures))
        .route("/procedures/{code}", get(procedure))
        .route("/status", get(status))
        .route("/statistics", get(statistics))
}

/// The listed procedures, by code: what each needs, how long it may take, what it costs and on
/// which legal texts it rests (Circular 32/2017/TT-BTTTT).
#[utoipa::path(get, path = "/api/v1/services/procedures", tag = "services",
    responses((status = 200, description = "`{\"procedures\": [...]}`", body = Object)))]
pub(crate) async fn procedures(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let procedures = state.services.procedures().await?;
    Ok(Json(json!({ "procedures": procedures })))
}

/// One procedure, listed or not (applications keep naming the ones withdrawn from the list).
#[utoipa::path(get, path = "/api/v1/services/procedures/{code}", tag = "services",
    params(("code" = String, Path, description = "The national procedure code, e.g. 1.004194")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Procedure>, ApiError> {
    Ok(Json(state.services.procedure(&code).await?))
}

/// The query of the status check.
#[derive(Deserialize)]
pub(crate) struct StatusQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    personal_id: String,
}

/// The public status check: with the application's code and the applicant's personal ID, its
/// status and deadline, nothing else. A wrong pair answers exactly like an unknown code; at most
/// 10 checks a minute from one address.
#[utoipa::path(get, path = "/api/v1/services/status", tag = "services",
    params(("code" = String, Query, description = "The application's code, e.g. 000.31.12.H29-260315-0001"),
        ("personal_id" = String, Query, description = "The applicant's 12-digit personal ID")),
    responses((status = 200, description = "code, procedure, status (name and portal code 1–10), filed_at, due_at (Unix ms)", body = Object),
        (status = 400, body = ErrorBody), (status = 404, description = "no application with this code and personal ID", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many checks from this address; see Retry-After", body = ErrorBody)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<StatusQuery>,
) -> Result<Json<Value>, ApiError> {
    for (field, value) in [("code", &query.code), ("personal_id", &query.personal_id)] {
        if value.trim().is_empty() {
            return Err(ApiError::BadParameter {
                field,
                message: "required".into(),
            });
        }
    }
    let address = crate::client_of(&parts).address;
    let found = state
        .services
        .check_status(&query.code, &query.personal_id, &address)
        .await?;
    Ok(Json(json!({
        "code": found.code,
        "procedure": found.procedure,
        "status": found.status,
        "status_code": found.status.code(),
        "filed_at": found.filed_at,
        "due_at": found.due_at,
    })))
}

/// The query of the statistics.
#[derive(Deserialize)]
pub(crate) struct StatisticsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// A calendar day of a query parameter, `YYYY-MM-DD`.
fn day(field: &'static str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| ApiError::BadParameter {
        field,
        message: format!(
            "{:?} is not a date; write YYYY-MM-DD",
            value.chars().take(40).collect::<String>()
        ),
    })
}

/// The statistics of the applications filed on the Vietnam days `from` to `to` (both included),
/// for one agency unit or all: per agency, per procedure and in total, the four figures
/// (share of procedures fully online, share of applications filed online, on-time rate, share of
/// results returned electronically) with the counts they come from. A share with nothing to
/// count is `null`, never 0.
#[utoipa::path(get, path = "/api/v1/services/statistics", tag = "services",
    params(("from" = String, Query, description = "First day, YYYY-MM-DD (Vietnam time)"),
        ("to" = String, Query, description = "Last day, included, YYYY-MM-DD"),
        ("unit" = Option<String>, Query, description = "One agency unit code, e.g. 000.31.12.H29"),
        ("format" = Option<String>, Query, description = "`csv` for the procedure lines as CSV; JSON otherwise")),
    responses((status = 200, description = "JSON, or `text/csv` with a file name", body = Object),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn statistics(
    State(state): State<AppState>,
    Query(query): Query<StatisticsQuery>,
) -> Result<Response, ApiError> {
    let from = day("from", &query.from)?;
    let to = day("to", &query.to)?;
    if to < from {
        return Err(ApiError::BadParameter {
            field: "to",
            message: "the last day must not come before the first".into(),
        });
    }
    let csv = match query.format.as_deref() {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::BadParameter {
                field: "format",
                message: format!(
                    "{:?} is not a format; csv or json",
                    other.chars().take(20).collect::<String>()
                ),
            });
        }
    };
    let unit = match query.unit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => Some(UnitCode::parse(u)?),
    };
    let stats = state
        .services
        .statistics(from, to, unit.as_ref().map(UnitCode::as_str))
        .await?;
    if csv {
        let name = match &unit {
            Some(u) => format!("statistics-{u}-{from}-{to}.csv"),
            None => format!("statistics-{from}-{to}.csv"),
        };
        return Ok((
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            stats.to_csv(),
        )
            .into_response());
    }
    let procedures = state.services.procedures().await?;
    Ok(Json(statistics_json(
        &stats,
        &procedures,
        from,
        to,
        unit.as_ref(),
    ))
    .into_response())
}

/// The counts with the shares computed from them.
fn counts_json(counts: &Counts) -> Value {
    json!({
        "counts": counts,
        "online_share": counts.online_share(),
        "on_time_rate": counts.on_time_rate(),
        "electronic_result_share": counts.electronic_result_share(),
    })
}

fn agency_json(line: &AgencyLine, name: Option<&dinhdanh_domain::Texts>) -> Value {
    let mut out = counts_json(&line.counts);
    out["unit"] = json!(line.unit);
    out["name"] = json!(name);
    out["procedures"] = json!(line.procedures);
    out["procedures_full_online"] = json!(line.procedures_full_online);
    out["full_online_share"] = json!(line.full_online_share());
    out
}

/// The statistics as the API answers them, with the names of agencies and procedures.
fn statistics_json(
    stats: &Statistics,
    procedures: &[Procedure],
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&UnitCode>,
) -> Value {
    let named = |code: &str| procedures.iter().find(|p| p.code == code);
    let agency_name = |unit: &str| {
        procedures
            .iter()
            .find(|p| p.agency.unit.as_str() == unit)
            .map(|p| &p.agency.name)
    };
    let lines: Vec<Value> = stats
        .procedures
        .iter()
        .map(|line| {
            let mut out = counts_json(&line.counts);
            out["code"] = json!(line.code);
            out["name"] = json!(named(&line.code).map(|p| &p.name));
            out["unit"] = json!(line.unit);
            out["level"] = json!(line.level);
            out["full_online"] = json!(line.level == Level::Full);
            out
        })
        .collect();
    json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "unit": unit.map(UnitCode::as_str),
        "from_ms": stats.from,
        "to_ms": stats.to,
        "as_of_ms": stats.as_of,
        "agencies": stats.agencies.iter().map(|a| agency_json(a, agency_name(&a.unit))).collect::<Vec<_>>(),
        "procedures": lines,
        "total": agency_json(&stats.total, None),
    })
}
