//! The expression evaluator: a tree walk over lowered nodes with checked
//! arithmetic and strict left-to-right short-circuiting. Generic over a
//! [`Tracer`] so that explaining costs nothing when not asked for.

use std::borrow::Cow;

use vexil_check::ir::{ArithOp, Builtin, CmpOp, StrOp};
use vexil_syntax::Span;
use vexil_value::{Timestamp, Version};

use crate::context::{Context, Slot};
use crate::decision::ErrorCode;
use crate::lower::{Node, NodeKind};
use crate::value::{Val, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub code: ErrorCode,
    pub message: String,
}

impl EvalError {
    pub(crate) fn evaluation(message: impl Into<String>) -> EvalError {
        EvalError { code: ErrorCode::EvaluationError, message: message.into() }
    }
    pub(crate) fn context(message: impl Into<String>) -> EvalError {
        EvalError { code: ErrorCode::InvalidContext, message: message.into() }
    }
    pub(crate) fn budget_exhausted(budget: u64) -> EvalError {
        EvalError {
            code: ErrorCode::ResourceLimit,
            message: format!("the evaluation budget of {budget} work units is exhausted"),
        }
    }
    pub(crate) fn is_budget(&self) -> bool {
        self.code == ErrorCode::ResourceLimit
    }
}

/// Work units of processing `bytes` of text: one per 64 bytes (docs/semantics.md, "Work").
pub(crate) fn text_units(bytes: usize) -> u64 {
    bytes as u64 / 64
}

/// [`str_len`] of a stored value, read in place by the direct conditions.
fn stored_str_len(value: &Value) -> usize {
    match value {
        Value::Str(s) => s.len(),
        _ => 0,
    }
}

fn str_len(val: &Val<'_>) -> usize {
    match val {
        Val::Str(s) => s.len(),
        _ => 0,
    }
}

pub(crate) type Result<T> = std::result::Result<T, EvalError>;

/// Observes evaluation for `explain`. `ACTIVE` is a constant so that the
/// non-tracing evaluator compiles the calls away.
pub(crate) trait Tracer {
    const ACTIVE: bool;
    fn enter(&mut self) {}
    fn exit(&mut self, _span: Span, _outcome: std::result::Result<&Val<'_>, &EvalError>) {}
}

pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    const ACTIVE: bool = false;
}

/// What evaluation needs besides the nodes: the ruleset's segments and
/// attribute paths, the context and `now`.
pub(crate) struct Env<'r> {
    pub segments: &'r [Node],
    pub attr_paths: &'r [String],
    pub context: &'r Context,
    pub now: Timestamp,
}

pub(crate) struct Evaluator<'r, T: Tracer> {
    pub env: Env<'r>,
    /// Segment results of this context, shared by every flag evaluated with it.
    pub segment_cache: Vec<Option<(Result<bool>, u64)>>,
    /// True while evaluating a split's `by`: a missing attribute is then
    /// TARGETING_KEY_MISSING.
    pub in_split: bool,
    pub tracer: T,
    /// Work units allowed for one flag (`u64::MAX`: no budget) and spent so far.
    pub budget: u64,
    pub spent: u64,
}

impl<'r, T: Tracer> Evaluator<'r, T> {
    pub fn new(env: Env<'r>, tracer: T) -> Self {
        Evaluator { env, segment_cache: Vec::new(), in_split: false, tracer, budget: u64::MAX, spent: 0 }
    }

    /// Spends work units: one per node visited, and text units for string
    /// work (docs/semantics.md, "Work"). Both evaluation paths (the direct
    /// conditions and the traced walk) charge the same units in the same
    /// order, so a budget stops `evaluate` and `explain` at the same place.
    #[inline]
    pub fn charge(&mut self, units: u64) -> Result<()> {
        self.spent = self.spent.saturating_add(units);
        if self.spent > self.budget { Err(EvalError::budget_exhausted(self.budget)) } else { Ok(()) }
    }

    pub fn exhausted(&self) -> bool {
        self.spent > self.budget
    }

