//! Shared helpers: spawning the server, seeding persons, reading responses.

pub use std::str::FromStr;

pub use chrono::Utc;
pub use dinhdanh_registry::store::{ImportBatch, RunStart};
pub use dinhdanh_registry::{ImportKind, PersonRow, Registry};
pub use dinhdanh_server::{AppState, ServerSettings, hash_token};
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

/// A running server and a client that knows its operator token.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The operator token the server accepts.
    pub token: String,
    /// A client shared by the test's requests.
    pub client: reqwest::Client,
    /// Dropping this stops the server.
    pub _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Spawns the server over `db` with a fresh random operator token.
pub async fn spawn_app(db: Db) -> TestApp {
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    let settings = ServerSettings {
        operator_token_sha256: Some(hash_token(&token)),
        ..ServerSettings::default()
    };
    spawn_with(db, settings, token).await
}

/// Spawns the server over `db` with the given settings; `token` is what the client will send.
pub async fn spawn_with(db: Db, settings: ServerSettings, token: String) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random local port");
    let port = listener.local_addr().expect("local address").port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(db, &settings);
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
        token,
        client: reqwest::Client::new(),
        _shutdown: tx,
    }
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

    /// GET with the operator token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send the request")
    }

    /// PATCH a JSON body with the operator token.
    pub async fn patch(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// POST a JSON body with the operator token.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// GET with the operator token, returning the status and the JSON body.
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

/// A fresh database with the seed persons, and the server over it.
pub async fn seeded_app(t: &TestDb) -> TestApp {
    seed(&t.db, &seed_rows()).await;
    spawn_app(t.db.clone()).await
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
