//! `FlagInfo::fingerprint`: what followers compare to say which flags a new
//! version changed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vexil::CheckOptions;

fn fingerprints(source: &str) -> Vec<(String, String)> {
    let ruleset = vexil::compile(source, &CheckOptions::default()).unwrap();
    ruleset.flags().iter().map(|f| (f.key.clone(), f.fingerprint.clone())).collect()
}

const BASE: &str = r#"
context { user.country: string }
segment eu = user.country in ["DE", "FR"]
flag a: bool { owner "t" default false rule r: when eu => true }
flag b: int { owner "t" default 1 }
"#;

#[test]
fn one_flag_edited_changes_its_fingerprint_only() {
    let before = fingerprints(BASE);
    let after = fingerprints(&BASE.replace("default 1", "default 2"));
    assert_eq!(before[0], after[0]);
    assert_ne!(before[1], after[1]);
    assert_eq!(before[1].1.len(), 16);
}

#[test]
fn reformatting_changes_nothing_and_shared_edits_change_everything() {
    let before = fingerprints(BASE);
    let reformatted =
        BASE.replace("flag b: int { owner \"t\" default 1 }", "flag b: int {\n    owner \"t\"\n    default 1\n}");
    assert_eq!(before, fingerprints(&reformatted));
    let segment_edited = fingerprints(&BASE.replace("\"FR\"]", "\"FR\", \"NL\"]"));
    assert_ne!(before[0].1, segment_edited[0].1);
    assert_ne!(before[1].1, segment_edited[1].1, "conservative: whatever flags share changed");
}

#[test]
fn a_prerequisite_edit_reaches_the_flags_that_require_it_and_literal_spaces_count() {
    let source = r#"
flag gate: bool { owner "t" default true }
flag child: string { owner "t" default "a  b" requires gate == true }
flag other: int { owner "t" default 1 }
"#;
    let before = fingerprints(source);
    let gate_edited = fingerprints(&source.replace("default true", "default false"));
    assert_ne!(before[0].1, gate_edited[0].1);
    assert_ne!(before[1].1, gate_edited[1].1, "child requires gate");
    assert_eq!(before[2].1, gate_edited[2].1);
    let literal_edited = fingerprints(&source.replace("\"a  b\"", "\"a b\""));
    assert_ne!(before[1].1, literal_edited[1].1, "spaces inside a string literal are meaning");
}
