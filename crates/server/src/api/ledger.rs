//! The public face of the access ledger: anyone may read the checkpoints, the entries and the
//! proofs, so anyone can check that the log only grows and that an entry is in it. Entries carry
//! metadata only, with the person as a keyed hash, so none of this needs a session.
//!
//! - `GET /ledger/checkpoint` and `GET /ledger/keys` (text, C2SP formats) sit outside `/api/v1`
//!   where witnesses expect plain files.
//! - `GET /api/v1/ledger/entries`, `/entries/{index}`, `/entries/{index}/bundle`,
//!   `/proofs/inclusion`, `/proofs/consistency`, `/checkpoints` are JSON.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dinhdanh_ledger::{Bundle, ConsistencyProof, InclusionProof};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};

/// Routes under `/api/v1/ledger`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/entries", get(entries))
        .route("/entries/{index}", get(entry))
        .route("/entries/{index}/bundle", get(bundle))
        .route("/proofs/inclusion", get(inclusion))
        .route("/proofs/consistency", get(consistency))
        .route("/checkpoints", get(checkpoints))
}

/// The plain-text routes at the root.
pub(crate) fn text_router() -> Router<AppState> {
    Router::new()
        .route("/ledger/checkpoint", get(checkpoint))
        .route("/ledger/keys", get(keys))
}

const TEXT: &str = "text/plain; charset=utf-8";

async fn checkpoint(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let signed = state.ledger.checkpoint().await?;
    Ok((
        [(CONTENT_TYPE, TEXT), (CACHE_CONTROL, "no-cache")],
        signed.note,
    ))
}

async fn keys(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let [note, cosignature] = state.ledger.verifier_keys().await?;
    Ok(([(CONTENT_TYPE, TEXT)], format!("{note}\n{cosignature}\n")))
}

/// A page of entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesPage {
    /// Index of the first entry.
    pub start: u64,
    /// The entry bytes, standard base64, in index order.
    pub entries: Vec<String>,
}

/// Entries `start..start+count` (at most 1000) as stored: the bytes each leaf hash covers.
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "ledger",
    params(("start" = u64, Query, description = "First index"), ("count" = Option<u32>, Query, description = "How many (default 100, at most 1000)")),
    responses((status = 200, body = EntriesPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn entries(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<EntriesPage>, ApiError> {
    let start = number(&query, "start")?.unwrap_or(0);
    let count = number(&query, "count")?.unwrap_or(100);
    if count == 0 || count > 1000 {
        return Err(bad("count", "must be between 1 and 1000"));
    }
    let size = state.ledger.checkpoint().await?.checkpoint.size;
    let count = count.min(size.saturating_sub(start)) as u32;
    let entries = if count == 0 {
        Vec::new()
    } else {
        state.ledger.entries(start, count).await?
    };
    Ok(Json(EntriesPage {
        start,
        entries: entries.iter().map(|e| STANDARD.encode(e)).collect(),
    }))
}

/// One entry, read.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// Its index.
    pub index: u64,
    /// The entry bytes, standard base64.
    pub entry: String,
    /// The same, parsed.
    #[schema(value_type = Object)]
    pub event: dinhdanh_ledger::Event,
}

/// One entry with its parsed content.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger",
    params(("index" = u64, Path, description = "The entry's index")),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub(crate) async fn entry(
    State(state): State<AppState>,
    Path(index): Path<String>,
) -> Result<Json<EntryView>, ApiError> {
    let index = parse_index(&index)?;
    let recorded = state.ledger.entry(index).await?;
    Ok(Json(EntryView {
        index,
        entry: STANDARD.encode(&recorded.bytes),
        event: recorded.event,
    }))
}

/// The latest checkpoint, the entry and its inclusion proof: everything to check it offline
/// (`dinhdanh ledger verify --bundle`, or any RFC 9162 verifier).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}/bundle", tag = "ledger",
    params(("index" = u64, Path, description = "The entry's index")),
    responses((status = 200, description = "A bundle: checkpoint, index, entry, proof"), (status = 404, body = ErrorBody)))]
pub(crate) async fn bundle(
    State(state): State<AppState>,
    Path(index): Path<String>,
) -> Result<Json<Bundle>, ApiError> {
    let index = parse_index(&index)?;
    Ok(Json(state.ledger.bundle(index).await?))
}

/// RFC 9162 inclusion proof of entry `index` in the tree of `tree_size` entries.
#[utoipa::path(get, path = "/api/v1/ledger/proofs/inclusion", tag = "ledger",
    params(("index" = u64, Query, description = "The entry"), ("tree_size" = u64, Query, description = "A checkpoint's size")),
    responses((status = 200, description = "index, tree_size, leaf_hash, proof (base64 hashes)"), (status = 400, body = ErrorBody)))]
pub(crate) async fn inclusion(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<InclusionProof>, ApiError> {
    let index = number(&query, "index")?.ok_or_else(|| bad("index", "is required"))?;
    let size = number(&query, "tree_size")?.ok_or_else(|| bad("tree_size", "is required"))?;
    Ok(Json(state.ledger.inclusion_proof(index, size).await?))
}

/// RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(get, path = "/api/v1/ledger/proofs/consistency", tag = "ledger",
    params(("from" = u64, Query, description = "The older size"), ("to" = u64, Query, description = "The newer size")),
    responses((status = 200, description = "from, to, proof (base64 hashes)"), (status = 400, body = ErrorBody)))]
pub(crate) async fn consistency(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let from = number(&query, "from")?.ok_or_else(|| bad("from", "is required"))?;
    let to = number(&query, "to")?.ok_or_else(|| bad("to", "is required"))?;
    Ok(Json(state.ledger.consistency_proof(from, to).await?))
}

/// Checkpoints the log kept, for witnesses and audits.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointList {
    /// Signed notes, oldest first.
    pub checkpoints: Vec<String>,
}

/// Kept checkpoints with sizes between `from` and `to` (at most 1000).
#[utoipa::path(get, path = "/api/v1/ledger/checkpoints", tag = "ledger",
    params(("from" = Option<u64>, Query, description = "Smallest size"), ("to" = Option<u64>, Query, description = "Largest size")),
    responses((status = 200, body = CheckpointList), (status = 400, body = ErrorBody)))]
pub(crate) async fn checkpoints(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<CheckpointList>, ApiError> {
    let from = number(&query, "from")?.unwrap_or(0);
    let to = number(&query, "to")?.unwrap_or(u64::MAX >> 1);
    let list = state.ledger.checkpoints(from, to).await?;
    Ok(Json(CheckpointList {
        checkpoints: list.into_iter().map(|c| c.note).collect(),
    }))
}

fn bad(field: &'static str, message: &str) -> ApiError {
    ApiError::BadParameter {
        field,
        message: message.into(),
    }
}

fn number(query: &HashMap<String, String>, name: &'static str) -> Result<Option<u64>, ApiError> {
    query
        .get(name)
        .map(|v| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n <= i64::MAX as u64)
                .ok_or_else(|| bad(name, "must be a whole number"))
        })
        .transpose()
}

fn parse_index(text: &str) -> Result<u64, ApiError> {
    text.parse::<u64>()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| bad("index", "must be a whole number"))
}
