//! Mapping of errors to HTTP responses: one JSON body shape, one status per kind.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dinhdanh_registry::{FieldError, RegistryError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `registry.person_not_found`.
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
    /// Field-level problems, when the input was invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// For a refused data-exchange read: each asked field and the rule that refused it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub withheld: Vec<dinhdanh_exchange::Withheld>,
    /// The ledger entry that records the refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_entry: Option<u64>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Errors the HTTP layer answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` header.
    #[error(
        "this API needs a session: sign in (POST /api/v1/sessions) and send Authorization: Bearer <token>"
    )]
    MissingToken,
    /// The token names no live session.
    #[error("the session token is not valid or the session has ended")]
    BadToken,
    /// An accounts error.
    #[error(transparent)]
    Account(#[from] dinhdanh_accounts::AccountError),
    /// A path or query parameter is malformed.
    #[error("{field}: {message}")]
    BadParameter {
        /// The parameter.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A registry error.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// An access-ledger error.
    #[error(transparent)]
    Ledger(#[from] dinhdanh_ledger::LedgerError),
    /// The data-sharing platform refused or failed.
    #[error(transparent)]
    Exchange(#[from] dinhdanh_exchange::ExchangeError),
    /// The public-services capability refused or failed.
    #[error(transparent)]
    Services(#[from] dinhdanh_services::ServicesError),
    /// A fee payment refused or failed.
    #[error(transparent)]
    Payment(#[from] dinhdanh_payment::PaymentError),
    /// The credentials capability refused or failed.
    #[error(transparent)]
    Credentials(#[from] dinhdanh_credentials::CredentialsError),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MissingToken => (StatusCode::UNAUTHORIZED, "auth.missing_token"),
            ApiError::BadToken => (StatusCode::UNAUTHORIZED, "auth.bad_token"),
            ApiError::Account(e) => (account_status(e), e.code()),
            ApiError::BadParameter { .. } => (StatusCode::BAD_REQUEST, "request.bad_parameter"),
            ApiError::Ledger(e) => {
                use dinhdanh_ledger::LedgerError as L;
                match e {
                    L::BadRequest(_) => (StatusCode::BAD_REQUEST, "ledger.bad_request"),
                    L::NoSuchEntry(_) => (StatusCode::NOT_FOUND, "ledger.no_such_entry"),
                    L::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "ledger.unavailable"),
                    L::Corrupt(_) | L::Store(_) => {
                        (StatusCode::INTERNAL_SERVER_ERROR, "ledger.storage")
                    }
                }
            }
            ApiError::Exchange(e) => exchange_status(e),
            ApiError::Services(e) => services_status(e),
            ApiError::Payment(e) => (payment_status(e), e.code()),
            ApiError::Credentials(e) => credentials_status(e),
            ApiError::Registry(e) => (
                match e {
                    RegistryError::PersonNotFound(_) | RegistryError::OrganizationNotFound(_) => {
                        StatusCode::NOT_FOUND
                    }
                    RegistryError::Invalid(_)
                    | RegistryError::UnknownField(_)
                    | RegistryError::NothingToChange
                    | RegistryError::ReasonRequired
                    | RegistryError::SearchTooShort => StatusCode::UNPROCESSABLE_ENTITY,
                    RegistryError::NeedsReestablishment { .. }
                    | RegistryError::ReestablishmentNotNeeded(_)
                    | RegistryError::Superseded { .. }
                    | RegistryError::VersionConflict { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                },
                e.code(),
            ),
        }
    }
}

/// The HTTP status and code of a public-services error.
fn services_status(e: &dinhdanh_services::ServicesError) -> (StatusCode, &'static str) {
    use dinhdanh_services::ServicesError as E;
    match e {
        E::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "services.invalid"),
        E::Missing(_) => (StatusCode::UNPROCESSABLE_ENTITY, "services.missing"),
        E::BadUpload { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "services.bad_upload"),
        E::BadProcedure { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "services.bad_procedure"),
        E::BadCatalogue(_) => (StatusCode::UNPROCESSABLE_ENTITY, "services.bad_catalogue"),
        E::UnknownProcedure(_) => (StatusCode::NOT_FOUND, "services.unknown_procedure"),
        E::NotFound => (StatusCode::NOT_FOUND, "services.not_found"),
        E::NotAllowed { .. } => (StatusCode::CONFLICT, "services.not_allowed"),
        E::Changed => (StatusCode::CONFLICT, "services.changed"),
        E::NotOnline(_) => (StatusCode::CONFLICT, "services.not_online"),
        E::NotYours(_) => (StatusCode::FORBIDDEN, "services.not_yours"),
        E::NotAPerson => (StatusCode::FORBIDDEN, "services.not_a_person"),
        E::NotAnOfficer => (StatusCode::FORBIDDEN, "services.not_an_officer"),
        E::StepUpRequired => (StatusCode::FORBIDDEN, "services.step_up_required"),
        E::TooManyChecks { .. } => (StatusCode::TOO_MANY_REQUESTS, "services.too_many_checks"),
        E::Account(e) => (account_status(e), e.code()),
        E::Prefill(e) => exchange_status(e),
        E::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "services.storage"),
    }
}

/// The HTTP status and code of a credentials error.
fn credentials_status(e: &dinhdanh_credentials::CredentialsError) -> (StatusCode, &'static str) {
    use dinhdanh_credentials::CredentialsError as E;
    match e {
        E::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "credentials.invalid"),
        E::UnknownType(_) => (StatusCode::NOT_FOUND, "credentials.unknown_type"),
        E::NotFound => (StatusCode::NOT_FOUND, "credentials.not_found"),
        E::Forbidden(_) => (StatusCode::FORBIDDEN, "credentials.forbidden"),
        E::Protocol { .. } => (StatusCode::BAD_REQUEST, "credentials.protocol"),
        E::Refused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "credentials.refused"),
        E::Ledger(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "credentials.ledger_unavailable",
        ),
        E::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "credentials.storage"),
    }
}

