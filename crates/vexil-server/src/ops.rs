//! `/healthz`, `/readyz`, `/v1/status`, `/metrics`.

use std::fmt::Write;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use vexil_sync::State as LinkState;

use crate::App;
use crate::metrics::label;

/// The process is up and answering.
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))).into_response()
}

/// 200 once every ruleset has loaded (from its source or its cache); 503
/// with the ones still missing otherwise.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let missing: Vec<&str> =
        app.rulesets.values().filter(|e| e.serving.snapshot().is_none()).map(|e| e.name.as_str()).collect();
    if missing.is_empty() {
        (StatusCode::OK, Json(serde_json::json!({ "status": "ready" }))).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "not ready", "loading": missing })))
            .into_response()
    }
}

/// The follower statuses of DISTRIBUTION.md §3.
pub async fn status(State(app): State<Arc<App>>) -> Response {
    let rulesets: Vec<_> = app.rulesets.values().map(|e| e.follower.status()).collect();
    Json(serde_json::json!({ "default": app.default, "rulesets": rulesets })).into_response()
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut extra = String::new();
    extra.push_str(
        "# HELP vexil_ruleset_info The version each ruleset serves (1 per ruleset).\n# TYPE vexil_ruleset_info gauge\n",
    );
    for entry in app.rulesets.values() {
        let status = entry.follower.status();
        if let Some(version) = &status.version {
            let revision = status.revision.map(|r| r.to_string()).unwrap_or_default();
            let _ = writeln!(
                extra,
                "vexil_ruleset_info{{ruleset=\"{}\",version=\"{}\",revision=\"{revision}\"}} 1",
                label(&entry.name),
                label(version)
            );
        }
    }
    extra.push_str("# HELP vexil_follower_state The follower's link to its source (1 for the current state).\n# TYPE vexil_follower_state gauge\n");
    extra.push_str("# HELP vexil_follower_stale_seconds Time since the follower last knew it was current.\n# TYPE vexil_follower_stale_seconds gauge\n");
    extra.push_str("# HELP vexil_follower_rejected 1 while a newer revision than the serving one was refused.\n# TYPE vexil_follower_rejected gauge\n");
    for entry in app.rulesets.values() {
        let status = entry.follower.status();
        let name = label(&entry.name);
        for (state, text) in [
            (LinkState::Connected, "connected"),
            (LinkState::Connecting, "connecting"),
            (LinkState::Disconnected, "disconnected"),
        ] {
            let _ = writeln!(
                extra,
                "vexil_follower_state{{ruleset=\"{name}\",state=\"{text}\"}} {}",
                u8::from(status.state == state)
            );
        }
        let _ = writeln!(
            extra,
            "vexil_follower_stale_seconds{{ruleset=\"{name}\"}} {}",
            status.stale_for_ms as f64 / 1000.0
        );
        let _ =
            writeln!(extra, "vexil_follower_rejected{{ruleset=\"{name}\"}} {}", u8::from(status.rejected.is_some()));
    }
    let body = app.metrics.render(&extra);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}
