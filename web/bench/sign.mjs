// Node figures for decision-set tokens (never a test): decide + sign and
// verify 20 flags, EdDSA and HS256, with the package and web/sign/sign.mjs.
//   node web/bench/sign.mjs   (after cargo xtask build-js)
import { createRequire } from "node:module";

import { decisionClaims, signDecisions, verifyDecisions } from "../sign/sign.mjs";

const vexil = createRequire(import.meta.url)("../pkg-node/vexil.js");
let source = "context { user.id: string  user.plan: string  user.age: int }\n";
for (let i = 0; i < 20; i++) {
  source += [
    `flag f${i}: bool { owner "b" default false rule r: when user.plan == "pro" => true }`,
    `flag f${i}: int { owner "b" default ${i} rule r: when user.age >= 18 => ${i * 10} }`,
    `flag f${i}: string { owner "b" default "control" rule r: when user.age > 30 => split by user.id { "a": 50%, "b": 50% } }`,
    `flag f${i}: float { owner "b" default 0.5 }`,
  ][i % 4] + "\n";
}
const ruleset = vexil.compile(source);
const context = { user: { id: "u-8271", plan: "pro", age: 37 } };
const vectors = JSON.parse(await (await import("node:fs/promises")).readFile(new URL("../../tests/sign/vectors.json", import.meta.url), "utf8"));
for (const alg of ["EdDSA", "HS256"]) {
  const key = vectors.private_keys[alg];
  const time = async (n, f) => {
    for (let i = 0; i < 200; i++) await f();
    const start = performance.now();
    for (let i = 0; i < n; i++) await f();
    return ((performance.now() - start) * 1000) / n;
  };
  const sign = () => signDecisions(decisionClaims(ruleset.evaluateAll(context), { ruleset: "bench" }), key);
  const token = await sign();
  const signUs = await time(2000, sign);
  const verifyUs = await time(2000, () => verifyDecisions(token, vectors.public_keys));
  console.log(`${alg}: decide + sign 20 flags ${signUs.toFixed(1)} µs, verify ${verifyUs.toFixed(1)} µs, token ${token.length} bytes`);
}
