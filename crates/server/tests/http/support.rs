//! Shared helpers: spawning the server, seeding persons, reading responses.

pub use std::str::FromStr;

pub use chrono::Utc;
pub use dinhdanh_accounts::{AccountSettings, Accounts, Argon2Settings, Clock, Role};
pub use dinhdanh_registry::store::{ImportBatch, RunStart};
pub use dinhdanh_registry::{ImportKind, PersonRow, Registry};
pub use dinhdanh_server::{AppState, ServerSettings};
pub use dinhdanh_store::sqlx::AssertSqlSafe;
pub use dinhdanh_store::sqlx::postgres::PgConnectOptions;
pub use dinhdanh_store::testing::{TestDb, backends, postgres_url};
pub use dinhdanh_store::{Db, PoolOptions};
pub use rand::Rng;
pub use reqwest::StatusCode;
pub use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A running server and a client that can act as a staff member.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// `http://localhost:PORT`: the public origin the server was told (passkeys need a name).
    pub origin: String,
    /// A session token of an operator and agency officer signed in with a passkey ("" until
    /// [`TestApp::sign_in_staff`]).
    pub token: String,
    /// The accounts capability the server uses (same database, same settings).
    pub accounts: Accounts,
    /// The server's state (its capabilities and the sandbox payment gateway).
    pub state: AppState,
    /// A client shared by the test's requests.
    pub client: reqwest::Client,
    /// Dropping this stops the server.
    pub _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Cheap Argon2 parameters for tests.
pub fn fast_argon2() -> Argon2Settings {
    Argon2Settings {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    }
}

/// Spawns the server over `db` with default settings.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_with(db, ServerSettings::default()).await
}

/// Spawns the server over `db` with the given settings (the public origin is set to the port).
pub async fn spawn_with(db: Db, mut settings: ServerSettings) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random local port");
    let port = listener.local_addr().expect("local address").port();
    let origin = format!("http://localhost:{port}");
    settings.web.public_origin = origin.clone();
    let accounts = Accounts::new(
        &db,
        AccountSettings {
            argon2: fast_argon2(),
            public_url: url::Url::parse(&origin).expect("origin"),
            ..AccountSettings::default()
        },
        Clock::system(),
    )
    .expect("accounts");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .expect("the ledger opens");
    let state = AppState::new(db, accounts.clone(), ledger, &settings);
    let shared = state.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        dinhdanh_server::serve(listener, state, &settings, shutdown)
            .await
            .expect("the server runs");
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        origin,
        token: String::new(),
        accounts,
        state: shared,
        client: reqwest::Client::new(),
        _shutdown: tx,
    }
}

/// Lý Thị Cúc, female, born 1985 in Nghệ An, with a valid card: the staff member of the tests.
pub const STAFF: &str = "040185000999";

/// The staff member's registry row.
pub fn staff_row() -> PersonRow {
    let mut r = row(STAFF, "Lý", "Thị", "Cúc", "1985-04-04", "female");
    r.id_card_number = STAFF.to_owned();
    r.id_card_issued = "2021-04-04".to_owned();
    r.id_card_expires = "2045-04-04".to_owned();
    r
}

/// The newest six-digit code sent to `phone`.
pub async fn code_sent_to(db: &Db, phone: &str) -> String {
    let messages = dinhdanh_accounts::notify::outbox(db, Some(phone), 1)
        .await
        .expect("read the outbox");
    let body = &messages.first().expect("a message was sent").body;
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code")
        .to_owned()
}

/// Activates a pending account by its code and registers a software passkey on it; returns the
/// passkey for later sign-ins.
pub async fn passkey_for(
    app: &TestApp,
    db: &Db,
    personal_id: &str,
    phone: &str,
) -> dinhdanh_accounts::testing::SoftPasskey {
    let client = dinhdanh_accounts::Client::default();
    let code = code_sent_to(db, phone).await;
    let enrolment = app
        .accounts
        .activate(personal_id, &code, &client)
        .await
        .expect("activate");
    let mut key = dinhdanh_accounts::testing::SoftPasskey::new(&app.origin);
    let challenge = app
        .accounts
        .start_passkey_registration(&enrolment.session)
        .await
        .expect("start passkey registration");
    app.accounts
        .finish_passkey_registration(
            &enrolment.session,
            &challenge.ceremony,
            &key.register(&challenge.options),
            "test key",
        )
        .await
        .expect("register the passkey");
    key
}

