//! Configuration: `dinhdanh.toml`, overridden by `DINHDANH_*` environment variables, overridden
//! by command-line flags. With no file at all the defaults run the platform on embedded SQLite
//! under `./data`, listening on 127.0.0.1:8080.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The file read when `--config` is not given (a missing default file is not an error).
pub const DEFAULT_FILE: &str = "dinhdanh.toml";

/// Everything the binary can be configured with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the embedded database and other files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://<data_dir>/dinhdanh.db`.
    pub database_url: Option<String>,
    /// Address the server listens on.
    pub listen: String,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// The public origin of the site (`https://id.example.vn`): the WebAuthn relying party and
    /// the only `Origin` accepted on form posts. Its host must be a name, not an IP address.
    pub public_url: String,
    /// Mark cookies `Secure` (browsers accept them on http://localhost too).
    pub secure_cookies: bool,
    /// Show `/demo/outbox`, the messages that would go out by SMS. Never in production.
    pub demo_outbox: bool,
    /// Password hashing cost.
    pub argon2: dinhdanh_accounts::Argon2Settings,
    /// Minutes of inactivity that end a session.
    pub session_idle_minutes: u64,
    /// Hours after which a session ends regardless.
    pub session_hours: u64,
    /// The SMS gateway; without it messages are held in the outbox for the operator.
    pub gateway: Option<GatewayConfig>,
    /// The payment gateway for application fees; without it the server runs the sandbox
    /// gateway, which takes no money.
    pub payment: Option<PaymentConfig>,
    /// Largest number of database connections.
    pub max_connections: u32,
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_seconds: u64,
    /// How the server's own HTTP clients reach HTTPS servers.
    pub http_client: HttpClientConfig,
}

/// Outgoing HTTPS (back-channel logout, relying parties' keys, the SMS gateway, the payment
/// sandbox's notifications, the portal's OpenID client).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpClientConfig {
    /// A PEM file of certificate authorities trusted besides the system's (a private
    /// government CA); every certificate in it is added.
    pub ca_file: Option<PathBuf>,
}

/// The payment gateway's terminal (VNPay 2.1.0 style).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentConfig {
    /// The terminal code the gateway gave (`vnp_TmnCode`).
    pub tmn_code: String,
    /// The hash secret; better given as DINHDANH_PAYMENT_HASH_SECRET than written in the file.
    #[serde(default)]
    pub hash_secret: String,
    /// The gateway's pay page, e.g. https://pay.vnpay.vn/vpcpay.html.
    pub pay_page: String,
}

/// An SMS or e-mail gateway reached over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Where messages are POSTed.
    pub url: String,
    /// The HMAC key, hex; better given as DINHDANH_GATEWAY_KEY than written in the file.
    #[serde(default)]
    pub key_hex: String,
    /// Milliseconds one request may take.
    #[serde(default = "default_gateway_timeout")]
    pub timeout_ms: u64,
    /// Attempts before a message is given up.
    #[serde(default = "default_gateway_attempts")]
    pub max_attempts: u32,
}

fn default_gateway_timeout() -> u64 {
    5_000
}

fn default_gateway_attempts() -> u32 {
    6
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: "127.0.0.1:8080".to_owned(),
            log_format: LogFormat::Text,
            public_url: "http://localhost:8080".to_owned(),
            secure_cookies: true,
            demo_outbox: false,
            argon2: dinhdanh_accounts::Argon2Settings::default(),
            session_idle_minutes: 30,
            session_hours: 12,
            gateway: None,
            payment: None,
            max_connections: 8,
            request_timeout_seconds: 30,
            http_client: HttpClientConfig::default(),
        }
    }
}

