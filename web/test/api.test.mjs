// The JS API of the package (web/pkg-node): errors, `now`, BigInt, catalogue, explain.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

const SOURCE = `context {
  user.id: string
  user.n: int
  user.at: timestamp
}
flag beta: bool {
  owner "web"
  expires 2030-01-01
  description "beta users"
  default false
  rule ada: when user.id == "ada" => true
}
flag echo: int { owner "web" default 0 rule r: when user.n > 0 => 9007199254740993 }
flag recent: bool { owner "web" default false rule r: when user.at > "2026-01-01T00:00:00Z" => true }
`;
const NOW = "2026-05-01T10:00:00Z";

test("compile throws an Error whose diagnostics are what `vexil check --format json` prints", (t) => {
  const broken = 'context { user.id: string }\nflag x: bool {\n  owner "a"\n  default 3\n  rule r: when user.nope == 1 => true\n}\n';
  let error;
  try {
    vexil.compile(broken);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error);
  assert.equal(error.name, "CompileError");
  assert.ok(error.diagnostics.length >= 2);
  assert.deepEqual(vexil.check(broken, { today: null }), { diagnostics: error.diagnostics });
  const bin = vexilBin();
  if (!bin) return t.skip("native CLI not found");
  const dir = mkdtempSync(join(tmpdir(), "vexil-api-"));
  writeFileSync(join(dir, "x.vx"), broken);
  let out;
  try {
    out = execFileSync(bin, ["check", "--format", "json", "--today", "2026-01-01", join(dir, "x.vx")], { encoding: "utf8" });
  } catch (e) {
    out = e.stdout;
  }
  const native = JSON.parse(out).diagnostics.map(({ file, ...rest }) => rest);
  assert.deepEqual(error.diagnostics, native);
});

test("check never throws, and reports warnings with today", () => {
  for (const junk of ["", "flag", "}}}{{{", "\u0000\uffff", "flag x: bool { default".repeat(50)]) {
    assert.ok(Array.isArray(vexil.check(junk).diagnostics));
  }
  const expired = 'flag old: bool { owner "t" expires 2020-01-01 default false }';
  assert.equal(vexil.check(expired).diagnostics[0].code, "W0002");
  assert.equal(vexil.check(expired, { today: "2019-06-01" }).diagnostics.length, 0);
  assert.equal(vexil.check(expired, { today: new Date("2021-01-01T00:00:00Z") }).diagnostics.length, 1);
  assert.equal(vexil.check(expired, { today: null }).diagnostics.length, 0);
});

test("analyze gives check's diagnostics and, without errors, the compiled ruleset", () => {
  const expired = 'flag old: bool { owner "t" expires 2020-01-01 default false }';
  const warned = vexil.analyze(expired, { today: "2021-01-01" });
  assert.deepEqual(warned.diagnostics, vexil.check(expired, { today: "2021-01-01" }).diagnostics);
  assert.equal(warned.diagnostics[0].code, "W0002");
  assert.equal(warned.ruleset.version, vexil.compile(expired).version, "warnings do not stop compilation");
  assert.equal(warned.ruleset.evaluate("old", {}, { now: NOW }).reason, "STATIC");
  warned.ruleset.free();

  const broken = "flag x: bool { default 3 }";
  const rejected = vexil.analyze(broken, { today: null });
  assert.equal(rejected.ruleset, undefined);
  assert.deepEqual(rejected, vexil.check(broken, { today: null }));
});

test("decisions have exactly the CLI's fields, and `now` is reported", () => {
  const ruleset = vexil.compile(SOURCE);
  const decision = ruleset.evaluate("beta", { user: { id: "ada" } }, { now: NOW });
  assert.deepEqual(Object.keys(decision), ["flag", "value", "variant", "reason", "rule", "ruleset_version", "now"]);
  assert.equal(decision.now, "2026-05-01T10:00:00.000Z");
  assert.equal(ruleset.evaluate("beta", {}, { now: new Date(Date.UTC(2026, 0, 2)) }).now, "2026-01-02T00:00:00.000Z");
  const before = Date.now();
  const defaulted = Date.parse(ruleset.evaluate("beta").now);
  assert.ok(defaulted >= before - 1 && defaulted <= Date.now() + 1, "now defaults to the current time");
  assert.throws(() => ruleset.evaluate("beta", {}, { now: "yesterday" }), TypeError);
  assert.throws(() => ruleset.evaluate("beta", {}, { now: new Date(NaN) }), TypeError);
  assert.throws(() => ruleset.evaluate("beta", {}, { now: 5 }), TypeError);
  const missing = ruleset.evaluate("nope", {}, { now: NOW });
  assert.deepEqual(Object.keys(missing), ["flag", "reason", "error_code", "error_message", "ruleset_version", "now"]);
  assert.equal(missing.error_code, "FLAG_NOT_FOUND");
});

