//! The Vexil evaluator: a checked program lowered into a [`Ruleset`] that
//! decides flags against a context. It does no I/O, reads no clock (`now` is
//! an input) and holds no global state; it is what every stack runs.

pub mod bucket;
mod context;
pub mod decision;
mod eval;
mod explain;
mod lower;
mod ruleset;
mod value;

pub use context::Context;
pub use decision::{
    AttrInfo, Decision, DecisionSet, ErrorCode, Explanation, FlagInfo, FlagValue, PrerequisiteTrace, Reason, RuleTrace,
    SplitEntryTrace, SplitTrace, Trace,
};
pub use eval::EvalError;
pub use ruleset::{Outcome, Ruleset, version_of};
