//! A cheap lexical pass that runs before the grammar: it finds where each
//! top-level item starts, so that a syntax error stays inside its item, and it
//! enforces the limits that protect the recursive-descent parser's stack
//! (bracket depth, runs of `not`, `??` chains) before pest ever sees the text.

use crate::diagnostic::{Code, Diagnostic};
use crate::limits;
use crate::span::Span;

/// A top-level item's text range. `parse` is false when this pass already
/// reported a problem that would only make the grammar's error confusing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRange {
    pub start: usize,
    pub end: usize,
    pub parse: bool,
}

const ITEM_KEYWORDS: [&str; 4] = ["enum", "context", "segment", "flag"];

pub fn split_items(source: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<ItemRange> {
    let mut scanner = Scanner::new(source);
    let mut items: Vec<ItemRange> = Vec::new();
    let mut state = ItemState::default();
    let mut leading_junk: Option<Span> = None;
    let mut previous_was_dot = false;

    while let Some(token) = scanner.next_token() {
        // Anything after a braced item's closing `}` and before the next item
        // is junk of its own (a stray `}` an editor added): the item ends at
        // its `}` and keeps its own diagnostics; the junk gets one error.
        let is_item_keyword = matches!(token, Token::Word { start, end }
            if !previous_was_dot && ITEM_KEYWORDS.contains(&&source[start..end]));
        if state.closed_at.is_some() && !is_item_keyword && !matches!(token, Token::Unterminated { .. }) {
            let (start, end) = (token.start(), scanner.pos);
            state.junk = Some(state.junk.map_or(Span::new(start, end), |junk| Span::new(junk.range().start, end)));
            continue;
        }
        match token {
            Token::Word { start, end } => {
                let word = &source[start..end];
                if is_item_keyword {
                    if let Some(last) = items.last_mut() {
                        last.end = start;
                        state.finish(last, source, diagnostics);
                    }
                    items.push(ItemRange { start, end: source.len(), parse: true });
                    state = ItemState { braced: word != "segment", ..ItemState::default() };
                } else if items.is_empty() {
                    leading_junk.get_or_insert(Span::new(start, end));
                }
                // A path's components: `user.address.city` is one run of three.
                state.path_run = if previous_was_dot { state.path_run + 1 } else { 1 };
                if state.path_run > limits::MAX_PATH_COMPONENTS && state.ok {
                    state.refuse(
                        diagnostics,
                        Code::TooMany,
                        Span::new(start, end),
                        format!("a path with more than {} components", limits::MAX_PATH_COMPONENTS),
                    );
                }
                // `and`/`or` operands of the expression being read, counted per
                // bracket level (each bracket is an expression of its own);
                // words that start an expression start a new count.
                if !previous_was_dot {
                    match word {
                        "and" | "or" => {
                            let chain = state.lists.last_mut().map_or(&mut state.chain, |(_, _, chain)| chain);
                            *chain += 1;
                            if *chain >= limits::MAX_CHAIN_OPERANDS && state.ok {
                                state.refuse(
                                    diagnostics,
                                    Code::TooMany,
                                    Span::new(start, end),
                                    format!("more than {} operands joined by `and`/`or`", limits::MAX_CHAIN_OPERANDS),
                                );
                            }
                        }
                        "rule" | "when" | "requires" | "by" => state.chain = 0,
                        _ => {}
                    }
                }
                if word == "not" {
                    state.not_run += 1;
                    if state.not_run > limits::MAX_NESTING && state.ok {
                        state.fail(diagnostics, Span::new(start, end), "`not` repeated");
                    }
                } else {
                    state.not_run = 0;
                }
                previous_was_dot = false;
            }
            Token::Punct { start, byte } => {
                if items.is_empty() {
                    leading_junk.get_or_insert(Span::new(start, start + utf8_len(byte)));
                }
                match byte {
                    b'(' | b'[' => {
                        state.depth += 1;
                        if state.lists.len() < limits::MAX_NESTING {
                            // Items of a `[` list, counted by its commas; `(` hides its commas.
                            state.lists.push((byte, 1, 0));
                        }
                        if state.depth > limits::MAX_NESTING && state.ok {
                            state.fail(diagnostics, Span::new(start, start + 1), "brackets nested");
                        }
                    }
                    b')' | b']' => {
                        state.depth = state.depth.saturating_sub(1);
                        state.lists.pop();
                    }
                    b',' => {
                        if let Some((_, _, chain)) = state.lists.last_mut() {
                            // Each list item / argument is an expression of its own.
                            *chain = 0;
                        }
                        if let Some((b'[', items, _)) = state.lists.last_mut() {
                            *items += 1;
                            if *items > limits::MAX_LIST_LEN && state.ok {
                                state.refuse(
                                    diagnostics,
                                    Code::ListTooLong,
                                    Span::new(start, start + 1),
                                    format!("a list literal with more than {} items", limits::MAX_LIST_LEN),
                                );
                            }
                        }
                    }
                    b'{' if state.braced => state.braces += 1,
                    b'}' if state.braced && state.braces > 0 => {
                        state.braces -= 1;
                        if state.braces == 0 {
                            state.closed_at = Some(start + 1);
                        }
                    }
                    b'?' if scanner.peek() == Some(b'?') => {
                        state.coalesce_count += 1;
                        if state.coalesce_count > limits::MAX_NESTING && state.ok {
                            state.fail(diagnostics, Span::new(start, start + 2), "`??` chained");
                        }
                    }
                    _ => {}
                }
                previous_was_dot = byte == b'.';
                state.not_run = 0;
            }
            Token::Literal { start } => {
                if items.is_empty() {
                    leading_junk.get_or_insert(Span::new(start, start + 1));
                }
                previous_was_dot = false;
                state.not_run = 0;
            }
            Token::Unterminated { start, what } => {
                diagnostics.push(
                    Diagnostic::new(Code::Unterminated, Span::new(start, source.len()), format!("unterminated {what}"))
                        .with_help(match what {
                            "block comment" => "close it with `*/`",
                            _ => "close it with `\"`",
                        }),
                );
                state.ok = false;
            }
        }
    }
    if let Some(last) = items.last_mut() {
        state.finish(last, source, diagnostics);
    }
    if let Some(span) = leading_junk {
        diagnostics.push(
            Diagnostic::new(Code::Syntax, span, "expected an item: `enum`, `context`, `segment` or `flag`")
                .with_help("a ruleset is a sequence of enum, context, segment and flag declarations"),
        );
    }
    items
}

/// Where the last token of `text` ends: trailing whitespace and comments
/// are not part of it.
pub fn last_token_end(text: &str) -> usize {
    // Most expressions end in a token; only scan when a comment may trail.
    if !text.ends_with(|c: char| c.is_whitespace() || c == '/') && !text.contains("//") {
        return text.len();
    }
    let mut scanner = Scanner::new(text);
    let mut end = 0;
    while scanner.next_token().is_some() {
        end = scanner.pos;
    }
    end
}

#[derive(Debug)]
struct ItemState {
    ok: bool,
    depth: usize,
    not_run: usize,
    coalesce_count: usize,
    /// The item has a `{ … }` body (`enum`, `context`, `flag`).
    braced: bool,
    braces: usize,
    /// Where the body's closing `}` ends, once it has closed.
    closed_at: Option<usize>,
    /// Tokens after the closing `}`.
    junk: Option<Span>,
    /// Components of the path being read.
    path_run: usize,
    /// Open brackets (`(` or `[`), the items seen in each, and the `and`/`or` in each.
    lists: Vec<(u8, usize, usize)>,
    /// `and`/`or` seen in the expression being read outside brackets.
    chain: usize,
}

impl Default for ItemState {
    fn default() -> Self {
        ItemState {
            ok: true,
            depth: 0,
            not_run: 0,
            coalesce_count: 0,
            braced: false,
            braces: 0,
            closed_at: None,
            junk: None,
            path_run: 0,
            lists: Vec::new(),
            chain: 0,
        }
    }
}

impl ItemState {
    /// A limit this pass enforces before the grammar builds anything: the
    /// item is reported once and not parsed.
    fn refuse(&mut self, diagnostics: &mut Vec<Diagnostic>, code: Code, span: Span, what: String) {
        diagnostics.push(Diagnostic::new(code, span, format!("{what}: the limit is reached here")));
        self.ok = false;
    }

    /// Closes the item's range: it ends at its `}` when junk follows, and
    /// the junk gets one error.
    fn finish(&self, item: &mut ItemRange, source: &str, diagnostics: &mut Vec<Diagnostic>) {
        item.parse &= self.ok;
        if let (Some(end), Some(junk)) = (self.closed_at, self.junk) {
            item.end = end;
            let found = source.get(junk.range()).unwrap_or("").chars().take(20).collect::<String>();
            diagnostics.push(
                Diagnostic::new(
                    Code::Syntax,
                    junk,
                    format!("expected an item (`enum`, `context`, `segment` or `flag`), found `{found}`"),
                )
                .with_help("this follows an item that is already complete; delete it"),
            );
        }
    }

    fn fail(&mut self, diagnostics: &mut Vec<Diagnostic>, span: Span, what: &str) {
        diagnostics.push(Diagnostic::new(
            Code::TooDeep,
            span,
            format!("{what} more than {} levels deep", limits::MAX_NESTING),
        ));
        self.ok = false;
    }
}

enum Token {
    Word {
        start: usize,
        end: usize,
    },
    Punct {
        start: usize,
        byte: u8,
    },
    /// A string or number: content that is neither a keyword nor punctuation.
    Literal {
        start: usize,
    },
    Unterminated {
        start: usize,
        what: &'static str,
    },
}

impl Token {
    fn start(&self) -> usize {
        match *self {
            Token::Word { start, .. }
            | Token::Punct { start, .. }
            | Token::Literal { start }
            | Token::Unterminated { start, .. } => start,
        }
    }
}

/// U+FEFF in UTF-8.
const BOM: &[u8] = "\u{feff}".as_bytes();

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The comments stepped over, in order (the formatter keeps them).
    comments: Vec<Span>,
}

