//! Overlap analysis: conditions that can never be true (W0007) and rules
//! that earlier rules always pre-empt (W0006), decided on a small fragment
//! and silent outside it.
//!
//! **The fragment.** Atoms compare one context attribute with constants:
//! `==`, `!=` on bool, int, float, string, timestamp and enum attributes;
//! `<`, `<=`, `>`, `>=` on int, float and timestamp; `in` / `not in` a list
//! of constants; a bool attribute alone; `has(attr)`; `true` and `false`.
//! Segments are read through. `and`, `or`, `not` combine them. Anything else
//! (functions, `??`, string operators, `contains`, `matches`, CIDRs, semver,
//! arithmetic, `now`) is *opaque*: replaced by "true" wherever it stands
//! after negations are pushed inward, which only makes a formula easier to
//! satisfy. So a formula proved unsatisfiable really is, and a warning is
//! never false; an opaque part can only hide one.
//!
//! **The decision.** A formula goes to disjunctive normal form (bounded:
//! beyond [`MAX_CONJUNCTS`] the analysis gives up, silently). A conjunction
//! constrains attributes independently, so it is satisfiable exactly when
//! each attribute's constraint is: a finite set of allowed values, excluded
//! values, a lower and an upper bound, and presence (a value atom on an
//! optional attribute implies it is present; `not has(x)` that it is not).
//! Ints and timestamps (milliseconds) are integers; floats are checked over
//! the doubles a JSON context can hold (`-0.0 == 0.0`, as expressions compare);
//! strings are unbounded, enums and bools finite.
//!
//! A rule can never match when its condition and the negation of every
//! earlier rule's condition are unsatisfiable together: whichever context
//! reaches it, an earlier rule matched first.

use std::cell::Cell;

use vexil_syntax::{Code, Diagnostic, Span};

use crate::ir::{AttrId, CmpOp, Const, Expr, ExprKind, Program, Ty};

/// Conjunctions kept while normalising one question; beyond, no answer.
const MAX_CONJUNCTS: usize = 512;
/// What a bool attribute standing alone is compared with.
static TRUE: Const = Const::Bool(true);
/// Atoms looked at per flag (and per segment) before the analysis gives up on
/// it, silently: the questions grow with the rules before each rule, so a
/// flag of thousands of rules would otherwise cost their cube.
const WORK_LIMIT: usize = 200_000;
/// Expressions deeper than this (only a program with errors has them) are opaque.
const MAX_DEPTH: usize = 128;

/// Adds W0006/W0007 warnings for `program`. `reported` are the spans of rules
/// already warned about (W0001: after an always-true rule), not repeated.
pub fn analyze(program: &Program, reported: &[Span], diagnostics: &mut Vec<Diagnostic>) {
    // A declaration with an error of its own is not analysed: what it means is
    // not settled (an unguarded read, a rule of a duplicate name).
    let errors: Vec<Span> = diagnostics.iter().filter(|d| d.is_error()).map(|d| d.span).collect();
    let has_error = |span: Span| errors.iter().any(|e| span.range().contains(&e.range().start));
    // Segments with errors read as opaque wherever they are used.
    let unsettled: Vec<u32> = (0..program.segments.len())
        .filter(|&i| has_error(program.segments[i].span))
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    for segment in &program.segments {
        if has_error(segment.span) {
            continue;
        }
        let work = Cell::new(0);
        if !matches!(segment.expr.kind, ExprKind::Const(_))
            && never_true(program, &[Formula::of(program, &segment.expr, true, &unsettled)], &work)
        {
            diagnostics.push(never_true_warning(segment.expr.span, &format!("segment `{}`", segment.name)));
        }
    }
    for flag in program.flags.iter().filter(|flag| !has_error(flag.span)) {
        // Each earlier rule's condition, negated at the source: an opaque part
        // must become "true" in the polarity it ends up in, never "false".
        let mut earlier: Vec<Formula> = Vec::new();
        let work = Cell::new(0);
        for rule in &flag.rules {
            if work.get() > WORK_LIMIT {
                break;
            }
            if reported.contains(&rule.span) {
                break;
            }
            let condition = Formula::of(program, &rule.when, true, &unsettled);
            if !matches!(rule.when.kind, ExprKind::Const(_))
                && never_true(program, std::slice::from_ref(&condition), &work)
            {
                diagnostics.push(never_true_warning(rule.when.span, &format!("the condition of rule `{}`", rule.name)));
            } else if !earlier.is_empty() {
                let mut question = vec![condition.clone()];
                question.extend(earlier.iter().cloned());
                if never_true(program, &question, &work) {
                    let mut warning =
                        Diagnostic::new(Code::ShadowedRule, rule.span, format!("rule `{}` can never match", rule.name));
                    warning.help = Some("every context it matches is matched by a rule before it".into());
                    diagnostics.push(warning);
                }
            }
            earlier.push(Formula::of(program, &rule.when, false, &unsettled));
        }
    }
}

