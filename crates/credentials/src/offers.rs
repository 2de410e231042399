//! Offers and the token endpoint (OpenID4VCI 1.0 §4, §6): the citizen's offer with a
//! pre-authorized code and a transaction code, and the access token a wallet trades them for.
//! An offer lasts [`OFFER_SECONDS`] and is redeemed once; [`TxCodeAttempts`] wrong codes end it.
//! Codes and tokens are stored as SHA-256 hashes only.

use dinhdanh_store::{on_db, write_tx};
use serde::Serialize;
use serde_json::{Value, json};

use crate::documents::Holder;
use crate::status::Status;
use crate::{Credentials, CredentialsError, hash, random_id};

/// How long an offer can be redeemed.
pub const OFFER_SECONDS: i64 = 600;

/// How long an access token lasts.
pub const TOKEN_SECONDS: i64 = 600;

/// The pre-authorized code grant.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// How many wrong transaction codes end an offer.
pub struct TxCodeAttempts;

impl TxCodeAttempts {
    /// The number.
    pub const MAX: i64 = 5;
}

/// An offer made to the citizen.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    /// The `openid-credential-offer://` URI for the QR code.
    pub uri: String,
    /// Where the wallet fetches the offer.
    pub offer_url: String,
    /// The transaction code the citizen types into the wallet.
    pub tx_code: String,
    /// The credential configuration (document type).
    pub credential_configuration_id: String,
    /// Until when it can be redeemed (Unix ms).
    pub expires_at: i64,
}

/// A token endpoint's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    /// The access token for the credential endpoint.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds it lasts.
    pub expires_in: i64,
}

fn digits6() -> String {
    // Rejection sampling keeps the six digits uniform.
    loop {
        let n: u32 = rand::random::<u32>() >> 12; // 0..1_048_576
        if n < 1_000_000 {
            return format!("{n:06}");
        }
    }
}

/// An offer as stored.
#[derive(sqlx::FromRow)]
struct OfferRow {
    offer_id: String,
    tx_code_hash: String,
    account_id: i64,
    document_id: String,
    doc_type: String,
    expires_at: i64,
    failures: i64,
    redeemed_at: Option<i64>,
}

fn invalid_grant(description: &str) -> CredentialsError {
    CredentialsError::protocol("invalid_grant", 400, description)
}

