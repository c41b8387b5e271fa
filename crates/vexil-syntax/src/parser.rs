//! Source text → AST. Each top-level item is parsed on its own by the pest
//! grammar; the pairs are then built into the AST, reporting what the grammar
//! cannot (escapes, literal ranges, chained comparisons) as diagnostics.

use std::sync::OnceLock;

use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::PrattParser;

use crate::ast::{self, *};
use crate::diagnostic::{Code, Diagnostic};
use crate::items::split_items;
use crate::limits;
use crate::operators::{self, Fixity, Operator};
use crate::span::Span;
use crate::syntax_error::from_pest;

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/vexil.pest"]
pub(crate) struct VexilParser;

/// Parses a whole source file. Always returns a (possibly partial) AST: items
/// with syntax errors are left out, the others are kept, and every problem is
/// in the diagnostics.
pub fn parse(source: &str) -> (File, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut file = File::default();
    if source.len() > limits::MAX_SOURCE_BYTES {
        diagnostics.push(Diagnostic::new(
            Code::SourceTooLarge,
            Span::new(0, 0),
            format!("the source is {} bytes; the limit is {} bytes", source.len(), limits::MAX_SOURCE_BYTES),
        ));
        return (file, diagnostics);
    }
    for range in split_items(source, &mut diagnostics) {
        let text = &source[range.start..range.end];
        if !range.parse {
            file.broken_names.extend(declared_name(text));
            continue;
        }
        match VexilParser::parse(Rule::item, text) {
            Ok(mut pairs) => {
                let mut builder = Builder { base: range.start, diagnostics: &mut diagnostics, pending_min: Vec::new() };
                if let Some(pair) = pairs.next()
                    && let Some(item) = builder.item(pair)
                {
                    file.items.push(item);
                }
            }
            Err(error) => {
                diagnostics.push(from_pest(&error, text, range.start));
                file.broken_names.extend(declared_name(text));
            }
        }
    }
    (file, diagnostics)
}

/// The name an item declares (`flag NAME`, `segment NAME`, `enum NAME`), read
/// without the grammar so that it is known even when the item is broken.
fn declared_name(text: &str) -> Option<String> {
    let mut words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
    let _keyword = words.next()?;
    words.next().map(str::to_owned)
}

struct Builder<'d> {
    base: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Spans of `9223372036854775808` literals not (yet) negated.
    pending_min: Vec<Span>,
}

/// The magnitude of i64::MIN, which is only a valid literal after a minus.
const I64_MIN_MAGNITUDE: &str = "9223372036854775808";

/// The Pratt parser of the operator table (built once).
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(operators::pratt_parser)
}

type P<'i> = Pair<'i, Rule>;

/// Keywords and declaration punctuation: tokens the AST does not keep.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::p_lbrace
            | Rule::p_rbrace
            | Rule::p_colon
            | Rule::p_comma
            | Rule::p_assign
            | Rule::p_eqeq
            | Rule::p_arrow
            | Rule::p_langle
            | Rule::p_rangle
            | Rule::kw_enum
            | Rule::kw_context
            | Rule::kw_segment
            | Rule::kw_flag
            | Rule::kw_rule
            | Rule::kw_when
            | Rule::kw_split
            | Rule::kw_by
            | Rule::kw_salt
            | Rule::kw_seed
            | Rule::kw_modulo
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_list
            | Rule::kw_description
            | Rule::kw_kind
            | Rule::kw_owner
            | Rule::kw_expires
            | Rule::kw_state
            | Rule::kw_off
            | Rule::kw_default
            | Rule::kw_on_error
            | Rule::kw_requires
    )
}

/// The children of a pair without the keyword tokens.
fn parts<'i>(pair: P<'i>) -> impl Iterator<Item = P<'i>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

