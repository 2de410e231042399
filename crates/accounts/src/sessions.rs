//! Sessions: opened by a sign-in, raised by step-up, shared by every node through the database.
//! The client holds a random token; the database holds only its hash. Every change of what a
//! session proves (a factor added) issues a new token and retires the old one, so a token planted
//! before sign-in (session fixation) is worth nothing after it.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::FromRow;

use crate::assurance::{Factor, assurance};
use crate::db::{on_db, write_on_db, write_tx};
use crate::error::AccountError;
use crate::lifecycle::Role;
use crate::model::{AccountId, Client, Session, SignedIn};
use crate::{Accounts, secret};

/// How often `last_seen_at` is written back, at most.
const TOUCH_EVERY_MS: i64 = 60_000;

/// How long a staff session check, once answered by the database, is answered from memory.
/// Sign-out, locks, revocation and role changes made through this process clear the memory at
/// once; made through another node they take effect there within this time.
pub const STAFF_CHECK_MEMORY_MS: i64 = 2_000;

/// Staff API checks remembered for a moment: every registry request of an officer would otherwise
/// read the session, the account, its locks and its roles again.
#[derive(Default)]
pub(crate) struct StaffChecks {
    entries: Mutex<HashMap<Vec<u8>, StaffCheck>>,
}

struct StaffCheck {
    roles: Vec<Role>,
    session: Session,
    until: i64,
}

impl StaffChecks {
    /// More remembered checks than this are forgotten wholesale (a few hundred officers are
    /// active at once; the bound only stops a flood of tokens from growing memory).
    const MAX: usize = 10_000;

    fn get(&self, hash: &[u8], roles: &[Role], now: i64) -> Option<Session> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let check = entries.get(hash)?;
        (check.roles == roles && now < check.until && now < check.session.expires_at)
            .then(|| check.session.clone())
    }

    fn put(&self, hash: Vec<u8>, roles: &[Role], session: Session, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX {
            entries.clear();
        }
        let until = now + STAFF_CHECK_MEMORY_MS;
        entries.insert(
            hash,
            StaffCheck {
                roles: roles.to_vec(),
                session,
                until,
            },
        );
    }

    /// Forgets every remembered check: called after any change that could withdraw one.
    pub(crate) fn forget(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[derive(FromRow)]
struct StaffRow {
    #[sqlx(flatten)]
    session: SessionRow,
    status: String,
    locks: i64,
    roles: i64,
}

#[derive(FromRow)]
struct SessionRow {
    handle: String,
    account_id: i64,
    factors: String,
    assurance: i64,
    created_at: i64,
    authenticated_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    user_agent: String,
    client_address: String,
}

impl SessionRow {
    fn into_session(self) -> Session {
        Session {
            handle: self.handle,
            account_id: self.account_id,
            factors: self
                .factors
                .split(',')
                .filter_map(Factor::from_amr)
                .collect(),
            assurance: crate::Assurance::from_i64(self.assurance),
            created_at: self.created_at,
            authenticated_at: self.authenticated_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            user_agent: self.user_agent,
            client_address: self.client_address,
        }
    }
}

/// Stores a new session (`$signed: &SignedIn`) on `$executor`.
macro_rules! insert_session {
    ($executor:expr, $signed:expr) => {{
        let signed: &$crate::SignedIn = $signed;
        sqlx::query(
            "INSERT INTO sessions (token_hash, handle, account_id, factors, assurance, created_at,
                 authenticated_at, last_seen_at, expires_at, user_agent, client_address)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, $8, $9)",
        )
        .bind($crate::secret::token_hash(&signed.token))
        .bind(&signed.session.handle)
        .bind(signed.session.account_id)
        .bind($crate::sessions::factor_list(&signed.session.factors))
        .bind(signed.session.assurance.map_or(0, |a| a as i64))
        .bind(signed.session.created_at)
        .bind(signed.session.expires_at)
        .bind(&signed.session.user_agent)
        .bind(&signed.session.client_address)
        .execute($executor)
        .await?;
    }};
}

pub(crate) use insert_session;

