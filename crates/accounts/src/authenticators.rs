//! Setting up and managing authenticators: password, TOTP app, passkeys, recovery codes, and the
//! holder's locks on individual methods ("Secure my ID"). The first authenticator set on a pending
//! account activates it.

use chrono::Datelike;
use serde::Serialize;
use serde_json::json;

use crate::db::{event, on_db, write_tx};
use crate::error::AccountError;
use crate::lifecycle::{AccountStatus, Method};
use crate::model::{Account, Actor, AuthenticatorInfo, Session};
use crate::{Accounts, password, secret, totp};

/// A TOTP enrolment in progress: what the app needs, and the ceremony to confirm it with.
#[derive(Debug, Clone, Serialize)]
pub struct TotpEnrolment {
    /// Names the enrolment when the first code comes back.
    pub ceremony: String,
    /// The secret in base32, for typing by hand.
    pub secret: String,
    /// The `otpauth://` URL.
    pub url: String,
    /// The URL as a QR code (SVG).
    pub qr_svg: String,
}

/// A passkey registration in progress.
#[derive(Debug, Clone, Serialize)]
pub struct PasskeyChallenge {
    /// Names the ceremony when the browser's response comes back.
    pub ceremony: String,
    /// `{"publicKey": …}` for `navigator.credentials.create`.
    pub options: serde_json::Value,
}

impl Accounts {
    /// The account behind a session, allowed to manage its authenticators: an active account, or
    /// a pending one in its enrolment session.
    async fn manageable(&self, session: &Session) -> Result<Account, AccountError> {
        let account = self.account(session.account_id).await?;
        account.usable()?;
        Ok(account)
    }

