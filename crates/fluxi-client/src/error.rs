//! What can go wrong talking to a server.

use std::fmt;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is not `http[s]://host[:port][/prefix]`.
    #[error("{0:?} is not a URL such as http://127.0.0.1:8086")]
    BadUrl(String),
    /// Connecting, sending or receiving failed (or timed out).
    #[error("cannot reach {0}: {1}")]
    Io(String, std::io::Error),
    /// A setting is not usable (the message says which and why).
    #[error("{0}")]
    Invalid(String),
    /// The answer is not HTTP/1.x.
    #[error("the server's answer is not HTTP: {0}")]
    BadResponse(String),
    /// The answer's body is larger than the client reads into memory
    /// ([`crate::Client::max_answer_bytes`]).
    #[error(
        "the server's answer is larger than {limit} bytes, the most this client reads into memory"
    )]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server answered with an error status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The server's answer is not what the API promises (not JSON, a field missing).
    #[error("the server's answer to {what} is not what was expected: {problem}")]
    Unexpected {
        /// The request, e.g. `GET /api/v2/orgs`.
        what: String,
        /// What is wrong with the answer.
        problem: String,
    },
}

impl ClientError {
    /// The server's error, when it answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ClientError::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// An error answer of the server: its status and InfluxDB's `{"code","message"}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status, e.g. 403.
    pub status: u16,
    /// InfluxDB's error code, e.g. `forbidden` (empty when the body had none).
    pub code: String,
    /// The message, e.g. `insufficient permissions for write` (the body's text when it
    /// is not InfluxDB's JSON).
    pub message: String,
}

/// The longest part of a non-JSON error body an [`ApiError`] keeps.
const MAX_MESSAGE: usize = 2_000;

impl ApiError {
    /// The error of an answer with status `status` and this body.
    pub fn from_body(status: u16, body: &[u8]) -> ApiError {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        match field("message") {
            Some(message) => ApiError {
                status,
                code: field("code").unwrap_or_default(),
                message,
            },
            None => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let message = if text.len() > MAX_MESSAGE {
                    let mut end = MAX_MESSAGE;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    format!("{}... ({} more bytes)", &text[..end], text.len() - end)
                } else {
                    text.to_string()
                };
                ApiError {
                    status,
                    code: String::new(),
                    message,
                }
            }
        }
    }

    /// What to check, for the statuses that usually mean a setting is wrong.
    pub fn hint(&self) -> Option<&'static str> {
        match self.status {
            401 => Some("check the token (--token, $FLUXI_TOKEN or the active config)"),
            403 => Some(
                "the token lacks the permission; `fluxi auth list` shows what each token may do",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    /// `message (HTTP 403 forbidden)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = if self.message.is_empty() {
            "(no message)"
        } else {
            &self.message
        };
        write!(f, "{message} (HTTP {}", self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn influx_errors_and_other_bodies_are_rendered() {
        let e = ApiError::from_body(
            403,
            br#"{"code":"forbidden","message":"insufficient permissions for write"}"#,
        );
        assert_eq!(
            e.to_string(),
            "insufficient permissions for write (HTTP 403 forbidden)"
        );
        assert!(e.hint().is_some());
        let e = ApiError::from_body(502, b"  <html>bad gateway</html>\n");
        assert_eq!(e.to_string(), "<html>bad gateway</html> (HTTP 502)");
        let long = "é".repeat(MAX_MESSAGE);
        let e = ApiError::from_body(500, long.as_bytes());
        assert!(e
            .message
            .ends_with(&format!("({} more bytes)", MAX_MESSAGE)));
        assert_eq!(
            ApiError::from_body(500, b"").to_string(),
            "(no message) (HTTP 500)"
        );
    }
}
