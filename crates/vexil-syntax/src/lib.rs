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

/// The reserved words (LANGUAGE.md §2, a closed list): no name may be one,
/// though any may follow a `.` in a path. The grammar's `reserved` rule is the
/// source of truth; a test keeps this list equal to it.
pub const RESERVED_WORDS: [&str; 17] = [
    "enum", "context", "segment", "flag", "rule", "when", "split", "by", "salt", "and", "or", "not", "in", "has",
    "now", "true", "false",
];
pub use parser::parse;
pub use span::{LineIndex, Span};

#[cfg(test)]
mod reserved_tests {
    #[test]
    fn the_reserved_words_are_the_grammars() {
        let grammar = include_str!("../../../grammar/vexil.pest");
        let rule = grammar.split("reserved   = @{").nth(1).and_then(|r| r.split('}').next()).unwrap_or_default();
        let mut words: Vec<&str> = rule.split('"').skip(1).step_by(2).collect();
        words.sort_unstable();
        let mut listed = super::RESERVED_WORDS.to_vec();
        listed.sort_unstable();
        assert_eq!(words, listed);
        for word in super::RESERVED_WORDS {
            assert!(super::parse(&format!("segment {word} = true")).1.iter().any(|d| d.is_error()), "{word}");
        }
        assert!(super::parse("segment seed = true").1.is_empty());
    }
}