    /// Marks a pending account active after its first authenticator.
    async fn activate_if_pending(
        &self,
        account: &Account,
        method: Method,
    ) -> Result<(), AccountError> {
        if account.status != AccountStatus::Pending {
            return Ok(());
        }
        let now = self.now();
        let activated = write_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE accounts SET status = 'active', updated_at = $1
                 WHERE account_id = $2 AND status = 'pending'",
            )
            .bind(now)
            .bind(account.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                event!(
                    &mut *tx,
                    account.id,
                    now,
                    &Actor::account(account.id),
                    "activated",
                    None::<&str>,
                    json!({"first_authenticator": method.as_str()})
                );
            }
            changed == 1
        });
        if activated {
            self.record_change(account, &Actor::account(account.id), "activated")
                .await?;
        }
        Ok(())
    }

    /// Sets (or replaces) the account's password.
    pub async fn set_password(
        &self,
        session: &Session,
        new_password: &str,
    ) -> Result<(), AccountError> {
        let account = self.manageable(session).await?;
        let mut personal: Vec<String> = Vec::new();
        if let Some(pid) = account.personal_id {
            personal.push(pid.to_string());
            if let Ok(record) = self.registry().person(pid).await {
                let b = record.person.birth_date;
                personal.push(format!("{:02}{:02}{}", b.day(), b.month(), b.year()));
                personal.push(format!("{}{:02}{:02}", b.year(), b.month(), b.day()));
            }
        }
        if let Some(phone) = &account.phone {
            personal.push(format!("0{}", phone.trim_start_matches("+84")));
            personal.push(phone.trim_start_matches('+').to_owned());
        }
        let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
        password::check_new(new_password, &personal)?;
        let hasher = self.inner.passwords.clone();
        let typed = new_password.to_owned();
        let phc = self
            .hash_work(move || hasher.hash(&typed))
            .await?
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        let now = self.now();
        let actor = Actor::account(session.account_id);
        let action = write_tx!(self, |tx| {
            let replaced = sqlx::query(
                "DELETE FROM authenticators WHERE account_id = $1 AND kind = 'password'",
            )
            .bind(account.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "INSERT INTO authenticators (account_id, kind, label, secret, created_at)
                 VALUES ($1, 'password', 'Password', $2, $3)",
            )
            .bind(account.id)
            .bind(phc)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let action = if replaced > 0 {
                "password_changed"
            } else {
                "authenticator_added"
            };
            event!(
                &mut *tx,
                account.id,
                now,
                &actor,
                action,
                None::<&str>,
                json!({"method": "password"})
            );
            action
        });
        let change = if action == "password_changed" {
            "password.changed"
        } else {
            "password.added"
        };
        self.record_change(&account, &actor, change).await?;
        self.activate_if_pending(&account, Method::Password).await
    }

    /// Starts enrolling an authenticator app: a fresh secret, its URL and QR code.
    pub async fn start_totp(&self, session: &Session) -> Result<TotpEnrolment, AccountError> {
        let account = self.manageable(session).await?;
        let secret = totp::new_secret();
        let label = account
            .personal_id
            .map(|p| p.to_string())
            .or(account.organization_code.clone())
            .unwrap_or_default();
        let url = totp::otpauth_url(&secret, &self.settings().service_name, &label)?;
        let encoded = totp::base32(&secret);
        let ceremony = self
            .keep_ceremony("totp", Some(account.id), &encoded)
            .await?;
        Ok(TotpEnrolment {
            ceremony,
            secret: encoded,
            qr_svg: totp::qr_svg(&url)?,
            url,
        })
    }

    /// Confirms an authenticator app with its first code; that code's step counts as used.
    pub async fn confirm_totp(
        &self,
        session: &Session,
        ceremony: &str,
        code: &str,
        label: &str,
    ) -> Result<(), AccountError> {
        let account = self.manageable(session).await?;
        let (_, encoded) = self
            .take_ceremony(ceremony, "totp", Some(account.id))
            .await?;
        let secret = totp::from_base32(&encoded)?;
        let Some(step) = totp::matching_step(&secret, code, (self.now() / 1000) as u64) else {
            // Keep the enrolment open for another try.
            self.keep_ceremony_with(ceremony, "totp", account.id, &encoded)
                .await?;
            return Err(AccountError::invalid(
                "code",
                "the code does not match; check the time on your phone and type the current code",
            ));
        };
        let now = self.now();
        let label = clean_label(label, "Authenticator app");
        let actor = Actor::account(account.id);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO authenticators (account_id, kind, label, secret, last_step, created_at)
                 VALUES ($1, 'totp', $2, $3, $4, $5)",
            )
            .bind(account.id)
            .bind(&label)
            .bind(&encoded)
            .bind(step as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            event!(
                &mut *tx,
                account.id,
                now,
                &actor,
                "authenticator_added",
                None::<&str>,
                json!({"method": "totp", "label": label})
            );
        });
        self.record_change(&account, &actor, "totp.added").await?;
        self.activate_if_pending(&account, Method::Totp).await
    }

    async fn keep_ceremony_with(
        &self,
        handle: &str,
        purpose: &str,
        account: i64,
        state: &str,
    ) -> Result<(), AccountError> {
        let expires = self.now() + 5 * 60 * 1000;
        on_db!(self.db(), |pool| {
            sqlx::query(
                "INSERT INTO webauthn_states (state_hash, purpose, account_id, state, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(secret::token_hash(handle.trim()))
            .bind(purpose)
            .bind(account)
            .bind(state)
            .bind(expires)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Starts registering a passkey for the session's account.
    pub async fn start_passkey_registration(
        &self,
        session: &Session,
    ) -> Result<PasskeyChallenge, AccountError> {
        let account = self.manageable(session).await?;
        let existing: Vec<(Vec<u8>,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT credential_id FROM authenticators
                 WHERE account_id = $1 AND kind = 'passkey' AND credential_id IS NOT NULL",
            )
            .bind(account.id)
            .fetch_all(pool)
            .await?
        });
        let name = account
            .personal_id
            .map(|p| p.to_string())
            .unwrap_or_else(|| account.id.to_string());
        let display = match account.personal_id {
            Some(pid) => self
                .registry()
                .person(pid)
                .await
                .map(|r| r.person.name.full())
                .unwrap_or_else(|_| name.clone()),
            None => name.clone(),
        };
        let (options, state) = self.inner.passkeys.start_registration(
            account.id,
            &name,
            &display,
            existing.into_iter().map(|(id,)| id).collect(),
        )?;
        let ceremony = self
            .keep_ceremony("passkey-register", Some(account.id), &state)
            .await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// Finishes a passkey registration with the browser's response.
    pub async fn finish_passkey_registration(
        &self,
        session: &Session,
        ceremony: &str,
        response: &serde_json::Value,
        label: &str,
    ) -> Result<(), AccountError> {
        let account = self.manageable(session).await?;
        let (_, state) = self
            .take_ceremony(ceremony, "passkey-register", Some(account.id))
            .await?;
        let (credential_id, passkey) = self.inner.passkeys.finish_registration(response, &state)?;
        let now = self.now();
        let label = clean_label(label, "Passkey");
        let actor = Actor::account(account.id);
        let result: Result<(), sqlx::Error> = async {
            write_tx!(self, |tx| {
                sqlx::query(
                    "INSERT INTO authenticators (account_id, kind, label, secret, credential_id,
                                                 created_at)
                     VALUES ($1, 'passkey', $2, $3, $4, $5)",
                )
                .bind(account.id)
                .bind(&label)
                .bind(&passkey)
                .bind(&credential_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                event!(
                    &mut *tx,
                    account.id,
                    now,
                    &actor,
                    "authenticator_added",
                    None::<&str>,
                    json!({"method": "passkey", "label": label})
                );
            });
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AccountError::Conflict(
                    "this passkey is already registered".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        self.record_change(&account, &actor, "passkey.added")
            .await?;
        self.activate_if_pending(&account, Method::Passkey).await
    }

    /// Replaces the account's recovery codes with ten new ones, returned once and stored hashed.
    pub async fn new_recovery_codes(&self, session: &Session) -> Result<Vec<String>, AccountError> {
        let account = self.manageable(session).await?;
        if account.status == AccountStatus::Pending {
            return Err(AccountError::NotActivated);
        }
        let codes: Vec<String> = (0..10).map(|_| secret::recovery_code()).collect();
        let now = self.now();
        let actor = Actor::account(account.id);
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM authenticators WHERE account_id = $1 AND kind = 'recovery'")
                .bind(account.id)
                .execute(&mut *tx)
                .await?;
            for (i, code) in codes.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO authenticators (account_id, kind, label, secret, created_at)
                     VALUES ($1, 'recovery', $2, $3, $4)",
                )
                .bind(account.id)
                .bind(format!("Recovery code {}", i + 1))
                .bind(secret::recovery_hash(code))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            event!(
                &mut *tx,
                account.id,
                now,
                &actor,
                "recovery_codes_issued",
                None::<&str>,
                json!({"count": codes.len()})
            );
        });
        self.record_change(&account, &actor, "recovery.issued")
            .await?;
        Ok(codes)
    }

    /// The account's authenticators, without their secrets.
    pub async fn authenticators(
        &self,
        account_id: i64,
    ) -> Result<Vec<AuthenticatorInfo>, AccountError> {
        let rows: Vec<AuthenticatorRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT authenticator_id, kind, label, created_at, last_used_at, used_at
                 FROM authenticators WHERE account_id = $1 ORDER BY authenticator_id",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, label, created_at, last_used_at, used_at)| {
                Some(AuthenticatorInfo {
                    id,
                    method: Method::parse(&kind)?,
                    label,
                    created_at,
                    last_used_at,
                    used_at,
                })
            })
            .collect())
    }

    /// Removes one authenticator; the last way to sign in cannot be removed.
    pub async fn remove_authenticator(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<(), AccountError> {
        let account = self.manageable(session).await?;
        let all = self.authenticators(account.id).await?;
        let Some(target) = all.iter().find(|a| a.id == id) else {
            return Err(AccountError::NotFound("authenticator"));
        };
        let primary =
            |a: &&AuthenticatorInfo| matches!(a.method, Method::Password | Method::Passkey);
        if primary(&target) && all.iter().filter(primary).count() == 1 {
            return Err(AccountError::Conflict(
                "this is your last password or passkey; add another before removing it".into(),
            ));
        }
        let now = self.now();
        let actor = Actor::account(account.id);
        let method = target.method;
        let label = target.label.clone();
        write_tx!(self, |tx| {
            sqlx::query(
                "DELETE FROM authenticators WHERE authenticator_id = $1 AND account_id = $2",
            )
            .bind(id)
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
            event!(
                &mut *tx,
                account.id,
                now,
                &actor,
                "authenticator_removed",
                None::<&str>,
                json!({"method": method.as_str(), "label": label})
            );
        });
        self.record_change(&account, &actor, format!("{}.removed", method.as_str()))
            .await
    }

    /// The holder switches one authentication method off (or back on).
    pub async fn set_method_lock(
        &self,
        session: &Session,
        method: Method,
        locked: bool,
    ) -> Result<(), AccountError> {
        let account = self.manageable(session).await?;
        let now = self.now();
        let actor = Actor::account(account.id);
        let changed = write_tx!(self, |tx| {
            let changed = if locked {
                sqlx::query(
                    "INSERT INTO method_locks (account_id, kind, since) VALUES ($1, $2, $3)
                     ON CONFLICT (account_id, kind) DO NOTHING",
                )
                .bind(account.id)
                .bind(method.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query("DELETE FROM method_locks WHERE account_id = $1 AND kind = $2")
                    .bind(account.id)
                    .bind(method.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            if changed == 1 {
                let action = if locked {
                    "method_locked"
                } else {
                    "method_unlocked"
                };
                event!(
                    &mut *tx,
                    account.id,
                    now,
                    &actor,
                    action,
                    None::<&str>,
                    json!({"method": method.as_str()})
                );
            }
            changed == 1
        });
        if changed {
            let change = if locked {
                "method.locked"
            } else {
                "method.unlocked"
            };
            self.record_change(&account, &actor, format!("{change}:{}", method.as_str()))
                .await?;
        }
        Ok(())
    }

    /// Stores a validated portrait and links it to the account.
    pub async fn set_portrait(
        &self,
        session: &Session,
        bytes: &[u8],
    ) -> Result<String, AccountError> {
        let account = self.manageable(session).await?;
        let data = bytes.to_vec();
        let portrait = tokio::task::spawn_blocking(move || crate::portrait::validate(&data))
            .await
            .map_err(|e| AccountError::Internal(e.to_string()))??;
        let now = self.now();
        let actor = Actor::account(account.id);
        let hash = portrait.sha256.to_vec();
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO portraits (sha256, media_type, width, height, bytes, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&hash)
            .bind(portrait.media_type)
            .bind(i64::from(portrait.width))
            .bind(i64::from(portrait.height))
            .bind(bytes)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE accounts SET portrait_sha256 = $1, updated_at = $2 WHERE account_id = $3",
            )
            .bind(&hash)
            .bind(now)
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
            event!(
                &mut *tx,
                account.id,
                now,
                &actor,
                "portrait_set",
                None::<&str>,
                json!({"sha256": hex::encode(&hash), "media_type": portrait.media_type})
            );
        });
        self.record_change(&account, &actor, "portrait.set").await?;
        Ok(hex::encode(hash))
    }

    /// A portrait's bytes and media type, by its hash.
    pub async fn portrait(&self, sha256_hex: &str) -> Result<(String, Vec<u8>), AccountError> {
        let hash = hex::decode(sha256_hex).map_err(|_| AccountError::NotFound("portrait"))?;
        let row: Option<(String, Vec<u8>)> = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT media_type, bytes FROM portraits WHERE sha256 = $1")
                .bind(hash)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(AccountError::NotFound("portrait"))
    }
}

/// id, kind, label, created_at, last_used_at, used_at
type AuthenticatorRow = (i64, String, String, i64, Option<i64>, Option<i64>);

fn clean_label(label: &str, default: &str) -> String {
    let label: String = label
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    if label.is_empty() {
        default.to_owned()
    } else {
        label
    }
}
