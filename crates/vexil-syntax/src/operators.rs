//! The operator table (LANGUAGE.md §5): one entry per operator, written once.
//! It drives the Pratt parser (precedence and associativity), the builder's
//! recognition of operators, the wording of syntax errors, every operator's
//! symbol in messages and what an editor says an operator does.
//!
//! Adding an operator: a grammar rule (`op_*`, listed in `prefix` or
//! `infix`), a variant of [`BinaryOp`] or [`CompareOp`] if it is one of
//! those, and an entry here; the compiler then points at every `match` that
//! must learn it (type checking, lowering, evaluation), and the tests below
//! fail until the table and the grammar agree.

use pest::pratt_parser::{Assoc, Op, PrattParser};

use crate::ast::{BinaryOp, CompareOp};
use crate::parser::Rule;

/// What an operator builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Or,
    And,
    Not,
    /// Unary minus.
    Neg,
    Coalesce,
    Arithmetic(BinaryOp),
    Compare(CompareOp),
}

/// How an operator meets its operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixity {
    Prefix,
    /// Left-associative: `a - b - c` is `(a - b) - c`.
    Left,
    /// Right-associative: `a ?? b ?? c` is `a ?? (b ?? c)`.
    Right,
    /// Non-associative: a chain (`a < b < c`) is an error (E0008).
    None,
}

#[derive(Debug)]
pub struct OperatorInfo {
    pub operator: Operator,
    /// The grammar rule that matches it.
    pub(crate) rule: Rule,
    /// As written in source and in messages.
    pub symbol: &'static str,
    /// Precedence: a higher level binds tighter (LANGUAGE.md §5, lowest first).
    pub level: u8,
    pub fixity: Fixity,
    /// What a syntax error says when this operator was one of the tokens expected.
    pub expected: &'static str,
    /// What the operator does, for hovers and docs.
    pub meaning: &'static str,
}

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARISON: u8 = 4;
const COALESCE: u8 = 5;
const ADDITIVE: u8 = 6;
const MULTIPLICATIVE: u8 = 7;
const UNARY_MINUS: u8 = 8;

const AN_OPERATOR: &str = "an operator";

macro_rules! op {
    ($operator:expr, $rule:ident, $symbol:literal, $level:expr, $fixity:ident, $expected:expr, $meaning:literal) => {
        OperatorInfo {
            operator: $operator,
            rule: Rule::$rule,
            symbol: $symbol,
            level: $level,
            fixity: Fixity::$fixity,
            expected: $expected,
            meaning: $meaning,
        }
    };
}

use CompareOp as C;
use Operator::{Arithmetic as A, Compare as Cmp};

pub static OPERATORS: &[OperatorInfo] = &[
    op!(
        Operator::Or,
        op_or,
        "or",
        OR,
        Left,
        "`or`",
        "true when either side is true; the right side is evaluated only when the left is false"
    ),
    op!(
        Operator::And,
        op_and,
        "and",
        AND,
        Left,
        "`and`",
        "true when both sides are true; the right side is evaluated only when the left is true"
    ),
    op!(Operator::Not, op_not, "not", NOT, Prefix, "`not`", "negates a bool"),
    op!(
        Cmp(C::Eq),
        op_eq,
        "==",
        COMPARISON,
        None,
        AN_OPERATOR,
        "equality of two values of one type (semver: equal precedence)"
    ),
    op!(Cmp(C::Ne), op_ne, "!=", COMPARISON, None, AN_OPERATOR, "inequality of two values of one type"),
    op!(
        Cmp(C::Lt),
        op_lt,
        "<",
        COMPARISON,
        None,
        AN_OPERATOR,
        "less than (int, float, string by scalar values, semver, timestamp)"
    ),
    op!(Cmp(C::Le), op_le, "<=", COMPARISON, None, AN_OPERATOR, "less than or equal"),
    op!(Cmp(C::Gt), op_gt, ">", COMPARISON, None, AN_OPERATOR, "greater than"),
    op!(Cmp(C::Ge), op_ge, ">=", COMPARISON, None, AN_OPERATOR, "greater than or equal"),
    op!(Cmp(C::In), op_in, "in", COMPARISON, None, AN_OPERATOR, "membership in a list, or of an ip in CIDR ranges"),
    op!(Cmp(C::NotIn), op_not_in, "not in", COMPARISON, None, AN_OPERATOR, "not a member of a list or of CIDR ranges"),
    op!(
        Cmp(C::Contains),
        op_contains,
        "contains",
        COMPARISON,
        None,
        AN_OPERATOR,
        "a list holds the value, or a string holds the substring"
    ),
    op!(
        Cmp(C::StartsWith),
        op_starts_with,
        "starts_with",
        COMPARISON,
        None,
        AN_OPERATOR,
        "string prefix (case-sensitive)"
    ),
    op!(Cmp(C::EndsWith), op_ends_with, "ends_with", COMPARISON, None, AN_OPERATOR, "string suffix (case-sensitive)"),
    op!(
        Cmp(C::Matches),
        op_matches,
        "matches",
        COMPARISON,
        None,
        AN_OPERATOR,
        "regex search (regex-lite syntax, not anchored) with a string literal pattern"
    ),
    op!(
        Operator::Coalesce,
        op_coalesce,
        "??",
        COALESCE,
        Right,
        AN_OPERATOR,
        "an optional attribute's value when present, else the right side"
    ),
    op!(
        A(BinaryOp::Add),
        op_add,
        "+",
        ADDITIVE,
        Left,
        AN_OPERATOR,
        "checked addition (int), IEEE addition (float), concatenation (string)"
    ),
    op!(A(BinaryOp::Sub), op_sub, "-", ADDITIVE, Left, AN_OPERATOR, "checked subtraction"),
    op!(A(BinaryOp::Mul), op_mul, "*", MULTIPLICATIVE, Left, AN_OPERATOR, "checked multiplication"),
    op!(
        A(BinaryOp::Div),
        op_div,
        "/",
        MULTIPLICATIVE,
        Left,
        AN_OPERATOR,
        "division (int: truncates toward zero; by zero is an error)"
    ),
    op!(
        A(BinaryOp::Rem),
        op_rem,
        "%",
        MULTIPLICATIVE,
        Left,
        AN_OPERATOR,
        "remainder with the sign of the dividend (by zero is an error)"
    ),
    op!(Operator::Neg, op_neg, "-", UNARY_MINUS, Prefix, AN_OPERATOR, "checked negation"),
];

