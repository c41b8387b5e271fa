//! Vexil as an isolated WebAssembly plugin: the evaluator of the `vexil`
//! crate, compiled to `wasm32-unknown-unknown` (`vexil-abi`, see its
//! `ABI.md`) and run under wasmtime with hard limits, so that a bad ruleset
//! or a hostile input cannot take the host down. Decisions are the `vexil`
//! crate's own types ([`vexil::Decision`], [`vexil::DecisionSet`],
//! [`vexil::Explanation`], [`vexil::FlagInfo`]), byte for byte the native
//! engine's.
//!
//! ```no_run
//! let engine = vexil_host::Engine::new(vexil_host::Config::default())?;
//! let ruleset = engine.compile(r#"
//!     context { user.id: string }
//!     flag beta: bool { owner "me" default false rule when user.id == "ada" => true }
//! "#)?;
//! let now = vexil::Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").map_err(|e| e.to_string())?;
//! let decision = ruleset.evaluate("beta", r#"{"user":{"id":"ada"}}"#, now);
//! assert_eq!(decision.reason, vexil::Reason::TargetingMatch);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **The module.** `cargo xtask build-plugin` (and `cargo xtask test`)
//! builds it to `target/wasm-plugin/vexil_abi.wasm`; [`Config::module_path`]
//! or `$VEXIL_PLUGIN_WASM` point elsewhere. It is compiled once per process
//! and the compiled artifact is cached on disk (`cache/` beside the module,
//! or [`Config::cache_dir`] / `$VEXIL_PLUGIN_CACHE`), keyed by the module's
//! SHA-256 and wasmtime's version and settings. Keep that directory private
//! to the service: a compiled artifact is trusted native code.
//!
//! **Limits.** Every call runs with a fuel budget ([`Limits::fuel`], about one
//! unit per wasm instruction, plus [`Limits::fuel_per_input_byte`]; loading
//! a ruleset gets [`Limits::load_fuel`] or [`Limits::load_fuel_per_byte`] of
//! source, whichever is more) and the instance's linear memory is capped
//! ([`Limits::memory_bytes`], or more for a large ruleset). [`Limits::work`]
//! optionally bounds each flag's evaluation in the evaluator's own work
//! units. A call that hits a limit answers an `ERROR` decision with code
//! `RESOURCE_LIMIT` and the flag's `on_error` value; any other trap answers
//! `EVALUATION_ERROR`. The host never panics; after a trap the instance is
//! thrown away and, on the next call, a fresh one is restored from a memory
//! snapshot taken right after the ruleset loaded (no recompile).
//!
//! **Reuse and reload.** A [`HostRuleset`] owns one instance and reuses it
//! call after call (calls on one ruleset are serialised; compile one per
//! thread for parallelism). [`HostRuleset::reload`] swaps in a new source;
//! when it does not compile, the previous ruleset keeps serving and the
//! error says why.
//!
//! `unsafe` appears once, scoped, for deserialising the cached module.

#![deny(unsafe_code)]

mod guest;
pub mod module;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use vexil::{
    Code, CompileError, Decision, DecisionSet, Diagnostic, DiagnosticRecord, ErrorCode, Explanation, FlagInfo, Reason,
    Span, Timestamp,
};
use wasmtime::{InstancePre, Linker};

use guest::{Call, Failure, Guest, Snapshot, StoreState};

/// The plugin ABI version this host speaks (`vexil_abi_version()`).
pub const ABI_VERSION: u32 = 1;

