//! `vexil fmt` never changes meaning and is idempotent, on every ruleset the
//! repository has: the examples, the fixtures (including fuzz regressions),
//! and the conformance rulesets. For each that parses:
//! - `format(format(x)) == format(x)`;
//! - `x` and `format(x)` check to the same program (its text form, which
//!   has no spans) with the same diagnostics (code, severity, message);
//! - every comment of `x` is in `format(x)`, in the same order.

use std::fs;
use std::path::{Path, PathBuf};

use vexil::format::{comments, format};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// (name, source) of every ruleset in the repository.
fn corpus() -> Vec<(String, String)> {
    let root = repository();
    let mut files = Vec::new();
    files_under(&root.join("examples"), &mut files);
    files_under(&root.join("tests/fixtures"), &mut files);
    let mut sources = Vec::new();
    for path in files {
        let is_ruleset = path.extension().is_some_and(|e| e == "vx" || e == "bin");
        if is_ruleset && let Ok(bytes) = fs::read(&path) {
            sources.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    let mut conformance = Vec::new();
    files_under(&root.join("tests/conformance"), &mut conformance);
    for path in conformance.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let Ok(text) = fs::read_to_string(&path) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        collect_rulesets(&json, &path.display().to_string(), &mut sources);
    }
    sources.sort();
    sources
}

fn collect_rulesets(json: &serde_json::Value, name: &str, out: &mut Vec<(String, String)>) {
    match json {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("ruleset" | "source", serde_json::Value::String(source)) => {
                        out.push((format!("{name}#{key}"), source.clone()))
                    }
                    _ => collect_rulesets(value, name, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_rulesets(item, name, out)),
        _ => {}
    }
}

fn diagnostics_of(source: &str) -> (Option<String>, Vec<String>) {
    let options = vexil::CheckOptions { today: vexil::Timestamp::parse_date("2026-06-01").ok(), ..Default::default() };
    let checked = vexil::check(source, &options);
    let diagnostics =
        checked.diagnostics.iter().map(|d| format!("{} {:?} {}", d.code.as_str(), d.severity(), d.message)).collect();
    (checked.program.map(|p| p.to_string()), diagnostics)
}

#[test]
fn formatting_keeps_meaning_and_comments_and_is_idempotent() {
    let corpus = corpus();
    let (mut formatted, mut compiled, mut refused) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, source) in &corpus {
        let Ok(once) = format(source) else {
            refused += 1;
            continue;
        };
        formatted += 1;
        match format(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!("{name}: not idempotent\n--- once\n{once}\n--- twice\n{twice}")),
            Err(errors) => failures.push(format!("{name}: the formatted text does not parse: {errors:?}\n{once}")),
        }
        let (before, after) = (diagnostics_of(source), diagnostics_of(&once));
        if before.0.is_some() {
            compiled += 1;
        }
        if before != after {
            failures.push(format!(
                "{name}: meaning changed\n--- before {before:?}\n--- after {after:?}\n--- formatted\n{once}"
            ));
        }
        let texts =
            |text: &str| comments(text).iter().map(|c| text[c.range()].trim_end().to_owned()).collect::<Vec<_>>();
        if texts(source) != texts(&once) {
            failures.push(format!("{name}: comments changed\n{once}"));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n\n"));
    // The corpus is what it claims to be (examples, fixtures, conformance).
    assert!(formatted >= 120 && compiled >= 35, "formatted {formatted}, compiled {compiled}, refused {refused}");
    eprintln!("formatted {formatted} rulesets ({compiled} compile); {refused} refused with syntax errors");
}

#[test]
fn the_examples_are_formatted() {
    let mut files = Vec::new();
    files_under(&repository().join("examples"), &mut files);
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "vx")) {
        let source = fs::read_to_string(path).unwrap_or_default();
        let formatted = format(&source).unwrap_or_default();
        assert_eq!(formatted, source, "{} is not formatted: run `vexil fmt {}`", path.display(), path.display());
    }
}
