//! Keys as JWK files (RFC 7517): Ed25519 `{"kty":"OKP","crv":"Ed25519"}` and
//! HS256 `{"kty":"oct"}`, each with `kid` and `alg`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::{Carried, Claims, TYP};

/// The two algorithms Vexil signs and accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    EdDSA,
    HS256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EdDSA => "EdDSA",
            Alg::HS256 => "HS256",
        }
    }

    pub fn parse(text: &str) -> Option<Alg> {
        match text {
            "EdDSA" => Some(Alg::EdDSA),
            "HS256" => Some(Alg::HS256),
            _ => None,
        }
    }

    pub(crate) fn jose(self) -> jsonwebtoken::Algorithm {
        match self {
            Alg::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            Alg::HS256 => jsonwebtoken::Algorithm::HS256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not a JWK: {0}")]
    NotJwk(String),
    #[error("unsupported key: {0} (Vexil signs with Ed25519 OKP keys (EdDSA) and oct keys (HS256))")]
    Unsupported(String),
    #[error("the key has no private part (`d` for Ed25519, `k` for HS256): a public key cannot sign")]
    NotPrivate,
    #[error("the key has no `kid`")]
    NoKid,
    #[error("an HS256 key must have at least 32 bytes (has {0})")]
    ShortSecret(usize),
    #[error("the operating system gave no randomness: {0}")]
    Random(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the token would be {size} bytes, over the {max} bytes verifiers accept: carry fewer flags (choose them)", max = crate::MAX_TOKEN_BYTES)]
    TooLarge { size: usize },
}

/// The JWK members Vexil reads and writes (a strict subset of RFC 7517/8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JwkFile {
    pub kty: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub d: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub k: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alg: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none", default)]
    pub use_: Option<String>,
}

impl JwkFile {
    /// The algorithm this key is for: its `alg`, else what its type implies.
    pub(crate) fn alg(&self) -> Result<Alg, KeyError> {
        let implied = match (self.kty.as_str(), self.crv.as_deref()) {
            ("OKP", Some("Ed25519")) => Alg::EdDSA,
            ("oct", _) => Alg::HS256,
            (kty, crv) => return Err(KeyError::Unsupported(format!("kty {kty}, crv {}", crv.unwrap_or("none")))),
        };
        match self.alg.as_deref() {
            None => Ok(implied),
            Some(alg) if Alg::parse(alg) == Some(implied) => Ok(implied),
            Some(alg) => Err(KeyError::Unsupported(format!("alg {alg} on a {} key", self.kty))),
        }
    }
}

fn bytes(member: Option<&String>, what: &str) -> Result<Vec<u8>, KeyError> {
    let text = member.ok_or(KeyError::NotPrivate)?;
    URL_SAFE_NO_PAD.decode(text).map_err(|e| KeyError::NotJwk(format!("`{what}` is not base64url: {e}")))
}

/// A private key that signs decision sets.
pub struct SigningKey {
    kid: String,
    alg: Alg,
    encoding: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a private JWK (as `vexil keys generate` writes it).
    pub fn from_jwk(text: &str) -> Result<SigningKey, KeyError> {
        let jwk: JwkFile = serde_json::from_str(text).map_err(|e| KeyError::NotJwk(e.to_string()))?;
        let alg = jwk.alg()?;
        let kid = jwk.kid.clone().filter(|k| !k.is_empty()).ok_or(KeyError::NoKid)?;
        let encoding = match alg {
            Alg::EdDSA => {
                let seed: [u8; 32] = bytes(jwk.d.as_ref(), "d")?
                    .try_into()
                    .map_err(|_| KeyError::NotJwk("`d` of an Ed25519 key is 32 bytes".into()))?;
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                let der = key.to_pkcs8_der().map_err(|e| KeyError::Signing(e.to_string()))?;
                EncodingKey::from_ed_der(der.as_bytes())
            }
            Alg::HS256 => {
                let secret = bytes(jwk.k.as_ref(), "k")?;
                if secret.len() < 32 {
                    return Err(KeyError::ShortSecret(secret.len()));
                }
                EncodingKey::from_secret(&secret).map_err(|e| KeyError::Signing(e.to_string()))?
            }
        };
        Ok(SigningKey { kid, alg, encoding })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// Signs `carried` as issued by `iss` at `iat` (seconds) for `ttl_seconds`.
    pub fn sign(
        &self,
        carried: Carried,
        iss: &str,
        iat: i64,
        ttl_seconds: i64,
        cid: Option<&str>,
    ) -> Result<String, KeyError> {
        let claims = Claims {
            iss: iss.to_owned(),
            iat,
            exp: iat.saturating_add(ttl_seconds),
            nbf: None,
            jti: crate::new_jti()?,
            cid: cid.map(str::to_owned),
            vexil: carried,
        };
        self.sign_claims(&claims)
    }

    /// Signs any claims (tests use it to make expired or odd tokens).
    pub fn sign_claims(&self, claims: &Claims) -> Result<String, KeyError> {
        let mut header = Header::new(self.alg.jose());
        header.kid = Some(self.kid.clone());
        header.typ = Some(TYP.to_owned());
        let token =
            jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| KeyError::Signing(e.to_string()))?;
        // Never hand out a token every verifier refuses.
        if token.len() > crate::MAX_TOKEN_BYTES {
            return Err(KeyError::TooLarge { size: token.len() });
        }
        Ok(token)
    }
}

fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A new private JWK for `alg` (JSON text).
pub fn generate_key(alg: Alg, kid: &str) -> Result<String, KeyError> {
    let jwk = match alg {
        Alg::EdDSA => {
            let seed = random::<32>()?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            JwkFile {
                kty: "OKP".into(),
                crv: Some("Ed25519".into()),
                x: Some(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
                d: Some(URL_SAFE_NO_PAD.encode(seed)),
                k: None,
                kid: Some(kid.to_owned()),
                alg: Some(alg.as_str().into()),
                use_: Some("sig".into()),
            }
        }
        Alg::HS256 => JwkFile {
            kty: "oct".into(),
            crv: None,
            x: None,
            d: None,
            k: Some(URL_SAFE_NO_PAD.encode(random::<32>()?)),
            kid: Some(kid.to_owned()),
            alg: Some(alg.as_str().into()),
            use_: Some("sig".into()),
        },
    };
    serde_json::to_string_pretty(&jwk).map_err(|e| KeyError::NotJwk(e.to_string()))
}

/// The JWK Set that verifies tokens of these private keys: Ed25519 keys
/// without `d` (downstream services can verify but not sign); HS256 keys
/// as they are (a shared secret verifies and signs alike).
pub fn public_jwks(private_keys: &[&str]) -> Result<String, KeyError> {
    let mut keys = Vec::new();
    for text in private_keys {
        let mut jwk: JwkFile = serde_json::from_str(text).map_err(|e| KeyError::NotJwk(e.to_string()))?;
        let alg = jwk.alg()?;
        if jwk.kid.as_deref().is_none_or(str::is_empty) {
            return Err(KeyError::NoKid);
        }
        if alg == Alg::EdDSA {
            let seed: [u8; 32] = bytes(jwk.d.as_ref(), "d")?
                .try_into()
                .map_err(|_| KeyError::NotJwk("`d` of an Ed25519 key is 32 bytes".into()))?;
            jwk.x =
                Some(URL_SAFE_NO_PAD.encode(ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().as_bytes()));
            jwk.d = None;
        }
        jwk.alg = Some(alg.as_str().into());
        keys.push(jwk);
    }
    serde_json::to_string_pretty(&serde_json::json!({ "keys": keys })).map_err(|e| KeyError::NotJwk(e.to_string()))
}
