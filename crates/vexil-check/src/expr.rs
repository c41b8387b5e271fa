//! Expression checking: names, static types, contextual typing of string
//! literals, and the `has` guard analysis of LANGUAGE.md §4.

use std::collections::BTreeSet;

use vexil_syntax::ast::{self, BinaryOp, CompareOp, ExprKind as A};
use vexil_syntax::suggest::closest;
use vexil_syntax::{Code, Diagnostic, Span, limits};
use vexil_value::{Cidr, Timestamp, Version, parse_ip};

use crate::ir::{self, AttrId, CmpOp, Const, Expr, ExprKind, FUNCTIONS, SegmentId, StrOp, Ty};
use crate::scope::{Scope, Symbol};

/// Attributes known to be present (`has(p)` known true).
pub type Facts = BTreeSet<AttrId>;

/// A checked expression with what it proves when true and when false.
pub struct Checked {
    pub expr: Expr,
    pub if_true: Facts,
    pub if_false: Facts,
}

impl Checked {
    fn plain(expr: Expr) -> Checked {
        Checked { expr, if_true: Facts::new(), if_false: Facts::new() }
    }
}

pub struct ExprChecker<'s, 'a> {
    pub scope: &'s Scope<'a>,
    pub diagnostics: &'s mut Vec<Diagnostic>,
    /// Segments referenced, for cycle detection and the unused-segment lint.
    pub segment_refs: Vec<SegmentId>,
    /// What names resolve to, when an editor asked (`Options::index`).
    pub index: Option<crate::index::Index>,
}

fn error_expr(span: Span) -> Expr {
    Expr { kind: ExprKind::Const(Const::Bool(false)), ty: Ty::Error, span }
}

fn union(a: &Facts, b: &Facts) -> Facts {
    a.union(b).copied().collect()
}

fn intersection(a: &Facts, b: &Facts) -> Facts {
    a.intersection(b).copied().collect()
}

