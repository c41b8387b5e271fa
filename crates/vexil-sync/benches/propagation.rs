#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Propagation figures (a benchmark that prints, never a timed test):
//! `cargo bench -p vexil-sync --bench propagation [-- FOLLOWERS PUBLISHES]`.
//!
//! One real nats-server on loopback; FOLLOWERS (default 100) followers in
//! this process, each with its own NATS connection as separate services
//! would have; PUBLISHES (default 200) publishes one after another. Latency
//! is from `publish` returning to the moment the last follower serves the
//! new version (each follower's change notification, no polling). Then the
//! followers' idle cost: resident memory per follower and CPU over 10 s idle.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vexil_sync::nats::{Broker, FollowOptions, Publication, follow};
use vexil_sync::testing::NatsServer;
use vexil_sync::{Follower, Serving};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU of this process, in clock ticks (usually 10 ms).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn source(i: usize) -> String {
    format!("flag mode: int {{ owner \"bench\" default {i} }}\nflag other: bool {{ owner \"bench\" default true }}\n")
}

fn publication(source: &str) -> Publication<'_> {
    Publication { name: "bench", source, author: "bench", message: "", expect_revision: None }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let followers_n = numbers.first().copied().unwrap_or(100);
    let publishes = numbers.get(1).copied().unwrap_or(200);
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let server = NatsServer::start().unwrap();
        let broker = Broker::connect(&server.url(), "vexil_rulesets", Duration::from_secs(5)).await.unwrap();
        let first = source(0);
        let deadline = Instant::now() + Duration::from_secs(15);
        while broker.publish(&publication(&first), 1).await.is_err() {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let rss_before = rss_kib();
        let mut followers = Vec::new();
        let mut handles = Vec::new();
        for i in 0..followers_n {
            let follower = Follower::new("bench", &format!("f{i}"), Arc::new(Serving::default()), None);
            handles.push(follow(&FollowOptions::new(&server.url()), vec![follower.clone()]));
            followers.push(follower);
        }
        let all_at = |version: &str| followers.iter().all(|f| f.status().version.as_deref() == Some(version));
        let v0 = vexil::ruleset_version(&first);
        while !all_at(&v0) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let rss_loaded = rss_kib();

        let mut latencies = Vec::with_capacity(publishes);
        for i in 1..=publishes {
            let text = source(i);
            let mut receivers: Vec<_> = followers.iter().map(|f| f.changes()).collect();
            for r in &mut receivers {
                r.borrow_and_update();
            }
            let result = broker.publish(&publication(&text), 1).await.unwrap();
            let published = Instant::now();
            let waits = followers.iter().zip(receivers.iter_mut()).map(|(follower, receiver)| {
                let version = result.version.clone();
                async move {
                    while follower.status().version.as_deref() != Some(version.as_str()) {
                        if receiver.changed().await.is_err() {
                            break;
                        }
                    }
                }
            });
            futures_util::future::join_all(waits).await;
            latencies.push(published.elapsed());
        }
        latencies.sort();
        println!(
            "propagation: {publishes} publishes to {followers_n} followers (one NATS connection each, loopback): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        );

        let ticks_before = cpu_ticks();
        let idle = Duration::from_secs(10);
        tokio::time::sleep(idle).await;
        let ticks = cpu_ticks() - ticks_before;
        println!(
            "idle: {followers_n} followers hold {:.1} MiB more RSS than none ({:.0} KiB each, the compiled ruleset included); {} ms of CPU over {} s idle ({:.3}% of one core)",
            (rss_loaded.saturating_sub(rss_before)) as f64 / 1024.0,
            (rss_loaded.saturating_sub(rss_before)) as f64 / followers_n as f64,
            ticks * 10,
            idle.as_secs(),
            ticks as f64 * 10.0 / idle.as_millis() as f64 * 100.0,
        );
        drop(handles);
    });
}