impl Config {
    /// Reads the file (if any), then applies environment overrides from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_FILE).exists() => Self::from_file(Path::new(DEFAULT_FILE))?,
            None => Config::default(),
        };
        let var = |name: &str| env(&format!("DINHDANH_{name}")).filter(|v| !v.is_empty());
        if let Some(v) = var("DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = var("LISTEN") {
            config.listen = v;
        }
        if let Some(v) = var("LOG_FORMAT") {
            config.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => bail!("DINHDANH_LOG_FORMAT={other:?}: use \"text\" or \"json\""),
            };
        }
        if let Some(v) = var("PUBLIC_URL") {
            config.public_url = v;
        }
        if let Some(v) = var("DEMO_OUTBOX") {
            config.demo_outbox = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("SECURE_COOKIES") {
            config.secure_cookies = !matches!(v.as_str(), "0" | "false" | "no");
        }
        if let Some(v) = var("GATEWAY_URL") {
            let gateway = config.gateway.get_or_insert(GatewayConfig {
                url: String::new(),
                key_hex: String::new(),
                timeout_ms: default_gateway_timeout(),
                max_attempts: default_gateway_attempts(),
            });
            gateway.url = v;
        }
        if let Some(v) = var("GATEWAY_KEY")
            && let Some(gateway) = config.gateway.as_mut()
        {
            gateway.key_hex = v;
        }
        if let Some(v) = var("PAYMENT_HASH_SECRET")
            && let Some(payment) = config.payment.as_mut()
        {
            payment.hash_secret = v;
        }
        if let Some(v) = var("MAX_CONNECTIONS") {
            config.max_connections = v
                .parse()
                .with_context(|| format!("DINHDANH_MAX_CONNECTIONS={v:?} is not a number"))?;
        }
        if let Some(v) = var("HTTP_CLIENT_CA_FILE") {
            config.http_client.ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("REQUEST_TIMEOUT_SECONDS") {
            config.request_timeout_seconds = v.parse().with_context(|| {
                format!("DINHDANH_REQUEST_TIMEOUT_SECONDS={v:?} is not a number")
            })?;
        }
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("dinhdanh.db").display()))
    }

    /// The payment gateway's terminal, if one is configured.
    pub fn payment_terminal(&self) -> anyhow::Result<Option<dinhdanh_payment::Terminal>> {
        let Some(p) = &self.payment else {
            return Ok(None);
        };
        let terminal = dinhdanh_payment::Terminal::parse(&p.tmn_code, &p.hash_secret, &p.pay_page)
            .context(
                "[payment] (tmn_code, hash_secret or DINHDANH_PAYMENT_HASH_SECRET, pay_page)",
            )?;
        Ok(Some(terminal))
    }

    /// The trust of the server's outgoing HTTPS: the system's roots plus `[http_client] ca_file`.
    pub fn client_tls(&self) -> anyhow::Result<dinhdanh_http::ClientTls> {
        dinhdanh_http::ClientTls::load(self.http_client.ca_file.as_deref())
            .context("[http_client] ca_file (or DINHDANH_HTTP_CLIENT_CA_FILE)")
    }

    /// The accounts capability's settings, checked for form.
    pub fn account_settings(&self) -> anyhow::Result<dinhdanh_accounts::AccountSettings> {
        let public_url = url::Url::parse(&self.public_url)
            .with_context(|| format!("public_url {:?} is not a URL", self.public_url))?;
        if public_url.domain().is_none() {
            bail!(
                "public_url {:?} must name a host (use http://localhost:PORT in development): passkeys refuse IP addresses",
                self.public_url
            );
        }
        let delivery = match &self.gateway {
            None => dinhdanh_accounts::Delivery::Outbox,
            Some(g) => {
                let url = url::Url::parse(&g.url)
                    .with_context(|| format!("gateway.url {:?} is not a URL", g.url))?;
                let key = hex::decode(g.key_hex.trim())
                    .ok()
                    .filter(|k| k.len() >= 32)
                    .context("the gateway key (gateway.key_hex or DINHDANH_GATEWAY_KEY) must be at least 32 bytes of hex")?;
                dinhdanh_accounts::Delivery::Gateway(dinhdanh_accounts::GatewaySettings {
                    url,
                    key,
                    timeout: std::time::Duration::from_millis(g.timeout_ms.max(100)),
                    max_attempts: g.max_attempts.max(1),
                    retry_base: std::time::Duration::from_secs(2),
                })
            }
        };
        Ok(dinhdanh_accounts::AccountSettings {
            argon2: self.argon2,
            public_url,
            session_idle: std::time::Duration::from_secs(self.session_idle_minutes.max(1) * 60),
            session_lifetime: std::time::Duration::from_secs(self.session_hours.max(1) * 3600),
            delivery,
            ..dinhdanh_accounts::AccountSettings::default()
        })
    }

    /// The origin (scheme, host, port) of `public_url`, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        url::Url::parse(&self.public_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| self.public_url.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(Config::load(Some(&missing), env(&[])).is_err());
        let c = Config::default();
        assert_eq!(c.database_url(), "sqlite://data/dinhdanh.db");
        assert_eq!(c.listen, "127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/d\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), env(&[])).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.database_url(), "sqlite:///srv/d/dinhdanh.db");
        assert_eq!(c.log_format, LogFormat::Json);
        let c = Config::load(
            Some(&file),
            env(&[
                ("DINHDANH_LISTEN", "127.0.0.1:1"),
                ("DINHDANH_DATABASE_URL", "postgres://x@h/db"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:1");
        assert_eq!(c.database_url(), "postgres://x@h/db");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let e = format!("{:#}", Config::load(Some(&file), env(&[])).unwrap_err());
        assert!(e.contains("unknown field `lisen`"), "{e}");
        let e = Config::load(None, env(&[("DINHDANH_LOG_FORMAT", "xml")])).unwrap_err();
        assert!(e.to_string().contains("DINHDANH_LOG_FORMAT"), "{e}");
        let ip = Config {
            public_url: "http://127.0.0.1:8080".into(),
            ..Config::default()
        };
        let e = ip.account_settings().unwrap_err().to_string();
        assert!(e.contains("must name a host"), "{e}");
        let gateway = Config {
            gateway: Some(GatewayConfig {
                url: "https://sms.example.vn/send".into(),
                key_hex: "abcd".into(),
                timeout_ms: 1000,
                max_attempts: 3,
            }),
            ..Config::default()
        };
        let e = gateway.account_settings().unwrap_err().to_string();
        assert!(e.contains("at least 32 bytes"), "{e}");
        assert_eq!(Config::default().public_origin(), "http://localhost:8080");
    }

    #[test]
    fn the_ca_file_comes_from_the_file_or_the_environment_and_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(
            &file,
            "[http_client]\nca_file = \"/etc/dinhdanh/gov-ca.pem\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), env(&[])).unwrap();
        assert_eq!(
            c.http_client.ca_file.as_deref(),
            Some(Path::new("/etc/dinhdanh/gov-ca.pem"))
        );
        let e = format!("{:#}", c.client_tls().unwrap_err());
        assert!(e.contains("[http_client] ca_file"), "{e}");
        assert!(e.contains("/etc/dinhdanh/gov-ca.pem does not exist"), "{e}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let c = Config::load(
            Some(&file),
            env(&[("DINHDANH_HTTP_CLIENT_CA_FILE", empty.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(c.http_client.ca_file.as_deref(), Some(empty.as_path()));
        let e = format!("{:#}", c.client_tls().unwrap_err());
        assert!(e.contains("holds no certificate"), "{e}");

        std::fs::write(&file, "[http_client]\nca_flie = \"x\"\n").unwrap();
        let e = format!("{:#}", Config::load(Some(&file), env(&[])).unwrap_err());
        assert!(e.contains("unknown field `ca_flie`"), "{e}");
        assert_eq!(Config::default().client_tls().unwrap().ca_file(), None);
    }
}
