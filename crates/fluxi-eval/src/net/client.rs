//! The HTTP/1.1 client behind every Flux function that sends a request: one request per
//! connection (`Connection: close`), `http://` over TCP and `https://` over rustls
//! (Mozilla's roots), to addresses the egress policy checked (see [`super`]), within one
//! deadline for the whole exchange, reading at most the policy's answer limit. Redirects
//! are not followed.
//!
//! Messages name the URL as [`Url::shown`] does (no query) and never a header or a body:
//! they may carry secrets.

use super::{Egress, Host, Scheme, Url};
use crate::error::{ErrorKind, EvalError};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The most bytes of an answer's status line and headers.
const MAX_HEAD: u64 = 64 << 10;
/// The most interim (1xx) answers skipped before the real one.
const MAX_INTERIM: usize = 8;

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ... (upper case).
    pub method: String,
    /// The URL as the script gave it.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// A time limit of the script's own, used when shorter than the policy's.
    pub timeout: Option<Duration>,
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (as the server wrote them) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
    /// How long the exchange took.
    pub elapsed: Duration,
}

/// A request that failed on the way (`fluxi::eval::egress`).
fn failed(u: &Url, why: impl std::fmt::Display) -> EvalError {
    EvalError::new(
        ErrorKind::Egress,
        format!("the request to {} failed: {why}", u.shown()),
    )
}

/// Headers fluxi writes itself.
const OWN_HEADERS: &[&str] = &["host", "content-length", "transfer-encoding", "connection"];

fn check_headers(headers: &[(String, String)]) -> Result<(), EvalError> {
    for (name, value) in headers {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(EvalError::msg(format!(
                "{name:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
            )));
        }
        if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(EvalError::msg(format!(
                "the {name} header is written by fluxi and cannot be set"
            )));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            // The value is not shown: it may be a secret.
            return Err(EvalError::msg(format!(
                "the value of header {name:?} holds a line break or NUL"
            )));
        }
    }
    Ok(())
}

/// The methods a request may use.
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

impl Egress {
    /// Send `req` if this policy allows its destination, and read the whole answer.
    pub fn send(&self, req: &Request) -> Result<Response, EvalError> {
        if !METHODS.contains(&req.method.as_str()) {
            return Err(EvalError::msg(format!(
                "{:?} is not an HTTP method fluxi sends (one of {})",
                req.method,
                METHODS.join(", ")
            )));
        }
        let u = Url::parse(&req.url).map_err(|why| EvalError::msg(format!("bad URL: {why}")))?;
        check_headers(&req.headers)?;
        let by = self.check(&u)?;
        let limit = req.timeout.map_or(self.timeout, |t| t.min(self.timeout));
        let started = Instant::now();
        let deadline = started + limit;
        let timed_out = || {
            EvalError::new(
                ErrorKind::Egress,
                format!(
                    "the request to {} timed out after {} (the time limit of one request \
                     is {})",
                    u.shown(),
                    seconds(limit),
                    seconds(self.timeout)
                ),
            )
        };
        let addrs = resolve(&u, deadline).map_err(|e| match e {
            None => timed_out(),
            Some(e) => failed(&u, format!("cannot resolve {}: {e}", u.host)),
        })?;
        self.check_addresses(&u, by, &addrs)?;
        let stream = connect(&u, &addrs, deadline).map_err(|e| match e {
            None => timed_out(),
            Some(e) => failed(&u, e),
        })?;
        let mut conn = Conn { stream, deadline };
        let result = exchange(&mut conn, &u, req, self.max_answer);
        match result {
            Ok(mut r) => {
                r.elapsed = started.elapsed();
                Ok(r)
            }
            Err(Failure::Io(e)) if timeout_kind(&e) => Err(timed_out()),
            Err(Failure::Io(e)) => Err(failed(&u, e)),
            Err(Failure::Bad(why)) => Err(failed(&u, why)),
            Err(Failure::TooLarge) => Err(EvalError::new(
                ErrorKind::Limit,
                format!(
                    "the answer from {} is longer than the limit of {} bytes an answer may have",
                    u.shown(),
                    self.max_answer
                ),
            )),
        }
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.3} s")
    }
}

