// The extension without VS Code: its TextMate grammar tokenizes real Vexil
// the way the playground colours it (vscode-textmate with the Oniguruma
// engine VS Code uses), the committed grammar is the generated one, the
// manifest contributes what the README promises, and activation starts
// `vexil lsp` with the configured path.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { text as generated } from "../scripts/grammar.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(import.meta.url);
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

test("the committed grammar is the one generated from the playground's word tables", () => {
  assert.equal(readFileSync(join(root, "syntaxes", "vexil.tmLanguage.json"), "utf8"), generated());
});

async function tokenizer() {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(readFileSync(join(root, "syntaxes", "vexil.tmLanguage.json"), "utf8"), "vexil.tmLanguage.json"),
  });
  const grammar = await registry.loadGrammar("source.vexil");
  return (line) => {
    const { tokens } = grammar.tokenizeLine(line, textmate.INITIAL);
    return tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.at(-1)]);
  };
}

/** The scope of the first token whose text is `word`. */
const scopeOf = (tokens, word) => tokens.find(([text]) => text === word)?.[1];

test("the grammar colours keywords, clauses, types, operators, literals and paths", async () => {
  const tokenize = await tokenizer();
  let t = tokenize("flag new_checkout: list<Plan> {");
  assert.equal(scopeOf(t, "flag"), "keyword.control.vexil");
  assert.equal(scopeOf(t, "list"), "support.type.vexil");
  t = tokenize("  default false // fail closed");
  assert.equal(scopeOf(t, "default"), "keyword.other.clause.vexil");
  assert.equal(scopeOf(t, "false"), "constant.language.vexil");
  assert.equal(scopeOf(t, "// fail closed"), "comment.line.double-slash.vexil");
  t = tokenize('  rule eu: when user.state in ["DE"] and app.version >= "2.3.0" => split by user.id salt "x" seed 3 modulo { true: 10%, false: 90% }');
  for (const word of ["rule", "when", "split", "by", "salt"]) assert.equal(scopeOf(t, word), "keyword.control.vexil", word);
  for (const word of ["in", "and"]) assert.equal(scopeOf(t, word), "keyword.operator.word.vexil", word);
  assert.equal(scopeOf(t, "state"), "variable.other.property.vexil", "a clause word after `.` is a path part");
  assert.equal(scopeOf(t, ">="), "keyword.operator.vexil");
  assert.equal(scopeOf(t, "seed"), "keyword.other.split-option.vexil");
  assert.equal(scopeOf(t, "modulo"), "keyword.other.split-option.vexil");
  assert.equal(scopeOf(t, "10%"), "constant.numeric.percentage.vexil");
  assert.equal(scopeOf(t, "2.3.0"), "string.quoted.double.vexil");
  t = tokenize('segment adults = has(user.age) and user.age >= 18 and user.bio matches r"^\\d+$"');
  assert.equal(scopeOf(t, "has"), "entity.name.function.builtin.vexil");
  assert.equal(scopeOf(t, "18"), "constant.numeric.vexil");
  assert.equal(scopeOf(t, "^\\d+$"), "string.quoted.raw.vexil");
  t = tokenize("  expires 2027-03-01");
  assert.equal(scopeOf(t, "2027-03-01"), "constant.other.date.vexil");
  t = tokenize("  user.seed: string");
  assert.equal(scopeOf(t, "seed"), "variable.other.property.vexil", "`seed` is only a keyword before a number or `{`");
});

test("the manifest contributes the language, the grammar and the server path", () => {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const language = manifest.contributes.languages[0];
  assert.deepEqual([language.id, language.extensions], ["vexil", [".vx"]]);
  assert.equal(manifest.contributes.grammars[0].scopeName, "source.vexil");
  assert.equal(manifest.contributes.configuration.properties["vexil.path"].default, "vexil");
  const configuration = JSON.parse(readFileSync(join(root, language.configuration), "utf8"));
  assert.deepEqual(configuration.comments, { lineComment: "//", blockComment: ["/*", "*/"] });
});

test("activation starts `vexil lsp` with the configured binary", async () => {
  const Module = require("node:module");
  const started = [];
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      started.push({ id, serverOptions, selector: clientOptions.documentSelector });
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
    dispose() {}
  }
  const fakes = {
    vscode: {
      workspace: { getConfiguration: (section) => ({ get: (key) => (section === "vexil" && key === "path" ? "/opt/vexil/bin/vexil" : undefined) }) },
      window: { createOutputChannel: () => ({}), showErrorMessage: () => {} },
    },
    "vscode-languageclient/node": { LanguageClient },
  };
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request in fakes ? fakes[request] : load.call(this, request, ...rest);
  };
  try {
    const extension = require(join(root, "extension.js"));
    const context = { subscriptions: [] };
    await extension.activate(context);
    assert.deepEqual(started, [
      { id: "vexil", serverOptions: { command: "/opt/vexil/bin/vexil", args: ["lsp"] }, selector: [{ scheme: "file", language: "vexil" }, { scheme: "untitled", language: "vexil" }] },
    ]);
    assert.equal(context.subscriptions.length, 1);
    await extension.deactivate();
  } finally {
    Module._load = load;
  }
});
