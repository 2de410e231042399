//! Application fees as the payment gateway sees the platform: the IPN endpoint
//! (`GET /api/v1/payments/ipn`, [`crate::PAYMENT_IPN_PATH`]) where the gateway reports each
//! result, and the hand-over that moves a paid application back to processing.
//!
//! `dinhdanh_payment` checks and records the notification and says what to answer; when an
//! attempt becomes paid, the application it pays for (the payment reference is the
//! application's ID) makes the platform's `paid` move, and the payment is then marked handed
//! over. A background loop does the same for every paid attempt not yet handed over, so that a
//! crash between recording the payment and moving the application loses nothing; acting twice
//! is harmless, because an application that no longer waits for its fee does not move again.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use dinhdanh_payment::{IpnOutcome, IpnReply, Settlement};
use dinhdanh_services::ServicesError;
use serde_json::json;

use crate::AppState;

/// How often the hand-over loop looks for paid attempts not yet acted on.
const HAND_OVER_EVERY: Duration = Duration::from_secs(5);
/// How many paid attempts one round of the loop takes.
const HAND_OVER_BATCH: u32 = 50;

/// Routes under `/api/v1/payments`.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/ipn", get(ipn))
}

/// The gateway's payment notification (IPN): the signed result as the query string. The answer
/// is always HTTP 200 with the gateway's JSON: `00` recorded, `01` unknown order, `02` already
/// recorded, `04` wrong amount, `97` bad signature, `99` try again later.
#[utoipa::path(get, path = "/api/v1/payments/ipn", tag = "payments",
    params(("vnp_SecureHash" = String, Query, description = "HMAC-SHA512 of the other vnp_ parameters under the terminal's secret"),
        ("vnp_TxnRef" = String, Query, description = "The attempt's order reference")),
    responses((status = 200, description = "`{\"RspCode\": \"00\", \"Message\": \"Confirm Success\"}` and the other codes", body = Object)))]
pub(crate) async fn ipn(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Json<IpnReply> {
    let outcome = state
        .payments
        .handle_ipn(query.as_deref().unwrap_or(""))
        .await;
    match &outcome {
        IpnOutcome::Settled(settlement) => hand_over(&state, settlement).await,
        IpnOutcome::Failed {
            order_ref, code, ..
        } => tracing::info!(%order_ref, %code, "a payment did not go through"),
        IpnOutcome::AlreadyConfirmed {
            order_ref, note, ..
        } => tracing::info!(%order_ref, ?note, "a repeated payment notification"),
        IpnOutcome::OrderNotFound { txn_ref } => {
            tracing::warn!(txn_ref, "a payment notification for no known attempt")
        }
        IpnOutcome::InvalidAmount { order_ref, detail } => {
            tracing::warn!(%order_ref, detail, "a payment notification with another amount")
        }
        IpnOutcome::InvalidSignature(e) => {
            tracing::warn!(error = %e, "a payment notification that does not verify")
        }
        IpnOutcome::Error(detail) => {
            tracing::warn!(detail, "a payment notification could not be recorded now")
        }
    }
    Json(outcome.reply())
}

/// Moves the application a paid attempt was for, then takes the attempt off the hand-over list.
/// What fails for a reason that may pass (storage, a concurrent move) stays on the list for the
/// next round of the loop.
pub(crate) async fn hand_over(state: &AppState, settlement: &Settlement) {
    let order_ref = settlement.order_ref.as_str();
    let application = settlement.reference.as_str();
    let receipt = match state.payments.receipt(order_ref).await {
        Ok(receipt) => receipt,
        Err(e) => {
            tracing::warn!(order_ref, error = %e, "the receipt of a paid attempt cannot be read");
            return;
        }
    };
    let detail = json!({
        "order_ref": order_ref,
        "amount_vnd": settlement.amount_vnd,
        "transaction_no": receipt.transaction_no,
        "receipt_number": settlement.receipt_number,
    });
    match state.services.paid(application, detail).await {
        Ok(moved) => tracing::info!(
            application,
            order_ref,
            version = moved.version,
            "fee paid; the application is back in processing"
        ),
        // The application no longer waits for its fee: this payment was acted on already (by
        // another node, or an earlier round), or the application was withdrawn or stopped in
        // the meantime. There is nothing to move; the payment and its receipt stay on record
        // (a refund, if one is due, is a person's decision).
        Err(ServicesError::NotAllowed { from, .. }) => tracing::warn!(
            application,
            order_ref,
            status = from.as_str(),
            flags = ?settlement.flags,
            "a payment for an application that no longer waits for its fee; nothing to move"
        ),
        // The reference names no filed application: nothing can ever move, so keeping it on the
        // list would only repeat this line; the payment stays on record.
        Err(e @ (ServicesError::NotFound | ServicesError::Invalid { .. })) => tracing::error!(
            application,
            order_ref,
            error = %e,
            "a payment for no filed application; nothing to move"
        ),
        Err(e) => {
            tracing::warn!(application, order_ref, error = %e, "a paid application could not be moved yet");
            return;
        }
    }
    if let Err(e) = state.payments.handed_over(order_ref).await {
        tracing::warn!(order_ref, error = %e, "a payment could not be marked handed over");
    }
}

/// The hand-over loop's task; dropping it (when the server stops) stops the loop.
pub(crate) struct HandOverLoop(tokio::task::JoinHandle<()>);

impl Drop for HandOverLoop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the loop that, every few seconds, moves the applications of paid attempts not yet
/// handed over: what the IPN handler did not finish (a crash, a storage failure) is done here.
#[must_use = "the loop stops when this is dropped"]
pub(crate) fn spawn_hand_over(state: AppState) -> HandOverLoop {
    HandOverLoop(tokio::spawn(async move {
        loop {
            tokio::time::sleep(HAND_OVER_EVERY).await;
            match state
                .payments
                .settlements_to_hand_over(HAND_OVER_BATCH)
                .await
            {
                Ok(settlements) => {
                    for settlement in &settlements {
                        hand_over(&state, settlement).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "paid attempts cannot be listed now"),
            }
        }
    }))
}
