//! The store's SQL macros (`dinhdanh_store::{on_db, write_tx, write_on_db}`), bound to this
//! capability's database handle and the SQLite write gate it shares with the others.

pub(crate) use dinhdanh_store::on_db;

/// [`dinhdanh_store::write_tx`] on the provider's database and write gate.
macro_rules! write_tx {
    ($oidc:expr, |$tx:ident| $body:expr) => {
        ::dinhdanh_store::write_tx!($oidc.db(), $oidc.inner.sqlite_writes, |$tx| $body)
    };
}

/// [`dinhdanh_store::write_on_db`] on the provider's database and write gate.
macro_rules! write_on_db {
    ($oidc:expr, |$pool:ident| $body:expr) => {
        ::dinhdanh_store::write_on_db!($oidc.db(), $oidc.inner.sqlite_writes, |$pool| $body)
    };
}

pub(crate) use {write_on_db, write_tx};
