// The npm package as a user gets it: `npm pack` in web/, the tarball
// installed into a fresh project outside the repository (no network: the
// package has no dependencies), then used from
// - Node ESM (`import { compile } from "vexil"`, the providers as subpaths,
//   the server provider through the real @openfeature/server-sdk),
// - Node CommonJS (`require("vexil")`),
// - a page bundled by esbuild from the installed package, in headless
//   Chromium (the wasm as a file the bundler emits, `init({ module_or_path })`).
// Each prints a decision; all must equal the native CLI's. Also reports the
// tarball's size and file count.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { readFileSync } from "node:fs";

import * as esbuild from "esbuild";

import { launchChromium } from "../lib/chromium.mjs";
import { repoRoot, vexilBin } from "../lib/native.mjs";

const RULES = `context { user.plan: string  user.n: int }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag write_mode: Mode { owner "t" default LEGACY_ONLY rule pro: when user.plan == "pro" => DUAL_WRITE }
flag big: int { owner "t" default 9007199254740993 }
`;
const CONTEXT = { user: { plan: "pro", n: 3 } };
const NOW = "2026-06-01T12:00:00Z";

const web = join(repoRoot, "web");
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

function nativeDecision(bin, dir) {
  writeFileSync(join(dir, "rules.vx"), RULES);
  return JSON.parse(run(bin, ["eval", join(dir, "rules.vx"), "--flag", "write_mode", "--context", JSON.stringify(CONTEXT), "--now", NOW], dir));
}

const ESM = `import { compile } from "vexil";
import init from "vexil";
import { VexilServerProvider } from "vexil/openfeature";
import { verifyDecisions } from "vexil/sign";
import { followServer } from "vexil/follow";
await init();
const ruleset = compile(${JSON.stringify(RULES)});
const decision = ruleset.evaluate("write_mode", ${JSON.stringify(CONTEXT)}, { now: ${JSON.stringify(NOW)} });
const provider = new VexilServerProvider(ruleset, { now: () => ${JSON.stringify(NOW)} });
const resolved = provider.resolveStringEvaluation("write_mode", "LEGACY_ONLY", ${JSON.stringify(CONTEXT)});
const big = ruleset.evaluate("big", {}).value;
console.log(JSON.stringify({ decision, resolved: resolved.value, big: String(big), bigType: typeof big, sign: typeof verifyDecisions, follow: typeof followServer }));
`;

const CJS = `const { compile } = require("vexil");
const ruleset = compile(${JSON.stringify(RULES)});
console.log(JSON.stringify({ decision: ruleset.evaluate("write_mode", ${JSON.stringify(CONTEXT)}, { now: ${JSON.stringify(NOW)} }) }));
`;

const PAGE = `import init, { compile } from "vexil";
import wasmUrl from "vexil/wasm";
import { VexilProvider } from "vexil/openfeature";
await init({ module_or_path: wasmUrl });
const ruleset = compile(${JSON.stringify(RULES)});
const decision = ruleset.evaluate("write_mode", ${JSON.stringify(CONTEXT)}, { now: ${JSON.stringify(NOW)} });
const provider = new VexilProvider(ruleset, { now: () => ${JSON.stringify(NOW)} });
window.__result = { decision, resolved: provider.resolveStringEvaluation("write_mode", "x", ${JSON.stringify(CONTEXT)}).value };
`;

async function main() {
  const bin = vexilBin();
  if (!bin) throw new Error("the package test needs the native CLI (set VEXIL_BIN)");
  const dir = mkdtempSync(join(tmpdir(), "vexil-package-"));
  try {
    const expected = nativeDecision(bin, dir);

    // npm pack → a tarball; its size and contents.
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], web))[0];
    const tarball = join(dir, packed.filename);
    console.log(`npm pack: ${packed.filename}, ${statSync(tarball).size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files`);
    const paths = packed.files.map((f) => f.path);
    for (const wanted of ["package.json", "README.md", "pkg/vexil.js", "pkg/vexil_bg.wasm", "pkg/vexil.d.ts", "pkg-node/vexil.js", "node/index.mjs", "openfeature/provider.mjs", "sign/sign.mjs"]) {
      assert.ok(paths.includes(wanted), `the tarball lacks ${wanted}`);
    }
    assert.ok(!paths.some((p) => p.startsWith("test/") || p.startsWith("node_modules/") || p.startsWith("playground/")), "tests and tools stay out of the package");

    // A fresh project outside the repository.
    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
    run("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], app);

    writeFileSync(join(app, "esm.mjs"), ESM);
    const esm = JSON.parse(run("node", ["esm.mjs"], app));
    assert.deepEqual(esm.decision, expected, "Node ESM");
    assert.equal(esm.resolved, "DUAL_WRITE");
    assert.deepEqual([esm.big, esm.bigType], ["9007199254740993", "bigint"]);
    assert.deepEqual([esm.sign, esm.follow], ["function", "function"]);
    console.log("Node ESM: ok (compile, evaluate, the server provider, sign, follow)");

    writeFileSync(join(app, "cjs.cjs"), CJS);
    assert.deepEqual(JSON.parse(run("node", ["cjs.cjs"], app)).decision, expected, "Node CommonJS");
    console.log("Node CommonJS: ok");

    // A page bundled by esbuild from the installed package.
    writeFileSync(join(app, "page.js"), PAGE);
    const out = join(app, "dist");
    await esbuild.build({
      absWorkingDir: app,
      entryPoints: ["page.js"],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outdir: out,
      loader: { ".wasm": "file" },
      logLevel: "warning",
    });
    writeFileSync(join(out, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>`);
    const bundle = readdirSync(out).map((f) => `${f} ${statSync(join(out, f)).size}`).join(", ");
    console.log(`esbuild: ${bundle}`);
    const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
    const server = createServer((request, response) => {
      const file = join(out, new URL(request.url, "http://x").pathname.replace(/^\/+/, "") || "index.html");
      if (!file.startsWith(out) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { context, cleanup } = await launchChromium();
    try {
      const page = await context.newPage();
      page.on("pageerror", (error) => console.log(`page error: ${error}`));
      await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
      const result = await page.evaluate(() => window.__result);
      assert.deepEqual(result.decision, expected, "Chromium, bundled by esbuild");
      assert.equal(result.resolved, "DUAL_WRITE");
      console.log("Chromium (esbuild bundle): ok");
    } finally {
      await context.close();
      cleanup();
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
