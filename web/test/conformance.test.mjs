// The conformance corpus through web/pkg-node (the Node build), compared with
// the vectors and with the native CLI's decisions for the same requests.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

import { runCorpus } from "./lib/conformance.mjs";
import { checkCounts, loadCorpusFile, nativeDecisions, vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

test("conformance vectors decide in Node exactly as natively", async (t) => {
  const bin = vexilBin();
  if (!bin) t.diagnostic("native CLI not found (set VEXIL_BIN or cargo build -p vexil-cli): comparing with the vectors only");
  const native = bin ? nativeDecisions(bin) : undefined;
  const result = await runCorpus({ compile: vexil.compile, check: vexil.check, load: async (p) => loadCorpusFile(p), native });
  t.diagnostic(`${result.passed} cases passed, ${result.nativeCompared} compared with native decisions`);
  assert.deepEqual(result.failures.slice(0, 20), [], `${result.failures.length} failures`);
  assert.equal(checkCounts("node", result.summary), null);
  if (bin) assert.equal(result.nativeCompared, result.passed);
  assert.ok(result.passed >= 300);
  assert.deepEqual(result.diagnosticFailures, []);
  assert.ok(result.diagnostics > 0);
});
