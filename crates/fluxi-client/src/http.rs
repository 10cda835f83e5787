//! A small blocking HTTP/1.1 client for `http://` and `https://` (rustls, Mozilla's roots
//! plus any CA file given) URLs over `std::net::TcpStream`: one
//! kept-alive connection reused between requests, bodies framed by `Content-Length`,
//! chunked or by the end of the connection, connect and read timeouts, and answers
//! either read whole (bounded) or streamed.

use crate::error::ClientError;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The most bytes of a status line and headers read (an answer with more is refused).
const MAX_HEAD: usize = 64 << 10;
/// The default of [`Client::max_answer_bytes`].
pub const DEFAULT_MAX_ANSWER: usize = 64 << 20;

/// Where a server is: `host:port` and a path prefix (empty, or `/prefix` without a
/// trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `host:port` (an IPv6 host in brackets).
    pub authority: String,
    /// What every request path is appended to.
    pub prefix: String,
    /// `https://`: TLS.
    pub tls: bool,
}

/// A connection: plain TCP, or TLS over it.
#[derive(Debug)]
pub enum Stream {
    /// `http://`.
    Plain(TcpStream),
    /// `https://`.
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The TLS settings of a client: Mozilla's root certificates (webpki-roots), plus the
/// certificates of `ca_file` (PEM) when given.
fn tls_config(ca_file: Option<&std::path::Path>) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        use rustls_pki_types::pem::PemObject;
        let bad = |why: String| ClientError::Invalid(format!("CA file {}: {why}", path.display()));
        let mut added = 0;
        for cert in
            rustls_pki_types::CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))?
        {
            let cert = cert.map_err(|e| bad(e.to_string()))?;
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad("holds no PEM certificate".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Invalid(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl Url {
    /// Parses `http[s]://host[:port][/prefix]` (port 80, or 443 for https, when none is
    /// given).
    pub fn parse(url: &str) -> Result<Url, ClientError> {
        let trimmed = url.trim();
        let (tls, rest) = match (trimmed.get(..7), trimmed.get(..8)) {
            (_, Some(s)) if s.eq_ignore_ascii_case("https://") => (true, &trimmed[8..]),
            (Some(s), _) if s.eq_ignore_ascii_case("http://") => (false, &trimmed[7..]),
            _ => return Err(ClientError::BadUrl(url.to_string())),
        };
        let (host, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() || host.contains('@') || host.contains(char::is_whitespace) {
            return Err(ClientError::BadUrl(url.to_string()));
        }
        if path.contains(['?', '#']) {
            return Err(ClientError::BadUrl(url.to_string()));
        }
        let has_port = match host.rfind(']') {
            Some(close) => host[close + 1..].starts_with(':'),
            None => host.contains(':'),
        };
        let authority = if has_port {
            let port = host.rsplit(':').next().unwrap_or("");
            if port.parse::<u16>().is_err() {
                return Err(ClientError::BadUrl(url.to_string()));
            }
            host.to_string()
        } else {
            format!("{host}:{}", if tls { 443 } else { 80 })
        };
        Ok(Url {
            authority,
            prefix: path.trim_end_matches('/').to_string(),
            tls,
        })
    }

    /// The host without port or brackets (the name a TLS certificate must carry).
    pub fn host(&self) -> &str {
        let a = self.authority.as_str();
        match a.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(rest),
            None => a.rsplit_once(':').map_or(a, |(h, _)| h),
        }
    }

    /// `http[s]://authority/prefix` (for messages).
    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority, self.prefix)
    }
}

/// An answer read whole: status, headers (names in lower case) and body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Answer {
    /// The first header of this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A request: method, path (under the URL's prefix, with its query string), extra header
/// lines and body.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path and query, e.g. `/api/v2/write?org=o&bucket=b`.
    pub path: &'a str,
    /// Header lines besides `Host`, `Content-Length` and `User-Agent`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body (empty for none).
    pub body: &'a [u8],
}

/// How the body of an answer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (HEAD, 204, 304).
    Empty,
    /// This many bytes are left.
    Length(u64),
    /// Chunked: bytes left in the current chunk (0: a size line comes next).
    Chunked { left: u64 },
    /// Until the server closes the connection.
    Close,
    /// Read to its end.
    Done,
}

