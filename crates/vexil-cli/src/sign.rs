//! `vexil keys`, `vexil decide`, `vexil verify`: decide once per workflow
//! (DISTRIBUTION.md §5) over `vexil-sign`. Argument parsing and printing only.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use vexil::{CheckOptions, Timestamp};
use vexil_sign::{Alg, SigningKey, VerifyOptions};

use crate::{EXIT_ERRORS, EXIT_USAGE};

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Print a new private JWK (keep it secret; give services the `keys public` set).
    Generate {
        #[arg(long, value_parser = ["EdDSA", "HS256"], default_value = "EdDSA")]
        alg: String,
        /// The key id tokens name in their header [default: a random one].
        #[arg(long)]
        kid: Option<String>,
    },
    /// Print the JWK Set that verifies tokens of these private keys (Ed25519: public halves only).
    Public {
        #[arg(required = true, value_name = "KEY.jwk")]
        keys: Vec<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// The ruleset file (`.vx`).
    ruleset: PathBuf,
    /// The context: JSON text, or @FILE [default: {}].
    #[arg(long, value_name = "JSON|@FILE")]
    context: Option<String>,
    /// The flags to decide, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_name = "FLAG,…")]
    flags: Option<Vec<String>>,
    /// The instant to decide at [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = crate::eval::parse_now)]
    now: Option<Timestamp>,
    /// How long the token is valid: `90s`, `5m`, `2h` (at most 30 days).
    #[arg(long, default_value = "5m", value_parser = parse_ttl)]
    ttl: i64,
    /// A correlation id carried in the token (`cid`).
    #[arg(long)]
    cid: Option<String>,
    /// The private signing key (a JWK file from `vexil keys generate`).
    #[arg(long, value_name = "KEY.jwk")]
    key: PathBuf,
    /// The issuer (`iss`).
    #[arg(long, default_value = "vexil")]
    iss: String,
    /// The ruleset's name in the token [default: the file name without `.vx`].
    #[arg(long)]
    name: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The token, or `-` to read it from standard input.
    token: String,
    /// The JWK Set to verify with (`vexil keys public`).
    #[arg(long, value_name = "JWKS.json")]
    keys: PathBuf,
    /// Clock skew tolerated on exp / nbf / iat.
    #[arg(long, default_value = "30s", value_parser = parse_ttl)]
    leeway: i64,
    /// Verify as of this instant instead of the clock (forensics: was the token valid then?).
    #[arg(long, value_name = "RFC3339", value_parser = crate::eval::parse_now)]
    now: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = crate::sync::Format::Human)]
    format: crate::sync::Format,
}

/// `90s`, `5m`, `2h`, `1d`, or plain seconds; 1 s to 30 days.
pub(crate) fn parse_ttl(text: &str) -> Result<i64, String> {
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: i64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 90s, 5m, 2h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("`{text}`: the unit is s, m, h or d")),
    };
    if !(0..=30 * 86_400).contains(&seconds) {
        return Err(format!("`{text}` is out of range (0 s to 30 days)"));
    }
    Ok(seconds)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("vexil: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn read_small(path: &std::path::Path, what: &str) -> Result<String, String> {
    const MAX: u64 = 1 << 20;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {what} `{}`: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {what} `{}`: {e}", path.display()))?;
    if text.len() as u64 > MAX {
        return Err(format!("{what} `{}` is larger than 1 MiB", path.display()));
    }
    Ok(text)
}