/// Signs in with a passkey through the service; returns the session token.
pub async fn passkey_sign_in(
    app: &TestApp,
    key: &mut dinhdanh_accounts::testing::SoftPasskey,
) -> String {
    let start = app.accounts.passkey_login_start().await.expect("start");
    app.accounts
        .passkey_login_finish(
            &start.ceremony,
            &key.sign_in(&start.options),
            None,
            &dinhdanh_accounts::Client::default(),
        )
        .await
        .expect("passkey sign-in")
        .token
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GET without credentials.
    pub async fn get_anonymous(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("send the request")
    }

    /// GET with the staff token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send the request")
    }

    /// PATCH a JSON body with the staff token.
    pub async fn patch(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// POST a JSON body with the staff token.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// GET with the staff token, returning the status and the JSON body.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        json_of(self.get(path).await).await
    }
}

/// The status and JSON body of a response.
pub async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("read the body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}), status {status}: {text}"));
    (status, body)
}

/// A valid person row; the number must agree with the date of birth and sex.
pub fn row(id: &str, family: &str, middle: &str, given: &str, birth: &str, sex: &str) -> PersonRow {
    PersonRow {
        personal_id: id.to_owned(),
        family_name: family.to_owned(),
        middle_name: middle.to_owned(),
        given_name: given.to_owned(),
        birth_date: birth.to_owned(),
        sex: sex.to_owned(),
        place_of_origin: "xã Yên Sở, huyện Hoài Đức, Hà Nội".to_owned(),
        permanent_residence: "Số 12, phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội"
            .to_owned(),
        current_residence: "Số 5, ngõ 8, phố Huế, quận Hai Bà Trưng, Hà Nội".to_owned(),
        nationality: "VN".to_owned(),
        ethnicity: "Kinh".to_owned(),
        religion: "Không".to_owned(),
        status: "living".to_owned(),
        ..PersonRow::default()
    }
}

/// Nguyễn Văn An, male, born 1990 in Hà Nội.
pub const AN_HN: &str = "001090012345";
/// Another Nguyễn Văn An, male, born 1985 in TP Hồ Chí Minh.
pub const AN_HCM: &str = "079085000555";
/// Nguyễn Văn Anh, male, born 2000 in Hà Nội.
pub const ANH: &str = "001200001111";
/// Trần Thị Bích, female, born 1995 in TP Hồ Chí Minh.
pub const BICH: &str = "079195001234";
/// Đặng Đức Đạt, male, born 1990 in TP Hồ Chí Minh.
pub const DAT: &str = "079090000777";
/// Every seeded number, to check none leaks into metrics.
pub const SEEDED: [&str; 5] = [AN_HN, AN_HCM, ANH, BICH, DAT];

/// The persons every test starts with.
pub fn seed_rows() -> Vec<PersonRow> {
    vec![
        row(AN_HN, "Nguyễn", "Văn", "An", "1990-03-15", "male"),
        row(AN_HCM, "Nguyễn", "Văn", "An", "1985-11-02", "male"),
        row(ANH, "Nguyễn", "Văn", "Anh", "2000-01-01", "male"),
        row(BICH, "Trần", "Thị", "Bích", "1995-07-20", "female"),
        row(DAT, "Đặng", "Đức", "Đạt", "1990-06-30", "male"),
    ]
}

