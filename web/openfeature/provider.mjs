// OpenFeature providers that evaluate flags in-process with a compiled Vexil
// `Ruleset` (either build of the package), no server trip:
// `VexilProvider` for frontends (@openfeature/web-sdk) and
// `VexilServerProvider` for Node services (@openfeature/server-sdk). Both
// resolve through the one `resolve` below, so both SDKs get the same answers.
// Dependency-free: OpenFeature's reasons and error codes are plain strings,
// so this module imports nothing.
//
//   import { OpenFeature } from "@openfeature/web-sdk";
//   import { VexilProvider } from "vexil/openfeature";
//   await OpenFeature.setProviderAndWait(new VexilProvider(compile(source)));
//   await OpenFeature.setContext({ targetingKey: "u-1", user: { id: "u-1" } });
//   OpenFeature.getClient().getBooleanValue("new_checkout", false);
//
//   import { OpenFeature } from "@openfeature/server-sdk";
//   import { VexilServerProvider } from "vexil/openfeature";
//   await OpenFeature.setProviderAndWait(new VexilServerProvider(compile(source)));
//   await OpenFeature.getClient().getBooleanValue("new_checkout", false, { user: { id: "u-1" } });
//
// Mapping (decision → resolution details), the one table of
// docs/openfeature.md, shared with the OFREP server and the Rust provider:
// - value, variant as decided; `flagMetadata` = { ruleset_version, now, rule?, prerequisite? };
// - reasons: STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED as they are;
//   PREREQUISITE_FAILED → DEFAULT (the flag's default was served; the
//   failing prerequisite is in `flagMetadata.prerequisite`);
// - an ERROR decision that carries the flag's `on_error` value
//   (INVALID_CONTEXT, TARGETING_KEY_MISSING, EVALUATION_ERROR,
//   RESOURCE_LIMIT) answers that value and variant with reason ERROR and
//   the Vexil code and message in `flagMetadata.errorCode` /
//   `flagMetadata.errorDetails`, as OFREP does: the flag author's fail-safe
//   reaches the caller (an OpenFeature errorCode would make the SDK serve
//   the caller's default instead);
// - OpenFeature error codes, where no flag value can be given (the SDK
//   serves the caller's default): FLAG_NOT_FOUND; TYPE_MISMATCH when the
//   requested type is not the flag's (`bool` → boolean; `int`, `float` →
//   number; `string` and enums → string; object accepts any flag, Vexil
//   values being JSON primitives; an int beyond ±(2^53−1), a BigInt, is a
//   TYPE_MISMATCH for number and object); PARSE_ERROR for a decision
//   without a value; GENERAL for anything else.
// - the OpenFeature context is passed as the Vexil context as it is (nested
//   objects; `targetingKey` is an ordinary attribute). With the option
//   `targetingKeyPath: "user.id"`, `targetingKey` is also copied to that
//   path when the context does not set it.

const TYPES = { boolean: ["bool"], number: ["int", "float"], string: ["string"] };
const ERROR_CODES = {
  FLAG_NOT_FOUND: "FLAG_NOT_FOUND",
  TARGETING_KEY_MISSING: "TARGETING_KEY_MISSING",
  INVALID_CONTEXT: "INVALID_CONTEXT",
  PARSE_ERROR: "PARSE_ERROR",
  EVALUATION_ERROR: "GENERAL",
  RESOURCE_LIMIT: "GENERAL",
};
const BUILT_IN = new Set(["bool", "int", "float", "string"]);

/** The provider events the SDK listens to (a minimal emitter, so this module imports nothing). */
class ProviderEventEmitter {
  handlers = new Map();
  addHandler(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
  }
  removeHandler(type, handler) {
    this.handlers.get(type)?.delete(handler);
  }
  removeAllHandlers(type) {
    if (type === undefined) this.handlers.clear();
    else this.handlers.delete(type);
  }
  getHandlers(type) {
    return [...(this.handlers.get(type) ?? [])];
  }
  setLogger() {
    return this;
  }
  emit(type, details = {}) {
    for (const handler of this.getHandlers(type)) handler(details);
  }
}

const isFollower = (x) => typeof x?.addEventListener === "function" && "ready" in x;

export class VexilProvider {
  metadata = { name: "vexil" };
  runsOn = "client";
  hooks = [];
  events = new ProviderEventEmitter();

  /**
   * @param {import("../pkg/vexil.js").Ruleset | import("../follow/follow.mjs").RulesetFollower} source
   *   a compiled ruleset (from web/pkg or web/pkg-node), or a follower of a Vexil server
   *   (`followServer`): then the provider is READY once the first ruleset loads, emits
   *   PROVIDER_CONFIGURATION_CHANGED with the changed flag keys on every new version,
   *   PROVIDER_STALE while the server is unreachable (evaluating the last good ruleset)
   *   and PROVIDER_READY when it is back.
   * @param {{ targetingKeyPath?: string, now?: () => Date | string }} [options]
   */
  constructor(source, options = {}) {
    this.options = options;
    if (isFollower(source)) {
      this.follower = source;
      if (source.ruleset) this.setRuleset(source.ruleset);
    } else {
      this.setRuleset(source);
    }
  }

