//! A document's text and LSP positions: lines split at `\n` (a `\r` before
//! it belongs to the line ending), columns in UTF-16 code units as LSP
//! requires. Positions past a line's end or the document's end are clamped.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};
use vexil::Span;

#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl Text {
    pub fn new(text: String) -> Text {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Text { text, line_starts }
    }

    /// The byte range of line `line` without its line ending.
    fn line(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        let mut end = self.line_starts.get(line + 1).map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// The byte offset of a position (clamped to the line and the text).
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_starts.len() {
            return self.text.len();
        }
        let (start, end) = self.line(line);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    /// The position of a byte offset (clamped to the text, moved back to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let character: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start as usize), end: self.position(span.end as usize) }
    }

    /// Applies one change (a range and its new text, or the whole text).
    pub fn apply(&mut self, change: TextDocumentContentChangeEvent) {
        let text = match change.range {
            None => change.text,
            Some(range) => {
                let start = self.offset(range.start);
                let end = self.offset(range.end).max(start);
                let mut text = String::with_capacity(self.text.len() + change.text.len());
                text.push_str(&self.text[..start]);
                text.push_str(&change.text);
                text.push_str(&self.text[end..]);
                text
            }
        };
        *self = Text::new(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn columns_count_utf16_code_units() {
        // "é" is 2 bytes and 1 unit; "🚩" is 4 bytes and 2 units.
        let text = Text::new("ab\r\né🚩x\nlast".to_owned());
        assert_eq!(text.offset(pos(1, 0)), 4);
        assert_eq!(text.offset(pos(1, 1)), 6);
        assert_eq!(text.offset(pos(1, 3)), 10);
        assert_eq!(text.position(10), pos(1, 3));
        assert_eq!(text.position(6), pos(1, 1));
        // Past the end of a line, and past the end of the text: clamped.
        assert_eq!(text.offset(pos(0, 99)), 2);
        assert_eq!(text.offset(pos(9, 0)), text.text.len());
        // Inside a character: the boundary before it.
        assert_eq!(text.position(7), pos(1, 1));
    }

    #[test]
    fn edits_apply_by_range_and_past_the_end() {
        let mut text = Text::new("flag é: bool {}\n".to_owned());
        let edit = |start, end, new: &str| TextDocumentContentChangeEvent {
            range: Some(Range { start, end }),
            range_length: None,
            text: new.to_owned(),
        };
        text.apply(edit(pos(0, 5), pos(0, 6), "f"));
        assert_eq!(text.text, "flag f: bool {}\n");
        text.apply(edit(pos(5, 0), pos(9, 9), "// end"));
        assert_eq!(text.text, "flag f: bool {}\n// end");
        text.apply(edit(pos(0, 9), pos(0, 2), ""));
        assert_eq!(text.text, "flag f: bool {}\n// end", "a reversed range inserts nothing and removes nothing");
    }
}
