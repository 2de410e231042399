//! Storage layer: one handle, [`Db`], over the embedded SQLite default or production PostgreSQL.
//!
//! Capabilities never see this enum's internals except in their per-backend storage modules; they
//! get a `Db` from the binary, match on it once to build their SQLite or PostgreSQL store, and keep
//! their rules backend-free. Migrations for both backends live here, so that one `db migrate`
//! brings every capability's tables up to date in order.
#![forbid(unsafe_code)]

mod db;
pub mod group;
mod macros;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Db, MigrationStatus, PoolOptions, PoolStats, StoreError};
pub use sqlx;
