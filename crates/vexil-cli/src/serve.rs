//! `vexil serve [RULESET…] [--host 127.0.0.1] [--port 8080]`: the web playground.
//!
//! One binary serves the playground (`web/playground/dist/`, embedded at build
//! time by `build.rs`; everything else runs in the browser on the wasm
//! package) and the rulesets named on the command line at `/api/rulesets`,
//! re-read on every request so an author can edit a file and reload the page.
//! With no ruleset, the page opens on an example bundled into it.
//! Stops cleanly (exit 0) on Ctrl-C or SIGTERM.

use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::EXIT_USAGE;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rulesets to open in the playground (`.vx`); with none, it opens on an example.
    #[arg(value_name = "RULESET")]
    rulesets: Vec<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

pub fn run(args: &Args) -> ExitCode {
    for path in &args.rulesets {
        match vexil_cli::input::read_source(path) {
            Ok(vexil_cli::input::Source { unreadable: None, .. }) => {}
            Ok(vexil_cli::input::Source { unreadable: Some(problem), .. }) => {
                eprintln!("vexil: cannot serve `{}`: {}", path.display(), problem.message);
                return ExitCode::from(EXIT_USAGE);
            }
            Err(error) => {
                eprintln!("vexil: cannot read `{}`: {error}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let server = match Server::http((args.host.as_str(), args.port)) {
        Ok(server) => Arc::new(server),
        Err(error) => {
            eprintln!("vexil: cannot listen on {}:{}: {error}", args.host, args.port);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let server = Arc::clone(&server);
        let stopping = Arc::clone(&stopping);
        let handler = move || {
            stopping.store(true, Ordering::SeqCst);
            server.unblock();
        };
        if let Err(error) = ctrlc::set_handler(handler) {
            eprintln!("vexil: cannot install the Ctrl-C handler: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    }

    let address =
        server.server_addr().to_ip().map_or_else(|| format!("{}:{}", args.host, args.port), |a| a.to_string());
    let mut stdout = std::io::stdout().lock();
    // Tests and scripts read this first line for the port.
    let _ = writeln!(stdout, "Vexil playground: http://{address}/");
    let _ = stdout.flush();
    drop(stdout);
    if !assets::PLAYGROUND_BUILT {
        eprintln!("vexil: this binary has no playground built in; run `cargo xtask build-web`, then rebuild it");
    }
    match args.rulesets.len() {
        0 if assets::PLAYGROUND_BUILT => eprintln!("serving the playground on its bundled examples; Ctrl-C to stop"),
        0 => eprintln!("serving the placeholder page; Ctrl-C to stop"),
        n => eprintln!("serving {n} ruleset(s) (re-read on each page load); Ctrl-C to stop"),
    }

    while !stopping.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => handle(request, &args.rulesets),
            Err(error) if !stopping.load(Ordering::SeqCst) => eprintln!("vexil: connection error: {error}"),
            Err(_) => break,
        }
    }
    eprintln!("vexil: stopped");
    ExitCode::SUCCESS
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "vx") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond<R: std::io::Read>(request: Request, status: u16, kind: &str, body: R, len: usize, extra: &[Header]) {
    let mut headers: Vec<Header> = [
        header("Content-Type", kind),
        header("X-Content-Type-Options", "nosniff"),
        // The page is self-contained: no CDN, no external fonts, no third-party requests.
        header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"),
        header("Referrer-Policy", "no-referrer"),
    ]
    .into_iter()
    .flatten()
    .collect();
    headers.extend_from_slice(extra);
    // Every length is known: send Content-Length, never chunked (tiny_http chunks above 32 KiB by default).
    let response = Response::new(StatusCode(status), headers, body, Some(len), None).with_chunked_threshold(usize::MAX);
    // A client that went away is not the server's problem.
    let _ = request.respond(response);
}

fn text(request: Request, status: u16, message: &str) {
    let body = message.as_bytes().to_vec();
    let len = body.len();
    let no_store: Vec<Header> = header("Cache-Control", "no-store").into_iter().collect();
    respond(request, status, "text/plain; charset=utf-8", Cursor::new(body), len, &no_store);
}

fn handle(request: Request, rulesets: &[PathBuf]) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let allow: Vec<Header> = header("Allow", "GET, HEAD").into_iter().collect();
        let body = b"method not allowed\n";
        respond(request, 405, "text/plain; charset=utf-8", &body[..], body.len(), &allow);
        return;
    }
    let path = request.url().split(['?', '#']).next().unwrap_or("/").to_owned();
    let path = if path == "/" { "/index.html" } else { path.as_str() };
    if path == "/api/rulesets" {
        let body = rulesets_json(rulesets).into_bytes();
        let len = body.len();
        let no_store: Vec<Header> = header("Cache-Control", "no-store").into_iter().collect();
        respond(request, 200, "application/json", Cursor::new(body), len, &no_store);
        return;
    }
    let Some(&(name, bytes, etag)) = assets::ASSETS.iter().find(|(name, _, _)| *name == path) else {
        text(request, 404, &format!("not found: {path}\n"));
        return;
    };
    // File names are not content-hashed: let the browser cache, but revalidate
    // every time (a cheap 304 thanks to the ETag), so a rebuilt binary is seen at once.
    let cache: Vec<Header> =
        [header("Cache-Control", "no-cache"), header("ETag", etag)].into_iter().flatten().collect();
    let fresh = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("If-None-Match") && h.value.as_str().split(',').any(|tag| tag.trim() == etag));
    if fresh {
        respond(request, 304, content_type(name), &b""[..], 0, &cache);
    } else {
        respond(request, 200, content_type(name), bytes, bytes.len(), &cache);
    }
}

/// `{"rulesets":[{"name","path","source"} | {"name","path","error"}]}`, read now.
fn rulesets_json(rulesets: &[PathBuf]) -> String {
    let items: Vec<serde_json::Value> = rulesets
        .iter()
        .map(|path| {
            let name =
                path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
            match vexil_cli::input::read_source(path) {
                Ok(vexil_cli::input::Source { text, unreadable: None }) => {
                    serde_json::json!({"name": name, "path": path.display().to_string(), "source": text})
                }
                Ok(vexil_cli::input::Source { unreadable: Some(problem), .. }) => {
                    serde_json::json!({"name": name, "path": path.display().to_string(), "error": problem.message})
                }
                Err(error) => {
                    serde_json::json!({"name": name, "path": path.display().to_string(), "error": error.to_string()})
                }
            }
        })
        .collect();
    serde_json::json!({ "rulesets": items }).to_string()
}