/// Per-instance limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel for one call (a decision, a decision set, an explanation), plus
    /// [`Limits::fuel_per_input_byte`]. Default 20,000,000: a 10-attribute
    /// decision needs about 1 % of that; a trace of every flag of a large
    /// ruleset needs more.
    pub fuel: u64,
    /// Call fuel per byte of input (decoding a context is paid by its size):
    /// default 200, well above what decoding costs.
    pub fuel_per_input_byte: u64,
    /// Fuel for compiling a ruleset inside the plugin: at least this, and
    /// [`Limits::load_fuel_per_byte`] per byte of source. Default
    /// 20,000,000,000 (a 1,000-flag ruleset takes a few percent of it).
    pub load_fuel: u64,
    /// Load fuel per byte of source, so that every ruleset `vexil check`
    /// accepts loads: default 10,000, 2.5 times what compiling costs in the
    /// plugin (measured: 4,000 per byte, linear from 1,000 to 30,000 flags;
    /// `tests/limits.rs` loads the largest ruleset of each limit).
    pub load_fuel_per_byte: u64,
    /// The instance's linear memory, in bytes: at least this, and
    /// [`Limits::memory_per_source_byte`] per byte of source plus 64 MiB.
    /// Default 256 MiB: the compiled ruleset lives there, and so does every
    /// call's scratch (a context, decoded).
    pub memory_bytes: usize,
    /// Memory per byte of source: default 96 (compiling takes at most 64×
    /// the source, docs/semantics.md), within wasm32's 4 GiB.
    pub memory_per_source_byte: usize,
    /// Work units each flag may spend, counted by the evaluator itself
    /// (docs/semantics.md, "Work"): a flag over it decides `RESOURCE_LIMIT`
    /// deterministically, exactly as natively with the same budget, and in an
    /// evaluate-all the other flags still decide. Default `None` (as
    /// natively); fuel stays the outer bound either way, and an evaluate-all
    /// gets [`Limits::fuel`] for each flag of the ruleset.
    pub work: Option<u64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: 20_000_000,
            fuel_per_input_byte: 200,
            load_fuel: 20_000_000_000,
            load_fuel_per_byte: 10_000,
            memory_bytes: 256 << 20,
            memory_per_source_byte: 96,
            work: None,
        }
    }
}

/// How an [`Engine`] finds, caches and limits the plugin.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The `.wasm` module; default [`module::default_module_path`].
    pub module_path: Option<PathBuf>,
    /// The compiled-module cache directory; default [`module::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the on-disk cache.
    pub no_disk_cache: bool,
    /// Do not share the compiled module with other engines of this process
    /// (benchmarks of the disk cache use this).
    pub no_process_sharing: bool,
    pub limits: Limits,
}

/// Everything that can go wrong outside a decision.
#[derive(Debug)]
pub enum Error {
    /// The `.wasm` module is not where it should be.
    ModuleNotFound { path: PathBuf, source: std::io::Error },
    /// The module is not a Vexil plugin wasmtime can run (or speaks another ABI version).
    Module(String),
    /// The ruleset does not compile: the same diagnostics as `vexil::compile`.
    Compile(CompileError),
    /// `explain`: the context could not be decoded (the message of
    /// `Ruleset::decode_context`).
    Request(String),
    /// Compiling the ruleset hit a fuel or memory limit.
    Limit(String),
    /// The plugin trapped or broke the ABI while compiling.
    Trap(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ModuleNotFound { path, source } => write!(
                f,
                "the Vexil plugin module is missing at {} ({source}): build it with `{}`, or point {} at a built vexil_abi.wasm",
                path.display(),
                module::BUILD_COMMAND,
                module::MODULE_ENV
            ),
            Error::Module(message) | Error::Request(message) | Error::Limit(message) | Error::Trap(message) => {
                f.write_str(message)
            }
            Error::Compile(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::ModuleNotFound { source, .. } => Some(source),
            Error::Compile(error) => Some(error),
            _ => None,
        }
    }
}

/// The plugin, compiled and ready to instantiate. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    pre: InstancePre<StoreState>,
    limits: Limits,
    module_path: PathBuf,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").field("module_path", &self.inner.module_path).finish_non_exhaustive()
    }
}

impl Engine {
    /// Loads the module (compiled once per process, cached on disk) and
    /// prepares instantiation. Fails with a message naming the build command
    /// when the module is missing.
    pub fn new(config: Config) -> Result<Engine, Error> {
        let module_path = config.module_path.clone().unwrap_or_else(module::default_module_path);
        let cache_dir = match (&config.cache_dir, config.no_disk_cache) {
            (_, true) => None,
            (Some(dir), false) => Some(dir.clone()),
            (None, false) => Some(module::default_cache_dir(&module_path)),
        };
        let compiled = module::load(&module_path, cache_dir.as_deref(), !config.no_process_sharing)?;
        let imports = compiled.module.imports().count();
        if imports > 0 {
            return Err(Error::Module(format!("the plugin module has {imports} import(s); a Vexil plugin has none")));
        }
        let linker: Linker<StoreState> = Linker::new(&compiled.engine);
        let pre = linker
            .instantiate_pre(&compiled.module)
            .map_err(|e| Error::Module(format!("cannot prepare the plugin module: {e}")))?;
        Ok(Engine { inner: Arc::new(EngineInner { pre, limits: config.limits, module_path }) })
    }

