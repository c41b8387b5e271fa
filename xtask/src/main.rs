//! Project automation, std only (`std::process::Command` is all we need).
//!
//! - `cargo xtask test`: THE test command (CI runs it through `.ci/run`). It
//!   does its own idempotent set-up, then runs every check, one step after the
//!   other, stopping at the first that fails with that step's exit code.
//! - `cargo xtask build-plugin`: builds the wasmtime plugin module (see [`plugin`]).
//! - `cargo xtask differential [CASES]`: the long run of the JS-boundary
//!   differential test (Node vs the native CLI on random rulesets and contexts).
//! - `cargo xtask fuzz [SECONDS]`: runs each fuzz target of `fuzz/` (`check`,
//!   `eval`, `verify`) for a bounded time (default 60 s), installing `cargo-fuzz` if needed.
//!
//! Adding a step to `cargo xtask test` (building the wasm artifacts,
//! installing `wasm-bindgen-cli` at the Cargo.lock version, `apt-get install
//! chromium`, `npm ci` in `web/`, …) is one function with the [`Step`]
//! signature and one line in [`TEST_STEPS`].

mod js;

use std::env;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod plugin;
mod web;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["test"] => run_steps(TEST_STEPS),
        ["test", wanted @ ..] => match select_steps(wanted) {
            Ok(steps) => run_steps(&steps),
            Err(problem) => return usage(&problem),
        },
        ["build-plugin"] => plugin::build_plugin(&Ctx::new()),
        ["build-js"] => js::build_js_command(&Ctx::new()),
        ["build-web"] => web::build_web_command(&Ctx::new()),
        ["differential"] => js::differential_command(&Ctx::new(), 1_000_000),
        ["differential", cases] => match cases.parse::<u64>() {
            Ok(cases) if cases > 0 => js::differential_command(&Ctx::new(), cases),
            _ => return usage(&format!("CASES must be a positive integer, not `{cases}`")),
        },
        ["fuzz"] => fuzz(DEFAULT_FUZZ_SECONDS),
        ["fuzz", seconds] => match seconds.parse::<u64>() {
            Ok(seconds) if seconds > 0 => fuzz(seconds),
            _ => {
                return usage(&format!("SECONDS must be a positive integer, not `{seconds}`"));
            }
        },
        _ => return usage("unknown command"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask: FAILED: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "xtask: {problem}\n\nusage:\n  cargo xtask test [STEP…]     set up, then run tests, clippy and rustfmt (only the steps whose names contain a STEP word)\n  cargo xtask build-plugin     build the wasmtime plugin module (target/wasm-plugin/vexil_abi.wasm)\n  cargo xtask build-js         build web/pkg (browser) and web/pkg-node (Node)\n  cargo xtask build-web        build web/pkg, then the playground bundle web/playground/dist (served by `vexil serve`)\n  cargo xtask differential [CASES]  decide CASES random cases (default 1000000) in Node and natively, report mismatches\n  cargo xtask fuzz [SECONDS]   fuzz each target (check, eval, verify) for SECONDS (default {DEFAULT_FUZZ_SECONDS})"
    );
    ExitCode::from(2)
}

// ------------------------------------------------------------------ steps

/// One step of `cargo xtask test`: set something up or check something.
type Step = fn(&Ctx) -> Result<(), Failure>;

