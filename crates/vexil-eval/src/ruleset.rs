//! A compiled ruleset and flag evaluation (LANGUAGE.md §7): state, then
//! prerequisites, then rules in order, then the default.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use sha2::{Digest, Sha256};
use vexil_check::ir::{self, Program};
use vexil_value::Timestamp;

use crate::bucket;
use crate::context::{Context, Schema};
use crate::decision::{AttrInfo, Decision, DecisionSet, ErrorCode, FlagInfo, FlagValue, Reason};
use crate::eval::{Env, EvalError, Evaluator, NoTrace, Tracer};
use crate::lower::{Node, lower};
use crate::value::{Val, Value};

/// A ruleset ready to evaluate. Immutable and `Send + Sync`: share it across
/// threads; hot reload swaps the whole value.
#[derive(Debug)]
pub struct Ruleset {
    version: Arc<str>,
    source: Arc<str>,
    schema: Schema,
    attr_paths: Vec<String>,
    enums: Vec<Vec<String>>,
    segments: Vec<Node>,
    flags: Vec<Flag>,
    index: FxHashMap<Box<str>, u32>,
    catalogue: Vec<FlagInfo>,
    schema_info: Vec<AttrInfo>,
}

/// One of a flag's possible results, with its boundary forms precomputed.
#[derive(Debug)]
pub(crate) struct Choice {
    pub value: Value,
    pub json: FlagValue,
    pub variant: Arc<str>,
}

#[derive(Debug)]
pub(crate) struct Flag {
    pub key: Arc<str>,
    pub enabled: bool,
    /// Every value the flag can produce; outcomes index into it.
    pub choices: Vec<Choice>,
    pub off: usize,
    pub default: usize,
    pub on_error: usize,
    pub prerequisites: Vec<Prereq>,
    pub rules: Vec<Rule>,
    /// Some other flag lists this one in `requires`.
    pub required_by_others: bool,
}

#[derive(Debug)]
pub(crate) struct Prereq {
    pub flag: u32,
    pub expected: Value,
    pub expected_text: String,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub name: Arc<str>,
    pub when: Node,
    pub result: RuleResult,
    pub span: vexil_syntax::Span,
}

#[derive(Debug)]
pub(crate) enum RuleResult {
    Fixed(usize),
    Split(Split),
}

#[derive(Debug)]
pub(crate) struct Split {
    pub by: Node,
    pub salt: String,
    pub bucketing: bucket::Bucketing,
    pub weights: Vec<u32>,
    pub choices: Vec<usize>,
}

/// Prerequisite outcomes already decided for one context, with the work
/// each cost (a reuse costs it again: see `Evaluator::charge`).
type Memo<'r> = Vec<Option<(Outcome<'r>, u64)>>;

/// How a flag decided, borrowing from the ruleset: no allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'r> {
    pub(crate) choice: Option<usize>,
    pub reason: Reason,
    pub rule: Option<&'r Arc<str>>,
    pub prerequisite: Option<&'r Arc<str>>,
    pub error: Option<EvalError>,
}

impl Ruleset {
    pub fn new(program: &Program, source: &str) -> Ruleset {
        let enums: Vec<Vec<String>> = program.enums.iter().map(|e| e.members.clone()).collect();
        let mut flags: Vec<Flag> = program.flags.iter().map(|f| lower_flag(program, f)).collect();
        for def in &program.flags {
            for prereq in &def.prerequisites {
                if let Some(target) = flags.get_mut(prereq.flag as usize) {
                    target.required_by_others = true;
                }
            }
        }
        let index = flags.iter().enumerate().map(|(i, f)| (f.key.as_ref().into(), index_u32(i))).collect();
        let fingerprints = flag_fingerprints(program, source);
        let catalogue = program
            .flags
            .iter()
            .zip(&flags)
            .zip(fingerprints)
            .map(|((def, flag), fingerprint)| flag_info(program, def, flag, fingerprint))
            .collect();
        let schema_info = program.attrs.iter().map(|attr| attr_info(program, attr)).collect();
        Ruleset {
            version: version_of(source).into(),
            source: source.into(),
            schema: Schema::new(program),
            attr_paths: program.attrs.iter().map(|a| a.path.clone()).collect(),
            enums,
            segments: program.segments.iter().map(|s| lower(&s.expr)).collect(),
            flags,
            index,
            catalogue,
            schema_info,
        }
    }

