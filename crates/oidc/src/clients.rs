//! Relying parties: registration by an operator, validation of what they declare, and a short
//! per-node memory of them (clients are read on every request and change rarely).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dinhdanh_accounts::Assurance;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::FromRow;
use url::Url;

use crate::Oidc;
use crate::db::{on_db, write_on_db};
use crate::error::AdminError;
use crate::jose::{self, Alg};
use crate::scope::Scope;

/// How long a node trusts its copy of a client's registration.
pub const CLIENT_MEMORY: Duration = Duration::from_secs(10);

pub use dinhdanh_domain::Texts;

/// How a client authenticates at the token, PAR, introspection and revocation endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A JWT signed with the client's key (RFC 7523): the default.
    PrivateKeyJwt,
    /// HTTP Basic with a secret we generated: for legacy clients only.
    ClientSecretBasic,
}

impl AuthMethod {
    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// What `sub` a client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    /// Different for every sector, so relying parties cannot link a citizen by `sub`: the default.
    Pairwise,
    /// The same for every client.
    Public,
}

/// The grants a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// Code flow.
    AuthorizationCode,
    /// Refresh tokens (issued with codes when allowed).
    RefreshToken,
    /// Agency-to-agency calls without a citizen.
    ClientCredentials,
}

/// Token lifetimes in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifetimes {
    /// Access tokens.
    pub access_token: u32,
    /// ID tokens.
    pub id_token: u32,
    /// A refresh family, from the authorization.
    pub refresh_token: u32,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access_token: 300,
            id_token: 300,
            refresh_token: 30 * 24 * 3600,
        }
    }
}

/// What an operator submits to register a client (CLI file or API body). Unknown fields are
/// refused, so that a misspelt setting is not silently ignored.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRegistration {
    /// The client ID; generated when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The name shown to citizens.
    pub name: Texts,
    /// Why the relying party asks for the citizen's data, shown on the consent page.
    pub purpose: Texts,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may return to.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// `private_key_jwt` (default) or `client_secret_basic`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<AuthMethod>,
    /// The client's public keys (for `private_key_jwt`, request objects).
    #[serde(default)]
    pub jwks: Option<Value>,
    /// Or where to fetch them.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Scopes the client may ask for.
    pub scopes: Vec<String>,
    /// The lowest level of assurance the client accepts (`low`, `substantial`, `high`).
    #[serde(default)]
    pub min_acr: Option<String>,
    /// The security level (1–5) of the client's information system, Decree 85/2016/ND-CP.
    pub security_level: u8,
    /// `pairwise` (default) or `public`.
    #[serde(default)]
    pub subject_type: Option<SubjectType>,
    /// The sector for pairwise subjects; defaults to the host of the redirect URIs.
    #[serde(default)]
    pub sector_identifier: Option<String>,
    /// Allowed grants; default: code and refresh.
    #[serde(default)]
    pub grant_types: Option<Vec<GrantType>>,
    /// Token lifetimes.
    #[serde(default)]
    pub lifetimes: Option<Lifetimes>,
    /// Back-channel logout endpoint.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// Pushed authorization requests required.
    #[serde(default)]
    pub require_par: bool,
    /// DPoP-bound tokens required.
    #[serde(default)]
    pub require_dpop: bool,
    /// ID token signing algorithm; default ES256.
    #[serde(default)]
    pub id_token_signed_response_alg: Option<Alg>,
}

/// A registered relying party, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// The client ID.
    pub client_id: String,
    /// Its name.
    pub name: Texts,
    /// Its stated purpose.
    pub purpose: Texts,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// RP-initiated logout targets.
    pub post_logout_redirect_uris: Vec<String>,
    /// How it authenticates.
    pub auth_method: AuthMethod,
    /// Its keys.
    pub jwks: Option<Value>,
    /// Or where they are.
    pub jwks_uri: Option<String>,
    /// Scopes it may ask for.
    pub scopes: BTreeSet<Scope>,
    /// The lowest level it accepts.
    pub min_assurance: Assurance,
    /// Decree 85/2016 security level, 1–5.
    pub security_level: u8,
    /// Pairwise or public subjects.
    pub subject_type: SubjectType,
    /// The pairwise sector.
    pub sector: String,
    /// Allowed grants.
    pub grant_types: BTreeSet<GrantType>,
    /// Token lifetimes.
    pub lifetimes: Lifetimes,
    /// Back-channel logout endpoint.
    pub backchannel_logout_uri: Option<String>,
    /// PAR required.
    pub require_par: bool,
    /// DPoP required.
    pub require_dpop: bool,
    /// ID token algorithm.
    pub id_token_alg: Alg,
}

