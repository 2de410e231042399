//! Issuance by OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow (offers
//! and the token endpoint are in `offers.rs`):
//!
//! 1. The citizen asks, on the dashboard, to put one of their documents in a wallet: an offer
//!    with a pre-authorized code (in the QR code) and a 6-digit transaction code (shown beside
//!    it, typed into the wallet: a photographed QR code alone is not enough).
//! 2. The wallet trades code and transaction code for an access token at the token endpoint.
//! 3. It fetches a fresh `c_nonce` from the nonce endpoint and signs a proof JWT with the key the
//!    credential will be bound to.
//! 4. The credential endpoint checks token, proof and nonce (each nonce is good once), makes the
//!    SD-JWT VC from the issuer's current record of the document, records the issuance in the
//!    ledger, and answers.
//!
//! Codes and tokens are stored as SHA-256 hashes only.

use dinhdanh_ledger::{Actor, Event, Kind};
use dinhdanh_oidc::jose::{Alg, Jws, b64, has_private_members, unb64};
use dinhdanh_store::on_db;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::documents::Holder;
use crate::sdjwt::{self, Path};
use crate::status::Status;
use crate::types::{self, DocumentType};
use crate::writes::{Issue, IssuedRow};
use crate::{Credentials, CredentialsError, hash, random_id};

/// How long a `c_nonce` lasts.
pub const NONCE_SECONDS: i64 = 300;
/// How old a proof may be, and how far ahead of our clock.
pub const PROOF_MAX_AGE: i64 = 300;
/// The `typ` of a wallet's proof of possession.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";

/// A credential request (OpenID4VCI 1.0 §8.2).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialRequest {
    /// Which configuration.
    #[serde(default)]
    pub credential_configuration_id: Option<String>,
    /// Not supported: this issuer returns no `credential_identifiers`.
    #[serde(default)]
    pub credential_identifier: Option<String>,
    /// The proofs, by type.
    #[serde(default)]
    pub proofs: Option<Map<String, Value>>,
    /// The single `proof` of earlier drafts.
    #[serde(default)]
    pub proof: Option<Value>,
    /// Response encryption is not supported.
    #[serde(default)]
    pub credential_response_encryption: Option<Value>,
}

/// A credential issued.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCredential {
    /// Its identifier here (not in the credential).
    pub id: String,
    /// The SD-JWT VC, `<jwt>~<disclosure>~…~`.
    pub credential: String,
    /// The status list and position.
    pub list: i64,
    /// Its position in the list.
    pub idx: i64,
}

/// What a credential is bound to.
enum Binding {
    /// The wallet key of the proof, for the access token `token_hash`, with the proof's nonce
    /// and its expiry.
    Wallet {
        jwk: Value,
        jkt: String,
        token_hash: String,
        nonce: (String, i64),
    },
    /// No key: a printed copy.
    Paper,
}

/// What a wallet's proof establishes.
struct Proven {
    /// The key to bind the credential to.
    jwk: Value,
    /// The nonce used and its expiry (Unix ms).
    nonce: (String, i64),
}

