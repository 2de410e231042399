//! The merchant's side of the pay flow: start an attempt, settle it from the gateway's IPN,
//! show the citizen the result on return, and answer the portal's questions.
//!
//! The rules are here; [`crate::store`] runs them inside one write transaction per IPN, so that
//! the attempt's change and the notification's log entry are written together or not at all.

use url::form_urlencoded;

use crate::attempt::{
    Attempt, AttemptStatus, Flag, Notification, NotificationOutcome, PaymentState, Receipt,
    Settlement, Started, receipt_number,
};
use crate::codes::{ResponseCode, RspCode};
use crate::error::{PaymentError, QueryError};
use crate::order::{Order, OrderRef, Reference};
use crate::protocol::{self, GatewayResult, Locale, PayRequest};
use crate::signing::{self, Params};
use crate::{MAX_LISTED, Payments};

/// What became of an IPN; [`IpnOutcome::rsp_code`] is what to answer the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpnOutcome {
    /// `00`: the attempt is now paid. The portal moves the application on (and then calls
    /// [`Payments::handed_over`]).
    Settled(Settlement),
    /// `00`: the gateway reports the payment did not go through; the attempt is failed and the
    /// citizen may start another.
    Failed {
        /// The attempt.
        order_ref: OrderRef,
        /// What it was for.
        reference: Reference,
        /// Why it failed.
        code: ResponseCode,
    },
    /// `02`: the attempt already has its result; nothing changed.
    AlreadyConfirmed {
        /// The attempt.
        order_ref: OrderRef,
        /// Its result.
        status: AttemptStatus,
        /// Anything odd about the repeated notification, for the log.
        note: Option<String>,
    },
    /// `01`: no attempt has this order reference.
    OrderNotFound {
        /// The order reference named.
        txn_ref: String,
    },
    /// `04`: the amount is not the attempt's; nothing changed.
    InvalidAmount {
        /// The attempt.
        order_ref: OrderRef,
        /// Why, in words.
        detail: String,
    },
    /// `97`: the query cannot be trusted; nothing changed.
    InvalidSignature(QueryError),
    /// `99`: the notification could not be read or recorded now; the gateway will send it again.
    Error(String),
}

impl IpnOutcome {
    /// The answer for the gateway.
    pub fn rsp_code(&self) -> RspCode {
        match self {
            IpnOutcome::Settled(_) | IpnOutcome::Failed { .. } => RspCode::ConfirmSuccess,
            IpnOutcome::AlreadyConfirmed { .. } => RspCode::AlreadyConfirmed,
            IpnOutcome::OrderNotFound { .. } => RspCode::OrderNotFound,
            IpnOutcome::InvalidAmount { .. } => RspCode::InvalidAmount,
            IpnOutcome::InvalidSignature(_) => RspCode::InvalidSignature,
            IpnOutcome::Error(_) => RspCode::UnknownError,
        }
    }

    /// The JSON body to answer the gateway with.
    pub fn reply(&self) -> crate::IpnReply {
        self.rsp_code().reply()
    }

    /// What the log keeps of it.
    pub(crate) fn logged(&self) -> (NotificationOutcome, Option<String>) {
        match self {
            IpnOutcome::Settled(s) => (
                NotificationOutcome::Paid,
                (!s.flags.is_empty()).then(|| {
                    let flags: Vec<_> = s.flags.iter().map(|f| f.as_str()).collect();
                    format!("flagged: {}", flags.join(", "))
                }),
            ),
            IpnOutcome::Failed { code, .. } => (
                NotificationOutcome::Failed,
                Some(format!("gateway code {code}")),
            ),
            IpnOutcome::AlreadyConfirmed { status, note, .. } => (
                NotificationOutcome::AlreadyConfirmed,
                Some(
                    note.clone()
                        .unwrap_or_else(|| format!("the attempt is already {}", status.as_str())),
                ),
            ),
            IpnOutcome::OrderNotFound { txn_ref } => (
                NotificationOutcome::NotFound,
                Some(format!("no attempt has order reference {txn_ref:?}")),
            ),
            IpnOutcome::InvalidAmount { detail, .. } => {
                (NotificationOutcome::InvalidAmount, Some(detail.clone()))
            }
            IpnOutcome::InvalidSignature(e) => {
                (NotificationOutcome::InvalidSignature, Some(e.to_string()))
            }
            IpnOutcome::Error(detail) => (NotificationOutcome::Error, Some(detail.clone())),
        }
    }
}

