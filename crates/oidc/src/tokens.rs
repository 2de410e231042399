//! Minting tokens — access tokens as JWTs (RFC 9068), ID tokens — and answering userinfo.
//!
//! Claims come from the population registry at the moment of issue, chosen by scope; `sub` is
//! pairwise by default: HMAC-SHA256 of the client's sector and the account under a server key, so
//! two relying parties of different sectors see unrelated subjects for the same citizen.

use std::collections::BTreeSet;

use dinhdanh_accounts::{Assurance, Holder};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use sqlx::FromRow;

use crate::Oidc;
use crate::clients::{Client, SubjectType};
use crate::db::on_db;
use crate::error::{ErrorCode, OAuthError};
use crate::jose::{self, Alg, Jws};
use crate::record::RpEntry;
use crate::scope::{self, Scope};
use crate::token::TokenResponse;

/// What a grant remembers of the authentication behind it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GrantDetails {
    pub acr: Assurance,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub claims: Option<Value>,
}

impl Default for GrantDetails {
    fn default() -> Self {
        GrantDetails {
            acr: Assurance::Low,
            amr: Vec::new(),
            auth_time: 0,
            claims: None,
        }
    }
}

/// Everything needed to mint one token response.
pub(crate) struct Minted {
    pub grant_id: Option<String>,
    pub account: Option<Holder>,
    pub scopes: BTreeSet<Scope>,
    pub grant: GrantDetails,
    pub nonce: Option<String>,
    pub session: Option<String>,
    /// The DPoP key the access token is bound to.
    pub dpop_jkt: Option<String>,
}

