#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Criterion benchmarks behind the README's budget table.
//! Run: `cargo bench -p vexil --bench engine`.

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vexil::{CheckOptions, Timestamp, compile};

fn now() -> Timestamp {
    Timestamp::from_millis(1_790_000_000_000).unwrap_or(Timestamp::MIN)
}

fn two_conditions(c: &mut Criterion) {
    let ruleset = compile(support::TWO_CONDITIONS, &CheckOptions::default()).unwrap();
    let context = ruleset.decode_context(r#"{"user":{"country":"DE","age":37}}"#).unwrap();
    c.bench_function("decide: 2 conditions, decoded context", |b| {
        b.iter(|| black_box(ruleset.decide(black_box("adult_de"), &context, now())))
    });
    c.bench_function("evaluate: 2 conditions, decoded context, Decision built", |b| {
        b.iter(|| black_box(ruleset.evaluate(black_box("adult_de"), &context, now())))
    });
}

fn from_json(c: &mut Criterion) {
    let ruleset = compile(&support::ruleset(8), &CheckOptions::default()).unwrap();
    c.bench_function("decode 10-attribute JSON + decide one flag", |b| {
        b.iter(|| {
            let context = ruleset.decode_context(black_box(support::CONTEXT_JSON)).unwrap();
            black_box(ruleset.decide("f0", &context, now()).map(|o| o.reason))
        })
    });
    c.bench_function("decode 10-attribute JSON + evaluate one flag (Decision built)", |b| {
        b.iter(|| black_box(ruleset.evaluate_json("f0", black_box(support::CONTEXT_JSON), now())))
    });
}

fn evaluate_all(c: &mut Criterion) {
    let ruleset = compile(&support::ruleset(1000), &CheckOptions::default()).unwrap();
    let context = ruleset.decode_context(support::CONTEXT_JSON).unwrap();
    c.bench_function("evaluate all of 1,000 flags", |b| b.iter(|| black_box(ruleset.evaluate_all(&context, now()))));
}

fn compile_1000(c: &mut Criterion) {
    let source = support::ruleset(1000);
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("parse + check + lower 1,000 flags", |b| {
        b.iter(|| black_box(compile(black_box(&source), &CheckOptions::default()).is_ok()))
    });
    // The overlap analysis (W0006, W0007) is part of the check above; alone:
    let program = vexil::check(&source, &CheckOptions::default()).program.unwrap();
    group.bench_function("overlap analysis of 1,000 flags (inside the check above)", |b| {
        b.iter(|| black_box(vexil_check::analyze_overlaps(black_box(&program)).len()))
    });
    group.finish();
}

criterion_group!(benches, two_conditions, from_json, evaluate_all, compile_1000);
criterion_main!(benches);
