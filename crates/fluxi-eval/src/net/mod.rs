//! Where a query may send requests (`http.post`, `requests.do`, `slack`, `pagerduty`):
//! the egress policy, and the HTTP client every such function goes through.
//!
//! An engine reaches no network unless allowed ([`Egress::default`] allows nothing, as
//! `fluxi::Engine`, the server and `fluxi run` without `--allow-egress` do). A policy is a
//! list of destinations ([`Destination::parse`]):
//!
//! - `host` or `host:port`: that host (any port, or that port), `http` or `https`;
//! - `*.example.com[:port]`: any host under `example.com` (not `example.com` itself);
//! - `https://host[:port]/path/`: that scheme, host and port (the scheme's default when
//!   none is written), and only paths under `/path/` (a prefix that does not end in `/`
//!   also matches itself exactly and what follows it after `/` or `?`);
//! - an IP address (`127.0.0.1:9000`, `[::1]:9000`) in either form;
//! - `*`: any host and port (for the command line's convenience).
//!
//! Besides the URL, the addresses a host name resolves to are checked, and a request goes
//! only to an address that was checked: an address that is loopback (`127.0.0.0/8`,
//! `::1`), link-local (`169.254.0.0/16`, where clouds keep their metadata service, and
//! `fe80::/10`) or unspecified (`0.0.0.0`, `::`) — also in their IPv4-mapped IPv6 form —
//! is reached only through a destination that names such an address itself: `localhost`
//! or the IP address written out. So a DNS name that resolves to 127.0.0.1, or `*`, never
//! reaches an admin endpoint of the fluxi serving the query.
//!
//! Redirects are not followed (a 3xx is the answer), one request has a time limit
//! ([`DEFAULT_TIMEOUT`], the whole exchange: name lookup, connect, send, answer) and its
//! answer a size limit ([`DEFAULT_MAX_ANSWER`]); passing one is an error with a code.

pub mod client;
pub mod url;

pub use client::{Request, Response};
pub use url::{Host, Scheme, Url};

use crate::error::{ErrorKind, EvalError};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The default time limit of one request: name lookup, connecting, sending and reading
/// the whole answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default size limit of one answer's body.
pub const DEFAULT_MAX_ANSWER: usize = 10 << 20;

/// The hint every refusal carries.
const HOW_TO_ALLOW: &str = "allow a destination with `--allow-egress DEST` on the command \
     line (DEST: host, host:port, *.domain or a URL prefix such as https://hooks.slack.com/), \
     the server's egress allow-list, or `EngineBuilder::allow_egress` when embedding; see \
     docs/egress.md";

/// Which hosts a destination matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostRule {
    /// Every host.
    Any,
    /// This name or address.
    Exact(Host),
    /// Names ending in `.suffix`.
    Under(String),
}

/// One allowed destination (see the module's documentation for the forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    text: String,
    scheme: Option<Scheme>,
    host: HostRule,
    port: Option<u16>,
    path_prefix: Option<String>,
}

impl Destination {
    /// Parse a destination; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Destination, String> {
        let t = text.trim();
        let bad = |why: String| format!("egress destination {t:?}: {why}");
        if t == "*" {
            return Ok(Destination {
                text: t.to_string(),
                scheme: None,
                host: HostRule::Any,
                port: None,
                path_prefix: None,
            });
        }
        if t.contains("://") {
            let u = Url::parse(t).map_err(bad)?;
            if u.query.is_some() {
                return Err(bad("a destination URL has no query".into()));
            }
            let prefix = (u.path != "/").then(|| u.path.clone());
            return Ok(Destination {
                text: t.to_string(),
                scheme: Some(u.scheme),
                host: HostRule::Exact(u.host),
                port: Some(u.port),
                path_prefix: prefix,
            });
        }
        if t.contains('/') {
            return Err(bad(
                "a destination with a path must be a URL (https://host/path/)".into(),
            ));
        }
        if let Some(rest) = t.strip_prefix("*.") {
            let (host, port) = url::split_authority(rest).map_err(bad)?;
            let Host::Name(suffix) = host else {
                return Err(bad("`*.` goes before a domain name, not an address".into()));
            };
            return Ok(Destination {
                text: t.to_string(),
                scheme: None,
                host: HostRule::Under(suffix),
                port: port.map(|p| parse_port(p).map_err(bad)).transpose()?,
                path_prefix: None,
            });
        }
        // A bare IPv6 address has colons of its own.
        let (host, port) = match t.parse::<std::net::Ipv6Addr>() {
            Ok(a) => (Host::Ip(IpAddr::V6(a)), None),
            Err(_) => url::split_authority(t).map_err(bad)?,
        };
        Ok(Destination {
            text: t.to_string(),
            scheme: None,
            host: HostRule::Exact(host),
            port: port.map(|p| parse_port(p).map_err(bad)).transpose()?,
            path_prefix: None,
        })
    }

    /// The destination as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn matches(&self, u: &Url) -> bool {
        if self.scheme.is_some_and(|s| s != u.scheme) || self.port.is_some_and(|p| p != u.port) {
            return false;
        }
        let host_ok = match (&self.host, &u.host) {
            (HostRule::Any, _) => true,
            (HostRule::Exact(h), host) => h == host,
            (HostRule::Under(suffix), Host::Name(n)) => n
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            (HostRule::Under(_), Host::Ip(_)) => false,
        };
        host_ok
            && match &self.path_prefix {
                None => true,
                Some(p) if p.ends_with('/') => u.path.starts_with(p.as_str()),
                Some(p) => u.path.strip_prefix(p.as_str()).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')
                }),
            }
    }

    /// Whether this destination names a loopback, link-local or unspecified address
    /// itself (`localhost`, or such an address written out).
    fn names_special(&self) -> bool {
        match &self.host {
            HostRule::Exact(Host::Name(n)) => n == "localhost",
            HostRule::Exact(Host::Ip(ip)) => special(*ip).is_some(),
            _ => false,
        }
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("{p:?} is not a port number (1 to 65535)"))
}

