//! A `fluxi serve` process on 127.0.0.1 (port 0) over a data directory, its output kept,
//! and onboarding it.

use super::http::Connection;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `fluxi serve`; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

/// Keeps each line of `from` in `log` (prefixed with `what`); the first `listening on`
/// address goes to `tx`.
fn keep_lines(
    from: impl Read + Send + 'static,
    what: &'static str,
    log: Arc<Mutex<Vec<String>>>,
    tx: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if let (Some(tx), Some(rest)) = (&tx, line.split("listening on ").nth(1)) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
            if let Ok(mut l) = log.lock() {
                l.push(format!("{what}: {line}"));
            }
        }
    })
}

impl ServerProcess {
    /// Starts `fluxi serve` (the binary `bin`) on 127.0.0.1 port 0 over `data`, and waits
    /// until it says where it listens.
    pub fn start(bin: &Path, data: &Path) -> Result<ServerProcess, String> {
        ServerProcess::start_with(bin, data, &[])
    }

    /// As [`ServerProcess::start`], with more flags for `fluxi serve`.
    pub fn start_with(bin: &Path, data: &Path, flags: &[&str]) -> Result<ServerProcess, String> {
        let mut child = Command::new(bin)
            .args(["serve", "--http-bind-address", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(flags)
            .env_remove("FLUXI_MEMORY_LIMIT")
            .env_remove("FLUXI_MAX_BODY_SIZE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(keep_lines(out, "stdout", Arc::clone(&log), Some(tx)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(keep_lines(err, "stderr", Arc::clone(&log), None));
        }
        let mut server = ServerProcess {
            child,
            url: String::new(),
            log,
            readers,
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) if url.starts_with("http://127.0.0.1:") => {
                server.url = url;
                Ok(server)
            }
            other => {
                let _ = server.kill();
                Err(format!(
                    "fluxi serve did not say where it listens ({other:?}); its output:\n{}",
                    server.output()
                ))
            }
        }
    }

    /// What the server printed so far, line by line (`stdout: ...`, `stderr: ...`).
    pub fn output(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (on Unix), then waits for the process and for the rest of its output.
    pub fn kill(&mut self) -> std::io::Result<std::process::ExitStatus> {
        let _ = self.child.kill();
        let status = self.child.wait()?;
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Ok(status)
    }

    /// Waits for the process to end by itself (after a SIGTERM sent elsewhere), at most
    /// `limit`; `None` when it is still running.
    pub fn wait_for_exit(
        &mut self,
        limit: Duration,
    ) -> std::io::Result<Option<std::process::ExitStatus>> {
        let started = std::time::Instant::now();
        loop {
            if let Some(s) = self.child.try_wait()? {
                for r in self.readers.drain(..) {
                    let _ = r.join();
                }
                return Ok(Some(s));
            }
            if started.elapsed() > limit {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// What onboarding made.
#[derive(Debug, Clone)]
pub struct Onboarded {
    pub token: String,
    pub org: String,
    pub bucket: String,
}

/// `POST /api/v2/setup`: user `load`, org `acme`, the bucket `bucket` (kept forever).
pub fn onboard(url: &str, bucket: &str) -> Result<Onboarded, String> {
    let mut c = Connection::new(url).map_err(|e| e.to_string())?;
    let body = serde_json::json!({
        "username": "load",
        "password": "password123",
        "org": "acme",
        "bucket": bucket,
    });
    let a = c
        .request(
            "POST",
            "/api/v2/setup",
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    if a.status != 201 {
        return Err(format!("setup answered {}: {}", a.status, a.text()));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&a.body).map_err(|e| format!("setup's answer: {e}"))?;
    let token = json["auth"]["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("setup's answer has no token: {json}"))?;
    Ok(Onboarded {
        token: token.to_string(),
        org: "acme".into(),
        bucket: bucket.to_string(),
    })
}
