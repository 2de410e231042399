//! Outgoing HTTPS: how every HTTP client on the server side (back-channel logout and client keys
//! in the OpenID provider, the SMS gateway, the sandbox payment gateway, the portal's OpenID
//! client) trusts the servers it calls.
//!
//! One place makes the TLS configuration: rustls on the aws-lc-rs provider, trusting the system's
//! root certificates plus, when the operator names one, a PEM file of extra certificate
//! authorities (a private government CA, or a test CA). [`ClientTls::client_builder`] hands out a
//! `reqwest` client builder that uses it, with connect and request timeouts a caller may tighten.
//!
//! `reqwest` is built with rustls but without a provider of its own, so that `ring` is never
//! compiled in. A client built with plain `reqwest::Client::new()` therefore needs a process-wide
//! default provider: this crate installs aws-lc-rs as that default the first time it makes a
//! configuration, and [`install_default_provider`] does it on demand.
#![forbid(unsafe_code)]

#[cfg(feature = "testing")]
pub mod testing;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How long a client waits for a TCP connection and TLS handshake, unless its caller says less.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take, unless its caller says less.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the extra certificate authorities cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The configured CA file does not exist.
    #[error("the CA file {} does not exist", path.display())]
    CaFileMissing {
        /// The path as configured.
        path: PathBuf,
    },
    /// The configured CA file exists but cannot be read.
    #[error("the CA file {} cannot be read: {source}", path.display())]
    CaFileUnreadable {
        /// The path as configured.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file holds no `-----BEGIN CERTIFICATE-----` block.
    #[error(
        "the CA file {} holds no certificate: it must contain PEM blocks that begin with -----BEGIN CERTIFICATE-----",
        path.display()
    )]
    NoCertificate {
        /// The path as configured.
        path: PathBuf,
    },
    /// A certificate block is damaged (bad base64, a missing end line).
    #[error("the CA file {} is not valid PEM: {reason}", path.display())]
    Malformed {
        /// The path as configured.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A certificate block decodes but is not a certificate rustls can trust.
    #[error("certificate {number} in the CA file {} cannot be used as a trust root: {reason}", path.display())]
    BadCertificate {
        /// The path as configured.
        path: PathBuf,
        /// Its position in the file, from 1.
        number: usize,
        /// What rustls said.
        reason: String,
    },
}

/// The trust of outgoing HTTPS: the system's roots, plus the operator's CA file if one is set.
/// Cheap to clone; the default is the system's roots alone, loaded once per process on first use.
#[derive(Clone, Default)]
pub struct ClientTls {
    /// `None`: the system's roots alone.
    extra: Option<Arc<Extra>>,
}

/// The configuration with the operator's authorities added, and where they came from.
struct Extra {
    config: Arc<rustls::ClientConfig>,
    ca_file: PathBuf,
    added: usize,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.extra {
            None => f.write_str("ClientTls(system roots)"),
            Some(extra) => write!(
                f,
                "ClientTls(system roots + {} from {})",
                extra.added,
                extra.ca_file.display()
            ),
        }
    }
}

impl ClientTls {
    /// The system's root certificates alone.
    pub fn system() -> ClientTls {
        ClientTls::default()
    }

    /// The system's roots, plus every certificate in `ca_file` when it is given.
    pub fn load(ca_file: Option<&Path>) -> Result<ClientTls, TlsError> {
        match ca_file {
            None => Ok(ClientTls::system()),
            Some(path) => ClientTls::with_ca_file(path),
        }
    }

    /// The system's roots plus every certificate in the PEM file `path` (other PEM blocks, such
    /// as a key, are ignored). The file must hold at least one certificate.
    pub fn with_ca_file(path: &Path) -> Result<ClientTls, TlsError> {
        let extra = read_ca_file(path)?;
        let mut roots = system_roots().clone();
        for (i, cert) in extra.iter().enumerate() {
            roots
                .add(cert.clone())
                .map_err(|e| TlsError::BadCertificate {
                    path: path.to_owned(),
                    number: i + 1,
                    reason: e.to_string(),
                })?;
        }
        tracing::info!(ca_file = %path.display(), certificates = extra.len(), "outgoing HTTPS trusts extra certificate authorities");
        Ok(ClientTls {
            extra: Some(Arc::new(Extra {
                config: Arc::new(config_with(roots)),
                ca_file: path.to_owned(),
                added: extra.len(),
            })),
        })
    }

    /// The CA file in force, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.extra.as_deref().map(|e| e.ca_file.as_path())
    }

    /// The rustls client configuration (aws-lc-rs, these roots, no client certificate).
    pub fn rustls_config(&self) -> rustls::ClientConfig {
        match &self.extra {
            Some(extra) => (*extra.config).clone(),
            None => system_config().clone(),
        }
    }

    /// A `reqwest` client builder that uses this trust, with [`CONNECT_TIMEOUT`] and
    /// [`REQUEST_TIMEOUT`]; callers add their own timeouts, redirect policy and the rest.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .use_preconfigured_tls(self.rustls_config())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
    }
}

/// Makes aws-lc-rs the process's default rustls provider, for clients built without
/// [`ClientTls`] (a test's plain `reqwest::Client::new()`, a benchmark). Harmless to repeat; a
/// default installed earlier stays.
pub fn install_default_provider() {
    provider();
}

/// What went wrong with a request, with every cause: `reqwest`'s own message says only "error
/// sending request", while the cause ("invalid peer certificate: UnknownIssuer") is what an
/// operator needs in the log.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The aws-lc-rs provider, installed as the process default on first use.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let provider = rustls::crypto::aws_lc_rs::default_provider();
            // Loses quietly to a default someone installed before.
            let _ = provider.clone().install_default();
            Arc::new(provider)
        })
        .clone()
}

/// A client configuration over `roots`.
fn config_with(roots: RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// The configuration over the system's roots alone, made once per process.
fn system_config() -> &'static rustls::ClientConfig {
    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    CONFIG.get_or_init(|| config_with(system_roots().clone()))
}

/// The system's root certificates, read once per process. A system without any (a bare
/// container) is logged, not refused: a platform that calls no HTTPS URL still runs, and the
/// operator's CA file can supply the roots.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(%error, "a system root certificate could not be read");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        if ignored > 0 {
            tracing::warn!(ignored, "system root certificates rustls cannot use were skipped");
        }
        if added == 0 {
            tracing::warn!(
                "no system root certificates were found: outgoing HTTPS trusts only the configured CA file"
            );
        }
        roots
    })
}

/// Every certificate in a PEM file, in order.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => TlsError::CaFileMissing {
            path: path.to_owned(),
        },
        _ => TlsError::CaFileUnreadable {
            path: path.to_owned(),
            source,
        },
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Malformed {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}
