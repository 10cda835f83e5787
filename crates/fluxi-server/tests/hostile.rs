//! Hostile input: malformed JSON, wrong content types, invalid UTF-8, garbage gzip and a
//! few thousand random requests. Every refusal is a JSON error, nothing panics, and the
//! server goes on serving.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_client::{request, Answer};
use fluxi_server::Config;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Method, path, headers, body.
type Case = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Vec<u8>,
);

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn assert_json_error(a: &Answer, what: &str) {
    assert!(a.status >= 400, "{what}: {} {}", a.status, a.text());
    let j: serde_json::Value = serde_json::from_slice(&a.body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {:?}", a.text()));
    assert!(
        j["code"].is_string() && j["message"].is_string(),
        "{what}: {j}"
    );
    assert_eq!(
        a.header("content-type"),
        Some("application/json; charset=utf-8"),
        "{what}"
    );
}

#[test]
fn hostile_requests_get_json_errors_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.max_body_bytes = 64 << 10;
    config.memory_limit = Some(128 << 20);
    let server = fluxi_server::start(config).unwrap();
    let url = format!("http://{}", server.addr());
    let setup = request(
        &url,
        "POST",
        "/api/v2/setup",
        &[],
        br#"{"username":"u","password":"password1","org":"o","bucket":"b"}"#,
    )
    .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&setup.body).unwrap();
    let auth = format!("Token {}", j["auth"]["token"].as_str().unwrap());
    let h = |ct: &'static str| vec![("Authorization", auth.clone()), ("Content-Type", ct.into())];
    let call = |method: &str, path: &str, headers: &[(&str, String)], body: &[u8]| {
        let hs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        request(&url, method, path, &hs, body).unwrap()
    };

    // Named cases.
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"{\"query\": ".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"[1,2,3]".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("text/plain"),
            b"from(bucket:\"b\")".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/vnd.flux"),
            vec![0xff, 0xfe, 0x80],
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"{\"query\":\"x\",\"type\":\"sql\"}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"{\"query\":\"1\",\"dialect\":{\"delimiter\":\",,\"}}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"{\"query\":\"1\",\"now\":\"yesterday\"}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query?org=o",
            h("application/json"),
            b"{\"query\":\"1\",\"extern\":{\"body\":[{\"type\":\"Weird\"}]}}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/query",
            h("application/json"),
            b"{\"query\":\"1\"}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/write?org=o&bucket=b",
            h("text/plain"),
            vec![0xff, b' ', b'v', b'=', b'1'],
        ),
        (
            "POST",
            "/api/v2/write?org=o&bucket=b",
            h("text/plain"),
            vec![b'x'; 70 << 10],
        ),
        (
            "POST",
            "/api/v2/buckets",
            h("application/json"),
            b"{\"orgID\": 5}".to_vec(),
        ),
        (
            "POST",
            "/api/v2/buckets",
            h("application/json"),
            b"not json".to_vec(),
        ),
        (
            "POST",
            "/api/v2/authorizations",
            h("application/json"),
            b"{\"orgID\":\"0000000000000001\"}".to_vec(),
        ),
        (
            "PATCH",
            "/api/v2/authorizations/0000000000000001",
            h("application/json"),
            b"{}".to_vec(),
        ),
        (
            "DELETE",
            "/api/v2/buckets/zz",
            h("application/json"),
            Vec::new(),
        ),
        ("PUT", "/api/v2/write", h("text/plain"), Vec::new()),
        (
            "GET",
            "/api/v2/../../etc/passwd",
            h("text/plain"),
            Vec::new(),
        ),
    ];
    for (method, path, headers, body) in &cases {
        let a = call(method, path, headers, body);
        assert_json_error(
            &a,
            &format!(
                "{method} {path} {:?}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            ),
        );
    }

    // Random requests: random routes, methods, bodies, encodings.
    let routes = [
        "/api/v2/write?org=o&bucket=b",
        "/api/v2/write?org=o&bucket=b&precision=s",
        "/api/v2/query?org=o",
        "/api/v2/buckets",
        "/api/v2/orgs",
        "/api/v2/authorizations",
        "/api/v2/setup",
        "/api/v2/nothing",
        "/api/v2/users",
        "/api/v2/me",
        "/api/v2/query/analyze",
        "/write?db=b",
        "/metrics",
        "/api/v2/delete?org=o&bucket=b",
        "/api/v2/query/ast",
    ];
    let methods = ["GET", "POST", "DELETE", "PATCH"];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for i in 0..3000 {
        let route = routes[rng.below(routes.len())];
        let method = methods[rng.below(methods.len())];
        let len = rng.below(300);
        let mut body = rng.bytes(len);
        if i % 3 == 0 {
            // Something closer to valid input, damaged.
            let base: &[u8] = if route.contains("query") {
                br#"{"query":"from(bucket: \"b\") |> range(start: -1h)","dialect":{"annotations":["datatype"]}}"#
            } else {
                b"cpu,host=a v=1 1700000000000000000\nmem v=2i"
            };
            body = base.to_vec();
            let at = rng.below(body.len());
            body[at] = rng.next() as u8;
        }
        let mut headers = h(if rng.below(2) == 0 {
            "application/json"
        } else {
            "text/plain"
        });
        if rng.below(5) == 0 {
            headers.push(("Content-Encoding", "gzip".into()));
        }
        let a = call(method, route, &headers, &body);
        assert!(
            a.status < 500,
            "request {i}: {method} {route} gave {} {}",
            a.status,
            a.text()
        );
        if a.status >= 400 {
            assert_json_error(&a, &format!("request {i}: {method} {route}"));
        }
    }

    // A client that sends half a request and goes away, and one that stalls mid-body.
    for partial in [
        &b"POST /api/v2/write?org=o&bucket=b HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ncpu v=1"[..],
        &b"GARBAGE\r\n\r\n"[..],
    ] {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        s.write_all(partial).unwrap();
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf);
    }

    // Still serving, and still correct.
    let ok = call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        &h("text/plain"),
        b"after v=42 1704067200000000000",
    );
    assert_eq!(ok.status, 204, "{}", ok.text());
    let q = call(
        "POST",
        "/api/v2/query?org=o",
        &h("application/vnd.flux"),
        b"from(bucket: \"b\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> filter(fn: (r) => r._measurement == \"after\") |> keep(columns: [\"_value\"])",
    );
    assert_eq!(q.text(), ",result,table,_value\r\n,_result,0,42\r\n\r\n");
    server.stop().unwrap();
}
