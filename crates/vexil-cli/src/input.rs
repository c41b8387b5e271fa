//! Reading what the command line is given, with the limits applied while
//! reading (`vexil check /dev/zero` stops after 16 MiB + 1 byte, never
//! allocates more), and every problem turned into a diagnostic or a decision
//! rather than an I/O error.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use vexil::{Code, Diagnostic, Span, limits};

/// A ruleset file as the checker sees it: its text, or the one diagnostic
/// that stands for it when it cannot be checked (too large, not UTF-8).
pub struct Source {
    /// The text (lossy when the file is not UTF-8, for rendering only).
    pub text: String,
    pub unreadable: Option<Diagnostic>,
}

/// Reads a ruleset (`-`: standard input). `Err` only for I/O errors (a missing file): a usage error.
pub fn read_source(path: &Path) -> io::Result<Source> {
    let bytes = read_at_most(path, limits::MAX_SOURCE_BYTES)?;
    if bytes.len() > limits::MAX_SOURCE_BYTES {
        let message = format!("the source is larger than the limit of {} bytes", limits::MAX_SOURCE_BYTES);
        return Ok(Source {
            text: String::new(),
            unreadable: Some(Diagnostic::new(Code::SourceTooLarge, Span::new(0, 0), message)),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { text, unreadable: None }),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            // The replacement character stands where the bad byte was.
            let diagnostic = Diagnostic::new(
                Code::Syntax,
                Span::new(at, at + '\u{fffd}'.len_utf8()),
                format!("the file is not UTF-8 text: invalid byte at offset {at}"),
            )
            .with_help("save the ruleset as UTF-8");
            Ok(Source { text, unreadable: Some(diagnostic) })
        }
    }
}

/// A context file (`--context @FILE`), at most [`limits::MAX_CONTEXT_BYTES`].
pub fn read_context_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let bytes = read_at_most(path, limits::MAX_CONTEXT_BYTES)
        .map_err(|e| format!("cannot read context file `{shown}`: {e}"))?;
    if bytes.len() > limits::MAX_CONTEXT_BYTES {
        return Err(format!("context file `{shown}` is larger than the limit of {} bytes", limits::MAX_CONTEXT_BYTES));
    }
    String::from_utf8(bytes).map_err(|e| format!("context file `{shown}` is not UTF-8: {e}"))
}

/// Up to `limit + 1` bytes of a file: one more than allowed tells "too large".
fn read_at_most(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(limit as u64 + 1).read_to_end(&mut bytes)?;
    } else {
        File::open(path)?.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// One line of a batch, read with its limit applied while reading.
pub enum Line {
    Text(String),
    /// Longer than the limit: the rest of the line was skipped, not stored.
    TooLong,
    /// Not UTF-8; the offset of the first invalid byte.
    NotUtf8(usize),
}

/// The next line (without its `\n` or `\r\n`), or `None` at the end.
pub fn read_line(input: &mut impl BufRead, limit: usize, buffer: &mut Vec<u8>) -> io::Result<Option<Line>> {
    buffer.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1),
            None => (available, available.len()),
        };
        if !too_long {
            if buffer.len() + chunk.len() > limit {
                too_long = true;
                buffer.clear();
            } else {
                buffer.extend_from_slice(chunk);
            }
        }
        let ended = done > chunk.len();
        input.consume(done);
        if ended {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Ok(Some(match std::str::from_utf8(buffer) {
        Ok(text) => Line::Text(text.to_owned()),
        Err(error) => Line::NotUtf8(error.valid_up_to()),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<String> {
        let mut reader = io::BufReader::with_capacity(4, input);
        let mut buffer = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = read_line(&mut reader, limit, &mut buffer).unwrap() {
            out.push(match line {
                Line::Text(text) => text,
                Line::TooLong => "<too long>".into(),
                Line::NotUtf8(at) => format!("<not utf-8 at {at}>"),
            });
        }
        out
    }

    #[test]
    fn lines_are_read_with_their_limit() {
        assert_eq!(lines(b"ab\ncd\r\n\nlast", 8), ["ab", "cd", "", "last"]);
        assert_eq!(lines(b"0123456789\nok\n", 8), ["<too long>", "ok"]);
        assert_eq!(lines(b"12345678\n", 8), ["12345678"]);
        assert_eq!(lines(b"a\xffb\nok", 8), ["<not utf-8 at 1>", "ok"]);
        assert!(lines(b"", 8).is_empty());
    }
}