impl<'s, 'a> ExprChecker<'s, 'a> {
    fn report(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(code, span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn ty_name(&self, ty: &Ty) -> String {
        self.scope.type_name(ty)
    }

    /// Records a resolved name for the index (when one is being built).
    pub fn note(&mut self, sym: impl FnOnce() -> crate::index::Sym, span: Span) {
        if let Some(index) = self.index.as_mut() {
            index.references.push((sym(), span));
        }
    }

    /// Records the types of a checked expression tree for the index.
    pub fn record_types(&mut self, expr: &Expr) {
        let scope = self.scope;
        if let Some(index) = self.index.as_mut() {
            index.expression(expr, &|ty| scope.type_name(ty));
        }
    }

    /// Records an attribute use by its id.
    fn note_attr(&mut self, id: AttrId, span: Span) {
        let scope = self.scope;
        self.note(
            || crate::index::Sym::Attr(scope.attrs.get(id as usize).map(|a| a.path.clone()).unwrap_or_default()),
            span,
        );
    }

    /// Records an enum member use (`gold`), and the enum of a qualified one (`Plan.gold`).
    fn note_member(&mut self, e: crate::ir::EnumId, m: u32, path: &ast::Path) {
        let scope = self.scope;
        let enum_name = scope.type_name(&Ty::Enum(e));
        let member = scope.enums.get(e as usize).and_then(|d| d.members.get(m as usize)).cloned().unwrap_or_default();
        if let [q, name] = path.segments.as_slice() {
            let enum_for_q = enum_name.clone();
            self.note(|| crate::index::Sym::Enum(enum_for_q), q.span);
            self.note(|| crate::index::Sym::Member(enum_name, member), name.span);
        } else {
            self.note(|| crate::index::Sym::Member(enum_name, member), path.span);
        }
    }

    /// Checks a condition: the expression must be a bool.
    pub fn condition(&mut self, e: &ast::Expr, known: &Facts) -> Checked {
        let checked = self.check(e, Some(&Ty::Bool), known);
        if checked.expr.ty != Ty::Bool && !checked.expr.ty.is_error() {
            let found = self.ty_name(&checked.expr.ty);
            self.report(Code::NotBool, e.span, format!("a condition must be a bool, but this is `{found}`")).help =
                Some("compare it with something, e.g. `x == …`".into());
        }
        checked
    }

    pub fn check(&mut self, e: &ast::Expr, expected: Option<&Ty>, known: &Facts) -> Checked {
        let span = e.span;
        let simple = |kind: ExprKind, ty: Ty| Checked::plain(Expr { kind, ty, span });
        match &e.kind {
            A::Bool(b) => simple(ExprKind::Const(Const::Bool(*b)), Ty::Bool),
            A::Int(i) => simple(ExprKind::Const(Const::Int(*i)), Ty::Int),
            A::Float(f) => simple(ExprKind::Const(Const::Float(*f)), Ty::Float),
            A::String(s) => {
                let expr = self.string_literal(&s.value, span, expected);
                if let ExprKind::Const(Const::Enum(e, m)) = &expr.kind {
                    // The member inside the quotes (a rename edits only the name).
                    let quote = if s.raw { 2 } else { 1 };
                    let inside =
                        Span { start: span.start + quote, end: span.end.saturating_sub(1).max(span.start + quote) };
                    let enum_name = self.ty_name(&Ty::Enum(*e));
                    let member = self
                        .scope
                        .enums
                        .get(*e as usize)
                        .and_then(|d| d.members.get(*m as usize))
                        .cloned()
                        .unwrap_or_default();
                    self.note(|| crate::index::Sym::Member(enum_name, member), inside);
                }
                Checked::plain(expr)
            }
            A::Now => simple(ExprKind::Now, Ty::Timestamp),
            A::Path(path) => Checked::plain(self.path(path, expected, known)),
            A::List(items) => Checked::plain(self.list(items, span, expected, known)),
            A::Call { name, args } => self.call(name, args, span, known),
            A::Paren(inner) => {
                let mut checked = self.check(inner, expected, known);
                checked.expr.span = span;
                checked
            }
            A::Neg(inner) => {
                let operand = self.check(inner, expected, known).expr;
                let ty = operand.ty.clone();
                if !matches!(ty, Ty::Int | Ty::Float | Ty::Error) {
                    let found = self.ty_name(&ty);
                    self.report(Code::TypeMismatch, span, format!("cannot negate a `{found}`"));
                    return Checked::plain(error_expr(span));
                }
                simple(ExprKind::Neg(Box::new(operand)), ty)
            }
            A::Not(inner) => {
                let checked = self.condition(inner, known);
                let ty = if checked.expr.ty.is_error() { Ty::Error } else { Ty::Bool };
                Checked {
                    expr: Expr { kind: ExprKind::Not(Box::new(checked.expr)), ty, span },
                    if_true: checked.if_false,
                    if_false: checked.if_true,
                }
            }
            A::And(items) => self.junction(items, span, known, true),
            A::Or(items) => self.junction(items, span, known, false),
            A::Binary { op, op_span, lhs, rhs } => {
                Checked::plain(self.arith((*op, *op_span), (lhs, rhs), span, expected, known))
            }
            A::Compare { op, op_span, lhs, rhs } => Checked::plain(self.compare(*op, *op_span, lhs, rhs, span, known)),
            A::Coalesce { lhs, rhs } => Checked::plain(self.coalesce(lhs, rhs, span, known)),
        }
    }

    /// `and` and `or` are duals: in `A and B` what A proves when true holds
    /// in B, in `A or B` what A proves when false. Written for `and`; `or`
    /// swaps the roles of the true and false facts.
    fn junction(&mut self, items: &[ast::Expr], span: Span, known: &Facts, is_and: bool) -> Checked {
        let mut exprs = Vec::with_capacity(items.len());
        // Facts when every operand so far continued the chain (all true for `and`).
        let mut continuing = Facts::new();
        // Facts when the chain stopped at some operand (a false one for `and`).
        let mut stopped: Option<Facts> = None;
        let mut error = false;
        for item in items {
            let checked = self.condition(item, &union(known, &continuing));
            error |= checked.expr.ty.is_error();
            let (goes_on, stops) =
                if is_and { (checked.if_true, checked.if_false) } else { (checked.if_false, checked.if_true) };
            // Stopping here means every operand before went on.
            let stop_here = union(&continuing, &stops);
            stopped = Some(match stopped {
                None => stop_here,
                Some(previous) => intersection(&previous, &stop_here),
            });
            continuing = union(&continuing, &goes_on);
            exprs.push(checked.expr);
        }
        let ty = if error { Ty::Error } else { Ty::Bool };
        let stopped = stopped.unwrap_or_default();
        let (kind, if_true, if_false) = if is_and {
            (ExprKind::And(exprs), continuing, stopped)
        } else {
            (ExprKind::Or(exprs), stopped, continuing)
        };
        Checked { expr: Expr { kind, ty, span }, if_true, if_false }
    }

    /// A string literal, parsed as the type its context expects (§3).
    fn string_literal(&mut self, text: &str, span: Span, expected: Option<&Ty>) -> Expr {
        let parsed = match expected {
            Some(Ty::Semver) => Version::parse(text).map(Const::Semver).map_err(|e| e.to_string()),
            Some(Ty::Timestamp) => Timestamp::parse_rfc3339(text).map(Const::Timestamp).map_err(|e| e.to_string()),
            Some(Ty::Ip) => parse_ip(text).map(Const::Ip).map_err(|e| e.to_string()),
            Some(Ty::Enum(id)) => match self.scope.member(*id, text) {
                Some(m) => Ok(Const::Enum(*id, m)),
                None => {
                    let name = self.ty_name(&Ty::Enum(*id));
                    let mut message = format!("`{text}` is not a member of enum `{name}`");
                    if let Some(s) = closest(text, self.scope.member_names(*id)) {
                        message.push_str(&format!("; did you mean `{s}`?"));
                    }
                    Err(message)
                }
            },
            _ => Ok(Const::String(text.to_owned())),
        };
        match parsed {
            Ok(value) => {
                let ty = expected.cloned().unwrap_or(Ty::String);
                let ty = if matches!(value, Const::String(_)) { Ty::String } else { ty };
                Expr { kind: ExprKind::Const(value), ty, span }
            }
            Err(message) => {
                let ty = expected.map(|t| self.ty_name(t)).unwrap_or_default();
                self.report(Code::InvalidLiteral, span, message).help =
                    Some(format!("this string is compared with a value of type `{ty}`, so it must parse as one"));
                error_expr(span)
            }
        }
    }

    fn path(&mut self, path: &ast::Path, expected: Option<&Ty>, known: &Facts) -> Expr {
        let span = path.span;
        let dotted = path.dotted();
        let Some(first) = path.segments.first() else {
            return error_expr(span);
        };
        // A declared attribute wins: `user.id`, or a one-component path `country`.
        if let Some(&id) = self.scope.attr_by_path.get(&dotted) {
            if let Some(Ty::Enum(e)) = expected
                && path.segments.len() == 1
                && self.scope.member(*e, &dotted).is_some()
            {
                self.ambiguous(span, &dotted, "a context attribute");
                return error_expr(span);
            }
            self.note_attr(id, span);
            return self.read_attr(id, span, known);
        }
        let symbol = self.scope.symbols.get(first.name.as_str()).map(|(s, _)| *s);
        if path.segments.len() == 1 {
            let name = first.name.as_str();
            let member = match expected {
                Some(Ty::Enum(e)) => self.scope.member(*e, name).map(|m| (*e, m)),
                _ => None,
            };
            return match (member, symbol) {
                (Some(_), Some(Symbol::Segment(_))) => {
                    self.ambiguous(span, name, "a segment");
                    error_expr(span)
                }
                (Some((e, m)), _) => {
                    self.note_member(e, m, path);
                    Expr { kind: ExprKind::Const(Const::Enum(e, m)), ty: Ty::Enum(e), span }
                }
                (None, Some(Symbol::Segment(id))) => {
                    self.segment_refs.push(id);
                    self.note(|| crate::index::Sym::Segment(name.to_owned()), span);
                    Expr { kind: ExprKind::Segment(id), ty: Ty::Bool, span }
                }
                (None, Some(Symbol::Enum(_))) => {
                    self.report(Code::NotAValue, span, format!("`{name}` is an enum type, not a value")).help =
                        Some(format!("name a member: `{name}.<member>`"));
                    error_expr(span)
                }
                (None, Some(Symbol::Flag(_))) => {
                    self.report(Code::NotAValue, span, format!("flag `{name}` cannot be read in an expression")).help =
                        Some(format!("make it a prerequisite: `requires {name} == <value>`"));
                    error_expr(span)
                }
                (None, Some(Symbol::ContextRoot)) => {
                    let children: Vec<&str> = self
                        .scope
                        .attrs
                        .iter()
                        .map(|a| a.path.as_str())
                        .filter(|p| p.starts_with(name) && p.as_bytes().get(name.len()) == Some(&b'.'))
                        .collect();
                    self.report(Code::NotAValue, span, format!("`{name}` is an object in the context, not a value"))
                        .help = children.first().map(|c| format!("read one of its attributes, like `{c}`"));
                    error_expr(span)
                }
                (None, None) => {
                    self.unknown_name(name, span, expected);
                    error_expr(span)
                }
            };
        }
        if let Some(Symbol::Enum(e)) = symbol {
            let member_name = path.segments.get(1).map_or("", |s| s.name.as_str());
            return match (self.scope.member(e, member_name), path.segments.len()) {
                (Some(m), 2) => {
                    self.note_member(e, m, path);
                    Expr { kind: ExprKind::Const(Const::Enum(e, m)), ty: Ty::Enum(e), span }
                }
                _ => {
                    let enum_name = first.name.clone();
                    let suggestion = closest(member_name, self.scope.member_names(e)).map(str::to_owned);
                    let d = self.report(
                        Code::UnknownMember,
                        span,
                        format!("enum `{enum_name}` has no member `{}`", &dotted[enum_name.len() + 1..]),
                    );
                    d.help = suggestion.map(|s| format!("did you mean `{enum_name}.{s}`?"));
                    error_expr(span)
                }
            };
        }
        if !self.scope.is_broken(first.name.as_str()) {
            let paths: Vec<&str> = self.scope.attr_by_path.keys().map(String::as_str).collect();
            let suggestion = closest(&dotted, paths.iter().copied()).map(str::to_owned);
            let no_context = !self.scope.has_context;
            let d = self.report(Code::UnknownName, span, format!("unknown context attribute `{dotted}`"));
            d.help = match suggestion {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None if no_context => Some("declare it in a `context { … }` block".into()),
                None => Some(format!("declare it in the context block: `{dotted}: <type>`")),
            };
        }
        error_expr(span)
    }

    fn ambiguous(&mut self, span: Span, name: &str, what: &str) {
        self.report(Code::AmbiguousName, span, format!("`{name}` is both an enum member and {what}")).help =
            Some(format!("qualify the member: `<Enum>.{name}`"));
    }

    fn unknown_name(&mut self, name: &str, span: Span, expected: Option<&Ty>) {
        if self.scope.is_broken(name) {
            return;
        }
        if let Some(Ty::Enum(e)) = expected {
            // Where an enum member is expected, a bare unknown name is most
            // likely a misspelt member.
            let enum_name = self.ty_name(&Ty::Enum(*e));
            let help = match closest(name, self.scope.member_names(*e)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "members of `{enum_name}` are: {}",
                    self.scope.member_names(*e).collect::<Vec<_>>().join(", ")
                ),
            };
            self.report(Code::UnknownMember, span, format!("`{name}` is not a member of enum `{enum_name}`")).help =
                Some(help);
            return;
        }
        let mut candidates: Vec<&str> =
            self.scope.symbols.iter().filter(|(_, (s, _))| matches!(s, Symbol::Segment(_))).map(|(k, _)| *k).collect();
        candidates.extend(self.scope.attr_by_path.keys().map(String::as_str));
        if let Some(Ty::Enum(e)) = expected {
            candidates.extend(self.scope.member_names(*e));
        }
        let help = match closest(name, candidates.iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None => match expected {
                Some(Ty::Enum(e)) => Some(format!(
                    "members of `{}` are: {}",
                    self.ty_name(&Ty::Enum(*e)),
                    self.scope.member_names(*e).collect::<Vec<_>>().join(", ")
                )),
                _ => None,
            },
        };
        self.report(Code::UnknownName, span, format!("unknown name `{name}`")).help = help;
    }

    fn read_attr(&mut self, id: AttrId, span: Span, known: &Facts) -> Expr {
        let Some(attr) = self.scope.attrs.get(id as usize) else {
            return error_expr(span);
        };
        if attr.optional && !known.contains(&id) {
            let path = attr.path.clone();
            let fallback = match attr.ty {
                Ty::Int => "0",
                Ty::Float => "0.0",
                Ty::Bool => "false",
                _ => "\"…\"",
            };
            self.report(Code::UnguardedOptional, span, format!("`{path}` is optional and may be absent here")).help =
                Some(format!("guard it with `has({path}) and …`, or give a fallback: `{path} ?? {fallback}`"));
        }
        Expr { kind: ExprKind::Attr(id), ty: attr.ty.clone(), span }
    }

    fn list(&mut self, items: &[ast::Expr], span: Span, expected: Option<&Ty>, known: &Facts) -> Expr {
        let mut element_ty = expected.and_then(Ty::element).cloned();
        if items.is_empty() && element_ty.is_none() {
            self.report(Code::UntypedList, span, "cannot tell the element type of an empty list").help =
                Some("compare it with a typed value, e.g. `x in []` where x has a known type".into());
            return error_expr(span);
        }
        let mut exprs = Vec::with_capacity(items.len());
        let mut error = false;
        for item in items {
            let checked = self.check(item, element_ty.as_ref(), known).expr;
            match (&element_ty, &checked.ty) {
                (_, Ty::Error) => error = true,
                (_, Ty::List(_)) => {
                    self.report(Code::NestedList, checked.span, "lists of lists are not supported");
                    error = true;
                }
                (None, ty) => element_ty = Some(ty.clone()),
                (Some(want), got) if want != got => {
                    let (want, got) = (self.ty_name(want), self.ty_name(got));
                    self.report(
                        Code::TypeMismatch,
                        checked.span,
                        format!("list elements must all have one type: expected `{want}`, found `{got}`"),
                    );
                    error = true;
                }
                _ => {}
            }
            exprs.push(checked);
        }
        match element_ty {
            Some(ty) if !error => Expr { kind: ExprKind::List(exprs), ty: Ty::List(Box::new(ty)), span },
            _ => error_expr(span),
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span, known: &Facts) -> Checked {
        let fname = name.name.as_str();
        if fname == "has" {
            return self.has(args, span);
        }
        let Some(function) = ir::function(fname) else {
            let names: Vec<&str> = ["has"].into_iter().chain(FUNCTIONS.iter().map(|f| f.name)).collect();
            let d = self.report(Code::UnknownFunction, name.span, format!("unknown function `{fname}`"));
            d.help = Some(match closest(fname, names.iter().copied().chain(["now"])) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("functions are: {}", names.join(", ")),
            });
            return Checked::plain(error_expr(span));
        };
        let params = function.params;
        if args.len() != params {
            self.report(
                Code::ArgumentCount,
                span,
                format!("`{fname}` takes {params} argument, but {} were given", args.len()),
            );
            return Checked::plain(error_expr(span));
        }
        let mut checked: Vec<Expr> = args.iter().map(|a| self.check(a, None, known).expr).collect();
        let Some(arg) = checked.first() else {
            return Checked::plain(error_expr(span));
        };
        if arg.ty.is_error() {
            return Checked::plain(error_expr(span));
        }
        match (function.resolve)(&arg.ty) {
            Some((builtin, ty)) => {
                let args = std::mem::take(&mut checked);
                Checked::plain(Expr { kind: ExprKind::Call(builtin, args), ty, span })
            }
            None => {
                let found = self.ty_name(&arg.ty);
                let wanted = function.takes;
                let arg_span = arg.span;
                let d = self.report(
                    Code::TypeMismatch,
                    arg_span,
                    format!("`{fname}` takes {wanted}, but this is `{found}`"),
                );
                if fname == "float" && found == "float" {
                    d.help = Some("it is already a float".into());
                }
                Checked::plain(error_expr(span))
            }
        }
    }

    fn has(&mut self, args: &[ast::Expr], span: Span) -> Checked {
        let path = match args {
            [ast::Expr { kind: A::Path(path), .. }] => path,
            [other] => {
                self.report(Code::HasNotAttribute, other.span, "`has` takes a context attribute path").help =
                    Some("write `has(user.age)`".into());
                return Checked::plain(error_expr(span));
            }
            _ => {
                self.report(
                    Code::ArgumentCount,
                    span,
                    format!("`has` takes 1 argument, but {} were given", args.len()),
                );
                return Checked::plain(error_expr(span));
            }
        };
        let dotted = path.dotted();
        match self.scope.attr_by_path.get(&dotted) {
            Some(&id) => {
                self.note_attr(id, path.span);
                let mut if_true = Facts::new();
                if_true.insert(id);
                Checked { expr: Expr { kind: ExprKind::Has(id), ty: Ty::Bool, span }, if_true, if_false: Facts::new() }
            }
            None => {
                let first = path.segments.first().map_or("", |s| s.name.as_str());
                if !self.scope.is_broken(first) {
                    let paths: Vec<&str> = self.scope.attr_by_path.keys().map(String::as_str).collect();
                    let help = closest(&dotted, paths.iter().copied()).map(|s| format!("did you mean `{s}`?"));
                    self.report(
                        Code::HasNotAttribute,
                        path.span,
                        format!("`has` takes a declared context attribute; `{dotted}` is not one"),
                    )
                    .help = help;
                }
                Checked::plain(error_expr(span))
            }
        }
    }

    fn arith(
        &mut self,
        (op, op_span): (BinaryOp, Span),
        (lhs, rhs): (&ast::Expr, &ast::Expr),
        span: Span,
        expected: Option<&Ty>,
        known: &Facts,
    ) -> Expr {
        let numeric_expectation = expected.filter(|t| matches!(t, Ty::Int | Ty::Float | Ty::String));
        let l = self.check(lhs, numeric_expectation, known).expr;
        let r = self.check(rhs, Some(&l.ty).filter(|t| !t.is_error()), known).expr;
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let ty = match (&l.ty, &r.ty) {
            (Ty::Int, Ty::Int) => Ty::Int,
            (Ty::Float, Ty::Float) => Ty::Float,
            (Ty::String, Ty::String) if op == BinaryOp::Add => Ty::String,
            (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int) => {
                self.int_float_mix(op.symbol(), op_span);
                return error_expr(span);
            }
            (a, b) => {
                let (a, b) = (self.ty_name(a), self.ty_name(b));
                let what = if op == BinaryOp::Add { "ints, floats or strings" } else { "ints or floats" };
                self.report(
                    Code::TypeMismatch,
                    op_span,
                    format!("cannot apply `{}` to `{a}` and `{b}`", op.symbol()),
                )
                .help = Some(format!("`{}` works on two {what} of the same type", op.symbol()));
                return error_expr(span);
            }
        };
        Expr { kind: ExprKind::Arith(op, Box::new(l), Box::new(r)), ty, span }
    }

    fn int_float_mix(&mut self, op: &str, op_span: Span) {
        self.report(Code::IntFloatMix, op_span, format!("`{op}` mixes an int and a float")).help =
            Some("convert the int side with `float(…)`, or write the literal as a float (`1.0`)".into());
    }

    /// True when an operand takes its type from the other side: a string
    /// literal, a list literal, or a bare name that is no declared symbol.
    fn is_contextual(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            A::String(_) | A::List(_) => true,
            A::Paren(inner) => self.is_contextual(inner),
            A::Path(path) if path.segments.len() == 1 => {
                let name = path.dotted();
                !self.scope.attr_by_path.contains_key(&name) && !self.scope.symbols.contains_key(name.as_str())
            }
            _ => false,
        }
    }

