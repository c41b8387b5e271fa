#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil diff`: meaning, not text. Expected changes (and the exact share of
//! split units that move) are worked out by hand from the rulesets below.

use std::path::Path;
use std::process::{Command, Output};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

const OLD: &str = r#"// The rules as reviewed last week.
context { user.id: string  user.country: string  user.age: int? }
segment eu = user.country in ["DE", "FR"]
segment eu_adults = eu and (user.age ?? 0) >= 18
flag banner: string { owner "t" default "hello" rule adults: when eu_adults => "hallo" rule rest: when true => "hi" }
flag rollout: bool { owner "t" default false rule eu: when eu => split by user.id { true: 10%, false: 90% } }
flag old_flag: bool { owner "t" default true }
flag limits: int { owner "t" default 5 on_error 1 requires rollout == true rule a: when user.id == "a" => 10 rule b: when user.id == "b" => 20 }
"#;

// The same meaning, written differently: comments, spacing, one line.
const REFORMATTED: &str = "context { user.id: string user.country: string user.age: int? }\n\
segment eu = user.country in [\"DE\",\"FR\"]\n\
segment eu_adults = eu and (user.age ?? 0) >= 18\n\
flag banner: string { owner \"t\" default \"hello\"\n  rule adults: when eu_adults => \"hallo\"\n  rule rest: when true => \"hi\" }\n\
flag rollout: bool { owner \"t\" default false rule eu: when eu => split by user.id { true: 10%, false: 90% } }\n\
flag old_flag: bool { owner \"t\" default true }\n\
flag limits: int { owner \"t\" default 5 on_error 1 requires rollout == true rule a: when user.id == \"a\" => 10 rule b: when user.id == \"b\" => 20 }\n";

const NEW: &str = r#"context { user.id: string  user.country: string  user.age: int  user.plan: string? }
segment eu = user.country in ["DE", "FR", "IT"]
segment eu_adults = eu and user.age >= 18
flag banner: string { owner "t" default "hello" rule adults: when eu_adults => "hallo" rule rest: when true => "hi" }
flag rollout: bool { owner "t" default false rule eu: when eu => split by user.id { true: 25%, false: 75% } }
flag limits: int { owner "t" state off default 6 on_error 1 requires rollout == false rule b: when user.id == "b" => 20 rule a: when user.id == "a" => 10 }
flag new_flag: bool { owner "t" default true }
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("old.vx", OLD), ("same.vx", REFORMATTED), ("new.vx", NEW)] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn reformatting_alone_is_no_change() {
    let dir = setup();
    let out = vexil(&["diff", "old.vx", "same.vx", "--exit-code"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no change in meaning\n");
    let json = vexil(&["diff", "old.vx", "same.vx", "--format", "json"], dir.path());
    let diff: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(diff, serde_json::json!({"context": [], "enums": [], "segments": [], "flags": []}));
}

#[test]
fn every_kind_of_change_is_named() {
    let dir = setup();
    let out = vexil(&["diff", "old.vx", "new.vx", "--format", "json", "--exit-code"], dir.path());
    assert_eq!(out.status.code(), Some(1), "differences with --exit-code");
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // Context: user.age became required (breaks callers), user.plan added as optional (does not).
    assert_eq!(
        diff["context"],
        serde_json::json!([
            {"path": "user.age", "change": "optional → required", "old": "int?", "new": "int", "breaks_callers": true},
            {"path": "user.plan", "change": "added", "new": "string?", "breaks_callers": false}
        ])
    );
    // Segments: eu gained IT (and reaches banner through eu_adults, rollout directly);
    // eu_adults lost its `?? 0` (user.age is required now): a change in meaning too.
    let segments = diff["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0]["name"], "eu");
    assert_eq!(segments[0]["old"], r#"user.country in ["DE", "FR"]"#);
    assert_eq!(segments[0]["new"], r#"user.country in ["DE", "FR", "IT"]"#);
    assert_eq!(segments[0]["reaches"], serde_json::json!(["banner", "rollout"]));
    assert_eq!(segments[1]["name"], "eu_adults");
    assert_eq!(segments[1]["reaches"], serde_json::json!(["banner"]));

    let flag = |key: &str| diff["flags"].as_array().unwrap().iter().find(|f| f["flag"] == key).unwrap().clone();
    // banner's own text did not change: it is not listed (its segments are).
    assert!(diff["flags"].as_array().unwrap().iter().all(|f| f["flag"] != "banner"));
    assert_eq!(flag("old_flag")["change"], "removed");
    assert_eq!(flag("new_flag")["change"], "added");

    // rollout: 10% → 25%, salt and unit unchanged: the hashes of [10%, 25%) move.
    // true owns [0, ⌈1000·2³²/10000⌉) before and [0, ⌈2500·2³²/10000⌉) after.
    let rollout = flag("rollout");
    let split = &rollout["splits"][0];
    assert_eq!(split["rehashed"], false);
    let moved = (2500u64 << 32).div_ceil(10000) - (1000u64 << 32).div_ceil(10000);
    assert_eq!(split["moved_hashes"], moved);
    assert!((split["moved_fraction"].as_f64().unwrap() - 0.15).abs() < 1e-9);

    // limits: state, default and requires changed; its two rules swapped. Its
    // `off` is not written, so it is the default (LANGUAGE.md §5, "off …
    // default: the `default` value"): it changed with it.
    let limits = flag("limits");
    let clauses: Vec<(String, String, String)> = limits["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["name"].as_str().unwrap().into(), c["old"].as_str().unwrap().into(), c["new"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(
        clauses,
        [
            ("state".into(), "on".into(), "off".into()),
            ("default".into(), "5".into(), "6".into()),
            ("off".into(), "5".into(), "6".into()),
            ("requires".into(), "rollout == true".into(), "rollout == false".into())
        ]
    );
    assert_eq!(limits["reordered"], serde_json::json!([["a", "b"], ["b", "a"]]));
    assert_eq!(limits["rules"], serde_json::json!([]), "the rules themselves did not change");
}

#[test]
fn human_output_and_broken_input() {
    let dir = setup();
    let out = vexil(&["diff", "old.vx", "new.vx"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("context user.age: optional → required: int?  →  int  [breaks callers]"), "{shown}");
    assert!(shown.contains("context user.plan: added (string?)\n"), "{shown}");
    assert!(shown.contains("    reaches flags: banner, rollout"), "{shown}");
    assert!(shown.contains("    split of rule eu: 15.0000% of units change value"), "{shown}");
    assert!(shown.contains("    rules reordered: a, b  →  b, a"), "{shown}");
    assert!(shown.contains("flag old_flag: removed"), "{shown}");
    std::fs::write(dir.path().join("broken.vx"), "flag f: bool { owner \"t\" default nope }").unwrap();
    let broken = vexil(&["diff", "old.vx", "broken.vx"], dir.path());
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("error"));
    assert_eq!(vexil(&["diff", "old.vx", "missing.vx"], dir.path()).status.code(), Some(2));
}
