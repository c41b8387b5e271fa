// Tidy checks (in the spirit of rust-analyzer's tidy tests): what JavaScript
// and TypeScript restate by hand must equal its Rust definition, so a change
// on one side fails here until the other side follows.
//
// - The playground highlighter's words and operator symbols
//   (web/playground/src/vexil-words.js) against the one grammar
//   (grammar/vexil.pest: `reserved`, `kw_*`, `op_*`, clauses) and the checker's
//   lists (built-in type names, functions).
// - The hand-written TypeScript declarations (crates/vexil-wasm/src/types.d.ts)
//   against the serde boundary types: every field of every serialised struct
//   of crates/vexil-eval/src/decision.rs (AttrInfo included) and DiagnosticRecord
//   (crates/vexil-syntax/src/diagnostic.rs), with its JSON name, optionality,
//   type and order; every variant string of Reason, ErrorCode and Severity.
// - Every export of the wasm bindings appears in web/README.md's API table.
//
// Sources are read as text with small parsers (no build needed). They are
// strict on purpose: what they do not understand (a serde attribute, a field
// line) fails the test rather than being skipped.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import * as words from "../playground/src/vexil-words.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (path) => readFileSync(join(root, path), "utf8");
const sorted = (items) => [...new Set(items)].sort();

// ------------------------------------------------------------------ grammar

/** The rules of a pest grammar: name → tokens (`{ str }` literals and `{ ident }` references). */
function pestRules(text) {
  const rules = new Map();
  let i = 0;
  const head = /(\w+)\s*=\s*[_@$!]?\s*\{/y;
  while (i < text.length) {
    if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    head.lastIndex = i;
    const match = head.exec(text);
    if (!match) throw new Error(`grammar: cannot read a rule at ${JSON.stringify(text.slice(i, i + 40))}`);
    i = head.lastIndex;
    const tokens = [];
    let depth = 1;
    while (depth > 0) {
      if (i >= text.length) throw new Error(`grammar: rule ${match[1]} is not closed`);
      const ch = text[i];
      if (ch === '"') {
        let value = "";
        i++;
        while (text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i++];
        }
        i++;
        tokens.push({ str: value });
      } else if (/[A-Za-z_]/.test(ch)) {
        const ident = /[A-Za-z_]\w*/y;
        ident.lastIndex = i;
        const name = ident.exec(text)[0];
        tokens.push({ ident: name });
        i += name.length;
      } else {
        if (ch === "{") depth++;
        if (ch === "}") depth--;
        i++;
      }
    }
    if (rules.has(match[1])) throw new Error(`grammar: rule ${match[1]} defined twice`);
    rules.set(match[1], tokens);
  }
  return rules;
}

const grammar = pestRules(read("grammar/vexil.pest"));

function rule(name) {
  const tokens = grammar.get(name);
  assert.ok(tokens, `grammar/vexil.pest has no rule \`${name}\``);
  return tokens;
}

/** The string literals of a rule, and of the `kw_*` rules it is made of (`op_not_in = { kw_not ~ kw_in }`). */
function literals(name) {
  return rule(name).flatMap((t) => (t.str !== undefined ? [t.str] : t.ident.startsWith("kw_") ? literals(t.ident) : []));
}

const ruleNames = (prefix) => [...grammar.keys()].filter((n) => n.startsWith(prefix));
const isWord = (s) => /^[A-Za-z_]\w*$/.test(s);
const reserved = sorted(literals("reserved"));
const opLiterals = ruleNames("op_").flatMap(literals);
const kwLiterals = ruleNames("kw_").flatMap(literals);

test("the grammar reads as expected (sanity of this test's parser)", () => {
  assert.ok(grammar.size > 80, `${grammar.size} rules`);
  assert.ok(reserved.includes("flag") && reserved.includes("has"), reserved.join(" "));
  assert.ok(opLiterals.includes("??") && opLiterals.includes("starts_with"), opLiterals.join(" "));
  for (const name of ruleNames("kw_")) assert.equal(literals(name).length, 1, `${name} spells one word`);
});