    fn compare(
        &mut self,
        op: CompareOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        known: &Facts,
    ) -> Expr {
        match op {
            CompareOp::In => self.membership(false, op_span, lhs, rhs, span, known),
            CompareOp::NotIn => self.membership(true, op_span, lhs, rhs, span, known),
            CompareOp::Contains => self.contains(op_span, lhs, rhs, span, known),
            CompareOp::StartsWith => self.string_test(StrOp::StartsWith, op_span, lhs, rhs, span, known),
            CompareOp::EndsWith => self.string_test(StrOp::EndsWith, op_span, lhs, rhs, span, known),
            CompareOp::Matches => self.matches(op_span, lhs, rhs, span, known),
            CompareOp::Eq => self.comparison(CmpOp::Eq, op_span, lhs, rhs, span, known),
            CompareOp::Ne => self.comparison(CmpOp::Ne, op_span, lhs, rhs, span, known),
            CompareOp::Lt => self.comparison(CmpOp::Lt, op_span, lhs, rhs, span, known),
            CompareOp::Le => self.comparison(CmpOp::Le, op_span, lhs, rhs, span, known),
            CompareOp::Gt => self.comparison(CmpOp::Gt, op_span, lhs, rhs, span, known),
            CompareOp::Ge => self.comparison(CmpOp::Ge, op_span, lhs, rhs, span, known),
        }
    }

