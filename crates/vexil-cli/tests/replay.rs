#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil replay`: recorded contexts through an old and a new ruleset. The
//! expected counts are worked out by hand from the rules and the contexts
//! below, not taken from the command.

use std::path::Path;
use std::process::{Command, Output};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const OLD: &str = r#"context { user.age: int  user.plan: string }
flag adult: bool { owner "t" default false rule grown: when user.age >= 18 => true }
flag plan_limit: int { owner "t" default 10 rule pro: when user.plan == "pro" => 100 }
"#;

// `adult` moves its threshold from 18 to 21; `plan_limit` is only reformatted;
// `fresh` is new.
const NEW: &str = r#"context { user.age: int  user.plan: string }
flag adult: bool { owner "t" default false rule grown: when user.age >= 21 => true }
flag plan_limit: int {
  owner "t"
  default 10
  rule pro: when user.plan == "pro" => 100
}
flag fresh: int { owner "t" default 1 }
"#;

// Ages 10, 18, 19, 20, 21, 30; a blank line (skipped); a line that is not JSON.
const CONTEXTS: &str = r#"{"user":{"age":10,"plan":"free"}}
{"user":{"age":18,"plan":"pro"}}
{"user":{"age":19,"plan":"free"}}

{"user":{"age":20,"plan":"pro"}}
{"user":{"age":21,"plan":"free"}}
{"user":{"age":30,"plan":"pro"}}
not json
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.vx"), OLD).unwrap();
    std::fs::write(dir.path().join("new.vx"), NEW).unwrap();
    std::fs::write(dir.path().join("contexts.jsonl"), CONTEXTS).unwrap();
    dir
}

const NOW: &str = "2026-06-01T12:00:00Z";

#[test]
fn replay_counts_what_changes_per_flag_and_names_the_rule_transition() {
    let dir = setup();
    let path = dir.path();
    let out =
        vexil(&["replay", "old.vx", "new.vx", "--contexts", "contexts.jsonl", "--now", NOW, "--format", "json"], path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 7 contexts (the blank line is not one), 3 flags each.
    assert_eq!(report["contexts"], 7);
    assert_eq!(report["unreadable_contexts"], 1);
    assert_eq!(report["decisions"], 21);
    assert_eq!(report["now"], "2026-06-01T12:00:00.000Z");
    let flag = |name: &str| report["flags"].as_array().unwrap().iter().find(|f| f["flag"] == name).unwrap().clone();

    // adult: ages 18, 19 and 20 were grown-ups and are not any more.
    let adult = flag("adult");
    assert_eq!((adult["decisions"].clone(), adult["changed"].clone()), (7.into(), 3.into()));
    assert_eq!(
        (adult["value_changed"].clone(), adult["variant_changed"].clone(), adult["reason_changed"].clone()),
        (3.into(), 3.into(), 3.into())
    );
    let transitions = adult["transitions"].as_array().unwrap();
    assert_eq!(transitions.len(), 1);
    assert_eq!(
        transitions[0]["from"],
        serde_json::json!({"variant": "true", "reason": "TARGETING_MATCH", "rule": "grown"})
    );
    assert_eq!(transitions[0]["to"], serde_json::json!({"variant": "false", "reason": "DEFAULT"}));
    assert_eq!(transitions[0]["count"], 3);
    let lines: Vec<u64> = adult["examples"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 5], "the first three changed contexts, by line (line 4 is blank)");
    assert_eq!(adult["examples"][0]["context"], r#"{"user":{"age":18,"plan":"pro"}}"#);

    // plan_limit: reformatted only — the same decision everywhere, the unreadable line included.
    let plan = flag("plan_limit");
    assert_eq!((plan["changed"].clone(), plan["present"].clone()), (0.into(), "both".into()));

    // fresh: absent before (FLAG_NOT_FOUND), so every context changes.
    let fresh = flag("fresh");
    assert_eq!((fresh["present"].clone(), fresh["changed"].clone()), ("new only".into(), 7.into()));
    assert_eq!(report["changed"], 10);
}

#[test]
fn human_output_flags_and_fail_on_change() {
    let dir = setup();
    let path = dir.path();
    let out =
        vexil(&["replay", "old.vx", "new.vx", "--contexts", "contexts.jsonl", "--now", NOW, "--flags", "adult"], path);
    assert_eq!(out.status.code(), Some(0));
    let shown = text(&out.stdout);
    assert!(shown.contains("7 decisions, 3 changed (42.86%)"), "{shown}");
    assert!(shown.contains("adult: 3 of 7 decisions change (42.86%): value 3, variant 3, reason 3"), "{shown}");
    assert!(shown.contains("true (TARGETING_MATCH, rule grown) → false (DEFAULT): 3"), "{shown}");
    assert!(shown.contains(r#"e.g. line 2: {"user":{"age":18,"plan":"pro"}}"#), "{shown}");
    assert!(!shown.contains("plan_limit"), "{shown}");

    // CI: a change fails the run; no change passes.
    let failing = vexil(
        &[
            "replay",
            "old.vx",
            "new.vx",
            "--contexts",
            "contexts.jsonl",
            "--now",
            NOW,
            "--flags",
            "adult",
            "--fail-on-change",
        ],
        path,
    );
    assert_eq!(failing.status.code(), Some(1));
    let steady = vexil(
        &[
            "replay",
            "old.vx",
            "new.vx",
            "--contexts",
            "contexts.jsonl",
            "--now",
            NOW,
            "--flags",
            "plan_limit",
            "--fail-on-change",
        ],
        path,
    );
    assert_eq!(steady.status.code(), Some(0), "{}", text(&steady.stdout));
    assert!(text(&steady.stdout).contains("plan_limit: no change"));

    // Contexts from standard input.
    let piped = Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(["replay", "old.vx", "new.vx", "--contexts", "-", "--now", NOW, "--flags", "adult", "--format", "json"])
        .current_dir(path)
        .stdin(std::fs::File::open(path.join("contexts.jsonl")).unwrap())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(report["changed"], 3);
}

#[test]
fn usage_errors_and_broken_rulesets() {
    let dir = setup();
    let path = dir.path();
    let unknown = vexil(&["replay", "old.vx", "new.vx", "--contexts", "contexts.jsonl", "--flags", "nope"], path);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("no flag named `nope`"));
    let missing = vexil(&["replay", "old.vx", "new.vx", "--contexts", "missing.jsonl"], path);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::write(path.join("broken.vx"), "flag f: bool { owner \"t\" default nope }").unwrap();
    let broken = vexil(&["replay", "old.vx", "broken.vx", "--contexts", "contexts.jsonl"], path);
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stderr).contains("error"), "{}", text(&broken.stderr));
}

