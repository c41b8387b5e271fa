// Decision-set tokens across stacks: a token `vexil decide` (Rust) signed
// verifies in JS (WebCrypto, web/sign/sign.mjs), one signed in JS verifies
// with `vexil verify`, for EdDSA and HS256; and the JS verifier refuses what
// the Rust one refuses, with the same codes.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { decisionClaims, signDecisions, verifyDecisions } from "../sign/sign.mjs";
import { vexilBin } from "./lib/native.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");
const bin = vexilBin();

const RULES = `context { user.plan: string }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag write_mode: Mode { owner "t" default LEGACY_ONLY rule pro: when user.plan == "pro" => DUAL_WRITE }
flag ratio: float { owner "t" default 0.25 }
flag on: bool { owner "t" default true }
flag label: string { owner "t" default "é \\"q\\"" }
flag big: int { owner "t" default -9007199254740993 }
`;

const b64 = (text) => Buffer.from(text).toString("base64url");

test("tokens cross between the Rust CLI and JS both ways, and JS refuses like Rust", { skip: !bin && "no native vexil CLI" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "vexil-sign-"));
  const run = (...args) => execFileSync(bin, args, { cwd: dir, encoding: "utf8" });
  try {
    writeFileSync(join(dir, "orders.vx"), RULES);
    for (const alg of ["EdDSA", "HS256"]) {
      const privateJwk = run("keys", "generate", "--alg", alg, "--kid", "gw-1");
      writeFileSync(join(dir, "key.jwk"), privateJwk);
      const keys = run("keys", "public", "key.jwk");
      writeFileSync(join(dir, "keys.json"), keys);

      // Rust signs, JS verifies.
      const token = run("decide", "orders.vx", "--context", '{"user":{"plan":"pro"}}', "--key", "key.jwk", "--iss", "gw", "--cid", "c-1").trim();
      const claims = await verifyDecisions(token, keys);
      assert.equal(claims.iss, "gw");
      assert.equal(claims.cid, "c-1");
      assert.deepEqual(claims.vexil.decisions.write_mode, { value: "DUAL_WRITE", variant: "DUAL_WRITE", reason: "TARGETING_MATCH", rule: "pro" });
      assert.equal(claims.vexil.decisions.ratio.value, 0.25);
      assert.equal(claims.vexil.decisions.label.value, 'é "q"');
      assert.equal(claims.vexil.decisions.big.value, -9007199254740993n, "Rust's exact int stays exact in JS");

      // JS decides and signs with the package, Rust verifies.
      const ruleset = vexil.compile(RULES);
      const set = ruleset.evaluateAll({ user: { plan: "pro" } });
      const jsToken = await signDecisions(decisionClaims(set, { ruleset: "orders", iss: "js-gateway", cid: "c-2", flags: ["write_mode", "label", "on", "big"] }), privateJwk);
      const verified = spawnSync(bin, ["verify", jsToken, "--keys", "keys.json", "--format", "json"], { cwd: dir, encoding: "utf8" });
      assert.equal(verified.status, 0, verified.stderr);
      const back = JSON.parse(verified.stdout);
      assert.equal(back.iss, "js-gateway");
      assert.deepEqual(Object.keys(back.vexil.decisions).sort(), ["big", "label", "on", "write_mode"]);
      assert.match(verified.stdout, /"value": ?-9007199254740993\b/, "JS's exact int stays exact in Rust");
      assert.equal(back.vexil.decisions.label.value, 'é "q"');
      assert.equal(back.vexil.ruleset_version, ruleset.version);

      // The same refusals, the same codes.
      const [h, p, s] = token.split(".");
      const refusal = async (t, options) => {
        try {
          await verifyDecisions(t, keys, options);
          return "accepted";
        } catch (error) {
          return error.code;
        }
      };
      const payload = JSON.parse(Buffer.from(p, "base64url"));
      payload.vexil.decisions.on.value = false;
      assert.equal(await refusal(`${h}.${b64(JSON.stringify(payload))}.${s}`), "bad_signature");
      assert.equal(await refusal(`${b64('{"alg":"none","kid":"gw-1"}')}.${p}.`), "alg_none");
      assert.equal(await refusal(`${b64('{"alg":"RS256","kid":"gw-1"}')}.${p}.${s}`), "algorithm_not_allowed");
      assert.equal(await refusal(`${b64(`{"alg":"${alg}","kid":"nope","typ":"vexil-decisions+jwt"}`)}.${p}.${s}`), "unknown_kid");
      assert.equal(await refusal(`${b64(`{"alg":"${alg}","kid":"gw-1","typ":"JWT"}`)}.${p}.${s}`), "wrong_type");
      const other = alg === "EdDSA" ? "HS256" : "EdDSA";
      assert.equal(await refusal(`${b64(`{"alg":"${other}","kid":"gw-1"}`)}.${p}.${s}`), "algorithm_mismatch");
      assert.equal(await refusal(token, { now: payload.exp + 31 }), "expired");
      assert.equal(await refusal(token, { now: payload.iat - 31 }), "not_yet_valid");
      assert.equal(await refusal(token + "A".repeat(17 * 1024)), "too_large");
      for (const junk of ["", "hello", "a.b", "..", "e30.e30."]) assert.equal(await refusal(junk), "not_a_jwt", junk);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exact JSON: ints beyond 2^53 become BigInts and are written back as digits; strings are never touched", async () => {
  const { parseExact, stringifyExact } = await import("../sign/json.mjs");
  const text = String.raw`{"a":9007199254740993,"s":"9007199254740993 \" -12345678901234567890 \u0001vexil-int-x:5","l":[-9223372036854775808,9223372036854775807,9007199254740991,-9007199254740991,1e300,2.5,-0],"k":{"12345678901234567890":1}}`;
  const value = parseExact(text);
  assert.equal(value.a, 9007199254740993n);
  assert.equal(value.s, '9007199254740993 " -12345678901234567890 \u0001vexil-int-x:5');
  assert.deepEqual(value.l, [-9223372036854775808n, 9223372036854775807n, 9007199254740991, -9007199254740991, 1e300, 2.5, -0]);
  assert.deepEqual(value.k, { "12345678901234567890": 1 });
  assert.deepEqual(parseExact("[1,2.5]"), [1, 2.5]);
  assert.throws(() => parseExact("{"), SyntaxError);
  assert.equal(stringifyExact({ a: 9007199254740993n, b: [-9223372036854775808n], s: "1n" }), '{"a":9007199254740993,"b":[-9223372036854775808],"s":"1n"}');
  assert.equal(stringifyExact({ a: 1, z: -0 }), '{"a":1,"z":-0.0}');
  assert.deepEqual(parseExact(stringifyExact(value)), value);
});

