// JSON helpers for the tests, shared by Node and the browser page.
//
// JSON.parse turns every number into a double, which loses ints beyond 2^53
// (bucketing.json has such units) and the difference between `1` and `1.0`.
// `parseRaw` keeps each number's source text instead (as a RawNumber), so a
// vector can be turned into exact JS values (`toJs`: BigInt beyond ±(2^53−1))
// and a decision can be compared with the JSON a vector or the native CLI
// wrote (`sameValue`), ints and floats told apart as `compare_decision` does.

export class RawNumber {
  constructor(text) {
    this.text = text;
  }
  get isInt() {
    return /^-?\d+$/.test(this.text);
  }
}

/** Parses JSON text, numbers as RawNumber (their exact source text). */
export function parseRaw(text) {
  let i = 0;
  const fail = (what) => {
    throw new SyntaxError(`JSON: ${what} at offset ${i}`);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const object = {};
      space();
      if (text[i] === "}") return i++, object;
      for (;;) {
        space();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        space();
        if (text[i++] !== ":") fail("expected `:`");
        object[key] = value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return i++, object;
        else fail("expected `,` or `}`");
      }
    }
    if (c === "[") {
      i++;
      const array = [];
      space();
      if (text[i] === "]") return i++, array;
      for (;;) {
        array.push(value());
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return i++, array;
        else fail("expected `,` or `]`");
      }
    }
    if (c === '"') return string();
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (match && match[0].length > 0) {
      i += match[0].length;
      return new RawNumber(match[0]);
    }
    for (const [word, result] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) return (i += word.length), result;
    }
    return fail("unexpected character");
  };
  const string = () => {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (i >= text.length) fail("unterminated string");
      i += text[i] === "\\" ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const result = value();
  space();
  if (i !== text.length) fail("trailing characters");
  return result;
}

/**
 * A raw value as the JS value a caller would hold for it: an int within i64
 * beyond ±(2^53−1) as a BigInt (its exact value); every other number as the
 * double `JSON.parse` reads (so an integer beyond i64 is the nearest double,
 * as LANGUAGE.md §7 reads it, and `-0.0` is `-0`).
 */
export function toJs(raw) {
  if (raw instanceof RawNumber) {
    if (raw.isInt) {
      const big = BigInt(raw.text);
      const safe = big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
      const i64 = big >= -(2n ** 63n) && big < 2n ** 63n;
      return safe || !i64 ? Number(raw.text) : big;
    }
    return Number(raw.text);
  }
  if (Array.isArray(raw)) return raw.map(toJs);
  if (raw !== null && typeof raw === "object") {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, toJs(v)]));
  }
  return raw;
}

/** JSON text of a raw value, every number exactly as its source wrote it. */
export function stringifyRaw(raw) {
  if (raw instanceof RawNumber) return raw.text;
  if (Array.isArray(raw)) return "[" + raw.map(stringifyRaw).join(",") + "]";
  if (raw !== null && typeof raw === "object") {
    return "{" + Object.entries(raw).map(([k, v]) => JSON.stringify(k) + ":" + stringifyRaw(v)).join(",") + "}";
  }
  return JSON.stringify(raw);
}

/** Whether a JS value is what the raw JSON says, telling ints from floats. */
export function sameValue(actual, raw) {
  if (raw instanceof RawNumber) {
    if (raw.isInt) {
      const big = BigInt(raw.text);
      const safe = big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
      return safe
        ? typeof actual === "number" && Number.isInteger(actual) && BigInt(actual) === big
        : typeof actual === "bigint" && actual === big;
    }
    return typeof actual === "number" && Object.is(actual, Number(raw.text));
  }
  if (Array.isArray(raw)) {
    return Array.isArray(actual) && actual.length === raw.length && raw.every((r, i) => sameValue(actual[i], r));
  }
  if (raw !== null && typeof raw === "object") {
    if (actual === null || typeof actual !== "object") return false;
    const keys = Object.keys(raw);
    return sameKeys(Object.keys(actual), keys) && keys.every((k) => sameValue(actual[k], raw[k]));
  }
  return actual === raw;
}

function sameKeys(a, b) {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** A JS value shown for failure messages (BigInts with an `n`). */
export function show(value) {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof RawNumber ? v.text : v));
}

/**
 * compare_decision (crates/vexil-conformance) for a JS decision: every
 * expected field must match exactly, in order, and no other field may be
 * present — except that when the expectation omits `error_message`, the
 * decision must carry a non-empty one exactly when it carries an
 * `error_code`. With `exact`, `error_message` is compared like any field.
 */
export function compareDecision(actual, expected, exact = false) {
  if (actual === null || typeof actual !== "object") return "decisions must be objects";
  const got = { ...actual };
  if (!exact && !("error_message" in expected)) {
    const message = got.error_message;
    delete got.error_message;
    const hasCode = "error_code" in got;
    const hasMessage = typeof message === "string" && message.length > 0;
    if (hasCode !== hasMessage) {
      return `error_message presence (${hasMessage}) must match error_code presence (${hasCode})`;
    }
  }
  const gotKeys = Object.keys(got);
  const wantKeys = Object.keys(expected);
  if (!sameKeys(gotKeys, wantKeys)) return `fields differ: got ${show(gotKeys)}, expected ${show(wantKeys)}`;
  for (const key of wantKeys) {
    if (!sameValue(got[key], expected[key])) return `\`${key}\`: got ${show(got[key])}, expected ${show(expected[key])}`;
  }
  return null;
}
