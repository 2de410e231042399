//! Sending the IPN: an HTTP GET of the merchant's IPN URL with the signed result, sent again
//! with growing pauses until the merchant answers `00` or `02`, or the tries run out.
//!
//! Any other answer counts as no valid answer: another code, an HTTP error status, a body that
//! is not the expected JSON, or no connection at all.

use std::time::Duration;

use url::Url;

use crate::Clock;
use crate::codes::IpnReply;

/// How an IPN is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// How many times to send it at most (at least once).
    pub max_tries: u32,
    /// The pause after the first failed try; each next pause doubles.
    pub first_delay: Duration,
    /// The longest pause.
    pub max_delay: Duration,
    /// How long to wait for one answer.
    pub timeout: Duration,
}

impl Default for Retry {
    /// Ten tries over about ten minutes.
    fn default() -> Retry {
        Retry {
            max_tries: 10,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(120),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// The pause after the `n`th failed try (1-based).
    pub fn delay_after(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What one try got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryOutcome {
    /// The merchant answered with the expected JSON.
    Answered(IpnReply),
    /// The merchant answered with an HTTP error status.
    HttpStatus(u16),
    /// The merchant answered 2xx with a body that is not an IPN answer.
    Unreadable(String),
    /// No answer at all (connection refused, timeout).
    Unreachable(String),
}

/// One try of an IPN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Try {
    /// When it was sent, Unix ms by the gateway's clock.
    pub at: i64,
    /// What came back.
    pub outcome: TryOutcome,
}

/// How one IPN's delivery went, try by try.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivery {
    /// Every try, in order.
    pub tries: Vec<Try>,
}

impl Delivery {
    /// Whether the merchant took it (answered `00` or `02`).
    pub fn confirmed(&self) -> bool {
        self.last_reply()
            .and_then(IpnReply::code)
            .is_some_and(|c| c.is_final())
    }

    /// The last JSON answer received, if any.
    pub fn last_reply(&self) -> Option<&IpnReply> {
        self.tries.iter().rev().find_map(|t| match &t.outcome {
            TryOutcome::Answered(reply) => Some(reply),
            _ => None,
        })
    }

    /// Every JSON answer's code, in order (`"--"` for tries without one), for assertions.
    pub fn codes(&self) -> Vec<String> {
        self.tries
            .iter()
            .map(|t| match &t.outcome {
                TryOutcome::Answered(reply) => reply.rsp_code.clone(),
                _ => "--".to_owned(),
            })
            .collect()
    }
}

/// Sends the IPN `query` to `ipn_url` until it is taken or the tries run out.
pub(super) async fn deliver(
    client: &reqwest::Client,
    ipn_url: &Url,
    query: &str,
    retry: &Retry,
    clock: &Clock,
) -> Delivery {
    let target = match ipn_url.query() {
        Some(_) => format!("{ipn_url}&{query}"),
        None => format!("{ipn_url}?{query}"),
    };
    let mut delivery = Delivery::default();
    for n in 1..=retry.max_tries.max(1) {
        let at = clock.now_ms();
        let outcome = try_once(client, &target).await;
        let taken =
            matches!(&outcome, TryOutcome::Answered(r) if r.code().is_some_and(|c| c.is_final()));
        tracing::debug!(try_number = n, ?outcome, "sandbox IPN");
        delivery.tries.push(Try { at, outcome });
        if taken || n == retry.max_tries {
            break;
        }
        tokio::time::sleep(retry.delay_after(n)).await;
    }
    delivery
}

async fn try_once(client: &reqwest::Client, target: &str) -> TryOutcome {
    let response = match client.get(target).send().await {
        Ok(response) => response,
        Err(e) => return TryOutcome::Unreachable(dinhdanh_http::describe(&e)),
    };
    let status = response.status();
    if !status.is_success() {
        return TryOutcome::HttpStatus(status.as_u16());
    }
    match response.text().await {
        Ok(body) => match serde_json::from_str::<IpnReply>(&body) {
            Ok(reply) => TryOutcome::Answered(reply),
            Err(_) => TryOutcome::Unreadable(body.chars().take(200).collect()),
        },
        Err(e) => TryOutcome::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap() {
        let retry = Retry {
            max_tries: 10,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(1),
        };
        let pauses: Vec<_> = (1..=6).map(|n| retry.delay_after(n).as_secs()).collect();
        assert_eq!(pauses, vec![2, 4, 8, 16, 30, 30]);
        assert_eq!(retry.delay_after(200), Duration::from_secs(30));
    }
}
