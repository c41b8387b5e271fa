#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The cross-stack conformance corpus on the native engine. The pass counts
//! are kept in `tests/conformance/counts/native.txt` so that a change in
//! coverage shows in review (`VEXIL_UPDATE_COUNTS=1` rewrites the file).

use std::collections::HashMap;

use vexil::{CheckOptions, Ruleset, Timestamp, compile};

#[test]
fn evaluation_vectors_pass_natively() {
    let mut compiled: HashMap<String, Ruleset> = HashMap::new();
    let tally = vexil_conformance::run_evaluation(|source, flag, context, now| {
        if !compiled.contains_key(source) {
            let ruleset = compile(source, &CheckOptions::default()).map_err(|e| e.to_string())?;
            compiled.insert(source.to_owned(), ruleset);
        }
        let ruleset = &compiled[source];
        let now = Timestamp::parse_rfc3339(now).map_err(|e| e.to_string())?;
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
    if let Err(problem) = vexil_conformance::verify_counts("native", &tally) {
        panic!("{problem}");
    }
}

#[test]
fn diagnostic_vectors_report_the_expected_codes() {
    let files = vexil_conformance::diagnostic_files().unwrap();
    let mut failures = Vec::new();
    for (path, file) in &files {
        let today = file.today.as_deref().map(|d| Timestamp::parse_date(d).unwrap());
        let checked = vexil::check(&file.ruleset, &CheckOptions { today });
        let records = vexil::diagnostic_records(&file.ruleset, &checked.diagnostics, None);
        let got: Vec<vexil_conformance::ExpectedDiagnostic> = records
            .iter()
            .map(|r| vexil_conformance::ExpectedDiagnostic { code: r.code.clone(), line: r.line, column: r.column })
            .collect();
        if got != file.diagnostics {
            failures.push(format!("{path} ({}): got {got:?}, expected {:?}", file.name, file.diagnostics));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
