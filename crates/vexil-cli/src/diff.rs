//! `vexil diff OLD NEW [--format json] [--exit-code]`: what changed in
//! meaning between two rulesets (`vexil_review::diff`), not in text.

use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;

use vexil::CheckOptions;
use vexil_review::diff::{self, Diff, Program, Side};

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct Args {
    old: PathBuf,
    new: PathBuf,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
    /// Exit 1 when the rulesets differ in meaning (as `git diff --exit-code`).
    #[arg(long)]
    exit_code: bool,
}

/// The source and its checked program, or the exit code after printing why not.
fn checked(path: &Path) -> Result<(String, Program), ExitCode> {
    let name = path.display().to_string();
    let source = match vexil_cli::input::read_source(path) {
        Ok(vexil_cli::input::Source { text, unreadable: None }) => text,
        Ok(vexil_cli::input::Source { text, unreadable: Some(diagnostic) }) => {
            eprint!("{}", vexil_cli::render_to_string(&name, &text, &[diagnostic]));
            return Err(ExitCode::from(EXIT_ERRORS));
        }
        Err(error) => {
            eprintln!("vexil: cannot read `{}`: {error}", path.display());
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    let checked = vexil::check(&source, &CheckOptions::default());
    match checked.program {
        Some(program) => Ok((source, program)),
        None => {
            let errors: Vec<vexil::Diagnostic> = checked.diagnostics.into_iter().filter(|d| d.is_error()).collect();
            eprint!("{}", vexil_cli::render_to_string(&name, &source, &errors));
            Err(ExitCode::from(EXIT_ERRORS))
        }
    }
}

pub fn run(args: &Args) -> ExitCode {
    let ((old_source, old), (new_source, new)) = match (checked(&args.old), checked(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let found = diff::diff(Side { program: &old, source: &old_source }, Side { program: &new, source: &new_source });
    match args.format {
        crate::sync::Format::Json => println!("{}", serde_json::to_string(&found).unwrap_or_default()),
        crate::sync::Format::Human => print!("{}", human(&found)),
    }
    if args.exit_code && !found.is_empty() { ExitCode::from(EXIT_ERRORS) } else { ExitCode::SUCCESS }
}

fn pair(old: Option<&String>, new: Option<&String>) -> String {
    match (old, new) {
        (Some(a), Some(b)) => format!("{a}  →  {b}"),
        (Some(a), None) => format!("{a}  (removed)"),
        (None, Some(b)) => format!("{b}  (added)"),
        (None, None) => String::new(),
    }
}

pub fn human(found: &Diff) -> String {
    if found.is_empty() {
        return "no change in meaning\n".into();
    }
    let mut out = String::new();
    for change in &found.context {
        let breaks = if change.breaks_callers { "  [breaks callers]" } else { "" };
        let what = match (change.change.as_str(), &change.old, &change.new) {
            ("added", _, Some(new)) => format!("added ({new})"),
            ("removed", Some(old), _) => format!("removed (was {old})"),
            (change, old, new) => format!("{change}: {}", pair(old.as_ref(), new.as_ref())),
        };
        out += &format!("context {}: {what}{breaks}\n", change.path);
    }
    for change in &found.enums {
        out += &format!("enum {}: {}\n", change.name, pair(change.old.as_ref(), change.new.as_ref()));
    }
    for change in &found.segments {
        out += &format!("segment {}: {}\n", change.name, pair(change.old.as_ref(), change.new.as_ref()));
        if !change.reaches.is_empty() {
            out += &format!("    reaches flags: {}\n", change.reaches.join(", "));
        }
    }
    for flag in &found.flags {
        match flag.change {
            "added" | "removed" => {
                out += &format!("flag {}: {}\n", flag.flag, flag.change);
                continue;
            }
            _ => out += &format!("flag {}:\n", flag.flag),
        }
        for clause in &flag.clauses {
            out += &format!("    {}: {}\n", clause.name, pair(clause.old.as_ref(), clause.new.as_ref()));
        }
        if let Some((before, after)) = &flag.reordered {
            out += &format!("    rules reordered: {}  →  {}\n", before.join(", "), after.join(", "));
        }
        for rule in &flag.rules {
            let what = match (rule.change, &rule.old, &rule.new) {
                ("added", _, Some(new)) => format!("added: {new}"),
                ("removed", Some(old), _) => format!("removed: {old}"),
                (change, old, new) => format!("{change}: {}", pair(old.as_ref(), new.as_ref())),
            };
            out += &format!("    rule {}: {what}\n", rule.rule);
        }
        for split in &flag.splits {
            let how = if split.rehashed {
                format!(
                    "the unit or salt changed: every unit is hashed anew; about {:.2}% of units change value",
                    split.moved_fraction * 100.0
                )
            } else {
                format!(
                    "{:.4}% of units change value ({} of 2^32 hashes)",
                    split.moved_fraction * 100.0,
                    split.moved_hashes.unwrap_or_default()
                )
            };
            out += &format!("    split of rule {}: {how}\n", split.rule);
        }
    }
    out
}