fn timeout_kind(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

/// The addresses of `u`'s host (`Err(None)`: the deadline passed). A name is looked up
/// on a thread of its own so that a slow resolver cannot outlast the deadline.
fn resolve(u: &Url, deadline: Instant) -> Result<Vec<SocketAddr>, Option<io::Error>> {
    let name = match &u.host {
        Host::Ip(ip) => return Ok(vec![SocketAddr::new(*ip, u.port)]),
        Host::Name(n) => n.clone(),
    };
    let port = u.port;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("fluxi-resolve".into())
        .spawn(move || {
            let found = (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>());
            let _ = tx.send(found);
        })
        .map_err(Some)?;
    let wait = remaining(deadline).ok_or(None)?;
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(Some(io::Error::new(
            io::ErrorKind::NotFound,
            "the name has no address",
        ))),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(Some(e)),
        Err(_) => Err(None),
    }
}

/// A connection: plain TCP, or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

/// A connection whose every read and write waits at most until the deadline.
struct Conn {
    stream: Stream,
    deadline: Instant,
}

impl Conn {
    fn arm(&self) -> io::Result<()> {
        let left = remaining(self.deadline)
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))?;
        self.stream.tcp().set_read_timeout(Some(left))?;
        self.stream.tcp().set_write_timeout(Some(left))
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        self.arm()?;
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// Connect to the first of `addrs` that answers (`Err(None)`: the deadline passed).
fn connect(u: &Url, addrs: &[SocketAddr], deadline: Instant) -> Result<Stream, Option<String>> {
    let mut last = String::from("no address to connect to");
    let mut tcp = None;
    for a in addrs {
        let wait = remaining(deadline).ok_or(None)?;
        match TcpStream::connect_timeout(a, wait) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) if timeout_kind(&e) => return Err(None),
            Err(e) => last = format!("cannot connect to {a}: {e}"),
        }
    }
    let tcp = tcp.ok_or(Some(last))?;
    let _ = tcp.set_nodelay(true);
    match u.scheme {
        Scheme::Http => Ok(Stream::Plain(tcp)),
        Scheme::Https => {
            let config = tls_config().map_err(Some)?;
            let name = match &u.host {
                Host::Name(n) => rustls_pki_types::ServerName::try_from(n.clone())
                    .map_err(|e| Some(format!("{n} is not a name TLS can check: {e}")))?,
                Host::Ip(ip) => rustls_pki_types::ServerName::IpAddress((*ip).into()),
            };
            let conn = rustls::ClientConnection::new(config, name)
                .map_err(|e| Some(format!("TLS: {e}")))?;
            Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
        }
    }
}

enum Failure {
    Io(io::Error),
    Bad(String),
    TooLarge,
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Write the request and read the whole answer.
fn exchange(
    conn: &mut Conn,
    u: &Url,
    req: &Request,
    max_answer: usize,
) -> Result<Response, Failure> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: fluxi/{}\r\nConnection: close\r\n",
        req.method,
        u.target(),
        u.host_header(),
        env!("CARGO_PKG_VERSION"),
    );
    if !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    for (n, v) in &req.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(&req.body)?;
    conn.flush()?;

    let mut reader = BufReader::new(&mut *conn);
    let mut head_left = MAX_HEAD;
    let (status, headers) = {
        let mut interim = 0;
        loop {
            let (status, headers) = read_head(&mut reader, &mut head_left)?;
            if (100..200).contains(&status) && status != 101 {
                interim += 1;
                if interim > MAX_INTERIM {
                    return Err(Failure::Bad("too many interim (1xx) answers".into()));
                }
                continue;
            }
            break (status, headers);
        }
    };
    let header = |name: &str| {
        headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    let no_body = req.method == "HEAD" || status == 204 || status == 304;
    let body = if no_body {
        Vec::new()
    } else if header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        read_chunked(&mut reader, max_answer)?
    } else if let Some(len) = header("content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| Failure::Bad(format!("bad Content-Length {len:?}")))?;
        if len > max_answer as u64 {
            return Err(Failure::TooLarge);
        }
        let mut body = Vec::with_capacity(len as usize);
        (&mut reader).take(len).read_to_end(&mut body)?;
        if (body.len() as u64) < len {
            return Err(Failure::Bad(format!(
                "the answer ended after {} of its {len} bytes",
                body.len()
            )));
        }
        body
    } else {
        let mut body = Vec::new();
        (&mut reader)
            .take(max_answer as u64 + 1)
            .read_to_end(&mut body)?;
        if body.len() > max_answer {
            return Err(Failure::TooLarge);
        }
        body
    };
    Ok(Response {
        status,
        headers,
        body,
        elapsed: Duration::ZERO,
    })
}

