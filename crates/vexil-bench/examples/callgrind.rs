#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Runs one scenario's call in a loop, for instruction counting:
//! `callgrind SCENARIO ENGINE ITERATIONS`.
//!
//! Under `valgrind --tool=callgrind`, (instructions with N iterations −
//! instructions with 0 iterations) / N is the cost of one call: set-up (the
//! compile, loading the engine, building contexts) is the same in both runs
//! and cancels. `callgrind.sh` does this for every scenario and engine.
//!
//! SCENARIO: one_condition two_conditions rollout realistic evaluate_all_1000
//! compile_1000 json_in. ENGINE: vexil yggdrasil yggdrasil-alt vexil-decide.

use vexil_bench::{Engine, Prepared, Scenario};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: callgrind SCENARIO ENGINE ITERATIONS";
    let scenario = args.get(1).and_then(|s| Scenario::parse(s)).unwrap_or_else(|| panic!("{usage}: unknown scenario"));
    let engine = args.get(2).and_then(|s| Engine::parse(s)).unwrap_or_else(|| panic!("{usage}: unknown engine"));
    let iterations: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{usage}"));
    if engine.call(scenario).is_none() {
        eprintln!("{} has no {} call", scenario.name(), engine.name());
        std::process::exit(2);
    }
    let p = Prepared::new(&[scenario]).unwrap();
    for _ in 0..iterations {
        if !p.run(scenario, engine) {
            panic!("{} {} did not run", scenario.name(), engine.name());
        }
    }
}
