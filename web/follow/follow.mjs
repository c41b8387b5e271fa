// Local evaluation that follows a Vexil server: fetch the published ruleset
// (`GET /v1/rulesets/{name}`, revalidated with its ETag), compile it with the
// package, then listen to `/v1/rulesets/{name}/events` (SSE; polling where
// there is no EventSource, e.g. Node) and fetch again on every new version.
// The last good ruleset keeps evaluating while the server is unreachable or
// sends something that does not compile. Dependency-free; works with either
// build of the package (pass its `compile`).
//
//   import { compile } from "./pkg/vexil.js";
//   import { followServer } from "./follow/follow.mjs";
//   const follower = followServer({ url: "https://flags.example", ruleset: "checkout", compile });
//   await follower.ready;
//   follower.ruleset.evaluate("new_checkout", context);
//   follower.addEventListener("change", (e) => console.log(e.detail.flagsChanged));
//
// Events (EventTarget; `event.detail`): "change" {version, previousVersion,
// flagsChanged} for every new version served (the first load included);
// "stale" {error} when the server cannot be reached; "connected" when it can
// again; "rejected" {version, error} when a new version is refused (not
// JSON, version mismatch, compile errors). Read `follower.ruleset` each time:
// a replaced ruleset is left to the garbage collector (the package frees
// rulesets through a FinalizationRegistry), never freed under a caller.

const STATES = ["connecting", "connected", "stale"];

/** An event with a `detail` (CustomEvent is not a global before Node 19). */
function event(type, detail) {
  const e = new Event(type);
  e.detail = detail;
  return e;
}

/**
 * @param {{ url: string, ruleset: string, compile: (source: string) => any,
 *           headers?: Record<string, string>, pollMs?: number,
 *           fetch?: typeof fetch, EventSource?: typeof EventSource }} options
 */
export function followServer(options) {
  return new RulesetFollower(options);
}

export class RulesetFollower extends EventTarget {
  constructor({ url, ruleset, compile, headers = {}, pollMs = 5000, fetch, EventSource = globalThis.EventSource }) {
    super();
    this.url = url.replace(/\/$/, "");
    this.name = ruleset;
    this.compile = compile;
    this.headers = headers;
    this.pollMs = pollMs;
    // Called as a plain function: a browser's `fetch` must not be called with the follower as `this`.
    this.fetchImpl = fetch ?? ((...args) => globalThis.fetch(...args));
    this.EventSourceImpl = EventSource;
    /** The compiled ruleset serving (the last good one), or undefined before the first load. */
    this.ruleset = undefined;
    this.version = undefined;
    /** "connecting" | "connected" | "stale" */
    this.state = STATES[0];
    this.closed = false;
    this.inFlight = null;
    this.again = false;
    this.refused = undefined;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.start();
  }

  get base() {
    return `${this.url}/v1/rulesets/${encodeURIComponent(this.name)}`;
  }

  start() {
    void this.refresh();
    // EventSource cannot send headers (tokens): poll then.
    if (typeof this.EventSourceImpl === "function" && Object.keys(this.headers).length === 0) {
      const source = new this.EventSourceImpl(`${this.base}/events`);
      this.source = source;
      source.addEventListener("version", (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        if (data.version !== this.version) void this.refresh();
      });
      // A reconnect may have missed versions: fetch (a 304 when nothing changed).
      source.addEventListener("open", () => void this.refresh());
      source.addEventListener("error", () => {
        this.setState("stale", new Error("the event stream was interrupted"));
        // A closed EventSource (a non-200 answer: a proxy's 502) never reconnects by itself.
        if (source.readyState === 2 && !this.closed) {
          this.source = undefined;
          this.poll();
        }
      });
    } else {
      this.poll();
    }
  }

  poll() {
    this.timer ??= setInterval(() => void this.refresh(), this.pollMs);
  }

  setState(state, error) {
    if (this.state === state) return;
    this.state = state;
    if (state === "stale") this.dispatchEvent(event("stale", { error }));
    if (state === "connected") this.dispatchEvent(event("connected", {}));
  }

  /** Fetches the ruleset (once at a time) and swaps it in if it is new and good. A
   *  request made while a fetch is running runs once more after it: the news that
   *  prompted it may be newer than what that fetch got. */
  refresh() {
    if (this.closed) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        await this.fetchOnce();
      } while (this.again && !this.closed);
    })().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  async fetchOnce() {
    let response;
    try {
      const headers = { ...this.headers };
      if (this.version) headers["If-None-Match"] = `"${this.version}"`;
      const fetchImpl = this.fetchImpl;
      response = await fetchImpl(this.base, { headers, cache: "no-store" });
    } catch (error) {
      this.setState("stale", error);
      return;
    }
    if (response.status === 304) return this.setState("connected");
    if (!response.ok) {
      this.setState("stale", new Error(`GET ${this.base}: HTTP ${response.status}`));
      return;
    }
    this.setState("connected");
    let record;
    try {
      record = await response.json();
    } catch (error) {
      return this.reject(undefined, error);
    }
    if (record.version === this.version || record.version === this.refused) return;
    let next;
    try {
      next = this.compile(record.source);
    } catch (error) {
      return this.reject(record.version, error);
    }
    if (next.version !== record.version) {
      next.free?.();
      return this.reject(record.version, new Error(`the source hashes to ${next.version}, not the published ${record.version}`));
    }
    const previous = this.ruleset;
    const flagsChanged = changedFlags(previous, next);
    const previousVersion = this.version;
    this.ruleset = next;
    this.version = record.version;
    this.refused = undefined;
    this.dispatchEvent(event("change", { version: record.version, previousVersion, flagsChanged }));
    this.resolveReady();
  }

  reject(version, error) {
    // Not compiled and announced again on every poll.
    this.refused = version;
    this.dispatchEvent(event("rejected", { version, error }));
  }

  close() {
    this.closed = true;
    this.source?.close();
    clearInterval(this.timer);
  }
}

/** Keys of the flags added, removed or whose fingerprint changed (all of them on the first load). */
export function changedFlags(previous, next) {
  const before = new Map((previous?.flags ?? []).map((f) => [f.key, f.fingerprint]));
  const after = new Map(next.flags.map((f) => [f.key, f.fingerprint]));
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key));
}
