// Differential testing across the JS boundary (issue 9): random rulesets and
// random JS contexts, decided by the package, compared whole — every field,
// `error_message` included — with the native CLI's decisions for the same
// contexts written as JSON text. Shared by the Node test (which also runs the
// CLI), the long-running mode (`node test/differential-run.mjs --cases N`) and the
// Chromium page (which receives the native decisions from Node).
//
// The JSON text for the native CLI is written here by `nativeText`, not by
// the package's serialiser: integral doubles as their exact decimal digits
// (the package appends `.0` to shortest round-trip digits), `-0` as `-0`
// (the package writes `-0.0`). LANGUAGE.md §7 says both denote the same
// number, so a boundary mistake shows as a difference.
//
// Only contexts JSON text can express are generated here: no NaN, ±Infinity,
// functions, symbols, lone surrogates, cycles or BigInts outside i64 (the
// package makes those INVALID_CONTEXT where read; web/test/api.test.mjs tests
// that), and nesting stays below serde_json's recursion limit of 128 (beyond
// it both stacks refuse the whole context, with a message that names a column
// of the text, which differs when the texts do).

import { compareDecision, parseRaw, show } from "./json.mjs";

export const NOW = "2026-05-01T12:00:00Z";

/** A small, fast, seeded PRNG (mulberry32), so every run of one seed is the same. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

// ------------------------------------------------------------------ rulesets

const SCHEMA = `context {
  u.id: string
  u.n: int
  u.m: int
  u.f: float
  u.g: float
  u.s: string
  u.b: bool
  u.tags: list<string>
  u.nums: list<int>
  u.opt: int?
  deep.a.b: int
}
`;

// Literals as Vexil source (numeric literals are unsigned; `-` is unary minus).
const INT_LITERALS = [
  "0", "1", "2", "3", "7", "-1", "100", "2147483648", "9007199254740991", "9007199254740992", "9007199254740993",
  "4611686018427387904", "-4611686018427387904", "4611686018427388000", "9223372036854775807", "-9223372036854775808",
];
const FLOAT_LITERALS = [
  "0.0", "-0.0", "0.5", "1.0", "2.5", "-2.5", "0.1", "1.0e308", "5.0e-324", "2.2250738585072014e-308",
  "4.611686018427388e18", "9.007199254740992e15", "1.0e-7", "1.0e16", "1.0e21",
];
const STRING_LITERALS = ['""', '"a"', '"ada"', '"A"', '"é"', '"e\u0301"', '"😀"', '"a😀b"', '"3"', '"ü"', '"ß"'];

function intExpr(r, depth) {
  if (depth <= 0 || r.chance(0.35)) {
    return r.pick(["u.n", "u.m", "deep.a.b", "u.n", "u.m", r.pick(INT_LITERALS), "len(u.s)", "len(u.tags)", "(u.opt ?? 5)"]);
  }
  switch (r.int(4)) {
    case 0:
      return `(${intExpr(r, depth - 1)} ${r.pick(["+", "-", "*", "/", "%"])} ${intExpr(r, depth - 1)})`;
    case 1:
      return `(-${intExpr(r, depth - 1)})`;
    case 2:
      return `(u.opt ?? ${intExpr(r, depth - 1)})`;
    default:
      return `len(${strExpr(r, depth - 1)})`;
  }
}

function floatExpr(r, depth) {
  if (depth <= 0 || r.chance(0.35)) return r.pick(["u.f", "u.g", "u.f", r.pick(FLOAT_LITERALS), "float(u.n)"]);
  return r.chance(0.7)
    ? `(${floatExpr(r, depth - 1)} ${r.pick(["+", "-", "*", "/", "%"])} ${floatExpr(r, depth - 1)})`
    : `float(${intExpr(r, depth - 1)})`;
}

function strExpr(r, depth) {
  if (depth <= 0 || r.chance(0.4)) return r.pick(["u.id", "u.s", "u.id", r.pick(STRING_LITERALS)]);
  switch (r.int(3)) {
    case 0:
      return `lower(${strExpr(r, depth - 1)})`;
    case 1:
      return `upper(${strExpr(r, depth - 1)})`;
    default:
      return `(${strExpr(r, depth - 1)} + ${strExpr(r, depth - 1)})`;
  }
}

const COMPARE = ["==", "!=", "<", "<=", ">", ">="];

function boolExpr(r, depth) {
  const d = depth - 1;
  switch (r.int(depth <= 0 ? 6 : 14)) {
    case 0:
      return `(${intExpr(r, d)} ${r.pick(COMPARE)} ${intExpr(r, d)})`;
    case 1:
      return `(${floatExpr(r, d)} ${r.pick(COMPARE)} ${floatExpr(r, d)})`;
    case 2:
      return `(${strExpr(r, d)} ${r.pick(COMPARE)} ${strExpr(r, d)})`;
    case 3:
      return r.pick(["u.b", "has(u.opt)", "has(u.id)", "has(deep.a.b)", "true", "false"]);
    case 4:
      return `(${strExpr(r, d)} ${r.pick(["starts_with", "ends_with", "contains"])} ${strExpr(r, d)})`;
    case 5:
      return `(u.tags contains ${strExpr(r, d)})`;
    case 6:
      return `(not ${boolExpr(r, d)})`;
    case 7:
    case 8:
      return `(${boolExpr(r, d)} ${r.pick(["and", "or"])} ${boolExpr(r, d)})`;
    case 9:
      return `(${intExpr(r, d)} ${r.pick(["in", "not in"])} [${pickDistinct(r, INT_LITERALS.filter((l) => !l.startsWith("-")), 3).join(", ")}])`;
    case 10:
      return `(${strExpr(r, d)} ${r.pick(["in", "not in"])} [${pickDistinct(r, STRING_LITERALS, 3).join(", ")}])`;
    case 11:
      return `(u.nums contains ${intExpr(r, d)})`;
    case 12:
      return `(has(u.opt) and u.opt ${r.pick(COMPARE)} ${r.pick(INT_LITERALS)})`;
    default:
      return `(${strExpr(r, d)} matches ${r.pick(['"^a"', '"\\\\d+"', '"(?i)Ä"', '"😀$"', '"."'])})`;
  }
}

function pickDistinct(r, pool, max) {
  const count = 1 + r.int(Math.min(max, pool.length));
  const chosen = new Set();
  while (chosen.size < count) chosen.add(r.pick(pool));
  return [...chosen];
}

const FLAG_TYPES = {
  bool: ["true", "false"],
  int: INT_LITERALS,
  float: FLOAT_LITERALS,
  string: STRING_LITERALS,
};

/** A random ruleset that compiles: the schema above and 2–5 flags. */
export function randomRuleset(r) {
  const flags = [];
  const count = 2 + r.int(4);
  let source = SCHEMA;
  for (let i = 0; i < count; i++) {
    const type = r.pick(Object.keys(FLAG_TYPES));
    const values = FLAG_TYPES[type];
    const key = `f${i}`;
    const lines = [`flag ${key}: ${type} {`, `  owner "differential"`, `  default ${r.pick(values)}`];
    if (r.chance(0.5)) lines.push(`  on_error ${r.pick(values)}`);
    if (r.chance(0.08)) lines.push(`  state off`, `  off ${r.pick(values)}`);
    if (i > 0 && r.chance(0.25)) {
      const target = flags[r.int(flags.length)];
      lines.push(`  requires ${target.key} == ${r.pick(FLAG_TYPES[target.type])}`);
    }
    const rules = 1 + r.int(3);
    for (let k = 0; k < rules; k++) {
      const when = boolExpr(r, 3);
      if (r.chance(0.25)) {
        const by = r.pick(["u.id", "u.n", "lower(u.s)", "(u.n + 1)", "(u.id + u.s)", "deep.a.b"]);
        const entries = pickDistinct(r, values, 3);
        if (entries.length < 2) entries.push(...values.filter((v) => !entries.includes(v)).slice(0, 1));
        const weights = entries.map(() => 1 + r.int(5));
        const salt = r.chance(0.3) ? ` salt "s${r.int(3)}"` : "";
        lines.push(`  rule r${k}: when ${when} => split by ${by}${salt} { ${entries.map((v, j) => `${v}: ${weights[j]}`).join(", ")} }`);
      } else {
        lines.push(`  rule r${k}: when ${when} => ${r.pick(values)}`);
      }
    }
    lines.push("}");
    source += "\n" + lines.join("\n") + "\n";
    flags.push({ key, type });
  }
  return { source, flags: flags.map((f) => f.key) };
}

