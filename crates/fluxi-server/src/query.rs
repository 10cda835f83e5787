//! `POST /api/v2/query`: Flux from a JSON body (`query`, `dialect`, `now`, `extern`) or
//! an `application/vnd.flux` body, answered as annotated CSV streamed table by table.
//! Errors before the first byte are JSON with their status; after it, the in-band error
//! table. A client that goes away cancels its query.

use crate::{ApiError, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluxi::output::{Annotation, Dialect, ResultWriter};
use fluxi::SinkError;
use serde::Deserialize;
use serde_json::Value as Json;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct QueryParams {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct QueryRequest {
    query: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    dialect: Option<DialectRequest>,
    now: Option<String>,
    #[serde(rename = "extern")]
    external: Option<Json>,
    ast: Option<Json>,
}

#[derive(Debug, Deserialize, Default)]
struct DialectRequest {
    header: Option<bool>,
    delimiter: Option<String>,
    annotations: Option<Vec<String>>,
    #[serde(rename = "commentPrefix")]
    comment_prefix: Option<String>,
    #[serde(rename = "dateTimeFormat")]
    date_time_format: Option<String>,
}

/// A query as it will run.
#[derive(Debug)]
struct Parsed {
    /// `option` lines from `extern`, then the query.
    source: String,
    /// How many lines come before the query's own.
    prefix_lines: usize,
    dialect: Dialect,
    now: Option<i64>,
}

fn decode_error(detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("failed to decode request body: {detail}"))
}

fn parse_request(content_type: &str, body: &[u8]) -> Result<Parsed, ApiError> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| decode_error("the body is not UTF-8"))
    };
    if media == "application/vnd.flux" {
        return Ok(Parsed {
            source: text(body)?,
            prefix_lines: 0,
            dialect: Dialect {
                annotations: Vec::new(),
                header: true,
                delimiter: ',',
            },
            now: None,
        });
    }
    let request: QueryRequest = serde_json::from_slice(body).map_err(|e| {
        decode_error(format!(
            "failed parsing request body as JSON; if sending a raw Flux script, set \
             'Content-Type: application/vnd.flux' in your request headers: {e}"
        ))
    })?;
    if let Some(kind) = request.kind.as_deref().filter(|k| *k != "flux") {
        return Err(decode_error(format!("unknown query type: {kind}")));
    }
    let query = match (request.query, request.ast) {
        (Some(q), _) if !q.is_empty() => q,
        (_, Some(_)) => {
            return Err(decode_error(
                "an AST instead of query text is not supported; send the Flux as `query`",
            ))
        }
        _ => return Err(decode_error("request body requires either query or AST")),
    };
    let d = request.dialect.unwrap_or_default();
    let mut annotations = Vec::new();
    for a in d.annotations.unwrap_or_default() {
        annotations.push(match a.as_str() {
            "datatype" => Annotation::Datatype,
            "group" => Annotation::Group,
            "default" => Annotation::Default,
            other => {
                return Err(decode_error(format!(
                    "unknown dialect annotation type: {other}"
                )))
            }
        });
    }
    let delimiter = match d.delimiter.as_deref() {
        None | Some("") => ',',
        Some(s) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c != '"' && c != '\r' && c != '\n' => c,
                _ => return Err(decode_error("delimiter must be one character")),
            }
        }
    };
    if d.comment_prefix
        .as_deref()
        .is_some_and(|p| p.chars().count() > 1)
    {
        return Err(decode_error("commentPrefix must be at most one character"));
    }
    if let Some(f) = d.date_time_format.as_deref() {
        if f != "RFC3339" && f != "RFC3339Nano" {
            return Err(decode_error(format!("unknown dateTimeFormat {f}")));
        }
    }
    let now = match request.now.as_deref() {
        None | Some("") => None,
        Some(t) => Some(fluxi::parse_time(t).map_err(decode_error)?),
    };
    let prefix = match request.external {
        None | Some(Json::Null) => Vec::new(),
        Some(file) => extern_lines(&file).map_err(decode_error)?,
    };
    let mut source = String::new();
    for line in &prefix {
        source.push_str(line);
        source.push('\n');
    }
    source.push_str(&query);
    Ok(Parsed {
        source,
        prefix_lines: prefix.len(),
        dialect: Dialect {
            annotations,
            header: d.header.unwrap_or(true),
            delimiter,
        },
        now,
    })
}

