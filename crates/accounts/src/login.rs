//! Sign-in and step-up. A first sign-in names the account by personal ID and proves one factor
//! (password or recovery code), or uses a passkey, which names the account itself. Step-up adds a
//! factor to an existing session (TOTP, passkey, password again, a recovery code).
//!
//! An unknown personal ID, an account without that method, and a wrong secret all answer
//! [`AccountError::LoginFailed`] after the same work: a password check against a dummy hash when
//! there is nothing real to check. Only after a correct secret does the answer say more (locked
//! account, locked method), since whoever knows the secret learns nothing new from it.

use serde::Deserialize;

use crate::assurance::Factor;
use crate::db::on_db;
use crate::enrol::parse_personal_id;
use crate::error::AccountError;
use crate::lifecycle::{AccountStatus, Method};
use crate::model::{Account, Client, SignedIn};
use crate::passkey::Passkeys;
use crate::{Accounts, secret, throttle, totp};

/// A secret presented at sign-in or step-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "method", content = "value", rename_all = "snake_case")]
pub enum Credential {
    /// A password.
    Password(String),
    /// A six-digit code from an authenticator app (step-up only).
    Totp(String),
    /// One of the ten recovery codes.
    Recovery(String),
}

impl Credential {
    fn method(&self) -> Method {
        match self {
            Credential::Password(_) => Method::Password,
            Credential::Totp(_) => Method::Totp,
            Credential::Recovery(_) => Method::Recovery,
        }
    }
}

/// The options of a passkey ceremony, for `navigator.credentials`, and its handle.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PasskeyLogin {
    /// Names the ceremony when its response comes back.
    pub ceremony: String,
    /// `{"publicKey": …}` as the browser expects it.
    pub options: serde_json::Value,
}

impl Accounts {
    /// First-factor sign-in with a personal ID and a password or recovery code.
    pub async fn login(
        &self,
        personal_id: &str,
        credential: &Credential,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        if matches!(credential, Credential::Totp(_)) {
            return Err(AccountError::invalid(
                "method",
                "an authenticator-app code is a second factor; sign in with a password or passkey first",
            ));
        }
        let personal_id = parse_personal_id(personal_id)?;
        let now = self.now();
        let policy = self.settings().throttle;
        let subject_key = format!("login:{personal_id}");
        let address_key = format!("login-address:{}", client.address);
        throttle::attempt(
            self.db(),
            &address_key,
            policy.free_per_address,
            &policy,
            now,
        )
        .await?;
        throttle::attempt(
            self.db(),
            &subject_key,
            policy.free_per_subject,
            &policy,
            now,
        )
        .await?;

        let account = self.account_of_person(personal_id).await?;
        let verified = match &account {
            Some(account) => self.check_secret(account, credential).await?,
            None => {
                self.spend_like_a_check(credential).await;
                false
            }
        };
        let Some(account) = account.filter(|_| verified) else {
            return Err(AccountError::LoginFailed);
        };
        throttle::forgive(self.db(), &subject_key).await?;
        throttle::forgive_one(self.db(), &address_key).await?;
        self.admit(&account, credential.method()).await?;
        let factor = match credential {
            Credential::Recovery(_) => Factor::RecoveryCode,
            _ => Factor::Password,
        };
        self.touch_authenticator(&account, credential).await?;
        self.open_session(account.id, vec![factor], client).await
    }

    /// Adds a factor to the session behind `token`; returns the raised session with a new token.
    pub async fn step_up(
        &self,
        token: &str,
        credential: &Credential,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let session = self.session(token).await?;
        let account = self.account(session.account_id).await?;
        let now = self.now();
        let policy = self.settings().throttle;
        let key = format!("step-up:{}", account.id);
        throttle::attempt(self.db(), &key, policy.free_per_subject, &policy, now).await?;
        let _ = client;
        if !self.check_secret(&account, credential).await? {
            return Err(AccountError::LoginFailed);
        }
        throttle::forgive(self.db(), &key).await?;
        self.admit(&account, credential.method()).await?;
        self.touch_authenticator(&account, credential).await?;
        let factor = match credential {
            Credential::Password(_) => Factor::Password,
            Credential::Totp(_) => Factor::Totp,
            Credential::Recovery(_) => Factor::RecoveryCode,
        };
        self.raise_session(token, factor).await
    }

