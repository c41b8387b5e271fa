//! `vexil eval RULESET (--flag KEY | --all | --requests FILE) [--context JSON|@FILE] [--now RFC3339] [--explain]`
//!
//! Prints decisions as JSON lines on stdout. Exit 0 when decisions were
//! printed (an ERROR decision is still a decision), 1 when the ruleset does
//! not compile, 2 for usage errors.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use vexil::{CheckOptions, Decision, DecisionSet, Explanation, Ruleset, Timestamp, limits};
use vexil_cli::input::{Line, read_line};

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["flag", "all", "requests"])))]
pub struct Args {
    /// The ruleset file (`.vx`).
    #[arg(value_name = "RULESET")]
    ruleset: PathBuf,
    /// Evaluate one flag.
    #[arg(long, value_name = "KEY")]
    flag: Option<String>,
    /// Evaluate every flag: prints `{"ruleset_version","now","decisions":[…]}`.
    #[arg(long)]
    all: bool,
    /// A JSON Lines file of requests `{"flag","context","now"?}`: one decision per line, in order.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["context", "explain"])]
    requests: Option<PathBuf>,
    /// The context: JSON text, or @FILE to read it from a file [default: {}].
    #[arg(long, value_name = "JSON|@FILE")]
    context: Option<String>,
    /// The evaluation instant (RFC 3339) [default: the current time].
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<Timestamp>,
    /// Explain the decision of `--flag`: every prerequisite, rule and condition.
    #[arg(long, requires = "flag")]
    explain: bool,
    /// Output of `--explain`: readable text, or JSON.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Which engine evaluates: the native library, or the wasm plugin under
    /// wasmtime (built by `cargo xtask build-plugin`; `VEXIL_PLUGIN_WASM` names
    /// another module; needs a `vexil` built with the `wasmtime` feature).
    /// Both give the same output.
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    engine: Engine,
    /// Work units each flag may spend (docs/semantics.md, "Work"); a flag that
    /// would spend more decides its `on_error` value with RESOURCE_LIMIT.
    /// For `--flag`, `--all` and `--explain`; request lines carry their own.
    #[arg(long, value_name = "UNITS")]
    budget: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    Native,
    Wasmtime,
}

/// A compiled ruleset on either engine. Both answer through the same
/// JSON-context calls, so the output cannot depend on the engine.
// One value per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
enum Compiled {
    Native(Ruleset),
    #[cfg(feature = "wasmtime")]
    Wasmtime(vexil_host::HostRuleset),
}

impl Compiled {
    fn version(&self) -> String {
        match self {
            Compiled::Native(ruleset) => ruleset.version().to_owned(),
            #[cfg(feature = "wasmtime")]
            Compiled::Wasmtime(ruleset) => ruleset.version().to_string(),
        }
    }

    fn evaluate(&self, flag: &str, context: &str, now: Timestamp, budget: Option<u64>) -> Decision {
        match self {
            Compiled::Native(ruleset) => ruleset.evaluate_json_within(flag, context, now, budget),
            #[cfg(feature = "wasmtime")]
            Compiled::Wasmtime(ruleset) => ruleset.evaluate_within(flag, context, now, budget),
        }
    }

    fn evaluate_all(&self, context: &str, now: Timestamp, budget: Option<u64>) -> DecisionSet {
        match self {
            Compiled::Native(ruleset) => ruleset.evaluate_all_json_within(context, now, budget),
            #[cfg(feature = "wasmtime")]
            Compiled::Wasmtime(ruleset) => ruleset.evaluate_all_within(context, now, budget),
        }
    }

    /// `Err` carries the context's decoding error.
    fn explain(&self, flag: &str, context: &str, now: Timestamp, budget: Option<u64>) -> Result<Explanation, String> {
        match self {
            Compiled::Native(ruleset) => {
                ruleset.decode_context(context).map(|c| ruleset.explain_within(flag, &c, now, budget))
            }
            #[cfg(feature = "wasmtime")]
            Compiled::Wasmtime(ruleset) => {
                ruleset.explain_within(flag, context, now, budget).map_err(|e| e.to_string())
            }
        }
    }

    /// The decision of a batch line that could not be read as text.
    fn parse_error(&self, message: String, now: Timestamp) -> Decision {
        Decision::parse_error("", message, &self.version(), now)
    }

    fn request(&self, line: &str, default_now: Timestamp) -> Decision {
        match self {
            Compiled::Native(ruleset) => vexil::request::evaluate_request_json(ruleset, line, default_now),
            #[cfg(feature = "wasmtime")]
            Compiled::Wasmtime(ruleset) => ruleset.evaluate_request(line, default_now),
        }
    }
}

