#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil lsp` driven over stdio with real JSON-RPC messages: initialize,
//! open, hover, definition, references, completion, rename, formatting,
//! quick fixes, semantic tokens, change, shutdown, exit; and garbage it must
//! survive. Positions are LSP's: lines from 0, columns in UTF-16 code units,
//! worked out by hand for the ruleset below, whose line 10 has an "ë" (2
//! bytes, 1 unit) and a "🚩" (4 bytes, 2 units) before the names on it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

const RULESET: &str = "context {
  user.country: string
  user.name: string
  user.plan: Plan
}
enum Plan { free, pro }
segment eu = user.country in [\"DE\", \"FR\"]
flag a: bool {
  owner \"t\"
  default false
  rule r: when /* Zoë 🚩 */ eu and user.contry == \"DE\" => true
}
flag b: Plan {
  owner \"t\"
  requires a == true
  default free
}
";

const URI: &str = "file:///work/flags.vx";

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vexil"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if stdout.read_exact(&mut body).is_err() {
                    return;
                }
                if sender.send(serde_json::from_slice::<Value>(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, messages, notifications: Vec::new() }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.messages.recv_timeout(Duration::from_secs(20)).expect("a message from the server")
    }

    /// The response to request `id`, keeping notifications that come first.
    fn response(&mut self, id: i64) -> Value {
        loop {
            let message = self.next();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            self.notifications.push(message);
        }
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    /// The next diagnostics published for the document.
    fn diagnostics(&mut self) -> Value {
        if let Some(i) = self.notifications.iter().position(|n| n["method"] == "textDocument/publishDiagnostics") {
            return self.notifications.remove(i)["params"].clone();
        }
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"].clone();
            }
        }
    }
}

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}})
}

