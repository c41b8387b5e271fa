//! Vexil checker: names, context schema, static types, `has` guards, lints
//! and limits. Turns the AST into a [`Program`] in which every name is an
//! index and every literal is parsed, or reports why it cannot.
//!
//! Dependencies: `vexil-syntax` (AST, diagnostics), `vexil-value` (literal
//! parsing shared with the evaluator), `regex-lite` (the language defines
//! `matches` as regex-lite's syntax; compiled here, once).

mod dump;
mod expr;
mod flags;
mod fold;
mod graph;
pub mod index;
pub mod ir;
#[cfg(feature = "overlap")]
mod overlap;
mod scope;

use std::collections::HashSet;

use vexil_syntax::{Code, Diagnostic, Span, ast, limits};
use vexil_value::Timestamp;

pub use ir::Program;

use crate::expr::{ExprChecker, Facts};
use crate::flags::FlagChecker;
use crate::ir::{SegmentDef, Ty};
use crate::scope::Scope;

/// Settings of one check run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The date flags' `expires` is compared with (midnight UTC). `None`: no
    /// expiry warnings. The checker reads no clock; callers pass the date.
    pub today: Option<Timestamp>,
    /// Build the [`index::Index`] of names and expression types (for editors).
    pub index: bool,
}

#[derive(Debug)]
pub struct Checked {
    /// Present only when there are no errors (warnings allowed).
    pub program: Option<Program>,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Names and expression types, when [`Options::index`] asked for them
    /// (also when there are errors: what resolved is recorded).
    pub index: Option<index::Index>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

#[cfg(feature = "overlap")]
/// The overlap warnings (W0006, W0007) of a checked program on their own:
/// `check` already reports them; this is for measuring the analysis.
pub fn analyze_overlaps(program: &Program) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    overlap::analyze(program, &[], &mut diagnostics);
    diagnostics
}

/// Parses and checks a source file, reporting every problem at once.
pub fn check(source: &str, options: &Options) -> Checked {
    check_with_ast(source, options).0
}

/// [`check`], also returning the syntax tree it checked (editors read
/// declarations' clauses from it without parsing twice).
pub fn check_with_ast(source: &str, options: &Options) -> (Checked, ast::File) {
    let (file, mut diagnostics) = vexil_syntax::parse(source);
    let mut index = options.index.then(index::Index::default);
    let program = check_file(&file, options, &mut diagnostics, &mut index);
    vexil_syntax::diagnostic::sort(&mut diagnostics);
    let program = if diagnostics.iter().any(Diagnostic::is_error) { None } else { program };
    (Checked { program, diagnostics, index }, file)
}