#[test]
fn a_changed_context_schema_decodes_each_side_with_its_own() {
    let dir = setup();
    let path = dir.path();
    // The new ruleset reads an attribute the old one did not declare.
    let next = "context { user.age: int  user.plan: string  user.country: string? }\n\
                flag adult: bool { owner \"t\" default false rule grown: when user.age >= 18 => true }\n\
                flag plan_limit: int { owner \"t\" default 10 rule pro: when user.plan == \"pro\" => 100 rule de: when (user.country ?? \"\") == \"DE\" => 50 }\n";
    std::fs::write(path.join("next.vx"), next).unwrap();
    std::fs::write(
        path.join("de.jsonl"),
        "{\"user\":{\"age\":30,\"plan\":\"free\",\"country\":\"DE\"}}\n{\"user\":{\"age\":30,\"plan\":\"free\"}}\n",
    )
    .unwrap();
    let out = vexil(
        &[
            "replay",
            "old.vx",
            "next.vx",
            "--contexts",
            "de.jsonl",
            "--now",
            NOW,
            "--format",
            "json",
            "--flags",
            "plan_limit",
        ],
        path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Only the German context changes: 10 (DEFAULT) → 50 (rule de).
    assert_eq!(report["changed"], 1, "{report}");
    let transition = &report["flags"][0]["transitions"][0];
    assert_eq!(transition["from"], serde_json::json!({"variant": "10", "reason": "DEFAULT"}));
    assert_eq!(transition["to"], serde_json::json!({"variant": "50", "reason": "TARGETING_MATCH", "rule": "de"}));
}

#[test]
fn an_enum_declared_before_the_context_enum_changes_nothing() {
    // Found by review: the same context, but a new enum declared first moves
    // `Plan` to another position; decided right, nothing changes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let flag = "context { user.plan: Plan }\nflag gold: bool { owner \"t\" default false rule g: when user.plan == gold => true }\n";
    std::fs::write(path.join("a.vx"), format!("enum Plan {{ free, pro, gold }}\n{flag}")).unwrap();
    std::fs::write(path.join("b.vx"), format!("enum Color {{ red }}\nenum Plan {{ free, pro, gold }}\n{flag}"))
        .unwrap();
    std::fs::write(path.join("c.jsonl"), "{\"user\":{\"plan\":\"gold\"}}\n{\"user\":{\"plan\":\"free\"}}\n").unwrap();
    let out = vexil(&["replay", "a.vx", "b.vx", "--contexts", "c.jsonl", "--now", NOW, "--format", "json"], path);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changed"], 0, "{report}");
}
