// OFREP through the real OpenFeature server SDK and its OFREP provider
// (@openfeature/server-sdk + @openfeature/ofrep-provider) against a running
// `vexil serve`: the conformance corpus's cases (every case whose context
// JSON survives JS unchanged) get the native CLI's values, variants and
// reasons, mapped as docs/server.md says; a flag's on_error value reaches the
// caller on ERROR; a new ruleset version reaches the client.

import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";

import { nativeDecisions, vexilBin } from "./lib/native.mjs";
import { expectedResolution, ofrepCorpus } from "./lib/ofrep.mjs";
import { startVexilServe } from "./lib/serve.mjs";

const bin = vexilBin();

function details(client, flag, value, context) {
  switch (typeof value) {
    case "boolean":
      return client.getBooleanDetails(flag, !value, context);
    case "number":
      return client.getNumberDetails(flag, value === -1 ? -2 : -1, context);
    case "string":
      return client.getStringDetails(flag, "\u0000code default", context);
    default:
      return client.getStringDetails(flag, "\u0000code default", context);
  }
}

test("the conformance corpus through @openfeature/server-sdk + @openfeature/ofrep-provider", { skip: !bin && "no native vexil CLI (set VEXIL_BIN)" }, async () => {
  const native = nativeDecisions(bin);
  const dir = mkdtempSync(join(tmpdir(), "vexil-ofrep-"));
  const corpus = ofrepCorpus(dir, native);
  const files = corpus.files;
  // Grouped by `now`: one server per instant, serving every vector file's ruleset.
  const byNow = new Map();
  for (const c of corpus.cases) byNow.set(c.testCase.now, [...(byNow.get(c.testCase.now) ?? []), c]);
  let compared = 0;
  const skipped = corpus.skipped;
  const failures = [];
  try {
    for (const [now, cases] of byNow) {
      const server = await startVexilServe(bin, [...files, "--now", now]);
      try {
        for (const { name, path, i, testCase, context, native: nativeDecision } of cases) {
          const domain = `${name}@${now}`;
          await OpenFeature.setProviderAndWait(domain, new OFREPProvider({ baseUrl: `${server.url}/r/${name}` }));
          const client = OpenFeature.getClient(domain);
          const want = expectedResolution(nativeDecision);
          const got = await details(client, testCase.flag, want.value, context);
          const problems = [];
          if (want.errorCode) {
            if (got.errorCode !== want.errorCode) problems.push(`errorCode ${got.errorCode}`);
          } else {
            if (got.value !== want.value) problems.push(`value ${JSON.stringify(got.value)} ≠ ${JSON.stringify(want.value)}`);
            if (got.variant !== want.variant) problems.push(`variant ${got.variant} ≠ ${want.variant}`);
            if (got.reason !== want.reason) problems.push(`reason ${got.reason} ≠ ${want.reason}`);
            if (got.errorCode !== undefined) problems.push(`errorCode ${got.errorCode}`);
            if (got.flagMetadata.rule !== want.rule) problems.push(`rule ${got.flagMetadata.rule} ≠ ${want.rule}`);
            if (got.flagMetadata.errorCode !== want.vexilError) problems.push(`metadata.errorCode ${got.flagMetadata.errorCode} ≠ ${want.vexilError}`);
            if (got.flagMetadata.ruleset_version !== nativeDecision.ruleset_version) problems.push("ruleset_version");
          }
          if (problems.length) failures.push(`${path} case ${i} (${testCase.flag}): ${problems.join(", ")}`);
          else compared++;
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await OpenFeature.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`OFREP (server SDK): ${compared} corpus cases equal to native, ${skipped} skipped (contexts or values JS cannot carry unchanged)`);
  assert.deepEqual(failures.slice(0, 20), []);
  assert.ok(compared >= 1000, `only ${compared} cases compared`);
});

test("a flag's on_error value reaches the caller, and a new version reaches the client", { skip: !bin && "no native vexil CLI" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "vexil-ofrep-"));
  const file = join(dir, "shop.vx");
  const source = (band) =>
    `context { user.age: int }\nflag band: string { owner "t" default "${band}" on_error "safe" rule adult: when user.age >= 18 => "adult" }\n`;
  writeFileSync(file, source("minor"));
  const server = await startVexilServe(bin, [file]);
  try {
    await OpenFeature.setProviderAndWait("shop", new OFREPProvider({ baseUrl: server.url }));
    const client = OpenFeature.getClient("shop");
    const failSafe = await client.getStringDetails("band", "code default", { targetingKey: "u", user: {} });
    assert.equal(failSafe.value, "safe", "the flag's on_error value, not the code default");
    assert.equal(failSafe.reason, "ERROR");
    assert.equal(failSafe.flagMetadata.errorCode, "INVALID_CONTEXT");
    const unknown = await client.getStringDetails("missing", "code default", { user: { age: 3 } });
    assert.equal(unknown.value, "code default");
    assert.equal(unknown.errorCode, "FLAG_NOT_FOUND");

    assert.equal(await client.getStringValue("band", "x", { user: { age: 3 } }), "minor");
    writeFileSync(`${file}.tmp`, source("teen"));
    renameSync(`${file}.tmp`, file);
    let value;
    for (let i = 0; i < 500 && value !== "teen"; i++) {
      value = await client.getStringValue("band", "x", { user: { age: 3 } });
      if (value !== "teen") await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(value, "teen", "the edited ruleset reached the client");
  } finally {
    await OpenFeature.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
