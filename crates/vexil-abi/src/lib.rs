//! The raw Vexil plugin ABI (see `ABI.md` beside this crate): a core wasm
//! module for `wasm32-unknown-unknown` with no imports, which a host (the
//! wasmtime embedding in `vexil-host`, or one in any other language) drives
//! through a handful of exports. JSON goes in and out through guest memory;
//! every result is one packed `u64`, `(ptr << 32) | len`, that the host frees
//! with [`vexil_free`].
//!
//! This crate only moves bytes: every decision, diagnostic and error message
//! comes from the `vexil` facade, so the plugin decides exactly as the native
//! engine does.
//!
//! It is the one crate of the workspace that uses `unsafe`: raw pointers are
//! what crosses a wasm boundary. Each block says why it is sound.

use std::alloc::{Layout, alloc, dealloc};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use vexil::{CheckOptions, DiagnosticRecord, FlagInfo, Ruleset, Timestamp};

/// The ABI's version; a host refuses a module whose version it does not know.
pub const ABI_VERSION: u32 = 1;

/// The ruleset handles of this instance. A wasm instance is single-threaded;
/// the mutex only keeps the native (test) build honest.
static RULESETS: Mutex<Rulesets> = Mutex::new(Rulesets { next: 1, loaded: BTreeMap::new() });

struct Rulesets {
    next: u32,
    loaded: BTreeMap<u32, Ruleset>,
}

fn rulesets() -> MutexGuard<'static, Rulesets> {
    // A panic aborts the module (panic = "abort"), so the lock is never poisoned there.
    RULESETS.lock().unwrap_or_else(PoisonError::into_inner)
}

// ------------------------------------------------------------------ exports

/// The ABI's version ([`ABI_VERSION`]).
#[unsafe(no_mangle)]
pub extern "C" fn vexil_abi_version() -> u32 {
    ABI_VERSION
}

/// Allocates `len` bytes of guest memory for the host to write an input
/// into. Returns 0 when the memory cannot grow (a memory limit); for
/// `len == 0`, a non-zero pointer that must not be read or written.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_alloc(len: u32) -> u32 {
    if len == 0 {
        return 1;
    }
    let Ok(layout) = Layout::from_size_align(len as usize, 1) else {
        return 0;
    };
    // SAFETY: the layout has a non-zero size (checked above).
    let ptr = unsafe { alloc(layout) };
    address(ptr)
}

/// Frees a block from [`vexil_alloc`] or a result of another export, with
/// the same length. The host must pass exactly what it was given.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_free(ptr: u32, len: u32) {
    if ptr == 0 || len == 0 {
        return;
    }
    let Ok(layout) = Layout::from_size_align(len as usize, 1) else {
        return;
    };
    // SAFETY: the ABI contract: `ptr`/`len` come from `vexil_alloc(len)` or
    // from a packed result, both allocated with exactly this layout, and the
    // host frees each block once. A host that breaks the contract can only
    // corrupt this sandboxed instance's own memory.
    unsafe { dealloc(ptr as usize as *mut u8, layout) }
}

/// Compiles the ruleset source in `ptr..ptr+len` (UTF-8). Result:
/// `{"handle","ruleset_version","flags":[…]}` or `{"diagnostics":[…]}`.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_load(ptr: u32, len: u32) -> u64 {
    // SAFETY: see `input`.
    let bytes = unsafe { input(ptr, len) };
    respond(load(bytes))
}

/// Decides one flag. Input: `NOW "\n" REQUEST` or `NOW "\n" FLAG "\n" CONTEXT_JSON`
/// (see `ABI.md`). Result: a decision.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_eval(handle: u32, ptr: u32, len: u32) -> u64 {
    // SAFETY: see `input`.
    let bytes = unsafe { input(ptr, len) };
    respond(with_request(handle, bytes, eval_request))
}

fn eval_request(ruleset: &Ruleset, request: &str, now: Timestamp) -> Result<Vec<u8>, AbiError> {
    let decision = match direct_form(request) {
        Some((flag, context)) => ruleset.evaluate_json(flag, context, now),
        None => vexil::request::evaluate_request_json(ruleset, request, now),
    };
    Ok(json(&decision))
}

/// The direct form of a request, `FLAG "\n" CONTEXT_JSON`, which spares the
/// host escaping the context into a JSON string and the guest unescaping it
/// (a flag key never starts with `{`, so the two forms cannot be confused).
fn direct_form(request: &str) -> Option<(&str, &str)> {
    if request.starts_with('{') {
        return None;
    }
    request.split_once('\n')
}

