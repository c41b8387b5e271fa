#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The cross-stack conformance corpus through the wasmtime plugin: every
//! decision must equal the native engine's field for field (the whole JSON,
//! error messages included) and the vector's expectation; every diagnostic
//! vector's errors must be the plugin's, and equal native. Pass counts are
//! kept in `tests/conformance/counts/wasmtime.txt` (`VEXIL_UPDATE_COUNTS=1`
//! rewrites the file).

use std::collections::HashMap;

use vexil::{CheckOptions, Timestamp};
use vexil_conformance::{DiagnosticScope, ExpectedDiagnostic, Input};
use vexil_host::{Config, Engine, HostRuleset};

fn engine() -> Engine {
    Engine::new(Config::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn conformance_vectors_pass_through_wasmtime_and_equal_native() {
    let engine = engine();
    let mut compiled: HashMap<String, (HostRuleset, vexil::Ruleset)> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut tally = vexil_conformance::run_evaluation(|source, input, now| {
        if !compiled.contains_key(source) {
            let hosted = engine.compile(source).map_err(|e| e.to_string())?;
            let native = vexil::compile(source, &CheckOptions::default()).map_err(|e| e.to_string())?;
            compiled.insert(source.to_owned(), (hosted, native));
        }
        let (hosted, native) = &compiled[source];
        let now = Timestamp::parse_rfc3339(now).map_err(|e| e.to_string())?;
        let (decision, native_decision) = match input {
            Input::Decide { flag, context } => {
                (hosted.evaluate(flag, context, now), native.evaluate_json(flag, context, now))
            }
            Input::Request { line } => {
                (hosted.evaluate_request(line, now), vexil::request::evaluate_request_json(native, line, now))
            }
        };
        let (got, want) = (decision.to_json(), native_decision.to_json());
        if got != want {
            mismatches.push(format!("{input:?}:\n  wasmtime {got}\n  native   {want}"));
        }
        serde_json::from_str(&got).map_err(|e| e.to_string())
    })
    .unwrap();
    assert!(
        mismatches.is_empty(),
        "{} differ from native:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(10)].join("\n")
    );
    // The plugin reports diagnostics only when a load fails, and checks with the
    // default options (no `today`), so this stack compares the errors of every
    // vector (a vector without errors must load); the whole records, messages
    // and help included, must equal native `vexil::compile`'s.
    vexil_conformance::run_diagnostics(&mut tally, DiagnosticScope::ErrorsOnly, |file| {
        // The plugin is built without the checker's overlap analysis (W0006, W0007).
        let render = |d: &[vexil::Diagnostic]| {
            let kept: Vec<vexil::Diagnostic> = d
                .iter()
                .filter(|d| !matches!(d.code, vexil::Code::ShadowedRule | vexil::Code::NeverTrue))
                .cloned()
                .collect();
            vexil::diagnostic_records(&file.ruleset, &kept, None)
        };
        let native = vexil::compile(&file.ruleset, &CheckOptions::default());
        let records = match (native, engine.compile(&file.ruleset)) {
            (Ok(_), Ok(_)) => Vec::new(),
            (Err(native), Err(vexil_host::Error::Compile(hosted))) => {
                let (hosted, native) = (render(&hosted.diagnostics), render(&native.diagnostics));
                if hosted != native {
                    return Err(format!("wasmtime {hosted:?}\n    native {native:?}"));
                }
                hosted
            }
            (native, hosted) => return Err(format!("native {:?} vs wasmtime {:?}", native.err(), hosted.err())),
        };
        Ok(records
            .iter()
            .map(|r| ExpectedDiagnostic { code: r.code.clone(), line: r.line, column: r.column })
            .collect())
    })
    .unwrap();
    if let Err(problem) = vexil_conformance::verify_counts("wasmtime", &tally) {
        panic!("{problem}");
    }
}
