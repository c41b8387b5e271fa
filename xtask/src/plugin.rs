//! `cargo xtask build-plugin` (also a step of `cargo xtask test`): builds the
//! wasmtime plugin module, `vexil-abi` for `wasm32-unknown-unknown` with the
//! `wasm-release` profile, shrinks it with `wasm-opt` when binaryen is
//! installed, and copies it to [`PLUGIN_PATH`] under the target directory,
//! where `vexil-host` looks for it (override: `VEXIL_PLUGIN_WASM`).
//!
//! Never from `build.rs`: a nested cargo build deadlocks on the target-dir lock.

use std::path::PathBuf;

use crate::{Ctx, Failure};

/// Where the module lands, relative to the target directory. `vexil-host`
/// (`crates/vexil-host/src/module.rs`) looks in the same place.
pub const PLUGIN_PATH: &str = "wasm-plugin/vexil_abi.wasm";

/// The packages on the per-decision path (JSON in, evaluation, JSON out) are
/// optimised for speed; the rest of the module (parser, checker) for size.
const SPEED_PACKAGES: &[&str] = &[
    "profile.wasm-release.package.vexil-abi.opt-level=3",
    "profile.wasm-release.package.vexil-eval.opt-level=3",
    "profile.wasm-release.package.vexil-value.opt-level=3",
    "profile.wasm-release.package.vexil.opt-level=3",
    "profile.wasm-release.package.serde_json.opt-level=3",
];

pub fn build_plugin(ctx: &Ctx) -> Result<(), Failure> {
    let mut args = vec![
        "build",
        "--package",
        "vexil-abi",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--lib",
    ];
    for package in SPEED_PACKAGES {
        args.extend_from_slice(&["--config", package]);
    }
    ctx.cargo_run(&args)?;
    let target = target_dir(ctx);
    let built = target.join("wasm32-unknown-unknown/wasm-release/vexil_abi.wasm");
    let dest = target.join(PLUGIN_PATH);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure::spawn(&format!("mkdir {}", dir.display()), e))?;
    }
    let built_text = built.display().to_string();
    let dest_text = dest.display().to_string();
    if ctx.succeeds("wasm-opt", &["--version"]) {
        // -O2, not -Oz: the plugin's budget is time per decision, not bytes.
        let mut args = vec!["-O2", "--strip-debug", "--strip-producers"];
        args.extend_from_slice(crate::js::WASM_OPT_FEATURES);
        args.extend_from_slice(&[built_text.as_str(), "-o", dest_text.as_str()]);
        ctx.run("wasm-opt", &args)?;
    } else {
        eprintln!("note: wasm-opt not found (Debian: `apt-get install -y binaryen`); copying the module unoptimised");
        std::fs::copy(&built, &dest).map_err(|e| Failure::spawn(&format!("copy {built_text} {dest_text}"), e))?;
    }
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
    eprintln!("plugin module: {dest_text} ({size} bytes)");
    Ok(())
}

/// `$CARGO_TARGET_DIR`, else `target/` at the workspace root.
fn target_dir(ctx: &Ctx) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => ctx.root.join(dir),
        None => ctx.root.join("target"),
    }
}
