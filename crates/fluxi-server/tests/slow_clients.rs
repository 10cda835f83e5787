//! Slow and silent clients: hundreds of connections that send half a request head and
//! stop, and bodies that stop arriving, do not keep others from being served; the server
//! closes them after its time limits (set short here), and a stop does not wait for them
//! beyond its grace period.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn short_timeouts(c: &mut fluxi_server::Config) {
    c.timeouts = fluxi_server::conn::Timeouts {
        header: Duration::from_secs(1),
        body_idle: Duration::from_secs(1),
        shutdown_grace: Duration::from_secs(2),
    };
}

fn connect(s: &Running) -> TcpStream {
    let addr = s.url.trim_start_matches("http://");
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c
}

/// Read until the server closes the connection (or 20 s pass: then `None`).
fn read_until_closed(c: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return None
            }
            // Reset by the server: closed too.
            Err(_) => return Some(got),
        }
    }
}

#[test]
fn silent_and_slow_clients_are_cut_off_and_others_are_served() {
    let s = start_with(tempfile::tempdir().unwrap(), short_timeouts);
    let (token, _, _) = s.setup();
    // 300 connections: a third say nothing, a third half a request line, a third the
    // head of a write but never the body it announces.
    let mut stalled = Vec::new();
    for i in 0..300 {
        let mut c = connect(&s);
        match i % 3 {
            0 => {}
            1 => c.write_all(b"POST /api/v2/write?org=o&bucket=b HTTP/1.1\r\nHost: x\r\n").unwrap(),
            _ => c
                .write_all(
                    format!(
                        "POST /api/v2/write?org=o&bucket=b HTTP/1.1\r\nHost: x\r\nAuthorization: Token {token}\r\nContent-Length: 1000\r\n\r\nm v=1"
                    )
                    .as_bytes(),
                )
                .unwrap(),
        }
        stalled.push((i, c));
    }
    // Meanwhile the others are served.
    for n in 0..20 {
        let w = s.call(
            "POST",
            "/api/v2/write?org=o&bucket=b",
            Some(&token),
            format!("m v={n}").as_bytes(),
        );
        assert_eq!(w.status, 204, "{}", w.text());
    }
    // Every stalled connection is closed by the server; the one with a started body is
    // told why (408) first.
    let started = Instant::now();
    for (i, mut c) in stalled {
        let got = read_until_closed(&mut c)
            .unwrap_or_else(|| panic!("connection {i} was left open for 20 s"));
        let text = String::from_utf8_lossy(&got);
        if i % 3 == 2 {
            assert!(text.starts_with("HTTP/1.1 408"), "connection {i}: {text}");
            assert!(text.contains("paused for more than"), "{text}");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    // Nothing of the unfinished bodies was written: the 20 points only.
    let q = s.flux(
        &token,
        "from(bucket: \"b\") |> range(start: 0) |> count() |> keep(columns: [\"_value\"])",
    );
    assert!(q.text().contains(",_result,0,20"), "{}", q.text());
}

#[test]
fn a_stop_does_not_wait_for_stalled_connections_beyond_its_grace() {
    let mut s = start_with(tempfile::tempdir().unwrap(), |c| {
        short_timeouts(c);
        // Heads may take long here: only the grace period can end these.
        c.timeouts.header = Duration::from_secs(600);
    });
    let (token, _, _) = s.setup();
    let mut held = Vec::new();
    for _ in 0..50 {
        let mut c = connect(&s);
        c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
        held.push(c);
    }
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&token),
        b"m v=1",
    );
    assert_eq!(w.status, 204);
    let started = Instant::now();
    s.server.take().unwrap().stop().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "the stop took {took:?}");
    // And what was acknowledged is kept.
    let s = s.restart(|_| {});
    let q = s.flux(&token, "from(bucket: \"b\") |> range(start: 0) |> count()");
    assert!(q.text().contains(",1\r\n"), "{}", q.text());
    drop(held);
}
