//! OFREP v1 (OpenFeature Remote Evaluation Protocol) over the one evaluator.
//!
//! The mapping from a Vexil `Decision` to an OFREP answer is [`answer`], and
//! nothing else decides it (docs/server.md has the table):
//! - a decision with a value → 200 `{key, value, variant, reason, metadata}`;
//!   reasons as Vexil names them, except PREREQUISITE_FAILED → `DEFAULT`
//!   (the flag's default was served; `metadata.prerequisite` names the
//!   failing flag), the OpenFeature set having no such reason;
//! - an `ERROR` decision carries the flag's `on_error` value, its fail-safe:
//!   it is answered **200** with that value, `reason: "ERROR"`, and
//!   `metadata.errorCode` / `metadata.errorDetails`, so an OFREP provider
//!   returns the fail-safe value (a 400 would make it return the caller's
//!   code default instead);
//! - requests the evaluator never sees get OFREP's error bodies: a body that
//!   is not JSON → 400 `PARSE_ERROR`; a `context` that is not an object → 400
//!   `INVALID_CONTEXT`; an unknown flag → 404 `FLAG_NOT_FOUND`.
//!
//! `metadata` always has `ruleset_version` and `ruleset`, and `rule` /
//! `prerequisite` when the decision names them. Bulk answers carry an `ETag`
//! (the version and a hash of the body: decisions can depend on `now`), 304
//! on `If-None-Match`, and `eventStreams` pointing at this ruleset's SSE
//! stream, which sends `{"type":"refetchEvaluation"}` on every new version.

// Helpers return the handler's early answer as `Err(Response)`; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use vexil::{Decision, ErrorCode, Reason, Timestamp};

use crate::access::json_error;
use crate::delivery::{matches, not_loaded, sse, unknown_ruleset, version_stream};
use crate::{App, Entry};

/// The request body: `{"context": {...}}` (other fields are ignored).
#[derive(Deserialize)]
struct EvaluationRequest<'a> {
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
}

/// An OFREP error body (400/404): `{key?, errorCode, errorDetails}`.
fn error(status: StatusCode, key: Option<&str>, code: &str, details: &str) -> Response {
    let mut body = Map::new();
    if let Some(key) = key {
        body.insert("key".into(), key.into());
    }
    body.insert("errorCode".into(), code.into());
    body.insert("errorDetails".into(), details.into());
    let mut response = (status, axum::Json(Value::Object(body))).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The context as JSON text, or the 400 OFREP gives a bad body.
fn context_of<'a>(body: &'a Result<Bytes, BytesRejection>, key: Option<&str>) -> Result<&'a str, Response> {
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(error(StatusCode::PAYLOAD_TOO_LARGE, key, "PARSE_ERROR", "the request body is too large"));
        }
        Err(rejection) => return Err(error(StatusCode::BAD_REQUEST, key, "PARSE_ERROR", &rejection.body_text())),
    };
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok("{}"),
        // serde would read a struct from an array too; OFREP's body is an object.
        Some(b'{') => {}
        Some(_) => return Err(error(StatusCode::BAD_REQUEST, key, "PARSE_ERROR", "the body must be a JSON object")),
    }
    let request: EvaluationRequest<'_> = serde_json::from_slice(bytes).map_err(|e| {
        error(StatusCode::BAD_REQUEST, key, "PARSE_ERROR", &format!("the body is not an OFREP request: {e}"))
    })?;
    match request.context.map(RawValue::get) {
        None | Some("null") => Ok("{}"),
        Some(text) if text.starts_with('{') => Ok(text),
        Some(_) => Err(error(StatusCode::BAD_REQUEST, key, "INVALID_CONTEXT", "`context` must be a JSON object")),
    }
}

pub(crate) fn now(app: &App) -> Timestamp {
    if let Some(fixed) = app.fixed_now {
        return fixed;
    }
    let millis =
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(millis).unwrap_or(Timestamp::MIN)
}

/// OpenFeature's name for a Vexil reason (the set has no PREREQUISITE_FAILED).
fn reason(reason: Reason) -> &'static str {
    match reason {
        Reason::PrerequisiteFailed => "DEFAULT",
        other => other.as_str(),
    }
}

