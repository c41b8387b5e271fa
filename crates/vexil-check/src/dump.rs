//! A readable text form of the checked program (names resolved, literals
//! typed, operators explicit): `Program`'s `Display`, which the checked-form
//! snapshots of the examples (`crates/vexil-check/tests`) record.

use std::fmt::{self, Write};

use crate::ir::{Builtin, Const, Expr, ExprKind, Program, RuleResult};

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.enums {
            writeln!(f, "enum {} {{ {} }}", e.name, e.members.join(", "))?;
        }
        if !self.attrs.is_empty() {
            writeln!(f, "context")?;
            for (i, a) in self.attrs.iter().enumerate() {
                let optional = if a.optional { "?" } else { "" };
                writeln!(f, "  #{i} {}: {}{optional}", a.path, self.type_name(&a.ty))?;
            }
        }
        for s in &self.segments {
            writeln!(f, "segment {} = {}", s.name, self.expr_text(&s.expr))?;
        }
        for flag in &self.flags {
            write!(f, "flag {}: {}", flag.key, self.type_name(&flag.ty))?;
            if let Some(kind) = flag.kind {
                write!(f, " kind={}", kind.as_str())?;
            }
            if let Some(owner) = &flag.owner {
                write!(f, " owner={owner:?}")?;
            }
            if let Some(expires) = flag.expires {
                write!(f, " expires={expires}")?;
            }
            writeln!(f, "{}", if flag.enabled { "" } else { " state=off" })?;
            writeln!(
                f,
                "  default {} | off {} | on_error {}",
                self.const_text_typed(&flag.default),
                self.const_text_typed(&flag.off),
                self.const_text_typed(&flag.on_error)
            )?;
            for p in &flag.prerequisites {
                let key = self.flags.get(p.flag as usize).map_or("?", |f| f.key.as_str());
                writeln!(f, "  requires {key} == {}", self.const_text_typed(&p.value))?;
            }
            for rule in &flag.rules {
                write!(f, "  rule {}: when {} => ", rule.name, self.expr_text(&rule.when))?;
                match &rule.result {
                    RuleResult::Value(v) => writeln!(f, "{}", self.const_text_typed(v))?,
                    RuleResult::Split(split) => {
                        let entries: Vec<String> =
                            split.entries.iter().map(|(v, w)| format!("{}: {w}", self.const_text_typed(v))).collect();
                        // The v1.1 options only when used, so v1 programs print as before.
                        let seed = if split.seed == 0 { String::new() } else { format!(" seed {}", split.seed) };
                        let modulo = if split.modulo { " modulo" } else { "" };
                        writeln!(
                            f,
                            "split by {} salt {:?}{seed}{modulo} total {} {{ {} }}",
                            self.expr_text(&split.by),
                            split.salt,
                            split.total_weight(),
                            entries.join(", ")
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Program {
    pub fn const_text_typed(&self, c: &Const) -> String {
        match c {
            Const::String(s) => format!("{s:?}"),
            Const::Semver(_) => format!("semver({:?})", self.const_text(c)),
            Const::Timestamp(_) => format!("timestamp({:?})", self.const_text(c)),
            Const::Ip(_) => format!("ip({:?})", self.const_text(c)),
            Const::Enum(e, _) => {
                let name = self.enums.get(*e as usize).map_or("?", |e| e.name.as_str());
                format!("{name}.{}", self.const_text(c))
            }
            _ => self.const_text(c),
        }
    }

    /// An S-expression with the static type of every operator node.
    pub fn expr_text(&self, expr: &Expr) -> String {
        let mut out = String::new();
        self.write_expr(&mut out, expr);
        out
    }

    fn write_expr(&self, out: &mut String, expr: &Expr) {
        let list = |this: &Self, out: &mut String, head: &str, items: &[&Expr]| {
            out.push('(');
            out.push_str(head);
            for item in items {
                out.push(' ');
                this.write_expr(out, item);
            }
            out.push(')');
        };
        match &expr.kind {
            ExprKind::Const(c) => out.push_str(&self.const_text_typed(c)),
            ExprKind::Now => out.push_str("now"),
            ExprKind::Attr(id) => {
                let path = self.attrs.get(*id as usize).map_or("?", |a| a.path.as_str());
                out.push_str(path);
            }
            ExprKind::Has(id) => {
                let path = self.attrs.get(*id as usize).map_or("?", |a| a.path.as_str());
                let _ = write!(out, "(has {path})");
            }
            ExprKind::Coalesce(id, fallback) => {
                let path = self.attrs.get(*id as usize).map_or("?", |a| a.path.as_str());
                let _ = write!(out, "(?? {path} ");
                self.write_expr(out, fallback);
                out.push(')');
            }
            ExprKind::Segment(id) => {
                let name = self.segments.get(*id as usize).map_or("?", |s| s.name.as_str());
                let _ = write!(out, "segment:{name}");
            }
            ExprKind::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_expr(out, item);
                }
                out.push(']');
            }
            ExprKind::Not(inner) => list(self, out, "not", &[inner]),
            ExprKind::And(items) => list(self, out, "and", &items.iter().collect::<Vec<_>>()),
            ExprKind::Or(items) => list(self, out, "or", &items.iter().collect::<Vec<_>>()),
            ExprKind::Neg(inner) => list(self, out, &format!("neg:{}", self.type_name(&expr.ty)), &[inner]),
            ExprKind::Arith(op, l, r) => {
                list(self, out, &format!("{}:{}", op.symbol(), self.type_name(&expr.ty)), &[l, r]);
            }
            ExprKind::Compare(op, l, r) => {
                list(self, out, &format!("{}:{}", op.symbol(), self.type_name(&l.ty)), &[l, r])
            }
            ExprKind::In { negated, elem, list: items } => {
                list(self, out, if *negated { "not-in" } else { "in" }, &[elem, items]);
            }
            ExprKind::InCidr { negated, ip, ranges } => {
                let head = if *negated { "not-in-cidr" } else { "in-cidr" };
                let _ = write!(out, "({head} ");
                self.write_expr(out, ip);
                let ranges: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                let _ = write!(out, " [{}])", ranges.join(", "));
            }
            ExprKind::ListContains(l, r) => list(self, out, "list-contains", &[l, r]),
            ExprKind::Str(op, l, r) => list(self, out, op.symbol(), &[l, r]),
            ExprKind::Matches { subject, regex } => {
                out.push_str("(matches ");
                self.write_expr(out, subject);
                let _ = write!(out, " /{}/)", regex.as_str());
            }
            ExprKind::Call(builtin, args) => {
                let head = match builtin {
                    Builtin::LenList => "len:list",
                    Builtin::LenString => "len:string",
                    other => other.name(),
                };
                list(self, out, head, &args.iter().collect::<Vec<_>>());
            }
        }
    }
}
