//! Sign-in and step-up. A first sign-in names the account by personal ID and proves one factor
//! (password or recovery code), or uses a passkey, which names the account itself. Step-up adds a
//! factor to an existing session (TOTP, passkey, password again, a recovery code).
//!
//! An unknown personal ID, an account without that method, and a wrong secret all answer
//! [`AccountError::LoginFailed`] after the same work: a password check against a dummy hash when
//! there is nothing real to check. Only after a correct secret does the answer say more (locked
//! account, locked method), since whoever knows the secret learns nothing new from it.

use dinhdanh_store::group::GroupedWrite;
use serde::Deserialize;
use sqlx::SqliteConnection;

use crate::assurance::Factor;
use crate::db::{on_db, write_on_db, write_tx};
use crate::enrol::parse_personal_id;
use crate::error::AccountError;
use crate::lifecycle::{AccountStatus, Method};
use crate::model::{Account, Client, SignedIn};
use crate::passkey::Passkeys;
use crate::sessions::insert_session;
use crate::{Accounts, secret, throttle, totp};

/// The writes that end a sign-in, committed together (and on SQLite, grouped with other
/// sign-ins finishing at the same moment).
pub(crate) enum SignInWrite {
    /// A passkey ceremony redeemed.
    Passkey(PasskeyRedeem),
    /// A password or recovery-code sign-in.
    Secret(SecretSignIn),
}

/// The writes that end a passkey sign-in.
pub(crate) struct PasskeyRedeem {
    ceremony_hash: Vec<u8>,
    expires: i64,
    now: i64,
    authenticator_id: i64,
    updated: Option<String>,
    session: Option<SignedIn>,
}

/// The writes that end a password or recovery-code sign-in.
pub(crate) struct SecretSignIn {
    subject_key: String,
    address_key: String,
    /// Whether a password was used (its last use is recorded; a recovery code is spent already).
    password: bool,
    account_id: i64,
    now: i64,
    session: SignedIn,
}

/// The statements of a [`SignInWrite`], on either backend's connection.
macro_rules! sign_in_statements {
    ($conn:expr, $write:expr) => {{
        match $write {
            SignInWrite::Passkey(redeem) => {
                sqlx::query(
                    "INSERT INTO used_ceremonies (ceremony_hash, expires_at) VALUES ($1, $2)",
                )
                .bind(&redeem.ceremony_hash)
                .bind(redeem.expires)
                .execute(&mut *$conn)
                .await?;
                sqlx::query(
                    "UPDATE authenticators SET last_used_at = $1, secret = COALESCE($2, secret)
                     WHERE authenticator_id = $3",
                )
                .bind(redeem.now)
                .bind(redeem.updated.as_deref())
                .bind(redeem.authenticator_id)
                .execute(&mut *$conn)
                .await?;
                if let Some(signed) = &redeem.session {
                    insert_session!(&mut *$conn, signed);
                }
            }
            SignInWrite::Secret(secret) => {
                throttle::forgive_statements!(
                    &mut *$conn,
                    &secret.subject_key,
                    &secret.address_key
                );
                if secret.password {
                    sqlx::query(
                        "UPDATE authenticators SET last_used_at = $1
                         WHERE account_id = $2 AND kind = 'password'",
                    )
                    .bind(secret.now)
                    .bind(secret.account_id)
                    .execute(&mut *$conn)
                    .await?;
                }
                insert_session!(&mut *$conn, &secret.session);
            }
        }
    }};
}

impl GroupedWrite for SignInWrite {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        sign_in_statements!(conn, self);
        Ok(())
    }
}