/// The statements of an `extern` AST file as Flux lines (imports and options; the
/// client-side profiler's settings are left out).
fn extern_lines(file: &Json) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    let empty = Vec::new();
    let imports = file
        .get("imports")
        .and_then(Json::as_array)
        .unwrap_or(&empty);
    for i in imports {
        let path = i
            .pointer("/path/value")
            .and_then(Json::as_str)
            .ok_or("an extern import has no path")?;
        if path != "profiler" {
            lines.push(format!("import {}", fluxi::string_literal(path)));
        }
    }
    let body = file.get("body").and_then(Json::as_array).unwrap_or(&empty);
    for statement in body {
        let kind = statement.get("type").and_then(Json::as_str).unwrap_or("");
        let assignment = statement.get("assignment");
        match (kind, assignment) {
            ("OptionStatement", Some(a))
                if a.get("type").and_then(Json::as_str) == Some("MemberAssignment") =>
            {
                // `profiler.enabledProfilers = [...]`: profiling is not offered.
            }
            ("OptionStatement", Some(a)) => {
                let name = a
                    .pointer("/id/name")
                    .and_then(Json::as_str)
                    .ok_or("an extern option has no name")?;
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!("extern option name {name:?} is not an identifier"));
                }
                let init = a.get("init").ok_or("an extern option has no value")?;
                lines.push(format!("option {name} = {}", expression(init)?));
            }
            (other, _) => return Err(format!("unsupported extern statement type {other:?}")),
        }
    }
    Ok(lines)
}

/// A literal expression of the Flux JSON AST as Flux text.
fn expression(e: &Json) -> Result<String, String> {
    let kind = e.get("type").and_then(Json::as_str).unwrap_or("");
    let value = e.get("value");
    Ok(match kind {
        "StringLiteral" => {
            fluxi::string_literal(value.and_then(Json::as_str).ok_or("bad StringLiteral")?)
        }
        "IntegerLiteral" | "UnsignedIntegerLiteral" => {
            let v = match value {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Number(n)) => n.to_string(),
                _ => return Err(format!("bad {kind}")),
            };
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("bad {kind} {v:?}"));
            }
            v
        }
        "FloatLiteral" => {
            let f = value.and_then(Json::as_f64).ok_or("bad FloatLiteral")?;
            if !f.is_finite() {
                return Err("a FloatLiteral must be finite".into());
            }
            let s = format!("{f:?}");
            if s.contains(['.', 'e', 'E']) {
                format!("float(v: \"{s}\")")
            } else {
                format!("{s}.0")
            }
        }
        "BooleanLiteral" => match value.and_then(Json::as_bool) {
            Some(true) => "true".into(),
            Some(false) => "false".into(),
            None => return Err("bad BooleanLiteral".into()),
        },
        "DateTimeLiteral" => {
            let t = value.and_then(Json::as_str).ok_or("bad DateTimeLiteral")?;
            fluxi::parse_time(t).map_err(|e| e.to_string())?;
            t.to_string()
        }
        "DurationLiteral" => {
            let parts = e
                .get("values")
                .and_then(Json::as_array)
                .ok_or("bad DurationLiteral")?;
            let mut s = String::new();
            for p in parts {
                let m = p
                    .get("magnitude")
                    .and_then(Json::as_i64)
                    .ok_or("bad duration magnitude")?;
                let unit = p
                    .get("unit")
                    .and_then(Json::as_str)
                    .ok_or("bad duration unit")?;
                if !matches!(
                    unit,
                    "ns" | "us" | "ms" | "s" | "m" | "h" | "d" | "w" | "mo" | "y"
                ) {
                    return Err(format!("bad duration unit {unit:?}"));
                }
                s.push_str(&format!("{m}{unit}"));
            }
            if s.is_empty() {
                return Err("an empty DurationLiteral".into());
            }
            s
        }
        "UnaryExpression" => {
            let op = e.get("operator").and_then(Json::as_str).unwrap_or("");
            if op != "-" && op != "+" && op != "not" {
                return Err(format!("unsupported unary operator {op:?}"));
            }
            let arg = expression(
                e.get("argument")
                    .ok_or("a UnaryExpression needs an argument")?,
            )?;
            if op == "not" {
                format!("not {arg}")
            } else {
                format!("{op}{arg}")
            }
        }
        "ArrayExpression" => {
            let items = e
                .get("elements")
                .and_then(Json::as_array)
                .ok_or("bad ArrayExpression")?;
            let parts = items
                .iter()
                .map(expression)
                .collect::<Result<Vec<_>, _>>()?;
            format!("[{}]", parts.join(", "))
        }
        other => return Err(format!("unsupported extern expression type {other:?}")),
    })
}

