//! `vexil check [--format human|json] [--today YYYY-MM-DD] FILE...`

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use vexil::{CheckOptions, Diagnostic, Timestamp};
use vexil_cli::{Counts, render, summary};

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format: `human` (rendered on stderr) or `json` (one object on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The date `expires` is compared with [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    today: Option<Timestamp>,
    /// Ruleset files (`.vx`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

fn parse_today(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_date(text).map_err(|error| error.to_string())
}

struct Input {
    name: String,
    source: String,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: &Args) -> ExitCode {
    let today = args.today.or_else(vexil_cli::clock::today);
    if today.is_none() {
        eprintln!("vexil: warning: the system clock is out of range; expiry dates are not checked");
    }
    let options = CheckOptions { today, ..Default::default() };

    // Read everything first: an unreadable file is a usage error and nothing is checked.
    let mut sources = Vec::new();
    let mut unreadable = false;
    for path in &args.files {
        match vexil_cli::input::read_source(path) {
            Ok(source) => sources.push((path.display().to_string(), source)),
            Err(error) => {
                eprintln!("vexil: cannot read `{}`: {error}", path.display());
                unreadable = true;
            }
        }
    }
    if unreadable {
        return ExitCode::from(EXIT_USAGE);
    }

    let inputs: Vec<Input> = sources
        .into_iter()
        .map(|(name, source)| {
            // Too large or not UTF-8: that one diagnostic stands for the file.
            let diagnostics = match source.unreadable {
                Some(diagnostic) => vec![diagnostic],
                None => vexil::check(&source.text, &options).diagnostics,
            };
            Input { name, source: source.text, diagnostics }
        })
        .collect();
    let mut counts = Counts::default();
    for input in &inputs {
        counts.add(&input.diagnostics);
    }

    let written = match args.format {
        Format::Human => write_human(&inputs, counts),
        Format::Json => write_json(&inputs),
    };
    if let Err(error) = written {
        // Most likely a closed pipe; the exit code still tells the result.
        let _ = writeln!(io::stderr(), "vexil: cannot write output: {error}");
    }
    if counts.errors > 0 { ExitCode::from(EXIT_ERRORS) } else { ExitCode::SUCCESS }
}

fn write_human(inputs: &[Input], counts: Counts) -> io::Result<()> {
    let choice = if io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
    // Buffered: a diagnostic is many small writes.
    let mut out = BufferedStandardStream::stderr(choice);
    for input in inputs {
        render(&mut out, &input.name, &input.source, &input.diagnostics)?;
    }
    writeln!(out, "{}", summary(counts))?;
    out.flush()
}

fn write_json(inputs: &[Input]) -> io::Result<()> {
    let records: Vec<_> = inputs
        .iter()
        .flat_map(|input| vexil::diagnostic_records(&input.source, &input.diagnostics, Some(&input.name)))
        .collect();
    let mut out = io::stdout().lock();
    // Written by hand around the records so their fields keep the boundary
    // type's order (`serde_json::json!` would sort the keys).
    out.write_all(b"{\"diagnostics\":")?;
    serde_json::to_writer(&mut out, &records)?;
    out.write_all(b"}\n")?;
    out.flush()
}
