#!/usr/bin/env python3
"""Hand-written evaluation conformance vectors for Vexil (LANGUAGE.md sections 3-7).

Every ruleset and every expected decision in this file is written BY HAND from
LANGUAGE.md. The script only computes the mechanical fields:

  ruleset_version = first 16 hex digits of SHA-256(ruleset source, UTF-8)
  now             = the case's `now` input, echoed in canonical form
                    (YYYY-MM-DDTHH:MM:SS.sssZ, UTC, fraction truncated to ms)
  variant         = the canonical text of the expected value
                    (floats as Rust's `{:?}`: 1.0, 0.1, 1e16, 1e-7)

and, in splits.json only, the bucket an expected SPLIT lands in, via the
independent Python + mmh3 helper of gen_bucketing.py (LANGUAGE.md section 6).
Nothing here imports, builds or runs any Vexil code.

Usage: pip install mmh3 && python3 tests/conformance/tools/gen_vectors.py
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent
VECTORS_DIR = TOOLS_DIR.parent / "vectors"
DIAG_DIR = TOOLS_DIR.parent / "diagnostics"
INDEX = TOOLS_DIR.parent / "index.json"
sys.path.insert(0, str(TOOLS_DIR))
import gen_bucketing  # noqa: E402  (independent mmh3 bucketing helper)

NOW = "2026-05-01T12:00:00.000Z"
MAX = 2**63 - 1
MIN = -(2**63)
OWNER = '  owner "conformance"\n'


# --- mechanical fields ---------------------------------------------------------

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def canonical_now(text: str) -> str:
    """RFC 3339 -> YYYY-MM-DDTHH:MM:SS.sssZ (UTC, fraction truncated to ms)."""
    m = _RFC3339.match(text)
    if not m:
        raise ValueError(f"bad now {text!r}")
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or ".")[1:]
    ms = int((frac + "000")[:3])
    dt = datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=timezone.utc)
    off = m.group(8)
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        dt -= sign * timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{dt.microsecond // 1000:03d}Z"


def rust_debug_float(x: float) -> str:
    """Rust `{:?}` for f64: shortest round trip; exponent form if |x| >= 1e16 or < 1e-4.
    Python's repr uses the same thresholds; only the exponent spelling differs."""
    r = repr(x)
    if "e" in r:
        mant, exp = r.split("e")
        return f"{mant}e{int(exp)}"
    return r


def variant(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return rust_debug_float(value)
    if isinstance(value, str):
        return value
    raise TypeError(value)


def ruleset_version(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def raw(text: str) -> str:
    """A JSON number written exactly as `text` in a vector's context (Python's json module
    would rewrite `9007199254740993.0` as `9007199254740992.0`): a marker string that
    `dump` replaces with the bare text."""
    assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", text), text
    return f"@raw-number:{text}"


def dump(doc: dict) -> str:
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return re.sub(r'"@raw-number:([^"]*)"', r"\1", text)


# --- compact expectation constructors (hand-written tables use these) ---------

def M(value, rule):            # TARGETING_MATCH
    return ("TARGETING_MATCH", value, {"rule": rule})


def D(value):                  # DEFAULT
    return ("DEFAULT", value, {})


def ST(value):                 # STATIC
    return ("STATIC", value, {})


def OFF(value):                # DISABLED
    return ("DISABLED", value, {})


def PF(value, prerequisite):   # PREREQUISITE_FAILED
    return ("PREREQUISITE_FAILED", value, {"prerequisite": prerequisite})


def ERR(value, code):          # ERROR (on_error value, else default)
    return ("ERROR", value, {"error_code": code})


def SP(value, rule):           # SPLIT
    return ("SPLIT", value, {"rule": rule})


NOT_FOUND = ("NOT_FOUND", None, {})

IC = "INVALID_CONTEXT"
RL = "RESOURCE_LIMIT"
EV = "EVALUATION_ERROR"
TK = "TARGETING_KEY_MISSING"

# Shorthands for the many bool probe flags written as
#   flag x: bool { default false  on_error true  rule r: when <expr> => true }
T = M(True, "r")
F = D(False)
E_IC = ERR(True, IC)
E_EV = ERR(True, EV)


def probe(name: str, expr: str, on_error: bool = True) -> str:
    """A bool flag whose single rule `r` is `when <expr> => true` (default false,
    on_error true so that ERROR is visible in the value as well as the reason)."""
    oe = "  on_error true\n" if on_error else ""
    return (f"flag {name}: bool {{\n{OWNER}  default false\n{oe}"
            f"  rule r: when {expr} => true\n}}\n")


def flag_types(source: str) -> dict[str, str]:
    return dict(re.findall(r"^flag (\w+): (\w+) \{", source, flags=re.M))


def check_value_type(flag: str, ftype: str, value) -> None:
    if value is None:
        return
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, float),
        "string": isinstance(value, str),
    }.get(ftype, isinstance(value, str))  # enum: member name
    if not ok:
        raise AssertionError(f"{flag}: value {value!r} is not a {ftype}")


def build(name: str, description: str, source: str, rows: list) -> dict:
    """rows: (flag, context, expectation[, now])."""
    version = ruleset_version(source)
    types = flag_types(source)
    cases = []
    for row in rows:
        flag, context, exp = row[0], row[1], row[2]
        now_in = row[3] if len(row) > 3 else NOW
        now = canonical_now(now_in)
        reason, value, extra = exp
        if reason == "NOT_FOUND":
            assert flag not in types, flag
            expect = {"flag": flag, "reason": "ERROR", "error_code": "FLAG_NOT_FOUND"}
        else:
            assert flag in types, f"{name}: unknown flag {flag}"
            check_value_type(flag, types[flag], value)
            expect = {"flag": flag, "value": value, "variant": variant(value), "reason": reason}
            for key in ("rule", "prerequisite", "error_code"):
                if key in extra:
                    expect[key] = extra[key]
        expect["ruleset_version"] = version
        expect["now"] = now
        cases.append({"flag": flag, "context": context, "now": now_in, "expect": expect})
    return {"name": name, "description": description, "ruleset": source, "cases": cases}


# =============================================================================
# reasons.json
# =============================================================================

REASONS_SRC = r"""// Every decision reason, unnamed rules, on_error, and FLAG_NOT_FOUND.
enum Mode { alpha, beta, gamma }

context {
  user.id: string
  user.country: string
  user.n: int
}

flag static_bool: bool {
  owner "conformance"
  default true
}

flag static_mode: Mode {
  owner "conformance"
  default beta
  on_error gamma
}

flag static_with_off: int {
  owner "conformance"
  state on
  off 0
  default 42
}

flag targeted: string {
  owner "conformance"
  default "world"
  rule de: when user.country == "DE" => "germany"
  rule fr: when user.country == "FR" => "france"
}

flag unnamed: int {
  owner "conformance"
  default 0
  rule when user.n < 0 => -1
  rule small: when user.n < 10 => 1
  rule when user.n < 100 => 2
}

flag rollout: string {
  owner "conformance"
  default "none"
  rule de_half: when user.country == "DE" => split by user.id { "a": 50%, "b": 50% }
}

flag disabled_off: Mode {
  owner "conformance"
  state off
  off gamma
  default alpha
  rule always: when true => beta
}

flag disabled_no_off: int {
  owner "conformance"
  state off
  default 7
  rule positive: when user.n > 0 => 8
}

flag disabled_gated: bool {
  owner "conformance"
  state off
  off true
  requires static_bool == false
  default false
}

flag gated_fail: bool {
  owner "conformance"
  requires static_bool == false
  default false
  rule always: when true => true
}

flag gated_no_rules: bool {
  owner "conformance"
  requires static_bool == true
  default true
}

flag gated_rule: bool {
  owner "conformance"
  requires static_bool == true
  requires static_mode == beta
  default false
  rule yes: when user.n > 0 => true
}

flag err_on_error: int {
  owner "conformance"
  default 1
  on_error -1
  rule ratio: when 10 / user.n > 1 => 2
}

flag err_no_on_error: string {
  owner "conformance"
  default "dflt"
  rule when 10 / user.n > 1 => "big"
}
"""


def reasons() -> dict:
    de = {"user": {"country": "DE", "id": "alice"}}
    rows = [
        # STATIC: no rules, no prerequisites; the context is never read.
        ("static_bool", {}, ST(True)),
        ("static_bool", {"user": "not an object"}, ST(True)),
        ("static_mode", {"user": {"n": "wrong type"}}, ST("beta")),
        ("static_with_off", {}, ST(42)),
        # TARGETING_MATCH / DEFAULT
        ("targeted", {"user": {"country": "DE"}}, M("germany", "de")),
        ("targeted", {"user": {"country": "FR"}}, M("france", "fr")),
        ("targeted", {"user": {"country": "US"}}, D("world")),
        ("targeted", {"user": {"country": "de"}}, D("world")),
        ("targeted", {"user": {}}, ERR("world", IC)),
        # Unnamed rules are named by their 0-based index among the flag's rules.
        ("unnamed", {"user": {"n": -3}}, M(-1, "0")),
        ("unnamed", {"user": {"n": 5}}, M(1, "small")),
        ("unnamed", {"user": {"n": 50}}, M(2, "2")),
        ("unnamed", {"user": {"n": 500}}, D(0)),
        # SPLIT (bucket from the independent mmh3 helper, see split_value)
        ("rollout", de, SP(split_value("rollout", "alice", [("a", 5000), ("b", 5000)]), "de_half")),
        ("rollout", {"user": {"country": "US", "id": "alice"}}, D("none")),
        # DISABLED: the off value, else the default; before prerequisites; reads nothing.
        ("disabled_off", {}, OFF("gamma")),
        ("disabled_no_off", {"user": {"n": 5}}, OFF(7)),
        ("disabled_no_off", {"user": {"n": "bad"}}, OFF(7)),
        ("disabled_gated", {}, OFF(True)),
        # PREREQUISITE_FAILED: the default value and the prerequisite's key.
        ("gated_fail", {}, PF(False, "static_bool")),
        # Prerequisites but no rules: DEFAULT, not STATIC.
        ("gated_no_rules", {}, D(True)),
        ("gated_rule", {"user": {"n": 1}}, M(True, "yes")),
        ("gated_rule", {"user": {"n": 0}}, D(False)),
        # ERROR: on_error value (else default), no `rule` field even inside a rule.
        ("err_on_error", {"user": {"n": 0}}, ERR(-1, EV)),
        ("err_on_error", {"user": {"n": 2}}, M(2, "ratio")),
        ("err_on_error", {"user": {"n": 20}}, D(1)),
        ("err_on_error", {"user": {"n": "2"}}, ERR(-1, IC)),
        ("err_no_on_error", {"user": {"n": 0}}, ERR("dflt", EV)),
        ("err_no_on_error", {"user": {"n": 3}}, M("big", "0")),
        ("err_no_on_error", {}, ERR("dflt", IC)),
        # FLAG_NOT_FOUND: no value, no variant.
        ("nope", {}, NOT_FOUND),
        ("STATIC_BOOL", {}, NOT_FOUND),
        ("", {}, NOT_FOUND),
        ("Mode", {}, NOT_FOUND),
    ]
    return build("reasons",
                 "Every decision reason (STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED, "
                 "PREREQUISITE_FAILED, ERROR), FLAG_NOT_FOUND, unnamed rules named by index, "
                 "on_error vs default on ERROR, state off before prerequisites.",
                 REASONS_SRC, rows)


def split_value(prefix: str, unit: str, entries: list):
    """Expected split value from the independent bucketing helper (gen_bucketing.choose)."""
    weights = [w for _, w in entries]
    _, _, index = gen_bucketing.choose(prefix, unit, weights)
    return entries[index][0]


# =============================================================================
# prerequisites.json
# =============================================================================

PREREQ_SRC = r"""// Prerequisites: holding, failing, disabled and erroring prerequisites, chains.
enum Stage { one, two, three }

context {
  user.n: int
  user.beta: bool
}

flag base: bool {
  owner "conformance"
  default false
  rule beta_users: when user.beta => true
}

flag killed_true: bool {
  owner "conformance"
  state off
  off true
  default false
}

flag killed_default: bool {
  owner "conformance"
  state off
  default true
}

flag fragile: bool {
  owner "conformance"
  default false
  on_error true
  rule boom: when 100 / user.n > 10 => false
}

flag stage: Stage {
  owner "conformance"
  default one
  rule big: when user.n >= 100 => three
  rule mid: when user.n >= 10 => two
}

flag needs_base: string {
  owner "conformance"
  requires base == true
  default "no"
  rule r: when true => "yes"
}

flag needs_not_base: string {
  owner "conformance"
  requires base == false
  default "no"
  rule r: when true => "yes"
}

flag needs_killed: bool {
  owner "conformance"
  requires killed_true == true
  default false
  rule r: when true => true
}

flag needs_killed_default: bool {
  owner "conformance"
  requires killed_default == true
  default false
  rule r: when true => true
}

flag needs_fragile: bool {
  owner "conformance"
  requires fragile == true
  default false
  on_error false
  rule r: when true => true
}

flag needs_stage: int {
  owner "conformance"
  requires stage == two
  default 0
  rule r: when true => 1
}

flag multi: string {
  owner "conformance"
  requires base == true
  requires stage == three
  default "d"
  rule r: when true => "both"
}

flag chain_c: bool {
  owner "conformance"
  default false
  rule positive: when user.n > 0 => true
}

flag chain_b: bool {
  owner "conformance"
  requires chain_c == true
  default false
  rule r: when true => true
}

flag chain_a: string {
  owner "conformance"
  requires chain_b == true
  default "off"
  rule r: when true => "on"
}

flag mid_off: bool {
  owner "conformance"
  state off
  off false
  requires chain_c == true
  default true
}

flag top_of_off: int {
  owner "conformance"
  requires mid_off == false
  default 0
  rule r: when user.n > 5 => 2
}

flag prereq_then_default: int {
  owner "conformance"
  requires base == true
  default 5
}

flag own_error_after_prereq: int {
  owner "conformance"
  requires base == true
  default 5
  on_error 9
  rule ratio: when 10 / user.n == 1 => 6
}
"""


