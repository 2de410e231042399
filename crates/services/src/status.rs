//! An application's status and the moves between statuses, as a pure function.
//!
//! The statuses are the codes the National Public Service Portal synchronises (1 newly
//! registered … 10 result returned). [`next`] is the whole state machine: who may make which move
//! from which status, and where it leads. Everything else in the crate goes through it.

use serde::Serialize;

use crate::error::ServicesError;

/// An application's status, with the portal's numeric code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 1 — Mới đăng ký: filed, waiting for reception.
    New,
    /// 2 — Được tiếp nhận: accepted as complete.
    Accepted,
    /// 3 — Không được tiếp nhận: refused at reception.
    NotAccepted,
    /// 4 — Đang xử lý: being processed.
    Processing,
    /// 5 — Yêu cầu bổ sung giấy tờ: waiting for the applicant to complete it.
    SupplementRequested,
    /// 6 — Yêu cầu thực hiện nghĩa vụ tài chính: waiting for the fee.
    PaymentRequested,
    /// 7 — Công dân yêu cầu rút hồ sơ: withdrawn by the applicant.
    Withdrawn,
    /// 8 — Dừng xử lý: processing stopped.
    Stopped,
    /// 9 — Đã xử lý xong: decided (approved or refused).
    Processed,
    /// 10 — Đã trả kết quả: result returned.
    ResultReturned,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 10] = [
        Status::New,
        Status::Accepted,
        Status::NotAccepted,
        Status::Processing,
        Status::SupplementRequested,
        Status::PaymentRequested,
        Status::Withdrawn,
        Status::Stopped,
        Status::Processed,
        Status::ResultReturned,
    ];

    /// The portal's code, 1–10.
    pub fn code(self) -> u8 {
        Status::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8 + 1
    }

    /// The status with the portal's code.
    pub fn from_code(code: i64) -> Option<Status> {
        usize::try_from(code - 1)
            .ok()
            .and_then(|i| Status::ALL.get(i).copied())
    }

    /// The stored and published name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Accepted => "accepted",
            Status::NotAccepted => "not_accepted",
            Status::Processing => "processing",
            Status::SupplementRequested => "supplement_requested",
            Status::PaymentRequested => "payment_requested",
            Status::Withdrawn => "withdrawn",
            Status::Stopped => "stopped",
            Status::Processed => "processed",
            Status::ResultReturned => "result_returned",
        }
    }

    /// Whether nothing more can happen to the application.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::NotAccepted | Status::Withdrawn | Status::Stopped | Status::ResultReturned
        )
    }

    /// Whether the agency holds the application and its deadline runs.
    pub fn with_agency(self) -> bool {
        matches!(self, Status::New | Status::Accepted | Status::Processing)
    }
}

/// Who makes a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The applicant.
    Applicant,
    /// An officer of the agency handling the procedure.
    Officer,
    /// The platform itself (a payment settled by the gateway).
    System,
}

/// A move an application can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Reception accepts the application as complete (Form 01: receipt and appointment).
    Accept,
    /// Reception refuses it (Form 03), with the reason.
    Refuse,
    /// The agency asks for more (Form 02), with what is missing.
    RequestSupplement,
    /// The applicant completes it; it goes back to reception.
    Supplement,
    /// Processing starts.
    StartProcessing,
    /// The agency asks for the fee.
    RequestPayment,
    /// The fee is paid (reported by the payment gateway).
    Paid,
    /// The agency decides: approved, or refused with the reason.
    Decide,
    /// The result is handed over or sent.
    ReturnResult,
    /// The applicant withdraws the application.
    Withdraw,
    /// The agency stops processing, with the reason.
    Stop,
}

impl Move {
    /// Every move.
    pub const ALL: [Move; 11] = [
        Move::Accept,
        Move::Refuse,
        Move::RequestSupplement,
        Move::Supplement,
        Move::StartProcessing,
        Move::RequestPayment,
        Move::Paid,
        Move::Decide,
        Move::ReturnResult,
        Move::Withdraw,
        Move::Stop,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Move::Accept => "accept",
            Move::Refuse => "refuse",
            Move::RequestSupplement => "request_supplement",
            Move::Supplement => "supplement",
            Move::StartProcessing => "start_processing",
            Move::RequestPayment => "request_payment",
            Move::Paid => "paid",
            Move::Decide => "decide",
            Move::ReturnResult => "return_result",
            Move::Withdraw => "withdraw",
            Move::Stop => "stop",
        }
    }

    /// Parses [`Move::as_str`].
    pub fn parse(value: &str) -> Result<Move, ServicesError> {
        Move::ALL
            .into_iter()
            .find(|m| m.as_str() == value)
            .ok_or_else(|| {
                ServicesError::invalid(
                    "move",
                    format!(
                        "{value:?} is not a move; one of {}",
                        Move::ALL.map(Move::as_str).join(", ")
                    ),
                )
            })
    }

    /// Who may make it.
    pub fn role(self) -> Role {
        match self {
            Move::Supplement | Move::Withdraw => Role::Applicant,
            Move::Paid => Role::System,
            _ => Role::Officer,
        }
    }

    /// Whether the move must give a reason the applicant reads.
    pub fn needs_reason(self) -> bool {
        matches!(self, Move::Refuse | Move::RequestSupplement | Move::Stop)
    }
}

