//! What the editor asks about one document, answered from one check of its
//! text (`vexil_check::check_with_ast` with the index): diagnostics, hover,
//! definition, references, completion, rename, quick fixes, semantic tokens.
//! Nothing here resolves a name itself: the checker's index says what every
//! name refers to.

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CompletionItem, CompletionItemKind, Diagnostic as LspDiagnostic,
    DiagnosticSeverity, Hover, HoverContents, Location, MarkupContent, MarkupKind, NumberOrString, Position, Range,
    SemanticToken, TextEdit, Uri, WorkspaceEdit,
};
use vexil::{Severity, Span, Timestamp};
use vexil_check::index::{Index, Sym};
use vexil_syntax::ast::{self, ClauseKind, Item, TypeExpr};

use crate::text::Text;

/// Semantic token types, in the legend's order.
pub const TOKEN_TYPES: [&str; 5] = ["property", "function", "variable", "enum", "enumMember"];
/// Semantic token modifiers, in the legend's order.
pub const TOKEN_MODIFIERS: [&str; 1] = ["declaration"];

/// Clause keywords of a flag body, with what each says.
const CLAUSES: [(&str, &str); 10] = [
    ("description", "a sentence for people: `description \"…\"`"),
    ("kind", "release, experiment, ops, migration, policy or permission"),
    ("owner", "the team that owns the flag: `owner \"team-…\"`"),
    ("expires", "the date after which `vexil check` warns: `expires 2027-03-01`"),
    ("state", "`state on` (the default) or `state off` (the kill switch)"),
    ("off", "the value while `state off`"),
    ("default", "the value when no rule matches (required)"),
    ("on_error", "the value when evaluation fails"),
    ("requires", "a prerequisite: `requires other_flag == value`"),
    ("rule", "`rule name: when <condition> => <value or split>`"),
];

/// Built-in functions, with what each does (LANGUAGE.md §5).
const FUNCTIONS: [(&str, &str); 9] = [
    ("has", "has(path): whether an optional attribute is present and not null"),
    ("lower", "lower(s): the string in lower case"),
    ("upper", "upper(s): the string in upper case"),
    ("len", "len(s) or len(list): Unicode scalar values, or items"),
    ("float", "float(int): the int as a float"),
    ("semver", "semver(s): parse a SemVer at run time"),
    ("timestamp", "timestamp(s): parse an RFC 3339 instant at run time"),
    ("hours_since", "hours_since(ts): whole hours from ts to now"),
    ("days_since", "days_since(ts): whole days from ts to now"),
];

/// One checked version of a document.
pub struct Analysis {
    pub text: Text,
    pub diagnostics: Vec<vexil::Diagnostic>,
    pub index: Index,
    pub file: ast::File,
}

impl Analysis {
    pub fn new(text: Text, today: Option<Timestamp>) -> Analysis {
        let options = vexil::CheckOptions { today, index: true };
        let (checked, file) = vexil_check::check_with_ast(&text.text, &options);
        Analysis { text, diagnostics: checked.diagnostics, index: checked.index.unwrap_or_default(), file }
    }

    fn range(&self, span: Span) -> Range {
        self.text.range(span)
    }

    pub fn lsp_diagnostics(&self) -> Vec<LspDiagnostic> {
        self.diagnostics
            .iter()
            .map(|d| {
                let message = match &d.help {
                    Some(help) => format!("{}\nhelp: {help}", d.message),
                    None => d.message.clone(),
                };
                LspDiagnostic {
                    range: self.range(d.span),
                    severity: Some(match d.severity() {
                        Severity::Error => DiagnosticSeverity::ERROR,
                        Severity::Warning => DiagnosticSeverity::WARNING,
                    }),
                    code: Some(NumberOrString::String(d.code.as_str().to_owned())),
                    source: Some("vexil".to_owned()),
                    message,
                    ..LspDiagnostic::default()
                }
            })
            .collect()
    }

    // ------------------------------------------------------------------ hover

