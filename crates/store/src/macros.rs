//! SQL that runs unchanged on both backends. Statements use `$N` placeholders, which PostgreSQL
//! reads natively and the SQLite driver maps by number, so each query is written once and these
//! macros compile it for each pool type. Capabilities wrap them with their own write gate.

/// Runs `$body` with `$pool` bound to the SQLite or the PostgreSQL pool of `$db`.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction bound to `$tx` and commits it. On SQLite the writer first
/// queues on `$gate` (an `Arc<tokio::sync::Mutex<()>>` shared by every writer of the database)
/// and then takes the write lock at the start (`BEGIN IMMEDIATE`), so that a read-then-write never
/// fails half-way and no writer sleeps in SQLite's busy handler. An early return (`?`) rolls back.
#[macro_export]
macro_rules! write_tx {
    ($db:expr, $gate:expr, |$tx:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite(pool) => {
                let _gate = $gate.lock().await;
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Runs one writing statement on its own (no transaction); on SQLite behind `$gate`.
#[macro_export]
macro_rules! write_on_db {
    ($db:expr, $gate:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => {
                let _gate = $gate.lock().await;
                $body
            }
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