def prerequisites() -> dict:
    def ctx(n=None, beta=None):
        user = {}
        if n is not None:
            user["n"] = n
        if beta is not None:
            user["beta"] = beta
        return {"user": user}

    rows = [
        ("base", ctx(beta=True), M(True, "beta_users")),
        ("base", ctx(beta=False), D(False)),
        ("base", ctx(), ERR(False, IC)),
        ("needs_base", ctx(beta=True), M("yes", "r")),
        ("needs_base", ctx(beta=False), PF("no", "base")),
        # base errors (user.beta missing) -> base's value is its default false -> fails.
        ("needs_base", ctx(), PF("no", "base")),
        ("needs_not_base", ctx(beta=False), M("yes", "r")),
        ("needs_not_base", ctx(beta=True), PF("no", "base")),
        # base errors and its value (default false, no on_error) makes `base == false` hold.
        ("needs_not_base", ctx(), M("yes", "r")),
        ("needs_not_base", ctx(beta="yes"), M("yes", "r")),
        # A disabled prerequisite: its off value counts (or its default if no off).
        ("killed_true", {}, OFF(True)),
        ("needs_killed", {}, M(True, "r")),
        ("killed_default", {}, OFF(True)),
        ("needs_killed_default", {}, M(True, "r")),
        # An erroring prerequisite: its on_error value counts, and the dependent does not error.
        ("fragile", ctx(n=0), ERR(True, EV)),
        ("needs_fragile", ctx(n=0), M(True, "r")),
        ("needs_fragile", ctx(), M(True, "r")),
        ("needs_fragile", ctx(n="x"), M(True, "r")),
        ("fragile", ctx(n=5), M(False, "boom")),
        ("needs_fragile", ctx(n=5), PF(False, "fragile")),
        ("fragile", ctx(n=50), D(False)),
        ("needs_fragile", ctx(n=50), PF(False, "fragile")),
        # Enum prerequisite.
        ("needs_stage", ctx(n=10), M(1, "r")),
        ("needs_stage", ctx(n=100), PF(0, "stage")),
        ("needs_stage", ctx(n=1), PF(0, "stage")),
        # Several prerequisites: the first failing one in source order is reported.
        ("multi", ctx(n=100, beta=True), M("both", "r")),
        ("multi", ctx(n=1, beta=False), PF("d", "base")),
        ("multi", ctx(n=1, beta=True), PF("d", "stage")),
        ("multi", ctx(n=100, beta=False), PF("d", "base")),
        # Chains: a <- b <- c.
        ("chain_a", ctx(n=1), M("on", "r")),
        ("chain_b", ctx(n=1), M(True, "r")),
        ("chain_b", ctx(n=0), PF(False, "chain_c")),
        ("chain_a", ctx(n=0), PF("off", "chain_b")),
        ("chain_a", ctx(), PF("off", "chain_b")),
        # A disabled flag in the middle of a chain: DISABLED wins over its own prerequisite,
        # and its off value (false) makes `mid_off == false` hold.
        ("mid_off", ctx(n=0), OFF(False)),
        ("top_of_off", ctx(n=0), D(0)),
        ("top_of_off", ctx(n=6), M(2, "r")),
        # Prerequisites without rules: DEFAULT (not STATIC) when they hold.
        ("prereq_then_default", ctx(beta=True), D(5)),
        ("prereq_then_default", ctx(beta=False), PF(5, "base")),
        # The flag's own error after its prerequisites held: its own on_error.
        ("own_error_after_prereq", ctx(beta=True, n=0), ERR(9, EV)),
        ("own_error_after_prereq", ctx(beta=True, n=10), M(6, "ratio")),
        ("own_error_after_prereq", ctx(beta=False, n=0), PF(5, "base")),
    ]
    return build("prerequisites",
                 "Prerequisites (LANGUAGE.md sections 6 and 7): holding and failing ones, the first "
                 "failing one in source order, a disabled prerequisite (its off value, or default, "
                 "counts), an erroring prerequisite (its on_error value, or default, counts; the "
                 "dependent flag does not error), enum prerequisites, chains, DEFAULT vs STATIC.",
                 PREREQ_SRC, rows)


# =============================================================================
# int_arithmetic.json
# =============================================================================

INT_SRC = ("// Int arithmetic (checked i64) and int comparisons.\n"
           "context {\n  n.a: int\n  n.b: int\n  n.r: int\n}\n\n" + "\n".join([
               probe("add", "n.a + n.b == n.r"),
               probe("sub", "n.a - n.b == n.r"),
               probe("mul", "n.a * n.b == n.r"),
               probe("div", "n.a / n.b == n.r"),
               probe("rem", "n.a % n.b == n.r"),
               probe("neg", "-n.a == n.r"),
               probe("prec_mul", "n.a + n.b * n.r == 14"),
               probe("prec_paren", "(n.a + n.b) * n.r == 20"),
               probe("prec_rem", "n.a - n.b % n.r == 4"),
               probe("unary_first", "-n.a * n.b == n.r"),
               probe("minus_no_space", "n.a-1 == n.r"),
               probe("min_literal", "n.a == -9223372036854775808"),
               probe("max_literal", "n.a == 9223372036854775807"),
               probe("min_plus", "-9223372036854775808 + n.a == n.r"),
               probe("const_overflow", "9223372036854775807 + 1 > 0"),
               probe("eq", "n.a == n.b"),
               probe("ne", "n.a != n.b"),
               probe("lt", "n.a < n.b"),
               probe("le", "n.a <= n.b"),
               probe("gt", "n.a > n.b"),
               probe("ge", "n.a >= n.b"),
           ]))


def int_arithmetic() -> dict:
    def c(a=None, b=None, r=None):
        n = {}
        for k, v in (("a", a), ("b", b), ("r", r)):
            if v is not None:
                n[k] = v
        return {"n": n}

    rows = [
        ("add", c(2, 3, 5), T), ("add", c(2, 3, 6), F), ("add", c(-5, 3, -2), T),
        ("add", c(MAX, 0, MAX), T), ("add", c(MAX, 1, 0), E_EV), ("add", c(MIN, -1, 0), E_EV),
        ("add", c(MIN, MAX, -1), T), ("add", c(MAX - 1, 1, MAX), T),
        ("sub", c(3, 5, -2), T), ("sub", c(MIN, 1, 0), E_EV), ("sub", c(0, MIN, 0), E_EV),
        ("sub", c(MAX, MAX, 0), T), ("sub", c(-1, MAX, MIN), T), ("sub", c(MAX, -1, 0), E_EV),
        ("mul", c(6, 7, 42), T), ("mul", c(-3, 4, -12), T), ("mul", c(MAX, 2, 0), E_EV),
        ("mul", c(MIN, -1, 0), E_EV), ("mul", c(2**62, 2, 0), E_EV), ("mul", c(-(2**62), 2, MIN), T),
        ("mul", c(3037000499, 3037000499, 9223372030926249001), T),
        ("mul", c(3037000500, 3037000500, 0), E_EV), ("mul", c(MIN, 1, MIN), T), ("mul", c(MIN, 0, 0), T),
        # `/` truncates toward zero.
        ("div", c(7, 2, 3), T), ("div", c(-7, 2, -3), T), ("div", c(7, -2, -3), T),
        ("div", c(-7, -2, 3), T), ("div", c(-7, 2, -4), F), ("div", c(1, 0, 0), E_EV),
        ("div", c(0, 0, 0), E_EV), ("div", c(MIN, -1, 0), E_EV), ("div", c(MIN, 1, MIN), T),
        ("div", c(MIN, 2, -(2**62)), T), ("div", c(0, 5, 0), T), ("div", c(MAX, -1, -MAX), T),
        # `%` takes the sign of the dividend; MIN % -1 is 0 (decided: no error).
        ("rem", c(7, 3, 1), T), ("rem", c(-7, 3, -1), T), ("rem", c(7, -3, 1), T),
        ("rem", c(-7, -3, -1), T), ("rem", c(-7, 3, 2), F), ("rem", c(5, 0, 0), E_EV),
        ("rem", c(0, 0, 0), E_EV), ("rem", c(MIN, -1, 0), T), ("rem", c(MIN, 2, 0), T),
        ("rem", c(MAX, 10, 7), T), ("rem", c(MIN, 10, -8), T), ("rem", c(MIN, MAX, -1), T),
        ("neg", c(5, r=-5), T), ("neg", c(-5, r=5), T), ("neg", c(0, r=0), T),
        ("neg", c(MAX, r=-MAX), T), ("neg", c(MIN, r=0), E_EV), ("neg", c(MIN, r=MIN), E_EV),
        # Precedence: * / % bind tighter than + -; parentheses group.
        ("prec_mul", c(2, 3, 4), T), ("prec_mul", c(5, 3, 3), T), ("prec_mul", c(2, 3, 5), F),
        ("prec_paren", c(2, 3, 4), T), ("prec_paren", c(1, 1, 10), T), ("prec_paren", c(2, 3, 5), F),
        ("prec_rem", c(5, 7, 3), T), ("prec_rem", c(6, 2, 4), T), ("prec_rem", c(6, 3, 4), F),
        # Unary minus binds tighter than `*`: (-MIN) overflows before `* 0` is reached.
        ("unary_first", c(MIN, 0, 0), E_EV), ("unary_first", c(3, 4, -12), T),
        ("unary_first", c(-3, -4, -12), T),
        # `n.a-1` is `n.a - 1`.
        ("minus_no_space", c(5, r=4), T), ("minus_no_space", c(MIN, r=0), E_EV),
        ("min_literal", c(MIN), T), ("min_literal", c(MAX), F), ("min_literal", c(MIN + 1), F),
        ("max_literal", c(MAX), T), ("max_literal", c(MAX - 1), F),
        ("min_plus", c(1, r=MIN + 1), T), ("min_plus", c(-1, r=0), E_EV), ("min_plus", c(MAX, r=-1), T),
        # An overflow between literals is a runtime error, not a compile error.
        ("const_overflow", {}, E_EV),
        ("const_overflow", c(1, 2, 3), E_EV),
    ]
    cmp = {
        # (a, b): eq, ne, lt, le, gt, ge
        (1, 2): (F, T, T, T, F, F),
        (2, 2): (T, F, F, T, F, T),
        (3, 2): (F, T, F, F, T, T),
        (MIN, MAX): (F, T, T, T, F, F),
        (-1, 0): (F, T, T, T, F, F),
        (MAX, MAX): (T, F, F, T, F, T),
    }
    for (a, b), exps in cmp.items():
        for op, exp in zip(("eq", "ne", "lt", "le", "gt", "ge"), exps):
            rows.append((op, c(a, b), exp))
    rows += [
        ("lt", c(1), E_IC),               # n.b missing
        ("lt", c(1, 2.0), T),             # 2.0 is the int 2
        ("lt", c(1, 2.5), E_IC),
    ]
    return build("int_arithmetic",
                 "Checked i64 arithmetic: + - * / % and unary -, overflow at the i64 boundaries, "
                 "division by zero, MIN / -1 (error) and MIN % -1 (0, decided), truncating division, "
                 "remainder with the sign of the dividend, precedence, the i64::MIN literal, an "
                 "overflow between literals (runtime EVALUATION_ERROR), int comparisons.",
                 INT_SRC, rows)


# =============================================================================
# float_arithmetic.json
# =============================================================================

FLOAT_SRC = ("// Float arithmetic (IEEE, but NaN/infinity are errors), float(), float values.\n"
             "context {\n  f.a: float\n  f.b: float\n  f.r: float\n  f.n: int\n  f.key: string\n}\n\n"
             + "\n".join([
                 probe("fadd", "f.a + f.b == f.r"),
                 probe("fsub", "f.a - f.b == f.r"),
                 probe("fmul", "f.a * f.b == f.r"),
                 probe("fdiv", "f.a / f.b == f.r"),
                 probe("frem", "f.a % f.b == f.r"),
                 probe("fneg", "-f.a == f.r"),
                 probe("to_float", "float(f.n) == f.r"),
                 probe("scaled", "float(f.n) * 0.5 > f.a"),
                 probe("flt", "f.a < f.b"),
                 probe("fge", "f.a >= f.b"),
                 probe("feq", "f.a == f.b"),
                 probe("fne", "f.a != f.b"),
                 probe("flit", "f.a > 0.5 and f.a <= 1.0e3"),
             ]) + r"""
flag fvalue: float {
  owner "conformance"
  default 0.0
  on_error -0.5
  rule one: when f.key == "one" => 1.0
  rule tenth: when f.key == "tenth" => 0.1
  rule big: when f.key == "big" => 2048.0
  rule e16: when f.key == "e16" => 1.0e16
  rule below_e16: when f.key == "below_e16" => 9999999999999998.0
  rule e15: when f.key == "e15" => 1.0e15
  rule e_7: when f.key == "e_7" => 0.0000001
  rule e_4: when f.key == "e_4" => 0.0001
  rule e_5: when f.key == "e_5" => 0.00001
  rule huge: when f.key == "huge" => 1.5e300
  rule frac: when f.key == "frac" => 123.456
  rule sci_one: when f.key == "sci_one" => 100.0e-2
  rule third: when f.key == "third" => 0.3333333333333333
  rule sum: when f.key == "sum" => 0.30000000000000004
  rule when f.key == "div" and f.a / f.b > 0.0 => 2.5
}
""")


