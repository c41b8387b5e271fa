//! Change with confidence: what a ruleset change does to real traffic.
//!
//! [`Replay`] runs recorded contexts (one JSON object per line, streamed)
//! through an old and a new ruleset at one instant and counts, per flag, the
//! decisions whose value, variant or reason change, which rule transitions
//! are responsible, and keeps a few example contexts. Memory stays bounded
//! whatever the input's size: counts, at most [`MAX_TRANSITIONS`] distinct
//! transitions per flag, and [`ReplayOptions::examples`] examples of at most
//! [`MAX_EXAMPLE_BYTES`] each.
//!
//! [`diff`] compares two rulesets' checked programs (`vexil diff`); [`test_files`] runs rule tests: TOML files beside rulesets stating
//! contexts and the decisions expected of them (`vexil test`).
//!
//! Every decision is the evaluator's; nothing here decides.

pub mod diff;
pub mod test_files;

use std::collections::HashMap;

use serde::Serialize;
use vexil::decision::{Decision, FlagValue, Reason};
use vexil::{Context, Ruleset, Timestamp};

/// Distinct (old → new) transitions kept per flag; the rest are counted in `other_transitions`.
pub const MAX_TRANSITIONS: usize = 64;
/// Example contexts are cut to this many bytes.
pub const MAX_EXAMPLE_BYTES: usize = 1024;

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The instant both rulesets decide at.
    pub now: Timestamp,
    /// Only these flags (default: every flag of either ruleset).
    pub flags: Option<Vec<String>>,
    /// Example contexts kept per flag.
    pub examples: usize,
}

/// One side of a changed decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Side {
    /// The variant (the value's text), absent when the decision has no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub from: Side,
    pub to: Side,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The line of the contexts file (from 1).
    pub line: u64,
    /// The context as recorded (cut to [`MAX_EXAMPLE_BYTES`]).
    pub context: String,
    pub old: Side,
    pub new: Side,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagReport {
    pub flag: String,
    /// `both`, `old only` (removed) or `new only` (added).
    pub present: &'static str,
    pub decisions: u64,
    /// Decisions whose value, variant or reason changed.
    pub changed: u64,
    pub value_changed: u64,
    pub variant_changed: u64,
    pub reason_changed: u64,
    /// The most frequent transitions first.
    pub transitions: Vec<Transition>,
    pub other_transitions: u64,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub old_version: String,
    pub new_version: String,
    pub now: String,
    pub contexts: u64,
    /// Lines that were not a JSON object (both rulesets still decided them: INVALID_CONTEXT).
    pub unreadable_contexts: u64,
    pub decisions: u64,
    pub changed: u64,
    pub flags: Vec<FlagReport>,
}

struct FlagState {
    report: FlagReport,
    transitions: HashMap<(Side, Side), u64>,
}

/// A replay in progress: feed it lines, then [`Replay::finish`].
pub struct Replay<'r> {
    old: &'r Ruleset,
    new: &'r Ruleset,
    options: ReplayOptions,
    flags: Vec<FlagState>,
    contexts: u64,
    unreadable: u64,
    /// The two rulesets declare the same context: one decoded context serves both.
    shared_schema: bool,
}

impl std::fmt::Debug for Replay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay").field("contexts", &self.contexts).finish_non_exhaustive()
    }
}

