//! A semantic diff of two rulesets, computed on their checked programs (names
//! resolved, literals typed), never on their text: reformatting, comments and
//! reordering declarations give an empty diff. `vexil diff`.
//!
//! Conditions are compared in the checker's canonical form
//! (`Program::expr_text`) and shown as written. Rules are matched by name
//! (an unnamed rule is named by its index, so inserting one renames those
//! after it).
//!
//! **Split movement.** A unit's bucket is `(h × total) >> 32` for its
//! 32-bit hash `h` (LANGUAGE.md §6), so each entry of a split owns an exact
//! range of hashes: entry i, whose weights before it sum to `s`, owns
//! `[⌈s·2³²/T⌉, ⌈(s+wᵢ)·2³²/T⌉)`. When the unit expression and the salt stay,
//! a unit keeps its hash, and the units that change value are exactly the
//! hashes whose old and new ranges carry different values: `moved_hashes`
//! of 2³², merged from the two range lists. When the unit or the salt
//! changes, every unit is hashed anew: which units move is not knowable
//! from the rules, and `expected_moved` = 1 − Σᵥ p_old(v)·p_new(v).
//!
//! With `modulo` (LANGUAGE.md §6, v1.1) a unit's bucket is `h mod T`: of the
//! 2³² hashes, `q + 1` land in each bucket below `r` and `q` in the others
//! (2³² = q·T + r), so with the unit, salt, seed and `T` unchanged the moved
//! hashes are counted exactly over the buckets whose value changes. A change
//! of seed, of `modulo` itself, or of `T` under `modulo` draws every bucket
//! anew, and the figure is the expectation above.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
pub use vexil_check::ir::Program;
use vexil_check::ir::{Expr, ExprKind, FlagDef, RuleDef, RuleResult, SplitDef};

/// The whole diff; empty lists mean "no change".
#[derive(Debug, Clone, Serialize, Default)]
pub struct Diff {
    pub context: Vec<SchemaChange>,
    pub enums: Vec<Change>,
    pub segments: Vec<SegmentChange>,
    pub flags: Vec<FlagChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.context.is_empty() && self.enums.is_empty() && self.segments.is_empty() && self.flags.is_empty()
    }
}

