//! `vexil import`: flag definitions from flagd or Unleash → one checked Vexil
//! ruleset that decides what the incumbent decides today, buckets included,
//! and a [`Report`] of every construct translated and every one that was not
//! (with where it is and what to do).
//!
//! The importers only write Vexil text; the ruleset is then checked by the one
//! front end ([`vexil::check`]). An import whose text does not check is an
//! [`ImportError::Internal`]: nothing is emitted.
//!
//! - [`unleash`]: the client features API (`/api/client/features`) JSON.
//!   Unleash hashes `"{groupId}:{id}"` with MurmurHash3 modulo 100 for rollouts
//!   and with seed 86028157 modulo the total weight for variants: the split
//!   options `salt "{groupId}:" [seed 86028157] modulo` reproduce both.
//! - [`flagd`]: flagd flag definitions (JSON); `fractional` is flagd v2's
//!   bucketing, which equals Vexil's default split.

mod expr;
pub mod flagd;
pub mod unleash;
mod vx;

use serde::Serialize;

pub use vx::{Attribute, Type};

/// A ruleset and what the importer has to say about it.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The `.vx` source; it checks (warnings aside).
    pub source: String,
    pub report: Report,
}

/// What was translated and what needs the user's attention.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// `flagd` or `unleash`.
    pub format: &'static str,
    /// One entry per source flag: its key there and the Vexil flags it became.
    pub flags: Vec<FlagReport>,
    /// The inferred context schema: every attribute, its type and why.
    pub context: Vec<Attribute>,
    /// Constructs translated, in source order.
    pub translated: Vec<Note>,
    /// Constructs not translated (or not exactly): each with its location and what to do.
    pub attention: Vec<Note>,
    /// The checker's warnings on the generated ruleset (code and message).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagReport {
    /// The key in the source (`new-checkout`).
    pub source_key: String,
    /// The Vexil flag deciding it (`new_checkout`), and, for Unleash variants,
    /// the flag deciding the variant's name.
    pub flag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_flag: Option<String>,
    /// Whether the flag decides exactly as the source does (the variant flag aside).
    pub exact: bool,
    /// Whether the variant flag decides exactly as the source does (true when there is none).
    pub variant_exact: bool,
}

/// One construct, located by a JSON pointer into the source (`/features/2/strategies/0`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Note {
    pub location: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum ImportError {
    /// The input is not the format's JSON; the message says where and why.
    Input(String),
    /// The generated ruleset did not check: a bug of the importer. The text
    /// and the checker's errors, for a bug report.
    Internal { source: String, errors: Vec<String> },
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Input(message) => write!(f, "{message}"),
            ImportError::Internal { errors, .. } => {
                write!(f, "internal error: the generated ruleset does not check ({})", errors.join("; "))
            }
        }
    }
}

impl std::error::Error for ImportError {}

/// The largest input an import reads (the ruleset it writes is bounded by the
/// checker's own source limit).
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// The ruleset's text in its order (header, context, segments, flags), the
/// report's context and renames, then the check.
fn assemble(
    header: &str,
    schema: &vx::Schema,
    segments: &str,
    flags: &str,
    mut report: Report,
) -> Result<Imported, ImportError> {
    let mut source = format!("{header}\n");
    let block = schema.block();
    if !block.is_empty() {
        source += &block;
        source.push('\n');
    }
    source += segments;
    source += flags;
    report.context = schema.attributes().cloned().collect();
    report.note_renames();
    finish(source, report)
}

/// Checks the generated text: the import is returned only when it checks.
fn finish(source: String, mut report: Report) -> Result<Imported, ImportError> {
    let checked = vexil::check(&source, &vexil::CheckOptions::default());
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {} at byte {}", d.code.as_str(), d.message, d.span.start))
        .collect();
    if !errors.is_empty() {
        return Err(ImportError::Internal { source, errors });
    }
    report.warnings = checked.diagnostics.iter().map(|d| format!("{} {}", d.code.as_str(), d.message)).collect();
    Ok(Imported { source, report })
}

/// A JSON pointer token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub(crate) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Report {
    fn translated(&mut self, location: &str, message: impl Into<String>) {
        self.translated.push(Note { location: location.to_owned(), message: message.into() });
    }

    fn attention(&mut self, location: &str, message: impl Into<String>) {
        self.attention.push(Note { location: location.to_owned(), message: message.into() });
    }

    /// One note for every flag whose name had to change: callers must ask
    /// for the new names (the table of flags lists them).
    fn note_renames(&mut self) {
        let renamed: Vec<String> = self
            .flags
            .iter()
            .filter(|f| f.source_key != f.flag)
            .map(|f| format!("{} → {}", f.source_key, f.flag))
            .collect();
        if !renamed.is_empty() {
            let shown: Vec<&str> = renamed.iter().take(5).map(String::as_str).collect();
            let more = if renamed.len() > 5 { format!(", and {} more", renamed.len() - 5) } else { String::new() };
            self.attention(
                "",
                format!(
                    "{} flag key(s) are not Vexil names and were renamed ({}{more}): callers ask for the new keys; buckets do not move",
                    renamed.len(),
                    shown.join(", ")
                ),
            );
        }
    }

    /// The report as `vexil import` prints it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let exact = self.flags.iter().filter(|f| f.exact && f.variant_exact).count();
        out += &format!(
            "imported {} flag(s) from {}: {} decide exactly as there, {} not exactly; {} note(s) need attention\n",
            self.flags.len(),
            self.format,
            exact,
            self.flags.len() - exact,
            self.attention.len()
        );
        for flag in &self.flags {
            let variant = flag.variant_flag.as_ref().map(|v| format!(" (variant: {v})")).unwrap_or_default();
            let mark = match (flag.exact, flag.variant_exact) {
                (true, true) => "",
                (true, false) => "  [variant not exact]",
                _ => "  [not exact]",
            };
            out += &format!("  {} → {}{variant}{mark}\n", flag.source_key, flag.flag);
        }
        if !self.context.is_empty() {
            out += "context (every attribute optional; send each as typed here):\n";
            for attribute in &self.context {
                let from = if attribute.source == attribute.path {
                    String::new()
                } else {
                    format!(" (from `{}`)", attribute.source)
                };
                out += &format!("  {}: {}{from} — {}\n", attribute.path, attribute.ty.as_str(), attribute.why);
            }
        }
        if !self.attention.is_empty() {
            out += "needs attention:\n";
            for note in &self.attention {
                let location = if note.location.is_empty() { "(all)" } else { note.location.as_str() };
                out += &format!("  {location}: {}\n", note.message);
            }
        }
        if !self.warnings.is_empty() {
            out += "checker warnings on the result:\n";
            for warning in &self.warnings {
                out += &format!("  {warning}\n");
            }
        }
        out += &format!("translated constructs: {} (--format json lists them)\n", self.translated.len());
        out
    }
}