fn never_true_warning(span: Span, what: &str) -> Diagnostic {
    let mut warning = Diagnostic::new(Code::NeverTrue, span, format!("{what} can never be true"));
    warning.help = Some("no context satisfies every part of it".into());
    warning
}

/// A condition in negation normal form over fragment atoms.
#[derive(Debug, Clone)]
enum Formula<'p> {
    True,
    False,
    Atom(Atom<'p>),
    And(Vec<Formula<'p>>),
    Or(Vec<Formula<'p>>),
}

/// Constants of the program an atom compares with (borrowed: atoms are copied
/// into every conjunction they join).
#[derive(Debug, Clone, Copy)]
enum Values<'p> {
    One(&'p Const),
    /// A list literal whose elements are all constants.
    List(&'p [Expr]),
}

impl<'p> Values<'p> {
    fn iter(self) -> impl Iterator<Item = &'p Const> {
        let (one, list) = match self {
            Values::One(c) => (Some(c), &[][..]),
            Values::List(items) => (None, items),
        };
        one.into_iter().chain(list.iter().filter_map(|e| match &e.kind {
            ExprKind::Const(c) => Some(c),
            _ => None,
        }))
    }
}

/// One attribute's constraint from one atom.
#[derive(Debug, Clone, Copy)]
enum Atom<'p> {
    Present(AttrId, bool),
    /// `attr == v`, or `attr in [v…]`: the value is one of these.
    OneOf(AttrId, Values<'p>),
    /// `attr != v`, or `attr not in [v…]`.
    NoneOf(AttrId, Values<'p>),
    /// `attr < v` (`inclusive`: `<=`).
    Below(AttrId, &'p Const, bool),
    /// `attr > v` (`inclusive`: `>=`).
    Above(AttrId, &'p Const, bool),
}

impl<'p> Atom<'p> {
    fn negated(self) -> Formula<'p> {
        Formula::Atom(match self {
            Atom::Present(a, p) => Atom::Present(a, !p),
            Atom::OneOf(a, v) => Atom::NoneOf(a, v),
            Atom::NoneOf(a, v) => Atom::OneOf(a, v),
            Atom::Below(a, v, inclusive) => Atom::Above(a, v, !inclusive),
            Atom::Above(a, v, inclusive) => Atom::Below(a, v, !inclusive),
        })
    }
}

impl<'p> Formula<'p> {
    /// `expr` (`positive`) or its negation, negations pushed to the atoms;
    /// opaque parts become `True` in either polarity.
    /// `opaque`: segments read as opaque (those with errors).
    fn of(program: &'p Program, expr: &'p Expr, positive: bool, opaque: &[u32]) -> Formula<'p> {
        let mut open = opaque.to_vec();
        Formula::build(program, expr, positive, &mut open, opaque.len())
    }

    /// `of`, with the segments being read through (`open`: a segment that
    /// reaches itself, which only a program with errors has, is opaque) and
    /// the depth bounded by their count.
    fn build(program: &'p Program, expr: &'p Expr, positive: bool, open: &mut Vec<u32>, base: usize) -> Formula<'p> {
        if open.len() > base + MAX_DEPTH {
            return Formula::True;
        }
        let atom = |a: Atom<'p>| if positive { Formula::Atom(a) } else { a.negated() };
        match &expr.kind {
            ExprKind::Const(Const::Bool(b)) => {
                if *b == positive {
                    Formula::True
                } else {
                    Formula::False
                }
            }
            ExprKind::Not(inner) => {
                open.push(u32::MAX);
                let inner = Formula::build(program, inner, !positive, open, base);
                open.pop();
                inner
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                open.push(u32::MAX);
                let parts = items.iter().map(|e| Formula::build(program, e, positive, open, base)).collect();
                open.pop();
                // De Morgan: a negated `and` is an `or` of negations, and back.
                if matches!(expr.kind, ExprKind::And(_)) == positive { Formula::And(parts) } else { Formula::Or(parts) }
            }
            ExprKind::Segment(id) => match program.segments.get(*id as usize) {
                Some(segment) if !open.contains(id) => {
                    open.push(*id);
                    let inner = Formula::build(program, &segment.expr, positive, open, base);
                    open.pop();
                    inner
                }
                _ => Formula::True,
            },
            ExprKind::Has(attr) => atom(Atom::Present(*attr, true)),
            ExprKind::Attr(attr) if fragment_type(program, *attr) == Some(&Ty::Bool) => {
                atom(Atom::OneOf(*attr, Values::One(&TRUE)))
            }
            ExprKind::Compare(op, left, right) => match (&left.kind, &right.kind) {
                (ExprKind::Attr(a), ExprKind::Const(c)) => compare(program, *a, *op, c).map_or(Formula::True, atom),
                (ExprKind::Const(c), ExprKind::Attr(a)) => {
                    compare(program, *a, flip(*op), c).map_or(Formula::True, atom)
                }
                _ => Formula::True,
            },
            ExprKind::In { negated, elem, list } => match (&elem.kind, &list.kind) {
                (ExprKind::Attr(a), ExprKind::List(items)) if fragment_type(program, *a).is_some() => {
                    if !items.iter().all(|e| matches!(e.kind, ExprKind::Const(_))) {
                        return Formula::True;
                    }
                    let values = Values::List(items);
                    atom(if *negated { Atom::NoneOf(*a, values) } else { Atom::OneOf(*a, values) })
                }
                _ => Formula::True,
            },
            _ => Formula::True,
        }
    }

    /// Disjunctive normal form, each conjunction kept only while satisfiable;
    /// `None` when it grows past the bound.
    fn dnf(&self, program: &Program, work: &Cell<usize>) -> Option<Vec<Vec<Atom<'p>>>> {
        match self {
            Formula::True => Some(vec![Vec::new()]),
            Formula::False => Some(Vec::new()),
            Formula::Atom(a) => {
                Some(if satisfiable(program, std::slice::from_ref(a)) { vec![vec![*a]] } else { Vec::new() })
            }
            Formula::Or(parts) => {
                let mut out = Vec::new();
                for part in parts {
                    out.extend(part.dnf(program, work)?);
                    if out.len() > MAX_CONJUNCTS {
                        return None;
                    }
                }
                Some(out)
            }
            Formula::And(parts) => {
                let mut out: Vec<Vec<Atom<'p>>> = vec![Vec::new()];
                for part in parts {
                    out = conjoin(program, &out, &part.dnf(program, work)?, work)?;
                    if out.is_empty() {
                        break;
                    }
                }
                Some(out)
            }
        }
    }
}

/// `(a₁ ∨ …) ∧ (b₁ ∨ …)` distributed, dropping unsatisfiable conjunctions.
fn conjoin<'p>(
    program: &Program,
    left: &[Vec<Atom<'p>>],
    right: &[Vec<Atom<'p>>],
    work: &Cell<usize>,
) -> Option<Vec<Vec<Atom<'p>>>> {
    let mut out = Vec::new();
    for a in left {
        for b in right {
            let mut both = a.clone();
            both.extend_from_slice(b);
            work.set(work.get() + both.len());
            if work.get() > WORK_LIMIT {
                return None;
            }
            if satisfiable(program, &both) {
                out.push(both);
                if out.len() > MAX_CONJUNCTS {
                    return None;
                }
            }
        }
    }
    Some(out)
}

/// Whether no context satisfies every formula of `parts` (false when unsure).
fn never_true(program: &Program, parts: &[Formula<'_>], work: &Cell<usize>) -> bool {
    let mut conjunctions: Vec<Vec<Atom<'_>>> = vec![Vec::new()];
    for part in parts {
        let Some(dnf) = part.dnf(program, work) else { return false };
        match conjoin(program, &conjunctions, &dnf, work) {
            Some(next) => conjunctions = next,
            None => return false,
        }
        if conjunctions.is_empty() {
            return true;
        }
    }
    conjunctions.is_empty()
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// The attribute's type, if atoms on it are in the fragment.
fn fragment_type(program: &Program, attr: AttrId) -> Option<&Ty> {
    let ty = &program.attrs.get(attr as usize)?.ty;
    matches!(ty, Ty::Bool | Ty::Int | Ty::Float | Ty::String | Ty::Timestamp | Ty::Enum(_)).then_some(ty)
}

fn compare<'p>(program: &Program, attr: AttrId, op: CmpOp, value: &'p Const) -> Option<Atom<'p>> {
    let ty = fragment_type(program, attr)?;
    let ordered = matches!(ty, Ty::Int | Ty::Float | Ty::Timestamp);
    Some(match op {
        CmpOp::Eq => Atom::OneOf(attr, Values::One(value)),
        CmpOp::Ne => Atom::NoneOf(attr, Values::One(value)),
        CmpOp::Lt if ordered => Atom::Below(attr, value, false),
        CmpOp::Le if ordered => Atom::Below(attr, value, true),
        CmpOp::Gt if ordered => Atom::Above(attr, value, false),
        CmpOp::Ge if ordered => Atom::Above(attr, value, true),
        _ => return None,
    })
}

/// A value of an attribute as a point on a line or in a set.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Point {
    Integer(i64),
    Float(f64),
}

