//! `vexil diff OLD NEW [--format json] [--exit-code]`: what changed in
//! meaning between two rulesets (`vexil_review::diff`), not in text.

use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;

use vexil::CheckOptions;
use vexil_review::diff::{self, Program, Side};

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
        crate::sync::Format::Human => print!("{}", found.text()),
    }
    if args.exit_code && !found.is_empty() { ExitCode::from(EXIT_ERRORS) } else { ExitCode::SUCCESS }
}