    pub fn module_path(&self) -> &Path {
        &self.inner.module_path
    }

    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Compiles a ruleset in a fresh instance.
    pub fn compile(&self, source: &str) -> Result<HostRuleset, Error> {
        let mut guest = self.instantiate(source.len(), 0)?;
        let loaded = load_into(&mut guest, source)?;
        let snapshot = guest.snapshot();
        Ok(HostRuleset {
            engine: self.clone(),
            state: Mutex::new(State {
                current: loaded,
                guest: Some(guest),
                snapshot,
                compiles: 1,
                scratch: Vec::new(),
            }),
        })
    }

    /// A fresh instance for a ruleset of `source_len` bytes: its memory may
    /// grow to [`Limits::memory_bytes`], or more for a large ruleset, so that
    /// every ruleset `vexil check` accepts loads and still has room for contexts.
    /// `at_least`: memory the instance must be able to hold anyway (a
    /// snapshot's size, when restoring one).
    fn instantiate(&self, source_len: usize, at_least: usize) -> Result<Guest, Error> {
        let limits = self.inner.limits;
        let scaled = match limits.memory_per_source_byte {
            0 => 0,
            per_byte => source_len.saturating_mul(per_byte).saturating_add(64 << 20).min(4 << 30),
        };
        let memory_limit = limits.memory_bytes.max(scaled).max(at_least);
        Guest::new(&self.inner.pre, self.inner.limits, memory_limit).map_err(Error::Module)
    }
}

/// A ruleset compiled inside its own plugin instance: the API of
/// `vexil::Ruleset`, with contexts given as JSON text.
pub struct HostRuleset {
    engine: Engine,
    state: Mutex<State>,
}

impl fmt::Debug for HostRuleset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostRuleset").field("version", &self.version()).finish_non_exhaustive()
    }
}

struct State {
    current: LoadedRuleset,
    /// `None` after a trap: rebuilt from `snapshot` on the next call.
    guest: Option<Guest>,
    /// The instance right after `current` loaded: a trap costs a copy of it,
    /// not a compile (a hostile caller cannot make each call recompile).
    snapshot: Snapshot,
    /// Compiles so far (a test hook).
    compiles: u64,
    /// The input being built, reused call after call.
    scratch: Vec<u8>,
}

/// What `vexil_load` told about a ruleset.
struct LoadedRuleset {
    source: Arc<str>,
    handle: u32,
    version: Arc<str>,
    flags: Arc<[FlagInfo]>,
    index: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct LoadResult {
    #[serde(default)]
    handle: Option<u32>,
    #[serde(default)]
    ruleset_version: Option<String>,
    #[serde(default)]
    flags: Option<Vec<FlagInfo>>,
    #[serde(default)]
    diagnostics: Option<Vec<DiagnosticRecord>>,
}

fn load_into(guest: &mut Guest, source: &str) -> Result<LoadedRuleset, Error> {
    let bytes = guest.load(source.as_bytes()).map_err(|failure| match failure {
        Failure::Limit { message, .. } => Error::Limit(message),
        Failure::Trap(message) => Error::Trap(message),
        Failure::Refused { code, message } => Error::Trap(format!("the plugin refused the ruleset: {code}: {message}")),
    })?;
    let result: LoadResult = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Trap(format!("the plugin's answer to vexil_load is malformed: {e}")))?;
    match result {
        LoadResult { handle: Some(handle), ruleset_version: Some(version), flags: Some(flags), .. } => {
            let index = flags.iter().enumerate().map(|(i, f)| (f.key.clone(), i)).collect();
            Ok(LoadedRuleset { source: source.into(), handle, version: version.into(), flags: flags.into(), index })
        }
        LoadResult { diagnostics: Some(records), .. } => Err(Error::Compile(CompileError {
            diagnostics: records.iter().map(to_diagnostic).collect::<Result<_, _>>()?,
        })),
        _ => Err(Error::Trap("the plugin's answer to vexil_load has neither a handle nor diagnostics".into())),
    }
}

