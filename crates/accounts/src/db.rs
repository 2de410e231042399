//! SQL that runs unchanged on both backends. Statements use `$N` placeholders, which PostgreSQL
//! reads natively and the SQLite driver maps by number, so each query is written once and the
//! macros below compile it for each pool type.

/// Runs `$body` with `$pool` bound to the SQLite or the PostgreSQL pool.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            ::dinhdanh_store::Db::Sqlite($pool) => $body,
            ::dinhdanh_store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction bound to `$tx` and commits it. SQLite takes its write lock
/// at the start (`BEGIN IMMEDIATE`), so a read-then-write never fails half-way under concurrency;
/// an early return (`?`) rolls back. On SQLite, writers first queue on the capability's write
/// gate, so that none sleeps in SQLite's busy handler waiting for another.
macro_rules! write_tx {
    ($accounts:expr, |$tx:ident| $body:expr) => {
        match $accounts.db() {
            ::dinhdanh_store::Db::Sqlite(pool) => {
                let _gate = $accounts.inner.sqlite_writes.lock().await;
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

/// Runs one writing statement on its own (no transaction); on SQLite behind the write gate.
macro_rules! write_on_db {
    ($accounts:expr, |$pool:ident| $body:expr) => {
        match $accounts.db() {
            ::dinhdanh_store::Db::Sqlite($pool) => {
                let _gate = $accounts.inner.sqlite_writes.lock().await;
                $body
            }
            ::dinhdanh_store::Db::Postgres($pool) => $body,
        }
    };
}

pub(crate) use {on_db, write_on_db, write_tx};

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