    /// `starts_with` / `ends_with`: two strings.
    fn string_test(
        &mut self,
        str_op: StrOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        known: &Facts,
    ) -> Expr {
        let l = self.check(lhs, Some(&Ty::String), known).expr;
        let r = self.check(rhs, Some(&Ty::String), known).expr;
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        if l.ty != Ty::String || r.ty != Ty::String {
            self.operand_mismatch(str_op.symbol(), op_span, &l.ty, &r.ty, "two strings");
            return error_expr(span);
        }
        Expr { kind: ExprKind::Str(str_op, Box::new(l), Box::new(r)), ty: Ty::Bool, span }
    }

    /// `== != < <= > >=`: two operands of one type (ordered types for the orderings).
    fn comparison(
        &mut self,
        cmp: CmpOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        known: &Facts,
    ) -> Expr {
        let (l, r) = self.pair(lhs, rhs, known);
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        if l.ty != r.ty {
            if matches!((&l.ty, &r.ty), (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int)) {
                self.int_float_mix(cmp.symbol(), op_span);
            } else {
                let (a, b) = (self.ty_name(&l.ty), self.ty_name(&r.ty));
                self.report(Code::TypeMismatch, op_span, format!("cannot compare `{a}` with `{b}`")).help =
                    Some("both sides of a comparison must have the same type".into());
            }
            return error_expr(span);
        }
        let ordered = matches!(l.ty, Ty::Int | Ty::Float | Ty::String | Ty::Semver | Ty::Timestamp);
        let equality = matches!(cmp, CmpOp::Eq | CmpOp::Ne);
        if matches!(l.ty, Ty::List(_)) || (!equality && !ordered) {
            let name = self.ty_name(&l.ty);
            let help = if matches!(l.ty, Ty::List(_)) {
                "lists are compared element-wise with `contains` or `in`"
            } else {
                "`<`, `<=`, `>`, `>=` order ints, floats, strings, semvers and timestamps"
            };
            self.report(
                Code::TypeMismatch,
                op_span,
                format!("`{}` cannot compare values of type `{name}`", cmp.symbol()),
            )
            .help = Some(help.into());
            return error_expr(span);
        }
        Expr { kind: ExprKind::Compare(cmp, Box::new(l), Box::new(r)), ty: Ty::Bool, span }
    }

