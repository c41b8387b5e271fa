//! `vexil replay OLD NEW --contexts FILE.jsonl [--now T] [--flags a,b] [--fail-on-change] [--format json]`:
//! recorded contexts through both rulesets (`vexil_review::Replay`), streamed
//! line by line; prints what changes per flag.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use vexil::Timestamp;
use vexil_review::{Replay, ReplayOptions, Report};

use crate::{EXIT_ERRORS, EXIT_USAGE};

/// A line longer than this is not a context anyone recorded: it is counted and skipped unread.
const MAX_LINE_BYTES: u64 = 16 << 20;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset serving today.
    old: PathBuf,
    /// The ruleset about to replace it.
    new: PathBuf,
    /// Recorded contexts, one JSON object per line (`-` for standard input).
    #[arg(long, value_name = "FILE.jsonl")]
    contexts: PathBuf,
    /// The instant both rulesets decide at [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = crate::eval::parse_now)]
    now: Option<Timestamp>,
    /// Only these flags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    flags: Option<Vec<String>>,
    /// Example contexts shown per changed flag.
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// Exit 1 when any decision changes (for CI).
    #[arg(long)]
    fail_on_change: bool,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
}

pub fn run(args: &Args) -> ExitCode {
    let (old, new) = match (crate::eval::load_ruleset(&args.old), crate::eval::load_ruleset(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let Some(now) = args.now.or_else(vexil_cli::clock::now) else {
        return usage("the system clock is outside 0000–9999; pass --now");
    };
    let options = ReplayOptions { now, flags: args.flags.clone(), examples: args.examples };
    let mut replay = match Replay::new(&old, &new, options) {
        Ok(replay) => replay,
        Err(message) => return usage(&message),
    };
    let input: Box<dyn Read> = if args.contexts.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(&args.contexts) {
            Ok(file) => Box::new(file),
            Err(error) => return usage(&format!("cannot read `{}`: {error}", args.contexts.display())),
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::new();
    let mut number = 0;
    let mut oversized = 0u64;
    loop {
        line.clear();
        number += 1;
        match (&mut reader).take(MAX_LINE_BYTES).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => return usage(&format!("cannot read `{}`: {error}", args.contexts.display())),
        }
        if line.last() != Some(&b'\n') && line.len() as u64 >= MAX_LINE_BYTES {
            // Skip the rest of an oversized line without keeping it.
            oversized += 1;
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match (&mut reader).take(MAX_LINE_BYTES).read_until(b'\n', &mut rest) {
                    Ok(0) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                    Err(error) => return usage(&format!("cannot read `{}`: {error}", args.contexts.display())),
                }
            }
            continue;
        }
        replay.line(number, &String::from_utf8_lossy(&line));
    }
    let report = replay.finish();
    let written = match args.format {
        crate::sync::Format::Json => {
            let mut json = serde_json::to_value(&report).unwrap_or_default();
            if let Some(object) = json.as_object_mut() {
                object.insert("oversized_lines".into(), oversized.into());
            }
            writeln!(std::io::stdout(), "{json}")
        }
        crate::sync::Format::Human => write!(std::io::stdout(), "{}", human(&report, oversized)),
    };
    if written.is_err() {
        return ExitCode::from(EXIT_ERRORS);
    }
    if args.fail_on_change && report.changed > 0 { ExitCode::from(EXIT_ERRORS) } else { ExitCode::SUCCESS }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 { "0%".into() } else { format!("{:.2}%", part as f64 * 100.0 / whole as f64) }
}

fn human(report: &Report, oversized: u64) -> String {
    let mut out = format!(
        "replayed {} contexts ({} → {}, at {}): {} decisions, {} changed ({})\n",
        report.contexts,
        report.old_version,
        report.new_version,
        report.now,
        report.decisions,
        report.changed,
        percent(report.changed, report.decisions)
    );
    if report.unreadable_contexts > 0 || oversized > 0 {
        out += &format!(
            "  ({} lines were not JSON objects: both rulesets decided them INVALID_CONTEXT; {oversized} lines over 16 MiB skipped)\n",
            report.unreadable_contexts
        );
    }
    for flag in &report.flags {
        let presence = match flag.present {
            "old only" => " (removed)",
            "new only" => " (added)",
            _ => "",
        };
        if flag.changed == 0 {
            out += &format!("{}{presence}: no change\n", flag.flag);
            continue;
        }
        out += &format!(
            "{}{presence}: {} of {} decisions change ({}): value {}, variant {}, reason {}\n",
            flag.flag,
            flag.changed,
            flag.decisions,
            percent(flag.changed, flag.decisions),
            flag.value_changed,
            flag.variant_changed,
            flag.reason_changed
        );
        for transition in &flag.transitions {
            out +=
                &format!("    {} → {}: {}\n", transition.from.describe(), transition.to.describe(), transition.count);
        }
        if flag.other_transitions > 0 {
            out += &format!("    (other transitions: {})\n", flag.other_transitions);
        }
        for example in &flag.examples {
            out += &format!("    e.g. line {}: {}\n", example.line, example.context);
        }
    }
    out
}

fn usage(message: &str) -> ExitCode {
    eprintln!("vexil: {message}");
    ExitCode::from(EXIT_USAGE)
}
