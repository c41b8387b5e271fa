//! The browser and Node package (`crates/vexil-wasm`): set-up, build and tests.
//!
//! - `cargo xtask build-js` builds `web/pkg/` (`--target web`, ES module) and
//!   `web/pkg-node/` (`--target nodejs`, CommonJS), both git-ignored:
//!   `cargo build --target wasm32-unknown-unknown --profile wasm-release`,
//!   `wasm-opt -Oz` when binaryen is installed (optional; kept only when it
//!   makes the shipped module smaller gzipped), then the `wasm-bindgen` CLI
//!   of exactly the Cargo.lock version.
//! - The steps of `cargo xtask test` below install what they need when it is
//!   missing (wasm-bindgen-cli, Debian chromium, `npm ci` in `web/`) and run the
//!   TypeScript check, the Node tests (conformance corpus + OpenFeature
//!   provider) and the conformance corpus in headless Chromium.

use std::path::{Path, PathBuf};

use crate::{Ctx, Failure, run_command};

const CRATE: &str = "vexil-wasm";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The feature flags a stripped module needs (see ../shared/DESIGN.md, "Tooling facts").
pub const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// `--config` overrides: the packages on the per-decision path get opt-level 3.
const HOT_PACKAGES: &[&str] =
    &["profile.wasm-release.package.vexil-eval.opt-level=3", "profile.wasm-release.package.vexil-wasm.opt-level=3"];

fn web(ctx: &Ctx) -> PathBuf {
    ctx.root.join("web")
}

fn io_failure(what: &str, error: std::io::Error) -> Failure {
    Failure::spawn(what, error)
}

/// The `wasm-bindgen` version Cargo.lock resolves (the CLI must match it exactly).
fn locked_wasm_bindgen_version(ctx: &Ctx) -> Result<String, Failure> {
    let lock = std::fs::read_to_string(ctx.root.join("Cargo.lock")).map_err(|e| io_failure("read Cargo.lock", e))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    eprintln!("Cargo.lock has no wasm-bindgen entry");
    Err(Failure::status("find wasm-bindgen in Cargo.lock", None))
}

/// Set-up: `wasm-bindgen-cli` at the Cargo.lock version (installed without
/// `--locked`: its lockfile pins a crate the mirror lacks).
pub fn ensure_wasm_bindgen_cli(ctx: &Ctx) -> Result<(), Failure> {
    let version = locked_wasm_bindgen_version(ctx)?;
    let installed = ctx.capture("wasm-bindgen", &["--version"]).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version.as_str()) {
        eprintln!("wasm-bindgen {version} already installed");
        return Ok(());
    }
    ctx.run(&ctx.cargo, &["install", "wasm-bindgen-cli", "--version", &version])
}

/// Set-up: Debian's chromium for the browser tests.
pub fn ensure_chromium(ctx: &Ctx) -> Result<(), Failure> {
    if Path::new(CHROMIUM).exists() {
        eprintln!("{CHROMIUM} already installed");
        return Ok(());
    }
    ctx.run("apt-get", &["update"])?;
    ctx.run("apt-get", &["install", "-y", "chromium"])
}

/// Set-up: `npm ci` in `web/` unless `node_modules` already matches the lockfile.
pub fn ensure_npm_packages(ctx: &Ctx) -> Result<(), Failure> {
    npm_ci_if_stale(ctx, &web(ctx))
}

/// `npm ci` in `dir` unless its `node_modules` is newer than its
/// `package.json` and lockfile (what `npm ci` last installed).
pub fn npm_ci_if_stale(ctx: &Ctx, dir: &Path) -> Result<(), Failure> {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let wanted = [modified(dir.join("package-lock.json")), modified(dir.join("package.json"))];
    let shown = dir.strip_prefix(&ctx.root).unwrap_or(dir).display();
    if let Some(installed) = installed
        && wanted.iter().all(|w| w.is_some_and(|w| w <= installed))
    {
        eprintln!("{shown}/node_modules is up to date with package-lock.json");
        return Ok(());
    }
    run_in(ctx, dir, "npm", &["ci", "--no-audit", "--no-fund"])
}

/// `cargo xtask build-js`: set-up of the wasm-bindgen CLI, then the build.
pub fn build_js_command(ctx: &Ctx) -> Result<(), Failure> {
    crate::ensure_wasm_target(ctx)?;
    ensure_wasm_bindgen_cli(ctx)?;
    build_js(ctx)
}