impl Oidc {
    /// The `sub` a client sees for an account.
    pub async fn subject(&self, client: &Client, account_id: i64) -> Result<String, OAuthError> {
        let key = self.pairwise_key().await?;
        let sector = match client.subject_type {
            SubjectType::Pairwise => client.sector.as_str(),
            SubjectType::Public => "",
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(sector.as_bytes());
        mac.update(b"\n");
        mac.update(account_id.to_string().as_bytes());
        Ok(jose::b64(mac.finalize().into_bytes()))
    }

    /// Signs the tokens of a grant and builds the response.
    pub(crate) async fn respond(
        &self,
        client: &Client,
        minted: Minted,
        refresh_token: Option<String>,
    ) -> Result<TokenResponse, OAuthError> {
        let keys = self.keys().await.map_err(OAuthError::internal)?;
        let now = self.now() / 1000;
        let access_life = client.lifetimes.access_token;
        let scope_text = scope::join(&minted.scopes);
        let sub = match &minted.account {
            Some(account) => self.subject(client, account.id).await?,
            None => client.client_id.clone(),
        };
        let mut access = json!({
            "iss": self.issuer(),
            "sub": sub,
            "aud": self.issuer(),
            "client_id": client.client_id,
            "scope": scope_text,
            "iat": now,
            "exp": now + i64::from(access_life),
            "jti": dinhdanh_accounts::secret::token()[..22],
        });
        if let Some(jkt) = &minted.dpop_jkt {
            access["cnf"] = json!({"jkt": jkt});
        }
        if let Some(grant_id) = &minted.grant_id {
            access["gid"] = json!(grant_id);
            access["auth_time"] = json!(minted.grant.auth_time);
            access["acr"] = json!(minted.grant.acr.acr());
            access["amr"] = json!(minted.grant.amr);
        }
        let signer = keys
            .signer(Alg::ES256)
            .ok_or_else(|| OAuthError::internal("no ES256 key"))?;
        let access_token = signer.sign("at+jwt", &access);
        let id_token = match (&minted.account, minted.scopes.contains(&Scope::OpenId)) {
            (Some(account), true) => {
                let mut claims = Map::new();
                claims.insert("iss".into(), json!(self.issuer()));
                claims.insert("sub".into(), json!(sub));
                claims.insert("aud".into(), json!(client.client_id));
                claims.insert("azp".into(), json!(client.client_id));
                claims.insert("iat".into(), json!(now));
                claims.insert(
                    "exp".into(),
                    json!(now + i64::from(client.lifetimes.id_token)),
                );
                claims.insert("auth_time".into(), json!(minted.grant.auth_time));
                claims.insert("acr".into(), json!(minted.grant.acr.acr()));
                claims.insert("amr".into(), json!(minted.grant.amr));
                if let Some(nonce) = &minted.nonce {
                    claims.insert("nonce".into(), json!(nonce));
                }
                if let Some(session) = &minted.session {
                    claims.insert("sid".into(), json!(session));
                }
                let identity = self.identity_claims(account, &minted.scopes).await?;
                self.record_release(client, account, &identity, "id_token")
                    .await?;
                claims.extend(identity);
                let key = keys
                    .signer(client.id_token_alg)
                    .ok_or_else(|| OAuthError::internal("no key for the client's algorithm"))?;
                Some(key.sign("JWT", &Value::Object(claims)))
            }
            _ => None,
        };
        Ok(TokenResponse {
            access_token,
            token_type: if minted.dpop_jkt.is_some() {
                "DPoP"
            } else {
                "Bearer"
            },
            expires_in: access_life,
            scope: scope_text,
            refresh_token,
            id_token,
        })
    }

    /// The registry's data about the account holder that `scopes` release.
    async fn identity_claims(
        &self,
        account: &Holder,
        scopes: &BTreeSet<Scope>,
    ) -> Result<Map<String, Value>, OAuthError> {
        let mut claims = Map::new();
        let needs_registry = scopes
            .iter()
            .any(|s| matches!(s, Scope::Profile | Scope::Address | Scope::PersonalId));
        let person = match (&account.personal_id, needs_registry) {
            (Some(id), true) => Some(
                self.inner
                    .registry
                    .person(*id)
                    .await
                    .map_err(OAuthError::internal)?
                    .person,
            ),
            _ => None,
        };
        if let Some(person) = &person {
            if scopes.contains(&Scope::Profile) {
                claims.insert("name".into(), json!(person.name.full()));
                claims.insert("family_name".into(), json!(person.name.family()));
                if !person.name.middle().is_empty() {
                    claims.insert("middle_name".into(), json!(person.name.middle()));
                }
                claims.insert("given_name".into(), json!(person.name.given()));
                claims.insert(
                    "birthdate".into(),
                    json!(person.birth_date.format("%Y-%m-%d").to_string()),
                );
                claims.insert(
                    "gender".into(),
                    json!(match person.sex {
                        dinhdanh_domain::Sex::Male => "male",
                        dinhdanh_domain::Sex::Female => "female",
                    }),
                );
            }
            if scopes.contains(&Scope::Address) {
                claims.insert(
                    "address".into(),
                    json!({"formatted": person.permanent_residence, "country": "VN"}),
                );
            }
            if scopes.contains(&Scope::PersonalId) {
                claims.insert("personal_id".into(), json!(person.personal_id.to_string()));
            }
        }
        if scopes.contains(&Scope::Phone)
            && let Some(phone) = &account.phone
        {
            claims.insert("phone_number".into(), json!(phone));
            claims.insert("phone_number_verified".into(), json!(true));
        }
        Ok(claims)
    }

    /// Checks one of our access tokens: signature, issuer, expiry, and the grant behind it.
    /// A signature verified once is remembered for the token's life (see [`VerifiedTokens`]);
    /// expiry and revocation are checked on every call.
    pub async fn check_access_token(&self, token: &str) -> Result<AccessToken, OAuthError> {
        let invalid = |why: &str| OAuthError::new(ErrorCode::InvalidToken, why);
        let now = self.now() / 1000;
        let digest: [u8; 32] = <Sha256 as sha2::Digest>::digest(token.as_bytes()).into();
        let claims = match self.inner.verified.get(&digest) {
            Some(claims) => claims,
            None => {
                let jws =
                    Jws::parse(token).map_err(|_| invalid("the access token is malformed"))?;
                if jws.header.typ.as_deref() != Some("at+jwt") {
                    return Err(invalid("not an access token"));
                }
                let key = match jws.header.kid.as_deref() {
                    Some(kid) => self.key_by_kid(kid).await.map_err(OAuthError::internal)?,
                    None => None,
                }
                .ok_or_else(|| invalid("the access token was not signed by this provider"))?;
                jws.verify(key.public_jwk(), &[key.alg()])
                    .map_err(|_| invalid("the access token's signature does not verify"))?;
                if jws.claims.get("iss").and_then(Value::as_str) != Some(self.issuer()) {
                    return Err(invalid("the access token is from another issuer"));
                }
                let claims = std::sync::Arc::new(jws.claims);
                self.inner.verified.put(digest, claims.clone(), now);
                claims
            }
        };
        let claims = &*claims;
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now {
            return Err(invalid("the access token has expired"));
        }
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let client_id = text("client_id").ok_or_else(|| invalid("no client_id"))?;
        let scopes = scope::parse_scopes(&text("scope").unwrap_or_default())
            .map_err(|_| invalid("the scope is malformed"))?;
        let mut account_id = None;
        if let Some(grant_id) = text("gid") {
            #[derive(FromRow)]
            struct Row {
                account_id: i64,
                client_id: String,
                revoked_at: Option<i64>,
            }
            let row: Option<Row> = on_db!(self.db(), |pool| {
                sqlx::query_as(
                    "SELECT account_id, client_id, revoked_at FROM oidc_grants WHERE grant_id = $1",
                )
                .bind(&grant_id)
                .fetch_optional(pool)
                .await?
            });
            match row {
                Some(r) if r.revoked_at.is_none() && r.client_id == client_id => {
                    account_id = Some(r.account_id);
                }
                _ => return Err(invalid("the access token was revoked")),
            }
        } else if self.jti_revoked(&text("jti").unwrap_or_default()).await? {
            return Err(invalid("the access token was revoked"));
        }
        Ok(AccessToken {
            jkt: claims
                .get("cnf")
                .and_then(|c| c.get("jkt"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            jti: text("jti").unwrap_or_default(),
            client_id,
            sub: text("sub").unwrap_or_default(),
            scopes,
            account_id,
            exp,
            claims: claims.clone(),
        })
    }

    /// Checks an access token as presented at a resource: a DPoP-bound token only with the
    /// `DPoP` scheme and a fresh proof by its key; a bearer token only with `Bearer`.
    pub async fn check_presented(
        &self,
        presented: &Presented<'_>,
    ) -> Result<AccessToken, OAuthError> {
        let access = self.check_access_token(presented.token).await?;
        match (&access.jkt, presented.dpop_scheme) {
            (Some(jkt), true) => {
                let proof = presented.proof.ok_or_else(|| {
                    OAuthError::new(ErrorCode::InvalidDpopProof, "a DPoP proof is required")
                })?;
                let expected = crate::dpop::Expected {
                    method: presented.method,
                    url: presented.url,
                    access_token: Some(presented.token),
                };
                if &self.check_dpop(proof, &expected).await? != jkt {
                    return Err(OAuthError::new(
                        ErrorCode::InvalidDpopProof,
                        "the proof was made with another key than the token is bound to",
                    ));
                }
            }
            (Some(_), false) => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidToken,
                    "this access token is DPoP-bound: present it with the DPoP scheme and a proof",
                ));
            }
            (None, true) => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidToken,
                    "this access token is not DPoP-bound: present it with the Bearer scheme",
                ));
            }
            (None, false) => {}
        }
        Ok(access)
    }

    /// The userinfo response for an access token.
    pub async fn userinfo(&self, presented: &Presented<'_>) -> Result<Value, OAuthError> {
        let access = self.check_presented(presented).await?;
        let Some(account_id) = access.account_id else {
            return Err(OAuthError::new(
                ErrorCode::InvalidToken,
                "this access token was issued to a client, not for a citizen",
            ));
        };
        if !access.scopes.contains(&Scope::OpenId) {
            return Err(OAuthError::new(
                ErrorCode::InsufficientScope,
                "userinfo needs the openid scope",
            ));
        }
        let account = self.inner.accounts.holder(account_id).await?;
        if !account.usable {
            return Err(OAuthError::new(
                ErrorCode::InvalidToken,
                "the account can no longer be used",
            ));
        }
        let identity = self.identity_claims(&account, &access.scopes).await?;
        if !identity.is_empty() {
            let client = self
                .client(&access.client_id)
                .await
                .map_err(OAuthError::internal)?
                .ok_or_else(|| {
                    OAuthError::new(
                        ErrorCode::InvalidToken,
                        "the client is no longer registered",
                    )
                })?;
            self.record_release(&client, &account, &identity, "userinfo")
                .await?;
        }
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(access.sub));
        claims.extend(identity);
        Ok(Value::Object(claims))
    }

    /// Records in the ledger that `claims` about the account holder go to `client`, before they
    /// do: when the entry cannot be made durable, nothing is released.
    async fn record_release(
        &self,
        client: &Client,
        account: &Holder,
        claims: &Map<String, Value>,
        via: &str,
    ) -> Result<(), OAuthError> {
        let Some(personal_id) = &account.personal_id else {
            return Ok(());
        };
        if claims.is_empty() {
            return Ok(());
        }
        self.record(RpEntry {
            kind: dinhdanh_ledger::Kind::ClaimsReleased,
            client_id: &client.client_id,
            personal_id,
            fields: claims.keys().cloned().collect(),
            purpose: Some(client.purpose.en.clone()),
            legal_basis: Some("consent"),
            detail: via.into(),
        })
        .await
        .map_err(|e| {
            OAuthError::new(
                ErrorCode::ServerError,
                format!("the release could not be recorded, so nothing was released: {e}"),
            )
        })?;
        Ok(())
    }
}

