//! The abstract syntax tree: what the source says, with a byte span on every
//! node, before any name or type is resolved.

use crate::span::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct File {
    pub items: Vec<Item>,
    /// Names declared by items that failed to parse, so that later passes do
    /// not pile "unknown name" errors on top of the syntax error.
    pub broken_names: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Enum(EnumDecl),
    Context(ContextDecl),
    Segment(SegmentDecl),
    Flag(FlagDecl),
}

#[derive(Debug, Clone)]
pub struct EnumDecl {
    pub name: Ident,
    pub members: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ContextDecl {
    pub attrs: Vec<AttrDecl>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct AttrDecl {
    pub path: Path,
    pub ty: TypeExpr,
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TypeExpr {
    Named(Ident),
    List(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(ident) => ident.span,
            TypeExpr::List(_, span) => *span,
        }
    }
}

/// A dotted path such as `user.id` or `Plan.gold`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

#[derive(Debug, Clone)]
pub struct SegmentDecl {
    pub name: Ident,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FlagDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub kind: ClauseKind,
    /// The clause keyword, for "duplicate clause" diagnostics.
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ClauseKind {
    Description(StringLit),
    Kind(Ident),
    Owner(StringLit),
    Expires { text: String, span: Span },
    State(Ident),
    Off(Value),
    Default(Value),
    OnError(Value),
    Requires { flag: Ident, value: Value },
    Rule(Rule),
}

impl ClauseKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::Description(_) => "description",
            ClauseKind::Kind(_) => "kind",
            ClauseKind::Owner(_) => "owner",
            ClauseKind::Expires { .. } => "expires",
            ClauseKind::State(_) => "state",
            ClauseKind::Off(_) => "off",
            ClauseKind::Default(_) => "default",
            ClauseKind::OnError(_) => "on_error",
            ClauseKind::Requires { .. } => "requires",
            ClauseKind::Rule(_) => "rule",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: Option<Ident>,
    pub when: Expr,
    pub result: RuleResult,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum RuleResult {
    Value(Value),
    Split(Split),
}

#[derive(Debug, Clone)]
pub struct Split {
    pub by: Expr,
    pub salt: Option<StringLit>,
    /// `seed N`: the MurmurHash3 seed (LANGUAGE.md §6, v1.1); range-checked here.
    pub seed: Option<(u32, Span)>,
    /// `modulo`: `bucket = h mod total` instead of `(h × total) >> 32`.
    pub modulo: Option<Span>,
    pub entries: Vec<SplitEntry>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct SplitEntry {
    pub value: Value,
    pub weight: Weight,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Basis points: `12.5%` is 1250. Converted from the decimal text, never through a float.
    Percent {
        basis_points: u32,
        span: Span,
    },
    Relative {
        weight: u64,
        span: Span,
    },
    /// A weight already reported as malformed.
    Invalid {
        span: Span,
    },
}

impl Weight {
    pub fn span(self) -> Span {
        match self {
            Weight::Percent { span, .. } | Weight::Relative { span, .. } | Weight::Invalid { span } => span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub raw: bool,
    pub span: Span,
}

/// A literal in value position (`default`, `off`, rule results, split keys,
/// prerequisite values).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool, Span),
    Int(i64, Span),
    Float(f64, Span),
    String(StringLit),
    /// A bare or qualified enum member (`gold`, `Plan.gold`).
    Name(Path),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Bool(_, span) | Value::Int(_, span) | Value::Float(_, span) => *span,
            Value::String(s) => s.span,
            Value::Name(path) => path.span,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(StringLit),
    Now,
    Path(Path),
    List(Vec<Expr>),
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    Paren(Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    /// `and` chains are n-ary so that long chains never nest deeply.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Compare {
        op: CompareOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Coalesce {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        crate::operators::Operator::Arithmetic(self).symbol()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        crate::operators::Operator::Compare(self).symbol()
    }
}

impl Expr {
    /// Nesting depth of the tree, computed without recursion so that even a
    /// pathological tree can be measured before anything recurses over it.
    pub fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((expr, depth)) = stack.pop() {
            max = max.max(depth);
            let next = depth + 1;
            match &expr.kind {
                ExprKind::Bool(_)
                | ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::String(_)
                | ExprKind::Now
                | ExprKind::Path(_) => {}
                ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
                    stack.extend(items.iter().map(|e| (e, next)));
                }
                ExprKind::Call { args, .. } => stack.extend(args.iter().map(|e| (e, next))),
                ExprKind::Paren(inner) | ExprKind::Neg(inner) | ExprKind::Not(inner) => {
                    stack.push((inner, next));
                }
                ExprKind::Binary { lhs, rhs, .. }
                | ExprKind::Compare { lhs, rhs, .. }
                | ExprKind::Coalesce { lhs, rhs } => {
                    stack.push((lhs, next));
                    stack.push((rhs, next));
                }
            }
        }
        max
    }
}