/// Builds `web/pkg/` and `web/pkg-node/` offline.
pub fn build_js(ctx: &Ctx) -> Result<(), Failure> {
    // wasm-bindgen needs the `target_features` section that the profile's
    // `strip = true` removes; strip only debug info here, and let
    // wasm-bindgen drop the name and producers sections. The evaluator and
    // the bindings (the per-decision hot path) are optimised for speed, the
    // rest (parser, checker, serde) for size: measured on this module, that
    // takes a decision from ~8.5 µs to ~5 µs for ~+17 KB gzipped, where
    // opt-level 3 everywhere would cost ~+65 KB (over the 250 KB budget).
    let mut args = vec!["build", "-p", CRATE, "--target", WASM_TARGET, "--profile", PROFILE];
    for package in HOT_PACKAGES {
        args.extend_from_slice(&["--config", package]);
    }
    let mut build = ctx.command(&ctx.cargo, &args);
    build.env("CARGO_PROFILE_WASM_RELEASE_STRIP", "debuginfo");
    run_command(build, &format!("cargo {}", args.join(" ")))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let wasm = target_dir.join(WASM_TARGET).join(PROFILE).join("vexil_wasm.wasm");
    let wasm = wasm.to_string_lossy().into_owned();
    // wasm-opt (binaryen, optional) runs on cargo's output, before
    // wasm-bindgen: Debian's binaryen 108 breaks the externref table of
    // wasm-bindgen's output, but optimises its input fine. Its output is
    // kept only when it is smaller gzipped (the budget's measure): -Oz
    // shrinks the raw module ~9% but can grow the gzipped one.
    let wasm = if ctx.succeeds("wasm-opt", &["--version"]) {
        let optimised = target_dir.join(WASM_TARGET).join(PROFILE).join("vexil_wasm.opt.wasm");
        let optimised = optimised.to_string_lossy().into_owned();
        let mut args = vec!["-Oz"];
        args.extend_from_slice(WASM_OPT_FEATURES);
        args.extend_from_slice(&[&wasm, "-o", &optimised]);
        ctx.run("wasm-opt", &args)?;
        // Compare what ships: each candidate through wasm-bindgen.
        let trial = target_dir.join(WASM_TARGET).join(PROFILE).join("js-size-trial");
        let trial = trial.to_string_lossy().into_owned();
        let mut sizes = Vec::new();
        for candidate in [&optimised, &wasm] {
            ctx.run("wasm-bindgen", &bindgen_args("web", &trial, candidate))?;
            sizes.push(gzipped_size(&Path::new(&trial).join("vexil_bg.wasm")));
        }
        match (sizes[0], sizes[1]) {
            (Some(after), Some(before)) if after > before => {
                eprintln!("wasm-opt -Oz: {before} → {after} bytes gzipped; keeping cargo's module");
                wasm
            }
            (after, before) => {
                eprintln!("wasm-opt -Oz: {before:?} → {after:?} bytes gzipped; keeping the optimised module");
                optimised
            }
        }
    } else {
        eprintln!("wasm-opt not found (apt-get install binaryen); the module stays as cargo and wasm-bindgen wrote it");
        wasm
    };
    for (dir, target, module_type) in [("web/pkg", "web", "module"), ("web/pkg-node", "nodejs", "commonjs")] {
        let out = ctx.root.join(dir);
        if out.exists() {
            std::fs::remove_dir_all(&out).map_err(|e| io_failure(&format!("rm -r {dir}"), e))?;
        }
        ctx.run("wasm-bindgen", &bindgen_args(target, dir, &wasm))?;
        if target == "nodejs" {
            commonjs_snippets(&out.join("snippets"))?;
        }
        // `web/package.json` says "type": "module"; each folder states its own.
        let package = format!(
            "{{\n  \"name\": \"vexil\",\n  \"type\": \"{module_type}\",\n  \"main\": \"vexil.js\",\n  \"types\": \"vexil.d.ts\"\n}}\n"
        );
        std::fs::write(out.join("package.json"), package).map_err(|e| io_failure("write package.json", e))?;
    }
    report_size(&ctx.root.join("web/pkg/vexil_bg.wasm"));
    Ok(())
}

/// The bindings' JS snippets (`crates/vexil-wasm/js/`) are ES modules, which
/// wasm-bindgen's `--target nodejs` output `require`s as they are: rewrite
/// each `export function NAME` as a CommonJS export. Any other `export` form
/// fails the build rather than shipping a module Node cannot load.
fn commonjs_snippets(dir: &Path) -> Result<(), Failure> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry.map_err(|e| io_failure("read snippets", e))?.path();
        if path.is_dir() {
            commonjs_snippets(&path)?;
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "js") {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|e| io_failure("read a snippet", e))?;
        let mut out = String::with_capacity(source.len() + 64);
        let mut exported = Vec::new();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("export function ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
                exported.push(name);
                out.push_str("function ");
                out.push_str(rest);
            } else if line.starts_with("export ") {
                eprintln!("{}: only `export function NAME` can be turned into CommonJS: {line}", path.display());
                return Err(Failure::status("convert snippets to CommonJS", None));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        for name in exported {
            out.push_str(&format!("module.exports.{name} = {name};\n"));
        }
        std::fs::write(&path, out).map_err(|e| io_failure("write a snippet", e))?;
    }
    Ok(())
}

fn bindgen_args<'a>(target: &'a str, out_dir: &'a str, wasm: &'a str) -> [&'a str; 9] {
    [
        "--target",
        target,
        "--out-dir",
        out_dir,
        "--out-name",
        "vexil",
        "--remove-name-section",
        "--remove-producers-section",
        wasm,
    ]
}

