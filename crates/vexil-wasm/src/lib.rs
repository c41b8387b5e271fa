//! Vexil for browsers and Node: wasm-bindgen bindings over the [`vexil`]
//! facade. Thin by design — no semantics of its own. Every decision, trace,
//! catalogue entry and diagnostic is the facade's serde boundary type,
//! serialised by `serde_json` exactly as the CLI prints it and handed to
//! JavaScript through `JSON.parse`, so the fields, their order and their
//! values are the CLI's.
//!
//! Built by `cargo xtask build-js` into `web/pkg/` (`--target web`, an ES
//! module) and `web/pkg-node/` (`--target nodejs`, CommonJS); the JS API is
//! the same in both:
//!
//! - `compile(source)` → `Ruleset`, or throws an `Error` whose `diagnostics`
//!   is the array `vexil check --format json` prints (without `file`);
//! - `check(source, { today }?)` → `{ diagnostics }`, never throws for any source;
//! - `analyze(source, { today }?)` → `{ diagnostics, ruleset? }`, never throws;
//! - `parseTimestamp(text)` → the instant as decisions report `now`, or throws a
//!   `TypeError` (what `evaluate` accepts as `now`);
//! - `ruleset.evaluate(flagKey, context?, { now }?)`, `ruleset.evaluateAll(context?, { now }?)`,
//!   `ruleset.explain(flagKey, context?, { now }?)`, `ruleset.version`, `ruleset.flags`,
//!   `ruleset.schema`, `ruleset.free()`.
//!
//! Conversions at the boundary (the only logic here):
//!
//! - **context in**: the JS value is written as JSON text by `js/context.js`
//!   (`JSON.stringify`'s rules, but exact: a JS number reaches the decoder
//!   as the very double it is, so the integral double 2^62 is the int
//!   4611686018427387904 and `-0` a float's `-0.0`; a `BigInt` within i64 is
//!   its exact value) and decoded by the ruleset's schema exactly as the CLI
//!   decodes `--context`. Values JSON cannot express (`NaN`, `±Infinity`,
//!   functions, symbols, lone surrogates, cycles, a `BigInt` outside i64) make
//!   the attributes that reach them `INVALID_CONTEXT` (lazily, like a value of
//!   the wrong type); `undefined` is absent. `undefined`/`null` as the whole
//!   context mean `{}`; a context whose conversion throws (a throwing
//!   `toJSON` or getter, nesting deeper than the JS stack) gives an `ERROR`
//!   decision with `INVALID_CONTEXT` from `evaluate`, never an exception;
//!   `evaluateAll` and `explain` throw a `TypeError` then, as `vexil eval
//!   --all/--explain` exit with a usage error.
//! - **`now` in**: `undefined` → the current time from JS `Date.now()`; a
//!   `Date` (its milliseconds) or an RFC 3339 string. Anything else throws a
//!   `TypeError`: a bad clock is the caller's bug, not a context problem.
//! - **values out**: ints within ±(2^53−1) and floats are JS numbers
//!   (`JSON.parse` of Rust's shortest round-trip text is exact); ints beyond
//!   ±(2^53−1) are `BigInt`, in decisions and in the catalogue's `on_error`.

use js_sys::{BigInt, Date, Error, JSON, Reflect, TypeError};
use serde::Serialize;
use vexil::{CheckOptions, Context, Decision, FlagValue, Timestamp};
use wasm_bindgen::prelude::*;

/// The TypeScript types of every boundary object, written once; wasm-bindgen
/// copies them into the generated `vexil.d.ts` of both builds.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    /// `{ now?: Date | string }`.
    #[wasm_bindgen(typescript_type = "EvaluateOptions")]
    pub type EvaluateOptions;
    #[wasm_bindgen(method, getter, structural)]
    fn now(this: &EvaluateOptions) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    fn budget(this: &EvaluateOptions) -> JsValue;

    /// `{ today?: Date | string | null }`.
    #[wasm_bindgen(typescript_type = "CheckOptions")]
    pub type JsCheckOptions;
    #[wasm_bindgen(method, getter, structural)]
    fn today(this: &JsCheckOptions) -> JsValue;

    /// A plain object of attributes (see `Context` in the TypeScript types).
    #[wasm_bindgen(typescript_type = "Context")]
    pub type JsContext;
}