fn labels(completion: &Value) -> Vec<String> {
    let mut labels: Vec<String> =
        completion["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_owned()).collect();
    labels.sort();
    labels
}

#[test]
fn a_session_from_open_to_exit() {
    let mut client = Client::start();
    let init = client.request(1, "initialize", json!({"capabilities": {}}));
    let capabilities = &init["result"]["capabilities"];
    assert_eq!(capabilities["textDocumentSync"], 2, "incremental sync");
    assert_eq!(capabilities["hoverProvider"], true);
    assert_eq!(capabilities["renameProvider"]["prepareProvider"], true);
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "vexil", "version": 1, "text": RULESET}}),
    );

    // The misspelt attribute: line 10, UTF-16 columns 35..46 (bytes 38..49).
    let published = client.diagnostics();
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0101");
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["range"], range(10, 35, 46));
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("help: did you mean `user.country`?"));

    // Hover: a segment's definition; an attribute's declared type; a flag; an operator.
    let hover = client.request(2, "textDocument/hover", at(10, 28));
    assert_eq!(hover["result"]["contents"]["value"], "**segment** `eu` = `user.country in [\"DE\", \"FR\"]`");
    assert_eq!(hover["result"]["range"], range(10, 28, 30));
    let hover = client.request(3, "textDocument/hover", at(6, 20));
    assert_eq!(hover["result"]["contents"]["value"], "**context attribute** `user.country`: `string`");
    let hover = client.request(4, "textDocument/hover", at(14, 11));
    assert_eq!(hover["result"]["contents"]["value"], "**flag** `a`: `bool` — owner `t` · default `false` · 1 rule(s)");
    let hover = client.request(5, "textDocument/hover", at(6, 27));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**`in`** — "), "{text}");
    assert!(text.ends_with("`user.country in [\"DE\", \"FR\"]`: `bool`"), "{text}");
    let hover = client.request(6, "textDocument/hover", at(15, 12));
    assert_eq!(hover["result"]["contents"]["value"], "**member** `free` of enum `Plan`");

    // Definition and references.
    let definition = client.request(7, "textDocument/definition", at(10, 29));
    assert_eq!(definition["result"]["range"], range(6, 8, 10));
    let definition = client.request(8, "textDocument/definition", at(14, 11));
    assert_eq!(definition["result"]["range"], range(7, 5, 6));
    let mut references = at(1, 4);
    references["context"] = json!({"includeDeclaration": true});
    let references = client.request(9, "textDocument/references", references);
    let ranges: Vec<&Value> = references["result"].as_array().unwrap().iter().map(|l| &l["range"]).collect();
    assert_eq!(ranges, [&range(1, 2, 14), &range(6, 13, 25)]);
    let mut references = at(5, 12);
    references["context"] = json!({"includeDeclaration": false});
    let references = client.request(10, "textDocument/references", references);
    assert_eq!(
        references["result"].as_array().unwrap().iter().map(|l| &l["range"]).collect::<Vec<_>>(),
        [&range(15, 10, 14)]
    );

    // Completion: after `user.` (line 10, column 40); flags after `requires `;
    // members where the flag's enum is expected; clause keywords in a flag.
    assert_eq!(labels(&client.request(11, "textDocument/completion", at(10, 40))), ["country", "name", "plan"]);
    assert_eq!(labels(&client.request(12, "textDocument/completion", at(14, 11))), ["a"]);
    assert_eq!(labels(&client.request(13, "textDocument/completion", at(15, 10))), ["free", "pro"]);
    let clauses = labels(&client.request(14, "textDocument/completion", at(13, 2)));
    assert!(clauses.contains(&"on_error".to_owned()) && clauses.contains(&"requires".to_owned()), "{clauses:?}");

    // Rename the segment: its declaration and its use.
    let prepare = client.request(15, "textDocument/prepareRename", at(10, 29));
    assert_eq!(prepare["result"], range(10, 28, 30));
    let mut rename = at(10, 29);
    rename["newName"] = json!("europe");
    let rename = client.request(16, "textDocument/rename", rename);
    let edits = rename["result"]["changes"][URI].as_array().unwrap();
    assert_eq!(edits.iter().map(|e| &e["range"]).collect::<Vec<_>>(), [&range(6, 8, 10), &range(10, 28, 30)]);
    assert!(edits.iter().all(|e| e["newText"] == "europe"));
    let mut bad = at(10, 29);
    bad["newName"] = json!("when");
    assert_eq!(client.request(17, "textDocument/rename", bad)["error"]["code"], -32602);

    // The quick fix for the diagnostic.
    let actions = client.request(
        18,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": range(10, 36, 36), "context": {"diagnostics": []}}),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "Replace with `user.country`");
    assert_eq!(action["edit"]["changes"][URI][0], json!({"range": range(10, 35, 46), "newText": "user.country"}));

    // Formatting is `vexil fmt`'s layout: one edit of the whole text.
    let formatting = client.request(
        19,
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edit = &formatting["result"][0];
    assert_eq!(edit["range"], json!({"start": {"line": 0, "character": 0}, "end": {"line": 17, "character": 0}}));
    assert!(edit["newText"].as_str().unwrap().starts_with("context {\n  user.country: string\n"));
    assert!(edit["newText"].as_str().unwrap().contains("}\n\nenum Plan { free, pro }\n"));

    // Semantic tokens: five integers per resolved name; the first is `user.country`'s declaration.
    let tokens = client.request(20, "textDocument/semanticTokens/full", json!({"textDocument": {"uri": URI}}));
    let data = tokens["result"]["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    assert_eq!(data[..5], [json!(1), json!(2), json!(12), json!(0), json!(1)]);

    // An incremental edit fixes the typo: no more problems.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": range(10, 40, 46), "text": "country"}]}),
    );
    let published = client.diagnostics();
    assert_eq!((published["version"].clone(), published["diagnostics"].clone()), (json!(2), json!([])));

    client.request(21, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn garbage_is_answered_and_the_server_goes_on() {
    let mut client = Client::start();
    // Before `initialize`: refused, not fatal.
    assert_eq!(client.request(1, "textDocument/hover", at(0, 0))["error"]["code"], -32002);
    client.request(2, "initialize", json!({"capabilities": {}}));
    // A body that is not JSON, JSON that is not JSON-RPC, a header that is not one.
    client.send_raw(b"Content-Length: 9\r\n\r\n{garbage}");
    assert_eq!(client.next()["error"]["code"], -32700);
    client.send(json!({"jsonrpc": "2.0", "id": 3, "bogus": true}));
    assert_eq!(client.response(3)["error"]["code"], -32600);
    client.send_raw(b"no colon here\r\n\r\n");
    assert_eq!(client.next()["error"]["code"], -32700);
    // Unknown methods, bad params, documents never opened.
    assert_eq!(client.request(4, "vexil/unknown", json!({}))["error"]["code"], -32601);
    assert_eq!(client.request(5, "textDocument/hover", json!({"nonsense": 1}))["error"]["code"], -32602);
    assert_eq!(client.request(6, "textDocument/hover", at(0, 0))["result"], Value::Null);
    // Edits past the end of the document, and an unknown notification.
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "vexil", "version": 1, "text": "flag f: bool { owner \"t\" default false }\n"}}));
    assert_eq!(client.diagnostics()["diagnostics"], json!([]));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": range(99, 5, 999), "text": "flag g: bool { owner \"t\" default true }\n"}]}),
    );
    assert_eq!(client.diagnostics()["diagnostics"], json!([]));
    client.notify("vexil/whatever", json!([1, 2]));
    let hover = client.request(7, "textDocument/hover", at(1, 6));
    assert_eq!(hover["result"]["contents"]["value"], "**flag** `g`: `bool` — owner `t` · default `true` · 0 rule(s)");
    client.request(8, "shutdown", Value::Null);
    assert_eq!(client.request(9, "textDocument/hover", at(0, 0))["error"]["code"], -32600);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}

#[test]
fn non_ascii_before_the_cursor_quoted_members_and_renames_that_would_move_buckets() {
    let text = "enum Plan { free, pro }
context {
  user.plan: Plan
  user.id: string
}
flag f: bool {
  description \"Café \"
  owner \"t\"
  default false
  rule r: when user.plan == \"pro\" => split by user.id { true: 50%, false: 50% }
}
";
    let mut client = Client::start();
    client.request(1, "initialize", json!({"capabilities": {}}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "vexil", "version": 1, "text": text}}),
    );
    assert_eq!(client.diagnostics()["diagnostics"], json!([]));
    // Completion right after "é " (line 6, column 20) answers, never crashes.
    assert!(client.request(2, "textDocument/completion", at(6, 20))["result"].is_array());
    // The member written as a string is a reference too: only its name, inside the quotes.
    let mut references = at(0, 19);
    references["context"] = json!({"includeDeclaration": false});
    let references = client.request(3, "textDocument/references", references);
    assert_eq!(
        references["result"].as_array().unwrap().iter().map(|l| &l["range"]).collect::<Vec<_>>(),
        [&range(9, 29, 32)]
    );
    // The split hashes the flag's key: renaming the flag is refused, with the way out.
    let mut rename = at(5, 5);
    rename["newName"] = json!("g");
    let refused = client.request(4, "textDocument/rename", rename);
    assert_eq!(refused["error"]["code"], -32602);
    assert!(refused["error"]["message"].as_str().unwrap().contains("add `salt \"f\"`"));
    client.request(5, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}
