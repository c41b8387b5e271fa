//! `vexil publish`, `vexil history`, `vexil rollback`, `vexil follow`: the
//! control plane and the simplest data-plane client, over `vexil-sync`
//! (DISTRIBUTION.md §2–§3). Argument parsing and printing only.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use vexil::CheckOptions;
use vexil_sync::nats::{self, Broker, HistoryEntry, Publication, PublishResult, SyncError};
use vexil_sync::{Cache, Follower, Serving, Status};

use crate::{EXIT_CONFLICT, EXIT_ERRORS, EXIT_UNREACHABLE, EXIT_USAGE};

/// How long a control-plane command waits for the broker before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// NATS server URLs, comma-separated (`nats://127.0.0.1:4222`).
    #[arg(long, value_name = "URL[,URL…]")]
    nats: String,
    /// The KV bucket.
    #[arg(long, default_value = nats::DEFAULT_BUCKET)]
    bucket: String,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The ruleset file (`.vx`): checked first; errors publish nothing.
    file: PathBuf,
    #[command(flatten)]
    broker: BrokerArgs,
    /// The ruleset name (the KV key) [default: the file name without `.vx`].
    #[arg(long)]
    name: Option<String>,
    /// Why this revision (kept in the history).
    #[arg(long, default_value = "")]
    message: String,
    /// Who publishes [default: $VEXIL_AUTHOR, else $USER].
    #[arg(long)]
    author: Option<String>,
    /// Publish only if the latest revision is R (0: only if the ruleset does not exist yet).
    #[arg(long, value_name = "R")]
    expect_revision: Option<u64>,
    /// Replicas of the bucket, when this publish creates it (3 on a 3-server cluster).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The ruleset name.
    name: String,
    #[command(flatten)]
    broker: BrokerArgs,
    /// Under each revision, what changed in meaning from the one before (`vexil diff`).
    #[arg(long)]
    diff: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The ruleset name.
    name: String,
    /// The revision whose source is published again, as a new revision.
    #[arg(long, value_name = "R")]
    to: u64,
    #[command(flatten)]
    broker: BrokerArgs,
    #[arg(long)]
    author: Option<String>,
    /// [default: "rollback to revision R (version V)"]
    #[arg(long)]
    message: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct FollowArgs {
    /// Ruleset names (KV keys) to follow over NATS.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// NATS server URLs, comma-separated.
    #[arg(long, value_name = "URL[,URL…]")]
    nats: Option<String>,
    #[arg(long, default_value = nats::DEFAULT_BUCKET)]
    bucket: String,
    /// Follow a `.vx` file instead (watched; a broken edit keeps the last good text).
    #[arg(long, value_name = "FILE", conflicts_with = "nats")]
    file: Option<PathBuf>,
    /// Keep the last good revision of each ruleset in DIR and start from it.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("vexil: cannot start the async runtime: {error}");
            None
        }
    }
}

