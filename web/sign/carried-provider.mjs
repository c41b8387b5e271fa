// Downstream of a gateway that decided once (DISTRIBUTION.md §5): an
// OpenFeature server provider that answers flags present in the carried,
// verified decision set from the set, and delegates every other flag to a
// provider of your choice (an OFREP provider against `vexil serve`, or any
// other). The token travels in the evaluation context under `contextKey`
// (default `vexilDecisions`), taken from the `Vexil-Decisions` header.
//
//   const provider = new CarriedDecisionsProvider({ delegate: new OFREPProvider({ baseUrl }), keys: jwks });
//   await OpenFeature.setProviderAndWait(provider);
//   client.getStringValue("write_mode", "LEGACY_ONLY", { vexilDecisions: req.headers["vexil-decisions"], ...ctx });
//
// A token that does not verify is ignored (the flag is evaluated by the
// delegate) and reported to `onRefused(error)`: a forged set never decides.

import { verifyDecisions } from "./sign.mjs";

const TYPES = { boolean: "boolean", number: "number", string: "string" };

export class CarriedDecisionsProvider {
  runsOn = "server";
  hooks = [];

  /**
   * @param {{ delegate: object, keys: object | string, contextKey?: string,
   *           onRefused?: (error: Error) => void, leewaySeconds?: number }} options
   */
  constructor({ delegate, keys, contextKey = "vexilDecisions", onRefused = () => {}, leewaySeconds = 30 }) {
    this.delegate = delegate;
    this.keys = keys;
    this.contextKey = contextKey;
    this.onRefused = onRefused;
    this.leewaySeconds = leewaySeconds;
    this.metadata = { name: `vexil-carried+${delegate?.metadata?.name ?? "delegate"}` };
    /** Verified tokens (bounded): a workflow asks several flags with one token. */
    this.verified = new Map();
  }

  async initialize(context) {
    await this.delegate.initialize?.(context);
  }

  async onClose() {
    await this.delegate.onClose?.();
  }

  async claims(token) {
    const cached = this.verified.get(token);
    if (cached && cached.exp + this.leewaySeconds >= Date.now() / 1000) return cached;
    try {
      const claims = await verifyDecisions(token, this.keys, { leewaySeconds: this.leewaySeconds });
      if (this.verified.size >= 1000) this.verified.delete(this.verified.keys().next().value);
      this.verified.set(token, claims);
      return claims;
    } catch (error) {
      this.verified.delete(token);
      this.onRefused(error);
      return undefined;
    }
  }

  async resolve(flagKey, type, defaultValue, context, method) {
    const token = context?.[this.contextKey];
    if (typeof token === "string" && token.length > 0) {
      const claims = await this.claims(token);
      const carried = claims?.vexil.decisions[flagKey];
      if (carried) {
        const flagMetadata = { ruleset: claims.vexil.ruleset, ruleset_version: claims.vexil.ruleset_version, decided_at: claims.vexil.now, carried: true };
        if (claims.cid !== undefined) flagMetadata.cid = claims.cid;
        if (carried.rule !== undefined) flagMetadata.rule = carried.rule;
        if (type !== "object" && typeof carried.value !== TYPES[type]) {
          return { value: defaultValue, reason: "ERROR", errorCode: "TYPE_MISMATCH", errorMessage: `carried ${flagKey} is not a ${type}`, flagMetadata };
        }
        return {
          value: carried.value,
          variant: carried.variant,
          reason: carried.reason === "PREREQUISITE_FAILED" ? "DEFAULT" : carried.reason,
          flagMetadata,
        };
      }
    }
    const rest = { ...context };
    delete rest[this.contextKey];
    return this.delegate[method](flagKey, defaultValue, rest);
  }

  resolveBooleanEvaluation(flagKey, defaultValue, context) {
    return this.resolve(flagKey, "boolean", defaultValue, context, "resolveBooleanEvaluation");
  }
  resolveStringEvaluation(flagKey, defaultValue, context) {
    return this.resolve(flagKey, "string", defaultValue, context, "resolveStringEvaluation");
  }
  resolveNumberEvaluation(flagKey, defaultValue, context) {
    return this.resolve(flagKey, "number", defaultValue, context, "resolveNumberEvaluation");
  }
  resolveObjectEvaluation(flagKey, defaultValue, context) {
    return this.resolve(flagKey, "object", defaultValue, context, "resolveObjectEvaluation");
  }
}
