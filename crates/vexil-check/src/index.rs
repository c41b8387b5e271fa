//! What every name in a ruleset refers to, and the type of every checked
//! expression, recorded by the checker itself as it resolves them (so an
//! editor's navigation follows exactly the rules that checking follows).
//! Built only when [`crate::Options::index`] asks for it; `vexil lsp` does.

use vexil_syntax::Span;

use crate::ir::{Expr, ExprKind};

/// Something a name can refer to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sym {
    /// A context attribute, by its full path.
    Attr(String),
    Segment(String),
    Flag(String),
    Enum(String),
    /// An enum member: the enum's name and the member's.
    Member(String, String),
}

/// The names of one ruleset: declarations, uses and expression types.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Each symbol's declaration: the span of its name.
    pub declarations: Vec<(Sym, Span)>,
    /// Each resolved use: the span of the name as written.
    pub references: Vec<(Sym, Span)>,
    /// Every checked expression's span and type, outermost first.
    pub types: Vec<(Span, String)>,
}

impl Index {
    /// Records the type of `expr` and of every expression inside it.
    pub(crate) fn expression(&mut self, expr: &Expr, type_name: &dyn Fn(&crate::ir::Ty) -> String) {
        let mut stack = vec![expr];
        while let Some(expr) = stack.pop() {
            if !expr.ty.is_error() {
                self.types.push((expr.span, type_name(&expr.ty)));
            }
            match &expr.kind {
                ExprKind::Const(_) | ExprKind::Now | ExprKind::Attr(_) | ExprKind::Has(_) | ExprKind::Segment(_) => {}
                ExprKind::Coalesce(_, e) | ExprKind::Not(e) | ExprKind::Neg(e) => stack.push(e),
                ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) | ExprKind::Call(_, items) => {
                    stack.extend(items.iter());
                }
                ExprKind::Arith(_, a, b)
                | ExprKind::Compare(_, a, b)
                | ExprKind::ListContains(a, b)
                | ExprKind::Str(_, a, b)
                | ExprKind::In { elem: a, list: b, .. } => {
                    stack.push(a);
                    stack.push(b);
                }
                ExprKind::InCidr { ip, .. } => stack.push(ip),
                ExprKind::Matches { subject, .. } => stack.push(subject),
            }
        }
    }

    /// The symbol named at byte `offset`, declared or used there.
    pub fn symbol_at(&self, offset: u32) -> Option<(&Sym, Span)> {
        self.declarations
            .iter()
            .chain(&self.references)
            .filter(|(_, span)| span.start <= offset && offset <= span.end)
            .min_by_key(|(_, span)| span.end - span.start)
            .map(|(sym, span)| (sym, *span))
    }

    /// The innermost checked expression around byte `offset`, with its type.
    pub fn type_at(&self, offset: u32) -> Option<(Span, &str)> {
        self.types
            .iter()
            .filter(|(span, _)| span.start <= offset && offset < span.end)
            .min_by_key(|(span, _)| span.end - span.start)
            .map(|(span, ty)| (*span, ty.as_str()))
    }

    pub fn declaration(&self, sym: &Sym) -> Option<Span> {
        self.declarations.iter().find(|(s, _)| s == sym).map(|(_, span)| *span)
    }

    pub fn references_to<'a>(&'a self, sym: &'a Sym) -> impl Iterator<Item = Span> + 'a {
        self.references.iter().filter(move |(s, _)| s == sym).map(|(_, span)| *span)
    }
}
