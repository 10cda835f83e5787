//! HTTPS: a server given a certificate and key answers over TLS (checked with a rustls
//! client that trusts only that certificate), refuses plain HTTP, and unusable files
//! stop it from starting with an error naming them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::{Read, Write};
use std::sync::Arc;

/// A self-signed certificate for 127.0.0.1 and localhost, as PEM files in `dir`.
fn certificate(dir: &std::path::Path) -> (String, fluxi_server::TlsFiles) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let pem = cert.cert.pem();
    let files = fluxi_server::TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, &pem).unwrap();
    std::fs::write(&files.key, cert.key_pair.serialize_pem()).unwrap();
    (pem, files)
}

fn serve_tls(files: fluxi_server::TlsFiles) -> (fluxi_server::Server, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut config = fluxi_server::Config::new(data.path().to_path_buf());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.tls = Some(files);
    (fluxi_server::start(config).unwrap(), data)
}

#[test]
fn https_answers_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, files) = certificate(dir.path());
    let (server, _data) = serve_tls(files);

    let mut roots = rustls::RootCertStore::empty();
    use rustls_pki_types::pem::PemObject;
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
    let tcp = std::net::TcpStream::connect(server.addr()).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // The server may close without close_notify; what was read counts.
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"pass\""), "{answer}");

    // Plain HTTP on the HTTPS port gets no HTTP answer.
    let plain = fluxi_client::request(
        &format!("http://{}", server.addr()),
        "GET",
        "/health",
        &[],
        b"",
    );
    assert!(
        plain.is_err() || plain.as_ref().unwrap().status != 200,
        "{plain:?}"
    );
    server.stop().unwrap();
}

#[test]
fn unusable_certificate_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, files) = certificate(dir.path());
    let data = tempfile::tempdir().unwrap();
    let start = |tls: fluxi_server::TlsFiles| {
        let mut config = fluxi_server::Config::new(data.path().to_path_buf());
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.tls = Some(tls);
        fluxi_server::start(config).err().map(|e| e.to_string())
    };
    let missing = start(fluxi_server::TlsFiles {
        cert: dir.path().join("nope.pem"),
        key: files.key.clone(),
    })
    .unwrap();
    assert!(missing.contains("nope.pem"), "{missing}");
    // A key given as the certificate: no certificate in it.
    let swapped = start(fluxi_server::TlsFiles {
        cert: files.key.clone(),
        key: files.key.clone(),
    })
    .unwrap();
    assert!(
        swapped.contains("key.pem") && swapped.contains("no PEM certificate"),
        "{swapped}"
    );
    // A certificate given as the key.
    let no_key = start(fluxi_server::TlsFiles {
        cert: files.cert.clone(),
        key: files.cert.clone(),
    })
    .unwrap();
    assert!(
        no_key.contains("cert.pem") && no_key.contains("private key"),
        "{no_key}"
    );
}
