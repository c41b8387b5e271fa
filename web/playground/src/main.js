// The Vexil playground: write a ruleset, see its diagnostics as you type,
// decide every flag against a context and `now`, and see why each flag
// decided what it did. Everything runs in the browser on the wasm package
// (web/pkg, built by `cargo xtask build-js`); nothing is sent anywhere.
import init, { analyze, parseTimestamp } from "../../pkg/vexil.js";
import { basicSetup } from "codemirror";
import { EditorView, keymap, hoverTooltip } from "@codemirror/view";
import { EditorState, Compartment } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { syntaxHighlighting, HighlightStyle } from "@codemirror/language";
import { json, jsonParseLinter } from "@codemirror/lang-json";
import { tags as t } from "@lezer/highlight";
import { vexilLanguage } from "./vexil-lang.js";
import { serverHover, serverCompletion } from "./language-server.js";
import EXAMPLES from "vexil-examples";

/**
 * Milliseconds of quiet after a keystroke before re-checking. 0 still
 * coalesces: every edit queued before the timer runs (a paste, a burst of
 * keys while the previous refresh ran) is checked once.
 */
const DEBOUNCE_MS = 0;

// ------------------------------------------------------------------ small DOM helpers

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// ------------------------------------------------------------------ offsets

/**
 * Maps the package's UTF-8 byte offsets to CodeMirror positions (UTF-16 code
 * units) for one text. ASCII text (the common case) maps to itself.
 */
function byteMapper(text) {
  if (!/[^\x00-\x7f]/.test(text)) return (b) => Math.max(0, Math.min(b, text.length));
  const map = [];
  let u = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let i = 0; i < bytes; i++) map.push(u);
    u += ch.length;
  }
  map.push(u);
  const last = map.length - 1;
  return (b) => map[Math.max(0, Math.min(b, last))];
}

// ------------------------------------------------------------------ editors

const highlight = HighlightStyle.define([
  { tag: t.keyword, color: "#7c3aed", fontWeight: "600" },
  { tag: t.definitionKeyword, color: "#0f766e", fontWeight: "600" },
  { tag: t.operatorKeyword, color: "#b45309", fontWeight: "600" },
  { tag: t.typeName, color: "#2563eb" },
  { tag: t.string, color: "#15803d" },
  { tag: t.special(t.string), color: "#047857", fontStyle: "italic" },
  { tag: t.number, color: "#c2410c" },
  { tag: t.unit, color: "#db2777", fontWeight: "600" },
  { tag: t.special(t.literal), color: "#9333ea" },
  { tag: t.atom, color: "#c2410c", fontWeight: "600" },
  { tag: [t.lineComment, t.blockComment], color: "#6b7280", fontStyle: "italic" },
  { tag: t.operator, color: "#b45309" },
  { tag: t.propertyName, color: "#0e7490" },
  { tag: t.function(t.variableName), color: "#1d4ed8" },
  { tag: t.variableName, color: "#111827" },
  { tag: t.punctuation, color: "#6b7280" },
  // JSON
  { tag: t.bool, color: "#c2410c", fontWeight: "600" },
  { tag: t.null, color: "#6b7280" },
]);