test("ints beyond 2^53 are BigInt out, BigInt and integral doubles are accepted in", () => {
  const ruleset = vexil.compile(SOURCE);
  assert.equal(ruleset.evaluate("echo", { user: { n: 1 } }, { now: NOW }).value, 9007199254740993n);
  assert.equal(ruleset.evaluate("echo", { user: { n: 9007199254740993n } }, { now: NOW }).value, 9007199254740993n);
  assert.equal(ruleset.evaluate("echo", { user: { n: 1e18 } }, { now: NOW }).reason, "TARGETING_MATCH");
  assert.equal(ruleset.evaluate("echo", { user: { n: 0 } }, { now: NOW }).value, 0);
  const fractional = ruleset.evaluate("echo", { user: { n: 1.5 } }, { now: NOW });
  assert.equal(fractional.error_code, "INVALID_CONTEXT");
  const outOfRange = ruleset.evaluate("echo", { user: { n: 2n ** 64n } }, { now: NOW });
  assert.equal(outOfRange.error_code, "INVALID_CONTEXT");
  assert.equal(ruleset.flags[1].on_error, 0);
});

test("bad contexts give ERROR decisions from evaluate, TypeErrors from evaluateAll and explain", () => {
  const ruleset = vexil.compile(SOURCE);
  const throwing = { user: { get id() { throw new Error("no id today"); } } };
  for (const context of ["text", 5, [1], throwing]) {
    const decision = ruleset.evaluate("beta", context, { now: NOW });
    assert.equal(decision.error_code, "INVALID_CONTEXT", String(context));
    assert.equal(decision.value, false);
    assert.throws(() => ruleset.evaluateAll(context, { now: NOW }), TypeError);
    assert.throws(() => ruleset.explain("beta", context, { now: NOW }), TypeError);
  }
  // undefined and null mean {} (as a request without `context` does).
  assert.deepEqual(ruleset.evaluate("beta", null, { now: NOW }), ruleset.evaluate("beta", {}, { now: NOW }));
  assert.deepEqual(ruleset.evaluate("beta", undefined, { now: NOW }), ruleset.evaluate("beta", {}, { now: NOW }));
  // A Date attribute arrives as its ISO string.
  assert.equal(ruleset.evaluate("recent", { user: { at: new Date("2026-03-01T00:00:00Z") } }, { now: NOW }).value, true);
});

test("integral doubles are read exactly, at every magnitude up to 2^63 (issue 9)", () => {
  const ruleset = vexil.compile(`context { n: int  f: float }
flag exact: bool { owner "x" default false rule r: when n == 4611686018427387904 => true }
flag doubled: bool { owner "x" default false rule r: when n * 2 > 0 => true }
flag zero: bool { owner "x" default false rule r: when n == 0 => true }
flag inverse: bool { owner "x" default false rule r: when 1.0 / f > 0.0 => true }
`);
  const exact = (context) => ruleset.evaluate("exact", context, { now: NOW });
  assert.equal(exact({ n: 4611686018427387904 }).value, true);
  assert.equal(exact(JSON.parse('{"n":4611686018427387904}')).value, true);
  assert.equal(exact({ n: 4611686018427387904n }).value, true);
  assert.equal(exact({ n: 4611686018427388000n }).value, false); // a BigInt is its exact value
  assert.equal(exact({ n: 2 ** 63 }).error_code, "INVALID_CONTEXT");
  assert.equal(ruleset.evaluate("zero", { n: -0 }, { now: NOW }).value, true);
  assert.equal(ruleset.evaluate("zero", { n: -(2 ** 63) }, { now: NOW }).value, false);
  // The overflow message names the exact operand, as natively.
  const overflow = ruleset.evaluate("doubled", { n: 2 ** 62 }, { now: NOW });
  assert.equal(overflow.error_code, "EVALUATION_ERROR");
  assert.match(overflow.error_message, /4611686018427387904/);
  // -0 keeps its sign for a float attribute.
  assert.match(ruleset.evaluate("inverse", { f: -0 }, { now: NOW }).error_message, /-0\.0/);
  assert.doesNotMatch(ruleset.evaluate("inverse", { f: 0 }, { now: NOW }).error_message, /-0\.0/);
});

