//! `vexil fmt`: one canonical layout for a ruleset, printed from the grammar's
//! own parse tree (no second parser), keeping every comment.
//!
//! The layout, decided here once (docs/fmt.md has the user's view):
//! - two-space indentation; one item, clause, attribute or enum member per
//!   line; single spaces around binary operators, `=`, `=>`, `==`, after `:`
//!   and `,`; none inside `()`, `[]`, `list<…>`, before `?`, after unary `-`;
//! - a `context` or `flag` item is set off by a blank line; elsewhere one blank
//!   line the author left between lines is kept, more are folded into one;
//! - an `enum` fits on one line (`enum Plan { free, pro, gold }`) or gets one
//!   member per line with trailing commas;
//! - a rule fits on one line of at most [`WIDTH`] columns, or breaks before
//!   `=>`; a split that still does not fit gets one entry per line;
//! - literals, strings, paths and comments are written exactly as they were;
//!   an optional trailing comma of an attribute is dropped.
//!
//! Only whitespace between tokens changes, so the tokens — and the meaning —
//! stay the same. A comment stays where it was relative to the tokens: one
//! that followed a token on its line still does, one on its own line still is
//! (at the indentation of what follows); a `//` comment ends its line, so what
//! came after it continues on the next line.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::diagnostic::Diagnostic;
use crate::items::{comment_spans, split_items};
use crate::parser::{Rule, VexilParser};
use crate::span::Span;

/// The column a rule must fit in before it is broken.
pub const WIDTH: usize = 100;
const INDENT: usize = 2;
/// How much deeper the continuation lines of a clause are indented.
const CONTINUATION: usize = 4;

/// The comments of `source`, in order: what [`format`] must keep.
pub fn comments(source: &str) -> Vec<Span> {
    comment_spans(source)
}

/// Formats a ruleset, or returns its errors when it does not parse (a file
/// with syntax errors is never rewritten). Type errors do not matter here.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let (_, diagnostics) = crate::parse(source);
    let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut printer = Printer::new(source);
    let mut previous_item: Option<Rule> = None;
    for range in split_items(source, &mut Vec::new()) {
        let text = &source[range.start..range.end];
        let Some(item) = VexilParser::parse(Rule::item, text).ok().and_then(|mut pairs| pairs.next()) else {
            // `parse` reported no error, so every item parses; stay total anyway.
            return Err(Vec::new());
        };
        let kind = item.as_rule();
        let stands_apart = |rule: Rule| matches!(rule, Rule::context_decl | Rule::flag_decl);
        if previous_item.is_some_and(|previous| stands_apart(previous) || stands_apart(kind)) {
            printer.blank_pending = true;
        }
        previous_item = Some(kind);
        let mut item_printer = ItemPrinter { p: &mut printer, base: range.start };
        item_printer.item(item);
    }
    printer.finish();
    Ok(printer.out)
}

struct Printer<'s> {
    source: &'s str,
    comments: Vec<Span>,
    next_comment: usize,
    out: String,
    /// Where the last token or comment written ends in the source.
    last_end: usize,
    /// The next token or own-line comment starts a new line at this indentation.
    pending_break: Option<usize>,
    /// A blank line goes before the next line started.
    blank_pending: bool,
    /// The indentation of a line the current clause continues on.
    continuation: usize,
}

/// What the printer was before an attempt at a layout, to undo it.
#[derive(Clone, Copy)]
struct Snapshot {
    out_len: usize,
    next_comment: usize,
    last_end: usize,
    pending_break: Option<usize>,
    blank_pending: bool,
    continuation: usize,
}

impl<'s> Printer<'s> {
    fn new(source: &'s str) -> Self {
        Printer {
            source,
            comments: comment_spans(source),
            next_comment: 0,
            out: String::with_capacity(source.len() + source.len() / 8),
            last_end: 0,
            pending_break: None,
            blank_pending: false,
            continuation: CONTINUATION,
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            out_len: self.out.len(),
            next_comment: self.next_comment,
            last_end: self.last_end,
            pending_break: self.pending_break,
            blank_pending: self.blank_pending,
            continuation: self.continuation,
        }
    }

    fn restore(&mut self, s: Snapshot) {
        self.out.truncate(s.out_len);
        self.next_comment = s.next_comment;
        self.last_end = s.last_end;
        self.pending_break = s.pending_break;
        self.blank_pending = s.blank_pending;
        self.continuation = s.continuation;
    }