    /// Whether the account may sign in now with `method`: registry causes re-checked first.
    async fn admit(&self, account: &Account, method: Method) -> Result<(), AccountError> {
        let account = match account.personal_id {
            Some(pid) => {
                self.sync_with_registry(pid).await?;
                self.account(account.id).await?
            }
            None => account.clone(),
        };
        account.usable()?;
        if account.status == AccountStatus::Pending {
            return Err(AccountError::NotActivated);
        }
        if account.locked_methods.contains(&method) {
            return Err(AccountError::MethodLocked(method));
        }
        Ok(())
    }

    /// Checks a secret against the account's authenticators. A TOTP code is accepted once per
    /// step; a recovery code once ever: both are claimed by a conditional update.
    async fn check_secret(
        &self,
        account: &Account,
        credential: &Credential,
    ) -> Result<bool, AccountError> {
        match credential {
            Credential::Password(password) => {
                let stored: Option<(i64, String)> = on_db!(self.db(), |pool| {
                    sqlx::query_as(
                        "SELECT authenticator_id, secret FROM authenticators
                         WHERE account_id = $1 AND kind = 'password'",
                    )
                    .bind(account.id)
                    .fetch_optional(pool)
                    .await?
                });
                let Some((id, phc)) = stored else {
                    self.spend_like_a_check(credential).await;
                    return Ok(false);
                };
                let hasher = self.inner.passwords.clone();
                let typed = password.clone();
                let (ok, rehash) = tokio::task::spawn_blocking(move || {
                    let ok = hasher.verify(&typed, &phc);
                    let rehash = (ok && hasher.needs_rehash(&phc))
                        .then(|| hasher.hash(&typed).ok())
                        .flatten();
                    (ok, rehash)
                })
                .await
                .map_err(|e| AccountError::Internal(e.to_string()))?;
                if let Some(new_phc) = rehash {
                    on_db!(self.db(), |pool| {
                        sqlx::query(
                            "UPDATE authenticators SET secret = $1 WHERE authenticator_id = $2",
                        )
                        .bind(new_phc)
                        .bind(id)
                        .execute(pool)
                        .await?;
                    });
                    tracing::info!(
                        account = account.id,
                        "password re-hashed with the current parameters"
                    );
                }
                Ok(ok)
            }
            Credential::Totp(code) => {
                let rows: Vec<(i64, String)> = on_db!(self.db(), |pool| {
                    sqlx::query_as(
                        "SELECT authenticator_id, secret FROM authenticators
                         WHERE account_id = $1 AND kind = 'totp'",
                    )
                    .bind(account.id)
                    .fetch_all(pool)
                    .await?
                });
                let seconds = (self.now() / 1000) as u64;
                for (id, secret_b32) in rows {
                    let secret = totp::from_base32(&secret_b32)?;
                    if let Some(step) = totp::matching_step(&secret, code, seconds) {
                        let claimed = on_db!(self.db(), |pool| {
                            sqlx::query(
                                "UPDATE authenticators SET last_step = $1
                                 WHERE authenticator_id = $2 AND (last_step IS NULL OR last_step < $1)",
                            )
                            .bind(step as i64)
                            .bind(id)
                            .execute(pool)
                            .await?
                            .rows_affected()
                        });
                        return Ok(claimed == 1);
                    }
                }
                Ok(false)
            }
            Credential::Recovery(code) => {
                let now = self.now();
                let claimed = on_db!(self.db(), |pool| {
                    sqlx::query(
                        "UPDATE authenticators SET used_at = $1, last_used_at = $1
                         WHERE account_id = $2 AND kind = 'recovery' AND secret = $3
                           AND used_at IS NULL",
                    )
                    .bind(now)
                    .bind(account.id)
                    .bind(secret::recovery_hash(code))
                    .execute(pool)
                    .await?
                    .rows_affected()
                });
                Ok(claimed == 1)
            }
        }
    }

    async fn spend_like_a_check(&self, credential: &Credential) {
        if let Credential::Password(password) = credential {
            let hasher = self.inner.passwords.clone();
            let typed = password.clone();
            let _ = tokio::task::spawn_blocking(move || hasher.verify_dummy(&typed)).await;
        }
    }

