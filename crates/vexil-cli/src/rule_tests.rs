//! `vexil test [PATH…] [--format json] [--junit FILE]`: runs the rule tests
//! (`*.test.toml` beside rulesets, `vexil_review::test_files`) and prints
//! what failed with the explanation of the failing decision.

use std::path::PathBuf;
use std::process::ExitCode;

use vexil_review::test_files::{self, CaseResult, FileResult};

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Test files (`*.test.toml`), rulesets (their sibling test file) or directories [default: .].
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
    /// Also write the results as JUnit XML, the format CI systems read.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let files = match test_files::discover(&paths) {
        Ok(files) if files.is_empty() => return usage("no test files (*.test.toml) found"),
        Ok(files) => files,
        Err(message) => return usage(&message),
    };
    let results: Vec<FileResult> = files.iter().map(|file| test_files::run_file(file)).collect();
    if let Some(path) = &args.junit
        && let Err(error) = std::fs::write(path, junit(&results))
    {
        return usage(&format!("cannot write `{}`: {error}", path.display()));
    }
    match args.format {
        crate::sync::Format::Json => {
            let passed: usize = results.iter().map(FileResult::passed).sum();
            let failed: usize = results.iter().map(FileResult::failed).sum();
            let errors = results.iter().filter(|r| r.error.is_some()).count();
            let json = serde_json::json!({ "passed": passed, "failed": failed, "errors": errors, "files": results });
            println!("{json}");
        }
        crate::sync::Format::Human => print!("{}", human(&results)),
    }
    if results.iter().all(FileResult::ok) { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ERRORS) }
}

fn human(results: &[FileResult]) -> String {
    let mut out = String::new();
    let (mut passed, mut failed, mut errors) = (0, 0, 0);
    for file in results {
        let version = file.ruleset_version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let head = format!("{} ({}{version})", file.path.display(), file.ruleset.display());
        if let Some(error) = &file.error {
            errors += 1;
            out += &format!("{head}: ERROR {error}\n");
            continue;
        }
        passed += file.passed();
        failed += file.failed();
        if file.failed() == 0 {
            out += &format!("{head}: {} passed\n", file.passed());
            continue;
        }
        out += &format!("{head}: {} passed, {} failed\n", file.passed(), file.failed());
        for result in file.results.iter().filter(|r| !r.passed) {
            out += &failure(result, file.ruleset_version.as_deref().unwrap_or_default());
        }
    }
    out += &format!("{passed} passed, {failed} failed");
    if errors > 0 {
        out += &format!(", {errors} file(s) could not run");
    }
    out.push('\n');
    out
}

fn failure(result: &CaseResult, version: &str) -> String {
    let mut out = format!("  FAIL {} › {}\n", result.case, result.flag);
    for problem in &result.problems {
        out += &format!("    {problem}\n");
    }
    let got = &result.got;
    out += &format!(
        "    decided: {} ({}{}{})\n",
        got.variant.as_deref().unwrap_or("no value"),
        got.reason.as_str(),
        got.rule.as_deref().map(|r| format!(", rule {r}")).unwrap_or_default(),
        got.error_code.map(|c| format!(", {}", c.as_str())).unwrap_or_default()
    );
    if let Some(explanation) = &result.explanation {
        out += "    why:\n";
        for line in vexil_cli::explain::render(version, explanation).lines() {
            out += &format!("      {line}\n");
        }
    }
    out
}

/// JUnit XML: a test suite per file, a test case per case and flag.
fn junit(results: &[FileResult]) -> String {
    let total: usize = results.iter().map(|r| r.results.len().max(usize::from(r.error.is_some()))).sum();
    let failures: usize = results.iter().map(FileResult::failed).sum();
    let errors = results.iter().filter(|r| r.error.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out += &format!("<testsuites name=\"vexil\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">\n");
    for file in results {
        let suite = xml(&file.path.display().to_string());
        if let Some(error) = &file.error {
            out += &format!("  <testsuite name=\"{suite}\" tests=\"1\" failures=\"0\" errors=\"1\">\n");
            out += &format!(
                "    <testcase classname=\"{suite}\" name=\"(load)\"><error message=\"{}\"/></testcase>\n",
                xml(error)
            );
            out += "  </testsuite>\n";
            continue;
        }
        out += &format!(
            "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            file.results.len(),
            file.failed()
        );
        for result in &file.results {
            let name = xml(&format!("{} › {}", result.case, result.flag));
            if result.passed {
                out += &format!("    <testcase classname=\"{suite}\" name=\"{name}\"/>\n");
            } else {
                let detail = failure(result, file.ruleset_version.as_deref().unwrap_or_default());
                out += &format!(
                    "    <testcase classname=\"{suite}\" name=\"{name}\"><failure message=\"{}\">{}</failure></testcase>\n",
                    xml(&result.problems.join("; ")),
                    xml(&detail)
                );
            }
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    out
}

/// Text for an XML attribute or element: the five entities, and characters
/// XML 1.0 cannot hold written as U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn usage(message: &str) -> ExitCode {
    eprintln!("vexil: {message}");
    ExitCode::from(EXIT_USAGE)
}
