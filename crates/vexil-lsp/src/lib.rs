//! `vexil lsp`: the Language Server Protocol for `.vx` rulesets, over stdio.
//!
//! Every answer comes from one check of the document's current text by the
//! one front end and checker (`vexil_check::check_with_ast` with the index of
//! names and expression types): no second parser, no second resolver. The
//! text is kept with incremental edits and re-checked after each change
//! (`benches/edit.rs` measures it on a 2,000-line ruleset).
//!
//! Capabilities: diagnostics with codes and help as you type; hover (an
//! expression's type, an attribute's declared type, a flag's type, kind,
//! owner, expiry and description, an enum's members, what an operator
//! does); go to definition and find references for segments, flags, enums,
//! members and context attributes; completion (context paths after `.`,
//! enum members where an enum is expected, flag names after `requires`,
//! clause keywords in a flag); rename; formatting (`vexil fmt`); quick fixes
//! for "did you mean"; semantic tokens for every resolved name.

mod analysis;
mod server;
mod text;
pub mod transport;

pub use analysis::{TOKEN_MODIFIERS, TOKEN_TYPES};
pub use lsp_types;
pub use server::{Server, serve};

/// Hover at a position of a source (for hosts other than an LSP client:
/// `vexil serve` answers the playground with it).
pub fn hover(source: &str, position: lsp_types::Position, today: Option<vexil::Timestamp>) -> Option<lsp_types::Hover> {
    analysis::Analysis::new(text::Text::new(source.to_owned()), today).hover(position)
}

/// Completion at a position of a source (as [`hover`]).
pub fn completion(source: &str, position: lsp_types::Position) -> Vec<lsp_types::CompletionItem> {
    analysis::Analysis::new(text::Text::new(source.to_owned()), None).completion(position)
}

/// Serves one client on standard input and output until it exits.
/// `today` dates the expiry warnings (W0002), as in `vexil check`.
pub fn run_stdio(today: Option<vexil::Timestamp>) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    serve(&mut stdin.lock(), &mut stdout.lock(), today)
}
