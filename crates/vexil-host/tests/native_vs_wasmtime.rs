#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property test: random rulesets (from a small grammar of flags, rules and
//! conditions over a fixed context schema) and random contexts decide
//! identically, byte for byte, natively and through the wasmtime plugin.
//! Fixed case count and seed (ChaCha), so CI sees the same cases every run;
//! `VEXIL_PROPTEST_CASES` raises the count locally.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use vexil::{CheckOptions, Timestamp};
use vexil_host::{Engine, HostRuleset};

const PRELUDE: &str = r#"enum Plan { free, pro, gold }
context {
  user.id: string
  user.age: int?
  user.score: float
  user.plan: Plan
  user.beta: bool
  user.tags: list<string>
  user.created: timestamp
  app.version: semver
  request.ip: ip?
}
segment staff = user.id ends_with "@acme.com"
"#;

// Emoji (one scalar and a ZWJ family), a combining mark, non-Latin scripts.
const WORDS: &[&str] =
    &["ada", "bob", "vip", "x@acme.com", "", "é", "e\u{301}", "ünï", "10", "😀", "👩\u{200d}👩\u{200d}👧", "用户", "İ"];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(|w| w.to_owned())
}

fn small_int() -> impl Strategy<Value = i64> {
    prop_oneof![-3i64..40, Just(i64::MAX), Just(i64::MIN), Just(i64::MIN + 1), Just(9_007_199_254_740_993)]
}

/// A boolean condition over the schema.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        word().prop_map(|w| format!("user.id == {w:?}")),
        word().prop_map(|w| format!("user.id starts_with {w:?}")),
        word().prop_map(|w| format!("user.tags contains {w:?}")),
        (small_int(), small_int()).prop_map(|(a, b)| format!("(user.age ?? {a}) >= {b}")),
        small_int().prop_map(|n| format!("has(user.age) and user.age * 3 < {n}")),
        small_int().prop_map(|n| format!("(user.age ?? 1) + {n} > 0")),
        (1i64..5).prop_map(|k| format!("len(user.id) % {k} == 0")),
        (0i64..4).prop_map(|k| format!("10 / ((user.age ?? 0) - {k}) > 1")),
        (-2.0f64..2.0).prop_map(|f| format!("user.score > {f:.3}")),
        Just("user.score / 0.0 > 1.0".to_owned()),
        prop::sample::select(&["free", "pro", "gold"][..]).prop_map(|p| format!("user.plan == {p}")),
        Just("user.beta".to_owned()),
        Just("staff".to_owned()),
        prop::sample::select(&["1.0.0", "2.3.0", "2.3.0-rc.1"][..]).prop_map(|v| format!("app.version >= {v:?}")),
        (0i64..5).prop_map(|d| format!("days_since(user.created) > {d}")),
        Just(r#"has(request.ip) and request.ip in ["10.0.0.0/8", "fd00::/8"]"#.to_owned()),
        Just(r#"semver(user.id) > "1.0.0""#.to_owned()),
        Just("len(user.tags) > 1".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not ({c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) or ({b})")),
        ]
    })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Str,
    Plan,
}

fn value(kind: Kind) -> BoxedStrategy<String> {
    match kind {
        Kind::Bool => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        Kind::Int => small_int().prop_map(|n| n.to_string()).boxed(),
        Kind::Str => word().prop_map(|w| format!("{w:?}")).boxed(),
        Kind::Plan => prop::sample::select(&["free", "pro", "gold"][..]).prop_map(str::to_owned).boxed(),
    }
}

fn type_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Str => "string",
        Kind::Plan => "Plan",
    }
}

/// A split weight: small, large (the total stays within 2^31 − 1 for up to
/// three entries) or zero, as an integer; percentages are made in [`outcome`].
fn weight() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 1u32..6, 2 => 6u32..10_000, 1 => 10_000u32..700_000_000, 1 => Just(0u32)]
}

