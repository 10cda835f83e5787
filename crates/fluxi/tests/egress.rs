#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Requests from Flux (`http`, `http/requests`, `slack`, `pagerduty`) against a receiver
//! on 127.0.0.1 started by each test: what the receiver gets when the destination is
//! allowed (request line, headers, body, byte for byte), and the refusals when it is not
//! — egress off, another host allowed, a name resolving to loopback — with the receiver
//! never contacted. Secrets used in a request never show in the error or the log. No
//! traffic leaves 127.0.0.1.

use fluxi::{Engine, Error, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the receiver read it.
#[derive(Debug)]
struct Got {
    /// `POST /path?q HTTP/1.1`.
    line: String,
    /// Header names in lower case, values as sent.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A receiver on 127.0.0.1 answering each of `answers` (raw HTTP) to one connection in
/// turn; the requests come out of the channel.
fn receiver(answers: Vec<Vec<u8>>) -> (u16, Receiver<Got>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            conn.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let got = read_request(&mut conn);
            let _ = conn.write_all(&answer);
            let _ = conn.flush();
            drop(conn);
            if tx.send(got).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

fn read_request(conn: &mut impl Read) -> Got {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert!(buf.len() < 65536, "head too long");
        if conn.read(&mut byte).unwrap() == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap().to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    Got {
        line,
        headers,
        body,
    }
}

fn answer(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn next(rx: &Receiver<Got>) -> Got {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the receiver got a request")
}

fn allowing(dest: &str) -> Engine {
    Engine::builder().allow_egress(dest).build().unwrap()
}

/// The first value of the first table of the first result.
fn first_value(engine: &Engine, script: &str, column: &str) -> Value {
    let results = engine
        .query(script)
        .unwrap_or_else(|e| panic!("{}", said(&e)));
    let r = results.iter().next().unwrap();
    let t = &r.tables[0];
    let i = t.column_index(column).unwrap();
    t.value(0, i)
}

/// Everything an error says: its message, every problem's message and help.
fn said(e: &Error) -> String {
    let mut out = e.to_string();
    if let Some(d) = e.diagnostics() {
        for p in d.problems() {
            out.push('\n');
            out.push_str(&p.message);
            if let Some(h) = &p.help {
                out.push('\n');
                out.push_str(h);
            }
        }
    }
    out
}

fn code(e: &Error) -> String {
    e.code().unwrap_or_default()
}

#[test]
fn an_allowed_post_arrives_whole() {
    let (port, rx) = receiver(vec![answer("202 Accepted", "", "")]);
    let engine = allowing(&format!("127.0.0.1:{port}"));
    let status = first_value(
        &engine,
        &format!(
            r#"
            import "array"
            import "http"
            array.from(rows: [{{code: http.post(
                url: "http://127.0.0.1:{port}/hook/a%20b?x=1&y=2",
                headers: {{"Content-Type": "application/json", "X-Token": "abc"}},
                data: bytes(v: "{{\"a\":1}}"),
            )}}])
            "#
        ),
        "code",
    );
    assert!(matches!(status, Value::Int(202)), "{status:?}");
    let got = next(&rx);
    assert_eq!(got.line, "POST /hook/a%20b?x=1&y=2 HTTP/1.1");
    assert_eq!(
        got.header("host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("x-token"), Some("abc"));
    assert_eq!(got.header("content-length"), Some("7"));
    assert_eq!(got.header("connection"), Some("close"));
    assert_eq!(got.body, b"{\"a\":1}");
}

#[test]
fn without_an_allow_list_nothing_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        r#"import "http"
x = http.post(url: "http://127.0.0.1:{port}/", data: bytes(v: "x"))"#
    );
    let err = Engine::new().query(&script).unwrap_err();
    assert_eq!(code(&err), "fluxi::eval::egress_denied");
    let text = said(&err);
    assert!(text.contains("network egress is off"), "{text}");
    assert!(text.contains("--allow-egress"), "{text}");
    assert!(text.contains("http.post"), "{text}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the receiver was contacted");
}

#[test]
fn another_destination_or_a_name_for_loopback_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let post = |url: String| format!("import \"http\"\nx = http.post(url: \"{url}\")");
    // Another host allowed.
    let e = allowing("example.com")
        .query(&post(format!("http://127.0.0.1:{port}/")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    assert!(
        said(&e).contains("not on the egress allow-list (example.com)"),
        "{}",
        said(&e)
    );
    // `localhost` resolves to loopback, but only example.com is allowed.
    let e = allowing("example.com")
        .query(&post(format!("http://localhost:{port}/")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    // Any host allowed (`*`), but a name that resolves to loopback is still refused.
    let e = allowing("*")
        .query(&post(format!("http://localhost:{port}/")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    assert!(said(&e).contains("a loopback address"), "{}", said(&e));
    // And so is the address written out, unless named.
    let e = allowing("*")
        .query(&post(format!("http://127.0.0.1:{port}/")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    // The right host on another port.
    let e = allowing(&format!("127.0.0.1:{}", port.wrapping_add(1).max(1)))
        .query(&post(format!("http://127.0.0.1:{port}/")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    // A URL prefix that the path is not under.
    let e = allowing(&format!("http://127.0.0.1:{port}/hooks/"))
        .query(&post(format!("http://127.0.0.1:{port}/admin")))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress_denied");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the receiver was contacted");
}

#[test]
fn localhost_named_in_the_allow_list_is_reached() {
    let (port, rx) = receiver(vec![answer("200 OK", "", "")]);
    let engine = allowing(&format!("localhost:{port}"));
    let status = first_value(
        &engine,
        &format!(
            r#"import "array"
import "http"
array.from(rows: [{{c: http.post(url: "http://localhost:{port}/x")}}])"#
        ),
        "c",
    );
    assert!(matches!(status, Value::Int(200)), "{status:?}");
    let got = next(&rx);
    assert_eq!(got.line, "POST /x HTTP/1.1");
    assert_eq!(
        got.header("host"),
        Some(format!("localhost:{port}").as_str())
    );
}

#[test]
fn secrets_never_show_in_errors_or_logs() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let secret = "s3cr3t-t0ken-value";
    let store: HashMap<String, String> = [("token".to_string(), secret.to_string())].into();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let keep = Arc::clone(&lines);
    let engine = Engine::builder()
        .allow_egress("example.com")
        .secrets(Arc::new(store))
        .build()
        .unwrap()
        .with_log_sink(Arc::new(move |level, line: &str| {
            keep.lock()
                .unwrap()
                .push(format!("{}: {line}", level.as_str()));
        }));
    // A refused request whose URL and header carry the secret.
    let script = format!(
        r#"import "http"
import "log"
import "influxdata/influxdb/secrets"
token = secrets.get(key: "token")
said = log.info(message: "using token " + token)
x = http.post(
    url: "http://127.0.0.1:{port}/hook/" + token,
    headers: {{Authorization: "Bearer " + token}},
)"#
    );
    let err = engine.query(&script).unwrap_err();
    assert_eq!(code(&err), "fluxi::eval::egress_denied");
    let text = said(&err);
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("/hook/<secret>"), "{text}");
    assert_eq!(
        *lines.lock().unwrap(),
        vec!["info: using token <secret>".to_string()]
    );
    // A failing request (nothing listens) whose header carries it.
    drop(listener);
    let engine = Engine::builder()
        .allow_egress(format!("127.0.0.1:{port}"))
        .secrets(Arc::new(
            [("token".to_string(), secret.to_string())]
                .into_iter()
                .collect::<HashMap<_, _>>(),
        ))
        .build()
        .unwrap();
    let script = format!(
        r#"import "http"
import "influxdata/influxdb/secrets"
x = http.post(
    url: "http://127.0.0.1:{port}/",
    headers: {{Authorization: "Bearer " + secrets.get(key: "token")}},
)"#
    );
    let err = engine.query(&script).unwrap_err();
    assert_eq!(code(&err), "fluxi::eval::egress");
    assert!(!said(&err).contains(secret));
    // `die` with the secret in its message.
    let err = engine
        .query(
            r#"import "influxdata/influxdb/secrets"
x = die(msg: "leaked " + secrets.get(key: "token"))"#,
        )
        .unwrap_err();
    let text = said(&err);
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("leaked <secret>"), "{text}");
}

#[test]
fn missing_secrets_are_errors_with_a_code() {
    let e = Engine::new()
        .query("import \"influxdata/influxdb/secrets\"\nx = secrets.get(key: \"k\")")
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::secret_not_found");
    assert!(said(&e).contains("no secret store"), "{}", said(&e));
    let store: HashMap<String, String> = HashMap::new();
    let e = Engine::builder()
        .secrets(Arc::new(store))
        .build()
        .unwrap()
        .query("import \"influxdata/influxdb/secrets\"\nx = secrets.get(key: \"k\")")
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::secret_not_found");
    assert!(said(&e).contains("secret key \"k\" not found"));
}

#[test]
fn requests_get_returns_the_whole_answer_and_follows_no_redirect() {
    let (port, rx) = receiver(vec![
        answer("201 Created", "X-Reply: yes\r\n", "hello"),
        answer("302 Found", "Location: http://example.com/\r\n", ""),
    ]);
    let engine = allowing(&format!("127.0.0.1:{port}"));
    let script = format!(
        r#"import "http/requests"
import "array"
import "dict"
r = requests.get(url: "http://127.0.0.1:{port}/a", params: ["q": ["1 2", "3"], "a": ["&"]], headers: ["Accept": "text/plain"])
array.from(rows: [{{s: r.statusCode, b: string(v: r.body), h: dict.get(dict: r.headers, key: "X-Reply", default: "")}}])"#
    );
    let results = engine
        .query(&script)
        .unwrap_or_else(|e| panic!("{}", said(&e)));
    let t = &results.iter().next().unwrap().tables[0];
    assert!(matches!(
        t.value(0, t.column_index("s").unwrap()),
        Value::Int(201)
    ));
    assert_eq!(
        t.value(0, t.column_index("b").unwrap()).to_string(),
        "hello"
    );
    assert_eq!(t.value(0, t.column_index("h").unwrap()).to_string(), "yes");
    let got = next(&rx);
    assert_eq!(got.line, "GET /a?a=%26&q=1+2&q=3 HTTP/1.1");
    assert_eq!(got.header("accept"), Some("text/plain"));
    // A redirect is the answer; it is not followed.
    let status = first_value(
        &engine,
        &format!(
            r#"import "http/requests"
import "array"
array.from(rows: [{{s: requests.post(url: "http://127.0.0.1:{port}/r").statusCode}}])"#
        ),
        "s",
    );
    assert!(matches!(status, Value::Int(302)), "{status:?}");
    assert_eq!(next(&rx).line, "POST /r HTTP/1.1");
}

#[test]
fn a_silent_server_times_out_and_a_long_answer_is_refused() {
    // Accepts, reads, never answers (until the test ends).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut sink = [0u8; 1024];
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        while let Ok(n) = conn.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    });
    let engine = Engine::builder()
        .allow_egress(format!("127.0.0.1:{port}"))
        .egress_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = engine
        .query(&format!(
            "import \"http\"\nx = http.post(url: \"http://127.0.0.1:{port}/\")"
        ))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::egress");
    assert!(said(&e).contains("timed out"), "{}", said(&e));
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.join().unwrap();

    let (port, _rx) = receiver(vec![answer("200 OK", "", &"x".repeat(100))]);
    let engine = Engine::builder()
        .allow_egress(format!("127.0.0.1:{port}"))
        .egress_max_answer(10)
        .build()
        .unwrap();
    let e = engine
        .query(&format!(
            "import \"http/requests\"\nx = requests.get(url: \"http://127.0.0.1:{port}/\")"
        ))
        .unwrap_err();
    assert_eq!(code(&e), "fluxi::eval::limit");
    assert!(said(&e).contains("limit of 10 bytes"), "{}", said(&e));
}

#[test]
fn slack_message_sends_upstreams_json() {
    let (port, rx) = receiver(vec![answer("200 OK", "", "ok")]);
    let engine = allowing(&format!("http://127.0.0.1:{port}/api/"));
    let status = first_value(
        &engine,
        &format!(
            r##"import "array"
import "slack"
array.from(rows: [{{c: slack.message(url: "http://127.0.0.1:{port}/api/chat.postMessage", token: "tok", channel: "#ops", text: "disk <90%> & rising", color: "warning")}}])"##
        ),
        "c",
    );
    assert!(matches!(status, Value::Int(200)), "{status:?}");
    let got = next(&rx);
    assert_eq!(got.line, "POST /api/chat.postMessage HTTP/1.1");
    assert_eq!(got.header("authorization"), Some("Bearer tok"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(
        String::from_utf8(got.body).unwrap(),
        r##"{"attachments":[{"color":"warning","mrkdwn_in":["text"],"text":"disk \u003c90%\u003e \u0026 rising"}],"channel":"#ops"}"##
    );
    let e = engine
        .query(
            r#"import "slack"
x = slack.validateColorString(color: "red")"#,
        )
        .unwrap_err();
    assert!(said(&e).contains("could not parse color"), "{}", said(&e));
}

#[test]
fn endpoints_post_one_request_per_row() {
    let (port, rx) = receiver(vec![
        answer("200 OK", "", ""),
        answer("500 Internal Server Error", "", ""),
    ]);
    let engine = allowing(&format!("127.0.0.1:{port}"));
    let script = format!(
        r#"import "array"
import "http"
import "json"
endpoint = http.endpoint(url: "http://127.0.0.1:{port}/notify")
array.from(rows: [{{host: "a", v: 1}}, {{host: "b", v: 2}}])
    |> endpoint(mapFn: (r) => ({{headers: {{"Content-Type": "application/json"}}, data: json.encode(v: r)}}))()
    |> sort(columns: ["host"])"#
    );
    let results = engine
        .query(&script)
        .unwrap_or_else(|e| panic!("{}", said(&e)));
    let mut rows = Vec::new();
    for t in &results.iter().next().unwrap().tables {
        for r in 0..t.num_rows() {
            let get = |c: &str| t.value(r, t.column_index(c).unwrap()).to_string();
            rows.push((get("host"), get("_status"), get("_sent")));
            assert!(t.key().contains("_sent"));
        }
    }
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("a".into(), "200".into(), "true".into()),
            ("b".into(), "500".into(), "false".into())
        ]
    );
    let first = next(&rx);
    let second = next(&rx);
    assert_eq!(first.line, "POST /notify HTTP/1.1");
    assert_eq!(first.body, br#"{"host":"a","v":1}"#);
    assert_eq!(second.body, br#"{"host":"b","v":2}"#);
}

#[test]
fn pagerduty_send_event_sends_upstreams_json() {
    let (port, rx) = receiver(vec![answer("202 Accepted", "", r#"{"status":"success"}"#)]);
    let engine = allowing(&format!("127.0.0.1:{port}"));
    let status = first_value(
        &engine,
        &format!(
            r#"import "array"
import "pagerduty"
array.from(rows: [{{c: pagerduty.sendEvent(
    pagerdutyURL: "http://127.0.0.1:{port}/v2/enqueue",
    routingKey: "rk",
    client: "fluxi",
    clientURL: "http://fluxi.example/",
    dedupKey: "dk",
    class: "cpu",
    group: "hosts",
    severity: pagerduty.severityFromLevel(level: "CRIT"),
    eventAction: pagerduty.actionFromLevel(level: "crit"),
    source: "a",
    summary: "cpu high",
    timestamp: "2021-06-08T09:00:00Z",
)}}])"#
        ),
        "c",
    );
    assert!(matches!(status, Value::Int(202)), "{status:?}");
    let got = next(&rx);
    assert_eq!(got.line, "POST /v2/enqueue HTTP/1.1");
    assert_eq!(
        got.header("accept"),
        Some("application/vnd.pagerduty+json;version=2")
    );
    assert_eq!(
        String::from_utf8(got.body).unwrap(),
        r#"{"client":"fluxi","client_url":"http://fluxi.example/","dedup_key":"dk","event_action":"trigger","payload":{"class":"cpu","component":"","group":"hosts","severity":"critical","source":"a","summary":"cpu high","timestamp":"2021-06-08T09:00:00Z"},"routing_key":"rk"}"#
    );
}

#[test]
fn bad_destinations_fail_the_build() {
    let e = Engine::builder()
        .allow_egress("hooks.slack.com/services")
        .build()
        .err()
        .unwrap();
    assert!(e.to_string().contains("must be a URL"), "{e}");
}

#[test]
fn explain_sends_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let engine = allowing(&format!("127.0.0.1:{port}"));
    let program = engine
        .compile(&format!(
            r#"import "array"
import "http"
array.from(rows: [{{c: http.post(url: "http://127.0.0.1:{port}/")}}])"#
        ))
        .unwrap();
    engine.explain(&program).unwrap();
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "explain sent a request");
}

#[test]
fn explain_shows_no_secret() {
    let secret = "pl4n-s3cret";
    let engine = Engine::builder()
        .secrets(Arc::new(
            [("k".to_string(), secret.to_string())]
                .into_iter()
                .collect::<HashMap<_, _>>(),
        ))
        .build()
        .unwrap();
    let program = engine
        .compile(
            r#"import "array"
import "influxdata/influxdb/secrets"
s = secrets.get(key: "k")
array.from(rows: [{v: "a"}]) |> filter(fn: (r) => r.v != s) |> set(key: "t", value: s)"#,
        )
        .unwrap();
    let explain = engine.explain(&program).unwrap();
    let all = format!("{}{:?}", explain.results, explain.reads);
    assert!(!all.contains(secret), "{all}");
}