/// Every complete comment of `source` (`//` to the end of the line, without
/// the newline; `/* … */`), in order, found by the same scanner that splits
/// items, so a `//` inside a string is never taken for one.
pub fn comment_spans(source: &str) -> Vec<Span> {
    let mut scanner = Scanner::new(source);
    while scanner.next_token().is_some() {}
    scanner.comments
}

impl<'a> Scanner<'a> {
    fn new(source: &'a str) -> Self {
        Scanner { bytes: source.as_bytes(), pos: 0, comments: Vec::new() }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        loop {
            let start = self.pos;
            let byte = *self.bytes.get(start)?;
            let next = self.bytes.get(start + 1).copied();
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                // A byte order mark at the very start, as some editors write it.
                0xEF if start == 0 && self.bytes.starts_with(BOM) => self.pos += BOM.len(),
                b'/' if next == Some(b'/') => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                    // A `\r` before the newline is the line ending's, not the comment's.
                    let end =
                        if self.bytes.get(self.pos.wrapping_sub(1)) == Some(&b'\r') { self.pos - 1 } else { self.pos };
                    self.comments.push(Span::new(start, end.max(start + 2)));
                }
                b'/' if next == Some(b'*') => match find(self.bytes, start + 2, b"*/") {
                    Some(end) => {
                        self.pos = end + 2;
                        self.comments.push(Span::new(start, self.pos));
                    }
                    None => {
                        self.pos = self.bytes.len();
                        return Some(Token::Unterminated { start, what: "block comment" });
                    }
                },
                b'"' => return Some(self.string(start, start + 1, true)),
                b'r' if next == Some(b'"') => return Some(self.string(start, start + 2, false)),
                b if b.is_ascii_alphabetic() || b == b'_' => {
                    while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        self.pos += 1;
                    }
                    return Some(Token::Word { start, end: self.pos });
                }
                b if b.is_ascii_digit() => {
                    while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
                        self.pos += 1;
                    }
                    return Some(Token::Literal { start });
                }
                _ => {
                    // Step over a whole UTF-8 sequence so positions stay on char boundaries.
                    self.pos += utf8_len(byte);
                    return Some(Token::Punct { start, byte });
                }
            }
        }
    }

    fn string(&mut self, start: usize, body: usize, escapes: bool) -> Token {
        let mut i = body;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'\\' if escapes => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Token::Literal { start };
                }
                _ => i += 1,
            }
        }
        self.pos = self.bytes.len();
        Token::Unterminated { start, what: "string literal" }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(source: &str) -> (Vec<(usize, usize, bool)>, Vec<&'static str>) {
        let mut diags = Vec::new();
        let items = split_items(source, &mut diags);
        (items.iter().map(|r| (r.start, r.end, r.parse)).collect(), diags.iter().map(|d| d.code.as_str()).collect())
    }

    #[test]
    fn splits_at_item_keywords_but_not_after_a_dot_or_inside_strings() {
        let source = "flag a: bool { default false rule when x.flag == \"flag\" => true }\nsegment s = true";
        let (items, diags) = split(source);
        assert!(diags.is_empty());
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].0, source.find("segment").unwrap());
    }

    #[test]
    fn reports_unterminated_strings_and_comments() {
        assert_eq!(split("flag a: string { default \"oops }").1, vec!["E0002"]);
        assert_eq!(split("/* never closed").1, vec!["E0002"]);
        assert_eq!(split("segment s = r\"abc").1, vec!["E0002"]);
    }

    #[test]
    fn limits_bracket_depth_before_the_parser_sees_it() {
        let deep = format!("segment s = {}true{}", "(".repeat(100), ")".repeat(100));
        let (items, diags) = split(&deep);
        assert_eq!(diags, vec!["E0401"]);
        assert!(!items[0].2);
        let not_chain = format!("segment s = {} true", "not ".repeat(100));
        assert_eq!(split(&not_chain).1, vec!["E0401"]);
    }

    #[test]
    fn text_before_the_first_item_is_an_error() {
        assert_eq!(split("hello flag a: bool { default true }").1, vec!["E0001"]);
        assert!(split("// comment only\n/* block */").1.is_empty());
    }
}
