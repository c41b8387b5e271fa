//! Verifying a decision-set token against a JWK Set, refusing with one
//! error per reason (DISTRIBUTION.md §5).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, Validation};

use crate::keys::{Alg, JwkFile};
use crate::{Claims, MAX_TOKEN_BYTES, TYP};

/// How strict verification is about time.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_seconds: i64,
    /// The current time in seconds since the epoch (`None`: the system clock).
    pub now: Option<i64>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { leeway_seconds: 30, now: None }
    }
}

/// Why a token was refused. Each is its own case: a service can log and
/// count them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is {size} bytes, over the {MAX_TOKEN_BYTES} bytes a decision set may have")]
    TooLarge { size: usize },
    #[error("not a JWT (compact JWS: three base64url parts): {0}")]
    NotAJwt(String),
    #[error("`alg: none` is never accepted")]
    AlgNone,
    #[error("algorithm `{0}` is not accepted (only EdDSA and HS256)")]
    AlgorithmNotAllowed(String),
    #[error("the token is of type `{0}`, not `{TYP}`")]
    WrongType(String),
    #[error("the token has no `kid`")]
    NoKid,
    #[error("no key `{0}` in the key set")]
    UnknownKid(String),
    #[error("the token says `{token}` but key `{kid}` is for `{key}`")]
    AlgorithmMismatch { token: String, kid: String, key: String },
    #[error("the key set is not usable: {0}")]
    BadKeySet(String),
    #[error("the signature does not match")]
    BadSignature,
    #[error("the token expired at {exp} (now {now})")]
    Expired { exp: i64, now: i64 },
    #[error("the token is not valid before {at} (now {now})")]
    NotYetValid { at: i64, now: i64 },
    #[error("the claims are not a Vexil decision set: {0}")]
    BadClaims(String),
}

impl VerifyError {
    /// A stable code for logs and JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "too_large",
            VerifyError::NotAJwt(_) => "not_a_jwt",
            VerifyError::AlgNone => "alg_none",
            VerifyError::AlgorithmNotAllowed(_) => "algorithm_not_allowed",
            VerifyError::WrongType(_) => "wrong_type",
            VerifyError::NoKid => "no_kid",
            VerifyError::UnknownKid(_) => "unknown_kid",
            VerifyError::AlgorithmMismatch { .. } => "algorithm_mismatch",
            VerifyError::BadKeySet(_) => "bad_key_set",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::Expired { .. } => "expired",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::BadClaims(_) => "bad_claims",
        }
    }
}

fn system_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Verifies `token` against the JWK Set `keys` (JSON text) and returns its claims.
pub fn verify(token: &str, keys: &str, options: &VerifyOptions) -> Result<Claims, VerifyError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::TooLarge { size: token.len() });
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts[0].is_empty() || parts[1].is_empty() {
        return Err(VerifyError::NotAJwt(format!("{} part(s)", parts.len())));
    }
    let header_bytes = URL_SAFE_NO_PAD.decode(parts[0]).map_err(|e| VerifyError::NotAJwt(format!("header: {e}")))?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&header_bytes).map_err(|e| VerifyError::NotAJwt(format!("header: {e}")))?;
    let alg_text = header.get("alg").and_then(|a| a.as_str()).ok_or_else(|| VerifyError::NotAJwt("no `alg`".into()))?;
    if alg_text.eq_ignore_ascii_case("none") {
        return Err(VerifyError::AlgNone);
    }
    let alg = Alg::parse(alg_text).ok_or_else(|| VerifyError::AlgorithmNotAllowed(alg_text.to_owned()))?;
    if let Some(typ) = header.get("typ")
        && typ.as_str() != Some(TYP)
    {
        return Err(VerifyError::WrongType(typ.as_str().unwrap_or("?").to_owned()));
    }
    if parts[2].is_empty() {
        return Err(VerifyError::NotAJwt("no signature".into()));
    }
    let kid = header.get("kid").and_then(|k| k.as_str()).ok_or(VerifyError::NoKid)?;

    let set: serde_json::Value = serde_json::from_str(keys).map_err(|e| VerifyError::BadKeySet(e.to_string()))?;
    let entries =
        set.get("keys").and_then(|k| k.as_array()).ok_or_else(|| VerifyError::BadKeySet("no `keys` array".into()))?;
    let entry = entries
        .iter()
        .find(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid))
        .ok_or_else(|| VerifyError::UnknownKid(kid.to_owned()))?;
    let file: JwkFile = serde_json::from_value(entry.clone()).map_err(|e| VerifyError::BadKeySet(e.to_string()))?;
    let key_alg = file.alg().map_err(|e| VerifyError::BadKeySet(e.to_string()))?;
    // The key decides the algorithm, never the token: HS256 "signed" with an
    // Ed25519 public key is refused here.
    if key_alg != alg {
        return Err(VerifyError::AlgorithmMismatch {
            token: alg.as_str().to_owned(),
            kid: kid.to_owned(),
            key: key_alg.as_str().to_owned(),
        });
    }
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(entry.clone()).map_err(|e| VerifyError::BadKeySet(e.to_string()))?;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| VerifyError::BadKeySet(e.to_string()))?;

    // Time is checked below against `options.now`, with our own errors.
    let mut validation = Validation::new(alg.jose());
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &decoding, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => VerifyError::BadSignature,
            ErrorKind::InvalidAlgorithm => VerifyError::AlgorithmMismatch {
                token: alg.as_str().to_owned(),
                kid: kid.to_owned(),
                key: key_alg.as_str().to_owned(),
            },
            ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
                VerifyError::BadClaims(e.to_string())
            }
            _ => VerifyError::NotAJwt(e.to_string()),
        })?
        .claims;

    check_time(&claims, options)?;
    Ok(claims)
}

/// Whether verified claims are still within their lifetime (a verifier that
/// remembers tokens asks this instead of checking the signature again).
pub fn still_valid(claims: &Claims, options: &VerifyOptions) -> bool {
    check_time(claims, options).is_ok()
}

fn check_time(claims: &Claims, options: &VerifyOptions) -> Result<(), VerifyError> {
    let now = options.now.unwrap_or_else(system_now);
    let leeway = options.leeway_seconds.max(0);
    if now > claims.exp.saturating_add(leeway) {
        return Err(VerifyError::Expired { exp: claims.exp, now });
    }
    let starts = claims.nbf.unwrap_or(claims.iat).max(claims.iat);
    if starts > now.saturating_add(leeway) {
        return Err(VerifyError::NotYetValid { at: starts, now });
    }
    Ok(())
}
