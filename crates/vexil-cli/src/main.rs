//! `vexil`: the command line. One module per subcommand; shared rendering is
//! in the library (`vexil_cli`).
//!
//! Exit codes, for every subcommand: 0 success (warnings allowed), 1 the input
//! has errors, 2 usage error (bad arguments, unreadable file); for the commands
//! that talk to NATS, 3 a lost publish race (someone else published first) and
//! 4 the broker is unreachable.

mod check;
mod diff;
mod eval;
mod fmt;
mod import;
mod replay;
mod rule_tests;
mod serve;
mod sign;
mod sync;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for "the input has errors".
pub(crate) const EXIT_ERRORS: u8 = 1;
/// Exit code for usage errors; clap uses the same for its own.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code for a lost compare-and-set: another revision was published first.
pub(crate) const EXIT_CONFLICT: u8 = 3;
/// Exit code for "no NATS server answered".
pub(crate) const EXIT_UNREACHABLE: u8 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "vexil",
    version,
    about = "Vexil feature-flag rulesets: check, format and evaluate them; test, diff and replay changes; publish and follow them; serve them (OFREP, playground); sign decision sets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check rulesets and report every error and warning.
    Check(check::Args),
    /// Rewrite rulesets in the one canonical layout, keeping every comment (`--check`: only report, with a diff).
    Fmt(fmt::Args),
    /// Evaluate flags against a context: one decision, all flags, an explanation, or a batch.
    Eval(eval::Args),
    /// Serve rulesets: OFREP for OpenFeature SDKs, ruleset delivery and events, status, metrics, and the playground.
    Serve(serve::Args),
    /// Check a ruleset and publish it to NATS JetStream KV (compare-and-set on the latest revision).
    Publish(sync::PublishArgs),
    /// List a published ruleset's revisions: version, author, time, message, flags added/removed/changed.
    History(sync::HistoryArgs),
    /// Republish an old revision's source as a new revision.
    Rollback(sync::RollbackArgs),
    /// Follow rulesets (NATS keys or a file) and print one status line (JSON) per change.
    Follow(sync::FollowArgs),
    /// Make signing keys (JWK) and the public key sets that verify them.
    Keys(sign::KeysArgs),
    /// Decide flags once for a workflow and print them as a signed token (JWT).
    Decide(sign::DecideArgs),
    /// Verify a decision-set token and print its decisions (exit 1 on any refusal, with the reason).
    Verify(sign::VerifyArgs),
    /// What changed in meaning between two rulesets: flags, rules, splits (with the units that move), segments, context.
    Diff(diff::Args),
    /// Run rule tests (`*.test.toml` beside rulesets): contexts and the decisions expected of them.
    Test(rule_tests::Args),
    /// Translate flagd or Unleash flag definitions into a ruleset that keeps every user in their bucket, with a report.
    Import(import::Args),
    /// Serve the Language Server Protocol on standard input and output (for editors).
    Lsp,
    /// Replay recorded contexts through an old and a new ruleset and report what changes.
    Replay(replay::Args),
}

fn main() -> ExitCode {
    // `exit` prints clap's message and exits 2 for usage errors, 0 for --help/--version.
    let cli = Cli::try_parse().unwrap_or_else(|error| error.exit());
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Publish(args) => sync::publish(&args),
        Command::History(args) => sync::history(&args),
        Command::Rollback(args) => sync::rollback(&args),
        Command::Follow(args) => sync::follow(&args),
        Command::Keys(args) => sign::keys(&args),
        Command::Decide(args) => sign::decide(&args),
        Command::Verify(args) => sign::verify(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Test(args) => rule_tests::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Lsp => match vexil_lsp::run_stdio(vexil_cli::clock::today()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("vexil lsp: {error}");
                ExitCode::from(EXIT_ERRORS)
            }
        },
    }
}