test("values JSON cannot express are INVALID_CONTEXT where read, never absent or an exception", () => {
  const ruleset = vexil.compile(`context { user.id: string  user.n: int  user.tags: list<string>  user.nick: string? }
flag reads_id: bool { owner "x" default false on_error true rule r: when user.id == "ada" => true }
flag reads_n: int { owner "x" default 0 on_error -1 rule r: when user.n > 0 => 1 }
flag reads_tags: bool { owner "x" default false on_error true rule r: when user.tags contains "a" => true }
flag has_nick: bool { owner "x" default false rule r: when has(user.nick) => true }
`);
  const cycle = { user: { id: "ada" } };
  cycle.user.n = cycle;
  const unrepresentable = [
    [NaN, /found NaN, which JSON cannot express/],
    [Infinity, /found Infinity/],
    [-Infinity, /found -Infinity/],
    [() => 1, /found a function/],
    [Symbol("s"), /found a symbol/],
    ["\ud800x", /lone surrogate/],
    [2n ** 63n, /BigInt 9223372036854775808, outside the int range/],
    [-(2n ** 63n) - 1n, /outside the int range/],
  ];
  for (const [bad, message] of unrepresentable) {
    const context = { user: { id: "ada", n: bad, tags: ["a", bad], nick: bad } };
    const n = ruleset.evaluate("reads_n", context, { now: NOW });
    assert.equal(n.error_code, "INVALID_CONTEXT", String(bad));
    assert.equal(n.value, -1);
    assert.match(n.error_message, message);
    const tags = ruleset.evaluate("reads_tags", context, { now: NOW });
    assert.equal(tags.error_code, "INVALID_CONTEXT");
    assert.match(tags.error_message, /at `user\.tags\.1`/);
    // Lazy: a flag that does not read it decides; `has` sees a present value.
    assert.equal(ruleset.evaluate("reads_id", context, { now: NOW }).reason, "TARGETING_MATCH");
    assert.equal(ruleset.evaluate("has_nick", context, { now: NOW }).value, true);
    assert.equal(ruleset.evaluateAll(context, { now: NOW }).decisions.length, 4);
    assert.equal(ruleset.explain("reads_n", context, { now: NOW }).decision.error_code, "INVALID_CONTEXT");
    // A parent that is such a value makes everything below it unreadable.
    const parent = ruleset.evaluate("reads_id", { user: bad }, { now: NOW });
    assert.equal(parent.error_code, "INVALID_CONTEXT");
    assert.match(parent.error_message, /`user` is .*, not an object/);
  }
  const cyclic = ruleset.evaluate("reads_n", cycle, { now: NOW });
  assert.match(cyclic.error_message, /cycle/);
  assert.equal(ruleset.evaluate("reads_id", cycle, { now: NOW }).value, true);
  // undefined is absent (as null is); a lone-surrogate key names nothing and is ignored.
  assert.equal(ruleset.evaluate("has_nick", { user: { nick: undefined } }, { now: NOW }).value, false);
  assert.equal(ruleset.evaluate("reads_id", { user: { id: "ada", "\udc00": 1 } }, { now: NOW }).value, true);
});

