#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The host survives what a plugin can suffer: exhausted fuel, a memory
//! limit, malformed bytes across the ABI, an unknown handle, a trap, a bad
//! reload. Each answers the documented error and keeps serving.

use vexil::{ErrorCode, FlagValue, Reason, Timestamp};
use vexil_host::{Config, Engine, Error, Limits};

const SOURCE: &str = r#"
context { user.id: string  user.tags: list<string>  user.age: int? }
flag beta: bool {
  owner "me"
  default false
  on_error true
  rule ada: when user.id == "ada" => true
  rule tagged: when user.tags contains "vip" => true
}
flag limit: int { owner "me" default 5 on_error 7 rule adult: when (user.age ?? 0) >= 18 => 100 }
"#;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-01T12:00:00Z").unwrap()
}

fn engine(limits: Limits) -> Engine {
    Engine::new(Config { limits, ..Config::default() }).unwrap_or_else(|e| panic!("{e}"))
}

fn native(flag: &str, context: &str) -> String {
    let ruleset = vexil::compile(SOURCE, &vexil::CheckOptions::default()).unwrap();
    ruleset.evaluate_json(flag, context, now()).to_json()
}

const ADA: &str = r#"{"user":{"id":"ada","tags":[]}}"#;

#[test]
fn exhausted_fuel_gives_resource_limit_with_on_error_and_the_host_recovers() {
    let starved = engine(Limits { fuel: 2_000, fuel_per_input_byte: 0, ..Limits::default() });
    let ruleset = starved.compile(SOURCE).unwrap();
    for _ in 0..3 {
        let decision = ruleset.evaluate("limit", ADA, now());
        assert_eq!(decision.reason, Reason::Error);
        assert_eq!(decision.error_code, Some(ErrorCode::ResourceLimit), "{decision:?}");
        assert_eq!(decision.value, Some(FlagValue::Int(7)));
        assert_eq!(decision.variant.as_deref(), Some("7"));
        assert!(decision.error_message.as_deref().unwrap().contains("fuel"), "{decision:?}");
        assert_eq!(decision.ruleset_version.as_ref(), ruleset.version().as_ref());
    }
    let set = ruleset.evaluate_all(ADA, now());
    assert_eq!(set.decisions.len(), 2);
    assert!(set.decisions.iter().all(|d| d.error_code == Some(ErrorCode::ResourceLimit)));
    let explanation = ruleset.explain("beta", ADA, now()).unwrap();
    assert_eq!(explanation.decision.value, Some(FlagValue::Bool(true)));
    // An unknown flag is still FLAG_NOT_FOUND.
    assert_eq!(ruleset.evaluate("nope", ADA, now()).error_code, Some(ErrorCode::FlagNotFound));
    // Loading itself under a starved load budget fails with a limit, not a crash.
    let no_load = engine(Limits { load_fuel: 10_000, load_fuel_per_byte: 0, ..Limits::default() });
    assert!(matches!(no_load.compile(SOURCE), Err(Error::Limit(_))));
    // A well-fed engine in the same process is unaffected.
    let fed = engine(Limits::default()).compile(SOURCE).unwrap();
    assert_eq!(fed.evaluate("beta", ADA, now()).to_json(), native("beta", ADA));
}

#[test]
fn memory_limit_gives_resource_limit_and_the_ruleset_keeps_serving() {
    // Fuel enough for megabytes of JSON: the memory limit is what must stop it.
    let limits = Limits { memory_bytes: 8 << 20, memory_per_source_byte: 0, fuel: 50_000_000_000, ..Limits::default() };
    let ruleset = engine(limits).compile(SOURCE).unwrap();
    assert!(ruleset.memory_bytes() < 8 << 20);
    // Inputs of several sizes: some fail to fit at all, some fit but their
    // decoding does not. Every one answers RESOURCE_LIMIT.
    for megabytes in [3usize, 5, 7, 9, 64] {
        let tags: Vec<String> = (0..megabytes * 1024 * 1024 / 16).map(|i| format!("tag-{i:010}")).collect();
        let context = serde_json::json!({ "user": { "id": "bob", "tags": tags } }).to_string();
        let decision = ruleset.evaluate("beta", &context, now());
        assert_eq!(decision.error_code, Some(ErrorCode::ResourceLimit), "{megabytes} MB: {decision:?}");
        assert_eq!(decision.value, Some(FlagValue::Bool(true)));
        assert!(decision.error_message.as_deref().unwrap().contains("memory limit"), "{decision:?}");
        // Still serving, byte for byte the native answer.
        assert_eq!(ruleset.evaluate("beta", ADA, now()).to_json(), native("beta", ADA));
    }
}

