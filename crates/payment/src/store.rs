//! The payment tables, read and written with SQL that runs unchanged on SQLite and PostgreSQL.
//!
//! An IPN is one write transaction: read the attempt, lock every attempt of its reference (a
//! no-op `UPDATE`, so that two results for one reference are decided one after the other on
//! PostgreSQL; SQLite's write lock already does that), read it again, let
//! [`crate::merchant::decide`] rule, change the attempt only if its status is still the one
//! read, and log the notification. The change and its log entry commit together.

use std::sync::atomic::{AtomicU16, Ordering};

use dinhdanh_store::{on_db, write_on_db, write_tx};
use rand::RngCore;

use crate::Payments;
use crate::attempt::{Attempt, AttemptStatus, Flag, Notification, NotificationOutcome};
use crate::codes::{ResponseCode, RspCode};
use crate::error::{PaymentError, corrupt};
use crate::merchant::{IpnOutcome, claimed_txn_ref, decide};
use crate::order::{Description, Order, OrderRef, Reference};
use crate::protocol::PayRequest;
use crate::signing::Params;

/// The longest query kept in the notification log.
const MAX_LOGGED_QUERY: usize = 4_000;

/// `SELECT` of every column of an attempt, followed by the rest of the statement.
macro_rules! select_attempts {
    ($rest:literal) => {
        concat!(
            "SELECT order_ref, reference, amount_vnd, description, order_info, created_at,
                    expires_at, status, response_code, transaction_no, bank_code, paid_at,
                    settled_at, receipt_number, flags, handed_over_at
             FROM payment_attempts ",
            $rest
        )
    };
}

const INSERT_NOTIFICATION: &str = "INSERT INTO payment_notifications
         (notification_id, txn_ref, received_at, rsp_code, outcome, detail, query)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// An attempt's row.
#[derive(sqlx::FromRow)]
struct Row {
    order_ref: String,
    reference: String,
    amount_vnd: i64,
    description: String,
    order_info: String,
    created_at: i64,
    expires_at: i64,
    status: String,
    response_code: Option<String>,
    transaction_no: Option<String>,
    bank_code: Option<String>,
    paid_at: Option<i64>,
    settled_at: Option<i64>,
    receipt_number: Option<String>,
    flags: String,
    handed_over_at: Option<i64>,
}

impl Row {
    fn parse(self) -> Result<Attempt, PaymentError> {
        let id = self.order_ref.as_str();
        let flags = if self.flags.is_empty() {
            Vec::new()
        } else {
            self.flags
                .split(',')
                .map(|f| Flag::parse(f).ok_or_else(|| corrupt(id, format!("unknown flag {f:?}"))))
                .collect::<Result<_, _>>()?
        };
        Ok(Attempt {
            order_ref: OrderRef::parse(id)
                .ok_or_else(|| corrupt(id, "malformed order reference"))?,
            reference: Reference::parse(&self.reference).map_err(|e| corrupt(id, e))?,
            amount_vnd: self.amount_vnd,
            description: Description::stored(self.description, self.order_info),
            created_at: self.created_at,
            expires_at: self.expires_at,
            status: AttemptStatus::parse(&self.status)
                .ok_or_else(|| corrupt(id, format!("unknown status {:?}", self.status)))?,
            response_code: self
                .response_code
                .map(|c| {
                    ResponseCode::parse(&c)
                        .ok_or_else(|| corrupt(id, format!("unknown response code {c:?}")))
                })
                .transpose()?,
            transaction_no: self.transaction_no,
            bank_code: self.bank_code,
            paid_at: self.paid_at,
            settled_at: self.settled_at,
            receipt_number: self.receipt_number,
            flags,
            handed_over_at: self.handed_over_at,
        })
    }
}

/// A notification's row.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    notification_id: String,
    txn_ref: Option<String>,
    received_at: i64,
    rsp_code: String,
    outcome: String,
    detail: Option<String>,
    query: String,
}

impl NotificationRow {
    fn parse(self) -> Result<Notification, PaymentError> {
        let id = self.notification_id.as_str();
        Ok(Notification {
            received_at: self.received_at,
            txn_ref: self.txn_ref,
            rsp_code: RspCode::parse(&self.rsp_code)
                .ok_or_else(|| corrupt(id, format!("unknown answer {:?}", self.rsp_code)))?,
            outcome: NotificationOutcome::parse(&self.outcome)
                .ok_or_else(|| corrupt(id, format!("unknown outcome {:?}", self.outcome)))?,
            detail: self.detail,
            query: self.query,
        })
    }
}