/// Access tokens whose signature and issuer this node has verified, by the SHA-256 of the whole
/// token: only the identical string hits, and only until the token expires. Verifying an ES256
/// signature is most of the CPU a resource call spends on its token; an agency or a relying party
/// presents the same token for minutes. Revocation is still checked on every call.
#[derive(Default)]
pub(crate) struct VerifiedTokens {
    tokens: std::sync::Mutex<std::collections::HashMap<[u8; 32], VerifiedClaims>>,
}

/// A verified token's claims, shared by the calls that present it.
type VerifiedClaims = std::sync::Arc<Map<String, Value>>;

/// How many verified tokens a node remembers.
const VERIFIED_TOKENS: usize = 10_000;

impl VerifiedTokens {
    fn get(&self, digest: &[u8; 32]) -> Option<VerifiedClaims> {
        self.tokens
            .lock()
            .expect("verified tokens")
            .get(digest)
            .cloned()
    }

    fn put(&self, digest: [u8; 32], claims: VerifiedClaims, now: i64) {
        let mut tokens = self.tokens.lock().expect("verified tokens");
        if tokens.len() >= VERIFIED_TOKENS {
            tokens.retain(|_, c| c.get("exp").and_then(Value::as_i64).unwrap_or(0) > now);
            if tokens.len() >= VERIFIED_TOKENS {
                tokens.clear();
            }
        }
        tokens.insert(digest, claims);
    }
}

/// An access token as a resource received it.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The token.
    pub token: &'a str,
    /// Sent with `Authorization: DPoP` rather than `Bearer`.
    pub dpop_scheme: bool,
    /// The `DPoP` header, if any.
    pub proof: Option<&'a str>,
    /// The request's method.
    pub method: &'a str,
    /// The resource's URL (no query).
    pub url: &'a str,
}

/// A checked access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The DPoP key it is bound to.
    pub jkt: Option<String>,
    /// Its identifier.
    pub jti: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Its subject.
    pub sub: String,
    /// Its scopes.
    pub scopes: BTreeSet<Scope>,
    /// The citizen's account, for tokens issued for a citizen.
    pub account_id: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// All its claims.
    pub claims: Map<String, Value>,
}