impl Client {
    /// Whether the client may use `grant`.
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// The name in the page's language.
    pub fn name_in(&self, vietnamese: bool) -> &str {
        if vietnamese {
            &self.name.vi
        } else {
            &self.name.en
        }
    }
}

/// A new client and, for `client_secret_basic`, its secret (shown once, stored only hashed).
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    /// The client.
    pub client: Client,
    /// The secret, when the client uses one.
    pub client_secret: Option<String>,
}

/// Validation rules that depend on the deployment.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationPolicy {
    /// Accept `http://` redirect URIs on loopback hosts (development).
    pub allow_loopback_http: bool,
}

/// Checks a registration and turns it into a [`Client`].
pub fn validate(reg: ClientRegistration, policy: RegistrationPolicy) -> Result<Client, AdminError> {
    let client_id = match reg.client_id {
        Some(id) => {
            let ok = (3..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !ok {
                return Err(AdminError::invalid(
                    "client_id",
                    "3 to 64 characters: letters, digits, '.', '_' or '-'",
                ));
            }
            id
        }
        None => format!("rp_{}", &dinhdanh_accounts::secret::token()[..22]),
    };
    for (field, text) in [
        ("name.vi", &reg.name.vi),
        ("name.en", &reg.name.en),
        ("purpose.vi", &reg.purpose.vi),
        ("purpose.en", &reg.purpose.en),
    ] {
        let length = text.trim().chars().count();
        if length == 0 || length > 300 {
            return Err(AdminError::invalid(field, "between 1 and 300 characters"));
        }
    }
    let grant_types: BTreeSet<GrantType> = reg
        .grant_types
        .unwrap_or_else(|| vec![GrantType::AuthorizationCode, GrantType::RefreshToken])
        .into_iter()
        .collect();
    if grant_types.is_empty() {
        return Err(AdminError::invalid(
            "grant_types",
            "at least one grant type",
        ));
    }
    if grant_types.contains(&GrantType::RefreshToken)
        && !grant_types.contains(&GrantType::AuthorizationCode)
    {
        return Err(AdminError::invalid(
            "grant_types",
            "refresh_token comes only with authorization_code",
        ));
    }
    let redirect_uris = reg
        .redirect_uris
        .iter()
        .map(|u| redirect_uri(u, policy).map_err(|m| AdminError::invalid("redirect_uris", m)))
        .collect::<Result<Vec<_>, _>>()?;
    if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(AdminError::invalid(
            "redirect_uris",
            "at least one redirect URI for the code flow",
        ));
    }
    let post_logout_redirect_uris = reg
        .post_logout_redirect_uris
        .iter()
        .map(|u| {
            redirect_uri(u, policy).map_err(|m| AdminError::invalid("post_logout_redirect_uris", m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let backchannel_logout_uri = reg
        .backchannel_logout_uri
        .as_deref()
        .map(|u| {
            redirect_uri(u, policy).map_err(|m| AdminError::invalid("backchannel_logout_uri", m))
        })
        .transpose()?;
    let auth_method = reg
        .token_endpoint_auth_method
        .unwrap_or(AuthMethod::PrivateKeyJwt);
    if let Some(jwks) = &reg.jwks {
        check_jwks(jwks)?;
    }
    let jwks_uri = reg
        .jwks_uri
        .as_deref()
        .map(|u| {
            let url = Url::parse(u).map_err(|e| AdminError::invalid("jwks_uri", e.to_string()))?;
            if url.scheme() != "https" && !(policy.allow_loopback_http && is_loopback(&url)) {
                return Err(AdminError::invalid("jwks_uri", "must be https"));
            }
            Ok(url.to_string())
        })
        .transpose()?;
    if reg.jwks.is_some() && jwks_uri.is_some() {
        return Err(AdminError::invalid(
            "jwks",
            "give jwks or jwks_uri, not both",
        ));
    }
    if auth_method == AuthMethod::PrivateKeyJwt && reg.jwks.is_none() && jwks_uri.is_none() {
        return Err(AdminError::invalid(
            "jwks",
            "private_key_jwt needs the client's public keys (jwks or jwks_uri)",
        ));
    }
    let scopes = reg
        .scopes
        .iter()
        .map(|s| Scope::parse(s).map_err(|m| AdminError::invalid("scopes", m)))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if grant_types.contains(&GrantType::AuthorizationCode) && !scopes.contains(&Scope::OpenId) {
        return Err(AdminError::invalid(
            "scopes",
            "a client of the code flow must be allowed the openid scope",
        ));
    }
    let min_assurance = match reg.min_acr.as_deref() {
        None => Assurance::Low,
        Some(text) => crate::scope::parse_acr(text).ok_or_else(|| {
            AdminError::invalid("min_acr", "low, substantial or high (or the eIDAS URI)")
        })?,
    };
    if !(1..=5).contains(&reg.security_level) {
        return Err(AdminError::invalid(
            "security_level",
            "the Decree 85/2016 security level, 1 to 5",
        ));
    }
    let subject_type = reg.subject_type.unwrap_or(SubjectType::Pairwise);
    let sector = match reg.sector_identifier {
        Some(sector) if !sector.trim().is_empty() => sector.trim().to_owned(),
        Some(_) => return Err(AdminError::invalid("sector_identifier", "is empty")),
        None => {
            let hosts: BTreeSet<String> = redirect_uris
                .iter()
                .filter_map(|u| Url::parse(u).ok()?.host_str().map(str::to_owned))
                .collect();
            match hosts.len() {
                0 => client_id.clone(),
                1 => hosts.into_iter().next().expect("one host"),
                _ => {
                    return Err(AdminError::invalid(
                        "sector_identifier",
                        "the redirect URIs have several hosts: name the sector they share",
                    ));
                }
            }
        }
    };
    let lifetimes = reg.lifetimes.unwrap_or_default();
    if !(30..=3600).contains(&lifetimes.access_token) || !(30..=3600).contains(&lifetimes.id_token)
    {
        return Err(AdminError::invalid(
            "lifetimes",
            "access and ID tokens live 30 s to 1 h",
        ));
    }
    if !(300..=90 * 24 * 3600).contains(&lifetimes.refresh_token) {
        return Err(AdminError::invalid(
            "lifetimes",
            "a refresh family lives 5 minutes to 90 days",
        ));
    }
    Ok(Client {
        client_id,
        name: trimmed(reg.name),
        purpose: trimmed(reg.purpose),
        redirect_uris,
        post_logout_redirect_uris,
        auth_method,
        jwks: reg.jwks,
        jwks_uri,
        scopes,
        min_assurance,
        security_level: reg.security_level,
        subject_type,
        sector,
        grant_types,
        lifetimes,
        backchannel_logout_uri,
        require_par: reg.require_par,
        require_dpop: reg.require_dpop,
        id_token_alg: reg.id_token_signed_response_alg.unwrap_or(Alg::ES256),
    })
}

fn trimmed(t: Texts) -> Texts {
    Texts {
        vi: t.vi.trim().to_owned(),
        en: t.en.trim().to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A redirect URI as registered: absolute, https (or http on loopback in development), no
/// fragment, no user information. It is kept exactly as written and matched exactly.
fn redirect_uri(text: &str, policy: RegistrationPolicy) -> Result<String, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not an absolute URL: {e}"))?;
    let scheme_ok = url.scheme() == "https"
        || (url.scheme() == "http" && policy.allow_loopback_http && is_loopback(&url));
    if !scheme_ok {
        return Err(format!("{text:?} must use https"));
    }
    if url.fragment().is_some() {
        return Err(format!("{text:?} must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{text:?} must not carry user information"));
    }
    if text.contains('*') {
        return Err(format!("{text:?}: wildcards are not allowed"));
    }
    Ok(text.to_owned())
}

fn check_jwks(jwks: &Value) -> Result<(), AdminError> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| AdminError::invalid("jwks", "a JWK Set: {\"keys\": [...]}"))?;
    if keys.is_empty() {
        return Err(AdminError::invalid("jwks", "no keys"));
    }
    for key in keys {
        if jose::has_private_members(key) {
            return Err(AdminError::invalid(
                "jwks",
                "a key has private members: register public keys only",
            ));
        }
        jose::PublicKey::from_jwk(key).map_err(|e| AdminError::invalid("jwks", e.to_string()))?;
    }
    Ok(())
}

#[derive(FromRow)]
struct ClientRow {
    metadata: String,
    secret_hash: Option<Vec<u8>>,
}

/// A client as a node remembers it.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    pub client: Arc<Client>,
    pub secret_hash: Option<Vec<u8>>,
    at: Instant,
}

/// The per-node memory of clients.
#[derive(Debug, Default)]
pub(crate) struct ClientMemory {
    entries: std::sync::Mutex<BTreeMap<String, Remembered>>,
}

impl Oidc {
    /// Registers a client. For `client_secret_basic` a secret is generated and returned once.
    pub async fn register_client(&self, reg: ClientRegistration) -> Result<Registered, AdminError> {
        let client = validate(reg, self.registration_policy())?;
        let secret = (client.auth_method == AuthMethod::ClientSecretBasic)
            .then(dinhdanh_accounts::secret::token);
        let secret_hash = secret.as_deref().map(dinhdanh_accounts::secret::token_hash);
        let metadata = serde_json::to_string(&client).expect("a client serializes");
        let now = self.now();
        let inserted = write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_clients (client_id, metadata, secret_hash, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(&client.client_id)
            .bind(&metadata)
            .bind(secret_hash)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Err(AdminError::Exists(client.client_id));
        }
        // A client may ask for any algorithm; make sure a key exists for the one it chose.
        self.keys().await?;
        Ok(Registered {
            client,
            client_secret: secret,
        })
    }

    /// Replaces a client's registration (its secret stays).
    pub async fn update_client(
        &self,
        client_id: &str,
        mut reg: ClientRegistration,
    ) -> Result<Client, AdminError> {
        reg.client_id = Some(client_id.to_owned());
        let client = validate(reg, self.registration_policy())?;
        let metadata = serde_json::to_string(&client).expect("a client serializes");
        let now = self.now();
        let updated = write_on_db!(self, |pool| {
            sqlx::query(
                "UPDATE oidc_clients SET metadata = $2, updated_at = $3
                 WHERE client_id = $1 AND disabled_at IS NULL",
            )
            .bind(client_id)
            .bind(&metadata)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            return Err(AdminError::NotFound(client_id.to_owned()));
        }
        self.inner.clients.forget(client_id);
        Ok(client)
    }

    /// Disables a client: it can no longer authenticate or start flows, and every grant it holds
    /// is revoked.
    pub async fn disable_client(&self, client_id: &str) -> Result<(), AdminError> {
        let now = self.now();
        let updated = crate::db::write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE oidc_clients SET disabled_at = $2 WHERE client_id = $1 AND disabled_at IS NULL",
            )
            .bind(client_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE oidc_grants SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
            )
            .bind(client_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            n
        });
        if updated == 0 {
            return Err(AdminError::NotFound(client_id.to_owned()));
        }
        self.inner.clients.forget(client_id);
        Ok(())
    }

    /// Every enabled client.
    pub async fn clients(&self) -> Result<Vec<Client>, AdminError> {
        let rows: Vec<ClientRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT metadata, secret_hash FROM oidc_clients WHERE disabled_at IS NULL
                 ORDER BY client_id",
            )
            .fetch_all(pool)
            .await?
        });
        rows.iter()
            .map(|r| {
                serde_json::from_str(&r.metadata)
                    .map_err(|e| AdminError::invalid("metadata", e.to_string()))
            })
            .collect()
    }

    /// An enabled client, from memory when recently read.
    pub(crate) async fn remembered_client(
        &self,
        client_id: &str,
    ) -> Result<Option<Remembered>, sqlx::Error> {
        if let Some(found) = self.inner.clients.get(client_id) {
            return Ok(Some(found));
        }
        let row: Option<ClientRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT metadata, secret_hash FROM oidc_clients
                 WHERE client_id = $1 AND disabled_at IS NULL",
            )
            .bind(client_id)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let client: Client =
            serde_json::from_str(&row.metadata).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let entry = Remembered {
            client: Arc::new(client),
            secret_hash: row.secret_hash,
            at: Instant::now(),
        };
        self.inner.clients.put(client_id, entry.clone());
        Ok(Some(entry))
    }

    /// An enabled client.
    pub async fn client(&self, client_id: &str) -> Result<Option<Arc<Client>>, sqlx::Error> {
        Ok(self.remembered_client(client_id).await?.map(|r| r.client))
    }

    fn registration_policy(&self) -> RegistrationPolicy {
        RegistrationPolicy {
            allow_loopback_http: self.inner.settings.allow_loopback_http,
        }
    }
}