const editorTheme = EditorView.theme({
  "&": { height: "100%", fontSize: "13.5px" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.55" },
  ".cm-gutters": { background: "#f8fafc", borderRight: "1px solid #e5e7eb", color: "#9ca3af" },
  ".cm-activeLineGutter": { background: "#eef2ff" },
  ".cm-activeLine": { background: "#f5f7ff" },
  ".cm-tooltip-lint": { maxWidth: "560px" },
  ".lsp-hover": { maxWidth: "560px", padding: "4px 8px", fontSize: "12px" },
  ".lsp-hover p": { margin: "2px 0" },
  ".cm-traceMark": { background: "#fef3c7", outline: "1px solid #f59e0b", borderRadius: "2px" },
});

function renderDiagnosticMessage(diagnostic) {
  return () =>
    el(
      "div",
      { class: "lint-message" },
      el("div", {}, el("span", { class: `code code-${diagnostic.severity}` }, diagnostic.code), " ", diagnostic.message),
      diagnostic.help ? el("div", { class: "lint-help" }, "help: ", diagnostic.help) : null,
    );
}

const onRulesetChange = EditorView.updateListener.of((update) => {
  if (update.docChanged) {
    app.lastEditAt = performance.now();
    scheduleRefresh();
  }
});
const onContextChange = EditorView.updateListener.of((update) => {
  if (update.docChanged) scheduleRefresh();
});

const rulesetView = new EditorView({
  parent: $("#ruleset-editor"),
  state: EditorState.create({
    doc: "",
    extensions: [
      basicSetup,
      keymap.of([indentWithTab]),
      vexilLanguage,
      vexilLanguage.data.of({ autocomplete: serverCompletion }),
      hoverTooltip(serverHover, { hoverTime: 250 }),
      syntaxHighlighting(highlight),
      lintGutter(),
      editorTheme,
      onRulesetChange,
      EditorView.contentAttributes.of({ "aria-label": "Ruleset" }),
    ],
  }),
});

const contextView = new EditorView({
  parent: $("#context-editor"),
  state: EditorState.create({
    doc: "{}",
    extensions: [
      basicSetup,
      json(),
      syntaxHighlighting(highlight),
      editorTheme,
      onContextChange,
      EditorView.contentAttributes.of({ "aria-label": "Context (JSON)" }),
    ],
  }),
});

function setDoc(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function select(view, from, to = from) {
  view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
  view.focus();
}

// ------------------------------------------------------------------ state

const app = {
  /** The source last checked and its results (cached while only the context changes). */
  source: null,
  diagnostics: [],
  mapper: (b) => b,
  /** The last ruleset that compiled, with its source's offset mapper; `stale` when the editor has errors. */
  ruleset: null,
  rulesetSource: null,
  rulesetMapper: (b) => b,
  stale: false,
  context: {},
  contextError: null,
  nowError: null,
  decisions: null,
  selected: null,
  /** The ruleset as it was opened: what the Changes pane compares the editor with. */
  baseline: null,
  /** The source the Changes pane shows the diff of. */
  diffedSource: null,
  refreshes: 0,
  lastRefreshMs: 0,
  lastEditAt: 0,
  lastLatencyMs: 0,
};

let timer = null;
function scheduleRefresh() {
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

// ------------------------------------------------------------------ refresh

function refresh() {
  clearTimeout(timer);
  const started = performance.now();
  const source = rulesetView.state.doc.toString();
  const nowText = $("#now").value.trim();
  const nowValid = isRfc3339(nowText);
  app.nowError = nowValid ? null : "`now` must be an RFC 3339 instant, e.g. 2026-11-21T10:00:00Z";

  if (source !== app.source || nowText !== app.nowText) {
    app.source = source;
    app.nowText = nowText;
    app.mapper = byteMapper(source);
    // One pass: diagnostics, and the ruleset when there is no error.
    let analysis;
    try {
      analysis = analyze(source, nowValid ? { today: nowText } : undefined);
    } catch (error) {
      analysis = {
        diagnostics: [
          { severity: "error", code: "—", message: String(error.message ?? error), line: 1, column: 1, start: 0, end: 0 },
        ],
      };
    }
    app.diagnostics = analysis.diagnostics;
    const errors = app.diagnostics.some((d) => d.severity === "error");
    if (analysis.ruleset) {
      app.ruleset?.free();
      app.ruleset = analysis.ruleset;
      app.rulesetSource = source;
      app.rulesetMapper = app.mapper;
      app.flags = new Map(analysis.ruleset.flags.map((f) => [f.key, f]));
    }
    app.stale = errors || app.rulesetSource !== source;
    pushDiagnostics();
    renderProblems();
    scheduleDiff(errors);
  }

  readContext();
  evaluate(nowValid ? nowText : undefined);
  renderDecisions();
  renderExplain();
  renderNow();

  app.refreshes++;
  app.lastRefreshMs = performance.now() - started;
  app.lastLatencyMs = app.lastEditAt ? performance.now() - app.lastEditAt : 0;
  $("#timing").textContent = `checked and decided in ${app.lastRefreshMs.toFixed(1)} ms`;
  document.dispatchEvent(new CustomEvent("vexil:refreshed", { detail: { ms: app.lastRefreshMs } }));
}

/** Whether `evaluate` accepts the text as `now` (the package's own RFC 3339 reader decides). */
function isRfc3339(text) {
  try {
    parseTimestamp(text);
    return true;
  } catch {
    return false;
  }
}

function readContext() {
  const view = contextView;
  const text = view.state.doc.toString();
  if (text === app.contextText) return;
  app.contextText = text;
  let diagnostics = jsonParseLinter()(view);
  let message = diagnostics[0]?.message ?? null;
  if (!message) {
    const value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      message = "The context must be a JSON object, e.g. {\"user\": {\"id\": \"u-1\"}}";
      diagnostics = [{ from: 0, to: text.length, severity: "error", message }];
    } else {
      app.context = value;
    }
  }
  if (message && !/line \d+/.test(message)) {
    const pos = diagnostics[0]?.from ?? 0;
    const line = view.state.doc.lineAt(Math.min(pos, view.state.doc.length));
    message = `${message} (line ${line.number}, column ${pos - line.from + 1})`;
  }
  app.contextError = message;
  view.dispatch(setDiagnostics(view.state, diagnostics));
  const box = $("#context-status");
  box.textContent = message ? `Invalid context: ${message}. Decisions use the last valid context.` : "Valid JSON object";
  box.className = message ? "field-status bad" : "field-status ok";
}

function evaluate(now) {
  app.evalError = null;
  if (!app.ruleset) {
    app.decisions = null;
    return;
  }
  try {
    app.decisions = app.ruleset.evaluateAll(app.context, now ? { now } : undefined);
  } catch (error) {
    app.evalError = String(error.message ?? error);
  }
}

// ------------------------------------------------------------------ diagnostics

function pushDiagnostics() {
  const length = rulesetView.state.doc.length;
  const diagnostics = app.diagnostics.map((d) => {
    const from = Math.min(app.mapper(d.start), length);
    const to = Math.min(Math.max(app.mapper(d.end), from), length);
    return {
      from,
      to,
      severity: d.severity === "warning" ? "warning" : "error",
      message: `${d.code}: ${d.message}${d.help ? `\nhelp: ${d.help}` : ""}`,
      renderMessage: renderDiagnosticMessage(d),
    };
  });
  rulesetView.dispatch(setDiagnostics(rulesetView.state, diagnostics));
}

function renderProblems() {
  const list = $("#problems");
  const errors = app.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = app.diagnostics.length - errors;
  const summary = $("#problems-summary");
  if (app.diagnostics.length === 0) {
    summary.textContent = "No problems";
    summary.className = "badge ok";
  } else {
    summary.textContent = [errors && plural(errors, "error"), warnings && plural(warnings, "warning")]
      .filter(Boolean)
      .join(", ");
    summary.className = errors ? "badge bad" : "badge warn";
  }
  list.replaceChildren(
    ...app.diagnostics.map((d) =>
      el(
        "li",
        {
          class: `problem ${d.severity}`,
          tabindex: "0",
          dataset: { code: d.code, line: d.line, column: d.column },
          title: "Go to this problem",
          onclick: () => select(rulesetView, Math.min(app.mapper(d.start), rulesetView.state.doc.length)),
          onkeydown: (event) => event.key === "Enter" && event.currentTarget.click(),
        },
        el("span", { class: `code code-${d.severity}` }, d.code),
        el(
          "span",
          { class: "problem-text" },
          el("span", { class: "problem-message" }, d.message),
          d.help ? el("span", { class: "problem-help" }, `help: ${d.help}`) : null,
        ),
        el("span", { class: "problem-pos" }, `${d.line}:${d.column}`),
      ),
    ),
  );
  if (app.diagnostics.length === 0) {
    list.append(el("li", { class: "problem none" }, "The ruleset checks cleanly: every flag below is decided by it."));
  }
}

// ------------------------------------------------------------------ decisions

const REASON_HELP = {
  STATIC: "No rules: the flag's default is its value",
  DEFAULT: "No rule matched: the default applies",
  TARGETING_MATCH: "A rule matched",
  SPLIT: "A rule matched and its split chose the variant",
  DISABLED: "The flag is switched off (state off): the off value applies",
  PREREQUISITE_FAILED: "A required flag did not have the expected value",
  ERROR: "The flag could not be evaluated: the on_error value applies",
};

/** JSON.stringify replacer for values beyond ±(2^53−1), which the package gives as BigInt. */
function bigints(_key, value) {
  return typeof value === "bigint" ? `${value}n` : value;
}

function formatValue(value) {
  if (value === undefined) return "—";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function renderDecisions() {
  const body = $("#decisions tbody");
  const banner = $("#decisions-banner");
  const notes = [];
  if (!app.ruleset) notes.push("Fix the errors in the ruleset to see decisions.");
  else if (app.stale) notes.push("The ruleset has errors: these are the decisions of the last version that compiled.");
  if (app.contextError) notes.push("The context is not valid JSON: decisions use the last valid context.");
  if (app.nowError) notes.push(`${app.nowError}; the current time is used.`);
  if (app.evalError) notes.push(app.evalError);
  banner.replaceChildren(...notes.map((n) => el("div", {}, n)));
  banner.hidden = notes.length === 0;
  $("#decisions").classList.toggle("stale", app.stale || !!app.contextError);

  const decisions = app.decisions?.decisions ?? [];
  if (decisions.length && !decisions.some((d) => d.flag === app.selected)) app.selected = decisions[0].flag;
  $("#version").textContent = app.decisions ? `ruleset ${app.decisions.ruleset_version} · now ${app.decisions.now}` : "";
  // Typing usually leaves the decisions as they were: keep the DOM then.
  const key = JSON.stringify([app.selected, decisions.map(({ ruleset_version, ...d }) => d)], bigints);
  if (key === app.decisionsKey) return;
  app.decisionsKey = key;
  body.replaceChildren(
    ...decisions.map((d) =>
      el(
        "tr",
        {
          class: d.flag === app.selected ? "selected" : null,
          tabindex: "0",
          dataset: { flag: d.flag, reason: d.reason },
          title: "Explain this decision",
          onclick: () => {
            app.selected = d.flag;
            renderDecisions();
            renderExplain();
          },
          onkeydown: (event) => event.key === "Enter" && event.currentTarget.click(),
        },
        el("td", { class: "flag" }, d.flag),
        el("td", { class: `value value-${typeof d.value}` }, formatValue(d.value)),
        el("td", { class: "variant" }, d.variant ?? "—"),
        el("td", {}, el("span", { class: `reason reason-${d.reason}`, title: REASON_HELP[d.reason] }, d.reason)),
        el("td", { class: "rule" }, d.rule ?? (d.prerequisite ? `requires ${d.prerequisite}` : "")),
        el(
          "td",
          { class: "error" },
          d.error_code ? el("span", { class: "code code-error" }, d.error_code) : null,
          d.error_message ? ` ${d.error_message}` : "",
        ),
      ),
    ),
  );
}

// ------------------------------------------------------------------ explain

function valueClass(value) {
  if (value === "true") return "val val-true";
  if (value === "false") return "val val-false";
  return "val";
}

function goToSpan(start, end) {
  if (app.rulesetSource !== rulesetView.state.doc.toString()) return;
  const from = app.rulesetMapper(start);
  const to = app.rulesetMapper(end);
  // Trace spans may include trailing whitespace: select the trimmed text.
  const text = rulesetView.state.sliceDoc(from, to);
  select(rulesetView, from, from + text.trimEnd().length);
}

/** A condition and its sub-expressions; `open` levels are expanded. */
function traceNode(trace, open, depth = 0) {
  const children = trace.children ?? [];
  const label = el(
    "div",
    { class: "trace-line", title: "Show in the ruleset", onclick: () => goToSpan(trace.start, trace.end) },
    el("code", { class: "trace-text" }, trace.text.trim().replace(/\s+/g, " ")),
    trace.value !== undefined ? el("span", { class: valueClass(trace.value) }, trace.value) : null,
    trace.error ? el("span", { class: "val val-error" }, trace.error) : null,
  );
  if (!children.length) return el("li", { class: "trace-leaf" }, label);
  return el(
    "li",
    {},
    el("details", { open: depth < open }, el("summary", {}, label), el("ul", {}, children.map((c) => traceNode(c, open, depth + 1)))),
  );
}

function splitView(split) {
  const total = split.total || 1;
  let acc = 0;
  const ranges = split.entries.map((entry, i) => {
    const range = { ...entry, from: acc, to: acc + entry.weight, chosen: i === split.chosen };
    acc += entry.weight;
    return range;
  });
  const pct = (n) => `${((n / total) * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
  return el(
    "div",
    { class: "split" },
    el(
      "div",
      { class: "split-facts" },
      el("span", {}, "unit ", el("code", { class: "split-unit" }, split.unit ?? "— (missing)")),
      el("span", {}, "salt ", el("code", {}, split.salt)),
      split.seed ? el("span", {}, "seed ", el("code", {}, String(split.seed))) : null,
      el(
        "span",
        { class: "split-bucket", title: split.modulo ? "bucket = hash mod total (modulo)" : "bucket = (hash × total) >> 32" },
        "bucket ",
        el("strong", {}, split.bucket ?? "—"),
        ` of ${split.total}${split.modulo ? " (hash mod total)" : ""}`,
      ),
    ),
    el(
      "div",
      { class: "split-bar", role: "img", "aria-label": "split weights" },
      ranges.map((r) =>
        el(
          "div",
          {
            class: `split-seg${r.chosen ? " chosen" : ""}`,
            style: `flex-grow:${r.weight}`,
            title: `${r.variant}: buckets ${r.from}–${r.to - 1}`,
          },
          `${r.variant} ${pct(r.weight)}`,
        ),
      ),
      split.bucket !== undefined
        ? el("div", { class: "split-marker", style: `left:${(split.bucket / total) * 100}%`, title: `bucket ${split.bucket}` })
        : null,
    ),
    el(
      "table",
      { class: "split-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "variant"), el("th", {}, "weight"), el("th", {}, "buckets"), el("th", {}))),
      el(
        "tbody",
        {},
        ranges.map((r) =>
          el(
            "tr",
            { class: r.chosen ? "chosen" : null },
            el("td", {}, el("code", {}, r.variant)),
            el("td", {}, `${r.weight} (${pct(r.weight)})`),
            el("td", {}, r.weight ? `${r.from} – ${r.to - 1}` : "none"),
            el("td", {}, r.chosen ? "◀ chosen" : ""),
          ),
        ),
      ),
    ),
  );
}

function renderExplain() {
  const panel = $("#explain");
  panel.classList.toggle("stale", app.stale || !!app.contextError);
  const flag = app.selected;
  if (!app.ruleset || !flag || !app.flags?.has(flag)) {
    app.explainKey = null;
    panel.replaceChildren(el("p", { class: "muted" }, "Select a flag in the table to see why it decided what it did."));
    return;
  }
  let explanation;
  try {
    const now = app.nowError ? undefined : app.nowText;
    explanation = app.ruleset.explain(flag, app.context, now ? { now } : undefined);
  } catch (error) {
    app.explainKey = null;
    panel.replaceChildren(el("p", { class: "bad" }, String(error.message ?? error)));
    return;
  }
  const key = JSON.stringify([flag, app.rulesetSource === rulesetView.state.doc.toString(), explanation, app.flags.get(flag)], (k, v) =>
    k === "ruleset_version" ? undefined : bigints(k, v),
  );
  if (key === app.explainKey) return;
  app.explainKey = key;
  const info = app.flags.get(flag);
  const d = explanation.decision;
  const meta = [info.type, info.kind, info.owner && `owner ${info.owner}`, info.expires && `expires ${info.expires}`]
    .filter(Boolean)
    .join(" · ");
  const matched = explanation.rules.find((r) => r.matched);
  const children = [
    el(
      "div",
      { class: "explain-head" },
      el("h3", {}, el("code", {}, flag), " = ", el("span", { class: "explain-value" }, d.variant ?? "—")),
      el("span", { class: `reason reason-${d.reason}` }, d.reason),
    ),
    el("div", { class: "muted" }, meta, info.description ? ` — ${info.description}` : ""),
    el("p", { class: "explain-why" }, summarize(explanation, info)),
  ];
  if (explanation.prerequisites.length) {
    children.push(el("h4", {}, "Prerequisites"));
    children.push(
      el(
        "ul",
        { class: "prereqs" },
        explanation.prerequisites.map((p) =>
          el(
            "li",
            { class: p.holds ? "holds" : "fails" },
            el("span", { class: "mark" }, p.holds ? "✓" : "✗"),
            el("code", {}, `${p.flag} == ${p.expected}`),
            " — actual ",
            el("code", {}, p.actual ?? "—"),
            el("span", { class: `reason reason-${p.reason}` }, p.reason),
          ),
        ),
      ),
    );
  }
  if (explanation.rules.length) {
    children.push(el("h4", {}, "Rules, in order"));
    for (const rule of explanation.rules) {
      const status = rule.matched ? "matched" : rule.condition.error ? "error" : "no match";
      children.push(
        el(
          "section",
          { class: `rule-card ${rule.matched ? "matched" : rule.condition.error ? "errored" : ""}`, dataset: { rule: rule.rule } },
          el(
            "div",
            { class: "rule-head" },
            el("a", { href: "#", onclick: (e) => (e.preventDefault(), goToSpan(rule.start, rule.end)) }, `rule ${rule.rule}`),
            el("span", { class: "rule-status" }, status),
          ),
          // The deciding rule is expanded; the others show their condition's value (expand to dig in).
          el("ul", { class: "trace" }, traceNode(rule.condition, rule.matched || rule.condition.error ? 2 : 0)),
          rule.split ? splitView(rule.split) : null,
        ),
      );
    }
    if (matched && d.rule === matched.rule) {
      children.push(el("p", { class: "muted" }, "Rules after the first match are not evaluated."));
    }
  }
  panel.replaceChildren(...children);
}

function summarize(explanation, info) {
  const d = explanation.decision;
  switch (d.reason) {
    case "STATIC":
      return "The flag has no rules, so its default applies.";
    case "DEFAULT":
      return `None of the ${plural(explanation.rules.length, "rule")} matched, so the default ${d.variant} applies.`;
    case "TARGETING_MATCH":
      return `Rule ${d.rule} is the first rule whose condition is true; it gives ${d.variant}.`;
    case "SPLIT": {
      const split = explanation.rules.find((r) => r.rule === d.rule)?.split;
      return split
        ? `Rule ${d.rule} matched; its split put unit ${JSON.stringify(split.unit)} in bucket ${split.bucket} of ${split.total}, which falls in ${d.variant}'s range.`
        : `Rule ${d.rule} matched and its split chose ${d.variant}.`;
    }
    case "DISABLED":
      return `The flag is switched off (state off), so its off value ${d.variant} applies without evaluating rules.`;
    case "PREREQUISITE_FAILED":
      return `Prerequisite ${d.prerequisite} does not hold, so the default ${d.variant} applies.`;
    case "ERROR":
      return `Evaluation failed (${d.error_code}: ${d.error_message ?? ""}), so on_error ${d.variant ?? info.on_error_variant} applies.`;
    default:
      return "";
  }
}

// ------------------------------------------------------------------ now

function renderNow() {
  const input = $("#now");
  input.classList.toggle("invalid", !!app.nowError);
  $("#now-status").textContent = app.nowError ?? "";
}

function currentInstant() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ------------------------------------------------------------------ examples, sharing

/**
 * A context with a sample value for every attribute of the ruleset's schema
 * (`ruleset.schema`, from the package): the last ruleset that compiled, when
 * the editor has errors.
 */
function contextSkeleton(ruleset) {
  const context = {};
  if (!ruleset) return context;
  const sample = (type, members) => {
    const list = /^list<(.+)>$/.exec(type);
    if (list) return [sample(list[1], members)];
    switch (type) {
      case "string": return "";
      case "int": return 0;
      case "float": return 0.5;
      case "bool": return false;
      case "semver": return "1.0.0";
      case "timestamp": return currentInstant();
      case "ip": return "192.0.2.1";
      default: return members?.[0] ?? "";
    }
  };
  for (const attr of ruleset.schema) {
    const path = attr.path.split(".");
    let node = context;
    for (const key of path.slice(0, -1)) node = node[key] = typeof node[key] === "object" ? node[key] : {};
    node[path.at(-1)] = sample(attr.type, attr.members);
  }
  return context;
}

// ------------------------------------------------------------------ changes

const DIFF_DEBOUNCE_MS = 250;
let diffTimer = null;
let diffRequest = 0;

/** The Changes pane: the semantic diff (`vexil_review::diff`, through `vexil serve`'s `POST api/diff`) of the ruleset as opened and as edited. */
function scheduleDiff(errors) {
  clearTimeout(diffTimer);
  const source = app.source;
  if (app.baseline == null || source === app.baseline) {
    showChanges(source, "No edits yet.", true);
    return;
  }
  if (errors) {
    showChanges(source, "Fix the problems above to see what the edit changes.", true);
    return;
  }
  diffTimer = setTimeout(() => diff(app.baseline, source), DIFF_DEBOUNCE_MS);
}

async function diff(old, source) {
  const request = ++diffRequest;
  let text;
  let quiet = false;
  try {
    const response = await fetch("api/diff", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ old, new: source }),
      cache: "no-store",
    });
    const body = await response.json().catch(() => null);
    if (response.ok && body) {
      text = body.text;
      quiet = body.empty;
    } else if (response.status === 422 && body) {
      text = `Nothing to compare: ${body.errorDetails}`;
      quiet = true;
    } else {
      text = "The semantic diff comes from `vexil serve`; this page is not served by it.";
      quiet = true;
    }
  } catch {
    text = "The semantic diff comes from `vexil serve`, which did not answer.";
    quiet = true;
  }
  // An answer to an older edit is dropped.
  if (request === diffRequest) showChanges(source, text, quiet);
}