impl Accounts {
    /// Commits the writes that end a sign-in: grouped with others on SQLite.
    async fn finish_sign_in(&self, write: SignInWrite) -> Result<(), sqlx::Error> {
        match &self.inner.sign_ins {
            Some(group) => group.write(write).await,
            None => {
                write_tx!(self, |tx| sign_in_statements!(&mut *tx, &write));
                Ok(())
            }
        }
    }
}

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
        throttle::attempt(self, &address_key, policy.free_per_address, &policy, now).await?;
        throttle::attempt(self, &subject_key, policy.free_per_subject, &policy, now).await?;

        let verified;
        let account = match credential {
            // The account and its password hash in one read.
            Credential::Password(password) => {
                let found = self.account_with_password(personal_id).await?;
                match found {
                    Some((account, stored)) => {
                        verified = self.verify_password(&account, stored, password).await?;
                        Some(account)
                    }
                    None => {
                        self.spend_like_a_check(credential).await;
                        verified = false;
                        None
                    }
                }
            }
            _ => {
                let account = self.account_of_person(personal_id).await?;
                verified = match &account {
                    Some(account) => self.check_secret(account, credential).await?,
                    None => {
                        self.spend_like_a_check(credential).await;
                        false
                    }
                };
                account
            }
        };
        let Some(account) = account.filter(|_| verified) else {
            return Err(AccountError::LoginFailed);
        };
        if let Err(refused) = self.admit(&account, credential.method()).await {
            // The secret was right: its attempt is forgiven even though the account is closed.
            write_tx!(self, |tx| throttle::forgive_statements!(
                &mut *tx,
                &subject_key,
                &address_key
            ));
            return Err(refused);
        }
        let factor = match credential {
            Credential::Recovery(_) => Factor::RecoveryCode,
            _ => Factor::Password,
        };
        // The attempt forgiven, the authenticator's last use and the new session: one commit.
        let signed = self.new_session(account.id, account.level, vec![factor], client);
        self.finish_sign_in(SignInWrite::Secret(SecretSignIn {
            subject_key,
            address_key,
            password: matches!(credential, Credential::Password(_)),
            account_id: account.id,
            now: self.now(),
            session: signed.clone(),
        }))
        .await?;
        Ok(signed)
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
        throttle::attempt(self, &key, policy.free_per_subject, &policy, now).await?;
        let _ = client;
        if !self.check_secret(&account, credential).await? {
            return Err(AccountError::LoginFailed);
        }
        throttle::forgive(self, &key).await?;
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
        let changed = self.sync_account(account).await? != crate::SyncOutcome::default();
        let reloaded;
        let account = if changed {
            reloaded = self.account(account.id).await?;
            &reloaded
        } else {
            account
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
                self.verify_password(account, stored, password).await
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

    /// Checks a typed password against the account's stored one (`(authenticator_id, PHC)`),
    /// re-hashing it when the parameters changed. Without a stored password the same work is
    /// spent on a dummy hash.
    async fn verify_password(
        &self,
        account: &Account,
        stored: Option<(i64, String)>,
        password: &str,
    ) -> Result<bool, AccountError> {
        let Some((id, phc)) = stored else {
            self.spend_like_a_check(&Credential::Password(password.to_owned()))
                .await;
            return Ok(false);
        };
        let hasher = self.inner.passwords.clone();
        let typed = password.to_owned();
        let (ok, rehash) = self
            .hash_work(move || {
                let ok = hasher.verify(&typed, &phc);
                let rehash = (ok && hasher.needs_rehash(&phc))
                    .then(|| hasher.hash(&typed).ok())
                    .flatten();
                (ok, rehash)
            })
            .await?;
        if let Some(new_phc) = rehash {
            write_on_db!(self, |pool| {
                sqlx::query("UPDATE authenticators SET secret = $1 WHERE authenticator_id = $2")
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

    async fn spend_like_a_check(&self, credential: &Credential) {
        if let Credential::Password(password) = credential {
            let hasher = self.inner.passwords.clone();
            let typed = password.clone();
            let _ = self.hash_work(move || hasher.verify_dummy(&typed)).await;
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
    ///
    /// Nothing is written: the ceremony handle carries the state, authenticated with the
    /// platform's ceremony key, and expires in five minutes. It is marked used in the same
    /// transaction that opens the session, so it works once.
    pub async fn passkey_login_start(&self) -> Result<PasskeyLogin, AccountError> {
        let (options, state) = self.inner.passkeys.start_authentication()?;
        let key = self.ceremony_key().await?;
        let expires = self.now() + 5 * 60 * 1000;
        let ceremony = crate::secret::seal(key, expires, state.as_bytes());
        Ok(PasskeyLogin { ceremony, options })
    }

    /// The ceremony key, created by the first node that needs it.
    async fn ceremony_key(&self) -> Result<&[u8], AccountError> {
        let key = self
            .inner
            .ceremony_key
            .get_or_try_init(|| async {
                let now = self.now();
                let fresh = [crate::secret::salt(), crate::secret::salt()].concat();
                let key: (Vec<u8>,) = on_db!(self.db(), |pool| {
                    sqlx::query(
                        "INSERT INTO server_secrets (name, secret, created_at)
                         VALUES ('ceremony', $1, $2) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(&fresh)
                    .bind(now)
                    .execute(pool)
                    .await?;
                    sqlx::query_as("SELECT secret FROM server_secrets WHERE name = 'ceremony'")
                        .fetch_one(pool)
                        .await?
                });
                Ok::<_, AccountError>(key.0)
            })
            .await?;
        Ok(key.as_slice())
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
        // No failure counter here: an assertion is a signature, there is no secret to guess, and
        // each ceremony is single-use.
        let now = self.now();
        let key = self.ceremony_key().await?;
        let state = crate::secret::open_sealed(key, ceremony.trim(), now)
            .ok_or(AccountError::LoginFailed)?;
        let state = String::from_utf8(state).map_err(|_| AccountError::LoginFailed)?;
        let passkeys = &self.inner.passkeys;
        let (assertion, handle, credential_id) = passkeys
            .identify(response)
            .map_err(|_| AccountError::LoginFailed)?;
        let Some((authenticator_id, passkey, account)) =
            self.passkey_holder(&credential_id).await?
        else {
            return Err(AccountError::LoginFailed);
        };
        let account_id = account.id;
        if Passkeys::user_handle(account_id) != handle {
            return Err(AccountError::LoginFailed);
        }
        let (verified, updated) = passkeys
            .finish_authentication(&assertion, &state, &passkey)
            .map_err(|e| {
                tracing::info!(account = account_id, error = %e, "passkey assertion refused");
                AccountError::LoginFailed
            })?;
        self.admit(&account, Method::Passkey).await?;
        let factor = if verified {
            Factor::PasskeyVerified
        } else {
            Factor::Passkey
        };
        let ceremony_hash = secret::token_hash(ceremony.trim());
        let raise = match current {
            Some(token) => self
                .session(token)
                .await
                .ok()
                .filter(|s| s.account_id == account_id)
                .map(|_| token),
            None => None,
        };
        if let Some(token) = raise {
            self.redeem_ceremony(
                &ceremony_hash,
                now,
                authenticator_id,
                updated.as_deref(),
                None,
            )
            .await?;
            return self.raise_session(token, factor).await;
        }
        let opened = self.new_session(account_id, account.level, vec![factor], client);
        self.redeem_ceremony(
            &ceremony_hash,
            now,
            authenticator_id,
            updated.as_deref(),
            Some(&opened),
        )
        .await?;
        Ok(opened)
    }

    /// In one transaction: marks the ceremony used (a replay fails here), records the passkey's
    /// use and new counter, and stores the new session. On SQLite the transaction is shared with
    /// other sign-ins committing at the same moment.
    async fn redeem_ceremony(
        &self,
        ceremony_hash: &[u8],
        now: i64,
        authenticator_id: i64,
        updated: Option<&str>,
        session: Option<&SignedIn>,
    ) -> Result<(), AccountError> {
        let redeem = PasskeyRedeem {
            ceremony_hash: ceremony_hash.to_vec(),
            expires: now + 6 * 60 * 1000,
            now,
            authenticator_id,
            updated: updated.map(str::to_owned),
            session: session.cloned(),
        };
        let result = self.finish_sign_in(SignInWrite::Passkey(redeem)).await;
        match result {
            Ok(()) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(AccountError::LoginFailed)
            }
            Err(e) => Err(e.into()),
        }
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
