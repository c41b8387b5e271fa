// The package's loader (follow/follow.mjs) against a running `vexil serve`,
// and the OpenFeature web provider over it (real @openfeature/web-sdk): the
// first load, a new version with the changed flag keys, the server going
// away (STALE, the last good ruleset still evaluating) and coming back
// (READY, caught up); and the Node server provider over it (real
// @openfeature/server-sdk), whose events reach the SDK's handlers. In Node
// there is no EventSource: the loader polls.

import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
import { OpenFeature as ServerOpenFeature, ProviderEvents as ServerProviderEvents } from "@openfeature/server-sdk";

import { followServer } from "../follow/follow.mjs";
import { VexilProvider, VexilServerProvider } from "../openfeature/provider.mjs";
import { vexilBin } from "./lib/native.mjs";
import { startVexilServe } from "./lib/serve.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");
const bin = vexilBin();

const source = (banner) => `context { user.age: int }
flag banner: string { owner "t" default "${banner}" rule adults: when user.age >= 18 => "adult" }
flag steady: bool { owner "t" default true }
`;

const until = async (what, condition) => {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
};

test("a follower loads, follows versions, survives the server going away, and drives the provider's events", { skip: !bin && "no native vexil CLI" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "vexil-follow-"));
  const file = join(dir, "shop.vx");
  const write = (text) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };
  write(source("hello"));
  let server = await startVexilServe(bin, [file]);
  const port = new URL(server.url).port;
  const follower = followServer({ url: server.url, ruleset: "shop", compile: vexil.compile, pollMs: 20 });
  const events = [];
  try {
    await follower.ready;
    assert.equal(follower.ruleset.evaluate("banner", { user: { age: 3 } }).value, "hello");
    assert.equal(follower.state, "connected");

    const provider = new VexilProvider(follower);
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (d) => events.push(["changed", d.flagsChanged]));
    provider.events.addHandler(ProviderEvents.Stale, () => events.push(["stale"]));
    provider.events.addHandler(ProviderEvents.Ready, () => events.push(["ready"]));
    await OpenFeature.setProviderAndWait("follow", provider);
    await OpenFeature.setContext("follow", { user: { age: 3 } });
    const client = OpenFeature.getClient("follow");
    assert.equal(client.getStringValue("banner", "x"), "hello");

    // A new version: only the edited flag is reported changed.
    write(source("bonjour"));
    await until("the new version loads", () => client.getStringValue("banner", "x") === "bonjour");
    assert.deepEqual(events.find((e) => e[0] === "changed"), ["changed", ["banner"]]);

    // The server goes away: STALE, and the last good ruleset keeps answering.
    await server.stop();
    await until("the provider is stale", () => events.some((e) => e[0] === "stale"));
    assert.equal(follower.state, "stale");
    assert.equal(client.getStringValue("banner", "x"), "bonjour");

    // Back (same port), with a newer version: READY again, and caught up.
    write(source("hallo"));
    server = await startVexilServe(bin, [file], port);
    await until("caught up", () => client.getStringValue("banner", "x") === "hallo");
    assert.ok(events.some((e) => e[0] === "ready"), JSON.stringify(events));
    assert.equal(follower.state, "connected");
  } finally {
    follower.close();
    await OpenFeature.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the server provider over a follower: a new version reaches evaluations and the SDK's CONFIGURATION_CHANGED handlers", { skip: !bin && "no native vexil CLI" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "vexil-follow-server-"));
  const file = join(dir, "shop.vx");
  const write = (text) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };
  write(source("hello"));
  const server = await startVexilServe(bin, [file]);
  const follower = followServer({ url: server.url, ruleset: "shop", compile: vexil.compile, pollMs: 20 });
  try {
    await ServerOpenFeature.setProviderAndWait("follow-server", new VexilServerProvider(follower));
    const client = ServerOpenFeature.getClient("follow-server");
    const changes = [];
    client.addHandler(ServerProviderEvents.ConfigurationChanged, (details) => changes.push(details?.flagsChanged));
    const context = { user: { age: 3 } };
    assert.equal(await client.getStringValue("banner", "x", context), "hello");
    assert.equal(await client.getStringValue("banner", "x", { user: { age: 30 } }), "adult");
    write(source("bonjour"));
    await until("the new version answers", async () => (await client.getStringValue("banner", "x", context)) === "bonjour");
    await until("the SDK's handler heard it", () => changes.length > 0);
    assert.deepEqual(changes[0], ["banner"]);
  } finally {
    follower.close();
    await ServerOpenFeature.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