/// A before/after pair (absent: added or removed).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SchemaChange {
    pub path: String,
    /// `added`, `removed`, `type`, `optional → required`, `required → optional`.
    pub change: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Callers must change what they send: an attribute removed, required
    /// now, added as required, or of another type.
    pub breaks_callers: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentChange {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The flags whose rules read the segment, directly or through other segments.
    pub reaches: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlagChange {
    pub flag: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// Clauses that changed: `type`, `state`, `default`, `off`, `on_error`, `requires`, `kind`, `owner`, `expires`, `description`.
    pub clauses: Vec<Change>,
    pub rules: Vec<RuleChange>,
    /// The order of the rules both versions have, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reordered: Option<(Vec<String>, Vec<String>)>,
    pub splits: Vec<SplitChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleChange {
    pub rule: String,
    /// `added`, `removed`, `condition` or `result`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SplitChange {
    pub rule: String,
    pub old: String,
    pub new: String,
    /// The unit expression, salt or seed changed, or the bucketing did (`modulo`
    /// added or removed, or its total changed): every unit's bucket is drawn anew.
    pub rehashed: bool,
    /// Of the 2³² hashes, how many land on another value (unit and salt unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_hashes: Option<u64>,
    /// The fraction of units whose value changes: exact (`moved_hashes` / 2³²) when
    /// not rehashed, else the expectation 1 − Σ p_old·p_new.
    pub moved_fraction: f64,
}

/// One side: the checked program and its source (for showing conditions as written).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub program: &'a Program,
    pub source: &'a str,
}

pub fn diff(old: Side<'_>, new: Side<'_>) -> Diff {
    Diff {
        context: schema(old.program, new.program),
        enums: enums(old.program, new.program),
        segments: segments(old, new),
        flags: flags(old, new),
    }
}

fn schema(old: &Program, new: &Program) -> Vec<SchemaChange> {
    let mut changes = Vec::new();
    let describe = |p: &Program, a: &vexil_check::ir::AttrDef| {
        format!("{}{}", p.type_name(&a.ty), if a.optional { "?" } else { "" })
    };
    for a in &old.attrs {
        match new.attrs.iter().find(|b| b.path == a.path) {
            None => changes.push(SchemaChange {
                path: a.path.clone(),
                change: "removed".into(),
                old: Some(describe(old, a)),
                new: None,
                breaks_callers: true,
            }),
            Some(b) => {
                let (ta, tb) = (old.type_name(&a.ty), new.type_name(&b.ty));
                if ta != tb {
                    changes.push(SchemaChange {
                        path: a.path.clone(),
                        change: "type".into(),
                        old: Some(describe(old, a)),
                        new: Some(describe(new, b)),
                        breaks_callers: true,
                    });
                } else if a.optional != b.optional {
                    let change = if b.optional { "required → optional" } else { "optional → required" };
                    changes.push(SchemaChange {
                        path: a.path.clone(),
                        change: change.into(),
                        old: Some(describe(old, a)),
                        new: Some(describe(new, b)),
                        breaks_callers: !b.optional,
                    });
                }
            }
        }
    }
    for b in new.attrs.iter().filter(|b| !old.attrs.iter().any(|a| a.path == b.path)) {
        changes.push(SchemaChange {
            path: b.path.clone(),
            change: "added".into(),
            old: None,
            new: Some(describe(new, b)),
            breaks_callers: !b.optional,
        });
    }
    changes
}

fn enums(old: &Program, new: &Program) -> Vec<Change> {
    let text = |e: &vexil_check::ir::EnumDef| format!("{{ {} }}", e.members.join(", "));
    let mut changes = Vec::new();
    for a in &old.enums {
        match new.enums.iter().find(|b| b.name == a.name) {
            None => changes.push(Change { name: a.name.clone(), old: Some(text(a)), new: None }),
            Some(b) if a.members != b.members => {
                changes.push(Change { name: a.name.clone(), old: Some(text(a)), new: Some(text(b)) })
            }
            Some(_) => {}
        }
    }
    for b in new.enums.iter().filter(|b| !old.enums.iter().any(|a| a.name == b.name)) {
        changes.push(Change { name: b.name.clone(), old: None, new: Some(text(b)) });
    }
    changes
}

/// Segments whose canonical condition changed, and the flags that read them.
fn segments(old: Side<'_>, new: Side<'_>) -> Vec<SegmentChange> {
    let canonical = |p: &Program| -> BTreeMap<String, String> {
        p.segments.iter().map(|s| (s.name.clone(), p.expr_text(&s.expr))).collect()
    };
    let (before, after) = (canonical(old.program), canonical(new.program));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut changes = Vec::new();
    for name in names {
        if before.get(name) == after.get(name) {
            continue;
        }
        let shown = |side: Side<'_>| {
            side.program.segments.iter().find(|s| &s.name == name).map(|s| written(side.source, &s.expr))
        };
        let mut reaches = flags_reading(new.program, name);
        for flag in flags_reading(old.program, name) {
            if !reaches.contains(&flag) {
                reaches.push(flag);
            }
        }
        changes.push(SegmentChange { name: name.clone(), old: shown(old), new: shown(new), reaches });
    }
    changes
}

/// The flags of `program` whose rules read segment `name`, directly or through other segments.
fn flags_reading(program: &Program, name: &str) -> Vec<String> {
    let Some(target) = program.segments.iter().position(|s| s.name == name) else { return Vec::new() };
    // Segments reaching the target (references are acyclic, in any order: a fixpoint).
    let mut reaching = vec![false; program.segments.len()];
    reaching[target] = true;
    let mut grew = true;
    while grew {
        grew = false;
        for (i, segment) in program.segments.iter().enumerate() {
            if !reaching[i] && reads_any(&segment.expr, &reaching) {
                reaching[i] = true;
                grew = true;
            }
        }
    }
    program
        .flags
        .iter()
        .filter(|flag| {
            flag.rules.iter().any(|rule| {
                reads_any(&rule.when, &reaching)
                    || matches!(&rule.result, RuleResult::Split(split) if reads_any(&split.by, &reaching))
            })
        })
        .map(|flag| flag.key.clone())
        .collect()
}

fn reads_any(expr: &Expr, segments: &[bool]) -> bool {
    let any = |items: &[Expr]| items.iter().any(|e| reads_any(e, segments));
    match &expr.kind {
        ExprKind::Segment(id) => segments.get(*id as usize).copied().unwrap_or(false),
        ExprKind::Const(_) | ExprKind::Now | ExprKind::Attr(_) | ExprKind::Has(_) => false,
        ExprKind::Coalesce(_, e) | ExprKind::Not(e) | ExprKind::Neg(e) => reads_any(e, segments),
        ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) | ExprKind::Call(_, items) => any(items),
        ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::ListContains(a, b)
        | ExprKind::Str(_, a, b) => reads_any(a, segments) || reads_any(b, segments),
        ExprKind::In { elem, list, .. } => reads_any(elem, segments) || reads_any(list, segments),
        ExprKind::InCidr { ip, .. } => reads_any(ip, segments),
        ExprKind::Matches { subject, .. } => reads_any(subject, segments),
    }
}