/// The one mapping from a decision to an OFREP answer (see the module docs).
fn answer(ruleset: &str, decision: &Decision) -> (StatusCode, Value) {
    if decision.error_code == Some(ErrorCode::FlagNotFound) {
        let details = decision.error_message.as_deref().unwrap_or("no such flag");
        return (
            StatusCode::NOT_FOUND,
            json!({ "key": &*decision.flag, "errorCode": "FLAG_NOT_FOUND", "errorDetails": details }),
        );
    }
    let mut metadata = Map::new();
    metadata.insert("ruleset".into(), ruleset.into());
    metadata.insert("ruleset_version".into(), (&*decision.ruleset_version).into());
    if let Some(rule) = &decision.rule {
        metadata.insert("rule".into(), (&**rule).into());
    }
    if let Some(prerequisite) = &decision.prerequisite {
        metadata.insert("prerequisite".into(), (&**prerequisite).into());
    }
    if let Some(code) = decision.error_code {
        metadata.insert("errorCode".into(), code.as_str().into());
    }
    if let Some(message) = &decision.error_message {
        metadata.insert("errorDetails".into(), message.as_str().into());
    }
    let mut body = Map::new();
    body.insert("key".into(), (&*decision.flag).into());
    if let Some(value) = &decision.value {
        body.insert("value".into(), serde_json::to_value(value).unwrap_or(Value::Null));
    }
    if let Some(variant) = &decision.variant {
        body.insert("variant".into(), (&**variant).into());
    }
    body.insert("reason".into(), reason(decision.reason).into());
    body.insert("metadata".into(), Value::Object(metadata));
    (StatusCode::OK, Value::Object(body))
}

pub(crate) fn loaded(app: &App, name: Option<&str>) -> Result<(Arc<Entry>, Arc<vexil::Ruleset>), Response> {
    let Some(entry) = app.ruleset(name) else {
        return Err(match name {
            Some(name) => unknown_ruleset(name),
            None => json_error(StatusCode::NOT_FOUND, "RULESET_NOT_FOUND", "this server has no default ruleset"),
        });
    };
    let Some(ruleset) = entry.serving.snapshot() else { return Err(not_loaded(&entry.name)) };
    Ok((entry.clone(), ruleset))
}

fn event_streams(name: Option<&str>) -> Value {
    let uri = match name {
        Some(name) => format!("/r/{name}/ofrep/v1/events"),
        None => "/ofrep/v1/events".to_owned(),
    };
    json!([{ "type": "sse", "endpoint": { "requestUri": uri } }])
}

async fn single(app: Arc<App>, name: Option<String>, key: String, body: Result<Bytes, BytesRejection>) -> Response {
    let started = Instant::now();
    let context = match context_of(&body, Some(&key)) {
        Ok(context) => context,
        Err(response) => {
            app.metrics.error("single", response.status().as_u16());
            return response;
        }
    };
    let (entry, ruleset) = match loaded(&app, name.as_deref()) {
        Ok(loaded) => loaded,
        Err(response) => {
            app.metrics.error("single", response.status().as_u16());
            return response;
        }
    };
    let decision = ruleset.evaluate_json(&key, context, now(&app));
    let (status, body) = answer(&entry.name, &decision);
    let counted = if status == StatusCode::OK { decision.flag.as_ref() } else { "" };
    app.metrics.evaluated(&entry.name, std::iter::once((counted, decision_reason(&decision))));
    app.metrics.observe("single", started.elapsed());
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The reason label of the metrics: the Vexil reason, or the error code for
/// a flag that does not exist.
fn decision_reason(decision: &Decision) -> &'static str {
    match decision.error_code {
        Some(ErrorCode::FlagNotFound) => "FLAG_NOT_FOUND",
        _ => decision.reason.as_str(),
    }
}

async fn bulk(
    app: Arc<App>,
    name: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let context = match context_of(&body, None) {
        Ok(context) => context,
        Err(response) => {
            app.metrics.error("bulk", response.status().as_u16());
            return response;
        }
    };
    let (entry, ruleset) = match loaded(&app, name.as_deref()) {
        Ok(loaded) => loaded,
        Err(response) => {
            app.metrics.error("bulk", response.status().as_u16());
            return response;
        }
    };
    let set = ruleset.evaluate_all_json(context, now(&app));
    let flags: Vec<Value> = set.decisions.iter().map(|d| answer(&entry.name, d).1).collect();
    app.metrics.evaluated(&entry.name, set.decisions.iter().map(|d| (&*d.flag, decision_reason(d))));
    let body = json!({
        "flags": flags,
        "metadata": { "ruleset": entry.name, "ruleset_version": &*set.ruleset_version },
        "eventStreams": event_streams(name.as_deref()),
    });
    let text = body.to_string();
    let etag = format!("\"{}-{:016x}\"", set.ruleset_version, fnv1a(text.as_bytes()));
    let mut response = if matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], text).into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    app.metrics.observe("bulk", started.elapsed());
    response
}