/// Compiles a ruleset. On errors, throws an `Error` whose `diagnostics`
/// property holds every diagnostic (errors and warnings) as
/// `vexil check --format json` prints them.
#[wasm_bindgen]
pub fn compile(source: &str) -> Result<Ruleset, JsValue> {
    match vexil::compile(source, &CheckOptions::default()) {
        Ok(inner) => Ok(Ruleset { inner }),
        Err(error) => {
            let records = vexil::diagnostic_records(source, &error.diagnostics, None);
            let exception = Error::new(&error.to_string());
            exception.set_name("CompileError");
            Reflect::set(&exception, &JsValue::from_str("diagnostics"), &to_js(&records)?)?;
            Err(exception.into())
        }
    }
}

/// Checks a ruleset: `{ diagnostics: [...] }`, as `vexil check --format json`
/// prints it (without `file`). Never throws for any source. `today` (the date
/// `expires` is compared with) defaults to the current UTC date; `null` skips
/// the expiry check.
#[wasm_bindgen(unchecked_return_type = "CheckResult")]
pub fn check(
    source: &str,
    #[wasm_bindgen(unchecked_param_type = "CheckOptions")] options: Option<JsCheckOptions>,
) -> Result<JsValue, JsValue> {
    let today = today_option(options)?;
    let checked = vexil::check(source, &CheckOptions { today, ..Default::default() });
    let records = vexil::diagnostic_records(source, &checked.diagnostics, None);
    let text = json(&records)?;
    parse(&format!("{{\"diagnostics\":{text}}}"))
}

/// Checks and compiles in one pass: `{ diagnostics, ruleset? }`, where
/// `diagnostics` is what `check` returns and `ruleset` is present when none
/// of them is an error. Never throws for any source; `today` as for `check`.
#[wasm_bindgen(unchecked_return_type = "Analysis")]
pub fn analyze(
    source: &str,
    #[wasm_bindgen(unchecked_param_type = "CheckOptions")] options: Option<JsCheckOptions>,
) -> Result<JsValue, JsValue> {
    let today = today_option(options)?;
    let analysis = vexil::analyze(source, &CheckOptions { today, ..Default::default() });
    let records = vexil::diagnostic_records(source, &analysis.diagnostics, None);
    let result = js_sys::Object::new();
    Reflect::set(&result, &JsValue::from_str("diagnostics"), &parse(&json(&records)?)?)?;
    if let Some(inner) = analysis.ruleset {
        Reflect::set(&result, &JsValue::from_str("ruleset"), &JsValue::from(Ruleset { inner }))?;
    }
    Ok(result.into())
}

