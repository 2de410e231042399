//! Lifecycle and roles: lock, unlock and revoke with the reasons of Decree 69/2024/ND-CP, the
//! automatic locks that follow the registry (death, an invalid identity card), and platform roles.

use dinhdanh_domain::PersonalId;
use dinhdanh_registry::RegistryError;
use serde_json::json;

use crate::Accounts;
use crate::db::{event, on_db, write_tx};
use crate::enrol::eligible;
use crate::error::AccountError;
use crate::lifecycle::{AccountStatus, LockReason, Role};
use crate::model::{Account, AccountId, Actor, Session};

/// Who asks for a lifecycle or role change.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A signed-in holder, officer or operator; their rights are checked.
    Session(&'a Session),
    /// The operator at the command line of a node (who holds the database anyway).
    Console,
}

/// What a registry check changed on an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Automatic locks added.
    pub locked: Vec<LockReason>,
    /// Automatic locks lifted.
    pub unlocked: Vec<LockReason>,
}

impl Accounts {
    /// Checks that a session's account has `role` and signed in with a passkey or an
    /// authenticator app (officers and operators never act on a password alone).
    pub async fn require_staff(&self, session: &Session, role: Role) -> Result<(), AccountError> {
        let account = self.account(session.account_id).await?;
        account.usable()?;
        if !account.has_role(role) {
            return Err(AccountError::MissingRole(role));
        }
        if !session.has_strong_factor() {
            return Err(AccountError::StepUpRequired(
                "officers and operators must sign in with a passkey or an authenticator app",
            ));
        }
        Ok(())
    }

    async fn authorise_lifecycle(
        &self,
        by: By<'_>,
        account_id: AccountId,
        reason: LockReason,
    ) -> Result<Actor, AccountError> {
        match by {
            By::Console => Ok(Actor::cli()),
            By::Session(session) if session.account_id == account_id => {
                if reason == LockReason::HolderRequest {
                    Ok(Actor::account(session.account_id))
                } else {
                    Err(AccountError::Forbidden(
                        "a holder can only lock their own account at their own request".into(),
                    ))
                }
            }
            By::Session(session) => {
                let officer = self.require_staff(session, Role::EnrolmentOfficer).await;
                let operator = self.require_staff(session, Role::Operator).await;
                match (officer, operator) {
                    (Ok(()), _) | (_, Ok(())) => Ok(Actor::account(session.account_id)),
                    (Err(e), _) => Err(e),
                }
            }
        }
    }

    /// Locks an account for `reason`; its sessions end at once. Registry causes (death, invalid
    /// card) are set by the platform itself and cannot be set by hand.
    pub async fn lock(
        &self,
        by: By<'_>,
        account_id: AccountId,
        reason: LockReason,
        note: &str,
    ) -> Result<(), AccountError> {
        if reason.is_automatic() {
            return Err(AccountError::invalid(
                "reason",
                "death and invalid identity cards are read from the registry, not set by hand",
            ));
        }
        let actor = self.authorise_lifecycle(by, account_id, reason).await?;
        let account = self.account(account_id).await?;
        if account.status == AccountStatus::Revoked {
            return Err(AccountError::Revoked);
        }
        self.add_lock(account_id, reason, false, &actor, note.trim())
            .await
    }