/// FNV-1a: a fast, stable hash for ETags (not a security boundary).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn refetch(_: &crate::state::VersionEvent) -> Event {
    Event::default().data(r#"{"type":"refetchEvaluation"}"#)
}

async fn stream(app: Arc<App>, name: Option<String>) -> Response {
    match app.ruleset(name.as_deref()) {
        Some(entry) => sse(version_stream(entry.clone(), app.stopping.clone(), false, refetch)),
        None => unknown_ruleset(name.as_deref().unwrap_or("(default)")),
    }
}

pub async fn evaluate_flag(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    single(app, None, key, body).await
}

pub async fn evaluate_flag_in(
    State(app): State<Arc<App>>,
    Path((ruleset, key)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    single(app, Some(ruleset), key, body).await
}

pub async fn evaluate_empty_flag(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    single(app, None, String::new(), body).await
}

pub async fn evaluate_empty_flag_in(
    State(app): State<Arc<App>>,
    Path(ruleset): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    single(app, Some(ruleset), String::new(), body).await
}

pub async fn evaluate_flags(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    bulk(app, None, headers, body).await
}

pub async fn evaluate_flags_in(
    State(app): State<Arc<App>>,
    Path(ruleset): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    bulk(app, Some(ruleset), headers, body).await
}

pub async fn events(State(app): State<Arc<App>>) -> Response {
    stream(app, None).await
}

pub async fn events_in(State(app): State<Arc<App>>, Path(ruleset): Path<String>) -> Response {
    stream(app, Some(ruleset)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(source: &str, flag: &str, context: &str) -> Decision {
        let ruleset = vexil::compile(source, &vexil::CheckOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        ruleset.evaluate_json(flag, context, Timestamp::MIN)
    }

    const SOURCE: &str = r#"
context { user.id: string  user.age: int }
flag gate: bool { owner "t" default false }
flag adult: bool { owner "t" default false on_error true requires gate == true rule r: when user.age >= 18 => true }
flag age_band: string { owner "t" default "minor" on_error "unknown" rule grown: when user.age >= 18 => "adult" }
"#;

    #[test]
    fn an_error_decision_answers_200_with_the_flags_fail_safe_value() {
        let (status, body) = answer("shop", &decide(SOURCE, "age_band", r#"{"user":{"id":"u"}}"#));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["value"], "unknown");
        assert_eq!(body["reason"], "ERROR");
        assert_eq!(body["metadata"]["errorCode"], "INVALID_CONTEXT");
        assert!(body["metadata"]["errorDetails"].as_str().is_some_and(|d| d.contains("user.age")), "{body}");
    }

    #[test]
    fn prerequisite_failed_is_answered_as_default_and_names_the_prerequisite() {
        let (status, body) = answer("shop", &decide(SOURCE, "adult", r#"{"user":{"id":"u","age":30}}"#));
        assert_eq!(status, StatusCode::OK);
        assert_eq!((body["value"].clone(), body["reason"].clone()), (json!(false), json!("DEFAULT")));
        assert_eq!(body["metadata"]["prerequisite"], "gate");
    }

    #[test]
    fn a_match_carries_rule_and_version_and_an_unknown_flag_is_404() {
        let decision = decide(SOURCE, "age_band", r#"{"user":{"id":"u","age":30}}"#);
        let (status, body) = answer("shop", &decision);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["variant"], "adult");
        assert_eq!(body["reason"], "TARGETING_MATCH");
        assert_eq!(body["metadata"]["rule"], "grown");
        assert_eq!(body["metadata"]["ruleset_version"], &*decision.ruleset_version);
        let (status, body) = answer("shop", &decide(SOURCE, "nope", "{}"));
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!((body["key"].clone(), body["errorCode"].clone()), (json!("nope"), json!("FLAG_NOT_FOUND")));
    }
}