    /// Evaluates a bool-typed node. Without tracing, boolean operators and
    /// `attribute OP literal` comparisons are computed directly, without
    /// building intermediate values; the tracing path goes through `eval` so
    /// that every node is recorded. Both paths share the operator functions.
    pub fn condition(&mut self, node: &'r Node) -> Result<bool> {
        if !T::ACTIVE {
            match &node.kind {
                NodeKind::Const(Value::Bool(b)) => {
                    self.charge(1)?;
                    return Ok(*b);
                }
                NodeKind::And(items) => {
                    self.charge(1)?;
                    for item in items {
                        if !self.condition(item)? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                NodeKind::Or(items) => {
                    self.charge(1)?;
                    for item in items {
                        if self.condition(item)? {
                            return Ok(true);
                        }
                    }
                    return Ok(false);
                }
                NodeKind::Not(inner) => {
                    self.charge(1)?;
                    return self.condition(inner).map(|b| !b);
                }
                NodeKind::Segment(id) => {
                    self.charge(1)?;
                    return self.segment(*id);
                }
                // `stored OP stored`: charged as `eval` charges it (the node,
                // then each operand as it is read, then the text work).
                NodeKind::Compare(op, l, r) if is_stored(l) && is_stored(r) => {
                    self.charge(1)?;
                    let (l, r) = (self.stored(l)?, self.stored(r)?);
                    self.charge(text_units(stored_str_len(l) + stored_str_len(r)))?;
                    return compare_values(*op, l, r);
                }
                NodeKind::Str(op, l, r) if is_stored(l) && is_stored(r) => {
                    self.charge(1)?;
                    let (l, r) = (self.stored(l)?, self.stored(r)?);
                    if let (Value::Str(l), Value::Str(r)) = (l, r) {
                        self.charge(text_units(l.len() + r.len()))?;
                        return Ok(string_op(*op, l, r));
                    }
                    return Err(internal("string operator"));
                }
                NodeKind::In { negated, elem, list } if is_stored(elem) && is_stored(list) => {
                    self.charge(1)?;
                    let (elem, list) = (self.stored(elem)?, self.stored(list)?);
                    let Value::List(items) = list else { return Err(internal("in")) };
                    self.charge(items.len() as u64)?;
                    return Ok(value_in(elem, items) != *negated);
                }
                NodeKind::InCidr { negated, ip, ranges } if is_stored(ip) => {
                    self.charge(1)?;
                    let Value::Ip(ip) = self.stored(ip)? else { return Err(internal("in")) };
                    return Ok(ranges.iter().any(|range| range.contains(*ip)) != *negated);
                }
                _ => {}
            }
        }
        match self.eval(node)? {
            Val::Bool(b) => Ok(b),
            _ => Err(EvalError::evaluation("internal: condition is not a bool")),
        }
    }

    pub fn eval(&mut self, node: &'r Node) -> Result<Val<'r>> {
        self.charge(1)?;
        if let NodeKind::Const(value) = &node.kind {
            return Ok(value.as_val());
        }
        if T::ACTIVE {
            self.tracer.enter();
        }
        let outcome = self.eval_kind(node);
        if T::ACTIVE {
            self.tracer.exit(node.span, outcome.as_ref());
        }
        outcome
    }

    fn eval_kind(&mut self, node: &'r Node) -> Result<Val<'r>> {
        match &node.kind {
            NodeKind::Const(value) => Ok(value.as_val()),
            NodeKind::Now => Ok(Val::Timestamp(self.env.now)),
            NodeKind::Attr(id) => self.read(*id),
            NodeKind::Has(id) => Ok(Val::Bool(!matches!(self.env.context.slot(*id as usize), Slot::Absent))),
            NodeKind::Coalesce(id, fallback) => match self.env.context.slot(*id as usize) {
                Slot::Absent => self.eval(fallback),
                _ => self.read(*id),
            },
            NodeKind::Segment(id) => self.segment(*id).map(Val::Bool),
            NodeKind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.eval(item)?.into_value());
                }
                Ok(Val::List(Cow::Owned(values)))
            }
            NodeKind::Not(inner) => Ok(Val::Bool(!self.condition(inner)?)),
            NodeKind::And(items) => {
                for item in items {
                    if !self.condition(item)? {
                        return Ok(Val::Bool(false));
                    }
                }
                Ok(Val::Bool(true))
            }
            NodeKind::Or(items) => {
                for item in items {
                    if self.condition(item)? {
                        return Ok(Val::Bool(true));
                    }
                }
                Ok(Val::Bool(false))
            }
            NodeKind::Neg(inner) => match self.eval(inner)? {
                Val::Int(i) => i.checked_neg().map(Val::Int).ok_or_else(|| overflow("-", i, None)),
                Val::Float(f) => Ok(Val::Float(-f)),
                _ => Err(internal("negation")),
            },
            NodeKind::Arith(op, l, r) => {
                let l = self.eval(l)?;
                let r = self.eval(r)?;
                self.charge(text_units(str_len(&l) + str_len(&r)))?;
                arith(*op, l, r)
            }
            NodeKind::Compare(op, l, r) => {
                let l = self.eval(l)?;
                let r = self.eval(r)?;
                self.charge(text_units(str_len(&l) + str_len(&r)))?;
                compare(*op, &l, &r).map(Val::Bool)
            }
            NodeKind::In { negated, elem, list } => {
                let elem = self.eval(elem)?;
                let list = self.eval(list)?;
                let Val::List(items) = list else { return Err(internal("in")) };
                self.charge(items.len() as u64)?;
                let found = items.iter().any(|item| elem.equals_value(item));
                Ok(Val::Bool(found != *negated))
            }
            NodeKind::InCidr { negated, ip, ranges } => {
                let Val::Ip(ip) = self.eval(ip)? else { return Err(internal("in")) };
                let found = ranges.iter().any(|range| range.contains(ip));
                Ok(Val::Bool(found != *negated))
            }
            NodeKind::ListContains(list, elem) => {
                let list = self.eval(list)?;
                let elem = self.eval(elem)?;
                let Val::List(items) = list else { return Err(internal("contains")) };
                self.charge(items.len() as u64)?;
                Ok(Val::Bool(items.iter().any(|item| elem.equals_value(item))))
            }
            NodeKind::Str(op, l, r) => {
                let l = self.eval(l)?;
                let r = self.eval(r)?;
                let (Val::Str(l), Val::Str(r)) = (&l, &r) else { return Err(internal("string operator")) };
                self.charge(text_units(l.len() + r.len()))?;
                Ok(Val::Bool(string_op(*op, l, r)))
            }
            NodeKind::Matches(subject, regex) => {
                let Val::Str(s) = self.eval(subject)? else { return Err(internal("matches")) };
                self.charge(text_units(s.len()))?;
                Ok(Val::Bool(regex.is_match(&s)))
            }
            NodeKind::Call(builtin, arg) => {
                let arg = self.eval(arg)?;
                self.charge(text_units(str_len(&arg)))?;
                call(*builtin, arg, self.env.now)
            }
        }
    }

    /// A stored operand (a literal or an attribute read: see [`is_stored`]),
    /// borrowed in place and charged as `eval` charges it.
    fn stored(&mut self, node: &'r Node) -> Result<&'r Value> {
        self.charge(1)?;
        match &node.kind {
            NodeKind::Const(value) => Ok(value),
            NodeKind::Attr(id) => self.read_value(*id),
            _ => Err(internal("stored operand")),
        }
    }

    fn read(&self, id: u32) -> Result<Val<'r>> {
        self.read_value(id).map(Value::as_val)
    }

    fn read_value(&self, id: u32) -> Result<&'r Value> {
        let env = &self.env;
        let path = || env.attr_paths.get(id as usize).map_or("?", String::as_str);
        match env.context.slot(id as usize) {
            Slot::Present(value) => Ok(value),
            Slot::Absent if self.in_split => Err(EvalError {
                code: ErrorCode::TargetingKeyMissing,
                message: format!("the split unit reads `{}`, which is missing from the context", path()),
            }),
            Slot::Absent => Err(EvalError::context(format!("required attribute `{}` is missing", path()))),
            Slot::Invalid(problem) => Err(EvalError::context(format!("attribute `{}`: {problem}", path()))),
        }
    }