def float_arithmetic() -> dict:
    def c(a=None, b=None, r=None, n=None, key=None):
        f = {}
        for k, v in (("a", a), ("b", b), ("r", r), ("n", n), ("key", key)):
            if v is not None:
                f[k] = v
        return {"f": f}

    rows = [
        ("fadd", c(0.1, 0.2, 0.30000000000000004), T), ("fadd", c(0.1, 0.2, 0.3), F),
        ("fadd", c(1e308, 1e308, 0.0), E_EV), ("fadd", c(1.5, -1.5, 0.0), T),
        ("fadd", c(1, 2, 3), T),  # JSON ints are floats here
        ("fadd", c(1e16, 1.0, 1e16), T),  # 1e16 + 1 rounds back to 1e16
        ("fsub", c(0.3, 0.1, 0.19999999999999998), T), ("fsub", c(-1e308, 1e308, 0.0), E_EV),
        ("fsub", c(5.5, 0.5, 5.0), T), ("fsub", c(1.0, 1.0, -0.0), T),
        ("fmul", c(1.5, 2.0, 3.0), T), ("fmul", c(1e200, 1e200, 0.0), E_EV),
        ("fmul", c(1e-200, 1e-200, 0.0), T),  # underflow to 0 is not an error
        ("fmul", c(-2.0, 0.5, -1.0), T), ("fmul", c(-1e200, 1e200, 0.0), E_EV),
        ("fdiv", c(1.0, 3.0, 0.3333333333333333), T), ("fdiv", c(1.0, 0.0, 0.0), E_EV),
        ("fdiv", c(0.0, 0.0, 0.0), E_EV), ("fdiv", c(-1.0, 0.0, 0.0), E_EV),
        ("fdiv", c(1.0, -0.0, 0.0), E_EV), ("fdiv", c(7.0, 2.0, 3.5), T),
        ("fdiv", c(0.0, -5.0, 0.0), T), ("fdiv", c(1e308, 1e-10, 0.0), E_EV),
        ("frem", c(7.5, 2.0, 1.5), T), ("frem", c(-7.5, 2.0, -1.5), T),
        ("frem", c(7.5, -2.0, 1.5), T), ("frem", c(1.0, 0.0, 0.0), E_EV),
        ("frem", c(6.0, 3.0, 0.0), T),
        ("fneg", c(2.5, r=-2.5), T), ("fneg", c(0.0, r=0.0), T), ("fneg", c(-1e308, r=1e308), T),
        ("fneg", c(2.5, r=2.5), F),
        ("to_float", c(r=3.0, n=3), T), ("to_float", c(r=3.5, n=3), F),
        ("to_float", c(r=9007199254740992.0, n=9007199254740993), T),
        ("to_float", c(r=-9.223372036854776e18, n=MIN), T),
        ("to_float", c(r=9.223372036854776e18, n=MAX), T),
        ("scaled", c(a=1.4, n=3), T), ("scaled", c(a=1.5, n=3), F),
        ("flt", c(0.1, 0.2), T), ("flt", c(-0.0, 0.0), F), ("flt", c(1e-300, 0.0), F),
        ("flt", c(2, 2.5), T), ("flt", c(-1e308, 1e308), T),
        ("fge", c(0.0, -0.0), T), ("fge", c(0.1, 0.2), F), ("fge", c(2.5, 2.5), T),
        ("feq", c(-0.0, 0.0), T), ("feq", c(0.1, 0.1), T), ("feq", c(3, 3.0), T),
        ("feq", c(1.0, 1.0000000000000002), F),
        ("fne", c(1.0, 1.0000000000000002), T), ("fne", c(-0.0, 0.0), F),
        ("flit", c(0.75), T), ("flit", c(0.5), F), ("flit", c(1000), T), ("flit", c(1000.5), F),
        ("flit", c("0.75"), E_IC), ("flit", c(True), E_IC),
    ]
    keys = [
        ("one", 1.0), ("tenth", 0.1), ("big", 2048.0), ("e16", 1e16),
        ("below_e16", 9999999999999998.0), ("e15", 1e15), ("e_7", 1e-7), ("e_4", 0.0001),
        ("e_5", 1e-5), ("huge", 1.5e300), ("frac", 123.456), ("sci_one", 1.0),
        ("third", 0.3333333333333333), ("sum", 0.30000000000000004),
    ]
    for key, value in keys:
        rows.append(("fvalue", c(key=key), M(value, key)))
    rows += [
        ("fvalue", c(key="other"), D(0.0)),
        ("fvalue", c(a=5.0, b=2.0, key="div"), M(2.5, "14")),
        ("fvalue", c(a=5.0, b=0.0, key="div"), ERR(-0.5, EV)),
        ("fvalue", {}, ERR(-0.5, IC)),
    ]
    return build("float_arithmetic",
                 "f64 arithmetic: + - * / % and unary -, NaN/infinity results (incl. / 0.0 and "
                 "% 0.0) are EVALUATION_ERROR, underflow to 0 is fine, -0.0 == 0.0, float(int) "
                 "rounding, JSON ints accepted for float attributes, and float flag values with "
                 "their Rust {:?} variant text (1.0, 0.1, 1e16, 1e-7, 0.0001, 1e-5, 1.5e300).",
                 FLOAT_SRC, rows)


# =============================================================================
# strings.json
# =============================================================================

STRINGS_SRC = ("// Strings: comparison by scalar values, concatenation, functions, regexes, Unicode.\n"
               "context {\n  s.a: string\n  s.b: string\n  s.r: string\n  s.n: int\n}\n\n"
               + "\n".join([
                   probe("concat", "s.a + s.b == s.r", on_error=False),
                   probe("concat3", 's.a + "-" + s.b == "x-y"', on_error=False),
                   probe("eq", "s.a == s.b", on_error=False),
                   probe("ne", "s.a != s.b", on_error=False),
                   probe("lt", "s.a < s.b", on_error=False),
                   probe("ge", "s.a >= s.b", on_error=False),
                   probe("contains", "s.a contains s.b", on_error=False),
                   probe("starts", "s.a starts_with s.b", on_error=False),
                   probe("ends", "s.a ends_with s.b", on_error=False),
                   probe("lower_eq", "lower(s.a) == s.r", on_error=False),
                   probe("upper_eq", "upper(s.a) == s.r", on_error=False),
                   probe("len_eq", "len(s.a) == s.n", on_error=False),
                   probe("len_concat", "len(s.a + s.b) == s.n", on_error=False),
                   probe("digits", r's.a matches r"^\d+$"', on_error=False),
                   probe("search", r's.a matches r"\d{3}"', on_error=False),
                   probe("ci", r's.a matches r"(?i)^hello"', on_error=False),
                   probe("word", r's.a matches r"^\w+$"', on_error=False),
                   probe("dotall", r's.a matches r"^a.b$"', on_error=False),
                   probe("escapes", r's.a == "tab\there \"q\" back\\slash \u{1F600}\u{e9}"', on_error=False),
                   probe("raw_lit", r's.a == r"C:\path\n"', on_error=False),
                   probe("unicode_lit", 's.a == "ünïcödé 用户"', on_error=False),
                   probe("lit_order", 's.a > "z"', on_error=False),
               ]))


def strings() -> dict:
    def c(a=None, b=None, r=None, n=None):
        s = {}
        for k, v in (("a", a), ("b", b), ("r", r), ("n", n)):
            if v is not None:
                s[k] = v
        return {"s": s}

    E = ERR(False, IC)
    rows = [
        ("concat", c("foo", "bar", "foobar"), T), ("concat", c("", "", ""), T),
        ("concat", c("ü", "😀", "ü😀"), T), ("concat", c("a", "b", "ba"), F),
        ("concat", c("e", "\u0301", "\u00e9"), F),  # no normalisation
        ("concat3", c("x", "y"), T), ("concat3", c("x-", "y"), F),
        ("eq", c("abc", "abc"), T), ("eq", c("abc", "ABC"), F),
        ("eq", c("\u00e9", "e\u0301"), F), ("eq", c("", ""), T),
        ("ne", c("\u00e9", "e\u0301"), T), ("ne", c("x", "x"), F),
        # Order by Unicode scalar values (= UTF-8 byte order), not UTF-16 code units.
        ("lt", c("Z", "a"), T), ("lt", c("a", "Z"), F), ("lt", c("abc", "abd"), T),
        ("lt", c("ab", "abc"), T), ("lt", c("", "a"), T), ("lt", c("a", "a"), F),
        ("lt", c("\u00e9", "z"), F), ("lt", c("z", "\u00e9"), T),
        ("lt", c("\uff61", "😀"), T),   # U+FF61 < U+1F600 (UTF-16 would say otherwise)
        ("lt", c("😀", "\uff61"), F),
        ("lt", c("\ue000", "\U00010000"), T),
        ("ge", c("b", "a"), T), ("ge", c("a", "a"), T), ("ge", c("a", "b"), F),
        ("ge", c("😀", "\uffff"), T),
        ("contains", c("hello world", "o w"), T), ("contains", c("hello", ""), T),
        ("contains", c("Hello", "hello"), F), ("contains", c("naïve", "ï"), T),
        ("contains", c("", "a"), F), ("contains", c("", ""), T),
        ("starts", c("prefix-x", "prefix"), T), ("starts", c("Prefix", "prefix"), F),
        ("starts", c("abc", ""), T), ("starts", c("ab", "abc"), F), ("starts", c("😀x", "😀"), T),
        ("ends", c("user@acme.com", "@acme.com"), T), ("ends", c("user@ACME.com", "@acme.com"), F),
        ("ends", c("\u00e9", "\u0301"), F), ("ends", c("e\u0301", "\u0301"), T), ("ends", c("abc", ""), T),
        ("lower_eq", c("HeLLo", r="hello"), T), ("lower_eq", c("\u0130", r="i\u0307"), T),
        ("lower_eq", c("\u0130", r="i"), F),
        ("lower_eq", c("\u039f\u0394\u039f\u03a3", r="\u03bf\u03b4\u03bf\u03c2"), T),   # final sigma: Rust maps the last Σ to ς
        ("lower_eq", c("ÀÉÎ", r="àéî"), T), ("lower_eq", c("ß", r="ß"), T),
        ("lower_eq", c("ABC", r="ABC"), F), ("lower_eq", c("\u212a", r="k"), T),  # KELVIN SIGN -> k
        ("upper_eq", c("ß", r="SS"), T), ("upper_eq", c("straße", r="STRASSE"), T),
        ("upper_eq", c("\ufb01", r="FI"), T), ("upper_eq", c("hello", r="HELLO"), T),
        ("upper_eq", c("\u01c6", r="\u01c4"), T), ("upper_eq", c("ß", r="ß"), F),
        ("len_eq", c("", n=0), T), ("len_eq", c("abc", n=3), T), ("len_eq", c("😀", n=1), T),
        ("len_eq", c("😀", n=2), F), ("len_eq", c("e\u0301", n=2), T), ("len_eq", c("用户", n=2), T),
        ("len_eq", c("👨\u200d👩\u200d👧", n=5), T), ("len_eq", c("ß", n=1), T),
        ("len_concat", c("ab", "😀", n=3), T),
        ("len_eq", c(5, n=1), E), ("len_eq", c("a", n="1"), E),
        # regex-lite: unanchored search, ASCII-only \d and \w.
        ("digits", c("12345"), T), ("digits", c("12a"), F), ("digits", c("١٢٣"), F),
        ("digits", c(""), F), ("digits", c("０１"), F),
        ("search", c("abc123def"), T), ("search", c("ab12cd"), F), ("search", c("x9999"), T),
        ("ci", c("HELLO world"), T), ("ci", c("say hello"), F), ("ci", c("HeLlO"), T),
        ("word", c("snake_case1"), T), ("word", c("héllo"), F), ("word", c("a-b"), F),
        ("dotall", c("a😀b"), T), ("dotall", c("a\nb"), F), ("dotall", c("ab"), F),
        ("escapes", c('tab\there "q" back\\slash 😀\u00e9'), T),
        ("escapes", c('tab\there "q" back\\slash \u00e9'), F),
        ("raw_lit", c("C:\\path\\n"), T), ("raw_lit", c("C:\\path\n"), F),
        ("unicode_lit", c("ünïcödé 用户"), T), ("unicode_lit", c("unicode 用户"), F),
        ("lit_order", c("\u00e9"), T), ("lit_order", c("y"), F), ("lit_order", c("za"), T),
    ]
    return build("strings",
                 "Strings: == != < >= by Unicode scalar values (UTF-8 byte order, not UTF-16), "
                 "+ concatenation, contains / starts_with / ends_with (case-sensitive, no "
                 "normalisation), lower/upper (Rust std Unicode mappings: final sigma, İ, ß, ligatures), "
                 "len in scalars, regex-lite matches (unanchored, ASCII \\d \\w, (?i)), escapes and "
                 "raw strings in literals.",
                 STRINGS_SRC, rows)


# =============================================================================
# semver.json
# =============================================================================

SEMVER_SRC = ("// SemVer 2.0: precedence, pre-releases, build metadata, semver().\n"
              "context {\n  app.version: semver\n  app.other: semver\n  app.raw: string\n}\n\n"
              + "\n".join([
                  probe("ge_230", 'app.version >= "2.3.0"'),
                  probe("eq_build", 'app.version == "1.0.0+a"'),
                  probe("ne_100", 'app.version != "1.0.0"'),
                  probe("lt", "app.version < app.other"),
                  probe("eq", "app.version == app.other"),
                  probe("ge_beta", 'app.version >= "3.0.0-beta"'),
                  probe("in_list", 'app.version in ["1.0.0", "2.0.0-rc.1"]'),
                  probe("parsed", 'semver(app.raw) > "1.0.0"'),
                  probe("parsed_eq", "semver(app.raw) == app.version"),
              ]))


