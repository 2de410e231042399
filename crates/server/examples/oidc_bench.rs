//! The OpenID provider under load, beside the Node.js `oidc-provider` doing the same work on the
//! same machine in the same run:
//!
//! - client-credentials grants per second (`private_key_jwt`, a fresh assertion each time);
//! - refresh-token grants per second, each rotating the token (every worker keeps its own chain);
//! - complete code flows per second for a signed-in citizen: authorize → code → token → userinfo;
//! - the server's resident memory under that load (VmRSS sampled every 50 ms, and VmHWM).
//!
//!   benches/oidc.sh [SECONDS] [CONCURRENCY]        (builds everything, then runs this)
//!   cargo run --release -p dinhdanh-server --example oidc_bench -- [SECONDS] [CONCURRENCY]
//!
//! Each server is a separate process, so that its memory is its own: `dinhdanh demo` on a fresh
//! SQLite data directory, the same on a fresh PostgreSQL database, and `interop/oidc/provider.mjs`.
//! The relying party is registered with `dinhdanh clients add` while the server runs, and the
//! demo staff member signs in once through the pages (password, TOTP, consent), as a browser
//! would; workers then reuse that session. This process is the load generator (tokio, one thread
//! per core): it shares the CPU with the server, which the per-workload CPU figures show.
//!
//! Environment:
//! - `DINHDANH_BIN`: the server binary (default: target/release/dinhdanh of this workspace);
//! - `DINHDANH_BENCH_PG`: a PostgreSQL admin URL; a fresh database is created beside the one it
//!   names and dropped afterwards (unset or empty: PostgreSQL is skipped);
//! - `DINHDANH_BENCH_ONLY`: a comma-separated subset of `sqlite,pg,node`;
//! - `DINHDANH_BENCH_WARMUP`: warm-up seconds before each measurement (default 2);
//! - `DINHDANH_BENCH_PERSONS`: the demo population (default 1000);
//! - `NODE`: the Node.js binary (default `node`);
//! - the servers inherit the rest (e.g. `DINHDANH_MAX_CONNECTIONS`, `DINHDANH_LOG`);
//! - `TMPDIR` holds the data directories: `TMPDIR=/dev/shm` puts SQLite on memory, which shows
//!   what the disk's `fsync` costs (not a configuration to quote figures from).
//!
//! Any non-2xx answer or protocol failure counts as an error; errors are printed, marked in the
//! table, and make the exit status non-zero.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dinhdanh_oidc::jose::{ClientKey, b64};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "bench.rp";
/// Nothing listens here: flows stop at the redirect and read its Location.
const REDIRECT: &str = "http://127.0.0.1:9/cb";
const SERVICE_SCOPE: &str = "bench.read";
const CODE_SCOPE: &str = "openid profile";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const NODE_PERSONAL_ID: &str = "001090012345";
const NODE_PASSWORD: &str = "correct horse battery staple";
/// Error messages kept per workload (the count is always complete).
const KEPT_ERRORS: usize = 5;

const TARGET_CC: f64 = 5_000.0;
const TARGET_REFRESH_SQLITE: f64 = 3_000.0;
const TARGET_REFRESH_PG: f64 = 2_000.0;
const TARGET_CODE: f64 = 1_500.0;
const TARGET_RSS_MB: f64 = 200.0;

type Res<T> = Result<T, String>;

// ------------------------------------------------------------------------------------------------
// Command line and environment

struct Options {
    seconds: u64,
    concurrency: usize,
    warmup: Duration,
    persons: u64,
    bin: PathBuf,
    node: String,
    provider_js: PathBuf,
    pg_admin: Option<String>,
    only: Option<Vec<String>>,
}

impl Options {
    fn read() -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = root.canonicalize().unwrap_or(root);
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Options {
            seconds: args.first().and_then(|a| a.parse().ok()).unwrap_or(10),
            concurrency: args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32),
            warmup: Duration::from_secs_f64(
                env("DINHDANH_BENCH_WARMUP")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(2.0),
            ),
            persons: env("DINHDANH_BENCH_PERSONS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000),
            bin: env("DINHDANH_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/release/dinhdanh")),
            node: env("NODE").unwrap_or_else(|| "node".into()),
            provider_js: root.join("interop/oidc/provider.mjs"),
            pg_admin: env("DINHDANH_BENCH_PG"),
            only: env("DINHDANH_BENCH_ONLY")
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect()),
        }
    }

    fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == name))
    }
}

// ------------------------------------------------------------------------------------------------
// Processes