    /// First 16 hex digits of SHA-256 over the source bytes.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn version_arc(&self) -> &Arc<str> {
        &self.version
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Key, type, kind, owner, expiry and description of every flag, in source order.
    pub fn flags(&self) -> &[FlagInfo] {
        &self.catalogue
    }

    /// The declared context attributes, in declaration order.
    pub fn schema(&self) -> &[AttrInfo] {
        &self.schema_info
    }

    /// Whether a context decoded by this ruleset reads the same in `other`:
    /// equal declared attributes, and enums declared in the same order (a
    /// decoded enum value is its enum's position and its member's).
    pub fn shares_context_layout(&self, other: &Ruleset) -> bool {
        self.schema() == other.schema() && self.enums == other.enums
    }

    pub fn has_flag(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// Decodes a JSON context against this ruleset's schema. Fails only when
    /// the text is not a JSON object; attribute problems surface when read.
    pub fn decode_context(&self, json: &str) -> Result<Context, String> {
        self.schema.decode_str(json)
    }

    /// Marks a value JSON cannot express at `path` of a decoded context, for
    /// bindings whose callers hand over values rather than JSON text: what
    /// the path reaches reads as `INVALID_CONTEXT` (see `Schema::invalidate`).
    pub fn invalidate_context_path<S: AsRef<str>>(&self, context: &mut Context, path: &[S], what: &str) {
        self.schema.invalidate(context, path, what);
    }

    /// A context with every attribute absent.
    pub fn empty_context(&self) -> Context {
        self.schema.empty_context()
    }

    pub(crate) fn env<'r>(&'r self, context: &'r Context, now: Timestamp) -> Env<'r> {
        Env { segments: &self.segments, attr_paths: &self.attr_paths, context, now }
    }

    pub(crate) fn flag(&self, key: &str) -> Option<(u32, &Flag)> {
        let id = *self.index.get(key)?;
        self.flags.get(id as usize).map(|f| (id, f))
    }

    pub(crate) fn flags_internal(&self, id: u32) -> Option<&Flag> {
        self.flags.get(id as usize)
    }

    pub(crate) fn enums(&self) -> &[Vec<String>] {
        &self.enums
    }

    /// Decides one flag without building the boundary form: the evaluator's
    /// hot path. `None` when the flag does not exist.
    pub fn decide<'r>(&'r self, key: &str, context: &'r Context, now: Timestamp) -> Option<Outcome<'r>> {
        self.decide_within(key, context, now, None)
    }

    /// [`Ruleset::decide`] within a budget of work units (`None`: no budget);
    /// running out gives an `ERROR` outcome with `RESOURCE_LIMIT`.
    pub fn decide_within<'r>(
        &'r self,
        key: &str,
        context: &'r Context,
        now: Timestamp,
        budget: Option<u64>,
    ) -> Option<Outcome<'r>> {
        let (id, _) = self.flag(key)?;
        Some(self.decide_id(id, context, now, budget))
    }

    fn decide_id<'r>(&'r self, id: u32, context: &'r Context, now: Timestamp, budget: Option<u64>) -> Outcome<'r> {
        let mut evaluator = Evaluator::new(self.env(context, now), NoTrace);
        evaluator.budget = budget.unwrap_or(u64::MAX);
        self.decide_with(&mut evaluator, id, &mut Vec::new(), &mut Unobserved)
    }

    /// Evaluates one flag into its decision.
    pub fn evaluate(&self, key: &str, context: &Context, now: Timestamp) -> Decision {
        self.evaluate_within(key, context, now, None)
    }

    /// [`Ruleset::evaluate`] within a budget of work units (`None`: no
    /// budget). The work of a decision is bounded by the ruleset's size times
    /// the size of the context values it reads (LANGUAGE.md §9); a host that
    /// cannot afford that bound sets a budget, and a flag that would exceed
    /// it decides its `on_error` value with `RESOURCE_LIMIT`, identically on
    /// every stack (docs/semantics.md, "Work").
    pub fn evaluate_within(&self, key: &str, context: &Context, now: Timestamp, budget: Option<u64>) -> Decision {
        // One lookup of the key for both the decision and its boundary form.
        match self.flag(key) {
            Some((id, flag)) => self.decision_for(flag, &self.decide_id(id, context, now, budget), now),
            None => Decision::not_found(key, &self.version, now),
        }
    }

    /// Evaluates a flag against a JSON context; a context that is not a JSON
    /// object gives an ERROR decision with INVALID_CONTEXT.
    pub fn evaluate_json(&self, key: &str, context_json: &str, now: Timestamp) -> Decision {
        self.evaluate_json_within(key, context_json, now, None)
    }

    /// [`Ruleset::evaluate_json`] within a budget of work units.
    pub fn evaluate_json_within(&self, key: &str, context_json: &str, now: Timestamp, budget: Option<u64>) -> Decision {
        match self.decode_context(context_json) {
            Ok(context) => self.evaluate_within(key, &context, now, budget),
            Err(message) => self.context_error(key, message, now),
        }
    }

    /// The decision for a context that could not be decoded at all.
    pub fn context_error(&self, key: &str, message: String, now: Timestamp) -> Decision {
        let Some((_, flag)) = self.flag(key) else {
            return Decision::not_found(key, &self.version, now);
        };
        let outcome = Outcome {
            choice: None,
            reason: Reason::Error,
            rule: None,
            prerequisite: None,
            error: Some(EvalError { code: ErrorCode::InvalidContext, message }),
        };
        self.decision_for(flag, &outcome, now)
    }

    /// Every flag against a JSON context; a context that is not a JSON
    /// object gives every flag an ERROR decision with INVALID_CONTEXT.
    pub fn evaluate_all_json(&self, context_json: &str, now: Timestamp) -> DecisionSet {
        self.evaluate_all_json_within(context_json, now, None)
    }

    /// [`Ruleset::evaluate_all_json`] with a budget of work units for each flag.
    pub fn evaluate_all_json_within(&self, context_json: &str, now: Timestamp, budget: Option<u64>) -> DecisionSet {
        match self.decode_context(context_json) {
            Ok(context) => self.evaluate_all_within(&context, now, budget),
            Err(message) => {
                let error = EvalError { code: ErrorCode::InvalidContext, message };
                let outcome = error_outcome(error);
                let decisions = self.flags.iter().map(|f| self.decision_for(f, &outcome, now)).collect();
                DecisionSet { ruleset_version: self.version.clone(), now, decisions }
            }
        }
    }

    /// Every flag against one context, in source order. Segments and
    /// prerequisites are evaluated once for the whole set.
    pub fn evaluate_all(&self, context: &Context, now: Timestamp) -> DecisionSet {
        self.evaluate_all_within(context, now, None)
    }

    /// [`Ruleset::evaluate_all`] with a budget for each flag: every flag
    /// decides exactly as [`Ruleset::evaluate_within`] decides it alone, so
    /// one heavy flag runs out of its own budget and the others decide.
    pub fn evaluate_all_within(&self, context: &Context, now: Timestamp, budget: Option<u64>) -> DecisionSet {
        let mut evaluator = Evaluator::new(self.env(context, now), NoTrace);
        evaluator.budget = budget.unwrap_or(u64::MAX);
        let mut memo: Memo<'_> = Vec::new();
        let decisions = (0..self.flags.len())
            .map(|i| {
                let id = index_u32(i);
                evaluator.spent = 0;
                let outcome = self.decide_memo(&mut evaluator, id, &mut memo);
                self.decision_for(&self.flags[i], &outcome, now)
            })
            .collect();
        DecisionSet { ruleset_version: self.version.clone(), now, decisions }
    }

    /// Builds the boundary form of an outcome.
    pub fn decision(&self, key: &str, outcome: &Outcome<'_>, now: Timestamp) -> Decision {
        match self.flag(key) {
            Some((_, flag)) => self.decision_for(flag, outcome, now),
            None => Decision::not_found(key, &self.version, now),
        }
    }

    pub(crate) fn decision_for(&self, flag: &Flag, outcome: &Outcome<'_>, now: Timestamp) -> Decision {
        let choice = if outcome.error.is_some() { Some(flag.on_error) } else { outcome.choice };
        let choice = choice.and_then(|c| flag.choices.get(c));
        Decision {
            flag: flag.key.clone(),
            value: choice.map(|c| c.json.clone()),
            variant: choice.map(|c| c.variant.clone()),
            reason: outcome.reason,
            rule: outcome.rule.cloned(),
            prerequisite: outcome.prerequisite.cloned(),
            error_code: outcome.error.as_ref().map(|e| e.code),
            error_message: outcome.error.as_ref().map(|e| e.message.clone()),
            ruleset_version: self.version.clone(),
            now,
        }
    }

    /// Decides a flag, remembering the outcome of flags that others require
    /// so that each is decided once per context.
    fn decide_memo<'r, T: Tracer>(
        &'r self,
        evaluator: &mut Evaluator<'r, T>,
        id: u32,
        memo: &mut Memo<'r>,
    ) -> Outcome<'r> {
        let required = self.flags.get(id as usize).is_some_and(|f| f.required_by_others);
        if !required {
            return self.decide_with(evaluator, id, memo, &mut Unobserved);
        }
        if memo.len() < self.flags.len() {
            memo.resize(self.flags.len(), None);
        }
        if let Some(Some((done, cost))) = memo.get(id as usize) {
            let (done, cost) = (done.clone(), *cost);
            return match evaluator.charge(cost) {
                Ok(()) => done,
                Err(error) => error_outcome(error),
            };
        }
        let before = evaluator.spent;
        let outcome = self.decide_with(evaluator, id, memo, &mut Unobserved);
        let cost = evaluator.spent - before;
        let exhausted = outcome.error.as_ref().is_some_and(EvalError::is_budget);
        if !exhausted && let Some(slot) = memo.get_mut(id as usize) {
            *slot = Some((outcome.clone(), cost));
        }
        outcome
    }

    /// §7 steps 2–5 for a known flag, written once: `decide`, `evaluate_all`
    /// and `explain` all walk here (`explain` observes the walk; the others
    /// pass [`Unobserved`], which compiles to nothing). Prerequisites recurse
    /// through `memo` (depth is bounded by the checker's limit on
    /// prerequisite chains) and are not observed themselves.
    pub(crate) fn decide_with<'r, T: Tracer, O: Observer<'r, T>>(
        &'r self,
        evaluator: &mut Evaluator<'r, T>,
        id: u32,
        memo: &mut Memo<'r>,
        observer: &mut O,
    ) -> Outcome<'r> {
        let Some(flag) = self.flags.get(id as usize) else {
            return error_outcome(EvalError::evaluation("internal: unknown flag index"));
        };
        if !flag.enabled {
            return fixed(flag.off, Reason::Disabled, None);
        }
        for prereq in &flag.prerequisites {
            let decided = self.decide_memo(evaluator, prereq.flag, memo);
            // A budget that ran out inside a prerequisite stops this flag too.
            if evaluator.exhausted() {
                return error_outcome(EvalError::budget_exhausted(evaluator.budget));
            }
            let holds = self.prerequisite_holds(prereq, &decided);
            observer.prerequisite(evaluator, prereq, &decided, holds);
            if !holds {
                let key = self.flags.get(prereq.flag as usize).map(|f| &f.key);
                return Outcome {
                    choice: Some(flag.default),
                    reason: Reason::PrerequisiteFailed,
                    rule: None,
                    prerequisite: key,
                    error: None,
                };
            }
        }
        for rule in &flag.rules {
            let result = evaluator.condition(&rule.when);
            observer.rule(evaluator, rule, &result);
            match result {
                Err(error) => return error_outcome(error),
                Ok(false) => {}
                Ok(true) => {
                    return match &rule.result {
                        RuleResult::Fixed(choice) => fixed(*choice, Reason::TargetingMatch, Some(&rule.name)),
                        RuleResult::Split(split) => {
                            let picked = self.split(evaluator, flag, split);
                            observer.split(evaluator, flag, split, &picked);
                            match picked {
                                Ok((_, choice)) => fixed(choice, Reason::Split, Some(&rule.name)),
                                Err(error) => error_outcome(error),
                            }
                        }
                    };
                }
            }
        }
        let reason =
            if flag.rules.is_empty() && flag.prerequisites.is_empty() { Reason::Static } else { Reason::Default };
        fixed(flag.default, reason, None)
    }

    pub(crate) fn prerequisite_holds(&self, prereq: &Prereq, decided: &Outcome<'_>) -> bool {
        let Some(flag) = self.flags.get(prereq.flag as usize) else { return false };
        let choice = if decided.error.is_some() { Some(flag.on_error) } else { decided.choice };
        choice.and_then(|c| flag.choices.get(c)).is_some_and(|c| c.value.as_val().equals_value(&prereq.expected))
    }

    /// Evaluates a split: the unit, its bucket, and the chosen entry.
    pub(crate) fn split<'r, T: Tracer>(
        &'r self,
        evaluator: &mut Evaluator<'r, T>,
        flag: &Flag,
        split: &'r Split,
    ) -> Result<(SplitPick, usize), EvalError> {
        evaluator.in_split = true;
        let unit = evaluator.eval(&split.by);
        evaluator.in_split = false;
        let picked = match unit? {
            Val::Str(s) => {
                bucket::choose_bytes_with(split.bucketing, split.salt.as_bytes(), s.as_bytes(), &split.weights)
                    .map(|p| (p, s.into_owned()))
            }
            Val::Int(i) => {
                bucket::choose_i64_with(split.bucketing, &split.salt, i, &split.weights).map(|p| (p, i.to_string()))
            }
            _ => None,
        };
        let ((bucket, index), unit) = picked.ok_or_else(|| EvalError::evaluation("internal: invalid split"))?;
        let choice = split.choices.get(index).copied().unwrap_or(flag.default);
        Ok((SplitPick { unit, bucket, index }, choice))
    }
}

