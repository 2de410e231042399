//! The operator token: until accounts and roles exist, the registry API is open only to it.
//!
//! The configuration holds the token's SHA-256, never the token; the token is high-entropy, so a
//! fast hash is enough, and the comparison is constant-time.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::ApiError;

/// The configured operator credential.
#[derive(Clone, Debug)]
pub struct OperatorToken {
    sha256: Option<[u8; 32]>,
}

impl OperatorToken {
    /// Wraps the configured hash.
    pub fn new(sha256: Option<[u8; 32]>) -> Self {
        Self { sha256 }
    }

    fn check(&self, presented: &str) -> Result<(), ApiError> {
        let Some(expected) = &self.sha256 else {
            return Err(ApiError::ApiClosed);
        };
        if hash_token(presented).ct_eq(expected).into() {
            Ok(())
        } else {
            Err(ApiError::BadToken)
        }
    }
}

/// SHA-256 of a token, as stored in configuration.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Proof that the request carried the operator token.
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::MissingToken)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::MissingToken)?;
        state.operator.check(token.trim())?;
        Ok(Operator)
    }
}
