//! e-ID accounts (tài khoản định danh điện tử, Decree 69/2024/ND-CP): enrolment at level 1 online
//! and level 2 in person, children's and organizations' accounts, authenticators (password, TOTP,
//! passkeys, recovery codes), sessions with their level of assurance, lifecycle (lock, unlock,
//! revoke, with the decree's reasons), roles, and brute-force protection.
//!
//! [`Accounts`] is the one entry point. Everything several server nodes must share — sessions,
//! codes, ceremony state, failure counters, the message outbox — is in the database.
#![forbid(unsafe_code)]

pub mod assurance;
mod authenticators;
pub mod clock;
mod db;
mod enrol;
mod error;
pub mod lifecycle;
mod login;
mod manage;
mod model;
pub mod notify;
mod organizations;
pub mod passkey;
pub mod password;
pub mod portrait;
mod record;
pub mod secret;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
mod throttle;
pub mod totp;

use std::sync::Arc;
use std::time::Duration;

use dinhdanh_domain::PersonalId;
use dinhdanh_registry::Registry;
use dinhdanh_store::Db;
use dinhdanh_store::group::GroupCommit;
use sqlx::FromRow;

pub use assurance::{AccountLevel, Assurance, Factor};
pub use authenticators::{PasskeyChallenge, TotpEnrolment};
pub use clock::Clock;
pub use enrol::{InPersonCheck, Registration, Ticket};
pub use error::AccountError;
pub use lifecycle::{AccountStatus, LockReason, MemberRole, Method, Role};
pub use login::{Credential, PasskeyLogin};
pub use manage::{By, SyncOutcome};
pub use model::{
    Account, AccountEvent, AccountId, AccountKind, Actor, AuthenticatorInfo, Client, Holder, Lock,
    Member, Session, SignedIn,
};
pub use notify::{Delivery, GatewaySettings};
pub use password::Argon2Settings;
pub use sessions::STAFF_CHECK_MEMORY_MS;
pub use throttle::ThrottlePolicy;

use crate::db::on_db;
use crate::passkey::Passkeys;
use crate::password::PasswordHasherConfig;

/// How the accounts capability is configured.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// Password hashing cost.
    pub argon2: Argon2Settings,
    /// The public origin of the site (`https://id.example.vn`), the WebAuthn relying party.
    pub public_url: url::Url,
    /// The name shown in authenticator apps and passkey prompts.
    pub service_name: String,
    /// Longest life of a session.
    pub session_lifetime: Duration,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// Life of a one-time code.
    pub code_lifetime: Duration,
    /// Tries allowed per one-time code.
    pub code_attempts: u32,
    /// Brute-force protection.
    pub throttle: ThrottlePolicy,
    /// Where messages to citizens go.
    pub delivery: Delivery,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            argon2: Argon2Settings::default(),
            public_url: url::Url::parse("http://localhost:8080").expect("static URL"),
            service_name: "dinhdanh".into(),
            session_lifetime: Duration::from_secs(12 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            code_lifetime: Duration::from_secs(5 * 60),
            code_attempts: 5,
            throttle: ThrottlePolicy::default(),
            delivery: Delivery::Outbox,
        }
    }
}

/// The accounts capability.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

/// The columns an [`AccountRow`] reads.
macro_rules! account_columns {
    () => {
        "account_id, kind, personal_id, organization_code, level, status, phone, \
         portrait_sha256, guardian_account, created_at"
    };
}

/// At most this many sign-ins share one SQLite commit.
const GROUP_COMMIT_MAX: usize = 128;

struct Inner {
    db: Db,
    registry: Registry,
    settings: AccountSettings,
    passwords: PasswordHasherConfig,
    passkeys: Passkeys,
    clock: Clock,
    /// Argon2 runs on one dedicated thread per core, fed from a queue: more at once would only
    /// thrash the caches (each hash walks 19 MiB), and a queue keeps every core busy between jobs.
    hashing: HashPool,
    /// The key that authenticates passkey sign-in ceremonies, shared by every node.
    ceremony_key: tokio::sync::OnceCell<Vec<u8>>,
    /// Staff API checks remembered for a moment.
    staff_checks: sessions::StaffChecks,
    /// Held by every SQLite write transaction of this capability: writers queue here, woken in
    /// turn, instead of sleeping in SQLite's busy handler while another holds the write lock.
    sqlite_writes: Arc<tokio::sync::Mutex<()>>,
    /// Sign-ins on SQLite: their final writes share commits (see `dinhdanh_store::group`).
    sign_ins: Option<GroupCommit<login::SignInWrite>>,
    /// Where changes to person accounts are recorded (set once by the server or the CLI).
    ledger: std::sync::OnceLock<dinhdanh_ledger::Ledger>,
}