pub fn keys(args: &KeysArgs) -> ExitCode {
    match &args.command {
        KeysCommand::Generate { alg, kid } => {
            let Some(alg) = Alg::parse(alg) else { return usage("--alg is EdDSA or HS256") };
            let kid = match kid {
                Some(kid) => kid.clone(),
                None => match vexil_sign::new_jti() {
                    Ok(id) => id[..12].to_owned(),
                    Err(error) => return usage(&error.to_string()),
                },
            };
            match vexil_sign::generate_key(alg, &kid) {
                Ok(jwk) => {
                    println!("{jwk}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("vexil: {error}");
                    ExitCode::from(EXIT_ERRORS)
                }
            }
        }
        KeysCommand::Public { keys } => {
            let mut texts = Vec::new();
            for path in keys {
                match read_small(path, "key") {
                    Ok(text) => texts.push(text),
                    Err(message) => return usage(&message),
                }
            }
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            match vexil_sign::public_jwks(&refs) {
                Ok(jwks) => {
                    println!("{jwks}");
                    ExitCode::SUCCESS
                }
                Err(error) => usage(&error.to_string()),
            }
        }
    }
}

pub fn decide(args: &DecideArgs) -> ExitCode {
    let source = match vexil_cli::input::read_source(&args.ruleset) {
        Ok(vexil_cli::input::Source { text, unreadable: None }) => text,
        Ok(vexil_cli::input::Source { unreadable: Some(problem), .. }) => {
            return usage(&format!("cannot read `{}`: {}", args.ruleset.display(), problem.message));
        }
        Err(error) => return usage(&format!("cannot read `{}`: {error}", args.ruleset.display())),
    };
    let ruleset = match vexil::compile(&source, &CheckOptions::default()) {
        Ok(ruleset) => ruleset,
        Err(error) => {
            eprintln!("vexil: `{}` does not compile: {error} (see `vexil check`)", args.ruleset.display());
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    let key = match read_small(&args.key, "key").and_then(|text| SigningKey::from_jwk(&text).map_err(|e| e.to_string()))
    {
        Ok(key) => key,
        Err(message) => return usage(&message),
    };
    let context = match crate::eval::read_context(args.context.as_deref()) {
        Ok(context) => context,
        Err(message) => return usage(&message),
    };
    let Some(now) = args.now.or_else(vexil_cli::clock::now) else {
        return usage("the system clock is out of range; give --now");
    };
    let name = args.name.clone().unwrap_or_else(|| {
        args.ruleset.file_stem().map_or_else(|| "ruleset".to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let carried = match vexil_sign::decide(&ruleset, &name, &context, args.flags.as_deref(), now) {
        Ok(carried) => carried,
        Err(message) => return usage(&message),
    };
    let iat = now.millis().div_euclid(1000);
    match key.sign(carried, &args.iss, iat, args.ttl, args.cid.as_deref()) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("vexil: {error}");
            ExitCode::from(EXIT_ERRORS)
        }
    }
}

pub fn verify(args: &VerifyArgs) -> ExitCode {
    let token = if args.token == "-" {
        let mut text = String::new();
        // One byte over the limit is enough to refuse.
        if let Err(error) = std::io::stdin().take(vexil_sign::MAX_TOKEN_BYTES as u64 + 2).read_to_string(&mut text) {
            return usage(&format!("cannot read the token from standard input: {error}"));
        }
        text
    } else {
        args.token.clone()
    };
    let keys = match read_small(&args.keys, "key set") {
        Ok(keys) => keys,
        Err(message) => return usage(&message),
    };
    let options = VerifyOptions { leeway_seconds: args.leeway, now: args.now.map(|t| t.millis().div_euclid(1000)) };
    match vexil_sign::verify(&token, &keys, &options) {
        Ok(claims) => {
            match args.format {
                crate::sync::Format::Json => println!("{}", serde_json::to_string(&claims).unwrap_or_default()),
                crate::sync::Format::Human => {
                    let carried = &claims.vexil;
                    println!(
                        "valid: issued by {} for ruleset {} ({}) at {}, expires {}{}",
                        claims.iss,
                        carried.ruleset,
                        carried.ruleset_version,
                        carried.now,
                        Timestamp::from_millis(claims.exp.saturating_mul(1000))
                            .map_or_else(|| claims.exp.to_string(), Timestamp::to_iso_string),
                        claims.cid.as_deref().map(|c| format!(", cid {c}")).unwrap_or_default()
                    );
                    for (flag, decision) in &carried.decisions {
                        let value = decision
                            .value
                            .as_ref()
                            .map_or_else(|| "—".to_owned(), |v| serde_json::to_string(v).unwrap_or_default());
                        let rule = decision.rule.as_deref().map(|r| format!(", rule {r}")).unwrap_or_default();
                        println!("{flag} = {value} ({}{rule})", decision.reason.as_str());
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("vexil: refused: {error}");
            if args.format == crate::sync::Format::Json {
                println!("{}", serde_json::json!({ "error": { "code": error.code(), "message": error.to_string() } }));
            }
            ExitCode::from(EXIT_ERRORS)
        }
    }
}