/// The body of an answer, read as it arrives. Reading returns the de-chunked bytes and
/// ends (0) at the body's end; a connection that ends early is an error.
#[derive(Debug)]
pub struct Body {
    conn: BufReader<Stream>,
    framing: Framing,
    /// Whether the connection can carry another request once the body is read.
    reusable: bool,
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl Body {
    /// Whether the whole body has been read.
    pub fn is_done(&self) -> bool {
        matches!(self.framing, Framing::Done | Framing::Empty)
    }

    /// Reads the size line of the next chunk; at the last chunk, its trailers too.
    fn next_chunk(&mut self) -> io::Result<u64> {
        let line = read_line(&mut self.conn)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| bad(format!("bad chunk size {size_text:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            let mut lines = 0;
            while !read_line(&mut self.conn)?.is_empty() {
                lines += 1;
                if lines > 100 {
                    return Err(bad("more than 100 trailer lines"));
                }
            }
        }
        Ok(size)
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.framing {
                Framing::Empty | Framing::Done => return Ok(0),
                Framing::Length(0) => {
                    self.framing = Framing::Done;
                    return Ok(0);
                }
                Framing::Length(left) => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.conn.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("the connection closed {left} bytes before the body's end"),
                        ));
                    }
                    self.framing = Framing::Length(left - n as u64);
                    return Ok(n);
                }
                Framing::Chunked { left: 0 } => match self.next_chunk()? {
                    0 => self.framing = Framing::Done,
                    size => self.framing = Framing::Chunked { left: size },
                },
                Framing::Chunked { left } => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.conn.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the connection closed inside a chunk",
                        ));
                    }
                    let left = left - n as u64;
                    if left == 0 {
                        // The CRLF after the chunk's data.
                        if !read_line(&mut self.conn)?.is_empty() {
                            return Err(bad("a chunk is longer than its size"));
                        }
                    }
                    self.framing = Framing::Chunked { left };
                    return Ok(n);
                }
                Framing::Close => {
                    let n = self.conn.read(buf)?;
                    if n == 0 {
                        self.framing = Framing::Done;
                    }
                    return Ok(n);
                }
            }
        }
    }
}

/// A streamed answer: status, headers and the body still to be read.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Response {
    /// The first header of this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Reads the rest of the body (at most `limit` bytes) into an [`Answer`]; gives the
    /// body back (read to its end) for its connection. `Err(Ok(limit))`: too large.
    pub(crate) fn into_answer(mut self, limit: usize) -> Result<(Answer, Body), io::Result<usize>> {
        let mut body = Vec::new();
        let read = (&mut self.body)
            .take(limit as u64 + 1)
            .read_to_end(&mut body);
        match read {
            Ok(n) if n > limit => Err(Ok(limit)),
            Ok(_) => Ok((
                Answer {
                    status: self.status,
                    headers: self.headers,
                    body,
                },
                self.body,
            )),
            Err(e) => Err(Err(e)),
        }
    }
}

/// One line of the head, without its CRLF (at most [`MAX_HEAD`] bytes).
fn read_line(conn: &mut BufReader<Stream>) -> io::Result<String> {
    let mut raw = Vec::new();
    let n = conn
        .by_ref()
        .take(MAX_HEAD as u64)
        .read_until(b'\n', &mut raw)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed",
        ));
    }
    if !raw.ends_with(b"\n") {
        return Err(bad("a header line is too long or cut off"));
    }
    raw.pop();
    if raw.ends_with(b"\r") {
        raw.pop();
    }
    String::from_utf8(raw).map_err(|_| bad("a header line is not UTF-8"))
}

