import type { Ruleset } from "../pkg/vexil.js";

export interface FollowOptions {
  /** The server's base URL (`vexil serve`). */
  url: string;
  /** The ruleset name. */
  ruleset: string;
  /** The package's `compile` (either build). */
  compile: (source: string) => Ruleset;
  /** Extra request headers (e.g. `Authorization`); EventSource cannot send them. */
  headers?: Record<string, string>;
  /** Polling period where there is no EventSource (default 5000 ms). */
  pollMs?: number;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

export interface ChangeDetail {
  version: string;
  previousVersion: string | undefined;
  flagsChanged: string[];
}

/** Follows one ruleset of a Vexil server; the last good ruleset keeps evaluating while offline. */
export declare class RulesetFollower extends EventTarget {
  readonly url: string;
  readonly name: string;
  /** The compiled ruleset serving (the last good one); undefined before the first load. */
  ruleset: Ruleset | undefined;
  version: string | undefined;
  state: "connecting" | "connected" | "stale";
  /** Resolves when the first ruleset has loaded. */
  readonly ready: Promise<void>;
  refresh(): Promise<void>;
  close(): void;
}

export declare function followServer(options: FollowOptions): RulesetFollower;
/** Keys of flags added, removed or changed (fingerprints) between two rulesets. */
export declare function changedFlags(previous: Ruleset | undefined, next: Ruleset): string[];
