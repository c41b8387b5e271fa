// The in-process OpenFeature providers against the real SDKs: the same
// tests, the same expected details, through @openfeature/web-sdk
// (`VexilProvider`, static context) and @openfeature/server-sdk
// (`VexilServerProvider`, context per evaluation): one mapping table
// (docs/openfeature.md), two SDKs.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";

import { OpenFeature as WebOpenFeature } from "@openfeature/web-sdk";
import { OpenFeature as ServerOpenFeature } from "@openfeature/server-sdk";

import { VexilProvider, VexilServerProvider } from "../openfeature/provider.mjs";

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
flag checkout_mode: Mode { owner "web" default DUAL_WRITE on_error OFF rule pro: when user.plan == "pro" => ON }
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

const pro = { targetingKey: "u-1", user: { id: "u-1", plan: "pro", age: 30 } };
const free = { targetingKey: "u-2", user: { id: "u-2", plan: "free", age: 16 } };
const METHODS = { boolean: "getBooleanDetails", string: "getStringDetails", number: "getNumberDetails", object: "getObjectDetails" };

/** Each SDK behind one `details(type, flag, defaultValue, context)`. */
const SDKS = [
  {
    name: "web SDK (static context)",
    Provider: VexilProvider,
    OpenFeature: WebOpenFeature,
    async details(client, type, flag, defaultValue, context) {
      await WebOpenFeature.setContext(context);
      return client[METHODS[type]](flag, defaultValue);
    },
  },
  {
    name: "server SDK (context per evaluation)",
    Provider: VexilServerProvider,
    OpenFeature: ServerOpenFeature,
    details: (client, type, flag, defaultValue, context) => client[METHODS[type]](flag, defaultValue, context),
  },
];

