//! `vexil keys`, `vexil decide`, `vexil verify` as a user runs them, checked
//! against an independent JOSE implementation (PyJWT + cryptography, in the
//! virtualenv `cargo xtask test` sets up; `VEXIL_PYTHON` names its python).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const RULES: &str = r#"
context { user.id: string  user.plan: string }
enum Mode { LEGACY_ONLY, DUAL_WRITE, NEW_ONLY }
flag write_mode: Mode { owner "payments" default LEGACY_ONLY rule pro: when user.plan == "pro" => DUAL_WRITE }
flag big: int { owner "t" default 9007199254740993 }
flag ratio: float { owner "t" default 0.25 }
flag on: bool { owner "t" default true }
"#;

fn setup(alg: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("orders.vx"), RULES).unwrap();
    let key = vexil(&["keys", "generate", "--alg", alg, "--kid", "gw-1"], path);
    assert!(key.status.success(), "{}", text(&key.stderr));
    std::fs::write(path.join("key.jwk"), &key.stdout).unwrap();
    let public = vexil(&["keys", "public", "key.jwk"], path);
    assert!(public.status.success(), "{}", text(&public.stderr));
    std::fs::write(path.join("keys.json"), &public.stdout).unwrap();
    dir
}

fn decide(path: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "decide",
        "orders.vx",
        "--context",
        r#"{"user":{"id":"u-1","plan":"pro"}}"#,
        "--key",
        "key.jwk",
        "--iss",
        "gateway",
        "--cid",
        "order-42",
    ];
    args.extend_from_slice(extra);
    let output = vexil(&args, path);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

#[test]
fn decide_then_verify_prints_the_decisions_and_refusals_exit_1() {
    for alg in ["EdDSA", "HS256"] {
        let dir = setup(alg);
        let path = dir.path();
        let token = decide(path, &["--flags", "write_mode,big"]);
        let verified = vexil(&["verify", &token, "--keys", "keys.json"], path);
        assert!(verified.status.success(), "{}", text(&verified.stderr));
        let out = text(&verified.stdout);
        assert!(out.starts_with("valid: issued by gateway for ruleset orders"), "{out}");
        assert!(out.contains("write_mode = \"DUAL_WRITE\" (TARGETING_MATCH, rule pro)"), "{out}");
        assert!(out.contains("big = 9007199254740993 (STATIC)"), "{out}");
        assert!(!out.contains("ratio"), "only the flags asked for: {out}");

        let json = vexil(&["verify", "-", "--keys", "keys.json", "--format", "json"], path);
        let _ = json;
        let mut child = Command::new(env!("CARGO_BIN_EXE_vexil"))
            .args(["verify", "-", "--keys", "keys.json", "--format", "json"])
            .current_dir(path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(claims["cid"], "order-42");
        assert_eq!(claims["vexil"]["decisions"]["big"]["value"].to_string(), "9007199254740993");

        let mut tampered = token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let refused = vexil(&["verify", &tampered, "--keys", "keys.json", "--format", "json"], path);
        assert_eq!(refused.status.code(), Some(1));
        assert!(text(&refused.stderr).contains("refused"), "{}", text(&refused.stderr));
        let error: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert!(["bad_signature", "not_a_jwt"].contains(&error["error"]["code"].as_str().unwrap()), "{error}");

        let expired = decide(path, &["--now", "2020-01-01T00:00:00Z", "--ttl", "5m"]);
        let refused = vexil(&["verify", &expired, "--keys", "keys.json", "--format", "json"], path);
        assert_eq!(refused.status.code(), Some(1));
        let error: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert_eq!(error["error"]["code"], "expired");
        // As of an instant inside its lifetime it was valid; just after, it was not.
        let then = vexil(&["verify", &expired, "--keys", "keys.json", "--now", "2020-01-01T00:04:00Z"], path);
        assert_eq!(then.status.code(), Some(0), "{}", text(&then.stderr));
        let after = vexil(&["verify", &expired, "--keys", "keys.json", "--now", "2020-01-01T00:06:00Z"], path);
        assert_eq!(after.status.code(), Some(1));
    }
}

#[test]
fn usage_errors_are_exit_2() {
    let dir = setup("EdDSA");
    let path = dir.path();
    assert_eq!(
        vexil(&["decide", "orders.vx", "--key", "keys.json"], path).status.code(),
        Some(2),
        "a public set cannot sign"
    );
    assert_eq!(vexil(&["decide", "orders.vx", "--key", "key.jwk", "--flags", "nope"], path).status.code(), Some(2));
    assert_eq!(vexil(&["decide", "orders.vx", "--key", "key.jwk", "--ttl", "90y"], path).status.code(), Some(2));
}

/// The project's tokens verify with PyJWT, and PyJWT's tokens verify with `vexil verify`.
#[test]
fn an_independent_jose_library_agrees_both_ways() {
    let Some(python) = std::env::var_os("VEXIL_PYTHON") else {
        eprintln!("skipped: VEXIL_PYTHON is not set (cargo xtask test sets up PyJWT and sets it)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jose/pyjwt_check.py");
    for alg in ["EdDSA", "HS256"] {
        let dir = setup(alg);
        let path = dir.path();
        let token = decide(path, &[]);
        let checked = Command::new(&python)
            .arg(&script)
            .args(["verify", &token, "keys.json"])
            .current_dir(path)
            .output()
            .unwrap();
        assert!(checked.status.success(), "PyJWT refused a Vexil {alg} token: {}", text(&checked.stderr));
        let claims: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
        assert_eq!(claims["vexil"]["decisions"]["write_mode"]["value"], "DUAL_WRITE");
        assert_eq!(claims["vexil"]["decisions"]["ratio"]["value"], 0.25);
        assert_eq!(claims["iss"], "gateway");

        // PyJWT signs the same claims (its own encoder); Vexil must accept them.
        let raw = String::from_utf8(checked.stdout).unwrap();
        std::fs::write(path.join("claims.json"), &raw).unwrap();
        let signed = Command::new(&python)
            .arg(&script)
            .args(["sign", "key.jwk", "claims.json"])
            .current_dir(path)
            .output()
            .unwrap();
        assert!(signed.status.success(), "{}", text(&signed.stderr));
        let foreign = text(&signed.stdout).trim().to_owned();
        assert_ne!(foreign, token);
        let verified = vexil(&["verify", &foreign, "--keys", "keys.json", "--format", "json"], path);
        assert!(verified.status.success(), "vexil refused PyJWT's {alg} token: {}", text(&verified.stderr));
        let back: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
        assert_eq!(back["vexil"]["decisions"]["big"]["value"].to_string(), "9007199254740993", "exact through Python");
    }
}
