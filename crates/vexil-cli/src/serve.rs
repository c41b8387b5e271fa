//! `vexil serve`: the Vexil server (`vexil-server`): the playground at `/`,
//! OFREP for OpenFeature SDKs, ruleset delivery and change streams, and
//! operations endpoints, for rulesets followed from files and NATS keys.
//! Argument parsing only; the first line on stdout is the address (tests and
//! scripts read it). Stops gracefully (exit 0) on Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use vexil_server::{Config, Server, Source};

use crate::{EXIT_ERRORS, EXIT_USAGE};

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ruleset files (`.vx`), watched: an edit that compiles is served at once, a broken one is refused.
    #[arg(value_name = "FILE")]
    rulesets: Vec<PathBuf>,
    /// NATS server URLs, comma-separated, to follow published rulesets (with --ruleset).
    #[arg(long, value_name = "URL[,URL…]")]
    nats: Option<String>,
    /// A published ruleset to follow over NATS (repeatable).
    #[arg(long = "ruleset", value_name = "NAME", requires = "nats")]
    nats_rulesets: Vec<String>,
    /// The KV bucket.
    #[arg(long, default_value = vexil_sync::nats::DEFAULT_BUCKET)]
    bucket: String,
    /// Keep each ruleset's last good revision in DIR and start from it.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// The ruleset of the unprefixed OFREP paths [default: the first by name].
    #[arg(long, value_name = "NAME")]
    default: Option<String>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Bearer tokens, one per line (`#` comments): every request but /healthz and /readyz needs one.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Serve a non-loopback address without tokens.
    #[arg(long)]
    allow_unauthenticated: bool,
    /// A host name clients may use in `Host` besides loopback ones (without tokens; repeatable).
    #[arg(long = "allow-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// A browser origin allowed to call this server (CORS), e.g. `https://app.example`; `*` for any (repeatable).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Decide every flag as of this instant instead of the clock (replays, staging, tests).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<vexil::Timestamp>,
    /// The private JWK that `POST /v1/decisions` signs decision sets with.
    #[arg(long, value_name = "KEY.jwk")]
    signing_key: Option<PathBuf>,
    /// The `iss` of the decision sets it signs.
    #[arg(long, default_value = "vexil-serve")]
    issuer: String,
    /// The largest request body, in bytes (larger: 413).
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    body_limit: usize,
}

fn parse_now(text: &str) -> Result<vexil::Timestamp, String> {
    vexil::Timestamp::parse_rfc3339(text).map_err(|e| e.to_string())
}

fn read_tokens(path: &std::path::Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read tokens file `{}`: {e}", path.display()))?;
    let tokens: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    if tokens.is_empty() {
        return Err(format!("tokens file `{}` has no token", path.display()));
    }
    Ok(tokens)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("vexil: {message}");
    ExitCode::from(EXIT_USAGE)
}

pub fn run(args: &Args) -> ExitCode {
    for path in &args.rulesets {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => {}
            Ok(_) => return usage(&format!("cannot serve `{}`: not a regular file", path.display())),
            Err(error) => return usage(&format!("cannot read `{}`: {error}", path.display())),
        }
    }
    let tokens = match args.tokens.as_deref().map(read_tokens).transpose() {
        Ok(tokens) => tokens.unwrap_or_default(),
        Err(message) => return usage(&message),
    };
    let address: SocketAddr = match (args.host.as_str(), args.port).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(address)) => address,
        _ => return usage(&format!("cannot resolve the address {}:{}", args.host, args.port)),
    };
    let mut sources: Vec<Source> = args.rulesets.iter().cloned().map(Source::File).collect();
    sources.extend(args.nats_rulesets.iter().cloned().map(Source::Nats));
    if let Some(problem) = args.nats_rulesets.iter().find_map(|n| vexil_sync::record::name_problem(n)) {
        return usage(&problem);
    }
    let mut config = Config::new(sources);
    config.nats = args.nats.as_deref().map(|urls| {
        let mut options = vexil_sync::nats::FollowOptions::new(urls);
        options.bucket = args.bucket.clone();
        options
    });
    config.cache = args.cache.clone();
    config.default = args.default.clone();
    config.tokens = tokens;
    config.allow_unauthenticated = args.allow_unauthenticated;
    config.allowed_hosts = args.allowed_hosts.clone();
    config.assets = assets::ASSETS;
    config.body_limit = args.body_limit;
    config.cors_origins = args.cors_origins.clone();
    config.issuer = args.issuer.clone();
    if let Some(path) = &args.signing_key {
        let key = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| vexil_sign::SigningKey::from_jwk(&text).map_err(|e| e.to_string()));
        match key {
            Ok(key) => config.signing_key = Some(std::sync::Arc::new(key)),
            Err(message) => return usage(&format!("--signing-key `{}`: {message}", path.display())),
        }
    }
    config.fixed_now = args.now;

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("vexil: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    runtime.block_on(async move {
        let ruleset_count = config.sources.len();
        let server = match Server::bind(address, config).await {
            Ok(server) => server,
            Err(error) => return usage(&error.to_string()),
        };
        let local = server.local_addr().map_or_else(|_| address.to_string(), |a| a.to_string());
        let mut stdout = std::io::stdout().lock();
        // Tests and scripts read this first line for the port.
        let _ = writeln!(stdout, "Vexil playground: http://{local}/");
        let _ = stdout.flush();
        drop(stdout);
        if !assets::PLAYGROUND_BUILT {
            eprintln!("vexil: this binary has no playground built in; run `cargo xtask build-web`, then rebuild it");
        }
        eprintln!(
            "serving {ruleset_count} ruleset(s): OFREP at http://{local}/ofrep/v1/…, status at /v1/status; Ctrl-C to stop"
        );
        server.serve(shutdown_signal(), Duration::from_secs(10)).await;
        eprintln!("vexil: stopped");
        ExitCode::SUCCESS
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
