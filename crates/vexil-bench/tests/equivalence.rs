//! Both engines give the same answer on thousands of generated contexts for
//! every scenario that is not a split (LANGUAGE.md's bucketing and Unleash's
//! differ by design; the rollout's shares are checked instead).

#![allow(clippy::panic)]

use vexil_bench::check_equivalence;

#[test]
fn equal_answers_on_generated_contexts() {
    // 5,000 contexts per single-flag scenario; evaluate-all on 200 of them
    // (750 non-split flags each).
    let report = match check_equivalence(5_000, 200) {
        Ok(report) => report,
        Err(mismatch) => panic!("engines disagree: {mismatch}"),
    };
    println!("{report}");
    for (name, contexts, trues, compared) in &report.rows {
        // Both answers occur, so the comparison means something.
        assert!(*trues > 0 && trues < compared, "{name}: {trues} true of {compared} ({contexts} contexts)");
    }
    let (n, vexil_true, yggdrasil_true, _) = report.rollout;
    for share in [vexil_true, yggdrasil_true] {
        let percent = 100.0 * share as f64 / n as f64;
        assert!((46.0..=54.0).contains(&percent), "rollout share {percent:.1}% of {n}");
    }
}