    /// Whether what was written since `s` stayed on `lines_allowed` extra
    /// lines and no line of it is wider than [`WIDTH`].
    fn fits_since(&self, s: Snapshot, lines_allowed: usize) -> bool {
        let written = &self.out[s.out_len..];
        let line_start = self.out[..s.out_len].rfind('\n').map_or(0, |i| i + 1);
        written.matches('\n').count() == lines_allowed
            && self.out[line_start..].split('\n').all(|line| line.chars().count() <= WIDTH)
    }

    fn line_is_empty(&self) -> bool {
        self.out.is_empty()
            || self.out.ends_with('\n')
            || self.out.ends_with(' ') && self.out.trim_end_matches(' ').ends_with('\n')
    }

    fn new_line(&mut self, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.is_empty() {
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            if self.blank_pending {
                self.out.push('\n');
            }
        }
        self.blank_pending = false;
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Starts a clause (item, attribute, member, entry) at `start` on a line
    /// of its own: the comments before it first, then a blank line when the
    /// author left one.
    fn begin_line(&mut self, start: usize, indent: usize) {
        self.pending_break = Some(indent);
        self.flush_comments(start);
        if self.gap_has_blank_line(start) {
            self.blank_pending = true;
        }
        self.pending_break = Some(indent);
        self.continuation = indent + CONTINUATION;
    }

    /// Closes a braced block: comments inside it stay at `inner`, the `}`
    /// goes at `outer` on a line of its own.
    fn close_block(&mut self, close: Pair<'_, Rule>, base: usize, inner: usize, outer: usize) {
        let start = base + close.as_span().start();
        let comment_inside = self.comments.get(self.next_comment).is_some_and(|c| (c.start as usize) < start);
        if self.out.ends_with('{') && !comment_inside {
            // An empty block: `context {}`.
            self.pending_break = None;
            self.token_at(start, close.as_str(), false);
            return;
        }
        self.pending_break = Some(inner);
        self.flush_comments(start);
        self.blank_pending = false;
        self.pending_break = Some(outer);
        self.token_at(start, close.as_str(), false);
    }

    fn gap_has_blank_line(&self, until: usize) -> bool {
        self.source.get(self.last_end..until).is_some_and(|gap| gap.matches('\n').count() >= 2) && !self.out.is_empty()
    }

    /// Writes the comments that start before `until`.
    fn flush_comments(&mut self, until: usize) {
        while let Some(&comment) = self.comments.get(self.next_comment) {
            let range = comment.range();
            if range.start >= until {
                break;
            }
            self.next_comment += 1;
            let text = self.source.get(range.clone()).unwrap_or_default();
            let gap = self.source.get(self.last_end..range.start).unwrap_or_default();
            if gap.contains('\n') || self.out.is_empty() {
                if gap.matches('\n').count() >= 2 {
                    self.blank_pending = true;
                }
                let indent = self.pending_break.unwrap_or(self.continuation);
                self.new_line(indent);
                self.out.push_str(text);
                self.pending_break = Some(indent);
            } else {
                if !self.line_is_empty() {
                    self.out.push(' ');
                }
                self.out.push_str(text);
                if text.starts_with("//") && self.pending_break.is_none() {
                    self.pending_break = Some(self.continuation);
                }
            }
            self.last_end = range.end;
        }
    }

    /// Writes one token that starts at `start` in the source.
    fn token_at(&mut self, start: usize, text: &str, space_before: bool) {
        self.flush_comments(start);
        if let Some(indent) = self.pending_break.take() {
            self.new_line(indent);
        } else if space_before && !self.line_is_empty() {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.last_end = self.last_end.max(start + text.len());
    }

    fn finish(&mut self) {
        self.pending_break = Some(0);
        self.flush_comments(usize::MAX);
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }
}

/// Prints one item's parse tree; pest positions are relative to the item.
struct ItemPrinter<'p, 's> {
    p: &'p mut Printer<'s>,
    base: usize,
}

impl ItemPrinter<'_, '_> {
    fn start(&self, pair: &Pair<'_, Rule>) -> usize {
        self.base + pair.as_span().start()
    }

    /// Writes a pair's source text as one token.
    fn word(&mut self, pair: &Pair<'_, Rule>, space_before: bool) {
        let start = self.start(pair);
        self.p.token_at(start, pair.as_str(), space_before);
    }

    /// Writes punctuation that is not a pair of its own (`(`, `,`, …), placed
    /// just before `next_start` as far as comments are concerned.
    fn punct(&mut self, next_start: usize, text: &str, space_before: bool) {
        self.p.token_at(next_start, text, space_before);
    }

    fn item(&mut self, item: Pair<'_, Rule>) {
        let start = self.start(&item);
        self.p.begin_line(start, 0);
        match item.as_rule() {
            Rule::enum_decl => self.enum_decl(item),
            Rule::context_decl => self.context_decl(item),
            Rule::segment_decl => {
                for (i, part) in item.into_inner().enumerate() {
                    match part.as_rule() {
                        Rule::expr => self.expr(part, true),
                        _ => self.word(&part, i > 0),
                    }
                }
            }
            Rule::flag_decl => self.flag_decl(item),
            _ => self.word(&item, true),
        }
    }

    fn enum_decl(&mut self, item: Pair<'_, Rule>) {
        let parts: Vec<Pair<'_, Rule>> = item.into_inner().collect();
        let members: Vec<&Pair<'_, Rule>> = parts.iter().skip(2).filter(|p| p.as_rule() == Rule::ident).collect();
        let (Some(keyword), Some(name), Some(close)) = (parts.first(), parts.get(1), parts.last()) else { return };
        self.word(keyword, false);
        self.word(name, true);
        let open = parts.get(2).map_or(0, |p| self.start(p));
        self.p.token_at(open, "{", true);
        if members.is_empty() {
            self.p.token_at(self.start(close), "}", false);
            return;
        }
        let before = self.p.snapshot();
        for (i, member) in members.iter().enumerate() {
            if i > 0 {
                self.punct(self.start(member), ",", false);
            }
            self.word(member, true);
        }
        self.p.token_at(self.start(close), "}", true);
        if self.p.fits_since(before, 0) {
            return;
        }
        self.p.restore(before);
        for member in &members {
            self.p.begin_line(self.start(member), INDENT);
            self.word(member, false);
            self.p.token_at(self.base + member.as_span().end(), ",", false);
        }
        self.p.close_block(close.clone(), self.base, INDENT, 0);
    }

    fn context_decl(&mut self, item: Pair<'_, Rule>) {
        let mut close = None;
        for part in item.into_inner() {
            match part.as_rule() {
                Rule::kw_context => self.word(&part, false),
                Rule::p_lbrace => self.word(&part, true),
                Rule::attr_decl => {
                    self.p.begin_line(self.start(&part), INDENT);
                    for piece in part.into_inner() {
                        match piece.as_rule() {
                            Rule::path => self.word(&piece, false),
                            Rule::p_colon | Rule::optional_mark => self.word(&piece, false),
                            Rule::type_expr => self.type_expr(piece),
                            // The optional comma between attributes is dropped.
                            _ => {}
                        }
                    }
                }
                Rule::p_rbrace => close = Some(part),
                _ => {}
            }
        }
        if let Some(close) = close {
            self.p.close_block(close, self.base, INDENT, 0);
        }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) {
        let space_before = true;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::list_type => {
                    let mut first = true;
                    for piece in part.into_inner() {
                        match piece.as_rule() {
                            Rule::type_expr => self.type_expr_tight(piece),
                            _ => self.word(&piece, first && space_before),
                        }
                        first = false;
                    }
                }
                _ => self.word(&part, space_before),
            }
        }
    }

