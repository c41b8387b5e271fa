// The conformance corpus through web/pkg-node (the Node build), compared with
// the vectors and with the native CLI's decisions for the same requests.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

import { corpusSize, coverageProblems, runCorpus } from "./lib/conformance.mjs";
import { checkCounts, loadCorpusFile, nativeDecisions, vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

test("conformance vectors decide in Node exactly as natively", async (t) => {
  const bin = vexilBin();
  if (!bin) t.diagnostic("native CLI not found (set VEXIL_BIN or cargo build -p vexil-cli): comparing with the vectors only");
  const native = bin ? nativeDecisions(bin) : undefined;
  const load = async (p) => loadCorpusFile(p);
  const result = await runCorpus({ compile: vexil.compile, check: vexil.check, load, native });
  t.diagnostic(`${result.passed} cases passed, ${result.nativeCompared} compared with native decisions, ${result.diagnosticsPassed} diagnostic vectors passed`);
  // Counts first: VEXIL_UPDATE_COUNTS=1 rewrites the file even when something fails.
  const counts = checkCounts("node", result.summary);
  assert.deepEqual(result.failures.slice(0, 20), [], `${result.failures.length} failures`);
  assert.deepEqual(result.diagnosticFailures, []);
  assert.deepEqual(coverageProblems(result, await corpusSize(load)), []);
  assert.equal(counts, null);
  if (bin) assert.equal(result.nativeCompared, result.passed);
});