impl Credentials {
    /// An offer for one of the citizen's integrated documents.
    pub async fn offer(
        &self,
        holder: &Holder,
        document_id: &str,
    ) -> Result<Offer, CredentialsError> {
        let held = self.held_document(holder, document_id).await?;
        if held.document.status != Status::Valid {
            return Err(CredentialsError::invalid(
                "document",
                format!(
                    "the issuer has {} this document",
                    held.document.status.as_str()
                ),
            ));
        }
        let code = crate::random_id() + &crate::random_id();
        let tx_code = digits6();
        let now = self.now_ms();
        let expires_at = now + OFFER_SECONDS * 1000;
        write_tx!(self.db(), self.inner.gate, |tx| {
            sqlx::query(
                "INSERT INTO credential_offers
                     (offer_id, code_hash, tx_code_hash, account_id, document_id, doc_type,
                      created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(random_id())
            .bind(hash(&code))
            .bind(hash(&format!("{code}:{tx_code}")))
            .bind(holder.account())
            .bind(&held.document.id)
            .bind(&held.document.doc_type)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        });
        let offer_url = format!("{}/offers/{code}", self.issuer());
        let uri = format!(
            "openid-credential-offer://?credential_offer_uri={}",
            url::form_urlencoded::byte_serialize(offer_url.as_bytes()).collect::<String>()
        );
        Ok(Offer {
            uri,
            offer_url,
            tx_code,
            credential_configuration_id: held.document.doc_type,
            expires_at,
        })
    }

    /// The credential offer behind `code` (OpenID4VCI §4.1.1), while it can be redeemed.
    pub async fn offer_document(&self, code: &str) -> Result<Value, CredentialsError> {
        let now = self.now_ms();
        let row: Option<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT doc_type FROM credential_offers
                 WHERE code_hash = $1 AND redeemed_at IS NULL AND expires_at > $2 AND failures < $3",
            )
            .bind(hash(code))
            .bind(now)
            .bind(TxCodeAttempts::MAX)
            .fetch_optional(pool)
            .await?
        });
        let (doc_type,) = row.ok_or(CredentialsError::NotFound)?;
        Ok(json!({
            "credential_issuer": self.issuer(),
            "credential_configuration_ids": [doc_type],
            "grants": {
                PRE_AUTHORIZED_GRANT: {
                    "pre-authorized_code": code,
                    "tx_code": {
                        "input_mode": "numeric",
                        "length": 6,
                        "description": "Nhập mã 6 số hiển thị bên cạnh mã QR / Enter the 6-digit code shown beside the QR code",
                    },
                },
            },
        }))
    }

    /// The token endpoint (OpenID4VCI §6): a pre-authorized code and its transaction code for
    /// an access token. Parameters other than these are ignored, as OAuth requires.
    pub async fn token(
        &self,
        params: &std::collections::HashMap<String, String>,
    ) -> Result<TokenResponse, CredentialsError> {
        match params.get("grant_type").map(String::as_str) {
            Some(PRE_AUTHORIZED_GRANT) => {}
            Some(other) => {
                return Err(CredentialsError::protocol(
                    "unsupported_grant_type",
                    400,
                    format!("this token endpoint takes only {PRE_AUTHORIZED_GRANT}, not {other}"),
                ));
            }
            None => {
                return Err(CredentialsError::protocol(
                    "invalid_request",
                    400,
                    "grant_type is missing",
                ));
            }
        }
        let Some(code) = params.get("pre-authorized_code").filter(|c| !c.is_empty()) else {
            return Err(CredentialsError::protocol(
                "invalid_request",
                400,
                "pre-authorized_code is missing",
            ));
        };
        let Some(tx_code) = params.get("tx_code").filter(|c| !c.is_empty()) else {
            return Err(CredentialsError::protocol(
                "invalid_request",
                400,
                "this offer requires the transaction code (tx_code) shown to the citizen",
            ));
        };
        let now = self.now_ms();
        let token = random_id() + &random_id();
        let granted: Result<(), CredentialsError> = write_tx!(self.db(), self.inner.gate, |tx| {
            let offer: Option<OfferRow> = sqlx::query_as(
                "SELECT offer_id, tx_code_hash, account_id, document_id, doc_type, expires_at,
                        failures, redeemed_at
                 FROM credential_offers WHERE code_hash = $1",
            )
            .bind(hash(code))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(OfferRow {
                offer_id,
                tx_code_hash: tx_hash,
                account_id: account,
                document_id: document,
                doc_type,
                expires_at: expires,
                failures,
                redeemed_at: redeemed,
            }) = offer
            else {
                return Err(invalid_grant("unknown pre-authorized code"));
            };
            if redeemed.is_some() {
                return Err(invalid_grant("the pre-authorized code was already used"));
            }
            if expires <= now {
                return Err(invalid_grant(
                    "the offer expired; ask for a new one on the dashboard",
                ));
            }
            if failures >= TxCodeAttempts::MAX {
                return Err(invalid_grant(
                    "too many wrong transaction codes; ask for a new offer",
                ));
            }
            let given = hash(&format!("{code}:{tx_code}"));
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                given.as_bytes(),
                tx_hash.as_bytes(),
            )) {
                sqlx::query(
                    "UPDATE credential_offers SET failures = failures + 1 WHERE offer_id = $1",
                )
                .bind(&offer_id)
                .execute(&mut *tx)
                .await?;
                // The failure is counted: commit it, and answer with the error after.
                Err(invalid_grant("wrong transaction code (tx_code)"))
            } else {
                sqlx::query("UPDATE credential_offers SET redeemed_at = $2 WHERE offer_id = $1")
                    .bind(&offer_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO credential_tokens
                         (token_hash, offer_id, account_id, document_id, doc_type, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(hash(&token))
                .bind(&offer_id)
                .bind(account)
                .bind(&document)
                .bind(&doc_type)
                .bind(now + TOKEN_SECONDS * 1000)
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
        });
        granted?;
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: TOKEN_SECONDS,
        })
    }
}