/// Where `from` goes with `step` made by `role`, or why it cannot.
pub fn next(from: Status, step: Move, role: Role) -> Result<Status, ServicesError> {
    use Status::*;
    if step.role() != role {
        return Err(ServicesError::NotYours(step));
    }
    let to = match (from, step) {
        (New, Move::Accept) => Accepted,
        (New, Move::Refuse) => NotAccepted,
        (New | Accepted | Processing, Move::RequestSupplement) => SupplementRequested,
        (SupplementRequested, Move::Supplement) => New,
        (Accepted, Move::StartProcessing) => Processing,
        (Accepted | Processing, Move::RequestPayment) => PaymentRequested,
        (PaymentRequested, Move::Paid) => Processing,
        (Processing, Move::Decide) => Processed,
        (Processed, Move::ReturnResult) => ResultReturned,
        (New | Accepted | Processing | SupplementRequested | PaymentRequested, Move::Withdraw) => {
            Withdrawn
        }
        (Accepted | Processing | SupplementRequested | PaymentRequested, Move::Stop) => Stopped,
        _ => return Err(ServicesError::NotAllowed { from, step }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_portals() {
        assert_eq!(Status::New.code(), 1);
        assert_eq!(Status::PaymentRequested.code(), 6);
        assert_eq!(Status::ResultReturned.code(), 10);
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code() as i64), Some(s));
        }
        assert_eq!(Status::from_code(0), None);
        assert_eq!(Status::from_code(11), None);
    }

    /// The whole table, written out: every (status, move) pair not listed here is refused.
    #[test]
    fn every_move_from_every_status() {
        use Status::*;
        let allowed: &[(Status, Move, Status)] = &[
            (New, Move::Accept, Accepted),
            (New, Move::Refuse, NotAccepted),
            (New, Move::RequestSupplement, SupplementRequested),
            (New, Move::Withdraw, Withdrawn),
            (Accepted, Move::StartProcessing, Processing),
            (Accepted, Move::RequestSupplement, SupplementRequested),
            (Accepted, Move::RequestPayment, PaymentRequested),
            (Accepted, Move::Withdraw, Withdrawn),
            (Accepted, Move::Stop, Stopped),
            (Processing, Move::RequestSupplement, SupplementRequested),
            (Processing, Move::RequestPayment, PaymentRequested),
            (Processing, Move::Decide, Processed),
            (Processing, Move::Withdraw, Withdrawn),
            (Processing, Move::Stop, Stopped),
            (SupplementRequested, Move::Supplement, New),
            (SupplementRequested, Move::Withdraw, Withdrawn),
            (SupplementRequested, Move::Stop, Stopped),
            (PaymentRequested, Move::Paid, Processing),
            (PaymentRequested, Move::Withdraw, Withdrawn),
            (PaymentRequested, Move::Stop, Stopped),
            (Processed, Move::ReturnResult, ResultReturned),
        ];
        let mut seen = 0;
        for from in Status::ALL {
            for step in Move::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, m, _)| *f == from && *m == step)
                    .map(|(_, _, to)| *to);
                match (next(from, step, step.role()), expected) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from:?} {step:?}");
                        seen += 1;
                    }
                    (Err(ServicesError::NotAllowed { .. }), None) => {}
                    (got, want) => panic!("{from:?} {step:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(seen, allowed.len());
        for from in Status::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(Move::ALL.iter().all(|m| next(from, *m, m.role()).is_err()));
        }
    }

    #[test]
    fn only_the_right_party_makes_a_move() {
        assert!(matches!(
            next(Status::New, Move::Accept, Role::Applicant),
            Err(ServicesError::NotYours(Move::Accept))
        ));
        assert!(matches!(
            next(Status::New, Move::Withdraw, Role::Officer),
            Err(ServicesError::NotYours(Move::Withdraw))
        ));
        assert!(matches!(
            next(Status::PaymentRequested, Move::Paid, Role::Officer),
            Err(ServicesError::NotYours(Move::Paid))
        ));
        for step in Move::ALL {
            assert_eq!(Move::parse(step.as_str()).unwrap(), step);
        }
        assert!(Move::parse("approve").is_err());
    }
}