pub(crate) fn factor_list(factors: &[Factor]) -> String {
    factors
        .iter()
        .map(|f| f.amr())
        .collect::<Vec<_>>()
        .join(",")
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl Accounts {
    /// Opens a session for an account with the factors just verified.
    pub(crate) async fn open_session(
        &self,
        account_id: AccountId,
        factors: Vec<Factor>,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let account = self.account(account_id).await?;
        self.open_session_at(account_id, account.level, factors, client)
            .await
    }

    /// Opens a session when the caller has just loaded the account.
    pub(crate) async fn open_session_at(
        &self,
        account_id: AccountId,
        level: crate::AccountLevel,
        factors: Vec<Factor>,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let signed = self.new_session(account_id, level, factors, client);
        on_db!(self.db(), |pool| {
            insert_session!(pool, &signed);
        });
        Ok(signed)
    }

    /// A new session and its token, not yet stored.
    pub(crate) fn new_session(
        &self,
        account_id: AccountId,
        level: crate::AccountLevel,
        factors: Vec<Factor>,
        client: &Client,
    ) -> SignedIn {
        let now = self.now();
        let token = secret::token();
        let session = Session {
            handle: secret::token()[..16].to_owned(),
            account_id,
            assurance: assurance(level, &factors),
            factors,
            created_at: now,
            authenticated_at: now,
            last_seen_at: now,
            expires_at: now + self.settings().session_lifetime.as_millis() as i64,
            user_agent: clip(&client.user_agent, 200),
            client_address: clip(&client.address, 64),
        };
        SignedIn { token, session }
    }

    /// The live session behind a token; ends it if it expired or sat idle too long.
    pub async fn session(&self, token: &str) -> Result<Session, AccountError> {
        if token.len() != 43 {
            return Err(AccountError::NoSession);
        }
        let hash = secret::token_hash(token);
        let row: Option<SessionRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT handle, account_id, factors, assurance, created_at, authenticated_at,
                        last_seen_at, expires_at, user_agent, client_address
                 FROM sessions WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Err(AccountError::NoSession);
        };
        let now = self.now();
        self.end_if_expired(&hash, row.expires_at, row.last_seen_at, now)
            .await?;
        self.touch(&hash, row.last_seen_at, now).await?;
        Ok(row.into_session())
    }

    /// The live session behind a token, if its account holds one of `roles` and the session used
    /// a passkey or an authenticator app: the check every staff API request makes. One query
    /// answers it, and the answer is remembered for [`STAFF_CHECK_MEMORY_MS`]. `roles` names one
    /// or two roles.
    pub async fn staff_session(
        &self,
        token: &str,
        roles: &[Role],
    ) -> Result<Session, AccountError> {
        let (first, second) = match roles {
            [one] => (one, one),
            [one, two] => (one, two),
            _ => {
                return Err(AccountError::Internal(
                    "a staff check names one or two roles".into(),
                ));
            }
        };
        if token.len() != 43 {
            return Err(AccountError::NoSession);
        }
        let hash = secret::token_hash(token);
        let now = self.now();
        if let Some(session) = self.inner.staff_checks.get(&hash, roles, now) {
            return Ok(session);
        }
        let row: Option<StaffRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT s.handle, s.account_id, s.factors, s.assurance, s.created_at,
                        s.authenticated_at, s.last_seen_at, s.expires_at, s.user_agent,
                        s.client_address, a.status,
                        (SELECT COUNT(*) FROM account_locks l WHERE l.account_id = s.account_id)
                            AS locks,
                        (SELECT COUNT(*) FROM account_roles r
                          WHERE r.account_id = s.account_id AND r.role IN ($2, $3)) AS roles
                 FROM sessions s JOIN accounts a ON a.account_id = s.account_id
                 WHERE s.token_hash = $1",
            )
            .bind(&hash)
            .bind(first.as_str())
            .bind(second.as_str())
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Err(AccountError::NoSession);
        };
        let last_seen_at = row.session.last_seen_at;
        self.end_if_expired(&hash, row.session.expires_at, last_seen_at, now)
            .await?;
        if row.status == "revoked" || row.locks > 0 {
            // The rare path: read the whole account for the exact refusal (which locks).
            self.account(row.session.account_id).await?.usable()?;
        }
        if row.roles == 0 {
            return Err(AccountError::MissingRole(*first));
        }
        let session = row.session.into_session();
        if !session.has_strong_factor() {
            return Err(AccountError::StepUpRequired(
                "officers and operators must sign in with a passkey or an authenticator app",
            ));
        }
        self.touch(&hash, last_seen_at, now).await?;
        self.inner
            .staff_checks
            .put(hash, roles, session.clone(), now);
        Ok(session)
    }

    /// Ends a session past its lifetime or its idle time, answering `NoSession`.
    async fn end_if_expired(
        &self,
        hash: &[u8],
        expires_at: i64,
        last_seen_at: i64,
        now: i64,
    ) -> Result<(), AccountError> {
        let idle = self.settings().session_idle.as_millis() as i64;
        if now >= expires_at || now >= last_seen_at + idle {
            self.delete_session_hash(hash).await?;
            return Err(AccountError::NoSession);
        }
        Ok(())
    }

    /// Records that a session is in use, at most once per [`TOUCH_EVERY_MS`].
    async fn touch(&self, hash: &[u8], last_seen_at: i64, now: i64) -> Result<(), AccountError> {
        if now - last_seen_at >= TOUCH_EVERY_MS {
            write_on_db!(self, |pool| {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(hash)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(())
    }

    async fn delete_session_hash(&self, hash: &[u8]) -> Result<(), AccountError> {
        write_on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(hash)
                .execute(pool)
                .await?;
        });
        self.inner.staff_checks.forget();
        Ok(())
    }

    /// Adds a verified factor to a session: a new token replaces the old one, the level of
    /// assurance is recomputed and the authentication time renewed.
    pub(crate) async fn raise_session(
        &self,
        token: &str,
        factor: Factor,
    ) -> Result<SignedIn, AccountError> {
        let session = self.session(token).await?;
        let account = self.account(session.account_id).await?;
        let mut factors = session.factors.clone();
        if !factors.contains(&factor) {
            factors.push(factor);
        }
        let now = self.now();
        let new_token = secret::token();
        let level = assurance(account.level, &factors);
        let old_hash = secret::token_hash(token);
        let moved = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE sessions SET token_hash = $1, factors = $2, assurance = $3,
                     authenticated_at = $4, last_seen_at = $4
                 WHERE token_hash = $5",
            )
            .bind(secret::token_hash(&new_token))
            .bind(factor_list(&factors))
            .bind(level.map_or(0, |a| a as i64))
            .bind(now)
            .bind(&old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        self.inner.staff_checks.forget();
        if moved != 1 {
            return Err(AccountError::NoSession);
        }
        Ok(SignedIn {
            token: new_token,
            session: Session {
                factors,
                assurance: level,
                authenticated_at: now,
                last_seen_at: now,
                ..session
            },
        })
    }

    /// The account's live sessions, newest first.
    pub async fn sessions(&self, account_id: AccountId) -> Result<Vec<Session>, AccountError> {
        let now = self.now();
        let rows: Vec<SessionRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT handle, account_id, factors, assurance, created_at, authenticated_at,
                        last_seen_at, expires_at, user_agent, client_address
                 FROM sessions WHERE account_id = $1 AND expires_at > $2
                 ORDER BY created_at DESC",
            )
            .bind(account_id)
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(SessionRow::into_session).collect())
    }

    /// Ends the session behind a token (sign out here).
    pub async fn sign_out(&self, token: &str) -> Result<(), AccountError> {
        self.delete_session_hash(&secret::token_hash(token)).await
    }

    /// Ends one of the holder's sessions by its handle.
    pub async fn sign_out_session(
        &self,
        account_id: AccountId,
        handle: &str,
    ) -> Result<(), AccountError> {
        let removed = write_on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND handle = $2")
                .bind(account_id)
                .bind(handle)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.inner.staff_checks.forget();
        if removed == 1 {
            Ok(())
        } else {
            Err(AccountError::NotFound("session"))
        }
    }

    /// Ends every session of an account (sign out everywhere; also on lock and revocation).
    pub async fn sign_out_everywhere(&self, account_id: AccountId) -> Result<u64, AccountError> {
        let ended = write_on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.inner.staff_checks.forget();
        Ok(ended)
    }
}
