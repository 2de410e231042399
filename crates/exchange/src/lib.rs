//! The data-sharing platform (Decree 47/2020/ND-CP): agencies publish **data services** in a shared
//! catalogue, the operator says in a versioned **policy** who may read which fields under which
//! legal basis, citizens give and withdraw **consent** for what no law covers (Decree 13/2023/ND-CP
//! Art 11), and every read — released or refused — is written in the access ledger before the
//! answer leaves.
//!
//! - [`catalogue`]: data services, their fields, sensitivity and legal bases;
//! - [`policy`]: the rules and [`policy::decide`], the pure decision;
//! - [`consent`]: consent requests, consents, signed receipts, withdrawal;
//! - [`read`]: the read path an agency's call goes through.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod consent;
mod error;
pub mod policy;
mod providers;
pub mod read;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dinhdanh_land::Land;
use dinhdanh_ledger::Ledger;
use dinhdanh_oidc::Oidc;
use dinhdanh_registry::Registry;
use dinhdanh_store::{Db, on_db, write_tx};
use sqlx::FromRow;
use tokio::sync::Mutex;

pub use catalogue::DataService;
pub use consent::{Consent, ConsentAsk, ConsentStatus};
pub use error::{CatalogueError, ExchangeError, PolicyError};
pub use policy::{Policy, PolicyDocument, Withheld};
pub use providers::Subject;
pub use read::{Agency, Answer, ReadRequest, Released};

/// How long a node trusts its copy of the policy and the catalogue. A change made on this node
/// applies at once; one made on another node within this time.
pub const POLICY_MEMORY: Duration = Duration::from_secs(2);

/// The exchange's public API, shared by the HTTP layer and the CLI.
#[derive(Clone)]
pub struct Exchange {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gate: Arc<Mutex<()>>,
    registry: Registry,
    land: Land,
    ledger: Ledger,
    oidc: Oidc,
    memory: RwLock<Option<Remembered>>,
    clock: fn() -> i64,
}

#[derive(Clone)]
struct Remembered {
    policy: Arc<Policy>,
    services: Arc<Vec<DataService>>,
    at: Instant,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Exchange {
    /// The exchange over `db`, with the platform's providers, its ledger and its OpenID provider
    /// (which knows the agencies and signs consent receipts). SQLite writes queue on `gate`.
    pub fn new(
        db: &Db,
        gate: Arc<Mutex<()>>,
        registry: Registry,
        land: Land,
        ledger: Ledger,
        oidc: Oidc,
    ) -> Exchange {
        Exchange {
            inner: Arc::new(Inner {
                db: db.clone(),
                gate,
                registry,
                land,
                ledger,
                oidc,
                memory: RwLock::new(None),
                clock: now_ms,
            }),
        }
    }

    /// The same exchange with another clock (Unix ms), for tests of deadlines and expiry.
    pub fn with_clock(self, clock: fn() -> i64) -> Exchange {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|_| {
            panic!("with_clock is called right after new, before the exchange is shared")
        });
        Exchange {
            inner: Arc::new(Inner { clock, ..inner }),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub(crate) fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    /// The OpenID provider this exchange authenticates agencies with; its keys sign consent
    /// receipts and the platform's other documents.
    pub fn oidc(&self) -> &Oidc {
        &self.inner.oidc
    }

    async fn remembered(&self) -> Result<Remembered, ExchangeError> {
        if let Some(r) = self.inner.memory.read().expect("exchange memory").clone()
            && r.at.elapsed() < POLICY_MEMORY
        {
            return Ok(r);
        }
        let policy = Arc::new(self.load_policy(None).await?.unwrap_or_else(Policy::empty));
        let mut services = catalogue::built_in();
        services.extend(self.stored_services().await?);
        let r = Remembered {
            policy,
            services: Arc::new(services),
            at: Instant::now(),
        };
        *self.inner.memory.write().expect("exchange memory") = Some(r.clone());
        Ok(r)
    }

    fn forget(&self) {
        *self.inner.memory.write().expect("exchange memory") = None;
    }

    /// The catalogue: the platform's own services, then those agencies registered.
    pub async fn services(&self) -> Result<Arc<Vec<DataService>>, ExchangeError> {
        Ok(self.remembered().await?.services)
    }

    /// One service of the catalogue.
    pub async fn service(&self, id: &str) -> Result<DataService, ExchangeError> {
        self.services()
            .await?
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| ExchangeError::UnknownService(id.to_owned()))
    }

    async fn stored_services(&self) -> Result<Vec<DataService>, ExchangeError> {
        let rows: Vec<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT description FROM exchange_services ORDER BY service_id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(json,)| {
                serde_json::from_str(&json).map_err(|e| {
                    ExchangeError::Provider(format!(
                        "a stored service description is unreadable: {e}"
                    ))
                })
            })
            .collect()
    }

