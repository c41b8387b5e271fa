#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Vexil against Unleash's Rust engine (`unleash-yggdrasil` 0.21.7), the same
//! flags in one criterion run. Run: `cargo bench -p vexil-bench`.
//!
//! The flags, written side by side in both forms (Vexil ruleset text next to
//! the Unleash feature JSON), are in `src/flags.rs`; the measured calls are the
//! methods of `vexil_bench::Prepared`, shared with `tests/equivalence.rs` and
//! the `ratios`/`callgrind` examples. Every group measures:
//! - `vexil`: its public API returning the whole `vexil::Decision`
//!   (`Ruleset::evaluate` on a decoded context, `evaluate_json`,
//!   `evaluate_all`, `vexil::compile`);
//! - `yggdrasil`: what an Unleash SDK calls (`check_enabled` on an
//!   `EnrichedContext` built from its `Context`; `resolve_all`; `serde_json` into
//!   `ClientFeatures` then `take_state`; `serde_json` into `Context` then
//!   `check_enabled`);
//! - `yggdrasil-alt`: a second Yggdrasil call where one exists (`resolve`,
//!   enabled + variant, the closer match to a `Decision`; for evaluate-all,
//!   `check_enabled` over each name);
//! - `vexil-decide`: Vexil's other public way to the same `Decision`,
//!   `Ruleset::decide` then `Ruleset::decision` with the `now` text built once
//!   (`evaluate` formats `now` into every decision).
//!
//! Before measuring, both engines must agree on 1,000 generated contexts for
//! every scenario that is not a split (`cargo test -p vexil-bench` checks 5,000).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vexil_bench::{Prepared, Scenario, check_equivalence, flags};

fn prepared() -> Prepared {
    Prepared::new(&Scenario::ALL).unwrap()
}

fn equivalence(_: &mut Criterion) {
    match check_equivalence(1_000, 20) {
        Ok(report) => eprintln!("equivalence check passed:\n{report}\n"),
        Err(mismatch) => panic!("the engines disagree, nothing measured: {mismatch}"),
    }
}

fn single_flags(c: &mut Criterion) {
    let p = prepared();
    for (group, flag) in [
        ("one_condition", "one_condition"),
        ("two_conditions", "two_conditions"),
        ("rollout_50", "rollout"),
        ("realistic_3_rules", "realistic"),
    ] {
        let mut g = c.benchmark_group(group);
        g.bench_function("vexil: evaluate (Decision)", |b| b.iter(|| p.vexil_evaluate(black_box(flag))));
        g.bench_function("yggdrasil: check_enabled", |b| b.iter(|| p.yggdrasil_check_enabled(black_box(flag))));
        g.bench_function("yggdrasil-alt: resolve", |b| b.iter(|| p.yggdrasil_resolve(black_box(flag))));
        g.bench_function("vexil-decide: decide + decision (Decision)", |b| b.iter(|| p.vexil_decide(black_box(flag))));
        g.finish();
    }
}

fn evaluate_all(c: &mut Criterion) {
    let p = prepared();
    let mut g = c.benchmark_group("evaluate_all_1000");
    g.bench_function("vexil: evaluate_all (DecisionSet)", |b| b.iter(|| p.vexil_evaluate_all()));
    g.bench_function("yggdrasil: resolve_all", |b| b.iter(|| p.yggdrasil_resolve_all()));
    g.bench_function("yggdrasil-alt: check_enabled x1000", |b| b.iter(|| p.yggdrasil_check_each()));
    g.finish();
}

fn compile_1000(c: &mut Criterion) {
    let p = prepared();
    let mut g = c.benchmark_group("compile_1000");
    g.sample_size(20);
    g.bench_function("vexil: compile (parse + check + lower)", |b| b.iter(|| p.vexil_compile()));
    g.bench_function("yggdrasil: serde_json ClientFeatures + take_state", |b| b.iter(|| p.yggdrasil_compile()));
    g.finish();
}

fn json_in(c: &mut Criterion) {
    let p = prepared();
    let json = flags::CONTEXT_JSON;
    let mut g = c.benchmark_group("json_in");
    g.bench_function("vexil: evaluate_json (Decision)", |b| b.iter(|| p.vexil_json("realistic", black_box(json))));
    g.bench_function("yggdrasil: serde_json Context + check_enabled", |b| {
        b.iter(|| p.yggdrasil_json("realistic", black_box(json)))
    });
    g.bench_function("yggdrasil-alt: serde_json Context + resolve", |b| {
        b.iter(|| p.yggdrasil_json_resolve("realistic", black_box(json)))
    });
    g.bench_function("vexil-decide: decode_context + decide + decision (Decision)", |b| {
        b.iter(|| p.vexil_json_decide("realistic", black_box(json)))
    });
    g.finish();
}

criterion_group!(benches, equivalence, single_flags, evaluate_all, compile_1000, json_in);
criterion_main!(benches);