/// Decides every flag. Input: `NOW "\n" {"context"|"context_json","now"?}`.
/// Result: a decision set.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_eval_all(handle: u32, ptr: u32, len: u32) -> u64 {
    // SAFETY: see `input`.
    let bytes = unsafe { input(ptr, len) };
    respond(with_request(handle, bytes, |ruleset, request, now| {
        vexil::request::evaluate_all_request_json(ruleset, request, now)
            .map(|set| json(&set))
            .map_err(|message| AbiError::new("INVALID_REQUEST", message))
    }))
}

/// Explains one flag. Input: `NOW "\n" {"flag","context"|"context_json","now"?}`.
/// Result: an explanation.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_explain(handle: u32, ptr: u32, len: u32) -> u64 {
    // SAFETY: see `input`.
    let bytes = unsafe { input(ptr, len) };
    respond(with_request(handle, bytes, |ruleset, request, now| {
        vexil::request::explain_request_json(ruleset, request, now)
            .map(|explanation| json(&explanation))
            .map_err(|message| AbiError::new("INVALID_REQUEST", message))
    }))
}

/// Drops a ruleset. Returns 1 when the handle was loaded, 0 otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn vexil_unload(handle: u32) -> u32 {
    u32::from(rulesets().loaded.remove(&handle).is_some())
}

// ------------------------------------------------------------------ bytes in, bytes out

/// The host's input bytes, or `None` when `ptr..ptr+len` is not inside the
/// guest's memory.
///
/// # Safety
/// The host wrote `len` bytes at `ptr` (normally a block from `vexil_alloc`)
/// and does not touch them during the call. On wasm the range is checked
/// against the memory size first, so a wrong pointer gives an error result,
/// not a trap; natively (unit tests) the caller guarantees it.
unsafe fn input<'a>(ptr: u32, len: u32) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr == 0 {
        return None;
    }
    let end = u64::from(ptr) + u64::from(len);
    #[cfg(target_arch = "wasm32")]
    if end > (core::arch::wasm32::memory_size(0) as u64) * 65_536 {
        return None;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = end;
    // SAFETY: the range is non-empty, non-null and (on wasm) inside linear
    // memory; the caller guarantees it holds initialised bytes nobody writes
    // during the call.
    Some(unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) })
}

/// An ABI-level failure: the call could not be carried out at all.
#[derive(Debug, Serialize)]
struct AbiError {
    code: &'static str,
    message: String,
}

impl AbiError {
    fn new(code: &'static str, message: impl Into<String>) -> AbiError {
        AbiError { code, message: message.into() }
    }
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: &'a AbiError,
}

#[derive(Serialize)]
struct LoadReply<'a> {
    handle: u32,
    ruleset_version: &'a str,
    flags: &'a [FlagInfo],
}

#[derive(Serialize)]
struct Rejected {
    diagnostics: Vec<DiagnosticRecord>,
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn load(bytes: Option<&[u8]>) -> Result<Vec<u8>, AbiError> {
    let bytes = bytes.ok_or_else(out_of_bounds)?;
    let source = std::str::from_utf8(bytes)
        .map_err(|e| AbiError::new("BAD_INPUT", format!("the ruleset source is not UTF-8: {e}")))?;
    match vexil::compile(source, &CheckOptions { today: None, ..Default::default() }) {
        Ok(ruleset) => {
            let mut all = rulesets();
            let handle = all.next;
            all.next = all.next.checked_add(1).ok_or_else(|| AbiError::new("BAD_INPUT", "out of handles"))?;
            let out = json(&LoadReply { handle, ruleset_version: ruleset.version(), flags: ruleset.flags() });
            all.loaded.insert(handle, ruleset);
            Ok(out)
        }
        Err(error) => Ok(json(&Rejected { diagnostics: vexil::diagnostic_records(source, &error.diagnostics, None) })),
    }
}

/// Splits `NOW "\n" REQUEST`, finds the ruleset and runs `call`.
fn with_request(
    handle: u32,
    bytes: Option<&[u8]>,
    call: impl FnOnce(&Ruleset, &str, Timestamp) -> Result<Vec<u8>, AbiError>,
) -> Result<Vec<u8>, AbiError> {
    let bytes = bytes.ok_or_else(out_of_bounds)?;
    let all = rulesets();
    let ruleset = all
        .loaded
        .get(&handle)
        .ok_or_else(|| AbiError::new("UNKNOWN_HANDLE", format!("no ruleset has handle {handle}")))?;
    let newline = bytes.iter().position(|&b| b == b'\n').ok_or_else(|| {
        AbiError::new("BAD_INPUT", "the input must be an RFC 3339 instant, a newline, then the request")
    })?;
    let (now, request) = (&bytes[..newline], &bytes[newline + 1..]);
    let now = std::str::from_utf8(now)
        .ok()
        .and_then(|text| Timestamp::parse_rfc3339(text).ok())
        .ok_or_else(|| AbiError::new("BAD_INPUT", "the input's first line must be an RFC 3339 instant"))?;
    match std::str::from_utf8(request) {
        Ok(request) => call(ruleset, request, now),
        Err(error) => Err(AbiError::new("BAD_INPUT", format!("the request is not UTF-8: {error}"))),
    }
}

fn out_of_bounds() -> AbiError {
    AbiError::new("BAD_INPUT", "the input range lies outside the guest's memory")
}

/// Moves a result into guest memory and packs `(ptr << 32) | len`. An
/// error becomes `{"error":{"code","message"}}`. 0 when even that cannot be
/// allocated (the memory limit).
fn respond(result: Result<Vec<u8>, AbiError>) -> u64 {
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(error) => json(&ErrorEnvelope { error: &error }),
    };
    let len = bytes.len();
    let Ok(len32) = u32::try_from(len) else {
        return 0;
    };
    // A boxed slice's allocation has exactly the layout `vexil_free(ptr, len)` uses.
    let ptr = Box::into_raw(bytes.into_boxed_slice());
    (u64::from(address(ptr.cast::<u8>())) << 32) | u64::from(len32)
}