def semver() -> dict:
    def c(v=None, o=None, raw=None):
        a = {}
        for k, x in (("version", v), ("other", o), ("raw", raw)):
            if x is not None:
                a[k] = x
        return {"app": a}

    rows = [
        ("ge_230", c("2.3.0"), T), ("ge_230", c("2.2.9"), F), ("ge_230", c("2.10.0"), T),
        ("ge_230", c("2.3.0-rc.1"), F), ("ge_230", c("2.3.0+build.5"), T), ("ge_230", c("10.0.0"), T),
        ("ge_230", c("2.3.1-alpha"), T), ("ge_230", c("0.0.0"), F),
        ("eq_build", c("1.0.0+b"), T), ("eq_build", c("1.0.0"), T), ("eq_build", c("1.0.0-a"), F),
        ("ne_100", c("1.0.0+x"), F), ("ne_100", c("1.0.1"), T), ("ne_100", c("1.0.0-0"), T),
    ]
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    for lo, hi in zip(chain, chain[1:]):
        rows.append(("lt", c(lo, hi), T))
        rows.append(("lt", c(hi, lo), F))
    rows += [
        ("lt", c("1.0.0", "1.0.0"), F), ("lt", c("1.0.0+a", "1.0.0+b"), F),
        ("lt", c("1.0.0+b", "1.0.0+a"), F), ("lt", c("1.0.0-1", "1.0.0-a"), T),
        ("lt", c("1.0.0-a", "1.0.0-a.0"), T), ("lt", c("1.0.0-2", "1.0.0-10"), T),
        ("lt", c("1.0.0-B", "1.0.0-a"), T),  # ASCII order for alphanumeric identifiers
        ("lt", c("1.9.9", "1.10.0"), T), ("lt", c("2.0.0", "10.0.0"), T),
        ("lt", c("1.0.0-alpha+zzz", "1.0.0-alpha.1+aaa"), T),
        ("eq", c("1.0.0+a", "1.0.0+b"), T), ("eq", c("1.0.0-rc.1+x", "1.0.0-rc.1"), T),
        ("eq", c("1.0.0-rc.1", "1.0.0-RC.1"), F),
        ("ge_beta", c("3.0.0-beta.1"), T), ("ge_beta", c("3.0.0-alpha"), F),
        ("ge_beta", c("3.0.0"), T), ("ge_beta", c("3.0.0-beta"), T), ("ge_beta", c("2.99.99"), F),
        ("in_list", c("2.0.0-rc.1+meta"), T), ("in_list", c("1.0.0"), T), ("in_list", c("2.0.0"), F),
        # semver(...) at runtime: a failed conversion is EVALUATION_ERROR.
        ("parsed", c(raw="1.2.0"), T), ("parsed", c(raw="1.0.0-rc.1"), F),
        ("parsed", c(raw="abc"), E_EV), ("parsed", c(raw="1.0"), E_EV),
        ("parsed", c(raw="v1.2.0"), E_EV), ("parsed", c(raw=""), E_EV),
        ("parsed", c(raw="1.2.3.4"), E_EV), ("parsed", c(raw=5), E_IC),
        ("parsed_eq", c("1.2.3", raw="1.2.3+build"), T),
        # An unparsable semver context attribute is INVALID_CONTEXT.
        ("ge_230", c("1.0"), E_IC), ("ge_230", c("v2.3.0"), E_IC), ("ge_230", c("01.0.0"), E_IC),
        ("ge_230", c("1.0.0-01"), E_IC), ("ge_230", c(230), E_IC), ("ge_230", c(""), E_IC),
        ("ge_230", {}, E_IC),
        # Numeric identifiers must fit u64 (LANGUAGE.md §9): 2^64 - 1 is fine, 2^64 is malformed,
        # in a context (INVALID_CONTEXT) and in semver(...) (EVALUATION_ERROR).
        ("ge_230", c("18446744073709551615.0.0"), T), ("ge_230", c("18446744073709551616.0.0"), E_IC),
        ("ge_230", c("2.18446744073709551616.0"), E_IC), ("ge_230", c("2.3.18446744073709551616"), E_IC),
        ("ge_230", c("3.0.0-18446744073709551616"), E_IC), ("ge_230", c("2.3.0-18446744073709551615"), F),
        ("ge_230", c("3.0.0-18446744073709551616a"), T),  # alphanumeric: no numeric limit
        ("parsed", c(raw="1.18446744073709551615.0"), T), ("parsed", c(raw="18446744073709551616.0.0"), E_EV),
        ("parsed", c(raw="1.0.0-rc.18446744073709551616"), E_EV),
    ]
    return build("semver",
                 "SemVer 2.0.0 precedence for == != < >= and in: numeric components, pre-release "
                 "ordering (the spec's alpha < alpha.1 < alpha.beta < beta < beta.2 < beta.11 < rc.1 "
                 "< release chain), build metadata ignored by == and <, string literals parsed as "
                 "semver, runtime semver() failures (EVALUATION_ERROR) vs unparsable context values "
                 "(INVALID_CONTEXT), numeric identifiers beyond u64 malformed in both.",
                 SEMVER_SRC, rows)


# =============================================================================
# timestamps.json
# =============================================================================

TS_SRC = ("// Timestamps: RFC 3339 offsets, ms truncation, now, hours_since, days_since.\n"
          "context {\n  user.signup: timestamp\n  user.raw: string\n  user.r: int\n}\n\n"
          + "\n".join([
              probe("after_2026", 'user.signup >= "2026-01-01T00:00:00Z"'),
              probe("at_ms", 'user.signup == "2026-01-01T00:00:00.123Z"'),
              probe("at_ms_offset", 'user.signup == "2026-01-01T05:30:00.123456+05:30"'),
              probe("before_epoch", 'user.signup < "1970-01-01T00:00:00Z"'),
              probe("pre_epoch_ms", 'user.signup == "1969-12-31T23:59:59.999Z"'),
              probe("hours", "hours_since(user.signup) == user.r"),
              probe("days", "days_since(user.signup) == user.r"),
              probe("now_after", 'now >= "2026-05-01T00:00:00Z"'),
              probe("now_before_signup", "now < user.signup"),
              probe("parsed", "timestamp(user.raw) < now"),
              probe("parsed_eq", "timestamp(user.raw) == user.signup"),
          ]))


def timestamps() -> dict:
    def c(ts=None, raw=None, r=None):
        u = {}
        for k, v in (("signup", ts), ("raw", raw), ("r", r)):
            if v is not None:
                u[k] = v
        return {"user": u}

    rows = [
        ("after_2026", c("2026-01-01T00:00:00Z"), T),
        ("after_2026", c("2025-12-31T23:59:59.999Z"), F),
        ("after_2026", c("2026-01-01T00:00:00+01:00"), F),   # = 2025-12-31T23:00:00Z
        ("after_2026", c("2025-12-31T19:00:00-05:00"), T),   # = 2026-01-01T00:00:00Z
        ("after_2026", c("2026-01-01t00:00:00z"), T),        # lower-case t / z
        ("after_2026", c("2025-12-31T23:59:59.9999Z"), F),   # truncated, not rounded up
        ("after_2026", c("2026-01-01T00:00:00.5Z"), T),
        ("after_2026", c("2026-01-01T00:59:59+01:00"), F),
        ("at_ms", c("2026-01-01T00:00:00.123Z"), T),
        ("at_ms", c("2026-01-01T00:00:00.123999Z"), T),
        ("at_ms", c("2026-01-01T00:00:00.1239Z"), T),
        ("at_ms", c("2026-01-01T00:00:00.124Z"), F),
        ("at_ms", c("2026-01-01T01:00:00.123+01:00"), T),
        ("at_ms", c("2026-01-01T00:00:00.12Z"), F),          # .120
        ("at_ms_offset", c("2026-01-01T00:00:00.123Z"), T),  # literal offset and truncation too
        ("at_ms_offset", c("2025-12-31T19:00:00.123999-05:00"), T),
        ("before_epoch", c("1969-12-31T23:59:59.999Z"), T),
        ("before_epoch", c("1970-01-01T00:00:00Z"), F),
        ("before_epoch", c("1970-01-01T00:30:00+01:00"), T),
        ("pre_epoch_ms", c("1969-12-31T23:59:59.9999Z"), T),  # fraction digits cut to .999 (not epoch ms rounded toward zero)
        # Invalid context timestamps.
        ("after_2026", c("2026-01-01T23:59:60Z"), E_IC),      # leap second
        ("after_2026", c("2026-01-01"), E_IC),
        ("after_2026", c("2026-13-01T00:00:00Z"), E_IC),
        ("after_2026", c("2026-02-30T00:00:00Z"), E_IC),
        ("after_2026", c("2026-01-01T00:00:00"), E_IC),       # no offset
        ("after_2026", c(1767225600), E_IC),
        ("after_2026", c(""), E_IC),
        # hours_since / days_since: (now - ts) truncated toward zero; now = 2026-05-01T12:00Z.
        ("hours", c("2026-05-01T10:00:00Z", r=2), T),
        ("hours", c("2026-05-01T10:00:00.001Z", r=1), T),
        ("hours", c("2026-05-01T12:30:00Z", r=0), T),
        ("hours", c("2026-05-01T13:00:00Z", r=-1), T),
        ("hours", c("2026-05-01T14:59:59Z", r=-2), T),
        ("hours", c("2026-04-30T12:00:00Z", r=24), T),
        ("hours", c("2026-05-01T12:00:00+02:00", r=2), T),
        ("hours", c("2026-05-01T11:00:00Z", r=2), F),
        ("days", c("2026-04-30T12:00:00Z", r=1), T),
        ("days", c("2026-04-30T12:00:00.001Z", r=0), T),
        ("days", c("2026-05-02T00:00:00Z", r=0), T),         # 12 h in the future
        ("days", c("2026-05-03T00:00:00Z", r=-1), T),        # 36 h in the future
        ("days", c("2026-01-01T00:00:00Z", r=120), T),
        ("days", c("2025-05-01T12:00:00Z", r=365), T),
        ("days", c("2024-05-01T12:00:00Z", r=730), T),
        ("days", c("2026-05-01T00:00:00+12:00", r=1), T),    # = 2026-04-30T12:00Z
        ("days", c("2024-02-28T12:00:00Z", r=2), T, "2024-03-01T12:00:00Z"),  # leap day
        ("days", c("2024-02-28T12:00:00Z", r=1), F, "2024-03-01T12:00:00Z"),
        ("days", c("1970-01-01T00:00:00Z", r=20574), T),
        # `now` is an input, echoed canonically.
        ("now_after", {}, T),
        ("now_after", {}, F, "2026-04-30T23:59:59.999Z"),
        ("now_after", {}, T, "2026-05-01T02:00:00+02:00"),    # = 2026-05-01T00:00:00Z
        ("now_after", {}, F, "2026-05-01T01:59:59.999999+02:00"),
        ("now_after", {}, T, "2026-05-01T00:00:00.5Z"),
        ("now_before_signup", c("2026-05-01T12:00:00.001Z"), T),
        ("now_before_signup", c("2026-05-01T12:00:00Z"), F),
        ("now_before_signup", c("2026-05-01T12:00:00.001Z"), F, "2026-05-01T12:00:00.001999Z"),
        # timestamp(...) at runtime: a failed parse is EVALUATION_ERROR.
        ("parsed", c(raw="2020-01-01T00:00:00Z"), T),
        ("parsed", c(raw="2030-01-01T00:00:00+14:00"), F),
        ("parsed", c(raw="garbage"), E_EV),
        ("parsed", c(raw="2026-01-01T23:59:60Z"), E_EV),
        ("parsed", c(raw="2026-01-01"), E_EV),
        ("parsed", c(raw=20200101), E_IC),
        ("parsed_eq", c("2026-01-01T00:00:00.123Z", raw="2026-01-01T09:00:00.1234+09:00"), T),
    ]
    return build("timestamps",
                 "Timestamps: RFC 3339 with offsets (normalised to UTC), lower-case t/z, fractions "
                 "truncated to milliseconds (also before 1970), leap seconds and malformed values "
                 "rejected (INVALID_CONTEXT from the context, EVALUATION_ERROR from timestamp()), "
                 "now as an input echoed as YYYY-MM-DDTHH:MM:SS.sssZ, hours_since/days_since "
                 "truncated toward zero (12 h in the future is 0 days, 36 h is -1).",
                 TS_SRC, rows)


# =============================================================================
# ip.json
# =============================================================================

IP_SRC = ("// IP addresses and CIDR ranges, IPv4 and IPv6.\n"
          "context {\n  req.ip: ip\n}\n\n"
          + "\n".join([
              probe("in_ten", 'req.ip in "10.0.0.0/8"'),
              probe("in_list", 'req.ip in ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]'),
              probe("not_loopback", 'req.ip not in "127.0.0.0/8"'),
              probe("eq_v6", 'req.ip == "fd00::1"'),
              probe("eq_v4", 'req.ip == "10.1.2.3"'),
              probe("any_v4", 'req.ip in "0.0.0.0/0"'),
              probe("any_v6", 'req.ip in "::/0"'),
              probe("mapped", 'req.ip in "::ffff:0:0/96"'),
              probe("host", 'req.ip in "10.1.2.3/32"'),
              probe("doc_v6", 'req.ip in "2001:db8::/32"'),
          ]))


