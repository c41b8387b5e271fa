use thiserror::Error;

/// Why a text could not be read as a Vexil scalar value.
///
/// `input` is the offending text, cut to 64 characters with a
/// trailing `…`: runtime inputs come from callers' JSON and end up in decision
/// messages, which must stay small whatever the caller sends.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    #[error("invalid timestamp {input:?}: {reason}")]
    Timestamp { input: String, reason: String },
    #[error("invalid date {input:?}: {reason}")]
    Date { input: String, reason: String },
    #[error("invalid semver {input:?}: {reason}")]
    Semver { input: String, reason: String },
    #[error("invalid ip address {input:?}: {reason}")]
    Ip { input: String, reason: String },
    #[error("invalid CIDR range {input:?}: {reason}")]
    Cidr { input: String, reason: String },
}

pub(crate) const MAX_INPUT_CHARS: usize = 64;

pub(crate) fn shown(input: &str) -> String {
    match input.char_indices().nth(MAX_INPUT_CHARS) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

impl ValueError {
    pub(crate) fn timestamp(input: &str, reason: impl Into<String>) -> Self {
        Self::Timestamp { input: shown(input), reason: reason.into() }
    }
    pub(crate) fn date(input: &str, reason: impl Into<String>) -> Self {
        Self::Date { input: shown(input), reason: reason.into() }
    }
    pub(crate) fn semver(input: &str, reason: impl Into<String>) -> Self {
        Self::Semver { input: shown(input), reason: reason.into() }
    }
    pub(crate) fn ip(input: &str, reason: impl Into<String>) -> Self {
        Self::Ip { input: shown(input), reason: reason.into() }
    }
    pub(crate) fn cidr(input: &str, reason: impl Into<String>) -> Self {
        Self::Cidr { input: shown(input), reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_quotes_input() {
        let e = ValueError::timestamp("2024-13-01", "month must be 01 to 12");
        assert_eq!(e.to_string(), r#"invalid timestamp "2024-13-01": month must be 01 to 12"#);
    }

    #[test]
    fn message_escapes_control_characters() {
        let e = ValueError::ip("a\"b\n", "x");
        assert_eq!(e.to_string(), r#"invalid ip address "a\"b\n": x"#);
    }

    #[test]
    fn long_input_is_cut_on_a_char_boundary() {
        let long = "é".repeat(100);
        let ValueError::Semver { input, .. } = ValueError::semver(&long, "x") else {
            panic!("wrong variant");
        };
        assert_eq!(input.chars().count(), MAX_INPUT_CHARS + 1);
        assert!(input.ends_with('…'));
        assert_eq!(shown("short"), "short");
        assert_eq!(shown(&"a".repeat(MAX_INPUT_CHARS)), "a".repeat(MAX_INPUT_CHARS));
    }
}
