#!/usr/bin/env python3
"""Independent reference generator for the split-bucketing conformance vectors.

Writes, next to this script's parent folder:
  tests/conformance/vectors/bucketing.json        (Vexil-designed cases)
  tests/conformance/vectors/flagd_fractional.json (flagd v2 `fractional` cases)
  tests/conformance/vectors/split_options.json    (v1.1 `seed N` / `modulo`, Unleash's bucketing)

The expected decisions are computed here, in plain Python, from LANGUAGE.md §6:
  key    = UTF-8(salt if given else flag key) ++ UTF-8(unit)   (int unit: decimal)
  h      = MurmurHash3 x86_32(key, seed 0), unsigned            (the `mmh3` package)
  bucket = (h * total_weight) >> 32
  entry  = first entry, in source order, whose running sum of weights > bucket
Percentages are converted to basis points from their decimal text, never via float.
With the v1.1 options, `seed N` is the MurmurHash3 seed and `modulo` makes
bucket = h mod total_weight; split_options.json also checks each case against
Unleash's own formulas (normalizedHash = h % n + 1; rollout: normalized <= p;
variants: first running sum >= normalized), written separately below.

Nothing here imports or runs Vexil code. The flagd file's expected values are
copied from flagd's own test suite, and this script only checks that they agree
with the formula above.

Usage: pip install mmh3 && python3 tests/conformance/tools/gen_bucketing.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import mmh3

NOW = "2026-01-01T00:00:00.000Z"
MAX_TOTAL = 2**31 - 1
VECTORS_DIR = Path(__file__).resolve().parent.parent / "vectors"


# --- the algorithm (independent of the Rust/JS code) -------------------------

def murmur3_u32(data: bytes) -> int:
    return mmh3.hash(data, 0, signed=False)


def self_check_mmh3() -> None:
    """Published MurmurHash3 x86_32 vectors: refuse to run on a broken mmh3."""
    known = [
        (b"", 0, 0x00000000),
        (b"", 1, 0x514E28B7),
        (b"", 0xFFFFFFFF, 0x81F16F39),
        (b"\xff\xff\xff\xff", 0, 0x76293B50),
        (b"\x21\x43\x65\x87", 0, 0xF55B516B),
        (b"Hello, world!", 1234, 0xFAF6CDB3),
        (b"The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
    ]
    for data, seed, want in known:
        got = mmh3.hash(data, seed, signed=False)
        if got != want:
            sys.exit(f"mmh3 self-check failed for {data!r} seed {seed:#x}: {got:#x} != {want:#x}")


def percent_to_bp(text: str) -> int:
    """'33.33' -> 3333, '12.5' -> 1250, '50' -> 5000 (exact decimal, at most 2 places)."""
    whole, _, frac = text.partition(".")
    if len(frac) > 2 or not whole.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"bad percentage {text!r}")
    return int(whole) * 100 + int(frac.ljust(2, "0") or "0")


def choose(prefix: str, unit: str, weights: list[int], seed: int = 0, modulo: bool = False) -> tuple[int, int, int]:
    """Returns (hash, bucket, entry index)."""
    total = sum(weights)
    assert 0 < total <= MAX_TOTAL, total
    h = mmh3.hash(prefix.encode("utf-8") + unit.encode("utf-8"), seed, signed=False)
    bucket = h % total if modulo else (h * total) >> 32
    running = 0
    for index, w in enumerate(weights):
        running += w
        if running > bucket:
            return h, bucket, index
    raise AssertionError("no entry chosen")


# --- flag model ---------------------------------------------------------------

class Flag:
    """One flag with exactly one rule: `rule <rule>: when true => split by <by> ...`."""

    def __init__(self, key, typ, default, rule, by, entries, salt=None, description="", seed=None, modulo=False):
        self.seed = seed
        self.modulo = modulo
        self.key = key
        self.typ = typ  # "bool" | "int" | "string" | ("enum", Name)
        self.default = default
        self.rule = rule
        self.by = by  # context path, e.g. "user.id"
        self.entries = entries  # [(value, weight_text)]; weight_text "25%" or "7"
        self.salt = salt
        self.description = description

    # Vexil source text for a value of this flag's type.
    def lit(self, v) -> str:
        if self.typ == "bool":
            return "true" if v else "false"
        if self.typ == "int":
            return str(v)
        if self.typ == "string":
            return json.dumps(v)  # these values are plain ASCII without escapes
        return v  # enum member, bare

    def weights(self) -> list[int]:
        texts = [w for _, w in self.entries]
        if all(t.endswith("%") for t in texts):
            bps = [percent_to_bp(t[:-1]) for t in texts]
            assert sum(bps) == 10000, (self.key, bps)
            return bps
        assert not any(t.endswith("%") for t in texts), self.key
        return [int(t) for t in texts]

    def source(self) -> str:
        typ = self.typ if isinstance(self.typ, str) else self.typ[1]
        salt = f' salt "{self.salt}"' if self.salt is not None else ""
        salt += f" seed {self.seed}" if self.seed is not None else ""
        salt += " modulo" if self.modulo else ""
        body = ", ".join(f"{self.lit(v)}: {w}" for v, w in self.entries)
        lines = [f"flag {self.key}: {typ} {{"]
        if self.description:
            lines.append(f'  description "{self.description}"')
        lines += [
            "  kind experiment",
            '  owner "conformance"',
            f"  default {self.lit(self.default)}",
            f"  rule {self.rule}: when true => split by {self.by}{salt} {{ {body} }}",
            "}",
        ]
        return "\n".join(lines)

    def entry(self, unit_value) -> int:
        """The index of the entry `unit_value` lands in (str(int) is decimal, '-' for negatives)."""
        prefix = self.salt if self.salt is not None else self.key
        return choose(prefix, str(unit_value), self.weights(), self.seed or 0, self.modulo)[2]

    def cases(self, units, ruleset_version: str) -> list[dict]:
        """A case per unit. Every entry with a non-zero weight should be chosen at least
        once: for an entry the units miss, the first probe unit that lands in it is added."""
        units = list(units)
        hit = {self.entry(u) for u in units}
        for index, w in enumerate(self.weights()):
            if w == 0 or index in hit:
                continue
            probes = (k * 7919 for k in range(1, 10**6)) if self.by == "user.n" else (
                f"probe-{k}" for k in range(1, 10**6))
            units.append(next(u for u in probes if self.entry(u) == index))
            hit.add(index)
        return [self.case(u, ruleset_version) for u in units]

    def case(self, unit_value, ruleset_version: str) -> dict:
        index = self.entry(unit_value)
        value = self.entries[index][0]
        if self.typ == "bool":
            variant = "true" if value else "false"
        else:
            variant = str(value)
        # Context: nest the `by` path, e.g. user.id -> {"user": {"id": unit}}
        ctx: dict = {}
        node = ctx
        parts = self.by.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = unit_value
        return {
            "flag": self.key,
            "context": ctx,
            "now": NOW,
            "expect": {
                "flag": self.key,
                "value": value,
                "variant": variant,
                "reason": "SPLIT",
                "rule": self.rule,
                "ruleset_version": ruleset_version,
                "now": NOW,
            },
        }


def ruleset_version(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def write(name: str, description: str, source: str, cases: list[dict]) -> None:
    doc = {"name": name, "description": description, "ruleset": source, "cases": cases}
    VECTORS_DIR.mkdir(parents=True, exist_ok=True)
    path = VECTORS_DIR / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(cases)} cases)")


# --- bucketing.json -----------------------------------------------------------

STRING_UNITS = [f"user-{i:04d}" for i in range(1, 41)] + [
    "",                      # empty unit: key = salt/flag key alone
    "a",
    "ünïcödé-用户",          # non-ASCII: hashed as UTF-8 bytes
    "é",                     # U+00E9 precomposed ...
    "e\u0301",               # ... vs e + combining acute: different bytes, no normalisation
    "😀🚀",                  # 4-byte UTF-8 sequences
    "user 0001",
    "USER-0001",
    "tab\there",
    'quote"and\\backslash',
    "line\nbreak",
    "nul\u0000byte",
    "-42",                   # a string that looks like an int
    "0",
    "~!@#$%^&*()_+{}|:<>?",
    "x" * 100,               # long key: crosses many 4-byte blocks
]

INT_UNITS = list(range(-20, 21)) + [
    -42, 42, 100, -100, 1000, 65535, 65536,
    2147483647, 2147483648, -2147483648, -2147483649,
    4294967295, 4294967296,
    9007199254740991, 9007199254740993,  # around 2^53
    9223372036854775807, -9223372036854775808,  # i64::MAX, i64::MIN
]


def bucketing() -> None:
    flags = [
        Flag("coin", "bool", False, "half", "user.id",
             [(True, "50%"), (False, "50%")],
             description="bool 50/50, no salt: key = flag key ++ unit"),
        Flag("coin_twin", "bool", False, "same_as_coin", "user.id",
             [(True, "50%"), (False, "50%")], salt="coin",
             description="salt equal to another flag's key: same buckets as coin"),
        Flag("three_way", "string", "none", "thirds", "user.id",
             [("a", "33.33%"), ("b", "33.33%"), ("c", "33.34%")],
             description="decimal percentages -> 3333/3333/3334 basis points"),
        Flag("fine", "string", "none", "fine_grain", "user.id",
             [("tiny", "0.5%"), ("small", "12.25%"), ("rest", "87.25%")],
             description="percentages with one and two decimals"),
        Flag("relative", "string", "none", "weighted", "user.id",
             [("a", "1"), ("b", "2"), ("c", "7")],
             description="relative integer weights, total 10"),
        Flag("salted_a", "bool", False, "shared", "user.id",
             [(True, "25%"), (False, "75%")], salt="shared-salt",
             description="shared salt: same buckets as salted_b"),
        Flag("salted_b", "string", "none", "shared", "user.id",
             [("x", "25%"), ("y", "75%")], salt="shared-salt",
             description="shared salt: same buckets as salted_a"),
        Flag("by_int", "string", "none", "by_n", "user.n",
             [("low", "10%"), ("mid", "80%"), ("high", "10%")],
             description="int unit, written in decimal"),
        Flag("paint", ("enum", "Color"), "red", "paint_split", "user.id",
             [("red", "25%"), ("green", "25%"), ("blue", "25%"), ("yellow", "25%")],
             description="enum-typed flag"),
        Flag("gaps", "string", "none", "with_zeros", "user.id",
             [("never_first", "0"), ("a", "3"), ("never_mid", "0"), ("b", "5"), ("never_last", "0")],
             description="zero weights are never chosen"),
        Flag("tier", "int", 0, "tiers", "user.id",
             [(0, "10%"), (1, "20%"), (42, "30%"), (1000000, "40%")],
             description="int-typed flag"),
        Flag("big_total", "string", "none", "max_total", "user.id",
             [("lo", "1073741823"), ("hi", "1073741824")],
             description="total weight 2^31-1: needs 64-bit multiply"),
    ]
    header = (
        "// Bucketing conformance ruleset (LANGUAGE.md section 6, Split).\n"
        "// Generated by tests/conformance/tools/gen_bucketing.py: do not edit by hand.\n"
    )
    source = header + "\n".join([
        "",
        "enum Color { red, green, blue, yellow }",
        "",
        "context {",
        "  user.id: string",
        "  user.n: int",
        "}",
        "",
        "\n\n".join(f.source() for f in flags),
        "",
    ])
    version = ruleset_version(source)
    cases = []
    for f in flags:
        cases += f.cases(INT_UNITS if f.by == "user.n" else STRING_UNITS, version)

    # Sanity: shared salt / twin flags really do share buckets.
    by_key = {}
    for c in cases:
        by_key.setdefault(c["flag"], []).append(c["expect"]["variant"])
    assert by_key["coin"] == by_key["coin_twin"]
    assert [v == "true" for v in by_key["salted_a"]] == [v == "x" for v in by_key["salted_b"]]
    assert "never_first" not in by_key["gaps"] and "never_mid" not in by_key["gaps"]
    assert "never_last" not in by_key["gaps"]

    description = (
        "Split bucketing (LANGUAGE.md section 6): bool/string/int/enum flags with "
        "percentage weights (including decimals, converted to basis points), relative "
        "integer weights, zero weights, a total weight of 2^31-1, shared salts, a salt "
        "equal to another flag's key, string units (ASCII, empty, non-ASCII UTF-8, "
        "combining marks, emoji, control characters, NUL, 100 bytes) and int units "
        "(negative, zero, around 2^31, 2^32, 2^53, i64::MIN and i64::MAX, written in "
        "decimal). Expected decisions were computed independently of every Vexil stack "
        "by tests/conformance/tools/gen_bucketing.py in plain Python with the mmh3 "
        "package: key = UTF-8(salt or flag key) ++ UTF-8(unit), h = MurmurHash3 x86_32 "
        "seed 0 unsigned, bucket = (h * total) >> 32, first entry whose running sum > "
        "bucket. Note for JavaScript runners: some int units exceed 2^53, so parse this "
        "file with an integer-preserving JSON reader."
    )
    write("bucketing", description, source, cases)


# --- flagd_fractional.json ----------------------------------------------------
#
# Expected values are taken verbatim from flagd's own suite (open-feature/flagd-testbed:
# evaluator/flags/testkit-flags.json for the flag definitions, and the @fractional-v2
# examples of the fractional scenarios in its gherkin features). flagd hashes
# `flagKey ++ targetingKey` or the string given as the first `fractional` argument
# (e.g. {"cat": ["shared-seed", {"var": "user.name"}]}); Vexil expresses that prefix
# with `salt`. Flag keys with '-' are not Vexil identifiers, so the flagd key
# becomes the salt.

FLAGD_CARDS = ["clubs", "diamonds", "hearts", "spades"]


def flagd_fractional() -> None:
    def card(prefix: str = "") -> list:
        return [(prefix + c, "25") for c in FLAGD_CARDS]

    flags = [
        Flag("fractional_flag", "string", "wild", "fractional", "user.name", card(),
             salt="fractional-flag",
             description="flagd fractional-flag: cat(flagKey, user.name), 4 x 25"),
        Flag("shared_seed_a", "string", "wild", "fractional", "user.name", card(),
             salt="shared-seed",
             description="flagd fractional-flag-A-shared-seed: cat(shared-seed, user.name)"),
        Flag("shared_seed_b", "string", "wild", "fractional", "user.name", card("ace-of-"),
             salt="shared-seed",
             description="flagd fractional-flag-B-shared-seed: cat(shared-seed, user.name)"),
        Flag("shorthand", "string", "draw", "fractional", "user.key",
             [("heads", "1"), ("tails", "1")], salt="fractional-flag-shorthand",
             description="flagd fractional-flag-shorthand: flagKey ++ targetingKey, [heads] [tails 1]"),
        Flag("single_entry", "string", "fallback", "fractional", "user.key",
             [("single", "1")], salt="fractional-single-entry-flag",
             description="flagd fractional-single-entry-flag"),
    ]
    # fractional-hash-edge-flag hashes the targeting key alone; its keys are exact
    # MurmurHash3 preimages of 0, 1, 2^31-1, 2^31, 2^32-1. Vexil always prepends a
    # salt or the flag key, so split each key as salt = first char, unit = the rest.
    edge = [("ejOoVL", "lower"), ("bY9fO-", "lower"), ("SI7p-", "lower"),
            ("6LvT0", "upper"), ("ceQdGm", "upper")]
    for i, (key, _) in enumerate(edge):
        flags.append(Flag(f"hash_edge_{i}", "string", "lower", "fractional", "user.key",
                          [("lower", "50"), ("upper", "50")], salt=key[0],
                          description=f"flagd fractional-hash-edge-flag, targetingKey {key}"))

    expected = []  # (flag index, unit, expected value from flagd's suite)
    for name, value in [("jack", "hearts"), ("queen", "spades"), ("ten", "clubs"),
                        ("nine", "diamonds"), ("3", "clubs")]:
        expected.append((0, name, value))
    for name, value in [("seven", "hearts"), ("eight", "diamonds"), ("nine", "clubs"),
                        ("two", "spades")]:
        expected.append((1, name, value))
        expected.append((2, name, "ace-of-" + value))
    # Untagged examples of "Fractional operator shorthand" (flagd-testbed
    # gherkin/targeting.feature); they hold under v1 and v2 alike.
    expected.append((3, "jon@company.com", "heads"))
    expected.append((3, "jane@company.com", "tails"))
    expected.append((4, "some-targeting-key", "single"))
    for i, (key, value) in enumerate(edge):
        expected.append((5 + i, key[1:], value))

    source = (
        "// flagd v2 `fractional` vectors expressed in Vexil.\n"
        "// Generated by tests/conformance/tools/gen_bucketing.py: do not edit by hand.\n"
        "\n"
        "context {\n"
        "  user.name: string\n"
        "  user.key: string\n"
        "}\n"
        "\n" + "\n\n".join(f.source() for f in flags) + "\n"
    )
    version = ruleset_version(source)
    cases = []
    for fi, unit, want in expected:
        case = flags[fi].case(unit, version)
        got = case["expect"]["value"]
        if got != want:
            sys.exit(f"flagd vector disagrees with the formula: {flags[fi].key} {unit!r}: "
                     f"flagd says {want}, formula says {got}")
        cases.append(case)

    description = (
        "flagd v2 fractional (high-precision integer bucketing, flagd PR 1909) vectors, "
        "expected values copied from flagd's own suite: open-feature/flagd-testbed "
        "evaluator/flags/testkit-flags.json (flag definitions) and the @fractional-v2 / "
        "untagged examples of its fractional gherkin scenarios (fractional-flag, "
        "fractional-flag-A/B-shared-seed, fractional-flag-shorthand, "
        "fractional-single-entry-flag, fractional-hash-edge-flag). flagd's hashed string "
        "(flagKey ++ targetingKey, or the first fractional argument such as "
        "cat(\"shared-seed\", user.name)) is reproduced with `salt`; the hash-edge keys, "
        "which flagd hashes alone, are split as salt = first character, unit = rest. "
        "gen_bucketing.py checks each copied value against its own independent Python "
        "+ mmh3 implementation of LANGUAGE.md section 6."
    )
    write("flagd_fractional", description, source, cases)


# --- split_options.json --------------------------------------------------------

UNLEASH_VARIANT_SEED = 86028157


def unleash_normalized(group_and_id: str, normalizer: int, seed: int) -> int:
    """Unleash's normalizedHash: murmur3(groupId:id, seed) % normalizer + 1 (1-based)."""
    return mmh3.hash(group_and_id.encode("utf-8"), seed, signed=False) % normalizer + 1


