//! Vexil checker (skeleton; being written).
use vexil_syntax::Diagnostic;
use vexil_value::Timestamp;

/// Settings of one check run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The date flags' `expires` is compared with (midnight UTC). `None`: no expiry warnings.
    pub today: Option<Timestamp>,
}

/// Parses and checks a source file. Diagnostics are sorted by position.
pub fn check(source: &str, _options: &Options) -> Checked {
    let (_file, mut diagnostics) = vexil_syntax::parse(source);
    vexil_syntax::diagnostic::sort(&mut diagnostics);
    Checked { program: None, diagnostics }
}

#[derive(Debug)]
pub struct Checked {
    /// Present only when there are no errors.
    pub program: Option<()>,
    pub diagnostics: Vec<Diagnostic>,
}
