//! A blocking HTTP/1.1 client over one keep-alive connection (`std::net::TcpStream`),
//! enough to drive `fluxi serve`: requests with a `Content-Length` body, answers with a
//! `Content-Length`, chunked or connection-delimited body.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long one answer may take before the request counts as failed.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not `http://host:port`.
    #[error("{0:?} is not a URL such as http://127.0.0.1:8086")]
    BadUrl(String),
    /// No connection could be made: the request never left.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    /// The connection failed after the request began to be sent: the server may or may
    /// not have acted on it.
    #[error("the connection to {0} failed: {1}")]
    Io(String, std::io::Error),
    /// The answer is not well-formed HTTP/1.1.
    #[error("the answer from {0} is not well-formed HTTP: {1}")]
    Protocol(String, String),
}

impl HttpError {
    /// Whether the request certainly never reached the server.
    pub fn never_sent(&self) -> bool {
        matches!(self, HttpError::Connect(..) | HttpError::BadUrl(_))
    }
}

/// An answer: status, headers (names in lower case) and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The first header of this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `host:port` of an `http://host:port[/]` URL.
pub fn authority(url: &str) -> Result<String, HttpError> {
    let host = url
        .strip_prefix("http://")
        .map(|r| r.trim_end_matches('/'))
        .filter(|h| h.contains(':') && !h.contains('/'))
        .ok_or_else(|| HttpError::BadUrl(url.to_string()))?;
    Ok(host.to_string())
}

struct Open {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// One client connection, opened on first use and again after the server closed it.
pub struct Connection {
    host: String,
    open: Option<Open>,
}

impl Connection {
    /// A connection to the server at `url` (`http://host:port`); nothing is opened yet.
    pub fn new(url: &str) -> Result<Connection, HttpError> {
        Ok(Connection {
            host: authority(url)?,
            open: None,
        })
    }

    fn connect(&mut self) -> Result<&mut Open, HttpError> {
        if self.open.is_none() {
            let host = self.host.clone();
            let stream =
                TcpStream::connect(&host).map_err(|e| HttpError::Connect(host.clone(), e))?;
            let io = |e| HttpError::Connect(host.clone(), e);
            stream.set_nodelay(true).map_err(io)?;
            stream.set_read_timeout(Some(READ_TIMEOUT)).map_err(io)?;
            let writer = stream.try_clone().map_err(io)?;
            self.open = Some(Open {
                reader: BufReader::with_capacity(64 * 1024, stream),
                writer,
            });
        }
        self.open
            .as_mut()
            .ok_or_else(|| HttpError::Protocol(self.host.clone(), "no connection".into()))
    }

    /// Sends `method path` with these extra headers and body, and reads the whole answer.
    /// After an error the connection is dropped (the next request opens a new one).
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Answer, HttpError> {
        let host = self.host.clone();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (n, v) in headers {
            head.push_str(n);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let open = self.connect()?;
        let result = exchange(open, &host, method, head.as_bytes(), body);
        match &result {
            Ok(a)
                if !a
                    .header("connection")
                    .is_some_and(|c| c.eq_ignore_ascii_case("close")) => {}
            _ => self.open = None,
        }
        result
    }
}

fn exchange(
    open: &mut Open,
    host: &str,
    method: &str,
    head: &[u8],
    body: &[u8],
) -> Result<Answer, HttpError> {
    let io = |e| HttpError::Io(host.to_string(), e);
    let bad = |m: String| HttpError::Protocol(host.to_string(), m);
    open.writer.write_all(head).map_err(io)?;
    open.writer.write_all(body).map_err(io)?;
    open.writer.flush().map_err(io)?;
    let r = &mut open.reader;
    let status_line = read_line(r).map_err(io)?;
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| bad(format!("status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(r).map_err(io)?;
        if line.is_empty() {
            break;
        }
        let (n, v) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("header line {line:?}")))?;
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut out = Vec::new();
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        // No body.
    } else if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let line = read_line(r).map_err(io)?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| bad(format!("chunk size {line:?}")))?;
            if size == 0 {
                // Trailers, then the empty line.
                while !read_line(r).map_err(io)?.is_empty() {}
                break;
            }
            let at = out.len();
            out.resize(at + size, 0);
            r.read_exact(&mut out[at..]).map_err(io)?;
            if !read_line(r).map_err(io)?.is_empty() {
                return Err(bad("a chunk is longer than its size".into()));
            }
        }
    } else if let Some(len) = find("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| bad(format!("content-length {len:?}")))?;
        out.resize(len, 0);
        r.read_exact(&mut out).map_err(io)?;
    } else {
        r.read_to_end(&mut out).map_err(io)?;
    }
    Ok(Answer {
        status,
        headers,
        body: out,
    })
}

/// One line without its CRLF; an error at end of stream.
fn read_line(r: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let n = r.read_until(b'\n', &mut buf)?;
    if n == 0 || buf.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the connection closed in the middle of an answer",
        ));
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "a line is not UTF-8"))
}
