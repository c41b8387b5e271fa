//! The readable form of an explanation: the decision, then every
//! prerequisite and rule tried, each condition as a tree of values.

use std::fmt::Write;

use vexil::decision::{Explanation, SplitTrace, Trace};

/// `version` is the ruleset's (the same on every engine).
pub fn render(version: &str, explanation: &Explanation) -> String {
    let mut out = String::new();
    let d = &explanation.decision;
    let value = d.variant.as_deref().unwrap_or("(none)");
    let _ = write!(out, "{} = {value}  [{}", d.flag, d.reason.as_str());
    if let Some(rule) = &d.rule {
        let _ = write!(out, ", rule {rule}");
    }
    if let Some(prerequisite) = &d.prerequisite {
        let _ = write!(out, ", prerequisite {prerequisite}");
    }
    out.push_str("]\n");
    if let (Some(code), Some(message)) = (&d.error_code, &d.error_message) {
        let _ = writeln!(out, "  error {}: {message}", code.as_str());
    }
    let _ = writeln!(out, "  ruleset {}  now {}", version, d.now);
    if !explanation.prerequisites.is_empty() {
        out.push_str("prerequisites:\n");
        for p in &explanation.prerequisites {
            let mark = if p.holds { "✓" } else { "✗" };
            let actual = p.actual.as_deref().unwrap_or("(none)");
            let _ = writeln!(out, "  {mark} {} == {}  (it is {actual}, {})", p.flag, p.expected, p.reason.as_str());
        }
    }
    if !explanation.rules.is_empty() {
        out.push_str("rules:\n");
        for rule in &explanation.rules {
            let mark = if rule.matched { "✓" } else { "✗" };
            let _ = writeln!(out, "  {mark} rule {}", rule.rule);
            trace(&mut out, &rule.condition, 2);
            if let Some(split) = &rule.split {
                split_line(&mut out, split);
            }
        }
    }
    out
}

fn trace(out: &mut String, t: &Trace, depth: usize) {
    let indent = "  ".repeat(depth);
    let text = t.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let outcome = match (&t.value, &t.error) {
        (Some(value), _) => value.clone(),
        (None, Some(error)) => format!("error: {error}"),
        (None, None) => "?".into(),
    };
    let _ = writeln!(out, "{indent}{text}  → {outcome}");
    for child in &t.children {
        trace(out, child, depth + 1);
    }
}

fn split_line(out: &mut String, split: &SplitTrace) {
    let entries: Vec<String> = split.entries.iter().map(|e| format!("{}: {}", e.variant, e.weight)).collect();
    let _ = writeln!(out, "    split salt {:?}, weights {{ {} }} of {}", split.salt, entries.join(", "), split.total);
    match (&split.unit, split.bucket, split.chosen) {
        (Some(unit), Some(bucket), Some(chosen)) => {
            let variant = split.entries.get(chosen).map_or("?", |e| e.variant.as_str());
            let _ = writeln!(out, "    unit {unit:?} → bucket {bucket} of {} → {variant}", split.total);
        }
        _ => out.push_str("    the unit could not be evaluated\n"),
    }
}
