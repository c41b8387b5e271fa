//! Boolean conditions as the importers build them, rendered as Vexil text
//! with only the parentheses precedence needs (LANGUAGE.md §5: `or` < `and`
//! < `not` < comparisons). Constant operands fold away, so a strategy that is
//! always on is `true`, not `true and true`.

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    True,
    False,
    /// A comparison, call or `has(…)`: binds tighter than `not`.
    Atom(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    pub fn atom(text: impl Into<String>) -> Cond {
        Cond::Atom(text.into())
    }

    /// `has(path)`: the guard every read of an optional attribute needs.
    pub fn has(path: &str) -> Cond {
        Cond::Atom(format!("has({path})"))
    }

    pub fn and(items: impl IntoIterator<Item = Cond>) -> Cond {
        let mut out = Vec::new();
        for item in items {
            match item {
                Cond::True => {}
                Cond::False => return Cond::False,
                Cond::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::True,
            1 => out.pop().unwrap_or(Cond::True),
            _ => Cond::And(out),
        }
    }

    pub fn or(items: impl IntoIterator<Item = Cond>) -> Cond {
        let mut out = Vec::new();
        for item in items {
            match item {
                Cond::False => {}
                Cond::True => return Cond::True,
                Cond::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::False,
            1 => out.pop().unwrap_or(Cond::False),
            _ => Cond::Or(out),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Cond {
        match self {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(inner) => *inner,
            other => Cond::Not(Box::new(other)),
        }
    }

    /// Vexil text.
    pub fn render(&self) -> String {
        match self {
            Cond::True => "true".into(),
            Cond::False => "false".into(),
            Cond::Atom(text) => text.clone(),
            Cond::Not(inner) => match **inner {
                Cond::And(_) | Cond::Or(_) => format!("not ({})", inner.render()),
                _ => format!("not {}", inner.render()),
            },
            Cond::And(items) => items
                .iter()
                .map(|c| if matches!(c, Cond::Or(_)) { format!("({})", c.render()) } else { c.render() })
                .collect::<Vec<_>>()
                .join(" and "),
            Cond::Or(items) => items.iter().map(Cond::render).collect::<Vec<_>>().join(" or "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cond;

    #[test]
    fn renders_with_the_parentheses_precedence_needs() {
        let a = || Cond::atom("a == 1");
        let b = || Cond::atom("b == 2");
        assert_eq!(Cond::and([a(), Cond::or([b(), a()])]).render(), "a == 1 and (b == 2 or a == 1)");
        assert_eq!(Cond::or([a(), Cond::and([b(), a()])]).render(), "a == 1 or b == 2 and a == 1");
        assert_eq!(Cond::and([a(), b()]).not().render(), "not (a == 1 and b == 2)");
        assert_eq!(a().not().render(), "not a == 1");
        assert_eq!(Cond::and([Cond::True, a()]).render(), "a == 1");
        assert_eq!(Cond::and([Cond::False, a()]), Cond::False);
        assert_eq!(Cond::or([Cond::True, a()]), Cond::True);
        assert_eq!(a().not().not(), a());
    }
}