/// One line of the head, without its line end.
fn head_line(reader: &mut impl BufRead, left: &mut u64) -> Result<String, Failure> {
    let mut line = Vec::new();
    let n = reader.take(*left).read_until(b'\n', &mut line)?;
    *left = left.saturating_sub(n as u64);
    if !line.ends_with(b"\n") {
        return Err(if *left == 0 {
            Failure::Bad(format!("the answer's head is longer than {MAX_HEAD} bytes"))
        } else {
            Failure::Bad("the connection closed before the answer's head ended".into())
        });
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| Failure::Bad("the answer's head is not UTF-8".into()))
}

type Head = (u16, Vec<(String, String)>);

fn read_head(reader: &mut impl BufRead, left: &mut u64) -> Result<Head, Failure> {
    let status_line = head_line(reader, left)?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(Failure::Bad("the answer is not HTTP/1.x".into()));
    }
    let status: u16 = code
        .parse()
        .ok()
        .filter(|c| (100..1000).contains(c))
        .ok_or_else(|| Failure::Bad(format!("bad status code {code:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = head_line(reader, left)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| Failure::Bad("a header line without `:`".into()))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok((status, headers))
}

fn read_chunked(reader: &mut impl BufRead, max_answer: usize) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    let mut left = MAX_HEAD;
    loop {
        let line = head_line(reader, &mut left)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size, 16)
            .map_err(|_| Failure::Bad(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !head_line(reader, &mut left)?.is_empty() {}
            return Ok(body);
        }
        if body.len() as u64 + size > max_answer as u64 {
            return Err(Failure::TooLarge);
        }
        let before = body.len();
        reader.take(size).read_to_end(&mut body)?;
        if ((body.len() - before) as u64) < size {
            return Err(Failure::Bad("the connection closed inside a chunk".into()));
        }
        let end = head_line(reader, &mut left)?;
        if !end.is_empty() {
            return Err(Failure::Bad("a chunk does not end with CRLF".into()));
        }
        left = MAX_HEAD;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_and_their_limit() {
        let raw = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\n";
        let body = read_chunked(&mut &raw[..], 100).ok().unwrap();
        assert_eq!(body, b"Wikipedia");
        assert!(matches!(
            read_chunked(&mut &raw[..], 8),
            Err(Failure::TooLarge)
        ));
        let cut = b"4\r\nWi";
        assert!(matches!(
            read_chunked(&mut &cut[..], 100),
            Err(Failure::Bad(_))
        ));
    }

    #[test]
    fn heads() {
        let raw = b"HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nX-A:  b \r\n\r\nrest";
        let mut left = MAX_HEAD;
        let (status, headers) = read_head(&mut &raw[..], &mut left).ok().unwrap();
        assert_eq!(status, 202);
        assert_eq!(headers[1], ("X-A".to_string(), "b".to_string()));
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(70_000));
        let mut left = MAX_HEAD;
        match read_head(&mut long.as_bytes(), &mut left) {
            Err(Failure::Bad(m)) => assert!(m.contains("longer than"), "{m}"),
            _ => panic!("a long head is refused"),
        }
    }

    #[test]
    fn headers_are_checked_without_showing_values() {
        let h = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
        assert!(check_headers(&h("Authorization", "Bearer x")).is_ok());
        let e = check_headers(&h("X-Bad", "s3cret\r\nX-Evil: 1")).unwrap_err();
        assert!(!e.message.contains("s3cret"), "{}", e.message);
        assert!(check_headers(&h("Bad Name", "v")).is_err());
        let e = check_headers(&h("Content-Length", "5")).unwrap_err();
        assert!(e.message.contains("written by fluxi"), "{}", e.message);
    }
}
