//! Shared setup: a fresh database per backend with the test population, and small helpers that
//! act as the citizen would (read the code from the outbox, type it, set authenticators).

#![allow(dead_code)]

use dinhdanh_accounts::testing::population;
use dinhdanh_accounts::{
    AccountSettings, Accounts, Argon2Settings, Client, Clock, Credential, Registration, SignedIn,
    notify,
};
use dinhdanh_registry::Registry;
use dinhdanh_store::Db;
use dinhdanh_store::testing::{TestDb, backends};

/// The origin the software passkeys speak for.
pub const ORIGIN: &str = "http://localhost:8080";
/// A password that passes the rules.
pub const PASSWORD: &str = "hoa sen trên đầm lầy";

/// Cheap Argon2 parameters: the rules are the same, the tests are fast.
pub fn fast_argon2() -> Argon2Settings {
    Argon2Settings {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    }
}

/// One backend, seeded, with an `Accounts` on a manual clock.
pub struct World {
    pub test_db: TestDb,
    pub accounts: Accounts,
    pub clock: Clock,
}

impl World {
    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    pub fn name(&self) -> String {
        self.test_db.name()
    }

    pub fn registry(&self) -> Registry {
        Registry::new(self.db())
    }

    /// Another `Accounts` over the same database (a second node, or other settings).
    pub fn node(&self, settings: AccountSettings) -> Accounts {
        Accounts::new(self.db(), settings, self.clock.clone()).unwrap()
    }
}

pub fn settings() -> AccountSettings {
    AccountSettings {
        argon2: fast_argon2(),
        ..AccountSettings::default()
    }
}

/// Every backend, seeded.
pub async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for test_db in backends().await {
        let clock = Clock::system();
        let registry = Registry::new(&test_db.db);
        population::seed(registry.store(), clock.today()).await;
        let accounts = Accounts::new(&test_db.db, settings(), clock.clone()).unwrap();
        out.push(World {
            test_db,
            accounts,
            clock,
        });
    }
    out
}

pub fn client(address: &str) -> Client {
    Client {
        address: address.into(),
        user_agent: "tests".into(),
    }
}

/// The six-digit code in the newest message to `phone`.
pub async fn last_code(db: &Db, phone: &str) -> Option<String> {
    let messages = notify::outbox(db, Some(phone), 1).await.unwrap();
    let body = &messages.first()?.body;
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .map(str::to_owned)
}

/// Messages to `phone` so far.
pub async fn message_count(db: &Db, phone: &str) -> usize {
    notify::outbox(db, Some(phone), 1000).await.unwrap().len()
}

pub fn an_registration(phone: &str) -> Registration {
    Registration {
        personal_id: population::AN.into(),
        full_name: population::AN_NAME.into(),
        birth_date: population::AN_BIRTH.into(),
        phone: phone.into(),
    }
}

/// Signs `personal_id` in with the test password alone (one factor) from 10.0.0.9.
pub async fn password_session(w: &World, personal_id: &str) -> SignedIn {
    w.accounts
        .login(
            personal_id,
            &Credential::Password(PASSWORD.into()),
            &client("10.0.0.9"),
        )
        .await
        .unwrap()
}

/// Registers An at level 1 with a password; returns his first session.
pub async fn an_with_password(w: &World) -> SignedIn {
    let phone = "0912345678";
    let ticket = w
        .accounts
        .register(&an_registration(phone), &client("10.0.0.1"))
        .await
        .unwrap();
    let code = last_code(w.db(), "+84912345678")
        .await
        .expect("a code was sent");
    let enrolment = w
        .accounts
        .verify_registration(&ticket.0, &code, &client("10.0.0.1"))
        .await
        .unwrap();
    w.accounts
        .set_password(&enrolment.session, PASSWORD)
        .await
        .unwrap();
    w.accounts
        .login(
            population::AN,
            &Credential::Password(PASSWORD.into()),
            &client("10.0.0.1"),
        )
        .await
        .unwrap()
}

/// The current TOTP code for a base32 secret, at the world's clock.
pub fn totp_now(w: &World, secret_b32: &str) -> String {
    let secret = dinhdanh_accounts::totp::from_base32(secret_b32).unwrap();
    dinhdanh_accounts::totp::code_at(&secret, (w.clock.now_ms() / 1000) as u64)
}

/// Moves the clock to the start of the next TOTP step, so a new code is valid.
pub fn next_step(w: &World) {
    let now = w.clock.now_ms();
    let into = now % 30_000;
    w.clock.advance(std::time::Duration::from_millis(
        (30_000 - into) as u64 + 10,
    ));
}

/// Sets up a staff member from the console with TOTP; returns a session raised with TOTP.
pub async fn staff(
    w: &World,
    personal_id: &str,
    phone: &str,
    role: dinhdanh_accounts::Role,
) -> (SignedIn, String) {
    use dinhdanh_domain::PersonalId;
    let pid = PersonalId::parse(personal_id).unwrap();
    w.accounts
        .bootstrap_staff(pid, phone, role, "Công an phường Hàng Bạc")
        .await
        .unwrap();
    let international = dinhdanh_accounts::parse_phone(phone).unwrap();
    let code = last_code(w.db(), &international).await.unwrap();
    let enrolment = w
        .accounts
        .activate(personal_id, &code, &client("10.0.0.9"))
        .await
        .unwrap();
    w.accounts
        .set_password(&enrolment.session, PASSWORD)
        .await
        .unwrap();
    let totp = w.accounts.start_totp(&enrolment.session).await.unwrap();
    let code = totp_now(w, &totp.secret);
    w.accounts
        .confirm_totp(&enrolment.session, &totp.ceremony, &code, "phone")
        .await
        .unwrap();
    next_step(w);
    let first = w
        .accounts
        .login(
            personal_id,
            &Credential::Password(PASSWORD.into()),
            &client("10.0.0.9"),
        )
        .await
        .unwrap();
    let raised = w
        .accounts
        .step_up(
            &first.token,
            &Credential::Totp(totp_now(w, &totp.secret)),
            &client("10.0.0.9"),
        )
        .await
        .unwrap();
    (raised, totp.secret)
}