impl Accounts {
    /// Builds the capability over a migrated database.
    pub fn new(db: &Db, settings: AccountSettings, clock: Clock) -> Result<Accounts, AccountError> {
        let passwords = PasswordHasherConfig::new(settings.argon2)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        let passkeys = Passkeys::new(&settings.public_url, &settings.service_name)?;
        let sqlite_writes = Arc::new(tokio::sync::Mutex::new(()));
        let sign_ins = match db {
            Db::Sqlite(pool) => Some(GroupCommit::new(
                pool.clone(),
                sqlite_writes.clone(),
                GROUP_COMMIT_MAX,
            )),
            Db::Postgres(_) => None,
        };
        Ok(Accounts {
            inner: Arc::new(Inner {
                db: db.clone(),
                registry: Registry::new(db),
                settings,
                passwords,
                passkeys,
                clock,
                hashing: HashPool::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
                ceremony_key: tokio::sync::OnceCell::new(),
                staff_checks: sessions::StaffChecks::default(),
                sqlite_writes,
                sign_ins,
                ledger: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &AccountSettings {
        &self.inner.settings
    }

    /// The clock in use.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The registry this capability reads.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The SQLite write gate: other capabilities writing to the same database queue on it too, so
    /// that no writer sleeps in SQLite's busy handler while another holds the write lock.
    pub fn sqlite_write_gate(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.inner.sqlite_writes.clone()
    }

    /// The password hasher (for the benchmark's raw figure).
    pub fn password_hasher(&self) -> &PasswordHasherConfig {
        &self.inner.passwords
    }

    /// Runs password hashing on the hashing threads.
    async fn hash_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        self.inner.hashing.run(work).await
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// What a relying party may learn of an account, and whether it may be used now, read with
    /// one query (the token and userinfo endpoints ask this on every request).
    pub async fn holder(&self, id: AccountId) -> Result<Holder, AccountError> {
        #[derive(FromRow)]
        struct Row {
            kind: String,
            personal_id: Option<i64>,
            status: String,
            phone: Option<String>,
            locks: i64,
        }
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT kind, personal_id, status, phone,
                        (SELECT COUNT(*) FROM account_locks l WHERE l.account_id = a.account_id)
                          AS locks
                 FROM accounts a WHERE account_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let row = row.ok_or(AccountError::NotFound("account"))?;
        let corrupt = |what: &str| AccountError::Internal(format!("account {id}: bad {what}"));
        Ok(Holder {
            id,
            kind: match row.kind.as_str() {
                "person" => AccountKind::Person,
                "organization" => AccountKind::Organization,
                _ => return Err(corrupt("kind")),
            },
            personal_id: row
                .personal_id
                .map(|n| {
                    u64::try_from(n)
                        .ok()
                        .and_then(|n| PersonalId::from_u64(n).ok())
                        .ok_or_else(|| corrupt("personal_id"))
                })
                .transpose()?,
            phone: row.phone,
            usable: row.status != AccountStatus::Revoked.as_str() && row.locks == 0,
        })
    }

    /// The account with this number.
    pub async fn account(&self, id: AccountId) -> Result<Account, AccountError> {
        self.find_account("account_id", id)
            .await?
            .ok_or(AccountError::NotFound("account"))
    }

    /// The account of the person with this personal ID, if they have one.
    pub async fn account_of_person(
        &self,
        personal_id: PersonalId,
    ) -> Result<Option<Account>, AccountError> {
        self.find_account("personal_id", personal_id.as_i64()).await
    }

    /// The account of an organization, if it has one.
    pub async fn account_of_organization(
        &self,
        code: &str,
    ) -> Result<Option<Account>, AccountError> {
        let row: Option<AccountRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(ACCOUNT_SELECT_BY_ORG)
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some(row) => Ok(Some(self.complete(row).await?)),
            None => Ok(None),
        }
    }

    async fn find_account(
        &self,
        column: &'static str,
        value: i64,
    ) -> Result<Option<Account>, AccountError> {
        let sql = match column {
            "account_id" => ACCOUNT_SELECT_BY_ID,
            _ => ACCOUNT_SELECT_BY_PERSON,
        };
        let row: Option<AccountRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(sql).bind(value).fetch_optional(pool).await?
        });
        match row {
            Some(row) => Ok(Some(self.complete(row).await?)),
            None => Ok(None),
        }
    }

    /// The account of a person with its stored password (`(authenticator_id, PHC)`), if any.
    pub(crate) async fn account_with_password(
        &self,
        personal_id: PersonalId,
    ) -> Result<Option<(Account, Option<(i64, String)>)>, AccountError> {
        #[derive(FromRow)]
        struct Row {
            password_id: Option<i64>,
            password_phc: Option<String>,
            #[sqlx(flatten)]
            account: AccountRow,
        }
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(concat!(
                "SELECT t.authenticator_id AS password_id, t.secret AS password_phc, a.*
                     FROM (SELECT ",
                account_columns!(),
                " FROM accounts WHERE personal_id = $1) a
                     LEFT JOIN authenticators t
                       ON t.account_id = a.account_id AND t.kind = 'password'"
            ))
            .bind(personal_id.as_i64())
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let stored = row.password_id.zip(row.password_phc);
        Ok(Some((self.complete(row.account).await?, stored)))
    }

    /// A passkey by its credential ID, with its account: `(authenticator_id, passkey, account)`.
    pub(crate) async fn passkey_holder(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<(i64, String, Account)>, AccountError> {
        #[derive(FromRow)]
        struct Row {
            authenticator_id: i64,
            secret: String,
            #[sqlx(flatten)]
            account: AccountRow,
        }
        let row: Option<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(concat!(
                "SELECT t.authenticator_id, t.secret, a.* FROM authenticators t
                     JOIN (SELECT ",
                account_columns!(),
                " FROM accounts) a ON a.account_id = t.account_id
                     WHERE t.credential_id = $1 AND t.kind = 'passkey'"
            ))
            .bind(credential_id)
            .fetch_optional(pool)
            .await?
        });
        match row {
            Some(row) => Ok(Some((
                row.authenticator_id,
                row.secret,
                self.complete(row.account).await?,
            ))),
            None => Ok(None),
        }
    }

    /// Adds locks, roles and locked methods to an account row, in one query.
    async fn complete(&self, row: AccountRow) -> Result<Account, AccountError> {
        let parts: Vec<PartRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT 'lock' AS part, reason AS name, automatic, actor, note, since
                   FROM account_locks WHERE account_id = $1
                 UNION ALL
                 SELECT 'role', role, 0, '', '', 0 FROM account_roles WHERE account_id = $1
                 UNION ALL
                 SELECT 'method', kind, 0, '', '', 0 FROM method_locks WHERE account_id = $1",
            )
            .bind(row.account_id)
            .fetch_all(pool)
            .await?
        });
        let mut locks = Vec::new();
        let mut roles = Vec::new();
        let mut methods = Vec::new();
        for p in parts {
            match p.part.as_str() {
                "lock" => locks.push(LockRow {
                    reason: p.name,
                    automatic: p.automatic,
                    actor: p.actor,
                    note: p.note,
                    since: p.since,
                }),
                "role" => roles.push((p.name,)),
                _ => methods.push((p.name,)),
            }
        }
        locks.sort_by_key(|l| l.since);
        row.into_account(locks, roles, methods)
    }

