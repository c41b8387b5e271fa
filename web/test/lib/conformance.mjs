// The cross-stack conformance corpus (tests/conformance), run through the JS
// package. Shared by the Node test and the Chromium page: the caller gives
// the package (`compile`, `check`) and a loader for corpus files.
//
// Every case is compared twice: with the vector's `expect` by the rule of
// `compare_decision` (crates/vexil-conformance), and, when the native CLI's
// decisions are given (`native`: per vector file, the JSON lines that
// `vexil eval RULESET --requests FILE` printed for the same contexts and
// `now`), with those field for field, `error_message` included. Every
// diagnostic vector is checked through `check` (codes, lines, columns of all
// errors and warnings but the overlap analysis's W0006 and W0007, which the
// package is built without). The summary (the counts file's text) has a line per
// evaluation file, `total:` for them, and `diagnostics: PASSED/TOTAL`.

import { compareDecision, parseRaw, show, stringifyRaw, toJs } from "./json.mjs";

// Warnings of the checker's overlap analysis, which the package leaves out.
const OVERLAP_CODES = ["W0006", "W0007"];

/**
 * @param {{ compile: Function, check: Function, load: (path: string) => Promise<string>,
 *           native?: Record<string, string[]> }} options
 */
export async function runCorpus({ compile, check, load, native }) {
  const index = JSON.parse(await load("index.json"));
  const perFile = [];
  const failures = [];
  let passed = 0;
  let nativeCompared = 0;
  for (const path of index.evaluation) {
    const file = parseRaw(await load(path));
    const ruleset = compile(file.ruleset);
    const nativeLines = native?.[path];
    let filePassed = 0;
    file.cases.forEach((testCase, i) => {
      const context = testCase.request ?? toJs(testCase.context ?? {});
      const decision =
        testCase.request !== undefined
          ? ruleset.evaluateRequest(testCase.request, { now: testCase.now })
          : ruleset.evaluate(testCase.flag, context, { now: testCase.now });
      let problem = compareDecision(decision, testCase.expect);
      if (!problem && nativeLines) {
        const line = nativeLines[i];
        problem = line === undefined ? "no native decision" : compareDecision(decision, parseRaw(line), true);
        if (problem) problem = `differs from native: ${problem}\n    native: ${line}`;
        else nativeCompared++;
      }
      if (problem) {
        failures.push(`${file.name} case ${i} (flag ${testCase.flag}, context ${show(context)}): ${problem}\n    got: ${show(decision)}`);
      } else {
        filePassed++;
      }
    });
    ruleset.free();
    passed += filePassed;
    perFile.push([path, filePassed, file.cases.length]);
  }
  const lines = perFile.map(([path, ok, total]) => `${path}: ${ok}/${total}`);
  lines.push(`total: ${passed}/${passed + failures.length}`);

  // Diagnostic vectors: every diagnostic (errors and warnings), checked with the vector's `today`.
  const diagnosticFailures = [];
  let diagnosticsPassed = 0;
  for (const path of index.diagnostics ?? []) {
    const file = JSON.parse(await load(path));
    const { diagnostics } = check(file.ruleset, { today: file.today ?? null });
    const got = diagnostics.map(({ code, line, column }) => ({ code, line, column }));
    // The package is built without the checker's overlap analysis (its size
    // budget; docs/semantics.md): it must report everything else, and none of those.
    const expected = file.diagnostics.filter((d) => !OVERLAP_CODES.includes(d.code));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      diagnosticFailures.push(`${path} (${file.name}): got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    } else {
      diagnosticsPassed++;
    }
  }
  lines.push(`diagnostics (without W0006, W0007): ${diagnosticsPassed}/${diagnosticsPassed + diagnosticFailures.length}`);
  return {
    summary: lines.join("\n") + "\n",
    passed,
    failures,
    nativeCompared,
    diagnosticsPassed,
    diagnosticFailures,
  };
}

/**
 * The size of the corpus, read from its files (not from a run): evaluation cases
 * and diagnostic vectors. A runner passes only when it passed all of them.
 * @param {(path: string) => Promise<string>} load
 */
export async function corpusSize(load) {
  const index = JSON.parse(await load("index.json"));
  let cases = 0;
  for (const path of index.evaluation) cases += JSON.parse(await load(path)).cases.length;
  return { cases, diagnostics: (index.diagnostics ?? []).length };
}

/** Problems with a run's coverage against `corpusSize`: an empty list when every vector passed. */
export function coverageProblems(result, size) {
  const problems = [];
  if (result.passed !== size.cases) problems.push(`${result.passed} evaluation cases passed; the corpus holds ${size.cases}`);
  if (result.diagnosticsPassed !== size.diagnostics) {
    problems.push(`${result.diagnosticsPassed} diagnostic vectors passed; the corpus holds ${size.diagnostics}`);
  }
  return problems;
}

/**
 * Requests (JSON lines) for the native CLI: each vector's context as the
 * vector wrote it (not as the package serialises it, so a serialisation
 * mistake in the package shows as a difference); a request case's line as it
 * is. `now` is the default for request lines without one (`--now`): request
 * cases of one file share it.
 */
export function nativeRequests(fileText) {
  const file = parseRaw(fileText);
  const lines = file.cases.map((c) =>
    c.request !== undefined
      ? c.request
      : `{"flag":${JSON.stringify(c.flag)},"context":${stringifyRaw(c.context ?? {})},"now":${JSON.stringify(c.now)}}`,
  );
  const defaults = new Set(file.cases.filter((c) => c.request !== undefined).map((c) => c.now));
  if (defaults.size > 1) throw new Error(`${file.name}: request cases must share one now`);
  if (lines.some((line) => line.includes("\n"))) throw new Error(`${file.name}: a request line holds a newline`);
  return { ruleset: file.ruleset, requests: lines.join("\n") + "\n", now: [...defaults][0] };
}
