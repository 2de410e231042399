//! Errors of the OpenID provider, spelled as the RFCs spell them: every [`OAuthError`] carries one
//! of the registered `error` codes and a description a developer can act on.

use serde::Serialize;

/// The registered error codes (RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6,
/// RFC 6750 §3.1, RFC 9126, RFC 9449, OpenID Connect Unmet Authentication Requirements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A parameter is missing, repeated, malformed or not allowed.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The code, refresh token or assertion grant is invalid, expired, used or not this client's.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is unknown.
    UnsupportedGrantType,
    /// The response type is not `code`.
    UnsupportedResponseType,
    /// The scope is unknown or beyond what the client may ask.
    InvalidScope,
    /// The citizen refused, or the account may not be used with this client.
    AccessDenied,
    /// `prompt=none`, but the citizen must sign in.
    LoginRequired,
    /// `prompt=none`, but the citizen must consent.
    ConsentRequired,
    /// `prompt=none`, but the citizen must act.
    InteractionRequired,
    /// The account cannot reach the level of assurance asked for.
    UnmetAuthenticationRequirements,
    /// The `request_uri` is unknown, expired or used.
    InvalidRequestUri,
    /// The request object is invalid.
    InvalidRequestObject,
    /// A `request` parameter where the client may not use one.
    RequestNotSupported,
    /// The DPoP proof is invalid.
    InvalidDpopProof,
    /// The access token is missing, expired, revoked or malformed.
    InvalidToken,
    /// The access token lacks the scope needed.
    InsufficientScope,
    /// Something failed on our side.
    ServerError,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::InvalidRequestObject => "invalid_request_object",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::ServerError => "server_error",
        }
    }
}

/// A protocol error: the code and a description (`error_description`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The registered code.
    pub code: ErrorCode,
    /// What is wrong, for the developer.
    pub description: String,
}

impl OAuthError {
    /// An error with a description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    /// `invalid_request`.
    pub fn request(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client`.
    pub fn client(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidClient, description)
    }

    /// `invalid_grant`.
    pub fn grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidGrant, description)
    }

    /// `server_error`, logged; the description says nothing of the cause.
    pub fn internal(cause: impl std::fmt::Display) -> OAuthError {
        tracing::error!(%cause, "OpenID provider failure");
        OAuthError::new(
            ErrorCode::ServerError,
            "the server could not complete the request",
        )
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        OAuthError::internal(e)
    }
}

impl From<dinhdanh_accounts::AccountError> for OAuthError {
    fn from(e: dinhdanh_accounts::AccountError) -> Self {
        OAuthError::internal(e)
    }
}

/// Errors of client registration and key administration (operator tools, not the protocol).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A registration field is wrong; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A client with this ID exists already.
    #[error("a client with the ID {0:?} is already registered")]
    Exists(String),
    /// No such client.
    #[error("no client with the ID {0:?}")]
    NotFound(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
    /// A key could not be made or read.
    #[error("keys: {0}")]
    Keys(#[from] crate::jose::JoseError),
}

impl AdminError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> AdminError {
        AdminError::Invalid {
            field,
            message: message.into(),
        }
    }
}
