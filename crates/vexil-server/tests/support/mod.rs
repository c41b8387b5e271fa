//! An in-process server on a free loopback port (its own runtime thread) and
//! a plain HTTP/1.1 client over `TcpStream`: what any client sends, nothing
//! the server's own stack could paper over.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vexil_server::{Config, Server, Source};

pub const SHOP: &str = r#"
context { user.id: string  user.age: int }
flag gate: bool { owner "t" default true }
flag banner: string { owner "t" default "none" on_error "safe" rule adults: when user.age >= 18 => "adult" }
flag limit: int { owner "t" default 10 requires gate == false }
"#;

pub const OTHER: &str = "flag mode: string { owner \"t\" default \"legacy\" }\n";

pub struct Running {
    pub address: SocketAddr,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Stops gracefully and waits for the server to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Serves `files` (written into a temporary directory) with `configure`d options.
pub fn start(files: &[(&str, &str)], configure: impl FnOnce(&mut Config) + Send + 'static) -> Running {
    start_at("127.0.0.1:0".parse().unwrap(), files, configure).unwrap()
}

pub fn start_at(
    address: SocketAddr,
    files: &[(&str, &str)],
    configure: impl FnOnce(&mut Config) + Send + 'static,
) -> Result<Running, String> {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<Source> = files
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            Source::File(path)
        })
        .collect();
    let mut config = Config::new(sources);
    config.file_poll = Duration::from_millis(20);
    configure(&mut config);
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            match Server::bind(address, config).await {
                Ok(server) => {
                    bound_tx.send(Ok(server.local_addr().unwrap())).unwrap();
                    server
                        .serve(
                            async move {
                                let _ = stopped.await;
                            },
                            Duration::from_secs(5),
                        )
                        .await;
                }
                Err(error) => bound_tx.send(Err(error.to_string())).unwrap(),
            }
        });
    });
    let address = bound_rx.recv().unwrap()?;
    let running = Running { address, dir, stop: Some(stop), thread: Some(thread) };
    wait_until("every ruleset loads", || get(&running, "/readyz").status == 200);
    Ok(running)
}

pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(running: &Running, method: &str, path: &str, headers: &str, body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(running.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        running.address,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    read_reply(&mut BufReader::new(stream))
}

pub fn get(running: &Running, path: &str) -> Reply {
    request(running, "GET", path, "", b"")
}

pub fn post(running: &Running, path: &str, body: &str) -> Reply {
    request(running, "POST", path, "Content-Type: application/json\r\n", body.as_bytes())
}

/// Reads one response (Content-Length or until close).
pub fn read_reply(reader: &mut BufReader<TcpStream>) -> Reply {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = Vec::new();
    match length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None if status == 304 || status == 204 => {}
        None => {
            reader.read_to_end(&mut body).unwrap();
        }
    }
    Reply { status, headers, body }
}

/// An open SSE stream: `next_data` returns the next event's `data:` line.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn open(running: &Running, path: &str, headers: &str) -> (u16, Events) {
        let mut stream = TcpStream::connect(running.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{headers}Accept: text/event-stream\r\n\r\n",
            running.address
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim_end().is_empty() {
                break;
            }
        }
        (status, Events { reader })
    }

    /// Whether the server closed the stream (EOF, or the chunked terminator then EOF).
    pub fn ended(&mut self) -> bool {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).is_ok()
    }

    /// The next event: (event name, data), skipping comments and chunk sizes.
    pub fn next_event(&mut self) -> (Option<String>, String) {
        let mut name = None;
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(n > 0, "the stream ended");
            let line = line.trim_end();
            if let Some(event) = line.strip_prefix("event:") {
                name = Some(event.trim().to_owned());
            } else if let Some(data) = line.strip_prefix("data:") {
                return (name, data.trim().to_owned());
            }
        }
    }
}

pub fn write_file(path: &Path, text: &str) {
    // Write then rename: the follower never reads half a file.
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}
