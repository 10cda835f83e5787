//! `POST /api/v2/query/analyze`: a query's syntax and type errors without running it, as
//! InfluxDB answers editors that underline mistakes: 200 with `{"errors": [...]}`, each
//! with its 1-based `line` and `column`, its 0-based byte offset `character`, and the
//! `message` (an empty list when the query is fine).

use crate::{json_response, read_body, ApiError, Shared};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct AnalyzeRequest {
    query: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub(crate) async fn analyze(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    app.authenticate(request.headers())?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let req: AnalyzeRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("failed to decode request body: {e}")))?;
    if let Some(kind) = req.kind.as_deref().filter(|k| *k != "flux") {
        return Err(ApiError::invalid(format!(
            "failed to decode request body: unknown query type: {kind}"
        )));
    }
    let query = req.query.unwrap_or_default();
    let app2 = std::sync::Arc::clone(&app);
    let report = tokio::task::spawn_blocking(move || {
        app2.engine
            .check("query", &query, fluxi::CheckLevel::Types)
            .diagnostics()
            .problems()
    })
    .await
    .map_err(|e| ApiError::internal(format!("the analysis failed: {e}")))?;
    let errors: Vec<_> = report
        .iter()
        .filter(|p| !p.warning)
        .map(|p| {
            json!({
                "line": p.line,
                "column": p.column,
                "character": p.span.as_ref().map_or(0, |s| s.start),
                "message": p.message,
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "errors": errors })))
}

#[derive(Debug, Deserialize)]
struct AstRequest {
    query: Option<String>,
}

/// `POST /api/v2/query/ast`: `{"query"}` → 200 `{"ast": <Flux's JSON AST of the query's
/// package>}`; a query with syntax errors is 400 `invalid` naming the first.
pub(crate) async fn ast(State(app): State<Shared>, request: Request) -> Result<Response, ApiError> {
    app.authenticate(request.headers())?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let req: AstRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("failed to decode request body: {e}")))?;
    let query = req.query.unwrap_or_default();
    let (tree, problems) = tokio::task::spawn_blocking(move || fluxi::syntax_json("query", &query))
        .await
        .map_err(|e| ApiError::internal(format!("parsing failed: {e}")))?;
    if let Some(p) = problems.problems().into_iter().find(|p| !p.warning) {
        return Err(ApiError::invalid(format!(
            "error @{}:{}: {}",
            p.line, p.column, p.message
        )));
    }
    Ok(json_response(StatusCode::OK, &json!({ "ast": tree })))
}