/// A diagnostic record back into the checker's type (same code, span, message, help).
fn to_diagnostic(record: &DiagnosticRecord) -> Result<Diagnostic, Error> {
    let code = Code::ALL.iter().find(|code| code.as_str() == record.code).ok_or_else(|| {
        Error::Module(format!("the plugin reports diagnostic code {} this host does not know", record.code))
    })?;
    let diagnostic = Diagnostic::new(*code, Span::new(record.start as usize, record.end as usize), &record.message);
    Ok(match &record.help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    })
}

impl HostRuleset {
    /// First 16 hex digits of SHA-256 over the source bytes.
    pub fn version(&self) -> Arc<str> {
        self.lock().current.version.clone()
    }

    pub fn source(&self) -> Arc<str> {
        self.lock().current.source.clone()
    }

    /// The flag catalogue, as `vexil::Ruleset::flags` gives it.
    pub fn flags(&self) -> Arc<[FlagInfo]> {
        self.lock().current.flags.clone()
    }

    /// Bytes of linear memory the instance uses (0 while it is being rebuilt).
    pub fn memory_bytes(&self) -> usize {
        self.lock().guest.as_ref().map_or(0, Guest::memory_bytes)
    }

    /// Decides one flag against a JSON context, exactly as
    /// `vexil::Ruleset::evaluate_json` does.
    pub fn evaluate(&self, flag: &str, context_json: &str, now: Timestamp) -> Decision {
        self.evaluate_within(flag, context_json, now, self.engine.inner.limits.work)
    }

    /// [`HostRuleset::evaluate`] within a budget of work units
    /// (`vexil::Ruleset::evaluate_within`), instead of [`Limits::work`].
    pub fn evaluate_within(&self, flag: &str, context_json: &str, now: Timestamp, budget: Option<u64>) -> Decision {
        let now_text = now.iso_text();
        let now_text = now_text.as_str();
        let mut state = self.lock();
        let input = build_input(&mut state.scratch, now_text, Some(flag), context_json, Form::Direct, budget);
        let result = self.call(&mut state, Call::Eval, &input, parse::<Decision>);
        state.scratch = input;
        match result {
            Ok(decision) => decision,
            Err(failure) => error_decision(&state.current, flag, &failure, now),
        }
    }

