//! The Vexil server (DISTRIBUTION.md §4): OFREP for every OpenFeature SDK,
//! ruleset delivery and change streams for browsers that evaluate locally,
//! operations endpoints, and the playground — over `vexil-sync` followers.
//! No semantics here: every answer is a `Decision` of the one evaluator,
//! mapped to OFREP in one function (`ofrep::answer`).
//!
//! - `state.rs` — the rulesets and their followers; `ofrep.rs` — OFREP v1;
//!   `delivery.rs` — `/v1/rulesets/{name}` and its SSE events; `ops.rs` —
//!   health, readiness, status, metrics; `access.rs` — bearer tokens, the
//!   Host check, JSON errors; `playground.rs` — the embedded page.
//! - `serve` owns the accept loop (hyper): header-read timeout, bounded
//!   header buffer, TCP_NODELAY, accept errors (EMFILE) survived, graceful
//!   shutdown that lets in-flight requests finish and ends event streams.

mod access;
mod decisions;
mod delivery;
pub mod metrics;
mod ofrep;
mod ops;
mod playground;
pub mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use state::{Entry, Source, VersionEvent};

/// One embedded playground file: (URL path, bytes, ETag).
pub type Asset = (&'static str, &'static [u8], &'static str);

/// Everything `vexil serve` decides before serving.
#[derive(Debug, Clone)]
pub struct Config {
    pub sources: Vec<Source>,
    pub nats: Option<vexil_sync::nats::FollowOptions>,
    pub cache: Option<PathBuf>,
    /// The ruleset of the unprefixed OFREP paths (default: the only one, or the first).
    pub default: Option<String>,
    /// Bearer tokens; empty: no authentication (loopback only, unless `allow_unauthenticated`).
    pub tokens: Vec<String>,
    pub allow_unauthenticated: bool,
    /// Host names accepted in `Host` besides loopback ones (checked when there are no tokens).
    pub allowed_hosts: Vec<String>,
    pub assets: &'static [Asset],
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub header_read_timeout: Duration,
    /// How often watched files are read.
    pub file_poll: Duration,
    /// Browser origins allowed to call this server (CORS); `*` for any.
    pub cors_origins: Vec<String>,
    /// Decide every flag as of this instant instead of the clock (replays, tests).
    pub fixed_now: Option<vexil::Timestamp>,
    /// The key `POST /v1/decisions` signs with (none: that endpoint answers 501).
    pub signing_key: Option<Arc<vexil_sign::SigningKey>>,
    /// The `iss` of the tokens it signs.
    pub issuer: String,
}

impl Config {
    pub fn new(sources: Vec<Source>) -> Config {
        Config {
            sources,
            nats: None,
            cache: None,
            default: None,
            tokens: Vec::new(),
            allow_unauthenticated: false,
            allowed_hosts: Vec::new(),
            assets: &[],
            body_limit: 1 << 20,
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            file_poll: Duration::from_millis(20),
            cors_origins: Vec::new(),
            fixed_now: None,
            signing_key: None,
            issuer: "vexil-serve".to_owned(),
        }
    }
}

/// What handlers share.
#[derive(Debug)]
pub struct App {
    pub rulesets: BTreeMap<String, Arc<Entry>>,
    pub default: Option<String>,
    pub tokens: Vec<String>,
    /// `Some`: the Host names accepted (no tokens configured).
    pub hosts: Option<Vec<String>>,
    pub metrics: metrics::Metrics,
    pub assets: &'static [Asset],
    pub request_timeout: Duration,
    pub body_limit: usize,
    /// Flips to true on shutdown: event streams end.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    pub cors_origins: Vec<String>,
    pub fixed_now: Option<vexil::Timestamp>,
    pub signing_key: Option<Arc<vexil_sign::SigningKey>>,
    pub issuer: String,
}

impl App {
    /// The ruleset a request names (`/r/{name}/…`) or the default.
    pub fn ruleset(&self, name: Option<&str>) -> Option<&Arc<Entry>> {
        match name {
            Some(name) => self.rulesets.get(name),
            None => self.default.as_deref().and_then(|d| self.rulesets.get(d)),
        }
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "refusing to serve {0} without authentication: give --tokens FILE, bind a loopback address, or pass --allow-unauthenticated"
    )]
    Unauthenticated(SocketAddr),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// A bound, running-to-be server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    header_read_timeout: Duration,
    _sources: state::Sources,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Binds `address` and starts the followers (on the current tokio runtime).
    pub async fn bind(address: SocketAddr, config: Config) -> Result<Server, StartError> {
        if !address.ip().is_loopback() && config.tokens.is_empty() && !config.allow_unauthenticated {
            return Err(StartError::Unauthenticated(address));
        }
        let cache = config.cache.clone().map(|dir| vexil_sync::Cache { dir });
        let (rulesets, sources) = state::start(&config.sources, config.nats.as_ref(), cache.as_ref(), config.file_poll)
            .map_err(StartError::Config)?;
        let default = match &config.default {
            Some(name) if rulesets.contains_key(name) => Some(name.clone()),
            Some(name) => {
                return Err(StartError::Config(format!("--default `{name}` is not one of the rulesets served")));
            }
            None => rulesets.keys().next().cloned(),
        };
        let listener = TcpListener::bind(address).await.map_err(|e| StartError::Bind(address, e))?;
        let local = listener.local_addr().map_err(|e| StartError::Bind(address, e))?;
        let hosts = config.tokens.is_empty().then(|| {
            let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "[::1]".to_owned()];
            let ip = match local.ip() {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                ip => ip.to_string(),
            };
            hosts.push(ip);
            hosts.extend(config.allowed_hosts.iter().map(|h| h.to_ascii_lowercase()));
            hosts
        });
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let app = Arc::new(App {
            rulesets,
            default,
            tokens: config.tokens.clone(),
            hosts,
            metrics: metrics::Metrics::default(),
            assets: config.assets,
            request_timeout: config.request_timeout,
            body_limit: config.body_limit,
            stopping,
            cors_origins: config.cors_origins.clone(),
            fixed_now: config.fixed_now,
            signing_key: config.signing_key.clone(),
            issuer: config.issuer.clone(),
        });
        Ok(Server { listener, app, header_read_timeout: config.header_read_timeout, _sources: sources, stop })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Serves until `shutdown` completes, then stops accepting, ends event
    /// streams, and waits (at most `grace`) for in-flight requests.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>, grace: Duration) {
        let router = router(self.app.clone());
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(64 * 1024)
            .keep_alive(true);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        let service = TowerToHyperService::new(router.clone());
                        let connection = http.serve_connection(TokioIo::new(stream), service);
                        let connection = graceful.watch(connection);
                        tokio::spawn(async move {
                            // A client that goes away mid-request is not the server's problem.
                            let _ = connection.await;
                        });
                    }
                    // Out of file descriptors (EMFILE) or a connection reset before
                    // accept: wait a little and go on; the listener stays alive.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    }
}

