//! The OpenID provider: how ministry portals, provinces, banks and businesses sign citizens in with
//! their e-ID and receive verified identity data.
//!
//! - Relying parties are registered by an operator ([`clients`]), with exact redirect URIs,
//!   `private_key_jwt` (or `client_secret_basic` for legacy systems), allowed scopes, a minimum
//!   level of assurance and pairwise subjects by default.
//! - Code flow only, PKCE S256 for every client, pushed authorization requests, the `iss`
//!   response parameter ([`authorize`]).
//! - Tokens: authorization code, refresh with rotation and family revocation on reuse, client
//!   credentials; access tokens are JWTs (RFC 9068) ([`token`]).
//! - Signing keys live in the database, one current key per algorithm, rotated with overlap
//!   ([`keys`]); signing and verification run on aws-lc-rs ([`jose`]).
//!
//! Everything several nodes must share — codes, pushed requests, interactions, refresh families,
//! used assertion IDs, consent — is in the database; single-use things are consumed by one
//! conditional `UPDATE` or `DELETE`, so they are used once even under concurrency.
#![forbid(unsafe_code)]

pub mod authorize;
pub mod clients;
mod consent;
mod db;
pub mod dpop;
pub mod error;
pub mod introspect;
pub mod jose;
pub mod keys;
pub mod logout;
mod record;
pub mod request;
pub mod scope;
mod sweep;
pub mod token;
pub mod tokens;
mod writes;

use std::sync::{Arc, RwLock};

use dinhdanh_accounts::Accounts;
use dinhdanh_registry::Registry;
use dinhdanh_store::Db;

pub use authorize::{ConsentView, Outcome};
pub use clients::{Client, ClientRegistration, Registered};
pub use error::{AdminError, ErrorCode, OAuthError};
pub use scope::Scope;
pub use token::{ClientAuth, TokenRequest, TokenResponse};
pub use tokens::{AccessToken, Presented};

use crate::db::on_db;

/// At most this many writes share one SQLite commit.
const GROUP_COMMIT_MAX: usize = 256;

/// How the provider is configured.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer: the public origin, without a trailing slash (`https://id.example.vn`).
    pub issuer: String,
    /// Accept `http://` loopback redirect URIs (development only; on when the issuer itself is
    /// plain HTTP on a loopback host).
    pub allow_loopback_http: bool,
    /// Whom the provider trusts when it calls relying parties over HTTPS (back-channel logout,
    /// `jwks_uri`): the system's roots unless the operator added a CA file.
    pub tls: dinhdanh_http::ClientTls,
}

impl OidcSettings {
    /// Settings for an issuer, trusting the system's roots; loopback HTTP redirect URIs are
    /// allowed only when the issuer is itself served over plain HTTP on a loopback host.
    pub fn for_issuer(issuer: &str) -> OidcSettings {
        let issuer = issuer.trim_end_matches('/').to_owned();
        let allow_loopback_http = url::Url::parse(&issuer).is_ok_and(|u| {
            u.scheme() == "http"
                && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
        });
        OidcSettings {
            issuer,
            allow_loopback_http,
            tls: dinhdanh_http::ClientTls::system(),
        }
    }
}

/// The OpenID provider capability.
#[derive(Clone)]
pub struct Oidc {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    accounts: Accounts,
    registry: Registry,
    settings: OidcSettings,
    keys: RwLock<Option<Arc<keys::KeySet>>>,
    clients: clients::ClientMemory,
    remote_jwks: token::RemoteJwks,
    pairwise_key: tokio::sync::OnceCell<Vec<u8>>,
    sqlite_writes: Arc<tokio::sync::Mutex<()>>,
    /// The hot writes on SQLite share commits (see `writes`).
    writes: Option<dinhdanh_store::group::GroupCommit<writes::Write>>,
    http: reqwest::Client,
    /// Where released claims are recorded (set once by the server).
    ledger: std::sync::OnceLock<dinhdanh_ledger::Ledger>,
    /// Access tokens whose signature this node has checked.
    verified: tokens::VerifiedTokens,
}

impl Oidc {
    /// Records every release of a citizen's claims (in an ID token or at userinfo) in `ledger`
    /// before the claims leave. Set once; later calls are ignored.
    pub fn record_releases_in(&self, ledger: dinhdanh_ledger::Ledger) {
        let _ = self.inner.ledger.set(ledger);
    }