/// The operator a grammar rule matches, if it matches one.
pub(crate) fn by_rule(rule: Rule) -> Option<&'static OperatorInfo> {
    OPERATORS.iter().find(|info| info.rule == rule)
}

impl Operator {
    pub fn info(self) -> Option<&'static OperatorInfo> {
        OPERATORS.iter().find(|info| info.operator == self)
    }

    pub fn symbol(self) -> &'static str {
        self.info().map_or("?", |info| info.symbol)
    }
}

/// The Pratt parser the builder applies to a flat `expr`, built from the table.
pub(crate) fn pratt_parser() -> PrattParser<Rule> {
    let mut pratt = PrattParser::new();
    let top = OPERATORS.iter().map(|info| info.level).max().unwrap_or(0);
    for level in 1..=top {
        let mut ops: Option<Op<Rule>> = None;
        for info in OPERATORS.iter().filter(|info| info.level == level) {
            let op = match info.fixity {
                Fixity::Prefix => Op::prefix(info.rule),
                // Non-associative operators parse left-associatively; the
                // builder reports the chain.
                Fixity::Left | Fixity::None => Op::infix(info.rule, Assoc::Left),
                Fixity::Right => Op::infix(info.rule, Assoc::Right),
            };
            ops = Some(match ops {
                Some(previous) => previous | op,
                None => op,
            });
        }
        if let Some(ops) = ops {
            pratt = pratt.op(ops);
        }
    }
    pratt
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    /// Every variant, written as an exhaustive match: a new variant fails to
    /// compile here until it is listed (and then the table test checks it).
    fn every_operator() -> Vec<Operator> {
        let mut all = vec![Operator::Or, Operator::And, Operator::Not, Operator::Neg, Operator::Coalesce];
        for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Rem] {
            match op {
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => all.push(A(op)),
            }
        }
        for op in [
            C::Eq,
            C::Ne,
            C::Lt,
            C::Le,
            C::Gt,
            C::Ge,
            C::In,
            C::NotIn,
            C::Contains,
            C::StartsWith,
            C::EndsWith,
            C::Matches,
        ] {
            match op {
                C::Eq
                | C::Ne
                | C::Lt
                | C::Le
                | C::Gt
                | C::Ge
                | C::In
                | C::NotIn
                | C::Contains
                | C::StartsWith
                | C::EndsWith
                | C::Matches => all.push(Cmp(op)),
            }
        }
        all
    }

    #[test]
    fn every_operator_has_exactly_one_entry() {
        for op in every_operator() {
            assert_eq!(OPERATORS.iter().filter(|info| info.operator == op).count(), 1, "{op:?}");
        }
        assert_eq!(OPERATORS.len(), every_operator().len());
    }

    /// The grammar's `prefix` and `infix` alternatives are exactly the table's rules.
    #[test]
    fn the_grammar_lists_exactly_the_tables_operators() {
        let grammar = include_str!("../../../grammar/vexil.pest");
        let alternatives = |name: &str| -> Vec<String> {
            let start = grammar.find(&format!("\n{name} ")).unwrap();
            let body = &grammar[start..];
            let open = body.find('{').unwrap();
            let close = body.find('}').unwrap();
            body[open + 1..close].split('|').map(|s| s.trim().to_owned()).collect()
        };
        let mut in_grammar: Vec<String> = alternatives("prefix");
        in_grammar.extend(alternatives("infix"));
        in_grammar.sort();
        let mut in_table: Vec<String> = OPERATORS.iter().map(|info| format!("{:?}", info.rule)).collect();
        in_table.sort();
        assert_eq!(in_grammar, in_table);
        for info in OPERATORS {
            let prefix = alternatives("prefix").contains(&format!("{:?}", info.rule));
            assert_eq!(prefix, info.fixity == Fixity::Prefix, "{:?}", info.rule);
        }
    }

    #[test]
    fn precedence_follows_the_language_reference() {
        // LANGUAGE.md §5, lowest first.
        let order = [
            Operator::Or,
            Operator::And,
            Operator::Not,
            Cmp(C::Eq),
            Operator::Coalesce,
            A(BinaryOp::Add),
            A(BinaryOp::Mul),
            Operator::Neg,
        ];
        let levels: Vec<u8> = order.iter().map(|op| op.info().unwrap().level).collect();
        assert!(levels.windows(2).all(|w| w[0] < w[1]), "{levels:?}");
        assert_eq!(Operator::Neg.info().unwrap().level, OPERATORS.iter().map(|i| i.level).max().unwrap());
    }
}
