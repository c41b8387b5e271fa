//! Vexil syntax: source text → AST with byte spans, plus the diagnostic type
//! every later stage reports through.
//!
//! Dependencies: `pest` (the one grammar, `grammar/vexil.pest`), `serde` (the
//! diagnostic boundary type).

pub mod ast;
pub mod diagnostic;
pub mod format;
mod items;
pub mod limits;
pub mod operators;
mod parser;
pub mod span;
pub mod suggest;
mod syntax_error;

pub use diagnostic::{Code, Diagnostic, DiagnosticRecord, Severity};
pub use parser::parse;
pub use span::{LineIndex, Span};
