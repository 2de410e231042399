//! Enrolment: level 1 online (matched against the registry, phone proven by a code), level 2 in
//! person (an enrolment officer checks the card and fingerprints), and children's accounts opened
//! by a parent. Organizations' accounts are in `organizations`.
//!
//! Registration answers the same way whether or not the details match: the caller always gets a
//! ticket, and a code is sent only when they do. A ticket for details that did not match is a
//! decoy whose code never verifies, so the answers tell nobody who is in the registry.

use dinhdanh_domain::{NaiveDate, PersonalId};
use dinhdanh_registry::{LifeStatus, Person, RegistryError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::assurance::{AccountLevel, Factor};
use crate::db::{event, on_db, write_tx};
use crate::error::AccountError;
use crate::lifecycle::{AccountStatus, Role};
use crate::model::{Account, AccountId, Actor, Client, Session, SignedIn};
use crate::notify::queue_message;
use crate::{Accounts, parse_phone, secret, throttle};

/// What a person types to register at level 1.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Registration {
    /// The 12-digit personal ID.
    pub personal_id: String,
    /// Full name as on the identity card, with diacritics.
    pub full_name: String,
    /// Date of birth, `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub birth_date: String,
    /// Mobile number.
    pub phone: String,
}

/// An opaque handle on a pending registration; the code sent to the phone redeems it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket(pub String);

/// What the enrolment officer records at the counter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InPersonCheck {
    /// The named registration point (police station, one-stop shop).
    pub registration_point: String,
    /// The identity card was inspected and its chip read.
    pub card_checked: bool,
    /// Fingerprints were taken and matched.
    pub fingerprints_checked: bool,
    /// The phone for activation codes (required when the account is new).
    pub phone: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RegistrationSubject {
    personal_id: i64,
    phone: String,
}

/// Parses `YYYY-MM-DD` or `DD/MM/YYYY`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, AccountError> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            AccountError::invalid("birth_date", "give the date as YYYY-MM-DD or DD/MM/YYYY")
        })
}

pub(crate) fn parse_personal_id(text: &str) -> Result<PersonalId, AccountError> {
    PersonalId::parse(text).map_err(|e| AccountError::invalid("personal_id", e.to_string()))
}

fn same_name(typed: &str, person: &Person) -> bool {
    let typed = dinhdanh_domain::normalize(typed).to_lowercase();
    let registered = dinhdanh_domain::normalize(&person.name.full()).to_lowercase();
    secret::same(typed.as_bytes(), registered.as_bytes())
}