#[test]
fn malformed_bytes_across_the_abi_are_refused_not_fatal() {
    let ruleset = engine(Limits::default()).compile(SOURCE).unwrap();
    let handle = ruleset.raw_handle();
    // The raw hooks report the guest's `{"error":{"code",…}}` as a refusal.
    let refused = |result: Result<Option<String>, String>, code: &str| {
        let text = result.unwrap_err();
        assert!(text.starts_with(&format!("Refused {{ code: \"{code}\"")), "{text}");
    };
    // Out-of-bounds pointers and huge lengths.
    refused(ruleset.raw_call("vexil_eval", &[handle, u32::MAX - 16, 64]), "BAD_INPUT");
    refused(ruleset.raw_call("vexil_eval", &[handle, 1024, u32::MAX]), "BAD_INPUT");
    refused(ruleset.raw_call("vexil_eval_all", &[handle, 0x7fff_0000, 0x10_0000]), "BAD_INPUT");
    refused(ruleset.raw_call("vexil_load", &[u32::MAX, u32::MAX]), "BAD_INPUT");
    // Invalid UTF-8 and a missing instant line.
    refused(ruleset.raw_input("vexil_eval", Some(handle), b"2026-03-01T12:00:00Z\n{\"flag\":\"\xff\"}"), "BAD_INPUT");
    refused(ruleset.raw_input("vexil_load", None, b"flag \xc3\x28: bool {}"), "BAD_INPUT");
    refused(ruleset.raw_input("vexil_explain", Some(handle), b"{\"flag\":\"beta\"}"), "BAD_INPUT");
    // Not JSON, not a request: a PARSE_ERROR decision, exactly native's.
    for line in ["not json", "{\"flag\": 3}", "[]", "{\"flag\":\"beta\",\"now\":\"yesterday\"}", ""] {
        let hosted = ruleset.evaluate_request(line, now());
        let native_ruleset = vexil::compile(SOURCE, &vexil::CheckOptions::default()).unwrap();
        let native = vexil::request::evaluate_request_json(&native_ruleset, line, now());
        assert_eq!(hosted.to_json(), native.to_json(), "{line}");
        assert_eq!(hosted.error_code, Some(ErrorCode::ParseError));
    }
    // A context that is not JSON: INVALID_CONTEXT, exactly native's (message included).
    for context in ["{", "nope", "[1,2]", "{\"user\":{\"id\":1}}", "{\"user\": 5}"] {
        assert_eq!(ruleset.evaluate("beta", context, now()).to_json(), native("beta", context), "{context}");
    }
    let native_ruleset = vexil::compile(SOURCE, &vexil::CheckOptions::default()).unwrap();
    for context in ["{", "[]", ADA] {
        let want = serde_json::to_string(&native_ruleset.evaluate_all_json(context, now())).unwrap();
        assert_eq!(serde_json::to_string(&ruleset.evaluate_all(context, now())).unwrap(), want);
    }
    assert!(matches!(ruleset.explain("beta", "[]", now()), Err(Error::Request(_))));
    // Huge allocations are refused with a null pointer, not a trap.
    assert_eq!(ruleset.raw_call("vexil_alloc", &[u32::MAX]).unwrap().as_deref(), Some("0"));
    assert_eq!(ruleset.evaluate("beta", ADA, now()).to_json(), native("beta", ADA));
}

#[test]
fn unknown_handle_is_refused() {
    let ruleset = engine(Limits::default()).compile(SOURCE).unwrap();
    let input = b"2026-03-01T12:00:00Z\n{\"flag\":\"beta\"}";
    for export in ["vexil_eval", "vexil_eval_all", "vexil_explain"] {
        let text = ruleset.raw_input(export, Some(9_999), input).unwrap_err();
        assert!(text.starts_with("Refused { code: \"UNKNOWN_HANDLE\""), "{text}");
    }
    assert_eq!(ruleset.raw_call("vexil_unload", &[9_999]).ok(), None, "vexil_unload is not a raw-call export");
    assert_eq!(ruleset.evaluate("beta", ADA, now()).to_json(), native("beta", ADA));
}

#[test]
fn a_trap_rebuilds_the_instance_from_the_kept_source() {
    let ruleset = engine(Limits::default()).compile(SOURCE).unwrap();
    let before = ruleset.evaluate("beta", ADA, now()).to_json();
    // Freeing a pointer far outside memory makes the allocator read out of bounds: a trap.
    let trapped = ruleset.raw_call("vexil_free", &[u32::MAX - 3, 16]);
    let error = trapped.unwrap_err();
    assert!(error.contains("Trap"), "{error}");
    assert_eq!(ruleset.memory_bytes(), 0, "the damaged instance is dropped");
    // The next call rebuilds a fresh instance and answers exactly as before.
    assert_eq!(ruleset.evaluate("beta", ADA, now()).to_json(), before);
    assert_eq!(before, native("beta", ADA));
}