    /// Checks two operands of one type, letting a contextual literal on either
    /// side take the other side's type.
    fn pair(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, known: &Facts) -> (Expr, Expr) {
        if self.is_contextual(lhs) && !self.is_contextual(rhs) {
            let r = self.check(rhs, None, known).expr;
            let l = self.check(lhs, Some(&r.ty).filter(|t| !t.is_error()), known).expr;
            (l, r)
        } else {
            let l = self.check(lhs, None, known).expr;
            let r = self.check(rhs, Some(&l.ty).filter(|t| !t.is_error()), known).expr;
            (l, r)
        }
    }

    fn operand_mismatch(&mut self, op: &str, op_span: Span, l: &Ty, r: &Ty, wanted: &str) {
        let (a, b) = (self.ty_name(l), self.ty_name(r));
        self.report(Code::TypeMismatch, op_span, format!("`{op}` cannot take `{a}` and `{b}`")).help =
            Some(format!("`{op}` takes {wanted}"));
    }

    fn membership(
        &mut self,
        negated: bool,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        known: &Facts,
    ) -> Expr {
        let op = if negated { "not in" } else { "in" };
        let (l, r) = if self.is_contextual(lhs) && !self.is_contextual(rhs) {
            let r = self.check(rhs, None, known).expr;
            let l = self.check(lhs, r.ty.element().filter(|t| !t.is_error()), known).expr;
            (l, r)
        } else {
            let l = self.check(lhs, None, known).expr;
            if l.ty == Ty::Ip && is_cidr_literal(rhs) {
                return self.cidr_membership(negated, l, rhs, span);
            }
            let want = Ty::List(Box::new(l.ty.clone()));
            let r = self.check(rhs, Some(&want).filter(|t| !t.is_error()), known).expr;
            (l, r)
        };
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        match r.ty.element() {
            Some(element) if *element == l.ty => {
                Expr { kind: ExprKind::In { negated, elem: Box::new(l), list: Box::new(r) }, ty: Ty::Bool, span }
            }
            _ => {
                let want = self.ty_name(&Ty::List(Box::new(l.ty.clone())));
                let found = self.ty_name(&r.ty);
                self.report(
                    Code::TypeMismatch,
                    op_span,
                    format!("`{op}` needs a `{want}` on the right, found `{found}`"),
                )
                .help = Some(match r.ty {
                    Ty::String if l.ty == Ty::String => "for a substring test write `text contains \"…\"`".into(),
                    _ => format!("`x {op} list` tests membership in a list of x's type"),
                });
                error_expr(span)
            }
        }
    }