// ------------------------------------------------------------------ contexts

const TWO_53 = 2 ** 53;
const NUMBERS = [
  0, -0, 1, -1, 3, 7, 100, 0.5, -2.5, 0.1, 1.5,
  TWO_53 - 1, TWO_53, TWO_53 + 2, -TWO_53, 2 ** 62, -(2 ** 62), 4611686018427388000, 2 ** 63, -(2 ** 63), 2 ** 64,
  -(2 ** 63) - 4096, 1e21, 1e22, 123456789012345680000, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324,
  2.2250738585072014e-308, 2.225073858507201e-308, 1e-7, 1e16, 9007199254740993.5,
];
const BIGINTS = [0n, 5n, -7n, 2n ** 53n + 1n, 2n ** 62n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n), 4611686018427388000n];
const STRINGS = ["", "a", "ada", "A", "Ada", "é", "e\u0301", "😀", "a😀b", "3", "ü", "ß", "İ", "ﬀ", "\u0000", "x".repeat(300), "𝔘𝔫𝔦", "ada@example.com"];

function randomNumber(r) {
  switch (r.int(4)) {
    case 0:
      return (r.next() - 0.5) * 2 ** (r.int(70));
    case 1:
      return Math.round((r.next() - 0.5) * 2 ** r.int(66));
    default:
      return r.pick(NUMBERS);
  }
}

