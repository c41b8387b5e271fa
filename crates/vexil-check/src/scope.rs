//! The first pass: collect every declaration into one namespace (segments,
//! enums, flags and context roots), the context schema and the enums, and
//! resolve type expressions.

use std::collections::HashMap;

use vexil_syntax::ast::{self, Item, TypeExpr};
use vexil_syntax::suggest::closest;
use vexil_syntax::{Code, Diagnostic, Span};

use crate::ir::{AttrDef, AttrId, EnumDef, EnumId, FlagId, SegmentId, Ty};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    Segment(SegmentId),
    Enum(EnumId),
    Flag(FlagId),
    /// The first component of one or more context paths.
    ContextRoot,
}

impl Symbol {
    pub fn describe(self) -> &'static str {
        match self {
            Symbol::Segment(_) => "a segment",
            Symbol::Enum(_) => "an enum",
            Symbol::Flag(_) => "a flag",
            Symbol::ContextRoot => "a context attribute",
        }
    }
}

pub const TYPE_NAMES: [&str; 7] = ["bool", "int", "float", "string", "semver", "timestamp", "ip"];

#[derive(Debug, Default)]
pub struct Scope<'a> {
    pub symbols: HashMap<&'a str, (Symbol, Span)>,
    pub enums: Vec<EnumDef>,
    pub enum_members: Vec<HashMap<&'a str, u32>>,
    pub attrs: Vec<AttrDef>,
    pub attr_spans: Vec<Span>,
    pub attr_by_path: HashMap<String, AttrId>,
    pub segments: Vec<&'a ast::SegmentDecl>,
    pub flags: Vec<&'a ast::FlagDecl>,
    /// Names of items that failed to parse: references to them stay quiet.
    pub broken: Vec<&'a str>,
    pub has_context: bool,
    /// Context roots already reported as clashing, so each is reported once.
    clashing_roots: Vec<&'a str>,
}

