#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every imported flag decides what flagd decides, evaluated independently:
//! the original targeting runs in datalogic-rs (a JSONLogic engine with
//! flagd's `fractional` v2 and `sem_ver`; `starts_with`/`ends_with` as flagd
//! defines them, registered here) under flagd's resolution rules (disabled →
//! DISABLED, no targeting → STATIC, `null` → DEFAULT, a variant name or a
//! boolean → TARGETING_MATCH). On hand-written definitions
//! (`tests/fixtures/flagd/*.json`) and random ones, with thousands of
//! contexts (ASCII keys), so split buckets are compared too.

use datalogic_rs::operator::EvalContext;
use datalogic_rs::{ArenaExt, CustomOperator, DataValue, Engine};
use serde_json::{Map, Value, json};
use vexil::{CheckOptions, FlagValue, Reason, Timestamp};

mod common;

use common::Rng;

const NOW: &str = "2026-06-01T12:00:00Z";
const NOW_SECONDS: i64 = 1_780_315_200;

struct Affix {
    prefix: bool,
}

impl CustomOperator for Affix {
    fn evaluate<'a>(
        &self,
        args: &[&'a DataValue<'a>],
        _ctx: &mut EvalContext<'_, 'a>,
        arena: &'a datalogic_rs::bumpalo::Bump,
    ) -> datalogic_rs::Result<&'a DataValue<'a>> {
        // flagd: exactly two strings, else null.
        match (args, args.first().and_then(|a| a.as_str()), args.get(1).and_then(|a| a.as_str())) {
            ([_, _], Some(s), Some(affix)) => {
                Ok(arena.bool(if self.prefix { s.starts_with(affix) } else { s.ends_with(affix) }))
            }
            _ => Ok(arena.null()),
        }
    }
}

fn engine() -> Engine {
    Engine::builder()
        .add_operator("starts_with", Affix { prefix: true })
        .add_operator("ends_with", Affix { prefix: false })
        .build()
}

/// flagd's `$ref` substitution, done here independently of the importer.
fn substitute(value: &Value, evaluators: &Map<String, Value>, depth: usize) -> Value {
    assert!(depth < 40, "a $ref cycle");
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$ref") => {
            let name = map["$ref"].as_str().unwrap();
            substitute(&evaluators[name], evaluators, depth + 1)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, evaluators, depth))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, evaluators, depth)).collect()),
        other => other.clone(),
    }
}

/// flagd's resolution: (reason, value).
fn flagd_decide(
    engine: &Engine,
    key: &str,
    flag: &Value,
    evaluators: &Map<String, Value>,
    context: &Value,
) -> (&'static str, Value) {
    let variants = flag["variants"].as_object().unwrap();
    let default = variants[flag["defaultVariant"].as_str().unwrap()].clone();
    if flag["state"] == "DISABLED" {
        return ("DISABLED", default);
    }
    let targeting = match flag.get("targeting") {
        None => return ("STATIC", default),
        Some(t) if t.as_object().is_some_and(Map::is_empty) => return ("STATIC", default),
        Some(t) => substitute(t, evaluators, 0),
    };
    let mut data = context.clone();
    data["$flagd"] = json!({"flagKey": key, "timestamp": NOW_SECONDS});
    let result: Value =
        serde_json::from_str(&engine.eval_str(&targeting.to_string(), &data.to_string()).unwrap()).unwrap();
    match result {
        Value::Null => ("DEFAULT", default),
        Value::String(name) => {
            ("TARGETING_MATCH", variants.get(&name).cloned().unwrap_or_else(|| panic!("{key}: variant {name}")))
        }
        Value::Bool(b) => ("TARGETING_MATCH", variants[&b.to_string()].clone()),
        other => panic!("{key}: targeting gave {other}"),
    }
}

fn vexil_value(value: &FlagValue) -> Value {
    match value {
        FlagValue::Bool(b) => json!(b),
        FlagValue::Int(i) => json!(i),
        FlagValue::Float(f) => json!(f),
        FlagValue::String(s) => json!(s.to_string()),
    }
}