    /// A type inside `list<…>`: no space before it.
    fn type_expr_tight(&mut self, pair: Pair<'_, Rule>) {
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::list_type => {
                    for piece in part.into_inner() {
                        match piece.as_rule() {
                            Rule::type_expr => self.type_expr_tight(piece),
                            _ => self.word(&piece, false),
                        }
                    }
                }
                _ => self.word(&part, false),
            }
        }
    }

    fn flag_decl(&mut self, item: Pair<'_, Rule>) {
        let mut close = None;
        for part in item.into_inner() {
            match part.as_rule() {
                Rule::kw_flag => self.word(&part, false),
                Rule::ident | Rule::p_lbrace => self.word(&part, true),
                Rule::p_colon => self.word(&part, false),
                Rule::type_expr => self.type_expr(part),
                Rule::p_rbrace => close = Some(part),
                Rule::rule_clause => {
                    self.p.begin_line(self.start(&part), INDENT);
                    self.rule_clause(part);
                }
                _ => {
                    self.p.begin_line(self.start(&part), INDENT);
                    self.clause(part);
                }
            }
        }
        if let Some(close) = close {
            self.p.close_block(close, self.base, INDENT, 0);
        }
    }

    /// A one-line clause: its keyword, then its parts.
    fn clause(&mut self, clause: Pair<'_, Rule>) {
        for (i, part) in clause.into_inner().enumerate() {
            match part.as_rule() {
                Rule::value => self.value(part),
                _ => self.word(&part, i > 0),
            }
        }
    }

    fn value(&mut self, value: Pair<'_, Rule>) {
        let mut space_before = true;
        for part in value.into_inner() {
            self.word(&part, space_before);
            // `-1`: the sign is glued to its number.
            space_before = part.as_rule() != Rule::negative;
        }
    }

    fn rule_clause(&mut self, clause: Pair<'_, Rule>) {
        let parts: Vec<Pair<'_, Rule>> = clause.into_inner().collect();
        let Some(arrow_at) = parts.iter().position(|p| p.as_rule() == Rule::p_arrow) else { return };
        // `rule name: when expr`
        for (i, part) in parts[..arrow_at].iter().enumerate() {
            match part.as_rule() {
                Rule::rule_name => {
                    for piece in part.clone().into_inner() {
                        let space = piece.as_rule() != Rule::p_colon;
                        self.word(&piece, space);
                    }
                }
                Rule::expr => self.expr(part.clone(), true),
                _ => self.word(part, i > 0),
            }
        }
        let indent = self.p.continuation - CONTINUATION;
        let result = &parts[arrow_at..];
        let is_split = result.iter().any(|p| p.as_rule() == Rule::split);
        // Layouts, first that fits: one line; broken before `=>`; (a split)
        // broken before `=>` with one entry per line.
        let before = self.p.snapshot();
        self.rule_result(result, false);
        if self.p.fits_since(before, 0) {
            return;
        }
        self.p.restore(before);
        self.p.pending_break = Some(indent + CONTINUATION);
        self.rule_result(result, false);
        if !is_split || self.p.fits_since(before, 1) {
            return;
        }
        self.p.restore(before);
        self.p.pending_break = Some(indent + CONTINUATION);
        self.rule_result(result, true);
    }

    fn rule_result(&mut self, parts: &[Pair<'_, Rule>], split_per_line: bool) {
        for part in parts {
            match part.as_rule() {
                Rule::value => self.value(part.clone()),
                Rule::split => self.split(part.clone(), split_per_line),
                _ => self.word(part, true),
            }
        }
    }

    fn split(&mut self, split: Pair<'_, Rule>, per_line: bool) {
        let entry_indent = self.p.continuation + INDENT;
        let closing_indent = self.p.continuation;
        let mut entries = Vec::new();
        let mut close = None;
        for part in split.into_inner() {
            match part.as_rule() {
                Rule::expr => self.expr(part, true),
                Rule::salt | Rule::seed | Rule::modulo => {
                    for piece in part.into_inner() {
                        self.word(&piece, true);
                    }
                }
                Rule::split_entry => entries.push(part),
                Rule::p_rbrace => close = Some(part),
                Rule::p_comma => {}
                _ => self.word(&part, true),
            }
        }
        let Some(close) = close else { return };
        if entries.is_empty() {
            self.word(&close, false);
            return;
        }
        let count = entries.len();
        for (i, entry) in entries.into_iter().enumerate() {
            if per_line {
                self.p.begin_line(self.start(&entry), entry_indent);
            }
            let end = self.base + entry.as_span().end();
            for piece in entry.into_inner() {
                match piece.as_rule() {
                    Rule::value => self.value(piece),
                    Rule::p_colon => self.word(&piece, false),
                    _ => self.word(&piece, true),
                }
            }
            if per_line || i + 1 < count {
                self.p.token_at(end, ",", false);
            }
        }
        if per_line {
            self.p.close_block(close, self.base, entry_indent, closing_indent);
        } else {
            self.word(&close, true);
        }
    }

    /// An expression: operands and operators, spaced by their kind.
    fn expr(&mut self, expr: Pair<'_, Rule>, space_before: bool) {
        let mut space = space_before;
        for part in expr.into_inner() {
            match part.as_rule() {
                // Prefix `-` glues to its operand; the next token follows it directly.
                Rule::op_neg => {
                    self.word(&part, space);
                    space = false;
                }
                Rule::op_not_in => {
                    for piece in part.into_inner() {
                        self.word(&piece, true);
                    }
                    space = true;
                }
                Rule::paren => {
                    let close = self.base + part.as_span().end() - 1;
                    self.word_text(&part, "(", space);
                    if let Some(inner) = part.into_inner().next() {
                        self.expr(inner, false);
                    }
                    self.p.token_at(close, ")", false);
                    space = true;
                }
                Rule::list_lit => {
                    let close = self.base + part.as_span().end() - 1;
                    self.word_text(&part, "[", space);
                    self.arguments(part);
                    self.p.token_at(close, "]", false);
                    space = true;
                }
                Rule::call => {
                    let close = self.base + part.as_span().end() - 1;
                    let mut inner = part.into_inner();
                    if let Some(name) = inner.next() {
                        self.word(&name, space);
                        let open = self.base + name.as_span().end();
                        self.p.token_at(open, "(", false);
                    }
                    for (i, argument) in inner.enumerate() {
                        if i > 0 {
                            self.punct(self.start(&argument), ",", false);
                        }
                        self.expr(argument, i > 0);
                    }
                    self.p.token_at(close, ")", false);
                    space = true;
                }
                _ => {
                    self.word(&part, space);
                    space = true;
                }
            }
        }
    }

    /// The items of a list literal, comma-separated.
    fn arguments(&mut self, list: Pair<'_, Rule>) {
        for (i, item) in list.into_inner().enumerate() {
            if i > 0 {
                self.punct(self.start(&item), ",", false);
            }
            self.expr(item, i > 0);
        }
    }

    /// Writes `text` (an opening bracket) at the start of `pair`.
    fn word_text(&mut self, pair: &Pair<'_, Rule>, text: &str, space_before: bool) {
        let start = self.start(pair);
        self.p.token_at(start, text, space_before);
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    fn fmt(source: &str) -> String {
        match format(source) {
            Ok(text) => text,
            Err(errors) => panic!("does not parse: {errors:?}"),
        }
    }

    #[test]
    fn spaces_and_indentation_are_canonical() {
        let source = "enum   Plan{free,pro ,gold,}\ncontext{user.id:string,user.age :int ?\nuser.tags: list < list<string> >}\n\
            segment  eu=user.country in[\"DE\",\"FR\"]and not(user.age??0)>=-1\n\
            flag f:bool{default false rule r:when has( user.age )and user.age>18=>true}";
        let expected = "\
enum Plan { free, pro, gold }

context {
  user.id: string
  user.age: int?
  user.tags: list<list<string>>
}

segment eu = user.country in [\"DE\", \"FR\"] and not (user.age ?? 0) >= -1

flag f: bool {
  default false
  rule r: when has(user.age) and user.age > 18 => true
}
";
        assert_eq!(fmt(source), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn comments_stay_where_they_were() {
        let source = "// header\n\n/* about f */ flag f: bool { // trailing the brace\n  default false   // fail closed\n\n\n  // own line\n  rule when a /* inline */ and // ends a line\n b => true\n  // last\n}\n// end\n";
        let expected = "\
// header

/* about f */
flag f: bool { // trailing the brace
  default false // fail closed

  // own line
  rule when a /* inline */ and // ends a line
      b => true
  // last
}
// end
";
        assert_eq!(fmt(source), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn long_rules_break_before_the_arrow_then_per_split_entry() {
        let long = "x".repeat(60);
        let source = format!(
            "flag f: string {{ default \"a\" rule r: when user.{long} == \"1\" => split by user.id {{ \"a\": 50%, \"b\": 50% }}\n\
             rule s: when user.{long} == \"2\" => split by user.id salt \"{long}\" {{ \"a\": 50%, \"b\": 50% }} }}"
        );
        let expected = format!(
            "flag f: string {{
  default \"a\"
  rule r: when user.{long} == \"1\"
      => split by user.id {{ \"a\": 50%, \"b\": 50% }}
  rule s: when user.{long} == \"2\"
      => split by user.id salt \"{long}\" {{
        \"a\": 50%,
        \"b\": 50%,
      }}
}}
"
        );
        assert_eq!(fmt(&source), expected);
        assert_eq!(fmt(&expected), expected);
    }

    #[test]
    fn long_enums_get_one_member_per_line() {
        let members: Vec<String> = (0..12).map(|i| format!("member_number_{i}")).collect();
        let source = format!("enum E {{ {} }}", members.join(", "));
        let expected = format!("enum E {{\n{}}}\n", members.iter().map(|m| format!("  {m},\n")).collect::<String>());
        assert_eq!(fmt(&source), expected);
        assert_eq!(fmt(&expected), expected);
    }

    #[test]
    fn syntax_errors_are_returned_not_formatted() {
        assert!(format("flag f: bool { default }").is_err());
        assert_eq!(fmt(""), "");
        assert_eq!(
            fmt(
                "flag f: bool { default false rule r: when true => split by u.id salt \"g:\"  seed  86028157 modulo{true:30,false:70} }"
            ),
            "flag f: bool {\n  default false\n  rule r: when true => split by u.id salt \"g:\" seed 86028157 modulo { true: 30, false: 70 }\n}\n"
        );
        assert_eq!(fmt("context { }\nflag f: bool {\n}"), "context {}\n\nflag f: bool {}\n");
        assert_eq!(fmt("context { /* none yet */ }"), "context { /* none yet */\n}\n");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }
}
