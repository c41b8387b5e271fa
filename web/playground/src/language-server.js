// Hover and completion in the ruleset editor, answered by `vexil serve`
// (`POST api/hover`, `POST api/complete`) with the code of `vexil lsp`, so the
// playground and the editors say the same things. A page not served by
// `vexil serve` simply gets none (diagnostics still come from the package).

const KINDS = { 5: "property", 3: "function", 9: "namespace", 14: "keyword", 20: "enum", 13: "enum" };

/** The LSP position (0-based line, UTF-16 column: CodeMirror counts the same units) of a document offset. */
function position(state, pos) {
  const line = state.doc.lineAt(pos);
  return { line: line.number - 1, character: pos - line.from };
}

async function ask(path, state, pos) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ source: state.doc.toString(), ...position(state, pos) }),
    cache: "no-store",
  });
  return response.ok ? response.json() : null;
}

/** A little Markdown (`**bold**`, `` `code` ``, paragraphs) as DOM, without HTML injection. */
function markdown(text) {
  const root = document.createElement("div");
  root.className = "lsp-hover";
  for (const paragraph of text.split("\n\n")) {
    const p = document.createElement("p");
    for (const part of paragraph.split(/(\*\*[^*]+\*\*|`[^`]+`)/)) {
      if (!part) continue;
      if (part.startsWith("**")) {
        const b = document.createElement("strong");
        b.textContent = part.slice(2, -2).replaceAll("`", "");
        p.append(b);
      } else if (part.startsWith("`")) {
        const c = document.createElement("code");
        c.textContent = part.slice(1, -1);
        p.append(c);
      } else {
        p.append(part);
      }
    }
    root.append(p);
  }
  return root;
}

export async function serverHover(view, pos) {
  let hover;
  try {
    hover = await ask("api/hover", view.state, pos);
  } catch {
    return null;
  }
  const text = hover?.contents?.value;
  if (!text) return null;
  const line = (n) => view.state.doc.line(Math.min(n + 1, view.state.doc.lines));
  const from = hover.range ? line(hover.range.start.line).from + hover.range.start.character : pos;
  const to = hover.range ? line(hover.range.end.line).from + hover.range.end.character : pos;
  return { pos: from, end: to, above: true, create: () => ({ dom: markdown(text) }) };
}

export async function serverCompletion(context) {
  const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
  const before = context.state.sliceDoc(Math.max(0, context.pos - 1), context.pos);
  if (!word && !context.explicit && before !== "." && before !== " ") return null;
  let answer;
  try {
    answer = await ask("api/complete", context.state, context.pos);
  } catch {
    return null;
  }
  const items = answer?.items ?? [];
  if (!items.length) return null;
  return {
    from: word ? word.from : context.pos,
    options: items.map((item) => ({ label: item.label, detail: item.detail, type: KINDS[item.kind] ?? "variable" })),
    validFor: /^[A-Za-z_][A-Za-z0-9_]*$/,
  };
}