function showChanges(source, text, quiet) {
  const pane = $("#changes");
  pane.textContent = text;
  pane.classList.toggle("muted", quiet);
  app.diffedSource = source;
  document.dispatchEvent(new CustomEvent("vexil:diffed", { detail: { text } }));
}

/** Loads a ruleset, a context (or, when `contextText` is null, a skeleton of the ruleset's schema), `now` and a selected flag. */
function load(source, contextText, now, flag) {
  app.baseline = source;
  setDoc(rulesetView, source);
  setDoc(contextView, contextText ?? "{}");
  $("#now").value = now ?? currentInstant();
  app.selected = flag ?? null;
  refresh();
  if (contextText == null) {
    // The skeleton of this source's schema; a source that does not compile gets `{}`.
    const compiled = app.rulesetSource === source ? app.ruleset : null;
    setDoc(contextView, JSON.stringify(contextSkeleton(compiled), null, 2));
    refresh();
  }
}

function loadExample(name) {
  const example = EXAMPLES[name];
  if (!example) return;
  load(example.source, JSON.stringify(example.context, null, 2), undefined, example.flag);
}

function base64url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, transform) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(transform)).arrayBuffer());
}

/** The share fragment: `#s=` + `z` (deflate-raw) or `j` (plain) + base64url of the JSON state. */
async function shareFragment() {
  const state = {
    v: 1,
    ruleset: rulesetView.state.doc.toString(),
    context: contextView.state.doc.toString(),
    now: $("#now").value.trim(),
    flag: app.selected ?? undefined,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  if (typeof CompressionStream === "function") {
    return `#s=z${base64url(await pipe(bytes, new CompressionStream("deflate-raw")))}`;
  }
  return `#s=j${base64url(bytes)}`;
}

async function readFragment(hash) {
  const match = /^#s=([zj])([A-Za-z0-9_-]*)$/.exec(hash);
  if (!match) return null;
  let bytes = fromBase64url(match[2]);
  if (match[1] === "z") bytes = await pipe(bytes, new DecompressionStream("deflate-raw"));
  const state = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof state.ruleset !== "string" || typeof state.context !== "string") throw new Error("not a playground link");
  return state;
}

