// Vexil syntax highlighting for CodeMirror 6: a small StreamLanguage tokenizer
// (LANGUAGE.md §2). Clause words and type names are keywords only in their
// positions; the tokenizer approximates that with the previous token.
import { StreamLanguage } from "@codemirror/language";
import * as words from "./vexil-words.js";

const RESERVED = new Set(words.KEYWORDS);
const WORD_OPS = new Set(words.WORD_OPS);
const ATOMS = new Set(words.ATOMS);
const CLAUSES = new Set(words.CLAUSES);
const TYPES = new Set(words.TYPES);
const FUNCTIONS = new Set(words.FUNCTIONS);
const SPLIT_OPTIONS = new Set(words.SPLIT_OPTIONS);
// Longest first, so that `<=` is one token and not `<` then `=`.
const OPERATOR = new RegExp(
  `^(${[...words.SYMBOLS].sort((a, b) => b.length - a.length).map((s) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")).join("|")})`,
);

function startState() {
  return { inComment: false, afterColon: false, lineStart: true, afterDot: false };
}

function token(stream, state) {
  if (stream.sol()) state.lineStart = true;
  if (state.inComment) {
    if (stream.skipTo("*/")) {
      stream.match("*/");
      state.inComment = false;
    } else {
      stream.skipToEnd();
    }
    return "blockComment";
  }
  if (stream.eatSpace()) return null;
  const lineStart = state.lineStart;
  state.lineStart = false;
  const afterDot = state.afterDot;
  state.afterDot = false;

  if (stream.match("//")) {
    stream.skipToEnd();
    return "lineComment";
  }
  if (stream.match("/*")) {
    state.inComment = true;
    return token(stream, state) ?? "blockComment";
  }
  if (stream.match(/^r"[^"]*"?/)) return "special(string)";
  if (stream.peek() === '"') {
    stream.next();
    let escaped = false;
    let ch;
    while ((ch = stream.next()) != null) {
      if (ch === '"' && !escaped) break;
      escaped = !escaped && ch === "\\";
    }
    return "string";
  }
  if (stream.match(/^\d{4}-\d{2}-\d{2}\b/)) return "special(literal)";
  if (stream.match(/^\d+(\.\d+)?%/)) return "unit";
  if (stream.match(/^\d+(\.\d+([eE][+-]?\d+)?)?/)) return "number";
  if (stream.match(OPERATOR)) {
    state.afterColon = false;
    return "operator";
  }
  if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
    const word = stream.current();
    const afterColon = state.afterColon;
    state.afterColon = false;
    if (afterDot) return "propertyName";
    if (stream.peek() === ".") state.afterDot = true;
    if (RESERVED.has(word)) return "keyword";
    if (WORD_OPS.has(word)) return "operatorKeyword";
    if (ATOMS.has(word)) return "atom";
    if (TYPES.has(word) && (afterColon || /^\s*[<>?{,]/.test(stream.string.slice(stream.pos)) || lineStartType(stream)))
      return "typeName";
    if (CLAUSES.has(word) && lineStart) return "definitionKeyword";
    // `seed 42` and `modulo {` (or `modulo` at the end of a line before `{`): elsewhere they are names.
    if (SPLIT_OPTIONS.has(word) && /^\s*(\d|\{|$)/.test(stream.string.slice(stream.pos))) return "keyword";
    if (FUNCTIONS.has(word) && stream.peek() === "(") return "function(variableName)";
    if (state.afterDot) return "variableName";
    return "variableName";
  }
  if (stream.match(":")) {
    state.afterColon = true;
    return "punctuation";
  }
  if (stream.match(".")) {
    state.afterDot = true;
    return "punctuation";
  }
  stream.next();
  state.afterColon = false;
  return "punctuation";
}

function lineStartType(stream) {
  // `list<T>` and `T?` also appear right after `<`.
  const before = stream.string.slice(0, stream.start).trimEnd();
  return before.endsWith("<");
}

export const vexilLanguage = StreamLanguage.define({
  name: "vexil",
  startState,
  token,
  copyState: (s) => ({ ...s }),
  languageData: { commentTokens: { line: "//", block: { open: "/*", close: "*/" } } },
});
