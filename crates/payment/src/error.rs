//! Everything a payment can fail with: [`QueryError`] for a gateway query that cannot be trusted
//! or read (pure, from [`crate::signing`] and [`crate::result`]), and [`PaymentError`] for the
//! merchant's operations, which wraps it.
//!
//! Each variant carries what is needed to act on it; the English message is its `Display`, and
//! `code()` is the stable key under which the web pages keep the Vietnamese and English texts.

use crate::attempt::AttemptState;

/// Why a gateway query (a pay URL, a return or an IPN) cannot be trusted or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Far longer than any real query.
    #[error("the query is {bytes} bytes long; a gateway query is at most {max}")]
    TooLong {
        /// Its length.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// No `vnp_SecureHash`.
    #[error("the query is not signed (no vnp_SecureHash)")]
    MissingSignature,
    /// A parameter given twice.
    #[error("the parameter {name} is given more than once")]
    DuplicateParameter {
        /// The parameter.
        name: String,
    },
    /// A `vnp_` parameter name with characters no gateway uses.
    #[error("{name:?} is not a gateway parameter name")]
    MalformedName {
        /// The name given.
        name: String,
    },
    /// The signature does not match the parameters under the terminal's secret.
    #[error(
        "the signature does not match: the query was changed or not made with this terminal's secret"
    )]
    BadSignature,
    /// A required parameter is absent or empty.
    #[error("the parameter {name} is missing")]
    Missing {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter's value is not of its documented form.
    #[error("{name} is {value:?}; it should be {expected}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
    /// `vnp_Amount` is not a whole number of đồng (it counts hundredths).
    #[error("vnp_Amount is {value}, which is not a whole number of đồng (it must end in 00)")]
    FractionalAmount {
        /// The value given.
        value: String,
    },
    /// The query is for another terminal.
    #[error("the query is for terminal {got}, not {expected}")]
    WrongTerminal {
        /// Ours.
        expected: String,
        /// The one named.
        got: String,
    },
    /// A hash secret too short or with spaces or control characters (configuration).
    #[error("a hash secret is at least 16 printable ASCII characters without spaces")]
    WeakSecret,
}

impl QueryError {
    /// Whether the query cannot be trusted at all (answered `97`), as opposed to a signed query
    /// whose content is wrong.
    pub fn is_signature(&self) -> bool {
        matches!(
            self,
            QueryError::MissingSignature
                | QueryError::DuplicateParameter { .. }
                | QueryError::MalformedName { .. }
                | QueryError::BadSignature
                | QueryError::TooLong { .. }
        )
    }

    /// Whether the amount is what is wrong (answered `04`).
    pub fn is_amount(&self) -> bool {
        matches!(
            self,
            QueryError::FractionalAmount { .. }
                | QueryError::Invalid {
                    name: "vnp_Amount",
                    ..
                }
                | QueryError::Missing { name: "vnp_Amount" }
        )
    }

    /// A stable machine-readable code, also the key of the error's texts on the web pages.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::TooLong { .. } => "payment.query_too_long",
            QueryError::MissingSignature => "payment.unsigned",
            QueryError::DuplicateParameter { .. } => "payment.duplicate_parameter",
            QueryError::MalformedName { .. } => "payment.malformed_name",
            QueryError::BadSignature => "payment.bad_signature",
            QueryError::Missing { .. } => "payment.missing_parameter",
            QueryError::Invalid { .. } => "payment.invalid_parameter",
            QueryError::FractionalAmount { .. } => "payment.fractional_amount",
            QueryError::WrongTerminal { .. } => "payment.wrong_terminal",
            QueryError::WeakSecret => "payment.weak_secret",
        }
    }
}