fn same_number_or_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Compares every flag the report calls exact; returns (compared, skipped).
fn compare(definitions: &str, contexts: &[Value], name: &str) -> (usize, usize) {
    let root: Value = serde_json::from_str(definitions).unwrap();
    let evaluators = root.get("$evaluators").and_then(Value::as_object).cloned().unwrap_or_default();
    let imported = vexil_import::flagd::import(definitions).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ruleset = vexil::compile(&imported.source, &CheckOptions::default()).unwrap();
    let engine = engine();
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let (mut compared, mut skipped) = (0, 0);
    for flag in &imported.report.flags {
        if !flag.exact {
            skipped += contexts.len();
            continue;
        }
        let definition = &root["flags"][&flag.source_key];
        for (i, context) in contexts.iter().enumerate() {
            let (reason, value) = flagd_decide(&engine, &flag.source_key, definition, &evaluators, context);
            let decision = ruleset.evaluate_json(&flag.flag, &context.to_string(), now);
            let got_reason = match decision.reason {
                Reason::Static => "STATIC",
                Reason::Default => "DEFAULT",
                Reason::TargetingMatch | Reason::Split => "TARGETING_MATCH",
                Reason::Disabled => "DISABLED",
                other => panic!("{name}: {} on {context}: {other:?} {decision:?}\n{}", flag.flag, imported.source),
            };
            let got = decision.value.as_ref().map(vexil_value).unwrap_or(Value::Null);
            assert!(
                got_reason == reason && (reason == "DISABLED" || same_number_or_value(&got, &value)),
                "{name}: {} on context {context} (case {i}): flagd {reason} {value}, vexil {got_reason} {got}\n{}",
                flag.flag,
                imported.source
            );
            compared += 1;
        }
    }
    (compared, skipped)
}

fn context(rng: &mut Rng) -> Value {
    let mut c = Map::new();
    if rng.chance(92) {
        c.insert("targetingKey".into(), json!(format!("user-{}", rng.below(6000))));
    }
    if rng.chance(80) {
        c.insert(
            "email".into(),
            json!(*rng.pick(&["ada@acme.com", "admin@other.org", "bob@example.com", "root@acme.com.evil"])),
        );
    }
    if rng.chance(75) {
        c.insert("country".into(), json!(*rng.pick(&["DE", "FR", "US", "JP"])));
    }
    if rng.chance(70) {
        c.insert("age".into(), json!(*rng.pick(&[3, 17, 18, 30, 65, 99])));
    }
    if rng.chance(60) {
        c.insert("beta".into(), json!(rng.chance(50)));
    }
    if rng.chance(70) {
        c.insert("tier".into(), json!(*rng.pick(&["free", "pro", "gold"])));
    }
    if rng.chance(70) {
        c.insert(
            "app".into(),
            json!({"version": *rng.pick(&["1.2.3", "2.0.0-beta.1", "2.0.0", "2.5.1", "3.0.0", "10.1.0"])}),
        );
    }
    Value::Object(c)
}

#[test]
fn hand_written_definitions_decide_as_flagd() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flagd");
    let mut rng = Rng(11);
    let contexts: Vec<Value> = (0..3000).map(|_| context(&mut rng)).collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut total, mut skipped) = (0, 0);
    for file in &files {
        let (c, s) = compare(&std::fs::read_to_string(file).unwrap(), &contexts, &file.display().to_string());
        total += c;
        skipped += s;
    }
    assert!(files.len() >= 2, "{files:?}");
    eprintln!(
        "{} fixture files: {total} decisions equal to flagd's; {skipped} of flags reported not exact skipped",
        files.len()
    );
}

fn condition(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 1 { 11 } else { 14 }) {
        0 => json!({"==": [{"var": "country"}, *rng.pick(&["DE", "FR"])]}),
        1 => json!({"!=": [{"var": "tier"}, *rng.pick(&["free", "gold"])]}),
        2 => json!({*rng.pick(&["<", "<=", ">", ">="]): [{"var": "age"}, *rng.pick(&[18, 21, 65])]}),
        3 => json!({*rng.pick(&["<", "<="]): [16, {"var": "age"}, *rng.pick(&[30, 65])]}),
        4 => json!({"in": [{"var": "country"}, ["DE", "FR", "JP"]]}),
        5 => json!({"in": [*rng.pick(&["acme", "admin"]), {"var": "email"}]}),
        6 => {
            json!({*rng.pick(&["starts_with", "ends_with"]): [{"var": "email"}, *rng.pick(&["admin", "@acme.com", "ada"])]})
        }
        7 => {
            json!({"sem_ver": [{"var": "app.version"}, *rng.pick(&["=", "!=", "<", "<=", ">", ">=", "^", "~"]), *rng.pick(&["2.0.0", "v2.0", "2.0.0-beta.1", "2.5.0", "10"])]})
        }
        8 => json!({"var": "beta"}),
        9 => {
            json!({*rng.pick(&[">", "<", ">=", "<="]): [{"var": "$flagd.timestamp"}, *rng.pick(&[NOW_SECONDS - 1, NOW_SECONDS, NOW_SECONDS + 1])]})
        }
        10 => json!({"$ref": *rng.pick(&["is_staff", "is_adult"])}),
        11 => json!({"and": [condition(rng, depth + 1), condition(rng, depth + 1)]}),
        12 => json!({"or": [condition(rng, depth + 1), condition(rng, depth + 1)]}),
        _ => json!({"!": [condition(rng, depth + 1)]}),
    }
}