    fn segment(&mut self, id: u32) -> Result<bool> {
        // In a split unit a missing attribute has another code, so the cache
        // (filled outside splits) is bypassed there. A cached result costs
        // what computing it cost: budgets count work as if nothing were
        // cached, so a flag decides the same alone or in a set.
        if !self.in_split
            && let Some(Some((cached, cost))) = self.segment_cache.get(id as usize)
        {
            let (cached, cost) = (cached.clone(), *cost);
            self.charge(cost)?;
            return cached;
        }
        let Some(node) = self.env.segments.get(id as usize) else {
            return Err(internal("segment"));
        };
        let before = self.spent;
        let outcome = self.condition(node);
        let cost = self.spent - before;
        // Sized on first use, so flags without segments never allocate.
        if self.segment_cache.len() < self.env.segments.len() {
            self.segment_cache.resize(self.env.segments.len(), None);
        }
        let exhausted = matches!(&outcome, Err(error) if error.is_budget());
        if !self.in_split
            && !exhausted
            && let Some(slot) = self.segment_cache.get_mut(id as usize)
        {
            *slot = Some((outcome.clone(), cost));
        }
        outcome
    }
}

/// Evaluates a constant node at lowering time. A node that fails (say
/// `1 / 0`) is kept as it is, so it fails at evaluation like any other.
pub(crate) fn fold(node: Node) -> Node {
    let context = Context { slots: Vec::new() };
    let env = Env { segments: &[], attr_paths: &[], context: &context, now: Timestamp::MIN };
    let folded = Evaluator::new(env, NoTrace).eval_kind(&node).map(Val::into_value);
    match folded {
        Ok(value) => Node { kind: NodeKind::Const(value), span: node.span },
        Err(_) => node,
    }
}

