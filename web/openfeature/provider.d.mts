import type { EvaluationContext, JsonValue, Provider, ResolutionDetails } from "@openfeature/web-sdk";
import type { Ruleset } from "../pkg/vexil.js";
import type { RulesetFollower } from "../follow/follow.mjs";

export interface VexilProviderOptions {
  /** Also copy `targetingKey` to this context path (e.g. `"user.id"`) when the context does not set it. */
  targetingKeyPath?: string;
  /** The instant to decide at (default: the current time). */
  now?: () => Date | string;
}

/** An OpenFeature web-sdk provider evaluating flags in-process with a compiled Vexil ruleset. */
export declare class VexilProvider implements Provider {
  readonly metadata: { readonly name: "vexil" };
  readonly runsOn: "client";
  readonly hooks: [];
  /** A compiled ruleset, or a follower of a Vexil server (events: CONFIGURATION_CHANGED, STALE, READY). */
  constructor(source: Ruleset | RulesetFollower, options?: VexilProviderOptions);
  initialize(): Promise<void>;
  onClose(): Promise<void>;
  setRuleset(ruleset: Ruleset): void;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): ResolutionDetails<boolean>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): ResolutionDetails<string>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T>;
}

/** The same provider for @openfeature/server-sdk (Node services); resolutions are the web provider's. */
export declare class VexilServerProvider {
  readonly metadata: { readonly name: "vexil" };
  readonly runsOn: "server";
  readonly hooks: [];
  constructor(source: Ruleset | RulesetFollower, options?: VexilProviderOptions);
  initialize(): Promise<void>;
  onClose(): Promise<void>;
  setRuleset(ruleset: Ruleset): void;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): ResolutionDetails<boolean>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): ResolutionDetails<string>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T>;
}
