//! The OpenAPI document, generated from the handlers, and an interactive page served from assets
//! compiled into the binary (nothing is fetched from outside).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::api::{accounts, exchange, ledger, payments, registry, services};

#[derive(OpenApi)]
#[openapi(
    info(title = "dinhdanh", description = "National e-ID platform: population registry, e-ID accounts, the access ledger and data sharing."),
    paths(
        accounts::register,
        accounts::verify,
        accounts::activate,
        accounts::sign_in,
        accounts::step_up,
        accounts::passkey_start,
        accounts::passkey_finish,
        accounts::current,
        accounts::sign_out,
        accounts::me,
        accounts::enrol,
        registry::person,
        registry::search,
        registry::history,
        registry::correct,
        registry::reestablish,
        registry::organization,
        ledger::entries,
        ledger::entry,
        ledger::bundle,
        ledger::inclusion,
        ledger::consistency,
        ledger::checkpoints,
        exchange::services,
        exchange::service,
        exchange::read_person,
        exchange::read_holder,
        exchange::ask_consent,
        exchange::agency_consent,
        exchange::set_policy,
        services::procedures,
        services::procedure,
        services::status,
        services::statistics,
        payments::ipn
    ),
    modifiers(&SessionAuth),
    tags((name = "registry", description = "The population registry (agency officers and operators)"),
        (name = "accounts", description = "e-ID accounts: registration, activation, enrolment"),
        (name = "sessions", description = "Signing in, step-up, signing out"),
        (name = "ledger", description = "The public access ledger: entries, proofs, checkpoints"),
        (name = "exchange", description = "Data sharing between agencies: catalogue, reads, consent, policy"),
        (name = "services", description = "Public services: the procedure catalogue, the status check, statistics"),
        (name = "payments", description = "Application fees: the payment gateway's notifications (IPN)"))
)]
struct ApiDoc;

struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Agencies: an access token from the client_credentials grant with the exchange.read scope.
        components.add_security_scheme(
            "agency",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document as JSON (also written by `dinhdanh openapi`).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
}
