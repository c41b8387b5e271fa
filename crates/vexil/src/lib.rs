//! Vexil: one rule engine for every stack. Compile a ruleset once, evaluate
//! flags many times; the same decisions natively, under wasmtime and in the
//! browser.
//!
//! Data flows one way: text → [`vexil_syntax`] → [`vexil_check`] → [`vexil_eval`] → decision.
//!
//! ```
//! let ruleset = vexil::compile(r#"
//!     context { user.id: string }
//!     flag beta: bool { owner "me" default false rule when user.id == "ada" => true }
//! "#, &vexil::CheckOptions::default()).unwrap();
//! let now = vexil::Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
//! let decision = ruleset.evaluate_json("beta", r#"{"user":{"id":"ada"}}"#, now);
//! assert_eq!(decision.reason, vexil::Reason::TargetingMatch);
//! ```

mod live;
pub mod request;

pub use live::LiveRuleset;

pub use vexil_check::{Checked, Options as CheckOptions, check};
pub use vexil_eval::{
    AttrInfo, Context, Decision, DecisionSet, ErrorCode, EvalError, Explanation, FlagInfo, FlagValue, Outcome, Reason,
    Ruleset,
};
/// `vexil fmt`'s canonical layout: [`format::format`].
pub use vexil_syntax::format;
pub use vexil_syntax::{Code, Diagnostic, DiagnosticRecord, LineIndex, Severity, Span, limits};
pub use vexil_value::Timestamp;

/// A ruleset's version (LANGUAGE.md §7) without compiling it: the first 16
/// hex digits of the SHA-256 of `source`. Equal to [`Ruleset::version`] of
/// the compiled source; publishers and followers check one against the other.
pub fn ruleset_version(source: &str) -> String {
    vexil_eval::version_of(source)
}

/// Boundary types (decisions, traces, catalogue), re-exported for bindings.
pub mod decision {
    pub use vexil_eval::decision::*;
}

/// A ruleset that did not compile: every diagnostic of the source.
#[derive(Debug, Clone)]
pub struct CompileError {
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        write!(f, "the ruleset has {errors} error(s)")?;
        if let Some(first) = self.diagnostics.iter().find(|d| d.is_error()) {
            write!(f, "; first: {} {}", first.code.as_str(), first.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}

/// Parses, checks and lowers a ruleset. Warnings do not stop compilation;
/// use [`check`] (or [`analyze`]) to see them.
pub fn compile(source: &str, options: &CheckOptions) -> Result<Ruleset, CompileError> {
    let analysis = analyze(source, options);
    analysis.ruleset.ok_or(CompileError { diagnostics: analysis.diagnostics })
}

/// Every diagnostic of a source and, when none is an error, the compiled
/// ruleset: one pass for tools that show diagnostics and evaluate (editors,
/// the playground).
#[derive(Debug)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    pub ruleset: Option<Ruleset>,
}

pub fn analyze(source: &str, options: &CheckOptions) -> Analysis {
    let checked = check(source, options);
    let ruleset = checked.program.map(|program| Ruleset::new(&program, source));
    Analysis { diagnostics: checked.diagnostics, ruleset }
}

/// Diagnostics of `source` in their boundary (JSON) form, sorted by position.
pub fn diagnostic_records(source: &str, diagnostics: &[Diagnostic], file: Option<&str>) -> Vec<DiagnosticRecord> {
    let index = LineIndex::new(source);
    diagnostics.iter().map(|d| d.to_record(&index, file)).collect()
}