    async fn touch_authenticator(
        &self,
        account: &Account,
        credential: &Credential,
    ) -> Result<(), AccountError> {
        let kind = match credential {
            Credential::Password(_) => "password",
            Credential::Totp(_) => "totp",
            Credential::Recovery(_) => return Ok(()),
        };
        let now = self.now();
        on_db!(self.db(), |pool| {
            sqlx::query(
                "UPDATE authenticators SET last_used_at = $1 WHERE account_id = $2 AND kind = $3",
            )
            .bind(now)
            .bind(account.id)
            .bind(kind)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Starts a passkey sign-in (or step-up): no personal ID is needed.
    pub async fn passkey_login_start(&self) -> Result<PasskeyLogin, AccountError> {
        let (options, state) = self.inner.passkeys.start_authentication()?;
        let ceremony = self.keep_ceremony("passkey-login", None, &state).await?;
        Ok(PasskeyLogin { ceremony, options })
    }

    /// Finishes a passkey ceremony. With `current` (a session token of the same account) it
    /// raises that session; otherwise it opens a new one.
    pub async fn passkey_login_finish(
        &self,
        ceremony: &str,
        response: &serde_json::Value,
        current: Option<&str>,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let now = self.now();
        let policy = self.settings().throttle;
        let address_key = format!("passkey-address:{}", client.address);
        throttle::attempt(
            self.db(),
            &address_key,
            policy.free_per_address,
            &policy,
            now,
        )
        .await?;
        let (_, state) = self
            .take_ceremony(ceremony, "passkey-login", None)
            .await
            .map_err(|_| AccountError::LoginFailed)?;
        let passkeys = &self.inner.passkeys;
        let (assertion, handle, credential_id) = passkeys
            .identify(response)
            .map_err(|_| AccountError::LoginFailed)?;
        let stored: Option<(i64, i64, String)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT authenticator_id, account_id, secret FROM authenticators
                 WHERE credential_id = $1 AND kind = 'passkey'",
            )
            .bind(&credential_id)
            .fetch_optional(pool)
            .await?
        });
        let Some((authenticator_id, account_id, passkey)) = stored else {
            return Err(AccountError::LoginFailed);
        };
        if Passkeys::user_handle(account_id) != handle {
            return Err(AccountError::LoginFailed);
        }
        let (verified, updated) = passkeys
            .finish_authentication(&assertion, &state, &passkey)
            .map_err(|e| {
                tracing::info!(account = account_id, error = %e, "passkey assertion refused");
                AccountError::LoginFailed
            })?;
        throttle::forgive_one(self.db(), &address_key).await?;
        let account = self.account(account_id).await?;
        self.admit(&account, Method::Passkey).await?;
        on_db!(self.db(), |pool| {
            sqlx::query(
                "UPDATE authenticators SET last_used_at = $1, secret = COALESCE($2, secret)
                 WHERE authenticator_id = $3",
            )
            .bind(now)
            .bind(updated)
            .bind(authenticator_id)
            .execute(pool)
            .await?;
        });
        let factor = if verified {
            Factor::PasskeyVerified
        } else {
            Factor::Passkey
        };
        if let Some(token) = current
            && let Ok(session) = self.session(token).await
            && session.account_id == account_id
        {
            return self.raise_session(token, factor).await;
        }
        self.open_session(account_id, vec![factor], client).await
    }

    /// Keeps the state of a ceremony (passkey, TOTP enrolment) for five minutes; returns its handle.
    pub(crate) async fn keep_ceremony(
        &self,
        purpose: &str,
        account: Option<i64>,
        state: &str,
    ) -> Result<String, AccountError> {
        let handle = secret::token();
        let expires = self.now() + 5 * 60 * 1000;
        on_db!(self.db(), |pool| {
            sqlx::query(
                "INSERT INTO webauthn_states (state_hash, purpose, account_id, state, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(secret::token_hash(&handle))
            .bind(purpose)
            .bind(account)
            .bind(state)
            .bind(expires)
            .execute(pool)
            .await?;
        });
        Ok(handle)
    }

    /// Takes a ceremony's state, once: it is deleted in the same statement that reads it.
    pub(crate) async fn take_ceremony(
        &self,
        handle: &str,
        purpose: &str,
        account: Option<i64>,
    ) -> Result<(Option<i64>, String), AccountError> {
        let now = self.now();
        let row: Option<(Option<i64>, String, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "DELETE FROM webauthn_states WHERE state_hash = $1 AND purpose = $2
                 RETURNING account_id, state, expires_at",
            )
            .bind(secret::token_hash(handle.trim()))
            .bind(purpose)
            .fetch_optional(pool)
            .await?
        });
        match row {
            Some((owner, state, expires))
                if expires > now && (account.is_none() || owner == account) =>
            {
                Ok((owner, state))
            }
            Some(_) => Err(AccountError::Conflict(
                "this ceremony expired or belongs to another account; start again".into(),
            )),
            None => Err(AccountError::Conflict(
                "unknown or already used ceremony; start again".into(),
            )),
        }
    }
}