test("the committed PyJWT vectors: valid claims and every refusal code, as in Rust", async () => {
  const { readFileSync } = await import("node:fs");
  const vectors = JSON.parse(readFileSync(new URL("../../tests/sign/vectors.json", import.meta.url), "utf8"));
  const options = { now: vectors.now };
  for (const valid of vectors.valid) {
    const claims = await verifyDecisions(valid.token, vectors.public_keys, options);
    // 2^53+1 stays exact (a BigInt): its variant, a string, spells the digits PyJWT wrote.
    const big = claims.vexil.decisions.big;
    assert.equal(big.value, 9007199254740993n, valid.name);
    assert.equal(big.value, BigInt(big.variant));
    // Everything else as PyJWT wrote it (the test's own JSON.parse of the vector file rounds 2^53+1).
    assert.deepEqual({ ...claims, vexil: { ...claims.vexil, decisions: { ...claims.vexil.decisions, big: { ...big, value: Number(big.value) } } } }, valid.claims, valid.name);
  }
  assert.ok(vectors.refusals.length >= 15);
  for (const refusal of vectors.refusals) {
    await assert.rejects(verifyDecisions(refusal.token, vectors.public_keys, options), (error) => error.code === refusal.code, refusal.name);
  }
  // The vector keys sign in JS what verifies, the exact int included.
  const exact = await verifyDecisions(vectors.valid[0].token, vectors.public_keys, options);
  for (const alg of ["EdDSA", "HS256"]) {
    const token = await signDecisions(exact, vectors.private_keys[alg]);
    assert.match(Buffer.from(token.split(".")[1], "base64url").toString(), /"value":9007199254740993,/);
    assert.deepEqual(await verifyDecisions(token, vectors.public_keys, options), exact, alg);
  }
});

test("downstream: carried decisions answer through OpenFeature, other flags go to the server, forged sets never decide", { skip: !bin && "no native vexil CLI" }, async () => {
  const { OpenFeature } = await import("@openfeature/server-sdk");
  const { OFREPProvider } = await import("@openfeature/ofrep-provider");
  const { CarriedDecisionsProvider } = await import("../sign/carried-provider.mjs");
  const { startVexilServe } = await import("./lib/serve.mjs");
  const { renameSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "vexil-carried-"));
  const file = join(dir, "orders.vx");
  const rules = (mode) => `context { user.plan: string }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag write_mode: Mode { owner "t" default LEGACY_ONLY rule pro: when user.plan == "pro" => ${mode} }
flag batch: int { owner "t" default 100 }
`;
  writeFileSync(file, rules("DUAL_WRITE"));
  writeFileSync(join(dir, "key.jwk"), execFileSync(bin, ["keys", "generate", "--kid", "gw"], { encoding: "utf8" }));
  const keys = execFileSync(bin, ["keys", "public", join(dir, "key.jwk")], { encoding: "utf8" });
  const server = await startVexilServe(bin, [file, "--signing-key", join(dir, "key.jwk"), "--issuer", "gateway"]);
  try {
    // The gateway decides once.
    const response = await fetch(`${server.url}/v1/decisions`, {
      method: "POST",
      body: JSON.stringify({ context: { user: { plan: "pro" } }, flags: ["write_mode"], cid: "order-9" }),
    });
    const { token } = await response.json();
    // Then the rules change mid-workflow.
    writeFileSync(`${file}.tmp`, rules("NEW_ONLY"));
    renameSync(`${file}.tmp`, file);
    const refused = [];
    await OpenFeature.setProviderAndWait("downstream", new CarriedDecisionsProvider({ delegate: new OFREPProvider({ baseUrl: server.url }), keys, onRefused: (e) => refused.push(e.code) }));
    const client = OpenFeature.getClient("downstream");
    const context = { user: { plan: "pro" } };
    for (let i = 0; i < 500; i++) {
      if ((await client.getStringValue("write_mode", "x", context)) === "NEW_ONLY") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const carried = await client.getStringDetails("write_mode", "LEGACY_ONLY", { ...context, vexilDecisions: token });
    assert.equal(carried.value, "DUAL_WRITE", "the workflow keeps the decision made at its start");
    assert.equal(carried.flagMetadata.carried, true);
    assert.equal(carried.flagMetadata.cid, "order-9");
    assert.equal(carried.reason, "TARGETING_MATCH");
    assert.equal(await client.getStringValue("write_mode", "x", context), "NEW_ONLY", "without the token: today's rules");
    assert.equal(await client.getNumberValue("batch", 0, { ...context, vexilDecisions: token }), 100, "not carried: asked of the server");
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    assert.equal(await client.getStringValue("write_mode", "x", { ...context, vexilDecisions: forged }), "NEW_ONLY");
    assert.deepEqual(refused, ["bad_signature"]);
  } finally {
    await OpenFeature.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
