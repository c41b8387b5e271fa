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
use codespan_reporting::files::{Error as FilesError, Files, SimpleFile};
use codespan_reporting::term::{self, Config, termcolor::WriteColor};
use vexil::{Diagnostic, Severity};

/// At most this many diagnostics of one file are rendered; a line then says
/// how many more there are (`--format json` lists them all). A broken file
/// of a few kilobytes can hold thousands of errors.
pub const MAX_RENDERED: usize = 100;

/// A source line longer than this (in bytes) is shown as a window of about
/// this size around the diagnostic, so output stays proportional to the
/// number of diagnostics, not to their lines' length.
const WINDOW_BYTES: usize = 240;

/// Renders the diagnostics of one file to `out`, in the order given (the
/// checker sorts them by position): at most [`MAX_RENDERED`], each with at
/// most a window of its line. Colour is whatever `out` supports: pass a
/// `termcolor::NoColor` (or use [`render_to_string`]) for plain text.
pub fn render<W: WriteColor + ?Sized>(
    out: &mut W,
    file_name: &str,
    source: &str,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    // A leading byte order mark is not shown, nor counted as a column (as `LineIndex`).
    let (source, skipped) = match source.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (source, 0),
    };
    let file = SimpleFile::new(file_name, source);
    let config = Config::default();
    for diagnostic in diagnostics.iter().take(MAX_RENDERED) {
        let span = diagnostic.span.range();
        let range = clamp_span(source, span.start.saturating_sub(skipped)..span.end.saturating_sub(skipped));
        let emitted = match Window::around(file_name, source, range.clone()) {
            Some((window, range)) => {
                term::emit_to_write_style(out, &config, &window, &to_report((), range, diagnostic))
            }
            None => term::emit_to_write_style(out, &config, &file, &to_report((), range, diagnostic)),
        };
        emitted.map_err(io::Error::other)?;
    }
    if let Some(more) = diagnostics.len().checked_sub(MAX_RENDERED).filter(|&n| n > 0) {
        writeln!(out, "… and {more} more in {file_name} (`--format json` lists every diagnostic)\n")?;
    }
    Ok(())
}

/// One long source line, cut to a window around a span: what codespan sees
/// instead of the whole file, with the real line and column numbers.
struct Window<'a> {
    name: &'a str,
    /// `…` + the window's text + `…` (the marks only where text was cut).
    text: String,
    line_number: usize,
    /// The 1-based column of the first character after the leading mark.
    first_column: usize,
    /// Bytes of the leading mark (0 when the window starts at the line's start).
    lead: usize,
}

impl<'a> Window<'a> {
    /// `None` when the span's line is short enough to show whole.
    fn around(name: &'a str, source: &str, span: Range<usize>) -> Option<(Window<'a>, Range<usize>)> {
        let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[span.start..].find('\n').map_or(source.len(), |i| span.start + i);
        if line_end - line_start <= WINDOW_BYTES {
            return None;
        }
        let floor = |mut i: usize| {
            while !source.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(span.start.saturating_sub(WINDOW_BYTES / 3).max(line_start));
        let end = floor((start + WINDOW_BYTES).min(line_end));
        let (open, close) = (if start > line_start { "…" } else { "" }, if end < line_end { "…" } else { "" });
        let text = format!("{open}{}{close}", &source[start..end]);
        let line_number = source[..line_start].bytes().filter(|&b| b == b'\n').count() + 1;
        let first_column = source[line_start..start].chars().count() + 1;
        // The label, clipped to the window (a span may run past it, or onto later lines).
        let shift = |i: usize| i.clamp(start, end) - start + open.len();
        let range = shift(span.start)..shift(span.end).max(shift(span.start));
        Some((Window { name, text, line_number, first_column, lead: open.len() }, range))
    }
}

impl<'a> Files<'a> for Window<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(self.name)
    }
    fn source(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.text)
    }
    fn line_index(&'a self, (): (), _byte_index: usize) -> Result<usize, FilesError> {
        Ok(0)
    }
    fn line_number(&'a self, (): (), _line_index: usize) -> Result<usize, FilesError> {
        Ok(self.line_number)
    }
    fn column_number(&'a self, (): (), _line_index: usize, byte_index: usize) -> Result<usize, FilesError> {
        let within = self.text.get(self.lead..byte_index.max(self.lead)).unwrap_or("");
        Ok(self.first_column + within.chars().count())
    }
    fn line_range(&'a self, (): (), _line_index: usize) -> Result<Range<usize>, FilesError> {
        Ok(0..self.text.len())
    }
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

fn to_report(file_id: (), range: Range<usize>, diagnostic: &Diagnostic) -> Report<()> {
    let severity = match diagnostic.severity() {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
    };
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
