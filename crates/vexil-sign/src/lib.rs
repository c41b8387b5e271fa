//! Decide once per workflow (DISTRIBUTION.md §5): a gateway evaluates the
//! flags a workflow needs once, signs the decisions into a JWT, and every
//! downstream service reads them from the token instead of deciding again.
//!
//! - [`decide`] evaluates flags into a [`Carried`] set (the `vexil` claim);
//! - [`SigningKey`] signs it ([`SigningKey::sign`]) with EdDSA (Ed25519) or
//!   HS256; [`generate_key`] and [`public_jwks`] make the JWK files;
//! - [`verify`] checks a token against a JWK Set and returns its claims, or
//!   one [`VerifyError`] per reason to refuse.
//!
//! JOSE comes from `jsonwebtoken` (RustCrypto backend); no signature code
//! is written here. What is decided here: the allow-list (EdDSA, HS256 — never
//! `none`), that a token's `alg` must be its key's (no algorithm confusion),
//! the 16 KiB bound, and the claims' shape. No I/O.

mod keys;
mod verify;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vexil::{FlagValue, Ruleset, Timestamp};

pub use keys::{Alg, KeyError, SigningKey, generate_key, public_jwks};
pub use verify::{VerifyError, VerifyOptions, still_valid, verify};

/// The JWT `typ` of a decision set.
pub const TYP: &str = "vexil-decisions+jwt";
/// Tokens longer than this are refused unread.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// One carried decision: what a downstream service acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarriedDecision {
    /// Absent only when the flag had no value to give (never for a flag that exists).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<FlagValue>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<String>,
    pub reason: vexil::Reason,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rule: Option<String>,
}

/// The `vexil` claim: the decisions of one ruleset version for one context at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    pub ruleset: String,
    pub ruleset_version: String,
    /// The instant decided at (RFC 3339, as decisions write it).
    pub now: String,
    pub decisions: BTreeMap<String, CarriedDecision>,
}

/// All the claims of a decision-set token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nbf: Option<i64>,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cid: Option<String>,
    pub vexil: Carried,
}

/// Evaluates `flags` (all when `None`) of `ruleset` (published as `name`)
/// for one JSON context at `now`. A flag the ruleset does not have is an
/// error: a gateway must not carry a decision nobody made.
pub fn decide(
    ruleset: &Ruleset,
    name: &str,
    context_json: &str,
    flags: Option<&[String]>,
    now: Timestamp,
) -> Result<Carried, String> {
    let set = ruleset.evaluate_all_json(context_json, now);
    if let Some(wanted) = flags
        && let Some(missing) = wanted.iter().find(|f| !ruleset.has_flag(f))
    {
        return Err(format!("no flag named `{missing}` in ruleset {name} ({})", ruleset.version()));
    }
    let decisions = set
        .decisions
        .into_iter()
        .filter(|d| flags.is_none_or(|wanted| wanted.iter().any(|f| **f == *d.flag)))
        .map(|d| {
            let carried = CarriedDecision {
                value: d.value,
                variant: d.variant.map(|v| v.to_string()),
                reason: d.reason,
                rule: d.rule.map(|r| r.to_string()),
            };
            (d.flag.to_string(), carried)
        })
        .collect();
    Ok(Carried {
        ruleset: name.to_owned(),
        ruleset_version: set.ruleset_version.to_string(),
        now: now.to_iso_string(),
        decisions,
    })
}

/// A random token id (128 bits, hex).
pub fn new_jti() -> Result<String, KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// OpenTelemetry's `feature_flag.evaluation` event attributes for one
/// decision (carried or local), as §5 maps them.
pub fn otel_attributes(
    flag: &str,
    decision: &CarriedDecision,
    carried: &Carried,
    cid: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut attributes = vec![
        ("feature_flag.key", flag.to_owned()),
        ("feature_flag.result.reason", decision.reason.as_str().to_ascii_lowercase()),
        ("feature_flag.version", carried.ruleset_version.clone()),
        ("feature_flag.set.id", carried.ruleset.clone()),
    ];
    if let Some(variant) = &decision.variant {
        attributes.push(("feature_flag.result.variant", variant.clone()));
    }
    if let Some(cid) = cid {
        attributes.push(("feature_flag.context.id", cid.to_owned()));
    }
    attributes
}
