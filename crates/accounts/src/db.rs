//! The store's SQL macros (`dinhdanh_store::{on_db, write_tx, write_on_db}`), bound to this
//! capability's database handle and the SQLite write gate it shares with the others.

pub(crate) use dinhdanh_store::on_db;

/// [`dinhdanh_store::write_tx`] on the accounts' database and write gate.
macro_rules! write_tx {
    ($accounts:expr, |$tx:ident| $body:expr) => {
        ::dinhdanh_store::write_tx!($accounts.db(), $accounts.inner.sqlite_writes, |$tx| $body)
    };
}

/// [`dinhdanh_store::write_on_db`] on the accounts' database and write gate.
macro_rules! write_on_db {
    ($accounts:expr, |$pool:ident| $body:expr) => {
        ::dinhdanh_store::write_on_db!($accounts.db(), $accounts.inner.sqlite_writes, |$pool| $body)
    };
}

pub(crate) use {write_on_db, write_tx};

/// Appends an entry to an account's history on `$executor` (usually the caller's transaction).
macro_rules! event {
    ($executor:expr, $account:expr, $at:expr, $actor:expr, $action:expr, $reason:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO account_events (account_id, at, actor, action, reason, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($account)
        .bind($at)
        .bind(($actor).0.clone())
        .bind(String::from($action))
        .bind(($reason).map(|r: &str| r.to_owned()))
        .bind(($detail).to_string())
        .execute($executor)
        .await?
    };
}

pub(crate) use event;
