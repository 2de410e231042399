//! Passkeys (WebAuthn Level 3) through `webauthn-rs`: the relying party configuration, the
//! account's stable user handle, and the two ceremonies. User verification is always required, so
//! a passkey sign-in is a user-verified one. Sign-in is discoverable (no personal ID typed first),
//! so no request ever reveals whether an account exists.

use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::error::AccountError;
use crate::model::AccountId;

/// The WebAuthn relying party of this site.
#[derive(Clone)]
pub struct Passkeys {
    webauthn: Webauthn,
}

fn failed(e: impl std::fmt::Display) -> AccountError {
    AccountError::Passkey(e.to_string())
}

impl Passkeys {
    /// The relying party for the site at `public_url` (its host is the RP ID; it must be a domain
    /// name, `localhost` in development).
    pub fn new(public_url: &Url, name: &str) -> Result<Passkeys, AccountError> {
        let rp_id = public_url.domain().ok_or_else(|| {
            AccountError::Internal(format!(
                "public_url {public_url} must name a host, not an IP address, for passkeys"
            ))
        })?;
        let webauthn = WebauthnBuilder::new(rp_id, public_url)
            .and_then(|b| b.rp_name(name).build())
            .map_err(|e| AccountError::Internal(format!("WebAuthn configuration: {e}")))?;
        Ok(Passkeys { webauthn })
    }

    /// The WebAuthn user handle of an account: stable, opaque, not the personal ID.
    pub fn user_handle(account: AccountId) -> Uuid {
        let digest = Sha256::digest(format!("dinhdanh-webauthn-user:{account}"));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Uuid::from_bytes(bytes)
    }

    /// Starts registering a passkey; returns the browser's options (JSON) and the state to keep.
    /// Discoverable credentials are preferred so that sign-in needs no personal ID.
    pub fn start_registration(
        &self,
        account: AccountId,
        user_name: &str,
        display_name: &str,
        existing: Vec<Vec<u8>>,
    ) -> Result<(serde_json::Value, String), AccountError> {
        let (options, state): (CreationChallengeResponse, PasskeyRegistration) = self
            .webauthn
            .start_passkey_registration(
                Self::user_handle(account),
                user_name,
                display_name,
                Some(existing),
            )
            .map_err(failed)?;
        let mut options = serde_json::to_value(options).map_err(failed)?;
        if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
            selection["residentKey"] = "preferred".into();
        }
        Ok((options, serde_json::to_string(&state).map_err(failed)?))
    }

    /// Finishes a registration; returns the credential ID and the passkey to store (JSON).
    pub fn finish_registration(
        &self,
        response: &serde_json::Value,
        state: &str,
    ) -> Result<(Vec<u8>, String), AccountError> {
        let response: RegisterPublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| failed(format!("malformed response: {e}")))?;
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(failed)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&response, &state)
            .map_err(failed)?;
        let id = passkey.cred_id().to_vec();
        Ok((id, serde_json::to_string(&passkey).map_err(failed)?))
    }

    /// Starts a discoverable sign-in; returns the browser's options (JSON) and the state to keep.
    pub fn start_authentication(&self) -> Result<(serde_json::Value, String), AccountError> {
        let (options, state): (RequestChallengeResponse, DiscoverableAuthentication) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(failed)?;
        let mut options = serde_json::to_value(options).map_err(failed)?;
        // The page asks with a button, not through autofill.
        if let Some(object) = options.as_object_mut() {
            object.remove("mediation");
        }
        Ok((options, serde_json::to_string(&state).map_err(failed)?))
    }

    /// Reads which credential and user handle an assertion claims, before its owner is loaded.
    pub fn identify(
        &self,
        response: &serde_json::Value,
    ) -> Result<(PublicKeyCredential, Uuid, Vec<u8>), AccountError> {
        let response: PublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| failed(format!("malformed response: {e}")))?;
        let (handle, id) = self
            .webauthn
            .identify_discoverable_authentication(&response)
            .map(|(h, id)| (h, id.to_vec()))
            .map_err(failed)?;
        Ok((response, handle, id))
    }

    /// Verifies an assertion against the stored passkey; returns whether the user was verified
    /// and the passkey to store back when its counter or flags changed.
    pub fn finish_authentication(
        &self,
        response: &PublicKeyCredential,
        state: &str,
        stored: &str,
    ) -> Result<(bool, Option<String>), AccountError> {
        let state: DiscoverableAuthentication = serde_json::from_str(state).map_err(failed)?;
        let mut passkey: Passkey = serde_json::from_str(stored).map_err(failed)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication_v2(response, state, DiscoverableKey::from(&passkey))
            .map_err(failed)?;
        let updated = if result.needs_update() && passkey.update_credential(&result) == Some(true) {
            Some(serde_json::to_string(&passkey).map_err(failed)?)
        } else {
            None
        };
        Ok((result.user_verified(), updated))
    }
}