/// What kind of address only a destination naming it may reach, if `ip` is one.
pub fn special(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(a) if a.is_loopback() => Some("loopback"),
        IpAddr::V4(a) if a.is_link_local() => Some("link-local"),
        IpAddr::V4(a) if a.is_unspecified() => Some("unspecified"),
        IpAddr::V6(a) if a.is_loopback() => Some("loopback"),
        IpAddr::V6(a) if a.is_unspecified() => Some("unspecified"),
        IpAddr::V6(a) if (a.segments()[0] & 0xffc0) == 0xfe80 => Some("link-local"),
        _ => None,
    }
}

/// Where a query's requests may go, and the limits of each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    allowed: Vec<Destination>,
    /// The time limit of one request (the whole exchange).
    pub timeout: Duration,
    /// The most bytes of an answer's body read; a longer answer is an error.
    pub max_answer: usize,
}

impl Default for Egress {
    fn default() -> Self {
        Egress {
            allowed: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_answer: DEFAULT_MAX_ANSWER,
        }
    }
}

/// A refusal by the policy (`ErrorKind::EgressDenied`).
pub fn denied(message: String) -> EvalError {
    EvalError::new(ErrorKind::EgressDenied, message).with_hint(HOW_TO_ALLOW)
}

impl Egress {
    /// No egress at all (the default).
    pub fn none() -> Egress {
        Egress::default()
    }

