// The conformance corpus through web/pkg (the browser build) in headless
// Debian Chromium, driven by playwright-core. A tiny static server on
// 127.0.0.1 serves web/ and tests/conformance/ (`.wasm` as application/wasm)
// plus /native.json, the native CLI's decisions for the same requests.
// Records tests/conformance/counts/chromium.txt, evaluation and diagnostic
// vectors (VEXIL_UPDATE_COUNTS=1 rewrites it); passes only when every vector
// of the corpus passed.

import { createServer } from "node:http";
import { readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";

import { launchChromium } from "../lib/chromium.mjs";

import { corpusSize, coverageProblems } from "../lib/conformance.mjs";
import { generate } from "../lib/differential.mjs";
import { checkCounts, loadCorpusFile, nativeDecisions, nativeLinesFor, repoRoot, vexilBin } from "../lib/native.mjs";

/** The Chromium sample of the differential test (the page regenerates the same cases from the seed). */
const DIFFERENTIAL = { seed: 20261201, rulesets: 12, contexts: 25 };

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".vx": "text/plain; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Serves files under web/, tests/conformance/ and examples/ of the repository, plus extra in-memory routes. */
export function serve(routes = {}, port = 0) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    if (routes[url.pathname] !== undefined) {
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return response.end(routes[url.pathname]);
    }
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, "");
    const allowed = ["web/", "tests/conformance/", "examples/"].some((p) => path.startsWith(p));
    const file = join(repoRoot, path);
    if (!allowed || path.includes("..") || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404);
      return response.end("not found");
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

async function main() {
  const bin = vexilBin();
  if (!bin) console.log("native CLI not found (set VEXIL_BIN): comparing with the vectors only");
  const native = bin ? nativeDecisions(bin) : {};
  const differential = bin
    ? {
        ...DIFFERENTIAL,
        native: generate(DIFFERENTIAL.seed, DIFFERENTIAL.rulesets, DIFFERENTIAL.contexts).map((suite) =>
          nativeLinesFor(bin, suite.source, suite.requests),
        ),
      }
    : null;
  const server = await serve({ "/native.json": JSON.stringify(native), "/differential.json": JSON.stringify(differential) });
  const { context, cleanup } = await launchChromium();
  let failed = false;
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => console.log(`page error: ${error}`));
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/web/test/browser/page.html`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 120_000 });
    const result = await page.evaluate(() => window.__result);
    console.log(`Chromium ${await page.evaluate(() => navigator.userAgent)}`);
    if (result.error) throw new Error(result.error);
    process.stdout.write(result.summary);
    console.log(`${result.nativeCompared} decisions compared with native; ${result.diagnosticsPassed} diagnostic vectors passed`);
    console.log(`latency (reported, not a test): ${result.microsPerDecision.toFixed(2)} µs per decision, 10-attribute context`);
    for (const failure of result.failures.slice(0, 20)) console.log(`FAIL ${failure}`);
    const diff = result.differential;
    if (diff) {
      console.log(`differential sample: ${diff.cases} random decisions compared with native, ${diff.mismatches.length} mismatches`);
      for (const mismatch of diff.mismatches.slice(0, 3)) console.log(`FAIL ${mismatch}`);
    }
    for (const failure of result.diagnosticFailures) console.log(`FAIL ${failure}`);
    // The browser example page evaluates its ruleset too.
    await page.goto(`http://127.0.0.1:${port}/examples/browser/index.html`);
    await page.waitForFunction(() => window.__vexilExample !== undefined, null, { timeout: 30_000 });
    const example = await page.textContent("#out");
    const exampleOk = /"flag": "new_checkout"/.test(example);
    console.log(`examples/browser/index.html: ${exampleOk ? "evaluates" : `FAILED:\n${example}`}`);
    const counts = checkCounts("chromium", result.summary);
    if (counts) console.log(counts);
    // Every vector of the corpus, counted here from the files (not by the page).
    const coverage = coverageProblems(result, await corpusSize(async (p) => loadCorpusFile(p)));
    for (const problem of coverage) console.log(`FAIL ${problem}`);
    failed =
      !exampleOk ||
      result.failures.length > 0 ||
      result.diagnosticFailures.length > 0 ||
      counts !== null ||
      (bin && (!diff || diff.mismatches.length > 0 || diff.compileFailures > 0 || diff.cases < 1000)) ||
      (bin && result.nativeCompared !== result.passed) ||
      coverage.length > 0;
  } finally {
    await context.close();
    cleanup();
    server.close();
  }
  console.log(failed ? "chromium conformance: FAILED" : "chromium conformance: ok");
  process.exitCode = failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