/// A notification ID that sorts by time: 48 bits of milliseconds, a 16-bit counter for the
/// notifications of one millisecond in this process, and 64 random bits, in hex. No shared
/// counter is needed, and several nodes never collide.
fn notification_id(now: i64) -> String {
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let mut random = [0u8; 8];
    rand::rng().fill_bytes(&mut random);
    format!(
        "{:012x}{:04x}{}",
        now.clamp(0, (1 << 48) - 1),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hex::encode(random)
    )
}

fn flag_list(flags: &[Flag]) -> String {
    flags
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// What the log row of a notification holds.
struct Logged {
    id: String,
    txn_ref: Option<String>,
    rsp_code: &'static str,
    outcome: &'static str,
    detail: Option<String>,
    query: String,
}

impl Logged {
    fn of(now: i64, query: &str, txn_ref: Option<String>, outcome: &IpnOutcome) -> Logged {
        let (logged, detail) = outcome.logged();
        Logged {
            id: notification_id(now),
            txn_ref,
            rsp_code: outcome.rsp_code().as_str(),
            outcome: logged.as_str(),
            detail,
            query: query.chars().take(MAX_LOGGED_QUERY).collect(),
        }
    }
}

impl Payments {
    /// Stores a new attempt, unless its reference is paid already.
    pub(crate) async fn insert_attempt(
        &self,
        order: &Order,
        request: &PayRequest,
    ) -> Result<(), PaymentError> {
        let client_ip = order.client_ip.to_string();
        write_tx!(&self.db, self.gate, |tx| {
            let paid: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT receipt_number FROM payment_attempts
                 WHERE reference = $1 AND status = 'paid'
                 ORDER BY settled_at LIMIT 1",
            )
            .bind(order.reference.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((receipt_number,)) = paid {
                return Err(PaymentError::AlreadyPaid {
                    reference: order.reference.to_string(),
                    receipt_number: receipt_number.unwrap_or_default(),
                });
            }
            sqlx::query(
                "INSERT INTO payment_attempts
                     (order_ref, reference, amount_vnd, description, order_info, return_url,
                      client_ip, created_at, expires_at, status, flags)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', '')",
            )
            .bind(request.txn_ref.as_str())
            .bind(order.reference.as_str())
            .bind(order.amount_vnd)
            .bind(order.description.text())
            .bind(order.description.order_info())
            .bind(order.return_url.as_str())
            .bind(&client_ip)
            .bind(request.create_date)
            .bind(request.expire_date)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Decides and records a verified IPN for `order_ref`, with its log entry, in one
    /// transaction.
    pub(crate) async fn settle(
        &self,
        now: i64,
        query: &str,
        params: &Params,
        order_ref: &OrderRef,
    ) -> Result<IpnOutcome, PaymentError> {
        let outcome = write_tx!(&self.db, self.gate, |tx| {
            let row: Option<Row> = sqlx::query_as(select_attempts!("WHERE order_ref = $1"))
                .bind(order_ref.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let outcome = match row {
                None => IpnOutcome::OrderNotFound {
                    txn_ref: order_ref.to_string(),
                },
                Some(row) => {
                    sqlx::query(
                        "UPDATE payment_attempts SET reference = reference WHERE reference = $1",
                    )
                    .bind(&row.reference)
                    .execute(&mut *tx)
                    .await?;
                    let current: Row = sqlx::query_as(select_attempts!("WHERE order_ref = $1"))
                        .bind(order_ref.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    let current = current.parse()?;
                    let (paid_elsewhere,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM payment_attempts
                         WHERE reference = $1 AND status = 'paid' AND order_ref <> $2",
                    )
                    .bind(current.reference.as_str())
                    .bind(order_ref.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                    let (change, outcome) = decide(self, params, &current, paid_elsewhere > 0, now);
                    if let Some(change) = change {
                        let updated = sqlx::query(
                            "UPDATE payment_attempts
                             SET status = $1, response_code = $2, transaction_status = $3,
                                 transaction_no = $4, bank_code = $5, paid_at = $6,
                                 settled_at = $7, receipt_number = $8, flags = $9
                             WHERE order_ref = $10 AND status = $11",
                        )
                        .bind(change.to.as_str())
                        .bind(change.result.response_code.as_str())
                        .bind(change.result.transaction_status.as_str())
                        .bind(&change.result.transaction_no)
                        .bind(&change.result.bank_code)
                        .bind(change.paid_at)
                        .bind(now)
                        .bind(&change.receipt_number)
                        .bind(flag_list(&change.flags))
                        .bind(order_ref.as_str())
                        .bind(current.status.as_str())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if updated != 1 {
                            return Err(PaymentError::Conflict);
                        }
                    }
                    outcome
                }
            };
            let log = Logged::of(now, query, Some(order_ref.to_string()), &outcome);
            sqlx::query(INSERT_NOTIFICATION)
                .bind(&log.id)
                .bind(&log.txn_ref)
                .bind(now)
                .bind(log.rsp_code)
                .bind(log.outcome)
                .bind(&log.detail)
                .bind(&log.query)
                .execute(&mut *tx)
                .await?;
            outcome
        });
        Ok(outcome)
    }

    /// Logs a notification that changed nothing, on its own.
    pub(crate) async fn log_notification(
        &self,
        now: i64,
        query: &str,
        outcome: &IpnOutcome,
    ) -> Result<(), PaymentError> {
        let log = Logged::of(now, query, claimed_txn_ref(query), outcome);
        write_on_db!(&self.db, self.gate, |pool| {
            sqlx::query(INSERT_NOTIFICATION)
                .bind(&log.id)
                .bind(&log.txn_ref)
                .bind(now)
                .bind(log.rsp_code)
                .bind(log.outcome)
                .bind(&log.detail)
                .bind(&log.query)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// One attempt.
    pub(crate) async fn find_attempt(
        &self,
        order_ref: &OrderRef,
    ) -> Result<Option<Attempt>, PaymentError> {
        let row: Option<Row> = on_db!(&self.db, |pool| {
            sqlx::query_as(select_attempts!("WHERE order_ref = $1"))
                .bind(order_ref.as_str())
                .fetch_optional(pool)
                .await?
        });
        row.map(Row::parse).transpose()
    }

    /// A reference's attempts, newest first.
    pub(crate) async fn attempts_by_reference(
        &self,
        reference: &Reference,
        limit: u32,
    ) -> Result<Vec<Attempt>, PaymentError> {
        let rows: Vec<Row> = on_db!(&self.db, |pool| {
            sqlx::query_as(select_attempts!(
                "WHERE reference = $1 ORDER BY created_at DESC, order_ref LIMIT $2"
            ))
            .bind(reference.as_str())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Row::parse).collect()
    }

    /// How many of a reference's attempts are paid.
    pub(crate) async fn paid_count(&self, reference: &Reference) -> Result<i64, PaymentError> {
        let (count,): (i64,) = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM payment_attempts WHERE reference = $1 AND status = 'paid'",
            )
            .bind(reference.as_str())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// Paid attempts not yet handed over, oldest settlement first.
    pub(crate) async fn unhanded(&self, limit: u32) -> Result<Vec<Attempt>, PaymentError> {
        let rows: Vec<Row> = on_db!(&self.db, |pool| {
            sqlx::query_as(select_attempts!(
                "WHERE status = 'paid' AND handed_over_at IS NULL
                 ORDER BY settled_at, order_ref LIMIT $1"
            ))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Row::parse).collect()
    }

    /// Records that the portal acted on a paid attempt (once).
    pub(crate) async fn mark_handed_over(
        &self,
        order_ref: &OrderRef,
        now: i64,
    ) -> Result<(), PaymentError> {
        write_on_db!(&self.db, self.gate, |pool| {
            sqlx::query(
                "UPDATE payment_attempts SET handed_over_at = $1
                 WHERE order_ref = $2 AND status = 'paid' AND handed_over_at IS NULL",
            )
            .bind(now)
            .bind(order_ref.as_str())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The notifications that named `txn_ref`, oldest first.
    pub(crate) async fn notifications_by_txn_ref(
        &self,
        txn_ref: &str,
        limit: u32,
    ) -> Result<Vec<Notification>, PaymentError> {
        let rows: Vec<NotificationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT notification_id, txn_ref, received_at, rsp_code, outcome, detail, query
                 FROM payment_notifications WHERE txn_ref = $1
                 ORDER BY notification_id LIMIT $2",
            )
            .bind(txn_ref)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(NotificationRow::parse).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_ids_sort_by_time_then_arrival() {
        let a = notification_id(1_796_180_645_000);
        let b = notification_id(1_796_180_645_000);
        let c = notification_id(1_796_180_645_001);
        assert_eq!(a.len(), 32);
        assert!(a < b && b < c, "{a} {b} {c}");
    }
}
