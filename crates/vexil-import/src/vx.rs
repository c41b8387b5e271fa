//! Writing Vexil text: literals, names, and the context schema an import
//! infers. Everything an importer emits goes through here, so quoting and
//! naming are decided once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use vexil_syntax::RESERVED_WORDS as RESERVED;

/// Whether `word` can follow a `.` in a path (any identifier, reserved or not).
pub fn is_path_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names handed out so far in one namespace; [`Names::claim`] makes a name
/// from any text and keeps it unique.
#[derive(Debug, Default)]
pub struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// Reserves a name that must stay as it is (already valid).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// A Vexil name for `wanted`: itself when it is one and free; else its
    /// characters outside `[A-Za-z0-9_]` become `_`, a leading digit or a
    /// reserved word gets a `_` prefix, and a clash gets `_2`, `_3`, ….
    pub fn claim(&mut self, wanted: &str) -> String {
        let mut base: String =
            wanted.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) || RESERVED.contains(&base.as_str()) {
            base.insert(0, '_');
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// A Vexil string literal for any text.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Vexil float literal (`1.0`, `-2.5`, `1.0e20`) for a finite double, or
/// `None` for NaN and infinities, which Vexil has no literal for.
pub fn float(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    // `{:?}` is the shortest text that reads back as the same double.
    let text = format!("{:?}", value.abs());
    let text = match text.split_once('e') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => format!("{mantissa}.0e{exponent}"),
        _ if !text.contains('.') && !text.contains('e') => format!("{text}.0"),
        _ => text,
    };
    Some(if value.is_sign_negative() { format!("-{text}") } else { text })
}

/// The Vexil types an import declares for context attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Bool,
    Int,
    Float,
    String,
    Semver,
    Timestamp,
    Ip,
    #[serde(rename = "list<string>")]
    StringList,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::String => "string",
            Type::Semver => "semver",
            Type::Timestamp => "timestamp",
            Type::Ip => "ip",
            Type::StringList => "list<string>",
        }
    }
}

/// One attribute of the inferred context, as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// The Vexil path callers send (`properties.tenant`).
    pub path: String,
    /// The field's name in the source format (`tenant`, `user.email`).
    pub source: String,
    #[serde(rename = "type")]
    pub ty: Type,
    /// Why this type: the first use that decided it.
    pub why: String,
}

/// The context schema an import builds as it reads conditions: every
/// attribute optional (a caller may leave any field out), typed by its first
/// typed use; a later use of another type is a conflict the caller reports.
#[derive(Debug, Default)]
pub struct Schema {
    attributes: BTreeMap<String, Attribute>,
}

impl Schema {
    /// Declares (or confirms) `path` as `ty`. `Err` with the earlier
    /// attribute when it was declared with another type.
    pub fn use_as(&mut self, path: &str, source: &str, ty: Type, why: impl Into<String>) -> Result<(), Attribute> {
        match self.attributes.get(path) {
            Some(existing) if existing.ty == ty => Ok(()),
            Some(existing) => Err(existing.clone()),
            None => {
                // `user` and `user.id` cannot both be attributes: `user` would be a value and an object.
                let clash = self.attributes.values().find(|a| {
                    a.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.'))
                        || path.strip_prefix(a.path.as_str()).is_some_and(|rest| rest.starts_with('.'))
                });
                if let Some(clash) = clash {
                    return Err(clash.clone());
                }
                let attribute = Attribute { path: path.to_owned(), source: source.to_owned(), ty, why: why.into() };
                self.attributes.insert(path.to_owned(), attribute);
                Ok(())
            }
        }
    }

    pub fn get(&self, path: &str) -> Option<&Attribute> {
        self.attributes.get(path)
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.values()
    }

    /// The `context { … }` block (empty text when nothing is read).
    pub fn block(&self) -> String {
        if self.attributes.is_empty() {
            return String::new();
        }
        let mut out = String::from("context {\n");
        for attribute in self.attributes.values() {
            let _ = writeln!(out, "  {}: {}?", attribute.path, attribute.ty.as_str());
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid_and_unique() {
        let mut names = Names::default();
        assert_eq!(names.claim("new-checkout"), "new_checkout");
        assert_eq!(names.claim("new.checkout"), "new_checkout_2");
        assert_eq!(names.claim("2fa"), "_2fa");
        assert_eq!(names.claim("flag"), "_flag");
        assert_eq!(names.claim(""), "_");
        assert_eq!(names.claim("ok_name"), "ok_name");
        assert!(is_path_word("when") && !is_path_word("a-b") && !is_path_word("9a"));
    }

    #[test]
    fn literals_read_back_as_written() {
        assert_eq!(string("a\"b\\c\nd\te\u{1}é"), "\"a\\\"b\\\\c\\nd\\te\\u{1}é\"");
        assert_eq!(float(5.0).as_deref(), Some("5.0"));
        assert_eq!(float(-2.5).as_deref(), Some("-2.5"));
        assert_eq!(float(1e20).as_deref(), Some("1.0e20"));
        assert_eq!(float(1.5e-7).as_deref(), Some("1.5e-7"));
        assert_eq!(float(f64::NAN), None);
    }
}