/// The steps of `cargo xtask test`, in order. Set-up steps must be idempotent
/// (check first, act only when needed): the command runs on fresh CI machines
/// and on developers' machines alike.
///
/// Lints and doctests run first and the workspace tests last, so the run
/// closes on the test runner's summary line (CI reads it).
const TEST_STEPS: &[(&str, Step)] = &[
    ("set-up: rustup target wasm32-unknown-unknown", ensure_wasm_target),
    ("rustfmt", cargo_fmt_check),
    ("clippy", cargo_clippy),
    ("doctests", cargo_doctests),
    ("fuzz targets compile (cargo check)", fuzz_targets_compile),
    ("build: wasmtime plugin module", plugin::build_plugin),
    ("set-up: wasm-bindgen-cli (Cargo.lock version)", js::ensure_wasm_bindgen_cli),
    ("set-up: wasm-pack", js::ensure_wasm_pack),
    ("set-up: chromium", js::ensure_chromium),
    ("set-up: nats-server (JetStream, for the propagation tests)", ensure_nats_server),
    ("set-up: Python in target/python (wasmtime for the Python host, PyJWT for the token tests)", ensure_python),
    ("set-up: npm ci in web/", js::ensure_npm_packages),
    ("build: web/pkg and web/pkg-node", js::build_js),
    ("js: TypeScript types (tsc --noEmit)", js::typescript),
    ("js: Node (conformance, API, OpenFeature)", js::node_tests),
    ("js: headless Chromium (conformance, OFREP web provider, tokens)", js::chromium_tests),
    ("python: the Python host on wasmtime-py (conformance corpus, limits)", python_host_tests),
    ("set-up: npm ci in web/playground/", web::ensure_npm_packages),
    ("build: web/playground/dist", web::bundle),
    ("web: playground in headless Chromium (against vexil serve)", web::browser_tests),
    (
        "build: VS Code extension (grammar and activation tests, vsce package → editors/vscode/vexil.vsix)",
        web::vscode_extension,
    ),
    (
        "js: the npm package from outside the repository (npm pack → Node ESM, CommonJS, an esbuild page in Chromium)",
        js::package_test,
    ),
    ("tests", cargo_tests),
];

/// The steps whose names contain one of the words given (`cargo xtask test
/// clippy node`), in their usual order. Set-up steps are not added for you:
/// name them too on a fresh machine (`cargo xtask test set-up node`).
fn select_steps(wanted: &[&str]) -> Result<Vec<(&'static str, Step)>, String> {
    if let Some(unknown) = wanted.iter().find(|word| !TEST_STEPS.iter().any(|(name, _)| name.contains(*word))) {
        let names: Vec<&str> = TEST_STEPS.iter().map(|(name, _)| *name).collect();
        return Err(format!("no test step matches `{unknown}`; the steps are:\n  {}", names.join("\n  ")));
    }
    Ok(TEST_STEPS.iter().filter(|(name, _)| wanted.iter().any(|word| name.contains(word))).copied().collect())
}

/// Set-up: Debian's `nats-server` (with JetStream). The propagation tests
/// (`crates/vexil-sync/tests`) start and stop their own servers on free
/// loopback ports with temporary storage; nothing is left running.
fn ensure_nats_server(ctx: &Ctx) -> Result<(), Failure> {
    if let Ok(version) = ctx.capture("nats-server", &["--version"]) {
        eprintln!("{} already installed", version.trim());
        return Ok(());
    }
    ctx.run("apt-get", &["update"])?;
    ctx.run("apt-get", &["install", "-y", "nats-server"])
}

/// The virtualenv of the Python tests: the Python host's `wasmtime` and
/// PyJWT, the JOSE library the token tests check Vexil's tokens against (not
/// the one the project signs with), pinned in hosts/python/requirements-test.txt.
fn test_python(ctx: &Ctx) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    target.join("python").join("bin").join("python")
}

