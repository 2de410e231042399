//! Outgoing HTTPS against a real local HTTPS server whose certificate a test CA signed: trusted
//! with the CA file, refused without it, and a clear error for a CA file that cannot be used.

use std::path::Path;

use dinhdanh_http::testing::TestCa;
use dinhdanh_http::{ClientTls, TlsError};

/// An HTTPS server that answers `GET /hello`; returns its URL on `host`.
async fn hello_server(ca: &TestCa, host: &str) -> String {
    let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "xin chào" }));
    let address = ca.serve(app).await;
    format!("https://{host}:{}/hello", address.port())
}

/// The rustls error at the bottom of a failed request, if TLS is what failed. An `io::Error`
/// hides what it wraps from `source()`, so the walk looks inside it.
fn rustls_error(error: &reqwest::Error) -> Option<rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        next = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

#[tokio::test]
async fn a_client_with_the_ca_file_reaches_the_server_by_name_and_by_address() {
    let ca = TestCa::new();
    let tls = ClientTls::with_ca_file(ca.ca_file()).expect("the test CA file loads");
    assert_eq!(tls.ca_file(), Some(ca.ca_file()));
    let client = tls.client_builder().build().expect("a client");
    for host in ["localhost", "127.0.0.1"] {
        let url = hello_server(&ca, host).await;
        let response = client.get(&url).send().await.unwrap_or_else(|e| {
            panic!("{url}: {}", dinhdanh_http::describe(&e));
        });
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        assert_eq!(response.text().await.unwrap(), "xin chào", "{url}");
    }
}

#[tokio::test]
async fn without_the_ca_file_the_certificate_is_refused_as_untrusted() {
    let ca = TestCa::new();
    let url = hello_server(&ca, "localhost").await;
    // The system's roots alone, and a CA file of another authority: neither signed the server.
    let other = TestCa::new();
    for tls in [
        ClientTls::system(),
        ClientTls::with_ca_file(other.ca_file()).unwrap(),
    ] {
        let client = tls.client_builder().build().expect("a client");
        let error = client
            .get(&url)
            .send()
            .await
            .expect_err("an untrusted certificate is refused");
        assert!(error.is_connect(), "{tls:?}: {error:?}");
        assert_eq!(
            rustls_error(&error),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            )),
            "{tls:?}: {error:?}"
        );
        let described = dinhdanh_http::describe(&error);
        assert!(described.contains("UnknownIssuer"), "{described}");
    }
}

#[tokio::test]
async fn the_ca_file_does_not_excuse_a_certificate_for_another_name() {
    let ca = TestCa::new();
    let address = ca.serve(axum::Router::new()).await;
    // `wrong.example` is this server too, but the certificate is not made out to it.
    let client = ClientTls::with_ca_file(ca.ca_file())
        .unwrap()
        .client_builder()
        .resolve("wrong.example", address)
        .build()
        .unwrap();
    let url = format!("https://wrong.example:{}/", address.port());
    let error = client.get(&url).send().await.expect_err("a wrong name");
    assert!(
        matches!(
            rustls_error(&error),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                    | rustls::CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{error:?}"
    );
}

#[test]
fn a_ca_file_that_cannot_be_used_gives_an_error_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let e = ClientTls::with_ca_file(&missing).unwrap_err();
    assert!(
        matches!(&e, TlsError::CaFileMissing { path } if path == &missing),
        "{e:?}"
    );
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert!(e.to_string().contains("missing.pem"), "{e}");

    // A directory cannot be read as a file.
    let e = ClientTls::with_ca_file(dir.path()).unwrap_err();
    assert!(matches!(e, TlsError::CaFileUnreadable { .. }), "{e:?}");
    assert!(e.to_string().contains("cannot be read"), "{e}");

    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    for (name, text) in [
        ("empty.pem", ""),
        ("words.pem", "not a certificate\n"),
        (
            "key.pem",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOf0k4y0n5w1W2mH3WJ+0Zq7y8C0O2xJ7m4dJb2m3S1x\n-----END PRIVATE KEY-----\n",
        ),
    ] {
        let path = write(name, text);
        let e = ClientTls::with_ca_file(&path).unwrap_err();
        assert!(
            matches!(&e, TlsError::NoCertificate { path: p } if p == &path),
            "{name}: {e:?}"
        );
        assert!(e.to_string().contains("holds no certificate"), "{e}");
    }

    let damaged = write(
        "damaged.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64\n-----END CERTIFICATE-----\n",
    );
    let e = ClientTls::with_ca_file(&damaged).unwrap_err();
    assert!(matches!(e, TlsError::Malformed { .. }), "{e:?}");

    let not_der = write(
        "not_der.pem",
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    );
    let e = ClientTls::with_ca_file(&not_der).unwrap_err();
    assert!(
        matches!(e, TlsError::BadCertificate { number: 1, .. }),
        "{e:?}"
    );

    // `load` with no file is the system's roots; with one, the same checks.
    assert!(ClientTls::load(None).unwrap().ca_file().is_none());
    assert!(matches!(
        ClientTls::load(Some(Path::new("/nonexistent/ca.pem"))),
        Err(TlsError::CaFileMissing { .. })
    ));
}

#[test]
fn a_ca_file_may_hold_several_certificates_and_other_blocks() {
    let ours = TestCa::new();
    let other = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.pem");
    let text = format!(
        "# the operator's bundle\n{}{}-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOf0k4y0n5w1W2mH3WJ+0Zq7y8C0O2xJ7m4dJb2m3S1x\n-----END PRIVATE KEY-----\n",
        std::fs::read_to_string(ours.ca_file()).unwrap(),
        std::fs::read_to_string(other.ca_file()).unwrap(),
    );
    std::fs::write(&path, text).unwrap();
    let tls = ClientTls::with_ca_file(&path).unwrap();
    assert_eq!(
        format!("{tls:?}"),
        format!("ClientTls(system roots + 2 from {})", path.display())
    );
    assert_eq!(
        format!("{:?}", ClientTls::system()),
        "ClientTls(system roots)"
    );
}
