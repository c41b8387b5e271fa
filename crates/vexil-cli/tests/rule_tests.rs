#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil test`: rule tests in TOML beside rulesets. The examples' own test
//! files (examples/*.test.toml, expectations worked out by hand) must pass;
//! a failing expectation shows expected vs got and the explanation; JSON and
//! JUnit outputs carry the same results; broken test files are reported, not
//! run.

use std::path::Path;
use std::process::{Command, Output};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const RULES: &str = r#"context { user.age: int  user.plan: string }
flag adult: bool { owner "t" default false rule grown: when user.age >= 18 => true }
flag limit: int { owner "t" default 10 on_error 1 rule pro: when user.plan == "pro" => 100 }
"#;

const TESTS: &str = r#"
now = 2026-06-01T12:00:00Z

[[case]]
name = "grown-ups on pro"
context = { user = { age = 30, plan = "pro" } }
expect.adult = true
expect.limit = { value = 100, reason = "TARGETING_MATCH", rule = "pro" }

[[case]]
name = "a wrong expectation"
context = { user = { age = 12, plan = "free" } }
expect.adult = { value = true, rule = "grown" }

[[case]]
name = "exact JSON"
context_json = '{"user":{"age":18.5,"plan":"pro"}}'
expect.adult = { value = false, error = "INVALID_CONTEXT" }
expect.limit = 100
"#;

#[test]
fn the_examples_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = vexil(&["test", "examples", "--format", "json"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "examples/checkout.test.toml",
            "examples/migration.test.toml",
            "examples/ops.test.toml",
            "examples/policy.test.toml",
            "examples/tour.test.toml"
        ],
        "every example ruleset has its tests"
    );
    assert_eq!(report["failed"], 0);
    assert!(report["passed"].as_u64().unwrap() >= 50);
}

#[test]
fn a_failure_shows_expected_got_and_why_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("shop.vx"), RULES).unwrap();
    std::fs::write(path.join("shop.test.toml"), TESTS).unwrap();
    let out = vexil(&["test", "shop.vx", "--junit", "junit.xml"], path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let shown = text(&out.stdout);
    // 5 expectations: 4 hold, "a wrong expectation" does not.
    assert!(shown.contains("shop.test.toml (shop.vx "), "{shown}");
    assert!(shown.contains(": 4 passed, 1 failed"), "{shown}");
    assert!(shown.contains("FAIL a wrong expectation › adult"), "{shown}");
    assert!(shown.contains("rule: expected \"grown\", got none"), "{shown}");
    assert!(shown.contains("value: expected true, got false"), "{shown}");
    assert!(shown.contains("decided: false (DEFAULT)"), "{shown}");
    // The explanation names the rule tried and its condition.
    assert!(shown.contains("why:") && shown.contains("grown") && shown.contains("user.age >= 18"), "{shown}");
    assert!(shown.ends_with("4 passed, 1 failed\n"), "{shown}");

    let junit = std::fs::read_to_string(path.join("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"vexil\" tests=\"5\" failures=\"1\" errors=\"0\">"), "{junit}");
    assert!(junit.contains("<testcase classname=\"shop.test.toml\" name=\"grown-ups on pro › adult\"/>"), "{junit}");
    assert!(junit.contains("name=\"a wrong expectation › adult\"><failure message=\"rule: expected &quot;grown&quot;, got none; value: expected true, got false\">"), "{junit}");

    let json = vexil(&["test", "shop.test.toml", "--format", "json"], path);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((report["passed"].clone(), report["failed"].clone()), (4.into(), 1.into()));
    let failed: Vec<&serde_json::Value> =
        report["files"][0]["results"].as_array().unwrap().iter().filter(|r| r["passed"] == false).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["got"]["reason"], "DEFAULT");
    assert_eq!(failed[0]["expected"], serde_json::json!({"value": true, "rule": "grown"}));
    assert!(failed[0]["explanation"]["rules"].is_array());
}

#[test]
fn broken_test_files_are_reported_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("shop.vx"), RULES).unwrap();
    let cases = [
        ("syntax.test.toml", "now = \n", "not a test file"),
        (
            "unknown.test.toml",
            "ruleset = \"shop.vx\"\nnow = 2026-01-01T00:00:00Z\nwhen = 1\n[[case]]\nexpect.adult = true\n",
            "unknown key `when`",
        ),
        ("no_now.test.toml", "ruleset = \"shop.vx\"\n[[case]]\nname = \"c\"\nexpect.adult = true\n", "no `now`"),
        (
            "no_expect.test.toml",
            "ruleset = \"shop.vx\"\nnow = 2026-01-01T00:00:00Z\n[[case]]\nname = \"c\"\n",
            "no `expect`",
        ),
        (
            "bad_field.test.toml",
            "ruleset = \"shop.vx\"\nnow = 2026-01-01T00:00:00Z\n[[case]]\nname = \"c\"\nexpect.adult = { valeu = true }\n",
            "unknown key `valeu`",
        ),
        ("missing.test.toml", "now = 2026-01-01T00:00:00Z\n[[case]]\nexpect.adult = true\n", "missing.vx"),
    ];
    for (file, content, _) in &cases {
        std::fs::write(path.join(file), content).unwrap();
    }
    let out = vexil(&["test", "."], path);
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    for (file, _, problem) in &cases {
        let line = shown.lines().find(|l| l.contains(file)).unwrap_or_else(|| panic!("{file} not reported:\n{shown}"));
        assert!(line.contains("ERROR") && line.contains(problem), "{file}: {line}");
    }
    // Usage errors: nothing to run.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(vexil(&["test"], empty.path()).status.code(), Some(2));
    assert_eq!(vexil(&["test", "nope.vx"], empty.path()).status.code(), Some(2));
}
