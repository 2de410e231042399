//! Messages to citizens — one-time codes, activation codes, notices — through an outbox.
//!
//! A message is written to the `outbox` table in the same transaction as the code it carries, so a
//! code exists if and only if its message does. Then, depending on [`Delivery`]:
//! - `Outbox` (development and demo): the message is *held* for the operator to read
//!   (`dinhdanh outbox`, and a page in demo mode);
//! - `Gateway`: a [`Dispatcher`] posts it to an SMS or e-mail gateway over HTTP, signed with
//!   HMAC-SHA256, with a timeout, and retries with exponential back-off on timeouts, connection
//!   errors, 429 and 5xx; other 4xx answers fail the message at once. Several nodes may dispatch:
//!   a message is claimed by moving its `next_attempt_at` forward atomically.
//!
//! The gateway request is `POST <url>` with a JSON body
//! `{"id":…, "channel":"sms", "to":"+84…", "purpose":"register", "text":"…"}` and headers
//! `Idempotency-Key: <id>`, `X-Dinhdanh-Timestamp: <unix seconds>` and
//! `X-Dinhdanh-Signature: sha256=<hex HMAC-SHA256(key, timestamp "." body)>`.

use std::time::Duration;

use dinhdanh_store::Db;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::clock::Clock;
use crate::db::on_db;
use crate::error::AccountError;

/// Where messages go.
#[derive(Debug, Clone, Default)]
pub enum Delivery {
    /// Held in the outbox for the operator (development, demo).
    #[default]
    Outbox,
    /// Posted to an HTTP gateway.
    Gateway(GatewaySettings),
}

impl Delivery {
    /// The status a new message starts in.
    pub(crate) fn initial_status(&self) -> &'static str {
        match self {
            Delivery::Outbox => "held",
            Delivery::Gateway(_) => "pending",
        }
    }
}

/// An SMS or e-mail gateway.
#[derive(Clone)]
pub struct GatewaySettings {
    /// Where to POST.
    pub url: url::Url,
    /// The shared HMAC key.
    pub key: Vec<u8>,
    /// How long one request may take.
    pub timeout: Duration,
    /// Attempts before a message is given up.
    pub max_attempts: u32,
    /// The first retry delay; it doubles each time, up to five minutes.
    pub retry_base: Duration,
}

impl std::fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("url", &self.url.as_str())
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// The signature header value for a body sent at `timestamp`.
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature in constant time (what a gateway does; the tests' gateway uses it).
pub fn verify_signature(key: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_mac) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_mac) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// A message as the operator sees it in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    /// Its number.
    pub message_id: i64,
    /// `sms`.
    pub channel: String,
    /// Phone number.
    pub recipient: String,
    /// What it is for.
    pub purpose: String,
    /// The text.
    pub body: String,
    /// `held`, `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was written (Unix ms).
    pub created_at: i64,
}

/// The newest messages, optionally only those to `recipient`.
pub async fn outbox(
    db: &Db,
    recipient: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxMessage>, AccountError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT message_id, channel, recipient, purpose, body, status, attempts, last_error,
                    created_at
             FROM outbox WHERE ($1 IS NULL OR recipient = $1)
             ORDER BY message_id DESC LIMIT $2",
        )
        .bind(recipient)
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}

/// What one dispatch pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DispatchReport {
    /// Delivered.
    pub sent: usize,
    /// Will be retried.
    pub retrying: usize,
    /// Given up.
    pub failed: usize,
}

/// Posts pending messages to the gateway.
#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    gateway: GatewaySettings,
    http: reqwest::Client,
    clock: Clock,
}

#[derive(sqlx::FromRow)]
struct Due {
    message_id: i64,
    channel: String,
    recipient: String,
    purpose: String,
    body: String,
    attempts: i64,
    next_attempt_at: i64,
}

#[derive(Serialize)]
struct GatewayMessage<'a> {
    id: i64,
    channel: &'a str,
    to: &'a str,
    purpose: &'a str,
    text: &'a str,
}

enum Outcome {
    Sent,
    Retry(String),
    Fail(String),
}

impl Dispatcher {
    /// A dispatcher for `gateway`, trusting `tls` when the gateway is reached over HTTPS.
    pub fn new(
        db: &Db,
        gateway: GatewaySettings,
        clock: Clock,
        tls: &dinhdanh_http::ClientTls,
    ) -> Result<Dispatcher, AccountError> {
        let http = tls
            .client_builder()
            .timeout(gateway.timeout)
            .connect_timeout(gateway.timeout)
            .build()
            .map_err(|e| AccountError::Internal(format!("http client: {e}")))?;
        Ok(Dispatcher {
            db: db.clone(),
            gateway,
            http,
            clock,
        })
    }