  async initialize() {
    const follower = this.follower;
    if (!follower) return;
    await follower.ready;
    this.setRuleset(follower.ruleset);
    this.listeners = {
      change: (event) => {
        this.setRuleset(follower.ruleset);
        this.events.emit("PROVIDER_CONFIGURATION_CHANGED", { flagsChanged: event.detail.flagsChanged });
      },
      stale: (event) => this.events.emit("PROVIDER_STALE", { message: String(event.detail.error?.message ?? event.detail.error) }),
      connected: () => this.events.emit("PROVIDER_READY", {}),
    };
    for (const [type, listener] of Object.entries(this.listeners)) follower.addEventListener(type, listener);
  }

  async onClose() {
    for (const [type, listener] of Object.entries(this.listeners ?? {})) this.follower?.removeEventListener(type, listener);
    this.listeners = undefined;
  }

  /** Swaps the ruleset (e.g. after fetching a new version). */
  setRuleset(ruleset) {
    this.ruleset = ruleset;
    this.types = new Map(ruleset.flags.map((flag) => [flag.key, flag.type]));
  }

  resolveBooleanEvaluation(flagKey, _defaultValue, context) {
    return this.resolve(flagKey, "boolean", context);
  }

  resolveStringEvaluation(flagKey, _defaultValue, context) {
    return this.resolve(flagKey, "string", context);
  }

  resolveNumberEvaluation(flagKey, _defaultValue, context) {
    return this.resolve(flagKey, "number", context);
  }

  resolveObjectEvaluation(flagKey, _defaultValue, context) {
    return this.resolve(flagKey, "object", context);
  }

  resolve(flagKey, requested, context) {
    const options = this.options.now ? { now: this.options.now() } : undefined;
    const decision = this.ruleset.evaluate(flagKey, this.context(context), options);
    const flagMetadata = { ruleset_version: decision.ruleset_version, now: decision.now };
    if (decision.rule !== undefined) flagMetadata.rule = decision.rule;
    if (decision.prerequisite !== undefined) flagMetadata.prerequisite = decision.prerequisite;
    const failure = (errorCode, errorMessage) => ({ value: undefined, reason: "ERROR", errorCode, errorMessage, flagMetadata });

    if (decision.error_code === "FLAG_NOT_FOUND") return failure("FLAG_NOT_FOUND", decision.error_message);
    const type = this.types.get(flagKey);
    const typeFits = requested === "object" || (TYPES[requested] ?? []).includes(type) || (requested === "string" && !BUILT_IN.has(type));
    if (!typeFits) return failure("TYPE_MISMATCH", `flag \`${flagKey}\` is of type ${type}, not ${requested}`);
    if (typeof decision.value === "bigint") {
      return failure("TYPE_MISMATCH", `flag \`${flagKey}\` decided ${decision.value}, beyond Number.MAX_SAFE_INTEGER`);
    }
    if (decision.error_code !== undefined) {
      if (decision.value === undefined) return failure(ERROR_CODES[decision.error_code] ?? "GENERAL", decision.error_message);
      flagMetadata.errorCode = decision.error_code;
      flagMetadata.errorDetails = decision.error_message;
    }
    return {
      value: decision.value,
      variant: decision.variant,
      reason: decision.reason === "PREREQUISITE_FAILED" ? "DEFAULT" : decision.reason,
      flagMetadata,
    };
  }

  context(context) {
    const path = this.options.targetingKeyPath;
    if (!path || context?.targetingKey === undefined) return context;
    const copy = structuredCloneLoose(context);
    const parts = path.split(".");
    let node = copy;
    for (const part of parts.slice(0, -1)) {
      if (node[part] === null || typeof node[part] !== "object") node[part] = {};
      node = node[part];
    }
    const last = parts[parts.length - 1];
    if (node[last] === undefined) node[last] = context.targetingKey;
    return copy;
  }
}

/** A copy of the plain-object spine of a context (leaves shared). */
function structuredCloneLoose(value) {
  if (value === null || typeof value !== "object" || value instanceof Date || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneLoose(v)]));
}

/**
 * The same provider for @openfeature/server-sdk (Node services): the context
 * comes with each evaluation; the SDK awaits each resolution. Events (a
 * follower's CONFIGURATION_CHANGED, STALE, READY), `initialize`/`onClose`
 * and hooks work as in the web provider.
 */
export class VexilServerProvider extends VexilProvider {
  runsOn = "server";
}
