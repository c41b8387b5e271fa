#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil import`: the ruleset, the report, the exit codes. The expected
//! rulesets are written by hand from the translation rules in the README's
//! "Migrating from flagd / Unleash"; the buckets of the users below were
//! computed with Python's `mmh3` package (MurmurHash3 x86_32):
//! Unleash `h("beta:" + id) % 100 + 1 <= 25` holds for u-4 (bucket 20) and
//! not for u-1 (53); flagd `(h("new-banner" + key) × 100) >> 32 < 30` holds
//! for user-6 (9) and not for user-1 (43).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

const UNLEASH: &str = r#"{"version": 2, "features": [
  {"name": "beta", "enabled": true, "project": "web", "type": "experiment",
   "strategies": [{"name": "flexibleRollout", "parameters": {"rollout": "25", "stickiness": "userId", "groupId": "beta"}}]}
]}"#;

const UNLEASH_RULESET: &str = r#"// Imported from Unleash (client features API) by `vexil import unleash`.
// Every context attribute is optional; `currentTime` is the evaluation's `now`.

context {
  userId: string?
}

// Unleash feature "beta"
flag beta: bool {
  kind experiment
  owner "web"
  default false
  rule flexibleRollout_0: when has(userId) => split by userId salt "beta:" modulo { true: 25, false: 75 }
}

"#;

const FLAGD: &str = r#"{"flags": {"banner": {"state": "ENABLED", "variants": {"a": "new", "b": "old"}, "defaultVariant": "b",
  "targeting": {"if": [{"==": [{"var": "country"}, "DE"]}, {"fractional": [{"cat": ["new-banner", {"var": "targetingKey"}]}, ["a", 30], ["b", 70]]}]}}}}"#;

const FLAGD_RULESET: &str = r#"// Imported from flagd flag definitions by `vexil import flagd`.
// Every context attribute is optional; `$flagd.timestamp` is the evaluation's `now`.

context {
  country: string?
  targetingKey: string?
}

// flagd flag "banner"
flag banner: string {
  default "old"
  rule r0: when has(country) and country == "DE" => split by targetingKey ?? "" salt "new-banner" { "new": 30, "old": 70 }
}

"#;

fn decide(dir: &Path, ruleset: &str, flag: &str, context: &str) -> serde_json::Value {
    let out = vexil(&["eval", ruleset, "--flag", flag, "--context", context, "--now", "2026-06-01T00:00:00Z"], dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn unleash_to_a_ruleset_that_keeps_the_buckets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("features.json"), UNLEASH).unwrap();
    let out = vexil(&["import", "unleash", "features.json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), UNLEASH_RULESET);
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.starts_with("imported 1 flag(s) from unleash: 1 decide exactly as there, 0 not exactly; 0 note(s) need attention\n  beta → beta\n"), "{report}");
    assert!(report.contains("  userId: string — the stickiness of a rollout"), "{report}");
    // -o writes the file and nothing to standard output.
    let out = vexil(&["import", "unleash", "features.json", "-o", "beta.vx"], dir.path());
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    assert_eq!(std::fs::read_to_string(dir.path().join("beta.vx")).unwrap(), UNLEASH_RULESET);
    assert_eq!(decide(dir.path(), "beta.vx", "beta", r#"{"userId":"u-4"}"#)["value"], true);
    assert_eq!(decide(dir.path(), "beta.vx", "beta", r#"{"userId":"u-1"}"#)["value"], false);
    assert_eq!(decide(dir.path(), "beta.vx", "beta", "{}")["reason"], "DEFAULT");
}

#[test]
fn flagd_to_a_ruleset_that_keeps_the_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(["import", "flagd", "-", "-o", "flags.vx", "--format", "json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(FLAGD.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["source"], serde_json::Value::Null, "the ruleset went to -o");
    assert_eq!(json["report"]["format"], "flagd");
    assert_eq!(
        json["report"]["flags"][0],
        serde_json::json!({"source_key": "banner", "flag": "banner", "exact": true, "variant_exact": true})
    );
    assert_eq!(json["report"]["attention"], serde_json::json!([]));
    assert_eq!(std::fs::read_to_string(dir.path().join("flags.vx")).unwrap(), FLAGD_RULESET);
    let de =
        |key: &str| decide(dir.path(), "flags.vx", "banner", &format!(r#"{{"country":"DE","targetingKey":"{key}"}}"#));
    assert_eq!((de("user-6")["value"].clone(), de("user-6")["reason"].clone()), ("new".into(), "SPLIT".into()));
    assert_eq!(de("user-1")["value"], "old");
    assert_eq!(
        decide(dir.path(), "flags.vx", "banner", r#"{"country":"FR","targetingKey":"user-6"}"#)["reason"],
        "DEFAULT"
    );
}

#[test]
fn what_needs_attention_is_reported_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let unleash = r#"{"version": 2, "features": [
      {"name": "checkout-v2", "enabled": true, "strategies": [{"name": "myCustomStrategy"}]},
      {"name": "random", "enabled": true, "strategies": [{"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "random"}}]}]}"#;
    std::fs::write(dir.path().join("u.json"), unleash).unwrap();
    let out = vexil(&["import", "unleash", "u.json", "-o", "u.vx"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        report.contains(
            "imported 2 flag(s) from unleash: 0 decide exactly as there, 2 not exactly; 3 note(s) need attention"
        ),
        "{report}"
    );
    assert!(report.contains("/features/0/strategies/0: custom strategy `myCustomStrategy`"), "{report}");
    assert!(report.contains("/features/1/strategies/0: random stickiness draws at random"), "{report}");
    assert!(report.contains("checkout-v2 → checkout_v2"), "{report}");
    // The ruleset is still written, and it checks.
    let check = vexil(&["check", "u.vx"], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn input_that_is_not_the_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"flags\": 3}").unwrap();
    std::fs::write(dir.path().join("junk.json"), "not json").unwrap();
    for (from, file, message) in [
        ("flagd", "bad.json", "expected flagd flag definitions"),
        ("unleash", "bad.json", "expected Unleash's client features API JSON"),
        ("flagd", "junk.json", "not JSON"),
        ("unleash", "missing.json", "cannot read"),
    ] {
        let out = vexil(&["import", from, file], dir.path());
        assert_eq!(out.status.code(), Some(2), "{from} {file}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty());
    }
}
