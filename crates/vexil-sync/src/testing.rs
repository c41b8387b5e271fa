//! Real `nats-server` processes for tests and benchmarks (feature `testing`):
//! each on free loopback ports with its own temporary JetStream storage,
//! killed when dropped. Debian: `apt-get install nats-server`
//! (`cargo xtask test` installs it).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One server (standalone, or a member of a [`Cluster`]).
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    args: Vec<String>,
    pub port: u16,
    store: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

/// A free loopback port (bound, then released for the server to take).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl NatsServer {
    /// A standalone JetStream server.
    pub fn start() -> std::io::Result<NatsServer> {
        let temp = tempfile::tempdir()?;
        let store = temp.path().to_path_buf();
        let port = free_port()?;
        let mut server = NatsServer { child: None, args: Vec::new(), port, store, _temp: Some(temp) };
        server.args = server.base_args();
        server.spawn()?;
        Ok(server)
    }

    fn base_args(&self) -> Vec<String> {
        vec![
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port.to_string(),
            "-js".into(),
            "-sd".into(),
            self.store.display().to_string(),
        ]
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn store_dir(&self) -> &Path {
        &self.store
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let child = Command::new("nats-server")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot start nats-server (apt-get install nats-server): {e}"))
            })?;
        self.child = Some(child);
        wait_for_port(self.port, Duration::from_secs(10))
    }

    /// Kills the process (SIGKILL: a crash, not a clean shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same storage.
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.kill();
        self.spawn()
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_for_port(port: u16, within: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + within;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(std::io::Error::other(format!("nats-server did not listen on port {port} within {within:?}")))
}

/// Three JetStream servers routed into one cluster (for R3 buckets).
#[derive(Debug)]
pub struct Cluster {
    pub servers: Vec<NatsServer>,
}

impl Cluster {
    pub fn start(size: usize) -> std::io::Result<Cluster> {
        let cluster_ports = (0..size).map(|_| free_port()).collect::<std::io::Result<Vec<u16>>>()?;
        let routes = cluster_ports.iter().map(|p| format!("nats://127.0.0.1:{p}")).collect::<Vec<_>>().join(",");
        let mut servers = Vec::new();
        for (i, cluster_port) in cluster_ports.iter().enumerate() {
            let temp = tempfile::tempdir()?;
            let store = temp.path().to_path_buf();
            let port = free_port()?;
            let mut server = NatsServer { child: None, args: Vec::new(), port, store, _temp: Some(temp) };
            let mut args = server.base_args();
            args.extend([
                "--server_name".into(),
                format!("n{i}"),
                "--cluster_name".into(),
                "vexil-test".into(),
                "--cluster".into(),
                format!("nats://127.0.0.1:{cluster_port}"),
                "--routes".into(),
                routes.clone(),
            ]);
            server.args = args;
            server.spawn()?;
            servers.push(server);
        }
        Ok(Cluster { servers })
    }

    /// Every server's client URL, comma-separated (what `--nats` takes).
    pub fn urls(&self) -> String {
        self.servers.iter().map(NatsServer::url).collect::<Vec<_>>().join(",")
    }
}