/// What the return page shows. It reflects what the IPN recorded; the return itself settles
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnView {
    /// Paid: show the receipt.
    Paid {
        /// The attempt.
        attempt: Attempt,
        /// Its receipt.
        receipt: Receipt,
    },
    /// The gateway reports success but its notification has not been recorded yet: say the
    /// payment is being confirmed, and reload.
    Confirming {
        /// The attempt.
        attempt: Attempt,
    },
    /// Not paid: say why and offer to pay again.
    NotPaid {
        /// The attempt.
        attempt: Attempt,
        /// Why, as the gateway reported it.
        code: ResponseCode,
    },
}

/// What an IPN changes in its attempt.
pub(crate) struct Change {
    pub to: AttemptStatus,
    pub result: GatewayResult,
    pub paid_at: Option<i64>,
    pub receipt_number: Option<String>,
    pub flags: Vec<Flag>,
}

/// Decides what a verified IPN does to `attempt` (as it is now, inside the transaction);
/// `paid_elsewhere` says whether another attempt for the same reference is paid.
pub(crate) fn decide(
    payments: &Payments,
    params: &Params,
    attempt: &Attempt,
    paid_elsewhere: bool,
    now: i64,
) -> (Option<Change>, IpnOutcome) {
    let order_ref = attempt.order_ref.clone();
    let result = match GatewayResult::parse(params) {
        Ok(result) => result,
        Err(e) if e.is_amount() => {
            let detail = e.to_string();
            return (None, IpnOutcome::InvalidAmount { order_ref, detail });
        }
        Err(e) => return (None, IpnOutcome::Error(e.to_string())),
    };
    if result.tmn_code != payments.terminal().tmn_code {
        let e = QueryError::WrongTerminal {
            expected: payments.terminal().tmn_code.to_string(),
            got: result.tmn_code.to_string(),
        };
        return (None, IpnOutcome::Error(e.to_string()));
    }
    if result.amount_vnd != attempt.amount_vnd {
        let detail = format!(
            "the gateway reports {} đồng; the attempt is for {} đồng",
            result.amount_vnd, attempt.amount_vnd
        );
        return (None, IpnOutcome::InvalidAmount { order_ref, detail });
    }
    let success = result.is_success();
    match attempt.status {
        AttemptStatus::Paid => {
            let note = match (&attempt.transaction_no, success) {
                (Some(no), true) if *no != result.transaction_no => Some(format!(
                    "a second success, transaction {}, for an attempt paid by transaction {no}; \
                     not recorded, check with the gateway",
                    result.transaction_no
                )),
                (_, false) => Some(format!(
                    "a failure (code {}) for a paid attempt; not recorded",
                    result.response_code
                )),
                _ => None,
            };
            let status = attempt.status;
            (
                None,
                IpnOutcome::AlreadyConfirmed {
                    order_ref,
                    status,
                    note,
                },
            )
        }
        AttemptStatus::Failed if !success => {
            let status = attempt.status;
            (
                None,
                IpnOutcome::AlreadyConfirmed {
                    order_ref,
                    status,
                    note: None,
                },
            )
        }
        AttemptStatus::Pending if !success => {
            let code = result.response_code.clone();
            let change = Change {
                to: AttemptStatus::Failed,
                result,
                paid_at: None,
                receipt_number: None,
                flags: vec![],
            };
            let reference = attempt.reference.clone();
            (
                Some(change),
                IpnOutcome::Failed {
                    order_ref,
                    reference,
                    code,
                },
            )
        }
        // Money was taken: record it, whatever came before, and flag what is odd.
        AttemptStatus::Pending | AttemptStatus::Failed => {
            let paid_at = result.pay_date.unwrap_or(now);
            let mut flags = Vec::new();
            if paid_at > attempt.expires_at {
                flags.push(Flag::Late);
            }
            if attempt.status == AttemptStatus::Failed {
                flags.push(Flag::AfterFailure);
            }
            if paid_elsewhere {
                flags.push(Flag::DoublePayment);
            }
            let number = receipt_number(&order_ref, paid_at);
            let settlement = Settlement {
                order_ref,
                reference: attempt.reference.clone(),
                amount_vnd: attempt.amount_vnd,
                receipt_number: number.clone(),
                paid_at,
                flags: flags.clone(),
            };
            let change = Change {
                to: AttemptStatus::Paid,
                result,
                paid_at: Some(paid_at),
                receipt_number: Some(number),
                flags,
            };
            (Some(change), IpnOutcome::Settled(settlement))
        }
    }
}

