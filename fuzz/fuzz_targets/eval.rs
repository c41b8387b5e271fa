//! Arbitrary bytes as the context of every flag of the example rulesets:
//! decoding and evaluation must never panic, every flag gets exactly one
//! decision, and the traced evaluation (`explain`, the evaluator's generic
//! path) must give the same decision and tell the same story
//! (`Explanation::inconsistency`).
//!
//! Run with `cargo xtask fuzz [SECONDS]`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vexil::{Ruleset, Timestamp};

const SOURCES: [&str; 5] = [
    include_str!("../../examples/checkout.vx"),
    include_str!("../../examples/migration.vx"),
    include_str!("../../examples/ops.vx"),
    include_str!("../../examples/policy.vx"),
    include_str!("../../examples/tour.vx"),
];

fn rulesets() -> &'static [Ruleset] {
    static RULESETS: OnceLock<Vec<Ruleset>> = OnceLock::new();
    RULESETS.get_or_init(|| {
        SOURCES.iter().filter_map(|s| vexil::compile(s, &vexil::CheckOptions::default()).ok()).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let now = Timestamp::from_millis(1_790_000_000_000).unwrap_or(Timestamp::MIN);
    assert_eq!(rulesets().len(), SOURCES.len(), "the examples compile");
    for ruleset in rulesets() {
        let set = ruleset.evaluate_all_json(&text, now);
        assert_eq!(set.decisions.len(), ruleset.flags().len());
        let Ok(context) = ruleset.decode_context(&text) else { continue };
        for flag in ruleset.flags() {
            let explanation = ruleset.explain(&flag.key, &context, now);
            assert_eq!(explanation.decision, ruleset.evaluate(&flag.key, &context, now));
            if let Some(problem) = explanation.inconsistency() {
                panic!("{problem}");
            }
        }
    }
});
