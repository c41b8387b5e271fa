#![cfg(feature = "wasmtime")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `vexil eval --engine wasmtime` prints exactly what `--engine native`
//! prints, for every example ruleset and every output form. Needs the plugin
//! module (`cargo xtask build-plugin`; `cargo xtask test` builds it first) and
//! the `wasmtime` feature (on in `cargo xtask test`).

use std::path::Path;
use std::process::Command;

fn vexil(args: &[&str]) -> (String, String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).output().unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
        output.status.code(),
    )
}

#[test]
fn wasmtime_engine_prints_what_native_prints() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let requests = std::env::temp_dir().join(format!("vexil-engines-{}.jsonl", std::process::id()));
    std::fs::write(
        &requests,
        "{\"flag\":\"new_checkout\",\"context\":{\"user\":{\"id\":\"u1\",\"country\":\"DE\"}}}\nnot json\n{\"flag\":\"nope\"}\n{\"flag\":\"max_cart_items\",\"context_json\":\"{\\\"user\\\":{\\\"age\\\":\\\"x\\\"}}\"}\n",
    )
    .unwrap();
    let requests = requests.display().to_string();
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "vx") {
            continue;
        }
        let file = path.display().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        let first_flag =
            source.lines().find_map(|l| l.strip_prefix("flag ")).and_then(|l| l.split(':').next()).unwrap_or("x");
        let contexts = [r#"{"user":{"id":"ada","country":"DE","email":"a@acme.com","age":30}}"#, "{}", "{", "[]"];
        let mut forms: Vec<Vec<String>> = Vec::new();
        for context in contexts {
            let base = vec![
                "eval".into(),
                file.clone(),
                "--now".into(),
                "2026-05-01T10:00:00Z".into(),
                "--context".into(),
                context.into(),
            ];
            forms.push([base.clone(), vec!["--all".into()]].concat());
            forms.push([base.clone(), vec!["--flag".into(), first_flag.into()]].concat());
            forms.push([base.clone(), vec!["--flag".into(), first_flag.into(), "--explain".into()]].concat());
            forms.push(
                [base, vec!["--flag".into(), first_flag.into(), "--explain".into(), "--format".into(), "json".into()]]
                    .concat(),
            );
        }
        forms.push(vec![
            "eval".into(),
            file.clone(),
            "--now".into(),
            "2026-05-01T10:00:00Z".into(),
            "--requests".into(),
            requests.clone(),
        ]);
        for form in forms {
            let args: Vec<&str> = form.iter().map(String::as_str).collect();
            let native = vexil(&[args.as_slice(), &["--engine", "native"]].concat());
            let wasmtime = vexil(&[args.as_slice(), &["--engine", "wasmtime"]].concat());
            assert_eq!(wasmtime, native, "{args:?}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} invocations compared");
}

#[test]
fn wasmtime_engine_reports_compile_errors_like_native() {
    let path = std::env::temp_dir().join(format!("vexil-engines-bad-{}.vx", std::process::id()));
    std::fs::write(
        &path,
        "context { user.id: string }\nflag x: bool { default 3 rule when user.idd == \"a\" => true }\n",
    )
    .unwrap();
    let file = path.display().to_string();
    let native = vexil(&["eval", &file, "--all", "--engine", "native"]);
    let wasmtime = vexil(&["eval", &file, "--all", "--engine", "wasmtime"]);
    assert_eq!(wasmtime, native);
    assert_eq!(native.2, Some(1));
}
