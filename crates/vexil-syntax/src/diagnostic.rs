//! Diagnostics as data: a stable code, a message, a byte span and an optional
//! help line. Rendering (carets, colours) belongs to the front ends; every
//! stack sees the same [`DiagnosticRecord`] JSON.

use serde::{Deserialize, Serialize};

use crate::span::{LineIndex, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $title:literal; )*) => {
        /// Every diagnostic the front end can produce. Codes are stable: a code
        /// is never reused for a different meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( #[doc = $title] $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
            /// One line describing the code (also its rustdoc line), for listings of the catalogue.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }
        }
    };
}

codes! {
    // syntax
    Syntax = "E0001", Error, "syntax error";
    Unterminated = "E0002", Error, "unterminated string literal or block comment";
    InvalidEscape = "E0003", Error, "invalid escape sequence in a string literal";
    IntOutOfRange = "E0004", Error, "integer literal out of the i64 range";
    InvalidFloat = "E0005", Error, "float literal out of range";
    InvalidPercent = "E0006", Error, "invalid percentage (0 to 100, at most two decimals)";
    InvalidDate = "E0007", Error, "invalid date";
    ChainedComparison = "E0008", Error, "comparison operators cannot be chained";
    InvalidClauseValue = "E0009", Error, "invalid value for a flag clause (kind, state)";
    DuplicateClause = "E0010", Error, "a flag clause appears more than once";
    MissingDefault = "E0011", Error, "a flag has no `default` clause";
    // names
    DuplicateName = "E0100", Error, "a name is declared twice";
    UnknownName = "E0101", Error, "unknown name or context attribute";
    UnknownFunction = "E0102", Error, "unknown function";
    UnknownType = "E0103", Error, "unknown type";
    DuplicateMember = "E0104", Error, "duplicate enum member or context attribute";
    DuplicateRule = "E0105", Error, "two rules of a flag share a name";
    SegmentCycle = "E0106", Error, "segments reference each other in a cycle";
    PrerequisiteCycle = "E0107", Error, "flag prerequisites form a cycle";
    AmbiguousName = "E0108", Error, "a bare name is both a segment and an enum member";
    UnknownFlag = "E0109", Error, "a prerequisite names an unknown flag";
    UnknownMember = "E0110", Error, "unknown enum member";
    NotAValue = "E0111", Error, "a name that is not a value is used as one";
    // types
    TypeMismatch = "E0200", Error, "operand types do not fit the operator";
    IntFloatMix = "E0201", Error, "int and float do not mix without `float(…)`";
    ArgumentCount = "E0202", Error, "wrong number of arguments";
    NotBool = "E0203", Error, "a condition is not of type bool";
    WrongValueType = "E0204", Error, "a flag value is not a literal of the flag's type";
    InvalidLiteral = "E0205", Error, "a string literal does not parse as the type its context expects";
    UnguardedOptional = "E0206", Error, "an optional attribute is read without a `has` guard or `??`";
    CoalesceNotOptional = "E0207", Error, "the left side of `??` is not an optional attribute";
    HasNotAttribute = "E0208", Error, "`has` takes a context attribute path";
    InvalidRegex = "E0209", Error, "invalid or too large regular expression";
    SplitUnitType = "E0210", Error, "a split unit must be a string or an int";
    InvalidFlagType = "E0211", Error, "flags are bool, int, float, string or an enum";
    InvalidCidr = "E0212", Error, "invalid CIDR range";
    UntypedList = "E0213", Error, "the element type of an empty list cannot be inferred";
    NestedList = "E0214", Error, "lists of lists are not supported";
    // splits
    PercentSum = "E0300", Error, "split percentages do not sum to exactly 100%";
    MixedWeights = "E0301", Error, "a split mixes percentages and integer weights";
    WeightSum = "E0302", Error, "integer split weights must sum to more than 0 and at most 2^31-1";
    DuplicateSplitValue = "E0303", Error, "a value appears twice in one split";
    // limits
    SourceTooLarge = "E0400", Error, "the source is larger than the limit";
    TooDeep = "E0401", Error, "nesting deeper than the limit";
    ListTooLong = "E0402", Error, "a list literal is longer than the limit";
    TooMany = "E0403", Error, "too many flags, rules or items";
    // warnings
    UnreachableRule = "W0001", Warning, "a rule can never match: an earlier rule always does";
    Expired = "W0002", Warning, "a flag is past its `expires` date";
    NoOwner = "W0003", Warning, "a flag has no `owner`";
    UnusedSegment = "W0004", Warning, "a segment is never used";
    ZeroWeight = "W0005", Warning, "a split entry has weight 0 and is never chosen";
    ShadowedRule = "W0006", Warning, "a rule can never match: earlier rules cover every context it matches";
    NeverTrue = "W0007", Warning, "a condition can never be true";
}

/// One problem found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { code, message: message.into(), span, help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// The boundary form, with line and column resolved against the source.
    pub fn to_record(&self, index: &LineIndex, file: Option<&str>) -> DiagnosticRecord {
        let (line, column) = index.line_column(self.span.start);
        DiagnosticRecord {
            file: file.map(str::to_owned),
            severity: self.severity(),
            code: self.code.as_str().to_owned(),
            message: self.message.clone(),
            line,
            column,
            start: self.span.start,
            end: self.span.end,
            help: self.help.clone(),
        }
    }
}

/// The JSON shape of a diagnostic, the same from the CLI, the wasm plugin and
/// the browser package. `line` and `column` are 1-based, columns counting
/// Unicode scalar values; `start`/`end` are UTF-8 byte offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticRecord {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub start: u32,
    pub end: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<String>,
}

/// Sorts diagnostics by position, then code, so output is stable whatever
/// order the passes found them in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics
        .sort_by(|a, b| (a.span.start, a.span.end, a.code.as_str()).cmp(&(b.span.start, b.span.end, b.code.as_str())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            let prefix = match code.severity() {
                Severity::Error => 'E',
                Severity::Warning => 'W',
            };
            assert!(text.starts_with(prefix) && text.len() == 5, "{text}");
        }
    }
}
