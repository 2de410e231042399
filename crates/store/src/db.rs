//! The database handle shared by every capability, its connection options and its migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in WAL mode: the zero-setup default.
    Sqlite,
    /// PostgreSQL: the production backend, shared by many stateless nodes.
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Errors from opening, migrating or probing the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither `sqlite:` nor `postgres:`.
    #[error(
        "database_url {0:?} is not supported: use sqlite://PATH (embedded) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    /// The URL could not be parsed by the driver.
    #[error("database_url is malformed: {0}")]
    BadUrl(#[source] sqlx::Error),
    /// The directory for the SQLite file could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory that could not be created.
        path: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Pool sizing; the defaults suit a two-core node.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Largest number of open connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A snapshot of the connection pool, exported as metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Connections currently open.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The configured maximum.
    pub max: u32,
}

/// Whether the schema matches the migrations compiled into this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Migrations this binary knows.
    pub known: usize,
    /// Migrations recorded as applied successfully.
    pub applied: usize,
    /// Versions this binary knows that are not applied.
    pub pending: Vec<i64>,
}

impl MigrationStatus {
    /// True when every known migration is applied.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty()
    }
}

/// A handle to the platform database: cheap to clone, shared by every capability.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded backend.
    Sqlite(SqlitePool),
    /// The production backend.
    Postgres(PgPool),
}

impl Db {
    /// Opens a pool for `url` (`sqlite://…` or `postgres://…`), creating the SQLite file and its
    /// directory when missing.
    pub async fn connect(url: &str, options: &PoolOptions) -> Result<Db, StoreError> {
        if url.starts_with("sqlite:") {
            let connect = sqlite_options(url)?;
            // A connection to a local file does not go stale: skip the ping on every acquire.
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .test_before_acquire(false)
                .connect_with(connect)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url).map_err(StoreError::BadUrl)?;
            Self::connect_postgres(connect, options).await
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Opens a PostgreSQL pool from prepared options (the test harness sets a search path).
    pub async fn connect_postgres(
        connect: PgConnectOptions,
        options: &PoolOptions,
    ) -> Result<Db, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// The engine behind this handle.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies every pending migration; returns how many were applied now.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.migration_status().await?.applied;
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        let after = self.migration_status().await?.applied;
        Ok(after.saturating_sub(before))
    }

    /// Compares the applied migrations with those compiled in, for `/readyz`.
    pub async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        let applied: Vec<i64> = match self {
            Db::Sqlite(pool) => {
                let exists: Option<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_optional(pool)
                .await?;
                if exists.is_none() {
                    Vec::new()
                } else {
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(pool)
                        .await?
                }
            }
            Db::Postgres(pool) => {
                let exists: Option<String> =
                    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
                        .fetch_one(pool)
                        .await?;
                if exists.is_none() {
                    Vec::new()
                } else {
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(pool)
                        .await?
                }
            }
        };
        let known: Vec<i64> = self
            .migrator()
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| m.version)
            .collect();
        let pending = known
            .iter()
            .copied()
            .filter(|v| !applied.contains(v))
            .collect();
        Ok(MigrationStatus {
            known: known.len(),
            applied: applied.len(),
            pending,
        })
    }

    /// Runs a trivial query: is the database reachable right now?
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Current pool figures.
    pub fn pool_stats(&self) -> PoolStats {
        match self {
            Db::Sqlite(pool) => PoolStats {
                size: pool.size(),
                idle: pool.num_idle() as u32,
                max: pool.options().get_max_connections(),
            },
            Db::Postgres(pool) => PoolStats {
                size: pool.size(),
                idle: pool.num_idle() as u32,
                max: pool.options().get_max_connections(),
            },
        }
    }

    /// Closes every connection, waiting for checked-out ones to return.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// SQLite in WAL mode with full fsync on commit: a crash, even of the machine, loses nothing that
/// was committed; batch writers amortise the fsync over thousands of rows. The WAL is copied back
/// into the database every 16,384 pages (64 MiB) rather than SQLite's default 1,000: a ledger
/// batch touches one page of the per-person index per entry, so with the default every second
/// commit also paid a checkpoint's random writes and fsync (10 M-entry log: 3,100 durable
/// appends/s with the default, 7,200/s with this).
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::BadUrl)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        .pragma("cache_size", "-65536")
        .pragma("wal_autocheckpoint", "16384");
    let file = options.get_filename();
    if let Some(dir) = file.parent()
        && !dir.as_os_str().is_empty()
        && file.to_str() != Some(":memory:")
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(options)
}