    /// Builds the provider over a migrated database; keys are loaded (or created) on first use.
    pub fn new(db: &Db, accounts: Accounts, settings: OidcSettings) -> Oidc {
        let http = settings
            .tls
            .client_builder()
            .timeout(std::time::Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client over a ready TLS configuration");
        let sqlite_writes = accounts.sqlite_write_gate();
        let writes = match db {
            Db::Sqlite(pool) => Some(dinhdanh_store::group::GroupCommit::new(
                pool.clone(),
                sqlite_writes.clone(),
                GROUP_COMMIT_MAX,
            )),
            Db::Postgres(_) => None,
        };
        Oidc {
            inner: Arc::new(Inner {
                db: db.clone(),
                registry: accounts.registry().clone(),
                sqlite_writes,
                writes,
                accounts,
                settings,
                keys: RwLock::new(None),
                clients: clients::ClientMemory::default(),
                remote_jwks: token::RemoteJwks::default(),
                pairwise_key: tokio::sync::OnceCell::new(),
                http,
                ledger: std::sync::OnceLock::new(),
                verified: tokens::VerifiedTokens::default(),
            }),
        }
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.inner.settings.issuer
    }

    /// The discovery document (OpenID Connect Discovery 1.0, RFC 8414).
    pub fn discovery(&self) -> serde_json::Value {
        let iss = self.issuer();
        let algs: Vec<&str> = jose::Alg::ALL.iter().map(|a| a.name()).collect();
        serde_json::json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/authorize"),
            "pushed_authorization_request_endpoint": format!("{iss}/par"),
            "token_endpoint": format!("{iss}/token"),
            "userinfo_endpoint": format!("{iss}/userinfo"),
                        "jwks_uri": format!("{iss}/jwks"),
            "introspection_endpoint": format!("{iss}/introspect"),
            "revocation_endpoint": format!("{iss}/revoke"),
            "end_session_endpoint": format!("{iss}/session/end"),
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
            "dpop_signing_alg_values_supported": algs,
            "introspection_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "revocation_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "scopes_supported": Scope::IDENTITY.iter().map(Scope::as_str).collect::<Vec<_>>(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["pairwise", "public"],
            "id_token_signing_alg_values_supported": algs,
            "userinfo_signing_alg_values_supported": [],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "token_endpoint_auth_signing_alg_values_supported": algs,
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": Scope::IDENTITY.iter().flat_map(|s| s.claims().iter().copied())
                .chain(["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid"])
                .collect::<Vec<_>>(),
            "claims_parameter_supported": true,
                        "request_parameter_supported": true,
            "request_object_signing_alg_values_supported": algs,
            "request_uri_parameter_supported": false,
            "require_pushed_authorization_requests": false,
            "authorization_response_iss_parameter_supported": true,
            "acr_values_supported": [
                dinhdanh_accounts::Assurance::Low.acr(),
                dinhdanh_accounts::Assurance::Substantial.acr(),
                dinhdanh_accounts::Assurance::High.acr(),
            ],
            "prompt_values_supported": ["none", "login", "consent"],
            "ui_locales_supported": ["vi", "en"],
            "claim_types_supported": ["normal"],
        })
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn now(&self) -> i64 {
        self.inner.accounts.clock().now_ms()
    }

    /// The key that derives pairwise subjects, created by the first node that needs it.
    async fn pairwise_key(&self) -> Result<&[u8], sqlx::Error> {
        let key = self
            .inner
            .pairwise_key
            .get_or_try_init(|| async {
                let fresh = [
                    dinhdanh_accounts::secret::salt(),
                    dinhdanh_accounts::secret::salt(),
                ]
                .concat();
                let now = self.now();
                let key: (Vec<u8>,) = on_db!(self.db(), |pool| {
                    sqlx::query(
                        "INSERT INTO server_secrets (name, secret, created_at)
                         VALUES ('oidc-pairwise', $1, $2) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(&fresh)
                    .bind(now)
                    .execute(pool)
                    .await?;
                    sqlx::query_as("SELECT secret FROM server_secrets WHERE name = 'oidc-pairwise'")
                        .fetch_one(pool)
                        .await?
                });
                Ok::<_, sqlx::Error>(key.0)
            })
            .await?;
        Ok(key.as_slice())
    }
}
