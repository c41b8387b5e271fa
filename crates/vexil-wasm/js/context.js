// The JSON text of a JavaScript context, exact where `JSON.stringify` is not.
// Imported by the wasm-bindgen bindings (crates/vexil-wasm/src/lib.rs); it
// moves bytes only: the Rust decoder gives every value its meaning.
//
// It follows `JSON.stringify` (`toJSON`, so a `Date` is its ISO string;
// boxed primitives unwrapped; `undefined` members dropped and `undefined`
// list items written as `null`; keys in `Object.keys` order), except:
//
// - numbers are written so that the decoder reads the very double JavaScript
//   holds (LANGUAGE.md §7: "a JavaScript number is that double"). `String(x)`
//   is the shortest text that reads back as `x`, but for an integral double
//   from 2^53 up it is a run of digits that is not `x`'s exact value (2^62
//   prints as `4611686018427388000`), which the decoder would take as that
//   integer; with `.0` appended the text is a float literal, read as the
//   nearest double, which is `x`. `-0` is written `-0.0` (`JSON.stringify`
//   writes `0`, losing the sign a float attribute keeps);
// - a `BigInt` within i64 is its decimal digits (its exact value);
// - values JSON cannot express (`NaN`, `±Infinity`, functions, symbols,
//   strings with a lone surrogate, a `BigInt` outside i64, a reference back
//   to an enclosing object) are written as `null` and reported with their
//   path, so the decoder makes exactly the attributes that reach them
//   `INVALID_CONTEXT`: `JSON.stringify` would drop them or write `null`
//   (absent), silently deciding on a value the caller did not give. A key
//   with a lone surrogate is left out: no declared path can name it.
//
// Returns the text, or `[text, problems]` where `problems` is the JSON text
// of `[[path, what], …]` (`path`: keys and list indices from the root).
// Contexts with none of the above (most) are checked quickly and written by
// `JSON.stringify` itself.

const TWO_53 = 2 ** 53;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export function contextJson(value) {
  // Most contexts hold nothing `JSON.stringify` gets wrong: a quick look
  // (no strings built, no paths kept) lets them take the native serialiser.
  if (plain(value, 0)) return JSON.stringify(value) ?? "null";
  const state = { path: [], ancestors: [], problems: [] };
  const text = write(value, "", state) ?? "null";
  return state.problems.length === 0 ? text : [text, JSON.stringify(state.problems)];
}

/**
 * Whether `JSON.stringify` writes `value` exactly as `write` would: no
 * `toJSON`, boxed primitives, BigInts, non-finite or `-0` or integral-from-2^53
 * numbers, functions, symbols or lone surrogates; shallow enough that it
 * cannot be a cycle. `false` sends the value down the careful path.
 */
function plain(value, depth) {
  switch (typeof value) {
    case "string":
      return value.isWellFormed();
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) && !(Number.isInteger(value) && Math.abs(value) >= TWO_53);
    case "boolean":
    case "undefined":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > 100 || typeof value.toJSON === "function") return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // `undefined` items are written as `null` by both.
      if (!plain(value[i], depth + 1)) return false;
    }
    return true;
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) return false;
  for (const name of Object.keys(value)) {
    if (!name.isWellFormed() || !plain(value[name], depth + 1)) return false;
  }
  return true;
}

function problem(state, what) {
  state.problems.push([state.path.slice(), what]);
  return "null";
}

function write(value, key, state) {
  if (value !== null && (typeof value === "object" || typeof value === "bigint") && typeof value.toJSON === "function") {
    value = value.toJSON(key);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
    value = value.valueOf();
  }
  switch (typeof value) {
    case "string":
      return value.isWellFormed() ? JSON.stringify(value) : problem(state, "a string with a lone surrogate, which JSON cannot express");
    case "number":
      return number(value, state);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value >= I64_MIN && value <= I64_MAX ? value.toString() : problem(state, `the BigInt ${value}, outside the int range`);
    case "undefined":
      return undefined;
    case "function":
      return problem(state, "a function, which JSON cannot express");
    case "symbol":
      return problem(state, "a symbol, which JSON cannot express");
  }
  if (value === null) return "null";
  if (state.ancestors.includes(value)) return problem(state, "a reference to an enclosing object (a cycle), which JSON cannot express");
  state.ancestors.push(value);
  const parts = [];
  let text;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const index = String(i);
      state.path.push(index);
      parts.push(write(value[i], index, state) ?? "null");
      state.path.pop();
    }
    text = "[" + parts.join(",") + "]";
  } else {
    for (const name of Object.keys(value)) {
      if (!name.isWellFormed()) continue;
      state.path.push(name);
      const item = write(value[name], name, state);
      state.path.pop();
      if (item !== undefined) parts.push(JSON.stringify(name) + ":" + item);
    }
    text = "{" + parts.join(",") + "}";
  }
  state.ancestors.pop();
  return text;
}

function number(x, state) {
  if (!Number.isFinite(x)) return problem(state, `${x}, which JSON cannot express`);
  if (Object.is(x, -0)) return "-0.0";
  const text = String(x);
  return Number.isInteger(x) && Math.abs(x) >= TWO_53 && !text.includes("e") ? text + ".0" : text;
}
