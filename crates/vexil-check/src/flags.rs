//! Flags: clauses, values of the flag's type, prerequisites, rules, splits,
//! and the per-flag lints of §8.

use std::collections::HashMap;

use vexil_syntax::ast::{self, ClauseKind, Value, Weight};
use vexil_syntax::suggest::closest;
use vexil_syntax::{Code, Diagnostic, Span, limits};
use vexil_value::Timestamp;

use crate::expr::{ExprChecker, Facts};
use crate::fold::always_true;
use crate::ir::{self, Const, FlagDef, FlagId, FlagKind, Prerequisite, RuleDef, SplitDef, Ty};
use crate::scope::{Scope, Symbol};

pub struct FlagChecker<'s, 'a> {
    pub exprs: ExprChecker<'s, 'a>,
    /// Each flag's type, resolved before any flag body is checked.
    pub flag_types: &'s [Option<Ty>],
    pub today: Option<Timestamp>,
}

impl FlagChecker<'_, '_> {
    fn report(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.exprs.diagnostics.push(Diagnostic::new(code, span, message));
        let last = self.exprs.diagnostics.len() - 1;
        &mut self.exprs.diagnostics[last]
    }

    fn scope(&self) -> &Scope<'_> {
        self.exprs.scope
    }

    /// Checks one flag. Returns it (with its prerequisite edges) only when it
    /// is complete enough to lower; diagnostics are reported either way.
    pub fn flag(&mut self, decl: &ast::FlagDecl, ty: Option<&Ty>) -> Option<FlagDef> {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut description = None;
        let mut kind = None;
        let mut owner = None;
        let mut expires = None;
        let mut enabled = true;
        let (mut off, mut default, mut on_error) = (None, None, None);
        let mut prerequisites = Vec::new();
        let mut rules = Vec::new();
        let mut rule_names: HashMap<String, Span> = HashMap::new();
        let mut rule_count = 0usize;
        let mut complete = ty.is_some();
        let mut decided_by: Option<String> = None;

        for clause in &decl.clauses {
            let keyword = clause.kind.keyword();
            if !matches!(clause.kind, ClauseKind::Requires { .. } | ClauseKind::Rule(_)) {
                if let Some(first) = seen.get(keyword) {
                    let _ = first;
                    self.report(
                        Code::DuplicateClause,
                        clause.keyword,
                        format!("`{keyword}` appears twice in flag `{}`", decl.name.name),
                    )
                    .help = Some(format!(
                        "each clause except `requires` and `rule` appears at most once; remove one `{keyword}`"
                    ));
                    continue;
                }
                seen.insert(keyword, clause.keyword);
            }
            match &clause.kind {
                ClauseKind::Description(text) => description = Some(text.value.clone()),
                ClauseKind::Owner(text) => owner = Some(text.value.clone()),
                ClauseKind::Kind(word) => {
                    kind = FlagKind::ALL.iter().copied().find(|k| k.as_str() == word.name);
                    if kind.is_none() {
                        let names: Vec<&str> = FlagKind::ALL.iter().map(|k| k.as_str()).collect();
                        let help = match closest(&word.name, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("kinds are: {}", names.join(", ")),
                        };
                        self.report(
                            Code::InvalidClauseValue,
                            word.span,
                            format!("unknown flag kind `{}`", word.name),
                        )
                        .help = Some(help);
                    }
                }
                ClauseKind::State(word) => match word.name.as_str() {
                    "on" => enabled = true,
                    "off" => enabled = false,
                    other => {
                        self.report(
                            Code::InvalidClauseValue,
                            word.span,
                            format!("`state` is `on` or `off`, not `{other}`"),
                        );
                    }
                },
                ClauseKind::Expires { text, span } => match Timestamp::parse_date(text) {
                    Ok(date) => {
                        expires = Some(date);
                        if let Some(today) = self.today
                            && today > date
                        {
                            self.report(
                                Code::Expired,
                                clause.span,
                                format!("flag `{}` expired on {text}", decl.name.name),
                            )
                            .help = Some("remove the flag (and its uses), or move `expires` to a later date".into());
                        }
                    }
                    Err(e) => {
                        self.report(Code::InvalidDate, *span, e.to_string());
                    }
                },
                ClauseKind::Off(v) => off = self.value(v, ty),
                ClauseKind::Default(v) => {
                    default = self.value(v, ty);
                    complete &= default.is_some();
                }
                ClauseKind::OnError(v) => on_error = self.value(v, ty),
                ClauseKind::Requires { flag, value } => {
                    let checked = self.prerequisite(flag, value);
                    complete &= checked.is_some();
                    prerequisites.extend(checked);
                }
                ClauseKind::Rule(rule) => {
                    // The rule's place among the flag's rules, counted whether
                    // or not the ones before it checked (it names unnamed rules).
                    let index = rule_count;
                    rule_count += 1;
                    if index == limits::MAX_RULES_PER_FLAG {
                        self.report(
                            Code::TooMany,
                            rule.span,
                            format!("more than {} rules in one flag", limits::MAX_RULES_PER_FLAG),
                        );
                    }
                    let name = rule.name.as_ref().map_or_else(|| index.to_string(), |n| n.name.clone());
                    let name_span = rule.name.as_ref().map_or(rule.span, |n| n.span);
                    if rule_names.insert(name.clone(), name_span).is_some() {
                        self.report(
                            Code::DuplicateRule,
                            name_span,
                            format!("flag `{}` has two rules named `{name}`", decl.name.name),
                        )
                        .help = Some("rule names identify the rule in decisions; make them unique".into());
                    }
                    if let Some(earlier) = &decided_by {
                        self.report(Code::UnreachableRule, rule.span, format!("rule `{name}` can never match")).help =
                            Some(format!("rule `{earlier}` before it always matches"));
                    }
                    let (checked, always) = self.rule(decl, rule, name.clone(), ty);
                    if always && decided_by.is_none() {
                        decided_by = Some(name);
                    }
                    complete &= checked.is_some();
                    rules.extend(checked);
                }
            }
        }
        if !seen.contains_key("default") {
            self.report(Code::MissingDefault, decl.name.span, format!("flag `{}` has no `default`", decl.name.name))
                .help = Some("every flag needs a default value: `default <value>`".into());
            complete = false;
        }
        if !seen.contains_key("owner") {
            self.report(Code::NoOwner, decl.name.span, format!("flag `{}` has no owner", decl.name.name)).help =
                Some("say who to ask about it: `owner \"team-name\"`".into());
        }
        let (Some(ty), Some(default), true) = (ty, default, complete) else {
            return None;
        };
        Some(FlagDef {
            key: decl.name.name.clone(),
            ty: ty.clone(),
            description,
            kind,
            owner,
            expires,
            enabled,
            off: off.unwrap_or_else(|| default.clone()),
            on_error: on_error.unwrap_or_else(|| default.clone()),
            default,
            prerequisites,
            rules,
            span: decl.span,
        })
    }

    fn prerequisite(&mut self, flag: &ast::Ident, value: &Value) -> Option<Prerequisite> {
        let target = match self.scope().symbols.get(flag.name.as_str()) {
            Some((Symbol::Flag(id), _)) => {
                let id = *id;
                self.exprs.note(|| crate::index::Sym::Flag(flag.name.clone()), flag.span);
                Some(id)
            }
            Some((other, _)) => {
                let what = other.describe();
                self.report(Code::UnknownFlag, flag.span, format!("`{}` is {what}, not a flag", flag.name));
                None
            }
            None => {
                if !self.scope().is_broken(&flag.name) {
                    let flags: Vec<&str> = self.scope().flags.iter().map(|f| f.name.name.as_str()).collect();
                    let help = closest(&flag.name, flags.iter().copied()).map(|s| format!("did you mean `{s}`?"));
                    self.report(Code::UnknownFlag, flag.span, format!("unknown flag `{}`", flag.name)).help = help;
                }
                None
            }
        }?;
        let ty = self.flag_types.get(target as usize).cloned().flatten()?;
        let value = self.value(value, Some(&ty))?;
        Some(Prerequisite { flag: target as FlagId, value, span: flag.span.to(flag.span) })
    }

    /// The checked rule, and whether its condition always holds.
    fn rule(
        &mut self,
        decl: &ast::FlagDecl,
        rule: &ast::Rule,
        name: String,
        ty: Option<&Ty>,
    ) -> (Option<RuleDef>, bool) {
        let when = self.exprs.condition(&rule.when, &Facts::new());
        self.exprs.record_types(&when.expr);
        let always = always_true(&when.expr);
        let result = match &rule.result {
            ast::RuleResult::Value(v) => self.value(v, ty).map(ir::RuleResult::Value),
            ast::RuleResult::Split(split) => self.split(decl, split, &when.if_true, ty).map(ir::RuleResult::Split),
        };
        if when.expr.ty != Ty::Bool {
            return (None, always);
        }
        (result.map(|result| RuleDef { name, when: when.expr, result, span: rule.span }), always)
    }

    fn split(&mut self, decl: &ast::FlagDecl, split: &ast::Split, known: &Facts, ty: Option<&Ty>) -> Option<SplitDef> {
        let by = self.exprs.split_unit(&split.by, known);
        self.exprs.record_types(&by);
        let mut ok = !by.ty.is_error() && matches!(by.ty, Ty::String | Ty::Int);
        let mut entries: Vec<(Const, u32)> = Vec::with_capacity(split.entries.len());
        let mut percent = None;
        let mut mixed = false;
        let mut total: u64 = 0;
        if split.entries.iter().any(|e| matches!(e.weight, Weight::Invalid { .. })) {
            return None;
        }
        for entry in &split.entries {
            let is_percent = matches!(entry.weight, Weight::Percent { .. });
            match percent {
                None => percent = Some(is_percent),
                Some(p) if p != is_percent && !mixed => {
                    mixed = true;
                    self.report(
                        Code::MixedWeights,
                        entry.weight.span(),
                        "a split mixes percentages and integer weights",
                    )
                    .help = Some("use percentages everywhere (summing to 100%) or integer weights everywhere".into());
                }
                _ => {}
            }
            let weight = match entry.weight {
                Weight::Percent { basis_points, .. } => u64::from(basis_points),
                Weight::Relative { weight, .. } => weight,
                Weight::Invalid { .. } => 0,
            };
            total = total.saturating_add(weight);
            if weight == 0 {
                self.report(Code::ZeroWeight, entry.span, "this split entry has weight 0 and is never chosen");
            }
            let value = self.value(&entry.value, ty);
            if let Some(value) = value {
                if entries.iter().any(|(v, _)| v.is_same_flag_value(&value)) {
                    self.report(
                        Code::DuplicateSplitValue,
                        entry.value.span(),
                        "this value already appears in the split",
                    )
                    .help = Some("give each value one entry and add the weights together".into());
                    ok = false;
                }
                entries.push((value, u32::try_from(weight).unwrap_or(u32::MAX)));
            } else {
                ok = false;
            }
        }
        if split.entries.is_empty() {
            self.report(Code::WeightSum, split.span, "a split needs at least one entry");
            return None;
        }
        if mixed {
            return None;
        }
        if percent == Some(true) && total != 10_000 {
            let sum = format!("{}.{:02}", total / 100, total % 100);
            let sum = sum.trim_end_matches('0').trim_end_matches('.');
            self.report(Code::PercentSum, split.span, format!("split percentages sum to {sum}%, not 100%")).help =
                Some("adjust the weights so they add up to exactly 100%".into());
            return None;
        }
        if percent == Some(false) && (total == 0 || total > i32::MAX as u64) {
            self.report(Code::WeightSum, split.span, format!("split weights sum to {total}")).help =
                Some("integer weights must sum to more than 0 and at most 2147483647".into());
            return None;
        }
        let salt = split.salt.as_ref().map_or_else(|| decl.name.name.clone(), |s| s.value.clone());
        let seed = split.seed.map_or(0, |(seed, _)| seed);
        ok.then_some(SplitDef { by, salt, seed, modulo: split.modulo.is_some(), entries, span: split.span })
    }

    /// A literal of type `ty` (§6: every flag value is a literal of the flag's type).
    pub fn value(&mut self, value: &Value, ty: Option<&Ty>) -> Option<Const> {
        let ty = ty?;
        let mismatch = |this: &mut Self, help: Option<String>| {
            let want = this.scope().type_name(ty);
            this.report(Code::WrongValueType, value.span(), format!("expected a value of type `{want}`")).help = help;
            None
        };
        match (value, ty) {
            (Value::Bool(b, _), Ty::Bool) => Some(Const::Bool(*b)),
            (Value::Int(i, _), Ty::Int) => Some(Const::Int(*i)),
            (Value::Float(f, _), Ty::Float) => Some(Const::Float(*f)),
            (Value::Int(i, _), Ty::Float) => {
                mismatch(self, Some(format!("an int literal is not a float: write `{i}.0`")))
            }
            (Value::String(s), Ty::String) => Some(Const::String(s.value.clone())),
            (Value::Name(path), Ty::Enum(e)) => {
                let e = *e;
                let enum_name = self.scope().type_name(ty);
                let member = match path.segments.as_slice() {
                    [m] => Some(m),
                    [q, m] if q.name == enum_name => Some(m),
                    _ => None,
                };
                match member.and_then(|m| self.scope().member(e, &m.name)) {
                    Some(m) => {
                        if let [q, member] = path.segments.as_slice() {
                            self.exprs.note(|| crate::index::Sym::Enum(enum_name.clone()), q.span);
                            self.exprs.note(
                                || crate::index::Sym::Member(enum_name.clone(), member.name.clone()),
                                member.span,
                            );
                        } else {
                            self.exprs.note(|| crate::index::Sym::Member(enum_name.clone(), path.dotted()), path.span);
                        }
                        Some(Const::Enum(e, m))
                    }
                    None => {
                        let written = path.dotted();
                        let last = path.segments.last().map_or("", |s| s.name.as_str());
                        let help = match closest(last, self.scope().member_names(e)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "members of `{enum_name}` are: {}",
                                self.scope().member_names(e).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        self.report(
                            Code::UnknownMember,
                            path.span,
                            format!("`{written}` is not a member of enum `{enum_name}`"),
                        )
                        .help = Some(help);
                        None
                    }
                }
            }
            (Value::String(s), Ty::Enum(e)) if self.scope().member(*e, &s.value).is_some() => {
                mismatch(self, Some(format!("write the member without quotes: `{}`", s.value)))
            }
            (Value::Name(path), Ty::Bool) => {
                let help = match closest(&path.dotted(), ["true", "false"]) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "bool values are `true` and `false`".into(),
                };
                mismatch(self, Some(help))
            }
            (Value::Float(f, _), Ty::Int) => {
                let help = if f.fract() == 0.0 {
                    format!("write `{f}` without the fraction")
                } else {
                    "int values are whole numbers".into()
                };
                mismatch(self, Some(help))
            }
            _ => mismatch(self, None),
        }
    }
}