    /// An account's history, newest first.
    pub async fn events(
        &self,
        account_id: AccountId,
        limit: i64,
    ) -> Result<Vec<AccountEvent>, AccountError> {
        let rows: Vec<(i64, i64, String, String, Option<String>, String)> =
            on_db!(self.db(), |pool| {
                sqlx::query_as(
                    "SELECT event_id, at, actor, action, reason, detail FROM account_events
                     WHERE account_id = $1 ORDER BY event_id DESC LIMIT $2",
                )
                .bind(account_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
            });
        Ok(rows
            .into_iter()
            .map(|(id, at, actor, action, reason, detail)| AccountEvent {
                id,
                at,
                actor,
                action,
                reason,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}

const ACCOUNT_SELECT_BY_ID: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE account_id = $1"
);
const ACCOUNT_SELECT_BY_PERSON: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE personal_id = $1"
);
const ACCOUNT_SELECT_BY_ORG: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE organization_code = $1"
);

#[derive(FromRow)]
struct AccountRow {
    account_id: i64,
    kind: String,
    personal_id: Option<i64>,
    organization_code: Option<String>,
    level: i64,
    status: String,
    phone: Option<String>,
    portrait_sha256: Option<Vec<u8>>,
    guardian_account: Option<i64>,
    created_at: i64,
}

#[derive(FromRow)]
struct PartRow {
    part: String,
    name: String,
    automatic: i64,
    actor: String,
    note: String,
    since: i64,
}

struct LockRow {
    reason: String,
    automatic: i64,
    actor: String,
    note: String,
    since: i64,
}

impl AccountRow {
    fn into_account(
        self,
        locks: Vec<LockRow>,
        roles: Vec<(String,)>,
        methods: Vec<(String,)>,
    ) -> Result<Account, AccountError> {
        let corrupt =
            |what: &str| AccountError::Internal(format!("account {}: bad {what}", self.account_id));
        Ok(Account {
            id: self.account_id,
            kind: match self.kind.as_str() {
                "person" => AccountKind::Person,
                "organization" => AccountKind::Organization,
                _ => return Err(corrupt("kind")),
            },
            personal_id: match self.personal_id {
                Some(n) => Some(
                    u64::try_from(n)
                        .ok()
                        .and_then(|n| PersonalId::from_u64(n).ok())
                        .ok_or_else(|| corrupt("personal_id"))?,
                ),
                None => None,
            },
            organization_code: self.organization_code.clone(),
            level: AccountLevel::from_i64(self.level).ok_or_else(|| corrupt("level"))?,
            status: AccountStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            phone: self.phone.clone(),
            portrait: self.portrait_sha256.as_deref().map(hex::encode),
            guardian: self.guardian_account,
            locks: locks
                .into_iter()
                .map(|l| {
                    Ok(Lock {
                        reason: LockReason::parse(&l.reason)
                            .ok_or_else(|| corrupt("lock reason"))?,
                        automatic: l.automatic != 0,
                        actor: l.actor,
                        note: l.note,
                        since: l.since,
                    })
                })
                .collect::<Result<_, AccountError>>()?,
            roles: roles
                .into_iter()
                .filter_map(|(r,)| Role::parse(&r))
                .collect(),
            locked_methods: methods
                .into_iter()
                .filter_map(|(m,)| Method::parse(&m))
                .collect(),
            created_at: self.created_at,
        })
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads for CPU-heavy password hashing.
struct HashPool {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl HashPool {
    fn new(threads: usize) -> HashPool {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                })
                .expect("start a hashing thread");
        }
        HashPool { jobs }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| AccountError::Internal("the hashing threads stopped".into()))?;
        result
            .await
            .map_err(|_| AccountError::Internal("a hashing job panicked".into()))
    }
}

/// A Vietnamese mobile number in international form (`+84` and nine digits), from `0912345678`,
/// `+84912345678` or `84 912 345 678`.
pub fn parse_phone(text: &str) -> Result<String, AccountError> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        rest
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else {
        return Err(AccountError::invalid(
            "phone",
            "give a Vietnamese mobile number such as 0912345678",
        ));
    };
    let mobile = national.len() == 9
        && national.bytes().all(|b| b.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9');
    if !mobile {
        return Err(AccountError::invalid(
            "phone",
            "give a Vietnamese mobile number such as 0912345678",
        ));
    }
    Ok(format!("+84{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        assert_eq!(parse_phone("0912345678").unwrap(), "+84912345678");
        assert_eq!(parse_phone("+84 912 345 678").unwrap(), "+84912345678");
        assert_eq!(parse_phone("84912345678").unwrap(), "+84912345678");
        assert_eq!(parse_phone("0387.654.321").unwrap(), "+84387654321");
        for bad in [
            "",
            "091234567",
            "02438123456",
            "+1 202 555 0100",
            "09123456789",
            "09a2345678",
        ] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }
}
