//! [`HttpSink`]: the buffered writer's batches posted as line protocol to
//! `/api/v2/write` of `fluxi serve` or InfluxDB 2.

use crate::api::OrgRef;
use crate::error::{ApiError, ClientError};
use crate::http::{query_string, Answer, Client, Request};
use fluxi::writer::{
    check_line, conflicting_points, encode_line, BufferedWriter, CheckedPoint, DeliveryError,
    PointSink, WriterOptions,
};
use fluxi::StorageError;
use std::fmt;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How [`HttpSink`] retries a batch the server cannot take now (5xx, 429, no
/// connection) before it hands the batch back to the writer, which keeps it buffered
/// and tries again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3; 0: none).
    pub max_retries: u32,
    /// The wait before the first retry, doubled for each one after (default 1 s). A
    /// `Retry-After` of the server replaces it.
    pub first_delay: Duration,
    /// The longest wait (default 30 s): a longer `Retry-After` is not waited out here
    /// but handed to the writer, which retries on its own after it.
    pub max_delay: Duration,
    /// The most time one batch may take, waits included (default 60 s).
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `n` (1-based) without a `Retry-After`.
    fn backoff(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_delay)
    }
}

/// A [`PointSink`] that posts each batch as line protocol (nanosecond timestamps) to
/// `/api/v2/write` of an InfluxDB 2 compatible server — `fluxi serve` or InfluxDB 2 —
/// over one kept-alive connection.
///
/// ```no_run
/// use fluxi::writer::{Point, WriterOptions};
/// use fluxi_client::HttpSink;
///
/// let sink = HttpSink::new("http://127.0.0.1:8086", "TOKEN", "acme", "metrics")?;
/// let writer = sink.writer(WriterOptions::default());
/// writer.write(Point::new("cpu").tag("host", "a").field("usage", 12.5))?;
/// writer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// What the server answers decides what the writer does with a batch:
///
/// * 2xx: written.
/// * 429, 5xx, or no answer: retried here as [`RetryPolicy`] says (honouring
///   `Retry-After`), then handed back as [`DeliveryError::Unavailable`]: the points stay
///   buffered.
/// * 401, 403 (the token), 404 (the bucket or org), 413 (a batch over the server's body
///   limit: lower the batch size), other statuses: [`DeliveryError::Unavailable`] at
///   once — a setting is wrong, and the points stay buffered until it is put right or
///   the buffer is full.
/// * 400 naming lines (`unable to parse '...'`): those points are refused for good
///   ([`DeliveryError::Refused`]; the writer reports them as `WriteError::Rejected` and
///   writes the rest); all of the batch when the lines named are not found in it. A 400
///   that names no line is about the request, not the points: unavailable.
/// * 422 field type conflict: the points with the conflicting field are refused, the
///   rest written; any other 422 (points outside the retention period) refuses the
///   whole batch.
///
/// Every point is checked when it is written ([`check_line`]): one whose line protocol
/// would not read back as the same point is refused then, as `WriteError::InvalidPoint`.
///
/// Full batches are sent by the writer's background thread ([`PointSink::write_in_caller`]
/// is `false`), so `write` never waits for the network; `flush`, `close` and dropping the
/// writer send from the calling thread, and against a server that cannot take the points
/// they stop after one batch's retries ([`RetryPolicy`], plus the connect and read
/// timeouts of each attempt).
pub struct HttpSink {
    client: Client,
    auth: String,
    bucket: String,
    /// `/api/v2/write?org=...&bucket=...&precision=ns`.
    path: String,
    gzip: bool,
    retry: RetryPolicy,
}

impl fmt::Debug for HttpSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSink")
            .field("url", &self.client.url().base())
            .field("path", &self.path)
            .field("token", &"(hidden)")
            .field("gzip", &self.gzip)
            .field("retry", &self.retry)
            .finish()
    }
}

impl HttpSink {
    /// A sink into `bucket` (name or ID) of organization `org` (a name, or an
    /// [`OrgRef::Id`]) of the server at `url`, with `token` (which needs write on the
    /// bucket). Nothing is sent yet.
    pub fn new(
        url: &str,
        token: &str,
        org: impl Into<OrgRef>,
        bucket: &str,
    ) -> Result<HttpSink, ClientError> {
        let org = org.into();
        let (param, value) = match &org {
            OrgRef::Name(n) => ("org", n.as_str()),
            OrgRef::Id(i) => ("orgID", i.as_str()),
        };
        if value.is_empty() {
            return Err(ClientError::Invalid(
                "the HttpSink needs an organization (name or ID)".into(),
            ));
        }
        if bucket.is_empty() {
            return Err(ClientError::Invalid(
                "the HttpSink needs a bucket (name or ID)".into(),
            ));
        }
        let path = format!(
            "/api/v2/write{}",
            query_string(&[(param, value), ("bucket", bucket), ("precision", "ns")])
        );
        Ok(HttpSink {
            client: Client::new(url)?,
            auth: format!("Token {token}"),
            bucket: bucket.to_string(),
            path,
            gzip: false,
            retry: RetryPolicy::default(),
        })
    }

