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
    /// SHA-256 (hex) of the operator token; without it the registry API is closed.
    pub operator_token_sha256: Option<String>,
    /// Largest number of database connections.
    pub max_connections: u32,
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_seconds: u64,
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
            operator_token_sha256: None,
            max_connections: 8,
            request_timeout_seconds: 30,
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
        if let Some(v) = var("OPERATOR_TOKEN_SHA256") {
            config.operator_token_sha256 = Some(v);
        }
        if let Some(v) = var("MAX_CONNECTIONS") {
            config.max_connections = v
                .parse()
                .with_context(|| format!("DINHDANH_MAX_CONNECTIONS={v:?} is not a number"))?;
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

    /// The operator token hash as bytes, checked for form.
    pub fn operator_token_hash(&self) -> anyhow::Result<Option<[u8; 32]>> {
        let Some(hex_text) = &self.operator_token_sha256 else {
            return Ok(None);
        };
        let bytes = hex::decode(hex_text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .with_context(
                || "operator_token_sha256 must be 64 hex characters (see `dinhdanh token new`)",
            )?;
        Ok(Some(bytes))
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
        let c = Config {
            operator_token_sha256: Some("abc".into()),
            ..Config::default()
        };
        assert!(c.operator_token_hash().is_err());
    }
}