fn ensure_python(ctx: &Ctx) -> Result<(), Failure> {
    let python = test_python(ctx);
    let python = python.to_string_lossy().into_owned();
    let requirements = ctx.root.join("hosts/python/requirements-test.txt");
    let requirements = requirements.to_string_lossy().into_owned();
    // `pip install -r` is quick when everything is there, and it also catches a changed pin.
    if !Path::new(&python).exists() {
        let venv = test_python(ctx).parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        ctx.run("python3", &["-m", "venv", &venv.to_string_lossy()])?;
    }
    ctx.run(&python, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", &requirements])
}

/// The Python host (hosts/python) on the plugin module: the conformance
/// corpus (counts in tests/conformance/counts/python.txt) and its limits.
fn python_host_tests(ctx: &Ctx) -> Result<(), Failure> {
    let vexil = js::native_cli(ctx)?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let python = test_python(ctx);
    let mut command = ctx.command(&python.to_string_lossy(), &["-m", "unittest", "discover", "-v", "-s", "tests"]);
    command
        .current_dir(ctx.root.join("hosts/python"))
        .env("VEXIL_BIN", &vexil)
        .env("VEXIL_PLUGIN", target.join("wasm-plugin").join("vexil_abi.wasm"));
    run_command(command, "python -m unittest discover -s hosts/python/tests")
}

fn run_steps(steps: &[(&str, Step)]) -> Result<(), Failure> {
    let ctx = Ctx::new();
    let started = std::time::Instant::now();
    // Each step's time goes on the next header line (and the last one on the
    // final line), so a slow run can be read without moving the test runner's
    // summary away from the end of the log.
    let mut previous: Option<(&str, std::time::Duration)> = None;
    for (index, (name, step)) in steps.iter().enumerate() {
        let before =
            previous.map(|(n, t)| format!(" (the step before, {n}: {:.1} s)", t.as_secs_f64())).unwrap_or_default();
        eprintln!("\n==== [{}/{}] {name} ===={before}", index + 1, steps.len());
        let step_started = std::time::Instant::now();
        step(&ctx)?;
        previous = Some((name, step_started.elapsed()));
    }
    let last = previous.map(|(_, t)| format!(", the last step {:.1} s", t.as_secs_f64())).unwrap_or_default();
    eprintln!("\n==== all {} steps passed in {:.0} s{last} ====", steps.len(), started.elapsed().as_secs_f64());
    Ok(())
}

fn ensure_wasm_target(ctx: &Ctx) -> Result<(), Failure> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let installed = ctx.capture("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|line| line.trim() == TARGET) {
        eprintln!("{TARGET} already installed");
        return Ok(());
    }
    ctx.run("rustup", &["target", "add", TARGET])
}

/// The `vexil` CLI's optional engines: tests, lints and doctests cover them all.
const ALL_ENGINES: &str = "vexil-cli/wasmtime";

/// The fuzz targets live outside the workspace (cargo-fuzz wants their own);
/// check that they still compile against the crates they fuzz.
fn fuzz_targets_compile(ctx: &Ctx) -> Result<(), Failure> {
    let target_dir = ctx.root.join("target").join("fuzz-check");
    let target_dir = target_dir.to_string_lossy().into_owned();
    ctx.cargo_run(&["check", "--manifest-path", "fuzz/Cargo.toml", "--bins", "--target-dir", &target_dir])
}

fn cargo_doctests(ctx: &Ctx) -> Result<(), Failure> {
    ctx.cargo_run(&["test", "--workspace", "--doc", "--features", ALL_ENGINES])
}

fn cargo_tests(ctx: &Ctx) -> Result<(), Failure> {
    let args: &[&str] = if ctx.succeeds(&ctx.cargo, &["nextest", "--version"]) {
        &["nextest", "run", "--workspace", "--all-targets", "--no-fail-fast", "--features", ALL_ENGINES]
    } else {
        eprintln!("cargo-nextest not found; using cargo test");
        &["test", "--workspace", "--all-targets", "--no-fail-fast", "--features", ALL_ENGINES]
    };
    let mut command = ctx.command(&ctx.cargo, args);
    // The token tests check against PyJWT when its virtualenv is there (the set-up step makes it).
    let python = test_python(ctx);
    if python.exists() {
        command.env("VEXIL_PYTHON", &python);
    }
    run_command(command, &format!("cargo {}", args.join(" ")))
}

/// Runs a prepared command (its own environment or directory), printing `line` first.
pub(crate) fn run_command(mut command: Command, line: &str) -> Result<(), Failure> {
    eprintln!("$ {line}");
    let status = command.status().map_err(|error| Failure::spawn(line, error))?;
    if status.success() { Ok(()) } else { Err(Failure::status(line, status.code())) }
}