    /// Whether bodies are gzipped (`Content-Encoding: gzip`; default off).
    pub fn gzip(mut self, on: bool) -> HttpSink {
        self.gzip = on;
        self
    }

    /// How batches the server cannot take now are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> HttpSink {
        self.retry = policy;
        self
    }

    /// How long sending a batch or waiting for the answer may take (default 60 s), and
    /// connecting (default 10 s).
    pub fn timeouts(mut self, io: Duration, connect: Duration) -> HttpSink {
        self.client = self.client.timeout(Some(io)).connect_timeout(connect);
        self
    }

    /// A [`BufferedWriter`] over this sink.
    pub fn writer(self, options: WriterOptions) -> BufferedWriter {
        BufferedWriter::with_sink(self, options)
    }

    fn post(&self, body: &[u8]) -> Result<Answer, ClientError> {
        let mut headers = vec![
            ("Authorization", self.auth.as_str()),
            ("Content-Type", "text/plain; charset=utf-8"),
        ];
        if self.gzip {
            headers.push(("Content-Encoding", "gzip"));
        }
        self.client.send(&Request {
            method: "POST",
            path: &self.path,
            headers: &headers,
            body,
        })
    }

    /// What an error answer means for the batch (`lines`: its line protocol).
    fn classify(&self, answer: &Answer, points: &[CheckedPoint], lines: &str) -> Verdict {
        let api = ApiError::from_body(answer.status, &answer.body);
        let base = self.client.url().base();
        let backend = |what: &str| StorageError::Backend(format!("{base} {what}: {api}"));
        match answer.status {
            429 | 500..=599 => Verdict::Transient(
                backend("cannot take the batch now"),
                answer.header("retry-after").and_then(retry_after),
            ),
            401 | 403 => Verdict::Unavailable(StorageError::PermissionDenied(format!(
                "{base} refused the token: {api}"
            ))),
            404 if api.message.contains("bucket") => {
                Verdict::Unavailable(StorageError::BucketNotFound(self.bucket.clone()))
            }
            413 => Verdict::Unavailable(backend(&format!(
                "refuses a batch of {} points ({} bytes) as too large; lower WriterOptions::batch_size",
                points.len(),
                lines.len()
            ))),
            400 => {
                let named = unparsable_lines(&api.message);
                if named.is_empty() {
                    return Verdict::Unavailable(backend("refused the request"));
                }
                let mut refused: Vec<usize> = lines
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| named.contains(&l.trim_start()))
                    .map(|(i, _)| i)
                    .collect();
                if refused.is_empty() {
                    refused = (0..points.len()).collect();
                }
                Verdict::Refused(backend("refused points of the batch"), refused)
            }
            422 => match field_type_conflict(&api.message) {
                Some(conflict) => {
                    let refused = conflicting_points(points, &conflict);
                    if refused.is_empty() {
                        Verdict::Refused(backend("refused the batch"), (0..points.len()).collect())
                    } else {
                        Verdict::Refused(conflict, refused)
                    }
                }
                None => Verdict::Refused(backend("refused the batch"), (0..points.len()).collect()),
            },
            _ => Verdict::Unavailable(backend("refused the batch")),
        }
    }
}

/// What to do with a batch after an error answer.
pub(crate) enum Verdict {
    /// Retry here (after the server's `Retry-After`, if any).
    Transient(StorageError, Option<Duration>),
    /// Hand it back to the writer to keep.
    Unavailable(StorageError),
    /// These points are refused for good.
    Refused(StorageError, Vec<usize>),
}

impl PointSink for HttpSink {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    fn check(&self, point: &CheckedPoint) -> Result<(), String> {
        check_line(point)
    }

    fn write_in_caller(&self) -> bool {
        false
    }

    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        let mut lines = String::with_capacity(points.len() * 64);
        for p in points {
            encode_line(&mut lines, p);
        }
        let gzipped;
        let body: &[u8] = if self.gzip {
            gzipped = gzip(lines.as_bytes()).map_err(|e| DeliveryError::Unavailable {
                error: StorageError::Backend(format!("gzipping a batch failed: {e}")),
                retry_after: None,
            })?;
            &gzipped
        } else {
            lines.as_bytes()
        };
        send_with_retries(
            &self.retry,
            || self.post(body),
            |answer| self.classify(answer, points, &lines),
        )
        .map(|_| ())
    }
}