/// Watches the §7 walk of one flag ([`Ruleset::decide_with`]): `explain`
/// records it; deciding ignores it. Each hook runs right after the step it
/// names, with the evaluator (whose tracer holds that step's expressions).
pub(crate) trait Observer<'r, T: Tracer> {
    /// A prerequisite was decided and compared with its expected value.
    fn prerequisite(
        &mut self,
        evaluator: &mut Evaluator<'r, T>,
        prereq: &'r Prereq,
        decided: &Outcome<'r>,
        holds: bool,
    );
    /// A rule's condition was evaluated.
    fn rule(&mut self, evaluator: &mut Evaluator<'r, T>, rule: &'r Rule, result: &Result<bool, EvalError>);
    /// The matching rule's split picked an entry (or failed).
    fn split(
        &mut self,
        evaluator: &mut Evaluator<'r, T>,
        flag: &'r Flag,
        split: &'r Split,
        picked: &Result<(SplitPick, usize), EvalError>,
    );
}

/// The observer of plain decisions: nothing to record.
pub(crate) struct Unobserved;

impl<'r, T: Tracer> Observer<'r, T> for Unobserved {
    #[inline(always)]
    fn prerequisite(&mut self, _: &mut Evaluator<'r, T>, _: &'r Prereq, _: &Outcome<'r>, _: bool) {}
    #[inline(always)]
    fn rule(&mut self, _: &mut Evaluator<'r, T>, _: &'r Rule, _: &Result<bool, EvalError>) {}
    #[inline(always)]
    fn split(
        &mut self,
        _: &mut Evaluator<'r, T>,
        _: &'r Flag,
        _: &'r Split,
        _: &Result<(SplitPick, usize), EvalError>,
    ) {
    }
}

/// What a split computed, for explain.
pub(crate) struct SplitPick {
    pub unit: String,
    pub bucket: u32,
    pub index: usize,
}

fn fixed<'r>(choice: usize, reason: Reason, rule: Option<&'r Arc<str>>) -> Outcome<'r> {
    Outcome { choice: Some(choice), reason, rule, prerequisite: None, error: None }
}

