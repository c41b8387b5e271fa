// The long run of the differential test (issue 9): `node test/differential-run.mjs
// [--cases N] [--seed S]` (or `cargo xtask differential [CASES]`) decides N
// random cases (default 1,000,000) in Node and natively and reports mismatches.
// VEXIL_BIN picks the native CLI (a release build is faster).

import { createRequire } from "node:module";

import { compare, generate } from "./lib/differential.mjs";
import { nativeLinesFor, vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

const argument = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const wanted = argument("--cases", 1_000_000);
let seed = argument("--seed", 1);
const bin = vexilBin();
if (!bin) {
  console.error("the native CLI is needed: cargo build -p vexil-cli, or set VEXIL_BIN");
  process.exit(2);
}
const started = Date.now();
let cases = 0;
let mismatches = 0;
let compileFailures = 0;
const reported = [];
while (cases < wanted) {
  const suites = generate(seed, 20, 50);
  const native = suites.map((suite) => nativeLinesFor(bin, suite.source, suite.requests));
  const result = compare(suites, vexil.compile, (i) => native[i], 3);
  cases += result.cases;
  mismatches += result.mismatches.length;
  compileFailures += result.compileFailures;
  reported.push(...result.mismatches.filter((m) => m !== "(more)").slice(0, 3 - reported.length));
  process.stderr.write(`\rseed ${seed}: ${cases} cases, ${mismatches} mismatches`);
  seed++;
}
process.stderr.write("\n");
for (const text of reported) console.log(`MISMATCH ${text}\n`);
console.log(
  `${cases} cases (seeds 1…${seed - 1}, 20 rulesets × 50 contexts × every flag each), ${mismatches} mismatches, ` +
    `${compileFailures} rulesets that did not compile, in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exitCode = mismatches === 0 && compileFailures === 0 ? 0 : 1;
