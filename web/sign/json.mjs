// Exact integers through JSON in JavaScript, for decision-set claims.
//
// A decision's int value can be any i64, and DISTRIBUTION.md §5 keeps it an
// exact JSON integer in the token. `JSON.parse` reads 9007199254740993 as
// 9007199254740992; here an integer literal beyond ±(2^53−1) becomes a
// `BigInt` instead, as in the wasm package's decisions. And `stringifyExact`
// writes a `BigInt` as its digits (plain `JSON.stringify` throws on one) and
// -0 as `-0.0` (plain `JSON.stringify` writes `0`). A float that holds an
// integer (1.0) is the number 1 in JS and is written `1`: JS cannot tell.
//
// How: `JSON.parse` validates the text first. Then every number token outside
// a string is found with one regular expression (in valid JSON a token is a
// string or a number exactly when it starts with `"` or `-`/digit, and
// `true`/`false`/`null` hold no digits); the unsafe integers are replaced by
// string markers built from a nonce that does not occur in the text, so no
// real string can be taken for one, and a reviver turns the markers into
// BigInts. Stringifying runs the same idea backwards.

const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const INTEGER = /^-?\d+$/;

/** A fresh marker prefix. A real string that happens to start with it is caught by the counts below. */
function newNonce() {
  const random = [...globalThis.crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `\u0001vexil-int-${random}:`;
}

/** `JSON.parse`, with integers beyond ±(2^53−1) as exact `BigInt`s. */
export function parseExact(text) {
  const plain = JSON.parse(text);
  // A marker inside a value that a duplicate key throws away is never revived:
  // after a few fresh nonces, the text is refused (Rust refuses duplicate fields too).
  for (let attempt = 0; attempt < 4; attempt++) {
    const nonce = newNonce();
    let replaced = 0;
    const marked = text.replace(TOKEN, (token) => {
      if (token[0] === '"' || !INTEGER.test(token) || Number.isSafeInteger(Number(token))) return token;
      replaced += 1;
      return JSON.stringify(nonce + token);
    });
    if (replaced === 0) return plain;
    let revived = 0;
    const exact = JSON.parse(marked, (_key, value) => {
      if (typeof value !== "string" || !value.startsWith(nonce)) return value;
      revived += 1;
      const digits = value.slice(nonce.length);
      return INTEGER.test(digits) ? BigInt(digits) : value;
    });
    if (revived === replaced) return exact;
  }
  throw new SyntaxError("duplicate keys holding integers beyond 2^53");
}

/** `JSON.stringify`, writing a `BigInt` as an exact JSON integer and -0 as `-0.0`. */
export function stringifyExact(value) {
  for (;;) {
    const nonce = newNonce();
    let marked = 0;
    const text = JSON.stringify(value, (_key, v) => {
      // -0 is a float's (ints have none), and JSON.stringify would write `0`.
      const exact = typeof v === "bigint" ? v.toString() : Object.is(v, -0) ? "-0.0" : undefined;
      if (exact === undefined) return v;
      marked += 1;
      return nonce + exact;
    });
    if (marked === 0) return text;
    const written = JSON.stringify(nonce).slice(1, -1);
    let restored = 0;
    const exact = text.replaceAll(new RegExp(`"${written.replace(/\\/g, "\\\\")}(-?\\d+(?:\\.0)?)"`, "g"), (_match, digits) => {
      restored += 1;
      return digits;
    });
    if (restored === marked) return exact;
  }
}
