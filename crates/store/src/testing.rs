//! The two-backend test harness: every storage-touching test runs against SQLite, and against
//! PostgreSQL when `DINHDANH_TEST_POSTGRES` holds a URL.
//!
//! Each call gives fresh, migrated databases: a new SQLite file in a temporary directory, and a new
//! PostgreSQL schema (selected through the connection's `search_path`), so tests run in parallel
//! without seeing each other's rows.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnectOptions;

use crate::{Db, PoolOptions};

/// The environment variable naming the PostgreSQL server used by tests.
pub const POSTGRES_ENV: &str = "DINHDANH_TEST_POSTGRES";

/// One fresh, migrated database for one test.
pub struct TestDb {
    /// The handle to give to the code under test.
    pub db: Db,
    /// The SQLite file or PostgreSQL schema, for messages and for tests that reopen it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl TestDb {
    /// The backend name, to label assertion messages.
    pub fn name(&self) -> String {
        self.db.backend().to_string()
    }

    /// Closes the pool and removes the database (the directory or the schema).
    pub async fn close(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, schema } = &self.cleanup
            && let Ok(admin) = Db::connect(admin_url, &PoolOptions::default()).await
        {
            if let Db::Postgres(pool) = &admin {
                let _ = sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(pool)
                .await;
            }
            admin.close().await;
        }
    }
}

/// Fresh migrated databases: SQLite always, PostgreSQL when `DINHDANH_TEST_POSTGRES` is set.
///
/// Panics with a clear message when PostgreSQL is requested but unreachable, so that a broken CI
/// database fails loudly instead of silently testing one backend.
pub async fn backends() -> Vec<TestDb> {
    let mut out = vec![sqlite().await];
    if let Some(url) = postgres_url() {
        out.push(postgres(&url).await);
    }
    out
}

/// The PostgreSQL URL from the environment, if tests should use it.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// A fresh migrated SQLite database in its own temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("create a temporary directory for the test database");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let db = Db::connect(&url, &PoolOptions::default())
        .await
        .expect("open the test SQLite database");
    db.migrate()
        .await
        .expect("migrate the test SQLite database");
    TestDb {
        db,
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// A fresh migrated PostgreSQL schema on the server at `admin_url`.
pub async fn postgres(admin_url: &str) -> TestDb {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    );
    let admin = Db::connect(admin_url, &PoolOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url} is set but unreachable: {e}"));
    if let Db::Postgres(pool) = &admin {
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(pool)
            .await
            .expect("create the test schema");
    }
    admin.close().await;
    let connect = PgConnectOptions::from_str(admin_url)
        .expect("parse the PostgreSQL test URL")
        .options([("search_path", schema.as_str())]);
    let options = PoolOptions {
        max_connections: 4,
        ..PoolOptions::default()
    };
    let db = Db::connect_postgres(connect, &options)
        .await
        .expect("connect to the test schema");
    db.migrate()
        .await
        .expect("migrate the test PostgreSQL schema");
    let url = with_search_path(admin_url, &schema);
    TestDb {
        db,
        url,
        cleanup: Cleanup::Postgres {
            admin_url: admin_url.to_owned(),
            schema,
        },
    }
}

/// The URL of a schema, usable by a child process (`options=-c search_path=…`).
fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}
