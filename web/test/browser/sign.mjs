// Decision-set tokens in headless Debian Chromium (WebCrypto): the committed
// PyJWT vectors verify with their exact int (2^53+1 as a BigInt) and every
// refusal gets the Rust verifier's code; a token signed in the page verifies;
// and the web-SDK carried-decisions provider answers a flag from a token the
// Rust CLI signed, while the page's own engine (newer rules) answers the rest.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { launchChromium } from "../lib/chromium.mjs";
import { repoRoot, vexilBin } from "../lib/native.mjs";
import { serve } from "./run.mjs";

const rules = (mode) => `context { user.plan: string }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag write_mode: Mode { owner "t" default LEGACY_ONLY rule pro: when user.plan == "pro" => ${mode} }
flag batch: int { owner "t" default 100 }
`;

async function main() {
  const bin = vexilBin();
  if (!bin) throw new Error("the browser token test needs the native CLI (set VEXIL_BIN)");
  const vectors = JSON.parse(readFileSync(join(repoRoot, "tests/sign/vectors.json"), "utf8"));
  const dir = mkdtempSync(join(tmpdir(), "vexil-sign-web-"));
  const statics = await serve();
  const { context, cleanup } = await launchChromium();
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => console.log(`page error: ${error}`));
    await page.goto(`http://127.0.0.1:${statics.address().port}/web/test/browser/sign.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });

    const { valid, refusals, resigned } = await page.evaluate((v) => window.checkVectors(v), vectors);
    for (const v of valid) {
      assert.deepEqual(v, { name: v.name, big: "9007199254740993n", mode: "DUAL_WRITE", label: 'é "q" ✓' });
    }
    assert.equal(valid.length, vectors.valid.length);
    const wrong = refusals.filter((r) => r.got !== r.expected);
    assert.deepEqual(wrong, [], "every refusal vector has its code in Chromium");
    for (const r of resigned) assert.equal(r.big, "9007199254740993n", r.alg);
    // A token signed in the page verifies with the Rust CLI.
    writeFileSync(join(dir, "keys.json"), JSON.stringify(vectors.public_keys));
    for (const r of resigned) {
      // The vectors' `now` is fixed; the CLI verifies as of it.
      const out = execFileSync(bin, ["verify", r.token, "--keys", join(dir, "keys.json"), "--now", new Date(vectors.now * 1000).toISOString(), "--format", "json"], { encoding: "utf8" });
      assert.match(out, /"value": ?9007199254740993\b/, r.alg);
    }
    console.log(`Chromium WebCrypto: ${valid.length} valid vectors, ${refusals.length} refusals with their codes, ${resigned.length} page-signed tokens verified by the Rust CLI`);

    // The gateway (Rust CLI) decided with the old rules; the page runs the new ones.
    writeFileSync(join(dir, "old.vx"), rules("DUAL_WRITE"));
    writeFileSync(join(dir, "key.jwk"), execFileSync(bin, ["keys", "generate", "--kid", "gw"], { encoding: "utf8" }));
    const keys = JSON.parse(execFileSync(bin, ["keys", "public", join(dir, "key.jwk")], { encoding: "utf8" }));
    const token = execFileSync(bin, ["decide", join(dir, "old.vx"), "--context", '{"user":{"plan":"pro"}}', "--flags", "write_mode", "--cid", "order-7", "--key", join(dir, "key.jwk")], { encoding: "utf8" }).trim();
    const got = await page.evaluate(([source, t, k]) => window.carried(source, t, k), [rules("NEW_ONLY"), token, keys]);
    assert.deepEqual(got.withToken.value, "DUAL_WRITE", "the carried decision answers");
    assert.equal(got.withToken.carried, true);
    assert.equal(got.withToken.cid, "order-7");
    assert.equal(got.withToken.reason, "TARGETING_MATCH");
    assert.deepEqual(got.notCarried, { value: 100, carried: false }, "a flag the set does not carry: the local engine");
    assert.equal(got.mismatch, "TYPE_MISMATCH");
    assert.equal(got.withoutToken.value, "NEW_ONLY", "no token: the page's rules");
    assert.equal(got.forged.value, "NEW_ONLY", "a forged token never decides");
    assert.deepEqual(got.refused, ["bad_signature"]);
    console.log("Chromium carried-decisions web provider: carried, local, forged: ok");
  } finally {
    await context.close();
    cleanup();
    statics.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
