import type { EvaluationContext, JsonValue, ResolutionDetails } from "@openfeature/core";
import type { DecisionClaims, JsonWebKeySet, VerifyError } from "./sign.mjs";

export interface CarriedDecisionsOptions<Delegate> {
  /** Answers every flag the carried set does not hold. */
  delegate: Delegate;
  /** The gateway's public keys (`vexil keys public`). */
  keys: JsonWebKeySet | string;
  /** Where the token sits in the evaluation context (default `vexilDecisions`). */
  contextKey?: string;
  /** Told of every token that does not verify (or expired); the delegate decides instead. */
  onRefused?: (error: VerifyError | (Error & { code: "expired" })) => void;
  leewaySeconds?: number;
}

/** The resolution of a carried decision, or undefined when the set does not carry `flagKey`. */
export declare function carriedResolution<T>(
  claims: DecisionClaims | undefined,
  flagKey: string,
  type: "boolean" | "string" | "number" | "object",
  defaultValue: T,
): ResolutionDetails<T> | undefined;

/** For @openfeature/server-sdk: each evaluation's context may carry a token. */
export declare class CarriedDecisionsProvider {
  readonly runsOn: "server";
  readonly hooks: [];
  readonly metadata: { readonly name: string };
  constructor(options: CarriedDecisionsOptions<object>);
  initialize(context?: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>>;
}

/** For @openfeature/web-sdk: the token is verified when the context is set; evaluations stay synchronous. */
export declare class CarriedDecisionsWebProvider {
  readonly runsOn: "client";
  readonly hooks: [];
  readonly metadata: { readonly name: string };
  constructor(options: CarriedDecisionsOptions<object>);
  initialize(context?: EvaluationContext): Promise<void>;
  onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): ResolutionDetails<boolean>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): ResolutionDetails<string>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T>;
}
