// Evaluate flags of examples/checkout.vx from Node with the package's Node
// build (web/pkg-node, CommonJS). Build it first: `cargo xtask build-js`.
//   node examples/node/evaluate.mjs
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const { compile } = createRequire(import.meta.url)("../../web/pkg-node/vexil.js");

const source = readFileSync(new URL("../checkout.vx", import.meta.url), "utf8");
let ruleset;
try {
  ruleset = compile(source);
} catch (error) {
  // error.diagnostics: what `vexil check --format json` prints.
  for (const d of error.diagnostics ?? []) console.error(`${d.line}:${d.column} ${d.code} ${d.message}`);
  process.exit(1);
}

const context = {
  user: { id: "u-1042", email: "ada@example.org", country: "DE", beta: false },
  client: { platform: "web", version: "4.3.0" },
};

console.log(`ruleset ${ruleset.version}: ${ruleset.flags.map((f) => `${f.key} (${f.type})`).join(", ")}`);
console.log(ruleset.evaluate("new_checkout", context));
// A fixed `now` makes a decision reproducible on every stack (Date or RFC 3339).
console.log(ruleset.evaluate("checkout_button_color", context, { now: "2026-06-01T12:00:00Z" }));
for (const d of ruleset.evaluateAll(context).decisions) console.log(`${d.flag} = ${d.variant ?? "-"} (${d.reason})`);
ruleset.free();