def ip() -> dict:
    def c(a):
        return {"req": {"ip": a}}

    rows = [
        ("in_ten", c("10.1.2.3"), T), ("in_ten", c("11.0.0.1"), F),
        ("in_ten", c("10.255.255.255"), T), ("in_ten", c("9.255.255.255"), F),
        ("in_ten", c("10.0.0.0"), T),
        ("in_ten", c("::ffff:10.1.2.3"), F),    # IPv4-mapped IPv6 is IPv6
        ("in_ten", c("fd00::1"), F), ("in_ten", c("::a01:203"), F),
        ("in_list", c("fd12:3456::1"), T), ("in_list", c("fe80::1"), F),
        ("in_list", c("192.168.1.1"), T), ("in_list", c("192.169.0.0"), F),
        ("in_list", c("10.9.9.9"), T), ("in_list", c("FD00::ABCD"), T),
        ("not_loopback", c("127.0.0.1"), F), ("not_loopback", c("8.8.8.8"), T),
        ("not_loopback", c("::1"), T), ("not_loopback", c("::ffff:127.0.0.1"), T),
        ("eq_v6", c("FD00:0:0:0:0:0:0:1"), T), ("eq_v6", c("fd00::2"), F),
        ("eq_v6", c("fd00:0000::0001"), T),
        ("eq_v4", c("10.1.2.3"), T), ("eq_v4", c("::ffff:10.1.2.3"), F), ("eq_v4", c("10.1.2.4"), F),
        ("any_v4", c("1.2.3.4"), T), ("any_v4", c("255.255.255.255"), T), ("any_v4", c("::1"), F),
        ("any_v4", c("::ffff:1.2.3.4"), F),
        ("any_v6", c("::ffff:10.1.2.3"), T), ("any_v6", c("10.1.2.3"), F), ("any_v6", c("::"), T),
        ("mapped", c("::ffff:10.1.2.3"), T), ("mapped", c("10.1.2.3"), F), ("mapped", c("::1"), F),
        ("host", c("10.1.2.3"), T), ("host", c("10.1.2.2"), F),
        ("doc_v6", c("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), T), ("doc_v6", c("2001:db9::"), F),
        # Unparsable ip context values.
        ("in_ten", c("10.1.2"), E_IC), ("in_ten", c("10.1.2.300"), E_IC), ("in_ten", c(""), E_IC),
        ("in_ten", c(167838211), E_IC), ("in_ten", c("10.1.2.3/8"), E_IC),
        ("in_ten", c("fd00:::1"), E_IC), ("in_ten", {"req": {}}, E_IC),
    ]
    return build("ip",
                 "IP addresses: CIDR membership (in / not in, single range or list), IPv4 vs IPv6 "
                 "never mixing (::ffff:a.b.c.d is IPv6, also for ==), /0 and /32 ranges, IPv6 "
                 "equality regardless of spelling, unparsable addresses -> INVALID_CONTEXT.",
                 IP_SRC, rows)


# =============================================================================
# enums_lists.json
# =============================================================================

ENUMS_SRC = r"""// Enums and lists: ==, qualified members, in / not in, contains, len.
enum Plan { free, pro, gold }

context {
  user.plan: Plan
  user.s: string
  user.n: int
  user.tags: list<string>
  user.ids: list<int>
  user.scores: list<float>
  user.plans: list<Plan>
}

flag is_gold: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.plan == gold => true
}

flag qualified: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.plan != Plan.free => true
}

flag paid: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.plan in [pro, gold] => true
}

flag unpaid: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.plan not in [pro, gold] => true
}

flag plan_value: Plan {
  owner "conformance"
  default free
  on_error pro
  rule upgrade: when user.s == "upgrade" => gold
  rule mirror: when user.plan == Plan.pro => pro
}

flag tag_contains: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.tags contains "beta" => true
}

flag tag_in: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.s in user.tags => true
}

flag tag_not_in: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.s not in user.tags => true
}

flag tag_len: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when len(user.tags) == user.n => true
}

flag ids_contains: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.ids contains 42 => true
}

flag n_in_ids: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.n in user.ids => true
}

flag n_not_in_lit: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.n not in [1, 2, -3] => true
}

flag s_in_lit: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.s in ["é", "😀", ""] => true
}

flag scores_contains: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.scores contains 0.5 => true
}

flag plans_contains: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.plans contains gold => true
}

flag plans_len: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when len(user.plans) > 1 => true
}
"""


def enums_lists() -> dict:
    def c(**kw):
        return {"user": kw}

    rows = [
        ("is_gold", c(plan="gold"), T), ("is_gold", c(plan="pro"), F),
        ("is_gold", c(plan="Gold"), E_IC), ("is_gold", c(plan="platinum"), E_IC),
        ("is_gold", c(plan=2), E_IC), ("is_gold", c(plan=""), E_IC), ("is_gold", c(), E_IC),
        ("qualified", c(plan="free"), F), ("qualified", c(plan="pro"), T),
        ("paid", c(plan="pro"), T), ("paid", c(plan="gold"), T), ("paid", c(plan="free"), F),
        ("unpaid", c(plan="free"), T), ("unpaid", c(plan="gold"), F),
        ("plan_value", c(s="upgrade"), M("gold", "upgrade")),
        ("plan_value", c(s="x", plan="pro"), M("pro", "mirror")),
        ("plan_value", c(s="x", plan="free"), D("free")),
        ("plan_value", c(s="x", plan="PRO"), ERR("pro", IC)),
        ("plan_value", c(s="upgrade", plan="PRO"), M("gold", "upgrade")),  # plan never read
        ("tag_contains", c(tags=["alpha", "beta"]), T), ("tag_contains", c(tags=[]), F),
        ("tag_contains", c(tags=["Beta"]), F),
        ("tag_contains", c(tags=["beta", 1]), E_IC),   # a list is decoded whole when first read
        ("tag_contains", c(tags=["x", 1]), E_IC),
        ("tag_contains", c(tags="beta"), E_IC), ("tag_contains", c(), E_IC),
        ("tag_contains", c(tags=None), E_IC),
        ("tag_in", c(s="é", tags=["a", "é"]), T), ("tag_in", c(s="e\u0301", tags=["é"]), F),
        ("tag_in", c(s="", tags=[""]), T), ("tag_in", c(s="a", tags=[]), F),
        ("tag_not_in", c(s="a", tags=[]), T), ("tag_not_in", c(s="a", tags=["a"]), F),
        ("tag_len", c(tags=[], n=0), T), ("tag_len", c(tags=["a", "b", "a"], n=3), T),
        ("tag_len", c(tags=["😀"], n=1), T), ("tag_len", c(tags=["a"], n=2), F),
        ("ids_contains", c(ids=[1, 42]), T), ("ids_contains", c(ids=[41, 43]), F),
        ("ids_contains", c(ids=[42.0]), T), ("ids_contains", c(ids=[42, 1.5]), E_IC),
        ("ids_contains", c(ids=["42"]), E_IC),
        ("n_in_ids", c(n=MIN, ids=[MAX, MIN]), T), ("n_in_ids", c(n=0, ids=[]), F),
        ("n_not_in_lit", c(n=-3), F), ("n_not_in_lit", c(n=3), T), ("n_not_in_lit", c(n=2), F),
        ("s_in_lit", c(s="é"), T), ("s_in_lit", c(s="e\u0301"), F), ("s_in_lit", c(s=""), T),
        ("s_in_lit", c(s="😀"), T), ("s_in_lit", c(s="E"), F),
        ("scores_contains", c(scores=[0.25, 0.5]), T), ("scores_contains", c(scores=[0.49999]), F),
        ("scores_contains", c(scores=[1, 2]), F), ("scores_contains", c(scores=[0.5, "x"]), E_IC),
        ("plans_contains", c(plans=["free", "gold"]), T), ("plans_contains", c(plans=["free"]), F),
        ("plans_contains", c(plans=["gold", "diamond"]), E_IC),
        ("plans_len", c(plans=["free", "free"]), T), ("plans_len", c(plans=["pro"]), F),
    ]
    return build("enums_lists",
                 "Enums (bare and qualified members, ==, !=, in / not in, enum flag values, unknown "
                 "or mis-cased members -> INVALID_CONTEXT) and lists (list<string|int|float|enum>, "
                 "contains, in / not in against context lists and list literals, len, lists decoded "
                 "whole when first read).",
                 ENUMS_SRC, rows)


# =============================================================================
# logic.json
# =============================================================================

LOGIC_SRC = ("// and / or / not short-circuit, precedence, ??, has, segments.\n"
             "context {\n  c.a: bool\n  c.b: bool\n  c.n: int\n  c.zero: int\n"
             "  c.nick: string?\n  c.age: int?\n  c.alt: int?\n}\n\n"
             "segment adult = has(c.age) and c.age >= 18\n"
             "segment grown = adult or c.b\n"
             "segment risky = 100 / c.zero > 1\n\n"
             + "\n".join([
                 probe("and_sc", "c.a and 100 / c.zero > 1"),
                 probe("or_sc", "c.a or 100 / c.zero > 1"),
                 probe("not_a", "not c.a"),
                 probe("and_or_prec", "c.a or c.b and false"),
                 probe("not_prec", "not c.a and c.b"),
                 probe("not_paren", "not (c.a and c.b)"),
                 probe("coalesce", 'c.nick ?? "anon" == "anon"'),
                 probe("coalesce_arith", "c.age ?? 10 + 5 == c.n"),
                 probe("coalesce_lazy", "c.age ?? 100 / c.zero == c.n"),
                 probe("coalesce_chain", "c.age ?? c.alt ?? 0 == c.n"),
                 probe("has_guard", "has(c.age) and c.age > 17"),
                 probe("not_has", "not has(c.age) or c.age < 13"),
                 probe("has_only", "has(c.nick)"),
                 probe("seg_adult", "adult"),
                 probe("seg_nested", "grown"),
             ]) + r"""
flag seg_lazy: string {
  owner "conformance"
  default "none"
  on_error "error"
  rule first: when c.a => "first"
  rule second: when risky => "second"
}
""")


def logic() -> dict:
    def c(**kw):
        return {"c": kw}

    rows = [
        # The right operand of and/or is not evaluated when the left decides.
        ("and_sc", c(a=False, zero=0), F), ("and_sc", c(a=True, zero=0), E_EV),
        ("and_sc", c(a=True, zero=50), T), ("and_sc", c(a=False), F),
        ("and_sc", c(a=False, zero="x"), F),
        ("or_sc", c(a=True, zero=0), T), ("or_sc", c(a=False, zero=0), E_EV),
        ("or_sc", c(a=False, zero=200), F), ("or_sc", c(a=True), T),
        ("not_a", c(a=False), T), ("not_a", c(a=True), F), ("not_a", c(), E_IC),
        # `and` binds tighter than `or`: a or (b and false).
        ("and_or_prec", c(a=True, b=True), T), ("and_or_prec", c(a=False, b=True), F),
        ("and_or_prec", c(a=True), T),
        # `not` binds tighter than `and`: (not a) and b.
        ("not_prec", c(a=False, b=True), T), ("not_prec", c(a=True, b=False), F),
        ("not_prec", c(a=True), F), ("not_prec", c(a=False, b=False), F),
        ("not_paren", c(a=True, b=False), T), ("not_paren", c(a=True, b=True), F),
        # ?? binds tighter than ==, looser than +; right side evaluated only when needed.
        ("coalesce", c(), T), ("coalesce", c(nick=None), T), ("coalesce", c(nick="bob"), F),
        ("coalesce", c(nick="anon"), T), ("coalesce", c(nick=5), E_IC),
        ("coalesce", {}, T), ("coalesce", {"c": None}, T),
        ("coalesce_arith", c(n=15), T), ("coalesce_arith", c(n=10), F),
        ("coalesce_arith", c(age=3, n=3), T), ("coalesce_arith", c(age=3, n=8), F),
        ("coalesce_lazy", c(age=7, zero=0, n=7), T), ("coalesce_lazy", c(zero=0, n=7), E_EV),
        ("coalesce_lazy", c(zero=4, n=25), T), ("coalesce_lazy", c(age=7, n=7), T),
        ("coalesce_chain", c(age=1, alt=2, n=1), T), ("coalesce_chain", c(alt=2, n=2), T),
        ("coalesce_chain", c(n=0), T), ("coalesce_chain", c(age=None, alt=None, n=0), T),
        ("coalesce_chain", c(alt=2, n=0), F),
        ("has_guard", c(age=18), T), ("has_guard", c(age=17), F), ("has_guard", c(), F),
        ("has_guard", c(age=None), F), ("has_guard", c(age="18"), E_IC),
        ("not_has", c(), T), ("not_has", c(age=12), T), ("not_has", c(age=13), F),
        ("has_only", c(nick="x"), T), ("has_only", c(nick=None), F), ("has_only", c(), F),
        ("has_only", c(nick=42), T),        # has() does not look at the value
        ("has_only", c(nick=""), T),
        ("seg_adult", c(age=30), T), ("seg_adult", c(), F), ("seg_adult", c(age=5), F),
        ("seg_nested", c(age=30), T), ("seg_nested", c(age=5, b=True), T),
        ("seg_nested", c(b=False), F), ("seg_nested", c(age=5), E_IC),
        # A segment is evaluated only when a reached rule references it.
        ("seg_lazy", c(a=True, zero=0), M("first", "first")),
        ("seg_lazy", c(a=False, zero=0), ERR("error", EV)),
        ("seg_lazy", c(a=False, zero=20), M("second", "second")),
        ("seg_lazy", c(a=False, zero=100), D("none")),
        ("seg_lazy", c(a=True, zero="bad"), M("first", "first")),
    ]
    return build("logic",
                 "Boolean logic and optional attributes: and/or short-circuit strictly left to right "
                 "(an erroring right operand is not evaluated), precedence of or < and < not < "
                 "comparisons < ?? < + -, ?? evaluating its right side only when the left is absent "
                 "(right-associative), has() true when present and not null whatever the value, "
                 "segments (nested, evaluated only when reached).",
                 LOGIC_SRC, rows)


# =============================================================================
# context.json
# =============================================================================

CONTEXT_SRC = ("// Context decoding and lazy validation.\n"
               "context {\n  user.id: string\n  user.n: int\n  user.f: float\n  user.ok: bool\n"
               "  user.nick: string?\n  user.age: int?\n  org.name: string\n  org.deep.level: int\n}\n\n"
               "flag reads_nothing: bool {\n" + OWNER + "  default true\n}\n\n"
               + "\n".join([
                   probe("reads_org", 'org.name == "acme"'),
                   probe("reads_id", 'user.id == "u1"'),
                   probe("int_three", "user.n == 3"),
                   probe("float_three", "user.f == 3.0"),
                   probe("is_ok", "user.ok"),
                   probe("short_or", "user.ok or user.n > 5"),
                   probe("short_and", "user.ok and user.n > 5"),
                   probe("nick_or", 'user.nick ?? "anon" == "anon"'),
                   probe("age_guard", "has(user.age) and user.age >= 18"),
                   probe("deep", "org.deep.level == 2"),
               ]) + r"""
flag second_rule: string {
  owner "conformance"
  default "d"
  on_error "e"
  rule first: when org.name == "acme" => "first"
  rule second: when user.n > 5 => "second"
}
""")


def context() -> dict:
    def u(**kw):
        return {"user": kw}

    rows = [
        # A flag that reads nothing ignores the context's contents.
        ("reads_nothing", {}, ST(True)),
        ("reads_nothing", {"user": "bob", "org": [1, 2]}, ST(True)),
        ("reads_nothing", u(id=5, n="x", ok="yes"), ST(True)),
        # Extra attributes are ignored; wrong types in attributes that are never read too.
        ("reads_org", {"org": {"name": "acme"}}, T),
        ("reads_org", {"org": {"name": "acme"}, "user": "bob"}, T),
        ("reads_org", {"org": {"name": "acme", "extra": [1, {"x": None}]}, "zzz": None}, T),
        ("reads_org", {"org": {"name": "acme"}, "user": {"id": 5, "n": "x", "ok": "yes"}}, T),
        ("reads_org", {"org": {"name": "other"}}, F),
        ("reads_org", {"org": {"name": None}}, E_IC),   # null = absent, and it is required
        ("reads_org", {"org": {}}, E_IC),
        ("reads_org", {}, E_IC),
        ("reads_org", {"org": None}, E_IC),
        ("reads_org", {"org": "acme"}, E_IC),           # org is not an object
        ("reads_org", {"org": {"name": 1}}, E_IC),
        ("reads_org", {"org.name": "acme"}, E_IC),      # paths are nested objects, not dotted keys
        # `user` is a string instead of an object: an error only for flags that read user.*.
        ("reads_id", {"user": "bob"}, E_IC),
        ("reads_id", {"user": None}, E_IC),
        ("reads_id", {"user": ["u1"]}, E_IC),
        ("reads_id", u(id="u1"), T),
        ("reads_id", u(id="u1", n="bad"), T),
        ("reads_id", u(id=["u1"]), E_IC),
        ("reads_id", u(id="U1"), F),
        # A context that is not a JSON object (the flag reads user.id).
        ("reads_id", [], E_IC),
        ("reads_id", [{"user": {"id": "u1"}}], E_IC),
        ("reads_id", "u1", E_IC),
        ("reads_id", 42, E_IC),
        ("reads_id", True, E_IC),
        ("reads_id", None, E_IC),
        # int decoding.
        ("int_three", u(n=3), T), ("int_three", u(n=3.0), T), ("int_three", u(n=4), F),
        ("int_three", u(n=3.5), E_IC), ("int_three", u(n="3"), E_IC), ("int_three", u(n=1e19), E_IC),
        # LANGUAGE.md §7: an integer literal beyond i64 is read as the nearest double, accepted
        # for int when that double is integral and in [-2^63, 2^63). 9223372036854775808 is the
        # double 2^63 (out of range); -9223372036854777856 is the next double below -2^63.
        ("int_three", u(n=9223372036854775808), E_IC), ("int_three", u(n=-9223372036854777856), E_IC),
        # ... and -9223372036854775809 rounds to the double -2^63, which is i64::MIN: a valid
        # int (not INVALID_CONTEXT), just not 3. numbers.json pins it equal to i64::MIN.
        ("int_three", u(n=-9223372036854775809), F),
        ("int_three", u(n=MAX), F), ("int_three", u(n=MIN), F), ("int_three", u(n=True), E_IC),
        ("int_three", u(n=None), E_IC), ("int_three", u(n=[3]), E_IC),
        # float decoding.
        ("float_three", u(f=3), T), ("float_three", u(f=3.0), T), ("float_three", u(f="3.0"), E_IC),
        ("float_three", u(f=3.0000000000000004), F), ("float_three", u(f=True), E_IC),
        ("float_three", u(f=None), E_IC),
        # bool decoding.
        ("is_ok", u(ok=True), T), ("is_ok", u(ok=False), F), ("is_ok", u(ok="true"), E_IC),
        ("is_ok", u(ok=1), E_IC), ("is_ok", u(ok=None), E_IC),
        # Lazy: the right operand (and its attribute) is read only when needed.
        ("short_or", u(ok=True, n="bad"), T), ("short_or", u(ok=False, n="bad"), E_IC),
        ("short_or", u(ok=False, n=6), T), ("short_or", u(ok=True), T),
        ("short_and", u(ok=False, n="bad"), F), ("short_and", u(ok=True, n="bad"), E_IC),
        ("short_and", u(ok=True, n=6), T), ("short_and", u(ok=False), F),
        # A rule that is never reached reads nothing.
        ("second_rule", {"org": {"name": "acme"}, "user": {"n": "bad"}}, M("first", "first")),
        ("second_rule", {"org": {"name": "acme"}, "user": "bob"}, M("first", "first")),
        ("second_rule", {"org": {"name": "other"}, "user": {"n": "bad"}}, ERR("e", IC)),
        ("second_rule", {"org": {"name": "other"}, "user": {"n": 9}}, M("second", "second")),
        ("second_rule", {"org": {"name": "other"}, "user": {"n": 1}}, D("d")),
        # Optional attributes: null is absent; a present value of the wrong type is an error
        # only when read (has() does not read it).
        ("nick_or", u(), T), ("nick_or", u(nick=None), T), ("nick_or", u(nick="bob"), F),
        ("nick_or", u(nick=42), E_IC), ("nick_or", {}, T), ("nick_or", {"user": None}, T),
        ("age_guard", u(age=20), T), ("age_guard", u(age=10), F), ("age_guard", u(), F),
        ("age_guard", u(age=None), F), ("age_guard", u(age="20"), E_IC), ("age_guard", u(age=20.0), T),
        # Nested levels missing.
        ("deep", {"org": {"deep": {"level": 2}}}, T),
        ("deep", {"org": {"deep": {}}}, E_IC),
        ("deep", {"org": {}}, E_IC),
        ("deep", {"org": {"deep": 2}}, E_IC),
        ("deep", {"org": {"deep": {"level": 2.0, "other": "x"}}}, T),
    ]
    return build("context",
                 "Context decoding (int: integral numbers within i64, 3.0 is 3; float: any number; "
                 "bool; null = absent) and lazy validation: extra attributes ignored, wrong or missing "
                 "attributes matter only when the evaluation reads them (short-circuit, unreached "
                 "rules, has()), nested objects missing a level, `user` not an object, a context that "
                 "is not a JSON object (INVALID_CONTEXT for a flag that reads an attribute).",
                 CONTEXT_SRC, rows)


# =============================================================================
# numbers.json
# =============================================================================

NUMBERS_SRC = ("// Numbers at the edges of JSON, JavaScript and i64: §7's int decoding, signed zeros.\n"
               "context {\n  n: int\n  f: float\n  key: string\n}\n\n" + "\n".join([
                   probe("is_2_62", "n == 4611686018427387904"),
                   probe("is_min", "n == -9223372036854775808"),
                   probe("is_max", "n == 9223372036854775807"),
                   probe("is_zero", "n == 0"),
                   probe("is_2_53", "n == 9007199254740992"),
                   probe("is_2_53_1", "n == 9007199254740993"),
                   probe("doubled", "n * 2 > 0"),
                   probe("f_zero", "f == 0.0"),
                   probe("f_inverse", "1.0 / f > 0.0"),
               ]) + r"""
flag zero_pos_wins: float {
  owner "conformance"
  default 1.0
  rule neg: when key == "neg" => -0.0
  rule pos: when true => 0.0
}

flag zero_neg_wins: float {
  owner "conformance"
  default 1.0
  rule pos: when key == "pos" => 0.0
  rule neg: when true => -0.0
}

flag zero_default: float {
  owner "conformance"
  default -0.0
  on_error 0.0
  rule pos: when key == "pos" => 0.0
  rule err: when key == "err" and 1.0 / f > 0.0 => 1.0
}

flag zero_off: float {
  owner "conformance"
  state off
  off -0.0
  default 0.0
}

flag zero_split: float {
  owner "conformance"
  default 1.0
  rule coin: when true => split by key { -0.0: 50%, 0.0: 50% }
}

flag zero_prereq: bool {
  owner "conformance"
  requires zero_default == 0.0
  default false
  rule r: when true => true
}
""")


def numbers() -> dict:
    coin = [(-0.0, 5000), (0.0, 5000)]
    rows = [
        # §7, "Precisely, for int": an integer literal within i64 is that integer; any other
        # number is the nearest double, accepted when integral and in [-2^63, 2^63).
        ("is_2_62", {"n": 4611686018427387904}, T),
        ("is_2_62", {"n": 4.611686018427388e18}, T),          # exactly 2^62 as a double
        ("is_2_62", {"n": raw("4611686018427387904.0")}, T),
        ("is_2_62", {"n": 4611686018427388000}, F),           # an integer literal: that integer
        ("is_2_62", {"n": raw("4611686018427388000.0")}, T),   # the same double, 2^62
        ("is_2_62", {"n": "4611686018427387904"}, E_IC),
        ("is_min", {"n": -9223372036854775808}, T),
        # Beyond i64, so (§7, exactly) read as the nearest double: -2^63 (the gap between doubles
        # there is 2048), which is i64::MIN and accepted. Not INVALID_CONTEXT: the literal is
        # out of range, the double it denotes is not.
        ("is_min", {"n": -9223372036854775809}, T),
        ("is_min", {"n": raw("-9.223372036854775808e18")}, T),
        ("is_min", {"n": raw("-9223372036854775808.0")}, T),
        ("is_min", {"n": -9223372036854777856}, E_IC),        # the next double below -2^63
        ("is_max", {"n": 9223372036854775807}, T),
        ("is_max", {"n": raw("9223372036854775807.0")}, E_IC),  # the double 2^63: out of range
        ("is_max", {"n": raw("9.223372036854775807e18")}, E_IC),
        ("is_max", {"n": 9223372036854775808}, E_IC),
        ("is_max", {"n": 1e19}, E_IC),
        ("is_max", {"n": 1e308}, E_IC),
        ("is_zero", {"n": 0}, T), ("is_zero", {"n": -0.0}, T), ("is_zero", {"n": raw("-0")}, T), ("is_zero", {"n": 0.0}, T),
        ("is_zero", {"n": 5e-324}, E_IC),                     # the smallest subnormal: not whole
        ("is_zero", {"n": -0.5}, E_IC),
        ("is_2_53", {"n": 9007199254740992}, T),
        ("is_2_53", {"n": 9007199254740993}, F),
        ("is_2_53", {"n": raw("9007199254740993.0")}, T),       # rounds (to even) to 2^53
        ("is_2_53", {"n": raw("9.007199254740993e15")}, T),
        ("is_2_53_1", {"n": 9007199254740993}, T),
        ("is_2_53_1", {"n": raw("9007199254740993.0")}, F),
        ("is_2_53_1", {"n": 9007199254740994.0}, F),
        ("doubled", {"n": 2305843009213693952}, T),
        ("doubled", {"n": 4611686018427387904}, E_EV),
        ("doubled", {"n": 4.611686018427388e18}, E_EV),
        ("doubled", {"n": -4611686018427387904}, F),          # 2 * -2^62 is i64::MIN: no overflow
        ("doubled", {"n": -4.611686018427388e18}, F),
        # float: any number, the double it denotes; -0.0 == 0.0 in expressions.
        ("f_zero", {"f": -0.0}, T), ("f_zero", {"f": raw("-0")}, T), ("f_zero", {"f": 0}, T), ("f_zero", {"f": 0.0}, T),
        ("f_zero", {"f": 5e-324}, F), ("f_zero", {"f": 2.2250738585072014e-308}, F),
        ("f_zero", {"f": 1.7976931348623157e308}, F), ("f_zero", {"f": -1e308}, F),
        ("f_zero", {"f": 4611686018427387904}, F),
        ("f_inverse", {"f": -0.0}, E_EV), ("f_inverse", {"f": raw("-0")}, E_EV), ("f_inverse", {"f": 0}, E_EV),
        ("f_inverse", {"f": 5e-324}, E_EV),                   # 1 / 5e-324 is infinite
        ("f_inverse", {"f": 1e-308}, T), ("f_inverse", {"f": -2.0}, F),
        # Float flags: a decision carries exactly the value written where it was decided.
        ("zero_pos_wins", {"key": "x"}, M(0.0, "pos")),
        ("zero_pos_wins", {"key": "neg"}, M(-0.0, "neg")),
        ("zero_neg_wins", {"key": "x"}, M(-0.0, "neg")),
        ("zero_neg_wins", {"key": "pos"}, M(0.0, "pos")),
        ("zero_default", {"key": "x"}, D(-0.0)),
        ("zero_default", {"key": "pos"}, M(0.0, "pos")),
        ("zero_default", {"key": "err", "f": 0.0}, ERR(0.0, EV)),
        ("zero_default", {"key": "err", "f": 2.0}, M(1.0, "err")),
        ("zero_off", {}, OFF(-0.0)),
        # A prerequisite compares with ==: -0.0 == 0.0 holds.
        ("zero_prereq", {"key": "x"}, T),
        ("zero_prereq", {"key": "pos"}, T),
    ]
    for unit in ["alice", "bob", "carol", "dave", "erin", "frank"]:
        rows.append(("zero_split", {"key": unit}, SP(split_value("zero_split", unit, coin), "coin")))
    split_values = {rust_debug_float(r[2][1]) for r in rows if r[0] == "zero_split"}
    assert split_values == {"-0.0", "0.0"}, split_values   # both entries are reachable
    return build("numbers",
                 "Numbers where JSON, JavaScript and i64 meet: the int decoding of LANGUAGE.md §7 "
                 "(integer literals exact; other numbers as the nearest double, accepted when integral "
                 "in [-2^63, 2^63): 4.611686018427388e18 is 2^62, -9223372036854775809 is i64::MIN, "
                 "9007199254740993.0 is 2^53), overflow at the exact value, subnormals, 1e308; signed "
                 "zeros: -0.0 == 0.0 in expressions and prerequisites, but float flags keep the value "
                 "written where they decided (-0.0 and 0.0 are two values, also in one split).",
                 NUMBERS_SRC, rows)


# =============================================================================
# requests.json
# =============================================================================

REQUESTS_SRC = r"""// Request lines, as batches (vexil eval --requests), the plugin ABI and the
// package's evaluateRequest read them: one decision per line, PARSE_ERROR for a
// line that is not a valid request.
context {
  user.id: string
}

flag beta: bool {
  owner "conformance"
  default false
  on_error true
  rule r: when user.id == "ada" => true
}

flag plain: bool {
  owner "conformance"
  default true
}
"""


def requests() -> dict:
    """Each case is a raw request line and the caller's default `now` (NOW). Expected
    decisions are written by hand from DESIGN.md ("a line that is not a valid request still
    yields one output line: a decision with reason ERROR and code PARSE_ERROR") and
    docs/semantics.md (no value; its `flag` is the line's `flag` when the line is a JSON
    object whose `flag` is a string, else empty; `now` is the caller's default)."""
    version = ruleset_version(REQUESTS_SRC)

    def decision(flag, exp, now=NOW):
        reason, value, extra = exp
        if reason == "NOT_FOUND":
            out = {"flag": flag, "reason": "ERROR", "error_code": "FLAG_NOT_FOUND"}
        elif reason == "PARSE_ERROR":
            out = {"flag": flag, "reason": "ERROR", "error_code": "PARSE_ERROR"}
        else:
            out = {"flag": flag, "value": value, "variant": variant(value), "reason": reason}
            for key in ("rule", "prerequisite", "error_code"):
                if key in extra:
                    out[key] = extra[key]
        out["ruleset_version"] = version
        out["now"] = canonical_now(now)
        return out

    PARSE = ("PARSE_ERROR", None, {})
    rows = [
        # Valid requests decide as `evaluate` does.
        ('{"flag":"beta","context":{"user":{"id":"ada"}}}', "beta", M(True, "r")),
        ('{"flag":"beta","context":{"user":{"id":"bob"}},"now":"2027-01-01T00:00:00.5+01:00"}', "beta", D(False),
         "2027-01-01T00:00:00.5+01:00"),
        ('{"flag":"beta","context_json":"{\\"user\\":{\\"id\\":\\"ada\\"}}"}', "beta", M(True, "r")),
        ('{"flag":"beta","context":{"user":{"id":"ada"}},"context_json":"{}"}', "beta", E_IC),  # context_json wins
        ('{"flag":"beta","context_json":"[1]"}', "beta", E_IC),      # not an object: INVALID_CONTEXT
        ('{"flag":"beta","context":"ada"}', "beta", E_IC),
        ('{"flag":"beta"}', "beta", E_IC),                            # no context is {}: user.id missing
        ('{"flag":"beta","extra":[1],"context":{"user":{"id":"ada"}}}', "beta", M(True, "r")),  # extra fields ignored
        ('{"flag":"nope","context":{}}', "nope", NOT_FOUND),
        # Lines that are not valid requests: PARSE_ERROR, no value, the caller's `now`.
        ("not json", "", PARSE),
        ("[1,2]", "", PARSE),
        ('{"context":{}}', "", PARSE),                                # no flag
        ('{"flag":5}', "", PARSE),                                    # flag not a string
        ('{"flag":"beta","now":"yesterday"}', "beta", PARSE),         # bad now
        ('{"flag":"beta","now":"2026-05-01T12:00:60Z"}', "beta", PARSE),  # a leap second
        ('{"flag":"beta","context_json":{"user":{}}}', "beta", PARSE),    # context_json must be text
        ('{"flag":"beta","context":{"user":{"id":"ada"}}', "", PARSE),    # truncated: not JSON at all
        ('{"flag":"nope","now":1}', "nope", PARSE),                   # parse errors win over FLAG_NOT_FOUND
        # Budgets in work units (docs/semantics.md, "Work"). `user.id == "ada"` visits three
        # nodes (the comparison, the attribute, the literal): 3 units, plus one per 64 bytes of
        # the two strings compared, so 3 for "ada" and 3 + (128 + 3) // 64 = 5 for 128 x's.
        ('{"flag":"beta","context":{"user":{"id":"ada"}},"budget":3}', "beta", M(True, "r")),
        ('{"flag":"beta","context":{"user":{"id":"ada"}},"budget":2}', "beta", ERR(True, RL)),
        ('{"flag":"beta","context":{"user":{"id":"ada"}},"budget":0}', "beta", ERR(True, RL)),
        ('{"flag":"beta","context":{"user":{"id":"' + "x" * 128 + '"}},"budget":5}', "beta", D(False)),
        ('{"flag":"beta","context":{"user":{"id":"' + "x" * 128 + '"}},"budget":4}', "beta", ERR(True, RL)),
        # A node's unit is spent when it is visited, before its work: the attribute's read
        # (which fails: user.id is missing) comes after the second unit.
        ('{"flag":"beta","context":{},"budget":2}', "beta", E_IC),
        ('{"flag":"beta","context":{},"budget":1}', "beta", ERR(True, RL)),
        ('{"flag":"plain","budget":0}', "plain", ST(True)),           # no rules: nothing to spend
        ('{"flag":"beta","budget":-1}', "beta", PARSE),               # budgets are unsigned integers
    ]
    cases = []
    for row in rows:
        line, flag, exp = row[0], row[1], row[2]
        now = row[3] if len(row) > 3 else NOW
        assert "\n" not in line
        cases.append({"request": line, "now": NOW, "expect": decision(flag, exp, now)})
    return {"name": "requests",
            "description": "Request lines (batches, the plugin ABI, evaluateRequest): valid lines decide "
                           "as evaluate does (context or context_json, which wins; the line's own now); "
                           "lines that are not valid requests give ERROR with PARSE_ERROR, no value, the "
                           "line's flag when it is a JSON object with a string flag, else empty, and the "
                           "caller's now.",
            "ruleset": REQUESTS_SRC, "cases": cases}


# =============================================================================
# splits.json
# =============================================================================

SPLITS_SRC = r"""// Splits inside rules, split units from expressions, TARGETING_KEY_MISSING.
enum Arm { control, treatment }

context {
  user.id: string
  user.n: int
  user.nick: string?
  user.country: string
  user.email: string
}

flag by_id: string {
  owner "conformance"
  default "none"
  on_error "err"
  rule half: when true => split by user.id { "a": 50%, "b": 50% }
}

flag by_int: Arm {
  owner "conformance"
  default control
  on_error treatment
  rule arms: when true => split by user.n salt "exp-7" { control: 30%, treatment: 70% }
}

flag by_nick_or_id: bool {
  owner "conformance"
  default false
  on_error false
  rule coin: when true => split by user.nick ?? user.id { true: 50%, false: 50% }
}

flag guarded: string {
  owner "conformance"
  default "none"
  on_error "err"
  rule de: when user.country == "DE" => split by user.id salt "g" { "x": 1, "y": 3 }
  rule when has(user.nick) => split by user.nick { "n1": 50%, "n2": 50% }
}

flag lowered: int {
  owner "conformance"
  default 0
  on_error -1
  rule quarter: when true => split by lower(user.email) { 1: 25%, 2: 25%, 3: 50% }
}

flag by_sum: string {
  owner "conformance"
  default "none"
  on_error "err"
  rule plus_one: when true => split by user.n + 1 { "lo": 50%, "hi": 50% }
}
"""


def splits() -> dict:
    ab = [("a", 5000), ("b", 5000)]
    arms = [("control", 3000), ("treatment", 7000)]
    coin = [(True, 5000), (False, 5000)]
    xy = [("x", 1), ("y", 3)]
    nn = [("n1", 5000), ("n2", 5000)]
    quarter = [(1, 2500), (2, 2500), (3, 5000)]
    lohi = [("lo", 5000), ("hi", 5000)]

    def u(**kw):
        return {"user": kw}

    rows = []
    for uid in ["alice", "bob", "carol", "dave", "", "用户"]:
        rows.append(("by_id", u(id=uid), SP(split_value("by_id", uid, ab), "half")))
    rows += [
        ("by_id", {}, ERR("err", TK)),                    # absent at the `user` level
        ("by_id", u(), ERR("err", TK)),
        ("by_id", u(id=None), ERR("err", TK)),            # null is absent
        ("by_id", u(id=5), ERR("err", IC)),               # present, wrong type
        # A parent that is present but not an object: `user.id` is present with the wrong
        # type (LANGUAGE.md §4), so INVALID_CONTEXT, not TARGETING_KEY_MISSING, in `by` too.
        ("by_id", {"user": 5}, ERR("err", IC)),
        ("by_id", {"user": "alice"}, ERR("err", IC)),
        ("by_id", {"user": ["alice"]}, ERR("err", IC)),
        ("by_id", {"user": True}, ERR("err", IC)),
        ("by_nick_or_id", {"user": 5}, ERR(False, IC)),   # has(user.nick) is true: reading it fails
    ]
    for n in [0, 1, -1, 42, MAX, MIN]:
        rows.append(("by_int", u(n=n), SP(split_value("exp-7", str(n), arms), "arms")))
    rows += [
        ("by_int", u(n=7.0), SP(split_value("exp-7", "7", arms), "arms")),  # unit "7"
        ("by_int", u(), ERR("treatment", TK)),
        ("by_int", u(n="7"), ERR("treatment", IC)),
        ("by_nick_or_id", u(nick="zed", id="alice"), SP(split_value("by_nick_or_id", "zed", coin), "coin")),
        ("by_nick_or_id", u(id="alice"), SP(split_value("by_nick_or_id", "alice", coin), "coin")),
        ("by_nick_or_id", u(nick=None, id="alice"), SP(split_value("by_nick_or_id", "alice", coin), "coin")),
        ("by_nick_or_id", u(nick="zed"), SP(split_value("by_nick_or_id", "zed", coin), "coin")),
        ("by_nick_or_id", u(), ERR(False, TK)),
        ("by_nick_or_id", u(nick=None), ERR(False, TK)),
        ("guarded", u(country="DE", id="alice"), SP(split_value("g", "alice", xy), "de")),
        ("guarded", u(country="DE", id="bob"), SP(split_value("g", "bob", xy), "de")),
        ("guarded", u(country="DE", id="carol"), SP(split_value("g", "carol", xy), "de")),
        ("guarded", u(country="DE"), ERR("err", TK)),
        ("guarded", u(id="alice"), ERR("err", IC)),    # read in `when`, not in `by`
        ("guarded", u(country="US", nick="zed"), SP(split_value("guarded", "zed", nn), "1")),
        ("guarded", u(country="US", nick="amy"), SP(split_value("guarded", "amy", nn), "1")),
        ("guarded", u(country="US"), D("none")),
        ("lowered", u(email="Alice@Example.COM"),
         SP(split_value("lowered", "alice@example.com", quarter), "quarter")),
        ("lowered", u(email="alice@example.com"),
         SP(split_value("lowered", "alice@example.com", quarter), "quarter")),
        ("lowered", u(email="ÉMILE@EXAMPLE.FR"),
         SP(split_value("lowered", "émile@example.fr", quarter), "quarter")),
        ("lowered", u(email="bob@example.com"),
         SP(split_value("lowered", "bob@example.com", quarter), "quarter")),
        ("lowered", u(), ERR(-1, TK)),
        ("by_sum", u(n=41), SP(split_value("by_sum", "42", lohi), "plus_one")),
        ("by_sum", u(n=-1), SP(split_value("by_sum", "0", lohi), "plus_one")),
        ("by_sum", u(n=MAX - 1), SP(split_value("by_sum", str(MAX), lohi), "plus_one")),
        ("by_sum", u(n=MAX), ERR("err", EV)),
        ("by_sum", u(), ERR("err", TK)),
    ]
    return build("splits",
                 "Splits with units computed from expressions (??, lower(), int arithmetic), inside "
                 "guarded and unnamed rules, salted and unsalted, int units in decimal; "
                 "TARGETING_KEY_MISSING when the `by` expression reads an absent attribute (also "
                 "null, also a missing parent object, also through ??), INVALID_CONTEXT for a "
                 "present value of the wrong type or an attribute read in `when`. Expected buckets "
                 "come from the independent Python + mmh3 helper in gen_bucketing.py.",
                 SPLITS_SRC, rows)


# =============================================================================
# diagnostics/*.json
# =============================================================================
#
# Each entry: (name, ruleset, [(code, anchor, occurrence[, offset])]). The expected
# code and the token each diagnostic starts at are chosen by hand from LANGUAGE.md
# sections 2-8 and the catalogue in crates/vexil-syntax/src/diagnostic.rs; the
# script only turns the anchor (the `occurrence`-th, 0-based, occurrence of a
# substring, plus `offset` scalars into it, so an anchor can show the token's
# surroundings) into a 1-based line and a column counted in Unicode scalars. Where §8 does not fix
# the position, the conventions are those of docs/semantics.md ("Diagnostic
# positions", with the reason for each) and the README: a name problem -> the name;
# a bad literal -> the literal; a duplicate -> its second occurrence; missing
# default / owner, unused segment -> the declaration's name; a cycle (E0106,
# E0107) -> the name of its first declaration in source order, once per cycle;
# operands an operator cannot take (E0200, E0201) -> the operator; a part that
# disagrees with a type fixed elsewhere (function argument, list element, `??`
# fallback) -> that part; a chained comparison -> the second operator; split
# weight sums (E0300, E0302) -> the `split` keyword; mixed weights (E0301) -> the
# first weight whose kind differs from the split's first weight; a zero-weight
# entry -> the entry; an unreachable rule -> its `rule` keyword; an expired flag
# (W0002) -> its `expires` clause (the keyword); a rule earlier rules cover (W0006)
# -> its `rule` keyword, as W0001; a condition that can never be true (W0007) -> the
# condition's first token.

CTX = """context {
  user.id: string
  user.n: int
  user.f: float
  user.age: int?
  user.ts: timestamp
  app.version: semver
  req.ip: ip
}
"""


def one_flag(body: str, head: str = "flag f: bool {", ctx: str = CTX, pre: str = "") -> str:
    return f"{ctx}\n{pre}{head}\n{body}}}\n"


def rule(expr: str, result: str = "true") -> str:
    return f'  owner "t"\n  default false\n  rule r: when {expr} => {result}\n'


DIAGNOSTICS = [
    ("unknown_attribute", one_flag(rule('user.idd == "x"')), [("E0101", "user.idd", 0)]),
    # Limits (docs/semantics.md): a path's 33rd component is refused where it starts; 65
    # comparisons joined by `and` are fine (each operand's own operator run is what nests).
    ("path_too_long", one_flag(rule(".".join(f"c{i}" for i in range(33)) + " == 1")), [("E0403", "c32 ==", 0)]),
    ("long_and_chain", one_flag(rule(" and ".join(["user.n > 1"] * 65))), []),
    # A leading byte order mark (as editors write it) is accepted and takes no column.
    ("byte_order_mark", "\ufeff" + 'flag f: bool { owner "x" default false rule when zz_unknown => true }\n',
     [("E0101", "zz_unknown", 0)]),
    ("unknown_segment", one_flag(rule("staff")), [("E0101", "staff", 0)]),
    ("unknown_function", one_flag(rule('trim(user.id) == "x"')), [("E0102", "trim", 0)]),
    ("unknown_type", "context {\n  user.id: strng\n}\n\nflag f: bool {\n  owner \"t\"\n  default false\n}\n",
     [("E0103", "strng", 0)]),
    ("duplicate_attribute", "context {\n  user.id: string\n  user.id: int\n}\n\nflag f: bool {\n"
     "  owner \"t\"\n  default false\n}\n", [("E0104", "user.id", 1)]),
    ("duplicate_enum_member", "enum Plan { free, pro, free }\n\nflag f: Plan {\n  owner \"t\"\n"
     "  default pro\n}\n", [("E0104", "free", 1)]),
    ("duplicate_rule", one_flag('  owner "t"\n  default 0\n  rule same: when user.n > 5 => 1\n'
                                '  rule same: when user.n > 9 => 2\n', head="flag f: int {"),
     # The second rule is covered by the first, but a flag with an error of its own
     # is not analysed for overlaps (docs/semantics.md, "Checking"): no W0006.
     [("E0105", "same", 1)]),
    ("duplicate_flag", "flag dup: bool {\n  owner \"t\"\n  default false\n}\n\nflag dup: int {\n"
     "  owner \"t\"\n  default 0\n}\n", [("E0100", "dup", 1)]),
    ("flag_named_like_enum", "enum Mode { a, b }\n\nflag g: Mode {\n  owner \"t\"\n  default a\n}\n\n"
     "flag Mode: bool {\n  owner \"t\"\n  default false\n}\n", [("E0100", "Mode", 2)]),
    # A cycle: the name in its first declaration (source order), not the reference closing it.
    ("segment_cycle", one_flag(rule("loop"), pre="segment loop = user.n > 1 and loop\n\n"),
     [("E0106", "segment loop", 0, len("segment "))]),
    # `beta` is declared first (and sorts after `alpha`): source order, not name order.
    ("segment_cycle_two", one_flag(rule("alpha"), pre="segment beta = alpha and user.n > 1\n\n"
                                   "segment alpha = beta or user.n < 0\n\n"),
     [("E0106", "segment beta", 0, len("segment "))]),
    ("prerequisite_cycle", "flag p: bool {\n  owner \"t\"\n  requires p == true\n  default false\n}\n",
     [("E0107", "flag p", 0, len("flag "))]),
    ("prerequisite_cycle_two", "flag zed: bool {\n  owner \"t\"\n  requires amy == true\n  default false\n}\n\n"
     "flag amy: bool {\n  owner \"t\"\n  requires zed == true\n  default true\n}\n",
     [("E0107", "flag zed", 0, len("flag "))]),
    ("unknown_prerequisite", "flag p: bool {\n  owner \"t\"\n  requires nope == true\n  default false\n}\n",
     [("E0109", "nope", 0)]),
    ("unknown_member_value", "enum Plan { free, pro }\n\nflag f: Plan {\n  owner \"t\"\n  default platinum\n}\n",
     [("E0110", "platinum", 0)]),
    # Operands an operator cannot take: the operator (not the first operand, whose start
    # `user.n + user.id > 1` shares with the enclosing `>`).
    ("type_mismatch", one_flag(rule("user.id == 5")), [("E0200", "user.id == 5", 0, len("user.id "))]),
    ("type_mismatch_arithmetic", one_flag(rule("user.n + user.id > 1")),
     [("E0200", "user.n + user.id", 0, len("user.n "))]),
    ("int_float_mix", one_flag(rule("1 + user.f > 2.0")), [("E0201", "1 + user.f", 0, len("1 "))]),
    # `seed` takes an unsigned 32-bit literal (LANGUAGE.md section 6, v1.1): 2^32 is refused at the literal.
    ("split_seed_out_of_range",
     one_flag(rule("true", "split by user.id seed 4294967296 modulo { true: 50, false: 50 }")),
     [("E0004", "4294967296", 0)]),
    ("argument_count", one_flag(rule('lower(user.id, user.id) == "x"')), [("E0202", "lower", 0)]),
    ("condition_not_bool", one_flag(rule("user.n")), [("E0203", "user.n =>", 0)]),
    ("wrong_value_type", one_flag('  owner "t"\n  default 5\n', head="flag f: string {"),
     [("E0204", "5", 0)]),
    ("bad_semver_literal", one_flag(rule('app.version >= "1.2"')), [("E0205", '"1.2"', 0)]),
    ("semver_beyond_u64", one_flag(rule('app.version >= "1.18446744073709551616.0"')),
     [("E0205", '"1.18446744073709551616.0"', 0)]),
    ("bad_timestamp_literal", one_flag(rule('user.ts < "2026-13-01T00:00:00Z"')),
     [("E0205", '"2026-13-01', 0)]),
    ("unguarded_optional", one_flag(rule("user.age > 18")), [("E0206", "user.age >", 0)]),
    ("guard_does_not_flow", one_flag(rule("(has(user.age) and user.n > 1) or user.age > 1")),
     [("E0206", "user.age > 1", 0)]),
    ("coalesce_not_optional", one_flag(rule('user.id ?? "x" == "x"')), [("E0207", "user.id ??", 0)]),
    ("regex_lookahead", one_flag(rule('user.id matches r"a(?=b)"')), [("E0209", 'r"a(?=b)"', 0)]),
    ("split_by_float", one_flag('  owner "t"\n  default false\n'
                                '  rule r: when true => split by user.f { true: 50%, false: 50% }\n'),
     [("E0210", "user.f {", 0)]),
    ("flag_type_semver", 'flag v: semver {\n  owner "t"\n  default "1.0.0"\n}\n', [("E0211", "semver", 0)]),
    ("cidr_host_bits", one_flag(rule('req.ip in "10.0.0.1/8"')), [("E0212", '"10.0.0.1/8"', 0)]),
    ("empty_list", one_flag(rule("len([]) == 0")), [("E0213", "[]", 0)]),
    ("percent_sum_99", one_flag('  owner "t"\n  default false\n'
                                '  rule r: when true => split by user.id { true: 49%, false: 50% }\n'),
     [("E0300", "split", 0)]),
    ("mixed_weights", one_flag('  owner "t"\n  default false\n'
                               '  rule r: when true => split by user.id { true: 50%, false: 50 }\n'),
     [("E0301", "false: 50 }", 0, len("false: "))]),
    # The first weight sets the kind; the first weight of the other kind is reported (once),
    # and a mixed split gets no sum diagnostic.
    ("mixed_weights_multiline", one_flag('  owner "t"\n  default 0\n'
                                         '  rule r: when true => split by user.id {\n'
                                         '    1: 50,\n    2: 25%,\n    3: 25%\n  }\n',
                                         head="flag f: int {"),
     [("E0301", "2: 25%", 0, len("2: "))]),
    ("weight_sum_too_large", one_flag('  owner "t"\n  default false\n'
                                      '  rule r: when true => split by user.id { true: 2147483647, false: 1 }\n'),
     [("E0302", "split", 0)]),
    ("duplicate_split_value", one_flag('  owner "t"\n  default false\n'
                                       '  rule r: when true => split by user.id { true: 50%, true: 50% }\n'),
     [("E0303", "true: 50% }", 0)]),
    ("unterminated_string", 'flag f: string {\n  owner "t"\n  default "abc', [("E0002", '"abc', 0)]),
    ("int_out_of_range", one_flag(rule("user.n == 9223372036854775808")),
     [("E0004", "9223372036854775808", 0)]),
    ("invalid_date", 'flag f: bool {\n  owner "t"\n  expires 2027-02-30\n  default false\n}\n',
     [("E0007", "2027-02-30", 0)]),
    ("chained_comparison", one_flag(rule("1 < user.n < 3")), [("E0008", "< 3", 0)]),
    ("invalid_kind", 'flag f: bool {\n  owner "t"\n  kind rollout\n  default false\n}\n',
     [("E0009", "rollout", 0)]),
    ("duplicate_clause", 'flag f: bool {\n  owner "a"\n  default false\n  owner "b"\n}\n',
     [("E0010", "owner", 1)]),
    ("missing_default", 'flag nodefault: bool {\n  owner "t"\n}\n', [("E0011", "nodefault", 0)]),
    ("syntax_error_recovery", one_flag(rule("user.n > 1") + "  )\n")
     + '\nflag g: bool {\n  owner "t"\n  default false\n  rule r: when user.nope => true\n}\n',
     [("E0001", ")", 0), ("E0101", "user.nope", 0)]),
    ("columns_count_scalars", one_flag(rule('user.id == "ünï😀" and user.nope == "x"')),
     [("E0101", "user.nope", 0)]),
    ("unreachable_rule", one_flag('  owner "t"\n  default 0\n  rule all: when true => 1\n'
                                  '  rule big: when user.n > 9 => 2\n', head="flag f: int {"),
     [("W0001", "rule big", 0)]),
    ("expired", 'flag old: bool {\n  owner "t"\n  expires 2020-01-01\n  default false\n}\n',
     [("W0002", "expires 2020-01-01", 0)]),   # the clause (its keyword), not the date
    ("missing_owner", "flag lonely: bool {\n  default false\n}\n", [("W0003", "lonely", 0)]),
    ("unused_segment", one_flag('  owner "t"\n  default false\n', pre="segment idle = user.n > 1\n\n"),
     [("W0004", "idle", 0)]),
    ("zero_weight", one_flag('  owner "t"\n  default 0\n'
                             '  rule r: when true => split by user.id { 1: 5, 2: 0, 3: 5 }\n',
                             head="flag f: int {"),
     [("W0005", "2: 0", 0)]),
    # n < 10 and n >= 10 cover every int: `rest` is never reached, though no single
    # rule before it is always true (so it is W0006, not W0001).
    ("shadowed_rule", one_flag('  owner "t"\n  default 0\n'
                               '  rule small: when user.n < 10 => 1\n'
                               '  rule big: when user.n >= 10 => 2\n'
                               '  rule rest: when user.id == "x" => 3\n'
                               '  rule tail: when user.f > 0.5 and user.id != "x" => 4\n', head="flag f: int {"),
     [("W0006", "rule rest", 0), ("W0006", "rule tail", 0)]),
    # Contradictions on one attribute; an opaque part (`len`) does not hide them, and
    # conditions outside the fragment stay silent.
    ("never_true", one_flag('  owner "t"\n  default 0\n'
                            '  rule both: when user.id == "DE" and user.id == "FR" => 1\n'
                            '  rule range: when user.n > 5 and len(user.id) > 2 and user.n < 3 => 2\n'
                            '  rule empty: when user.id in [] => 3\n'
                            '  rule floats: when user.f > 1.0 and user.f < 1.0000000000000002 => 4\n'
                            '  rule guarded: when has(user.age) and not has(user.age) => 5\n'
                            '  rule fine: when len(user.id) > 5 and len(user.id) < 3 => 6\n', head="flag f: int {"),
     [("W0007", 'user.id == "DE"', 0), ("W0007", "user.n > 5", 0), ("W0007", "user.id in []", 0),
      ("W0007", "user.f > 1.0", 0), ("W0007", "has(user.age) and not", 0)]),
]


def line_column(source: str, anchor: str, occurrence: int, offset: int = 0) -> tuple[int, int]:
    """Line and column of the anchor's `occurrence`-th match, `offset` scalars into it."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.find(anchor, start + 1)
        assert start >= 0, (anchor, occurrence)
    assert 0 <= offset < len(anchor), (anchor, offset)
    start += offset
    before = source[:start]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1  # scalars: Python str indexes code points
    if line == 1 and source.startswith("\ufeff"):
        column -= 1  # a leading byte order mark takes no column (docs/semantics.md)
    return line, column


# The date handed to the checker (`--today`) where a vector depends on it.
TODAY = {"expired": "2026-06-01"}


def write_diagnostics() -> list[str]:
    out = DIAG_DIR
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for name, source, expected in DIAGNOSTICS:
        diags = []
        for code, anchor, occ, *offset in expected:
            line, column = line_column(source, anchor, occ, *offset)
            diags.append({"code": code, "line": line, "column": column})
        diags.sort(key=lambda d: (d["line"], d["column"], d["code"]))
        doc = {"name": name, "ruleset": source, "diagnostics": diags}
        if name in TODAY:
            doc = {"name": name, "today": TODAY[name], "ruleset": source, "diagnostics": diags}
        (out / f"{name}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
        names.append(f"diagnostics/{name}.json")
    print(f"wrote {len(names)} diagnostics files to {out}")
    return names


# =============================================================================

TOPICS = [reasons, prerequisites, int_arithmetic, float_arithmetic, strings, semver,
          timestamps, ip, enums_lists, logic, context, splits, numbers, requests]


def main() -> None:
    gen_bucketing.self_check_mmh3()
    # Self-checks of the mechanical helpers.
    assert rust_debug_float(1e16) == "1e16" and rust_debug_float(1e-7) == "1e-7"
    assert rust_debug_float(2048.0) == "2048.0" and rust_debug_float(0.0001) == "0.0001"
    assert rust_debug_float(1.5e300) == "1.5e300" and rust_debug_float(-0.5) == "-0.5"
    assert canonical_now("2026-05-01T14:00:00+02:00") == "2026-05-01T12:00:00.000Z"
    assert canonical_now("2026-05-01T12:00:00.123999z") == "2026-05-01T12:00:00.123Z"
    only = set(sys.argv[1:])
    VECTORS_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for topic in TOPICS:
        doc = topic()
        if only and doc["name"] not in only:
            continue
        path = VECTORS_DIR / f"{doc['name']}.json"
        path.write_text(dump(doc), encoding="utf-8")
        total += len(doc["cases"])
        print(f"wrote {path} ({len(doc['cases'])} cases)")
    print(f"total {total} cases")
    diagnostics = write_diagnostics()
    if not only:
        evaluation = ["vectors/bucketing.json", "vectors/flagd_fractional.json", "vectors/split_options.json"] + [
            f"vectors/{t().get('name')}.json" for t in TOPICS]
        for rel in evaluation:
            assert (TOOLS_DIR.parent / rel).is_file(), rel
        index = {"evaluation": evaluation, "diagnostics": diagnostics}
        INDEX.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {INDEX}")


if __name__ == "__main__":
    main()
