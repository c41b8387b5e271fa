#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Memory of a compiled 10,000-flag ruleset. Run: `cargo bench -p vexil --bench memory`.
//!
//! Three figures: the heap the compiled ruleset holds once the source is
//! dropped (what a service pays to keep it: the budget's figure), the peak heap
//! while compiling, both from a counting allocator (`peak_alloc`), and the
//! process's RSS growth (Linux `VmRSS`), which also keeps what malloc did not
//! hand back to the system after the compile's transient peak.

mod support;

use peak_alloc::PeakAlloc;
use vexil::{CheckOptions, compile};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rss_before = rss_kib().unwrap_or(0);
    let baseline = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let source = support::ruleset(10_000);
    let source_len = source.len();
    let ruleset = compile(&source, &CheckOptions::default()).expect("benchmark ruleset compiles");
    let peak = ALLOCATOR.peak_usage().saturating_sub(baseline);
    drop(source);
    let held = ALLOCATOR.current_usage().saturating_sub(baseline);
    let rss_after = rss_kib().unwrap_or(0);
    println!(
        "memory: {} flags, source {} KiB: the compiled ruleset holds {:.1} MiB ({} bytes per flag); \
         peak heap while compiling {:.1} MiB; RSS grew by {:.1} MiB",
        ruleset.flags().len(),
        source_len / 1024,
        held as f64 / MIB,
        held / ruleset.flags().len().max(1),
        peak as f64 / MIB,
        rss_after.saturating_sub(rss_before) as f64 / 1024.0
    );
}