impl<'a> Scope<'a> {
    pub fn collect(file: &'a ast::File, diagnostics: &mut Vec<Diagnostic>) -> Scope<'a> {
        let mut scope = Scope { broken: file.broken_names.iter().map(String::as_str).collect(), ..Scope::default() };
        let mut context_span: Option<Span> = None;
        for item in &file.items {
            match item {
                Item::Enum(decl) => {
                    let id = index(scope.enums.len());
                    scope.declare(&decl.name, Symbol::Enum(id), diagnostics);
                    let mut members = HashMap::new();
                    for member in &decl.members {
                        let slot = index(members.len());
                        if members.insert(member.name.as_str(), slot).is_some() {
                            diagnostics.push(Diagnostic::new(
                                Code::DuplicateMember,
                                member.span,
                                format!("enum `{}` lists `{}` twice", decl.name.name, member.name),
                            ));
                        }
                    }
                    let mut names: Vec<(&str, u32)> = members.iter().map(|(k, v)| (*k, *v)).collect();
                    names.sort_by_key(|(_, v)| *v);
                    scope.enums.push(EnumDef {
                        name: decl.name.name.clone(),
                        members: names.into_iter().map(|(k, _)| k.to_owned()).collect(),
                    });
                    scope.enum_members.push(members);
                }
                Item::Segment(decl) => {
                    let id = index(scope.segments.len());
                    scope.declare(&decl.name, Symbol::Segment(id), diagnostics);
                    scope.segments.push(decl);
                }
                Item::Flag(decl) => {
                    let id = index(scope.flags.len());
                    scope.declare(&decl.name, Symbol::Flag(id), diagnostics);
                    scope.flags.push(decl);
                }
                Item::Context(decl) => {
                    if context_span.is_some() {
                        diagnostics.push(
                            Diagnostic::new(Code::DuplicateName, decl.span.to(decl.span), "a second `context` block")
                                .with_help("declare every attribute in one context block"),
                        );
                        continue;
                    }
                    context_span = Some(decl.span);
                    scope.has_context = true;
                }
            }
        }
        // Context roots join the namespace after the items so that a clash is
        // reported at the attribute, where the fix usually is.
        for item in &file.items {
            if let Item::Context(decl) = item {
                if context_span != Some(decl.span) {
                    continue;
                }
                for attr in &decl.attrs {
                    scope.add_attr(attr, diagnostics);
                }
            }
        }
        scope.check_path_prefixes(diagnostics);
        scope
    }

    fn declare(&mut self, name: &'a ast::Ident, symbol: Symbol, diagnostics: &mut Vec<Diagnostic>) {
        if TYPE_NAMES.contains(&name.name.as_str()) || name.name == "list" {
            diagnostics.push(Diagnostic::new(
                Code::DuplicateName,
                name.span,
                format!("`{}` is a built-in type name", name.name),
            ));
            return;
        }
        if let Some((existing, _)) = self.symbols.get(name.name.as_str()) {
            diagnostics.push(
                Diagnostic::new(Code::DuplicateName, name.span, format!("`{}` is declared twice", name.name))
                    .with_help(format!(
                        "`{}` is already {}; segments, enums, flags and context roots share one namespace",
                        name.name,
                        existing.describe()
                    )),
            );
            return;
        }
        self.symbols.insert(name.name.as_str(), (symbol, name.span));
    }

    fn add_attr(&mut self, attr: &'a ast::AttrDecl, diagnostics: &mut Vec<Diagnostic>) {
        let path = attr.path.dotted();
        let Some(root) = attr.path.segments.first() else {
            return;
        };
        match self.symbols.get(root.name.as_str()) {
            Some((Symbol::ContextRoot, _)) => {}
            Some((other, _)) => {
                if self.clashing_roots.contains(&root.name.as_str()) {
                    return;
                }
                self.clashing_roots.push(root.name.as_str());
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        root.span,
                        format!("context root `{}` clashes with {} of that name", root.name, other.describe()),
                    )
                    .with_help("segments, enums, flags and context roots share one namespace; rename one"),
                );
                return;
            }
            None => {
                self.symbols.insert(root.name.as_str(), (Symbol::ContextRoot, root.span));
            }
        }
        if self.attr_by_path.contains_key(&path) {
            diagnostics.push(Diagnostic::new(
                Code::DuplicateMember,
                attr.path.span,
                format!("context attribute `{path}` is declared twice"),
            ));
            return;
        }
        // An attribute whose type is unknown is still declared (as an error
        // type), so reading it does not add "unknown attribute" errors.
        let ty = self.resolve_type(&attr.ty, diagnostics).unwrap_or(Ty::Error);
        let id = index(self.attrs.len());
        self.attr_by_path.insert(path.clone(), id);
        self.attrs.push(AttrDef { path, ty, optional: attr.optional });
        self.attr_spans.push(attr.path.span);
    }

    /// `user: string` and `user.id: string` cannot both hold: `user` would be
    /// a string and an object at once.
    fn check_path_prefixes(&self, diagnostics: &mut Vec<Diagnostic>) {
        for (i, attr) in self.attrs.iter().enumerate() {
            let mut prefix = String::new();
            for component in attr.components() {
                if !prefix.is_empty() {
                    if let Some(&other) = self.attr_by_path.get(&prefix) {
                        let span = self.attr_spans.get(i).copied().unwrap_or_default();
                        diagnostics.push(
                            Diagnostic::new(
                                Code::DuplicateMember,
                                span,
                                format!("`{}` needs `{prefix}` to be an object", attr.path),
                            )
                            .with_help(format!(
                                "`{prefix}` is declared as `{}`; a path cannot be both a value and an object",
                                self.type_name(&self.attrs[other as usize].ty)
                            )),
                        );
                    }
                    prefix.push('.');
                }
                prefix.push_str(component);
            }
        }
    }

    pub fn resolve_type(&self, ty: &TypeExpr, diagnostics: &mut Vec<Diagnostic>) -> Option<Ty> {
        match ty {
            TypeExpr::List(inner, span) => {
                let element = self.resolve_type(inner, diagnostics)?;
                if matches!(element, Ty::List(_)) {
                    diagnostics.push(Diagnostic::new(Code::NestedList, *span, "lists of lists are not supported"));
                    return None;
                }
                Some(Ty::List(Box::new(element)))
            }
            TypeExpr::Named(name) => {
                let ty = match name.name.as_str() {
                    "bool" => Ty::Bool,
                    "int" => Ty::Int,
                    "float" => Ty::Float,
                    "string" => Ty::String,
                    "semver" => Ty::Semver,
                    "timestamp" => Ty::Timestamp,
                    "ip" => Ty::Ip,
                    other => match self.symbols.get(other) {
                        Some((Symbol::Enum(id), _)) => Ty::Enum(*id),
                        _ => {
                            if self.broken.contains(&other) {
                                return None;
                            }
                            let enums = self.enums.iter().map(|e| e.name.as_str());
                            let candidates: Vec<&str> = TYPE_NAMES.iter().copied().chain(enums).collect();
                            let mut d =
                                Diagnostic::new(Code::UnknownType, name.span, format!("unknown type `{other}`"));
                            d.help = Some(match closest(other, candidates.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "types are {}, list<T>, and enums declared with `enum`",
                                    TYPE_NAMES.join(", ")
                                ),
                            });
                            diagnostics.push(d);
                            return None;
                        }
                    },
                };
                Some(ty)
            }
        }
    }

    pub fn type_name(&self, ty: &Ty) -> String {
        crate::ir::type_name(ty, &self.enums)
    }

    pub fn member(&self, enum_id: EnumId, name: &str) -> Option<u32> {
        self.enum_members.get(enum_id as usize).and_then(|m| m.get(name).copied())
    }

    pub fn member_names(&self, enum_id: EnumId) -> impl Iterator<Item = &str> {
        self.enums.get(enum_id as usize).into_iter().flat_map(|e| e.members.iter().map(String::as_str))
    }

    pub fn is_broken(&self, name: &str) -> bool {
        self.broken.contains(&name)
    }
}

/// Item counts are limited far below u32::MAX before checking.
pub fn index(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
