//! The web playground (`web/playground/`): set-up, bundle and browser tests.
//!
//! - `cargo xtask build-web` builds the wasm package (`web/pkg/`, see
//!   [`crate::js`]), runs `npm ci` in `web/playground/` when `node_modules` is
//!   missing or stale, and bundles the playground offline with esbuild into
//!   the git-ignored `web/playground/dist/`, which `vexil serve` embeds when
//!   the `vexil-cli` crate is (re)built.
//! - The steps of `cargo xtask test` below do the same, then build the CLI
//!   (with the fresh playground embedded) and run the browser tests
//!   (`node --test` in `web/playground/`: playwright-core driving Debian's
//!   headless Chromium against a real `vexil serve` on 127.0.0.1). Screenshots
//!   land in the git-ignored `web/playground/test-artifacts/`.

use std::path::{Path, PathBuf};

use crate::{Ctx, Failure, js, run_command};

fn playground(ctx: &Ctx) -> PathBuf {
    ctx.root.join("web").join("playground")
}

/// `cargo xtask build-web`: the wasm package, then the playground bundle.
pub fn build_web_command(ctx: &Ctx) -> Result<(), Failure> {
    js::build_js_command(ctx)?;
    ensure_npm_packages(ctx)?;
    bundle(ctx)?;
    eprintln!(
        "\nweb/playground/dist/ is ready; `cargo run -p vexil-cli -- serve examples/checkout.vx` embeds and serves it"
    );
    Ok(())
}

/// Set-up: `npm ci` in `web/playground/` unless `node_modules` already matches the lockfile.
pub fn ensure_npm_packages(ctx: &Ctx) -> Result<(), Failure> {
    crate::js::npm_ci_if_stale(ctx, &playground(ctx))
}

/// Bundles `web/playground/dist/` (building `web/pkg/` first when it is missing).
pub fn bundle(ctx: &Ctx) -> Result<(), Failure> {
    if !ctx.root.join("web/pkg/vexil.js").is_file() {
        eprintln!("web/pkg/ is missing; building it first");
        js::build_js_command(ctx)?;
    }
    run_in(ctx, &playground(ctx), "node", &["build.mjs"])
}

/// The browser tests: builds the CLI (embedding the fresh bundle), then
/// `node --test` drives headless Chromium against `vexil serve`.
pub fn browser_tests(ctx: &Ctx) -> Result<(), Failure> {
    js::ensure_chromium(ctx)?;
    if !playground(ctx).join("dist/index.html").is_file() {
        bundle(ctx)?;
    }
    ctx.run(&ctx.cargo, &["build", "-p", "vexil-cli", "--bin", "vexil"])?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let vexil = target_dir.join("debug").join("vexil");
    let mut command = ctx.command("node", &["--test", "--test-reporter=spec", "test/"]);
    command.current_dir(playground(ctx)).env("VEXIL_BIN", &vexil);
    run_command(command, "(cd web/playground) node --test test/")?;
    eprintln!("screenshots: web/playground/test-artifacts/");
    Ok(())
}

fn run_in(ctx: &Ctx, dir: &Path, program: &str, args: &[&str]) -> Result<(), Failure> {
    let mut command = ctx.command(program, args);
    command.current_dir(dir);
    let line = format!("(cd {}) {program} {}", dir.strip_prefix(&ctx.root).unwrap_or(dir).display(), args.join(" "));
    run_command(command, &line)
}

fn vscode(ctx: &Ctx) -> PathBuf {
    ctx.root.join("editors/vscode")
}

/// The VS Code extension: `npm ci`, its tests (the TextMate grammar against
/// the playground's word tables and real Vexil lines, activation), then
/// `vsce package` → `editors/vscode/vexil.vsix`.
pub fn vscode_extension(ctx: &Ctx) -> Result<(), Failure> {
    let dir = vscode(ctx);
    crate::js::npm_ci_if_stale(ctx, &dir)?;
    run_in(ctx, &dir, "node", &["--test", "--test-reporter=spec", "test/"])?;
    run_in(ctx, &dir, "npm", &["run", "--silent", "package"])?;
    let vsix = dir.join("vexil.vsix");
    match std::fs::metadata(&vsix) {
        Ok(meta) => {
            eprintln!("{}: {} bytes", vsix.display(), meta.len());
            Ok(())
        }
        Err(error) => Err(Failure::spawn("vsce package", error)),
    }
}
