//! Hostile input costs no more than its size (issue 12): the command line's
//! reads are bounded while reading, diagnostics output is bounded per
//! diagnostic and in count, and one bad line of a batch costs one decision.
//! Assertions on behaviour and on output size, never on time.

// Helpers outside #[test] fns are test code too (clippy.toml only covers the fns).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn vexil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).output().unwrap()
}

/// A temporary file, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str, bytes: &[u8]) -> Temp {
        let path = std::env::temp_dir().join(format!("vexil-hostile-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const RULESET: &str =
    "context { user.id: string }\nflag f: bool { owner \"x\" default false rule when user.id == \"ada\" => true }\n";

/// 2,000 errors on one 15 KB line: rendered output stays proportional to the
/// diagnostics shown (at most 100, each with a window of its line), not to
/// errors × line length (which was 30 MB here, 365 MB for 60 KB); the JSON
/// form still lists every one.
#[test]
fn many_errors_on_one_long_line_render_in_bounded_output() {
    let names: Vec<String> = (0..2000).map(|i| format!("zz{i}")).collect();
    let source = format!("context {{ user.id: string }}\nsegment s = user.id in [{}]\n", names.join(", "));
    let file = Temp::new("long.vx", source.as_bytes());
    for command in [&["check", file.path()][..], &["eval", file.path(), "--all"][..]] {
        let output = vexil(command);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.len() < 64 * 1024, "{} bytes of diagnostics", stderr.len());
        // 100 rendered (the unused-segment warning among them in eval's sort), the rest counted.
        assert_eq!(stderr.matches("error[E").count() + stderr.matches("warning[W").count(), 100);
        assert!(stderr.contains(" more in "), "{}", &stderr[stderr.len().saturating_sub(300)..]);
        // A window keeps the real position: `zz90` (among the first 100) is far to the right.
        let column = source.lines().nth(1).unwrap().find("zz90,").unwrap() + 1;
        assert!(stderr.contains(&format!(":2:{column}\n")), "no diagnostic at 2:{column}");
    }
    let json = vexil(&["check", "--format", "json", file.path()]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let all = report["diagnostics"].as_array().unwrap();
    assert_eq!(all.iter().filter(|d| d["code"] == "E0101").count(), 2000);
}

/// A ruleset over the 16 MiB limit is E0400 after reading 16 MiB + 1 byte,
/// whatever its size (`/dev/zero` is endless), in check and eval alike.
#[test]
fn an_oversized_ruleset_is_e0400_after_reading_the_limit() {
    for command in [&["check", "/dev/zero"][..], &["eval", "/dev/zero", "--all"][..]] {
        let output = vexil(command);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("error[E0400]: the source is larger than the limit of 16777216 bytes"), "{stderr}");
    }
}

#[test]
fn a_ruleset_that_is_not_utf8_is_a_diagnostic_at_the_bad_byte() {
    let file = Temp::new("latin1.vx", b"flag f: bool { owner \"caf\xe9\" default true }\n");
    let output = vexil(&["check", "--format", "json", file.path()]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0001");
    assert_eq!(diagnostic["start"], 25);
    assert!(diagnostic["message"].as_str().unwrap().contains("not UTF-8"));
}

/// Every line of a batch gets its decision, whatever its bytes: a line that
/// is not UTF-8 or is longer than the limit is a PARSE_ERROR, and the batch
/// goes on (it used to stop with a wrong "cannot write output").
#[test]
fn every_batch_line_gets_a_decision() {
    let ruleset = Temp::new("batch.vx", RULESET.as_bytes());
    let mut lines = Vec::new();
    writeln!(lines, "{{\"flag\":\"f\",\"context\":{{\"user\":{{\"id\":\"ada\"}}}}}}").unwrap();
    lines.extend_from_slice(b"{\"flag\":\"f\",\"context\":{\"user\":{\"id\":\"\xff\"}}}\n");
    lines.extend(std::iter::repeat_n(b'x', vexil::limits::MAX_REQUEST_LINE_BYTES + 1));
    lines.extend_from_slice(b"\r\n\n{\"flag\":\"f\"}");
    let requests = Temp::new("batch.jsonl", &lines);
    let output = vexil(&["eval", ruleset.path(), "--requests", requests.path(), "--now", "2026-01-01T00:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let decisions: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let codes: Vec<&str> =
        decisions.iter().map(|d| d["error_code"].as_str().unwrap_or(d["reason"].as_str().unwrap())).collect();
    assert_eq!(codes, ["TARGETING_MATCH", "PARSE_ERROR", "PARSE_ERROR", "INVALID_CONTEXT"]);
    assert!(decisions[1]["error_message"].as_str().unwrap().contains("line 2 is not UTF-8"));
    assert!(decisions[2]["error_message"].as_str().unwrap().contains("line 3 is longer than the limit"));
}

#[test]
fn an_oversized_context_file_is_refused_after_reading_the_limit() {
    let ruleset = Temp::new("context.vx", RULESET.as_bytes());
    let output = vexil(&["eval", ruleset.path(), "--flag", "f", "--context", "@/dev/zero"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("is larger than the limit of 16777216 bytes"));
}
