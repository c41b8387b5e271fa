//! The playground at `/` (files embedded by the CLI's build script),
//! `/api/rulesets`, which it opens on: the served rulesets' sources — a file
//! as it is on disk now (errors and all: the playground shows them), a NATS
//! ruleset as published — and `POST /api/diff`, the semantic diff of `vexil
//! diff` (`vexil_review::diff`) between the ruleset as opened and as edited.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::App;
use crate::access::{json_error, shown};
use crate::delivery::matches;

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "vx") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The page is self-contained: no CDN, no external fonts, no third-party requests.
const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

/// Any GET that no route took: an embedded file, or a JSON 404.
pub async fn asset(State(app): State<Arc<App>>, request: Request) -> Response {
    let path = request.uri().path();
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return json_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no route for {} {}", request.method(), shown(path)),
        );
    }
    let path = if path == "/" { "/index.html" } else { path };
    let Some(&(name, bytes, etag)) = app.assets.iter().find(|(name, _, _)| *name == path) else {
        return json_error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("no route for {}", shown(path)));
    };
    // File names are not content-hashed: let the browser cache, but revalidate
    // every time (a cheap 304 thanks to the ETag), so a rebuilt binary is seen at once.
    let mut response = if matches(request.headers(), etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type(name))], bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `{"rulesets":[{"name","path","source"} | {"name","path","error"}]}`.
pub async fn rulesets(State(app): State<Arc<App>>) -> Response {
    let mut items = Vec::new();
    for entry in app.rulesets.values() {
        let item = match &entry.file {
            Some(path) => {
                let name = path.file_name().map_or_else(|| entry.name.clone(), |n| n.to_string_lossy().into_owned());
                let shown_path = path.display().to_string();
                match read_source(path).await {
                    Ok(source) => serde_json::json!({ "name": name, "path": shown_path, "source": source }),
                    Err(error) => serde_json::json!({ "name": name, "path": shown_path, "error": error }),
                }
            }
            None => match entry.follower.record() {
                Some(record) => {
                    serde_json::json!({ "name": entry.name, "path": entry.follower.status().source, "source": record.source })
                }
                None => {
                    serde_json::json!({ "name": entry.name, "path": entry.follower.status().source, "error": "not loaded yet" })
                }
            },
        };
        items.push(item);
    }
    let mut response = axum::Json(serde_json::json!({ "rulesets": items })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A ruleset file as the page should show it: regular files only, bounded.
async fn read_source(path: &std::path::Path) -> Result<String, String> {
    let metadata = tokio::fs::metadata(path).await.map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    if metadata.len() > vexil::limits::MAX_SOURCE_BYTES as u64 {
        return Err(format!("the source is larger than the limit of {} bytes", vexil::limits::MAX_SOURCE_BYTES));
    }
    let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())
}

#[derive(serde::Deserialize)]
struct DiffRequest {
    old: String,
    new: String,
}

/// `POST /api/diff` `{"old": SOURCE, "new": SOURCE}` → `{"empty", "text",
/// "diff"}` (the diff as `vexil diff` prints it and as its `--format json`
/// gives it), or 422 `INVALID_RULESET` naming the side that does not check.
pub async fn diff(body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) => return json_error(rejection.status(), "PARSE_ERROR", &rejection.body_text()),
    };
    let request: DiffRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(error) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "PARSE_ERROR",
                &format!("expected {{\"old\", \"new\"}}: {error}"),
            );
        }
    };
    // Checking is CPU work proportional to the sources: off the async threads.
    let computed = tokio::task::spawn_blocking(move || {
        let check = |side: &str, source: &str| {
            let checked = vexil::check(source, &vexil::CheckOptions::default());
            checked.program.ok_or_else(|| {
                let errors: Vec<&vexil::Diagnostic> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
                let first =
                    errors.first().map(|d| format!("; first: {} {}", d.code.as_str(), d.message)).unwrap_or_default();
                format!("the {side} ruleset has {} error(s){first}", errors.len())
            })
        };
        let old = check("old", &request.old)?;
        let new = check("new", &request.new)?;
        let side = |program, source| vexil_review::diff::Side { program, source };
        Ok::<_, String>(vexil_review::diff::diff(side(&old, &request.old), side(&new, &request.new)))
    })
    .await;
    let found = match computed {
        Ok(Ok(found)) => found,
        Ok(Err(message)) => return json_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_RULESET", &message),
        Err(_) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "GENERAL", "the diff could not be computed"),
    };
    let mut response =
        axum::Json(serde_json::json!({ "empty": found.is_empty(), "text": found.text(), "diff": found }))
            .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(serde::Deserialize)]
struct PositionRequest {
    source: String,
    /// 0-based line and UTF-16 column, as LSP (and CodeMirror) count them.
    line: u32,
    character: u32,
}

// The error is the response itself (as in decisions.rs): built once, on a cold path.
#[allow(clippy::result_large_err)]
fn position_request(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<PositionRequest, Response> {
    let bytes = body.map_err(|rejection| json_error(rejection.status(), "PARSE_ERROR", &rejection.body_text()))?;
    serde_json::from_slice(&bytes).map_err(|error| {
        json_error(
            StatusCode::BAD_REQUEST,
            "PARSE_ERROR",
            &format!("expected {{\"source\", \"line\", \"character\"}}: {error}"),
        )
    })
}

fn position_of(request: &PositionRequest) -> vexil_lsp::lsp_types::Position {
    vexil_lsp::lsp_types::Position { line: request.line, character: request.character }
}

/// `POST /api/hover` `{"source", "line", "character"}` → what `vexil lsp`
/// answers a hover there (an LSP `Hover`, or `null`).
pub async fn hover(body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let request = match position_request(body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let answer =
        tokio::task::spawn_blocking(move || vexil_lsp::hover(&request.source, position_of(&request), None)).await;
    match answer {
        Ok(hover) => axum::Json(hover).into_response(),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "GENERAL", "hover could not be computed"),
    }
}

/// `POST /api/complete` `{"source", "line", "character"}` → `vexil lsp`'s
/// completion items there (LSP `CompletionItem`s).
pub async fn complete(body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let request = match position_request(body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let answer =
        tokio::task::spawn_blocking(move || vexil_lsp::completion(&request.source, position_of(&request))).await;
    match answer {
        Ok(items) => axum::Json(serde_json::json!({ "items": items })).into_response(),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "GENERAL", "completion could not be computed"),
    }
}
