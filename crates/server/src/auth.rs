//! Who is calling the JSON API: a session token (`Authorization: Bearer <token>`, as returned by
//! the sign-in API) for people and their roles. The registry API is open to agency officers and
//! operators who signed in with a passkey or an authenticator app; no shared secret opens it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dinhdanh_accounts::{AccountError, Role, Session};

use crate::AppState;
use crate::error::ApiError;

/// The bearer token of a request.
pub(crate) fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A signed-in caller of the API.
pub struct Caller {
    /// The session token presented.
    pub token: String,
    /// Its session.
    pub session: Session,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::MissingToken)?;
        let session = state.accounts.session(token).await.map_err(|e| match e {
            AccountError::NoSession => ApiError::BadToken,
            other => ApiError::Account(other),
        })?;
        Ok(Caller {
            token: token.to_owned(),
            session,
        })
    }
}

/// A caller allowed to read and correct the registry: an agency officer or an operator, signed in
/// with a strong factor.
pub struct RegistryStaff(pub Caller);

impl FromRequestParts<AppState> for RegistryStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::MissingToken)?;
        let session = state
            .accounts
            .staff_session(token, &[Role::AgencyOfficer, Role::Operator])
            .await
            .map_err(|e| match e {
                AccountError::NoSession => ApiError::BadToken,
                other => ApiError::Account(other),
            })?;
        Ok(RegistryStaff(Caller {
            token: token.to_owned(),
            session,
        }))
    }
}
