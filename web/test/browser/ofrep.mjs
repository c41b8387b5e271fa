// OFREP in headless Debian Chromium through the real OpenFeature web SDK and
// its OFREP web provider (bulk evaluation, ETag, the SSE event stream)
// against a running `vexil serve` on another origin (CORS): a sample of the
// conformance corpus gets the native CLI's values, variants and reasons; a
// ruleset file changed on disk reaches the page as PROVIDER_CONFIGURATION_CHANGED
// with the changed flag, pushed over SSE.

import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { launchChromium } from "../lib/chromium.mjs";
import { nativeDecisions, vexilBin } from "../lib/native.mjs";
import { ofrepCorpus } from "../lib/ofrep.mjs";
import { startVexilServe } from "../lib/serve.mjs";
import { serve } from "./run.mjs";

const SAMPLE_PER_FILE = 40;

async function main() {
  const bin = vexilBin();
  if (!bin) throw new Error("the OFREP browser test needs the native CLI (set VEXIL_BIN)");
  const native = nativeDecisions(bin);
  const dir = mkdtempSync(join(tmpdir(), "vexil-ofrep-web-"));
  const { files, cases } = ofrepCorpus(dir, native);
  // One instant for the whole sample: the `now` that the most vector files use
  // (not the most cases: the bucketing files alone hold over a thousand cases
  // at one instant, and the sample should reach across the corpus).
  const filesByNow = new Map();
  for (const { testCase, path } of cases) {
    if (!filesByNow.has(testCase.now)) filesByNow.set(testCase.now, new Set());
    filesByNow.get(testCase.now).add(path);
  }
  const now = [...filesByNow].sort((a, b) => b[1].size - a[1].size)[0][0];
  const perFile = new Map();
  const sample = [];
  for (const { name, path, testCase, context, native: decision } of cases) {
    if (testCase.now !== now || (perFile.get(path) ?? 0) >= SAMPLE_PER_FILE) continue;
    perFile.set(path, (perFile.get(path) ?? 0) + 1);
    sample.push({ ruleset: name, flag: testCase.flag, context, value: decision.value ?? null, native: decision });
  }
  const live = join(dir, "live.vx");
  const liveSource = (v) => `flag banner: string { owner "t" default "${v}" }\nflag other: bool { owner "t" default true }\n`;
  writeFileSync(live, liveSource("one"));

  const statics = await serve();
  const origin = `http://127.0.0.1:${statics.address().port}`;
  const server = await startVexilServe(bin, [...files, live, "--now", now, "--cors-origin", origin]);
  const { context, cleanup } = await launchChromium();
  let failed = false;
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => console.log(`page error: ${error}`));
    await page.goto(`${origin}/web/test/browser/ofrep.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    const got = await page.evaluate(([url, cases]) => window.resolveCases(url, cases), [server.url, sample.map(({ native, ...c }) => c)]);
    const failures = [];
    got.forEach((d, k) => {
      const n = sample[k].native;
      const problems = [];
      if (d.error) problems.push(d.error);
      else if (n.error_code === "FLAG_NOT_FOUND") {
        if (d.errorCode !== "FLAG_NOT_FOUND") problems.push(`errorCode ${d.errorCode}`);
      } else {
        const reason = n.reason === "PREREQUISITE_FAILED" ? "DEFAULT" : n.reason;
        if (d.value !== n.value) problems.push(`value ${JSON.stringify(d.value)} ≠ ${JSON.stringify(n.value)}`);
        if (d.variant !== n.variant) problems.push(`variant ${d.variant} ≠ ${n.variant}`);
        if (d.reason !== reason) problems.push(`reason ${d.reason} ≠ ${reason}`);
        if (d.rule !== n.rule) problems.push(`rule ${d.rule} ≠ ${n.rule}`);
        if (d.vexilError !== n.error_code) problems.push(`metadata.errorCode ${d.vexilError} ≠ ${n.error_code}`);
        if (d.version !== n.ruleset_version) problems.push("ruleset_version");
      }
      if (problems.length) failures.push(`${sample[k].ruleset} ${sample[k].flag} ${JSON.stringify(sample[k].context)}: ${problems.join(", ")}`);
    });
    console.log(`OFREP web provider in Chromium: ${got.length - failures.length}/${got.length} sampled corpus cases equal to native`);
    for (const failure of failures.slice(0, 10)) console.log(`FAIL ${failure}`);

    // A change on disk → SSE refetchEvaluation → the provider refetches → PROVIDER_CONFIGURATION_CHANGED.
    const first = await page.evaluate(([url]) => window.followChanges(url, "live", "banner", { targetingKey: "u" }), [server.url]);
    await new Promise((r) => setTimeout(r, 300)); // let the event stream connect
    const changed = Date.now();
    writeFileSync(`${live}.tmp`, liveSource("two"));
    renameSync(`${live}.tmp`, live);
    await page.waitForFunction(() => window.__changes.some((c) => c.value === "two"), null, { timeout: 15_000 });
    const changes = await page.evaluate(() => window.__changes);
    const last = changes.find((c) => c.value === "two");
    console.log(`change on disk → PROVIDER_CONFIGURATION_CHANGED in the page: ${Date.now() - changed} ms (file looked at every 20 ms); flagsChanged ${JSON.stringify(last.flagsChanged)}`);
    // Every flag's metadata carries the ruleset version, so the provider reports every flag as changed.
    const eventOk = first === "one" && Array.isArray(last.flagsChanged) && last.flagsChanged.includes("banner");
    if (!eventOk) console.log(`FAIL change event: first ${first}, changes ${JSON.stringify(changes)}`);

    // The package's own loader: fetch, then the SSE version stream, evaluating locally.
    const local = await page.evaluate(([url]) => window.followLocally(url, "live", "banner", {}), [server.url]);
    await new Promise((r) => setTimeout(r, 300));
    const localChanged = Date.now();
    writeFileSync(`${live}.tmp`, liveSource("three"));
    renameSync(`${live}.tmp`, live);
    await page.waitForFunction(() => window.__localChanges.some((c) => c.value === "three"), null, { timeout: 15_000 });
    const localChange = (await page.evaluate(() => window.__localChanges)).find((c) => c.value === "three");
    console.log(`the package's loader: change on disk → "change" event in the page: ${Date.now() - localChanged} ms; flagsChanged ${JSON.stringify(localChange.flagsChanged)}`);
    const localOk = local === "two" && JSON.stringify(localChange.flagsChanged) === JSON.stringify(["banner"]);
    if (!localOk) console.log(`FAIL local loader: first ${local}, change ${JSON.stringify(localChange)}`);
    failed = failures.length > 0 || got.length < 200 || !eventOk || !localOk;
  } finally {
    await context.close();
    cleanup();
    await server.stop();
    statics.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? "chromium OFREP: FAILED" : "chromium OFREP: ok");
  process.exitCode = failed ? 1 : 0;
}

await main();
