// Compiled with `tsc --noEmit` (never run): the package's TypeScript types
// describe what a frontend writes. `@ts-expect-error` lines must stay errors.
import init, { check, compile, parseTimestamp } from "../../pkg/vexil.js";
import type { AttrInfo, CompileError, Context, Decision, DecisionSet, Diagnostic, ErrorCode, Explanation, FlagInfo, FlagValue, Reason, Ruleset } from "../../pkg/vexil.js";
import { OpenFeature } from "@openfeature/web-sdk";
import { VexilProvider } from "../../openfeature/provider.mjs";

await init();
const ruleset: Ruleset = compile(`flag beta: bool { owner "me" default false }`);
const context: Context = { user: { id: "ada", n: 12n, score: 0.5, tags: ["a"], at: new Date() } };
const decision: Decision = ruleset.evaluate("beta", context, { now: new Date() });
const reason: Reason = decision.reason;
const code: ErrorCode | undefined = decision.error_code;
const value: FlagValue | undefined = decision.value;
if (typeof value === "bigint") console.log(value + 1n);
const later: Decision = ruleset.evaluate("beta", context, { now: "2026-01-01T00:00:00Z" });
const set: DecisionSet = ruleset.evaluateAll(context);
const first: Decision | undefined = set.decisions[0];
const why: Explanation = ruleset.explain("beta", context);
const rule: string = why.rules[0]?.condition.text ?? "";
const flags: FlagInfo[] = ruleset.flags;
const version: string = ruleset.version;
const schema: AttrInfo[] = ruleset.schema;
const members: string[] | undefined = schema[0]?.members;
const now: string = parseTimestamp("2026-01-01T00:00:00Z");
const diagnostics: Diagnostic[] = check("flag", { today: null }).diagnostics;
const line: number = diagnostics[0]?.line ?? 0;
try {
  compile("flag");
} catch (error) {
  const diagnostics2: Diagnostic[] = (error as CompileError).diagnostics;
  console.log(diagnostics2.length);
}
// @ts-expect-error: reasons are a closed set
const wrong: Reason = "MAYBE";
// @ts-expect-error: `now` is a Date or a string
ruleset.evaluate("beta", {}, { now: 5 });
// @ts-expect-error: the schema is read-only
ruleset.schema = [];
// @ts-expect-error: parseTimestamp takes the text
parseTimestamp(new Date());
// @ts-expect-error: the decision has no `values` field
console.log(decision.values);
await OpenFeature.setProviderAndWait(new VexilProvider(ruleset, { targetingKeyPath: "user.id" }));
const enabled: boolean = OpenFeature.getClient().getBooleanValue("beta", false);
ruleset.free();
console.log(reason, code, later, first, rule, flags, version, schema, members, now, line, wrong, enabled);

// Following a server: the loader and the provider over it.
import { followServer, changedFlags } from "../../follow/follow.mjs";
const follower = followServer({ url: "http://127.0.0.1:8080", ruleset: "checkout", compile: compile });
await follower.ready;
const followedDecision: Decision | undefined = follower.ruleset?.evaluate("new_checkout", {});
follower.addEventListener("change", (event) => void (event as CustomEvent<{ flagsChanged: string[] }>).detail.flagsChanged);
const changed: string[] = changedFlags(undefined, compile("flag f: bool { owner \"t\" default true }"));
const followingProvider = new VexilProvider(follower);
void followedDecision;
void changed;
void followingProvider;

// Decision sets: verify, sign, and the carried-decisions providers.
import { decisionClaims, signDecisions, verifyDecisions, VerifyError } from "../../sign/sign.mjs";
import type { DecisionClaims } from "../../sign/sign.mjs";
import { CarriedDecisionsProvider, CarriedDecisionsWebProvider } from "../../sign/carried-provider.mjs";
const keys = { keys: [{ kty: "OKP", crv: "Ed25519", x: "…", kid: "gw" }] };
const claims: DecisionClaims = await verifyDecisions("a.b.c", keys, { leewaySeconds: 5 });
const carriedValue: FlagValue = claims.vexil.decisions["write_mode"]?.value ?? false;
const token: string = await signDecisions(decisionClaims(set, { ruleset: "orders", ttlSeconds: 60 }), { kty: "OKP", crv: "Ed25519", x: "…", d: "…" });
try {
  await verifyDecisions(token, JSON.stringify(keys));
} catch (error) {
  if (error instanceof VerifyError && error.code === "expired") console.log(error.message);
}
await OpenFeature.setProviderAndWait(new CarriedDecisionsWebProvider({ delegate: new VexilProvider(ruleset), keys, onRefused: (e) => console.log(e.code) }));
// (The server SDK's types need @types/node, which this check does without.)
const serverSide = new CarriedDecisionsProvider({ delegate: new VexilProvider(ruleset), keys });
void serverSide.resolveStringEvaluation("write_mode", "LEGACY_ONLY", { vexilDecisions: token });
// @ts-expect-error: refusal codes are a closed set
const badCode: VerifyError["code"] = "nope";
void carriedValue;
void badCode;
