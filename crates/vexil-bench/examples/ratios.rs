#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Times every scenario's calls with `std::time::Instant` and prints a
//! markdown table of nanoseconds per call and the ratio Yggdrasil / Vexil
//! (above 1: Vexil is faster). The last two columns are Vexil's other way to
//! the same `Decision` (`decide` + `decision`, the `now` text built once).
//!
//! Run: `cargo run --release -p vexil-bench --example ratios [-- --rounds 15 --round-ms 40]`
//!
//! Each (scenario, engine) runs `rounds` rounds of about `round-ms`
//! milliseconds each, engines interleaved within a round; the figure is the
//! median round. The calls are those of the criterion bench
//! (`vexil_bench::Prepared`).

use std::time::{Duration, Instant};

use vexil_bench::{Engine, Prepared, Scenario, check_equivalence};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
            .unwrap_or(default)
    };
    let rounds = arg("--rounds", 15) as usize;
    let round = Duration::from_millis(arg("--round-ms", 40));

    match check_equivalence(1_000, 20) {
        Ok(report) => eprintln!("equivalence check passed:\n{report}\n"),
        Err(mismatch) => panic!("the engines disagree, nothing measured: {mismatch}"),
    }
    let p = Prepared::new(&Scenario::ALL).unwrap();

    println!(
        "| scenario | Vexil ns | Yggdrasil ns | ratio | Yggdrasil alt ns | alt ratio | Vexil decide+decision ns | Yggdrasil / that |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for scenario in Scenario::ALL {
        let engines: Vec<Engine> = Engine::ALL.into_iter().filter(|e| e.call(scenario).is_some()).collect();
        // Calibrate: iterations for one round of about `round`.
        let iterations: Vec<u64> = engines
            .iter()
            .map(|&e| {
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < round / 4 {
                    assert!(p.run(scenario, e), "{} {} did not run", scenario.name(), e.name());
                    n += 1;
                }
                (n * 4).max(1)
            })
            .collect();
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); engines.len()];
        for _ in 0..rounds {
            for (k, &e) in engines.iter().enumerate() {
                let start = Instant::now();
                for _ in 0..iterations[k] {
                    p.run(scenario, e);
                }
                samples[k].push(start.elapsed().as_nanos() as f64 / iterations[k] as f64);
            }
        }
        let median = |engine: Engine| {
            let k = engines.iter().position(|&e| e == engine)?;
            let mut s = samples[k].clone();
            s.sort_by(f64::total_cmp);
            s.get(s.len() / 2).copied()
        };
        let fmt = |ns: Option<f64>| match ns {
            Some(ns) if ns >= 10_000.0 => format!("{ns:.0}"),
            Some(ns) => format!("{ns:.1}"),
            None => "—".to_string(),
        };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "—".to_string(),
        };
        let (v, y, a, d) = (
            median(Engine::Vexil),
            median(Engine::Yggdrasil),
            median(Engine::YggdrasilAlt),
            median(Engine::VexilDecide),
        );
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            scenario.name(),
            fmt(v),
            fmt(y),
            ratio(y, v),
            fmt(a),
            ratio(a, v),
            fmt(d),
            ratio(y, d)
        );
    }
    println!();
    println!("| scenario | Vexil call | Yggdrasil call | Yggdrasil alt call | Vexil decide+decision call |");
    println!("|---|---|---|---|---|");
    for scenario in Scenario::ALL {
        let call = |e: Engine| e.call(scenario).unwrap_or("—");
        println!(
            "| {} ({}) | {} | {} | {} | {} |",
            scenario.name(),
            scenario.describe(),
            call(Engine::Vexil),
            call(Engine::Yggdrasil),
            call(Engine::YggdrasilAlt),
            call(Engine::VexilDecide)
        );
    }
}
