//! Boundary types: the JSON every stack produces, defined once. Bindings
//! (CLI, wasm plugin, browser package) convert these, never rebuild them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vexil_value::Timestamp;

/// A flag's value. Serialises as the bare JSON value (`true`, `42`, `1.5`,
/// `"DUAL_WRITE"`); enum members are their names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlagValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Arc<str>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    Static,
    Default,
    TargetingMatch,
    Split,
    Disabled,
    PrerequisiteFailed,
    Error,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Static => "STATIC",
            Reason::Default => "DEFAULT",
            Reason::TargetingMatch => "TARGETING_MATCH",
            Reason::Split => "SPLIT",
            Reason::Disabled => "DISABLED",
            Reason::PrerequisiteFailed => "PREREQUISITE_FAILED",
            Reason::Error => "ERROR",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    FlagNotFound,
    TargetingKeyMissing,
    InvalidContext,
    EvaluationError,
    /// Produced by hosts that run the evaluator under limits.
    ResourceLimit,
    /// A batch line that is not a valid request.
    ParseError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FlagNotFound => "FLAG_NOT_FOUND",
            ErrorCode::TargetingKeyMissing => "TARGETING_KEY_MISSING",
            ErrorCode::InvalidContext => "INVALID_CONTEXT",
            ErrorCode::EvaluationError => "EVALUATION_ERROR",
            ErrorCode::ResourceLimit => "RESOURCE_LIMIT",
            ErrorCode::ParseError => "PARSE_ERROR",
        }
    }
}

/// One flag's decision. Fields in the order of LANGUAGE.md §7; a field that
/// does not apply is omitted, never null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
///
/// Text fields are `Arc<str>`: a decision shares them with the ruleset, so
/// building one (say, a thousand for `evaluate_all`) allocates nothing.
pub struct Decision {
    pub flag: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<FlagValue>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<Arc<str>>,
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rule: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prerequisite: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_code: Option<ErrorCode>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_message: Option<String>,
    pub ruleset_version: Arc<str>,
    /// The instant decided at; written as `YYYY-MM-DDTHH:MM:SS.sssZ` (formatted
    /// only when serialised, so deciding allocates nothing for it).
    #[serde(with = "iso_instant")]
    pub now: Timestamp,
}

/// `now` as the boundary writes it: JavaScript's `toISOString` form.
mod iso_instant {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use vexil_value::Timestamp;

    pub fn serialize<S: Serializer>(now: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(now.iso_text().as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).map_err(D::Error::custom)
    }
}

impl Decision {
    /// A decision for a flag the ruleset does not have (no value, no variant).
    pub fn not_found(flag: &str, ruleset_version: &Arc<str>, now: Timestamp) -> Decision {
        let message = format!("no flag named `{flag}` in ruleset {ruleset_version}");
        Decision::without_value(flag, ErrorCode::FlagNotFound, message, ruleset_version.clone(), now)
    }

    /// A decision for a request that could not be read (a batch line that
    /// is not a valid request): no value, code PARSE_ERROR.
    pub fn parse_error(flag: &str, message: String, ruleset_version: &str, now: Timestamp) -> Decision {
        Decision::without_value(flag, ErrorCode::ParseError, message, ruleset_version.into(), now)
    }

    fn without_value(
        flag: &str,
        code: ErrorCode,
        message: String,
        ruleset_version: Arc<str>,
        now: Timestamp,
    ) -> Decision {
        Decision {
            flag: flag.into(),
            value: None,
            variant: None,
            reason: Reason::Error,
            rule: None,
            prerequisite: None,
            error_code: Some(code),
            error_message: Some(message),
            ruleset_version,
            now,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Every flag decided against one context: what a gateway hands downstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionSet {
    pub ruleset_version: Arc<str>,
    #[serde(with = "iso_instant")]
    pub now: Timestamp,
    pub decisions: Vec<Decision>,
}

/// One declared context attribute (`Ruleset::schema`): what a caller may
/// pass, for tools that build or check contexts (the playground's "Fill from
/// schema", editors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrInfo {
    /// The dotted path, `user.id`: nested objects in the context.
    pub path: String,
    /// The type as written: `string`, `list<int>`, an enum's name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Declared with `?`.
    pub optional: bool,
    /// The members of the enum, for an enum or a list of an enum, in declaration order.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub members: Option<Vec<String>>,
}

/// A flag's catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagInfo {
    pub key: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    pub enabled: bool,
    /// The value a host answers with when it cannot evaluate (guest trap, limits).
    pub on_error: FlagValue,
    pub on_error_variant: String,
    /// Changes when the flag's definition may have changed: its declaration's
    /// text or anything flags share (context, enums, segments), whitespace
    /// aside. Followers compare it to say which flags a new version changed.
    /// (Empty from a plugin built before it existed.)
    #[serde(default)]
    pub fingerprint: String,
}

/// Why a flag decided as it did: every prerequisite and rule tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub decision: Decision,
    pub prerequisites: Vec<PrerequisiteTrace>,
    pub rules: Vec<RuleTrace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrerequisiteTrace {
    pub flag: String,
    /// The variant the prerequisite requires.
    pub expected: String,
    /// The prerequisite flag's decided variant.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actual: Option<String>,
    pub reason: Reason,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTrace {
    pub rule: String,
    pub start: u32,
    pub end: u32,
    pub condition: Trace,
    pub matched: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub split: Option<SplitTrace>,
}

/// One evaluated sub-expression: its source text, span and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub text: String,
    pub start: u32,
    pub end: u32,
    /// The value's canonical text, when it evaluated.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// The error, when it failed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub children: Vec<Trace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitTrace {
    /// The unit's text as hashed (ints in decimal), when it evaluated.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    pub salt: String,
    /// The MurmurHash3 seed, when the split sets one (`seed N`).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub seed: u32,
    /// `modulo`: the bucket is `h mod total` (absent: `(h × total) >> 32`).
    #[serde(skip_serializing_if = "is_false", default)]
    pub modulo: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bucket: Option<u32>,
    pub total: u32,
    pub entries: Vec<SplitEntryTrace>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub chosen: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitEntryTrace {
    pub variant: String,
    pub weight: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}