/// One rule's outcome: a value or a split of distinct values, with integer
/// weights or percentages (two decimals at most, summing to exactly 100%).
fn outcome(kind: Kind) -> BoxedStrategy<String> {
    let split = (prop::collection::vec((value(kind), weight()), 1..4), any::<bool>(), any::<bool>(), any::<bool>())
        .prop_map(|(entries, by_age, salted, percent)| {
            let mut seen = Vec::new();
            let entries: Vec<(String, u32)> = entries
                .into_iter()
                .filter(|(v, _)| {
                    !seen.contains(v) && {
                        seen.push(v.clone());
                        true
                    }
                })
                .collect();
            // Percentages: basis points from the weights, the last entry taking the rest.
            let total: u64 = entries.iter().map(|(_, w)| u64::from(*w)).sum::<u64>().max(1);
            let mut left = 10_000u64;
            let entries: Vec<String> = entries
                .iter()
                .enumerate()
                .map(|(i, (v, w))| {
                    if !percent {
                        // At least one entry must weigh something.
                        let w = if i == 0 { (*w).max(1) } else { *w };
                        return format!("{v}: {w}");
                    }
                    let bp = if i + 1 == entries.len() { left } else { (u64::from(*w) * 10_000 / total).min(left) };
                    left -= bp;
                    format!("{v}: {}.{:02}%", bp / 100, bp % 100)
                })
                .collect();
            let by = if by_age { "user.age ?? 7" } else { "user.id" };
            let salt = if salted { r#" salt "s1""# } else { "" };
            format!("split by {by}{salt} {{ {} }}", entries.join(", "))
        });
    prop_oneof![3 => value(kind), 1 => split].boxed()
}

#[derive(Debug, Clone)]
struct FlagSpec {
    kind: Kind,
    text: String,
}

fn flag(index: usize, earlier: Vec<FlagSpec>) -> BoxedStrategy<FlagSpec> {
    let kind = prop::sample::select(&[Kind::Bool, Kind::Int, Kind::Str, Kind::Plan][..]);
    kind.prop_flat_map(move |kind| {
        let rules = prop::collection::vec((condition(), outcome(kind)), 0..4);
        let requires = if earlier.is_empty() {
            Just(None).boxed()
        } else {
            let earlier = earlier.clone();
            prop::option::of((0..earlier.len()).prop_flat_map(move |i| {
                let target = earlier[i].kind;
                value(target).prop_map(move |v| (i, v))
            }))
            .boxed()
        };
        (Just(kind), value(kind), prop::option::of(value(kind)), any::<u8>(), rules, requires)
    })
    .prop_map(move |(kind, default, on_error, state, rules, requires)| {
        let mut text = format!("flag f{index}: {} {{\n  owner \"me\"\n  default {default}\n", type_name(kind));
        if let Some(v) = on_error {
            text += &format!("  on_error {v}\n");
        }
        if state % 7 == 0 {
            text += "  state off\n";
        }
        if let Some((i, v)) = requires {
            text += &format!("  requires f{i} == {v}\n");
        }
        for (n, (when, then)) in rules.iter().enumerate() {
            text += &format!("  rule r{n}: when {when} => {then}\n");
        }
        text += "}\n";
        FlagSpec { kind, text }
    })
    .boxed()
}

fn ruleset() -> impl Strategy<Value = String> {
    // Four flags, each may require an earlier one.
    let f0 = flag(0, vec![]);
    f0.prop_flat_map(|a| {
        let earlier = vec![a.clone()];
        (Just(a), flag(1, earlier))
    })
    .prop_flat_map(|(a, b)| {
        let earlier = vec![a.clone(), b.clone()];
        (Just(a), Just(b), flag(2, earlier))
    })
    .prop_flat_map(|(a, b, c)| {
        let earlier = vec![a.clone(), b.clone(), c.clone()];
        (Just(a), Just(b), Just(c), flag(3, earlier))
    })
    .prop_map(|(a, b, c, d)| format!("{PRELUDE}{}{}{}{}", a.text, b.text, c.text, d.text))
}

/// A context: each attribute present, absent, null or of the wrong type.
fn context() -> impl Strategy<Value = String> {
    fn attr(good: BoxedStrategy<serde_json::Value>) -> BoxedStrategy<Option<serde_json::Value>> {
        prop_oneof![
            6 => good.prop_map(Some),
            1 => Just(None),
            1 => Just(Some(serde_json::Value::Null)),
            1 => prop_oneof![Just(serde_json::json!("str")), Just(serde_json::json!(1.5)), Just(serde_json::json!([1]))].prop_map(Some),
        ]
        .boxed()
    }
    let id = attr(word().prop_map(serde_json::Value::from).boxed());
    let age = attr(prop_oneof![small_int().prop_map(serde_json::Value::from), Just(serde_json::json!(3.0))].boxed());
    let score = attr((-3.0f64..3.0).prop_map(serde_json::Value::from).boxed());
    let plan =
        attr(prop::sample::select(&["free", "pro", "gold", "platinum"][..]).prop_map(serde_json::Value::from).boxed());
    let beta = attr(any::<bool>().prop_map(serde_json::Value::from).boxed());
    let tags = attr(prop::collection::vec(word(), 0..3).prop_map(serde_json::Value::from).boxed());
    let created = attr(
        prop::sample::select(&["2026-02-27T00:00:00Z", "2026-03-01T11:00:00+01:00", "bogus"][..])
            .prop_map(serde_json::Value::from)
            .boxed(),
    );
    let version = attr(
        prop::sample::select(&["2.3.0", "1.9.9", "2.3.0-rc.2", "v2"][..]).prop_map(serde_json::Value::from).boxed(),
    );
    let ip = attr(
        prop::sample::select(&["10.1.2.3", "fd00::1", "192.168.0.1", "::ffff:10.0.0.1"][..])
            .prop_map(serde_json::Value::from)
            .boxed(),
    );
    (id, age, score, plan, beta, tags, created, (version, ip)).prop_map(
        |(id, age, score, plan, beta, tags, created, (version, ip))| {
            let mut user = serde_json::Map::new();
            for (key, value) in [
                ("id", id),
                ("age", age),
                ("score", score),
                ("plan", plan),
                ("beta", beta),
                ("tags", tags),
                ("created", created),
            ] {
                if let Some(value) = value {
                    user.insert(key.to_owned(), value);
                }
            }
            let mut root = serde_json::Map::new();
            root.insert("user".into(), user.into());
            if let Some(version) = version {
                root.insert("app".into(), serde_json::json!({ "version": version }));
            }
            if let Some(ip) = ip {
                root.insert("request".into(), serde_json::json!({ "ip": ip }));
            }
            serde_json::Value::Object(root).to_string()
        },
    )
}

#[test]
fn random_rulesets_decide_identically_natively_and_under_wasmtime() {
    let cases = std::env::var("VEXIL_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256);
    let config = Config { cases, failure_persistence: None, rng_algorithm: RngAlgorithm::ChaCha, ..Config::default() };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[0x5e; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let engine = Engine::new(vexil_host::Config::default()).unwrap_or_else(|e| panic!("{e}"));
    let hosted: HostRuleset = engine.compile("flag seed: bool { owner \"me\" default true }").unwrap();
    let compiled = std::cell::Cell::new(0usize);
    let strategy = (ruleset(), prop::collection::vec(context(), 1..4), 0i64..4);
    let result = runner.run(&strategy, |(source, contexts, day)| {
        let now = Timestamp::from_millis(1_772_323_200_000 + day * 43_200_000).unwrap();
        let native = vexil::compile(&source, &CheckOptions::default());
        let reloaded = hosted.reload(&source);
        let native = match (native, reloaded) {
            (Ok(native), Ok(())) => native,
            (Err(native), Err(vexil_host::Error::Compile(hosted))) => {
                let records = |d: &[vexil::Diagnostic]| vexil::diagnostic_records(&source, d, None);
                prop_assert_eq!(records(&hosted.diagnostics), records(&native.diagnostics));
                return Ok(());
            }
            (native, hosted) => {
                return Err(TestCaseError::fail(format!("native {:?} vs wasmtime {hosted:?}\n{source}", native.err())));
            }
        };
        compiled.set(compiled.get() + 1);
        let version = hosted.version();
        prop_assert_eq!(version.as_ref(), native.version());
        for context in &contexts {
            for info in native.flags() {
                let want = native.evaluate_json(&info.key, context, now).to_json();
                let got = hosted.evaluate(&info.key, context, now).to_json();
                prop_assert_eq!(got, want, "flag {} context {}\n{}", info.key, context, source);
            }
            let want = serde_json::to_string(&native.evaluate_all_json(context, now)).unwrap();
            let got = serde_json::to_string(&hosted.evaluate_all(context, now)).unwrap();
            prop_assert_eq!(got, want);
            if let Ok(decoded) = native.decode_context(context) {
                let want = serde_json::to_string(&native.explain("f2", &decoded, now)).unwrap();
                let got = serde_json::to_string(&hosted.explain("f2", context, now).unwrap()).unwrap();
                prop_assert_eq!(got, want);
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    // The grammar must mostly produce rulesets that compile, or the test proves little.
    let compiled = compiled.get();
    eprintln!("{compiled} of {cases} random rulesets compiled and agreed");
    assert!(compiled * 2 >= cases as usize, "only {compiled} of {cases} random rulesets compiled");
}