fn cargo_clippy(ctx: &Ctx) -> Result<(), Failure> {
    ctx.cargo_run(&["clippy", "--workspace", "--all-targets", "--features", ALL_ENGINES, "--", "-D", "warnings"])?;
    // And the default build (without wasmtime), which has its own cfg branches.
    ctx.cargo_run(&["clippy", "-p", "vexil-cli", "--all-targets", "--", "-D", "warnings"])
}

fn cargo_fmt_check(ctx: &Ctx) -> Result<(), Failure> {
    if !ctx.succeeds(&ctx.cargo, &["fmt", "--version"]) {
        eprintln!("rustfmt is not installed; skipping the format check");
        return Ok(());
    }
    ctx.cargo_run(&["fmt", "--all", "--check"])
}

// ------------------------------------------------------------------ fuzz

const DEFAULT_FUZZ_SECONDS: u64 = 60;

/// The fuzz targets of `fuzz/`, each with the seed directories (relative to
/// `fuzz/`) and an optional dictionary.
const FUZZ_TARGETS: &[(&str, &[&str], Option<&str>)] = &[
    ("check", &["../tests/fixtures/check", "../examples"], Some("check.dict")),
    ("eval", &["seeds/eval"], None),
    ("fmt", &["../tests/fixtures/check", "../examples"], Some("check.dict")),
    ("import", &["../crates/vexil-import/tests/fixtures/flagd", "../crates/vexil-import/tests/fixtures/unleash"], None),
    ("verify", &["seeds/verify"], None),
];

/// Runs every fuzz target for `seconds` each.
fn fuzz(seconds: u64) -> Result<(), Failure> {
    let ctx = Ctx::new();
    eprintln!("\n==== set-up: cargo-fuzz ====");
    // `+nightly` needs rustup's `cargo` proxy from PATH, not the toolchain's
    // own cargo binary that `$CARGO` points at.
    if ctx.succeeds("cargo", &["+nightly", "fuzz", "--version"]) {
        eprintln!("cargo-fuzz already installed");
    } else if ctx.run(&ctx.cargo, &["install", "cargo-fuzz", "--locked"]).is_err() {
        eprintln!("`cargo install cargo-fuzz --locked` failed; retrying without --locked");
        ctx.run(&ctx.cargo, &["install", "cargo-fuzz"])?;
    }
    for (target, seeds, dict) in FUZZ_TARGETS {
        fuzz_target(&ctx, target, seeds, *dict, seconds)?;
    }
    Ok(())
}

fn fuzz_target(ctx: &Ctx, target: &str, seeds: &[&str], dict: Option<&str>, seconds: u64) -> Result<(), Failure> {
    eprintln!("\n==== fuzz target `{target}` for {seconds} s ====");
    let fuzz_dir = ctx.root.join("fuzz");
    // The fuzzer's own corpus (written to), seeded from `seeds`.
    let corpus = format!("corpus/{target}");
    std::fs::create_dir_all(fuzz_dir.join(&corpus)).map_err(|error| Failure::spawn("mkdir fuzz/corpus", error))?;
    let max_time = format!("-max_total_time={seconds}");
    let mut args: Vec<String> = ["+nightly", "fuzz", "run", target, &corpus].iter().map(|s| s.to_string()).collect();
    args.extend(seeds.iter().map(|s| s.to_string()));
    args.push("--".into());
    args.push(max_time);
    if let Some(dict) = dict {
        args.push(format!("-dict={dict}"));
    }
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(&fuzz_dir)
        // Run inside fuzz/ with the toolchain chosen by `+nightly`, not the
        // one cargo passed to xtask.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .status()
        .map_err(|error| Failure::spawn("cargo +nightly fuzz run", error))?;
    if status.success() {
        eprintln!("\nno crash in {seconds} s; crashing inputs would be in fuzz/artifacts/{target}/");
        Ok(())
    } else {
        eprintln!("\ncrash: the input is in fuzz/artifacts/{target}/; copy it to tests/fixtures/fuzz-regressions/");
        Err(Failure::status("cargo +nightly fuzz run", status.code()))
    }
}

