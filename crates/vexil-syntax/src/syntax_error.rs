//! Turns a pest error into a diagnostic that reads like a compiler's:
//! "expected a value, found `}`", pointing at the offending token.

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::diagnostic::{Code, Diagnostic};
use crate::parser::Rule;
use crate::span::Span;

pub(crate) fn from_pest(error: &Error<Rule>, text: &str, base: usize) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let found = token_at(text, pos);
    let found_text = if found.is_empty() { "end of item".to_owned() } else { format!("`{found}`") };
    let mut expected: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(what) = describe(*rule) {
                push_unique(&mut expected, what.to_owned());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            push_unique(&mut expected, format!("`{token}`"));
        }
    }
    let message = if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {}, found {found_text}", join_or(&expected))
    };
    let end = pos + found.len().max(if pos < text.len() { 1 } else { 0 });
    let mut diagnostic = Diagnostic::new(Code::Syntax, Span::new(base + pos, base + end.min(text.len())), message);
    if let Some(help) = help_for(found, &expected) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token starting at `pos`: a word, a number, or one character.
fn token_at(text: &str, pos: usize) -> &str {
    let Some(rest) = text.get(pos..) else {
        return "";
    };
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return "";
    };
    if first.is_alphanumeric() || first == '_' {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        return &rest[..end];
    }
    let two = rest.get(..2).unwrap_or("");
    if ["==", "!=", "<=", ">=", "=>", "??", "&&", "||"].contains(&two) {
        return two;
    }
    &rest[..first.len_utf8()]
}

fn describe(rule: Rule) -> Option<&'static str> {
    if let Some(operator) = crate::operators::by_rule(rule) {
        return Some(operator.expected);
    }
    Some(match rule {
        Rule::ident | Rule::word => "a name",
        Rule::path => "a name or attribute path",
        Rule::int_lit => "an integer",
        Rule::float_lit => "a float",
        Rule::percent => "a percentage",
        Rule::date_lit => "a date (YYYY-MM-DD)",
        Rule::bool_lit => "`true` or `false`",
        Rule::string_lit | Rule::raw_string => "a string",
        Rule::type_expr | Rule::list_type => "a type",
        Rule::value => "a value",
        Rule::expr | Rule::paren | Rule::list_lit | Rule::call => "an expression",
        Rule::kw_now => "`now`",
        Rule::kw_when => "`when`",
        Rule::kw_by => "`by`",
        Rule::kw_split => "`split`",
        Rule::kw_salt => "`salt`",
        Rule::kw_list => "`list`",
        Rule::description_clause
        | Rule::kind_clause
        | Rule::owner_clause
        | Rule::expires_clause
        | Rule::state_clause
        | Rule::off_clause
        | Rule::default_clause
        | Rule::on_error_clause
        | Rule::requires_clause
        | Rule::rule_clause => "a flag clause",
        Rule::kw_description
        | Rule::kw_kind
        | Rule::kw_owner
        | Rule::kw_expires
        | Rule::kw_state
        | Rule::kw_off
        | Rule::kw_default
        | Rule::kw_on_error
        | Rule::kw_requires
        | Rule::kw_rule => "a flag clause",
        Rule::split_entry => "a split entry (`value: weight`)",
        Rule::rule_name => "a rule name",
        Rule::optional_mark => "`?`",
        Rule::attr_decl => "an attribute declaration (`path: type`)",
        Rule::salt => "`salt`",
        Rule::EOI => "the end of the item",
        Rule::p_lbrace => "`{`",
        Rule::p_rbrace => "`}`",
        Rule::p_colon => "`:`",
        Rule::p_comma => "`,`",
        Rule::p_assign => "`=`",
        Rule::p_eqeq => "`==`",
        Rule::p_arrow => "`=>`",
        Rule::p_langle => "`<`",
        Rule::p_rangle => "`>`",
        _ => return None,
    })
}

const CLAUSE_WORDS: [&str; 10] =
    ["description", "kind", "owner", "expires", "state", "off", "default", "on_error", "requires", "rule"];

fn help_for(found: &str, expected: &[String]) -> Option<String> {
    let expects = |s: &str| expected.iter().any(|e| e == s);
    if expects("a flag clause") && !found.is_empty() {
        if let Some(word) = crate::suggest::closest(found, CLAUSE_WORDS.iter().copied()) {
            return Some(format!("did you mean `{word}`?"));
        }
        return Some(
            "flag clauses are: description, kind, owner, expires, state, off, default, on_error, requires, rule".into(),
        );
    }
    match found {
        "&&" | "&" => Some("write `and`".into()),
        "||" | "|" => Some("write `or`".into()),
        "!" => Some("write `not`".into()),
        "=" => Some("compare with `==`".into()),
        "'" => Some("strings use double quotes: \"…\"".into()),
        _ => None,
    }
}
