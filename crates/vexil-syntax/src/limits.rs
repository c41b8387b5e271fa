//! Compile-time limits (LANGUAGE.md §9). Generous for real rulesets, small
//! enough that parsing, checking and evaluation stay bounded and never
//! exhaust the stack, natively or inside a 1 MiB wasm stack.

/// Largest accepted source, in bytes.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting of brackets, `not` runs, `??` chains, and expression trees.
pub const MAX_NESTING: usize = 64;
/// Deepest expression tree after parsing (operators chain without brackets).
pub const MAX_EXPR_DEPTH: usize = 128;
/// Longest list literal.
pub const MAX_LIST_LEN: usize = 10_000;
/// Most flags in one ruleset.
pub const MAX_FLAGS: usize = 100_000;
/// Most rules in one flag.
pub const MAX_RULES_PER_FLAG: usize = 10_000;
/// Deepest chain of segment references or of prerequisites.
pub const MAX_REFERENCE_DEPTH: usize = 64;
/// Compiled size limit handed to the regex engine, in bytes.
pub const MAX_REGEX_BYTES: usize = 256 * 1024;
/// Largest context, as JSON text, that the command line reads (`--context`,
/// `--context @FILE`) and that a request line may carry.
pub const MAX_CONTEXT_BYTES: usize = 16 * 1024 * 1024;
/// Longest request line of a batch (`vexil eval --requests`): a context plus
/// room for the flag key and `now`. A longer line gets a `PARSE_ERROR` decision.
pub const MAX_REQUEST_LINE_BYTES: usize = MAX_CONTEXT_BYTES + 64 * 1024;
/// Most operands in one `and` or `or` chain (`a and b and …`).
pub const MAX_CHAIN_OPERANDS: usize = 10_000;
/// Most components in an attribute path (`user.address.city` has 3).
pub const MAX_PATH_COMPONENTS: usize = 32;
