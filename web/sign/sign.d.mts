import type { DecisionSet, FlagValue } from "../pkg/vexil.js";

export declare const TYP: "vexil-decisions+jwt";
export declare const MAX_TOKEN_BYTES: number;

/** Why a token was refused: the same codes as the Rust `vexil_sign::VerifyError`. */
export type VerifyErrorCode =
  | "too_large"
  | "not_a_jwt"
  | "alg_none"
  | "algorithm_not_allowed"
  | "wrong_type"
  | "no_kid"
  | "unknown_kid"
  | "algorithm_mismatch"
  | "bad_key_set"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "bad_claims";

export declare class VerifyError extends Error {
  readonly code: VerifyErrorCode;
  constructor(code: VerifyErrorCode, message: string);
}

/** One decision as carried: values exact (an int beyond ±(2^53−1) is a `BigInt`). */
export interface CarriedDecision {
  value: FlagValue;
  variant: string;
  reason: "STATIC" | "DEFAULT" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "PREREQUISITE_FAILED" | "ERROR";
  rule?: string;
}

/** The claims of a decision-set token (DISTRIBUTION.md §5). */
export interface DecisionClaims {
  iss: string;
  iat: number;
  exp: number;
  nbf?: number;
  jti: string;
  cid?: string;
  vexil: {
    ruleset: string;
    ruleset_version: string;
    now: string;
    decisions: Record<string, CarriedDecision>;
  };
}

export interface JsonWebKey {
  kty: string;
  kid?: string;
  alg?: string;
  crv?: string;
  x?: string;
  d?: string;
  k?: string;
  use?: string;
}

export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

export interface VerifyOptions {
  /** Seconds since the epoch (default: the clock). */
  now?: number;
  /** Leeway for `exp`, `iat` and `nbf`, in seconds (default 30). */
  leewaySeconds?: number;
}

/** Verifies a token against a JWK Set (object or JSON text); rejects with a `VerifyError`. */
export declare function verifyDecisions(token: string, keySet: JsonWebKeySet | string, options?: VerifyOptions): Promise<DecisionClaims>;

/** Signs claims with a private JWK (`vexil keys generate`), EdDSA or HS256 as the key says. */
export declare function signDecisions(claims: DecisionClaims, privateJwk: JsonWebKey | string): Promise<string>;

export interface DecisionClaimsOptions {
  /** The ruleset's name (the `vexil.ruleset` claim). */
  ruleset: string;
  /** Only these flags (default: every decision of the set). */
  flags?: string[];
  iss?: string;
  ttlSeconds?: number;
  cid?: string;
  /** Seconds since the epoch (default: the clock). */
  issuedAt?: number;
}

/** The claims of a decision set from the package's `evaluateAll` result. */
export declare function decisionClaims(decisionSet: DecisionSet, options: DecisionClaimsOptions): DecisionClaims;
