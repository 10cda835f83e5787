//! `flightsql://HOST:PORT[?database=DB&token=T&tls=true&register=DIR]`: where the engine
//! is and how to talk to it.

use std::path::PathBuf;
use thiserror::Error;

/// A storage address that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid Flight SQL address {url:?}: {why}")]
pub struct UrlError {
    /// The address as given (with any token replaced by `***`).
    pub url: String,
    /// What is wrong with it.
    pub why: String,
}

/// A parsed `flightsql://` address.
#[derive(Clone, PartialEq, Eq)]
pub struct FlightSqlUrl {
    /// The host name or IP address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// Whether to connect with TLS (`tls=true`).
    pub tls: bool,
    /// A bearer token sent with every request (`token=`).
    pub token: Option<String>,
    /// User name and password for the Flight handshake (`username=`, `password=`).
    pub basic: Option<(String, String)>,
    /// The database (`database=`): sent as the `database` header (InfluxDB 3 picks its
    /// database so) and the only bucket the storage shows, whose tables are in the
    /// schema `iox`. Without it, every schema of the engine's catalog is a bucket.
    pub database: Option<String>,
    /// A directory of Parquet files written by `fluxi export --parquet` to register
    /// with the engine when connecting (`register=`).
    pub register: Option<PathBuf>,
    /// The longest a statement may take until its answer starts (`timeout=SECONDS`,
    /// default 300; `0` for no limit): an engine whose job never finishes must not hang
    /// a query.
    pub timeout: Option<std::time::Duration>,
}