/// A server process; stopped (SIGTERM, then SIGKILL after 5 s) when dropped.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!(
                "the server exited ({status}); its output is in {}:\n{}",
                self.log.display(),
                tail(&self.log, 30)
            )),
            _ => None,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn spawn(mut cmd: Command, log: PathBuf) -> Res<Proc> {
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    Ok(Proc { child, log })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Waits until `url` answers 200 (or the process dies, or `limit` passes).
async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    proc: &mut Proc,
    limit: Duration,
) -> Res<()> {
    let until = Instant::now() + limit;
    loop {
        if let Some(e) = proc.exited() {
            return Err(e);
        }
        if let Ok(r) = http.get(url).send().await
            && r.status() == StatusCode::OK
        {
            return Ok(());
        }
        if Instant::now() > until {
            return Err(format!(
                "{url} did not answer within {} s; server output ({}):\n{}",
                limit.as_secs(),
                proc.log.display(),
                tail(&proc.log, 30)
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A fresh PostgreSQL database beside the admin URL's; dropped with this value.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(admin: &str) -> Res<PgDatabase> {
        let name = format!("dinhdanh_bench_oidc_{}", std::process::id());
        let mut url = url::Url::parse(admin).map_err(|e| format!("DINHDANH_BENCH_PG: {e}"))?;
        url.set_path(&format!("/{name}"));
        psql(admin, &format!("DROP DATABASE IF EXISTS {name}"))?;
        psql(admin, &format!("CREATE DATABASE {name}"))?;
        Ok(PgDatabase {
            admin: admin.to_owned(),
            name,
            url: url.into(),
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(e) = psql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("could not drop the benchmark database {}: {e}", self.name);
        }
    }
}

fn psql(admin: &str, sql: &str) -> Res<()> {
    let out = Command::new("psql")
        .args([admin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql -c {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// ------------------------------------------------------------------------------------------------
// Resource figures from /proc

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// User + system CPU seconds of a process (all its threads), from /proc/PID/stat.
fn cpu_seconds(pid: &str) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat(5); `after` starts at field 3. Linux reports them in USER_HZ,
    // 100 on every common configuration.
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of every process called `name` (the PostgreSQL server and its backends).
fn named_cpu_seconds(name: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .map(|e| cpu_seconds(&e.file_name().to_string_lossy()))
        .sum()
}

/// Busy CPU seconds of the whole machine (every core), from /proc/stat.
fn machine_busy_seconds() -> f64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: f64 = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v)
        .sum();
    busy / 100.0
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

// ------------------------------------------------------------------------------------------------
// A minimal browser: cookies kept by name, sent back on every request (they are `Secure` on
// dinhdanh, which a browser would still send to http://localhost).

struct Browser {
    http: reqwest::Client,
    base: String,
    issuer: String,
    jar: BTreeMap<String, String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// An absolute URL to fetch for a Location or form action (relative, or on the issuer).
    fn resolve(&self, to: &str) -> String {
        if let Some(rest) = to.strip_prefix(&self.issuer) {
            format!("{}{rest}", self.base)
        } else if to.starts_with('/') {
            format!("{}{to}", self.base)
        } else {
            to.to_owned()
        }
    }

    async fn take(&mut self, response: reqwest::Response) -> Res<Page> {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().map_err(|e| e.to_string())?;
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let attributes = attributes.to_ascii_lowercase();
            if value.is_empty()
                || attributes.contains("max-age=0")
                || attributes.contains("01 jan 1970")
            {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok(Page {
            status,
            location,
            body,
        })
    }

    async fn get(&mut self, url: &str) -> Res<Page> {
        let response = self
            .http
            .get(self.resolve(url))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        self.take(response).await
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Res<Page> {
        let response = self
            .http
            .post(self.resolve(url))
            .header(COOKIE, self.cookie_header())
            .header(ORIGIN, &self.issuer)
            .form(form)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        self.take(response).await
    }
}

/// The `action` of the form with `id`, and its hidden CSRF token.
fn form_of(body: &str, id: &str) -> Option<(String, String)> {
    let start = body.find(&format!("id=\"{id}\""))?;
    let tag = &body[start..start + body[start..].find('>')?];
    let a = tag.find("action=\"")? + 8;
    let action = tag[a..a + tag[a..].find('"')?].replace("&amp;", "&");
    let form = &body[start..];
    let marker = "name=\"csrf\" value=\"";
    let c = form.find(marker)? + marker.len();
    let csrf = form[c..c + form[c..].find('"')?].to_owned();
    Some((action, csrf))
}

/// Who signs in, and how.
struct Person {
    personal_id: String,
    password: String,
    totp_secret: Option<Vec<u8>>,
}

/// Follows the browser from `start` through sign-in, second factor and consent to the redirect
/// back to the relying party; returns that URL.
async fn browse(browser: &mut Browser, start: &str, person: &Person) -> Res<String> {
    let mut page = browser.get(start).await?;
    let mut totp_tries = 0u64;
    for _ in 0..16 {
        let on = |id: &str| page.body.contains(&format!("id=\"{id}\""));
        if page.status.is_redirection() {
            let to = page.location.clone().ok_or("a redirect without Location")?;
            if to.starts_with(REDIRECT) {
                return Ok(to);
            }
            page = browser.get(&to).await?;
        } else if page.status == StatusCode::OK && on("login") {
            let (action, csrf) = form_of(&page.body, "login").ok_or("no #login form")?;
            let form = [
                ("csrf", csrf.as_str()),
                ("personal_id", person.personal_id.as_str()),
                ("password", person.password.as_str()),
            ];
            page = browser.post(&action, &form).await?;
        } else if matches!(page.status.as_u16(), 200 | 401) && on("second") && totp_tries < 3 {
            // The demo spent the current step's code when it started: a refusal means this step
            // is used, and the next one (accepted as a neighbour) is tried.
            let secret = person
                .totp_secret
                .as_ref()
                .ok_or("a second factor is asked for, and there is no TOTP secret")?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?
                .as_secs();
            let code = dinhdanh_accounts::totp::code_at(secret, now + 30 * totp_tries);
            totp_tries += 1;
            let (action, csrf) = form_of(&page.body, "second").ok_or("no #second form")?;
            page = browser
                .post(&action, &[("csrf", csrf.as_str()), ("code", code.as_str())])
                .await?;
        } else if page.status == StatusCode::OK && on("consent") {
            let (action, csrf) = form_of(&page.body, "consent").ok_or("no #consent form")?;
            page = browser
                .post(&action, &[("csrf", csrf.as_str()), ("decision", "allow")])
                .await?;
        } else {
            return Err(format!(
                "unexpected {} during sign-in: {}",
                page.status,
                excerpt(&page.body)
            ));
        }
    }
    Err(format!("too many steps from {start}"))
}

fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(300).collect()
}

// ------------------------------------------------------------------------------------------------
// The relying party's requests

/// A server under test, as the relying party sees it.
struct Target {
    label: String,
    http: reqwest::Client,
    /// The issuer (`http://localhost:PORT`): assertion audience, `iss` checks.
    issuer: String,
    /// The endpoints, on `http://127.0.0.1:PORT` (no name resolution in the loop).
    authorization: String,
    token: String,
    userinfo: String,
    key: Arc<ClientKey>,
    /// The signed-in browser's cookies.
    cookie: String,
}

fn pkce() -> (String, String) {
    let verifier = b64(rand::random::<[u8; 32]>());
    let challenge = b64(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn params(url: &str) -> Res<BTreeMap<String, String>> {
    Ok(url::Url::parse(url)
        .map_err(|e| format!("{url}: {e}"))?
        .query_pairs()
        .into_owned()
        .collect())
}

impl Target {
    /// An authorization request with a fresh state, nonce and PKCE pair.
    fn authorize_url(&self) -> (String, String, String) {
        let (verifier, challenge) = pkce();
        let state = b64(rand::random::<[u8; 12]>());
        let nonce = b64(rand::random::<[u8; 12]>());
        let url = format!(
            "{}?{}",
            self.authorization,
            query(&[
                ("client_id", CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", CODE_SCOPE),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
        );
        (url, state, verifier)
    }

    /// The code from a redirect back to the client, checked against the request.
    fn code_from(&self, back: &str, state: &str) -> Res<String> {
        let p = params(back)?;
        if let Some(error) = p.get("error") {
            return Err(format!(
                "authorization error {error}: {}",
                p.get("error_description").map_or("", String::as_str)
            ));
        }
        if p.get("state").map(String::as_str) != Some(state) {
            return Err(format!("the state is not returned: {back}"));
        }
        if let Some(iss) = p.get("iss")
            && iss != &self.issuer
        {
            return Err(format!("iss {iss} is not the issuer"));
        }
        p.get("code")
            .cloned()
            .ok_or_else(|| format!("no code in {back}"))
    }

    /// `/authorize` with the session cookie: a redirect straight back with a code.
    async fn code(&self) -> Res<(String, String)> {
        let (url, state, verifier) = self.authorize_url();
        let r = self
            .http
            .get(&url)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .map_err(|e| format!("authorize: {e}"))?;
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match location {
            Some(to) if status.is_redirection() && to.starts_with(REDIRECT) => {
                Ok((self.code_from(&to, &state)?, verifier))
            }
            Some(to) => Err(format!("authorize: {status} to {to}")),
            None => {
                let body = r.text().await.unwrap_or_default();
                Err(format!("authorize: {status}: {}", excerpt(&body)))
            }
        }
    }

    /// A token request authenticated with a fresh `private_key_jwt` assertion.
    async fn token(&self, form: &[(&str, &str)]) -> Res<Value> {
        let assertion = self.key.assertion(CLIENT_ID, &self.issuer);
        let mut all = form.to_vec();
        all.push(("client_assertion_type", ASSERTION_TYPE));
        all.push(("client_assertion", &assertion));
        let r = self
            .http
            .post(&self.token)
            .form(&all)
            .send()
            .await
            .map_err(|e| format!("token: {e}"))?;
        let status = r.status();
        let body = r.text().await.map_err(|e| format!("token: {e}"))?;
        if !status.is_success() {
            return Err(format!("token: {status}: {}", excerpt(&body)));
        }
        let value: Value =
            serde_json::from_str(&body).map_err(|e| format!("token: {e}: {}", excerpt(&body)))?;
        if !value["access_token"].is_string() {
            return Err(format!("token: no access_token in {}", excerpt(&body)));
        }
        Ok(value)
    }

    async fn client_credentials(&self) -> Res<()> {
        let tokens = self
            .token(&[
                ("grant_type", "client_credentials"),
                ("scope", SERVICE_SCOPE),
            ])
            .await?;
        if tokens["scope"] != SERVICE_SCOPE {
            return Err(format!(
                "client_credentials: scope {} instead of {SERVICE_SCOPE}",
                tokens["scope"]
            ));
        }
        Ok(())
    }

    /// Code → tokens.
    async fn exchange(&self, code: &str, verifier: &str) -> Res<Value> {
        let tokens = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ])
            .await?;
        if !tokens["id_token"].is_string() {
            return Err("authorization_code: no id_token".into());
        }
        Ok(tokens)
    }

    async fn userinfo(&self, access_token: &str) -> Res<()> {
        let r = self
            .http
            .get(&self.userinfo)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| format!("userinfo: {e}"))?;
        let status = r.status();
        let body = r.text().await.map_err(|e| format!("userinfo: {e}"))?;
        if !status.is_success() {
            return Err(format!("userinfo: {status}: {}", excerpt(&body)));
        }
        let claims: Value = serde_json::from_str(&body).map_err(|e| format!("userinfo: {e}"))?;
        if !claims["sub"].is_string() || !claims["name"].is_string() {
            return Err(format!("userinfo: no sub or name in {}", excerpt(&body)));
        }
        Ok(())
    }

    /// One complete code flow for the signed-in user.
    async fn code_flow(&self) -> Res<Value> {
        let (code, verifier) = self.code().await?;
        let tokens = self.exchange(&code, &verifier).await?;
        self.userinfo(tokens["access_token"].as_str().unwrap_or_default())
            .await?;
        Ok(tokens)
    }

    /// A refresh token of a new grant family.
    async fn refresh_token(&self) -> Res<String> {
        let (code, verifier) = self.code().await?;
        let tokens = self.exchange(&code, &verifier).await?;
        tokens["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "authorization_code: no refresh_token".into())
    }

    /// Rotates the chain: the token in `chain` is spent, its successor takes its place. After a
    /// failure the chain starts again from a new code flow.
    async fn refresh(&self, chain: &mut Option<String>) -> Res<()> {
        let current = match chain.take() {
            Some(t) => t,
            None => self.refresh_token().await?,
        };
        let tokens = self
            .token(&[("grant_type", "refresh_token"), ("refresh_token", &current)])
            .await?;
        let next = tokens["refresh_token"]
            .as_str()
            .ok_or("refresh_token: no rotated refresh_token")?;
        if next == current {
            return Err("refresh_token: the refresh token was not rotated".into());
        }
        *chain = Some(next.to_owned());
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------------
// Load

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    ClientCredentials,
    Refresh,
    CodeFlow,
}

impl Workload {
    const ALL: [Workload; 3] = [
        Workload::ClientCredentials,
        Workload::Refresh,
        Workload::CodeFlow,
    ];

    fn name(self) -> &'static str {
        match self {
            Workload::ClientCredentials => "client_credentials",
            Workload::Refresh => "refresh_token",
            Workload::CodeFlow => "code_flow",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Workload::ClientCredentials => "grants/s (1 request each)",
            Workload::Refresh => "grants/s (1 request each, rotation)",
            Workload::CodeFlow => "flows/s (authorize + token + userinfo)",
        }
    }
}

#[derive(Default)]
struct WorkerTally {
    /// Successes in the measured span.
    ok: u64,
    /// Successes, warm-up included.
    all_ok: u64,
    errors: u64,
    warmup_errors: u64,
    latencies_us: Vec<u32>,
    messages: Vec<String>,
}

struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    ok: u64,
    all_ok: u64,
    errors: u64,
    warmup_errors: u64,
    messages: Vec<String>,
    peak_rss_kb: u64,
    /// CPU of the server, of this process, of PostgreSQL's processes, and of everything else on
    /// the machine, in % of one core over the measured span.
    server_cpu: f64,
    generator_cpu: f64,
    postgres_cpu: f64,
    other_cpu: f64,
}

/// Runs the workload with `concurrency` workers: setup (refresh chains), `warmup`, then `span`
/// measured. Operations that start before the warm-up ends or finish after the span are not
/// counted in the rate or latencies; errors are counted whenever they happen.
async fn measure(
    target: Arc<Target>,
    workload: Workload,
    concurrency: usize,
    warmup: Duration,
    span: Duration,
    pid: u32,
) -> Res<Measured> {
    // Memory is sampled from the start, setup included.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(status_kb(pid, "VmRSS:").unwrap_or(0)));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(kb) = status_kb(pid, "VmRSS:") {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let mut chains: Vec<Option<String>> = vec![None; concurrency];
    if workload == Workload::Refresh {
        let setups = (0..concurrency).map(|_| {
            let t = target.clone();
            async move { t.refresh_token().await }
        });
        for (chain, token) in chains
            .iter_mut()
            .zip(futures::future::join_all(setups).await)
        {
            match token {
                Ok(token) => *chain = Some(token),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(format!("setting up the refresh chains: {e}"));
                }
            }
        }
    }

    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + span;
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let sample = || {
            [
                cpu_seconds(&pid.to_string()),
                cpu_seconds("self"),
                named_cpu_seconds("postgres"),
                machine_busy_seconds(),
            ]
        };
        let before = sample();
        tokio::time::sleep_until(end.into()).await;
        let after = sample();
        let d: Vec<f64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
        (d[0], d[1], d[2], d[3] - d[0] - d[1] - d[2])
    });
    let workers: Vec<_> = chains
        .into_iter()
        .map(|mut chain| {
            let t = target.clone();
            tokio::spawn(async move {
                let mut tally = WorkerTally::default();
                loop {
                    let began = Instant::now();
                    if began >= end {
                        break;
                    }
                    let result = match workload {
                        Workload::ClientCredentials => t.client_credentials().await,
                        Workload::Refresh => t.refresh(&mut chain).await,
                        Workload::CodeFlow => t.code_flow().await.map(|_| ()),
                    };
                    let finished = Instant::now();
                    let counted = began >= measure_from && finished <= end;
                    if result.is_ok() {
                        tally.all_ok += 1;
                    }
                    match result {
                        Ok(()) if counted => {
                            tally.ok += 1;
                            let us = (finished - began).as_micros();
                            tally.latencies_us.push(us.min(u128::from(u32::MAX)) as u32);
                        }
                        Ok(()) => {}
                        Err(e) => {
                            if began < measure_from {
                                tally.warmup_errors += 1;
                            } else {
                                tally.errors += 1;
                            }
                            if tally.messages.len() < KEPT_ERRORS {
                                tally.messages.push(e);
                            }
                            // Do not spin on a failing server.
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = WorkerTally::default();
    for w in workers {
        let t = w.await.map_err(|e| format!("a worker panicked: {e}"))?;
        all.ok += t.ok;
        all.all_ok += t.all_ok;
        all.errors += t.errors;
        all.warmup_errors += t.warmup_errors;
        all.latencies_us.extend(t.latencies_us);
        for m in t.messages {
            if all.messages.len() < KEPT_ERRORS && !all.messages.contains(&m) {
                all.messages.push(m);
            }
        }
    }
    let (server_cpu, generator_cpu, postgres_cpu, other_cpu) =
        cpu.await.map_err(|e| e.to_string())?;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    all.latencies_us.sort_unstable();
    let pct = |q: f64| {
        let n = all.latencies_us.len();
        if n == 0 {
            return 0.0;
        }
        f64::from(all.latencies_us[((n as f64 * q) as usize).min(n - 1)]) / 1000.0
    };
    let seconds = span.as_secs_f64();
    Ok(Measured {
        rate: all.ok as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        ok: all.ok,
        all_ok: all.all_ok,
        errors: all.errors,
        warmup_errors: all.warmup_errors,
        messages: all.messages,
        peak_rss_kb: peak.load(Ordering::Relaxed),
        server_cpu: 100.0 * server_cpu / seconds,
        generator_cpu: 100.0 * generator_cpu / seconds,
        postgres_cpu: 100.0 * postgres_cpu / seconds,
        other_cpu: 100.0 * other_cpu.max(0.0) / seconds,
    })
}

// ------------------------------------------------------------------------------------------------
// The servers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
    Node,
}

impl Kind {
    fn column(self) -> &'static str {
        match self {
            Kind::Sqlite => "dinhdanh SQLite",
            Kind::Postgres => "dinhdanh PostgreSQL",
            Kind::Node => "oidc-provider (memory)",
        }
    }

    fn target(self, w: Workload) -> Option<f64> {
        match (self, w) {
            (Kind::Node, _) => None,
            (_, Workload::ClientCredentials) => Some(TARGET_CC),
            (Kind::Sqlite, Workload::Refresh) => Some(TARGET_REFRESH_SQLITE),
            (_, Workload::Refresh) => Some(TARGET_REFRESH_PG),
            (_, Workload::CodeFlow) => Some(TARGET_CODE),
        }
    }
}

/// What one server gave.
struct Outcome {
    kind: Kind,
    /// Setup failure, if the workloads could not run.
    failed: Option<String>,
    results: Vec<(Workload, Res<Measured>)>,
    hwm_kb: Option<u64>,
}

fn http_client(concurrency: usize) -> reqwest::Client {
    dinhdanh_http::ClientTls::system()
        .client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// The endpoints from the discovery document, on `base` rather than the issuer's host name.
async fn discover(http: &reqwest::Client, base: &str, issuer: &str) -> Res<[String; 3]> {
    let doc: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .map_err(|e| format!("discovery: {e}"))?
        .json()
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    if doc["issuer"] != issuer {
        return Err(format!(
            "discovery: issuer {} instead of {issuer}",
            doc["issuer"]
        ));
    }
    let endpoint = |name: &str| -> Res<String> {
        let url = doc[name]
            .as_str()
            .ok_or_else(|| format!("discovery: no {name}"))?;
        Ok(url
            .strip_prefix(issuer)
            .map_or_else(|| url.to_owned(), |path| format!("{base}{path}")))
    };
    Ok([
        endpoint("authorization_endpoint")?,
        endpoint("token_endpoint")?,
        endpoint("userinfo_endpoint")?,
    ])
}

/// Starts `dinhdanh demo`, registers the client, signs the staff member in.
async fn start_dinhdanh(
    o: &Options,
    kind: Kind,
    key: &Arc<ClientKey>,
    dir: &Path,
    database_url: Option<&str>,
) -> Res<(Proc, Target)> {
    let data = dir.join(match kind {
        Kind::Postgres => "dinhdanh-pg",
        _ => "dinhdanh-sqlite",
    });
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let global = |cmd: &mut Command| {
        cmd.arg("--data-dir").arg(&data);
        if let Some(url) = database_url {
            cmd.args(["--database-url", url]);
        }
    };
    let port = free_port();
    let mut cmd = Command::new(&o.bin);
    global(&mut cmd);
    cmd.args([
        "demo",
        "--persons",
        &o.persons.to_string(),
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    let mut proc = spawn(cmd, data.join("server.log"))?;
    let base = format!("http://127.0.0.1:{port}");
    let issuer = format!("http://localhost:{port}");
    let http = http_client(o.concurrency);
    let started = Instant::now();
    // The demo seeds the population and may wait up to 30 s for a fresh TOTP step.
    wait_ready(
        &http,
        &format!("{base}/readyz"),
        &mut proc,
        Duration::from_secs(240),
    )
    .await?;
    println!(
        "   started in {:.1} s (pid {}, log {})",
        started.elapsed().as_secs_f64(),
        proc.pid(),
        proc.log.display()
    );

    // The relying party, registered from the console while the server runs.
    let registration = json!({
        "client_id": CLIENT_ID,
        "name": {"vi": "Đo hiệu năng", "en": "Benchmark"},
        "purpose": {"vi": "Đo hiệu năng nhà cung cấp OpenID", "en": "Benchmarking the OpenID provider"},
        "redirect_uris": [REDIRECT],
        "jwks": key.jwks(),
        "scopes": ["openid", "profile", SERVICE_SCOPE],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "security_level": 3
    });
    let file = data.join("client.json");
    std::fs::write(&file, registration.to_string()).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&o.bin);
    global(&mut cmd);
    cmd.args(["clients", "add", "--file"]).arg(&file);
    let out = cmd
        .output()
        .map_err(|e| format!("dinhdanh clients add: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "dinhdanh clients add: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    let staff: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("demo-staff.json"))
            .map_err(|e| format!("the demo credentials: {e}"))?,
    )
    .map_err(|e| format!("the demo credentials: {e}"))?;
    let text = |name: &str| -> Res<String> {
        staff[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no {name} in demo-staff.json"))
    };
    let person = Person {
        personal_id: text("personal_id")?,
        password: text("password")?,
        totp_secret: Some(
            dinhdanh_accounts::totp::from_base32(&text("totp_secret")?)
                .map_err(|e| e.to_string())?,
        ),
    };
    let target = sign_in(
        kind.column(),
        http,
        base,
        issuer,
        key,
        &person,
        "password + TOTP",
    )
    .await?;
    Ok((proc, target))
}

/// Starts `provider.mjs` with the same client and one account, and signs in.
async fn start_node(o: &Options, key: &Arc<ClientKey>, dir: &Path) -> Res<(Proc, Target)> {
    let port = free_port();
    let config = json!({
        "clients": [{
            "client_id": CLIENT_ID,
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "jwks": key.jwks(),
            "redirect_uris": [REDIRECT],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "id_token_signed_response_alg": "ES256",
            "scope": CODE_SCOPE
        }],
        "accounts": [{"personal_id": NODE_PERSONAL_ID, "password": NODE_PASSWORD}],
        "client_credentials_resource": {"indicator": "urn:dinhdanh:bench", "scope": SERVICE_SCOPE}
    });
    let file = dir.join("provider.json");
    std::fs::write(&file, config.to_string()).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&o.node);
    cmd.arg(&o.provider_js)
        .arg(&file)
        .env("PORT", port.to_string())
        .env("NODE_ENV", "production");
    let mut proc = spawn(cmd, dir.join("provider.log"))?;
    let base = format!("http://127.0.0.1:{port}");
    let issuer = format!("http://localhost:{port}");
    let http = http_client(o.concurrency);
    wait_ready(
        &http,
        &format!("{base}/.well-known/openid-configuration"),
        &mut proc,
        Duration::from_secs(60),
    )
    .await?;
    let version = Command::new(&o.node)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    println!(
        "   started (Node.js {version}, pid {}, log {})",
        proc.pid(),
        proc.log.display()
    );
    let person = Person {
        personal_id: NODE_PERSONAL_ID.into(),
        password: NODE_PASSWORD.into(),
        totp_secret: None,
    };
    let target = sign_in(
        Kind::Node.column(),
        http,
        base,
        issuer,
        key,
        &person,
        "password",
    )
    .await?;
    Ok((proc, target))
}

/// Signs in through the pages, then checks one complete flow and every grant once.
async fn sign_in(
    label: &str,
    http: reqwest::Client,
    base: String,
    issuer: String,
    key: &Arc<ClientKey>,
    person: &Person,
    how: &str,
) -> Res<Target> {
    let [authorization, token, userinfo] = discover(&http, &base, &issuer).await?;
    let mut target = Target {
        label: label.to_owned(),
        http: http.clone(),
        issuer: issuer.clone(),
        authorization,
        token,
        userinfo,
        key: key.clone(),
        cookie: String::new(),
    };
    let mut browser = Browser {
        http,
        base,
        issuer,
        jar: BTreeMap::new(),
    };
    let (url, state, verifier) = target.authorize_url();
    let back = browse(&mut browser, &url, person)
        .await
        .map_err(|e| format!("signing in: {e}"))?;
    target.cookie = browser.cookie_header();
    let code = target.code_from(&back, &state)?;
    let tokens = target.exchange(&code, &verifier).await?;
    target
        .userinfo(tokens["access_token"].as_str().unwrap_or_default())
        .await?;
    // The session now gives codes without pages; every grant works once.
    target
        .code_flow()
        .await
        .map_err(|e| format!("a second code flow with the session: {e}"))?;
    target.client_credentials().await?;
    target.refresh(&mut None).await?;
    println!(
        "   {CLIENT_ID} registered; signed in through the pages ({how}, consent); each grant checked once"
    );
    Ok(target)
}

/// PostgreSQL's counters for the database: committed transactions, rows written.
fn pg_counters(url: &str) -> Option<(f64, f64)> {
    let out = Command::new("psql")
        .args([
            url,
            "-X",
            "-A",
            "-t",
            "-F",
            " ",
            "-c",
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted
             FROM pg_stat_database WHERE datname = current_database()",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text.split_whitespace().filter_map(|v| v.parse().ok());
    Some((numbers.next()?, numbers.next()?))
}

async fn run_workloads(
    o: &Options,
    kind: Kind,
    proc: &mut Proc,
    target: Target,
    pg_url: Option<&str>,
) -> Outcome {
    let target = Arc::new(target);
    let mut results = Vec::new();
    for w in Workload::ALL {
        let before = pg_url.and_then(pg_counters);
        let result = measure(
            target.clone(),
            w,
            o.concurrency,
            o.warmup,
            Duration::from_secs(o.seconds),
            proc.pid(),
        )
        .await;
        print_result(kind, w, &result, target.label.as_str());
        if let (Some(url), Some(before), Ok(m)) = (pg_url, before, &result) {
            // Statistics reach pg_stat_database within a second of a backend going idle.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some(after) = pg_counters(url)
                && m.all_ok > 0
            {
                let n = m.all_ok as f64;
                println!(
                    "   {:<19} PostgreSQL per {}: {:.1} transactions committed, {:.1} rows written",
                    "",
                    if w == Workload::CodeFlow {
                        "flow"
                    } else {
                        "grant"
                    },
                    (after.0 - before.0) / n,
                    (after.1 - before.1) / n
                );
            }
        }
        if let Some(e) = proc.exited() {
            results.push((w, Err(e)));
            break;
        }
        results.push((w, result));
    }
    Outcome {
        kind,
        failed: None,
        results,
        hwm_kb: status_kb(proc.pid(), "VmHWM:"),
    }
}

fn print_result(kind: Kind, w: Workload, result: &Res<Measured>, label: &str) {
    match result {
        Ok(m) => {
            println!(
                "   {:<19} {:>8.1} {:<40} p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  peak RSS {:.1} MB  CPU: server {:.0} %, generator {:.0} %, postgres {:.0} %, other {:.0} %",
                w.name(),
                m.rate,
                w.unit(),
                m.p50_ms,
                m.p99_ms,
                m.errors + m.warmup_errors,
                mb(m.peak_rss_kb),
                m.server_cpu,
                m.generator_cpu,
                m.postgres_cpu,
                m.other_cpu
            );
            if m.other_cpu > 25.0 {
                println!(
                    "   !!!!!! other processes used {:.0} % of a core during this measurement: the machine was not quiet",
                    m.other_cpu
                );
            }
            let slug = match kind {
                Kind::Sqlite => "dinhdanh_sqlite",
                Kind::Postgres => "dinhdanh_postgres",
                Kind::Node => "oidc_provider",
            };
            println!(
                "RESULT {slug}.{}_per_second {:.1} (p50 {:.2} ms, p99 {:.2} ms, {} ok, {} errors, peak RSS {:.1} MB)",
                w.name(),
                m.rate,
                m.p50_ms,
                m.p99_ms,
                m.ok,
                m.errors + m.warmup_errors,
                mb(m.peak_rss_kb)
            );
            if m.errors + m.warmup_errors > 0 {
                println!(
                    "   !!!!!! {label} {}: {} ERRORS ({} during the warm-up); the figures above are not clean. First:",
                    w.name(),
                    m.errors + m.warmup_errors,
                    m.warmup_errors
                );
                for e in &m.messages {
                    println!("   !!!!!!   {e}");
                }
            }
        }
        Err(e) => println!("   !!!!!! {label} {}: FAILED: {e}", w.name()),
    }
}

// ------------------------------------------------------------------------------------------------
// Report

fn cell(kind: Kind, w: Workload, m: &Measured) -> String {
    let mut s = format!("{:.0}/s p99 {:.1}ms", m.rate, m.p99_ms);
    if m.errors + m.warmup_errors > 0 {
        let _ = write!(s, " ERR {}", m.errors + m.warmup_errors);
    } else if let Some(t) = kind.target(w) {
        s.push_str(if m.rate >= t { " ok" } else { " MISS" });
    }
    s
}

fn print_table(o: &Options, outcomes: &[Outcome]) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "== Summary: {cores} cores shared by server and load generator; {} workers; {} s measured after {:.0} s warm-up",
        o.concurrency,
        o.seconds,
        o.warmup.as_secs_f64()
    );
    let width = 28;
    let mut header = format!("{:<22}{:<30}", "workload", "target (dinhdanh)");
    for out in outcomes {
        let _ = write!(header, "{:<width$}", out.kind.column());
    }
    println!("{header}");
    for w in Workload::ALL {
        let target = match w {
            Workload::ClientCredentials => format!(">= {TARGET_CC:.0}/s"),
            Workload::Refresh => {
                format!(">= {TARGET_REFRESH_SQLITE:.0}/s SQLite, {TARGET_REFRESH_PG:.0}/s PG")
            }
            Workload::CodeFlow => format!(">= {TARGET_CODE:.0}/s"),
        };
        let mut line = format!("{:<22}{:<30}", w.name(), target);
        for out in outcomes {
            let text = match (&out.failed, out.results.iter().find(|(x, _)| *x == w)) {
                (Some(_), _) => "FAILED (setup)".to_owned(),
                (None, Some((_, Ok(m)))) => cell(out.kind, w, m),
                (None, Some((_, Err(_)))) => "FAILED".to_owned(),
                (None, None) => "-".to_owned(),
            };
            let _ = write!(line, "{text:<width$}");
        }
        println!("{line}");
    }
    let mut line = format!(
        "{:<22}{:<30}",
        "peak RSS under load",
        format!("< {TARGET_RSS_MB:.0} MB")
    );
    for out in outcomes {
        let peak = out
            .results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|m| m.peak_rss_kb)
            .max();
        let text = match peak {
            Some(kb) => {
                let mut s = format!("{:.1} MB", mb(kb));
                if let Some(hwm) = out.hwm_kb {
                    let _ = write!(s, " (HWM {:.0})", mb(hwm));
                }
                if out.kind != Kind::Node {
                    s.push_str(if mb(kb) < TARGET_RSS_MB {
                        " ok"
                    } else {
                        " MISS"
                    });
                }
                s
            }
            None => "-".to_owned(),
        };
        let _ = write!(line, "{text:<width$}");
    }
    println!("{line}");
    println!(
        "\nNot the same work, to read the table fairly:
 - oidc-provider keeps every code, session, grant, refresh token and used assertion ID in the
   memory of its one process (provider.mjs's MemoryAdapter): nothing is written to disk, nothing
   survives a restart, and a second process could not share it. dinhdanh commits each of them to
   SQLite or PostgreSQL, so that several nodes can serve and a crash loses nothing.
 - oidc-provider runs its JavaScript on one thread (V8's garbage collector and libuv's threads add
   some more CPU); dinhdanh's tokio runtime uses every core ({cores} here). Both share the machine with this
   load generator, and dinhdanh on PostgreSQL also with the database server.
 - Memory: oidc-provider's resident size grows with what its in-memory store holds (every token,
   code and used assertion ID until it expires), not only with the load; dinhdanh's holds no
   per-grant state (it is in the database, whose own memory is not counted).
 - Access tokens: dinhdanh signs an ES256 JWT (RFC 9068) for every grant; oidc-provider signs an
   ES256 JWT for client credentials (a resource server is configured for it) but issues opaque
   tokens, kept in memory, in the code flow and on refresh, as its userinfo requires.
 - dinhdanh derives pairwise subjects (HMAC per sector) and reads ID token and userinfo claims
   from the population registry in the database; oidc-provider uses public subjects and a fixed
   in-memory profile.
 - Both check a fresh private_key_jwt assertion (ES256) with replay protection on every token
   request, require PKCE S256, rotate refresh tokens and sign ES256 ID tokens."
    );
}

// ------------------------------------------------------------------------------------------------

fn main() -> std::process::ExitCode {
    let o = Options::read();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "OpenID provider benchmark: {cores} cores, {} concurrent workers, {:.0} s warm-up + {} s per workload",
        o.concurrency,
        o.warmup.as_secs_f64(),
        o.seconds
    );
    println!(
        "load generator: this process (tokio, {cores} threads); each server a separate process on this machine"
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average before the run: {} (other work on the machine skews every figure)",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let dir = tempfile::Builder::new()
        .prefix("dinhdanh-oidc-bench-")
        .tempdir()
        .expect("a temporary directory");
    let key = Arc::new(ClientKey::generate("bench-key-1"));
    let mut outcomes = Vec::new();
    let mut kinds = Vec::new();
    if o.wants("sqlite") {
        kinds.push(Kind::Sqlite);
    }
    if o.wants("pg") {
        if o.pg_admin.is_some() {
            kinds.push(Kind::Postgres);
        } else {
            println!("\n== dinhdanh on PostgreSQL: skipped (DINHDANH_BENCH_PG is empty)");
        }
    }
    if o.wants("node") {
        kinds.push(Kind::Node);
    }
    for kind in kinds {
        let outcome = runtime.block_on(async {
            let mut pg = None;
            let started = match kind {
                Kind::Sqlite => {
                    println!(
                        "\n== dinhdanh on SQLite: {} demo --persons {}",
                        o.bin.display(),
                        o.persons
                    );
                    start_dinhdanh(&o, kind, &key, dir.path(), None).await
                }
                Kind::Postgres => {
                    let admin = o.pg_admin.as_deref().unwrap_or_default();
                    match PgDatabase::create(admin) {
                        Ok(db) => {
                            println!(
                                "\n== dinhdanh on PostgreSQL: {} --database-url {} demo --persons {}",
                                o.bin.display(),
                                db.url,
                                o.persons
                            );
                            let url = db.url.clone();
                            pg = Some(db);
                            start_dinhdanh(&o, kind, &key, dir.path(), Some(&url)).await
                        }
                        Err(e) => Err(e),
                    }
                }
                Kind::Node => {
                    println!(
                        "\n== oidc-provider: {} {} (NODE_ENV=production, in-memory adapter)",
                        o.node,
                        o.provider_js.display()
                    );
                    start_node(&o, &key, dir.path()).await
                }
            };
            let outcome = match started {
                Ok((mut proc, target)) => {
                    let url = pg.as_ref().map(|db: &PgDatabase| db.url.clone());
                    run_workloads(&o, kind, &mut proc, target, url.as_deref()).await
                }
                Err(e) => {
                    println!("   !!!!!! {}: could not start: {e}", kind.column());
                    Outcome {
                        kind,
                        failed: Some(e),
                        results: Vec::new(),
                        hwm_kb: None,
                    }
                }
            };
            // The server stops (its Proc is dropped) before the database goes.
            drop(pg);
            outcome
        });
        outcomes.push(outcome);
    }
    print_table(&o, &outcomes);
    let bad = outcomes.iter().any(|out| {
        out.failed.is_some()
            || out.results.iter().any(|(_, r)| match r {
                Ok(m) => m.errors + m.warmup_errors > 0,
                Err(_) => true,
            })
    });
    if bad {
        println!(
            "\n!!!!!! THIS RUN HAD ERRORS OR FAILURES (see the lines marked !!!!!! above); do not quote its figures."
        );
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