/// The first `vnp_TxnRef` of a query, verified or not, for the log.
pub(crate) fn claimed_txn_ref(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "vnp_TxnRef")
        .map(|(_, v)| v.chars().take(100).collect())
}

impl Payments {
    /// Starts a payment attempt for `reference` and returns where to send the citizen. Each call
    /// makes a new attempt with a fresh order reference (a citizen may try again after a
    /// failure, or from another device); a reference already paid is refused.
    pub async fn start(
        &self,
        reference: &str,
        amount_vnd: i64,
        description: &str,
        return_url: &str,
        client_ip: &str,
    ) -> Result<Started, PaymentError> {
        let order = Order::parse(reference, amount_vnd, description, return_url, client_ip)?;
        let now = self.now();
        let request = PayRequest {
            tmn_code: self.terminal().tmn_code.clone(),
            txn_ref: OrderRef::new(),
            amount_vnd: order.amount_vnd,
            order_info: order.description.order_info().to_owned(),
            return_url: order.return_url.clone(),
            ip_addr: order.client_ip,
            create_date: now,
            expire_date: now + self.lifetime_ms,
            locale: Locale::Vietnamese,
        };
        self.insert_attempt(&order, &request).await?;
        Ok(Started {
            pay_url: request.to_url(&self.terminal().pay_page, &self.terminal().secret),
            order_ref: request.txn_ref,
            expires_at: request.expire_date,
        })
    }

    /// Handles the gateway's IPN (`query` is the request's query string) and says what to
    /// answer. It never fails: what cannot be recorded is answered `99` so that the gateway
    /// sends it again. Every notification is logged with its outcome.
    pub async fn handle_ipn(&self, query: &str) -> IpnOutcome {
        let query = query.strip_prefix('?').unwrap_or(query);
        let now = self.now();
        let checked = signing::verify(&self.terminal().secret, query)
            .map_err(|e| {
                if e.is_signature() {
                    IpnOutcome::InvalidSignature(e)
                } else {
                    IpnOutcome::Error(e.to_string())
                }
            })
            .and_then(|params| match protocol::txn_ref(&params) {
                Ok(order_ref) => Ok((params, order_ref)),
                Err(e @ QueryError::Missing { .. }) => Err(IpnOutcome::Error(e.to_string())),
                Err(_) => Err(IpnOutcome::OrderNotFound {
                    txn_ref: claimed_txn_ref(query).unwrap_or_default(),
                }),
            });
        let outcome = match checked {
            Ok((params, order_ref)) => match self.settle(now, query, &params, &order_ref).await {
                Ok(outcome) => return outcome,
                Err(e) => IpnOutcome::Error(e.to_string()),
            },
            Err(outcome) => outcome,
        };
        if let Err(e) = self.log_notification(now, query, &outcome).await {
            tracing::warn!(error = %e, "could not log a payment notification");
        }
        outcome
    }