/// `elem in items` for stored values: the common element types compared in
/// place (no `Val` built and dropped per item), the rest as `Val::equals`.
fn value_in(elem: &Value, items: &[Value]) -> bool {
    match elem {
        Value::Str(a) => items.iter().any(|item| matches!(item, Value::Str(b) if b == a)),
        Value::Int(a) => items.iter().any(|item| matches!(item, Value::Int(b) if b == a)),
        Value::Enum(e, a) => items.iter().any(|item| matches!(item, Value::Enum(f, b) if f == e && b == a)),
        _ => {
            let elem = elem.as_val();
            items.iter().any(|item| elem.equals_value(item))
        }
    }
}

/// Operands the direct conditions read in place: literals and attribute reads.
fn is_stored(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Const(_) | NodeKind::Attr(_))
}

fn internal(what: &str) -> EvalError {
    EvalError::evaluation(format!("internal: `{what}` got operands the checker does not allow"))
}

fn overflow(op: &str, l: i64, r: Option<i64>) -> EvalError {
    match r {
        Some(r) => EvalError::evaluation(format!("integer overflow in `{l} {op} {r}`")),
        None => EvalError::evaluation(format!("integer overflow in `-({l})`")),
    }
}

fn arith<'a>(op: ArithOp, l: Val<'a>, r: Val<'a>) -> Result<Val<'a>> {
    match (l, r) {
        (Val::Int(l), Val::Int(r)) => {
            let result = match op {
                ArithOp::Add => l.checked_add(r),
                ArithOp::Sub => l.checked_sub(r),
                ArithOp::Mul => l.checked_mul(r),
                ArithOp::Div if r == 0 => return Err(EvalError::evaluation(format!("division by zero in `{l} / 0`"))),
                ArithOp::Div => l.checked_div(r),
                ArithOp::Rem if r == 0 => return Err(EvalError::evaluation(format!("remainder by zero in `{l} % 0`"))),
                // The remainder of MIN by -1 is 0 and representable; only the quotient overflows.
                ArithOp::Rem if r == -1 => Some(0),
                ArithOp::Rem => l.checked_rem(r),
            };
            result.map(Val::Int).ok_or_else(|| overflow(op.symbol(), l, Some(r)))
        }
        (Val::Float(l), Val::Float(r)) => {
            let result = match op {
                ArithOp::Add => l + r,
                ArithOp::Sub => l - r,
                ArithOp::Mul => l * r,
                ArithOp::Div => l / r,
                ArithOp::Rem => l % r,
            };
            if result.is_finite() {
                Ok(Val::Float(result))
            } else {
                Err(EvalError::evaluation(format!(
                    "`{} {} {}` has no finite result",
                    vexil_value::float_text(l),
                    op.symbol(),
                    vexil_value::float_text(r)
                )))
            }
        }
        (Val::Str(l), Val::Str(r)) if op == ArithOp::Add => {
            let mut joined = String::with_capacity(l.len() + r.len());
            joined.push_str(&l);
            joined.push_str(&r);
            Ok(Val::Str(Cow::Owned(joined)))
        }
        _ => Err(internal(op.symbol())),
    }
}