/// The HTTP status of a payment error.
fn payment_status(e: &dinhdanh_payment::PaymentError) -> StatusCode {
    use dinhdanh_payment::PaymentError as E;
    match e {
        e if e.is_input() => StatusCode::UNPROCESSABLE_ENTITY,
        E::NotFound { .. } => StatusCode::NOT_FOUND,
        E::AlreadyPaid { .. } | E::NotPaid { .. } | E::Conflict => StatusCode::CONFLICT,
        E::Query(_) | E::AmountMismatch { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The HTTP status of an accounts error.
fn exchange_status(e: &dinhdanh_exchange::ExchangeError) -> (StatusCode, &'static str) {
    use dinhdanh_exchange::ExchangeError as E;
    match e {
        E::BadRequest(_) => (StatusCode::BAD_REQUEST, "exchange.bad_request"),
        E::UnknownService(_) => (StatusCode::NOT_FOUND, "exchange.unknown_service"),
        E::NotConnected(_) => (StatusCode::NOT_IMPLEMENTED, "exchange.not_connected"),
        E::Refused { .. } => (StatusCode::FORBIDDEN, "exchange.refused"),
        E::NotFound(_) => (StatusCode::NOT_FOUND, "exchange.not_found"),
        E::Forbidden(_) => (StatusCode::FORBIDDEN, "exchange.forbidden"),
        E::Conflict(_) => (StatusCode::CONFLICT, "exchange.conflict"),
        E::Catalogue(_) => (StatusCode::UNPROCESSABLE_ENTITY, "exchange.bad_service"),
        E::Policy(_) => (StatusCode::UNPROCESSABLE_ENTITY, "exchange.bad_policy"),
        E::Ledger(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "exchange.ledger_unavailable",
        ),
        E::Provider(_) | E::Signing(_) | E::Database(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "exchange.internal")
        }
    }
}

pub(crate) fn account_status(e: &dinhdanh_accounts::AccountError) -> StatusCode {
    use dinhdanh_accounts::AccountError as E;
    match e {
        E::Invalid { .. } | E::WeakPassword(_) | E::Portrait(_) | E::Passkey(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        E::LoginFailed | E::NoSession => StatusCode::UNAUTHORIZED,
        E::WrongCode { .. } | E::CodeSpent | E::CodeExpired => StatusCode::UNAUTHORIZED,
        E::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        E::Locked(_) | E::Revoked | E::MethodLocked(_) | E::NotActivated => StatusCode::FORBIDDEN,
        E::MissingRole(_) | E::Forbidden(_) | E::StepUpRequired(_) => StatusCode::FORBIDDEN,
        E::NotFound(_) => StatusCode::NOT_FOUND,
        E::Conflict(_) | E::Registry(_) => StatusCode::CONFLICT,
        E::Database(_) | E::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let fields = match &self {
            ApiError::Registry(RegistryError::Invalid(errors)) => errors
                .iter()
                .map(|FieldError { field, message }| FieldProblem {
                    field: (*field).to_owned(),
                    message: message.clone(),
                })
                .collect(),
            ApiError::Account(dinhdanh_accounts::AccountError::Invalid { field, message }) => {
                vec![FieldProblem {
                    field: (*field).to_owned(),
                    message: message.clone(),
                }]
            }
            ApiError::Services(dinhdanh_services::ServicesError::Invalid { field, problem })
            | ApiError::Credentials(dinhdanh_credentials::CredentialsError::Invalid {
                field,
                problem,
            }) => {
                vec![FieldProblem {
                    field: field.clone(),
                    message: problem.clone(),
                }]
            }
            _ => Vec::new(),
        };
        let (withheld, ledger_entry) = match &self {
            ApiError::Exchange(dinhdanh_exchange::ExchangeError::Refused { withheld, entry }) => {
                (withheld.clone(), Some(*entry))
            }
            _ => (Vec::new(), None),
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Details of internal failures go to the log, not to the caller.
            tracing::error!(error = %self, "request failed");
            "internal error; the request ID in the x-request-id header identifies it in the logs"
                .to_owned()
        } else {
            self.to_string()
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code.to_owned(),
                message,
                fields,
                withheld,
                ledger_entry,
            }),
        )
            .into_response();
        if let ApiError::Account(dinhdanh_accounts::AccountError::TooManyAttempts { retry_after }) =
            &self
            && let Ok(v) =
                axum::http::HeaderValue::from_str(&retry_after.as_secs().max(1).to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        if let ApiError::Services(dinhdanh_services::ServicesError::TooManyChecks { retry_after_s }) =
            &self
            && let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_s.max(&1).to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
