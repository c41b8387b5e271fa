//! Byte spans and their line/column form.

/// A half-open range of UTF-8 byte offsets into the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: clamp(start), end: clamp(end) }
    }

    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

// Sources are limited far below 4 GiB before parsing, so this never saturates
// in practice; saturating keeps the type total.
fn clamp(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Maps byte offsets to 1-based line and column, columns counting Unicode
/// scalar values. A byte order mark at the start is not part of line 1 (an
/// editor does not show it): the first character after it is column 1.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 }];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text: text.to_owned(), line_starts }
    }

    pub fn line_column(&self, offset: u32) -> (u32, u32) {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0);
        let offset = offset.max(line_start);
        let column = self.text.get(line_start..offset).map_or(offset - line_start, |prefix| prefix.chars().count());
        (clamp(line + 1), clamp(column + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_scalar_values() {
        let index = LineIndex::new("ab\n\u{e9}\u{e9}x\n");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(2), (1, 3));
        assert_eq!(index.line_column(3), (2, 1));
        // 'x' sits after two 2-byte characters.
        assert_eq!(index.line_column(7), (2, 3));
        assert_eq!(index.line_column(9), (3, 1));
    }

    #[test]
    fn a_leading_byte_order_mark_takes_no_column() {
        let index = LineIndex::new("\u{feff}ab\ncd");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(3), (1, 1));
        assert_eq!(index.line_column(4), (1, 2));
        assert_eq!(index.line_column(6), (2, 1));
    }
}