impl ClientMemory {
    fn get(&self, client_id: &str) -> Option<Remembered> {
        let entries = self.entries.lock().expect("client memory");
        entries
            .get(client_id)
            .filter(|e| e.at.elapsed() < CLIENT_MEMORY)
            .cloned()
    }

    fn put(&self, client_id: &str, entry: Remembered) {
        let mut entries = self.entries.lock().expect("client memory");
        if entries.len() > 10_000 {
            entries.retain(|_, e| e.at.elapsed() < CLIENT_MEMORY);
        }
        entries.insert(client_id.to_owned(), entry);
    }

    fn forget(&self, client_id: &str) {
        self.entries
            .lock()
            .expect("client memory")
            .remove(client_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registration() -> ClientRegistration {
        serde_json::from_value(json!({
            "client_id": "portal.example",
            "name": {"vi": "Cổng dịch vụ", "en": "Service portal"},
            "purpose": {"vi": "Đăng nhập", "en": "Sign-in"},
            "redirect_uris": ["https://portal.example.vn/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["openid", "profile"],
            "security_level": 3
        }))
        .expect("a registration")
    }

    const DEV: RegistrationPolicy = RegistrationPolicy {
        allow_loopback_http: true,
    };
    const PROD: RegistrationPolicy = RegistrationPolicy {
        allow_loopback_http: false,
    };

    #[test]
    fn defaults_are_the_strict_ones() {
        let client = validate(registration(), PROD).expect("valid");
        assert_eq!(client.subject_type, SubjectType::Pairwise);
        assert_eq!(client.sector, "portal.example.vn");
        assert_eq!(client.id_token_alg, Alg::ES256);
        assert_eq!(client.min_assurance, Assurance::Low);
        assert!(client.allows(GrantType::AuthorizationCode));
        assert!(client.allows(GrantType::RefreshToken));
        assert!(!client.allows(GrantType::ClientCredentials));
    }

    #[test]
    fn redirect_uris_must_be_https_except_loopback_in_development() {
        for (uri, dev_ok, prod_ok) in [
            ("https://a.example/cb", true, true),
            ("http://127.0.0.1:9/cb", true, false),
            ("http://localhost/cb", true, false),
            ("http://a.example/cb", false, false),
            ("https://a.example/cb#x", false, false),
            ("https://u:p@a.example/cb", false, false),
            ("https://*.example/cb", false, false),
            ("/cb", false, false),
        ] {
            let mut reg = registration();
            reg.redirect_uris = vec![uri.into()];
            assert_eq!(
                validate(reg.clone(), DEV).is_ok(),
                dev_ok,
                "{uri} in development"
            );
            assert_eq!(validate(reg, PROD).is_ok(), prod_ok, "{uri} in production");
        }
    }

    #[test]
    fn private_key_jwt_needs_public_keys_only() {
        let mut reg = registration();
        reg.token_endpoint_auth_method = Some(AuthMethod::PrivateKeyJwt);
        assert!(matches!(
            validate(reg.clone(), PROD),
            Err(AdminError::Invalid { field: "jwks", .. })
        ));
        let (key, _) = crate::jose::SigningKey::generate(Alg::ES256).expect("key");
        let mut private = key.public_jwk().clone();
        private["d"] = json!("AAAA");
        reg.jwks = Some(json!({"keys": [private]}));
        assert!(matches!(
            validate(reg.clone(), PROD),
            Err(AdminError::Invalid { field: "jwks", .. })
        ));
        reg.jwks = Some(json!({"keys": [key.public_jwk()]}));
        assert!(validate(reg, PROD).is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        let cases: Vec<(&str, Value)> = vec![
            ("security_level", json!(0)),
            ("security_level", json!(6)),
            ("scopes", json!(["openid", "everything"])),
            ("scopes", json!(["profile"])),
            ("min_acr", json!("medium")),
            ("client_id", json!("a b")),
        ];
        for (field, value) in cases {
            let mut raw = serde_json::to_value(registration()).expect("json");
            raw[field] = value.clone();
            let reg: ClientRegistration = serde_json::from_value(raw).expect("shape");
            match validate(reg, PROD) {
                Err(AdminError::Invalid { field: f, .. }) => assert_eq!(f, field, "{value}"),
                other => panic!("{field}={value}: {other:?}"),
            }
        }
        let mut raw = serde_json::to_value(registration()).expect("json");
        raw["redirect_uri"] = json!("typo");
        assert!(serde_json::from_value::<ClientRegistration>(raw).is_err());
    }

    #[test]
    fn several_hosts_need_a_named_sector() {
        let mut reg = registration();
        reg.redirect_uris = vec!["https://a.example/cb".into(), "https://b.example/cb".into()];
        assert!(matches!(
            validate(reg.clone(), PROD),
            Err(AdminError::Invalid {
                field: "sector_identifier",
                ..
            })
        ));
        reg.sector_identifier = Some("example".into());
        assert_eq!(validate(reg, PROD).expect("valid").sector, "example");
    }
}
