//! The committed token vectors (`tests/sign/vectors.json`, made by PyJWT with
//! fixed keys — not by this crate): every valid token's claims exactly, every
//! refusal's code. The JS verifier checks the same file (web/test/sign.test.mjs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vexil_sign::{Claims, VerifyOptions, verify};

fn vectors() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sign/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn pyjwt_tokens_verify_with_exact_claims_and_refusals_have_their_codes() {
    let vectors = vectors();
    let keys = vectors["public_keys"].to_string();
    let options = VerifyOptions { leeway_seconds: 30, now: vectors["now"].as_i64() };
    for valid in vectors["valid"].as_array().unwrap() {
        let claims = verify(valid["token"].as_str().unwrap(), &keys, &options)
            .unwrap_or_else(|e| panic!("{}: {e}", valid["name"]));
        let expected: Claims = serde_json::from_value(valid["claims"].clone()).unwrap();
        assert_eq!(claims, expected, "{}", valid["name"]);
        // 2^53 + 1 arrives exactly, not as the nearest double.
        assert_eq!(serde_json::to_value(&claims.vexil.decisions["big"].value).unwrap().to_string(), "9007199254740993");
    }
    let refusals = vectors["refusals"].as_array().unwrap();
    assert!(refusals.len() >= 15);
    for refusal in refusals {
        let error =
            verify(refusal["token"].as_str().unwrap(), &keys, &options).expect_err(refusal["name"].as_str().unwrap());
        assert_eq!(error.code(), refusal["code"], "{}: {error}", refusal["name"]);
    }
}

#[test]
fn the_vector_keys_sign_tokens_the_vectors_verifier_accepts() {
    let vectors = vectors();
    let keys = vectors["public_keys"].to_string();
    for alg in ["EdDSA", "HS256"] {
        let key = vexil_sign::SigningKey::from_jwk(&vectors["private_keys"][alg].to_string()).unwrap();
        let claims: Claims = serde_json::from_value(vectors["valid"][0]["claims"].clone()).unwrap();
        let token = key.sign_claims(&claims).unwrap();
        let options = VerifyOptions { leeway_seconds: 30, now: vectors["now"].as_i64() };
        assert_eq!(verify(&token, &keys, &options).unwrap(), claims, "{alg}");
    }
}