fn author(given: Option<&String>) -> String {
    given
        .cloned()
        .or_else(|| std::env::var("VEXIL_AUTHOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The exit code and message of a control-plane error (JSON: `{"error": {...}}` on stdout too).
fn fail(error: &SyncError, format: Format) -> ExitCode {
    let (code, exit) = match error {
        SyncError::Unreachable { .. } => ("unreachable", EXIT_UNREACHABLE),
        SyncError::Conflict { .. } => ("conflict", EXIT_CONFLICT),
        SyncError::InvalidName(_) => ("invalid_name", EXIT_USAGE),
        SyncError::DoesNotCompile(_) => ("does_not_compile", EXIT_ERRORS),
        SyncError::TooLarge { .. } => ("too_large", EXIT_ERRORS),
        SyncError::NotFound { .. } => ("not_found", EXIT_ERRORS),
        SyncError::NoSuchRevision { .. } => ("no_such_revision", EXIT_ERRORS),
        SyncError::BadRevision { .. } => ("bad_revision", EXIT_ERRORS),
        SyncError::Broker(_) => ("broker", EXIT_ERRORS),
    };
    eprintln!("vexil: {error}");
    if format == Format::Json {
        let mut body = serde_json::json!({ "code": code, "message": error.to_string() });
        if let SyncError::Conflict { revision, version, expected } = error {
            body["revision"] = (*revision).into();
            body["version"] = version.as_str().into();
            body["expected"] = (*expected).into();
        }
        println!("{}", serde_json::json!({ "error": body }));
    }
    ExitCode::from(exit)
}

fn print_published(result: &PublishResult, format: Format) {
    match format {
        Format::Json => println!("{}", serde_json::to_string(result).unwrap_or_default()),
        Format::Human if result.unchanged => println!(
            "unchanged: {} revision {} version {} already has this source; nothing was written",
            result.name, result.revision, result.version
        ),
        Format::Human => println!("published {} revision {} version {}", result.name, result.revision, result.version),
    }
}

pub fn publish(args: &PublishArgs) -> ExitCode {
    let source = match vexil_cli::input::read_source(&args.file) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("vexil: cannot read `{}`: {error}", args.file.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    if let Some(problem) = vexil_sync::record::name_problem(&name) {
        eprintln!("vexil: {problem} (choose one with --name)");
        return ExitCode::from(EXIT_USAGE);
    }
    // Check before anything touches the broker: errors publish nothing, warnings are shown.
    let diagnostics = match source.unreadable {
        Some(diagnostic) => vec![diagnostic],
        None => {
            vexil::check(&source.text, &CheckOptions { today: vexil_cli::clock::today(), ..Default::default() })
                .diagnostics
        }
    };
    if !diagnostics.is_empty() {
        let choice = if io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
        let mut out = BufferedStandardStream::stderr(choice);
        let _ = vexil_cli::render(&mut out, &args.file.display().to_string(), &source.text, &diagnostics);
        let _ = out.flush();
    }
    if diagnostics.iter().any(vexil::Diagnostic::is_error) {
        let mut counts = vexil_cli::Counts::default();
        counts.add(&diagnostics);
        eprintln!("{}; nothing was published", vexil_cli::summary(counts));
        return ExitCode::from(EXIT_ERRORS);
    }
    let Some(runtime) = runtime() else { return ExitCode::from(EXIT_ERRORS) };
    let author = author(args.author.as_ref());
    let publication = Publication {
        name: &name,
        source: &source.text,
        author: &author,
        message: &args.message,
        expect_revision: args.expect_revision,
    };
    let result = runtime.block_on(async {
        let broker = Broker::connect(&args.broker.nats, &args.broker.bucket, CONNECT_TIMEOUT).await?;
        broker.publish(&publication, args.replicas).await
    });
    match result {
        Ok(result) => {
            print_published(&result, args.format);
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error, args.format),
    }
}

pub fn history(args: &HistoryArgs) -> ExitCode {
    let Some(runtime) = runtime() else { return ExitCode::from(EXIT_ERRORS) };
    let result = runtime.block_on(async {
        let broker = Broker::connect(&args.broker.nats, &args.broker.bucket, CONNECT_TIMEOUT).await?;
        broker.history(&args.name).await
    });
    let entries = match result {
        Ok(entries) => entries,
        Err(error) => return fail(&error, args.format),
    };
    let diffs: Vec<Option<Result<vexil_review::diff::Diff, String>>> =
        if args.diff { revision_diffs(&entries) } else { vec![None; entries.len()] };
    let mut out = io::stdout().lock();
    let written = match args.format {
        Format::Json => {
            let mut revisions = serde_json::to_value(&entries).unwrap_or_default();
            if let Some(items) = revisions.as_array_mut() {
                for (item, diff) in items.iter_mut().zip(&diffs) {
                    let shown = match diff {
                        Some(Ok(found)) => serde_json::to_value(found).unwrap_or_default(),
                        Some(Err(problem)) => serde_json::json!({ "error": problem }),
                        None => continue,
                    };
                    if let Some(object) = item.as_object_mut() {
                        object.insert("diff".into(), shown);
                    }
                }
            }
            serde_json::to_writer(&mut out, &serde_json::json!({ "name": args.name, "revisions": revisions }))
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
        Format::Human => entries.iter().zip(&diffs).try_for_each(|(entry, diff)| {
            writeln!(out, "{}", history_line(entry))?;
            let shown = match diff {
                Some(Ok(found)) => found.text(),
                Some(Err(problem)) => format!("(cannot compare: {problem})\n"),
                None => String::new(),
            };
            for line in shown.lines() {
                writeln!(out, "        {line}")?;
            }
            Ok(())
        }),
    };
    if let Err(error) = written {
        let _ = writeln!(io::stderr(), "vexil: cannot write output: {error}");
    }
    ExitCode::SUCCESS
}

/// For each revision, the semantic diff from the previous published one, or
/// why it cannot be computed; `None` for the first and for deletions.
fn revision_diffs(entries: &[HistoryEntry]) -> Vec<Option<Result<vexil_review::diff::Diff, String>>> {
    let mut previous: Option<(String, vexil_review::diff::Program)> = None;
    entries
        .iter()
        .map(|entry| {
            let source = entry.source.as_ref()?;
            let Some(program) = vexil::check(source, &vexil::CheckOptions::default()).program else {
                return Some(Err("this revision does not compile".to_owned()));
            };
            let diff = previous.as_ref().map(|(old_source, old)| {
                Ok(vexil_review::diff::diff(
                    vexil_review::diff::Side { program: old, source: old_source },
                    vexil_review::diff::Side { program: &program, source },
                ))
            });
            previous = Some((source.clone(), program));
            diff
        })
        .collect()
}

/// `3  3f2a…  2026-11-30T09:00:00.000Z  ada  "dual write"  +added ~mode`
fn history_line(entry: &HistoryEntry) -> String {
    if let Some(error) = &entry.error {
        return format!("{:>4}  (not a published ruleset: {error})", entry.revision);
    }
    if entry.operation != "put" {
        return format!("{:>4}  ({}d)", entry.revision, entry.operation);
    }
    let mut changes: Vec<String> = Vec::new();
    changes.extend(entry.added.iter().map(|f| format!("+{f}")));
    changes.extend(entry.removed.iter().map(|f| format!("-{f}")));
    changes.extend(entry.changed.iter().map(|f| format!("~{f}")));
    if changes.is_empty() {
        changes.push("(no flag changed)".to_owned());
    }
    format!(
        "{:>4}  {}  {}  {}  {:?}  {}",
        entry.revision,
        entry.version.as_deref().unwrap_or("?"),
        entry.published_at.as_deref().unwrap_or("?"),
        entry.author.as_deref().unwrap_or("?"),
        entry.message.as_deref().unwrap_or(""),
        changes.join(" ")
    )
}

pub fn rollback(args: &RollbackArgs) -> ExitCode {
    let Some(runtime) = runtime() else { return ExitCode::from(EXIT_ERRORS) };
    let author = author(args.author.as_ref());
    let result = runtime.block_on(async {
        let broker = Broker::connect(&args.broker.nats, &args.broker.bucket, CONNECT_TIMEOUT).await?;
        broker.rollback(&args.name, args.to, &author, args.message.as_deref()).await
    });
    match result {
        Ok(result) => {
            print_published(&result, args.format);
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error, args.format),
    }
}

/// Prints one status line (JSON) per change of any followed ruleset, until
/// interrupted. `stale_for_ms` alone changing is not a change.
pub fn follow(args: &FollowArgs) -> ExitCode {
    let names: Vec<String> = match (&args.file, args.names.is_empty()) {
        (Some(file), true) => {
            vec![file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "ruleset".to_owned())]
        }
        _ => args.names.clone(),
    };
    if names.is_empty() || (args.file.is_none() && args.nats.is_none()) {
        eprintln!("vexil: follow needs NAME… --nats URL, or --file FILE");
        return ExitCode::from(EXIT_USAGE);
    }
    if args.file.is_some() && names.len() > 1 {
        eprintln!("vexil: --file follows one ruleset");
        return ExitCode::from(EXIT_USAGE);
    }
    if args.file.is_none()
        && let Some(problem) = names.iter().find_map(|n| vexil_sync::record::name_problem(n))
    {
        eprintln!("vexil: {problem}");
        return ExitCode::from(EXIT_USAGE);
    }
    let Some(runtime) = runtime() else { return ExitCode::from(EXIT_ERRORS) };
    runtime.block_on(async {
        let cache = args.cache.clone().map(|dir| Cache { dir });
        let nats_options = args.nats.as_deref().map(|urls| {
            let mut options = nats::FollowOptions::new(urls);
            options.bucket = args.bucket.clone();
            options
        });
        let followers: Vec<Arc<Follower>> = names
            .iter()
            .map(|name| {
                let label = match (&args.file, &nats_options) {
                    (Some(file), _) => file.display().to_string(),
                    (None, Some(options)) => options.label(name),
                    (None, None) => String::new(),
                };
                Follower::new(name, &label, Arc::new(Serving::default()), cache.clone())
            })
            .collect();
        for follower in &followers {
            follower.load_cache();
        }
        // Keep the sources alive while printing.
        let _nats = nats_options.as_ref().map(|options| nats::follow(options, followers.clone()));
        let _file = args.file.as_ref().and_then(|file| {
            followers.first().map(|f| vexil_sync::file::follow_file(file.clone(), f.clone(), Duration::from_millis(20)))
        });
        let mut receivers: Vec<_> = followers.iter().map(|f| f.changes()).collect();
        let mut printed: Vec<Option<Status>> = vec![None; followers.len()];
        loop {
            for (follower, last) in followers.iter().zip(printed.iter_mut()) {
                let status = follower.status();
                let same =
                    last.as_ref().is_some_and(|l| Status { stale_for_ms: status.stale_for_ms, ..l.clone() } == status);
                if !same {
                    println!("{}", serde_json::to_string(&status).unwrap_or_default());
                    *last = Some(status);
                }
            }
            let _ = io::stdout().flush();
            let changed = futures_util::future::select_all(receivers.iter_mut().map(|r| Box::pin(r.changed())));
            tokio::select! {
                _ = changed => {}
                _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
            }
        }
    })
}
