//! Decision-set tokens: round trips with exact values, and every refusal of
//! DISTRIBUTION.md §5 as its own error. Tokens are also checked against an
//! independent JOSE library (PyJWT) in `crates/vexil-cli/tests/sign.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use vexil::{CheckOptions, Timestamp};
use vexil_sign::{Alg, Claims, SigningKey, VerifyError, VerifyOptions, decide, generate_key, public_jwks, verify};

const SOURCE: &str = r#"
context { user.id: string }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag big: int { owner "t" default 9007199254740993 }
flag ratio: float { owner "t" default 0.1 }
flag mode: Mode { owner "t" default DUAL_WRITE }
flag text: string { owner "t" default "é \"quoted\"" rule ada: when user.id == "ada" => "hi" }
flag on: bool { owner "t" default true }
"#;

const NOW: i64 = 1_790_000_000;

fn carried() -> vexil_sign::Carried {
    let ruleset = vexil::compile(SOURCE, &CheckOptions::default()).unwrap();
    let now = Timestamp::parse_rfc3339("2026-09-21T12:00:00Z").unwrap();
    decide(&ruleset, "shop", r#"{"user":{"id":"ada"}}"#, None, now).unwrap()
}

fn keys(alg: Alg, kid: &str) -> (SigningKey, String) {
    let private = generate_key(alg, kid).unwrap();
    (SigningKey::from_jwk(&private).unwrap(), public_jwks(&[&private]).unwrap())
}

fn at_now() -> VerifyOptions {
    VerifyOptions { leeway_seconds: 30, now: Some(NOW) }
}

#[test]
fn tokens_round_trip_with_exact_values_for_both_algorithms() {
    for alg in [Alg::EdDSA, Alg::HS256] {
        let (key, jwks) = keys(alg, "k1");
        let token = key.sign(carried(), "gateway", NOW, 300, Some("order-42")).unwrap();
        let claims = verify(&token, &jwks, &at_now()).unwrap();
        assert_eq!(claims.vexil, carried());
        assert_eq!(
            (claims.iss.as_str(), claims.iat, claims.exp, claims.cid.as_deref()),
            ("gateway", NOW, NOW + 300, Some("order-42"))
        );
        assert_eq!(claims.jti.len(), 32);
        // The payload carries 2^53 + 1 as an exact JSON integer.
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert!(payload.contains("\"value\":9007199254740993"), "{payload}");
        assert!(payload.contains("\"value\":0.1"), "{payload}");
        assert!(payload.contains("\"value\":\"DUAL_WRITE\""), "{payload}");
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        assert!(
            header.contains(&format!("\"alg\":\"{}\"", alg.as_str()))
                && header.contains("\"typ\":\"vexil-decisions+jwt\""),
            "{header}"
        );
    }
}

#[test]
fn the_public_set_of_an_ed25519_key_cannot_sign() {
    let private = generate_key(Alg::EdDSA, "k1").unwrap();
    let jwks = public_jwks(&[&private]).unwrap();
    assert!(!jwks.contains("\"d\""), "{jwks}");
    let public_key = serde_json::from_str::<serde_json::Value>(&jwks).unwrap()["keys"][0].to_string();
    assert!(matches!(SigningKey::from_jwk(&public_key), Err(vexil_sign::KeyError::NotPrivate)));
}

fn tamper(token: &str, part: usize, edit: impl Fn(&mut serde_json::Value)) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut value: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[part]).unwrap()).unwrap();
    edit(&mut value);
    parts[part] = URL_SAFE_NO_PAD.encode(value.to_string());
    parts.join(".")
}

