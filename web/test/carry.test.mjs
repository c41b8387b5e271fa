// The carrying examples (web/examples/carry-http.mjs, carry-nats.mjs) run
// for real: a `vexil serve` gateway signs once, the rules change before the
// work reaches the downstream services, and every service still acts on the
// carried decision (the same answer on every hop, HTTP and NATS), while a
// request without the token gets today's rules from the server.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { OpenFeature } from "@openfeature/server-sdk";

import { carryOverHttp } from "../examples/carry-http.mjs";
import { carryOverNats } from "../examples/carry-nats.mjs";
import { startNatsServer } from "./lib/nats.mjs";
import { vexilBin } from "./lib/native.mjs";
import { startVexilServe } from "./lib/serve.mjs";

const bin = vexilBin();
const migration = readFileSync(new URL("../../examples/migration.vx", import.meta.url), "utf8");
// The example context is a us_east tenant: `us_start` gives DUAL_WRITE; the "next" rules give SHADOW_READ.
const NEXT = migration.replace("rule us_start: when tenant.region == us_east => DUAL_WRITE", "rule us_start: when tenant.region == us_east => SHADOW_READ");

async function gateway() {
  const dir = mkdtempSync(join(tmpdir(), "vexil-carry-"));
  const file = join(dir, "migration.vx");
  writeFileSync(file, migration);
  writeFileSync(join(dir, "gateway.jwk"), execFileSync(bin, ["keys", "generate", "--kid", "gw"], { encoding: "utf8" }));
  const keys = execFileSync(bin, ["keys", "public", join(dir, "gateway.jwk")], { encoding: "utf8" });
  const server = await startVexilServe(bin, [file, "--signing-key", join(dir, "gateway.jwk"), "--issuer", "orders-gateway"]);
  /** Publishes the next rules and waits until the server answers with them. */
  const changeRules = async () => {
    writeFileSync(`${file}.tmp`, NEXT);
    renameSync(`${file}.tmp`, file);
    for (let i = 0; i < 500; i++) {
      const response = await fetch(`${server.url}/ofrep/v1/evaluate/flags/customer_write_mode`, {
        method: "POST",
        body: JSON.stringify({ context: { targetingKey: "t-7", tenant: { id: "t-7", region: "us_east", tier: "pro", created: "2025-01-01T00:00:00Z", record_count: 5000 }, service: { name: "x" } } }),
      });
      if ((await response.json()).value === "SHADOW_READ") return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("the server never served the next rules");
  };
  return { server, keys, changeRules, cleanup: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

test("an HTTP hop: orders and billing act on the gateway's decision, not on rules that changed in between", { skip: !bin && "no native vexil CLI" }, async () => {
  const { server, keys, changeRules, cleanup } = await gateway();
  try {
    const { carried, uncarried, refused } = await carryOverHttp({ server: server.url, keys, beforeHop: changeRules });
    assert.deepEqual(carried.map((h) => [h.service, h.write_mode, h.carried]), [["orders", "DUAL_WRITE", true], ["billing", "DUAL_WRITE", true]]);
    assert.equal(carried[0].ruleset_version, carried[1].ruleset_version);
    // Not carried: asked of the server (the default 500).
    assert.deepEqual(carried.map((h) => h.batch), [500, 500]);
    assert.deepEqual(uncarried.map((h) => [h.service, h.write_mode, h.carried]), [["orders", "SHADOW_READ", false], ["billing", "SHADOW_READ", false]]);
    assert.deepEqual(refused, []);
  } finally {
    await OpenFeature.close();
    await cleanup();
  }
});

test("a NATS message: the consumer acts on the decision the message carried", { skip: !bin && "no native vexil CLI" }, async () => {
  // A real broker: Debian's nats-server (`cargo xtask test` installs it).
  const nats = await startNatsServer();
  const { server, keys, changeRules, cleanup } = await gateway();
  try {
    let changed = false;
    const beforeHandling = async () => {
      if (!changed) await changeRules();
      changed = true;
    };
    const { handled, refused } = await carryOverNats({ server: server.url, keys, nats: nats.url, beforeHandling });
    assert.deepEqual(handled, [{ order: "order-43", write_mode: "DUAL_WRITE", carried: true, cid: "order-43" }]);
    assert.deepEqual(refused, []);
  } finally {
    await OpenFeature.close();
    await cleanup();
    await nats.stop();
  }
});