    /// Reads the gateway's return query (the citizen's browser brings it back) and says what to
    /// show. The signature is checked, and a tampered query is an error; nothing is settled
    /// here, as only the IPN may settle.
    pub async fn handle_return(&self, query: &str) -> Result<ReturnView, PaymentError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let params = signing::verify(&self.terminal().secret, query)?;
        let result = GatewayResult::parse(&params)?;
        if result.tmn_code != self.terminal().tmn_code {
            return Err(QueryError::WrongTerminal {
                expected: self.terminal().tmn_code.to_string(),
                got: result.tmn_code.to_string(),
            }
            .into());
        }
        let attempt = self.attempt(result.txn_ref.as_str()).await?;
        if result.amount_vnd != attempt.amount_vnd {
            return Err(PaymentError::AmountMismatch {
                order_ref: attempt.order_ref.to_string(),
                expected: attempt.amount_vnd,
                got: result.amount_vnd,
            });
        }
        Ok(match attempt.status {
            AttemptStatus::Paid => {
                let receipt = receipt_of(&attempt, self.now())?;
                ReturnView::Paid { attempt, receipt }
            }
            AttemptStatus::Failed => {
                let code = attempt
                    .response_code
                    .clone()
                    .unwrap_or(result.response_code);
                ReturnView::NotPaid { attempt, code }
            }
            AttemptStatus::Pending if result.is_success() => ReturnView::Confirming { attempt },
            AttemptStatus::Pending => ReturnView::NotPaid {
                attempt,
                code: result.response_code,
            },
        })
    }

    /// One attempt by its order reference.
    pub async fn attempt(&self, order_ref: &str) -> Result<Attempt, PaymentError> {
        let not_found = || PaymentError::NotFound {
            order_ref: order_ref.chars().take(100).collect(),
        };
        let order_ref = OrderRef::parse(order_ref).ok_or_else(not_found)?;
        self.find_attempt(&order_ref).await?.ok_or_else(not_found)
    }

    /// Every attempt for a reference, newest first (at most [`MAX_LISTED`]).
    pub async fn attempts_of(&self, reference: &str) -> Result<Vec<Attempt>, PaymentError> {
        let reference = Reference::parse(reference)?;
        self.attempts_by_reference(&reference, MAX_LISTED).await
    }

    /// Whether a reference is paid, waiting for a result, or neither.
    pub async fn payment_of(&self, reference: &str) -> Result<PaymentState, PaymentError> {
        let attempts = self.attempts_of(reference).await?;
        let now = self.now();
        if let Some(paid) = attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Paid)
            .min_by_key(|a| (a.settled_at, a.created_at))
        {
            return Ok(PaymentState::Paid(paid.clone()));
        }
        Ok(attempts
            .into_iter()
            .find(|a| a.state_at(now) == crate::AttemptState::Open)
            .map_or(PaymentState::Unpaid, PaymentState::Waiting))
    }

    /// Whether any attempt for the reference is paid.
    pub async fn is_paid(&self, reference: &str) -> Result<bool, PaymentError> {
        let reference = Reference::parse(reference)?;
        self.paid_count(&reference).await.map(|n| n > 0)
    }

    /// The receipt of a paid attempt.
    pub async fn receipt(&self, order_ref: &str) -> Result<Receipt, PaymentError> {
        receipt_of(&self.attempt(order_ref).await?, self.now())
    }

    /// Paid attempts the portal has not yet confirmed acting on, oldest settlement first (at
    /// most `limit`, itself at most [`MAX_LISTED`]).
    pub async fn settlements_to_hand_over(
        &self,
        limit: u32,
    ) -> Result<Vec<Settlement>, PaymentError> {
        let attempts = self.unhanded(limit.min(MAX_LISTED)).await?;
        attempts
            .iter()
            .map(|a| {
                let receipt = receipt_of(a, self.now())?;
                Ok(Settlement {
                    order_ref: receipt.order_ref,
                    reference: receipt.reference,
                    amount_vnd: receipt.amount_vnd,
                    receipt_number: receipt.number,
                    paid_at: receipt.paid_at,
                    flags: receipt.flags,
                })
            })
            .collect()
    }

    /// The portal has acted on a paid attempt: it leaves the hand-over list. Saying it twice
    /// changes nothing.
    pub async fn handed_over(&self, order_ref: &str) -> Result<(), PaymentError> {
        let attempt = self.attempt(order_ref).await?;
        if attempt.status != AttemptStatus::Paid {
            return Err(PaymentError::NotPaid {
                order_ref: attempt.order_ref.to_string(),
                state: attempt.state_at(self.now()),
            });
        }
        if attempt.handed_over_at.is_none() {
            self.mark_handed_over(&attempt.order_ref, self.now())
                .await?;
        }
        Ok(())
    }

    /// The IPNs received for an order reference (as they named it), oldest first (at most
    /// [`MAX_LISTED`]).
    pub async fn notifications_of(
        &self,
        order_ref: &str,
    ) -> Result<Vec<Notification>, PaymentError> {
        self.notifications_by_txn_ref(order_ref, MAX_LISTED).await
    }
}

/// The receipt of an attempt, or why it has none.
fn receipt_of(attempt: &Attempt, now: i64) -> Result<Receipt, PaymentError> {
    let not_paid = || PaymentError::NotPaid {
        order_ref: attempt.order_ref.to_string(),
        state: attempt.state_at(now),
    };
    if attempt.status != AttemptStatus::Paid {
        return Err(not_paid());
    }
    let corrupt = |what| crate::error::corrupt(attempt.order_ref.as_str(), what);
    Ok(Receipt {
        number: attempt
            .receipt_number
            .clone()
            .ok_or_else(|| corrupt("paid without a receipt number"))?,
        order_ref: attempt.order_ref.clone(),
        reference: attempt.reference.clone(),
        amount_vnd: attempt.amount_vnd,
        description: attempt.description.text().to_owned(),
        paid_at: attempt
            .paid_at
            .ok_or_else(|| corrupt("paid without a time"))?,
        transaction_no: attempt
            .transaction_no
            .clone()
            .ok_or_else(|| corrupt("paid without a transaction number"))?,
        bank_code: attempt.bank_code.clone(),
        flags: attempt.flags.clone(),
    })
}
