#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Replay throughput: 10,000 recorded contexts of examples/migration.vx
//! through the ruleset and a changed copy, every flag (decisions per second
//! = contexts × flags per second). `cargo bench -p vexil-review --bench replay`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vexil::{CheckOptions, Timestamp};
use vexil_review::{Replay, ReplayOptions};

const REGIONS: [&str; 5] = ["eu_west", "eu_central", "us_east", "us_west", "ap_south"];

fn bench(c: &mut Criterion) {
    let source = include_str!("../../../examples/migration.vx");
    let changed = source.replace(
        "DUAL_WRITE: 50%, SHADOW_READ: 30%, NEW_PRIMARY: 20%",
        "DUAL_WRITE: 40%, SHADOW_READ: 40%, NEW_PRIMARY: 20%",
    );
    let old = vexil::compile(source, &CheckOptions::default()).unwrap();
    let new = vexil::compile(&changed, &CheckOptions::default()).unwrap();
    let lines: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"tenant":{{"id":"t-{i}","region":"{}","tier":"{}","created":"2025-0{}-01T00:00:00Z","record_count":{}}},"service":{{"name":"{}"}}}}"#,
                REGIONS[i % 5],
                if i % 7 == 0 { "internal" } else { "pro" },
                1 + i % 9,
                (i * 7919) % 20_000_000,
                if i % 3 == 0 { "reporting" } else { "api" }
            )
        })
        .collect();
    let now = Timestamp::parse_rfc3339("2026-06-01T12:00:00Z").unwrap();
    let flags = old.flags().len() as u64;
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(lines.len() as u64 * flags));
    group.bench_function("10,000 contexts × every flag of migration.vx", |b| {
        b.iter(|| {
            let mut replay = Replay::new(&old, &new, ReplayOptions { now, flags: None, examples: 3 }).unwrap();
            for (i, line) in lines.iter().enumerate() {
                replay.line(i as u64 + 1, line);
            }
            replay.finish()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
