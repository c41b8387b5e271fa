//! A backend embedding Vexil as a sandboxed wasm plugin: compile a ruleset,
//! decide flags for a request, survive a hostile input, hot-reload a new
//! ruleset (and keep serving when the new one is broken).
//!
//! ```text
//! cargo xtask build-plugin                      # once: builds target/wasm-plugin/vexil_abi.wasm
//! cargo run -p vexil-example-host [RULESET.vx]  # default: examples/checkout.vx
//! ```

use std::process::ExitCode;

use vexil::Timestamp;
use vexil_host::{Config, Engine, Error, Limits};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("example-host: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let path =
        std::env::args().nth(1).unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../checkout.vx").to_owned());
    let source = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;

    // One engine per process: the module is compiled once (and cached on disk).
    let limits = Limits { fuel: 5_000_000, memory_bytes: 64 << 20, ..Limits::default() };
    let engine = Engine::new(Config { limits, ..Config::default() }).map_err(|e| e.to_string())?;
    let ruleset = match engine.compile(&source) {
        Ok(ruleset) => ruleset,
        Err(Error::Compile(error)) => {
            let records = vexil::diagnostic_records(&source, &error.diagnostics, Some(&path));
            for record in records {
                eprintln!("{}:{}:{}: {} {}", path, record.line, record.column, record.code, record.message);
            }
            return Err("the ruleset does not compile".into());
        }
        Err(error) => return Err(error.to_string()),
    };
    println!("loaded {path}: ruleset {} with {} flags", ruleset.version(), ruleset.flags().len());

    // The host owns the clock: `now` is always an input.
    let now = Timestamp::parse_rfc3339("2026-06-01T12:00:00Z").map_err(|e| e.to_string())?;
    let context = r#"{"user":{"id":"user-42","email":"ada@acme.com","country":"DE","plan":"gold","age":37,"beta":true},"app":{"version":"2.4.0"}}"#;

    // One call per decision; the decision is `vexil::Decision`, the native type.
    for flag in ruleset.flags().iter().take(3) {
        println!("{}", ruleset.evaluate(&flag.key, context, now).to_json());
    }
    // Everything at once, e.g. to hand downstream.
    let set = ruleset.evaluate_all(context, now);
    println!("evaluate_all: {} decisions for ruleset {}", set.decisions.len(), set.ruleset_version);

    // A hostile context (64 MB of JSON) hits the limits: an ERROR decision
    // with the flag's on_error value, never a crash.
    let key = ruleset.flags().first().map(|f| f.key.clone()).unwrap_or_default();
    let huge = format!(r#"{{"user":{{"id":"{}"}}}}"#, "x".repeat(64 << 20));
    println!("hostile input: {}", ruleset.evaluate(&key, &huge, now).to_json());
    println!("still serving: {}", ruleset.evaluate(&key, context, now).to_json());

    // Hot reload: a broken ruleset is refused and the previous one keeps serving.
    match ruleset.reload("flag broken: bool { default 3 }") {
        Err(Error::Compile(error)) => println!("reload refused: {error}; still on {}", ruleset.version()),
        other => return Err(format!("a broken reload should be refused, got {other:?}")),
    }
    ruleset.reload(&format!("{source}\n// touched\n")).map_err(|e| e.to_string())?;
    println!("reloaded: now ruleset {}", ruleset.version());
    Ok(())
}
