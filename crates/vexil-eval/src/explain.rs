//! `explain`: the same evaluation, recorded. Every prerequisite and rule
//! tried, each condition and sub-condition with its value and span, and the
//! split's unit, bucket and weights.

use vexil_syntax::Span;
use vexil_value::Timestamp;

use crate::context::Context;
use crate::decision::{Decision, Explanation, PrerequisiteTrace, RuleTrace, SplitEntryTrace, SplitTrace, Trace};
use crate::eval::{EvalError, Evaluator, Tracer, val_text};
use crate::ruleset::{Outcome, RuleOutcome, Ruleset};
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
    /// Evaluates one flag and records why it decided as it did.
    pub fn explain(&self, key: &str, context: &Context, now: Timestamp) -> Explanation {
        let now_text = now.to_iso_string().into();
        let Some((id, flag)) = self.flag(key) else {
            return Explanation {
                decision: Decision::not_found(key, self.version_arc(), &now_text),
                prerequisites: Vec::new(),
                rules: Vec::new(),
            };
        };
        // The decision itself comes from the ordinary evaluator, so an
        // explanation can never disagree with `evaluate`.
        let decision = self.evaluate(key, context, now);
        let recorder = Recorder { source: self.source(), enums: self.enums(), open: vec![Vec::new()] };
        let mut evaluator = Evaluator::new(self.env(context, now), recorder);
        let mut memo: Vec<Option<Outcome<'_>>> = Vec::new();

        let mut prerequisites = Vec::new();
        let mut rules = Vec::new();
        if flag.enabled {
            for prereq in &flag.prerequisites {
                let decided = self.decide_with(&mut evaluator, prereq.flag, &mut memo);
                evaluator.tracer.take();
                let holds = self.prerequisite_holds(prereq, &decided);
                let target = self.flags_internal(prereq.flag);
                let actual = target.and_then(|f| {
                    let choice = if decided.error.is_some() { Some(f.on_error) } else { decided.choice };
                    choice.and_then(|c| f.choices.get(c)).map(|c| c.variant.to_string())
                });
                prerequisites.push(PrerequisiteTrace {
                    flag: target.map_or_else(String::new, |f| f.key.to_string()),
                    expected: prereq.expected_text.clone(),
                    actual,
                    reason: decided.reason,
                    holds,
                });
                if !holds {
                    break;
                }
            }
            let prerequisites_hold = prerequisites.iter().all(|p| p.holds);
            for rule in flag.rules.iter().filter(|_| prerequisites_hold) {
                let result = evaluator.condition(&rule.when);
                let condition = evaluator.tracer.take().pop().unwrap_or_else(|| Trace {
                    text: self.source().get(rule.when.span.range()).unwrap_or("").to_owned(),
                    start: rule.when.span.start,
                    end: rule.when.span.end,
                    value: result.as_ref().ok().map(bool::to_string),
                    error: result.as_ref().err().map(|e| e.message.clone()),
                    children: Vec::new(),
                });
                let matched = matches!(result, Ok(true));
                let split = match (&rule.outcome, matched) {
                    (RuleOutcome::Split(split), true) => {
                        let picked = self.split(&mut evaluator, flag, split);
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
                            Ok((pick, _)) => (Some(pick.unit), Some(pick.bucket), Some(pick.index)),
                            Err(_) => (None, None, None),
                        };
                        Some(SplitTrace {
                            unit,
                            salt: split.salt.clone(),
                            bucket,
                            total: split.weights.iter().copied().fold(0u32, u32::saturating_add),
                            entries,
                            chosen,
                        })
                    }
                    _ => None,
                };
                rules.push(RuleTrace {
                    rule: rule.name.to_string(),
                    start: rule.span.start,
                    end: rule.span.end,
                    condition,
                    matched,
                    split,
                });
                if matched || result.is_err() {
                    break;
                }
            }
        }
        let _ = id;
        Explanation { decision, prerequisites, rules }
    }
}