fn error_outcome<'r>(error: EvalError) -> Outcome<'r> {
    Outcome { choice: None, reason: Reason::Error, rule: None, prerequisite: None, error: Some(error) }
}

fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A ruleset's version (LANGUAGE.md §7): the first 16 hex digits of the
/// SHA-256 of its source text.
pub fn version_of(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn attr_info(program: &Program, attr: &ir::AttrDef) -> AttrInfo {
    let element = attr.ty.element().unwrap_or(&attr.ty);
    let members = match element {
        ir::Ty::Enum(id) => program.enums.get(*id as usize).map(|e| e.members.clone()),
        _ => None,
    };
    AttrInfo { path: attr.path.clone(), ty: program.type_name(&attr.ty), optional: attr.optional, members }
}

fn lower_flag(program: &Program, def: &ir::FlagDef) -> Flag {
    let mut choices: Vec<Choice> = Vec::new();
    // One choice per distinct flag value: distinct by text, so `0.0` and
    // `-0.0` stay two choices although they are `==` (LANGUAGE.md §6).
    let mut consts: Vec<ir::Const> = Vec::new();
    let mut choose = |c: &ir::Const| -> usize {
        if let Some(i) = consts.iter().position(|existing| existing.is_same_flag_value(c)) {
            return i;
        }
        consts.push(c.clone());
        choices.push(Choice {
            value: Value::from_const(c),
            json: flag_value(program, c),
            variant: program.const_text(c).into(),
        });
        choices.len() - 1
    };
    let off = choose(&def.off);
    let default = choose(&def.default);
    let on_error = choose(&def.on_error);
    let rules = def
        .rules
        .iter()
        .map(|rule| Rule {
            name: rule.name.as_str().into(),
            when: lower(&rule.when),
            span: rule.span,
            result: match &rule.result {
                ir::RuleResult::Value(v) => RuleResult::Fixed(choose(v)),
                ir::RuleResult::Split(split) => RuleResult::Split(Split {
                    by: lower(&split.by),
                    salt: split.salt.clone(),
                    bucketing: bucket::Bucketing { seed: split.seed, modulo: split.modulo },
                    weights: split.entries.iter().map(|(_, w)| *w).collect(),
                    choices: split.entries.iter().map(|(v, _)| choose(v)).collect(),
                }),
            },
        })
        .collect();
    let prerequisites = def
        .prerequisites
        .iter()
        .map(|p| Prereq {
            flag: p.flag,
            expected: Value::from_const(&p.value),
            expected_text: program.const_text(&p.value),
        })
        .collect();
    Flag {
        key: def.key.as_str().into(),
        enabled: def.enabled,
        choices,
        off,
        default,
        on_error,
        prerequisites,
        rules,
        required_by_others: false,
    }
}

fn flag_value(program: &Program, c: &ir::Const) -> FlagValue {
    match c {
        ir::Const::Bool(b) => FlagValue::Bool(*b),
        ir::Const::Int(i) => FlagValue::Int(*i),
        ir::Const::Float(f) => FlagValue::Float(*f),
        other => FlagValue::String(program.const_text(other).into()),
    }
}

/// Each flag's fingerprint (`FlagInfo::fingerprint`): the first 16 hex digits
/// of SHA-256 over the flag's declaration text, everything outside flag
/// declarations (context, enums, segments, comments), and the fingerprints of
/// the flags it requires, each text with runs of whitespace folded outside
/// string literals. Editing one flag changes its fingerprint and those of the
/// flags that require it; editing what flags share changes them all;
/// reformatting changes none.
fn flag_fingerprints(program: &Program, source: &str) -> Vec<String> {
    let mut spans: Vec<std::ops::Range<usize>> = program.flags.iter().map(|f| f.span.range()).collect();
    spans.sort_by_key(|r| r.start);
    let mut shared = String::new();
    let mut at = 0;
    for span in &spans {
        shared.push_str(source.get(at..span.start).unwrap_or_default());
        shared.push('\n');
        at = at.max(span.end);
    }
    shared.push_str(source.get(at..).unwrap_or_default());
    let shared_digest = Sha256::digest(fold_layout(&shared).as_bytes());
    let own: Vec<[u8; 32]> = program
        .flags
        .iter()
        .map(|f| {
            let mut hasher = Sha256::new();
            hasher.update(shared_digest);
            hasher.update(fold_layout(source.get(f.span.range()).unwrap_or_default()).as_bytes());
            hasher.finalize().into()
        })
        .collect();
    // Prerequisites first (the checker refuses cycles): Kahn's order over "requires".
    let n = program.flags.len();
    let mut waiting: Vec<usize> = program.flags.iter().map(|f| f.prerequisites.len()).collect();
    let mut required_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, flag) in program.flags.iter().enumerate() {
        for prerequisite in &flag.prerequisites {
            if let Some(list) = required_by.get_mut(prerequisite.flag as usize) {
                list.push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut full: Vec<Option<[u8; 32]>> = vec![None; n];
    while let Some(i) = ready.pop() {
        let mut hasher = Sha256::new();
        hasher.update(own[i]);
        for prerequisite in &program.flags[i].prerequisites {
            if let Some(Some(digest)) = full.get(prerequisite.flag as usize) {
                hasher.update(digest);
            }
        }
        full[i] = Some(hasher.finalize().into());
        for &dependent in &required_by[i] {
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                ready.push(dependent);
            }
        }
    }
    full.iter()
        .zip(&own)
        .map(|(digest, own)| digest.unwrap_or(*own).iter().take(8).map(|b| format!("{b:02x}")).collect())
        .collect()
}

/// Text with runs of whitespace folded to one space, except inside string
/// literals (`"a  b"` stays) and comments (kept to their end of line).
fn fold_layout(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if c == '"' {
            while let Some(c) = chars.next() {
                out.push(c);
                match c {
                    '\\' => out.extend(chars.next()),
                    '"' => break,
                    _ => {}
                }
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            while let Some(&c) = chars.peek() {
                if c == '\n' {
                    break;
                }
                out.push(c);
                chars.next();
            }
        }
    }
    out
}

fn flag_info(program: &Program, def: &ir::FlagDef, flag: &Flag, fingerprint: String) -> FlagInfo {
    let on_error = flag.choices.get(flag.on_error);
    FlagInfo {
        key: def.key.clone(),
        ty: program.type_name(&def.ty),
        kind: def.kind.map(|k| k.as_str().to_owned()),
        owner: def.owner.clone(),
        expires: def.expires.map(|t| t.to_iso_string().chars().take(10).collect()),
        description: def.description.clone(),
        enabled: def.enabled,
        on_error: on_error.map_or(FlagValue::Bool(false), |c| c.json.clone()),
        on_error_variant: on_error.map_or_else(String::new, |c| c.variant.to_string()),
        fingerprint,
    }
}
