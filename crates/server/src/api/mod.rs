//! The JSON API under `/api/v1`.

pub(crate) mod accounts;
pub(crate) mod credentials;
pub(crate) mod exchange;
pub(crate) mod ledger;
pub(crate) mod payments;
pub(crate) mod registry;
pub(crate) mod services;

use axum::Router;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .nest("/registry", registry::router())
        .nest("/ledger", ledger::router())
        .nest("/exchange", exchange::router())
        .nest("/services", services::router())
        .nest("/payments", payments::router())
        .nest("/credentials", credentials::router())
        .nest("/accounts/me/consents", exchange::my_consents_router())
        .nest("/accounts/me/documents", credentials::my_documents_router())
        .merge(accounts::router())
}