/// Compiles on the chosen engine; `Err` is the exit code, after the message.
fn compile(engine: Engine, name: &str, source: &str) -> Result<Compiled, ExitCode> {
    let compiled = match engine {
        Engine::Native => vexil::compile(source, &CheckOptions::default()).map(Compiled::Native),
        #[cfg(feature = "wasmtime")]
        Engine::Wasmtime => {
            let hosted = vexil_host::Engine::new(vexil_host::Config::default()).and_then(|e| e.compile(source));
            match hosted {
                Ok(ruleset) => Ok(Compiled::Wasmtime(ruleset)),
                Err(vexil_host::Error::Compile(error)) => Err(error),
                Err(error) => {
                    eprintln!("vexil: the wasmtime engine failed: {error}");
                    return Err(ExitCode::from(EXIT_ERRORS));
                }
            }
        }
        #[cfg(not(feature = "wasmtime"))]
        Engine::Wasmtime => {
            eprintln!(
                "vexil: this build has no wasmtime engine; build it with `cargo build -p vexil-cli --features wasmtime`"
            );
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    compiled.map_err(|error| report_errors(name, source, &error.diagnostics))
}

/// Prints a ruleset's diagnostics as `vexil check` does; the exit code of errors.
fn report_errors(name: &str, source: &str, diagnostics: &[vexil::Diagnostic]) -> ExitCode {
    eprint!("{}", vexil_cli::render_to_string(name, source, diagnostics));
    let mut counts = vexil_cli::Counts::default();
    counts.add(diagnostics);
    eprintln!("{}", vexil_cli::summary(counts));
    ExitCode::from(EXIT_ERRORS)
}

/// Reads and compiles a ruleset natively; on failure prints what `vexil eval`
/// prints (diagnostics, or why the file cannot be read) and gives the exit code.
pub(crate) fn load_ruleset(path: &std::path::Path) -> Result<vexil::Ruleset, ExitCode> {
    let name = path.display().to_string();
    let source = match vexil_cli::input::read_source(path) {
        Ok(vexil_cli::input::Source { text, unreadable: None }) => text,
        Ok(vexil_cli::input::Source { text, unreadable: Some(diagnostic) }) => {
            return Err(report_errors(&name, &text, &[diagnostic]));
        }
        Err(error) => return Err(usage(&format!("cannot read `{}`: {error}", path.display()))),
    };
    vexil::compile(&source, &CheckOptions::default()).map_err(|error| report_errors(&name, &source, &error.diagnostics))
}

pub(crate) fn parse_now(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|e| e.to_string())
}

pub fn run(args: &Args) -> ExitCode {
    let name = args.ruleset.display().to_string();
    let source = match vexil_cli::input::read_source(&args.ruleset) {
        Ok(vexil_cli::input::Source { text, unreadable: None }) => text,
        Ok(vexil_cli::input::Source { text, unreadable: Some(diagnostic) }) => {
            return report_errors(&name, &text, &[diagnostic]);
        }
        Err(error) => return usage(&format!("cannot read `{}`: {error}", args.ruleset.display())),
    };
    let ruleset = match compile(args.engine, &name, &source) {
        Ok(ruleset) => ruleset,
        Err(code) => return code,
    };
    let Some(now) = args.now.or_else(vexil_cli::clock::now) else {
        return usage("the system clock is outside 0000–9999; pass --now");
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if let Some(path) = &args.requests {
        match std::fs::File::open(path) {
            Ok(file) => run_requests(&ruleset, io::BufReader::new(file), now, &mut out),
            Err(error) => return usage(&format!("cannot read `{}`: {error}", path.display())),
        }
    } else {
        let context_text = match read_context(args.context.as_deref()) {
            Ok(text) => text,
            Err(message) => return usage(&message),
        };
        match &args.flag {
            Some(flag) if args.explain => {
                let explanation = match ruleset.explain(flag, &context_text, now, args.budget) {
                    Ok(explanation) => explanation,
                    Err(message) => return usage(&format!("--context: {message}")),
                };
                match args.format {
                    Format::Json => writeln!(out, "{}", json(&explanation)),
                    Format::Human => write!(out, "{}", vexil_cli::explain::render(&ruleset.version(), &explanation)),
                }
            }
            Some(flag) => writeln!(out, "{}", ruleset.evaluate(flag, &context_text, now, args.budget).to_json()),
            None => writeln!(out, "{}", json(&ruleset.evaluate_all(&context_text, now, args.budget))),
        }
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`vexil eval … | head`) is not an error worth a message.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vexil: cannot write output: {error}");
            ExitCode::from(EXIT_ERRORS)
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("vexil: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn read_context(arg: Option<&str>) -> Result<String, String> {
    match arg {
        None => Ok("{}".to_owned()),
        Some(text) => match text.strip_prefix('@') {
            Some(path) => vexil_cli::input::read_context_file(std::path::Path::new(path)),
            None => Ok(text.to_owned()),
        },
    }
}

/// One decision per input line, in order; a line that is not a valid
/// request still yields a line: an ERROR decision with PARSE_ERROR.
fn run_requests(
    ruleset: &Compiled,
    input: impl BufRead,
    default_now: Timestamp,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut input = input;
    let mut buffer = Vec::new();
    let mut number = 0usize;
    while let Some(line) = read_line(&mut input, limits::MAX_REQUEST_LINE_BYTES, &mut buffer)? {
        number += 1;
        let decision = match line {
            Line::Text(text) if text.trim().is_empty() => continue,
            Line::Text(text) => ruleset.request(&text, default_now),
            Line::TooLong => ruleset.parse_error(
                format!("line {number} is longer than the limit of {} bytes", limits::MAX_REQUEST_LINE_BYTES),
                default_now,
            ),
            Line::NotUtf8(at) => {
                ruleset.parse_error(format!("line {number} is not UTF-8: invalid byte at offset {at}"), default_now)
            }
        };
        writeln!(out, "{}", decision.to_json())?;
    }
    Ok(())
}
