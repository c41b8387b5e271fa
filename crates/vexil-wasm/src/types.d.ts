
// ---- Vexil boundary types (crates/vexil-wasm/src/types.d.ts, written once) ----
// The same JSON as the CLI prints (vexil-eval's decision.rs, vexil-syntax's
// DiagnosticRecord); a field that does not apply is absent, never null.

/** Why a flag decided as it did. */
export type Reason = "STATIC" | "DEFAULT" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "PREREQUISITE_FAILED" | "ERROR";

/** Present exactly when `reason` is `"ERROR"`. */
export type ErrorCode =
  | "FLAG_NOT_FOUND"
  | "TARGETING_KEY_MISSING"
  | "INVALID_CONTEXT"
  | "EVALUATION_ERROR"
  | "RESOURCE_LIMIT"
  | "PARSE_ERROR";

/**
 * A flag's value: `bool` → boolean; `int` → number, or bigint beyond
 * ±(2^53−1); `float` → number; `string` and enums → string (enum members by name).
 */
export type FlagValue = boolean | number | bigint | string;

/** One flag's decision, fields in the order of LANGUAGE.md §7. */
export interface Decision {
  flag: string;
  /** Absent for `FLAG_NOT_FOUND` and `PARSE_ERROR`. */
  value?: FlagValue;
  /** The value's canonical text (`"true"`, `"42"`, `"1.0"`, `"DUAL_WRITE"`). */
  variant?: string;
  reason: Reason;
  /** Only for `TARGETING_MATCH` and `SPLIT`. */
  rule?: string;
  /** Only for `PREREQUISITE_FAILED`. */
  prerequisite?: string;
  error_code?: ErrorCode;
  error_message?: string;
  /** First 16 hex digits of SHA-256 over the ruleset source. */
  ruleset_version: string;
  /** The instant used, RFC 3339 in UTC with milliseconds. */
  now: string;
}

/** Every flag decided against one context. */
export interface DecisionSet {
  ruleset_version: string;
  now: string;
  decisions: Decision[];
}

/** A flag's type: `"bool"`, `"int"`, `"float"`, `"string"` or an enum's name. */
export type FlagType = "bool" | "int" | "float" | "string" | (string & {});

/** A flag's catalogue entry. */
export interface FlagInfo {
  key: string;
  type: FlagType;
  kind?: string;
  owner?: string;
  /** `YYYY-MM-DD`. */
  expires?: string;
  description?: string;
  enabled: boolean;
  /** The value a host answers with when it cannot evaluate. */
  on_error: FlagValue;
  on_error_variant: string;
  /** Changes when the flag's definition may have changed (its text, or what flags share); reformatting changes nothing. */
  fingerprint: string;
}

/**
 * One declared context attribute (`ruleset.schema`), in declaration order.
 * `type` is written as in the ruleset: `"bool"`, `"int"`, `"float"`,
 * `"string"`, `"semver"`, `"timestamp"`, `"ip"`, an enum's name, or
 * `list<T>` of one of these.
 */
export interface AttrInfo {
  /** The dotted path, `user.id`: nested objects in the context. */
  path: string;
  type: string;
  /** Declared with `?` (read only under a `has` guard or with `??`). */
  optional: boolean;
  /** The enum's members in declaration order, for an enum or a list of an enum. */
  members?: string[];
}

export type Severity = "error" | "warning";

/** One diagnostic, as `vexil check --format json` prints it (without `file`). */
export interface Diagnostic {
  file?: string;
  severity: Severity;
  /** `E0101`, `W0002`, … */
  code: string;
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** Byte offsets into the UTF-8 source. */
  start: number;
  end: number;
  help?: string;
}

export interface CheckResult {
  diagnostics: Diagnostic[];
}

/** What `analyze` returns: `check`'s diagnostics and, when none is an error, the compiled ruleset. */
export interface Analysis {
  diagnostics: Diagnostic[];
  ruleset?: Ruleset;
}

/** What `compile` throws when the ruleset has errors. */
export interface CompileError extends Error {
  name: "CompileError";
  diagnostics: Diagnostic[];
}

export interface Explanation {
  decision: Decision;
  prerequisites: PrerequisiteTrace[];
  rules: RuleTrace[];
}

export interface PrerequisiteTrace {
  flag: string;
  expected: string;
  actual?: string;
  reason: Reason;
  holds: boolean;
}

export interface RuleTrace {
  rule: string;
  start: number;
  end: number;
  condition: Trace;
  matched: boolean;
  split?: SplitTrace;
}

export interface Trace {
  text: string;
  start: number;
  end: number;
  value?: string;
  error?: string;
  children?: Trace[];
}

export interface SplitTrace {
  unit?: string;
  salt: string;
  /** The MurmurHash3 seed, when the split sets one (`seed N`, LANGUAGE.md §6 v1.1). */
  seed?: number;
  /** Present (true) with `modulo`: the bucket is `h mod total`. */
  modulo?: boolean;
  bucket?: number;
  total: number;
  entries: SplitEntryTrace[];
  chosen?: number;
}

export interface SplitEntryTrace {
  variant: string;
  weight: number;
}

/**
 * A context attribute value. Numbers are doubles (accepted for `int` when
 * integral and within i64); use a bigint for ints beyond ±(2^53−1). Strings
 * carry semvers, RFC 3339 timestamps (a `Date` works too), IPs and enum members.
 */
export type ContextValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | ContextValue[]
  | { [key: string]: ContextValue };

/** The evaluation context: nested plain objects, e.g. `{ user: { id: "ada" } }`. */
export type Context = { [key: string]: ContextValue };

export interface EvaluateOptions {
  /** The instant to decide at; defaults to the current time. A `Date` or an RFC 3339 string. */
  now?: Date | string;
  /**
   * Work units each flag may spend (docs/semantics.md, "Work"); a flag that would
   * spend more decides its `on_error` value with `RESOURCE_LIMIT`. Default: no budget.
   */
  budget?: number | bigint;
}

export interface CheckOptions {
  /** The date `expires` is compared with; defaults to today (UTC); `null` skips the check. */
  today?: Date | string | null;
}