fn string_op(op: StrOp, l: &str, r: &str) -> bool {
    match op {
        StrOp::Contains => l.contains(r),
        StrOp::StartsWith => l.starts_with(r),
        StrOp::EndsWith => l.ends_with(r),
    }
}

fn compare_values(op: CmpOp, l: &Value, r: &Value) -> Result<bool> {
    match (l, r) {
        // The common shapes, compared in place.
        (Value::Str(a), Value::Str(b)) => Ok(order(op, a.as_bytes().cmp(b.as_bytes()))),
        (Value::Int(a), Value::Int(b)) => Ok(order(op, a.cmp(b))),
        (Value::Enum(e, a), Value::Enum(f, b)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            Ok((e == f && a == b) == (op == CmpOp::Eq))
        }
        _ => compare(op, &l.as_val(), &r.as_val()),
    }
}

fn order(op: CmpOp, ordering: std::cmp::Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering.is_eq(),
        CmpOp::Ne => ordering.is_ne(),
        CmpOp::Lt => ordering.is_lt(),
        CmpOp::Le => ordering.is_le(),
        CmpOp::Gt => ordering.is_gt(),
        CmpOp::Ge => ordering.is_ge(),
    }
}

fn compare(op: CmpOp, l: &Val<'_>, r: &Val<'_>) -> Result<bool> {
    match op {
        CmpOp::Eq => Ok(l.equals(r)),
        CmpOp::Ne => Ok(!l.equals(r)),
        _ => {
            let ordering = l.compare(r).ok_or_else(|| internal(op.symbol()))?;
            Ok(match op {
                CmpOp::Lt => ordering.is_lt(),
                CmpOp::Le => ordering.is_le(),
                CmpOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            })
        }
    }
}

fn call(builtin: Builtin, arg: Val<'_>, now: Timestamp) -> Result<Val<'_>> {
    match (builtin, arg) {
        (Builtin::Lower, Val::Str(s)) => Ok(Val::Str(Cow::Owned(s.to_lowercase()))),
        (Builtin::Upper, Val::Str(s)) => Ok(Val::Str(Cow::Owned(s.to_uppercase()))),
        (Builtin::LenString, Val::Str(s)) => Ok(Val::Int(count(s.chars().count()))),
        (Builtin::LenList, Val::List(items)) => Ok(Val::Int(count(items.len()))),
        (Builtin::Float, Val::Int(i)) => Ok(Val::Float(i as f64)),
        (Builtin::Semver, Val::Str(s)) => Version::parse(&s)
            .map(|v| Val::Semver(Cow::Owned(v)))
            .map_err(|e| EvalError::evaluation(format!("semver(…): {e}"))),
        (Builtin::Timestamp, Val::Str(s)) => vexil_value::Timestamp::parse_rfc3339(&s)
            .map(Val::Timestamp)
            .map_err(|e| EvalError::evaluation(format!("timestamp(…): {e}"))),
        // Both instants lie in years 0..=9999, so the difference cannot overflow.
        (Builtin::HoursSince, Val::Timestamp(t)) => Ok(Val::Int((now.millis() - t.millis()) / Timestamp::MS_PER_HOUR)),
        (Builtin::DaysSince, Val::Timestamp(t)) => Ok(Val::Int((now.millis() - t.millis()) / Timestamp::MS_PER_DAY)),
        (other, _) => Err(internal(other.name())),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The canonical text of a runtime value, for explain traces.
pub(crate) fn val_text(val: &Val<'_>, enums: &[Vec<String>]) -> String {
    match val {
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => vexil_value::float_text(*f),
        Val::Str(s) => format!("{s:?}"),
        Val::Semver(v) => v.to_string(),
        Val::Timestamp(t) => t.to_iso_string(),
        Val::Ip(ip) => ip.to_string(),
        Val::Enum(e, m) => {
            enums.get(*e as usize).and_then(|names| names.get(*m as usize)).cloned().unwrap_or_else(|| format!("#{m}"))
        }
        Val::List(items) => {
            let texts: Vec<String> = items.iter().map(|v| val_text(&v.as_val(), enums)).collect();
            format!("[{}]", texts.join(", "))
        }
    }
}