/// Whether a person may hold an account today: living, with a valid identity card.
pub(crate) fn eligible(person: &Person, today: NaiveDate) -> Result<(), String> {
    if let LifeStatus::Deceased { date } = person.status {
        return Err(format!(
            "the registry records this person as deceased on {date}"
        ));
    }
    match &person.id_card {
        Some(card) if card.is_valid_on(today) => Ok(()),
        Some(_) => Err("the person's identity card is not valid today".into()),
        None => Err("the person has no identity card".into()),
    }
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

impl Accounts {
    /// Starts a level-1 registration. Always returns a ticket; the code goes to the phone only if
    /// the details match a living person with a valid card who has no account yet.
    pub async fn register(
        &self,
        form: &Registration,
        client: &Client,
    ) -> Result<Ticket, AccountError> {
        let personal_id = parse_personal_id(&form.personal_id)?;
        let birth_date = parse_date(&form.birth_date)?;
        let phone = parse_phone(&form.phone)?;
        if form.full_name.trim().is_empty() {
            return Err(AccountError::invalid("full_name", "give your full name"));
        }
        let now = self.now();
        let policy = self.settings().throttle;
        throttle::attempt(
            self,
            &format!("register-address:{}", client.address),
            policy.free_per_address,
            &policy,
            now,
        )
        .await?;
        throttle::attempt(
            self,
            &format!("register:{personal_id}"),
            policy.free_per_subject,
            &policy,
            now,
        )
        .await?;

        let matched = self
            .registration_matches(personal_id, &form.full_name, birth_date)
            .await?;
        let ticket = secret::token();
        let salt = secret::salt();
        let code = secret::six_digits();
        let code_hash = matched.then(|| secret::code_hash(&salt, &code));
        let subject = serde_json::to_string(&RegistrationSubject {
            personal_id: personal_id.as_i64(),
            phone: phone.clone(),
        })
        .map_err(|e| AccountError::Internal(e.to_string()))?;
        let expires = now + self.settings().code_lifetime.as_millis() as i64;
        let delivery = &self.settings().delivery;
        // One GSM-7 SMS (no diacritics, under 160 characters), as Vietnamese OTP messages are.
        let text = format!(
            "{}: Ma xac thuc dang ky tai khoan dinh danh dien tu: {code}. Hieu luc 5 phut. \
             Khong cung cap ma nay cho bat ky ai.",
            self.settings().service_name
        );
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO one_time_codes (ticket_hash, purpose, subject, code_salt, code_hash,
                                             attempts, expires_at, created_at)
                 VALUES ($1, 'register', $2, $3, $4, 0, $5, $6)",
            )
            .bind(secret::token_hash(&ticket))
            .bind(subject)
            .bind(salt)
            .bind(code_hash)
            .bind(expires)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if matched {
                queue_message!(&mut *tx, delivery, now, phone.as_str(), "register", text);
            }
        });
        Ok(Ticket(ticket))
    }

    async fn registration_matches(
        &self,
        personal_id: PersonalId,
        full_name: &str,
        birth_date: NaiveDate,
    ) -> Result<bool, AccountError> {
        let person = match self.registry().person(personal_id).await {
            Ok(record) => record.person,
            Err(RegistryError::PersonNotFound(_)) => return Ok(false),
            Err(e) => return Err(AccountError::Internal(e.to_string())),
        };
        let details = same_name(full_name, &person) & (person.birth_date == birth_date);
        if !details || eligible(&person, self.clock().today()).is_err() {
            return Ok(false);
        }
        // Someone who registered but never set an authenticator may start again.
        Ok(match self.account_of_person(personal_id).await? {
            None => true,
            Some(a) => a.status == AccountStatus::Pending && a.level == AccountLevel::One,
        })
    }

    /// Redeems a one-time code: counts the attempt atomically, then checks expiry and the code.
    /// Returns the ticket's subject on success, with the code consumed.
    async fn redeem(
        &self,
        ticket_hash: &[u8],
        purpose: &str,
        code: &str,
    ) -> Result<String, AccountError> {
        let now = self.now();
        let max = i64::from(self.settings().code_attempts);
        let row: Option<CodeRow> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "UPDATE one_time_codes SET attempts = attempts + 1
                 WHERE ticket_hash = $1 AND purpose = $2 AND consumed_at IS NULL AND attempts < $3
                 RETURNING subject, code_salt, code_hash, attempts, expires_at",
            )
            .bind(ticket_hash)
            .bind(purpose)
            .bind(max)
            .fetch_optional(pool)
            .await?
        });
        let Some((subject, salt, expected, attempts, expires_at)) = row else {
            return Err(AccountError::CodeSpent);
        };
        if now >= expires_at {
            return Err(AccountError::CodeExpired);
        }
        let typed = code.trim();
        let ok = expected
            .as_deref()
            .is_some_and(|h| secret::same(h, &secret::code_hash(&salt, typed)));
        if !ok {
            let remaining = (max - attempts).max(0) as u32;
            return Err(if remaining == 0 {
                AccountError::CodeSpent
            } else {
                AccountError::WrongCode { remaining }
            });
        }
        let consumed = on_db!(self.db(), |pool| {
            sqlx::query(
                "UPDATE one_time_codes SET consumed_at = $1
                 WHERE ticket_hash = $2 AND consumed_at IS NULL",
            )
            .bind(now)
            .bind(ticket_hash)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if consumed != 1 {
            return Err(AccountError::CodeSpent);
        }
        Ok(subject)
    }

    /// Completes a level-1 registration with the code from the phone: the account is created
    /// (pending until its first authenticator) and an enrolment session opened.
    pub async fn verify_registration(
        &self,
        ticket: &str,
        code: &str,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let subject = self
            .redeem(&secret::token_hash(ticket.trim()), "register", code)
            .await?;
        let subject: RegistrationSubject =
            serde_json::from_str(&subject).map_err(|e| AccountError::Internal(e.to_string()))?;
        let now = self.now();
        let existing = self.find_account_id_by_person(subject.personal_id).await?;
        let account_id = match existing {
            Some(id) => {
                on_db!(self.db(), |pool| {
                    sqlx::query(
                        "UPDATE accounts SET phone = $1, updated_at = $2 WHERE account_id = $3",
                    )
                    .bind(&subject.phone)
                    .bind(now)
                    .bind(id)
                    .execute(pool)
                    .await?;
                });
                id
            }
            None => {
                let id = write_tx!(self, |tx| {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO accounts (kind, personal_id, level, status, phone, created_at,
                                               updated_at)
                         VALUES ('person', $1, 1, 'pending', $2, $3, $3) RETURNING account_id",
                    )
                    .bind(subject.personal_id)
                    .bind(&subject.phone)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    event!(
                        &mut *tx,
                        id,
                        now,
                        &Actor::account(id),
                        "created",
                        None::<&str>,
                        json!({"level": 1, "channel": "online", "phone": subject.phone})
                    );
                    id
                });
                self.record_change_of(id, &Actor::account(id), "created:1")
                    .await?;
                id
            }
        };
        self.open_session(account_id, vec![Factor::PhoneCode], client)
            .await
    }

    pub(crate) async fn find_account_id_by_person(
        &self,
        personal_id: i64,
    ) -> Result<Option<AccountId>, AccountError> {
        let row: Option<(i64,)> = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT account_id FROM accounts WHERE personal_id = $1")
                .bind(personal_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(id,)| id))
    }

    /// Issues an activation code for a pending account and queues it to `phone`.
    pub(crate) async fn send_activation_for(
        &self,
        personal_id: PersonalId,
        phone: &str,
        account_id: AccountId,
    ) -> Result<(), AccountError> {
        let now = self.now();
        let salt = secret::salt();
        let code = secret::six_digits();
        let hash = secret::code_hash(&salt, &code);
        let expires = now + self.settings().code_lifetime.as_millis() as i64;
        let delivery = &self.settings().delivery;
        let text = format!(
            "{}: Ma kich hoat tai khoan dinh danh dien tu cho so {personal_id}: {code}. \
             Hieu luc 5 phut.",
            self.settings().service_name
        );
        let subject = account_id.to_string();
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO one_time_codes (ticket_hash, purpose, subject, code_salt, code_hash,
                                             attempts, expires_at, created_at)
                 VALUES ($1, 'activate', $2, $3, $4, 0, $5, $6)
                 ON CONFLICT (ticket_hash) DO UPDATE SET subject = $2, code_salt = $3,
                     code_hash = $4, attempts = 0, expires_at = $5, consumed_at = NULL,
                     created_at = $6",
            )
            .bind(activation_ticket(personal_id))
            .bind(subject)
            .bind(salt)
            .bind(hash)
            .bind(expires)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            queue_message!(&mut *tx, delivery, now, phone, "activate", text);
        });
        Ok(())
    }

    /// Sends a fresh activation code for a pending account (the citizen lost or let the last one
    /// expire). Answers the same whether or not there is such an account.
    pub async fn resend_activation(
        &self,
        personal_id: &str,
        client: &Client,
    ) -> Result<(), AccountError> {
        let personal_id = parse_personal_id(personal_id)?;
        let policy = self.settings().throttle;
        throttle::attempt(
            self,
            &format!("activate-resend:{personal_id}"),
            policy.free_per_subject,
            &policy,
            self.now(),
        )
        .await?;
        let _ = client;
        if let Some(account) = self.account_of_person(personal_id).await?
            && account.status == AccountStatus::Pending
            && (account.level == AccountLevel::Two || account_is_child_pending(&account))
        {
            let phone = self.activation_phone(&account).await?;
            self.send_activation_for(personal_id, &phone, account.id)
                .await?;
        }
        Ok(())
    }

    async fn activation_phone(&self, account: &Account) -> Result<String, AccountError> {
        if let Some(guardian) = account.guardian {
            let g = self.account(guardian).await?;
            return g
                .phone
                .ok_or(AccountError::Conflict("the guardian has no phone".into()));
        }
        account
            .phone
            .clone()
            .ok_or(AccountError::Conflict("the account has no phone".into()))
    }

    /// Redeems an activation code (level 2 at the counter, a child's account, an operator's first
    /// sign-in): opens an enrolment session for setting authenticators. Every failure answers
    /// [`AccountError::LoginFailed`], whatever its cause.
    pub async fn activate(
        &self,
        personal_id: &str,
        code: &str,
        client: &Client,
    ) -> Result<SignedIn, AccountError> {
        let personal_id = parse_personal_id(personal_id)?;
        let policy = self.settings().throttle;
        let key = format!("activate:{personal_id}");
        throttle::attempt(self, &key, policy.free_per_subject, &policy, self.now()).await?;
        let subject = match self
            .redeem(&activation_ticket(personal_id), "activate", code)
            .await
        {
            Ok(subject) => subject,
            Err(AccountError::Database(e)) => return Err(AccountError::Database(e)),
            Err(_) => return Err(AccountError::LoginFailed),
        };
        throttle::forgive(self, &key).await?;
        let account_id: AccountId = subject
            .parse()
            .map_err(|_| AccountError::Internal("bad activation subject".into()))?;
        let account = self.account(account_id).await?;
        account.usable()?;
        self.open_session(account_id, vec![Factor::PhoneCode], client)
            .await
    }

    /// Level 2 at the counter: the officer has checked the identity card and fingerprints at a
    /// named registration point. Raises an existing account or creates one at level 2; a new or
    /// still pending account gets an activation code by SMS.
    pub async fn enrol_in_person(
        &self,
        officer: &Session,
        personal_id: &str,
        check: &InPersonCheck,
    ) -> Result<Account, AccountError> {
        self.require_staff(officer, Role::EnrolmentOfficer).await?;
        let personal_id = parse_personal_id(personal_id)?;
        if check.registration_point.trim().is_empty() {
            return Err(AccountError::invalid(
                "registration_point",
                "name the registration point",
            ));
        }
        if !check.card_checked {
            return Err(AccountError::invalid(
                "card_checked",
                "the identity card must be checked in person",
            ));
        }
        if !check.fingerprints_checked {
            return Err(AccountError::invalid(
                "fingerprints_checked",
                "the fingerprints must be checked in person",
            ));
        }
        let phone = check
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(parse_phone)
            .transpose()?;
        let person = self
            .registry()
            .person(personal_id)
            .await
            .map_err(|e| AccountError::Registry(e.to_string()))?
            .person;
        eligible(&person, self.clock().today()).map_err(AccountError::Registry)?;
        let now = self.now();
        let actor = Actor::account(officer.account_id);
        let detail = json!({
            "registration_point": check.registration_point.trim(),
            "card_checked": true,
            "fingerprints_checked": true,
            "officer": officer.account_id,
        });
        let existing = self.account_of_person(personal_id).await?;
        let account_id = match &existing {
            Some(account) => {
                if account.status == AccountStatus::Revoked {
                    return Err(AccountError::Conflict(
                        "this account was revoked; it cannot be raised".into(),
                    ));
                }
                write_tx!(self, |tx| {
                    sqlx::query(
                        "UPDATE accounts SET level = 2, phone = COALESCE($1, phone), updated_at = $2
                         WHERE account_id = $3",
                    )
                    .bind(phone.as_deref())
                    .bind(now)
                    .bind(account.id)
                    .execute(&mut *tx)
                    .await?;
                    event!(
                        &mut *tx,
                        account.id,
                        now,
                        &actor,
                        "level_raised",
                        None::<&str>,
                        detail
                    );
                });
                account.id
            }
            None => {
                let Some(phone) = phone.as_deref() else {
                    return Err(AccountError::invalid(
                        "phone",
                        "a new account needs a phone for its activation code",
                    ));
                };
                write_tx!(self, |tx| {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO accounts (kind, personal_id, level, status, phone, created_at,
                                               updated_at)
                         VALUES ('person', $1, 2, 'pending', $2, $3, $3) RETURNING account_id",
                    )
                    .bind(personal_id.as_i64())
                    .bind(phone)
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
                        json!({"level": 2, "channel": "in_person", "check": detail})
                    );
                    id
                })
            }
        };
        let account = self.account(account_id).await?;
        let change = if existing.is_some() {
            "level.raised:2"
        } else {
            "created:2"
        };
        self.record_change(&account, &actor, change).await?;
        if account.status == AccountStatus::Pending {
            let phone = self.activation_phone(&account).await?;
            self.send_activation_for(personal_id, &phone, account.id)
                .await?;
        }
        Ok(account)
    }

    /// A parent with a level-2 account opens a level-1 account for their child under 14; the
    /// activation code goes to the parent's phone.
    pub async fn register_child(
        &self,
        parent_session: &Session,
        child_id: &str,
    ) -> Result<Account, AccountError> {
        let child_id = parse_personal_id(child_id)?;
        let parent = self.account(parent_session.account_id).await?;
        parent.usable()?;
        if parent.level != AccountLevel::Two {
            return Err(AccountError::Forbidden(
                "only a level-2 account can register a child".into(),
            ));
        }
        let parent_id = parent.personal_id.ok_or(AccountError::Forbidden(
            "an organization cannot register a child".into(),
        ))?;
        let child = self
            .registry()
            .person(child_id)
            .await
            .map_err(|e| AccountError::Registry(e.to_string()))?
            .person;
        if child.father != Some(parent_id) && child.mother != Some(parent_id) {
            return Err(AccountError::Registry(
                "the registry does not record you as this person's parent".into(),
            ));
        }
        let today = self.clock().today();
        if age_on(child.birth_date, today) >= 14 {
            return Err(AccountError::Forbidden(
                "a child of 14 or more registers their own account".into(),
            ));
        }
        if let LifeStatus::Deceased { .. } = child.status {
            return Err(AccountError::Registry(
                "the registry records this person as deceased".into(),
            ));
        }
        if self.account_of_person(child_id).await?.is_some() {
            return Err(AccountError::Conflict(
                "this child already has an account".into(),
            ));
        }
        let now = self.now();
        let actor = Actor::account(parent.id);
        let phone = parent.phone.clone();
        let id = write_tx!(self, |tx| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO accounts (kind, personal_id, level, status, phone, guardian_account,
                                       created_at, updated_at)
                 VALUES ('person', $1, 1, 'pending', $2, $3, $4, $4) RETURNING account_id",
            )
            .bind(child_id.as_i64())
            .bind(phone.as_deref())
            .bind(parent.id)
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
                json!({"level": 1, "channel": "guardian", "guardian": parent.id})
            );
            id
        });
        let account = self.account(id).await?;
        self.record_change(&account, &actor, "created:1").await?;
        let phone = self.activation_phone(&account).await?;
        self.send_activation_for(child_id, &phone, id).await?;
        Ok(account)
    }

    /// The accounts of the children a guardian registered.
    pub async fn wards(&self, guardian: AccountId) -> Result<Vec<Account>, AccountError> {
        let ids: Vec<(i64,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT account_id FROM accounts WHERE guardian_account = $1 ORDER BY account_id",
            )
            .bind(guardian)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.account(id).await?);
        }
        Ok(out)
    }
}

/// subject, salt, code hash, attempts, expiry
type CodeRow = (String, Vec<u8>, Option<Vec<u8>>, i64, i64);

fn account_is_child_pending(account: &Account) -> bool {
    account.status == AccountStatus::Pending && account.guardian.is_some()
}

/// The ticket under which a person's activation code is kept: one per person, replaced on resend.
fn activation_ticket(personal_id: PersonalId) -> Vec<u8> {
    secret::token_hash(&format!("activate:{personal_id}"))
}