#[test]
fn a_bad_reload_keeps_the_last_good_ruleset() {
    let ruleset = engine(Limits::default()).compile(SOURCE).unwrap();
    let version = ruleset.version();
    let broken = "flag x: bool { default 3 }";
    match ruleset.reload(broken) {
        Err(Error::Compile(error)) => {
            let native = vexil::compile(broken, &vexil::CheckOptions::default()).unwrap_err();
            let records = |d: &[vexil::Diagnostic]| vexil::diagnostic_records(broken, d, None);
            assert_eq!(records(&error.diagnostics), records(&native.diagnostics));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ruleset.version(), version);
    assert_eq!(ruleset.evaluate("beta", ADA, now()).to_json(), native("beta", ADA));
    // A good reload swaps the ruleset.
    let next = SOURCE.replace("default 5", "default 6");
    ruleset.reload(&next).unwrap();
    assert_ne!(ruleset.version(), version);
    assert_eq!(ruleset.evaluate("limit", "{}", now()).value, Some(FlagValue::Int(6)));
    // A reload that hits a limit also keeps the previous ruleset.
    // Enough fuel to compile a one-flag ruleset (fingerprints included), not SOURCE.
    let tight = engine(Limits { load_fuel: 400_000, load_fuel_per_byte: 0, ..Limits::default() });
    let small = tight.compile("flag a: bool { owner \"me\" default true }").unwrap();
    assert!(matches!(small.reload(SOURCE), Err(Error::Limit(_))));
    assert_eq!(small.evaluate("a", "{}", now()).value, Some(FlagValue::Bool(true)));
}

#[test]
fn a_missing_module_names_the_build_command() {
    let config = Config { module_path: Some("/nonexistent/vexil_abi.wasm".into()), ..Config::default() };
    let error = Engine::new(config).unwrap_err();
    assert!(error.to_string().contains("cargo xtask build-plugin"), "{error}");
}

#[test]
fn the_module_has_no_imports() {
    let bytes = std::fs::read(vexil_host::module::default_module_path()).expect("build it: cargo xtask build-plugin");
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(imports) => {
                assert_eq!(imports.count(), 0, "the plugin module must not import anything");
            }
            wasmparser::Payload::ExportSection(section) => {
                exports.extend(section.into_iter().map(|e| e.unwrap().name.to_owned()));
            }
            _ => {}
        }
    }
    for name in [
        "memory",
        "vexil_abi_version",
        "vexil_alloc",
        "vexil_free",
        "vexil_load",
        "vexil_eval",
        "vexil_eval_all",
        "vexil_explain",
        "vexil_unload",
    ] {
        assert!(exports.iter().any(|e| e == name), "missing export {name}: {exports:?}");
    }
}

#[test]
fn the_default_fuel_budget_has_a_hundredfold_margin_for_a_typical_decision() {
    // Limits::fuel's docs promise a 10-attribute decision needs about 1 % of it.
    let tight = engine(Limits { fuel: Limits::default().fuel / 100, ..Limits::default() });
    let ruleset = tight.compile(SOURCE).unwrap();
    let context = r#"{"user":{"id":"user-8271","tags":["a","b","vip"],"age":37,"email":"ada@example.com","country":"DE","plan":"pro","beta":true,"score":0.82},"app":{"version":"4.3.1"}}"#;
    for flag in ["beta", "limit"] {
        assert_eq!(ruleset.evaluate(flag, context, now()).to_json(), native(flag, context));
    }
}

/// Issue 12: with a work budget (`Limits::work`) each flag of an evaluate-all
/// has its own: a flag that would scan a huge context runs out
/// (RESOURCE_LIMIT, deterministically, as natively) and the others decide;
/// without it one heavy flag used to exhaust the call's fuel for the set.
#[test]
fn a_work_budget_stops_the_heavy_flag_of_an_evaluate_all_and_no_other() {
    const HEAVY: &str = r#"
context { user.id: string  user.bio: string }
flag light: bool { owner "me" default false rule r: when user.id == "ada" => true }
flag heavy: bool { owner "me" default false on_error true rule r: when lower(user.bio) contains "needle" => true }
flag also_light: int { owner "me" default 1 rule r: when user.id != "bob" => 2 }
"#;
    let context = format!(r#"{{"user":{{"id":"ada","bio":"{}"}}}}"#, "x".repeat(1 << 20));
    let budget = 10_000;
    let ruleset = engine(Limits { work: Some(budget), ..Limits::default() }).compile(HEAVY).unwrap();
    let set = ruleset.evaluate_all(&context, now());
    let native = vexil::compile(HEAVY, &vexil::CheckOptions::default()).unwrap();
    let decoded = native.decode_context(&context).unwrap();
    let want = native.evaluate_all_within(&decoded, now(), Some(budget));
    assert_eq!(serde_json::to_string(&set).unwrap(), serde_json::to_string(&want).unwrap());
    let codes: Vec<Option<ErrorCode>> = set.decisions.iter().map(|d| d.error_code).collect();
    assert_eq!(codes, [None, Some(ErrorCode::ResourceLimit), None]);
    assert_eq!(set.decisions[1].value, Some(FlagValue::Bool(true)));
    // One decision alone agrees; a bio that fits the budget decides.
    assert_eq!(ruleset.evaluate("heavy", &context, now()), want.decisions[1]);
    let small = format!(r#"{{"user":{{"id":"ada","bio":"{}"}}}}"#, "x".repeat(10_000));
    assert_eq!(ruleset.evaluate("heavy", &small, now()).reason, Reason::Default);
}
