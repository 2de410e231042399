//! The OpenID provider as the portal reaches it: the `openidconnect` client built from the
//! provider's discovery document (kept a few minutes per node, keys included), the ID-token
//! check, and the portal's registration as a client, brought up to date when the server starts.
//!
//! The portal authenticates with `private_key_jwt`: a P-256 key that the first node creates and
//! keeps in the database (`store::client_key`), whose public half is the registered JWKS, so
//! every node and every restart signs its assertions with the same key.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dinhdanh_oidc::{AdminError, ClientRegistration};
use dinhdanh_services::PORTAL_CLIENT;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthType, ClaimsVerificationError, Client, ClientId,
    EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenClaims, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse,
    ProviderMetadataWithLogout, RedirectUrl, StandardErrorResponse, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::signin::SignInError;
use super::store;
use crate::AppState;

/// How long a node trusts the provider's discovery document and keys.
const PROVIDER_MEMORY: Duration = Duration::from_secs(5 * 60);
/// How long the portal waits for the provider.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// The identity scope beyond `openid`: only what finds the citizen's account.
pub(super) const PERSONAL_ID_SCOPE: &str = "personal_id";

// ---------------------------------------------------------------------------------------------
// The client as the openidconnect crate sees it
// ---------------------------------------------------------------------------------------------

/// The claims beyond the standard ones that the portal reads from the ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PortalClaims {
    /// The 12-digit personal ID (scope `personal_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) personal_id: Option<String>,
    /// The provider session the token was issued in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) sid: Option<String>,
}

impl AdditionalClaims for PortalClaims {}

pub(super) type PortalTokenResponse = StandardTokenResponse<
    IdTokenFields<
        PortalClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

pub(super) type PortalClient = Client<
    PortalClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    PortalTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What a node knows about the provider: the client built from discovery, and where to end a
/// session.
pub(super) struct Known {
    pub(super) client: PortalClient,
    pub(super) end_session: Option<EndSessionUrl>,
}

/// The provider as the portal reaches it: an HTTP client and a few minutes' memory of the
/// discovery document (keys included); one per server, shared by its handlers.
pub(super) struct Provider {
    pub(super) http: openidconnect::reqwest::Client,
    known: RwLock<Option<(Arc<Known>, Instant)>>,
}

impl Provider {
    /// A provider not yet discovered.
    pub(super) fn new() -> Provider {
        Provider {
            // No redirects: a discovery or token answer that redirects is an error, not a hop.
            http: openidconnect::reqwest::ClientBuilder::new()
                .redirect(openidconnect::reqwest::redirect::Policy::none())
                .timeout(PROVIDER_TIMEOUT)
                .build()
                .expect("a plain HTTP client builds"),
            known: RwLock::new(None),
        }
    }

    /// The provider, from memory while it is fresh.
    pub(super) async fn known(&self, state: &AppState) -> Result<Arc<Known>, SignInError> {
        if let Some((known, at)) = self.known.read().expect("provider memory").as_ref()
            && at.elapsed() < PROVIDER_MEMORY
        {
            return Ok(known.clone());
        }
        self.discover(state).await
    }

    /// The provider discovered again (after a key the memory does not have).
    pub(super) async fn discover(&self, state: &AppState) -> Result<Arc<Known>, SignInError> {
        let issuer_url = IssuerUrl::new(issuer(state).to_owned())
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer_url, &self.http)
            .await
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let redirect = RedirectUrl::new(format!("{}/portal/callback", issuer(state)))
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let client = PortalClient::from_provider_metadata(
            metadata,
            ClientId::new(PORTAL_CLIENT.into()),
            None,
        )
        .set_redirect_uri(redirect)
        // No secret: client_id goes in the body beside the signed assertion.
        .set_auth_type(AuthType::RequestBody);
        let known = Arc::new(Known {
            client,
            end_session,
        });
        *self.known.write().expect("provider memory") = Some((known.clone(), Instant::now()));
        Ok(known)
    }
}

/// The issuer: the public origin, without a trailing slash.
pub(super) fn issuer(state: &AppState) -> &str {
    state.web.public_origin.trim_end_matches('/')
}

// ---------------------------------------------------------------------------------------------
// Registration at start
// ---------------------------------------------------------------------------------------------

/// Registers the portal with the provider, or brings its registration up to date; called once
/// when the server starts. A failure is logged (the rest of the platform works without the
/// portal), never fatal.
pub(crate) async fn register(state: &AppState) {
    match registration(state).await {
        Ok(()) => tracing::info!(
            client = PORTAL_CLIENT,
            "the public-service portal is registered with the OpenID provider"
        ),
        Err(e) => tracing::error!(
            error = %e,
            client = PORTAL_CLIENT,
            "the public-service portal could not be registered; citizens cannot sign in to it"
        ),
    }
}

async fn registration(state: &AppState) -> Result<(), SignInError> {
    let key = store::client_key(state, PORTAL_CLIENT).await?;
    let origin = issuer(state);
    let registration: ClientRegistration = serde_json::from_value(json!({
        "client_id": PORTAL_CLIENT,
        "name": {"vi": "Cổng Dịch vụ công quốc gia", "en": "National Public Service Portal"},
        "purpose": {
            "vi": "Nộp và theo dõi hồ sơ thủ tục hành chính trực tuyến",
            "en": "Filing and following applications for administrative procedures online"
        },
        "redirect_uris": [format!("{origin}/portal/callback")],
        "post_logout_redirect_uris": [format!("{origin}/portal")],
        "jwks": {"keys": [key.public_jwk()]},
        // exchange.read: the same client is the agency that reads registry data for drafts.
        "scopes": ["openid", PERSONAL_ID_SCOPE, "exchange.read"],
        "grant_types": ["authorization_code", "client_credentials"],
        "security_level": 3
    }))
    .map_err(|e| SignInError::Key(format!("the registration does not parse: {e}")))?;
    match state.oidc.register_client(registration.clone()).await {
        Ok(_) => Ok(()),
        Err(AdminError::Exists(_)) => {
            state
                .oidc
                .update_client(PORTAL_CLIENT, registration)
                .await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Verifies the ID token of `tokens` with the keys `client` knows: signature (ES256, the
/// algorithm the portal is registered with), issuer, audience, expiry, nonce, and the access
/// token's hash when the token carries one.
pub(super) fn verify(
    client: &PortalClient,
    tokens: &PortalTokenResponse,
    nonce: &Nonce,
) -> Result<IdTokenClaims<PortalClaims, CoreGenderClaim>, ClaimsVerificationError> {
    let id_token = tokens
        .id_token()
        .ok_or_else(|| ClaimsVerificationError::Other("the answer has no ID token".into()))?;
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let claims = id_token.claims(&verifier, nonce)?;
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token
            .signing_alg()
            .map_err(ClaimsVerificationError::SignatureVerification)?;
        let key = id_token
            .signing_key(&verifier)
            .map_err(ClaimsVerificationError::SignatureVerification)?;
        let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
            .map_err(|e| ClaimsVerificationError::Other(e.to_string()))?;
        if actual != *expected {
            return Err(ClaimsVerificationError::Other(
                "at_hash does not match the access token".into(),
            ));
        }
    }
    Ok(claims.clone())
}

/// The token endpoint's error code, or what failed on the way.
pub(super) fn exchange_error<E: std::error::Error>(
    error: &openidconnect::RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> String {
    match error {
        openidconnect::RequestTokenError::ServerResponse(answer) => answer.to_string(),
        other => other.to_string(),
    }
}
