//! The `fluxi` commands that manage a server, end to end against the real `fluxi serve`
//! (the binary, on a free loopback port): setup, buckets, a read-only token that can
//! query but not write, token listings without tokens, a deleted token refused, the
//! environment variables, saved configs (a 0600 file; their token only for their host),
//! and the local forms still local.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

struct Served {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fluxi` with none of the user's server settings: no `$FLUXI_*` connection variables,
/// saved configs in `configs` (a file that need not exist).
fn fluxi(configs: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxi"));
    for v in ["FLUXI_HOST", "FLUXI_TOKEN", "FLUXI_ORG", "FLUXI_DATA"] {
        c.env_remove(v);
    }
    c.env("FLUXI_CONFIGS_PATH", configs);
    c
}

fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxi"))
        .args(["serve", "--http-bind-address", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
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
    Served { child, url, dir }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a command; returns (exit code, stdout, stderr).
fn run(mut c: Command, stdin: Option<&str>) -> (i32, String, String) {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    (status.code().unwrap_or(-1), text(&stdout), text(&stderr))
}

/// `fluxi ARGS --host URL --token T --org acme`.
fn remote(s: &Served, configs: &Path, token: &str, args: &[&str]) -> Command {
    let mut c = fluxi(configs);
    c.args(args)
        .args(["--host", &s.url, "--token", token, "--org", "acme"]);
    c
}

fn ok(out: (i32, String, String)) -> String {
    assert_eq!(out.0, 0, "stdout:\n{}\nstderr:\n{}", out.1, out.2);
    out.1
}

/// The value after `KEY\t` on a line of the output.
fn field(stdout: &str, key: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}\t")))
        .unwrap_or_else(|| panic!("no {key} in {stdout}"))
        .to_string()
}

/// The first column of the row whose second column is `name`.
fn id_of(listing: &str, name: &str) -> String {
    listing
        .lines()
        .find_map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells.get(1) == Some(&name)).then(|| cells[0].to_string())
        })
        .unwrap_or_else(|| panic!("no {name} in {listing}"))
}

const QUERY: &str = r#"from(bucket: "a") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: ["_value", "host"])"#;

#[test]
fn a_server_is_managed_end_to_end() {
    let s = serve();
    let configs = s.dir.path().join("configs.json");
    let setup = ok(run(
        {
            let mut c = fluxi(&configs);
            c.args([
                "setup",
                "--host",
                &s.url,
                "-u",
                "ann",
                "-p",
                "password123",
                "-o",
                "acme",
                "-b",
                "metrics",
            ]);
            c
        },
        None,
    ));
    let op = field(&setup, "Token");

    // Buckets: create, list (with their IDs), and a duplicate refused with the server's words.
    ok(run(
        remote(
            &s,
            &configs,
            &op,
            &["bucket", "create", "a", "--retention", "520w"],
        ),
        None,
    ));
    let listing = ok(run(remote(&s, &configs, &op, &["bucket", "list"]), None));
    assert!(listing.starts_with("ID"), "{listing}");
    assert!(
        listing.contains("metrics") && listing.contains("520w"),
        "{listing}"
    );
    let bucket_a = id_of(&listing, "a");
    let (code, _, err) = run(remote(&s, &configs, &op, &["bucket", "create", "a"]), None);
    assert_eq!(code, 1);
    assert!(
        err.contains("bucket with name a already exists (HTTP 422 conflict)"),
        "{err}"
    );

    // Write to it over HTTP, from standard input.
    let lines = "m,host=x v=1 1704067200000000000\nm,host=y v=2 1704067260000000000\n";
    let (code, _, err) = run(
        remote(&s, &configs, &op, &["write", "--bucket", "a", "-"]),
        Some(lines),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 2 lines"), "{err}");
    // A bad line: the server's reason, with its line number in the input.
    let (code, _, err) = run(
        remote(&s, &configs, &op, &["write", "--bucket", "a", "-"]),
        Some("m v=3 1704067200000000000\nm,host=z\n"),
    );
    assert_eq!(code, 1);
    assert!(err.contains("line 2: unable to parse 'm,host=z'"), "{err}");
    assert!(err.contains("HTTP 400 invalid"), "{err}");

    // A token that may read bucket a only.
    let created = ok(run(
        remote(
            &s,
            &configs,
            &op,
            &[
                "auth",
                "create",
                "--description",
                "reader",
                "--read-bucket",
                &bucket_a,
            ],
        ),
        None,
    ));
    let reader = field(&created, "Token");
    let reader_id = field(&created, "ID");
    assert!(reader.len() > 20, "{created}");
    assert!(
        field(&created, "Permissions").contains("read:orgs/"),
        "{created}"
    );

    // It can query bucket a: printed as `fluxi run` prints, or raw.
    let table = ok(run(remote(&s, &configs, &reader, &["query", QUERY]), None));
    assert!(table.contains("Result: _result"), "{table}");
    assert!(
        table.contains("host:string") && table.contains("_value:float"),
        "{table}"
    );
    let values: Vec<&str> = table
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells.len() == 2 && (cells[0] == "x" || cells[0] == "y")).then_some(cells[1])
        })
        .collect();
    assert_eq!(values, ["1", "2"], "{table}");
    let raw = ok(run(
        remote(&s, &configs, &reader, &["query", "--raw", QUERY]),
        None,
    ));
    assert!(raw.starts_with("#datatype,string,long"), "{raw}");
    assert!(raw.contains(",,0,1,x\r\n"), "{raw:?}");
    let csv = ok(run(
        remote(&s, &configs, &reader, &["query", "--format", "csv", "-"]),
        Some(QUERY),
    ));
    assert_eq!(csv, raw, "the decoded tables encode to the server's bytes");
    // ... but not write to it.
    let (code, _, err) = run(
        remote(&s, &configs, &reader, &["write", "--bucket", "a", "-"]),
        Some(lines),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("insufficient permissions for write (HTTP 403 forbidden)"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    // A compile error comes back as the server says it.
    let (code, _, err) = run(
        remote(&s, &configs, &reader, &["query", "from(bucket: "]),
        None,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("compilation failed") && err.contains("HTTP 400"),
        "{err}"
    );

    // A query failing after its first result: that result is printed, then the error.
    let failing = "import \"array\"\n\
        array.from(rows: [{a: 1}]) |> yield(name: \"first\")\n\
        array.from(rows: [{a: 1}, {a: 0}]) |> map(fn: (r) => ({r with b: 10 / r.a})) |> yield(name: \"second\")";
    let (code, out, err) = run(remote(&s, &configs, &op, &["query", failing]), None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("Result: first") && !out.contains("second"),
        "{out}"
    );
    assert!(
        err.contains("the query failed on the server") && err.contains("cannot divide by zero"),
        "{err}"
    );

    // Listings never show tokens.
    let auths = ok(run(remote(&s, &configs, &op, &["auth", "list"]), None));
    assert!(
        auths.contains("reader") && auths.contains(&reader_id),
        "{auths}"
    );
    assert!(auths.contains("read:orgs/"), "{auths}");
    assert!(!auths.contains(&reader) && !auths.contains(&op), "{auths}");
    let made = ok(run(
        remote(
            &s,
            &configs,
            &op,
            &["org", "create", "--name", "beta", "--description", "second"],
        ),
        None,
    ));
    assert!(made.contains("beta"), "{made}");
    let (code, _, err) = run(
        remote(&s, &configs, &op, &["org", "create", "--name", "beta"]),
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already exists"), "{err}");
    let orgs = ok(run(remote(&s, &configs, &op, &["org", "list"]), None));
    assert!(orgs.lines().any(|l| l.ends_with(" acme")), "{orgs}");
    assert!(orgs.lines().any(|l| l.ends_with(" beta")), "{orgs}");

    // Disabled, then deleted: refused.
    ok(run(
        remote(&s, &configs, &op, &["auth", "inactive", "--id", &reader_id]),
        None,
    ));
    let (code, _, err) = run(remote(&s, &configs, &reader, &["query", QUERY]), None);
    assert_eq!(code, 1, "{err}");
    ok(run(
        remote(&s, &configs, &op, &["auth", "active", "--id", &reader_id]),
        None,
    ));
    ok(run(remote(&s, &configs, &reader, &["query", QUERY]), None));
    ok(run(
        remote(&s, &configs, &op, &["auth", "delete", "--id", &reader_id]),
        None,
    ));
    let (code, _, err) = run(remote(&s, &configs, &reader, &["query", QUERY]), None);
    assert_eq!(code, 1);
    assert!(
        err.contains("unauthorized access (HTTP 401 unauthorized)"),
        "{err}"
    );
    assert!(err.contains("hint: check the token"), "{err}");

    // The same from the environment.
    let mut c = fluxi(&configs);
    c.args(["bucket", "list"])
        .env("FLUXI_HOST", &s.url)
        .env("FLUXI_TOKEN", &op)
        .env("FLUXI_ORG", "acme");
    let listing = ok(run(c, None));
    assert!(listing.contains(&bucket_a), "{listing}");
    let mut c = fluxi(&configs);
    c.args(["bucket", "delete", "a"])
        .env("FLUXI_HOST", &s.url)
        .env("FLUXI_TOKEN", &op)
        .env("FLUXI_ORG", "acme");
    ok(run(c, None));
    let listing = ok(run(remote(&s, &configs, &op, &["bucket", "list"]), None));
    assert!(!listing.contains(&bucket_a), "{listing}");

    // No server at all: the remote-only commands say how to name one.
    let (code, _, err) = run(
        {
            let mut c = fluxi(&configs);
            c.args(["query", QUERY]);
            c
        },
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--host"), "{err}");
}

#[test]
fn saved_configs_are_private_and_their_token_stays_with_their_host() {
    let s = serve();
    let configs = s.dir.path().join("cfg").join("configs.json");
    let setup = ok(run(
        {
            let mut c = fluxi(&configs);
            c.args([
                "setup",
                "--host",
                &s.url,
                "-u",
                "ann",
                "-p",
                "password123",
                "-o",
                "acme",
                "-b",
                "metrics",
            ]);
            c
        },
        None,
    ));
    let op = field(&setup, "Token");
    let mut c = fluxi(&configs);
    c.args([
        "config",
        "create",
        "--name",
        "here",
        "--host-url",
        &s.url,
        "--token",
        &op,
        "--org",
        "acme",
        "--active",
    ]);
    ok(run(c, None));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&configs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        let dir_mode = std::fs::metadata(configs.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700, "{dir_mode:o}");
    }
    let mut c = fluxi(&configs);
    c.args([
        "config",
        "create",
        "--name",
        "other",
        "--host-url",
        "http://127.0.0.1:1",
        "--token",
        "other-secret",
        "--org",
        "x",
    ]);
    ok(run(c, None));
    let mut c = fluxi(&configs);
    c.args(["config", "list"]);
    let list = ok(run(c, None));
    assert!(
        list.contains("here") && list.contains(&s.url) && list.contains("other"),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with('*') && l.contains("here")),
        "{list}"
    );
    assert!(
        !list.contains(&op) && !list.contains("other-secret"),
        "{list}"
    );
    // A name taken is refused.
    let mut c = fluxi(&configs);
    c.args(["config", "create", "-n", "here", "-u", &s.url, "-t", "x"]);
    assert_eq!(run(c, None).0, 1);

    // Without flags, commands go to the active config's server.
    let mut c = fluxi(&configs);
    c.args(["bucket", "list"]);
    let listing = ok(run(c, None));
    assert!(
        listing.contains("metrics") && listing.starts_with("ID"),
        "{listing}"
    );
    let mut c = fluxi(&configs);
    c.args(["query", r#"buckets() |> keep(columns: ["name"])"#]);
    assert!(ok(run(c, None)).contains("metrics"));
    // Another host given: the config's token is not sent there.
    let mut c = fluxi(&configs);
    c.args(["bucket", "list", "--host", "http://127.0.0.1:9"]);
    let (code, _, err) = run(c, None);
    assert_eq!(code, 2);
    assert!(err.contains("no token"), "{err}");
    // --data is the local store, whatever is configured.
    let local = s.dir.path().join("local");
    let mut c = fluxi(&configs);
    c.args(["bucket", "create", "here-only"])
        .arg("--data")
        .arg(&local);
    ok(run(c, None));
    let mut c = fluxi(&configs);
    c.args(["bucket", "list", "--data"]).arg(&local);
    let listing = ok(run(c, None));
    assert!(
        listing.starts_with("name") && listing.contains("here-only"),
        "{listing}"
    );
    // Switch the active config; delete one.
    let mut c = fluxi(&configs);
    c.args(["config", "activate", "other"]);
    ok(run(c, None));
    let mut c = fluxi(&configs);
    c.args(["org", "list"]);
    let (code, _, err) = run(c, None);
    assert_eq!(code, 1);
    assert!(err.contains("cannot reach http://127.0.0.1:1"), "{err}");
    let mut c = fluxi(&configs);
    c.args(["org", "list", "-c", "here"]);
    assert!(ok(run(c, None)).contains("acme"));
    let mut c = fluxi(&configs);
    c.args(["config", "delete", "other"]);
    ok(run(c, None));
    let mut c = fluxi(&configs);
    c.args(["config", "list"]);
    let list = ok(run(c, None));
    assert!(!list.contains("other"), "{list}");
}

/// Tokens are URL-safe base64, so one in 32 starts with `-`: `--token -J...` is a token,
/// not an unknown flag (this failed a test run once).
#[test]
fn a_token_starting_with_a_hyphen_is_taken_as_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let configs = dir.path().join("configs.json");
    let mut c = fluxi(&configs);
    c.args([
        "bucket",
        "list",
        "--host",
        "http://127.0.0.1:9",
        "--token",
        "-Jx2-token",
    ]);
    let (code, _, err) = run(c, None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot reach http://127.0.0.1:9"), "{err}");
    let mut c = fluxi(&configs);
    c.args([
        "config",
        "create",
        "--name",
        "n",
        "--host-url",
        "http://127.0.0.1:9",
        "--token",
        "-Jx2-token",
    ]);
    let (code, _, err) = run(c, None);
    assert_eq!(code, 0, "{err}");
}
