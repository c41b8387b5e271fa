//! A Vexil decision as an OpenFeature resolution: the one table of
//! `docs/openfeature.md` (the OFREP server and the JavaScript providers map
//! the same way).
//!
//! - value and variant as decided; `flag_metadata`: `ruleset_version`, `now`,
//!   `rule`?, `prerequisite`?;
//! - reasons as Vexil names them, but PREREQUISITE_FAILED → DEFAULT (the
//!   flag's default was served; `prerequisite` names the failing flag);
//! - an ERROR decision that carries the flag's `on_error` value answers that
//!   value, reason ERROR, with `errorCode`/`errorDetails` in the metadata: the
//!   flag author's fail-safe reaches the caller;
//! - errors where no value can be given: FLAG_NOT_FOUND; TYPE_MISMATCH when
//!   the requested type is not the flag's (`bool` → bool, `int` → int,
//!   `float` → float, `string` and enums → string; struct never: Vexil values
//!   are primitives); PARSE_ERROR; GENERAL for any other.

use open_feature::provider::ResolutionDetails;
use open_feature::{
    EvaluationError, EvaluationErrorCode, EvaluationReason, EvaluationResult, FlagMetadata, StructValue,
};
use vexil::decision::{Decision, ErrorCode, FlagValue, Reason};

/// The type an OpenFeature resolve method asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    Bool,
    Int,
    Float,
    String,
    Struct,
}

impl Requested {
    /// Whether a flag of Vexil type `flag_type` answers this request.
    pub fn fits(self, flag_type: &str) -> bool {
        match self {
            Requested::Bool => flag_type == "bool",
            Requested::Int => flag_type == "int",
            Requested::Float => flag_type == "float",
            // Enums answer as their member's name.
            Requested::String => !matches!(flag_type, "bool" | "int" | "float"),
            Requested::Struct => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Requested::Bool => "bool",
            Requested::Int => "int",
            Requested::Float => "float",
            Requested::String => "string",
            Requested::Struct => "struct",
        }
    }
}

/// A value of the requested Rust type.
pub trait FromFlagValue: Sized {
    fn from_flag_value(value: &FlagValue) -> Option<Self>;
}

impl FromFlagValue for bool {
    fn from_flag_value(value: &FlagValue) -> Option<bool> {
        match value {
            FlagValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromFlagValue for i64 {
    fn from_flag_value(value: &FlagValue) -> Option<i64> {
        match value {
            FlagValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromFlagValue for f64 {
    fn from_flag_value(value: &FlagValue) -> Option<f64> {
        match value {
            FlagValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl FromFlagValue for String {
    fn from_flag_value(value: &FlagValue) -> Option<String> {
        match value {
            FlagValue::String(s) => Some(s.to_string()),
            _ => None,
        }
    }
}

impl FromFlagValue for StructValue {
    fn from_flag_value(_: &FlagValue) -> Option<StructValue> {
        None
    }
}

pub(crate) fn error(code: EvaluationErrorCode, message: impl Into<String>) -> EvaluationError {
    EvaluationError::builder().code(code).message(message.into()).build()
}

/// OpenFeature's reason for a Vexil reason.
pub fn reason(reason: Reason) -> EvaluationReason {
    match reason {
        Reason::Static => EvaluationReason::Static,
        Reason::Default | Reason::PrerequisiteFailed => EvaluationReason::Default,
        Reason::TargetingMatch => EvaluationReason::TargetingMatch,
        Reason::Split => EvaluationReason::Split,
        Reason::Disabled => EvaluationReason::Disabled,
        Reason::Error => EvaluationReason::Error,
    }
}

/// OpenFeature's error code for a Vexil error that leaves no value to give.
pub fn error_code(code: ErrorCode) -> EvaluationErrorCode {
    match code {
        ErrorCode::FlagNotFound => EvaluationErrorCode::FlagNotFound,
        ErrorCode::TargetingKeyMissing => EvaluationErrorCode::TargetingKeyMissing,
        ErrorCode::InvalidContext => EvaluationErrorCode::InvalidContext,
        ErrorCode::ParseError => EvaluationErrorCode::ParseError,
        ErrorCode::EvaluationError | ErrorCode::ResourceLimit => EvaluationErrorCode::General(code.as_str().to_owned()),
    }
}

/// The resolution of `decision` for a request of type `requested` on a flag
/// of Vexil type `flag_type` (`None`: the ruleset has no such flag).
pub fn resolution<T: FromFlagValue>(
    decision: &Decision,
    flag_type: Option<&str>,
    requested: Requested,
) -> EvaluationResult<ResolutionDetails<T>> {
    let message = || decision.error_message.clone().unwrap_or_default();
    let Some(flag_type) = flag_type else {
        return Err(error(EvaluationErrorCode::FlagNotFound, message()));
    };
    if decision.error_code == Some(ErrorCode::FlagNotFound) {
        return Err(error(EvaluationErrorCode::FlagNotFound, message()));
    }
    if !requested.fits(flag_type) {
        return Err(error(
            EvaluationErrorCode::TypeMismatch,
            format!("flag `{}` is of type {flag_type}, not {}", decision.flag, requested.name()),
        ));
    }
    let Some(value) = decision.value.as_ref() else {
        let code = decision.error_code.map_or(EvaluationErrorCode::General("no value".into()), error_code);
        return Err(error(code, message()));
    };
    let Some(value) = T::from_flag_value(value) else {
        return Err(error(
            EvaluationErrorCode::TypeMismatch,
            format!("flag `{}` decided a value of another type", decision.flag),
        ));
    };
    let mut metadata = FlagMetadata::default()
        .with_value("ruleset_version", decision.ruleset_version.to_string())
        .with_value("now", decision.now.to_iso_string());
    if let Some(rule) = &decision.rule {
        metadata = metadata.with_value("rule", rule.to_string());
    }
    if let Some(prerequisite) = &decision.prerequisite {
        metadata = metadata.with_value("prerequisite", prerequisite.to_string());
    }
    if let Some(code) = decision.error_code {
        metadata = metadata.with_value("errorCode", code.as_str()).with_value("errorDetails", message());
    }
    Ok(ResolutionDetails {
        value,
        variant: decision.variant.as_ref().map(|v| v.to_string()),
        reason: Some(reason(decision.reason)),
        flag_metadata: Some(metadata),
    })
}