fn point(value: &Const) -> Option<Point> {
    match value {
        Const::Int(i) => Some(Point::Integer(*i)),
        Const::Timestamp(t) => Some(Point::Integer(t.millis())),
        Const::Float(f) => Some(Point::Float(*f)),
        _ => None,
    }
}

/// Equality of values as expressions compare them (`-0.0 == 0.0`).
fn same(a: &Const, b: &Const) -> bool {
    match (a, b) {
        (Const::Float(x), Const::Float(y)) => x == y,
        _ => a == b,
    }
}

/// Whether one context can satisfy every atom (each attribute on its own).
fn satisfiable(program: &Program, atoms: &[Atom<'_>]) -> bool {
    // Conjunctions are short: group by attribute with a scan, not a map.
    let attr_of = |atom: &Atom<'_>| match atom {
        Atom::Present(a, _) | Atom::OneOf(a, _) | Atom::NoneOf(a, _) | Atom::Below(a, _, _) | Atom::Above(a, _, _) => {
            *a
        }
    };
    let mut group: Vec<&Atom<'_>> = Vec::new();
    for (i, atom) in atoms.iter().enumerate() {
        let attr = attr_of(atom);
        if atoms[..i].iter().any(|earlier| attr_of(earlier) == attr) {
            continue;
        }
        group.clear();
        group.extend(atoms[i..].iter().filter(|a| attr_of(a) == attr));
        if !attr_satisfiable(program, attr, &group) {
            return false;
        }
    }
    true
}

