//! The authorization endpoint (code flow only), pushed authorization requests (RFC 9126), the
//! interaction while the citizen signs in or consents, and code issuance.
//!
//! The order of checks follows RFC 6749 §4.1.2.1: while the client or its redirect URI is in
//! doubt, errors are shown to the user and never sent anywhere; once both are known, every other
//! error goes back to the redirect URI with `state` and `iss` (RFC 9207).

use std::collections::BTreeSet;
use std::sync::Arc;

use dinhdanh_accounts::{Account, AccountKind, AccountLevel, Assurance, Session};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;
use url::Url;

use crate::Oidc;
use crate::clients::Client;
use crate::db::{on_db, write_on_db};
use crate::error::{ErrorCode, OAuthError};
use crate::scope::Scope;

pub use crate::consent::GivenConsent;
pub(crate) use crate::request::pkce_shape;
use crate::request::single;
pub use crate::request::{AuthorizationRequest, Params, Prompt, value};

/// How long a pushed request waits for the browser (RFC 9126 suggests well under 10 minutes).
pub const PAR_LIFETIME_SECONDS: i64 = 90;
/// How long the citizen has to sign in and consent.
pub const INTERACTION_LIFETIME_MS: i64 = 30 * 60 * 1000;
/// How long an authorization code lives.
pub const CODE_LIFETIME_MS: i64 = 60 * 1000;
/// The URN prefix of request URIs.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// What the web layer does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Send the browser to this URL at the client (a code, or an error).
    Redirect(String),
    /// The citizen must sign in (or sign in again, or more strongly); afterwards, the browser
    /// goes to `/authorize/continue/{interaction}`.
    SignIn {
        /// The interaction to continue.
        interaction: String,
        /// A personal ID to prefill, from `login_hint`.
        login_hint: Option<String>,
        /// The level the sign-in must reach.
        required: Assurance,
    },
    /// The citizen must consent: show `/authorize/consent/{interaction}`.
    Consent {
        /// The interaction to continue.
        interaction: String,
    },
    /// An error shown to the user, never redirected (unknown client, bad redirect URI, expired
    /// interaction).
    Page(OAuthError),
}

/// What the consent page shows.
#[derive(Debug, Clone)]
pub struct ConsentView {
    /// The relying party.
    pub client: Arc<Client>,
    /// Identity scopes asked for, in the page's order.
    pub scopes: Vec<Scope>,
    /// The citizen's preferred locales, from the request.
    pub ui_locales: Option<String>,
}

/// A stored interaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Interaction {
    request: AuthorizationRequest,
    started_at: i64,
}

/// What a code carries to the token endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CodeDetails {
    pub account_id: i64,
    pub session: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub scopes: BTreeSet<Scope>,
    pub claims: Option<Value>,
    pub acr: Assurance,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub dpop_jkt: Option<String>,
}

/// The browser's live session and its account, if any.
pub type SignedIn<'a> = Option<(&'a Session, &'a Account)>;

