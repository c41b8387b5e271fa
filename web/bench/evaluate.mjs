// Node benchmark (a figure to report, never a test): one decision from JS
// with a 10-attribute context (budget ≤ 5 µs), and compile of the examples
// (budget ≤ 5 ms each). Run after `cargo xtask build-js`:
//   node web/bench/evaluate.mjs
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";

import { CONTEXT, FLAG, SOURCE, measure } from "./workload.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");
const ruleset = vexil.compile(SOURCE);
console.log("decision:", ruleset.evaluate(FLAG, CONTEXT));
const runs = [1, 2, 3].map(() => measure(ruleset, { iterations: 100_000 }));
console.log(`evaluate (default now): ${Math.min(...runs).toFixed(2)} µs per decision (best of 3: ${runs.map((r) => r.toFixed(2)).join(", ")})`);
const withNow = measure(ruleset, { iterations: 100_000, now: "2026-01-01T00:00:00Z" });
console.log(`evaluate ({ now: RFC 3339 string }): ${withNow.toFixed(2)} µs per decision`);
const all = (() => {
  const start = performance.now();
  for (let i = 0; i < 20_000; i++) ruleset.evaluateAll(CONTEXT);
  return ((performance.now() - start) * 1000) / 20_000;
})();
console.log(`evaluateAll (1 flag): ${all.toFixed(2)} µs`);

const examples = new URL("../../examples/", import.meta.url);
for (const name of readdirSync(examples).filter((n) => n.endsWith(".vx")).sort()) {
  const source = readFileSync(new URL(name, examples), "utf8");
  for (let i = 0; i < 20; i++) vexil.compile(source).free();
  const n = 200;
  const start = performance.now();
  for (let i = 0; i < n; i++) vexil.compile(source).free();
  console.log(`compile examples/${name} (${source.length} bytes): ${((performance.now() - start) / n).toFixed(3)} ms`);
}