/// Reads an RFC 3339 timestamp exactly as `evaluate` reads a `now` string
/// (`Timestamp::parse_rfc3339`): returns the instant in the form decisions
/// report it (UTC, milliseconds: `2026-11-21T10:00:00.000Z`); throws a
/// `TypeError` saying why when the text is not one (or is not a string).
#[wasm_bindgen(js_name = parseTimestamp)]
pub fn parse_timestamp(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<String, JsValue> {
    let text = text.as_string().ok_or_else(|| type_error("a timestamp must be an RFC 3339 string"))?;
    Timestamp::parse_rfc3339(&text).map(Timestamp::to_iso_string).map_err(|error| type_error(&error.to_string()))
}

/// The checker's date from `{today}`: the current UTC date when absent,
/// none (no expiry warnings) when `null`.
fn today_option(options: Option<JsCheckOptions>) -> Result<Option<vexil::Timestamp>, JsValue> {
    Ok(match options.map(|o| o.today()) {
        None => Some(today_of(current_time()?)?),
        Some(value) if value.is_undefined() => Some(today_of(current_time()?)?),
        Some(value) if value.is_null() => None,
        Some(value) => Some(today_of(instant(&value, "today")?)?),
    })
}

/// A compiled ruleset. Call `free()` when done with it (or rely on the
/// `FinalizationRegistry` wasm-bindgen installs).
#[wasm_bindgen]
pub struct Ruleset {
    inner: vexil::Ruleset,
}

#[wasm_bindgen]
impl Ruleset {
    /// First 16 hex digits of SHA-256 over the ruleset source.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_owned()
    }

    /// The flag catalogue, in source order.
    #[wasm_bindgen(getter, unchecked_return_type = "FlagInfo[]")]
    pub fn flags(&self) -> Result<JsValue, JsValue> {
        let flags = self.inner.flags();
        let array = to_js(flags)?;
        for (i, flag) in flags.iter().enumerate() {
            if big_int(&flag.on_error).is_some() {
                let entry = Reflect::get_u32(&array, u32::try_from(i).unwrap_or(u32::MAX))?;
                patch_big_int(&entry, "on_error", &flag.on_error)?;
            }
        }
        Ok(array)
    }

    /// The context schema: every declared attribute, in declaration order,
    /// as `{ path, type, optional, members? }` (`vexil::AttrInfo`).
    #[wasm_bindgen(getter, unchecked_return_type = "AttrInfo[]")]
    pub fn schema(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.schema())
    }

    /// Decides one flag. Bad contexts give `ERROR` decisions, never exceptions.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(js_name = flagKey)] flag_key: &str,
        context: Option<JsContext>,
        options: Option<EvaluateOptions>,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(options.as_ref())?;
        let budget = budget_of(options.as_ref())?;
        let decision = match self.context(context.as_ref()) {
            Ok(context) => self.inner.evaluate_within(flag_key, &context, now, budget),
            Err(message) => self.inner.context_error(flag_key, message, now),
        };
        decision_to_js(&decision)
    }

    /// Decides one request line exactly as `vexil eval --requests` and the
    /// plugin ABI do (`{"flag","context"?,"context_json"?,"now"?}`; `now`
    /// defaults to `options.now`, else the clock): a line that is not a valid
    /// request gets an `ERROR` decision with code `PARSE_ERROR`, never an
    /// exception. A budget comes from the line's own `"budget"` (the options'
    /// `budget` is not applied to lines). For hosts that relay request lines.
    #[wasm_bindgen(js_name = evaluateRequest, unchecked_return_type = "Decision")]
    pub fn evaluate_request(&self, line: &str, options: Option<EvaluateOptions>) -> Result<JsValue, JsValue> {
        let now = now_of(options.as_ref())?;
        decision_to_js(&vexil::request::evaluate_request_json(&self.inner, line, now))
    }

    /// Decides every flag against one context: `{ ruleset_version, now, decisions }`.
    /// Like `vexil eval --all`, a context that is not an object (or cannot be
    /// serialised) throws a `TypeError`; attribute problems are per-decision errors.
    #[wasm_bindgen(js_name = evaluateAll, unchecked_return_type = "DecisionSet")]
    pub fn evaluate_all(
        &self,
        context: Option<JsContext>,
        options: Option<EvaluateOptions>,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(options.as_ref())?;
        let budget = budget_of(options.as_ref())?;
        let context = self.context(context.as_ref()).map_err(|message| type_error(&message))?;
        let set = self.inner.evaluate_all_within(&context, now, budget);
        let object = to_js(&set)?;
        let array = Reflect::get(&object, &JsValue::from_str("decisions"))?;
        for (i, decision) in set.decisions.iter().enumerate() {
            if let Some(value) = &decision.value
                && big_int(value).is_some()
            {
                let entry = Reflect::get_u32(&array, u32::try_from(i).unwrap_or(u32::MAX))?;
                patch_big_int(&entry, "value", value)?;
            }
        }
        Ok(object)
    }

    /// Why a flag decided as it did: `{ decision, prerequisites, rules }`.
    /// Like `vexil eval --explain`, a context that is not an object throws a `TypeError`.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(
        &self,
        #[wasm_bindgen(js_name = flagKey)] flag_key: &str,
        context: Option<JsContext>,
        options: Option<EvaluateOptions>,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(options.as_ref())?;
        let budget = budget_of(options.as_ref())?;
        let context = self.context(context.as_ref()).map_err(|message| type_error(&message))?;
        let explanation = self.inner.explain_within(flag_key, &context, now, budget);
        let object = to_js(&explanation)?;
        if let Some(value) = &explanation.decision.value
            && big_int(value).is_some()
        {
            let decision = Reflect::get(&object, &JsValue::from_str("decision"))?;
            patch_big_int(&decision, "value", value)?;
        }
        Ok(object)
    }
}

impl Ruleset {
    fn context(&self, context: Option<&JsContext>) -> Result<Context, String> {
        let Some(context) = context else {
            return Ok(self.inner.empty_context());
        };
        let written = context_json(context)
            .map_err(|error| format!("the context cannot be converted to JSON: {}", message_of(&error)))?;
        if let Some(text) = written.as_string() {
            return self.inner.decode_context(&text);
        }
        // `[text, problems]`: values JSON cannot express, written as `null`.
        let parts = js_sys::Array::from(&written);
        let text = parts.get(0).as_string().ok_or("the context is not a JSON value")?;
        let problems: Vec<(Vec<String>, String)> = parts
            .get(1)
            .as_string()
            .and_then(|problems| serde_json::from_str(&problems).ok())
            .ok_or("the context's unrepresentable values could not be listed")?;
        let mut decoded = self.inner.decode_context(&text)?;
        for (path, what) in &problems {
            self.inner.invalidate_context_path(&mut decoded, path, what);
        }
        Ok(decoded)
    }
}

