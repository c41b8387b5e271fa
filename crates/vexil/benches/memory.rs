#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Resident memory of a compiled 10,000-flag ruleset (Linux: VmRSS).
//! Run: `cargo bench -p vexil --bench memory`.

mod support;

use vexil::{CheckOptions, compile};

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let source = support::ruleset(10_000);
    let before = rss_kib().unwrap_or(0);
    let ruleset = compile(&source, &CheckOptions::default()).expect("benchmark ruleset compiles");
    let after = rss_kib().unwrap_or(0);
    println!(
        "memory: {} flags, source {} KiB, RSS grew by {:.1} MiB while compiling and holding the ruleset",
        ruleset.flags().len(),
        source.len() / 1024,
        after.saturating_sub(before) as f64 / 1024.0
    );
}
