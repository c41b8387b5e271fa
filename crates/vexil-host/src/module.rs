//! Finding the plugin module and compiling it once: per process (a shared
//! table keyed by the module's SHA-256) and across processes (a compiled
//! artifact on disk, keyed by the module's SHA-256 and by wasmtime's own
//! compatibility hash, which covers its version and the engine settings).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};
use wasmtime::Module;

use crate::Error;

/// Environment variable naming the plugin module (`.wasm`) to load.
pub const MODULE_ENV: &str = "VEXIL_PLUGIN_WASM";
/// Environment variable naming the directory of compiled-module cache files.
pub const CACHE_ENV: &str = "VEXIL_PLUGIN_CACHE";
/// Where `cargo xtask build-plugin` puts the module, under the target directory.
pub const MODULE_IN_TARGET: &str = "wasm-plugin/vexil_abi.wasm";
/// The command that builds the module.
pub const BUILD_COMMAND: &str = "cargo xtask build-plugin";

/// The module path used when the configuration names none: `$VEXIL_PLUGIN_WASM`,
/// else `wasm-plugin/vexil_abi.wasm` under `$CARGO_TARGET_DIR`, else under
/// this workspace's `target/`.
pub fn default_module_path() -> PathBuf {
    if let Some(path) = std::env::var_os(MODULE_ENV) {
        return PathBuf::from(path);
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    };
    target.join(MODULE_IN_TARGET)
}

/// The cache directory used when the configuration names none:
/// `$VEXIL_PLUGIN_CACHE`, else `cache/` beside the module.
pub fn default_cache_dir(module_path: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV) {
        return PathBuf::from(dir);
    }
    module_path.parent().unwrap_or(Path::new(".")).join("cache")
}

/// A module compiled for one engine.
#[derive(Clone)]
pub(crate) struct Compiled {
    pub engine: wasmtime::Engine,
    pub module: Module,
}

/// The engine settings every plugin instance runs with. One function, so the
/// on-disk cache's compatibility hash always describes the same settings.
pub(crate) fn new_engine() -> Result<wasmtime::Engine, Error> {
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    wasmtime::Engine::new(&config).map_err(|e| Error::Module(format!("cannot create the wasmtime engine: {e}")))
}

fn process_table() -> &'static Mutex<HashMap<[u8; 32], Compiled>> {
    static TABLE: OnceLock<Mutex<HashMap<[u8; 32], Compiled>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Reads, hashes and compiles the module (or takes it from the process table
/// or the disk cache).
pub(crate) fn load(path: &Path, cache_dir: Option<&Path>, share_in_process: bool) -> Result<Compiled, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::ModuleNotFound { path: path.to_path_buf(), source })?;
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    if share_in_process && let Some(compiled) = process_table().lock().unwrap_or_else(PoisonError::into_inner).get(&sha)
    {
        return Ok(compiled.clone());
    }
    let engine = new_engine()?;
    let module = match cache_dir {
        Some(dir) => cached(&engine, &bytes, &sha, dir)?,
        None => compile(&engine, &bytes)?,
    };
    let compiled = Compiled { engine, module };
    if share_in_process {
        process_table().lock().unwrap_or_else(PoisonError::into_inner).insert(sha, compiled.clone());
    }
    Ok(compiled)
}

fn compile(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Module, Error> {
    Module::new(engine, bytes).map_err(|e| Error::Module(format!("the plugin module does not compile: {e}")))
}

/// The cache file for a module under an engine.
pub(crate) fn cache_file(engine: &wasmtime::Engine, sha: &[u8; 32], dir: &Path) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let sha_hex: String = sha.iter().take(8).map(|b| format!("{b:02x}")).collect();
    dir.join(format!("vexil_abi-{sha_hex}-wasmtime48-{:016x}.cwasm", hasher.finish()))
}

/// Deserialises the compiled module from the cache, or compiles it and
/// writes the cache (best effort: a read-only directory only costs time).
fn cached(engine: &wasmtime::Engine, bytes: &[u8], sha: &[u8; 32], dir: &Path) -> Result<Module, Error> {
    let file = cache_file(engine, sha, dir);
    if file.is_file() {
        #[allow(unsafe_code)]
        // SAFETY: `Module::deserialize_file` trusts its input to be wasmtime's
        // own output. This file is: its name carries the SHA-256 of the module
        // it was compiled from and wasmtime's compatibility hash of this
        // engine, it is only ever written whole (temporary file + rename) by
        // `store` below, and wasmtime itself checks its header, version and
        // engine settings before use. A file forged by someone with write
        // access to the cache directory is outside this guarantee: keep the
        // cache directory private to the service (see the crate docs).
        let loaded = unsafe { Module::deserialize_file(engine, &file) };
        if let Ok(module) = loaded {
            return Ok(module);
        }
    }
    let module = compile(engine, bytes)?;
    if let Ok(serialized) = module.serialize() {
        store(&file, &serialized);
    }
    Ok(module)
}

fn store(file: &Path, bytes: &[u8]) {
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temp = dir.join(format!(".{}.{}.tmp", std::process::id(), unique()));
    if std::fs::write(&temp, bytes).is_ok() && std::fs::rename(&temp, file).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
