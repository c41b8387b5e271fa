//! `vexil import flagd|unleash FILE.json [-o OUT.vx] [--format json]`: flag
//! definitions of another product → a checked Vexil ruleset that keeps every
//! user in their bucket (`vexil_import`), and a report of what was translated
//! and what needs attention. The ruleset goes to `-o` or standard output, the
//! report to standard error (or, with `--format json`, both to standard output
//! as one JSON object). Exit 0 when every flag was translated exactly, 1 when
//! something needs attention (the ruleset is still written), 2 for input that
//! is not the format.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Source {
    /// flagd flag definitions (JSON: `flags`, `$evaluators`).
    Flagd,
    /// Unleash's client features API JSON (`/api/client/features`: `features`, `segments`).
    Unleash,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The product the definitions come from.
    #[arg(value_enum)]
    from: Source,
    /// The definitions (JSON); `-` reads standard input.
    file: PathBuf,
    /// Write the ruleset here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
}

pub fn run(args: &Args) -> ExitCode {
    let json = match read(&args.file) {
        Ok(json) => json,
        Err(message) => {
            eprintln!("vexil: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let imported = match args.from {
        Source::Flagd => vexil_import::flagd::import(&json),
        Source::Unleash => vexil_import::unleash::import(&json),
    };
    let imported = match imported {
        Ok(imported) => imported,
        Err(vexil_import::ImportError::Input(message)) => {
            eprintln!("vexil: {}: {message}", args.file.display());
            return ExitCode::from(EXIT_USAGE);
        }
        Err(error) => {
            eprintln!("vexil: {error}");
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    if let Some(path) = &args.output
        && let Err(error) = std::fs::write(path, &imported.source)
    {
        eprintln!("vexil: cannot write `{}`: {error}", path.display());
        return ExitCode::from(EXIT_USAGE);
    }
    match args.format {
        crate::sync::Format::Json => {
            let source = if args.output.is_some() { None } else { Some(&imported.source) };
            let out = serde_json::json!({ "source": source, "report": imported.report });
            println!("{out}");
        }
        crate::sync::Format::Human => {
            if args.output.is_none() {
                print!("{}", imported.source);
            }
            eprint!("{}", imported.report.text());
        }
    }
    if imported.report.attention.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ERRORS) }
}

fn read(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let limit = vexil_import::MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if bytes.len() > vexil_import::MAX_INPUT_BYTES {
        return Err(format!("`{}` is larger than {} bytes", path.display(), vexil_import::MAX_INPUT_BYTES));
    }
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not UTF-8 text", path.display()))
}
