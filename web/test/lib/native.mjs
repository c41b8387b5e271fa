// Node only: exact native decisions for every vector, from the native CLI
// (`vexil eval RULESET --requests FILE`, every request with its own `now`).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { nativeRequests } from "./conformance.mjs";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const corpusRoot = join(repoRoot, "tests/conformance");

/** The native CLI: $VEXIL_BIN, else target/debug/vexil if built; undefined when neither exists. */
export function vexilBin() {
  const candidates = [process.env.VEXIL_BIN, join(repoRoot, "target/debug/vexil")].filter(Boolean);
  return candidates.find((path) => existsSync(path));
}

export function loadCorpusFile(path) {
  return readFileSync(join(corpusRoot, path), "utf8");
}

/** Per evaluation vector file: the native decisions (JSON lines text), in case order. */
export function nativeDecisions(bin) {
  const index = JSON.parse(loadCorpusFile("index.json"));
  const dir = mkdtempSync(join(tmpdir(), "vexil-native-"));
  try {
    const result = {};
    for (const path of index.evaluation) {
      const { ruleset, requests, now } = nativeRequests(loadCorpusFile(path));
      writeFileSync(join(dir, "ruleset.vx"), ruleset);
      writeFileSync(join(dir, "requests.jsonl"), requests);
      const args = ["eval", join(dir, "ruleset.vx"), "--requests", join(dir, "requests.jsonl")];
      if (now !== undefined) args.push("--now", now);
      const out = execFileSync(bin, args, {
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      result[path] = out.split("\n").filter((line) => line.length > 0);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compares a summary with tests/conformance/counts/STACK.txt; VEXIL_UPDATE_COUNTS=1 rewrites it. Returns an error text or null. */
export function checkCounts(stack, summary) {
  const path = join(corpusRoot, "counts", `${stack}.txt`);
  if (process.env.VEXIL_UPDATE_COUNTS) writeFileSync(path, summary);
  const recorded = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (recorded !== summary) {
    return `pass counts changed: rerun with VEXIL_UPDATE_COUNTS=1 and commit ${path}\n--- recorded\n${recorded}--- now\n${summary}`;
  }
  return null;
}

/** The native CLI's decision lines for one ruleset and its requests (JSON lines text). */
export function nativeLinesFor(bin, source, requests) {
  const dir = mkdtempSync(join(tmpdir(), "vexil-differential-"));
  try {
    writeFileSync(join(dir, "ruleset.vx"), source);
    writeFileSync(join(dir, "requests.jsonl"), requests);
    const out = execFileSync(bin, ["eval", join(dir, "ruleset.vx"), "--requests", join(dir, "requests.jsonl")], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    return out.split("\n").filter((line) => line.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