def unleash_rollout_enabled(group_id: str, user_id: str, percentage: int) -> bool:
    """Unleash flexibleRollout / gradualRollout: enabled when normalized <= percentage."""
    return percentage > 0 and unleash_normalized(f"{group_id}:{user_id}", 100, 0) <= percentage


def unleash_variant(group_id: str, user_id: str, variants: list[tuple[str, int]]) -> str:
    """Unleash variant selection: the first variant whose running weight >= the target."""
    total = sum(w for _, w in variants)
    target = unleash_normalized(f"{group_id}:{user_id}", total, UNLEASH_VARIANT_SEED)
    counter = 0
    for name, weight in variants:
        counter += weight
        if counter >= target:
            return name
    raise AssertionError("no variant")


def split_options() -> None:
    flags = [
        Flag("unleash_rollout", "bool", False, "rollout", "user.id",
             [(True, "30"), (False, "70")], salt="rollout-group:", modulo=True,
             description="Unleash flexibleRollout, groupId rollout-group, 30%: salt groupId: modulo, weights of 100"),
        Flag("unleash_variant", "string", "none", "variants", "user.id",
             [("red", "500"), ("blue", "300"), ("green", "200")], salt="checkout-test:",
             seed=UNLEASH_VARIANT_SEED, modulo=True,
             description="Unleash variants 500/300/200, stickiness userId: seed 86028157 modulo"),
        Flag("seeded", "string", "none", "seeded", "user.id",
             [("a", "50%"), ("b", "50%")], seed=42,
             description="a seed without modulo: multiply and shift"),
        Flag("max_seed", "bool", False, "max", "user.id",
             [(True, "10%"), (False, "90%")], seed=4294967295,
             description="the largest seed, 2^32-1"),
        Flag("seed_zero", "bool", False, "half", "user.id",
             [(True, "50%"), (False, "50%")], salt="plain", seed=0,
             description="seed 0 written out: the same buckets as no seed (plain)"),
        Flag("plain", "bool", False, "half", "user.id",
             [(True, "50%"), (False, "50%")], salt="plain",
             description="no options: compared with seed_zero"),
        Flag("modulo_percent", "string", "none", "fine", "user.id",
             [("x", "12.5%"), ("y", "87.5%")], modulo=True,
             description="modulo with percentages: h mod 10000"),
        Flag("modulo_int_unit", "string", "none", "by_n", "user.n",
             [("lo", "1"), ("mid", "2"), ("hi", "7")], salt="n:", modulo=True,
             description="modulo with an int unit written in decimal"),
        Flag("modulo_big_total", "string", "none", "max_total", "user.id",
             [("lo", "1073741823"), ("hi", "1073741824")], modulo=True,
             description="modulo by 2^31-1"),
        Flag("contextual_keywords", "string", "none", "words", "modulo.seed",
             [("p", "1"), ("q", "1")], seed=3, modulo=True,
             description="seed and modulo are keywords only after the by expression: here also a path"),
        Flag("modulo_zero_weights", "string", "none", "gaps", "user.id",
             [("never", "0"), ("a", "3"), ("b", "0"), ("c", "5")], seed=7, modulo=True,
             description="zero weights are never chosen under modulo either"),
    ]
    header = (
        "// Split options conformance ruleset (LANGUAGE.md section 6, v1.1: seed, modulo).\n"
        "// Generated by tests/conformance/tools/gen_bucketing.py: do not edit by hand.\n"
    )
    source = header + "\n".join([
        "",
        "context {",
        "  user.id: string",
        "  user.n: int",
        "  modulo.seed: string",
        "}",
        "",
        "\n\n".join(f.source() for f in flags),
        "",
    ])
    version = ruleset_version(source)
    cases = []
    for f in flags:
        units = INT_UNITS if f.by == "user.n" else STRING_UNITS
        cases += f.cases(STRING_UNITS[:10] if f.by == "modulo.seed" else units, version)

    # Unleash's own formulas, written separately, agree case by case.
    for c in cases:
        unit = c["context"].get("user", {}).get("id")
        if c["flag"] == "unleash_rollout":
            assert c["expect"]["value"] == unleash_rollout_enabled("rollout-group", unit, 30), unit
        if c["flag"] == "unleash_variant":
            want = unleash_variant("checkout-test", unit, [("red", 500), ("blue", 300), ("green", 200)])
            assert c["expect"]["value"] == want, unit
    by_key = {}
    for c in cases:
        by_key.setdefault(c["flag"], []).append(c["expect"]["variant"])
    assert by_key["seed_zero"] == by_key["plain"]
    assert by_key["seeded"] != by_key["plain"] and "never" not in by_key["modulo_zero_weights"]
    assert "b" not in by_key["modulo_zero_weights"]

    description = (
        "Split options of LANGUAGE.md section 6 v1.1 (seed N: the MurmurHash3 seed; modulo: "
        "bucket = h mod total_weight; the walk unchanged): seeds 0, 42, 2^32-1 and Unleash's "
        "86028157, modulo with integer weights, percentages (total 10000), an int unit, a "
        "total of 2^31-1 and zero weights. Expected decisions computed independently by "
        "tests/conformance/tools/gen_bucketing.py in plain Python with mmh3, and the "
        "unleash_rollout / unleash_variant cases checked there against Unleash's own "
        "formulas (normalizedHash(groupId:userId) = h % n + 1; rollout enabled when <= p; "
        "the first variant whose running weight >= the target, seed 86028157)."
    )
    write("split_options", description, source, cases)


def main() -> None:
    self_check_mmh3()
    assert percent_to_bp("33.33") == 3333 and percent_to_bp("12.5") == 1250
    assert percent_to_bp("0.5") == 50 and percent_to_bp("100") == 10000
    bucketing()
    flagd_fractional()
    split_options()


if __name__ == "__main__":
    main()