/// The default of [`FlightSqlUrl::timeout`].
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl std::fmt::Debug for FlightSqlUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret.
        f.debug_struct("FlightSqlUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("basic", &self.basic.as_ref().map(|(u, _)| (u, "***")))
            .field("database", &self.database)
            .field("register", &self.register)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The scheme of a Flight SQL storage address.
pub const SCHEME: &str = "flightsql://";

/// Whether a `--storage` value is a Flight SQL address (rather than a directory).
pub fn is_flightsql(text: &str) -> bool {
    text.get(..SCHEME.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(SCHEME))
}

/// `text` without secrets, for messages.
fn redacted(text: &str) -> String {
    let Some((base, query)) = text.split_once('?') else {
        return text.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k == "token" || k == "password" => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl FlightSqlUrl {
    /// Parse `flightsql://HOST:PORT[?k=v&...]`.
    pub fn parse(text: &str) -> Result<FlightSqlUrl, UrlError> {
        let err = |why: &str| UrlError {
            url: redacted(text),
            why: why.to_string(),
        };
        if !is_flightsql(text) {
            return Err(err("it must start with flightsql://"));
        }
        let rest = &text[SCHEME.len()..];
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        if authority.contains('/') || authority.contains('@') {
            return Err(err(
                "give only HOST:PORT before the `?` (no path, no user@; use token= or username=/password=)",
            ));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, p) = v6
                .split_once("]:")
                .ok_or_else(|| err("an IPv6 address needs the form [ADDR]:PORT"))?;
            (h.to_string(), p)
        } else {
            let (h, p) = authority
                .rsplit_once(':')
                .ok_or_else(|| err("the port is missing (HOST:PORT)"))?;
            (h.to_string(), p)
        };
        if host.is_empty() {
            return Err(err("the host is missing (HOST:PORT)"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| err("the port must be a number from 1 to 65535"))?;
        let mut url = FlightSqlUrl {
            host,
            port,
            tls: false,
            token: None,
            basic: None,
            database: None,
            register: None,
            timeout: Some(DEFAULT_TIMEOUT),
        };
        let (mut user, mut password) = (None, None);
        for param in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = param.split_once('=').unwrap_or((param, ""));
            let v = percent_decode(v)
                .ok_or_else(|| err(&format!("the value of {k} is not valid percent-encoding")))?;
            let nonempty = |v: String| {
                if v.is_empty() {
                    Err(err(&format!("{k}= needs a value")))
                } else {
                    Ok(v)
                }
            };
            match k {
                "tls" => {
                    url.tls = match v.as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(err("tls must be true or false")),
                    }
                }
                "token" => url.token = Some(nonempty(v)?),
                "username" => user = Some(nonempty(v)?),
                "password" => password = Some(v),
                "database" => url.database = Some(nonempty(v)?),
                "register" => url.register = Some(PathBuf::from(nonempty(v)?)),
                "timeout" => {
                    let secs: u64 = v
                        .parse()
                        .map_err(|_| err("timeout must be a whole number of seconds (0: none)"))?;
                    url.timeout = (secs > 0).then(|| std::time::Duration::from_secs(secs));
                }
                other => {
                    return Err(err(&format!(
                        "unknown parameter {other:?} (known: database, token, username, password, tls, register, timeout)"
                    )))
                }
            }
        }
        match (user, password) {
            (Some(u), p) => url.basic = Some((u, p.unwrap_or_default())),
            (None, Some(_)) => return Err(err("password= needs username=")),
            (None, None) => {}
        }
        if url.token.is_some() && url.basic.is_some() {
            return Err(err("give either token= or username=/password=, not both"));
        }
        Ok(url)
    }

    /// The gRPC endpoint, `http://HOST:PORT` or `https://HOST:PORT`.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for FlightSqlUrl {
    /// The address without secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "flightsql://[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "flightsql://{}:{}", self.host, self.port)?;
        }
        let mut params = Vec::new();
        if let Some(d) = &self.database {
            params.push(format!("database={d}"));
        }
        if self.tls {
            params.push("tls=true".into());
        }
        if self.token.is_some() {
            params.push("token=***".into());
        }
        if let Some((u, _)) = &self.basic {
            params.push(format!("username={u}&password=***"));
        }
        if let Some(r) = &self.register {
            params.push(format!("register={}", r.display()));
        }
        match self.timeout {
            Some(t) if t == DEFAULT_TIMEOUT => {}
            Some(t) => params.push(format!("timeout={}", t.as_secs())),
            None => params.push("timeout=0".into()),
        }
        if !params.is_empty() {
            write!(f, "?{}", params.join("&"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_parameters_are_read() {
        let u = FlightSqlUrl::parse(
            "flightsql://127.0.0.1:50050?database=db%201&token=a%2Bb&tls=true&register=/tmp/x",
        )
        .unwrap();
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 50050);
        assert!(u.tls);
        assert_eq!(u.token.as_deref(), Some("a+b"));
        assert_eq!(u.database.as_deref(), Some("db 1"));
        assert_eq!(u.register, Some(PathBuf::from("/tmp/x")));
        assert_eq!(u.timeout, Some(DEFAULT_TIMEOUT));
        let t = FlightSqlUrl::parse("flightsql://h:1?timeout=0").unwrap();
        assert_eq!(
            (t.timeout, t.to_string().as_str()),
            (None, "flightsql://h:1?timeout=0")
        );
        assert_eq!(u.endpoint(), "https://127.0.0.1:50050");
        let v6 = FlightSqlUrl::parse("flightsql://[::1]:9").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9));
        assert_eq!(v6.endpoint(), "http://[::1]:9");
        let basic = FlightSqlUrl::parse("FLIGHTSQL://h:1/?username=u&password=p").unwrap();
        assert_eq!(basic.basic, Some(("u".into(), "p".into())));
    }

    #[test]
    fn bad_addresses_say_why_and_never_show_the_token() {
        for (text, why) in [
            ("http://h:1", "must start with flightsql://"),
            ("flightsql://h", "port is missing"),
            ("flightsql://h:0", "port must be a number"),
            ("flightsql://h:x", "port must be a number"),
            ("flightsql://:1", "host is missing"),
            ("flightsql://h:1/db", "only HOST:PORT"),
            ("flightsql://u@h:1", "only HOST:PORT"),
            ("flightsql://h:1?tls=maybe", "tls must be true or false"),
            ("flightsql://h:1?bucket=b", "unknown parameter \"bucket\""),
            ("flightsql://h:1?token=", "token= needs a value"),
            ("flightsql://h:1?password=p", "password= needs username="),
            ("flightsql://h:1?token=%zz", "not valid percent-encoding"),
            ("flightsql://h:1?token=t&username=u", "not both"),
            ("flightsql://h:1?timeout=1m", "whole number of seconds"),
        ] {
            let e = FlightSqlUrl::parse(text).unwrap_err();
            assert!(e.to_string().contains(why), "{text}: {e}");
        }
        let e = FlightSqlUrl::parse("flightsql://h:1?token=SECRET&x=1").unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let u = FlightSqlUrl::parse("flightsql://h:1?token=SECRET").unwrap();
        assert!(!format!("{u} {u:?}").contains("SECRET"));
    }
}
