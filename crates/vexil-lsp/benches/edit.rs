//! The cost of one edit in `vexil lsp`: apply a one-character change to a
//! 2,000-line ruleset and re-check it with the index (what the server does on
//! every `didChange` before it publishes diagnostics). Target: ≤ 20 ms.
//!
//! `cargo bench -p vexil-lsp --bench edit`

use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

/// A ruleset of about 2,000 lines: a context, segments and flags with rules.
fn ruleset() -> String {
    let mut out = String::from("enum Plan { free, pro, gold }\n\ncontext {\n");
    for i in 0..40 {
        out += &format!("  user.a{i}: int?\n  user.s{i}: string\n");
    }
    out += "  user.plan: Plan\n  app.version: semver\n}\n\n";
    for i in 0..40 {
        out += &format!("segment seg{i} = user.s{i} starts_with \"x{i}\" or user.plan == gold\n");
    }
    let mut i = 0;
    while out.lines().count() < 2000 {
        out += &format!(
            "\nflag f{i}: int {{\n  description \"flag {i}\"\n  kind release\n  owner \"team\"\n  default 0\n  rule a: when seg{} and has(user.a{}) and user.a{} > {i} => 1\n  rule b: when app.version >= \"1.{i}.0\" => split by user.s1 {{ 2: 50%, 3: 50% }}\n  rule c: when user.plan in [pro, gold] => 4\n}}\n",
            i % 40,
            i % 40,
            i % 40
        );
        i += 1;
    }
    out
}

fn frame(message: &serde_json::Value) -> String {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

fn bench(c: &mut Criterion) {
    let source = ruleset();
    let lines = source.lines().count();
    let uri = "file:///bench.vx";
    let open = frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "vexil", "version": 1, "text": source}}}));
    let init = frame(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}));
    let mut server = vexil_lsp::Server::new(None);
    for text in [init, open] {
        let mut reader = Cursor::new(text.into_bytes());
        if let Ok(vexil_lsp::transport::Read::Message(message)) = vexil_lsp::transport::read(&mut reader) {
            server.handle(message);
        }
    }
    let mut version = 1;
    c.bench_function(&format!("one edit of a {lines}-line ruleset: apply, re-check, diagnostics"), |b| {
        b.iter(|| {
            version += 1;
            // Type one character into a description, then the server re-checks.
            let change = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": 100, "character": 16}, "end": {"line": 100, "character": 17}}, "text": if version % 2 == 0 { "x" } else { "y" }}]}});
            let message: lsp_server::Message = serde_json::from_value(change).unwrap_or_else(|_| std::process::abort());
            server.handle(message)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
