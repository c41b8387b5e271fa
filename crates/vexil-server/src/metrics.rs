//! Prometheus text exposition (version 0.0.4), written by hand: a handful of
//! counters and one histogram do not justify a metrics framework.
//!
//! Label cardinality is bounded by the rulesets: a flag label is only ever a
//! flag the ruleset declares (requests for unknown flags count under
//! `flag=""`), reasons and endpoints are fixed sets.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05, 0.25];

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (ruleset, flag, reason) → evaluations.
    evaluations: BTreeMap<(String, String, &'static str), u64>,
    /// endpoint → histogram.
    latency: BTreeMap<&'static str, Histogram>,
    /// (endpoint, status) → requests answered with an error.
    errors: BTreeMap<(&'static str, u16), u64>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts evaluations (one call per request, however many flags).
    pub fn evaluated<'a>(&self, ruleset: &str, decisions: impl Iterator<Item = (&'a str, &'static str)>) {
        let mut inner = self.inner();
        for (flag, reason) in decisions {
            *inner.evaluations.entry((ruleset.to_owned(), flag.to_owned(), reason)).or_default() += 1;
        }
    }

    pub fn observe(&self, endpoint: &'static str, took: Duration) {
        let seconds = took.as_secs_f64();
        let mut inner = self.inner();
        let histogram = inner.latency.entry(endpoint).or_default();
        histogram.count += 1;
        histogram.sum += seconds;
        for (count, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
    }

    pub fn error(&self, endpoint: &'static str, status: u16) {
        *self.inner().errors.entry((endpoint, status)).or_default() += 1;
    }

    /// The exposition text; `extra` appends the gauges the caller knows (rulesets, followers).
    pub fn render(&self, extra: &str) -> String {
        let inner = self.inner();
        let mut out = String::new();
        out.push_str("# HELP vexil_evaluations_total Flag evaluations by ruleset, flag and reason.\n");
        out.push_str("# TYPE vexil_evaluations_total counter\n");
        for ((ruleset, flag, reason), n) in &inner.evaluations {
            let _ = writeln!(
                out,
                "vexil_evaluations_total{{ruleset=\"{}\",flag=\"{}\",reason=\"{reason}\"}} {n}",
                label(ruleset),
                label(flag)
            );
        }
        out.push_str("# HELP vexil_request_duration_seconds Time to answer an evaluation request.\n");
        out.push_str("# TYPE vexil_request_duration_seconds histogram\n");
        for (endpoint, histogram) in &inner.latency {
            for (count, bound) in histogram.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "vexil_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "vexil_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(out, "vexil_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}", histogram.sum);
            let _ =
                writeln!(out, "vexil_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}", histogram.count);
        }
        out.push_str("# HELP vexil_request_errors_total Requests answered with an error status.\n");
        out.push_str("# TYPE vexil_request_errors_total counter\n");
        for ((endpoint, status), n) in &inner.errors {
            let _ = writeln!(out, "vexil_request_errors_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}");
        }
        out.push_str(extra);
        out
    }
}

/// A label value, escaped as the text format requires.
pub fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.evaluated("shop", [("a", "STATIC"), ("a", "STATIC"), ("b\"x", "ERROR")].into_iter());
        metrics.observe("single", Duration::from_micros(80));
        metrics.observe("single", Duration::from_millis(3));
        let text = metrics.render("");
        assert!(text.contains("vexil_evaluations_total{ruleset=\"shop\",flag=\"a\",reason=\"STATIC\"} 2\n"), "{text}");
        assert!(text.contains("flag=\"b\\\"x\""), "{text}");
        assert!(
            text.contains("vexil_request_duration_seconds_bucket{endpoint=\"single\",le=\"0.0001\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("vexil_request_duration_seconds_bucket{endpoint=\"single\",le=\"0.005\"} 2\n"), "{text}");
        assert!(text.contains("vexil_request_duration_seconds_count{endpoint=\"single\"} 2\n"), "{text}");
    }
}