// ------------------------------------------------------------------ running commands

struct Ctx {
    /// The workspace root; every command runs there.
    root: PathBuf,
    /// The cargo that runs xtask (so `+toolchain` choices carry over).
    cargo: String,
}

impl Ctx {
    fn new() -> Ctx {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        Ctx { root, cargo }
    }

    fn command<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Command {
        let mut command = Command::new(program);
        command.args(args).current_dir(&self.root);
        // Snapshot tests behave the same on CI and on a developer's machine:
        // a mismatch fails and nothing is written (accept snapshots explicitly
        // with `INSTA_UPDATE=always cargo test …`).
        command.env("INSTA_UPDATE", "no").env_remove("INSTA_FORCE_PASS");
        command
    }

    /// Runs a command with inherited output; a non-zero exit is a failure.
    fn run(&self, program: &str, args: &[&str]) -> Result<(), Failure> {
        let line = display(program, args);
        eprintln!("$ {line}");
        let status = self.command(program, args).status().map_err(|error| Failure::spawn(&line, error))?;
        if status.success() { Ok(()) } else { Err(Failure::status(&line, status.code())) }
    }

    fn cargo_run(&self, args: &[&str]) -> Result<(), Failure> {
        self.run(&self.cargo, args)
    }

    /// Runs a command and returns its stdout; a non-zero exit is a failure.
    fn capture(&self, program: &str, args: &[&str]) -> Result<String, Failure> {
        let line = display(program, args);
        let output = self.command(program, args).output().map_err(|error| Failure::spawn(&line, error))?;
        if !output.status.success() {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            return Err(Failure::status(&line, output.status.code()));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Whether a probe command runs and exits 0 (its output is discarded).
    fn succeeds(&self, program: &str, args: &[&str]) -> bool {
        self.command(program, args).output().is_ok_and(|output| output.status.success())
    }
}

fn display(program: &str, args: &[&str]) -> String {
    let program = Path::new(program).file_name().map_or(program.into(), |name| name.to_string_lossy());
    std::iter::once(program.as_ref()).chain(args.iter().copied()).collect::<Vec<_>>().join(" ")
}

/// A step that failed: which command, and the exit code to pass on.
#[derive(Debug)]
struct Failure {
    command: String,
    code: Option<i32>,
    spawn_error: Option<std::io::Error>,
}

impl Failure {
    fn status(command: &str, code: Option<i32>) -> Failure {
        Failure { command: command.to_owned(), code, spawn_error: None }
    }

    fn spawn(command: &str, error: std::io::Error) -> Failure {
        Failure { command: command.to_owned(), code: None, spawn_error: Some(error) }
    }

    /// The failing command's exit code, or 1 when it has none (killed by a
    /// signal, could not start) or it does not fit an exit code.
    fn exit_code(&self) -> u8 {
        self.code.and_then(|code| u8::try_from(code).ok()).filter(|&code| code != 0).unwrap_or(1)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.spawn_error, self.code) {
            (Some(error), _) => write!(f, "`{}` could not start: {error}", self.command),
            (None, Some(code)) => write!(f, "`{}` exited with code {code}", self.command),
            (None, None) => write!(f, "`{}` was killed by a signal", self.command),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_fuzz_target_is_fuzzed_and_has_its_seeds() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let mut targets: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok()?.strip_suffix(".rs").map(str::to_owned))
            .collect();
        targets.sort();
        let mut listed: Vec<String> = super::FUZZ_TARGETS.iter().map(|(name, _, _)| (*name).to_owned()).collect();
        listed.sort();
        assert_eq!(listed, targets, "FUZZ_TARGETS vs fuzz/fuzz_targets/*.rs");
        for (name, seeds, _) in super::FUZZ_TARGETS {
            for seed in *seeds {
                assert!(fuzz.join(seed).is_dir(), "fuzz target {name}: no seed directory {seed}");
            }
        }
    }
}
