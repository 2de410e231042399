//! The access ledger: every read of a citizen's data by anyone but the citizen, every consent
//! given or withdrawn and every change to their account or record, in an append-only Merkle log
//! that anyone can verify and nobody — the operator included — can quietly rewrite.
//!
//! - [`merkle`]: RFC 9162 tree hashing, inclusion and consistency proofs and their verification.
//! - [`note`]: signed checkpoints in the C2SP signed-note and tlog-checkpoint formats, with a
//!   C2SP timestamped cosignature carrying the signing time.
//! - [`tiles`]: the stored shape of the tree (tiles of 16 hashes, after C2SP tlog-tiles).
//! - [`event`]: what an entry says (metadata only; the person as a keyed hash).
//! - [`audit`]: whole-log verification that names the first entry that does not match.
//! - [`proofs`]: proof and bundle formats of the HTTP API.
//! - [`Ledger`] (feature `db`, on by default): the log kept in SQLite or PostgreSQL, appended in
//!   durable batches.
//!
//! Everything but [`Ledger`] and [`export`] is pure: no database, no clock, no I/O.
#![forbid(unsafe_code)]

pub mod audit;
pub mod event;
#[cfg(feature = "db")]
pub mod export;
#[cfg(feature = "db")]
mod log;
pub mod merkle;
pub mod note;
pub mod proofs;
pub mod tiles;

pub use event::{Actor, Event, Kind, SubjectHash, SubjectKey};
#[cfg(feature = "db")]
pub use log::{HistoryFilter, Ledger, LedgerOptions, Recorded};
pub use merkle::Hash;
pub use note::{Checkpoint, SignedCheckpoint, VerifierKey};
pub use proofs::{Bundle, ConsistencyProof, InclusionProof};

/// What can go wrong with the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The request cannot be answered as asked (an index beyond the tree, …).
    #[error("{0}")]
    BadRequest(String),
    /// No entry has this index.
    #[error("there is no entry {0}")]
    NoSuchEntry(u64),
    /// The stored log does not hold together.
    #[error("the stored ledger is damaged: {0}")]
    Corrupt(String),
    /// The entry could not be recorded or read now.
    #[error("the ledger is unavailable: {0}")]
    Unavailable(String),
    /// The database failed.
    #[cfg(feature = "db")]
    #[error("ledger storage: {0}")]
    Store(#[from] sqlx::Error),
}