impl Credentials {
    /// A fresh `c_nonce` (OpenID4VCI §7), good once for [`NONCE_SECONDS`]. Nothing is stored:
    /// the nonce is its expiry and 128 random bits under an HMAC, and it is recorded when a proof
    /// uses it.
    pub async fn nonce(&self) -> Result<String, CredentialsError> {
        let key = self.nonce_key().await?;
        let mut body = ((self.now_ms() + NONCE_SECONDS * 1000) as u64)
            .to_be_bytes()
            .to_vec();
        body.extend_from_slice(&rand::random::<[u8; 16]>());
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&body);
        let tag = mac.finalize().into_bytes();
        Ok(format!("{}.{}", b64(&body), b64(&tag[..16])))
    }

    /// The nonce's expiry (Unix ms) if this issuer made it and it has not expired.
    async fn nonce_expiry(&self, nonce: &str) -> Result<Option<i64>, CredentialsError> {
        let key = self.nonce_key().await?;
        let Some((body, tag)) = nonce.split_once('.') else {
            return Ok(None);
        };
        let (Ok(body), Ok(tag)) = (unb64(body), unb64(tag)) else {
            return Ok(None);
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&body);
        if body.len() != 24 || mac.verify_truncated_left(&tag).is_err() || tag.len() != 16 {
            return Ok(None);
        }
        let expires = i64::from_be_bytes(body[..8].try_into().expect("8 bytes"));
        Ok((expires > self.now_ms()).then_some(expires))
    }

    /// The key nonces are made with: created on first use, shared by every node.
    async fn nonce_key(&self) -> Result<&Vec<u8>, CredentialsError> {
        self.inner
            .nonce_key
            .get_or_try_init(|| async {
                let fresh = rand::random::<[u8; 32]>().to_vec();
                dinhdanh_store::write_on_db!(self.db(), self.inner.gate, |pool| {
                    sqlx::query(
                        "INSERT INTO credential_nonce_key (singleton, secret) VALUES (1, $1)
                         ON CONFLICT (singleton) DO NOTHING",
                    )
                    .bind(&fresh)
                    .execute(pool)
                    .await?;
                });
                let (secret,): (Vec<u8>,) = on_db!(self.db(), |pool| {
                    sqlx::query_as("SELECT secret FROM credential_nonce_key WHERE singleton = 1")
                        .fetch_one(pool)
                        .await?
                });
                Ok::<_, CredentialsError>(secret)
            })
            .await
    }

    /// The credential endpoint (OpenID4VCI §8): checks the access token, the request and the
    /// wallet's proof, and issues the credential bound to the proof's key.
    pub async fn credential(
        &self,
        access_token: &str,
        request: &CredentialRequest,
    ) -> Result<IssuedCredential, CredentialsError> {
        let now = self.now_ms();
        let token_hash = hash(access_token);
        // The token and its document in one read.
        let found = self.token_document(&token_hash).await?;
        let invalid_token = |d: &str| CredentialsError::protocol("invalid_token", 401, d);
        let Some((token, document)) = found else {
            return Err(invalid_token("unknown access token"));
        };
        let (account, doc_type, expires, used) = (
            token.account_id,
            token.doc_type,
            token.expires_at,
            token.used_at,
        );
        if expires <= now {
            return Err(invalid_token("the access token expired"));
        }
        if used.is_some() {
            return Err(invalid_token(
                "the access token was already used for its credential",
            ));
        }
        let t = check_request(request, &doc_type)?;
        let proven = self.check_proof(request).await?;
        if document.status != Status::Valid {
            return Err(CredentialsError::protocol(
                "credential_request_denied",
                400,
                format!("the issuer has {} this document", document.status.as_str()),
            ));
        }
        let holder_jkt = dinhdanh_oidc::jose::thumbprint(&proven.jwk)
            .map_err(|e| CredentialsError::protocol("invalid_proof", 400, e.to_string()))?;
        self.mint(
            &t,
            &document,
            account,
            Binding::Wallet {
                jwk: proven.jwk,
                jkt: holder_jkt,
                token_hash,
                nonce: proven.nonce,
            },
        )
        .await
    }

    /// A credential of one of the citizen's documents for printing: the same SD-JWT VC with
    /// every disclosure, but bound to no key, so whoever holds the paper can show it (as with
    /// the paper document). It has a status like any other and is recorded in the ledger.
    pub async fn print(
        &self,
        holder: &Holder,
        document_id: &str,
    ) -> Result<IssuedCredential, CredentialsError> {
        let held = self.held_document(holder, document_id).await?;
        let t = types::by_id(&held.document.doc_type)
            .ok_or_else(|| CredentialsError::UnknownType(held.document.doc_type.clone()))?;
        if held.document.status != Status::Valid {
            return Err(CredentialsError::invalid(
                "document",
                format!(
                    "the issuer has {} this document",
                    held.document.status.as_str()
                ),
            ));
        }
        self.mint(&t, &held.document, holder.account(), Binding::Paper)
            .await
    }

    /// Signs a credential of `document`, takes its status position, stores it (spending the
    /// access token, for a wallet) and records it in the ledger.
    async fn mint(
        &self,
        t: &DocumentType,
        document: &crate::Document,
        account: i64,
        binding: Binding,
    ) -> Result<IssuedCredential, CredentialsError> {
        let denied = |d: &str| CredentialsError::protocol("credential_request_denied", 400, d);
        let now = self.now_ms();
        let (list, idx) = self.take_position().await?;
        let keys = self.keys().await?;
        let now_s = now.div_euclid(1000);
        let mut exp = now_s + t.credential_days * 86_400;
        if let Some(until) = document.valid_until() {
            // The end of the document's last day, Vietnam time.
            let end = until
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp() - 7 * 3600)
                .unwrap_or(exp);
            if end <= now_s {
                return Err(denied("the document is past its validity"));
            }
            exp = exp.min(end);
        }
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer()));
        claims.insert(
            "vct".into(),
            json!(crate::metadata::vct(self.issuer(), t.id)),
        );
        claims.insert("iat".into(), json!(now_s));
        claims.insert("exp".into(), json!(exp));
        if let Binding::Wallet { jwk, .. } = &binding {
            claims.insert("cnf".into(), json!({"jwk": jwk}));
        }
        claims.insert(
            "status".into(),
            json!({"status_list": {"idx": idx, "uri": crate::lists::uri(self.issuer(), list)}}),
        );
        claims.insert("issuing_authority".into(), json!(t.authority));
        let mut disclosable: Vec<Path> = Vec::new();
        for f in &t.fields {
            if let Some(v) = document.data.get(f.name) {
                claims.insert(f.name.to_owned(), v.clone());
                disclosable.push(sdjwt::path(&[f.name]));
            }
        }
        let credential = sdjwt::issue(&keys.signer, sdjwt::TYP, claims, &disclosable)?;
        let id = random_id();
        let (token_hash, nonce, holder_jkt) = match binding {
            Binding::Wallet {
                token_hash,
                jkt,
                nonce,
                ..
            } => (Some(token_hash), Some(nonce), jkt),
            Binding::Paper => (None, None, "paper".to_owned()),
        };
        self.write_issue(Issue {
            nonce,
            token_hash,
            row: IssuedRow {
                credential_id: id.clone(),
                list,
                idx,
                account,
                document_id: document.id.clone(),
                doc_type: t.id.to_owned(),
                kid: keys.signer.kid().to_owned(),
                holder_jkt,
                issued_at: now,
                expires_at: exp * 1000,
            },
            now,
        })
        .await?;
        self.record_issuance(account, &document.personal_id, t, &id)
            .await?;
        Ok(IssuedCredential {
            id,
            credential,
            list,
            idx,
        })
    }

    async fn record_issuance(
        &self,
        account: i64,
        personal_id: &str,
        t: &DocumentType,
        credential_id: &str,
    ) -> Result<(), CredentialsError> {
        let ledger = &self.inner.ledger;
        let mut event = Event::new(
            Kind::CredentialIssued,
            Actor {
                kind: "citizen".into(),
                id: account.to_string(),
            },
            chrono::DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default(),
        );
        event.subject = Some(ledger.subject(personal_id).await?);
        event.service = Some("credentials".into());
        event.fields = t.fields.iter().map(|f| f.name.to_owned()).collect();
        event.purpose = Some(t.id.to_owned());
        event.legal_basis = Some("Nghị định 69/2024/NĐ-CP Art 17".into());
        event.detail = Some(format!("credential:{credential_id}"));
        ledger.append(&event).await?;
        Ok(())
    }

    /// Checks the one `jwt` proof of `request`: returns the public key to bind the credential
    /// to (only its public members) and the nonce it used, to be recorded with the issuance.
    async fn check_proof(&self, request: &CredentialRequest) -> Result<Proven, CredentialsError> {
        let invalid = |d: String| CredentialsError::protocol("invalid_proof", 400, d);
        if request.proof.is_some() {
            return Err(invalid(
                "send proofs: {\"jwt\": [...]} (OpenID4VCI 1.0); the single proof is not accepted"
                    .into(),
            ));
        }
        let proofs = request
            .proofs
            .as_ref()
            .ok_or_else(|| invalid("the request has no proofs".into()))?;
        if proofs.len() != 1 {
            return Err(invalid("proofs holds exactly one proof type, jwt".into()));
        }
        let jwts = proofs
            .get("jwt")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("the proof type here is jwt, an array".into()))?;
        let [proof] = jwts.as_slice() else {
            return Err(invalid(format!(
                "one proof per request (batch issuance is not offered), not {}",
                jwts.len()
            )));
        };
        let proof = proof
            .as_str()
            .ok_or_else(|| invalid("a jwt proof is a string".into()))?;
        let jws = Jws::parse(proof).map_err(|e| invalid(format!("the proof: {e}")))?;
        if jws.header.typ.as_deref() != Some(PROOF_TYP) {
            return Err(invalid(format!(
                "the proof's typ is {:?}, not {PROOF_TYP:?}",
                jws.header.typ
            )));
        }
        let Some(jwk) = jws.header.jwk.clone() else {
            return Err(invalid(
                "the proof names its key in the jwk header (kid and x5c are not supported)".into(),
            ));
        };
        if has_private_members(&jwk) {
            return Err(invalid("the proof's jwk holds a private key".into()));
        }
        jws.verify(&jwk, &[Alg::ES256])
            .map_err(|e| invalid(format!("the proof: {e}")))?;
        let text = |n: &str| jws.claims.get(n).and_then(Value::as_str);
        if text("aud") != Some(self.issuer()) {
            return Err(invalid(format!(
                "the proof's aud is {:?}, not this issuer {:?}",
                text("aud"),
                self.issuer()
            )));
        }
        let now = self.now_s();
        let iat = jws
            .claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("the proof has no iat".into()))?;
        if iat > now + 60 || iat < now - PROOF_MAX_AGE {
            return Err(invalid(format!(
                "the proof's iat is {iat}, more than {PROOF_MAX_AGE} s from now ({now})"
            )));
        }
        let Some(nonce) = text("nonce") else {
            return Err(CredentialsError::protocol(
                "invalid_nonce",
                400,
                "the proof has no nonce: fetch one from the nonce endpoint",
            ));
        };
        let Some(expires) = self.nonce_expiry(nonce).await? else {
            return Err(CredentialsError::protocol(
                "invalid_nonce",
                400,
                "the nonce is not this issuer's or has expired: fetch a new one from the nonce \
                 endpoint",
            ));
        };
        let public = match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") => json!({"kty": "EC", "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"]}),
            _ => return Err(invalid("the holder key is an EC P-256 key".into())),
        };
        Ok(Proven {
            jwk: public,
            nonce: (nonce.to_owned(), expires),
        })
    }
}