    /// Delivers every message due now, at most `batch` of them.
    pub async fn run_once(&self, batch: i64) -> Result<DispatchReport, AccountError> {
        let now = self.clock.now_ms();
        let due: Vec<Due> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT message_id, channel, recipient, purpose, body, attempts, next_attempt_at
                 FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
                 ORDER BY next_attempt_at LIMIT $2",
            )
            .bind(now)
            .bind(batch)
            .fetch_all(pool)
            .await?
        });
        let mut report = DispatchReport::default();
        // A claim holds the message for longer than one request can take.
        let lease = now + 2 * self.gateway.timeout.as_millis() as i64 + 1000;
        for message in due {
            let claimed = on_db!(&self.db, |pool| {
                sqlx::query(
                    "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1
                     WHERE message_id = $2 AND status = 'pending' AND next_attempt_at = $3",
                )
                .bind(lease)
                .bind(message.message_id)
                .bind(message.next_attempt_at)
                .execute(pool)
                .await?
                .rows_affected()
            });
            if claimed != 1 {
                continue; // another node took it
            }
            let attempts = message.attempts + 1;
            let outcome = self.post(&message).await;
            let now = self.clock.now_ms();
            let (status, next, error) = match outcome {
                Outcome::Sent => {
                    report.sent += 1;
                    ("sent", now, None)
                }
                Outcome::Retry(e) if attempts < i64::from(self.gateway.max_attempts) => {
                    report.retrying += 1;
                    let exponent = (attempts - 1).clamp(0, 16) as u32;
                    let delay = (self.gateway.retry_base.as_millis() as i64)
                        .saturating_mul(1 << exponent)
                        .min(300_000);
                    ("pending", now + delay, Some(e))
                }
                Outcome::Retry(e) | Outcome::Fail(e) => {
                    report.failed += 1;
                    ("failed", now, Some(e))
                }
            };
            if let Some(e) = &error {
                tracing::warn!(message_id = message.message_id, attempts, error = %e, status, "gateway delivery");
            }
            on_db!(&self.db, |pool| {
                sqlx::query(
                    "UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = $3,
                         delivered_at = CASE WHEN $1 = 'sent' THEN $2 ELSE NULL END
                     WHERE message_id = $4",
                )
                .bind(status)
                .bind(next)
                .bind(error)
                .bind(message.message_id)
                .execute(pool)
                .await?;
            });
        }
        Ok(report)
    }

    async fn post(&self, message: &Due) -> Outcome {
        let body = match serde_json::to_vec(&GatewayMessage {
            id: message.message_id,
            channel: &message.channel,
            to: &message.recipient,
            purpose: &message.purpose,
            text: &message.body,
        }) {
            Ok(body) => body,
            Err(e) => return Outcome::Fail(e.to_string()),
        };
        let timestamp = self.clock.now_ms() / 1000;
        let response = self
            .http
            .post(self.gateway.url.clone())
            .header("content-type", "application/json")
            .header("idempotency-key", message.message_id.to_string())
            .header("x-dinhdanh-timestamp", timestamp.to_string())
            .header(
                "x-dinhdanh-signature",
                signature(&self.gateway.key, timestamp, &body),
            )
            .body(body)
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => Outcome::Sent,
            Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                Outcome::Retry(format!("gateway answered {}", r.status()))
            }
            Ok(r) => Outcome::Fail(format!("gateway refused the message: {}", r.status())),
            Err(e) if e.is_timeout() => Outcome::Retry("gateway timed out".into()),
            Err(e) => Outcome::Retry(format!(
                "gateway unreachable: {}",
                dinhdanh_http::describe(&e)
            )),
        }
    }

    /// Dispatches every `interval` until `shutdown` fires.
    pub async fn run(self, interval: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.run_once(100).await {
                tracing::error!(error = %e, "outbox dispatch failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The SQL that queues a message; run inside the transaction that creates what it announces.
macro_rules! queue_message {
    ($executor:expr, $delivery:expr, $now:expr, $recipient:expr, $purpose:expr, $body:expr) => {
        sqlx::query(
            "INSERT INTO outbox (channel, recipient, purpose, body, status, attempts,
                                 next_attempt_at, created_at)
             VALUES ('sms', $1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(String::from($recipient))
        .bind(String::from($purpose))
        .bind(String::from($body))
        .bind($delivery.initial_status())
        .bind($now)
        .execute($executor)
        .await?
    };
}

pub(crate) use queue_message;
