//! Rulesets for browsers that evaluate locally: `GET /v1/rulesets/{name}`
//! (the published value of DISTRIBUTION.md §2; `ETag` = the version, 304 on
//! `If-None-Match`) and `GET /v1/rulesets/{name}/events` (SSE: one `version`
//! event `{"name","revision","version"}` on connect and per new version).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;

use crate::access::{json_error, shown};
use crate::state::VersionEvent;
use crate::{App, Entry};

pub fn unknown_ruleset(name: &str) -> Response {
    json_error(StatusCode::NOT_FOUND, "RULESET_NOT_FOUND", &format!("no ruleset named `{}`", shown(name)))
}

pub fn not_loaded(name: &str) -> Response {
    let mut response = json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "RULESET_NOT_LOADED",
        &format!("ruleset `{name}` has not loaded yet (see /v1/status)"),
    );
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Whether `If-None-Match` names `etag` (or `*`).
pub fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |tag| {
            let tag = tag.trim();
            tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag)
        },
    )
}

/// `{"rulesets":[{"name","revision","version"}]}`: what is served.
pub async fn list(State(app): State<Arc<App>>) -> Response {
    let items: Vec<serde_json::Value> = app
        .rulesets
        .values()
        .map(|e| {
            let status = e.follower.status();
            serde_json::json!({ "name": e.name, "revision": status.revision, "version": status.version })
        })
        .collect();
    Json(serde_json::json!({ "default": app.default, "rulesets": items })).into_response()
}

pub async fn ruleset(State(app): State<Arc<App>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(entry) = app.rulesets.get(&name) else { return unknown_ruleset(&name) };
    let Some(record) = entry.follower.record() else { return not_loaded(&name) };
    let etag = format!("\"{}\"", record.version);
    let mut response = if matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], record.to_json()).into_response()
    };
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub async fn events(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let Some(entry) = app.rulesets.get(&name) else { return unknown_ruleset(&name) };
    sse(version_stream(entry.clone(), app.stopping.clone(), true, |event| {
        Event::default().event("version").id(event.version.clone()).json_data(event).unwrap_or_default()
    }))
}

/// An SSE response with keep-alive comments every 15 s.
pub fn sse<S>(stream: S) -> Response
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    let mut response = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Every new version (after the current one, if `include_current`), as SSE
/// events built by `event`; ends when the server stops.
pub fn version_stream(
    entry: Arc<Entry>,
    stopping: tokio::sync::watch::Receiver<bool>,
    include_current: bool,
    event: fn(&VersionEvent) -> Event,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let receiver = entry.versions.subscribe();
    let first = if include_current { entry.current_version() } else { None };
    let state = (receiver, stopping, first, entry);
    futures_util::stream::unfold(state, move |(mut receiver, mut stopping, first, entry)| async move {
        if let Some(current) = first {
            return Some((Ok(event(&current)), (receiver, stopping, None, entry)));
        }
        loop {
            if *stopping.borrow() {
                return None;
            }
            tokio::select! {
                received = receiver.recv() => match received {
                    Ok(version) => return Some((Ok(event(&version)), (receiver, stopping, None, entry))),
                    // Missed some: the newest is what matters.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        if let Some(current) = entry.current_version() {
                            return Some((Ok(event(&current)), (receiver, stopping, None, entry)));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                },
                _ = stopping.changed() => return None,
            }
        }
    })
}
