#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Plugin host benchmarks (DESIGN.md budgets): one decision through wasmtime
//! with JSON in and out for a 10-attribute context (≤ 3 µs), and module
//! instantiation from the on-disk cache (≤ 5 ms). The context and ruleset
//! shapes are copied from `crates/vexil/benches/support/mod.rs`, so the
//! figures compare with the native ones.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use vexil::Timestamp;
use vexil_host::{Config, Engine};

const CONTEXT_JSON: &str = r#"{"user":{"id":"user-8271","email":"ada@example.com","country":"DE","plan":"pro","age":37,"beta":true,"score":0.82},"app":{"version":"4.3.1","platform":"ios"},"request":{"ip":"10.1.2.3"}}"#;

const HEADER: &str = r#"
enum Plan { free, pro, gold }
enum Platform { web, ios, android }
context {
  user.id: string
  user.email: string
  user.country: string
  user.plan: Plan
  user.age: int?
  user.beta: bool
  user.score: float
  app.version: semver
  app.platform: Platform
  request.ip: ip
}
segment staff = user.email ends_with "@acme.com"
segment eu = user.country in ["DE", "FR", "IT", "ES", "NL"]
"#;

/// Four flags, one of each shape of the native benchmarks' ruleset.
fn ruleset() -> String {
    format!(
        "{HEADER}{}",
        r#"
flag f0: bool { owner "t" default false rule a: when staff => true rule b: when eu and app.version >= "4.0.0" => split by user.id { true: 25%, false: 75% } }
flag f1: int { owner "t" default 1 rule gold: when user.plan == gold => 500 rule adults: when has(user.age) and user.age >= 19 => 100 }
flag f2: string { owner "t" default "a" rule m: when request.ip in "10.0.0.0/8" and app.platform != android => "b" rule s: when user.score > 0.2 => "c" }
flag f3: Plan { owner "t" default free rule c: when user.country == "DE" and user.beta => gold rule p: when lower(user.email) contains "ada3" => pro }
"#
    )
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