/// Sends a batch with `send`, retrying as `retry` says while `classify` calls an error
/// answer (or no answer) transient; the successful answer, or what to hand the writer.
pub(crate) fn send_with_retries(
    retry: &RetryPolicy,
    send: impl Fn() -> Result<Answer, ClientError>,
    classify: impl Fn(&Answer) -> Verdict,
) -> Result<Answer, DeliveryError> {
    let started = Instant::now();
    let mut retries = 0u32;
    loop {
        let (error, retry_after) = match send() {
            Ok(answer) if answer.is_success() => return Ok(answer),
            Ok(answer) => match classify(&answer) {
                Verdict::Transient(e, after) => (e, after),
                Verdict::Unavailable(error) => {
                    return Err(DeliveryError::Unavailable {
                        error,
                        retry_after: None,
                    })
                }
                Verdict::Refused(error, points) => {
                    return Err(DeliveryError::Refused { error, points })
                }
            },
            Err(e) => (StorageError::Backend(e.to_string()), None),
        };
        retries += 1;
        let delay = retry_after.unwrap_or_else(|| retry.backoff(retries));
        let over_time = started
            .elapsed()
            .checked_add(delay)
            .is_none_or(|t| t > retry.max_total);
        if retries > retry.max_retries || delay > retry.max_delay || over_time {
            return Err(DeliveryError::Unavailable { error, retry_after });
        }
        std::thread::sleep(delay);
    }
}

/// `text` gzipped.
pub(crate) fn gzip(text: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(text.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    enc.write_all(text)?;
    enc.finish()
}

/// The lines an InfluxDB 400 names: `unable to parse '<line>': <reason>`, one per line.
fn unparsable_lines(message: &str) -> Vec<&str> {
    message
        .split('\n')
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("unable to parse '")?;
            let end = rest.rfind("': ")?;
            Some(&rest[..end])
        })
        .collect()
}

/// The field type conflict of InfluxDB's (and fluxi's) message: `input field "F" on
/// measurement "M" is type T, already exists as type E`.
fn field_type_conflict(message: &str) -> Option<StorageError> {
    let start = message.find("input field \"")? + "input field \"".len();
    let rest = &message[start..];
    let type_at = rest.rfind("\" is type ")?;
    let (names, types) = (&rest[..type_at], &rest[type_at + "\" is type ".len()..]);
    let (field, measurement) = names.split_once("\" on measurement \"")?;
    let (found, existing) = types.split_once(", already exists as type ")?;
    let type_name = |t: &str| -> Option<&'static str> {
        let word = t.split(|c: char| !c.is_ascii_alphabetic()).next()?;
        ["float", "integer", "unsigned", "string", "boolean"]
            .into_iter()
            .find(|n| *n == word)
    };
    Some(StorageError::FieldTypeConflict {
        measurement: measurement.to_string(),
        field: field.to_string(),
        existing: type_name(existing)?,
        found: type_name(found)?,
    })
}

/// A `Retry-After` value: seconds, or an HTTP date (IMF-fixdate, GMT).
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // `Sun, 06 Nov 1994 08:49:37 GMT`
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: i64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=31).contains(&day)
        || !(0..24).contains(&h)
        || !(0..60).contains(&m)
        || !(0..61).contains(&s)
    {
        return None;
    }
    let at = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())?;
    Some(Duration::from_secs(u64::try_from(at - now).unwrap_or(0)))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl From<&str> for OrgRef {
    /// An organization by name.
    fn from(name: &str) -> OrgRef {
        OrgRef::Name(name.to_string())
    }
}

impl From<String> for OrgRef {
    /// An organization by name.
    fn from(name: String) -> OrgRef {
        OrgRef::Name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = retry_after("Fri, 01 Jan 2100 00:00:00 GMT").unwrap_or_default();
        assert!(later > Duration::from_secs(60 * 365 * 86_400), "{later:?}");
        for bad in [
            "",
            "-1",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(retry_after(bad), None, "{bad}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            max_retries: 10,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            max_total: Duration::from_secs(5),
        };
        let waits: Vec<u128> = (1..=5).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(p.backoff(200), Duration::from_millis(500));
    }

    #[test]
    fn server_messages_are_read() {
        let lines = unparsable_lines(
            "unable to parse 'm,a=b x': missing fields\nunable to parse 'q ': it's: odd': bad",
        );
        assert_eq!(lines, ["m,a=b x", "q ': it's: odd"]);
        let c = field_type_conflict(
            "partial write: field type conflict: input field \"v\" on measurement \"m m\" is type integer, already exists as type float dropped=1",
        );
        assert_eq!(
            c,
            Some(StorageError::FieldTypeConflict {
                measurement: "m m".into(),
                field: "v".into(),
                existing: "float",
                found: "integer",
            })
        );
        assert_eq!(field_type_conflict("failure writing points"), None);
    }
}
