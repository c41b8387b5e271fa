//! Requests as JSON, the form batches (`vexil eval --requests`) and the wasm
//! plugin ABI receive: `{"flag","context"?,"context_json"?,"now"?}`. One
//! function turns any line into a decision, so every binding treats bad
//! requests alike.
//!
//! `context_json` carries the context as JSON *text* (a JSON string): it is
//! decoded exactly as [`Ruleset::evaluate_json`] decodes its argument, so a
//! host that received the context as text (the wasmtime plugin host) gets the
//! native engine's decision byte for byte, even for text that is not JSON.

use serde::Deserialize;
use serde_json::value::RawValue;
use vexil_eval::{Context, Decision, DecisionSet, Explanation, Ruleset};
use vexil_value::Timestamp;

/// One evaluation request. The context defaults to `{}`; `now` to the caller's clock.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub flag: String,
    /// The context object, kept as its JSON text and decoded by the ruleset's
    /// schema (no intermediate `serde_json::Value`).
    #[serde(default)]
    pub context: Option<Box<RawValue>>,
    /// The context as JSON text; wins over `context` when both are given.
    #[serde(default)]
    pub context_json: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
    /// Work units allowed for the decision (`Ruleset::evaluate_within`).
    #[serde(default)]
    pub budget: Option<u64>,
}

/// A request without a flag: `evaluate_all` and the context of `explain`.
#[derive(Debug, Clone, Deserialize)]
pub struct ContextRequest {
    #[serde(default)]
    pub flag: Option<String>,
    #[serde(default)]
    pub context: Option<Box<RawValue>>,
    #[serde(default)]
    pub context_json: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
    /// Work units allowed for each flag.
    #[serde(default)]
    pub budget: Option<u64>,
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
            default_now,
        ),
    }
}

pub fn evaluate_request(ruleset: &Ruleset, request: &Request, default_now: Timestamp) -> Decision {
    let now = match request.now.as_deref().map(Timestamp::parse_rfc3339) {
        None => default_now,
        Some(Ok(now)) => now,
        Some(Err(error)) => {
            return Decision::parse_error(&request.flag, format!("`now`: {error}"), ruleset.version(), default_now);
        }
    };
    let text = match (&request.context_json, &request.context) {
        (Some(text), _) => text.as_str(),
        (None, Some(raw)) => raw.get(),
        (None, None) => "{}",
    };
    ruleset.evaluate_json_within(&request.flag, text, now, request.budget)
}

/// Every flag against a request's context (`{"context"|"context_json","now"?}`).
/// A `context_json` that does not decode gives every flag an ERROR decision,
/// as [`Ruleset::evaluate_all_json`] does. Fails when the request cannot be
/// read, or when a parsed `context` does not decode.
pub fn evaluate_all_request_json(ruleset: &Ruleset, text: &str, default_now: Timestamp) -> Result<DecisionSet, String> {
    let request: ContextRequest = serde_json::from_str(text).map_err(|e| format!("not a valid request: {e}"))?;
    if let Some(context_json) = &request.context_json {
        let now = read_now(request.now.as_deref(), default_now)?;
        return Ok(ruleset.evaluate_all_json_within(context_json, now, request.budget));
    }
    let budget = request.budget;
    let (_, context, now) = decode_context_request(ruleset, request, default_now)?;
    Ok(ruleset.evaluate_all_within(&context, now, budget))
}

/// Explains a request's flag (`{"flag","context"|"context_json","now"?}`).
/// Fails when the request or its context cannot be read.
pub fn explain_request_json(ruleset: &Ruleset, text: &str, default_now: Timestamp) -> Result<Explanation, String> {
    let request: ContextRequest = serde_json::from_str(text).map_err(|e| format!("not a valid request: {e}"))?;
    let budget = request.budget;
    let (flag, context, now) = decode_context_request(ruleset, request, default_now)?;
    let Some(flag) = flag else {
        return Err("not a valid request: missing field `flag`".to_owned());
    };
    Ok(ruleset.explain_within(&flag, &context, now, budget))
}

fn read_now(now: Option<&str>, default_now: Timestamp) -> Result<Timestamp, String> {
    match now.map(Timestamp::parse_rfc3339) {
        None => Ok(default_now),
        Some(Ok(now)) => Ok(now),
        Some(Err(error)) => Err(format!("`now`: {error}")),
    }
}

fn decode_context_request(
    ruleset: &Ruleset,
    request: ContextRequest,
    default_now: Timestamp,
) -> Result<(Option<String>, Context, Timestamp), String> {
    let now = read_now(request.now.as_deref(), default_now)?;
    let context = match (&request.context_json, &request.context) {
        (Some(text), _) => ruleset.decode_context(text)?,
        (None, Some(raw)) => ruleset.decode_context(raw.get())?,
        (None, None) => ruleset.empty_context(),
    };
    Ok((request.flag, context, now))
}

/// The `flag` of a request line, best effort (empty when the line is not a
/// JSON object with a string `flag`): what a `PARSE_ERROR` decision names, and
/// what a host names when it could not decide a line.
pub fn flag_of(text: &str) -> String {
    #[derive(Deserialize)]
    struct FlagOnly {
        #[serde(default)]
        flag: Option<Box<RawValue>>,
    }
    serde_json::from_str::<FlagOnly>(text)
        .ok()
        .and_then(|line| line.flag)
        .and_then(|flag| serde_json::from_str::<String>(flag.get()).ok())
        .unwrap_or_default()
}
