//! Domain vocabulary of dinhdanh: the pure, I/O-free types every capability shares.
//!
//! Outside input (forms, API bodies, imports, database rows) becomes one of these typed values
//! through a single `parse` function, or a typed error whose message says exactly what is wrong
//! and whose `code()` is a stable machine-readable identifier. Nothing here touches storage or
//! the network, so the registry, server and CLI can rely on these rules without setup.
#![forbid(unsafe_code)]

pub mod name;
pub mod personal_id;
pub mod province;
pub mod sex;
pub mod tax_code;
pub mod texts;

pub use chrono::NaiveDate;
pub use name::{MAX_PART_CHARS, NameError, NamePart, PersonName, fold, normalize};
pub use personal_id::{PersonalId, PersonalIdError, PersonalIdMismatch};
pub use province::{Province, ProvinceError};
pub use sex::{Sex, SexError};
pub use tax_code::{TaxCode, TaxCodeError, check_digit_for};
pub use texts::Texts;