fn router(app: Arc<App>) -> Router {
    let ofrep = Router::new()
        .route("/ofrep/v1/evaluate/flags/{key}", post(ofrep::evaluate_flag))
        .route("/ofrep/v1/evaluate/flags", post(ofrep::evaluate_flags))
        // An empty key (`…/flags/`) is a flag that does not exist: 404 FLAG_NOT_FOUND, not a missing route.
        .route("/ofrep/v1/evaluate/flags/", post(ofrep::evaluate_empty_flag))
        .route("/r/{ruleset}/ofrep/v1/evaluate/flags/", post(ofrep::evaluate_empty_flag_in))
        .route("/ofrep/v1/events", get(ofrep::events))
        .route("/r/{ruleset}/ofrep/v1/evaluate/flags/{key}", post(ofrep::evaluate_flag_in))
        .route("/r/{ruleset}/ofrep/v1/evaluate/flags", post(ofrep::evaluate_flags_in))
        .route("/r/{ruleset}/ofrep/v1/events", get(ofrep::events_in));
    Router::new()
        .merge(ofrep)
        .route("/v1/rulesets", get(delivery::list))
        .route("/v1/rulesets/{name}", get(delivery::ruleset))
        .route("/v1/rulesets/{name}/events", get(delivery::events))
        .route("/v1/decisions", post(decisions::decide))
        .route("/v1/status", get(ops::status))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/rulesets", get(playground::rulesets))
        .route("/api/diff", post(playground::diff))
        .route("/api/hover", post(playground::hover))
        .route("/api/complete", post(playground::complete))
        .fallback(playground::asset)
        .method_not_allowed_fallback(access::method_not_allowed)
        .layer(DefaultBodyLimit::max(app.body_limit))
        .layer(axum::middleware::from_fn_with_state(app.clone(), access::guard))
        .with_state(app)
}