    /// Decides one request line `{"flag","context"?,"context_json"?,"now"?}`,
    /// exactly as `vexil::request::evaluate_request_json` does (what `vexil
    /// eval --requests` reads).
    pub fn evaluate_request(&self, line: &str, default_now: Timestamp) -> Decision {
        let now_text = default_now.iso_text();
        let now_text = now_text.as_str();
        let mut state = self.lock();
        let mut input = std::mem::take(&mut state.scratch);
        input.clear();
        input.extend_from_slice(now_text.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(line.as_bytes());
        let result = self.call(&mut state, Call::Eval, &input, parse::<Decision>);
        state.scratch = input;
        match result {
            Ok(decision) => decision,
            Err(failure) => {
                let flag = vexil::request::flag_of(line);
                error_decision(&state.current, &flag, &failure, default_now)
            }
        }
    }

    /// Every flag against one JSON context, exactly as
    /// `vexil::Ruleset::evaluate_all_json` does (a context that does not
    /// decode gives every flag an ERROR decision with INVALID_CONTEXT).
    pub fn evaluate_all(&self, context_json: &str, now: Timestamp) -> DecisionSet {
        self.evaluate_all_within(context_json, now, self.engine.inner.limits.work)
    }

    /// [`HostRuleset::evaluate_all`] with a budget of work units for each flag.
    pub fn evaluate_all_within(&self, context_json: &str, now: Timestamp, budget: Option<u64>) -> DecisionSet {
        let now_text = now.iso_text();
        let now_text = now_text.as_str();
        let mut state = self.lock();
        let input = build_input(&mut state.scratch, now_text, None, context_json, Form::Json, budget);
        let result = self.call(&mut state, Call::EvalAll, &input, parse::<DecisionSet>);
        state.scratch = input;
        match result {
            Ok(set) => set,
            Err(failure) => {
                let current = &state.current;
                DecisionSet {
                    ruleset_version: current.version.clone(),
                    now,
                    decisions: current.flags.iter().map(|f| error_decision(current, &f.key, &failure, now)).collect(),
                }
            }
        }
    }

    /// Why a flag decided as it did. Fails when the context cannot be decoded.
    pub fn explain(&self, flag: &str, context_json: &str, now: Timestamp) -> Result<Explanation, Error> {
        self.explain_within(flag, context_json, now, self.engine.inner.limits.work)
    }

    /// [`HostRuleset::explain`] within a budget of work units.
    pub fn explain_within(
        &self,
        flag: &str,
        context_json: &str,
        now: Timestamp,
        budget: Option<u64>,
    ) -> Result<Explanation, Error> {
        let now_text = now.iso_text();
        let now_text = now_text.as_str();
        let mut state = self.lock();
        let input = build_input(&mut state.scratch, now_text, Some(flag), context_json, Form::Json, budget);
        let result = self.call(&mut state, Call::Explain, &input, parse::<Explanation>);
        state.scratch = input;
        match result {
            Ok(explanation) => Ok(explanation),
            Err(Failure::Refused { code, message }) if code == "INVALID_REQUEST" => Err(Error::Request(message)),
            Err(failure) => Ok(Explanation {
                decision: error_decision(&state.current, flag, &failure, now),
                prerequisites: Vec::new(),
                rules: Vec::new(),
            }),
        }
    }

    /// Hot reload: compiles `source` and, when it compiles, serves it from
    /// now on. When it does not (diagnostics, a limit, a trap), the previous
    /// ruleset keeps serving and the error says why.
    pub fn reload(&self, source: &str) -> Result<(), Error> {
        // Compiled in a fresh instance sized for the new source, outside the
        // lock (calls go on meanwhile); swapped in only when it loaded, so a
        // failure of any kind leaves the serving ruleset untouched.
        let mut guest = self.engine.instantiate(source.len(), 0)?;
        let loaded = load_into(&mut guest, source)?;
        let snapshot = guest.snapshot();
        let mut state = self.lock();
        state.current = loaded;
        state.guest = Some(guest);
        state.snapshot = snapshot;
        state.compiles += 1;
        Ok(())
    }

    /// Test hook: calls a raw export on this ruleset's instance with raw
    /// arguments, as a broken host could. `Ok(Some(text))` is the result
    /// read back (or the pointer `vexil_alloc` returned).
    #[doc(hidden)]
    pub fn raw_call(&self, export: &str, args: &[u32]) -> Result<Option<String>, String> {
        let mut state = self.lock();
        let guest = self.ensure_guest(&mut state).map_err(|f| format!("{f:?}"))?;
        let result = guest.raw_call(export, args);
        if let Err(failure) = &result
            && failure.poisons()
        {
            state.guest = None;
        }
        result.map_err(|f| format!("{f:?}"))
    }

    /// Test hook: writes raw input bytes into the instance and calls a raw
    /// export with them (with `handle`, or as `vexil_load` when `None`).
    #[doc(hidden)]
    pub fn raw_input(&self, export: &str, handle: Option<u32>, bytes: &[u8]) -> Result<Option<String>, String> {
        let mut state = self.lock();
        let guest = self.ensure_guest(&mut state).map_err(|f| format!("{f:?}"))?;
        let result = guest.raw_input(export, handle, bytes);
        if let Err(failure) = &result
            && failure.poisons()
        {
            state.guest = None;
        }
        result.map_err(|f| format!("{f:?}"))
    }

    /// Test hook: how many times a ruleset was compiled for this
    /// `HostRuleset` (its first load and each reload; never after a trap).
    #[doc(hidden)]
    pub fn compiles(&self) -> u64 {
        self.lock().compiles
    }

    /// The handle of the current ruleset inside its instance (for raw calls).
    #[doc(hidden)]
    pub fn raw_handle(&self) -> u32 {
        self.lock().current.handle
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live instance, restored from the snapshot after a trap.
    fn ensure_guest<'s>(&self, state: &'s mut State) -> Result<&'s mut Guest, Failure> {
        if state.guest.is_none() {
            let mut guest = self
                .engine
                .instantiate(state.current.source.len(), state.snapshot.len())
                .map_err(|e| Failure::Trap(e.to_string()))?;
            guest.restore(&state.snapshot)?;
            state.guest = Some(guest);
        }
        state.guest.as_mut().ok_or_else(|| Failure::Trap("no plugin instance".into()))
    }

