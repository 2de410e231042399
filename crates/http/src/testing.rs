//! For tests: a certificate authority made at test time, its certificate in a PEM file (what an
//! operator would configure as the CA file), and HTTPS servers on 127.0.0.1 whose certificate it
//! signs for `localhost` and `127.0.0.1`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A throw-away certificate authority; its files go when it is dropped.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    certificate: CertificateDer<'static>,
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// A new authority, its certificate written to [`TestCa::ca_file`].
    pub fn new() -> TestCa {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        // Each authority its own name, so that another test CA is simply unknown.
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!(
            "dinhdanh test CA {}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let certificate = params.self_signed(&key).expect("a self-signed CA");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, certificate.pem()).expect("write the CA file");
        TestCa {
            issuer: Issuer::new(params, key),
            certificate: certificate.der().clone(),
            ca_file,
            _dir: dir,
        }
    }

    /// The authority's certificate as PEM, in a file.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The authority's certificate (DER).
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// A server configuration whose certificate, for `localhost` and `127.0.0.1`, this authority
    /// signed.
    pub fn server_config(&self) -> rustls::ServerConfig {
        let key = KeyPair::generate().expect("a server key");
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        let chain = vec![leaf.der().clone(), self.certificate.clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the certificate and its key agree")
    }

    /// Serves `app` over HTTPS on a free port of 127.0.0.1 until the runtime ends; returns the
    /// address.
    pub async fn serve(&self, app: axum::Router) -> SocketAddr {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free local port");
        let address = tcp.local_addr().expect("the local address");
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(self.server_config())),
        };
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

/// Accepts TCP connections and completes the TLS handshake before axum sees them. A client that
/// refuses the certificate only ends its own connection.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.tcp.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let handshake = self.acceptor.accept(stream);
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(5), handshake).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