test("a budget of work units stops a flag with RESOURCE_LIMIT, exactly as natively", () => {
  const ruleset = vexil.compile(`context { user.id: string }
flag beta: bool { owner "x" default false on_error true rule r: when user.id == "ada" => true }
flag plain: bool { owner "x" default true }
`);
  const ada = { user: { id: "ada" } };
  // \`user.id == "ada"\` visits three nodes: 3 units (docs/semantics.md, "Work").
  assert.equal(ruleset.evaluate("beta", ada, { now: NOW, budget: 3 }).reason, "TARGETING_MATCH");
  const stopped = ruleset.evaluate("beta", ada, { now: NOW, budget: 2n });
  assert.equal(stopped.error_code, "RESOURCE_LIMIT");
  assert.equal(stopped.value, true);
  assert.equal(stopped.error_message, "the evaluation budget of 2 work units is exhausted");
  assert.equal(ruleset.explain("beta", ada, { now: NOW, budget: 2 }).decision.error_code, "RESOURCE_LIMIT");
  const set = ruleset.evaluateAll(ada, { now: NOW, budget: 2 });
  assert.deepEqual(set.decisions.map((d) => d.reason), ["ERROR", "STATIC"]);
  assert.deepEqual(ruleset.evaluateRequest('{"flag":"beta","context":{"user":{"id":"ada"}},"budget":2}', { now: NOW }), stopped);
  for (const bad of [-1, 1.5, "3", 2 ** 60, -1n]) {
    assert.throws(() => ruleset.evaluate("beta", ada, { now: NOW, budget: bad }), TypeError, String(bad));
  }
});

test("evaluateAll, explain, version, flags and free", () => {
  const ruleset = vexil.compile(SOURCE);
  assert.match(ruleset.version, /^[0-9a-f]{16}$/);
  const set = ruleset.evaluateAll({ user: { id: "ada", n: 3 } }, { now: NOW });
  assert.deepEqual(Object.keys(set), ["ruleset_version", "now", "decisions"]);
  assert.deepEqual(set.decisions.map((d) => d.value), [true, 9007199254740993n, false]);
  const explanation = ruleset.explain("beta", { user: { id: "ada" } }, { now: NOW });
  assert.equal(explanation.decision.rule, "ada");
  assert.equal(explanation.rules[0].matched, true);
  assert.equal(explanation.rules[0].condition.text, 'user.id == "ada"');
  const { fingerprint, ...info } = ruleset.flags[0];
  assert.match(fingerprint, /^[0-9a-f]{16}$/);
  assert.deepEqual(info, {
    key: "beta",
    type: "bool",
    owner: "web",
    expires: "2030-01-01",
    description: "beta users",
    enabled: true,
    on_error: false,
    on_error_variant: "false",
  });
  ruleset.free();
  assert.throws(() => ruleset.evaluate("beta"));
});

test("parseTimestamp reads what evaluate accepts as `now`, and says why otherwise", () => {
  assert.equal(vexil.parseTimestamp("2026-11-21T10:00:00Z"), "2026-11-21T10:00:00.000Z");
  assert.equal(vexil.parseTimestamp("2026-11-21t11:30:00.1234+01:30"), "2026-11-21T10:00:00.123Z");
  const ruleset = vexil.compile(SOURCE);
  for (const text of ["2026-11-21", "2026-11-21 10:00:00Z", "2026-02-30T00:00:00Z", "2026-11-21T23:59:60Z", "soon", ""]) {
    assert.throws(() => vexil.parseTimestamp(text), (e) => e instanceof TypeError && /invalid timestamp/.test(e.message), text);
    // The same texts are refused as `now`.
    assert.throws(() => ruleset.evaluate("beta", {}, { now: text }), TypeError, text);
  }
  assert.throws(() => vexil.parseTimestamp(1), TypeError);
  assert.throws(() => vexil.parseTimestamp(new Date()), TypeError);
  ruleset.free();
});

test("ruleset.schema lists the context attributes in declaration order", () => {
  const ruleset = vexil.compile(`enum Plan { free, pro }
context {
  user.id: string
  user.plan: Plan
  user.tags: list<string>?
  user.plans: list<Plan>
  app.version: semver
  request.ip: ip?
}
flag f: bool { owner "web" default false rule r: when user.plan == pro => true }
`);
  assert.deepEqual(ruleset.schema, [
    { path: "user.id", type: "string", optional: false },
    { path: "user.plan", type: "Plan", optional: false, members: ["free", "pro"] },
    { path: "user.tags", type: "list<string>", optional: true },
    { path: "user.plans", type: "list<Plan>", optional: false, members: ["free", "pro"] },
    { path: "app.version", type: "semver", optional: false },
    { path: "request.ip", type: "ip", optional: true },
  ]);
  assert.deepEqual(vexil.compile(`flag f: bool { owner "web" default false }`).schema, []);
  // A fresh array each time: callers may change it.
  ruleset.schema.pop();
  assert.equal(ruleset.schema.length, 6);
  ruleset.free();
});
