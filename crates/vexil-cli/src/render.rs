//! Human output: diagnostics rendered like a compiler's, with
//! `codespan-reporting` (source line, underline, `= help:` notes, colour).
//!
//! ```text
//! error[E0101]: unknown context attribute `user.contry`
//!   ┌─ flags.vx:12:22
//!   │
//! 12 │   rule de: when user.contry == "DE" => true
//!   │                 ^^^^^^^^^^^
//!   │
//!   = help: did you mean `user.country`?
//! ```

use std::io;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, termcolor::WriteColor};
use vexil::{Diagnostic, Severity};

/// Renders every diagnostic of one file to `out`, in the order given (the
/// checker sorts them by position). Colour is whatever `out` supports: pass a
/// `termcolor::NoColor` (or use [`render_to_string`]) for plain text.
pub fn render<W: WriteColor + ?Sized>(
    out: &mut W,
    file_name: &str,
    source: &str,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let mut files = SimpleFiles::new();
    let file_id = files.add(file_name, source);
    let config = Config::default();
    for diagnostic in diagnostics {
        let report = to_report(file_id, source, diagnostic);
        term::emit_to_write_style(out, &config, &files, &report).map_err(io::Error::other)?;
    }
    Ok(())
}

/// [`render`] without colour, into a string (the fixture snapshots, `vexil eval`'s compile errors).
pub fn render_to_string(file_name: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = term::termcolor::NoColor::new(Vec::new());
    // Writing into a Vec cannot fail, and spans are clamped into the source.
    if let Err(error) = render(&mut out, file_name, source, diagnostics) {
        return format!("<rendering failed: {error}>\n");
    }
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}

fn to_report(file_id: usize, source: &str, diagnostic: &Diagnostic) -> Report<usize> {
    let severity = match diagnostic.severity() {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
    };
    let range = clamp_span(source, diagnostic.span.range());
    let mut report = Report::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_label(Label::primary(file_id, range));
    if let Some(help) = &diagnostic.help {
        report = report.with_note(format!("help: {help}"));
    }
    report
}

/// Keeps a span inside the source and on character boundaries, so that a
/// checker bug shows as a slightly wrong underline instead of a render error.
fn clamp_span(source: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start.min(source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, source.len());
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// How many diagnostics of each severity a run found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Counts {
    pub fn add(&mut self, diagnostics: &[Diagnostic]) {
        self.files += 1;
        for diagnostic in diagnostics {
            match diagnostic.severity() {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
    }
}

/// The last line of `vexil check`: `vexil: 2 errors, 1 warning in 1 file`,
/// `ok: 3 files checked, 1 warning`, or `ok: 3 files checked`.
pub fn summary(counts: Counts) -> String {
    let files = plural(counts.files, "file");
    let warnings = plural(counts.warnings, "warning");
    if counts.errors > 0 {
        format!("vexil: {}, {warnings} in {files}", plural(counts.errors, "error"))
    } else if counts.warnings > 0 {
        format!("ok: {files} checked, {warnings}")
    } else {
        format!("ok: {files} checked")
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vexil::{Code, Span};

    #[test]
    fn clamps_spans_into_the_source_and_onto_char_boundaries() {
        let source = "a\u{e9}b";
        // An empty span inside a character widens to that character.
        assert_eq!(clamp_span(source, 2..2), 1..3);
        assert_eq!(clamp_span(source, 0..2), 0..3);
        assert_eq!(clamp_span(source, 9..12), 4..4);
        assert_eq!(clamp_span(source, Range { start: 3, end: 1 }), 3..3);
    }

    #[test]
    fn renders_code_position_and_help() {
        let source = "flag a: bool {\n  default maybe\n}\n";
        let diagnostic = Diagnostic::new(Code::UnknownName, Span::new(25, 30), "unknown name `maybe`")
            .with_help("did you mean `true`?");
        let text = render_to_string("a.vx", source, &[diagnostic]);
        assert!(text.starts_with("error[E0101]: unknown name `maybe`"), "{text}");
        assert!(text.contains("a.vx:2:11"), "{text}");
        assert!(text.contains("^^^^^"), "{text}");
        assert!(text.contains("= help: did you mean `true`?"), "{text}");
    }

    #[test]
    fn summaries() {
        let c = |files, errors, warnings| Counts { files, errors, warnings };
        assert_eq!(summary(c(1, 2, 1)), "vexil: 2 errors, 1 warning in 1 file");
        assert_eq!(summary(c(2, 1, 0)), "vexil: 1 error, 0 warnings in 2 files");
        assert_eq!(summary(c(3, 0, 1)), "ok: 3 files checked, 1 warning");
        assert_eq!(summary(c(1, 0, 0)), "ok: 1 file checked");
    }
}
