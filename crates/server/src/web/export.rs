//! "Export my data" (`/account/export`): everything the platform holds about the signed-in person,
//! as one machine-readable JSON document (Decree 13/2023/ND-CP Art 9: the right to be given one's
//! own data) — the registry record and its history, the e-ID account with its authenticators
//! (never their secrets), sessions and history, the relying parties and agencies the person
//! consented to, the land held, the requests filed, and every ledger entry about the person.
//!
//! The person reading their own data is not an access by someone else, so it is not logged in the
//! ledger; it is recorded in the account's own history like any other action.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use dinhdanh_accounts::AccountKind;
use dinhdanh_ledger::HistoryFilter;
use serde_json::{Value, json};

use super::layout::{alert, page};
use super::{Web, t};
use crate::AppState;

/// The format's name and version, first in every export.
pub(crate) const FORMAT: &str = "dinhdanh.personal-data-export/1";

/// At most this many ledger entries go into one export (the newest); the access page pages
/// through the rest.
const LEDGER_LIMIT: usize = 10_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/account/export", get(export))
}

async fn export(State(state): State<AppState>, web: Web) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (AccountKind::Person, Some(person)) = (user.account.kind, user.account.personal_id) else {
        return (
            StatusCode::FORBIDDEN,
            page(
                &web,
                t(web.lang, "export.title"),
                html_alert(t(web.lang, "export.not_personal")),
            ),
        )
            .into_response();
    };
    match document(&state, &user.account, person).await {
        Ok(doc) => {
            let body = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
            (
                [
                    (CONTENT_TYPE, "application/json; charset=utf-8".to_owned()),
                    (
                        CONTENT_DISPOSITION,
                        format!("attachment; filename=\"dinhdanh-{person}.json\""),
                    ),
                    (CACHE_CONTROL, "no-store".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a personal data export failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    &web,
                    t(web.lang, "export.title"),
                    html_alert(t(web.lang, "export.failed")),
                ),
            )
                .into_response()
        }
    }
}

fn html_alert(text: &str) -> maud::Markup {
    alert(Some(text))
}

async fn document(
    state: &AppState,
    account: &dinhdanh_accounts::Account,
    person: dinhdanh_domain::PersonalId,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let id = person.to_string();
    let record = state.registry.person(person).await?;
    let history = state.registry.history(person).await?;
    let authenticators = state.accounts.authenticators(account.id).await?;
    let sessions = state.accounts.sessions(account.id).await?;
    let events = state.accounts.events(account.id, 1000).await?;
    let relying_parties: Vec<Value> = state
        .oidc
        .consents(account.id)
        .await
        .map_err(|e| e.description)?
        .into_iter()
        .map(|c| {
            json!({
                "client_id": c.client.client_id,
                "name": {"vi": c.client.name.vi, "en": c.client.name.en},
                "scopes": c.scopes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "granted_at": c.granted_at,
            })
        })
        .collect();
    let agency_consents = state.exchange.consents_of(&person).await?;
    let land: Vec<Value> = state
        .land
        .parcels_of_holder(&dinhdanh_land::Holder::Person(person))
        .await?
        .into_iter()
        .map(|h| json!({"parcel": h.parcel, "certificates": h.certificates}))
        .collect();
    let requests: Vec<Value> = match dinhdanh_rights::Citizen::of(account) {
        Ok(citizen) => state
            .rights
            .mine(&citizen)
            .await?
            .into_iter()
            .map(|r| {
                json!({
                    "id": r.id.to_string(),
                    "kind": r.kind.as_str(),
                    "about": r.about,
                    "fields": r.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                    "filed_at": r.filed_at,
                    "due_at": r.due_at,
                    "status": r.status.as_str(),
                    "answer": r.answer,
                    "closed_at": r.closed_at,
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let subject = state.ledger.subject(&id).await?;
    let mut entries: Vec<Value> = Vec::new();
    let mut before = None;
    while entries.len() < LEDGER_LIMIT {
        let page = state
            .ledger
            .history(
                &subject,
                &HistoryFilter {
                    before,
                    limit: 1000,
                    ..HistoryFilter::default()
                },
            )
            .await?;
        let Some(last) = page.last() else { break };
        before = Some(last.index);
        let full = page.len() == 1000;
        entries.extend(page.into_iter().map(|r| {
            json!({
                "index": r.index,
                "entry": base64::engine::general_purpose::STANDARD.encode(&r.bytes),
                "event": r.event,
            })
        }));
        if !full {
            break;
        }
    }
    entries.truncate(LEDGER_LIMIT);
    Ok(json!({
        "format": FORMAT,
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "personal_id": id,
        "registry": {"record": record, "history": history},
        "account": {
            "account": account,
            "authenticators": authenticators,
            "sessions": sessions,
            "history": events,
        },
        "consents": {
            "relying_parties": relying_parties,
            "agencies": agency_consents,
        },
        "land": land,
        "requests": requests,
        "ledger": {
            "origin": state.ledger.origin().await?,
            "subject": subject,
            "entries": entries,
            "complete": entries.len() < LEDGER_LIMIT,
        },
    }))
}

/// The page's texts: (key, Vietnamese, English).
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    ("export.title", "Tải dữ liệu của tôi", "Download my data"),
    (
        "export.help",
        "Toàn bộ dữ liệu nền tảng đang lưu về bạn, dạng JSON: hồ sơ dân cư, tài khoản, sự đồng ý, đất đai, yêu cầu và nhật ký truy cập.",
        "Everything the platform holds about you, as JSON: your registry record, account, consents, land, requests and access log.",
    ),
    (
        "export.not_personal",
        "Chỉ tài khoản của cá nhân mới tải được dữ liệu cá nhân.",
        "Only a person's account can download personal data.",
    ),
    (
        "export.failed",
        "Chưa thể tạo bản dữ liệu lúc này. Vui lòng thử lại.",
        "The export could not be made right now. Please try again.",
    ),
];