impl<'r> Replay<'r> {
    /// A replay of `old` against `new`. Unknown names in `options.flags` are an error.
    pub fn new(old: &'r Ruleset, new: &'r Ruleset, options: ReplayOptions) -> Result<Replay<'r>, String> {
        let keys: Vec<String> = match &options.flags {
            Some(wanted) => {
                if let Some(unknown) = wanted.iter().find(|f| !old.has_flag(f) && !new.has_flag(f)) {
                    return Err(format!("no flag named `{unknown}` in either ruleset"));
                }
                wanted.clone()
            }
            None => {
                let mut keys: Vec<String> = old.flags().iter().map(|f| f.key.clone()).collect();
                keys.extend(new.flags().iter().filter(|f| !old.has_flag(&f.key)).map(|f| f.key.clone()));
                keys
            }
        };
        let flags = keys
            .into_iter()
            .map(|flag| {
                let present = match (old.has_flag(&flag), new.has_flag(&flag)) {
                    (true, true) => "both",
                    (true, false) => "old only",
                    _ => "new only",
                };
                FlagState {
                    report: FlagReport {
                        flag,
                        present,
                        decisions: 0,
                        changed: 0,
                        value_changed: 0,
                        variant_changed: 0,
                        reason_changed: 0,
                        transitions: Vec::new(),
                        other_transitions: 0,
                        examples: Vec::new(),
                    },
                    transitions: HashMap::new(),
                }
            })
            .collect();
        let shared_schema = old.shares_context_layout(new);
        Ok(Replay { old, new, options, flags, contexts: 0, unreadable: 0, shared_schema })
    }

    /// Replays one recorded context (a line of JSON; blank lines are skipped).
    pub fn line(&mut self, line_number: u64, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.contexts += 1;
        let now = self.options.now;
        let old = self.old.decode_context(text);
        let decoded_new = if self.shared_schema { None } else { Some(self.new.decode_context(text)) };
        let new = decoded_new.as_ref().unwrap_or(&old);
        if old.is_err() && new.is_err() {
            self.unreadable += 1;
        }
        for state in &mut self.flags {
            let key = state.report.flag.as_str();
            let before = decide(self.old, key, &old, now);
            let after = decide(self.new, key, new, now);
            state.report.decisions += 1;
            let value_changed = !same_value(before.value.as_ref(), after.value.as_ref());
            let variant_changed = before.variant != after.variant;
            let reason_changed = before.reason != after.reason;
            if !(value_changed || variant_changed || reason_changed) {
                continue;
            }
            let report = &mut state.report;
            report.changed += 1;
            report.value_changed += u64::from(value_changed);
            report.variant_changed += u64::from(variant_changed);
            report.reason_changed += u64::from(reason_changed);
            let (from, to) = (side(&before), side(&after));
            if report.examples.len() < self.options.examples {
                report.examples.push(Example {
                    line: line_number,
                    context: cut(text),
                    old: from.clone(),
                    new: to.clone(),
                });
            }
            let pair = (from, to);
            if let Some(count) = state.transitions.get_mut(&pair) {
                *count += 1;
            } else if state.transitions.len() < MAX_TRANSITIONS {
                state.transitions.insert(pair, 1);
            } else {
                report.other_transitions += 1;
            }
        }
    }

    pub fn finish(self) -> Report {
        let mut decisions = 0;
        let mut changed = 0;
        let flags = self
            .flags
            .into_iter()
            .map(|state| {
                let mut report = state.report;
                let mut transitions: Vec<Transition> =
                    state.transitions.into_iter().map(|((from, to), count)| Transition { from, to, count }).collect();
                // Most frequent first; ties in a stable order.
                transitions.sort_by(|a, b| {
                    b.count
                        .cmp(&a.count)
                        .then_with(|| format!("{:?}{:?}", a.from, a.to).cmp(&format!("{:?}{:?}", b.from, b.to)))
                });
                report.transitions = transitions;
                decisions += report.decisions;
                changed += report.changed;
                report
            })
            .collect();
        Report {
            old_version: self.old.version().to_owned(),
            new_version: self.new.version().to_owned(),
            now: self.options.now.to_iso_string(),
            contexts: self.contexts,
            unreadable_contexts: self.unreadable,
            decisions,
            changed,
            flags,
        }
    }
}

fn decide(ruleset: &Ruleset, key: &str, context: &Result<Context, String>, now: Timestamp) -> Decision {
    match context {
        Ok(context) => ruleset.evaluate(key, context, now),
        Err(message) => ruleset.context_error(key, message.clone(), now),
    }
}

/// Values equal as decisions carry them: floats by their bits (`-0.0` is not `0.0`).
fn same_value(a: Option<&FlagValue>, b: Option<&FlagValue>) -> bool {
    match (a, b) {
        (Some(FlagValue::Float(x)), Some(FlagValue::Float(y))) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn side(decision: &Decision) -> Side {
    Side {
        variant: decision.variant.as_deref().map(str::to_owned),
        reason: decision.reason,
        rule: decision.rule.as_deref().map(str::to_owned),
        error_code: decision.error_code.map(|c| c.as_str()),
    }
}

fn cut(text: &str) -> String {
    if text.len() <= MAX_EXAMPLE_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_EXAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl Side {
    /// `DUAL_WRITE (TARGETING_MATCH, rule us_start)`.
    pub fn describe(&self) -> String {
        let mut out = self.variant.clone().unwrap_or_else(|| "no value".to_owned());
        out.push_str(" (");
        out.push_str(self.reason.as_str());
        if let Some(rule) = &self.rule {
            out.push_str(", rule ");
            out.push_str(rule);
        }
        if let Some(code) = self.error_code {
            out.push_str(", ");
            out.push_str(code);
        }
        out.push(')');
        out
    }
}