/// A pointer as a wasm32 address (natively, the low 32 bits: the native
/// build only serves unit tests, which unpack through [`unpack`]).
fn address(ptr: *mut u8) -> u32 {
    ptr as usize as u32
}

/// Test support for the native build, where pointers do not fit the
/// ABI's 32 bits: the exports' logic, returning JSON text directly.
#[cfg(not(target_arch = "wasm32"))]
pub mod native {
    /// Calls an export's logic and returns its JSON, bypassing pointer packing.
    pub fn load(source: &[u8]) -> String {
        text(super::load(Some(source)))
    }

    pub fn eval(handle: u32, input: &[u8]) -> String {
        text(super::with_request(handle, Some(input), super::eval_request))
    }

    pub fn unload(handle: u32) -> u32 {
        super::vexil_unload(handle)
    }

    fn text(result: Result<Vec<u8>, super::AbiError>) -> String {
        let bytes = match result {
            Ok(bytes) => bytes,
            Err(error) => super::json(&super::ErrorEnvelope { error: &error }),
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::native;

    const SOURCE: &str = r#"context { user.id: string }
flag beta: bool { owner "me" default false rule ada: when user.id == "ada" => true }"#;

    fn handle_of(loaded: &str) -> u32 {
        let value: serde_json::Value = serde_json::from_str(loaded).unwrap();
        u32::try_from(value["handle"].as_u64().unwrap()).unwrap()
    }

    #[test]
    fn load_eval_unload() {
        let loaded = native::load(SOURCE.as_bytes());
        assert!(loaded.contains(r#""on_error":false"#), "{loaded}");
        let handle = handle_of(&loaded);
        let out = native::eval(
            handle,
            br#"2026-01-01T00:00:00Z
{"flag":"beta","context_json":"{\"user\":{\"id\":\"ada\"}}"}"#,
        );
        assert!(out.starts_with(r#"{"flag":"beta","value":true,"variant":"true","reason":"TARGETING_MATCH""#), "{out}");
        let direct = native::eval(handle, b"2026-01-01T00:00:00Z\nbeta\n{\"user\":{\"id\":\"ada\"}}");
        assert_eq!(direct, out, "the direct form decides like the JSON form");
        let bad_context = native::eval(handle, b"2026-01-01T00:00:00Z\nbeta\n{not json");
        assert!(bad_context.contains(r#""error_code":"INVALID_CONTEXT""#), "{bad_context}");
        assert_eq!(native::unload(handle), 1);
        assert_eq!(native::unload(handle), 0);
        let out = native::eval(handle, b"2026-01-01T00:00:00Z\n{}");
        assert!(out.starts_with(r#"{"error":{"code":"UNKNOWN_HANDLE""#), "{out}");
    }

    #[test]
    fn diagnostics_and_bad_bytes() {
        let rejected = native::load(b"flag x: bool {");
        assert!(rejected.starts_with(r#"{"diagnostics":[{"severity":"error","code":"E"#), "{rejected}");
        let rejected = native::load(b"\xff\xfe");
        assert!(rejected.contains("BAD_INPUT"), "{rejected}");
        let handle = handle_of(&native::load(SOURCE.as_bytes()));
        assert!(native::eval(handle, b"no newline").contains("BAD_INPUT"));
        assert!(native::eval(handle, b"yesterday\n{}").contains("BAD_INPUT"));
        assert!(native::eval(handle, b"2026-01-01T00:00:00Z\n\xff").contains("BAD_INPUT"));
        let out = native::eval(handle, b"2026-01-01T00:00:00Z\nnot json");
        assert!(out.contains(r#""error_code":"PARSE_ERROR""#), "{out}");
        assert!(out.contains(r#""now":"2026-01-01T00:00:00.000Z""#), "{out}");
    }
}
