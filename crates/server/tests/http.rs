//! End-to-end tests of the HTTP API: each test spawns the real server on a random port, over a
//! fresh SQLite database and (when `DINHDANH_TEST_POSTGRES` is set) a fresh PostgreSQL schema, and
//! talks to it over HTTP the way an operator's client would.

use std::str::FromStr;

use chrono::Utc;
use dinhdanh_registry::store::{ImportBatch, RunStart};
use dinhdanh_registry::{ImportKind, PersonRow, Registry};
use dinhdanh_server::{AppState, ServerSettings, hash_token};
use dinhdanh_store::sqlx::AssertSqlSafe;
use dinhdanh_store::sqlx::postgres::PgConnectOptions;
use dinhdanh_store::testing::{TestDb, backends, postgres_url};
use dinhdanh_store::{Db, PoolOptions};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A running server and a client that knows its operator token.
struct TestApp {
    /// `http://127.0.0.1:PORT`.
    address: String,
    /// The operator token the server accepts.
    token: String,
    /// A client shared by the test's requests.
    client: reqwest::Client,
    /// Dropping this stops the server.
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Spawns the server over `db` with a fresh random operator token.
async fn spawn_app(db: Db) -> TestApp {
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    let settings = ServerSettings {
        operator_token_sha256: Some(hash_token(&token)),
        ..ServerSettings::default()
    };
    spawn_with(db, settings, token).await
}

/// Spawns the server over `db` with the given settings; `token` is what the client will send.
async fn spawn_with(db: Db, settings: ServerSettings, token: String) -> TestApp {
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
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GET without credentials.
    async fn get_anonymous(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("send the request")
    }

    /// GET with the operator token.
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send the request")
    }

    /// PATCH a JSON body with the operator token.
    async fn patch(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// POST a JSON body with the operator token.
    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    /// GET with the operator token, returning the status and the JSON body.
    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        json_of(self.get(path).await).await
    }
}

/// The status and JSON body of a response.
async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("read the body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}), status {status}: {text}"));
    (status, body)
}

