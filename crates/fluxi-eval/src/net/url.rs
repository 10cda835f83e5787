//! The URLs Flux functions may send requests to: `http://` and `https://` only, an ASCII
//! host name or an IP address, an optional port, a path and a query. Nothing else is
//! guessed: credentials in the URL, other schemes, control characters and dot segments
//! (`/../`) are refused with a message saying which.

use std::fmt;
use std::net::IpAddr;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// The port a URL of this scheme means when it names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn parse(text: &str) -> Option<Scheme> {
        if text.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if text.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }
}

/// A host: a name (lower case, no trailing dot) or an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name.
    Name(String),
    /// An IPv4 or IPv6 address written in the URL.
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
            Host::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
        }
    }
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The scheme.
    pub scheme: Scheme,
    /// The host.
    pub host: Host,
    /// The port (the scheme's default when the URL names none).
    pub port: u16,
    /// The path, starting with `/`, percent-encoded as it is sent.
    pub path: String,
    /// The query without its `?`, if there is one.
    pub query: Option<String>,
}

impl Url {
    /// Parse `text`; the error says what is wrong with it (it does not repeat the URL,
    /// which may hold a secret).
    pub fn parse(text: &str) -> Result<Url, String> {
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(format!(
                "the URL holds the control character {c:?} (encode it as %XX)"
            ));
        }
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err("a URL must start with http:// or https://".into());
        };
        let scheme = Scheme::parse(scheme).ok_or_else(|| {
            format!("only http:// and https:// URLs are supported, not {scheme}://")
        })?;
        // The fragment is never sent.
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(
                "credentials in a URL (user:password@) are not supported; send them in \
                 an Authorization header (http.basicAuth builds one)"
                    .into(),
            );
        }
        let (host, port) = split_authority(authority)?;
        let port = match port {
            None => scheme.default_port(),
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("{p:?} is not a port number (1 to 65535)"))?,
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(encode_loose(q))),
            None => (tail, None),
        };
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            encode_loose(path)
        };
        if path
            .split('/')
            .any(|seg| matches!(decode_dots(seg).as_str(), "." | ".."))
        {
            return Err("the URL's path has a `.` or `..` segment; write the path it means".into());
        }
        Ok(Url {
            scheme,
            host,
            port,
            path,
            query,
        })
    }

    /// The path and query as the request line carries them.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The `Host` header: the host, and the port when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        if self.port == self.scheme.default_port() {
            self.host.to_string()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL as messages show it: scheme, host, port and path, without the query (which
    /// often carries tokens).
    pub fn shown(&self) -> String {
        format!(
            "{}://{}:{}{}",
            self.scheme.as_str(),
            self.host,
            self.port,
            self.path
        )
    }
}

/// Split `host[:port]` or `[v6][:port]`; the host is checked and lower-cased.
pub(crate) fn split_authority(authority: &str) -> Result<(Host, Option<&str>), String> {
    if authority.is_empty() {
        return Err("the URL has no host".into());
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (addr, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in a URL must end with ]".to_string())?;
        let ip: std::net::Ipv6Addr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("unexpected {p:?} after the IPv6 address"))?,
            ),
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    Ok((parse_host(host)?, port))
}

/// A host name or IPv4 address.
pub(crate) fn parse_host(host: &str) -> Result<Host, String> {
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(format!(
            "{host:?} is not a host name (letters, digits, `-` and `_` in labels separated by \
             dots; write other names in their xn-- form) or an IP address"
        ));
    }
    Ok(Host::Name(name))
}

/// Percent-encode the bytes that may not appear as they are in a request line (spaces,
/// non-ASCII, `"<>\^`{|}`); `%XX` already written is kept.
fn encode_loose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path segment with `%2e` decoded, to tell dot segments however they are written.
fn decode_dots(seg: &str) -> String {
    seg.replace("%2e", ".").replace("%2E", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parts() {
        let u = Url::parse("HTTPS://Hooks.Slack.com/services/T1?x=1#frag").unwrap();
        assert_eq!(u.scheme, Scheme::Https);
        assert_eq!(u.host, Host::Name("hooks.slack.com".into()));
        assert_eq!(u.port, 443);
        assert_eq!(u.path, "/services/T1");
        assert_eq!(u.query.as_deref(), Some("x=1"));
        assert_eq!(u.target(), "/services/T1?x=1");
        assert_eq!(u.host_header(), "hooks.slack.com");
        assert_eq!(u.shown(), "https://hooks.slack.com:443/services/T1");
        let v = Url::parse("http://[::1]:8086").unwrap();
        assert_eq!(v.host, Host::Ip("::1".parse().unwrap()));
        assert_eq!(v.port, 8086);
        assert_eq!(v.path, "/");
        assert_eq!(v.host_header(), "[::1]:8086");
        let w = Url::parse("http://127.0.0.1:9/a b/é").unwrap();
        assert_eq!(w.path, "/a%20b/%C3%A9");
    }

    #[test]
    fn refuses_what_it_does_not_take() {
        for (url, says) in [
            ("ftp://x/", "only http:// and https://"),
            ("hooks.slack.com/x", "must start with"),
            ("http://user:pw@x/", "credentials"),
            ("http://x:0/", "not a port"),
            ("http://x:99999/", "not a port"),
            ("http:///a", "no host"),
            ("http://a b/", "not a host name"),
            ("http://x/a/../admin", "`..` segment"),
            ("http://x/a/%2E%2e/admin", "`..` segment"),
            ("http://x/a\r\nHost: y", "control character"),
            ("http://[::1/", "must end with ]"),
        ] {
            let e = Url::parse(url).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
        }
    }
}