for (const sdk of SDKS) {
  describe(sdk.name, () => {
    let ruleset;
    let client;
    let provider;
    const details = (type, flag, defaultValue, context) => sdk.details(client, type, flag, defaultValue, context);
    before(async () => {
      ruleset = vexil.compile(SOURCE);
      provider = new sdk.Provider(ruleset, { now: () => "2026-01-01T00:00:00Z" });
      await sdk.OpenFeature.setProviderAndWait(provider);
      client = sdk.OpenFeature.getClient();
    });
    after(() => sdk.OpenFeature.close());

    test("the provider says which SDK it runs on", () => {
      assert.equal(provider.runsOn, sdk.Provider === VexilServerProvider ? "server" : "client");
      assert.equal(client.metadata.providerMetadata.name, "vexil");
    });

    test("boolean evaluation: value, variant, reason, rule and ruleset version in flagMetadata", async () => {
      const d = await details("boolean", "new_checkout", false, pro);
      assert.equal(d.value, true);
      assert.equal(d.variant, "true");
      assert.equal(d.reason, "TARGETING_MATCH");
      assert.equal(d.errorCode, undefined);
      assert.deepEqual({ ...d.flagMetadata }, {
        ruleset_version: ruleset.version,
        now: "2026-01-01T00:00:00.000Z",
        rule: "pro",
      });
      const other = await details("boolean", "new_checkout", true, free);
      assert.equal(other.value, false);
      assert.equal(other.reason, "DEFAULT");
      assert.equal(other.flagMetadata.rule, undefined);
    });

    test("string evaluation, including an enum flag", async () => {
      assert.equal((await details("string", "banner", "x", pro)).value, "welcome back");
      const mode = await details("string", "mode", "OFF", pro);
      assert.equal(mode.value, "DUAL_WRITE");
      assert.equal(mode.reason, "TARGETING_MATCH");
    });

    test("number evaluation of int and float flags", async () => {
      const d = await details("number", "max_items", 0, pro);
      assert.equal(d.value, 100);
      assert.equal(d.reason, "TARGETING_MATCH");
      const ratio = await details("number", "ratio", 0, pro);
      assert.equal(ratio.value, 0.25);
      assert.equal(ratio.reason, "STATIC");
    });

    test("object evaluation returns the flag's value (a JSON primitive)", async () => {
      const d = await details("object", "banner", { fallback: true }, free);
      assert.equal(d.value, "hello");
      assert.equal(d.reason, "DEFAULT");
      assert.equal(d.errorCode, undefined);
    });

    test("a missing flag is FLAG_NOT_FOUND and serves the default", async () => {
      const d = await details("boolean", "no_such_flag", true, pro);
      assert.equal(d.value, true);
      assert.equal(d.reason, "ERROR");
      assert.equal(d.errorCode, "FLAG_NOT_FOUND");
      assert.match(d.errorMessage, /no_such_flag/);
    });

    test("a type mismatch is TYPE_MISMATCH and serves the default", async () => {
      const d = await details("number", "new_checkout", 7, pro);
      assert.equal(d.value, 7);
      assert.equal(d.reason, "ERROR");
      assert.equal(d.errorCode, "TYPE_MISMATCH");
      assert.equal((await details("boolean", "banner", false, pro)).errorCode, "TYPE_MISMATCH");
      assert.equal((await details("string", "max_items", "x", pro)).errorCode, "TYPE_MISMATCH");
      // An int beyond 2^53 cannot be a JS number.
      assert.equal((await details("number", "huge", 1, pro)).errorCode, "TYPE_MISMATCH");
    });

    test("a bad context answers the flag's on_error value, reason ERROR, the code in flagMetadata (as OFREP does)", async () => {
      const bad = { targetingKey: "u-3", user: { id: "u-3", plan: 42 } };
      const d = await details("string", "checkout_mode", "ON", bad);
      assert.equal(d.value, "OFF", "the flag author's fail-safe, not the caller's default");
      assert.equal(d.variant, "OFF");
      assert.equal(d.reason, "ERROR");
      assert.equal(d.errorCode, undefined);
      assert.equal(d.flagMetadata.errorCode, "INVALID_CONTEXT");
      assert.match(d.flagMetadata.errorDetails, /user\.plan/);
      // Without an on_error clause the fail-safe is the flag's default.
      const plain = await details("boolean", "new_checkout", true, bad);
      assert.deepEqual([plain.value, plain.reason, plain.flagMetadata.errorCode], [false, "ERROR", "INVALID_CONTEXT"]);
      const fractional = await details("string", "banner", "d", { targetingKey: "u-4", user: { age: 12.5 } });
      assert.deepEqual([fractional.value, fractional.flagMetadata.errorCode], ["hello", "INVALID_CONTEXT"]);
    });

    test("context numbers reach the engine exactly through the provider (issue 9)", async () => {
      assert.equal((await details("boolean", "exact_age", false, { targetingKey: "u-5", user: { id: "u-5", age: 2 ** 62 } })).value, true);
      assert.equal((await details("boolean", "exact_age", false, { targetingKey: "u-6", user: { id: "u-6", age: NaN } })).flagMetadata.errorCode, "INVALID_CONTEXT");
    });

    test("a failed prerequisite maps to DEFAULT with the prerequisite in flagMetadata", async () => {
      const d = await details("boolean", "gated", true, free);
      assert.equal(d.value, false);
      assert.equal(d.reason, "DEFAULT");
      assert.equal(d.flagMetadata.prerequisite, "new_checkout");
    });

    test("hooks see every evaluation, with the provider's details", async () => {
      const seen = [];
      const hook = { after: (_hookContext, evaluation) => seen.push([evaluation.flagKey, evaluation.value, evaluation.reason]) };
      client.addHooks(hook);
      try {
        await details("boolean", "new_checkout", false, pro);
        await details("string", "mode", "OFF", free);
      } finally {
        client.clearHooks();
      }
      assert.deepEqual(seen, [["new_checkout", true, "TARGETING_MATCH"], ["mode", "OFF", "DEFAULT"]]);
    });

    test("setRuleset swaps the rules; the provider emits nothing by itself", async () => {
      const next = vexil.compile(SOURCE.replace('default "hello"', 'default "hi"'));
      provider.setRuleset(next);
      try {
        const d = await details("string", "banner", "x", free);
        assert.equal(d.value, "hi");
        assert.equal(d.flagMetadata.ruleset_version, next.version);
      } finally {
        provider.setRuleset(ruleset);
      }
    });
  });
}

test("targetingKeyPath copies targetingKey into the Vexil context", () => {
  const ruleset = vexil.compile(SOURCE);
  const provider = new VexilProvider(ruleset, { targetingKeyPath: "user.id" });
  const context = provider.context({ targetingKey: "abc", user: { plan: "pro" } });
  assert.deepEqual(context, { targetingKey: "abc", user: { plan: "pro", id: "abc" } });
});
