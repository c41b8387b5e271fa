// The OpenFeature provider against the real @openfeature/web-sdk.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { before, test } from "node:test";

import { OpenFeature } from "@openfeature/web-sdk";

import { VexilProvider } from "../openfeature/provider.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");

const SOURCE = `context {
  user.id: string
  user.plan: string
  user.age: int
}
enum Mode { OFF, DUAL_WRITE, ON }
flag new_checkout: bool {
  owner "web"
  default false
  rule pro: when user.plan == "pro" => true
}
flag banner: string {
  owner "web"
  default "hello"
  rule adults: when user.age >= 18 => "welcome back"
}
flag max_items: int {
  owner "web"
  default 10
  rule pro: when user.plan == "pro" => 100
}
flag ratio: float { owner "web" default 0.25 }
flag mode: Mode { owner "web" default OFF rule pro: when user.plan == "pro" => DUAL_WRITE }
flag huge: int { owner "web" default 9007199254740993 }
flag exact_age: bool { owner "web" default false rule r: when user.age == 4611686018427387904 => true }
flag gated: bool {
  owner "web"
  requires new_checkout == true
  default false
  rule always: when true => true
}
`;

let ruleset;
let client;
before(async () => {
  ruleset = vexil.compile(SOURCE);
  await OpenFeature.setProviderAndWait(new VexilProvider(ruleset, { now: () => "2026-01-01T00:00:00Z" }));
  client = OpenFeature.getClient();
});

const pro = { targetingKey: "u-1", user: { id: "u-1", plan: "pro", age: 30 } };
const free = { targetingKey: "u-2", user: { id: "u-2", plan: "free", age: 16 } };

test("boolean evaluation: value, variant, reason, rule and ruleset version in flagMetadata", async () => {
  await OpenFeature.setContext(pro);
  const details = client.getBooleanDetails("new_checkout", false);
  assert.equal(details.value, true);
  assert.equal(details.variant, "true");
  assert.equal(details.reason, "TARGETING_MATCH");
  assert.equal(details.errorCode, undefined);
  assert.deepEqual({ ...details.flagMetadata }, {
    ruleset_version: ruleset.version,
    now: "2026-01-01T00:00:00.000Z",
    rule: "pro",
  });
  await OpenFeature.setContext(free);
  const other = client.getBooleanDetails("new_checkout", true);
  assert.equal(other.value, false);
  assert.equal(other.reason, "DEFAULT");
  assert.equal(other.flagMetadata.rule, undefined);
});

test("string evaluation, including an enum flag", async () => {
  await OpenFeature.setContext(pro);
  assert.equal(client.getStringValue("banner", "x"), "welcome back");
  const mode = client.getStringDetails("mode", "OFF");
  assert.equal(mode.value, "DUAL_WRITE");
  assert.equal(mode.reason, "TARGETING_MATCH");
});

test("number evaluation of int and float flags", async () => {
  await OpenFeature.setContext(pro);
  const details = client.getNumberDetails("max_items", 0);
  assert.equal(details.value, 100);
  assert.equal(details.reason, "TARGETING_MATCH");
  const ratio = client.getNumberDetails("ratio", 0);
  assert.equal(ratio.value, 0.25);
  assert.equal(ratio.reason, "STATIC");
});

test("object evaluation returns the flag's value (a JSON primitive)", async () => {
  await OpenFeature.setContext(free);
  const details = client.getObjectDetails("banner", { fallback: true });
  assert.equal(details.value, "hello");
  assert.equal(details.reason, "DEFAULT");
  assert.equal(details.errorCode, undefined);
});

test("a missing flag is FLAG_NOT_FOUND and serves the default", async () => {
  await OpenFeature.setContext(pro);
  const details = client.getBooleanDetails("no_such_flag", true);
  assert.equal(details.value, true);
  assert.equal(details.reason, "ERROR");
  assert.equal(details.errorCode, "FLAG_NOT_FOUND");
  assert.match(details.errorMessage, /no_such_flag/);
});

test("a type mismatch is TYPE_MISMATCH and serves the default", async () => {
  await OpenFeature.setContext(pro);
  const details = client.getNumberDetails("new_checkout", 7);
  assert.equal(details.value, 7);
  assert.equal(details.reason, "ERROR");
  assert.equal(details.errorCode, "TYPE_MISMATCH");
  assert.equal(client.getBooleanDetails("banner", false).errorCode, "TYPE_MISMATCH");
  assert.equal(client.getStringDetails("max_items", "x").errorCode, "TYPE_MISMATCH");
  // An int beyond 2^53 cannot be a JS number.
  assert.equal(client.getNumberDetails("huge", 1).errorCode, "TYPE_MISMATCH");
});

test("a bad context is INVALID_CONTEXT and serves the default", async () => {
  await OpenFeature.setContext({ targetingKey: "u-3", user: { id: "u-3", plan: 42 } });
  const details = client.getBooleanDetails("new_checkout", true);
  assert.equal(details.value, true);
  assert.equal(details.reason, "ERROR");
  assert.equal(details.errorCode, "INVALID_CONTEXT");
  assert.match(details.errorMessage, /user\.plan/);
  await OpenFeature.setContext({ targetingKey: "u-4", user: { age: 12.5 } });
  assert.equal(client.getStringDetails("banner", "d").errorCode, "INVALID_CONTEXT");
});

test("context numbers reach the engine exactly through the provider (issue 9)", async () => {
  await OpenFeature.setContext({ targetingKey: "u-5", user: { id: "u-5", age: 2 ** 62 } });
  assert.equal(client.getBooleanDetails("exact_age", false).value, true);
  await OpenFeature.setContext({ targetingKey: "u-6", user: { id: "u-6", age: NaN } });
  assert.equal(client.getBooleanDetails("exact_age", false).errorCode, "INVALID_CONTEXT");
});

test("a failed prerequisite maps to DEFAULT with the prerequisite in flagMetadata", async () => {
  await OpenFeature.setContext(free);
  const details = client.getBooleanDetails("gated", true);
  assert.equal(details.value, false);
  assert.equal(details.reason, "DEFAULT");
  assert.equal(details.flagMetadata.prerequisite, "new_checkout");
});

test("targetingKeyPath copies targetingKey into the Vexil context", () => {
  const provider = new VexilProvider(ruleset, { targetingKeyPath: "user.id" });
  const context = provider.context({ targetingKey: "abc", user: { plan: "pro" } });
  assert.deepEqual(context, { targetingKey: "abc", user: { plan: "pro", id: "abc" } });
});
