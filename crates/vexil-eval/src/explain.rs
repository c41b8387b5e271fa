//! `explain`: the same evaluation, recorded. Every prerequisite and rule
//! tried, each condition and sub-condition with its value and span, and the
//! split's unit, bucket and weights.

use vexil_syntax::Span;
use vexil_value::Timestamp;

use crate::context::Context;
use crate::decision::{
    Decision, Explanation, PrerequisiteTrace, Reason, RuleTrace, SplitEntryTrace, SplitTrace, Trace,
};
use crate::eval::{EvalError, Evaluator, Tracer, val_text};
use crate::ruleset::{Flag, Observer, Outcome, Prereq, Rule, Ruleset, Split, SplitPick};
use crate::value::Val;

/// Builds a tree of [`Trace`]s from enter/exit events.
struct Recorder<'r> {
    source: &'r str,
    enums: &'r [Vec<String>],
    /// Children collected for each open node; the bottom entry is the root list.
    open: Vec<Vec<Trace>>,
}

impl Recorder<'_> {
    fn take(&mut self) -> Vec<Trace> {
        self.open.truncate(1);
        self.open.first_mut().map(std::mem::take).unwrap_or_default()
    }
}

impl Tracer for Recorder<'_> {
    const ACTIVE: bool = true;

    fn enter(&mut self) {
        self.open.push(Vec::new());
    }

    fn exit(&mut self, span: Span, outcome: Result<&Val<'_>, &EvalError>) {
        let children = self.open.pop().unwrap_or_default();
        let (value, error) = match outcome {
            Ok(val) => (Some(val_text(val, self.enums)), None),
            Err(e) => (None, Some(e.message.clone())),
        };
        let text = self.source.get(span.range()).unwrap_or("").to_owned();
        let trace = Trace { text, start: span.start, end: span.end, value, error, children };
        match self.open.last_mut() {
            Some(parent) => parent.push(trace),
            None => self.open.push(vec![trace]),
        }
    }
}

impl Ruleset {
    /// Evaluates one flag and records why it decided as it did. The decision
    /// and the record come from one walk ([`Ruleset::decide_with`]), so an
    /// explanation cannot disagree with `evaluate`.
    pub fn explain(&self, key: &str, context: &Context, now: Timestamp) -> Explanation {
        self.explain_within(key, context, now, None)
    }

    /// [`Ruleset::explain`] within a budget of work units, stopping where
    /// [`Ruleset::evaluate_within`] stops.
    pub fn explain_within(&self, key: &str, context: &Context, now: Timestamp, budget: Option<u64>) -> Explanation {
        let Some((id, flag)) = self.flag(key) else {
            return Explanation {
                decision: Decision::not_found(key, self.version_arc(), now),
                prerequisites: Vec::new(),
                rules: Vec::new(),
            };
        };
        let recorder = Recorder { source: self.source(), enums: self.enums(), open: vec![Vec::new()] };
        let mut evaluator = Evaluator::new(self.env(context, now), recorder);
        evaluator.budget = budget.unwrap_or(u64::MAX);
        let mut walk = Walk { ruleset: self, prerequisites: Vec::new(), rules: Vec::new() };
        let outcome = self.decide_with(&mut evaluator, id, &mut Vec::new(), &mut walk);
        Explanation {
            decision: self.decision_for(flag, &outcome, now),
            prerequisites: walk.prerequisites,
            rules: walk.rules,
        }
    }
}

/// Records the §7 walk of the explained flag.
struct Walk<'r> {
    ruleset: &'r Ruleset,
    prerequisites: Vec<PrerequisiteTrace>,
    rules: Vec<RuleTrace>,
}

impl<'r> Observer<'r, Recorder<'r>> for Walk<'r> {
    fn prerequisite(
        &mut self,
        evaluator: &mut Evaluator<'r, Recorder<'r>>,
        prereq: &'r Prereq,
        decided: &Outcome<'r>,
        holds: bool,
    ) {
        // The prerequisite's own expressions are not part of this flag's record.
        evaluator.tracer.take();
        let target = self.ruleset.flags_internal(prereq.flag);
        let actual = target.and_then(|f| {
            let choice = if decided.error.is_some() { Some(f.on_error) } else { decided.choice };
            choice.and_then(|c| f.choices.get(c)).map(|c| c.variant.to_string())
        });
        self.prerequisites.push(PrerequisiteTrace {
            flag: target.map_or_else(String::new, |f| f.key.to_string()),
            expected: prereq.expected_text.clone(),
            actual,
            reason: decided.reason,
            holds,
        });
    }

