//! `vexil serve`: the real binary on a free port, plain HTTP over a TcpStream,
//! stopped with SIGINT.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Served {
    child: Child,
    address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        // Only if a test failed before stopping it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vexil"));
    command.arg("serve").args(args).args(["--host", "127.0.0.1", "--port", "0"]);
    start(command)
}

/// Starts a prepared `vexil serve` in the repository root and reads its address line.
fn start(mut command: Command) -> Served {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = command.current_dir(root).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("Vexil playground: http://").unwrap().trim_end_matches('/').to_owned();
    Served { child, address }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn get(address: &str, path: &str, extra: &str) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n{extra}Connection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    Reply { status, headers, body: raw[split + 4..].to_vec() }
}

fn stop_with_sigint(mut served: Served) {
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = served.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "vexil serve exits 0 on SIGINT: {status:?}");
}

#[test]
fn serves_the_playground_and_the_rulesets_then_stops_on_sigint() {
    let served = serve(&["examples/checkout.vx"]);
    let page = get(&served.address, "/", "");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("Cache-Control"), Some("no-cache"));
    let html = String::from_utf8(page.body.clone()).unwrap();
    let built = !html.contains("cargo xtask build-web");

    let wasm = get(&served.address, "/vexil_bg.wasm", "");
    if built {
        // The playground bundle: page, script, styles and the engine.
        assert!(html.contains("app.js"), "{html}");
        assert_eq!(wasm.status, 200);
        assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
        assert!(wasm.body.starts_with(b"\0asm"));
        assert_eq!(wasm.header("Content-Length").map(str::parse::<usize>), Some(Ok(wasm.body.len())));
        let script = get(&served.address, "/app.js", "");
        assert_eq!(script.header("Content-Type"), Some("text/javascript; charset=utf-8"));
        // An unchanged asset revalidates with a 304.
        let etag = wasm.header("ETag").unwrap();
        let again = get(&served.address, "/vexil_bg.wasm", &format!("If-None-Match: {etag}\r\n"));
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
    } else {
        // A fresh clone without `cargo xtask build-web`: the placeholder says what to run.
        assert_eq!(wasm.status, 404);
    }

    let api = get(&served.address, "/api/rulesets?x=1", "");
    assert_eq!(api.status, 200);
    assert_eq!(api.header("Content-Type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(json["rulesets"][0]["name"], "checkout.vx");
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/checkout.vx")).unwrap();
    assert_eq!(json["rulesets"][0]["source"], source.as_str());

    assert_eq!(get(&served.address, "/nope.js", "").status, 404);
    stop_with_sigint(served);
}

#[test]
fn with_no_ruleset_the_api_lists_none() {
    let served = serve(&[]);
    let api = get(&served.address, "/api/rulesets", "");
    let json: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(json, serde_json::json!({ "rulesets": [] }));
    stop_with_sigint(served);
}

#[test]
fn an_unreadable_ruleset_is_a_usage_error() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_vexil")).args(["serve", "does/not/exist.vx", "--port", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}

#[test]
fn running_out_of_file_descriptors_does_not_kill_the_listener() {
    // The old server's listener died for good after EMFILE; this one waits and goes on.
    let command = format!(
        "ulimit -n 256 && exec '{}' serve examples/checkout.vx --host 127.0.0.1 --port 0",
        env!("CARGO_BIN_EXE_vexil")
    );
    let mut shell = Command::new("sh");
    shell.args(["-c", &command]);
    let served = start(shell);
    let mut held = Vec::new();
    for _ in 0..300 {
        if let Ok(stream) = TcpStream::connect(&served.address) {
            held.push(stream);
        }
    }
    drop(held);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let answered = TcpStream::connect(&served.address).ok().and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
            write!(stream, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
            let mut raw = String::new();
            stream.read_to_string(&mut raw).ok()?;
            raw.starts_with("HTTP/1.1 200").then_some(())
        });
        if answered.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the listener never recovered");
        std::thread::sleep(Duration::from_millis(100));
    }
    stop_with_sigint(served);
}
