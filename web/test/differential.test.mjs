// Differential test across the JS boundary (issue 9), fixed seed: random
// rulesets and JS contexts decided by web/pkg-node and by the native CLI,
// compared whole. The long run is `cargo xtask differential [CASES]`
// (web/test/differential-run.mjs); Chromium runs a sample in
// test/browser/run.mjs.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

import { compare, generate } from "./lib/differential.mjs";
import { nativeLinesFor, vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

export const SEED = 20261130;

test("Node decides random rulesets and contexts exactly as the native CLI", (t) => {
  const bin = vexilBin();
  assert.ok(bin, "the native CLI is needed (cargo build -p vexil-cli, or set VEXIL_BIN)");
  const suites = generate(SEED, 60, 50);
  const native = suites.map((suite) => nativeLinesFor(bin, suite.source, suite.requests));
  const result = compare(suites, vexil.compile, (i) => native[i]);
  t.diagnostic(`${result.cases} decisions compared over ${suites.length} rulesets, ${result.mismatches.length} mismatches`);
  assert.equal(result.compileFailures, 0);
  assert.deepEqual(result.mismatches.slice(0, 3), []);
  assert.ok(result.cases > 10_000);
});