/// An expression as written, whitespace folded.
fn written(source: &str, expr: &Expr) -> String {
    source.get(expr.span.range()).unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn flags(old: Side<'_>, new: Side<'_>) -> Vec<FlagChange> {
    let mut changes = Vec::new();
    for a in &old.program.flags {
        match new.program.flags.iter().find(|b| b.key == a.key) {
            None => changes.push(FlagChange {
                flag: a.key.clone(),
                change: "removed",
                clauses: Vec::new(),
                rules: Vec::new(),
                reordered: None,
                splits: Vec::new(),
            }),
            Some(b) => {
                let change = flag(old, a, new, b);
                if !(change.clauses.is_empty()
                    && change.rules.is_empty()
                    && change.reordered.is_none()
                    && change.splits.is_empty())
                {
                    changes.push(change);
                }
            }
        }
    }
    for b in new.program.flags.iter().filter(|b| !old.program.flags.iter().any(|a| a.key == b.key)) {
        changes.push(FlagChange {
            flag: b.key.clone(),
            change: "added",
            clauses: Vec::new(),
            rules: Vec::new(),
            reordered: None,
            splits: Vec::new(),
        });
    }
    changes
}

fn flag(old: Side<'_>, a: &FlagDef, new: Side<'_>, b: &FlagDef) -> FlagChange {
    let (po, pn) = (old.program, new.program);
    let mut clauses = Vec::new();
    let mut clause = |name: &str, x: String, y: String| {
        if x != y {
            clauses.push(Change { name: name.to_owned(), old: Some(x), new: Some(y) });
        }
    };
    clause("type", po.type_name(&a.ty), pn.type_name(&b.ty));
    clause("state", state(a), state(b));
    clause("default", po.const_text_typed(&a.default), pn.const_text_typed(&b.default));
    clause("off", po.const_text_typed(&a.off), pn.const_text_typed(&b.off));
    clause("on_error", po.const_text_typed(&a.on_error), pn.const_text_typed(&b.on_error));
    clause("requires", requires(po, a), requires(pn, b));
    clause(
        "kind",
        a.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        b.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
    );
    clause("owner", a.owner.clone().unwrap_or_default(), b.owner.clone().unwrap_or_default());
    clause(
        "expires",
        a.expires.map(|t| t.to_iso_string()).unwrap_or_default(),
        b.expires.map(|t| t.to_iso_string()).unwrap_or_default(),
    );
    clause("description", a.description.clone().unwrap_or_default(), b.description.clone().unwrap_or_default());

    let mut rules = Vec::new();
    let mut splits = Vec::new();
    for ra in &a.rules {
        let Some(rb) = b.rules.iter().find(|r| r.name == ra.name) else {
            rules.push(RuleChange {
                rule: ra.name.clone(),
                change: "removed",
                old: Some(rule_text(old, ra)),
                new: None,
            });
            continue;
        };
        if po.expr_text(&ra.when) != pn.expr_text(&rb.when) {
            rules.push(RuleChange {
                rule: ra.name.clone(),
                change: "condition",
                old: Some(written(old.source, &ra.when)),
                new: Some(written(new.source, &rb.when)),
            });
        }
        let (xa, xb) = (result_text(po, &ra.result), result_text(pn, &rb.result));
        if xa != xb {
            rules.push(RuleChange {
                rule: ra.name.clone(),
                change: "result",
                old: Some(xa.clone()),
                new: Some(xb.clone()),
            });
            if let (RuleResult::Split(sa), RuleResult::Split(sb)) = (&ra.result, &rb.result) {
                splits.push(split_change(&ra.name, (po, sa), (pn, sb), xa, xb));
            }
        }
    }
    for rb in b.rules.iter().filter(|r| !a.rules.iter().any(|ra| ra.name == r.name)) {
        rules.push(RuleChange { rule: rb.name.clone(), change: "added", old: None, new: Some(rule_text(new, rb)) });
    }
    let common_old: Vec<String> =
        a.rules.iter().filter(|r| b.rules.iter().any(|x| x.name == r.name)).map(|r| r.name.clone()).collect();
    let common_new: Vec<String> =
        b.rules.iter().filter(|r| a.rules.iter().any(|x| x.name == r.name)).map(|r| r.name.clone()).collect();
    let reordered = (common_old != common_new).then_some((common_old, common_new));
    FlagChange { flag: a.key.clone(), change: "changed", clauses, rules, reordered, splits }
}

fn state(flag: &FlagDef) -> String {
    if flag.enabled { "on" } else { "off" }.to_owned()
}

fn requires(program: &Program, flag: &FlagDef) -> String {
    let items: Vec<String> = flag
        .prerequisites
        .iter()
        .map(|p| {
            format!(
                "{} == {}",
                program.flags.get(p.flag as usize).map_or("?", |f| f.key.as_str()),
                program.const_text_typed(&p.value)
            )
        })
        .collect();
    items.join(", ")
}

fn rule_text(side: Side<'_>, rule: &RuleDef) -> String {
    format!("when {} => {}", written(side.source, &rule.when), result_text(side.program, &rule.result))
}

fn result_text(program: &Program, result: &RuleResult) -> String {
    match result {
        RuleResult::Value(v) => program.const_text_typed(v),
        RuleResult::Split(split) => {
            let entries: Vec<String> =
                split.entries.iter().map(|(v, w)| format!("{}: {w}", program.const_text_typed(v))).collect();
            let seed = if split.seed == 0 { String::new() } else { format!(" seed {}", split.seed) };
            let modulo = if split.modulo { " modulo" } else { "" };
            format!(
                "split by {} salt {:?}{seed}{modulo} {{ {} }}",
                program.expr_text(&split.by),
                split.salt,
                entries.join(", ")
            )
        }
    }
}

fn split_change(
    rule: &str,
    (po, a): (&Program, &SplitDef),
    (pn, b): (&Program, &SplitDef),
    old: String,
    new: String,
) -> SplitChange {
    let same_hash = po.expr_text(&a.by) == pn.expr_text(&b.by) && a.salt == b.salt && a.seed == b.seed;
    let same_buckets = a.modulo == b.modulo && (!a.modulo || a.total_weight() == b.total_weight());
    let rehashed = !(same_hash && same_buckets);
    let values = |p: &Program, s: &SplitDef| -> Vec<(String, u32)> {
        s.entries.iter().map(|(v, w)| (p.const_text_typed(v), *w)).collect()
    };
    let (va, vb) = (values(po, a), values(pn, b));
    if rehashed {
        let share = |entries: &[(String, u32)], value: &str| {
            let total: u64 = entries.iter().map(|(_, w)| u64::from(*w)).sum();
            let part: u64 = entries.iter().filter(|(v, _)| v == value).map(|(_, w)| u64::from(*w)).sum();
            if total == 0 { 0.0 } else { part as f64 / total as f64 }
        };
        let stay: f64 =
            va.iter().map(|(v, _)| v).collect::<BTreeSet<_>>().into_iter().map(|v| share(&va, v) * share(&vb, v)).sum();
        return SplitChange {
            rule: rule.to_owned(),
            old,
            new,
            rehashed,
            moved_hashes: None,
            moved_fraction: 1.0 - stay,
        };
    }
    let moved = if a.modulo { moved_hashes_modulo(&va, &vb) } else { moved_hashes(&va, &vb) };
    SplitChange {
        rule: rule.to_owned(),
        old,
        new,
        rehashed,
        moved_hashes: Some(moved),
        moved_fraction: moved as f64 / (1u64 << 32) as f64,
    }
}

/// The hash ranges each value owns: `(start, end, value)` covering [0, 2³²).
fn ranges(entries: &[(String, u32)]) -> Vec<(u64, u64, &str)> {
    let total: u64 = entries.iter().map(|(_, w)| u64::from(*w)).sum();
    let mut out = Vec::new();
    if total == 0 {
        return out;
    }
    // The first hash h with (h·T) >> 32 ≥ s is ⌈s·2³²/T⌉.
    let first_hash = |s: u64| (s << 32).div_ceil(total);
    let mut sum = 0;
    for (value, weight) in entries {
        let start = first_hash(sum);
        sum += u64::from(*weight);
        let end = first_hash(sum);
        if end > start {
            out.push((start, end, value.as_str()));
        }
    }
    out
}

/// How many of the 2³² hashes carry a different value under `b` than under `a`.
pub fn moved_hashes(a: &[(String, u32)], b: &[(String, u32)]) -> u64 {
    let (ra, rb) = (ranges(a), ranges(b));
    let (mut i, mut j, mut at, mut moved) = (0, 0, 0u64, 0u64);
    while i < ra.len() && j < rb.len() {
        let end = ra[i].1.min(rb[j].1);
        if ra[i].2 != rb[j].2 {
            moved += end - at;
        }
        at = end;
        if ra[i].1 == end {
            i += 1;
        }
        if rb[j].1 == end {
            j += 1;
        }
    }
    moved
}

/// [`moved_hashes`] for two `modulo` splits of one total `T`: bucket `k`
/// holds the hashes `h ≡ k (mod T)`, `q + 1` of them when `k < r` and `q`
/// otherwise (2³² = q·T + r); entry `i` owns the buckets `[s, s + wᵢ)`.
pub fn moved_hashes_modulo(a: &[(String, u32)], b: &[(String, u32)]) -> u64 {
    let total: u64 = a.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 || total != b.iter().map(|(_, w)| u64::from(*w)).sum::<u64>() {
        return 0;
    }
    let (q, r) = ((1u64 << 32) / total, (1u64 << 32) % total);
    // The hashes in buckets [x, y).
    let hashes = |x: u64, y: u64| (y - x) * q + y.min(r).saturating_sub(x.min(r));
    let buckets = |entries: &[(String, u32)]| {
        let mut sum = 0u64;
        let mut out = Vec::new();
        for (value, weight) in entries {
            let start = sum;
            sum += u64::from(*weight);
            if sum > start {
                out.push((start, sum, value.clone()));
            }
        }
        out
    };
    let (ra, rb) = (buckets(a), buckets(b));
    let (mut i, mut j, mut at, mut moved) = (0, 0, 0u64, 0u64);
    while i < ra.len() && j < rb.len() {
        let end = ra[i].1.min(rb[j].1);
        if ra[i].2 != rb[j].2 {
            moved += hashes(at, end);
        }
        at = end;
        if ra[i].1 == end {
            i += 1;
        }
        if rb[j].1 == end {
            j += 1;
        }
    }
    moved
}

fn pair(old: Option<&String>, new: Option<&String>) -> String {
    match (old, new) {
        (Some(a), Some(b)) => format!("{a}  →  {b}"),
        (Some(a), None) => format!("{a}  (removed)"),
        (None, Some(b)) => format!("{b}  (added)"),
        (None, None) => String::new(),
    }
}

impl Diff {
    /// The diff as `vexil diff` prints it (and the playground shows it):
    /// one line per change, indented under its flag.
    pub fn text(&self) -> String {
        let found = self;
        if found.is_empty() {
            return "no change in meaning\n".into();
        }
        let mut out = String::new();
        for change in &found.context {
            let breaks = if change.breaks_callers { "  [breaks callers]" } else { "" };
            let what = match (change.change.as_str(), &change.old, &change.new) {
                ("added", _, Some(new)) => format!("added ({new})"),
                ("removed", Some(old), _) => format!("removed (was {old})"),
                (change, old, new) => format!("{change}: {}", pair(old.as_ref(), new.as_ref())),
            };
            out += &format!("context {}: {what}{breaks}\n", change.path);
        }
        for change in &found.enums {
            out += &format!("enum {}: {}\n", change.name, pair(change.old.as_ref(), change.new.as_ref()));
        }
        for change in &found.segments {
            out += &format!("segment {}: {}\n", change.name, pair(change.old.as_ref(), change.new.as_ref()));
            if !change.reaches.is_empty() {
                out += &format!("    reaches flags: {}\n", change.reaches.join(", "));
            }
        }
        for flag in &found.flags {
            match flag.change {
                "added" | "removed" => {
                    out += &format!("flag {}: {}\n", flag.flag, flag.change);
                    continue;
                }
                _ => out += &format!("flag {}:\n", flag.flag),
            }
            for clause in &flag.clauses {
                out += &format!("    {}: {}\n", clause.name, pair(clause.old.as_ref(), clause.new.as_ref()));
            }
            if let Some((before, after)) = &flag.reordered {
                out += &format!("    rules reordered: {}  →  {}\n", before.join(", "), after.join(", "));
            }
            for rule in &flag.rules {
                let what = match (rule.change, &rule.old, &rule.new) {
                    ("added", _, Some(new)) => format!("added: {new}"),
                    ("removed", Some(old), _) => format!("removed: {old}"),
                    (change, old, new) => format!("{change}: {}", pair(old.as_ref(), new.as_ref())),
                };
                out += &format!("    rule {}: {what}\n", rule.rule);
            }
            for split in &flag.splits {
                let how = if split.rehashed {
                    format!(
                        "the unit, salt, seed or bucketing changed: every unit's bucket is drawn anew; about {:.2}% of units change value",
                        split.moved_fraction * 100.0
                    )
                } else {
                    format!(
                        "{:.4}% of units change value ({} of 2^32 hashes)",
                        split.moved_fraction * 100.0,
                        split.moved_hashes.unwrap_or_default()
                    )
                };
                out += &format!("    split of rule {}: {how}\n", split.rule);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(items: &[(&str, u32)]) -> Vec<(String, u32)> {
        items.iter().map(|(v, w)| ((*v).to_owned(), *w)).collect()
    }

    #[test]
    fn moved_hashes_under_modulo_count_each_buckets_hashes() {
        // T = 100: 2^32 = 42949672·100 + 96, so buckets 0..96 hold 42949673
        // hashes and buckets 96..100 hold 42949672 (worked out by hand).
        let entries = |list: &[(&str, u32)]| list.iter().map(|(v, w)| ((*v).to_owned(), *w)).collect::<Vec<_>>();
        // Rollout 30 → 40: buckets 30..40 move: 10 × 42949673.
        let moved =
            moved_hashes_modulo(&entries(&[("true", 30), ("false", 70)]), &entries(&[("true", 40), ("false", 60)]));
        assert_eq!(moved, 429_496_730);
        // 90 → 100: buckets 90..100: 6 × 42949673 + 4 × 42949672.
        let moved =
            moved_hashes_modulo(&entries(&[("true", 90), ("false", 10)]), &entries(&[("true", 100), ("false", 0)]));
        assert_eq!(moved, 6 * 42_949_673 + 4 * 42_949_672);
        // Every bucket swaps: all 2^32 hashes; a different total is not counted here.
        assert_eq!(moved_hashes_modulo(&entries(&[("a", 1), ("b", 1)]), &entries(&[("b", 1), ("a", 1)])), 1 << 32);
        assert_eq!(moved_hashes_modulo(&entries(&[("a", 1), ("b", 1)]), &entries(&[("a", 1), ("b", 2)])), 0);
    }

    #[test]
    fn moved_hashes_are_exact_on_hand_worked_splits() {
        const ALL: u64 = 1 << 32;
        // 50/50 → 60/40: the hashes of [50%, 60%) move: 0.1 × 2³², rounded up at both ends.
        // true owns [0, ⌈5000·2³²/10000⌉) = [0, 2³¹); then [0, ⌈6000·2³²/10000⌉).
        let moved =
            moved_hashes(&entries(&[("true", 5000), ("false", 5000)]), &entries(&[("true", 6000), ("false", 4000)]));
        assert_eq!(moved, (6000u64 << 32).div_ceil(10000) - (1 << 31));
        // The same weights: nothing moves; swapping the order moves everything.
        assert_eq!(moved_hashes(&entries(&[("a", 1), ("b", 1)]), &entries(&[("a", 1), ("b", 1)])), 0);
        assert_eq!(moved_hashes(&entries(&[("a", 1), ("b", 1)]), &entries(&[("b", 1), ("a", 1)])), ALL);
        // Scaling every weight keeps every bucket boundary: 1:1 and 50:50 are the same split.
        assert_eq!(moved_hashes(&entries(&[("a", 1), ("b", 1)]), &entries(&[("a", 50), ("b", 50)])), 0);
        // a 1/3 b 1/3 c 1/3 → a 1/2 b 1/2: b loses [1/3, 1/2) to a, c loses [2/3, 1) to b: 1/6 + 1/3 = 1/2 (± the ceilings).
        let moved = moved_hashes(&entries(&[("a", 1), ("b", 1), ("c", 1)]), &entries(&[("a", 1), ("b", 1)]));
        let third = (1u64 << 32).div_ceil(3);
        let two_thirds = (2u64 << 32).div_ceil(3);
        assert_eq!(moved, ((1u64 << 31) - third) + (ALL - two_thirds));
        // A zero-weight entry owns nothing.
        assert_eq!(moved_hashes(&entries(&[("a", 1), ("z", 0), ("b", 1)]), &entries(&[("a", 1), ("b", 1)])), 0);
    }
}