/// Checks what a credential request asks for against what the token was issued for.
fn check_request(
    request: &CredentialRequest,
    token_type: &str,
) -> Result<DocumentType, CredentialsError> {
    let bad = |d: String| CredentialsError::protocol("invalid_credential_request", 400, d);
    if request.credential_response_encryption.is_some() {
        return Err(CredentialsError::protocol(
            "invalid_encryption_parameters",
            400,
            "this issuer does not encrypt credential responses",
        ));
    }
    match (
        &request.credential_configuration_id,
        &request.credential_identifier,
    ) {
        (Some(_), Some(_)) => Err(bad(
            "send credential_configuration_id or credential_identifier, not both".into(),
        )),
        (None, Some(_)) => Err(CredentialsError::protocol(
            "unknown_credential_identifier",
            400,
            "this issuer gives no credential identifiers; send credential_configuration_id",
        )),
        (None, None) => Err(bad("credential_configuration_id is missing".into())),
        (Some(id), None) => {
            let Some(t) = types::by_id(id) else {
                return Err(CredentialsError::protocol(
                    "unknown_credential_configuration",
                    400,
                    format!("this issuer offers no configuration {id:?}"),
                ));
            };
            if t.id != token_type {
                return Err(bad(format!(
                    "the access token is for {token_type}, not {}",
                    t.id
                )));
            }
            Ok(t)
        }
    }
}
