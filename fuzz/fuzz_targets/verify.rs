//! Arbitrary bytes as a decision-set token, verified against the committed
//! vector keys (EdDSA and HS256), and as a JWK Set: verification must never
//! panic, and random bytes never verify. Mutations of the committed valid
//! tokens (the seeds) exercise the refusals past the signature check too:
//! a token that does verify must carry the vector's claims exactly.
//!
//! Run with `cargo xtask fuzz [SECONDS]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_sign::{VerifyOptions, verify};

const KEYS: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ","kid":"ed-1","alg":"EdDSA","use":"sig"},{"kty":"oct","k":"TWkdwGPDrMdkkUiJ-3lRnURe0l4QLzc7pCMlzsosy5o","kid":"hs-1","alg":"HS256","use":"sig"}]}"#;
/// The vectors' `now` (tests/sign/vectors.json).
const NOW: i64 = 1_790_000_000;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = VerifyOptions { leeway_seconds: 30, now: Some(NOW) };
    if let Ok(claims) = verify(&text, KEYS, &options) {
        // Only the vectors' signers can make a token verify: it must be theirs.
        assert_eq!(claims.iss, "vectors");
        assert_eq!(claims.vexil.ruleset, "orders");
    }
    // The same bytes as a key set must be refused or read, never a panic.
    let _ = verify("eyJhbGciOiJFZERTQSIsImtpZCI6ImVkLTEifQ.e30.AAAA", &text, &options);
});