impl Oidc {
    /// The error redirect for a request whose client and redirect URI are known.
    fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &OAuthError,
    ) -> String {
        let mut url = Url::parse(redirect_uri).expect("registered redirect URIs are URLs");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("error", error.code.as_str());
            q.append_pair("error_description", &error.description);
            if let Some(state) = state {
                q.append_pair("state", state);
            }
            q.append_pair("iss", self.issuer());
        }
        url.to_string()
    }

    /// Handles a pushed authorization request from an authenticated client: validates it and
    /// stores it; returns the request URI and its lifetime in seconds.
    pub async fn push_request(
        &self,
        client: &Client,
        params: &Params,
        dpop_jkt: Option<String>,
    ) -> Result<(String, i64), OAuthError> {
        let unpacked;
        let params = if params.iter().any(|(k, _)| k == "request") {
            unpacked = self.unpack_request_object(client, params).await?;
            &unpacked
        } else {
            params
        };
        if params.iter().any(|(k, _)| k == "request_uri") {
            return Err(OAuthError::request(
                "request_uri must not be sent to the PAR endpoint",
            ));
        }
        if let Some(id) = single(params, "client_id")?
            && id != client.client_id
        {
            return Err(OAuthError::request(
                "client_id does not match the authenticated client",
            ));
        }
        let redirect_uri = single(params, "redirect_uri")?
            .ok_or_else(|| OAuthError::request("the redirect_uri parameter is missing"))?;
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OAuthError::request(
                "the redirect_uri is not one the client registered (exact match)",
            ));
        }
        let request = self.parse_request(client, redirect_uri.to_owned(), params, dpop_jkt)?;
        if client.require_dpop && request.dpop_jkt.is_none() {
            return Err(OAuthError::request(
                "this client must bind its codes to a DPoP key (dpop_jkt or a DPoP proof)",
            ));
        }
        let id = dinhdanh_accounts::secret::token();
        let now = self.now();
        self.store_request(
            "par",
            &id,
            &client.client_id,
            &request,
            now,
            now + PAR_LIFETIME_SECONDS * 1000,
        )
        .await?;
        Ok((format!("{REQUEST_URI_PREFIX}{id}"), PAR_LIFETIME_SECONDS))
    }

    async fn store_request(
        &self,
        kind: &str,
        id: &str,
        client_id: &str,
        request: &AuthorizationRequest,
        started_at: i64,
        expires_at: i64,
    ) -> Result<(), OAuthError> {
        let body = serde_json::to_string(&Interaction {
            request: request.clone(),
            started_at,
        })
        .expect("a request serializes");
        write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_requests (id_hash, kind, client_id, request, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(kind)
            .bind(client_id)
            .bind(body)
            .bind(started_at)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// The authorization endpoint. `signed_in` is the browser's session and its account, if the
    /// browser has a live one (the web layer has read it already).
    pub async fn authorize(&self, params: &Params, signed_in: SignedIn<'_>) -> Outcome {
        let (client, request) = match self.resolve(params).await {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        self.evaluate(&client, request, self.now(), None, signed_in)
            .await
    }

    /// Turns the endpoint's parameters into a request: from a pushed request, or validated here.
    async fn resolve(
        &self,
        params: &Params,
    ) -> Result<(Arc<Client>, AuthorizationRequest), Outcome> {
        let request_uri = single(params, "request_uri").map_err(Outcome::Page)?;
        if let Some(request_uri) = request_uri {
            let client = self.named_client(params).await.map_err(Outcome::Page)?;
            let id = request_uri
                .strip_prefix(REQUEST_URI_PREFIX)
                .ok_or_else(|| {
                    Outcome::Page(OAuthError::new(
                        ErrorCode::InvalidRequestUri,
                        "request_uri must be one issued by the PAR endpoint",
                    ))
                })?;
            let stored = self
                .take_request("par", id, &client.client_id)
                .await
                .map_err(Outcome::Page)?
                .ok_or_else(|| {
                    Outcome::Page(OAuthError::new(
                        ErrorCode::InvalidRequestUri,
                        "the request_uri is unknown, expired or already used",
                    ))
                })?;
            return Ok((client, stored.request));
        }
        let unpacked;
        let params = if params.iter().any(|(k, _)| k == "request") {
            // RFC 9101 §5: client_id outside, everything else from the signed object only. Its
            // redirect URI is not trusted before the signature is, so errors here are shown.
            let client = self.named_client(params).await.map_err(Outcome::Page)?;
            unpacked = self
                .unpack_request_object(&client, params)
                .await
                .map_err(Outcome::Page)?;
            &unpacked
        } else {
            params
        };
        let (client, redirect_uri) = self.locate(params).await.map_err(Outcome::Page)?;
        let state = single(params, "state").ok().flatten();
        if client.require_par {
            let e = OAuthError::request("this client must push its authorization requests (PAR)");
            return Err(Outcome::Redirect(self.error_redirect(
                &redirect_uri,
                state,
                &e,
            )));
        }
        let request = self
            .parse_request(&client, redirect_uri.clone(), params, None)
            .map_err(|e| Outcome::Redirect(self.error_redirect(&redirect_uri, state, &e)))?;
        if client.require_dpop && request.dpop_jkt.is_none() {
            let e = OAuthError::request("this client must bind its codes to a DPoP key (dpop_jkt)");
            return Err(Outcome::Redirect(self.error_redirect(
                &redirect_uri,
                state,
                &e,
            )));
        }
        Ok((client, request))
    }

    /// Removes and returns a stored request of `kind` for `client_id` (once only).
    async fn take_request(
        &self,
        kind: &str,
        id: &str,
        client_id: &str,
    ) -> Result<Option<Interaction>, OAuthError> {
        #[derive(FromRow)]
        struct Row {
            request: String,
        }
        let now = self.now();
        let row: Option<Row> = write_on_db!(self, |pool| {
            sqlx::query_as(
                "DELETE FROM oidc_requests
                 WHERE id_hash = $1 AND kind = $2 AND client_id = $3 AND expires_at > $4
                 RETURNING request",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(kind)
            .bind(client_id)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| serde_json::from_str(&r.request).map_err(OAuthError::internal))
            .transpose()
    }

    /// Reads an interaction without consuming it.
    async fn interaction(
        &self,
        id: &str,
    ) -> Result<Option<(Arc<Client>, Interaction)>, OAuthError> {
        #[derive(FromRow)]
        struct Row {
            client_id: String,
            request: String,
        }
        let now = self.now();
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT client_id, request FROM oidc_requests
                 WHERE id_hash = $1 AND kind = 'interaction' AND expires_at > $2",
            )
            .bind(dinhdanh_accounts::secret::token_hash(id))
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let Some(client) = self.client(&row.client_id).await? else {
            return Ok(None);
        };
        let interaction = serde_json::from_str(&row.request).map_err(OAuthError::internal)?;
        Ok(Some((client, interaction)))
    }

    /// Continues an interaction after the citizen signed in.
    pub async fn resume(&self, interaction: &str, signed_in: SignedIn<'_>) -> Outcome {
        match self.interaction(interaction).await {
            Ok(Some((client, stored))) => {
                self.evaluate(
                    &client,
                    stored.request,
                    stored.started_at,
                    Some(interaction),
                    signed_in,
                )
                .await
            }
            Ok(None) => Outcome::Page(expired_interaction()),
            Err(e) => Outcome::Page(e),
        }
    }

    /// The origin of the redirect URI an interaction will answer at (`https://rp.example`), for
    /// the pages of that interaction: their forms end in a redirect there, and browsers check
    /// the whole redirect chain against the page's `form-action`.
    pub async fn interaction_return_origin(&self, interaction: &str) -> Option<String> {
        let (_, stored) = self.interaction(interaction).await.ok()??;
        origin_of(&stored.request.redirect_uri)
    }

    /// What the consent page shows, or where to go instead.
    pub async fn consent_view(
        &self,
        interaction: &str,
        signed_in: SignedIn<'_>,
    ) -> Result<ConsentView, Outcome> {
        let (client, stored) = match self.interaction(interaction).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(Outcome::Page(expired_interaction())),
            Err(e) => return Err(Outcome::Page(e)),
        };
        if signed_in.is_none() {
            return Err(self.resume(interaction, signed_in).await);
        }
        Ok(ConsentView {
            scopes: Scope::IDENTITY
                .into_iter()
                .filter(|s| stored.request.scopes.contains(s))
                .collect(),
            ui_locales: stored.request.ui_locales.clone(),
            client,
        })
    }

    /// Records the citizen's answer on the consent page.
    pub async fn decide_consent(
        &self,
        interaction: &str,
        signed_in: SignedIn<'_>,
        allow: bool,
    ) -> Outcome {
        let (client, stored) = match self.interaction(interaction).await {
            Ok(Some(found)) => found,
            Ok(None) => return Outcome::Page(expired_interaction()),
            Err(e) => return Outcome::Page(e),
        };
        let Some((_, account)) = signed_in else {
            return self.resume(interaction, signed_in).await;
        };
        let request = &stored.request;
        if !allow {
            let _ = self
                .take_request("interaction", interaction, &client.client_id)
                .await;
            let e = OAuthError::new(ErrorCode::AccessDenied, "the citizen did not consent");
            return Outcome::Redirect(self.error_redirect(
                &request.redirect_uri,
                request.state.as_deref(),
                &e,
            ));
        }
        if let Err(e) = self
            .record_consent(account.id, &client.client_id, &request.scopes)
            .await
        {
            return Outcome::Page(e);
        }
        let mut request = stored.request;
        request.prompt.consent = false;
        self.evaluate(
            &client,
            request,
            stored.started_at,
            Some(interaction),
            signed_in,
        )
        .await
    }

    /// Decides what happens to a validated request: sign-in, consent, or a code.
    async fn evaluate(
        &self,
        client: &Arc<Client>,
        request: AuthorizationRequest,
        started_at: i64,
        interaction: Option<&str>,
        signed_in: SignedIn<'_>,
    ) -> Outcome {
        let state = request.state.clone();
        let fail = |e: OAuthError| {
            Outcome::Redirect(self.error_redirect(&request.redirect_uri, state.as_deref(), &e))
        };
        let now = self.now();
        let required = request
            .acr
            .unwrap_or(Assurance::Low)
            .max(client.min_assurance);
        let usable = signed_in.filter(|(s, a)| {
            a.kind == AccountKind::Person && a.usable().is_ok() && s.assurance.is_some()
        });
        let fresh_enough = |s: &Session| {
            (!request.prompt.login || s.authenticated_at >= started_at)
                && request
                    .max_age
                    .is_none_or(|age| now - s.authenticated_at <= age * 1000)
        };
        let strong_enough = |s: &Session| s.assurance.is_some_and(|a| a >= required);
        let (session, account) = match usable {
            Some((s, a)) if fresh_enough(s) && strong_enough(s) => (s, a),
            other => {
                if request.prompt.none {
                    return fail(OAuthError::new(
                        ErrorCode::LoginRequired,
                        "the citizen must sign in (or sign in more strongly)",
                    ));
                }
                if let Some((s, a)) = other {
                    let tried_here = s.authenticated_at >= started_at && fresh_enough(s);
                    let can_reach = a.level == AccountLevel::Two || required == Assurance::Low;
                    if tried_here && !strong_enough(s) && !can_reach {
                        return fail(OAuthError::new(
                            ErrorCode::UnmetAuthenticationRequirements,
                            format!(
                                "the relying party needs the {} level, which an account \
                                 registered online cannot reach",
                                required.name()
                            ),
                        ));
                    }
                }
                let id = match self
                    .interaction_id(client, &request, started_at, interaction)
                    .await
                {
                    Ok(id) => id,
                    Err(e) => return Outcome::Page(e),
                };
                return Outcome::SignIn {
                    interaction: id,
                    login_hint: request.login_hint.clone(),
                    required,
                };
            }
        };
        let consented = match self.consented_scopes(account.id, &client.client_id).await {
            Ok(scopes) => scopes,
            Err(e) => return Outcome::Page(e),
        };
        let needs_consent =
            request.prompt.consent || !request.scopes.iter().all(|s| consented.contains(s));
        if needs_consent {
            if request.prompt.none {
                return fail(OAuthError::new(
                    ErrorCode::ConsentRequired,
                    "the citizen has not consented to this relying party's request",
                ));
            }
            let id = match self
                .interaction_id(client, &request, started_at, interaction)
                .await
            {
                Ok(id) => id,
                Err(e) => return Outcome::Page(e),
            };
            return Outcome::Consent { interaction: id };
        }
        match self
            .issue_code(client, &request, session, interaction)
            .await
        {
            Ok(code) => {
                let mut url =
                    Url::parse(&request.redirect_uri).expect("registered redirect URIs are URLs");
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("code", &code);
                    if let Some(state) = &request.state {
                        q.append_pair("state", state);
                    }
                    q.append_pair("iss", self.issuer());
                }
                Outcome::Redirect(url.to_string())
            }
            Err(e) => fail(e),
        }
    }

    async fn interaction_id(
        &self,
        client: &Client,
        request: &AuthorizationRequest,
        started_at: i64,
        existing: Option<&str>,
    ) -> Result<String, OAuthError> {
        if let Some(id) = existing {
            return Ok(id.to_owned());
        }
        let id = dinhdanh_accounts::secret::token();
        self.store_request(
            "interaction",
            &id,
            &client.client_id,
            request,
            started_at,
            started_at.max(self.now()) + INTERACTION_LIFETIME_MS,
        )
        .await?;
        Ok(id)
    }

    /// Issues a code; ends the interaction, if there was one, in the same transaction.
    async fn issue_code(
        &self,
        client: &Client,
        request: &AuthorizationRequest,
        session: &Session,
        interaction: Option<&str>,
    ) -> Result<String, OAuthError> {
        let code = dinhdanh_accounts::secret::token();
        let grant_id = dinhdanh_accounts::secret::token()[..22].to_owned();
        let details = CodeDetails {
            account_id: session.account_id,
            session: session.handle.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            nonce: request.nonce.clone(),
            scopes: request.scopes.clone(),
            claims: request.claims.clone(),
            acr: session.assurance.unwrap_or(Assurance::Low),
            amr: session.factors.iter().map(|f| f.amr().to_owned()).collect(),
            auth_time: session.authenticated_at / 1000,
            dpop_jkt: request.dpop_jkt.clone(),
        };
        let now = self.now();
        let write = crate::writes::Write::Code {
            code_hash: dinhdanh_accounts::secret::token_hash(&code),
            grant_id,
            client_id: client.client_id.clone(),
            details: serde_json::to_string(&details).expect("details serialize"),
            expires_at: now + CODE_LIFETIME_MS,
            interaction: interaction.map(dinhdanh_accounts::secret::token_hash),
        };
        self.write(write).await?;
        Ok(code)
    }
}

fn expired_interaction() -> OAuthError {
    OAuthError::request(
        "this sign-in request has expired or was already completed; start again from the service",
    )
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
pub fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.origin() {
        url::Origin::Tuple(..) => Some(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}