fn attr_satisfiable(program: &Program, attr: AttrId, atoms: &[&Atom<'_>]) -> bool {
    let Some(def) = program.attrs.get(attr as usize) else { return true };
    let absent = atoms.iter().any(|a| matches!(a, Atom::Present(_, false)));
    let present = atoms.iter().any(|a| !matches!(a, Atom::Present(_, false)));
    if absent {
        // Any attribute may be absent (`has` on a required one is false when the
        // caller omits it); then neither `has` nor a read can hold.
        return !present;
    }
    if atoms.iter().all(|a| matches!(a, Atom::Present(..))) {
        // Only `has`: any value does, decoded or not (even of an enum without members).
        return true;
    }
    let mut allowed: Option<Vec<&Const>> = None;
    let mut excluded: Vec<&Const> = Vec::new();
    let mut lower: Option<(Point, bool)> = None;
    let mut upper: Option<(Point, bool)> = None;
    for atom in atoms {
        match atom {
            Atom::Present(..) => {}
            Atom::OneOf(_, values) => {
                allowed = Some(match allowed {
                    None => values.iter().collect(),
                    Some(current) => current.into_iter().filter(|c| values.iter().any(|v| same(c, v))).collect(),
                });
            }
            Atom::NoneOf(_, values) => excluded.extend(values.iter()),
            Atom::Below(_, value, inclusive) => match point(value) {
                Some(p) => upper = tighter_upper(upper, (p, *inclusive)),
                None => return true,
            },
            Atom::Above(_, value, inclusive) => match point(value) {
                Some(p) => lower = tighter_lower(lower, (p, *inclusive)),
                None => return true,
            },
        }
    }
    let within = |c: &Const| {
        let Some(p) = point(c) else { return lower.is_none() && upper.is_none() };
        lower.is_none_or(|(l, inclusive)| if inclusive { p >= l } else { p > l })
            && upper.is_none_or(|(u, inclusive)| if inclusive { p <= u } else { p < u })
    };
    let left = |c: &Const| within(c) && !excluded.iter().any(|x| same(c, x));
    if let Some(candidates) = allowed {
        return candidates.into_iter().any(left);
    }
    match &def.ty {
        // Finite types: try every value.
        Ty::Bool => [Const::Bool(false), Const::Bool(true)].iter().any(left),
        Ty::Enum(e) => {
            let members = program.enums.get(*e as usize).map_or(0, |e| e.members.len());
            (0..members).any(|i| left(&Const::Enum(*e, u32::try_from(i).unwrap_or(u32::MAX))))
        }
        // Infinitely many candidates but for bounds: strings are unbounded.
        Ty::String => true,
        Ty::Int => integers_left(lower, upper, &excluded, i64::MIN, i64::MAX),
        Ty::Timestamp => {
            let (min, max) = (vexil_value::Timestamp::MIN.millis(), vexil_value::Timestamp::MAX.millis());
            integers_left(lower, upper, &excluded, min, max)
        }
        Ty::Float => floats_left(lower, upper, &excluded),
        _ => true,
    }
}

fn tighter_lower(current: Option<(Point, bool)>, new: (Point, bool)) -> Option<(Point, bool)> {
    match current {
        Some((p, inclusive)) if p > new.0 || (p == new.0 && !inclusive) => Some((p, inclusive)),
        _ => Some(new),
    }
}

fn tighter_upper(current: Option<(Point, bool)>, new: (Point, bool)) -> Option<(Point, bool)> {
    match current {
        Some((p, inclusive)) if p < new.0 || (p == new.0 && !inclusive) => Some((p, inclusive)),
        _ => Some(new),
    }
}

/// Whether an integer in [min, max] lies within the bounds and outside `excluded`.
fn integers_left(
    lower: Option<(Point, bool)>,
    upper: Option<(Point, bool)>,
    excluded: &[&Const],
    min: i64,
    max: i64,
) -> bool {
    let low = match lower {
        Some((Point::Integer(v), true)) => v.max(min),
        Some((Point::Integer(v), false)) => match v.checked_add(1) {
            Some(v) => v.max(min),
            None => return false,
        },
        Some(_) => return true,
        None => min,
    };
    let high = match upper {
        Some((Point::Integer(v), true)) => v.min(max),
        Some((Point::Integer(v), false)) => match v.checked_sub(1) {
            Some(v) => v.min(max),
            None => return false,
        },
        Some(_) => return true,
        None => max,
    };
    if low > high {
        return false;
    }
    let mut inside: Vec<i64> = Vec::new();
    for value in excluded {
        if let Some(Point::Integer(i)) = point(value)
            && (low..=high).contains(&i)
            && !inside.contains(&i)
        {
            inside.push(i);
        }
    }
    // How many integers the range holds, against how many are excluded.
    (high as i128 - low as i128 + 1) > inside.len() as i128
}

/// Whether a double within the bounds is not excluded (doubles are discrete).
fn floats_left(lower: Option<(Point, bool)>, upper: Option<(Point, bool)>, excluded: &[&Const]) -> bool {
    let low = match lower {
        Some((Point::Float(v), inclusive)) => {
            if inclusive {
                v
            } else {
                next_up(v)
            }
        }
        Some(_) => return true,
        None => f64::MIN,
    };
    let high = match upper {
        Some((Point::Float(v), inclusive)) => {
            if inclusive {
                v
            } else {
                next_down(v)
            }
        }
        Some(_) => return true,
        None => f64::MAX,
    };
    if low > high {
        return false;
    }
    let excluded: Vec<f64> =
        excluded.iter().filter_map(|c| if let Const::Float(f) = c { Some(*f) } else { None }).collect();
    // Walk the doubles from `low` while they could all be excluded; more
    // doubles than exclusions means one is left.
    let mut value = low;
    for _ in 0..=excluded.len() {
        if !excluded.contains(&value) {
            return true;
        }
        if value >= high {
            return false;
        }
        value = next_up(value);
        // -0.0 and 0.0 are one value for `!=`: step past both.
        if value == 0.0 && value.is_sign_negative() {
            value = 0.0;
        }
    }
    false
}

fn next_up(f: f64) -> f64 {
    if f.is_nan() || f == f64::INFINITY {
        return f;
    }
    if f == 0.0 {
        return f64::from_bits(1);
    }
    let bits = f.to_bits();
    f64::from_bits(if f > 0.0 { bits + 1 } else { bits - 1 })
}

fn next_down(f: f64) -> f64 {
    -next_up(-f)
}