fn check_file(
    file: &ast::File,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
    index: &mut Option<index::Index>,
) -> Option<Program> {
    let scope = Scope::collect(file, diagnostics);
    if let Some(index) = index.as_mut() {
        declare_names(file, &scope, index);
    }
    if scope.flags.len() > limits::MAX_FLAGS {
        let span = scope.flags.get(limits::MAX_FLAGS).map_or(Span::default(), |f| f.name.span);
        diagnostics.push(Diagnostic::new(
            Code::TooMany,
            span,
            format!("{} flags; the limit is {}", scope.flags.len(), limits::MAX_FLAGS),
        ));
        return None;
    }

    let flag_types: Vec<Option<Ty>> = scope.flags.iter().map(|f| flag_type(&scope, f, diagnostics)).collect();

    let mut exprs = ExprChecker { scope: &scope, diagnostics, segment_refs: Vec::new(), index: index.take() };
    let mut segments = Vec::with_capacity(scope.segments.len());
    let mut segment_edges = Vec::with_capacity(scope.segments.len());
    for decl in &scope.segments {
        let checked = exprs.condition(&decl.expr, &Facts::new());
        exprs.record_types(&checked.expr);
        segment_edges.push(std::mem::take(&mut exprs.segment_refs));
        segments.push(SegmentDef { name: decl.name.name.clone(), expr: checked.expr, span: decl.span });
    }

    let mut checker = FlagChecker { exprs, flag_types: &flag_types, today: options.today };
    let mut flags = Vec::with_capacity(scope.flags.len());
    for (decl, ty) in scope.flags.iter().zip(&flag_types) {
        flags.push(checker.flag(decl, ty.as_ref()));
    }
    let flag_segment_refs = std::mem::take(&mut checker.exprs.segment_refs);
    *index = checker.exprs.index.take();
    let diagnostics = checker.exprs.diagnostics;

    check_segment_graph(&scope, &segment_edges, diagnostics);
    // Edges come from the source, so a cycle shows even when a value is wrong.
    let prerequisite_edges: Vec<Vec<u32>> = scope
        .flags
        .iter()
        .map(|decl| {
            decl.clauses
                .iter()
                .filter_map(|c| match &c.kind {
                    ast::ClauseKind::Requires { flag, .. } => match scope.symbols.get(flag.name.as_str()) {
                        Some((scope::Symbol::Flag(id), _)) => Some(*id),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .collect();
    check_prerequisite_graph(&scope, &prerequisite_edges, diagnostics);

    let used: HashSet<u32> = flag_segment_refs.iter().chain(segment_edges.iter().flatten()).copied().collect();
    for (i, decl) in scope.segments.iter().enumerate() {
        let id = scope::index(i);
        // A duplicate declaration already has its error; it is not also "unused".
        let declared_here =
            matches!(scope.symbols.get(decl.name.name.as_str()), Some((scope::Symbol::Segment(s), _)) if *s == id);
        if declared_here && !used.contains(&id) {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnusedSegment,
                    decl.name.span,
                    format!("segment `{}` is never used", decl.name.name),
                )
                .with_help("use it in a rule's `when`, or remove it"),
            );
        }
    }

    if segments.iter().any(|s| s.expr.ty.is_error()) {
        return None;
    }
    let complete = flags.iter().all(Option::is_some);
    let program = Program {
        enums: scope.enums.clone(),
        attrs: scope.attrs.clone(),
        segments,
        flags: flags.into_iter().flatten().collect(),
    };
    // Overlap warnings for every flag that checked, also beside errors in other
    // flags (one mistake must not hide a warning).
    #[cfg(feature = "overlap")]
    {
        let reported: Vec<Span> =
            diagnostics.iter().filter(|d| d.code == Code::UnreachableRule).map(|d| d.span).collect();
        overlap::analyze(&program, &reported, diagnostics);
    }
    complete.then_some(program)
}

/// The declarations of the index, and the enums named by types (which the
/// scope resolves by name, the way `declare_names` reads them here).
fn declare_names(file: &ast::File, scope: &Scope<'_>, index: &mut index::Index) {
    use index::Sym;
    let named_enum = |ty: &ast::TypeExpr, index: &mut index::Index| {
        let mut ty = ty;
        while let ast::TypeExpr::List(inner, _) = ty {
            ty = inner;
        }
        if let ast::TypeExpr::Named(name) = ty
            && let Some((scope::Symbol::Enum(_), _)) = scope.symbols.get(name.name.as_str())
        {
            index.references.push((Sym::Enum(name.name.clone()), name.span));
        }
    };
    for item in &file.items {
        match item {
            ast::Item::Enum(decl) => {
                index.declarations.push((Sym::Enum(decl.name.name.clone()), decl.name.span));
                for member in &decl.members {
                    index.declarations.push((Sym::Member(decl.name.name.clone(), member.name.clone()), member.span));
                }
            }
            ast::Item::Segment(decl) => index.declarations.push((Sym::Segment(decl.name.name.clone()), decl.name.span)),
            ast::Item::Flag(decl) => {
                index.declarations.push((Sym::Flag(decl.name.name.clone()), decl.name.span));
                named_enum(&decl.ty, index);
            }
            ast::Item::Context(decl) => {
                for attr in &decl.attrs {
                    index.declarations.push((Sym::Attr(attr.path.dotted()), attr.path.span));
                    named_enum(&attr.ty, index);
                }
            }
        }
    }
}

fn flag_type(scope: &Scope<'_>, flag: &ast::FlagDecl, diagnostics: &mut Vec<Diagnostic>) -> Option<Ty> {
    let ty = scope.resolve_type(&flag.ty, diagnostics)?;
    match ty {
        Ty::Bool | Ty::Int | Ty::Float | Ty::String | Ty::Enum(_) => Some(ty),
        other => {
            let name = scope.type_name(&other);
            diagnostics.push(
                Diagnostic::new(Code::InvalidFlagType, flag.ty.span(), format!("a flag cannot have type `{name}`"))
                    .with_help("flag types are bool, int, float, string, or an enum"),
            );
            None
        }
    }
}

/// One kind of reference graph, for [`check_graph`].
struct GraphKind<'n> {
    /// Name and span of each node.
    nodes: Vec<(&'n str, Span)>,
    cycle_code: Code,
    /// Messages for a self-reference and for a longer cycle (names joined by ", ").
    self_loop: fn(&str) -> String,
    cycle: fn(&str) -> String,
    help: &'static str,
    /// What a chain consists of, for the depth message.
    chain_of: &'static str,
}

/// Reports cycles (once each, at their first member) and chains deeper than
/// the limit.
fn check_graph(kind: &GraphKind<'_>, edges: &[Vec<u32>], diagnostics: &mut Vec<Diagnostic>) {
    let analysis = graph::analyse(edges);
    let node = |i: usize| kind.nodes.get(i).copied().unwrap_or(("?", Span::default()));
    for cycle in &analysis.cycles {
        let Some(&first) = cycle.first() else { continue };
        let names: Vec<String> = cycle.iter().map(|&i| format!("`{}`", node(i as usize).0)).collect();
        let message =
            if cycle.len() == 1 { (kind.self_loop)(&names.join("")) } else { (kind.cycle)(&names.join(", ")) };
        diagnostics.push(Diagnostic::new(kind.cycle_code, node(first as usize).1, message).with_help(kind.help));
    }
    if let Some((i, depth)) = analysis.depth.iter().enumerate().find(|(_, d)| **d > limits::MAX_REFERENCE_DEPTH) {
        let (name, span) = node(i);
        diagnostics.push(Diagnostic::new(
            Code::TooDeep,
            span,
            format!(
                "`{name}` starts a chain of {depth} {}; the limit is {}",
                kind.chain_of,
                limits::MAX_REFERENCE_DEPTH
            ),
        ));
    }
}

fn check_segment_graph(scope: &Scope<'_>, edges: &[Vec<u32>], diagnostics: &mut Vec<Diagnostic>) {
    let kind = GraphKind {
        nodes: scope.segments.iter().map(|s| (s.name.name.as_str(), s.name.span)).collect(),
        cycle_code: Code::SegmentCycle,
        self_loop: |name| format!("segment {name} references itself"),
        cycle: |names| format!("segments {names} reference each other in a cycle"),
        help: "a segment cannot depend on itself",
        chain_of: "segment references",
    };
    check_graph(&kind, edges, diagnostics);
}

fn check_prerequisite_graph(scope: &Scope<'_>, edges: &[Vec<u32>], diagnostics: &mut Vec<Diagnostic>) {
    let kind = GraphKind {
        nodes: scope.flags.iter().map(|f| (f.name.name.as_str(), f.name.span)).collect(),
        cycle_code: Code::PrerequisiteCycle,
        self_loop: |name| format!("flag {name} requires itself"),
        cycle: |names| format!("flags {names} require each other in a cycle"),
        help: "prerequisites are evaluated first, so they cannot loop",
        chain_of: "prerequisites",
    };
    check_graph(&kind, edges, diagnostics);
}