/// Reads a response head (skipping interim 1xx answers) and frames its body.
fn read_head(mut conn: BufReader<Stream>, method: &str) -> Result<Response, (io::Error, bool)> {
    // Whether any byte of an answer arrived (a reused connection that ends before one
    // was closed by the server while idle: the request may be sent again).
    let mut started = false;
    loop {
        let status_line = read_line(&mut conn).map_err(|e| (e, started))?;
        started = true;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status = parts
            .next()
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|_| version.starts_with("HTTP/1."))
            .ok_or_else(|| (bad(format!("bad status line {status_line:?}")), true))?;
        let mut headers = Vec::new();
        let mut size = status_line.len();
        loop {
            let line = read_line(&mut conn).map_err(|e| (e, true))?;
            if line.is_empty() {
                break;
            }
            size += line.len();
            if size > MAX_HEAD {
                return Err((bad("the headers are larger than 64 KiB"), true));
            }
            if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        if (100..200).contains(&status) {
            continue; // 100 Continue and the like: the real answer follows
        }
        let close = header(&headers, "connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
            || version == "HTTP/1.0";
        let chunked = header(&headers, "transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let framing = if method.eq_ignore_ascii_case("HEAD") || status == 204 || status == 304 {
            Framing::Empty
        } else if chunked {
            Framing::Chunked { left: 0 }
        } else if let Some(len) = header(&headers, "content-length") {
            Framing::Length(
                len.parse::<u64>()
                    .map_err(|_| (bad(format!("bad Content-Length {len:?}")), true))?,
            )
        } else {
            Framing::Close
        };
        return Ok(Response {
            status,
            headers,
            body: Body {
                conn,
                reusable: !close && framing != Framing::Close,
                framing,
            },
        });
    }
}

/// A client of one server: requests go over one kept-alive connection (opened again
/// when the server closed it), one at a time. Cheap to share between threads (`&self`).
#[derive(Debug)]
pub struct Client {
    url: Url,
    connect_timeout: Duration,
    timeout: Option<Duration>,
    max_answer: usize,
    keep_alive: bool,
    idle: Mutex<Option<BufReader<Stream>>>,
    /// For `https://` URLs.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Client {
    /// A client of the server at `url` (`http[s]://host[:port][/prefix]`): connect
    /// timeout 10 s, read and write timeout 60 s, answers read whole up to 64 MiB; an
    /// `https://` server's certificate must chain to one of Mozilla's roots (see
    /// [`Client::ca_file`] for others).
    pub fn new(url: &str) -> Result<Client, ClientError> {
        let url = Url::parse(url)?;
        let tls = if url.tls {
            Some(tls_config(None)?)
        } else {
            None
        };
        Ok(Client {
            tls,
            url,
            connect_timeout: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(60)),
            max_answer: DEFAULT_MAX_ANSWER,
            keep_alive: true,
            idle: Mutex::new(None),
        })
    }

    /// Also trust the certificates of this PEM file (a private CA, or a self-signed
    /// server's own certificate) for `https://` URLs.
    pub fn ca_file(mut self, path: &std::path::Path) -> Result<Client, ClientError> {
        if self.url.tls {
            self.tls = Some(tls_config(Some(path))?);
        }
        Ok(self)
    }

    /// How long a send or a read may wait for the server (`None`: for ever).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Client {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Client {
        self.connect_timeout = timeout;
        self
    }

    /// The largest body [`Client::send`] reads into memory (bigger answers are
    /// [`ClientError::TooLarge`]; [`Client::stream`] has no limit).
    pub fn max_answer_bytes(mut self, limit: usize) -> Client {
        self.max_answer = limit;
        self
    }

    /// Whether connections are kept for the next request (default `true`); without, each
    /// request says `Connection: close`.
    pub fn keep_alive(mut self, on: bool) -> Client {
        self.keep_alive = on;
        self
    }

    /// The server's URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn io(&self, e: io::Error) -> ClientError {
        ClientError::Io(self.url.base(), e)
    }

    fn connect(&self) -> Result<BufReader<Stream>, ClientError> {
        let addrs = self
            .url
            .authority
            .to_socket_addrs()
            .map_err(|e| self.io(e))?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                Ok(s) => {
                    s.set_read_timeout(self.timeout).map_err(|e| self.io(e))?;
                    s.set_write_timeout(self.timeout).map_err(|e| self.io(e))?;
                    let _ = s.set_nodelay(true);
                    let stream = match &self.tls {
                        None => Stream::Plain(s),
                        Some(config) => {
                            let name =
                                rustls_pki_types::ServerName::try_from(self.url.host().to_string())
                                    .map_err(|e| {
                                        ClientError::Invalid(format!(
                                            "{} is not a name TLS can check: {e}",
                                            self.url.host()
                                        ))
                                    })?;
                            let conn = rustls::ClientConnection::new(Arc::clone(config), name)
                                .map_err(|e| ClientError::Invalid(format!("TLS: {e}")))?;
                            Stream::Tls(Box::new(rustls::StreamOwned::new(conn, s)))
                        }
                    };
                    return Ok(BufReader::with_capacity(64 << 10, stream));
                }
                Err(e) => last = e,
            }
        }
        Err(self.io(last))
    }

    /// Sends a request and reads the answer's head; the body is left to read.
    pub fn stream(&self, request: &Request<'_>) -> Result<Response, ClientError> {
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(conn) = reused {
            match self.exchange(conn, request) {
                Ok(r) => return Ok(r),
                // The server closed the idle connection before reading the request:
                // send it again on a new one.
                Err((_, false)) => {}
                Err((e, true)) => return Err(self.io(e)),
            }
        }
        let conn = self.connect()?;
        self.exchange(conn, request).map_err(|(e, _)| self.io(e))
    }

    /// Writes the request on `conn` and reads the head of the answer. The error says
    /// whether any of the answer arrived.
    fn exchange(
        &self,
        mut conn: BufReader<Stream>,
        r: &Request<'_>,
    ) -> Result<Response, (io::Error, bool)> {
        let mut head = format!(
            "{} {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: fluxi-client/{}\r\nContent-Length: {}\r\n",
            r.method,
            self.url.prefix,
            r.path,
            self.url.authority,
            env!("CARGO_PKG_VERSION"),
            r.body.len()
        );
        if !self.keep_alive {
            head.push_str("Connection: close\r\n");
        }
        for (n, v) in r.headers {
            head.push_str(n);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let sent = (|| {
            let s = conn.get_mut();
            s.write_all(head.as_bytes())?;
            s.write_all(r.body)?;
            s.flush()
        })();
        if let Err(e) = sent {
            // A reset while sending to a reused connection: the server had closed it.
            return Err((e, false));
        }
        read_head(conn, r.method)
    }

    /// Sends a request and reads the whole answer (at most
    /// [`Client::max_answer_bytes`]), keeping the connection for the next request when
    /// the server allows.
    pub fn send(&self, request: &Request<'_>) -> Result<Answer, ClientError> {
        let response = self.stream(request)?;
        match response.into_answer(self.max_answer) {
            Ok((answer, body)) => {
                if body.reusable && body.is_done() && self.keep_alive {
                    *self.idle.lock().unwrap_or_else(PoisonError::into_inner) = Some(body.conn);
                }
                Ok(answer)
            }
            Err(Ok(limit)) => Err(ClientError::TooLarge { limit }),
            Err(Err(e)) => Err(self.io(e)),
        }
    }
}