/// What can go wrong with a payment on the merchant's side.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The reference of what is paid for is not an identifier.
    #[error(
        "{value:?} is not a reference to pay for: use 1 to {max} letters, digits or . _ : - characters"
    )]
    InvalidReference {
        /// The text given.
        value: String,
        /// The longest allowed.
        max: usize,
    },
    /// An amount outside what the gateway can carry.
    #[error("{amount_vnd} đồng cannot be paid online: the amount must be from {min} to {max} đồng")]
    AmountOutOfRange {
        /// The amount given.
        amount_vnd: i64,
        /// The least.
        min: i64,
        /// The most.
        max: i64,
    },
    /// No description of what is paid for.
    #[error("describe what the fee is for")]
    DescriptionRequired,
    /// A description that keeps no letter or digit once written without diacritics.
    #[error("the description {value:?} has no letters or digits the gateway can show")]
    DescriptionUnprintable {
        /// The text given.
        value: String,
    },
    /// Free text longer than allowed.
    #[error("the description is {chars} characters long; at most {max} are allowed")]
    DescriptionTooLong {
        /// Characters given.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A control character inside the description.
    #[error("the description contains the control character U+{:04X}; remove it", *.0 as u32)]
    ControlCharacter(char),
    /// A return URL the gateway could not send the citizen back to.
    #[error("{value:?} cannot be the return address: {reason}")]
    InvalidReturnUrl {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The citizen's address is not an IP address.
    #[error("{value:?} is not an IPv4 or IPv6 address")]
    InvalidClientIp {
        /// The text given.
        value: String,
    },
    /// The terminal code from the configuration is not the gateway's 8 letters and digits.
    #[error("{value:?} is not a terminal code: the gateway issues 8 letters and digits")]
    InvalidTmnCode {
        /// The text given.
        value: String,
    },
    /// The gateway's pay page address from the configuration is not usable.
    #[error("{value:?} cannot be the gateway's pay page: {reason}")]
    InvalidPayPage {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The reference is paid already; a second payment would have to be refunded.
    #[error("{reference} is already paid (receipt {receipt_number}); there is nothing more to pay")]
    AlreadyPaid {
        /// What was paid for.
        reference: String,
        /// The receipt of the payment.
        receipt_number: String,
    },
    /// No payment attempt has this order reference.
    #[error("there is no payment with order reference {order_ref:?}")]
    NotFound {
        /// The order reference asked for.
        order_ref: String,
    },
    /// A receipt was asked for an attempt that is not paid.
    #[error("payment {order_ref} is {} and has no receipt", .state.as_str())]
    NotPaid {
        /// The attempt.
        order_ref: String,
        /// Where it stands.
        state: AttemptState,
    },
    /// A query from the gateway that cannot be trusted or read.
    #[error("{0}")]
    Query(#[from] QueryError),
    /// A signed result whose amount is not the attempt's.
    #[error("the gateway reports {got} đồng for payment {order_ref}, which is for {expected} đồng")]
    AmountMismatch {
        /// The attempt.
        order_ref: String,
        /// The attempt's amount.
        expected: i64,
        /// The amount reported.
        got: i64,
    },
    /// Someone else changed the attempt at the same moment.
    #[error("the payment changed while it was being recorded; try again")]
    Conflict,
    /// A stored row no longer parses: the database was edited outside this crate.
    #[error("stored payment {id} is corrupt: {detail}")]
    Corrupt {
        /// The order reference or notification ID.
        id: String,
        /// What failed.
        detail: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl PaymentError {
    /// A stable machine-readable code, also the key of the error's texts on the web pages.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::InvalidReference { .. } => "payment.invalid_reference",
            PaymentError::AmountOutOfRange { .. } => "payment.amount_out_of_range",
            PaymentError::DescriptionRequired => "payment.description_required",
            PaymentError::DescriptionUnprintable { .. } => "payment.description_unprintable",
            PaymentError::DescriptionTooLong { .. } => "payment.description_too_long",
            PaymentError::ControlCharacter(_) => "payment.control_character",
            PaymentError::InvalidReturnUrl { .. } => "payment.invalid_return_url",
            PaymentError::InvalidClientIp { .. } => "payment.invalid_client_ip",
            PaymentError::InvalidTmnCode { .. } => "payment.invalid_tmn_code",
            PaymentError::InvalidPayPage { .. } => "payment.invalid_pay_page",
            PaymentError::AlreadyPaid { .. } => "payment.already_paid",
            PaymentError::NotFound { .. } => "payment.not_found",
            PaymentError::NotPaid { .. } => "payment.not_paid",
            PaymentError::Query(e) => e.code(),
            PaymentError::AmountMismatch { .. } => "payment.amount_mismatch",
            PaymentError::Conflict => "payment.conflict",
            PaymentError::Corrupt { .. } => "payment.corrupt",
            PaymentError::Database(_) => "payment.database",
        }
    }

    /// Whether the error is about the input of [`crate::Payments::start`] (show the form again).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            PaymentError::InvalidReference { .. }
                | PaymentError::AmountOutOfRange { .. }
                | PaymentError::DescriptionRequired
                | PaymentError::DescriptionUnprintable { .. }
                | PaymentError::DescriptionTooLong { .. }
                | PaymentError::ControlCharacter(_)
                | PaymentError::InvalidReturnUrl { .. }
                | PaymentError::InvalidClientIp { .. }
        )
    }
}

/// A stored value that no longer parses, reported against its row.
pub(crate) fn corrupt(id: &str, detail: impl ToString) -> PaymentError {
    PaymentError::Corrupt {
        id: id.to_owned(),
        detail: detail.to_string(),
    }
}
