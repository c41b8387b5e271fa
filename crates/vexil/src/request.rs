//! Requests as JSON, the form batches (`vexil eval --requests`) and the wasm
//! plugin ABI receive: `{"flag","context"?,"now"?}`. One function turns any
//! line into a decision, so every binding treats bad requests alike.

use serde::Deserialize;
use vexil_eval::{Decision, Ruleset};
use vexil_value::Timestamp;

/// One evaluation request. `context` defaults to `{}`; `now` to the caller's clock.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub flag: String,
    #[serde(default)]
    pub context: Option<serde_json::Value>,
    #[serde(default)]
    pub now: Option<String>,
}

/// Decides a request given as JSON text. A text that is not a valid request
/// still gets a decision: reason ERROR, code PARSE_ERROR, no value.
pub fn evaluate_request_json(ruleset: &Ruleset, text: &str, default_now: Timestamp) -> Decision {
    match serde_json::from_str::<Request>(text) {
        Ok(request) => evaluate_request(ruleset, &request, default_now),
        Err(error) => Decision::parse_error(
            &flag_of(text),
            format!("not a valid request: {error}"),
            ruleset.version(),
            &default_now.to_iso_string(),
        ),
    }
}

pub fn evaluate_request(ruleset: &Ruleset, request: &Request, default_now: Timestamp) -> Decision {
    let now = match request.now.as_deref().map(Timestamp::parse_rfc3339) {
        None => default_now,
        Some(Ok(now)) => now,
        Some(Err(error)) => {
            return Decision::parse_error(
                &request.flag,
                format!("`now`: {error}"),
                ruleset.version(),
                &default_now.to_iso_string(),
            );
        }
    };
    match request.context.as_ref().map(|c| ruleset.decode_context_value(c)) {
        None => ruleset.evaluate(&request.flag, &ruleset.empty_context(), now),
        Some(Ok(context)) => ruleset.evaluate(&request.flag, &context, now),
        Some(Err(message)) => ruleset.context_error(&request.flag, message, now),
    }
}

/// The `flag` of a text that failed to parse as a request, if it has one.
fn flag_of(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("flag").and_then(|f| f.as_str()).map(str::to_owned))
        .unwrap_or_default()
}
