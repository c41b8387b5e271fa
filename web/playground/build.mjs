// Bundles the playground into dist/ offline: esbuild (from npm) bundles
// src/main.js with CodeMirror and the wasm package's JS (../pkg, built by
// `cargo xtask build-js`); the examples of ../../examples/*.vx are bundled in
// with the sample contexts of examples.json. `cargo xtask build-web` runs this.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dist = join(here, "dist");
const pkg = join(root, "web", "pkg");

if (!existsSync(join(pkg, "vexil.js"))) {
  console.error("web/pkg/vexil.js is missing: run `cargo xtask build-js` (or `cargo xtask build-web`) first");
  process.exit(1);
}

function examples() {
  const meta = JSON.parse(readFileSync(join(here, "examples.json"), "utf8"));
  const dir = join(root, "examples");
  const files = readdirSync(dir).filter((f) => f.endsWith(".vx")).sort();
  const out = {};
  // examples.json gives the order (and a sample context); files it lacks come last.
  const names = [...Object.keys(meta), ...files.map((f) => f.slice(0, -3)).filter((n) => !(n in meta))];
  for (const name of names) {
    const file = join(dir, `${name}.vx`);
    if (!existsSync(file)) continue;
    out[name] = { title: meta[name]?.title ?? name, flag: meta[name]?.flag, context: meta[name]?.context ?? {}, source: readFileSync(file, "utf8") };
  }
  return out;
}

const examplesPlugin = {
  name: "vexil-examples",
  setup(b) {
    b.onResolve({ filter: /^vexil-examples$/ }, () => ({ path: "vexil-examples", namespace: "vexil-examples" }));
    b.onLoad({ filter: /.*/, namespace: "vexil-examples" }, () => ({
      contents: `export default ${JSON.stringify(examples())};`,
      loader: "js",
    }));
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: { app: join(here, "src", "main.js"), "app-style": join(here, "src", "style.css") },
  bundle: true,
  format: "esm",
  target: ["chrome110", "firefox115", "safari16"],
  minify: true,
  sourcemap: false,
  legalComments: "none",
  outdir: dist,
  plugins: [examplesPlugin],
  logLevel: "warning",
});
// One stylesheet name for the page.
copyFileSync(join(dist, "app-style.css"), join(dist, "app.css"));
rmSync(join(dist, "app-style.css"));
rmSync(join(dist, "app-style.js"), { force: true });
copyFileSync(join(here, "src", "index.html"), join(dist, "index.html"));
copyFileSync(join(pkg, "vexil_bg.wasm"), join(dist, "vexil_bg.wasm"));

let raw = 0;
let gz = 0;
for (const file of readdirSync(dist).sort()) {
  const bytes = readFileSync(join(dist, file));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
  console.log(`  dist/${file.padEnd(16)} ${String(statSync(join(dist, file)).size).padStart(8)} bytes, ${String(gzipSync(bytes, { level: 9 }).length).padStart(7)} gzipped`);
}
console.log(`playground bundle: ${raw} bytes, ${gz} bytes gzipped (web/playground/dist/)`);
