#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Plugin host benchmarks (DESIGN.md budgets): one decision through wasmtime
//! with JSON in and out for a 10-attribute context (≤ 3 µs), and module
//! instantiation from the on-disk cache (≤ 5 ms).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use vexil::Timestamp;
use vexil_host::{Config, Engine};

// The native benchmarks' context and ruleset shapes, so the figures compare.
#[path = "../../vexil/benches/support/mod.rs"]
mod support;

use support::CONTEXT_JSON;

/// Four flags, one of each shape of the native benchmarks' ruleset.
fn ruleset() -> String {
    support::ruleset(4)
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-06-01T12:00:00Z").unwrap()
}

fn one_decision(c: &mut Criterion) {
    let engine = Engine::new(Config::default()).unwrap_or_else(|e| panic!("{e}"));
    let hosted = engine.compile(&ruleset()).unwrap();
    let native = vexil::compile(&ruleset(), &vexil::CheckOptions::default()).unwrap();
    assert_eq!(hosted.evaluate("f0", CONTEXT_JSON, now()), native.evaluate_json("f0", CONTEXT_JSON, now()));
    c.bench_function("wasmtime: one decision, 10-attribute JSON context in, Decision out", |b| {
        b.iter(|| black_box(hosted.evaluate(black_box("f0"), black_box(CONTEXT_JSON), now())))
    });
    c.bench_function("native (same call, for comparison): evaluate_json", |b| {
        b.iter(|| black_box(native.evaluate_json(black_box("f0"), black_box(CONTEXT_JSON), now())))
    });
}

fn instantiation(c: &mut Criterion) {
    // Warm the on-disk cache once.
    Engine::new(Config::default()).unwrap_or_else(|e| panic!("{e}"));
    let from_disk = Config { no_process_sharing: true, ..Config::default() };
    let mut group = c.benchmark_group("instantiation");
    group.sample_size(30).measurement_time(Duration::from_secs(8));
    group.bench_function("module from the on-disk cache (deserialize + InstancePre)", |b| {
        b.iter(|| black_box(Engine::new(from_disk.clone()).unwrap()))
    });
    group.bench_function("module from the on-disk cache + instance + load a 4-flag ruleset", |b| {
        let source = ruleset();
        b.iter(|| black_box(Engine::new(from_disk.clone()).unwrap().compile(&source).unwrap()))
    });
    let shared = Engine::new(Config::default()).unwrap();
    group.bench_function("instance + load a 4-flag ruleset (module already in the process)", |b| {
        let source = ruleset();
        b.iter(|| black_box(shared.compile(&source).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, one_decision, instantiation);
criterion_main!(benches);