#[wasm_bindgen(module = "/js/context.js")]
extern "C" {
    /// The context's exact JSON text, or `[text, problems]` (see js/context.js).
    #[wasm_bindgen(catch, js_name = contextJson)]
    fn context_json(value: &JsValue) -> Result<JsValue, JsValue>;
}

const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The int of a value that a JS number cannot hold exactly.
fn big_int(value: &FlagValue) -> Option<i64> {
    match value {
        FlagValue::Int(int) if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(int) => Some(*int),
        _ => None,
    }
}

/// Replaces `object[key]` (a lossy number after `JSON.parse`) with the exact BigInt.
fn patch_big_int(object: &JsValue, key: &str, value: &FlagValue) -> Result<(), JsValue> {
    if let Some(int) = big_int(value) {
        Reflect::set(object, &JsValue::from_str(key), &BigInt::from(int).into())?;
    }
    Ok(())
}

fn decision_to_js(decision: &Decision) -> Result<JsValue, JsValue> {
    let object = to_js(decision)?;
    if let Some(value) = &decision.value {
        patch_big_int(&object, "value", value)?;
    }
    Ok(object)
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|error| Error::new(&error.to_string()).into())
}

fn parse(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text)
}

/// A boundary value as a plain JS object, through its CLI JSON.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    parse(&json(value)?)
}

/// `{ budget }`: work units for each flag (docs/semantics.md, "Work"), a
/// non-negative integer number or BigInt; absent means no budget.
fn budget_of(options: Option<&EvaluateOptions>) -> Result<Option<u64>, JsValue> {
    let Some(value) = options.map(EvaluateOptions::budget).filter(|v| !v.is_undefined()) else {
        return Ok(None);
    };
    if let Some(number) = value.as_f64()
        && number.fract() == 0.0
        && (0.0..=MAX_SAFE_INTEGER as f64).contains(&number)
    {
        // Exact: an integral double within 2^53.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(Some(number as u64));
    }
    if let Some(big) = value.dyn_ref::<BigInt>()
        && let Some(units) = big.to_string(10).ok().map(String::from).and_then(|digits| digits.parse::<u64>().ok())
    {
        return Ok(Some(units));
    }
    Err(type_error("`budget` must be a non-negative integer (work units)"))
}

fn now_of(options: Option<&EvaluateOptions>) -> Result<Timestamp, JsValue> {
    match options.map(EvaluateOptions::now) {
        Some(value) if !value.is_undefined() => instant(&value, "now"),
        _ => current_time(),
    }
}

fn current_time() -> Result<Timestamp, JsValue> {
    from_js_millis(Date::now(), "the current time")
}

/// A `Date` or an RFC 3339 string (for `today`, also `YYYY-MM-DD`).
fn instant(value: &JsValue, what: &str) -> Result<Timestamp, JsValue> {
    if let Some(text) = value.as_string() {
        let parsed = if what == "today" && text.len() == 10 {
            Timestamp::parse_date(&text)
        } else {
            Timestamp::parse_rfc3339(&text)
        };
        return parsed.map_err(|error| type_error(&format!("`{what}`: {error}")));
    }
    if let Some(date) = value.dyn_ref::<Date>() {
        return from_js_millis(date.get_time(), what);
    }
    Err(type_error(&format!("`{what}` must be a Date or an RFC 3339 string")))
}

fn from_js_millis(millis: f64, what: &str) -> Result<Timestamp, JsValue> {
    if millis.is_finite() && millis.fract() == 0.0 && millis.abs() < 9.0e15 {
        // Exact: an integral double below 2^53 converts to i64 without loss.
        #[allow(clippy::cast_possible_truncation)]
        let millis = millis as i64;
        if let Some(timestamp) = Timestamp::from_millis(millis) {
            return Ok(timestamp);
        }
    }
    Err(type_error(&format!("{what} is not a valid date between years 0000 and 9999")))
}

/// Midnight UTC of the instant's day (what `vexil check --today` compares with).
fn today_of(instant: Timestamp) -> Result<Timestamp, JsValue> {
    const MS_PER_DAY: i64 = 86_400_000;
    Timestamp::from_millis(instant.millis().div_euclid(MS_PER_DAY) * MS_PER_DAY)
        .ok_or_else(|| type_error("`today` is out of range"))
}

fn type_error(message: &str) -> JsValue {
    TypeError::new(message).into()
}

fn message_of(error: &JsValue) -> String {
    match error.dyn_ref::<Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_else(|| format!("{error:?}")),
    }
}
