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
        let checked = vexil::check(&file.ruleset, &CheckOptions { today, ..Default::default() });
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

/// Budgets stop every path at the same place: for every vector and every
/// budget from 0 work units up to what the decision costs, `evaluate`,
/// `explain` (the traced walk) and the flag's entry in `evaluate_all`
/// (shared segment and prerequisite caches, a budget per flag) decide the
/// same, and a decision that ran out is `RESOURCE_LIMIT` with the flag's
/// `on_error` value. Without a budget, nothing changes.
#[test]
fn budgets_stop_evaluate_explain_and_evaluate_all_alike() {
    let mut checked = 0usize;
    let mut limited = 0usize;
    for (path, file) in vexil_conformance::evaluation_files().unwrap() {
        let ruleset = compile(&file.ruleset, &CheckOptions::default()).unwrap();
        for case in &file.cases {
            let Input::Decide { flag, context } = case.input() else { continue };
            let Ok(context) = ruleset.decode_context(context) else { continue };
            let now = Timestamp::parse_rfc3339(&case.now).unwrap();
            let unlimited = ruleset.evaluate(flag, &context, now);
            // The largest budget counts everything and stops nothing.
            assert_eq!(ruleset.evaluate_within(flag, &context, now, Some(u64::MAX)), unlimited);
            let position = ruleset.flags().iter().position(|f| f.key == flag);
            let mut enough = false;
            for budget in 0..=100_000u64 {
                let decision = ruleset.evaluate_within(flag, &context, now, Some(budget));
                let explained = ruleset.explain_within(flag, &context, now, Some(budget)).decision;
                assert_eq!(explained, decision, "{path}: flag {flag}, budget {budget}");
                if let Some(i) = position {
                    let set = ruleset.evaluate_all_within(&context, now, Some(budget));
                    assert_eq!(set.decisions[i], decision, "{path}: flag {flag}, budget {budget} in evaluate_all");
                }
                checked += 1;
                if decision.error_code == Some(vexil::ErrorCode::ResourceLimit) {
                    limited += 1;
                    continue;
                }
                // Enough: from here on the budget changes nothing.
                assert_eq!(decision, unlimited, "{path}: flag {flag}, budget {budget}");
                enough = true;
                break;
            }
            assert!(enough, "{path}: flag {flag} still ran out at 100,000 work units");
        }
    }
    eprintln!("{checked} budgeted decisions, {limited} of them RESOURCE_LIMIT");
    assert!(limited > 1000, "{limited}");
}
