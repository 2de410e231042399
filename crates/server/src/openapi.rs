//! The OpenAPI document, generated from the handlers, and an interactive page served from assets
//! compiled into the binary (nothing is fetched from outside).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::api::registry;

#[derive(OpenApi)]
#[openapi(
    info(title = "dinhdanh", description = "National e-ID platform: population registry API."),
    paths(
        registry::person,
        registry::search,
        registry::history,
        registry::correct,
        registry::reestablish,
        registry::organization
    ),
    modifiers(&OperatorAuth),
    tags((name = "registry", description = "The population registry (operator token required)"))
)]
struct ApiDoc;

struct OperatorAuth;

impl Modify for OperatorAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
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