function scalar(r) {
  switch (r.int(6)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(BIGINTS);
    case 3:
      return null;
    default:
      return randomNumber(r);
  }
}

function anyValue(r, depth) {
  if (depth > 0 && r.chance(0.2)) {
    return r.chance(0.5)
      ? Array.from({ length: r.int(4) }, () => anyValue(r, depth - 1))
      : Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [r.pick(["id", "n", "x", "a", "b", `k${i}`]), anyValue(r, depth - 1)]));
  }
  return scalar(r);
}

function deepObject(r, depth) {
  let value = scalar(r);
  for (let i = 0; i < depth; i++) value = r.chance(0.8) ? { x: value } : [value];
  return value;
}

/** A value for an attribute of `type`: usually right, sometimes wrong, null or undefined. */
function attribute(r, type) {
  const roll = r.next();
  if (roll < 0.03) return null;
  if (roll < 0.05) return undefined;
  if (roll < 0.1) return anyValue(r, 2);
  switch (type) {
    case "int":
      return r.chance(0.3) ? r.pick(BIGINTS) : r.chance(0.6) ? r.pick(NUMBERS) : randomNumber(r);
    case "float":
      return r.chance(0.15) ? r.pick(BIGINTS) : randomNumber(r);
    case "string":
      return r.chance(0.7) ? r.pick(STRINGS) : STRINGS.slice(0, 1 + r.int(5)).join("");
    case "bool":
      return r.chance(0.5);
    case "list<string>":
      return Array.from({ length: r.int(4) }, () => (r.chance(0.9) ? r.pick(STRINGS) : scalar(r)));
    default:
      return Array.from({ length: r.int(4) }, () => (r.chance(0.9) ? r.pick(NUMBERS) : scalar(r)));
  }
}

const U_ATTRIBUTES = { id: "string", n: "int", m: "int", f: "float", g: "float", s: "string", b: "bool", tags: "list<string>", nums: "list<int>", opt: "int" };