async function share() {
  const fragment = await shareFragment();
  history.replaceState(null, "", fragment);
  const url = location.href;
  $("#share-url").value = url;
  $("#share-box").hidden = false;
  $("#share-url").select();
  try {
    await navigator.clipboard.writeText(url);
    $("#share-note").textContent = "Link copied to the clipboard. It holds the ruleset, the context and now.";
  } catch {
    $("#share-note").textContent = "Copy this link: it holds the ruleset, the context and now.";
  }
}

async function loadFromFragment() {
  try {
    const state = await readFragment(location.hash);
    if (!state) return false;
    load(state.ruleset, state.context, state.now, state.flag);
    $("#example").value = "";
    return true;
  } catch (error) {
    $("#timing").textContent = `Could not read the shared link: ${error.message ?? error}`;
    return false;
  }
}

/** Rulesets given to `vexil serve FILE…` (absent when the page is served some other way). */
async function serverRulesets() {
  try {
    const response = await fetch("api/rulesets", { cache: "no-store" });
    if (!response.ok) return [];
    const body = await response.json();
    return Array.isArray(body.rulesets) ? body.rulesets : [];
  } catch {
    return [];
  }
}

function buildPicker(served) {
  const picker = $("#example");
  const groups = [];
  if (served.length) {
    groups.push(
      el(
        "optgroup",
        { label: "From vexil serve" },
        served.map((r, i) =>
          el("option", { value: `served:${i}`, disabled: !!r.error, title: r.error ?? r.path }, r.error ? `${r.name} (unreadable: ${r.error})` : r.name),
        ),
      ),
    );
  }
  groups.push(
    el(
      "optgroup",
      { label: "Examples" },
      Object.entries(EXAMPLES).map(([name, e]) => el("option", { value: `example:${name}` }, `${name}.vx — ${e.title}`)),
    ),
  );
  picker.replaceChildren(el("option", { value: "", disabled: true }, "Open a ruleset…"), ...groups);
  picker.addEventListener("change", () => {
    const [kind, key] = picker.value.split(/:(.*)/s);
    if (kind === "example") loadExample(key);
    if (kind === "served") loadServed(served[Number(key)]);
    history.replaceState(null, "", location.pathname + location.search);
  });
}

