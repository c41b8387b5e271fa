#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The cross-stack conformance corpus on the native engine: every evaluation
//! vector and every diagnostic vector (errors and warnings, checked with the
//! vector's `today`). The pass counts are kept in
//! `tests/conformance/counts/native.txt` so that a change in coverage shows in
//! review (`VEXIL_UPDATE_COUNTS=1` rewrites the file).

use std::collections::HashMap;

use vexil::{CheckOptions, Ruleset, Timestamp, compile};
use vexil_conformance::{DiagnosticScope, ExpectedDiagnostic, Input};

#[test]
fn conformance_vectors_pass_natively() {
    let mut compiled: HashMap<String, Ruleset> = HashMap::new();
    let mut tally = vexil_conformance::run_evaluation(|source, input, now| {
        if !compiled.contains_key(source) {
            let ruleset = compile(source, &CheckOptions::default()).map_err(|e| e.to_string())?;
            compiled.insert(source.to_owned(), ruleset);
        }
        let ruleset = &compiled[source];
        let now = Timestamp::parse_rfc3339(now).map_err(|e| e.to_string())?;
        let (flag, context) = match input {
            Input::Decide { flag, context } => (flag, context),
            Input::Request { line } => {
                let decision = vexil::request::evaluate_request_json(ruleset, line, now);
                return serde_json::to_value(&decision).map_err(|e| e.to_string());
            }
        };
        let decision = ruleset.evaluate_json(flag, context, now);
        // explain walks the same evaluation: its decision and its record
        // must agree with evaluate on every vector.
        if let Ok(decoded) = ruleset.decode_context(context) {
            let explanation = ruleset.explain(flag, &decoded, now);
            if explanation.decision != decision {
                return Err(format!("explain decided {:?}, evaluate {decision:?}", explanation.decision));
            }
            if let Some(problem) = explanation.inconsistency() {
                return Err(problem);
            }
        }
        serde_json::to_value(&decision).map_err(|e| e.to_string())
    })
    .unwrap();
    vexil_conformance::run_diagnostics(&mut tally, DiagnosticScope::All, |file| {
        let today = file.today.as_deref().map(Timestamp::parse_date).transpose().map_err(|e| e.to_string())?;
        let checked = vexil::check(&file.ruleset, &CheckOptions { today });
        let records = vexil::diagnostic_records(&file.ruleset, &checked.diagnostics, None);
        Ok(records
            .iter()
            .map(|r| ExpectedDiagnostic { code: r.code.clone(), line: r.line, column: r.column })
            .collect())
    })
    .unwrap();
    if let Err(problem) = vexil_conformance::verify_counts("native", &tally) {
        panic!("{problem}");
    }
}
