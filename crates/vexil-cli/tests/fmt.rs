#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil fmt`: rewriting in place, `--check` with its diff and exit code,
//! directories, standard input, JSON, and files it must not touch. The
//! expected layouts are written by hand from the layout rules in the README.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

const MESSY: &str = "// Limits.\ncontext{user.plan:string // the plan's name\n}\nflag limit:int{default 5\n  rule pro:when user.plan==\"pro\"=>50}\n";
const TIDY: &str = "// Limits.\ncontext {\n  user.plan: string // the plan's name\n}\n\nflag limit: int {\n  default 5\n  rule pro: when user.plan == \"pro\" => 50\n}\n";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("messy.vx"), MESSY).unwrap();
    std::fs::write(dir.path().join("sub/tidy.vx"), TIDY).unwrap();
    std::fs::write(dir.path().join("sub/notes.txt"), "not a ruleset").unwrap();
    dir
}

#[test]
fn rewrites_in_place_and_then_has_nothing_to_do() {
    let dir = setup();
    let out = vexil(&["fmt", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "reformatted ./messy.vx\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "1 file(s) reformatted, 1 already formatted\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.vx")).unwrap(), TIDY);
    assert_eq!(std::fs::read_to_string(dir.path().join("sub/notes.txt")).unwrap(), "not a ruleset");
    let again = vexil(&["fmt", "messy.vx", "sub"], dir.path());
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
    // No temporary file is left behind.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
}

#[test]
fn check_prints_a_diff_changes_nothing_and_exits_1() {
    let dir = setup();
    let out = vexil(&["fmt", "--check", "messy.vx", "sub/tidy.vx"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("--- messy.vx\n+++ messy.vx (formatted)\n@@ "), "{stdout}");
    assert!(stdout.contains("\n-context{user.plan:string // the plan's name\n"), "{stdout}");
    assert!(stdout.contains("\n+  rule pro: when user.plan == \"pro\" => 50\n"), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "1 file(s) would be reformatted, 1 already formatted\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.vx")).unwrap(), MESSY);
    let tidy = vexil(&["fmt", "--check", "sub/tidy.vx"], dir.path());
    assert_eq!(tidy.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&tidy.stdout), "");
}

#[test]
fn json_reports_each_file() {
    let dir = setup();
    std::fs::write(dir.path().join("broken.vx"), "flag f: bool { default }\n").unwrap();
    let out = vexil(&["fmt", "--check", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("./broken.vx", "error"), ("./messy.vx", "unformatted"), ("./sub/tidy.vx", "formatted")]);
    assert_eq!(report["files"][0]["diagnostics"][0]["code"], "E0001");
    assert!(report["files"][1]["diff"].as_str().unwrap().contains("+flag limit: int {\n"));
    assert_eq!(
        (report["formatted"].as_u64(), report["unformatted"].as_u64(), report["errors"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
}

#[test]
fn a_file_with_syntax_errors_is_shown_and_never_rewritten() {
    let dir = setup();
    let broken = "flag f: bool {  default  }\n";
    std::fs::write(dir.path().join("broken.vx"), broken).unwrap();
    let out = vexil(&["fmt", "broken.vx", "messy.vx"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[E0001]"), "{stderr}");
    assert!(
        stderr.contains("1 file(s) reformatted, 0 already formatted, 1 with syntax errors (left unchanged)"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.vx")).unwrap(), broken);
    // The good file beside it is still formatted.
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.vx")).unwrap(), TIDY);
    let missing = vexil(&["fmt", "nowhere.vx"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn standard_input_to_standard_output() {
    let dir = setup();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(["fmt", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(MESSY.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), TIDY);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