    fn call<T>(
        &self,
        state: &mut State,
        call: Call,
        input: &[u8],
        parse: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, Failure> {
        let handle = state.current.handle;
        let fuel = match call {
            // Each flag of the set gets a decision's fuel.
            Call::EvalAll => self.engine.inner.limits.fuel.saturating_mul(state.current.flags.len().max(1) as u64),
            Call::Eval | Call::Explain => self.engine.inner.limits.fuel,
        };
        let result = self.ensure_guest(state).and_then(|guest| guest.call(call, handle, input, fuel, parse));
        if let Err(failure) = &result
            && failure.poisons()
        {
            state.guest = None;
        }
        result
    }
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Which request form to send (see ABI.md): only `vexil_eval` reads the direct one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Direct,
    Json,
}

/// `NOW "\n" {"flag":…,"context_json":…,"budget"?:…}`, or the direct form,
/// built in the scratch buffer (taken here, put back by the caller, so calls
/// do not allocate).
fn build_input(
    scratch: &mut Vec<u8>,
    now: &str,
    flag: Option<&str>,
    context_json: &str,
    form: Form,
    budget: Option<u64>,
) -> Vec<u8> {
    let mut input = std::mem::take(scratch);
    input.clear();
    input.extend_from_slice(now.as_bytes());
    // The direct form (`NOW\nFLAG\nCONTEXT`, see ABI.md) when the key allows
    // it and there is no budget to carry.
    let direct = form == Form::Direct && budget.is_none();
    if let Some(flag) = flag.filter(|f| direct && !f.starts_with('{') && !f.contains('\n')) {
        input.push(b'\n');
        input.extend_from_slice(flag.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(context_json.as_bytes());
        return input;
    }
    input.extend_from_slice(b"\n{");
    if let Some(flag) = flag {
        input.extend_from_slice(br#""flag":"#);
        write_json_string(&mut input, flag);
        input.push(b',');
    }
    input.extend_from_slice(br#""context_json":"#);
    write_json_string(&mut input, context_json);
    if let Some(budget) = budget {
        input.extend_from_slice(format!(r#","budget":{budget}"#).as_bytes());
    }
    input.push(b'}');
    input
}

fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// The decision a host gives when the plugin could not: the flag's
/// `on_error` value, reason ERROR, code RESOURCE_LIMIT or EVALUATION_ERROR.
fn error_decision(current: &LoadedRuleset, flag: &str, failure: &Failure, now: Timestamp) -> Decision {
    let Some(info) = current.index.get(flag).and_then(|&i| current.flags.get(i)) else {
        return Decision::not_found(flag, &current.version, now);
    };
    let (code, message) = match failure {
        Failure::Limit { message, .. } => (ErrorCode::ResourceLimit, message.clone()),
        Failure::Trap(message) => (ErrorCode::EvaluationError, message.clone()),
        Failure::Refused { code, message } => {
            (ErrorCode::EvaluationError, format!("the plugin refused the call: {code}: {message}"))
        }
    };
    Decision {
        flag: info.key.as_str().into(),
        value: Some(info.on_error.clone()),
        variant: Some(info.on_error_variant.as_str().into()),
        reason: Reason::Error,
        rule: None,
        prerequisite: None,
        error_code: Some(code),
        error_message: Some(message),
        ruleset_version: current.version.clone(),
        now,
    }
}