test("playground: word operators are the grammar's op_* words", () => {
  assert.deepEqual(sorted(words.WORD_OPS), sorted(opLiterals.filter(isWord)));
});

test("playground: operator symbols are the grammar's op_* symbols, `=>` and `?`", () => {
  const expected = [...opLiterals.filter((s) => !isWord(s)), ...literals("p_arrow"), ...literals("optional_mark")];
  assert.deepEqual(sorted(words.SYMBOLS), sorted(expected));
});

test("playground: atoms are the grammar's bool_lit and kw_now", () => {
  assert.deepEqual(sorted(words.ATOMS), sorted([...literals("bool_lit"), ...literals("kw_now")]));
});

test("playground: keywords are the grammar's reserved kw_* words that are not operators or atoms", () => {
  const expected = kwLiterals.filter((w) => reserved.includes(w) && !words.WORD_OPS.includes(w) && !words.ATOMS.includes(w));
  assert.deepEqual(sorted(words.KEYWORDS), sorted(expected));
});

test("playground: every reserved word is highlighted in exactly one category", () => {
  const categories = { KEYWORDS: words.KEYWORDS, WORD_OPS: words.WORD_OPS, ATOMS: words.ATOMS, FUNCTIONS: words.FUNCTIONS };
  for (const word of reserved) {
    const found = Object.entries(categories).filter(([, list]) => list.includes(word)).map(([name]) => name);
    assert.equal(found.length, 1, `reserved word \`${word}\` is in ${found.length ? found.join(", ") : "no category"}`);
  }
  for (const word of [...words.KEYWORDS, ...words.WORD_OPS, ...words.ATOMS]) {
    assert.ok(reserved.includes(word) || opLiterals.includes(word), `\`${word}\` is not a reserved word or operator`);
  }
});

test("playground: clause words are the grammar's flag clauses", () => {
  const clauses = rule("clause").map((t) => t.ident);
  assert.ok(clauses.length >= 10 && clauses.every((c) => c?.endsWith("_clause")), clauses.join(" "));
  const expected = clauses
    .map((c) => rule(c).find((t) => t.ident?.startsWith("kw_")).ident)
    .flatMap(literals)
    .filter((w) => !reserved.includes(w)); // `rule` is a keyword
  assert.deepEqual(sorted(words.CLAUSES), sorted(expected));
});

test("playground: split options are the grammar's seed and modulo rules, and every kw_* word has a category", () => {
  const split = rule("split").map((t) => t.ident).filter(Boolean);
  const options = ["seed", "modulo"].filter((name) => split.includes(name)).flatMap((name) => literals(name));
  assert.deepEqual(sorted(words.SPLIT_OPTIONS), sorted(options));
  const known = [...reserved, ...words.CLAUSES, ...words.SPLIT_OPTIONS, ...literals("kw_list"), ...words.WORD_OPS, ...words.ATOMS];
  for (const word of kwLiterals) assert.ok(known.includes(word), `kw_* word \`${word}\` is in no category of vexil-words.js`);
});

// ------------------------------------------------------------------ checker lists

