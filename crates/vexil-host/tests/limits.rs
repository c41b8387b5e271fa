#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Issue 12: the plugin loads every ruleset the language accepts (the
//! largest at each limit, with the default limits: load fuel and memory grow
//! with the source), decides contexts of megabytes, and recovers from a trap
//! without compiling the ruleset again.

use std::time::Instant;

use vexil::{CheckOptions, ErrorCode, Reason, Timestamp, limits};
use vexil_host::{Config, Engine, Limits};

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-01T12:00:00Z").unwrap()
}

fn engine() -> Engine {
    Engine::new(Config::default()).unwrap_or_else(|e| panic!("{e}"))
}

const CONTEXT: &str = "context {\n  user.id: string\n  user.n: int\n}\n";

fn flag(i: usize, rule: &str) -> String {
    format!("flag f{i}: bool {{ owner \"o\" default false rule when {rule} => true }}\n")
}

/// Loads `source` natively and in the plugin; decides `flag` for `context` on both.
fn loads_and_agrees(name: &str, source: &str, flag: &str, context: &str) {
    let native = vexil::compile(source, &CheckOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let started = Instant::now();
    let hosted = engine().compile(source).unwrap_or_else(|e| panic!("{name}: the plugin refused it: {e}"));
    eprintln!("{name}: {} bytes loaded by the plugin in {:.2?}", source.len(), started.elapsed());
    let want = native.evaluate_json(flag, context, now());
    assert_eq!(hosted.evaluate(flag, context, now()), want, "{name}");
}

#[test]
fn the_plugin_loads_the_largest_ruleset_of_each_limit() {
    let ada = r#"{"user":{"id":"ada","n":5}}"#;
    let mut most_flags = CONTEXT.to_owned();
    for i in 0..limits::MAX_FLAGS {
        most_flags += &flag(i, "user.n > 1");
    }
    loads_and_agrees("100,000 flags", &most_flags, "f99999", ada);

    let mut most_rules = format!("{CONTEXT}flag f: int {{\n  owner \"o\"\n  default 0\n");
    for i in 0..limits::MAX_RULES_PER_FLAG {
        most_rules += &format!("  rule r{i}: when user.id == \"u{i}\" and user.n > {i} => {i}\n");
    }
    most_rules += "}\n";
    loads_and_agrees("10,000 rules", &most_rules, "f", r#"{"user":{"id":"u9999","n":10000}}"#);

    let items: Vec<String> = (0..limits::MAX_LIST_LEN).map(|i| format!("\"{i}\"")).collect();
    let list = format!("{CONTEXT}{}", flag(0, &format!("user.id in [{}]", items.join(","))));
    loads_and_agrees("a 10,000-item list", &list, "f0", r#"{"user":{"id":"9999"}}"#);

    let chain = vec!["user.n > 1"; limits::MAX_CHAIN_OPERANDS].join(" and ");
    loads_and_agrees("a 10,000-operand chain", &format!("{CONTEXT}{}", flag(0, &chain)), "f0", ada);

    // Nearly 16 MiB of source: one string literal.
    let text = "x".repeat(limits::MAX_SOURCE_BYTES - 1024);
    let big = format!("{CONTEXT}{}", flag(0, &format!("user.id == \"{text}\"")));
    loads_and_agrees("a 16 MiB source", &big, "f0", ada);
}

/// Contexts of megabytes decide in the plugin as natively (call fuel grows
/// with the input; memory is 256 MiB by default).
#[test]
fn contexts_of_megabytes_decide_as_natively() {
    let source = format!("{CONTEXT}{}", flag(0, "user.id starts_with \"ada\""));
    let hosted = engine().compile(&source).unwrap();
    let native = vexil::compile(&source, &CheckOptions::default()).unwrap();
    for megabytes in [1usize, 4, 16] {
        let context = format!(
            r#"{{"user":{{"id":"ada{}"}},"extra":[{}]}}"#,
            "x".repeat(megabytes << 19),
            "1,".repeat(megabytes << 18) + "1"
        );
        let got = hosted.evaluate("f0", &context, now());
        assert_eq!(got, native.evaluate_json("f0", &context, now()), "{megabytes} MB");
        assert_eq!(got.reason, Reason::TargetingMatch, "{megabytes} MB");
    }
}

/// A trap (here: fuel running out on a hostile context) throws the instance
/// away; the next call restores the ruleset from the snapshot taken after
/// loading, never compiling it again, and decides as natively.
#[test]
fn a_trap_restores_the_loaded_ruleset_without_compiling_it_again() {
    let mut source = CONTEXT.to_owned();
    for i in 0..20_000 {
        source += &flag(i, &format!("lower(user.id) contains \"needle{i}\""));
    }
    // 200 rules that each lower-case the whole id: far beyond the call's fuel for a long id.
    source += "flag heavy: bool { owner \"o\" default false on_error true\n";
    for i in 0..200 {
        source += &format!("  rule r{i}: when lower(user.id) contains \"needle{i}\" => true\n");
    }
    source += "}\n";
    let limits = Limits { fuel: 2_000_000, ..Limits::default() };
    let hosted = Engine::new(Config { limits, ..Config::default() }).unwrap().compile(&source).unwrap();
    let native = vexil::compile(&source, &CheckOptions::default()).unwrap();
    let hostile = format!(r#"{{"user":{{"id":"{}"}}}}"#, "X".repeat(100_000));
    let plain = r#"{"user":{"id":"needle7"}}"#;
    let started = Instant::now();
    for _ in 0..20 {
        let decision = hosted.evaluate("heavy", &hostile, now());
        assert_eq!(decision.error_code, Some(ErrorCode::ResourceLimit), "{decision:?}");
        assert_eq!(hosted.evaluate("f7", plain, now()), native.evaluate_json("f7", plain, now()));
    }
    eprintln!("20 hostile calls on a 20,000-flag ruleset, each followed by a good one: {:.2?}", started.elapsed());
    assert_eq!(hosted.compiles(), 1, "a trap must not recompile the ruleset");
    let set = hosted.evaluate_all(plain, now());
    assert_eq!(
        serde_json::to_string(&set).unwrap(),
        serde_json::to_string(&native.evaluate_all_json(plain, now())).unwrap()
    );
}
