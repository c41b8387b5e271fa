//! The browser and Node package (`crates/vexil-wasm`): set-up, build and tests.
//!
//! - `cargo xtask build-js` builds `web/pkg/` (`--target web`, ES module) and
//!   `web/pkg-node/` (`--target nodejs`, CommonJS), both git-ignored, with
//!   `wasm-pack build --mode no-install --no-opt --profile wasm-release` (the
//!   `wasm-bindgen` CLI of exactly the Cargo.lock version, never a download,
//!   no binaryen); `web/package.json` makes the two one npm package.
//! - The steps of `cargo xtask test` below install what they need when it is
//!   missing (wasm-bindgen-cli, Debian chromium, `npm ci` in `web/`) and run the
//!   TypeScript check, the Node tests (conformance corpus + OpenFeature
//!   provider) and the conformance corpus in headless Chromium.

use std::path::{Path, PathBuf};

use crate::{Ctx, Failure, run_command};

const CRATE: &str = "vexil-wasm";
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
    ensure_wasm_pack(ctx)?;
    build_js(ctx)
}

/// Builds `web/pkg/` and `web/pkg-node/` offline with wasm-pack.
pub fn build_js(ctx: &Ctx) -> Result<(), Failure> {
    for (dir, target, module_type) in [("web/pkg", "web", "module"), ("web/pkg-node", "nodejs", "commonjs")] {
        let out = ctx.root.join(dir);
        if out.exists() {
            std::fs::remove_dir_all(&out).map_err(|e| io_failure(&format!("rm -r {dir}"), e))?;
        }
        let out_dir = out.to_string_lossy().into_owned();
        let krate = ctx.root.join("crates").join(CRATE).to_string_lossy().into_owned();
        // `no-install`: the wasm-bindgen CLI on PATH at the Cargo.lock version,
        // never a download; `--no-opt`: no binaryen (the size budget is for a
        // machine without it); `--no-pack`: web/package.json is the package.
        let mut args = vec![
            "build",
            &krate,
            "--mode",
            "no-install",
            "--no-opt",
            "--no-pack",
            "--no-gitignore",
            "--target",
            target,
            "--out-dir",
            &out_dir,
            "--out-name",
            "vexil",
            "--profile",
            PROFILE,
            "--",
        ];
        // Node: the evaluator and the bindings (the per-decision hot path)
        // optimised for speed, the rest (parser, checker, serde) for size.
        // Browsers download the module: everything for size (the budget).
        if target == "nodejs" {
            for package in HOT_PACKAGES {
                args.extend_from_slice(&["--config", package]);
            }
        }
        let mut build = ctx.command("wasm-pack", &args);
        // wasm-bindgen needs the `target_features` section that the profile's
        // `strip = true` removes: strip only debug info here, and drop the
        // name and producers sections after wasm-bindgen (below).
        build.env("CARGO_PROFILE_WASM_RELEASE_STRIP", "debuginfo");
        run_command(build, &format!("wasm-pack {}", args.join(" ")))?;
        strip_custom_sections(&out.join("vexil_bg.wasm"), &["name", "producers"])?;
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

/// Set-up: wasm-pack at the version the build is written for.
pub fn ensure_wasm_pack(ctx: &Ctx) -> Result<(), Failure> {
    const VERSION: &str = "0.15.1";
    let installed = ctx.capture("wasm-pack", &["--version"]).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(VERSION) {
        eprintln!("wasm-pack {VERSION} already installed");
        return Ok(());
    }
    ctx.run(&ctx.cargo, &["install", "wasm-pack", "--version", VERSION, "--locked"])
}

/// Removes the custom sections named `names` from a wasm module, in place
/// (wasm-pack has no switch for wasm-bindgen's `--remove-name-section`).
fn strip_custom_sections(path: &Path, names: &[&str]) -> Result<(), Failure> {
    let bytes = std::fs::read(path).map_err(|e| io_failure("read the wasm module", e))?;
    let stripped = without_custom_sections(&bytes, names).ok_or_else(|| {
        eprintln!("{}: not a wasm module this step can read", path.display());
        Failure::status("strip custom sections", None)
    })?;
    std::fs::write(path, stripped).map_err(|e| io_failure("write the wasm module", e))
}

/// The module without its custom sections named `names`; None if it is malformed.
fn without_custom_sections(bytes: &[u8], names: &[&str]) -> Option<Vec<u8>> {
    fn leb128(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let (mut value, mut shift) = (0usize, 0u32);
        loop {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
            if shift > 35 {
                return None;
            }
        }
    }
    const HEADER: usize = 8;
    if bytes.get(..4)? != b"\0asm" {
        return None;
    }
    let mut out = bytes.get(..HEADER)?.to_vec();
    let mut at = HEADER;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let size = leb128(bytes, &mut at)?;
        let body = at;
        let end = body.checked_add(size).filter(|&end| end <= bytes.len())?;
        let drop = id == 0 && {
            let mut name_at = body;
            let len = leb128(bytes, &mut name_at)?;
            let name = bytes.get(name_at..name_at.checked_add(len)?)?;
            names.iter().any(|n| n.as_bytes() == name)
        };
        if !drop {
            out.extend_from_slice(&bytes[start..end]);
        }
        at = end;
    }
    Some(out)
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
pub(crate) fn native_cli(ctx: &Ctx) -> Result<String, Failure> {
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
    ensure_wasm_pack(ctx)?;
    build_js(ctx)?;
    ctx.run(&ctx.cargo, &["build", "--release", "-p", "vexil-cli", "--bin", "vexil"])?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let vexil = target_dir.join("release").join("vexil");
    let mut command = ctx.command("node", &["test/differential-run.mjs", "--cases", &cases.to_string()]);
    command.current_dir(web(ctx)).env("VEXIL_BIN", &vexil);
    run_command(command, "node test/differential-run.mjs")
}

/// `npm pack`, installed into a fresh project outside the repository, used
/// from Node ESM, CommonJS and an esbuild-bundled page in Chromium.
pub fn package_test(ctx: &Ctx) -> Result<(), Failure> {
    let vexil = native_cli(ctx)?;
    let mut command = ctx.command("node", &["test/package/run.mjs"]);
    command.current_dir(web(ctx)).env("VEXIL_BIN", &vexil);
    run_command(command, "node test/package/run.mjs")
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

    #[test]
    fn custom_sections_are_dropped_by_name_and_everything_else_kept() {
        // header, type section (id 1), custom "name", custom "keep", custom "producers".
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        for (name, payload) in [("name", &b"xyz"[..]), ("keep", &b"k"[..]), ("producers", &b""[..])] {
            let mut body = vec![u8::try_from(name.len()).unwrap_or(0)];
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(payload);
            module.push(0);
            module.push(u8::try_from(body.len()).unwrap_or(0));
            module.extend_from_slice(&body);
        }
        let stripped = super::without_custom_sections(&module, &["name", "producers"]);
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend_from_slice(&[1, 4, 1, 0x60, 0, 0, 0, 6, 4, b'k', b'e', b'e', b'p', b'k']);
        assert_eq!(stripped, Some(expected));
        assert_eq!(super::without_custom_sections(b"not wasm", &["name"]), None);
        // A section running past the end is malformed, not a panic.
        assert_eq!(super::without_custom_sections(b"\0asm\x01\0\0\0\x01\x7f", &["name"]), None);
    }

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