fn fractional(rng: &mut Rng, names: &[String]) -> Value {
    let mut args: Vec<Value> = Vec::new();
    match rng.below(4) {
        0 => {}
        1 => args.push(json!({"var": "email"})),
        2 => args.push(json!({"cat": [{"var": "$flagd.flagKey"}, {"var": "targetingKey"}]})),
        _ => args.push(json!({"cat": ["shared-seed", {"var": "email"}]})),
    }
    let mut pool = names.to_vec();
    let count = 1 + rng.below(pool.len() as u64);
    for _ in 0..count {
        let name = pool.remove(rng.below(pool.len() as u64) as usize);
        if rng.chance(20) {
            args.push(json!([name]));
        } else {
            args.push(json!([name, rng.below(60)]));
        }
    }
    json!({"fractional": args})
}

fn result(rng: &mut Rng, names: &[String], depth: u32) -> Value {
    match rng.below(if depth > 1 { 3 } else { 5 }) {
        0 => json!(rng.pick(names).clone()),
        1 => Value::Null,
        2 => fractional(rng, names),
        _ => {
            let mut items = Vec::new();
            for _ in 0..1 + rng.below(3) {
                items.push(condition(rng, 0));
                items.push(result(rng, names, depth + 1));
            }
            if rng.chance(60) {
                items.push(result(rng, names, depth + 1));
            }
            json!({"if": items})
        }
    }
}

fn definitions(rng: &mut Rng) -> String {
    let mut flags = Map::new();
    for i in 0..8 {
        let (variants, names): (Value, Vec<String>) = match rng.below(4) {
            0 => (json!({"on": true, "off": false}), vec!["on".into(), "off".into()]),
            1 => (
                json!({"red": "#f00", "green": "#0f0", "blue": "#00f"}),
                vec!["red".into(), "green".into(), "blue".into()],
            ),
            2 => (json!({"low": 1, "mid": 5, "high": 50}), vec!["low".into(), "mid".into(), "high".into()]),
            _ => (json!({"a": 0.5, "b": 1.25}), vec!["a".into(), "b".into()]),
        };
        let default = rng.pick(&names).clone();
        let mut flag = json!({"state": if rng.chance(90) { "ENABLED" } else { "DISABLED" }, "variants": variants, "defaultVariant": default});
        if rng.chance(90) {
            // A targeting that is only `null` is a degenerate case of its own (a fixture covers it).
            let mut targeting = Value::Null;
            while targeting.is_null() {
                targeting = result(rng, &names, 0);
            }
            flag["targeting"] = targeting;
        }
        flags.insert(format!("flag-{i}"), flag);
    }
    json!({
        "flags": flags,
        "$evaluators": {
            "is_staff": {"ends_with": [{"var": "email"}, "@acme.com"]},
            "is_adult": {">=": [{"var": "age"}, 18]}
        }
    })
    .to_string()
}

#[test]
fn random_definitions_decide_as_flagd() {
    let mut rng = Rng(2027);
    let contexts: Vec<Value> = (0..1500).map(|_| context(&mut rng)).collect();
    let (mut total, mut skipped) = (0, 0);
    for set in 0..40 {
        let json = definitions(&mut rng);
        let (c, s) = compare(&json, &contexts, &format!("random set {set}: {json}"));
        total += c;
        skipped += s;
    }
    eprintln!(
        "40 random definition sets × 8 flags × 1500 contexts: {total} decisions equal to flagd's; {skipped} skipped (reported not exact)"
    );
    assert!(skipped * 10 < total, "{skipped} skipped of {total}");
}