    fn cidr_membership(&mut self, negated: bool, ip: Expr, rhs: &ast::Expr, span: Span) -> Expr {
        let literals: Vec<(&str, Span)> = match &rhs.kind {
            A::String(s) => vec![(s.value.as_str(), s.span)],
            A::List(items) => items
                .iter()
                .filter_map(|i| match &i.kind {
                    A::String(s) => Some((s.value.as_str(), s.span)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut ranges = Vec::with_capacity(literals.len());
        let mut error = false;
        for (text, lit_span) in literals {
            match Cidr::parse(text) {
                Ok(cidr) => ranges.push(cidr),
                Err(e) => {
                    let help = if parse_ip(text).is_ok() {
                        let bits = if text.contains(':') { 128 } else { 32 };
                        format!("a single address is the range `{text}/{bits}`")
                    } else {
                        "write a network address and a prefix length, like \"10.0.0.0/8\"".into()
                    };
                    self.report(Code::InvalidCidr, lit_span, e.to_string()).help = Some(help);
                    error = true;
                }
            }
        }
        if error {
            return error_expr(span);
        }
        Expr { kind: ExprKind::InCidr { negated, ip: Box::new(ip), ranges }, ty: Ty::Bool, span }
    }

    fn contains(&mut self, op_span: Span, lhs: &ast::Expr, rhs: &ast::Expr, span: Span, known: &Facts) -> Expr {
        let l = self.check(lhs, None, known).expr;
        let want = match &l.ty {
            Ty::List(element) => Some((**element).clone()),
            Ty::String => Some(Ty::String),
            _ => None,
        };
        let r = self.check(rhs, want.as_ref(), known).expr;
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        match (&l.ty, want) {
            (Ty::String, _) if r.ty == Ty::String => {
                Expr { kind: ExprKind::Str(StrOp::Contains, Box::new(l), Box::new(r)), ty: Ty::Bool, span }
            }
            (Ty::List(_), Some(element)) if element == r.ty => {
                Expr { kind: ExprKind::ListContains(Box::new(l), Box::new(r)), ty: Ty::Bool, span }
            }
            _ => {
                self.operand_mismatch("contains", op_span, &l.ty, &r.ty, "`list<T>` and `T`, or two strings");
                error_expr(span)
            }
        }
    }

    fn matches(&mut self, op_span: Span, lhs: &ast::Expr, rhs: &ast::Expr, span: Span, known: &Facts) -> Expr {
        let subject = self.check(lhs, Some(&Ty::String), known).expr;
        let A::String(pattern) = &rhs.kind else {
            self.report(Code::InvalidRegex, rhs.span, "the pattern of `matches` must be a string literal").help =
                Some("patterns are compiled when the ruleset is compiled; write it inline, e.g. r\"^\\d+$\"".into());
            return error_expr(span);
        };
        if subject.ty.is_error() {
            return error_expr(span);
        }
        if subject.ty != Ty::String {
            self.operand_mismatch("matches", op_span, &subject.ty, &Ty::String, "a string and a pattern");
            return error_expr(span);
        }
        let compiled = regex_lite::RegexBuilder::new(&pattern.value)
            .size_limit(limits::MAX_REGEX_BYTES)
            .nest_limit(u32::try_from(limits::MAX_NESTING).unwrap_or(64))
            .build();
        match compiled {
            Ok(regex) => Expr { kind: ExprKind::Matches { subject: Box::new(subject), regex }, ty: Ty::Bool, span },
            Err(e) => {
                let message = e.to_string();
                let first_line = message.lines().next().unwrap_or("invalid pattern").to_owned();
                let d =
                    self.report(Code::InvalidRegex, pattern.span, format!("invalid regular expression: {first_line}"));
                if !pattern.raw && pattern.value.contains('\\') {
                    d.help = Some("write regexes as raw strings, r\"…\", so backslashes reach the regex".into());
                } else if message.contains("look") || message.contains("backref") {
                    d.help = Some("regex-lite has no look-around or backreferences".into());
                }
                error_expr(span)
            }
        }
    }

    fn coalesce(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, span: Span, known: &Facts) -> Expr {
        let attr = match &lhs.kind {
            A::Path(path) => self.scope.attr_by_path.get(&path.dotted()).copied(),
            _ => None,
        };
        let Some(id) = attr.filter(|id| self.scope.attrs.get(*id as usize).is_some_and(|a| a.optional)) else {
            let left = self.check(lhs, None, known).expr;
            if !left.ty.is_error() {
                self.report(
                    Code::CoalesceNotOptional,
                    lhs.span,
                    "the left side of `??` must be an optional attribute",
                )
                .help = Some("`p ?? e` gives `p` when present, else `e`; here the left side is always present".into());
            }
            return error_expr(span);
        };
        self.note_attr(id, lhs.span);
        let ty = self.scope.attrs.get(id as usize).map(|a| a.ty.clone()).unwrap_or(Ty::Error);
        let fallback = self.check(rhs, Some(&ty), known).expr;
        if fallback.ty.is_error() {
            return error_expr(span);
        }
        if fallback.ty != ty {
            let (a, b) = (self.ty_name(&ty), self.ty_name(&fallback.ty));
            if matches!((&ty, &fallback.ty), (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int)) {
                self.report(
                    Code::IntFloatMix,
                    fallback.span,
                    format!("the fallback is `{b}` but the attribute is `{a}`"),
                );
            } else {
                self.report(
                    Code::TypeMismatch,
                    fallback.span,
                    format!("the fallback is `{b}` but the attribute is `{a}`"),
                );
            }
            return error_expr(span);
        }
        Expr { kind: ExprKind::Coalesce(id, Box::new(fallback)), ty, span }
    }

    /// Checks a split's `by` expression: a string or an int.
    pub fn split_unit(&mut self, e: &ast::Expr, known: &Facts) -> Expr {
        let unit = self.check(e, None, known).expr;
        if !matches!(unit.ty, Ty::String | Ty::Int | Ty::Error) {
            let found = self.ty_name(&unit.ty);
            self.report(
                Code::SplitUnitType,
                e.span,
                format!("a split unit must be a string or an int, not `{found}`"),
            )
            .help = Some("split by a stable identifier such as `user.id`".into());
        }
        unit
    }
}

fn is_cidr_literal(e: &ast::Expr) -> bool {
    match &e.kind {
        A::String(_) => true,
        A::List(items) => !items.is_empty() && items.iter().all(|i| matches!(i.kind, A::String(_))),
        _ => false,
    }
}