    /// Adds an agency's data service to the catalogue, or replaces its description (its version
    /// goes up by one). The platform's own services cannot be replaced.
    pub async fn register_service(
        &self,
        json: &str,
        by: &str,
    ) -> Result<(DataService, i64), ExchangeError> {
        let service: DataService =
            serde_json::from_str(json).map_err(|e| CatalogueError::Syntax(e.to_string()))?;
        let service = service.check()?;
        if catalogue::built_in().iter().any(|s| s.id == service.id) {
            return Err(CatalogueError::BuiltIn(service.id).into());
        }
        let description = serde_json::to_string(&service).expect("a service serializes");
        let now = self.now();
        let version: i64 = write_tx!(self.db(), self.inner.gate, |tx| {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM exchange_services WHERE service_id = $1")
                    .bind(&service.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let version = current.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO exchange_services (service_id, version, description, built_in, updated_by, updated_at) \
                 VALUES ($1, $2, $3, FALSE, $4, $5) \
                 ON CONFLICT (service_id) DO UPDATE SET version = $2, description = $3, updated_by = $4, updated_at = $5",
            )
            .bind(&service.id)
            .bind(version)
            .bind(&description)
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            version
        });
        self.forget();
        tracing::info!(service = %service.id, version, by, "data service registered");
        Ok((service, version))
    }

    /// The policy in force.
    pub async fn policy(&self) -> Result<Arc<Policy>, ExchangeError> {
        Ok(self.remembered().await?.policy)
    }

    /// A past or present version of the policy.
    pub async fn policy_version(&self, version: i64) -> Result<Policy, ExchangeError> {
        self.load_policy(Some(version))
            .await?
            .ok_or_else(|| ExchangeError::NotFound(format!("there is no policy version {version}")))
    }

    /// Every version, newest first, without their documents' rules.
    pub async fn policy_versions(&self) -> Result<Vec<Policy>, ExchangeError> {
        let rows: Vec<PolicyRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT version, '{\"rules\":[]}' AS document, author, note, created_at \
                 FROM exchange_policies ORDER BY version DESC",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(PolicyRow::into_policy).collect()
    }

    async fn load_policy(&self, version: Option<i64>) -> Result<Option<Policy>, ExchangeError> {
        let row: Option<PolicyRow> = on_db!(self.db(), |pool| {
            match version {
                Some(v) => {
                    sqlx::query_as(
                        "SELECT version, document, author, note, created_at FROM exchange_policies WHERE version = $1",
                    )
                    .bind(v)
                    .fetch_optional(pool)
                    .await?
                }
                None => {
                    sqlx::query_as(
                        "SELECT version, document, author, note, created_at FROM exchange_policies ORDER BY version DESC LIMIT 1",
                    )
                    .fetch_optional(pool)
                    .await?
                }
            }
        });
        row.map(PolicyRow::into_policy).transpose()
    }

    /// Sets a new version of the policy from its JSON document, checked against the catalogue.
    /// Takes effect on this node at once and on every node within [`POLICY_MEMORY`].
    pub async fn set_policy(
        &self,
        json: &str,
        author: &str,
        note: &str,
    ) -> Result<Policy, ExchangeError> {
        let services = self.services().await?;
        let document = PolicyDocument::parse(json, &services)?;
        let text = serde_json::to_string(&document).expect("a policy serializes");
        let now = self.now();
        let version: i64 = write_tx!(self.db(), self.inner.gate, |tx| {
            let last: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM exchange_policies")
                    .fetch_one(&mut *tx)
                    .await?;
            let version = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO exchange_policies (version, document, author, note, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(version)
            .bind(&text)
            .bind(author)
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            version
        });
        self.forget();
        tracing::info!(
            version,
            author,
            rules = document.rules.len(),
            "sharing policy set"
        );
        Ok(Policy {
            version,
            author: author.to_owned(),
            note: note.to_owned(),
            created_at: now,
            document,
        })
    }

    pub(crate) fn gate(&self) -> &Arc<Mutex<()>> {
        &self.inner.gate
    }

    pub(crate) fn provider(&self, service: &str) -> Option<providers::Provider> {
        match service {
            "population" => Some(providers::Provider::Population(self.inner.registry.clone())),
            "land" => Some(providers::Provider::Land(self.inner.land.clone())),
            _ => None,
        }
    }
}

#[derive(FromRow)]
struct PolicyRow {
    version: i64,
    document: String,
    author: String,
    note: String,
    created_at: i64,
}

impl PolicyRow {
    fn into_policy(self) -> Result<Policy, ExchangeError> {
        let document = serde_json::from_str(&self.document).map_err(|e| {
            ExchangeError::Provider(format!(
                "stored policy version {} is unreadable: {e}",
                self.version
            ))
        })?;
        Ok(Policy {
            version: self.version,
            author: self.author,
            note: self.note,
            created_at: self.created_at,
            document,
        })
    }
}