impl Builder<'_> {
    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(code, span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn ident(&self, pair: &P<'_>) -> Ident {
        Ident { name: pair.as_str().to_owned(), span: self.span(pair) }
    }

    fn item(&mut self, pair: P<'_>) -> Option<Item> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::enum_decl => {
                let mut it = parts(pair);
                let name = self.ident(&it.next()?);
                let members = it.map(|p| self.ident(&p)).collect();
                Some(Item::Enum(EnumDecl { name, members, span }))
            }
            Rule::context_decl => {
                let attrs = parts(pair).filter_map(|p| self.attr(p)).collect();
                Some(Item::Context(ContextDecl { attrs, span }))
            }
            Rule::segment_decl => {
                let mut it = parts(pair);
                let name = self.ident(&it.next()?);
                let expr = self.expr_checked(it.next()?);
                Some(Item::Segment(SegmentDecl { name, expr, span }))
            }
            Rule::flag_decl => {
                let mut it = parts(pair);
                let name = self.ident(&it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let clauses = it.filter_map(|p| self.clause(p)).collect();
                Some(Item::Flag(FlagDecl { name, ty, clauses, span }))
            }
            _ => None,
        }
    }

    fn attr(&mut self, pair: P<'_>) -> Option<AttrDecl> {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let path = self.path(it.next()?);
        let ty = self.type_expr(it.next()?)?;
        let optional = it.next().is_some_and(|p| p.as_rule() == Rule::optional_mark);
        Some(AttrDecl { path, ty, optional, span })
    }

    fn type_expr(&mut self, pair: P<'_>) -> Option<TypeExpr> {
        let inner = parts(pair).next()?;
        match inner.as_rule() {
            Rule::list_type => {
                let span = self.span(&inner);
                let element = self.type_expr(parts(inner).next()?)?;
                Some(TypeExpr::List(Box::new(element), span))
            }
            _ => Some(TypeExpr::Named(self.ident(&inner))),
        }
    }

    fn path(&self, pair: P<'_>) -> Path {
        let span = self.span(&pair);
        let segments = pair.into_inner().map(|p| self.ident(&p)).collect();
        Path { segments, span }
    }

    fn clause(&mut self, pair: P<'_>) -> Option<Clause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let keyword = self.span(&inner.next()?);
        let mut it = inner.filter(|p| !is_keyword(p.as_rule()));
        let kind = match rule {
            Rule::description_clause => ClauseKind::Description(self.string(it.next()?)),
            Rule::kind_clause => ClauseKind::Kind(self.ident(&it.next()?)),
            Rule::owner_clause => ClauseKind::Owner(self.string(it.next()?)),
            Rule::expires_clause => {
                let date = it.next()?;
                ClauseKind::Expires { text: date.as_str().to_owned(), span: self.span(&date) }
            }
            Rule::state_clause => ClauseKind::State(self.ident(&it.next()?)),
            Rule::off_clause => ClauseKind::Off(self.value(it.next()?)?),
            Rule::default_clause => ClauseKind::Default(self.value(it.next()?)?),
            Rule::on_error_clause => ClauseKind::OnError(self.value(it.next()?)?),
            Rule::requires_clause => {
                let flag = self.ident(&it.next()?);
                let value = self.value(it.next()?)?;
                ClauseKind::Requires { flag, value }
            }
            Rule::rule_clause => {
                let mut next = it.next()?;
                let name = if next.as_rule() == Rule::rule_name {
                    let name = parts(next).next().map(|p| self.ident(&p));
                    next = it.next()?;
                    name
                } else {
                    None
                };
                let when = self.expr_checked(next);
                let result = it.next()?;
                let result = match result.as_rule() {
                    Rule::split => RuleResult::Split(self.split(result)?),
                    _ => RuleResult::Value(self.value(result)?),
                };
                ClauseKind::Rule(ast::Rule { name, when, result, span })
            }
            _ => return None,
        };
        Some(Clause { kind, keyword, span })
    }

    fn split(&mut self, pair: P<'_>) -> Option<Split> {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let by = self.expr_checked(it.next()?);
        let mut salt = None;
        let mut seed = None;
        let mut modulo = None;
        let mut entries = Vec::new();
        for part in it {
            match part.as_rule() {
                Rule::salt => salt = Some(self.string(parts(part).next()?)),
                Rule::seed => {
                    let literal = parts(part).next()?;
                    let span = self.span(&literal);
                    match literal.as_str().parse::<u32>() {
                        Ok(value) => seed = Some((value, span)),
                        Err(_) => {
                            self.error(
                                Code::IntOutOfRange,
                                span,
                                format!("seed `{}` is out of range", literal.as_str()),
                            )
                            .help = Some("a seed is an unsigned 32-bit integer: 0 to 4294967295".into());
                        }
                    }
                }
                Rule::modulo => modulo = Some(self.span(&part)),
                Rule::split_entry => {
                    let entry_span = self.span(&part);
                    let mut e = parts(part);
                    let value = self.value(e.next()?)?;
                    let weight = self.weight(e.next()?);
                    entries.push(SplitEntry { value, weight, span: entry_span });
                }
                _ => {}
            }
        }
        Some(Split { by, salt, seed, modulo, entries, span })
    }

    fn weight(&mut self, pair: P<'_>) -> Weight {
        let span = self.span(&pair);
        let text = pair.as_str();
        if pair.as_rule() == Rule::percent {
            let digits = text.trim_end_matches('%');
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
            let basis_points = if fraction.len() > 2 {
                None
            } else {
                let fraction = format!("{fraction:0<2}");
                whole
                    .parse::<u32>()
                    .ok()
                    .and_then(|w| w.checked_mul(100))
                    .and_then(|w| fraction.parse::<u32>().ok().and_then(|f| w.checked_add(f)))
                    .filter(|&bp| bp <= 10_000)
            };
            match basis_points {
                Some(basis_points) => Weight::Percent { basis_points, span },
                None => {
                    self.error(Code::InvalidPercent, span, format!("invalid percentage `{text}`")).help =
                        Some("a percentage is 0 to 100 with at most two decimals, like `12.5%`".into());
                    Weight::Invalid { span }
                }
            }
        } else {
            match text.parse::<u64>() {
                Ok(weight) => Weight::Relative { weight, span },
                Err(_) => {
                    self.error(Code::IntOutOfRange, span, format!("weight `{text}` is too large"));
                    Weight::Invalid { span }
                }
            }
        }
    }

    fn value(&mut self, pair: P<'_>) -> Option<Value> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().peekable();
        let negative = it.peek().is_some_and(|p| p.as_rule() == Rule::negative);
        if negative {
            it.next();
        }
        let lit = it.next()?;
        let lit_span = self.span(&lit);
        Some(match lit.as_rule() {
            Rule::int_lit => Value::Int(self.int(lit.as_str(), negative, span), span),
            Rule::float_lit => {
                let f = self.float(lit.as_str(), lit_span);
                Value::Float(if negative { -f } else { f }, span)
            }
            Rule::string_lit | Rule::raw_string => Value::String(self.string(lit)),
            Rule::bool_lit => Value::Bool(lit.as_str() == "true", span),
            _ => Value::Name(self.path(lit)),
        })
    }

    /// Parses an integer literal, folding a leading minus so that
    /// `-9223372036854775808` is i64::MIN.
    fn int(&mut self, digits: &str, negative: bool, span: Span) -> i64 {
        let parsed = digits.parse::<u64>().ok().and_then(|magnitude| {
            if negative { 0i64.checked_sub_unsigned(magnitude) } else { i64::try_from(magnitude).ok() }
        });
        parsed.unwrap_or_else(|| {
            self.error(Code::IntOutOfRange, span, "integer literal out of range").help =
                Some("integers are 64-bit: -9223372036854775808 to 9223372036854775807".into());
            0
        })
    }

    fn float(&mut self, text: &str, span: Span) -> f64 {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => f,
            _ => {
                self.error(Code::InvalidFloat, span, format!("float literal `{text}` is out of range"));
                0.0
            }
        }
    }

    fn string(&mut self, pair: P<'_>) -> StringLit {
        let span = self.span(&pair);
        let raw = pair.as_rule() == Rule::raw_string;
        let Some(inner) = pair.into_inner().next() else {
            return StringLit { value: String::new(), raw, span };
        };
        let value = if raw { inner.as_str().to_owned() } else { self.unescape(&inner) };
        StringLit { value, raw, span }
    }

    fn unescape(&mut self, inner: &P<'_>) -> String {
        let text = inner.as_str();
        let base = self.base + inner.as_span().start();
        let mut out = String::with_capacity(text.len());
        let mut chars = text.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escaped = chars.next();
            let decoded = match escaped {
                Some((_, '"')) => Some('"'),
                Some((_, '\\')) => Some('\\'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'u')) => {
                    let rest = &text[i + 2..];
                    let close = rest.find('}');
                    let decoded = close.and_then(|close| {
                        let hex = rest.get(1..close).filter(|_| rest.starts_with('{'))?;
                        if hex.is_empty() || hex.len() > 6 {
                            return None;
                        }
                        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                    });
                    if let (Some(ch), Some(close)) = (decoded, close) {
                        // Skip the `{…}` we just decoded.
                        for _ in 0..=close {
                            chars.next();
                        }
                        Some(ch)
                    } else {
                        let end = close.map_or(i + 2, |c| i + 2 + c + 1);
                        self.error(Code::InvalidEscape, Span::new(base + i, base + end), "invalid unicode escape")
                            .help = Some("write `\\u{…}` with 1 to 6 hex digits naming a Unicode scalar value".into());
                        None
                    }
                }
                Some((j, other)) => {
                    self.error(
                        Code::InvalidEscape,
                        Span::new(base + i, base + j + other.len_utf8()),
                        format!("unknown escape `\\{other}`"),
                    )
                    .help =
                        Some("valid escapes are \\\" \\\\ \\n \\t \\u{…}; for regexes use a raw string r\"…\"".into());
                    None
                }
                None => None,
            };
            if let Some(ch) = decoded {
                out.push(ch);
            }
        }
        out
    }

    /// Builds an expression and rejects trees too deep to walk recursively.
    fn expr_checked(&mut self, pair: P<'_>) -> Expr {
        let expr = self.expr(pair);
        for span in std::mem::take(&mut self.pending_min) {
            self.int(I64_MIN_MAGNITUDE, false, span);
        }
        if expr.depth() > limits::MAX_EXPR_DEPTH {
            self.error(
                Code::TooDeep,
                expr.span,
                format!("expression nested more than {} levels deep", limits::MAX_EXPR_DEPTH),
            )
            .help = Some("split it into segments".into());
            return Expr { kind: ExprKind::Bool(false), span: expr.span };
        }
        expr
    }

    /// A pair's span without the whitespace and comments pest may have
    /// consumed after its last token.
    fn tight_span(&self, pair: &P<'_>) -> Span {
        let start = self.base + pair.as_span().start();
        Span::new(start, start + crate::items::last_token_end(pair.as_str()))
    }

    /// Applies precedence to a flat `expr` pair (see the grammar) with pest's
    /// Pratt parser. Long operator runs are refused before any tree is
    /// built, so no deep tree is ever built or recursively dropped.
    fn operators(&mut self, pair: P<'_>) -> Expr {
        let span = self.tight_span(&pair);
        // `and`/`or` chains are n-ary (they do not nest the tree), so what
        // nests is each operand's own run of operators: bound the longest
        // run, the longest prefix run, and the chain's length.
        let (mut run, mut longest_run, mut prefix_run, mut longest_prefix_run) = (0usize, 0usize, 0usize, 0usize);
        let mut operands = 1usize;
        for part in pair.clone().into_inner() {
            match operators::by_rule(part.as_rule()) {
                Some(info) if info.fixity == Fixity::Prefix => {
                    prefix_run += 1;
                    longest_prefix_run = longest_prefix_run.max(prefix_run);
                }
                Some(info) if matches!(info.operator, Operator::And | Operator::Or) => {
                    operands += 1;
                    run = 0;
                    prefix_run = 0;
                }
                Some(_) => {
                    run += 1;
                    longest_run = longest_run.max(run);
                    prefix_run = 0;
                }
                None => prefix_run = 0,
            }
        }
        if longest_run > limits::MAX_NESTING || longest_prefix_run > limits::MAX_NESTING {
            self.error(
                Code::TooDeep,
                span,
                format!("more than {} operators chained in one expression", limits::MAX_NESTING),
            )
            .help = Some("split it into segments or smaller expressions".into());
            return Expr { kind: ExprKind::Bool(false), span };
        }
        if operands > limits::MAX_CHAIN_OPERANDS {
            self.error(
                Code::TooMany,
                span,
                format!("more than {} operands joined by `and`/`or` in one expression", limits::MAX_CHAIN_OPERANDS),
            )
            .help = Some("group the conditions into segments".into());
            return Expr { kind: ExprKind::Bool(false), span };
        }
        let builder = std::cell::RefCell::new(self);
        pratt()
            .map_primary(|primary| builder.borrow_mut().expr(primary))
            .map_prefix(|op, operand| builder.borrow_mut().prefix(&op, operand))
            .map_infix(|lhs, op, rhs| builder.borrow_mut().infix(lhs, &op, rhs))
            .parse(pair.into_inner())
    }

    fn prefix(&mut self, op: &P<'_>, operand: Expr) -> Expr {
        let op_span = self.span(op);
        let span = op_span.to(operand.span);
        match operators::by_rule(op.as_rule()).map(|info| info.operator) {
            Some(Operator::Not) => Expr { kind: ExprKind::Not(Box::new(operand)), span },
            Some(Operator::Neg) => {
                // `-9223372036854775808` is i64::MIN: the literal alone is out of range.
                if let ExprKind::Int(i64::MIN) = operand.kind
                    && let Some(i) = self.pending_min.iter().position(|s| *s == operand.span)
                {
                    self.pending_min.swap_remove(i);
                    return Expr { kind: ExprKind::Int(i64::MIN), span };
                }
                Expr { kind: ExprKind::Neg(Box::new(operand)), span }
            }
            Some(
                Operator::Or | Operator::And | Operator::Coalesce | Operator::Arithmetic(_) | Operator::Compare(_),
            )
            | None => self.not_an_operator(op, "prefix", span),
        }
    }

    fn infix(&mut self, lhs: Expr, op: &P<'_>, rhs: Expr) -> Expr {
        let op_span = self.span(op);
        let span = lhs.span.to(rhs.span);
        let kind = match operators::by_rule(op.as_rule()).map(|info| info.operator) {
            Some(Operator::Arithmetic(op)) => ExprKind::Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) },
            Some(operator @ (Operator::Or | Operator::And)) => {
                let is_and = operator == Operator::And;
                // n-ary, so that long chains never nest deeply.
                return match lhs.kind {
                    ExprKind::And(mut items) if is_and => {
                        items.push(rhs);
                        Expr { kind: ExprKind::And(items), span }
                    }
                    ExprKind::Or(mut items) if !is_and => {
                        items.push(rhs);
                        Expr { kind: ExprKind::Or(items), span }
                    }
                    lhs_kind => {
                        let items = vec![Expr { kind: lhs_kind, span: lhs.span }, rhs];
                        Expr { kind: if is_and { ExprKind::And(items) } else { ExprKind::Or(items) }, span }
                    }
                };
            }
            Some(Operator::Coalesce) => ExprKind::Coalesce { lhs: Box::new(lhs), rhs: Box::new(rhs) },
            Some(Operator::Compare(op)) => {
                if matches!(lhs.kind, ExprKind::Compare { .. }) {
                    self.error(
                        Code::ChainedComparison,
                        op_span,
                        format!("comparison operators cannot be chained: `{}`", op.symbol()),
                    )
                    .help = Some("compare twice and join with `and`: `a < b and b < c`".into());
                    // Keep the first comparison only, so the chain gives one error.
                    return lhs;
                }
                ExprKind::Compare { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) }
            }
            Some(Operator::Not | Operator::Neg) | None => return self.not_an_operator(op, "infix", span),
        };
        Expr { kind, span }
    }

    /// The grammar and the operator table disagree (a test keeps them in
    /// step): an error, never a guess at which operator was meant.
    fn not_an_operator(&mut self, op: &P<'_>, position: &str, span: Span) -> Expr {
        self.error(Code::Syntax, self.span(op), format!("internal: `{}` is not an {position} operator", op.as_str()));
        Expr { kind: ExprKind::Bool(false), span }
    }

    fn expr(&mut self, pair: P<'_>) -> Expr {
        let span = self.tight_span(&pair);
        let rule = pair.as_rule();
        match rule {
            Rule::expr => self.operators(pair),
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => Expr { kind: ExprKind::Paren(Box::new(self.expr(inner))), span },
                None => Expr { kind: ExprKind::Bool(false), span },
            },
            Rule::list_lit => {
                let items: Vec<Expr> = pair.into_inner().map(|p| self.expr(p)).collect();
                if items.len() > limits::MAX_LIST_LEN {
                    self.error(
                        Code::ListTooLong,
                        span,
                        format!("list literal has {} items; the limit is {}", items.len(), limits::MAX_LIST_LEN),
                    );
                }
                Expr { kind: ExprKind::List(items), span }
            }
            Rule::float_lit => Expr { kind: ExprKind::Float(self.float(pair.as_str(), span)), span },
            // 2^63 is only valid negated (i64::MIN); `prefix` settles which.
            Rule::int_lit if pair.as_str() == I64_MIN_MAGNITUDE => {
                self.pending_min.push(span);
                Expr { kind: ExprKind::Int(i64::MIN), span }
            }
            Rule::int_lit => Expr { kind: ExprKind::Int(self.int(pair.as_str(), false, span)), span },
            Rule::string_lit | Rule::raw_string => Expr { kind: ExprKind::String(self.string(pair)), span },
            Rule::bool_lit => Expr { kind: ExprKind::Bool(pair.as_str() == "true"), span },
            Rule::kw_now => Expr { kind: ExprKind::Now, span },
            Rule::call => {
                let mut it = pair.into_inner();
                let name = it.next().map(|p| self.ident(&p));
                let args = it.map(|p| self.expr(p)).collect();
                match name {
                    Some(name) => Expr { kind: ExprKind::Call { name, args }, span },
                    None => Expr { kind: ExprKind::Bool(false), span },
                }
            }
            Rule::path => Expr { kind: ExprKind::Path(self.path(pair)), span },
            _ => Expr { kind: ExprKind::Bool(false), span },
        }
    }
}
