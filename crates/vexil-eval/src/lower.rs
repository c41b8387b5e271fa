//! Lowering: the checked program becomes evaluator nodes. Attribute paths are
//! already slot indices, regexes are compiled once, literals are runtime
//! values, and constant sub-expressions are folded (by running the evaluator
//! itself on them, so folding can never disagree with evaluation).

use vexil_check::ir::{self, ArithOp, Builtin, CmpOp, ExprKind, StrOp};
use vexil_syntax::Span;
use vexil_value::Cidr;

use crate::eval::fold;
use crate::value::Value;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Const(Value),
    Now,
    Attr(u32),
    Has(u32),
    Coalesce(u32, Box<Node>),
    Segment(u32),
    List(Vec<Node>),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Neg(Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    Compare(CmpOp, Box<Node>, Box<Node>),
    In { negated: bool, elem: Box<Node>, list: Box<Node> },
    InCidr { negated: bool, ip: Box<Node>, ranges: Vec<Cidr> },
    ListContains(Box<Node>, Box<Node>),
    Str(StrOp, Box<Node>, Box<Node>),
    Matches(Box<Node>, regex_lite::Regex),
    Call(Builtin, Box<Node>),
}

impl Node {
    pub fn is_const(&self) -> bool {
        matches!(self.kind, NodeKind::Const(_))
    }
}

pub(crate) fn lower(expr: &ir::Expr) -> Node {
    let span = expr.span;
    let boxed = |e: &ir::Expr| Box::new(lower(e));
    let kind = match &expr.kind {
        ExprKind::Const(c) => NodeKind::Const(Value::from_const(c)),
        ExprKind::Now => NodeKind::Now,
        ExprKind::Attr(id) => NodeKind::Attr(*id),
        ExprKind::Has(id) => NodeKind::Has(*id),
        ExprKind::Coalesce(id, fallback) => NodeKind::Coalesce(*id, boxed(fallback)),
        ExprKind::Segment(id) => NodeKind::Segment(*id),
        ExprKind::List(items) => NodeKind::List(items.iter().map(lower).collect()),
        ExprKind::Not(inner) => NodeKind::Not(boxed(inner)),
        ExprKind::And(items) => NodeKind::And(items.iter().map(lower).collect()),
        ExprKind::Or(items) => NodeKind::Or(items.iter().map(lower).collect()),
        ExprKind::Neg(inner) => NodeKind::Neg(boxed(inner)),
        ExprKind::Arith(op, l, r) => NodeKind::Arith(*op, boxed(l), boxed(r)),
        ExprKind::Compare(op, l, r) => NodeKind::Compare(*op, boxed(l), boxed(r)),
        ExprKind::In { negated, elem, list } => {
            NodeKind::In { negated: *negated, elem: boxed(elem), list: boxed(list) }
        }
        ExprKind::InCidr { negated, ip, ranges } => {
            NodeKind::InCidr { negated: *negated, ip: boxed(ip), ranges: ranges.clone() }
        }
        ExprKind::ListContains(l, r) => NodeKind::ListContains(boxed(l), boxed(r)),
        ExprKind::Str(op, l, r) => NodeKind::Str(*op, boxed(l), boxed(r)),
        ExprKind::Matches { subject, regex } => NodeKind::Matches(boxed(subject), regex.clone()),
        ExprKind::Call(builtin, args) => match args.first() {
            Some(arg) => NodeKind::Call(*builtin, boxed(arg)),
            None => NodeKind::Const(Value::Bool(false)),
        },
    };
    let node = Node { kind, span };
    if foldable(&node) { fold(node) } else { node }
}

/// A node whose operands are all constants and that reads nothing.
fn foldable(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Const(_)
        | NodeKind::Now
        | NodeKind::Attr(_)
        | NodeKind::Has(_)
        | NodeKind::Coalesce(..)
        | NodeKind::Segment(_) => false,
        NodeKind::List(items) | NodeKind::And(items) | NodeKind::Or(items) => items.iter().all(Node::is_const),
        // `now` is an input: what depends on it is never folded.
        NodeKind::Call(builtin, inner) => !builtin.reads_now() && inner.is_const(),
        NodeKind::Not(inner) | NodeKind::Neg(inner) | NodeKind::Matches(inner, _) => inner.is_const(),
        NodeKind::InCidr { ip, .. } => ip.is_const(),
        NodeKind::Arith(_, l, r)
        | NodeKind::Compare(_, l, r)
        | NodeKind::ListContains(l, r)
        | NodeKind::Str(_, l, r)
        | NodeKind::In { elem: l, list: r, .. } => l.is_const() && r.is_const(),
    }
}
