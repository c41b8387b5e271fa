//! `vexil fmt [--check] [--format json] PATH…`: rewrites rulesets in the one
//! canonical layout (`vexil::format`, decided in `vexil-syntax/src/format.rs`).
//! A directory means every `.vx` file under it; `-` reads standard input and
//! writes the result to standard output. A file with syntax errors is never
//! rewritten: its errors are shown and the exit code is 1.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ruleset files, directories (every `.vx` file under them), or `-` for standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; print a diff of each file that is not formatted and exit 1 if there is one.
    #[arg(long)]
    check: bool,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
}

/// One file's outcome, as `--format json` prints it.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    /// `formatted` (already was), `reformatted` (rewritten), `unformatted`
    /// (`--check`: would be rewritten), or `error` (does not parse).
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<vexil::DiagnosticRecord>,
}

pub fn run(args: &Args) -> ExitCode {
    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(error) = collect(path, &mut files) {
            eprintln!("vexil: cannot read `{}`: {error}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let json = matches!(args.format, crate::sync::Format::Json);
    let mut reports = Vec::new();
    let mut usage_error = false;
    for file in &files {
        match format_one(file, args.check, json) {
            Ok(report) => reports.push(report),
            Err(error) => {
                eprintln!("vexil: {error}");
                usage_error = true;
            }
        }
    }
    let count = |status: &str| reports.iter().filter(|r| r.status == status).count();
    let (errors, unformatted, reformatted) = (count("error"), count("unformatted"), count("reformatted"));
    if json {
        let summary = serde_json::json!({
            "files": reports,
            "formatted": count("formatted"),
            "reformatted": reformatted,
            "unformatted": unformatted,
            "errors": errors,
        });
        println!("{summary}");
    } else if !(files.len() == 1 && files[0].as_os_str() == "-") {
        let verb = if args.check { "would be reformatted" } else { "reformatted" };
        eprintln!(
            "{} file(s) {verb}, {} already formatted{}",
            if args.check { unformatted } else { reformatted },
            count("formatted"),
            if errors > 0 { format!(", {errors} with syntax errors (left unchanged)") } else { String::new() }
        );
    }
    if usage_error {
        ExitCode::from(EXIT_USAGE)
    } else if errors > 0 || unformatted > 0 {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

/// `path` itself, or the `.vx` files under a directory (sorted, so output is stable).
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.as_os_str() == "-" || !path.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, files)?;
        } else if entry.extension().is_some_and(|e| e == "vx") {
            files.push(entry);
        }
    }
    Ok(())
}

fn format_one(path: &Path, check: bool, json: bool) -> Result<FileReport, String> {
    let name = path.display().to_string();
    let stdin = path.as_os_str() == "-";
    let source = match vexil_cli::input::read_source(path) {
        Ok(vexil_cli::input::Source { text, unreadable: None }) => text,
        Ok(vexil_cli::input::Source { text, unreadable: Some(diagnostic) }) => {
            return Ok(error_report(name, &text, vec![diagnostic], json));
        }
        Err(error) => return Err(format!("cannot read `{name}`: {error}")),
    };
    let formatted = match vexil::format::format(&source) {
        Ok(formatted) => formatted,
        Err(errors) => return Ok(error_report(name, &source, errors, json)),
    };
    if stdin && !check {
        // The formatted text is the output; nothing to report besides.
        io::stdout().write_all(formatted.as_bytes()).map_err(|e| format!("cannot write the output: {e}"))?;
        return Ok(FileReport { file: name, status: "formatted", diff: None, diagnostics: Vec::new() });
    }
    if formatted == source {
        return Ok(FileReport { file: name, status: "formatted", diff: None, diagnostics: Vec::new() });
    }
    if check {
        let diff = similar::TextDiff::from_lines(&source, &formatted)
            .unified_diff()
            .context_radius(3)
            .header(&name, &format!("{name} (formatted)"))
            .to_string();
        if !json {
            print!("{diff}");
        }
        return Ok(FileReport { file: name, status: "unformatted", diff: Some(diff), diagnostics: Vec::new() });
    }
    write_replacing(path, &formatted).map_err(|e| format!("cannot write `{name}`: {e}"))?;
    if !json {
        println!("reformatted {name}");
    }
    Ok(FileReport { file: name, status: "reformatted", diff: None, diagnostics: Vec::new() })
}

fn error_report(name: String, source: &str, errors: Vec<vexil::Diagnostic>, json: bool) -> FileReport {
    if !json {
        eprint!("{}", vexil_cli::render_to_string(&name, source, &errors));
    }
    let diagnostics = vexil::diagnostic_records(source, &errors, Some(&name));
    FileReport { file: name, status: "error", diff: None, diagnostics }
}

/// Writes through a temporary file beside `path` and renames it over, so an
/// interrupted run leaves the old file or the new one, never half of one.
fn write_replacing(path: &Path, text: &str) -> io::Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.vexil-fmt.tmp"));
    let permissions = fs::metadata(path)?.permissions();
    fs::write(&temporary, text)?;
    fs::set_permissions(&temporary, permissions)?;
    fs::rename(&temporary, path).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}