    async fn add_lock(
        &self,
        account_id: AccountId,
        reason: LockReason,
        automatic: bool,
        actor: &Actor,
        note: &str,
    ) -> Result<(), AccountError> {
        let now = self.now();
        let added = write_tx!(self, |tx| {
            let added = sqlx::query(
                "INSERT INTO account_locks (account_id, reason, automatic, actor, note, since)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, reason) DO NOTHING",
            )
            .bind(account_id)
            .bind(reason.as_str())
            .bind(i64::from(automatic))
            .bind(&actor.0)
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 1 {
                event!(
                    &mut *tx,
                    account_id,
                    now,
                    actor,
                    "locked",
                    Some(reason.as_str()),
                    json!({"note": note, "automatic": automatic})
                );
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            added == 1
        });
        self.inner.staff_checks.forget();
        if added {
            self.record_change_of(account_id, actor, format!("locked:{}", reason.as_str()))
                .await?;
        }
        Ok(())
    }

    async fn lift_lock(
        &self,
        account_id: AccountId,
        reason: LockReason,
        actor: &Actor,
        note: &str,
    ) -> Result<bool, AccountError> {
        let now = self.now();
        let lifted = write_tx!(self, |tx| {
            let removed =
                sqlx::query("DELETE FROM account_locks WHERE account_id = $1 AND reason = $2")
                    .bind(account_id)
                    .bind(reason.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if removed == 1 {
                event!(
                    &mut *tx,
                    account_id,
                    now,
                    actor,
                    "unlocked",
                    Some(reason.as_str()),
                    json!({"note": note})
                );
            }
            removed == 1
        });
        if lifted {
            self.record_change_of(account_id, actor, format!("unlocked:{}", reason.as_str()))
                .await?;
        }
        Ok(lifted)
    }

    /// Lifts a lock set by hand. The account stays locked while other causes remain.
    pub async fn unlock(
        &self,
        by: By<'_>,
        account_id: AccountId,
        reason: LockReason,
        note: &str,
    ) -> Result<(), AccountError> {
        if reason.is_automatic() {
            return Err(AccountError::invalid(
                "reason",
                "this lock follows the registry and lifts itself when the registry changes",
            ));
        }
        let actor = match by {
            By::Session(session) if session.account_id == account_id => {
                return Err(AccountError::Forbidden(
                    "a locked account is unlocked by an officer, in person".into(),
                ));
            }
            other => self.authorise_lifecycle(other, account_id, reason).await?,
        };
        if self
            .lift_lock(account_id, reason, &actor, note.trim())
            .await?
        {
            Ok(())
        } else {
            Err(AccountError::NotFound("lock"))
        }
    }

    /// Revokes an account for good; its sessions end and it can never sign in again.
    pub async fn revoke(
        &self,
        by: By<'_>,
        account_id: AccountId,
        reason: LockReason,
        note: &str,
    ) -> Result<(), AccountError> {
        let actor = match by {
            By::Session(session) if session.account_id == account_id => {
                if reason != LockReason::HolderRequest {
                    return Err(AccountError::Forbidden(
                        "a holder can only revoke their own account at their own request".into(),
                    ));
                }
                Actor::account(account_id)
            }
            other => self.authorise_lifecycle(other, account_id, reason).await?,
        };
        let now = self.now();
        let note = note.trim();
        let changed = write_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE accounts SET status = 'revoked', updated_at = $1
                 WHERE account_id = $2 AND status <> 'revoked'",
            )
            .bind(now)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                event!(
                    &mut *tx,
                    account_id,
                    now,
                    &actor,
                    "revoked",
                    Some(reason.as_str()),
                    json!({"note": note})
                );
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            changed
        });
        self.inner.staff_checks.forget();
        if changed == 1 {
            self.record_change_of(account_id, &actor, format!("revoked:{}", reason.as_str()))
                .await
        } else {
            Err(AccountError::Revoked)
        }
    }

    /// Brings an account's automatic locks in line with the registry: locked while the holder is
    /// recorded deceased or has no valid identity card, unlocked when that is no longer so.
    pub async fn sync_with_registry(
        &self,
        personal_id: PersonalId,
    ) -> Result<SyncOutcome, AccountError> {
        match self.account_of_person(personal_id).await? {
            Some(account) => self.sync_account(&account).await,
            None => Ok(SyncOutcome::default()),
        }
    }

    /// [`Accounts::sync_with_registry`] for an account already loaded.
    pub(crate) async fn sync_account(
        &self,
        account: &Account,
    ) -> Result<SyncOutcome, AccountError> {
        let Some(personal_id) = account.personal_id else {
            return Ok(SyncOutcome::default());
        };
        let person = match self.registry().person(personal_id).await {
            Ok(record) => record.person,
            Err(RegistryError::PersonNotFound(_)) => return Ok(SyncOutcome::default()),
            Err(e) => return Err(AccountError::Internal(e.to_string())),
        };
        let today = self.clock().today();
        let dead = matches!(
            person.status,
            dinhdanh_registry::LifeStatus::Deceased { .. }
        );
        // A child's account needs no card of its own (cards are issued from age 14).
        let card_invalid = !dead && account.guardian.is_none() && eligible(&person, today).is_err();
        let mut outcome = SyncOutcome::default();
        for (reason, wanted) in [
            (LockReason::Death, dead),
            (LockReason::CardInvalid, card_invalid),
        ] {
            let has = account.locks.iter().any(|l| l.reason == reason);
            if wanted && !has {
                let note = match reason {
                    LockReason::Death => "the registry records the holder's death",
                    _ => "the registry shows no valid identity card",
                };
                self.add_lock(account.id, reason, true, &Actor::registry(), note)
                    .await?;
                outcome.locked.push(reason);
            } else if !wanted && has {
                self.lift_lock(
                    account.id,
                    reason,
                    &Actor::registry(),
                    "the registry no longer shows the cause",
                )
                .await?;
                outcome.unlocked.push(reason);
            }
        }
        Ok(outcome)
    }

    /// Re-checks every person account against the registry (card expiry happens with time, not
    /// with a registry change); returns how many accounts changed.
    pub async fn sync_all(&self) -> Result<usize, AccountError> {
        let mut after = 0i64;
        let mut changed = 0;
        loop {
            let batch: Vec<(i64, i64)> = on_db!(self.db(), |pool| {
                sqlx::query_as(
                    "SELECT account_id, personal_id FROM accounts
                     WHERE account_id > $1 AND personal_id IS NOT NULL AND status <> 'revoked'
                     ORDER BY account_id LIMIT 500",
                )
                .bind(after)
                .fetch_all(pool)
                .await?
            });
            let Some(&(last, _)) = batch.last() else {
                return Ok(changed);
            };
            for (_, pid) in batch {
                if let Ok(pid) = PersonalId::from_u64(pid as u64) {
                    let outcome = self.sync_with_registry(pid).await?;
                    if outcome != SyncOutcome::default() {
                        changed += 1;
                    }
                }
            }
            after = last;
        }
    }

    /// Deletes what has expired: sessions, ceremony state, redeemed ceremonies, one-time codes
    /// older than a day. Returns the rows removed.
    pub async fn purge_expired(&self) -> Result<u64, AccountError> {
        let now = self.now();
        let day_ago = now - 24 * 3600 * 1000;
        Ok(on_db!(self.db(), |pool| {
            let mut removed = 0;
            for (sql, at) in [
                ("DELETE FROM sessions WHERE expires_at < $1", now),
                ("DELETE FROM webauthn_states WHERE expires_at < $1", now),
                ("DELETE FROM used_ceremonies WHERE expires_at < $1", now),
                ("DELETE FROM one_time_codes WHERE expires_at < $1", day_ago),
            ] {
                removed += sqlx::query(sql)
                    .bind(at)
                    .execute(pool)
                    .await?
                    .rows_affected();
            }
            removed
        }))
    }

    /// Grants a platform role. Operators grant roles; the console can bootstrap the first one.
    pub async fn grant_role(
        &self,
        by: By<'_>,
        account_id: AccountId,
        role: Role,
    ) -> Result<(), AccountError> {
        let actor = self.role_admin(by).await?;
        let account = self.account(account_id).await?;
        if account.personal_id.is_none() {
            return Err(AccountError::invalid(
                "account",
                "roles are held by people, not organizations",
            ));
        }
        let now = self.now();
        let added = write_tx!(self, |tx| {
            let added = sqlx::query(
                "INSERT INTO account_roles (account_id, role, granted_by, granted_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, role) DO NOTHING",
            )
            .bind(account_id)
            .bind(role.as_str())
            .bind(&actor.0)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 1 {
                event!(
                    &mut *tx,
                    account_id,
                    now,
                    &actor,
                    "role_granted",
                    None::<&str>,
                    json!({"role": role.as_str()})
                );
            }
            added == 1
        });
        if added {
            self.record_change(&account, &actor, format!("role.granted:{}", role.as_str()))
                .await?;
        }
        Ok(())
    }

    /// Withdraws a platform role.
    pub async fn revoke_role(
        &self,
        by: By<'_>,
        account_id: AccountId,
        role: Role,
    ) -> Result<(), AccountError> {
        let actor = self.role_admin(by).await?;
        let now = self.now();
        let removed = write_tx!(self, |tx| {
            let removed =
                sqlx::query("DELETE FROM account_roles WHERE account_id = $1 AND role = $2")
                    .bind(account_id)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if removed == 1 {
                event!(
                    &mut *tx,
                    account_id,
                    now,
                    &actor,
                    "role_revoked",
                    None::<&str>,
                    json!({"role": role.as_str()})
                );
            }
            removed
        });
        self.inner.staff_checks.forget();
        if removed == 1 {
            self.record_change_of(
                account_id,
                &actor,
                format!("role.revoked:{}", role.as_str()),
            )
            .await
        } else {
            Err(AccountError::NotFound("role"))
        }
    }

    async fn role_admin(&self, by: By<'_>) -> Result<Actor, AccountError> {
        match by {
            By::Console => Ok(Actor::cli()),
            By::Session(session) => {
                self.require_staff(session, Role::Operator).await?;
                Ok(Actor::account(session.account_id))
            }
        }
    }

    /// Creates (or finds) the account of a person for a staff member, from the console: level 2,
    /// with `role`, and an activation code sent to `phone`. This is how the first operator and
    /// officers are set up; later ones are granted roles by an operator.
    pub async fn bootstrap_staff(
        &self,
        personal_id: PersonalId,
        phone: &str,
        role: Role,
        registration_point: &str,
    ) -> Result<AccountId, AccountError> {
        let phone = crate::parse_phone(phone)?;
        let person = self
            .registry()
            .person(personal_id)
            .await
            .map_err(|e| AccountError::Registry(e.to_string()))?
            .person;
        eligible(&person, self.clock().today()).map_err(AccountError::Registry)?;
        let now = self.now();
        let actor = Actor::cli();
        let (id, change) = match self.find_account_id_by_person(personal_id.as_i64()).await? {
            Some(id) => {
                write_tx!(self, |tx| {
                    sqlx::query("UPDATE accounts SET level = 2, phone = $1, updated_at = $2 WHERE account_id = $3")
                        .bind(&phone)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    event!(
                        &mut *tx,
                        id,
                        now,
                        &actor,
                        "level_raised",
                        None::<&str>,
                        json!({"registration_point": registration_point})
                    );
                });
                (id, "level.raised:2")
            }
            None => write_tx!(self, |tx| {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO accounts (kind, personal_id, level, status, phone, created_at, updated_at)
                     VALUES ('person', $1, 2, 'pending', $2, $3, $3) RETURNING account_id",
                )
                .bind(personal_id.as_i64())
                .bind(&phone)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                event!(
                    &mut *tx,
                    id,
                    now,
                    &actor,
                    "created",
                    None::<&str>,
                    json!({"level": 2, "channel": "console", "registration_point": registration_point})
                );
                (id, "created:2")
            }),
        };
        self.record_change_of(id, &actor, change).await?;
        self.grant_role(By::Console, id, role).await?;
        let account = self.account(id).await?;
        if account.status == AccountStatus::Pending {
            self.send_activation_for(personal_id, &phone, id).await?;
        }
        Ok(id)
    }
}