/// What the query thread sends to the response.
enum Msg {
    Chunk(Bytes),
    Failed(ApiError),
}

/// Writes the encoder's output to the response, one chunk per flush.
struct ChunkSender {
    buf: Vec<u8>,
    tx: mpsc::Sender<Msg>,
    sent: Arc<AtomicBool>,
}

impl Write for ChunkSender {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Msg::Chunk(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        self.sent.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Sets the query's cancel flag when the response body is dropped (the client went
/// away, or the response ended).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A failed query as an HTTP error (before any output).
fn api_error(e: &fluxi::Error, prefix_lines: usize) -> ApiError {
    let located = |d: &fluxi::Diagnostics| {
        d.problems()
            .into_iter()
            .filter(|p| !p.warning)
            .map(|p| {
                format!(
                    "error @{}:{}: {}",
                    p.line.saturating_sub(prefix_lines).max(1),
                    p.column,
                    p.message
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    match e {
        fluxi::Error::Compile(d) => {
            ApiError::invalid(format!("compilation failed: {}", located(d)))
        }
        fluxi::Error::Runtime(d) => {
            let text = located(d);
            let code = e.code().unwrap_or_default();
            let is = |k: fluxi::StorageErrorKind| code == k.code();
            if is(fluxi::StorageErrorKind::BucketNotFound) {
                ApiError::not_found(format!("failed to initialize execute state: {text}"))
            } else if is(fluxi::StorageErrorKind::PermissionDenied) {
                ApiError::forbidden(text)
            } else if is(fluxi::StorageErrorKind::Backend) {
                ApiError::internal(text)
            } else {
                ApiError::invalid(text)
            }
        }
        fluxi::Error::Storage(s) => ApiError::internal(s.to_string()),
        fluxi::Error::Invalid(m) => ApiError::invalid(m.clone()),
    }
}

pub(crate) async fn query(
    State(app): State<Shared>,
    Query(params): Query<QueryParams>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let content_type = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = crate::read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let parsed = parse_request(&content_type, &body)?;
    let org = app
        .resolve_org(params.org.as_deref(), params.org_id.as_deref())
        .map_err(|e| decode_error(e.message))?;
    let mut engine = app
        .engine
        .with_access(app.access_of(&auth))
        .with_secrets(app.secrets.of_org(&org.id));
    engine = engine.with_now(parsed.now.unwrap_or_else(crate::now_nanos));
    let (tx, mut rx) = mpsc::channel::<Msg>(8);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let prefix_lines = parsed.prefix_lines;
    tokio::task::spawn_blocking(move || {
        let program = match engine.compile(&parsed.source) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.blocking_send(Msg::Failed(api_error(&e, prefix_lines)));
                return;
            }
        };
        let sent = Arc::new(AtomicBool::new(false));
        let writer = Arc::new(Mutex::new(ResultWriter::csv(
            ChunkSender {
                buf: Vec::new(),
                tx: tx.clone(),
                sent: Arc::clone(&sent),
            },
            parsed.dialect,
        )));
        let w = Arc::clone(&writer);
        let run = engine.execute_to(&program, Some(flag), move |name, table| match w.lock() {
            Ok(mut w) => w.write(name, table),
            Err(_) => Err(io::Error::other("the response writer failed")),
        });
        if let Err(SinkError::Query(e)) = run {
            if e.is_cancelled() {
                return;
            }
            if sent.load(Ordering::SeqCst) {
                if let Ok(mut w) = writer.lock() {
                    let message = api_error(&e, prefix_lines).message;
                    let _ = w.write_error(&message);
                }
            } else {
                let _ = tx.blocking_send(Msg::Failed(api_error(&e, prefix_lines)));
            }
        }
    });
    let first = rx.recv().await;
    let guard = CancelOnDrop(cancel);
    let first = match first {
        Some(Msg::Failed(e)) => return Err(e),
        Some(Msg::Chunk(b)) => Some(b),
        None => None,
    };
    let stream =
        futures_util::stream::unfold((first, rx, guard), |(first, mut rx, guard)| async move {
            if let Some(b) = first {
                return Some((Ok::<Bytes, io::Error>(b), (None, rx, guard)));
            }
            match rx.recv().await {
                Some(Msg::Chunk(b)) => Some((Ok(b), (None, rx, guard))),
                Some(Msg::Failed(e)) => {
                    Some((Ok(Bytes::from(e.message.into_bytes())), (None, rx, guard)))
                }
                None => None,
            }
        });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_extern_becomes_options() {
        let file: Json = serde_json::from_str(
            r#"{"imports": [{"type":"ImportDeclaration","path":{"type":"StringLiteral","value":"profiler"}}],
                "body": [
                {"type":"OptionStatement","assignment":{"type":"VariableAssignment",
                  "id":{"type":"Identifier","name":"bkt"},"init":{"type":"StringLiteral","value":"b\"x"}}},
                {"type":"OptionStatement","assignment":{"type":"VariableAssignment",
                  "id":{"type":"Identifier","name":"n"},"init":{"type":"IntegerLiteral","value":"3"}}},
                {"type":"OptionStatement","assignment":{"type":"VariableAssignment",
                  "id":{"type":"Identifier","name":"d"},"init":{"type":"UnaryExpression","operator":"-",
                  "argument":{"type":"DurationLiteral","values":[{"magnitude":3600000000,"unit":"us"}]}}}},
                {"type":"OptionStatement","assignment":{"type":"MemberAssignment"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            extern_lines(&file).unwrap(),
            vec![
                r#"option bkt = "b\"x""#.to_string(),
                "option n = 3".to_string(),
                "option d = -3600000000us".to_string(),
            ]
        );
    }

    #[test]
    fn dialects_are_read_and_checked() {
        let p = parse_request(
            "application/json; encoding=utf-8",
            br#"{"query":"x","dialect":{"annotations":["group","datatype"],"header":false,"delimiter":";","quoteChar":"\""}}"#,
        )
        .unwrap();
        assert_eq!(
            p.dialect.annotations,
            vec![Annotation::Group, Annotation::Datatype]
        );
        assert!(!p.dialect.header);
        assert_eq!(p.dialect.delimiter, ';');
        let bad = parse_request("", br#"{"query":"x","dialect":{"annotations":["nope"]}}"#);
        assert_eq!(
            bad.unwrap_err().message,
            "failed to decode request body: unknown dialect annotation type: nope"
        );
        let flux = parse_request("application/vnd.flux", b"1").unwrap();
        assert!(flux.dialect.annotations.is_empty());
        assert_eq!(flux.source, "1");
        let none = parse_request("application/json", br#"{"type":"flux"}"#).unwrap_err();
        assert_eq!(
            none.message,
            "failed to decode request body: request body requires either query or AST"
        );
    }
}
