#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `experimental/prometheus.scrape` against a tiny exposition server on 127.0.0.1 that
//! each test starts: the tables made from the text format, and the refusals — egress
//! off (the server never contacted), an answer other than 2xx, the protocol-buffer
//! format, a body not in the format. No traffic leaves 127.0.0.1.

use fluxi::Engine;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// A server on 127.0.0.1 answering one connection with `answer` (raw HTTP); the request
/// head it read comes out of the channel.
fn server(answer: Vec<u8>) -> (u16, Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
            match conn.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => break,
            }
        }
        let _ = conn.write_all(&answer);
        let _ = conn.flush();
        let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
    });
    (port, rx)
}

fn answer(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

const EXPOSITION: &str = "# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{queue=\"fast\"} 12 1767225600000
jobs_total{queue=\"slow\"} 3
# TYPE wait histogram
wait_bucket{le=\"0.5\"} 2
wait_bucket{le=\"+Inf\"} 5
wait_sum 4.25
wait_count 5
# TYPE rpc summary
rpc{quantile=\"0.9\"} 0.75
rpc_sum 9
rpc_count 10
up 1
";

/// 2030-01-01T00:00:00Z, the engine's now().
const NOW: i64 = 1_893_456_000_000_000_000;

fn allowing(port: u16) -> Engine {
    Engine::builder()
        .allow_egress(format!("127.0.0.1:{port}"))
        .now(NOW)
        .build()
        .unwrap()
}

fn scrape(port: u16, path: &str) -> String {
    format!(
        "import \"experimental/prometheus\"\nprometheus.scrape(url: \"http://127.0.0.1:{port}{path}\")"
    )
}

#[test]
fn a_scrape_becomes_one_table_per_metric() {
    let (port, rx) = server(answer("200 OK", TEXT, EXPOSITION));
    let csv = allowing(port)
        .query(&scrape(port, "/metrics"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_csv_lf();
    let head = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(head.starts_with("GET /metrics HTTP/1.1\r\n"), "{head}");
    let url = format!("http://127.0.0.1:{port}/metrics");
    let now = "2030-01-01T00:00:00Z";
    // Tables in the order of the metric names, each metric's rows in the order read.
    let rows = [
        // (field, labels shown as the label columns' values, value, time)
        (
            "jobs_total",
            vec![("queue", "fast")],
            "12",
            "2026-01-01T00:00:00Z",
        ),
        ("jobs_total", vec![("queue", "slow")], "3", now),
        ("rpc_count", vec![], "10", now),
        ("rpc_sum", vec![], "9", now),
        ("rpc", vec![("quantile", "0.9")], "0.75", now),
        ("up", vec![], "1", now),
        ("wait_count", vec![], "5", now),
        ("wait_sum", vec![], "4.25", now),
        ("wait", vec![("le", "0.5")], "2", now),
        ("wait", vec![("le", "+Inf")], "5", now),
    ];
    for (table, (field, labels, value, time)) in rows.iter().enumerate() {
        let mut line = format!(",,{table},{time},{value},prometheus,{field},{url}");
        for (_, v) in labels {
            line.push(',');
            line.push_str(v);
        }
        line.push('\n');
        assert!(csv.contains(&line), "no row {line:?} in\n{csv}");
        let columns: String = labels.iter().map(|(k, _)| format!(",{k}")).collect();
        let header = format!(",result,table,_time,_value,_measurement,_field,url{columns}\n");
        assert!(csv.contains(&header), "no header {header:?} in\n{csv}");
    }
    assert_eq!(csv.matches("prometheus,").count(), rows.len(), "{csv}");
    // The label columns are in the group key with _measurement and _field, url is not.
    assert!(
        csv.contains("#group,false,false,false,false,true,true,false,true\n"),
        "{csv}"
    );
}

#[test]
fn without_egress_the_server_is_never_contacted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = Engine::new().query(&scrape(port, "/metrics")).unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::egress_denied"));
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the server was contacted");
}

#[test]
fn an_error_status_the_protobuf_format_and_bad_text_are_errors() {
    let (port, _rx) = server(answer("503 Service Unavailable", TEXT, "down"));
    let err = allowing(port)
        .query(&scrape(port, "/metrics?token=s3cret"))
        .unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::egress"));
    let text = err.to_string();
    assert!(text.contains("status 503"), "{text}");
    assert!(!text.contains("s3cret"), "the query is not shown: {text}");

    let protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    let (port, _rx) = server(answer("200 OK", protobuf, "\u{1}"));
    let err = allowing(port).query(&scrape(port, "/")).unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::not_supported"));

    let (port, _rx) = server(answer("200 OK", TEXT, "ok 1\nbroken{a=\"1\" 2\n"));
    let err = allowing(port).query(&scrape(port, "/")).unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::eval::runtime"));
    let text = err.to_string();
    assert!(text.contains("line 2"), "{text}");
}
