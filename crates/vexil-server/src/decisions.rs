//! `POST /v1/decisions`: decide once per workflow (DISTRIBUTION.md §5) in
//! one call. Body `{"context": {...}, "flags"?: [...], "ruleset"?: NAME,
//! "ttl"?: SECONDS, "cid"?: ID}` → `{"token", "ruleset", "ruleset_version",
//! "expires_at"}`, signed with the server's `--signing-key`. Carry the token
//! in the `Vexil-Decisions` header.

#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::App;
use crate::access::json_error;

/// The longest a token may live (a workflow, not a session).
const MAX_TTL_SECONDS: i64 = 24 * 3600;

#[derive(Deserialize)]
struct DecideRequest<'a> {
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
    #[serde(default)]
    flags: Option<Vec<String>>,
    #[serde(default)]
    ruleset: Option<String>,
    #[serde(default)]
    ttl: Option<i64>,
    #[serde(default)]
    cid: Option<String>,
}

pub async fn decide(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    let Some(key) = app.signing_key.clone() else {
        return json_error(StatusCode::NOT_IMPLEMENTED, "NO_SIGNING_KEY", "this server has no --signing-key");
    };
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) => return json_error(rejection.status(), "PARSE_ERROR", &rejection.body_text()),
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return json_error(StatusCode::BAD_REQUEST, "PARSE_ERROR", "the body must be a JSON object");
    }
    let request: DecideRequest<'_> = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(error) => return json_error(StatusCode::BAD_REQUEST, "PARSE_ERROR", &error.to_string()),
    };
    let context = match request.context.map(RawValue::get) {
        None | Some("null") => "{}",
        Some(text) if text.starts_with('{') => text,
        Some(_) => return json_error(StatusCode::BAD_REQUEST, "INVALID_CONTEXT", "`context` must be a JSON object"),
    };
    let ttl = request.ttl.unwrap_or(300);
    if !(1..=MAX_TTL_SECONDS).contains(&ttl) {
        return json_error(StatusCode::BAD_REQUEST, "INVALID_TTL", &format!("`ttl` is 1 to {MAX_TTL_SECONDS} seconds"));
    }
    let (entry, ruleset) = match crate::ofrep::loaded(&app, request.ruleset.as_deref()) {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let now = crate::ofrep::now(&app);
    let carried = match vexil_sign::decide(&ruleset, &entry.name, context, request.flags.as_deref(), now) {
        Ok(carried) => carried,
        Err(message) => return json_error(StatusCode::NOT_FOUND, "FLAG_NOT_FOUND", &message),
    };
    let version = carried.ruleset_version.clone();
    let iat = now.millis().div_euclid(1000);
    match key.sign(carried, &app.issuer, iat, ttl, request.cid.as_deref()) {
        Ok(token) => Json(serde_json::json!({
            "token": token,
            "ruleset": entry.name,
            "ruleset_version": version,
            "expires_at": iat + ttl,
        }))
        .into_response(),
        Err(error) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "SIGNING_FAILED", &error.to_string()),
    }
}