function loadServed(ruleset) {
  const base = ruleset.name.replace(/^.*\//, "").replace(/\.vx$/, "");
  const example = EXAMPLES[base];
  const context = example && example.source === ruleset.source ? JSON.stringify(example.context, null, 2) : null;
  load(ruleset.source, context, undefined, example?.flag);
}

// ------------------------------------------------------------------ start

async function main() {
  await init({ module_or_path: new URL("vexil_bg.wasm", document.baseURI) });
  const served = await serverRulesets();
  buildPicker(served);
  $("#now").addEventListener("input", scheduleRefresh);
  $("#now-reset").addEventListener("click", () => {
    $("#now").value = currentInstant();
    refresh();
  });
  $("#share").addEventListener("click", share);
  $("#changes-revert").addEventListener("click", () => {
    if (app.baseline != null) setDoc(rulesetView, app.baseline);
    refresh();
  });
  $("#share-close").addEventListener("click", () => ($("#share-box").hidden = true));
  $("#fill-context").addEventListener("click", () => {
    const merged = mergeMissing(app.contextError ? {} : app.context, contextSkeleton(app.ruleset));
    setDoc(contextView, JSON.stringify(merged, null, 2));
    refresh();
  });
  window.addEventListener("hashchange", loadFromFragment);

  if (!(await loadFromFragment())) {
    const first = served.findIndex((r) => typeof r.source === "string");
    if (first >= 0) {
      $("#example").value = `served:${first}`;
      loadServed(served[first]);
    } else {
      $("#example").value = "example:checkout";
      loadExample("checkout");
    }
  }
  document.body.classList.add("ready");
}

function mergeMissing(target, defaults) {
  const out = { ...target };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in out)) out[key] = value;
    else if (value && typeof value === "object" && !Array.isArray(value) && out[key] && typeof out[key] === "object") {
      out[key] = mergeMissing(out[key], value);
    }
  }
  return out;
}

// For the browser tests and the curious: the editors and the live state.
window.vexilPlayground = { app, rulesetView, contextView, refresh, shareFragment, setDoc, engine: { analyze, parseTimestamp } };

main().catch((error) => {
  $("#timing").textContent = `The playground could not start: ${error.message ?? error}`;
  console.error(error);
});
