//! SQL that runs unchanged on both backends (`$N` placeholders), as in the accounts capability.

/// Runs `$body` with `$pool` bound to the SQLite or the PostgreSQL pool.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            ::dinhdanh_store::Db::Sqlite($pool) => $body,
            ::dinhdanh_store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction bound to `$tx` and commits it. On SQLite the writer first
/// queues on the write gate shared with the other capabilities, then takes the write lock at the
/// start (`BEGIN IMMEDIATE`); an early return (`?`) rolls back.
macro_rules! write_tx {
    ($oidc:expr, |$tx:ident| $body:expr) => {
        match $oidc.db() {
            ::dinhdanh_store::Db::Sqlite(pool) => {
                let _gate = $oidc.inner.sqlite_writes.lock().await;
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            ::dinhdanh_store::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Runs one writing statement on its own; on SQLite behind the write gate.
macro_rules! write_on_db {
    ($oidc:expr, |$pool:ident| $body:expr) => {
        match $oidc.db() {
            ::dinhdanh_store::Db::Sqlite($pool) => {
                let _gate = $oidc.inner.sqlite_writes.lock().await;
                $body
            }
            ::dinhdanh_store::Db::Postgres($pool) => $body,
        }
    };
}

pub(crate) use {on_db, write_on_db, write_tx};
