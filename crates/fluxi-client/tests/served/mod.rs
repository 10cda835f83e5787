//! A real `fluxi serve` started in the test's process on a free loopback port and
//! onboarded (user `ann`, org `acme`), stopped when dropped.

use fluxi_client::Api;

pub struct Served {
    server: Option<fluxi_server::Server>,
    pub url: String,
    pub token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = s.stop();
        }
    }
}

/// A server whose configuration `adjust` may change, onboarded with bucket `bucket`.
pub fn serve_with(bucket: &str, adjust: impl FnOnce(&mut fluxi_server::Config)) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let mut config = fluxi_server::Config::new(dir.path().to_path_buf());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.memory_limit = Some(256 << 20);
    adjust(&mut config);
    let server = fluxi_server::start(config).unwrap();
    let url = format!("http://{}", server.addr());
    let done = Api::new(&url, None)
        .unwrap()
        .setup(&fluxi_client::Setup {
            username: "ann",
            password: "password123",
            org: "acme",
            bucket,
            retention_seconds: None,
            token: None,
        })
        .unwrap();
    Served {
        server: Some(server),
        url,
        token: done.token,
        _dir: dir,
    }
}
