//! Runs the built `vexil` binary on fixture files: exit codes, JSON shape,
//! human output.

// Helpers outside #[test] fns are test code too (clippy.toml only covers the fns).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/check").join(name)
}

fn vexil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).output().unwrap()
}

fn check(extra: &[&str], files: &[&str]) -> Output {
    let paths: Vec<String> = files.iter().map(|f| fixture(f).display().to_string()).collect();
    let mut args = vec!["check", "--today", "2026-06-01"];
    args.extend_from_slice(extra);
    args.extend(paths.iter().map(String::as_str));
    vexil(&args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

const CLEAN: &str = "ok_tour.vx";
const BROKEN: &str = "E0003_regex_in_plain_string.vx";

#[test]
fn clean_file_exits_0() {
    let output = check(&[], &[CLEAN, "ok_kill_switch.vx"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "ok: 2 files checked\n");
    assert_eq!(stdout(&output), "");
}

#[test]
fn errors_exit_1_and_render_code_position_and_help() {
    let output = check(&[], &[BROKEN]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[E0003]: unknown escape `\\d`"), "{text}");
    assert!(text.contains("E0003_regex_in_plain_string.vx:9:40"), "{text}");
    assert!(text.contains("rule numeric: when user.id matches \"^\\d+$\" => true"), "{text}");
    assert!(text.contains("= help: valid escapes are"), "{text}");
    assert!(text.ends_with("vexil: 1 error, 0 warnings in 1 file\n"), "{text}");
    // Piped: no colour escapes.
    assert!(!text.contains('\u{1b}'), "{text}");
    assert_eq!(stdout(&output), "");
}

#[test]
fn one_broken_file_among_clean_ones_exits_1() {
    let output = check(&[], &[CLEAN, BROKEN]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).ends_with("vexil: 1 error, 0 warnings in 2 files\n"));
}

#[test]
fn json_is_one_object_with_every_diagnostic() {
    let output = check(&["--format", "json"], &[CLEAN, BROKEN, "E0006_percent_three_decimals.vx"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    let object = json.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["diagnostics"]);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 4, "{text}");

    let first = &diagnostics[0];
    assert!(first["file"].as_str().unwrap().ends_with(BROKEN), "{first}");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "E0003");
    assert_eq!(first["message"], "unknown escape `\\d`");
    assert_eq!(first["line"], 9);
    assert_eq!(first["column"], 40);
    let (start, end) = (first["start"].as_u64().unwrap(), first["end"].as_u64().unwrap());
    let source = std::fs::read_to_string(fixture(BROKEN)).unwrap();
    assert_eq!(&source[start as usize..end as usize], "\\d");
    assert!(first["help"].as_str().unwrap().contains("raw string"));

    for d in &diagnostics[1..] {
        assert!(d["file"].as_str().unwrap().ends_with("E0006_percent_three_decimals.vx"));
        assert_eq!(d["code"], "E0006");
        assert_eq!(d["line"], 11);
    }
    // Field order is the boundary type's.
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "column", "end", "file", "help", "line", "message", "severity", "start"]);
    assert!(text.starts_with("{\"diagnostics\":[{\"file\":"), "{text}");
}

#[test]
fn json_without_diagnostics_is_an_empty_list() {
    let output = check(&["--format", "json"], &[CLEAN]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "{\"diagnostics\":[]}\n");
    assert_eq!(stderr(&output), "");
}

#[test]
fn missing_file_exits_2() {
    let output = check(&[], &[CLEAN, "does_not_exist.vx"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read"), "{}", stderr(&output));
    assert!(stderr(&output).contains("does_not_exist.vx"));
    // Nothing is checked, nothing on stdout even in JSON mode.
    let output = check(&["--format", "json"], &["does_not_exist.vx"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
}

#[test]
fn usage_errors_exit_2() {
    let clean = fixture(CLEAN).display().to_string();
    for args in [
        vec!["check", "--today", "2026-13-01", &clean],
        vec!["check", "--today", "tomorrow", &clean],
        vec!["check", "--format", "xml", &clean],
        vec!["check", "--no-such-flag", &clean],
        vec!["check"],
        vec!["no-such-command"],
        vec![],
    ] {
        let output = vexil(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), "", "{args:?}");
    }
}

#[test]
fn help_exits_0() {
    let output = vexil(&["check", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("--today <YYYY-MM-DD>"));
}

#[test]
fn today_defaults_to_the_current_date() {
    // Without --today the check compares `expires` with the clock's date: a
    // flag that expired two days ago warns, one that expires in two days
    // does not (two days of margin, so a run across midnight cannot flake).
    let day = |offset: i64| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
        let millis = i64::try_from(now).unwrap() + offset * vexil::Timestamp::MS_PER_DAY;
        vexil::Timestamp::from_millis(millis).unwrap().to_iso_string()[..10].to_owned()
    };
    let source = format!(
        "flag past: bool {{ owner \"x\" expires {} default false }}\nflag future: bool {{ owner \"x\" expires {} default false }}\n",
        day(-2),
        day(2)
    );
    let path = std::env::temp_dir().join(format!("vexil-today-{}.vx", std::process::id()));
    std::fs::write(&path, source).unwrap();
    let output = vexil(&["check", "--format", "json", &path.display().to_string()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<(&str, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(codes, vec![("W0002", 1)], "{report}");
}

#[test]
fn warnings_alone_exit_0() {
    let output = check(&[], &["W0003_missing_owner.vx", "W0002_expired_flag.vx"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).lines().last().unwrap().starts_with("ok: 2 files checked"), "{}", stderr(&output));
}