/// A valid person row; the number must agree with the date of birth and sex.
fn row(id: &str, family: &str, middle: &str, given: &str, birth: &str, sex: &str) -> PersonRow {
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
const AN_HN: &str = "001090012345";
/// Another Nguyễn Văn An, male, born 1985 in TP Hồ Chí Minh.
const AN_HCM: &str = "079085000555";
/// Nguyễn Văn Anh, male, born 2000 in Hà Nội.
const ANH: &str = "001200001111";
/// Trần Thị Bích, female, born 1995 in TP Hồ Chí Minh.
const BICH: &str = "079195001234";
/// Đặng Đức Đạt, male, born 1990 in TP Hồ Chí Minh.
const DAT: &str = "079090000777";
/// Every seeded number, to check none leaks into metrics.
const SEEDED: [&str; 5] = [AN_HN, AN_HCM, ANH, BICH, DAT];

/// The persons every test starts with.
fn seed_rows() -> Vec<PersonRow> {
    vec![
        row(AN_HN, "Nguyễn", "Văn", "An", "1990-03-15", "male"),
        row(AN_HCM, "Nguyễn", "Văn", "An", "1985-11-02", "male"),
        row(ANH, "Nguyễn", "Văn", "Anh", "2000-01-01", "male"),
        row(BICH, "Trần", "Thị", "Bích", "1995-07-20", "female"),
        row(DAT, "Đặng", "Đức", "Đạt", "1990-06-30", "male"),
    ]
}

/// Inserts the rows through the registry's own import path.
async fn seed(db: &Db, rows: &[PersonRow]) {
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
async fn seeded_app(t: &TestDb) -> TestApp {
    seed(&t.db, &seed_rows()).await;
    spawn_app(t.db.clone()).await
}

/// Percent-encodes every byte outside the URL's unreserved set.
fn percent_encode(s: &str) -> String {
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
fn ids_of(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results array in {page}"))
        .iter()
        .map(|r| r["personal_id"].as_str().expect("personal_id").to_owned())
        .collect()
}

/// A database where no migration ran, and how to remove it.
struct Unmigrated {
    db: Db,
    name: &'static str,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Unmigrated {
    /// A fresh SQLite file, and a fresh PostgreSQL schema when PostgreSQL is configured.
    async fn all() -> Vec<Unmigrated> {
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

    async fn close(self) {
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

// ---------------------------------------------------------------------------------------------
// 1. Probes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_and_readyz_answer_on_a_migrated_database() {
    for t in backends().await {
        let name = t.name();
        let app = spawn_app(t.db.clone()).await;

        let response = app.get_anonymous("/healthz").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /healthz");
        assert_eq!(
            response.text().await.unwrap(),
            "ok",
            "{name}: /healthz body"
        );

        let (status, body) = json_of(app.get_anonymous("/readyz").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: /readyz {body}");
        assert_eq!(body["status"], "ready", "{name}: {body}");
        assert_eq!(body["backend"], name.as_str(), "{name}: {body}");
        assert!(
            body["migrations"].as_u64().is_some_and(|n| n > 0),
            "{name}: applied migrations counted: {body}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn readyz_is_unavailable_while_migrations_are_pending() {
    for u in Unmigrated::all().await {
        let name = u.name;
        let app = spawn_app(u.db.clone()).await;

        let response = app.get_anonymous("/healthz").await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{name}: alive even unmigrated"
        );

        let (status, body) = json_of(app.get_anonymous("/readyz").await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{name}: {body}");
        assert_eq!(body["status"], "unavailable", "{name}: {body}");
        assert!(
            body["reason"]
                .as_str()
                .is_some_and(|r| r.contains("migrations pending")),
            "{name}: the reason says migrations are pending: {body}"
        );
        assert!(
            body["pending"].as_array().is_some_and(|p| !p.is_empty()),
            "{name}: the pending versions are listed: {body}"
        );

        drop(app);
        u.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Authentication
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_registry_api_requires_the_operator_token() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{AN_HN}");

        let response = app.get_anonymous(&path).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: no token"
        );
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{name}: 401 names the scheme"
        );
        let (_, body) = json_of(response).await;
        assert_eq!(body["error"], "auth.missing_token", "{name}: {body}");

        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: bad token"
        );
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{name}: 401 for a bad token names the scheme too"
        );
        let (_, body) = json_of(response).await;
        assert_eq!(body["error"], "auth.bad_token", "{name}: {body}");

        // A token that differs only by a suffix is still wrong.
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(format!("{}x", app.token))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"], "auth.bad_token", "{name}: {body}");

        // Another scheme than Bearer is not a token.
        let response = app
            .client
            .get(app.url(&path))
            .basic_auth("operator", Some(&app.token))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"], "auth.missing_token", "{name}: {body}");

        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{name}: correct token: {body}");
        assert_eq!(body["personal_id"], AN_HN, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn without_a_configured_token_the_registry_api_is_closed() {
    for t in backends().await {
        let name = t.name();
        seed(&t.db, &seed_rows()).await;
        let app = spawn_with(
            t.db.clone(),
            ServerSettings::default(),
            "any-token-at-all".to_owned(),
        )
        .await;

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "auth.api_closed", "{name}: {body}");
        assert!(
            body.get("full_name").is_none(),
            "{name}: no personal data leaks: {body}"
        );

        // The probes stay open.
        let response = app.get_anonymous("/healthz").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /healthz");

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Reading a person
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_person_is_read_by_personal_id() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["personal_id"], AN_HN, "{name}: {body}");
        assert_eq!(body["full_name"], "Nguyễn Văn An", "{name}: {body}");
        assert_eq!(body["family_name"], "Nguyễn", "{name}: {body}");
        assert_eq!(body["middle_name"], "Văn", "{name}: {body}");
        assert_eq!(body["given_name"], "An", "{name}: {body}");
        assert_eq!(body["birth_date"], "1990-03-15", "{name}: {body}");
        assert_eq!(body["sex"], "male", "{name}: {body}");
        assert_eq!(body["birth_province"]["code"], "001", "{name}: {body}");
        assert_eq!(body["birth_province"]["name"], "Hà Nội", "{name}: {body}");
        assert_eq!(body["nationality"], "VN", "{name}: {body}");
        assert_eq!(body["status"], "living", "{name}: {body}");
        assert_eq!(body["version"], 1, "{name}: {body}");
        assert!(body["superseded_by"].is_null(), "{name}: {body}");
        assert!(body["previous_id"].is_null(), "{name}: {body}");

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{BICH}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["full_name"], "Trần Thị Bích", "{name}: {body}");
        assert_eq!(body["sex"], "female", "{name}: {body}");
        assert_eq!(body["birth_province"]["code"], "079", "{name}: {body}");
        assert_eq!(
            body["birth_province"]["name"], "TP Hồ Chí Minh",
            "{name}: {body}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn malformed_personal_ids_are_rejected_with_the_reason() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        // (path segment, a fragment the message must contain)
        let cases = [
            ("12345", "has 5 digits"),
            ("00109001234x", "'x' at position 12"),
            ("003090012345", "'003' are not one of the 63 province codes"),
        ];
        for (raw, expected) in cases {
            let (status, body) = app
                .get_json(&format!("/api/v1/registry/persons/{raw}"))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {raw}: {body}");
            assert_eq!(
                body["error"], "request.bad_parameter",
                "{name}: {raw}: {body}"
            );
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(expected),
                "{name}: {raw}: message {message:?} should contain {expected:?}"
            );
        }

        let (status, body) = app.get_json("/api/v1/registry/persons/001090099999").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
        assert_eq!(body["error"], "registry.person_not_found", "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("001090099999")),
            "{name}: the message names the number asked for: {body}"
        );

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Search
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn search_folds_tone_marks_case_and_unicode_form() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, page) = app
            .get_json("/api/v1/registry/persons?name=nguyen%20van%20an")
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        // Exact "An" sorts before the prefix match "Anh"; equal names by number.
        assert_eq!(ids_of(&page), [AN_HN, AN_HCM, ANH], "{name}: {page}");
        assert_eq!(
            page["results"][0]["full_name"], "Nguyễn Văn An",
            "{name}: {page}"
        );
        assert_eq!(
            page["results"][2]["full_name"], "Nguyễn Văn Anh",
            "{name}: {page}"
        );
        assert_eq!(page["results"][0]["birth_date"], "1990-03-15", "{name}");
        assert_eq!(page["results"][0]["sex"], "male", "{name}");
        assert_eq!(page["results"][0]["status"], "living", "{name}");
        assert!(page["next"].is_null(), "{name}: one page only: {page}");

        // The same name in NFD (base letters followed by combining marks), as some keyboards send.
        let nfd = "Nguye\u{0302}\u{0303}n Va\u{0306}n An";
        assert_ne!(nfd, "Nguyễn Văn An", "the query really is decomposed");
        let (status, nfd_page) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode(nfd)
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {nfd_page}");
        assert_eq!(ids_of(&nfd_page), ids_of(&page), "{name}: NFD = folded");

        // NFC with marks, in upper case.
        let (_, upper) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode("NGUYỄN VĂN AN")
            ))
            .await;
        assert_eq!(ids_of(&upper), ids_of(&page), "{name}: case-insensitive");

        // A longer prefix excludes "An".
        let (_, anh) = app
            .get_json("/api/v1/registry/persons?name=nguyen%20van%20anh")
            .await;
        assert_eq!(ids_of(&anh), [ANH], "{name}: {anh}");

        // Đ folds to d.
        let (_, dat) = app
            .get_json("/api/v1/registry/persons?name=dang%20duc%20dat")
            .await;
        assert_eq!(ids_of(&dat), [DAT], "{name}: {dat}");
        assert_eq!(dat["results"][0]["full_name"], "Đặng Đức Đạt", "{name}");

        let (_, bich) = app
            .get_json("/api/v1/registry/persons?name=tran%20thi")
            .await;
        assert_eq!(ids_of(&bich), [BICH], "{name}: {bich}");

        let (_, none) = app.get_json("/api/v1/registry/persons?name=le%20van").await;
        assert_eq!(ids_of(&none), Vec::<String>::new(), "{name}: {none}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_filters_by_birth_year_and_province() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let base = "/api/v1/registry/persons?name=nguyen%20van%20an";

        let (status, page) = app.get_json(&format!("{base}&birth_year=1990")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        assert_eq!(ids_of(&page), [AN_HN], "{name}: born 1990: {page}");

        let (_, page) = app.get_json(&format!("{base}&birth_year=2000")).await;
        assert_eq!(ids_of(&page), [ANH], "{name}: born 2000: {page}");

        let (_, page) = app.get_json(&format!("{base}&birth_year=1991")).await;
        assert_eq!(
            ids_of(&page),
            Vec::<String>::new(),
            "{name}: born 1991: {page}"
        );

        let (_, page) = app.get_json(&format!("{base}&province=079")).await;
        assert_eq!(ids_of(&page), [AN_HCM], "{name}: HCM: {page}");

        let (_, page) = app.get_json(&format!("{base}&province=1")).await;
        assert_eq!(ids_of(&page), [AN_HN, ANH], "{name}: Hà Nội: {page}");

        let (_, page) = app
            .get_json(&format!("{base}&province=001&birth_year=2000"))
            .await;
        assert_eq!(ids_of(&page), [ANH], "{name}: both filters: {page}");

        let (_, page) = app
            .get_json(&format!("{base}&province=079&birth_year=1990"))
            .await;
        assert_eq!(ids_of(&page), Vec::<String>::new(), "{name}: {page}");

        // A woman's year code (century digit 1) is matched, not only the male one.
        let (_, page) = app
            .get_json("/api/v1/registry/persons?name=tran&birth_year=1995")
            .await;
        assert_eq!(ids_of(&page), [BICH], "{name}: {page}");

        let (status, body) = app.get_json(&format!("{base}&province=003")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"], "request.bad_parameter", "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_rejects_too_short_queries_and_bad_cursors() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, body) = app.get_json("/api/v1/registry/persons?name=a").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"], "registry.search_too_short", "{name}: {body}");

        // Tone marks alone fold to nothing.
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode("\u{0303}\u{0301} 1")
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"], "registry.search_too_short", "{name}: {body}");

        for after in ["garbage", "nguyen van an|12345", "nguyen van an|"] {
            let response = app
                .client
                .get(app.url("/api/v1/registry/persons"))
                .bearer_auth(&app.token)
                .query(&[("name", "nguyen"), ("after", after)])
                .send()
                .await
                .unwrap();
            let (status, body) = json_of(response).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{name}: after={after}: {body}"
            );
            assert_eq!(body["error"], "request.bad_parameter", "{name}: {body}");
            assert!(
                body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("after")),
                "{name}: the message names the parameter: {body}"
            );
        }

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_pages_with_a_cursor_without_duplicates() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let mut seen: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..10 {
            let mut query = vec![("name", "nguyen".to_owned()), ("limit", "1".to_owned())];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let response = app
                .client
                .get(app.url("/api/v1/registry/persons"))
                .bearer_auth(&app.token)
                .query(&query)
                .send()
                .await
                .unwrap();
            let (status, page) = json_of(response).await;
            assert_eq!(status, StatusCode::OK, "{name}: {page}");
            let ids = ids_of(&page);
            assert!(ids.len() <= 1, "{name}: limit=1 honoured: {page}");
            if !ids.is_empty() {
                assert!(
                    page["next"].is_string(),
                    "{name}: a full page offers a cursor: {page}"
                );
            }
            seen.extend(ids);
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(
            seen,
            [AN_HN, AN_HCM, ANH],
            "{name}: pages in order, each person once"
        );

        // The second page of the same search, asked for directly.
        let (_, first) = app
            .get_json("/api/v1/registry/persons?name=nguyen&limit=2")
            .await;
        assert_eq!(ids_of(&first), [AN_HN, AN_HCM], "{name}: {first}");
        let next = first["next"].as_str().expect("a full page has a cursor");
        let response = app
            .client
            .get(app.url("/api/v1/registry/persons"))
            .bearer_auth(&app.token)
            .query(&[("name", "nguyen"), ("limit", "2"), ("after", next)])
            .send()
            .await
            .unwrap();
        let (_, second) = json_of(response).await;
        assert_eq!(ids_of(&second), [ANH], "{name}: {second}");
        assert!(
            second["next"].is_null(),
            "{name}: short last page: {second}"
        );

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Corrections, history and re-establishment
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_correction_is_versioned_and_recorded_in_the_history() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{BICH}");
        let old_residence = "Số 5, ngõ 8, phố Huế, quận Hai Bà Trưng, Hà Nội";
        let new_residence = "Số 20, đường Lê Lợi, phường Bến Nghé, Quận 1, TP Hồ Chí Minh";

        let (status, body) = json_of(
            app.patch(
                &path,
                &json!({"set": {"current_residence": new_residence}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["version"], 2, "{name}: {body}");
        assert_eq!(body["current_residence"], new_residence, "{name}: {body}");

        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["current_residence"], new_residence, "{name}: stored");
        assert_eq!(body["version"], 2, "{name}: {body}");

        let (status, history) = app.get_json(&format!("{path}/history")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {history}");
        let entries = history.as_array().expect("history is an array");
        assert_eq!(entries.len(), 2, "{name}: {history}");
        assert_eq!(entries[0]["version"], 1, "{name}: {history}");
        assert_eq!(entries[0]["reason"], "created", "{name}: {history}");
        assert_eq!(entries[0]["changes"], json!([]), "{name}: {history}");
        assert_eq!(entries[1]["version"], 2, "{name}: {history}");
        assert_eq!(entries[1]["reason"], "moved", "{name}: {history}");
        assert_eq!(entries[1]["actor"], "operator", "{name}: {history}");
        assert_eq!(
            entries[1]["changes"],
            json!([{"field": "current_residence", "old": old_residence, "new": new_residence}]),
            "{name}: {history}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn invalid_corrections_are_refused_and_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{BICH}");

        let (status, _) = json_of(
            app.patch(
                &path,
                &json!({"set": {"current_residence": "Số 1, phố Tràng Tiền, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: first correction");

        let refusals = [
            (
                json!({"set": {"current_residence": "Số 2, phố Hàng Gai, Hà Nội"}, "reason": ""}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.reason_required",
            ),
            (
                json!({"set": {"current_residence": "Số 2, phố Hàng Gai, Hà Nội"}, "reason": "   "}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.reason_required",
            ),
            (
                json!({"set": {"favourite_colour": "blue"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                // A known field together with an unknown one: nothing at all is applied.
                json!({"set": {"current_residence": "Số 3, phố Hàng Gai, Hà Nội", "shoe_size": "38"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                json!({"set": {"personal_id": "079195009999"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
                StatusCode::CONFLICT,
                "registry.needs_reestablishment",
            ),
            (
                json!({"set": {"sex": "male"}, "reason": "registration error"}),
                StatusCode::CONFLICT,
                "registry.needs_reestablishment",
            ),
            (
                json!({"set": {"current_residence": "Số 4, phố Hàng Gai, Hà Nội"}, "reason": "moved", "expected_version": 1}),
                StatusCode::CONFLICT,
                "registry.version_conflict",
            ),
            (
                json!({"set": {"nationality": "Vietnam"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.invalid",
            ),
        ];
        for (body, expected_status, expected_code) in refusals {
            let (status, answer) = json_of(app.patch(&path, &body).await).await;
            assert_eq!(status, expected_status, "{name}: {body} → {answer}");
            assert_eq!(answer["error"], expected_code, "{name}: {body} → {answer}");
        }

        let (_, person) = app.get_json(&path).await;
        assert_eq!(person["version"], 2, "{name}: still version 2: {person}");
        assert_eq!(person["birth_date"], "1995-07-20", "{name}: {person}");
        assert_eq!(person["sex"], "female", "{name}: {person}");
        assert_eq!(person["nationality"], "VN", "{name}: {person}");
        assert_eq!(
            person["current_residence"], "Số 1, phố Tràng Tiền, Hà Nội",
            "{name}: {person}"
        );
        let (_, history) = app.get_json(&format!("{path}/history")).await;
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(2),
            "{name}: refused changes leave no history: {history}"
        );

        // The current version is accepted.
        let (status, body) = json_of(
            app.patch(
                &path,
                &json!({"set": {"religion": "Phật giáo"}, "reason": "declared", "expected_version": 2}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["version"], 3, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn a_birth_year_correction_re_establishes_the_number() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let old_path = format!("/api/v1/registry/persons/{BICH}");

        let (status, body) = json_of(
            app.patch(
                &old_path,
                &json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(
            body["error"], "registry.needs_reestablishment",
            "{name}: {body}"
        );

        // A re-establishment that the number does not need is refused.
        let (status, body) = json_of(
            app.post(
                &format!("{old_path}/reestablish"),
                &json!({"set": {"religion": "Phật giáo"}, "reason": "declared"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(
            body["error"], "registry.reestablishment_not_needed",
            "{name}: {body}"
        );

        let (status, created) = json_of(
            app.post(
                &format!("{old_path}/reestablish"),
                &json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        let new_id = created["personal_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no personal_id in {created}"))
            .to_owned();
        assert_eq!(new_id.len(), 12, "{name}: {new_id}");
        assert_ne!(new_id, BICH, "{name}: a new number");
        assert_eq!(&new_id[..3], "079", "{name}: same province: {new_id}");
        assert_eq!(&new_id[3..4], "1", "{name}: female, 1900s: {new_id}");
        assert_eq!(
            &new_id[4..6],
            "96",
            "{name}: digits 5–6 are the new year: {new_id}"
        );
        assert_eq!(created["previous_id"], BICH, "{name}: {created}");
        assert_eq!(created["birth_date"], "1996-07-20", "{name}: {created}");
        assert_eq!(created["full_name"], "Trần Thị Bích", "{name}: {created}");
        assert!(created["superseded_by"].is_null(), "{name}: {created}");

        let (status, old) = app.get_json(&old_path).await;
        assert_eq!(status, StatusCode::OK, "{name}: the old number still reads");
        assert_eq!(old["superseded_by"], new_id.as_str(), "{name}: {old}");

        let new_path = format!("/api/v1/registry/persons/{new_id}");
        let (status, new) = app.get_json(&new_path).await;
        assert_eq!(status, StatusCode::OK, "{name}: {new}");
        assert_eq!(new["previous_id"], BICH, "{name}: {new}");
        let (_, history) = app.get_json(&format!("{new_path}/history")).await;
        assert!(
            history[0]["reason"]
                .as_str()
                .is_some_and(|r| r.contains(BICH)),
            "{name}: the new record's history names the old number: {history}"
        );

        let (status, body) = json_of(
            app.patch(
                &old_path,
                &json!({"set": {"current_residence": "Số 9, phố Huế, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(body["error"], "registry.superseded", "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(&new_id)),
            "{name}: the message names the new number: {body}"
        );

        // The new number can be corrected.
        let (status, body) = json_of(
            app.patch(
                &new_path,
                &json!({"set": {"current_residence": "Số 9, phố Huế, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Metrics
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn metrics_label_requests_by_route_template_never_by_personal_id() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        for id in SEEDED {
            let (status, _) = app
                .get_json(&format!("/api/v1/registry/persons/{id}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{name}: {id}");
        }
        let (status, _) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}/history"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");

        let response = app.get_anonymous("/metrics").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /metrics");
        let metrics = response.text().await.unwrap();

        let route_line = metrics.lines().find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains(r#"route="/api/v1/registry/persons/{id}""#)
                && l.contains(r#"status="200""#)
        });
        assert!(
            route_line.is_some(),
            "{name}: a counter per route template:\n{metrics}"
        );
        assert!(
            metrics.contains("http_request_duration_seconds"),
            "{name}: latency histogram:\n{metrics}"
        );
        assert!(
            metrics.contains(&format!(r#"db_pool_connections{{backend="{name}"}}"#)),
            "{name}: pool gauge for this backend:\n{metrics}"
        );
        assert!(
            metrics.lines().any(|l| l.starts_with("registry_persons")),
            "{name}: registry size gauge:\n{metrics}"
        );
        for id in SEEDED {
            assert!(
                !metrics.contains(id),
                "{name}: personal ID {id} leaked into metrics:\n{metrics}"
            );
        }

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 7. OpenAPI and documentation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_openapi_document_and_docs_page_are_served() {
    for t in backends().await {
        let name = t.name();
        let app = spawn_app(t.db.clone()).await;

        let (status, doc) = json_of(app.get_anonymous("/api/v1/openapi.json").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {doc}");
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{name}: OpenAPI 3.x: {}",
            doc["openapi"]
        );
        for path in [
            "/api/v1/registry/persons/{id}",
            "/api/v1/registry/persons",
            "/api/v1/registry/persons/{id}/history",
            "/api/v1/registry/persons/{id}/reestablish",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{name}: {path} is documented"
            );
        }
        assert!(
            doc["paths"]["/api/v1/registry/persons/{id}"]
                .get("patch")
                .is_some(),
            "{name}: the correction is documented"
        );
        assert!(
            doc["components"]["securitySchemes"]
                .get("operator")
                .is_some(),
            "{name}: the operator token scheme is documented"
        );

        let response = app.get_anonymous("/api/v1/docs/").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /api/v1/docs/");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{name}: HTML, got {content_type:?}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.to_lowercase().contains("swagger"),
            "{name}: the Swagger UI page:\n{html}"
        );

        drop(app);
        t.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Headers on every response
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn responses_carry_a_request_id_and_security_headers() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let mut ids = Vec::new();
        for response in [
            app.get_anonymous("/healthz").await,
            app.get_anonymous("/healthz").await,
            app.get_anonymous(&format!("/api/v1/registry/persons/{AN_HN}"))
                .await,
            app.get(&format!("/api/v1/registry/persons/{AN_HN}")).await,
            app.get("/api/v1/registry/persons/12345").await,
            app.get_anonymous("/no/such/page").await,
        ] {
            let url = response.url().path().to_owned();
            let headers = response.headers();
            let id = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert!(!id.is_empty(), "{name}: {url}: x-request-id");
            ids.push(id);
            assert_eq!(
                headers
                    .get("x-content-type-options")
                    .and_then(|v| v.to_str().ok()),
                Some("nosniff"),
                "{name}: {url}: x-content-type-options"
            );
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{name}: request IDs differ: {ids:?}"
        );

        // A caller's own request ID is kept and echoed, to follow it through the logs.
        let response = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", "caller-chosen-id-42")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("caller-chosen-id-42"),
            "{name}: the caller's request ID is echoed"
        );

        drop(app);
        t.close().await;
    }
}