/** All `.rs` files of a crate's src/, concatenated. */
function crateSource(crate) {
  const dir = join(root, "crates", crate, "src");
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(".rs"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

const checker = crateSource("vexil-check");

function stringsIn(text) {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
}

test("playground: type names are the checker's TYPE_NAMES and `list`", () => {
  const match = /const TYPE_NAMES: \[&str; \d+\] = \[([^\]]*)\]/.exec(checker);
  assert.ok(match, "crates/vexil-check/src has no `const TYPE_NAMES: [&str; N] = [...]`");
  assert.deepEqual(sorted(words.TYPES), sorted([...stringsIn(match[1]), ...literals("kw_list")]));
});

test("playground: functions are the checker's builtins and `has`", () => {
  // `Builtin::name` spells every function the evaluator runs; `has(path)`
  // takes a path, not a value, and is checked on its own (a reserved word).
  const match = /impl Builtin \{[\s\S]*?fn name\(self\) -> &'static str \{\s*match self \{([\s\S]*?)\n\s*\}\n/.exec(checker);
  assert.ok(match, "crates/vexil-check/src has no `impl Builtin { fn name(self) -> &'static str { match self { ... } } }`");
  assert.ok(reserved.includes("has"));
  assert.deepEqual(sorted(words.FUNCTIONS), sorted(["has", ...stringsIn(match[1])]));
});

// ------------------------------------------------------------------ Rust boundary types

/** `#[serde(a = "x", b)]` contents → `{ a: "x", b: true }`; anything unknown throws. */
function serdeArgs(text, known, where) {
  const out = {};
  for (const part of text.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const m = /^\s*(\w+)\s*(?:=\s*"([^"]*)")?\s*$/.exec(part);
    if (!m || !known.includes(m[1])) throw new Error(`${where}: serde attribute \`${part.trim()}\` is not understood by this test`);
    out[m[1]] = m[2] ?? true;
  }
  return out;
}

/** Items of a Rust file with their derive list and outer attributes: `pub struct|enum Name { body }`. */
function rustItems(text, kind) {
  const re = new RegExp(
    String.raw`#\[derive\(([^)]*)\)\]\s*((?:#\[[^\n]*\]\s*|///[^\n]*\n\s*)*)pub ${kind} (\w+)\s*\{([\s\S]*?)\n\}`,
    "g",
  );
  return [...text.matchAll(re)]
    .filter((m) => /\bSerialize\b/.test(m[1]))
    .map((m) => {
      const container = {};
      for (const attr of m[2].matchAll(/#\[serde\(([^\n]*)\)\]/g)) {
        Object.assign(container, serdeArgs(attr[1], ["rename_all", "untagged"], m[3]));
      }
      return { name: m[3], container, body: m[4] };
    });
}

function renameAll(name, style) {
  const snake = name.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase();
  switch (style) {
    case undefined:
      return name;
    case "lowercase":
      return name.toLowerCase();
    case "UPPERCASE":
      return name.toUpperCase();
    case "snake_case":
      return snake;
    case "SCREAMING_SNAKE_CASE":
      return snake.toUpperCase();
    case "kebab-case":
      return snake.replace(/_/g, "-");
    default:
      throw new Error(`rename_all = "${style}" is not understood by this test`);
  }
}

/** TypeScript names of Rust boundary types that are called differently there. */
const TS_NAME = { DiagnosticRecord: "Diagnostic" };

/** A Rust field type as its JSON in TypeScript terms. */
function tsType(rust, where) {
  const t = rust.replace(/\s+/g, "");
  let m;
  if ((m = /^Vec<(.+)>$/.exec(t))) return `${tsType(m[1], where)}[]`;
  if (/^(String|Arc<str>|Box<str>|&(?:'static)?str)$/.test(t)) return "string";
  if (/^(u8|u16|u32|u64|usize|i8|i16|i32|i64|isize|f32|f64)$/.test(t)) return "number";
  if (t === "bool") return "boolean";
  if (/^\w+$/.test(t)) return TS_NAME[t] ?? t;
  throw new Error(`${where}: Rust type \`${rust}\` is not understood by this test`);
}

/** The JSON fields of a serialised Rust struct, in order: `{ name, optional, type }`. */
function rustFields(item) {
  if (Object.keys(item.container).length) throw new Error(`${item.name}: container serde attributes are not understood by this test`);
  const fields = [];
  let serde = {};
  for (const raw of item.body.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("//")) continue;
    let m;
    if ((m = /^#\[serde\((.*)\)\]$/.exec(line))) {
      Object.assign(serde, serdeArgs(m[1], ["rename", "skip_serializing_if", "default", "with"], item.name));
      continue;
    }
    if (line.startsWith("#[")) continue; // #[allow], #[doc], …
    m = /^(?:pub(?:\([^)]*\))?\s+)?(\w+)\s*:\s*(.+?),?$/.exec(line);
    if (!m) throw new Error(`${item.name}: field line \`${line}\` is not understood by this test`);
    const where = `${item.name}.${m[1]}`;
    const option = /^Option<(.+)>$/.exec(m[2].replace(/\s+/g, ""));
    const optional = serde.skip_serializing_if !== undefined;
    // `with = "iso_instant"` (decision.rs) writes a Timestamp as its ISO text.
    const serialisedAs = { iso_instant: "string" };
    if (serde.with !== undefined && !serialisedAs[serde.with]) throw new Error(`${where}: serde \`with = "${serde.with}"\` is not understood by this test`);
    let type = serde.with !== undefined ? serialisedAs[serde.with] : tsType(option ? option[1] : m[2], where);
    if (option && !optional) type = `${type} | null`;
    fields.push({ name: serde.rename ?? m[1], optional, type });
    serde = {};
  }
  return fields;
}

/** The JSON strings of a serialised Rust enum's variants, in order. */
function rustVariants(item) {
  const out = [];
  let serde = {};
  for (const raw of item.body.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("//")) continue;
    let m;
    if ((m = /^#\[serde\((.*)\)\]$/.exec(line))) {
      Object.assign(serde, serdeArgs(m[1], ["rename"], item.name));
      continue;
    }
    if (line.startsWith("#[")) continue;
    m = /^(\w+)\s*(?:[,({]|$)/.exec(line);
    if (!m) throw new Error(`${item.name}: variant line \`${line}\` is not understood by this test`);
    out.push(serde.rename ?? renameAll(m[1], item.container.rename_all));
    serde = {};
  }
  return out;
}

/** `Enum::Variant => "TEXT"` arms of a Rust enum's `as_str`, when it has one, as JSON strings in variant order. */
function asStrArms(text, name) {
  const match = new RegExp(String.raw`impl ${name} \{[\s\S]*?fn as_str\(self\) -> &'static str \{\s*match self \{([\s\S]*?)\n\s*\}\n`).exec(text);
  if (!match) return null;
  return [...match[1].matchAll(new RegExp(String.raw`${name}::(\w+) => "([^"]*)"`, "g"))].map((m) => m[2]);
}

// ------------------------------------------------------------------ TypeScript declarations

const declarations = read("crates/vexil-wasm/src/types.d.ts").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");

const tsAliases = new Map(
  [...declarations.matchAll(/export type (\w+)\s*=\s*([^;]*);/g)].map((m) => [m[1], m[2].replace(/\s+/g, " ").trim()]),
);

/** A TypeScript type, with open string aliases (`"bool" | … | (string & {})`) read as `string`. */
function normalizeTs(type) {
  const t = type.replace(/\s+/g, " ").trim().replace(/^Array<(.+)>$/, "$1[]");
  const m = /^(\w+)(\[\])?$/.exec(t);
  if (m && /\(string & \{\}\)/.test(tsAliases.get(m[1]) ?? "")) return `string${m[2] ?? ""}`;
  return t;
}

const tsInterfaces = new Map(
  [...declarations.matchAll(/export interface (\w+)[^{]*\{([\s\S]*?)\n\}/g)].map((m) => [
    m[1],
    [...m[2].matchAll(/^\s*(?:readonly\s+)?(\w+)(\?)?\s*:\s*([^;]+);/gm)].map((f) => ({
      name: f[1],
      optional: f[2] === "?",
      type: normalizeTs(f[3]),
    })),
  ]),
);

/** The members of a TypeScript union of string literals. */
function tsStringUnion(name) {
  const body = tsAliases.get(name);
  assert.ok(body !== undefined, `types.d.ts has no \`export type ${name}\``);
  const members = [...body.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  assert.equal(body.replace(/"[^"]*"/g, "").replace(/[\s|]/g, ""), "", `${name} is not a union of string literals: ${body}`);
  return members;
}

// ------------------------------------------------------------------ boundary tests

const BOUNDARY_SOURCES = [
  "crates/vexil-eval/src/decision.rs",
  "crates/vexil-syntax/src/diagnostic.rs",
];
const boundary = BOUNDARY_SOURCES.map((path) => ({ path, text: read(path) }));
const structs = boundary.flatMap(({ path, text }) => rustItems(text, "struct").map((item) => ({ ...item, path })));
const enums = boundary.flatMap(({ path, text }) => rustItems(text, "enum").map((item) => ({ ...item, path, text })));

test("the boundary types read as expected (sanity of this test's parser)", () => {
  const names = structs.map((s) => s.name);
  for (const name of ["Decision", "DecisionSet", "FlagInfo", "Explanation", "PrerequisiteTrace", "RuleTrace", "Trace", "SplitTrace", "SplitEntryTrace", "DiagnosticRecord", "AttrInfo"]) {
    assert.ok(names.includes(name), `${name} found among ${names.join(", ")}`);
  }
  assert.deepEqual(sorted(enums.map((e) => e.name)), ["ErrorCode", "FlagValue", "Reason", "Severity"]);
  assert.ok(tsInterfaces.get("Decision")?.length >= 10);
});

for (const item of structs) {
  const ts = TS_NAME[item.name] ?? item.name;
  test(`types.d.ts: ${ts} has exactly the JSON fields of ${item.name} (${item.path})`, () => {
    const fields = tsInterfaces.get(ts);
    assert.ok(fields, `types.d.ts has no \`export interface ${ts}\` for the boundary type ${item.name}`);
    const show = (list) => list.map((f) => `${f.name}${f.optional ? "?" : ""}: ${f.type}`);
    assert.deepEqual(show(fields), show(rustFields(item)));
  });
}

for (const item of enums) {
  test(`types.d.ts: ${item.name} lists exactly the JSON strings of the Rust enum (${item.path})`, () => {
    if (item.container.untagged) {
      assert.ok(tsAliases.has(item.name), `types.d.ts has no \`export type ${item.name}\``);
      return;
    }
    const variants = rustVariants(item);
    assert.ok(variants.length > 0);
    assert.deepEqual(tsStringUnion(item.name), variants);
    // And `as_str`, where the enum has one, spells the same strings.
    const arms = asStrArms(item.text, item.name);
    if (arms) assert.deepEqual(arms, variants, `${item.name}::as_str agrees with its serde names`);
  });
}

// ------------------------------------------------------------------ README

test("web/README.md's API table names every export of the wasm bindings", () => {
  const source = read("crates/vexil-wasm/src/lib.rs");
  const exports = [...source.matchAll(/^( *)#\[wasm_bindgen(?:\(([^\n]*)\))?\]\s*(?:\/\/\/[^\n]*\n\s*)*pub fn (\w+)/gm)].map((m) => {
    const name = /\bjs_name = (\w+)/.exec(m[2] ?? "")?.[1] ?? m[3];
    const method = m[1].length > 0;
    const getter = /\bgetter\b/.test(m[2] ?? "");
    return method ? (getter ? `\`ruleset.${name}\`` : `\`ruleset.${name}(`) : `\`${name}(`;
  });
  assert.ok(exports.length >= 9, exports.join(" "));
  const readme = read("web/README.md");
  const table = readme.slice(readme.indexOf("## API"), readme.indexOf("\n## ", readme.indexOf("## API") + 1));
  const rows = table.split("\n").filter((l) => l.startsWith("|"));
  for (const name of exports) {
    assert.ok(rows.some((row) => row.split("|")[1].includes(name)), `${name}…: no row of web/README.md's API table names it`);
  }
});