    pub fn hover(&self, position: Position) -> Option<Hover> {
        let offset = u32::try_from(self.text.offset(position)).ok()?;
        let (markdown, span) = if let Some((sym, span)) = self.index.symbol_at(offset) {
            (self.describe(sym), span)
        } else if let Some((markdown, span)) = self.operator_at(offset) {
            (markdown, span)
        } else {
            let (span, ty) = self.index.type_at(offset)?;
            (format!("`{}`: `{ty}`", self.snippet(span)), span)
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
            range: Some(self.range(span)),
        })
    }

    fn snippet(&self, span: Span) -> String {
        let text = self.text.text.get(span.start as usize..span.end as usize).unwrap_or("");
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match one_line.char_indices().nth(80) {
            Some((cut, _)) => format!("{}…", &one_line[..cut]),
            None => one_line,
        }
    }

    fn describe(&self, sym: &Sym) -> String {
        match sym {
            Sym::Attr(path) => {
                let declared = self.attr_decl(path).map(|a| {
                    let ty = self.source_of(a.ty.span());
                    if a.optional { format!("{ty}?") } else { ty }
                });
                match declared {
                    Some(ty) if ty.ends_with('?') => format!(
                        "**context attribute** `{path}`: `{ty}`\n\noptional: read it under `has({path})` or as `{path} ?? <default>`"
                    ),
                    Some(ty) => format!("**context attribute** `{path}`: `{ty}`"),
                    None => format!("**context attribute** `{path}`"),
                }
            }
            Sym::Segment(name) => {
                let expr = self.segment_decl(name).map(|s| self.snippet(s.expr.span)).unwrap_or_default();
                format!("**segment** `{name}` = `{expr}`")
            }
            Sym::Flag(name) => self.describe_flag(name),
            Sym::Enum(name) => {
                let members = self
                    .enum_decl(name)
                    .map(|e| e.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "));
                format!("**enum** `{name}` {{ {} }}", members.unwrap_or_default())
            }
            Sym::Member(enum_name, member) => format!("**member** `{member}` of enum `{enum_name}`"),
        }
    }

    fn describe_flag(&self, name: &str) -> String {
        let Some(flag) = self.flag_decl(name) else { return format!("**flag** `{name}`") };
        let mut facts = Vec::new();
        let mut description = None;
        for clause in &flag.clauses {
            match &clause.kind {
                ClauseKind::Description(text) => description = Some(text.value.clone()),
                ClauseKind::Kind(kind) => facts.push(format!("kind {}", kind.name)),
                ClauseKind::Owner(owner) => facts.push(format!("owner `{}`", owner.value)),
                ClauseKind::Expires { text, .. } => facts.push(format!("expires {text}")),
                ClauseKind::State(state) => facts.push(format!("state {}", state.name)),
                ClauseKind::Default(value) => facts.push(format!("default `{}`", self.source_of(value.span()))),
                _ => {}
            }
        }
        let rules = flag.clauses.iter().filter(|c| matches!(c.kind, ClauseKind::Rule(_))).count();
        facts.push(format!("{rules} rule(s)"));
        let mut out = format!("**flag** `{name}`: `{}` — {}", self.source_of(flag.ty.span()), facts.join(" · "));
        if let Some(description) = description {
            out.push_str("\n\n");
            out.push_str(&description);
        }
        out
    }

    /// An operator under the cursor: what it does, and the type of what it forms.
    fn operator_at(&self, offset: u32) -> Option<(String, Span)> {
        let text = &self.text.text;
        let at = offset as usize;
        let at = at.min(text.len());
        if !text.is_char_boundary(at) {
            return None;
        }
        let start = after_last(&text[..at], |c| c.is_whitespace() || c == '(' || c == ')' || c == '"');
        let end = text[at..]
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"')
            .map_or(text.len(), |i| at + i);
        let word = text.get(start..end)?;
        let info = vexil_syntax::operators::OPERATORS.iter().find(|o| o.symbol == word)?;
        let span = Span::new(start, end);
        let around = self
            .index
            .types
            .iter()
            .filter(|(s, _)| s.start <= span.start && span.end <= s.end)
            .min_by_key(|(s, _)| s.end - s.start)
            .map(|(s, ty)| format!("\n\n`{}`: `{ty}`", self.snippet(*s)))
            .unwrap_or_default();
        Some((format!("**`{}`** — {}{around}", info.symbol, info.meaning), span))
    }

    fn source_of(&self, span: Span) -> String {
        self.text.text.get(span.start as usize..span.end as usize).unwrap_or("").to_owned()
    }

    fn flag_decl(&self, name: &str) -> Option<&ast::FlagDecl> {
        self.file.items.iter().find_map(|i| match i {
            Item::Flag(f) if f.name.name == name => Some(f),
            _ => None,
        })
    }

    fn segment_decl(&self, name: &str) -> Option<&ast::SegmentDecl> {
        self.file.items.iter().find_map(|i| match i {
            Item::Segment(s) if s.name.name == name => Some(s),
            _ => None,
        })
    }

    fn enum_decl(&self, name: &str) -> Option<&ast::EnumDecl> {
        self.file.items.iter().find_map(|i| match i {
            Item::Enum(e) if e.name.name == name => Some(e),
            _ => None,
        })
    }

    fn attr_decl(&self, path: &str) -> Option<&ast::AttrDecl> {
        self.attrs().find(|a| a.path.dotted() == path)
    }

    fn attrs(&self) -> impl Iterator<Item = &ast::AttrDecl> {
        self.file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Context(c) => Some(c.attrs.iter()),
                _ => None,
            })
            .flatten()
    }

    // ------------------------------------------------------------------ navigation

    pub fn definition(&self, uri: &Uri, position: Position) -> Option<Location> {
        let offset = u32::try_from(self.text.offset(position)).ok()?;
        let (sym, _) = self.index.symbol_at(offset)?;
        let span = self.index.declaration(sym)?;
        Some(Location { uri: uri.clone(), range: self.range(span) })
    }

    pub fn references(&self, uri: &Uri, position: Position, include_declaration: bool) -> Vec<Location> {
        let Some(offset) = u32::try_from(self.text.offset(position)).ok() else { return Vec::new() };
        let Some((sym, _)) = self.index.symbol_at(offset) else { return Vec::new() };
        let declaration = if include_declaration { self.index.declaration(sym) } else { None };
        let mut spans: Vec<Span> = declaration.into_iter().chain(self.index.references_to(sym)).collect();
        spans.sort();
        spans.dedup();
        spans.into_iter().map(|span| Location { uri: uri.clone(), range: self.range(span) }).collect()
    }

    // ------------------------------------------------------------------ rename

    /// The range of the name that would be renamed at `position`.
    pub fn prepare_rename(&self, position: Position) -> Option<Range> {
        let offset = u32::try_from(self.text.offset(position)).ok()?;
        self.index.symbol_at(offset).map(|(_, span)| self.range(span))
    }

    // `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types' choice), whose parse cache clippy flags.
    #[allow(clippy::mutable_key_type)]
    pub fn rename(&self, uri: &Uri, position: Position, new_name: &str) -> Result<Option<WorkspaceEdit>, String> {
        let Some(offset) = u32::try_from(self.text.offset(position)).ok() else { return Ok(None) };
        let Some((sym, _)) = self.index.symbol_at(offset) else { return Ok(None) };
        let valid = match sym {
            Sym::Attr(_) => new_name.split('.').enumerate().all(|(i, part)| is_identifier(part, i == 0)),
            _ => is_identifier(new_name, true),
        };
        if !valid {
            return Err(format!("`{new_name}` is not a valid name here"));
        }
        // A split without `salt` hashes the flag's key: renaming it would move every unit.
        if let Sym::Flag(key) = sym
            && self.flag_decl(key).is_some_and(|f| {
                f.clauses.iter().any(|c| matches!(&c.kind, ClauseKind::Rule(rule) if matches!(&rule.result, ast::RuleResult::Split(split) if split.salt.is_none())))
            })
        {
            return Err(format!(
                "renaming `{key}` would move every unit of its splits, which hash the flag's key: add `salt \"{key}\"` to them first"
            ));
        }
        let spans: Vec<Span> = self.index.declaration(sym).into_iter().chain(self.index.references_to(sym)).collect();
        let edits: Vec<TextEdit> =
            spans.into_iter().map(|span| TextEdit { range: self.range(span), new_text: new_name.to_owned() }).collect();
        let mut changes = std::collections::HashMap::new();
        changes.insert(uri.clone(), edits);
        Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
    }

    // ------------------------------------------------------------------ quick fixes

    /// "Did you mean `x`?" fixes for the diagnostics that touch `range`.
    #[allow(clippy::mutable_key_type)]
    pub fn code_actions(&self, uri: &Uri, range: Range) -> Vec<CodeActionOrCommand> {
        let start = self.text.offset(range.start) as u32;
        let end = self.text.offset(range.end) as u32;
        let mut actions = Vec::new();
        for diagnostic in &self.diagnostics {
            if diagnostic.span.end < start || diagnostic.span.start > end {
                continue;
            }
            let Some(suggestion) = diagnostic.help.as_deref().and_then(did_you_mean) else { continue };
            let edit = TextEdit { range: self.range(diagnostic.span), new_text: suggestion.to_owned() };
            let mut changes = std::collections::HashMap::new();
            changes.insert(uri.clone(), vec![edit]);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{suggestion}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(
                    self.lsp_diagnostics().into_iter().filter(|d| d.range == self.range(diagnostic.span)).collect(),
                ),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        actions
    }

    // ------------------------------------------------------------------ semantic tokens

    pub fn semantic_tokens(&self) -> Vec<SemanticToken> {
        let mut names: Vec<(Span, u32, u32)> = Vec::new();
        let kind = |sym: &Sym| match sym {
            Sym::Attr(_) => 0,
            Sym::Segment(_) => 1,
            Sym::Flag(_) => 2,
            Sym::Enum(_) => 3,
            Sym::Member(..) => 4,
        };
        names.extend(self.index.declarations.iter().map(|(sym, span)| (*span, kind(sym), 1)));
        names.extend(self.index.references.iter().map(|(sym, span)| (*span, kind(sym), 0)));
        names.sort_by_key(|(span, _, _)| (span.start, span.end));
        names.dedup_by_key(|(span, _, _)| span.start);
        let mut tokens = Vec::with_capacity(names.len());
        let (mut line, mut character) = (0u32, 0u32);
        for (span, token_type, modifiers) in names {
            let start = self.text.position(span.start as usize);
            let end = self.text.position(span.end as usize);
            if end.line != start.line {
                continue;
            }
            let delta_line = start.line - line;
            let delta_start = if delta_line == 0 { start.character - character } else { start.character };
            tokens.push(SemanticToken {
                delta_line,
                delta_start,
                length: end.character - start.character,
                token_type,
                token_modifiers_bitset: modifiers,
            });
            (line, character) = (start.line, start.character);
        }
        tokens
    }

    // ------------------------------------------------------------------ completion

    pub fn completion(&self, position: Position) -> Vec<CompletionItem> {
        let offset = self.text.offset(position);
        let line_start = self.text.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.text.text[line_start..offset];
        let word_start = after_last(before, |c| !(c.is_ascii_alphanumeric() || c == '_'));
        let prefix = &before[..word_start];
        let flag = self.flag_at(offset as u32);
        let in_flag = flag.is_some() || self.in_flag_body(offset);

        // `user.` → the attributes under `user`; `Plan.` → its members.
        if let Some(path) = prefix.strip_suffix('.').map(trailing_path).filter(|p| !p.is_empty()) {
            if let Some(e) = self.enum_decl(path) {
                return e
                    .members
                    .iter()
                    .map(|m| item(&m.name, CompletionItemKind::ENUM_MEMBER, &format!("member of {path}")))
                    .collect();
            }
            let wanted = format!("{path}.");
            let mut seen = std::collections::BTreeSet::new();
            return self
                .attrs()
                .filter_map(|a| {
                    let dotted = a.path.dotted();
                    let rest = dotted.strip_prefix(&wanted)?;
                    let next = rest.split('.').next()?.to_owned();
                    let is_leaf = !rest.contains('.');
                    seen.insert(next.clone()).then(|| {
                        let detail = if is_leaf {
                            self.source_of(a.ty.span()) + if a.optional { "?" } else { "" }
                        } else {
                            "object".into()
                        };
                        item(&next, CompletionItemKind::FIELD, &detail)
                    })
                })
                .collect();
        }
        // `requires ` → flags.
        if prefix.trim_end().ends_with("requires") && prefix.trim_start().starts_with("requires") {
            return self
                .flags()
                .filter(|f| Some(f.name.name.as_str()) != flag.map(|g| g.name.name.as_str()))
                .map(|f| item(&f.name.name, CompletionItemKind::MODULE, "flag"))
                .collect();
        }
        if in_flag {
            // A line that continues an expression (`when a and` above it) does not start a clause.
            let previous = self.text.text[..line_start].trim_end();
            let continues =
                ["and", "or", "not", "when", "=>", "(", "[", ",", "=", "+", "-", "*", "/", "%", "<", ">", "??"]
                    .iter()
                    .any(|end| previous.ends_with(end));
            let clause_start = prefix.trim().is_empty() && !continues;
            let enum_members = flag.and_then(|f| self.flag_enum(f)).map(|e| {
                e.members
                    .iter()
                    .map(|m| item(&m.name, CompletionItemKind::ENUM_MEMBER, &format!("member of {}", e.name.name)))
                    .collect::<Vec<_>>()
            });
            let trimmed = prefix.trim_end();
            let value_position = ["default", "off", "on_error", "=>"].iter().any(|k| trimmed.ends_with(k))
                || (trimmed.ends_with('{') || trimmed.ends_with(',')) && trimmed.contains("split");
            if value_position && let Some(members) = enum_members {
                return members;
            }
            if trimmed.ends_with("kind") {
                return vexil_check::ir::FlagKind::ALL
                    .iter()
                    .map(|k| item(k.as_str(), CompletionItemKind::KEYWORD, "kind"))
                    .collect();
            }
            if trimmed.ends_with("state") {
                return ["on", "off"].iter().map(|s| item(s, CompletionItemKind::KEYWORD, "state")).collect();
            }
            if clause_start {
                return CLAUSES.iter().map(|(k, doc)| item(k, CompletionItemKind::KEYWORD, doc)).collect();
            }
        }
        // Where an enum attribute is compared: its members.
        let compared = trailing_path(
            prefix
                .trim_end()
                .trim_end_matches(['=', '!', '[', ' ', ','])
                .trim_end_matches(" in")
                .trim_end_matches(" not in"),
        );
        let comparing =
            prefix.trim_end().ends_with("==") || prefix.trim_end().ends_with("!=") || prefix.contains(" in [");
        if comparing
            && !compared.is_empty()
            && let Some(e) = self.attr_decl(compared).and_then(|a| match &a.ty {
                TypeExpr::Named(name) => self.enum_decl(&name.name),
                TypeExpr::List(..) => None,
            })
        {
            return e
                .members
                .iter()
                .map(|m| item(&m.name, CompletionItemKind::ENUM_MEMBER, &format!("member of {}", e.name.name)))
                .collect();
        }
        // Anywhere else in an expression: attributes, segments, functions, literals.
        let mut items: Vec<CompletionItem> = self
            .attrs()
            .map(|a| {
                item(
                    &a.path.dotted(),
                    CompletionItemKind::FIELD,
                    &(self.source_of(a.ty.span()) + if a.optional { "?" } else { "" }),
                )
            })
            .collect();
        items.extend(self.file.items.iter().filter_map(|i| match i {
            Item::Segment(s) => Some(item(
                &s.name.name,
                CompletionItemKind::FUNCTION,
                &format!("segment = {}", self.snippet(s.expr.span)),
            )),
            _ => None,
        }));
        items.extend(FUNCTIONS.iter().map(|(name, doc)| item(name, CompletionItemKind::FUNCTION, doc)));
        items.extend(
            ["now", "true", "false", "and", "or", "not", "in"].iter().map(|k| item(k, CompletionItemKind::KEYWORD, "")),
        );
        items
    }

    fn flags(&self) -> impl Iterator<Item = &ast::FlagDecl> {
        self.file.items.iter().filter_map(|i| match i {
            Item::Flag(f) => Some(f),
            _ => None,
        })
    }

    /// The flag whose body holds `offset` (after its `{`).
    fn flag_at(&self, offset: u32) -> Option<&ast::FlagDecl> {
        self.flags().find(|f| f.ty.span().end < offset && offset <= f.span.end)
    }

    /// Whether `offset` is inside a flag's braces, judged from the text (a
    /// flag being typed does not parse, so the syntax tree does not have it).
    fn in_flag_body(&self, offset: usize) -> bool {
        let text = &self.text.text[..offset.min(self.text.text.len())];
        let Some(start) = text.rfind("\nflag ").map(|i| i + 1).or_else(|| text.starts_with("flag ").then_some(0))
        else {
            return false;
        };
        let body = &text[start..];
        // Another item after it: the cursor is not in that flag.
        if ["\ncontext", "\nenum ", "\nsegment ", "\nflag "].iter().any(|item| body[1..].contains(item)) {
            return false;
        }
        let open = body.matches('{').count();
        let close = body.matches('}').count();
        open > close
    }

    /// The enum a flag's values are members of.
    fn flag_enum(&self, flag: &ast::FlagDecl) -> Option<&ast::EnumDecl> {
        match &flag.ty {
            TypeExpr::Named(name) => self.enum_decl(&name.name),
            TypeExpr::List(..) => None,
        }
    }
}

/// The path (identifiers and dots) at the end of `text`.
fn trailing_path(text: &str) -> &str {
    &text[after_last(text, |c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))..]
}

/// The byte offset just after the last character of `text` that matches
/// (0 when none does): always a character boundary.
fn after_last(text: &str, matches: impl Fn(char) -> bool) -> usize {
    text.char_indices().rev().find(|&(_, c)| matches(c)).map_or(0, |(i, c)| i + c.len_utf8())
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_owned()),
        ..CompletionItem::default()
    }
}

/// The suggestion of a "did you mean `x`?" help.
fn did_you_mean(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    rest.split("`?").next().filter(|s| !s.is_empty())
}

use vexil_syntax::RESERVED_WORDS as RESERVED;

/// A Vexil identifier (`first`: not a reserved word, which only a path's later parts may be).
fn is_identifier(text: &str, first: bool) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !(first && RESERVED.contains(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_from_help() {
        assert_eq!(did_you_mean("did you mean `user.country`?"), Some("user.country"));
        assert_eq!(did_you_mean("declare it in the context block"), None);
        assert!(is_identifier("user", true) && !is_identifier("when", true) && is_identifier("when", false));
    }
}
