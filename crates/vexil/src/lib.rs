//! Vexil: one rule engine for every stack. Compile a ruleset once, evaluate
//! flags many times; the same decisions natively, under wasmtime and in the
//! browser.
//!
//! Data flows one way: text → [`vexil_syntax`] → [`vexil_check`] → [`vexil_eval`] → decision.

pub use vexil_check::{Checked, Options as CheckOptions, check};
pub use vexil_syntax::{Code, Diagnostic, DiagnosticRecord, LineIndex, Severity, Span};
pub use vexil_value::Timestamp;

/// Diagnostics of `source` in their boundary (JSON) form, sorted by position.
pub fn diagnostic_records(source: &str, diagnostics: &[Diagnostic], file: Option<&str>) -> Vec<DiagnosticRecord> {
    let index = LineIndex::new(source);
    diagnostics.iter().map(|d| d.to_record(&index, file)).collect()
}
