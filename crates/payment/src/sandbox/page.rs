//! The sandbox's pay page, in Vietnamese and English: `GET` shows a checked order with three
//! buttons, `POST` records the choice, redirects the browser to the merchant's return URL with
//! the signed result and sends the IPN in the background.

use axum::Router;
use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::{Choice, Gateway, PAY_PATH, SandboxError, Twist};
use crate::gmt7;
use crate::protocol::PayRequest;

pub(super) fn router(gateway: Gateway) -> Router {
    Router::new()
        .route(PAY_PATH, get(show).post(submit))
        .with_state(gateway)
}

async fn show(State(gateway): State<Gateway>, RawQuery(query): RawQuery) -> Response {
    match gateway.open(query.as_deref().unwrap_or_default()) {
        Ok(request) => {
            let token = gateway
                .shown(request.txn_ref.as_str())
                .map(|(_, token)| token)
                .unwrap_or_default();
            pay_page(&gateway, &request, &token).into_response()
        }
        Err(e) => error_page(&e).into_response(),
    }
}

/// The pay page's form.
#[derive(Deserialize)]
struct Submit {
    #[serde(rename = "vnp_TxnRef")]
    txn_ref: String,
    token: String,
    action: String,
}

async fn submit(State(gateway): State<Gateway>, Form(form): Form<Submit>) -> Response {
    let Some(choice) = Choice::parse(&form.action) else {
        return (StatusCode::BAD_REQUEST, "unknown action").into_response();
    };
    match gateway.finish(&form.txn_ref, Some(&form.token), choice, &Twist::default()) {
        Ok(completed) => {
            let background = gateway.clone();
            let order_ref = form.txn_ref.clone();
            let query = completed.query.clone();
            tokio::spawn(async move {
                background.deliver(&order_ref, &query).await;
            });
            Redirect::to(completed.return_url.as_str()).into_response()
        }
        Err(e) => error_page(&e).into_response(),
    }
}

/// 150000 → "150.000" (Vietnamese groups thousands with dots).
fn vnd(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A gateway time as `HH:mm:ss dd/MM/yyyy` (GMT+7).
fn shown_time(ms: i64) -> String {
    let t = gmt7::format(ms);
    format!(
        "{}:{}:{} {}/{}/{}",
        &t[8..10],
        &t[10..12],
        &t[12..14],
        &t[6..8],
        &t[4..6],
        &t[0..4]
    )
}

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
            }
            body {
                header {
                    p { strong { "Cổng thanh toán thử nghiệm" } " · Sandbox payment gateway" }
                    p { small { "Không có tiền thật nào được chuyển. · No real money moves." } }
                }
                main { (body) }
            }
        }
    }
}

fn pay_page(gateway: &Gateway, request: &PayRequest, token: &str) -> Markup {
    layout(
        "Thanh toán · Payment",
        html! {
            h1 { "Thanh toán đơn hàng · Pay for an order" }
            table {
                tr { th { "Đơn vị chấp nhận · Merchant" } td { (gateway.tmn_code()) } }
                tr { th { "Mã đơn hàng · Order reference" } td { code { (request.txn_ref) } } }
                tr { th { "Số tiền · Amount" } td { (vnd(request.amount_vnd)) " VND" } }
                tr { th { "Nội dung · Description" } td { (request.order_info) } }
                tr { th { "Hết hạn lúc · Expires at" } td { (shown_time(request.expire_date)) " (GMT+7)" } }
            }
            form method="post" action=(PAY_PATH) {
                input type="hidden" name="vnp_TxnRef" value=(request.txn_ref);
                input type="hidden" name="token" value=(token);
                button type="submit" name="action" value="pay" { "Thanh toán · Pay" }
                " "
                button type="submit" name="action" value="cancel" { "Hủy giao dịch · Cancel" }
                " "
                button type="submit" name="action" value="fail" {
                    "Thanh toán lỗi (không đủ số dư) · Fail (insufficient funds)"
                }
            }
        },
    )
}

fn error_page(error: &SandboxError) -> (StatusCode, Markup) {
    let status = match error {
        SandboxError::UnknownOrder { .. } => StatusCode::NOT_FOUND,
        SandboxError::AlreadyCompleted { .. } | SandboxError::ConflictingOrder { .. } => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::BAD_REQUEST,
    };
    (
        status,
        layout(
            "Lỗi · Error",
            html! {
                h1 { "Không thể thanh toán · Cannot pay" }
                p { (error.vietnamese()) }
                p lang="en" { (error.to_string()) }
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_read_the_vietnamese_way() {
        assert_eq!(vnd(5), "5");
        assert_eq!(vnd(1_000), "1.000");
        assert_eq!(vnd(150_000), "150.000");
        assert_eq!(vnd(9_999_999_999), "9.999.999.999");
        assert_eq!(shown_time(1_796_180_645_000), "10:04:05 02/12/2026");
    }
}
