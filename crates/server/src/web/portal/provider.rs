//! The OpenID provider as the portal reaches it: the `openidconnect` client built from the
//! provider's discovery document (kept a few minutes per node, keys included), the ID-token
//! check, the logout-token signature check, and the portal's registration as a client (with its
//! back-channel logout endpoint), brought up to date when the server starts.
//!
//! The portal authenticates with `private_key_jwt`: a P-256 key that the first node creates and
//! keeps in the database (`dinhdanh_portal::Portal::client_key`), whose public half is the
//! registered JWKS, so every node and every restart signs its assertions with the same key.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dinhdanh_oidc::{AdminError, ClientRegistration};
use dinhdanh_portal::{LogoutError, SignedToken};
use dinhdanh_services::PORTAL_CLIENT;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthType, ClaimsVerificationError, Client, ClientId,
    EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenClaims, IdTokenFields, IssuerUrl, JsonWebKey, Nonce, OAuth2TokenResponse,
    ProviderMetadataWithLogout, RedirectUrl, StandardErrorResponse, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::signin::SignInError;
use crate::AppState;

/// How long a node trusts the provider's discovery document and keys.
const PROVIDER_MEMORY: Duration = Duration::from_secs(5 * 60);
/// How soon after a discovery a token naming a key the node does not know may make it discover
/// again: such tokens cannot make the portal fetch the provider's keys on every request.
const REDISCOVERY_PAUSE: Duration = Duration::from_secs(10);
/// How long the portal waits for the provider.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// The identity scope beyond `openid`: only what finds the citizen's account.
pub(super) const PERSONAL_ID_SCOPE: &str = "personal_id";
/// Where the provider posts logout tokens (OpenID Connect Back-Channel Logout 1.0).
pub(super) const BACKCHANNEL_LOGOUT_PATH: &str = "/portal/backchannel-logout";
/// The one algorithm the portal accepts the provider's tokens in: the ES256 it registers with
/// (the provider's default for ID and logout tokens).
const PROVIDER_ALG: CoreJwsSigningAlgorithm = CoreJwsSigningAlgorithm::EcdsaP256Sha256;

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

/// What a node knows about the provider: the client built from discovery, the keys it
/// publishes, and where to end a session.
pub(super) struct Known {
    pub(super) client: PortalClient,
    pub(super) keys: CoreJsonWebKeySet,
    pub(super) end_session: Option<EndSessionUrl>,
}

/// The provider as the portal reaches it: an HTTP client and a few minutes' memory of the
/// discovery document (keys included); one per server, shared by its handlers.
pub(super) struct Provider {
    pub(super) http: openidconnect::reqwest::Client,
    known: RwLock<Option<(Arc<Known>, Instant)>>,
}

impl Provider {
    /// A provider not yet discovered, reached over HTTPS with the platform's trust roots.
    pub(super) fn new(tls: &dinhdanh_http::ClientTls) -> Provider {
        Provider {
            // No redirects: a discovery or token answer that redirects is an error, not a hop.
            http: tls
                .client_builder()
                .redirect(openidconnect::reqwest::redirect::Policy::none())
                .timeout(PROVIDER_TIMEOUT)
                .build()
                .expect("an HTTP client builds"),
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

    /// The provider discovered again for a key the memory does not have, unless that was done
    /// moments ago.
    pub(super) async fn refresh(&self, state: &AppState) -> Result<Arc<Known>, SignInError> {
        if let Some((known, at)) = self.known.read().expect("provider memory").as_ref()
            && at.elapsed() < REDISCOVERY_PAUSE
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
        let keys = metadata.jwks().clone();
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
            keys,
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
    let key = state.portal.client_key(PORTAL_CLIENT).await?;
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
        // The provider registry has no `backchannel_logout_session_required`: its logout
        // tokens always carry `sid`.
        "backchannel_logout_uri": format!("{origin}{BACKCHANNEL_LOGOUT_PATH}"),
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

/// Whether a key the provider publishes, chosen by the token's `kid` when it names one, verifies
/// `token`'s signature in the algorithm the portal accepts. `NoKey` when no published key is a
/// candidate (the provider may have rotated since discovery).
pub(super) fn logout_signature(known: &Known, token: &SignedToken) -> Result<(), SignatureCheck> {
    let alg: CoreJwsSigningAlgorithm =
        serde_json::from_value(serde_json::Value::String(token.alg.clone()))
            .ok()
            .filter(|alg| *alg == PROVIDER_ALG)
            .ok_or_else(|| {
                SignatureCheck::Refused(LogoutError::WrongAlgorithm(token.alg.clone()))
            })?;
    let candidates: Vec<&CoreJsonWebKey> = known
        .keys
        .keys()
        .iter()
        .filter(|key| match &token.kid {
            Some(kid) => key.key_id().is_some_and(|k| k.as_str() == kid),
            None => true,
        })
        .collect();
    if candidates.is_empty() {
        return Err(SignatureCheck::NoKey);
    }
    if candidates.iter().any(|key| {
        key.verify_signature(&alg, &token.signing_input, &token.signature)
            .is_ok()
    }) {
        Ok(())
    } else {
        Err(SignatureCheck::Refused(LogoutError::BadSignature))
    }
}

/// Why a logout token's signature was not accepted.
pub(super) enum SignatureCheck {
    /// No key the node knows is named by the token.
    NoKey,
    /// The token is refused.
    Refused(LogoutError),
}
