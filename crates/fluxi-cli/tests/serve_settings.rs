//! `fluxi serve`'s settings as a user gives them: a config file (flags and variables win
//! over it; an unknown key stops the server with its name), the monitoring switch, and
//! HTTPS checked with the real Python client (`tests/clients/python_tls.py`, which
//! `scripts/test.sh` provides the client for through `FLUXI_TEST_PYTHON`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fluxi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fluxi"))
}

/// Start `fluxi serve ARGS` (environment cleared of FLUXI_ settings) and wait at most
/// 60 s for its address.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = fluxi();
    cmd.arg("serve").args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLUXI_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("fluxi serve printed its address");
    Served { child, url }
}

fn call(url: &str, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
    let auth = token.map(|t| format!("Token {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    let a = fluxi_client::request(url, method, path, &headers, body).unwrap();
    (a.status, a.text())
}

fn onboard(url: &str) -> String {
    let (status, body) = call(
        url,
        "POST",
        "/api/v2/setup",
        None,
        br#"{"username":"ann","password":"password123","org":"o","bucket":"b"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    j["auth"]["token"].as_str().unwrap().to_string()
}

#[test]
fn a_config_file_sets_what_flags_and_variables_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fluxi.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &config,
        format!(
            "# fluxi serve settings\ndata = {:?}\nhttp-bind-address = \"127.0.0.1:0\"\nmax-body-size = \"1KiB\"\nmonitoring = false\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let big = b"m v=1\n".repeat(400); // 2,400 bytes
    let middling = b"m v=1\n".repeat(250); // 1,500 bytes
    let write = |url: &str, token: &str, body: &[u8]| {
        call(
            url,
            "POST",
            "/api/v2/write?org=o&bucket=b",
            Some(token),
            body,
        )
        .0
    };
    let token = {
        let s = serve(&["--config", config.to_str().unwrap()], &[]);
        let token = onboard(&s.url);
        // The file's body limit holds, and its data directory is used.
        assert_eq!(write(&s.url, &token, &middling), 413);
        assert!(data.join("server.json").exists());
        // Monitoring is off: no `_monitoring` bucket.
        let (_, list) = call(&s.url, "GET", "/api/v2/buckets", Some(&token), b"");
        assert!(!list.contains("_monitoring"), "{list}");
        token
    };
    {
        // A variable wins over the file.
        let s = serve(
            &["--config", config.to_str().unwrap()],
            &[
                ("FLUXI_MAX_BODY_SIZE", "2KiB"),
                ("FLUXI_MONITORING", "true"),
            ],
        );
        assert_eq!(write(&s.url, &token, &middling), 204);
        assert_eq!(write(&s.url, &token, &big), 413);
        let (_, metrics) = call(&s.url, "GET", "/metrics", None, b"");
        assert!(
            metrics.contains("fluxi_monitoring_points_total"),
            "{metrics}"
        );
    }
    {
        // A flag wins over both.
        let s = serve(
            &[
                "--config",
                config.to_str().unwrap(),
                "--max-body-size",
                "1MiB",
            ],
            &[("FLUXI_MAX_BODY_SIZE", "2KiB")],
        );
        assert_eq!(write(&s.url, &token, &big), 204);
    }
}

#[test]
fn bad_config_files_stop_the_server_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 6] = [
        (
            "allow-egress = [\"hooks.example.com\", 7]\n",
            "allow-egress must be a list of strings",
        ),
        (
            "allow-egress = [\"ftp://files.example.com/\"]\n",
            "--allow-egress \"ftp://files.example.com/\"",
        ),
        (
            "http-bind-adress = \"127.0.0.1:0\"\n",
            "unknown setting \"http-bind-adress\"",
        ),
        (
            "monitoring = [1]\n",
            "monitoring must be a string, a number or true/false",
        ),
        ("data = \n", "not valid TOML"),
        (
            "monitoring = \"maybe\"\n",
            "--monitoring takes true or false",
        ),
    ];
    for (text, wanted) in cases {
        let config = dir.path().join("bad.toml");
        std::fs::write(&config, text).unwrap();
        let out = fluxi()
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--data"])
            .arg(dir.path().join("d"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(wanted), "{text}: {stderr}");
    }
    let out = fluxi()
        .args(["serve", "--config"])
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    let out = fluxi()
        .args(["serve", "--tls-cert", "c.pem", "--data"])
        .arg(dir.path().join("d"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert needs --tls-key"));
}

#[test]
fn the_python_client_works_over_https() {
    let python = match std::env::var_os("FLUXI_TEST_PYTHON") {
        Some(p) if !p.is_empty() => p,
        _ => panic!(
            "$FLUXI_TEST_PYTHON is not set: run scripts/test.sh (it installs the Python client)"
        ),
    };
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.key_pair.serialize_pem()).unwrap();
    let s = serve(
        &[
            "--http-bind-address",
            "127.0.0.1:0",
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
            "--data",
            dir.path().join("data").to_str().unwrap(),
        ],
        &[],
    );
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python_tls.py");
    let started = Instant::now();
    let mut child = Command::new(python)
        .arg(script)
        .env("FLUXI_URL", &s.url)
        .env("FLUXI_CA", &cert_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("4 checks passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_fluxi_cli_talks_to_an_https_server_that_it_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.key_pair.serialize_pem()).unwrap();
    let s = serve(
        &[
            "--http-bind-address",
            "127.0.0.1:0",
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
            "--data",
            dir.path().join("data").to_str().unwrap(),
        ],
        &[],
    );
    let configs = dir.path().join("configs.json");
    let cli = |args: &[&str], ca: Option<&Path>| {
        let mut c = fluxi();
        for (k, _) in std::env::vars() {
            if k.starts_with("FLUXI_") {
                c.env_remove(k);
            }
        }
        c.env("FLUXI_CONFIGS_PATH", &configs).args(args);
        if let Some(ca) = ca {
            c.env("FLUXI_CA_CERT", ca);
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // Not trusted: refused, saying why.
    let setup = [
        "setup",
        "--host",
        &s.url,
        "-u",
        "ann",
        "-p",
        "password123",
        "-o",
        "o",
        "-b",
        "b",
        "--token",
        "the-operator-token",
    ];
    let (code, _, err) = cli(&setup, None);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // Trusted through $FLUXI_CA_CERT, then --ca-cert.
    let (code, out, err) = cli(&setup, Some(&cert_file));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = cli(
        &[
            "bucket",
            "list",
            "--host",
            &s.url,
            "--token",
            "the-operator-token",
            "--ca-cert",
            cert_file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains('b'), "{out}");
    let (code, _, err) = cli(
        &[
            "bucket",
            "list",
            "--host",
            &s.url,
            "--token",
            "the-operator-token",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn the_metrics_api_settings_come_from_the_config_file_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fluxi.toml");
    std::fs::write(
        &config,
        "http-bind-address = \"127.0.0.1:0\"\nmetrics-bucket = \"appmetrics\"\nmetrics-batch-per-minute = 1\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let s = serve(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--metrics-write-per-minute",
            "2",
        ],
        &[],
    );
    let token = onboard(&s.url);
    let one = br#"{"name": "api.hits", "type": "counter", "value": 1}"#;
    for _ in 0..2 {
        let (status, body) = call(&s.url, "POST", "/api/v1/metrics", Some(&token), one);
        assert_eq!(status, 201, "{body}");
    }
    // The third single write within the minute, and the second batch, are refused.
    let (status, body) = call(&s.url, "POST", "/api/v1/metrics", Some(&token), one);
    assert_eq!(status, 429, "{body}");
    let batch = br#"{"metrics": [{"name": "api.hits", "type": "counter", "value": 1}]}"#;
    let (status, body) = call(&s.url, "POST", "/api/v1/metrics/batch", Some(&token), batch);
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&s.url, "POST", "/api/v1/metrics/batch", Some(&token), batch);
    assert_eq!(status, 429, "{body}");
    // The metrics went to the configured bucket.
    let (status, body) = call(
        &s.url,
        "GET",
        "/api/v2/buckets?name=appmetrics",
        Some(&token),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"name\":\"appmetrics\""), "{body}");
    // A bad count stops the server before it starts.
    let out = fluxi()
        .args(["serve", "--metrics-query-per-minute", "0", "--data"])
        .arg(dir.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--metrics-query-per-minute needs a count of at least 1"));
}
