#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Decide + sign and verify a decision set of 20 flags (EdDSA and HS256), and
//! the token sizes for 20 and 200 flags: `cargo bench -p vexil-sign --bench sign`.

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use vexil::{CheckOptions, Timestamp};
use vexil_sign::{Alg, SigningKey, VerifyOptions, decide, generate_key, public_jwks, verify};

fn ruleset(flags: usize) -> vexil::Ruleset {
    let mut source = String::from("context { user.id: string  user.plan: string  user.age: int }\n");
    for i in 0..flags {
        let _ = match i % 4 {
            0 => writeln!(
                source,
                "flag f{i}: bool {{ owner \"b\" default false rule r: when user.plan == \"pro\" => true }}"
            ),
            1 => writeln!(
                source,
                "flag f{i}: int {{ owner \"b\" default {i} rule r: when user.age >= 18 => {} }}",
                i * 10
            ),
            2 => writeln!(
                source,
                "flag f{i}: string {{ owner \"b\" default \"control\" rule r: when user.age > 30 => split by user.id {{ \"a\": 50%, \"b\": 50% }} }}"
            ),
            _ => writeln!(source, "flag f{i}: float {{ owner \"b\" default 0.5 }}"),
        };
    }
    vexil::compile(&source, &CheckOptions::default()).unwrap()
}

const CONTEXT: &str = r#"{"user":{"id":"u-8271","plan":"pro","age":37}}"#;
const NOW: i64 = 1_790_000_000;

fn bench(c: &mut Criterion) {
    let now = Timestamp::from_millis(NOW * 1000).unwrap();
    let twenty = ruleset(20);
    for alg in [Alg::EdDSA, Alg::HS256] {
        let private = generate_key(alg, "k1").unwrap();
        let key = SigningKey::from_jwk(&private).unwrap();
        let jwks = public_jwks(&[&private]).unwrap();
        let token = key.sign(decide(&twenty, "bench", CONTEXT, None, now).unwrap(), "gw", NOW, 300, None).unwrap();
        let big = match key.sign(decide(&ruleset(200), "bench", CONTEXT, None, now).unwrap(), "gw", NOW, 300, None) {
            Ok(token) => format!("{} bytes", token.len()),
            Err(error) => error.to_string(),
        };
        // Not while the harness only lists the benchmarks (nextest reads that output).
        if !std::env::args().any(|a| a == "--list") {
            println!("{}: token of 20 flags {} bytes; 200 flags: {}", alg.as_str(), token.len(), big);
        }
        c.bench_function(&format!("decide + sign 20 flags ({})", alg.as_str()), |b| {
            b.iter(|| key.sign(decide(&twenty, "bench", CONTEXT, None, now).unwrap(), "gw", NOW, 300, None).unwrap())
        });
        let options = VerifyOptions { leeway_seconds: 30, now: Some(NOW) };
        c.bench_function(&format!("verify 20 flags ({})", alg.as_str()), |b| {
            b.iter(|| verify(&token, &jwks, &options).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