    fn rule(&mut self, evaluator: &mut Evaluator<'r, Recorder<'r>>, rule: &'r Rule, result: &Result<bool, EvalError>) {
        let condition = evaluator.tracer.take().pop().unwrap_or_else(|| Trace {
            text: self.ruleset.source().get(rule.when.span.range()).unwrap_or("").to_owned(),
            start: rule.when.span.start,
            end: rule.when.span.end,
            value: result.as_ref().ok().map(bool::to_string),
            error: result.as_ref().err().map(|e| e.message.clone()),
            children: Vec::new(),
        });
        self.rules.push(RuleTrace {
            rule: rule.name.to_string(),
            start: rule.span.start,
            end: rule.span.end,
            condition,
            matched: matches!(result, Ok(true)),
            split: None,
        });
    }

    fn split(
        &mut self,
        evaluator: &mut Evaluator<'r, Recorder<'r>>,
        flag: &'r Flag,
        split: &'r Split,
        picked: &Result<(SplitPick, usize), EvalError>,
    ) {
        evaluator.tracer.take();
        let entries = split
            .weights
            .iter()
            .zip(&split.choices)
            .map(|(w, c)| SplitEntryTrace {
                variant: flag.choices.get(*c).map_or_else(String::new, |c| c.variant.to_string()),
                weight: *w,
            })
            .collect();
        let (unit, bucket, chosen) = match picked {
            Ok((pick, _)) => (Some(pick.unit.clone()), Some(pick.bucket), Some(pick.index)),
            Err(_) => (None, None, None),
        };
        if let Some(last) = self.rules.last_mut() {
            last.split = Some(SplitTrace {
                unit,
                salt: split.salt.clone(),
                seed: split.bucketing.seed,
                modulo: split.bucketing.modulo,
                bucket,
                total: split.weights.iter().copied().fold(0u32, u32::saturating_add),
                entries,
                chosen,
            });
        }
    }
}

/// Whether an explanation tells the same story as its decision: the rule
/// that matched is the decision's rule and the last one tried, a failed
/// prerequisite is the last one listed, and so on. `None` when it does;
/// else what is wrong. The conformance test runs it over every vector and
/// the `eval` fuzz target over every input.
impl Explanation {
    pub fn inconsistency(&self) -> Option<String> {
        inconsistency(self)
    }
}

fn inconsistency(explanation: &Explanation) -> Option<String> {
    let decision = &explanation.decision;
    let matched: Vec<&str> = explanation.rules.iter().filter(|r| r.matched).map(|r| r.rule.as_str()).collect();
    let last_rule = explanation.rules.last();
    let all_hold = explanation.prerequisites.iter().all(|p| p.holds);
    let problem = match decision.reason {
        Reason::TargetingMatch | Reason::Split => {
            let rule = decision.rule.as_deref().unwrap_or("");
            let split_chosen = last_rule.and_then(|r| r.split.as_ref()).and_then(|s| s.chosen);
            if matched != [rule] || last_rule.map(|r| r.rule.as_str()) != Some(rule) || !all_hold {
                Some("the matched rule is not the decision's rule, or not the last one tried")
            } else if (decision.reason == Reason::Split) != split_chosen.is_some() {
                Some("a SPLIT decision needs the chosen split entry, and only it")
            } else {
                None
            }
        }
        Reason::Default | Reason::Static => {
            (!matched.is_empty() || !all_hold).then_some("no rule may match and every prerequisite must hold")
        }
        Reason::PrerequisiteFailed => {
            let last = explanation.prerequisites.last();
            let ok = last.is_some_and(|p| !p.holds && Some(p.flag.as_str()) == decision.prerequisite.as_deref())
                && explanation.prerequisites.iter().rev().skip(1).all(|p| p.holds)
                && explanation.rules.is_empty();
            (!ok).then_some("the failed prerequisite must be the last one listed, and no rule tried")
        }
        Reason::Disabled => (!explanation.prerequisites.is_empty() || !explanation.rules.is_empty())
            .then_some("a disabled flag tries nothing"),
        Reason::Error => (decision.error_code.is_none()).then_some("an ERROR decision needs an error code"),
    };
    problem.map(|p| format!("{p}: {explanation:?}"))
}
