//! The checked program: every name resolved to an index, every expression
//! typed, every literal parsed. Only a program without errors exists, so the
//! evaluator can lower it without re-checking anything.

use std::fmt;
use std::net::IpAddr;

use vexil_syntax::Span;
use vexil_value::{Cidr, Timestamp, Version};

pub use vexil_syntax::ast::BinaryOp as ArithOp;
use vexil_syntax::ast::CompareOp;

pub type EnumId = u32;
pub type AttrId = u32;
pub type SegmentId = u32;
pub type FlagId = u32;

#[derive(Debug, Clone)]
pub struct Program {
    pub enums: Vec<EnumDef>,
    /// Context attributes, in declaration order.
    pub attrs: Vec<AttrDef>,
    /// Segments in source order; references between them are acyclic.
    pub segments: Vec<SegmentDef>,
    /// Flags in source order.
    pub flags: Vec<FlagDef>,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AttrDef {
    /// The dotted path, `user.id`.
    pub path: String,
    pub ty: Ty,
    pub optional: bool,
}

impl AttrDef {
    /// The path's components, which map onto nested JSON objects.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.path.split('.')
    }
}

#[derive(Debug, Clone)]
pub struct SegmentDef {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    Release,
    Experiment,
    Ops,
    Migration,
    Policy,
    Permission,
}