#[test]
fn every_refusal_is_its_own_error() {
    let (key, jwks) = keys(Alg::EdDSA, "k1");
    let token = key.sign(carried(), "gateway", NOW, 300, None).unwrap();
    let check = |token: &str| verify(token, &jwks, &at_now());

    let payload = tamper(&token, 1, |v| v["vexil"]["decisions"]["on"]["value"] = false.into());
    assert_eq!(check(&payload), Err(VerifyError::BadSignature), "tampered payload");
    let header = tamper(&token, 0, |v| v["cid"] = "x".into());
    assert_eq!(check(&header), Err(VerifyError::BadSignature), "tampered header");
    let (_, other_jwks) = keys(Alg::EdDSA, "k1");
    assert_eq!(verify(&token, &other_jwks, &at_now()), Err(VerifyError::BadSignature), "wrong key");

    let none =
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#), token.split('.').nth(1).unwrap());
    assert_eq!(check(&none), Err(VerifyError::AlgNone));
    let rs = tamper(&token, 0, |v| v["alg"] = "RS256".into());
    assert_eq!(check(&rs), Err(VerifyError::AlgorithmNotAllowed("RS256".into())));

    // Algorithm confusion: HS256 "signed" with the Ed25519 public key's bytes.
    let x = serde_json::from_str::<serde_json::Value>(&jwks).unwrap()["keys"][0]["x"].as_str().unwrap().to_owned();
    let public_bytes = URL_SAFE_NO_PAD.decode(&x).unwrap();
    let confused_key = SigningKey::from_jwk(
        &serde_json::json!({ "kty": "oct", "k": URL_SAFE_NO_PAD.encode(&public_bytes), "kid": "k1", "alg": "HS256" })
            .to_string(),
    )
    .unwrap();
    let confused = confused_key.sign(carried(), "mallory", NOW, 300, None).unwrap();
    assert!(matches!(check(&confused), Err(VerifyError::AlgorithmMismatch { .. })), "{:?}", check(&confused));

    let unknown = tamper(&token, 0, |v| v["kid"] = "k9".into());
    assert_eq!(check(&unknown), Err(VerifyError::UnknownKid("k9".into())));
    let no_kid = tamper(&token, 0, |v| {
        v.as_object_mut().unwrap().remove("kid");
    });
    assert_eq!(check(&no_kid), Err(VerifyError::NoKid));
    let typ = tamper(&token, 0, |v| v["typ"] = "JWT".into());
    assert_eq!(check(&typ), Err(VerifyError::WrongType("JWT".into())));

    let expired = key.sign(carried(), "gateway", NOW - 1000, 300, None).unwrap();
    assert_eq!(check(&expired), Err(VerifyError::Expired { exp: NOW - 700, now: NOW }));
    let within_leeway = key.sign(carried(), "gateway", NOW - 320, 300, None).unwrap();
    assert!(check(&within_leeway).is_ok(), "20 s past exp is within the 30 s leeway");
    let future = key.sign(carried(), "gateway", NOW + 600, 300, None).unwrap();
    assert_eq!(check(&future), Err(VerifyError::NotYetValid { at: NOW + 600, now: NOW }));
    let mut claims: Claims = verify(&token, &jwks, &at_now()).unwrap();
    claims.nbf = Some(NOW + 120);
    let not_before = key.sign_claims(&claims).unwrap();
    assert_eq!(check(&not_before), Err(VerifyError::NotYetValid { at: NOW + 120, now: NOW }));

    let huge = format!("{token}{}", "A".repeat(17 * 1024));
    assert!(matches!(check(&huge), Err(VerifyError::TooLarge { .. })));
    for junk in ["", "hello", "a.b", "a.b.c.d", "..", "e30.e30.", "!!.!!.!!", "eyJhbGciOiJFZERTQSJ9.e30.c2ln"] {
        assert!(check(junk).is_err(), "{junk}");
    }
    let not_claims = key.sign_claims(&claims).unwrap();
    assert!(check(&not_claims).is_err());
    let garbage_claims = tamper(&token, 1, |v| *v = serde_json::json!({ "iss": 1 }));
    assert_eq!(check(&garbage_claims), Err(VerifyError::BadSignature), "tampering is found before the claims are read");
}

#[test]
fn random_bytes_never_panic() {
    let (key, jwks) = keys(Alg::HS256, "k1");
    let token = key.sign(carried(), "gateway", NOW, 300, None).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"AZaz09-_.=+/{}\":, e";
    for round in 0..5000 {
        let mut bytes: Vec<u8> = token.as_bytes().to_vec();
        let edits = 1 + (next() % 8) as usize;
        for _ in 0..edits {
            let at = (next() as usize) % bytes.len();
            bytes[at] = alphabet[(next() as usize) % alphabet.len()];
        }
        if round % 3 == 0 {
            bytes.truncate((next() as usize) % bytes.len());
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = verify(&text, &jwks, &at_now());
    }
}

#[test]
fn a_set_too_large_to_verify_is_never_signed() {
    let mut source = String::new();
    for i in 0..300 {
        source.push_str(&format!(
            "flag flag_number_{i}: string {{ owner \"t\" default \"a fairly long default value\" }}\n"
        ));
    }
    let ruleset = vexil::compile(&source, &CheckOptions::default()).unwrap();
    let now = Timestamp::parse_rfc3339("2026-09-21T12:00:00Z").unwrap();
    let (key, _) = keys(Alg::EdDSA, "k1");
    let carried = decide(&ruleset, "big", "{}", None, now).unwrap();
    assert!(matches!(key.sign(carried, "gw", NOW, 60, None), Err(vexil_sign::KeyError::TooLarge { .. })));
}

#[test]
fn deciding_a_flag_the_ruleset_lacks_is_an_error() {
    let ruleset = vexil::compile(SOURCE, &CheckOptions::default()).unwrap();
    let now = Timestamp::parse_rfc3339("2026-09-21T12:00:00Z").unwrap();
    let chosen = decide(&ruleset, "shop", "{}", Some(&["on".to_owned(), "mode".to_owned()]), now).unwrap();
    assert_eq!(chosen.decisions.keys().collect::<Vec<_>>(), ["mode", "on"]);
    assert!(decide(&ruleset, "shop", "{}", Some(&["nope".to_owned()]), now).unwrap_err().contains("nope"));
}