/// Prints the browser module's raw and gzipped sizes (budget: ≤ 250 KB gzipped).
fn report_size(wasm: &Path) {
    let raw = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or(0);
    match gzipped_size(wasm) {
        Some(gz) => eprintln!("web/pkg/vexil_bg.wasm: {raw} bytes raw, {gz} bytes gzip -9 (budget: 250 KB gzipped)"),
        None => eprintln!("web/pkg/vexil_bg.wasm: {raw} bytes raw"),
    }
}

/// `gzip -9 -c FILE | wc -c`, when gzip is there.
fn gzipped_size(path: &Path) -> Option<u64> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -9 -c '{}' | wc -c", path.display()))
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse::<u64>().ok().filter(|&n| n > 0)
}

/// The native CLI, which the JS tests ask for exact native decisions.
fn native_cli(ctx: &Ctx) -> Result<String, Failure> {
    ctx.run(&ctx.cargo, &["build", "-p", "vexil-cli", "--bin", "vexil"])?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    Ok(target_dir.join("debug").join("vexil").to_string_lossy().into_owned())
}

/// The TypeScript types compile (`tsc --noEmit` over web/test/types/).
pub fn typescript(ctx: &Ctx) -> Result<(), Failure> {
    run_in(ctx, &web(ctx), "node", &["node_modules/typescript/bin/tsc", "--noEmit", "-p", "test/types"])
}

/// The conformance corpus (through web/pkg-node) and the OpenFeature provider, in Node.
pub fn node_tests(ctx: &Ctx) -> Result<(), Failure> {
    let vexil = native_cli(ctx)?;
    let mut command = ctx.command("node", &["--test"]);
    command.args(NODE_TESTS).current_dir(web(ctx)).env("VEXIL_BIN", &vexil);
    run_command(command, "node --test test/*.test.mjs")
}

/// The Node test files (also `npm test` in web/package.json).
const NODE_TESTS: &[&str] = &[
    "test/api.test.mjs",
    "test/carry.test.mjs",
    "test/conformance.test.mjs",
    "test/differential.test.mjs",
    "test/follow.test.mjs",
    "test/ofrep.test.mjs",
    "test/openfeature.test.mjs",
    "test/sign.test.mjs",
    "test/tidy.test.mjs",
];

/// `cargo xtask differential [CASES]`: the long run of the differential test
/// (random rulesets and JS contexts, Node vs the native CLI) over CASES
/// decisions (default 1,000,000), against a release build of the CLI.
pub fn differential_command(ctx: &Ctx, cases: u64) -> Result<(), Failure> {
    ensure_wasm_bindgen_cli(ctx)?;
    build_js(ctx)?;
    ctx.run(&ctx.cargo, &["build", "--release", "-p", "vexil-cli", "--bin", "vexil"])?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let vexil = target_dir.join("release").join("vexil");
    let mut command = ctx.command("node", &["test/differential-run.mjs", "--cases", &cases.to_string()]);
    command.current_dir(web(ctx)).env("VEXIL_BIN", &vexil);
    run_command(command, "node test/differential-run.mjs")
}

/// The browser tests in headless Chromium, each a script under web/test/browser/.
const BROWSER_TESTS: &[&str] = &[
    // The conformance corpus through web/pkg.
    "test/browser/run.mjs",
    // The OpenFeature web SDK + OFREP web provider against `vexil serve`.
    "test/browser/ofrep.mjs",
    // Decision-set tokens on WebCrypto, and the carried-decisions web provider.
    "test/browser/sign.mjs",
];

pub fn chromium_tests(ctx: &Ctx) -> Result<(), Failure> {
    let vexil = native_cli(ctx)?;
    for script in BROWSER_TESTS {
        let mut command = ctx.command("node", &[script]);
        command.current_dir(web(ctx)).env("VEXIL_BIN", &vexil);
        run_command(command, &format!("node {script}"))?;
    }
    Ok(())
}

fn run_in(ctx: &Ctx, dir: &Path, program: &str, args: &[&str]) -> Result<(), Failure> {
    let mut command = ctx.command(program, args);
    command.current_dir(dir);
    let line = format!("(cd {}) {program} {}", dir.strip_prefix(&ctx.root).unwrap_or(dir).display(), args.join(" "));
    run_command(command, &line)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The `.mjs` files directly in `web/test/{dir}` whose names end with `suffix`, sorted.
    fn scripts(dir: &str, suffix: &str) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/test").join(dir);
        let mut found: Vec<String> = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(suffix))
            .map(|name| if dir.is_empty() { format!("test/{name}") } else { format!("test/{dir}/{name}") })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_node_test_file_runs_and_npm_test_runs_the_same() {
        assert_eq!(super::NODE_TESTS, scripts("", ".test.mjs"), "NODE_TESTS vs web/test/*.test.mjs");
        let package = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/package.json"))
            .unwrap_or_default();
        let listed = format!("node --test {}", super::NODE_TESTS.join(" "));
        assert!(
            package.contains(&format!("\"test\": \"{listed}\"")),
            "web/package.json's test script must be: {listed}"
        );
    }

    #[test]
    fn every_browser_test_script_runs() {
        let mut listed = super::BROWSER_TESTS.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, scripts("browser", ".mjs"), "BROWSER_TESTS vs web/test/browser/*.mjs");
    }
}