/** A random context as a JS value (an object, except now and then). */
export function randomContext(r) {
  const u = {};
  for (const [name, type] of Object.entries(U_ATTRIBUTES)) {
    if (r.chance(0.85)) u[name] = attribute(r, type);
  }
  const context = {};
  const roll = r.next();
  context.u = roll < 0.05 ? scalar(r) : roll < 0.08 ? [u] : u;
  if (r.chance(0.7)) context.deep = r.chance(0.85) ? { a: r.chance(0.9) ? { b: attribute(r, "int") } : scalar(r) } : scalar(r);
  if (r.chance(0.3)) context.extra = anyValue(r, 3);
  if (r.chance(0.05)) context.nested = deepObject(r, 1 + r.int(100));
  if (r.chance(0.02)) return scalar(r);
  return context;
}

// ------------------------------------------------------------------ the native side's JSON text

/**
 * JSON text of a JS value for the native CLI, written independently of the
 * package's serialiser: numbers as their exact values (integral doubles as
 * all their digits, `-0` as `-0`), BigInts as digits; `undefined` left out of
 * objects and `null` in arrays, as `JSON.stringify` does.
 */
export function nativeText(value) {
  if (value === undefined) return undefined;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Object.is(value, -0)) return "-0";
    return Number.isInteger(value) ? BigInt(value).toString() : String(value);
  }
  if (Array.isArray(value)) return "[" + value.map((v) => nativeText(v) ?? "null").join(",") + "]";
  if (value !== null && typeof value === "object") {
    const members = [];
    for (const [k, v] of Object.entries(value)) {
      const text = nativeText(v);
      if (text !== undefined) members.push(JSON.stringify(k) + ":" + text);
    }
    return "{" + members.join(",") + "}";
  }
  return JSON.stringify(value);
}

// ------------------------------------------------------------------ running

/**
 * The cases of one seed: `rulesets` rulesets, each with `contexts` contexts,
 * every flag decided for each (and an unknown key for the first). Returns per ruleset the
 * source, the requests for the native CLI (JSON lines) and a function that
 * gives the JS side's inputs.
 */
export function generate(seed, rulesets, contexts) {
  const r = rng(seed);
  const suites = [];
  for (let i = 0; i < rulesets; i++) {
    const { source, flags } = randomRuleset(r);
    const cases = [];
    for (let j = 0; j < contexts; j++) {
      const context = randomContext(r);
      for (const flag of j === 0 ? [...flags, "missing"] : flags) cases.push({ flag, context });
    }
    const requests = cases.map(({ flag, context }) => {
      const text = nativeText(context) ?? "null";
      return `{"flag":${JSON.stringify(flag)},"context":${text},"now":"${NOW}"}`;
    });
    suites.push({ source, cases, requests: requests.join("\n") + "\n" });
  }
  return suites;
}

/**
 * Decides every case with the package and compares with the native lines
 * (`nativeLines(suiteIndex)` → the CLI's output lines for that suite).
 * Returns `{ cases, mismatches: [text…], compileFailures }`.
 */
export function compare(suites, compile, nativeLines, maxReported = 10) {
  let cases = 0;
  let compileFailures = 0;
  const mismatches = [];
  suites.forEach((suite, index) => {
    let ruleset;
    try {
      ruleset = compile(suite.source);
    } catch (error) {
      compileFailures++;
      mismatches.push(`ruleset ${index} does not compile in JS: ${JSON.stringify(error.diagnostics ?? String(error))}\n${suite.source}`);
      return;
    }
    const lines = nativeLines(index);
    suite.cases.forEach(({ flag, context }, i) => {
      cases++;
      const decision = ruleset.evaluate(flag, context, { now: NOW });
      const line = lines[i];
      const problem = line === undefined ? "no native decision" : compareDecision(decision, parseRaw(line), true);
      if (problem && mismatches.length < maxReported) {
        mismatches.push(`ruleset ${index}, flag ${flag}, context ${show(context)} (native text ${nativeText(context)}): ${problem}\n  js:     ${show(decision)}\n  native: ${line}\n${suite.source}`);
      } else if (problem) {
        mismatches.push("(more)");
      }
    });
    ruleset.free();
  });
  return { cases, mismatches, compileFailures };
}