/// Inserts the rows through the registry's own import path.
pub async fn seed(db: &Db, rows: &[PersonRow]) {
    let today = Utc::now().date_naive();
    let persons = rows
        .iter()
        .map(|r| {
            r.parse(today)
                .unwrap_or_else(|e| panic!("seed row {} is invalid: {e:?}", r.personal_id))
        })
        .collect();
    let store = Registry::new(db).store();
    let now_ms = Utc::now().timestamp_millis();
    let run = store
        .open_run(&RunStart {
            kind: ImportKind::Persons,
            file_name: "http-test-seed.csv".to_owned(),
            file_sha256: format!("http-test-seed-{now_ms}-{}", rand::rng().random::<u64>()),
            now_ms,
        })
        .await
        .expect("open an import run");
    let outcome = store
        .import_persons(&ImportBatch {
            run_id: run.run_id,
            rows: persons,
            end_offset: 1,
            end_line: rows.len() as u64,
            now_ms,
        })
        .await
        .expect("import the seed rows");
    assert_eq!(outcome.inserted, rows.len() as u64, "every seed row is new");
    // Finishing the run applies it (a backend may stage an initial load until then).
    store
        .finish_run(run.run_id, now_ms)
        .await
        .expect("finish the import run");
}

/// A fresh database with the seed persons and the staff member, the server over it, and the
/// client signed in as staff (operator and agency officer, with a passkey).
pub async fn seeded_app(t: &TestDb) -> TestApp {
    seeded_app_with(t, ServerSettings::default()).await
}

/// [`seeded_app`] with the given server settings.
pub async fn seeded_app_with(t: &TestDb, settings: ServerSettings) -> TestApp {
    seed(&t.db, &seed_rows()).await;
    seed(&t.db, &[staff_row()]).await;
    let mut app = spawn_with(t.db.clone(), settings).await;
    let pid = dinhdanh_domain::PersonalId::parse(STAFF).expect("staff id");
    let id = app
        .accounts
        .bootstrap_staff(pid, "0977000999", Role::Operator, "test")
        .await
        .expect("bootstrap the staff member");
    app.accounts
        .grant_role(dinhdanh_accounts::By::Console, id, Role::AgencyOfficer)
        .await
        .expect("grant agency officer");
    let mut key = passkey_for(&app, &t.db, STAFF, "+84977000999").await;
    app.token = passkey_sign_in(&app, &mut key).await;
    app
}

/// Percent-encodes every byte outside the URL's unreserved set.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The personal IDs of a search page, in order.
pub fn ids_of(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results array in {page}"))
        .iter()
        .map(|r| r["personal_id"].as_str().expect("personal_id").to_owned())
        .collect()
}

/// A database where no migration ran, and how to remove it.
pub struct Unmigrated {
    pub db: Db,
    pub name: &'static str,
    pub _dir: Option<tempfile::TempDir>,
    pub schema: Option<(String, String)>,
}

impl Unmigrated {
    /// A fresh SQLite file, and a fresh PostgreSQL schema when PostgreSQL is configured.
    pub async fn all() -> Vec<Unmigrated> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/unmigrated.db", dir.path().display());
        let db = Db::connect(&url, &PoolOptions::default())
            .await
            .expect("open a fresh SQLite file");
        let mut out = vec![Unmigrated {
            db,
            name: "sqlite",
            _dir: Some(dir),
            schema: None,
        }];
        if let Some(admin_url) = postgres_url() {
            let schema = format!(
                "unmigrated_{}_{}",
                std::process::id(),
                rand::rng().random::<u32>()
            );
            let admin = Db::connect(&admin_url, &PoolOptions::default())
                .await
                .expect("connect to PostgreSQL");
            if let Db::Postgres(pool) = &admin {
                dinhdanh_store::sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(pool)
                    .await
                    .expect("create an empty schema");
            }
            admin.close().await;
            let connect = PgConnectOptions::from_str(&admin_url)
                .expect("parse the PostgreSQL URL")
                .options([("search_path", schema.as_str())]);
            let db = Db::connect_postgres(connect, &PoolOptions::default())
                .await
                .expect("connect to the empty schema");
            out.push(Unmigrated {
                db,
                name: "postgres",
                _dir: None,
                schema: Some((admin_url, schema)),
            });
        }
        out
    }

    pub async fn close(self) {
        self.db.close().await;
        if let Some((admin_url, schema)) = self.schema
            && let Ok(admin) = Db::connect(&admin_url, &PoolOptions::default()).await
        {
            if let Db::Postgres(pool) = &admin {
                let _ = dinhdanh_store::sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(pool)
                .await;
            }
            admin.close().await;
        }
    }
}
