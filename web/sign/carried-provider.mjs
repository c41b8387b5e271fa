// Downstream of a gateway that decided once (DISTRIBUTION.md §5): OpenFeature
// providers that answer flags present in the carried, verified decision set
// from the set, and delegate every other flag to a provider of your choice
// (the package's local `VexilProvider`, an OFREP provider against
// `vexil serve`, or any other). The token travels in the evaluation context
// under `contextKey` (default `vexilDecisions`), taken from the
// `Vexil-Decisions` header of the request or message that carried the work.
//
// - `CarriedDecisionsProvider`, for the server SDK (@openfeature/server-sdk):
//   the context comes with each evaluation, so each call verifies its token
//   (verified tokens are remembered, bounded, until they expire).
//
//     const provider = new CarriedDecisionsProvider({ delegate: new OFREPProvider({ baseUrl }), keys: jwks });
//     await OpenFeature.setProviderAndWait(provider);
//     client.getStringValue("write_mode", "LEGACY_ONLY", { vexilDecisions: req.headers["vexil-decisions"], ...ctx });
//
// - `CarriedDecisionsWebProvider`, for the web SDK (@openfeature/web-sdk):
//   the context is static, so the token is verified when the context is set
//   (`initialize`, `onContextChange`) and evaluations stay synchronous.
//
//     await OpenFeature.setProviderAndWait(new CarriedDecisionsWebProvider({ delegate: new VexilProvider(ruleset), keys }));
//     await OpenFeature.setContext({ ...ctx, vexilDecisions: tokenFromTheGateway });
//
// A token that does not verify, or has expired, is ignored (the flag goes to
// the delegate) and reported to `onRefused(error)`: a forged set never decides.
// A carried decision answers with its value, variant and reason
// (PREREQUISITE_FAILED → DEFAULT, as everywhere) and `flagMetadata`
// { carried: true, ruleset, ruleset_version, decided_at, cid?, rule? }; a
// requested type that is not the value's is TYPE_MISMATCH (an int beyond
// ±(2^53−1), a BigInt, for number and object too, as in provider.mjs).

import { verifyDecisions } from "./sign.mjs";

const TYPES = { boolean: "boolean", number: "number", string: "string" };

/** The resolution details of a carried decision, or undefined when the set does not carry `flagKey`. */
export function carriedResolution(claims, flagKey, type, defaultValue) {
  const decisions = claims?.vexil?.decisions;
  const carried = decisions && Object.hasOwn(decisions, flagKey) ? decisions[flagKey] : undefined;
  if (!carried) return undefined;
  const flagMetadata = { carried: true, ruleset: claims.vexil.ruleset, ruleset_version: claims.vexil.ruleset_version, decided_at: claims.vexil.now };
  if (claims.cid !== undefined) flagMetadata.cid = claims.cid;
  if (carried.rule !== undefined) flagMetadata.rule = carried.rule;
  const mismatch = type === "object" ? typeof carried.value === "bigint" : typeof carried.value !== TYPES[type];
  if (mismatch) {
    return { value: defaultValue, reason: "ERROR", errorCode: "TYPE_MISMATCH", errorMessage: `the carried ${flagKey} is not a ${type}`, flagMetadata };
  }
  return {
    value: carried.value,
    variant: carried.variant,
    reason: carried.reason === "PREREQUISITE_FAILED" ? "DEFAULT" : carried.reason,
    flagMetadata,
  };
}

/** The context without the token, for the delegate. */
function withoutToken(context, contextKey) {
  const rest = { ...context };
  delete rest[contextKey];
  return rest;
}

/** What both providers share: the options, the delegate's events, the resolve methods. */
class CarriedBase {
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
    // The delegate's events (configuration changes, staleness) are the provider's.
    if (delegate?.events) this.events = delegate.events;
  }

  async onClose() {
    await this.delegate.onClose?.();
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

export class CarriedDecisionsProvider extends CarriedBase {
  runsOn = "server";
  /** Verified tokens (bounded): a workflow asks several flags with one token. */
  verified = new Map();

  async initialize(context) {
    await this.delegate.initialize?.(context);
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
      const resolution = carriedResolution(await this.claims(token), flagKey, type, defaultValue);
      if (resolution) return resolution;
    }
    return this.delegate[method](flagKey, defaultValue, withoutToken(context, this.contextKey));
  }
}

export class CarriedDecisionsWebProvider extends CarriedBase {
  runsOn = "client";
  /** The verified claims of the context's token, and that token. */
  current = undefined;

  async initialize(context) {
    await this.delegate.initialize?.(context && withoutToken(context, this.contextKey));
    await this.adopt(context);
  }

  async onContextChange(oldContext, newContext) {
    await this.delegate.onContextChange?.(withoutToken(oldContext, this.contextKey), withoutToken(newContext, this.contextKey));
    await this.adopt(newContext);
  }

  async adopt(context) {
    const token = context?.[this.contextKey];
    if (typeof token !== "string" || token.length === 0) {
      this.current = undefined;
      return;
    }
    if (this.current?.token === token) return;
    try {
      this.current = { token, claims: await verifyDecisions(token, this.keys, { leewaySeconds: this.leewaySeconds }) };
    } catch (error) {
      this.current = undefined;
      this.onRefused(error);
    }
  }

  resolve(flagKey, type, defaultValue, context, method) {
    const current = this.current;
    if (current && context?.[this.contextKey] === current.token) {
      if (current.claims.exp + this.leewaySeconds >= Date.now() / 1000) {
        const resolution = carriedResolution(current.claims, flagKey, type, defaultValue);
        if (resolution) return resolution;
      } else {
        // Expired while the page stayed open: from now on the delegate decides.
        this.current = undefined;
        this.onRefused(Object.assign(new Error(`the carried decision set expired at ${current.claims.exp}`), { code: "expired" }));
      }
    }
    return this.delegate[method](flagKey, defaultValue, withoutToken(context, this.contextKey));
  }
}
