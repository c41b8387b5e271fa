// The conformance corpus as OFREP clients can receive it: every evaluation
// vector file's ruleset written as NAME.vx (served by `vexil serve`), and the
// decide cases whose context an OpenFeature SDK carries unchanged, each with
// the native CLI's decision. Shared by the Node and Chromium OFREP tests.

import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { parseRaw, stringifyRaw, toJs } from "./json.mjs";
import { loadCorpusFile } from "./native.mjs";

/**
 * @param {string} dir where the rulesets are written
 * @param {Record<string, string[]>} native the native decisions (`nativeDecisions`)
 * @returns {{ files: string[], cases: { name, path, i, testCase, context, native }[], skipped: number }}
 */
export function ofrepCorpus(dir, native) {
  const index = JSON.parse(loadCorpusFile("index.json"));
  const files = [];
  const cases = [];
  let skipped = 0;
  for (const path of index.evaluation) {
    const file = parseRaw(loadCorpusFile(path));
    const name = path.replace(/^vectors\//, "").replace(/\.json$/, "").replace(/[^a-z0-9_-]/g, "_");
    writeFileSync(join(dir, `${name}.vx`), file.ruleset);
    files.push(join(dir, `${name}.vx`));
    file.cases.forEach((testCase, i) => {
      if (testCase.request !== undefined) return; // request lines: not an OFREP shape
      const raw = testCase.context ?? {};
      const decision = parseRaw(native[path][i]);
      // An OpenFeature evaluation context is an object; arrays and scalars, and contexts
      // or values JS cannot carry unchanged (2^53+ ints, 1.0 written as 1), are the
      // package's business (web/test/differential), not OFREP's.
      let sent;
      try {
        sent = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? JSON.stringify(toJs(raw)) : undefined;
      } catch {
        sent = undefined;
      }
      if (sent !== stringifyRaw(raw) || typeof toJs(decision.value ?? null) === "bigint") {
        skipped++;
        return;
      }
      cases.push({ name, path, i, testCase, context: toJs(raw), native: toJs(decision) });
    });
  }
  return { files, cases, skipped };
}

/** What an OFREP client must see for a native decision (docs/server.md, "OFREP mapping"). */
export function expectedResolution(native) {
  if (native.error_code === "FLAG_NOT_FOUND") return { errorCode: "FLAG_NOT_FOUND" };
  const reason = native.reason === "PREREQUISITE_FAILED" ? "DEFAULT" : native.reason;
  return { value: native.value, variant: native.variant, reason, rule: native.rule, errorCode: undefined, vexilError: native.error_code };
}