    /// These destinations (parsed with [`Destination::parse`]).
    pub fn allowing<S: AsRef<str>>(destinations: &[S]) -> Result<Egress, String> {
        let allowed = destinations
            .iter()
            .map(|d| Destination::parse(d.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Egress {
            allowed,
            ..Egress::default()
        })
    }

    /// The allowed destinations, as written.
    pub fn destinations(&self) -> Vec<&str> {
        self.allowed.iter().map(Destination::as_str).collect()
    }

    /// Whether any destination is allowed.
    pub fn is_off(&self) -> bool {
        self.allowed.is_empty()
    }

    /// The destination allowing `u`, or the refusal saying why there is none.
    pub fn check(&self, u: &Url) -> Result<&Destination, EvalError> {
        if self.allowed.is_empty() {
            return Err(denied(format!(
                "cannot send a request to {}: network egress is off for this engine (no \
                 destination is allowed)",
                u.shown()
            )));
        }
        self.allowed.iter().find(|d| d.matches(u)).ok_or_else(|| {
            denied(format!(
                "cannot send a request to {}: it is not on the egress allow-list ({})",
                u.shown(),
                self.destinations().join(", ")
            ))
        })
    }

    /// Check the addresses `u`'s host resolved to against the destination that allowed
    /// it: every one must be ordinary, or the destination must name such an address
    /// itself. One unusual address refuses all (a name answering both a public and a
    /// loopback address is a rebinding trick).
    pub fn check_addresses(
        &self,
        u: &Url,
        by: &Destination,
        addrs: &[SocketAddr],
    ) -> Result<(), EvalError> {
        if by.names_special() {
            return Ok(());
        }
        for a in addrs {
            if let Some(kind) = special(a.ip()) {
                return Err(denied(format!(
                    "cannot send a request to {}: {} resolves to {}, a {kind} address, which \
                     only a destination naming that address itself (`localhost` or the \
                     address written out) may reach; {:?} does not",
                    u.shown(),
                    u.host,
                    a.ip(),
                    by.as_str()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn allows(dests: &[&str], u: &str) -> bool {
        Egress::allowing(dests).unwrap().check(&url(u)).is_ok()
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let e = Egress::default()
            .check(&url("https://example.com/"))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::EgressDenied);
        assert!(e.message.contains("egress is off"), "{}", e.message);
        assert!(e.hint.as_deref().unwrap_or("").contains("--allow-egress"));
    }

    #[test]
    fn hosts_ports_and_wildcards() {
        assert!(allows(&["example.com"], "https://example.com/x"));
        assert!(allows(&["example.com"], "http://EXAMPLE.com.:8080/x"));
        assert!(!allows(&["example.com"], "https://www.example.com/"));
        assert!(!allows(&["example.com"], "https://example.com.evil.net/"));
        assert!(allows(&["example.com:8443"], "https://example.com:8443/"));
        assert!(!allows(&["example.com:8443"], "https://example.com/"));
        assert!(allows(&["*.example.com"], "https://a.b.example.com/"));
        assert!(!allows(&["*.example.com"], "https://example.com/"));
        assert!(!allows(&["*.example.com"], "https://badexample.com/"));
        assert!(allows(&["127.0.0.1:9000"], "http://127.0.0.1:9000/"));
        assert!(!allows(&["127.0.0.1:9000"], "http://localhost:9000/"));
        assert!(allows(&["[::1]:9000"], "http://[::1]:9000/"));
        assert!(allows(&["::1"], "http://[::1]:1/"));
        assert!(allows(&["*"], "http://anything.at.all:1/"));
    }

    #[test]
    fn url_prefixes() {
        let d = ["https://hooks.slack.com/services/"];
        assert!(allows(&d, "https://hooks.slack.com/services/T/B/X"));
        assert!(!allows(&d, "http://hooks.slack.com/services/T"));
        assert!(!allows(&d, "https://hooks.slack.com:8443/services/T"));
        assert!(!allows(&d, "https://hooks.slack.com/api/x"));
        assert!(!allows(&d, "https://hooks.slack.com/services"));
        let e = ["https://events.pagerduty.com/v2/enqueue"];
        assert!(allows(&e, "https://events.pagerduty.com/v2/enqueue"));
        assert!(allows(&e, "https://events.pagerduty.com/v2/enqueue?x=1"));
        assert!(allows(&e, "https://events.pagerduty.com/v2/enqueue/more"));
        assert!(!allows(&e, "https://events.pagerduty.com/v2/enqueuex"));
        // A bare host URL allows every path of that scheme and port.
        assert!(allows(
            &["http://10.0.0.1:8080"],
            "http://10.0.0.1:8080/a/b"
        ));
    }

    #[test]
    fn bad_destinations_are_refused() {
        for (d, says) in [
            ("hooks.slack.com/services", "must be a URL"),
            ("*.127.0.0.1", "before a domain name"),
            ("ftp://x/", "only http"),
            ("host:abc", "not a port"),
            ("https://x/?q=1", "no query"),
            ("bad host", "not a host name"),
        ] {
            let e = Destination::parse(d).unwrap_err();
            assert!(e.contains(says), "{d}: {e}");
        }
    }

    #[test]
    fn special_addresses_need_a_destination_naming_them() {
        let sock = |s: &str| -> SocketAddr { s.parse().unwrap() };
        let p = Egress::allowing(&["example.com", "*", "localhost", "127.0.0.1"]).unwrap();
        let u = url("http://example.com/");
        let by_name = &p.allowed[0];
        for a in [
            "127.0.0.1:80",
            "127.9.9.9:80",
            "[::1]:80",
            "[::ffff:127.0.0.1]:80",
            "169.254.169.254:80",
            "[fe80::1]:80",
            "0.0.0.0:80",
            "[::]:80",
        ] {
            let e = p.check_addresses(&u, by_name, &[sock(a)]).unwrap_err();
            assert_eq!(e.kind, ErrorKind::EgressDenied, "{a}");
        }
        // One bad address among good ones refuses them all.
        assert!(p
            .check_addresses(
                &u,
                by_name,
                &[sock("93.184.216.34:80"), sock("127.0.0.1:80")]
            )
            .is_err());
        assert!(p
            .check_addresses(
                &u,
                by_name,
                &[sock("10.1.2.3:80"), sock("93.184.216.34:80")]
            )
            .is_ok());
        // `*` names no address.
        assert!(p
            .check_addresses(&u, &p.allowed[1], &[sock("127.0.0.1:80")])
            .is_err());
        // `localhost` and 127.0.0.1 written out do.
        assert!(p
            .check_addresses(&u, &p.allowed[2], &[sock("127.0.0.1:80")])
            .is_ok());
        assert!(p
            .check_addresses(&u, &p.allowed[3], &[sock("127.0.0.1:80")])
            .is_ok());
    }
}
