//! `vexil`: the command line. One module per subcommand; shared rendering is
//! in the library (`vexil_cli`).
//!
//! Exit codes, for every subcommand: 0 success (warnings allowed), 1 the input
//! has errors, 2 usage error (bad arguments, unreadable file).

mod check;
mod eval;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for "the input has errors".
pub(crate) const EXIT_ERRORS: u8 = 1;
/// Exit code for usage errors; clap uses the same for its own.
pub(crate) const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "vexil",
    version,
    about = "Vexil feature-flag rulesets: check them, evaluate flags, serve the playground"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check rulesets and report every error and warning.
    Check(check::Args),
    /// Evaluate flags against a context: one decision, all flags, an explanation, or a batch.
    Eval(eval::Args),
    /// Serve the web playground (embedded) on the given rulesets, or on an example.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    // `exit` prints clap's message and exits 2 for usage errors, 0 for --help/--version.
    let cli = Cli::try_parse().unwrap_or_else(|error| error.exit());
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}