impl FlagKind {
    pub const ALL: [FlagKind; 6] = [
        FlagKind::Release,
        FlagKind::Experiment,
        FlagKind::Ops,
        FlagKind::Migration,
        FlagKind::Policy,
        FlagKind::Permission,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Release => "release",
            FlagKind::Experiment => "experiment",
            FlagKind::Ops => "ops",
            FlagKind::Migration => "migration",
            FlagKind::Policy => "policy",
            FlagKind::Permission => "permission",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FlagDef {
    pub key: String,
    pub ty: Ty,
    pub description: Option<String>,
    pub kind: Option<FlagKind>,
    pub owner: Option<String>,
    /// Midnight UTC of the `expires` date.
    pub expires: Option<Timestamp>,
    pub enabled: bool,
    pub off: Const,
    pub default: Const,
    pub on_error: Const,
    pub prerequisites: Vec<Prerequisite>,
    pub rules: Vec<RuleDef>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Prerequisite {
    pub flag: FlagId,
    pub value: Const,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    /// The written name, or the rule's 0-based index in decimal.
    pub name: String,
    pub when: Expr,
    pub result: RuleResult,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum RuleResult {
    Value(Const),
    Split(SplitDef),
}

#[derive(Debug, Clone)]
pub struct SplitDef {
    /// A string or int expression.
    pub by: Expr,
    /// The salt, or the flag key when none is written.
    pub salt: String,
    /// The MurmurHash3 seed (`seed N`; 0 when none is written).
    pub seed: u32,
    /// `modulo`: `bucket = h mod total` instead of `(h × total) >> 32`.
    pub modulo: bool,
    /// Values with integer weights (percentages already in basis points), in source order.
    pub entries: Vec<(Const, u32)>,
    pub span: Span,
}

impl SplitDef {
    pub fn total_weight(&self) -> u32 {
        // The checker guarantees the sum fits in 2^31 - 1.
        self.entries.iter().map(|(_, w)| *w).fold(0u32, u32::saturating_add)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    Int,
    Float,
    String,
    Semver,
    Timestamp,
    Ip,
    Enum(EnumId),
    List(Box<Ty>),
    /// The type of an expression that already has an error; it fits anywhere
    /// so that one mistake gives one diagnostic. Never in a finished program.
    Error,
}

impl Ty {
    pub fn is_error(&self) -> bool {
        match self {
            Ty::Error => true,
            Ty::List(inner) => inner.is_error(),
            _ => false,
        }
    }

    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::List(inner) => Some(inner),
            _ => None,
        }
    }
}

/// A literal value, parsed at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Semver(Version),
    Timestamp(Timestamp),
    Ip(IpAddr),
    Enum(EnumId, u32),
}

impl Const {
    /// Whether two values of one flag are the same flag value. Flag values are
    /// told apart by their text (LANGUAGE.md §6): `0.0` and `-0.0` are equal in
    /// expressions but are two values of a float flag. For every other type
    /// (and every other float) this is `==`; no float literal is NaN.
    pub fn is_same_flag_value(&self, other: &Const) -> bool {
        match (self, other) {
            (Const::Float(a), Const::Float(b)) => a.to_bits() == b.to_bits(),
            _ => self == other,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The source operator, whose symbol the operator table holds.
    pub fn source(self) -> CompareOp {
        match self {
            CmpOp::Eq => CompareOp::Eq,
            CmpOp::Ne => CompareOp::Ne,
            CmpOp::Lt => CompareOp::Lt,
            CmpOp::Le => CompareOp::Le,
            CmpOp::Gt => CompareOp::Gt,
            CmpOp::Ge => CompareOp::Ge,
        }
    }

    pub fn symbol(self) -> &'static str {
        self.source().symbol()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

impl StrOp {
    pub fn source(self) -> CompareOp {
        match self {
            StrOp::Contains => CompareOp::Contains,
            StrOp::StartsWith => CompareOp::StartsWith,
            StrOp::EndsWith => CompareOp::EndsWith,
        }
    }

    pub fn symbol(self) -> &'static str {
        self.source().symbol()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Lower,
    Upper,
    /// Unicode scalar count of a string.
    LenString,
    LenList,
    Float,
    Semver,
    Timestamp,
    HoursSince,
    DaysSince,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Lower => "lower",
            Builtin::Upper => "upper",
            Builtin::LenString | Builtin::LenList => "len",
            Builtin::Float => "float",
            Builtin::Semver => "semver",
            Builtin::Timestamp => "timestamp",
            Builtin::HoursSince => "hours_since",
            Builtin::DaysSince => "days_since",
        }
    }

    /// Whether the function reads `now`, an input of each evaluation: such
    /// a call is never folded at compile time.
    pub fn reads_now(self) -> bool {
        match self {
            Builtin::HoursSince | Builtin::DaysSince => true,
            Builtin::Lower
            | Builtin::Upper
            | Builtin::LenString
            | Builtin::LenList
            | Builtin::Float
            | Builtin::Semver
            | Builtin::Timestamp => false,
        }
    }
}

/// One function of the language (LANGUAGE.md §5) as the checker sees it:
/// its arity, what it takes (for messages) and, for an argument type, the
/// [`Builtin`] overload and result type. `has(path)` takes a path, not a
/// value, and is checked on its own (`expr.rs`).
#[derive(Debug)]
pub struct Function {
    pub name: &'static str,
    pub params: usize,
    /// What the argument must be, as messages say it ("a string or a list").
    pub takes: &'static str,
    pub resolve: fn(&Ty) -> Option<(Builtin, Ty)>,
    /// What the function does, for hovers and docs.
    pub meaning: &'static str,
}

pub static FUNCTIONS: &[Function] = &[
    Function {
        name: "lower",
        params: 1,
        takes: "a string",
        resolve: |t| (*t == Ty::String).then_some((Builtin::Lower, Ty::String)),
        meaning: "the string in lower case (Unicode, Rust's `to_lowercase`)",
    },
    Function {
        name: "upper",
        params: 1,
        takes: "a string",
        resolve: |t| (*t == Ty::String).then_some((Builtin::Upper, Ty::String)),
        meaning: "the string in upper case (Unicode, Rust's `to_uppercase`)",
    },
    Function {
        name: "len",
        params: 1,
        takes: "a string or a list",
        resolve: |t| match t {
            Ty::String => Some((Builtin::LenString, Ty::Int)),
            Ty::List(_) => Some((Builtin::LenList, Ty::Int)),
            _ => None,
        },
        meaning: "a string's count of Unicode scalar values, or a list's length",
    },
    Function {
        name: "float",
        params: 1,
        takes: "an int",
        resolve: |t| (*t == Ty::Int).then_some((Builtin::Float, Ty::Float)),
        meaning: "the int as the nearest float",
    },
    Function {
        name: "semver",
        params: 1,
        takes: "a string",
        resolve: |t| (*t == Ty::String).then_some((Builtin::Semver, Ty::Semver)),
        meaning: "the string parsed as a SemVer 2.0.0 version at run time (failure: EVALUATION_ERROR)",
    },
    Function {
        name: "timestamp",
        params: 1,
        takes: "a string",
        resolve: |t| (*t == Ty::String).then_some((Builtin::Timestamp, Ty::Timestamp)),
        meaning: "the string parsed as an RFC 3339 timestamp at run time (failure: EVALUATION_ERROR)",
    },
    Function {
        name: "hours_since",
        params: 1,
        takes: "a timestamp",
        resolve: |t| (*t == Ty::Timestamp).then_some((Builtin::HoursSince, Ty::Int)),
        meaning: "whole hours from the timestamp to `now`, truncated toward zero",
    },
    Function {
        name: "days_since",
        params: 1,
        takes: "a timestamp",
        resolve: |t| (*t == Ty::Timestamp).then_some((Builtin::DaysSince, Ty::Int)),
        meaning: "whole days from the timestamp to `now`, truncated toward zero",
    },
];

pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Const(Const),
    Now,
    /// Reads a context attribute (guarded if it is optional).
    Attr(AttrId),
    Has(AttrId),
    /// `attr ?? fallback`
    Coalesce(AttrId, Box<Expr>),
    Segment(SegmentId),
    List(Vec<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Neg(Box<Expr>),
    /// Int, float, or (for `+`) string concatenation, per the expression's type.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `elem in list` (negated for `not in`).
    In {
        negated: bool,
        elem: Box<Expr>,
        list: Box<Expr>,
    },
    /// `ip in "10.0.0.0/8"` or a list of CIDR literals.
    InCidr {
        negated: bool,
        ip: Box<Expr>,
        ranges: Vec<Cidr>,
    },
    /// `list contains elem`
    ListContains(Box<Expr>, Box<Expr>),
    Str(StrOp, Box<Expr>, Box<Expr>),
    Matches {
        subject: Box<Expr>,
        regex: regex_lite::Regex,
    },
    Call(Builtin, Vec<Expr>),
}

impl Program {
    pub fn flag_index(&self, key: &str) -> Option<FlagId> {
        self.flags.iter().position(|f| f.key == key).and_then(|i| u32::try_from(i).ok())
    }

    /// The canonical text of a value: its `variant` in decisions.
    pub fn const_text(&self, value: &Const) -> String {
        match value {
            Const::Bool(b) => b.to_string(),
            Const::Int(i) => i.to_string(),
            Const::Float(f) => vexil_value::float_text(*f),
            Const::String(s) => s.clone(),
            Const::Semver(v) => v.to_string(),
            Const::Timestamp(t) => t.to_iso_string(),
            Const::Ip(ip) => ip.to_string(),
            Const::Enum(e, m) => self.member_name(*e, *m).to_owned(),
        }
    }

    pub fn member_name(&self, enum_id: EnumId, member: u32) -> &str {
        self.enums.get(enum_id as usize).and_then(|e| e.members.get(member as usize)).map_or("?", String::as_str)
    }

    pub fn type_name(&self, ty: &Ty) -> String {
        type_name(ty, &self.enums)
    }
}

/// A type as written in source: `int`, `Plan`, `list<string>`.
pub fn type_name(ty: &Ty, enums: &[EnumDef]) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Float => "float".into(),
        Ty::String => "string".into(),
        Ty::Semver => "semver".into(),
        Ty::Timestamp => "timestamp".into(),
        Ty::Ip => "ip".into(),
        Ty::Enum(id) => enums.get(*id as usize).map_or("?".into(), |e| e.name.clone()),
        Ty::List(inner) => format!("list<{}>", type_name(inner, enums)),
        Ty::Error => "{error}".into(),
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}