/// Sends `method path` with these extra header lines and body to the server at `url` on
/// a connection of its own, and reads the whole answer (at most 64 MiB).
pub fn request(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Answer, ClientError> {
    Client::new(url)?.keep_alive(false).send(&Request {
        method,
        path,
        headers,
        body,
    })
}

/// `text` percent-encoded for a URL's query string.
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string (`?k=v&k=v`) of these pairs, values percent-encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode_query_value(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8086").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.authority, "127.0.0.1:8086");
        assert_eq!(u.prefix, "");
        let u = Url::parse("HTTP://example.com/influx/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (u.authority.as_str(), u.prefix.as_str()),
            ("example.com:80", "/influx")
        );
        let u = Url::parse("http://[::1]:9999/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.authority, "[::1]:9999");
        let u = Url::parse("http://[::1]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.authority, "[::1]:80");
        for bad in [
            "127.0.0.1:8086",
            "http://",
            "http://a:b",
            "http://u@h:1",
            "http://h:1/?x",
            "ftp://h",
        ] {
            assert!(
                matches!(Url::parse(bad), Err(ClientError::BadUrl(_))),
                "{bad}"
            );
        }
        let https = Url::parse("https://h").unwrap();
        assert_eq!((https.authority.as_str(), https.tls), ("h:443", true));
        assert_eq!(Url::parse("https://[::1]:8443/x").unwrap().host(), "::1");
        assert_eq!(Url::parse("HTTP://h:1").unwrap().host(), "h");
    }

    #[test]
    fn query_strings_are_encoded() {
        assert_eq!(
            query_string(&[("org", "a b&c"), ("bucket", "x/y=é")]),
            "?org=a%20b%26c&bucket=x%2Fy%3D%C3%A9"
        );
    }
}
