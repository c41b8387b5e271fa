//! `vexil eval` end to end: the built binary on the examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).display().to_string()
}

fn vexil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).output().unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const NOW: &str = "2026-11-21T10:00:00Z";
const STAFF: &str = r#"{"user":{"id":"u-1","email":"ada@acme.com","country":"DE","beta":false},"client":{"platform":"ios","version":"4.3.1"}}"#;

#[test]
fn one_flag_prints_one_decision_line() {
    let output = vexil(&["eval", &example("checkout.vx"), "--flag", "new_checkout", "--context", STAFF, "--now", NOW]);
    assert_eq!(output.status.code(), Some(0));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    let d = &lines[0];
    assert_eq!(d["value"], Value::Bool(true));
    assert_eq!(d["reason"], "TARGETING_MATCH");
    assert_eq!(d["rule"], "staff_first");
    assert_eq!(d["now"], "2026-11-21T10:00:00.000Z");
    // Field order is part of the contract.
    let text = String::from_utf8(output.stdout).unwrap();
    let order: Vec<usize> =
        ["\"flag\"", "\"value\"", "\"variant\"", "\"reason\"", "\"rule\"", "\"ruleset_version\"", "\"now\""]
            .iter()
            .map(|k| text.find(k).unwrap())
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn context_can_come_from_a_file() {
    let arg = format!("@{}", tempfile_with(STAFF).display());
    let output = vexil(&["eval", &example("checkout.vx"), "--flag", "new_checkout", "--context", &arg, "--now", NOW]);
    assert_eq!(json_lines(&output)[0]["rule"], "staff_first");
}

#[test]
fn unknown_flags_and_bad_contexts_are_decisions_not_crashes() {
    let output = vexil(&["eval", &example("checkout.vx"), "--flag", "nope", "--now", NOW]);
    assert_eq!(output.status.code(), Some(0));
    let d = &json_lines(&output)[0];
    assert_eq!((d["reason"].as_str(), d["error_code"].as_str()), (Some("ERROR"), Some("FLAG_NOT_FOUND")));
    assert!(d.get("value").is_none() && d.get("variant").is_none());

    let output = vexil(&["eval", &example("checkout.vx"), "--flag", "new_checkout", "--context", "[1,2", "--now", NOW]);
    let d = &json_lines(&output)[0];
    assert_eq!(d["error_code"], "INVALID_CONTEXT");
    assert_eq!(d["value"], Value::Bool(false), "the flag's on_error value");

    let output = vexil(&["eval", &example("checkout.vx"), "--all", "--context", "\"text\"", "--now", NOW]);
    let set = &json_lines(&output)[0];
    assert!(set["decisions"].as_array().unwrap().iter().all(|d| d["error_code"] == "INVALID_CONTEXT"));
}

#[test]
fn all_flags_in_source_order() {
    let output = vexil(&["eval", &example("ops.vx"), "--all", "--context", r#"{"user":{"id":"u"}}"#, "--now", NOW]);
    let set = &json_lines(&output)[0];
    let keys: Vec<&str> = set["decisions"].as_array().unwrap().iter().map(|d| d["flag"].as_str().unwrap()).collect();
    assert_eq!(keys, ["payments_enabled", "search_v2", "recommendations", "one_click_buy", "rate_limit_per_minute"]);
    assert_eq!(set["decisions"][1]["reason"], "DISABLED");
    assert_eq!(set["decisions"][2]["reason"], "PREREQUISITE_FAILED");
    assert_eq!(set["decisions"][2]["prerequisite"], "search_v2");
    assert_eq!(set["ruleset_version"], set["decisions"][0]["ruleset_version"]);
}

#[test]
fn requests_give_one_line_per_line_even_for_garbage() {
    let requests = [
        r#"{"flag":"new_checkout","context":{"user":{"id":"u","email":"a@acme.com"}},"now":"2026-01-01T00:00:00+01:00"}"#,
        "this is not json",
        r#"{"context":{}}"#,
        r#"{"flag":"new_checkout","now":"yesterday"}"#,
        r#"{"flag":"express_pay_limit","context":{"user":{"email":"x@y.z","country":"FR"}}}"#,
    ];
    let file = tempfile_with(&requests.join("\n"));
    let output = vexil(&["eval", &example("checkout.vx"), "--requests", &file.display().to_string(), "--now", NOW]);
    assert_eq!(output.status.code(), Some(0));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["now"], "2025-12-31T23:00:00.000Z");
    assert_eq!(lines[0]["value"], Value::Bool(true));
    for bad in &lines[1..4] {
        assert_eq!(bad["error_code"], "PARSE_ERROR", "{bad}");
        assert!(bad.get("value").is_none());
    }
    assert_eq!(lines[3]["flag"], "new_checkout");
    assert_eq!(lines[4]["value"], 250);
    assert_eq!(lines[4]["now"], "2026-11-21T10:00:00.000Z");
}

#[test]
fn explain_shows_conditions_and_the_split_bucket() {
    let context = r#"{"user":{"id":"u-42","email":"ada@example.com","country":"DE","beta":false},"client":{"platform":"ios","version":"4.3.1"}}"#;
    let base =
        ["eval", &example("checkout.vx"), "--flag", "new_checkout", "--context", context, "--now", NOW, "--explain"];
    let text = String::from_utf8(vexil(&base).stdout).unwrap();
    assert!(text.contains("✓ rule eu_canary"), "{text}");
    assert!(text.contains("user.country  → \"DE\""), "{text}");
    assert!(text.contains("bucket "), "{text}");

    let mut json_args = base.to_vec();
    json_args.extend(["--format", "json"]);
    let explanation = &json_lines(&vexil(&json_args))[0];
    let rules = explanation["rules"].as_array().unwrap();
    assert_eq!(rules.iter().map(|r| r["matched"].as_bool().unwrap()).collect::<Vec<_>>(), [false, false, true]);
    let split = &rules[2]["split"];
    assert_eq!(split["unit"], "u-42");
    assert_eq!(split["total"], 10000);
    assert!(split["bucket"].as_u64().unwrap() < 10000);
    assert_eq!(explanation["decision"]["reason"], "SPLIT");
}

#[test]
fn a_broken_ruleset_exits_1_with_diagnostics() {
    let dir = std::env::temp_dir().join(format!("vexil-eval-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.vx");
    std::fs::write(&path, "flag f: bool { default maybe }").unwrap();
    let output = vexil(&["eval", &path.display().to_string(), "--flag", "f"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stderr).unwrap().contains("E0204"));
    assert!(output.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(vexil(&["eval", &example("checkout.vx")]).status.code(), Some(2), "needs --flag, --all or --requests");
    assert_eq!(vexil(&["eval", "missing.vx", "--all"]).status.code(), Some(2));
    assert_eq!(vexil(&["eval", &example("checkout.vx"), "--all", "--now", "noon"]).status.code(), Some(2));
}

/// Writes `content` to a fresh file in the temp dir and returns its path.
fn tempfile_with(content: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("vexil-eval-{}-{n}.txt", std::process::id()));
    std::fs::write(&path, content).unwrap();
    path
}
