#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every imported flag decides what Unleash's own engine (Yggdrasil 0.21.7)
//! decides: `check_enabled` for the flag, `check_variant`'s name for the
//! variant flag, on hand-written feature sets in the client API's shape
//! (`tests/fixtures/unleash/*.json`) and on randomly generated feature sets
//! and contexts (thousands of users, so split buckets are compared too).

use std::collections::HashMap;

use serde_json::{Value, json};
use unleash_yggdrasil::state::EnrichedContext;
use unleash_yggdrasil::{ClientFeatures, Context, EngineState, UpdateMessage};
use vexil::{CheckOptions, FlagValue, Reason, Timestamp};

mod common;

use common::Rng;

/// One test context, as each engine takes it.
struct Case {
    unleash: Context,
    vexil: String,
}

const NOW: &str = "2026-06-01T12:00:00Z";

fn now() -> Timestamp {
    Timestamp::parse_rfc3339(NOW).unwrap()
}

/// A context: the same facts for Unleash (strings) and for Vexil (typed JSON).
fn context(rng: &mut Rng) -> Case {
    let mut unleash = Context { current_time: Some(NOW.to_owned()), ..Context::default() };
    let mut vexil = serde_json::Map::new();
    let mut properties = HashMap::new();
    let mut vexil_properties = serde_json::Map::new();
    let has_user = rng.chance(85);
    if has_user {
        let id = format!("u-{}", rng.below(5000));
        unleash.user_id = Some(id.clone());
        vexil.insert("userId".into(), json!(id));
    }
    if !has_user || rng.chance(50) {
        let id = format!("s-{}", rng.below(5000));
        unleash.session_id = Some(id.clone());
        vexil.insert("sessionId".into(), json!(id));
    }
    if rng.chance(80) {
        let env = (*rng.pick(&["prod", "dev", "staging"])).to_owned();
        unleash.environment = Some(env.clone());
        vexil.insert("environment".into(), json!(env));
    }
    if rng.chance(70) {
        let app = (*rng.pick(&["web", "ios"])).to_owned();
        unleash.app_name = Some(app.clone());
        vexil.insert("appName".into(), json!(app));
    }
    if rng.chance(60) {
        let ip = format!("{}.{}.{}.{}", rng.pick(&[10, 192, 172, 8]), rng.below(256), rng.below(256), rng.below(256));
        unleash.remote_address = Some(ip.clone());
        vexil.insert("remoteAddress".into(), json!(ip));
    }
    let mut text = |name: &str, chance: u64, values: &[&str], rng: &mut Rng| {
        if rng.chance(chance) {
            let v = (*rng.pick(values)).to_owned();
            properties.insert(name.to_owned(), v.clone());
            vexil_properties.insert(name.to_owned(), json!(v));
        }
    };
    text("tier", 80, &["free", "pro", "gold", "Pro"], rng);
    text("email", 70, &["ada@acme.com", "BOB@ACME.COM", "eve@other.org", "x@acme.com.evil"], rng);
    text("country", 70, &["DE", "FR", "US", "de"], rng);
    text("version", 70, &["1.2.3", "2.0.0-beta.1", "2.0.0", "10.0.0", "1.10.0+build.5"], rng);
    text(
        "signup",
        60,
        &["2024-01-01T00:00:00Z", "2025-06-01T12:00:00Z", "2026-05-31T23:59:59Z", "2026-06-01T12:00:01Z"],
        rng,
    );
    if rng.chance(70) {
        let age = *rng.pick(&[0.0, 17.0, 18.0, 21.5, 42.0, 99.0]);
        properties.insert("age".into(), format!("{age}"));
        vexil_properties.insert("age".into(), json!(age));
    }
    if !vexil_properties.is_empty() {
        vexil.insert("properties".into(), Value::Object(vexil_properties));
    }
    unleash.properties = Some(properties);
    Case { unleash, vexil: Value::Object(vexil).to_string() }
}

/// Loads the JSON into Yggdrasil (refusing warnings, which would mean a
/// feature set Unleash itself cannot read), imports it, and compares every
/// feature the report calls exact on every context. Returns the decisions
/// compared and those skipped because the report says they are not exact.
fn compare(unleash_json: &str, cases: &[Case], name: &str) -> (usize, usize) {
    let features: ClientFeatures = serde_json::from_str(unleash_json).unwrap();
    let engine = EngineState::default();
    if let Some(warnings) = engine.take_state(UpdateMessage::FullResponse(features)) {
        panic!("{name}: Yggdrasil warns: {warnings:?}");
    }
    let imported = vexil_import::unleash::import(unleash_json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ruleset = vexil::compile(&imported.source, &CheckOptions::default()).unwrap();
    let (mut compared, mut skipped) = (0, 0);
    for flag in &imported.report.flags {
        if !flag.exact {
            skipped += 2 * cases.len();
            continue;
        }
        for (i, case) in cases.iter().enumerate() {
            let enriched = EnrichedContext::from(&case.unleash, &flag.source_key, None);
            let want = engine.check_enabled(&enriched).unwrap();
            let decision = ruleset.evaluate_json(&flag.flag, &case.vexil, now());
            let got = match (&decision.value, decision.reason) {
                (Some(FlagValue::Bool(b)), r) if r != Reason::Error => *b,
                _ => panic!("{name}: {} on case {i}: {decision:?}\n{}", flag.flag, imported.source),
            };
            assert_eq!(
                got, want,
                "{name}: {} enabled on context {} (case {i})\n{}",
                flag.flag, case.vexil, imported.source
            );
            compared += 1;
            if !flag.variant_exact {
                skipped += 1;
                continue;
            }
            let want_variant = engine.check_variant(&enriched).unwrap().name;
            let got_variant = match &flag.variant_flag {
                Some(variant_flag) => match ruleset.evaluate_json(variant_flag, &case.vexil, now()).value {
                    Some(FlagValue::String(s)) => s.to_string(),
                    other => panic!("{name}: {variant_flag}: {other:?}"),
                },
                None => "disabled".to_owned(),
            };
            assert_eq!(
                got_variant, want_variant,
                "{name}: {} variant on context {} (case {i})\n{}",
                flag.flag, case.vexil, imported.source
            );
            compared += 1;
        }
    }
    (compared, skipped)
}

#[test]
fn hand_written_feature_sets_decide_as_yggdrasil() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/unleash");
    let mut rng = Rng(7);
    let cases: Vec<Case> = (0..3000).map(|_| context(&mut rng)).collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut total, mut skipped) = (0, 0);
    for file in &files {
        let json = std::fs::read_to_string(file).unwrap();
        let (compared, not_exact) = compare(&json, &cases, &file.display().to_string());
        total += compared;
        skipped += not_exact;
    }
    assert!(files.len() >= 3, "{files:?}");
    eprintln!(
        "{} fixture files: {total} decisions equal to Yggdrasil's; {skipped} of flags reported not exact skipped",
        files.len()
    );
}

// ------------------------------------------------------------------ random feature sets

const STRING_FIELDS: [(&str, &[&str]); 6] = [
    ("tier", &["free", "pro", "gold", "PRO"]),
    ("email", &["@acme.com", "ada", ".org", "@ACME.COM"]),
    ("country", &["DE", "FR", "US"]),
    ("environment", &["prod", "dev"]),
    ("appName", &["web", "ios"]),
    ("userId", &["u-1", "u-2", "u-3", "u-42"]),
];

fn constraint(rng: &mut Rng) -> Value {
    let inverted = rng.chance(20);
    match rng.below(6) {
        0..=2 => {
            let (field, values) = *rng.pick(&STRING_FIELDS);
            let op = *rng.pick(&["IN", "NOT_IN", "STR_CONTAINS", "STR_STARTS_WITH", "STR_ENDS_WITH"]);
            let count = 1 + rng.below(3) as usize;
            let chosen: Vec<&str> = (0..count).map(|_| *rng.pick(values)).collect();
            json!({"contextName": field, "operator": op, "values": chosen, "inverted": inverted, "caseInsensitive": rng.chance(30)})
        }
        3 => {
            let op = *rng.pick(&["NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE"]);
            let value = *rng.pick(&["18", "21.5", "0", "42", "-1"]);
            json!({"contextName": "age", "operator": op, "value": value, "inverted": inverted})
        }
        4 => {
            let op = *rng.pick(&["SEMVER_EQ", "SEMVER_GT", "SEMVER_LT"]);
            let value = *rng.pick(&["2.0.0", "1.10.0", "2.0.0-beta.1", "1.2.3"]);
            json!({"contextName": "version", "operator": op, "value": value, "inverted": inverted})
        }
        _ => {
            let field = *rng.pick(&["signup", "currentTime"]);
            let op = *rng.pick(&["DATE_AFTER", "DATE_BEFORE"]);
            let value = *rng.pick(&[
                "2025-01-01T00:00:00Z",
                "2026-06-01T12:00:00Z",
                "2026-05-31T23:59:59.500Z",
                "2026-06-01T14:00:00+02:00",
            ]);
            json!({"contextName": field, "operator": op, "value": value, "inverted": inverted})
        }
    }
}

fn strategy(rng: &mut Rng, segments: usize) -> Value {
    let mut strategy = match rng.below(10) {
        0 => json!({"name": "default"}),
        1 | 2 => {
            let ids: Vec<String> = (0..30).map(|_| format!("u-{}", rng.below(5000))).collect();
            json!({"name": "userWithId", "parameters": {"userIds": ids.join(", ")}})
        }
        3 => {
            json!({"name": "gradualRolloutUserId", "parameters": {"percentage": rng.below(101).to_string(), "groupId": "g-user"}})
        }
        4 => json!({"name": "remoteAddress", "parameters": {"IPs": "10.0.0.0/8, 192.168.1.1, 172.16.5.0/20"}}),
        _ => {
            let any = rng.below(101);
            let rollout = *rng.pick(&[0, 5, 25, 50, 100, any]);
            let stickiness = *rng.pick(&["default", "default", "userId", "sessionId", "tier"]);
            let mut parameters = json!({"rollout": rollout.to_string(), "stickiness": stickiness});
            if rng.chance(60) {
                parameters["groupId"] = json!(format!("group-{}", rng.below(3)));
            }
            json!({"name": "flexibleRollout", "parameters": parameters})
        }
    };
    let constraints: Vec<Value> = (0..rng.below(3)).map(|_| constraint(rng)).collect();
    strategy["constraints"] = json!(constraints);
    if segments > 0 && rng.chance(25) {
        strategy["segments"] = json!([1 + rng.below(segments as u64)]);
    }
    if rng.chance(15) {
        strategy["variants"] = json!(variants(rng, false));
        if strategy.get("parameters").is_none() {
            strategy["parameters"] = json!({});
        }
    }
    strategy
}

fn variants(rng: &mut Rng, overrides: bool) -> Vec<Value> {
    let count = 2 + rng.below(3);
    (0..count)
        .map(|i| {
            let mut variant = json!({"name": format!("v{i}"), "weight": if i == 0 { 1 + rng.below(1000) } else { rng.below(1000) }, "weightType": "variable", "stickiness": "default"});
            if overrides && rng.chance(25) {
                variant["overrides"] = json!([{"contextName": *rng.pick(&["userId", "tier"]), "values": ["u-1", "u-2", "gold"]}]);
            }
            if rng.chance(30) {
                variant["payload"] = json!({"type": "string", "value": format!("payload-{i}")});
            }
            variant
        })
        .collect()
}

fn feature_set(rng: &mut Rng) -> String {
    let segment_count = rng.below(3) as usize;
    let segments: Vec<Value> = (1..=segment_count)
        .map(|id| json!({"id": id, "constraints": (0..1 + rng.below(2)).map(|_| constraint(rng)).collect::<Vec<_>>()}))
        .collect();
    let mut features: Vec<Value> = Vec::new();
    for i in 0..8 {
        let name = format!("feature-{i}");
        let strategies: Vec<Value> = (0..rng.below(4)).map(|_| strategy(rng, segment_count)).collect();
        let mut feature = json!({"name": name, "type": "release", "enabled": rng.chance(85), "strategies": strategies});
        if rng.chance(40) {
            feature["variants"] = json!(variants(rng, true));
        }
        if i > 0 && rng.chance(25) {
            let parent = format!("feature-{}", rng.below(i));
            feature["dependencies"] = json!([{"feature": parent, "enabled": rng.chance(70)}]);
        }
        features.push(feature);
    }
    json!({"version": 2, "features": features, "segments": segments}).to_string()
}

#[test]
fn random_feature_sets_decide_as_yggdrasil() {
    let mut rng = Rng(2026);
    let cases: Vec<Case> = (0..1500).map(|_| context(&mut rng)).collect();
    let (mut total, mut skipped) = (0, 0);
    for set in 0..40 {
        let json = feature_set(&mut rng);
        let (compared, not_exact) = compare(&json, &cases, &format!("random set {set}: {json}"));
        total += compared;
        skipped += not_exact;
    }
    eprintln!(
        "40 random feature sets × 8 features × 1500 contexts: {total} decisions equal to Yggdrasil's; {skipped} skipped (reported not exact)"
    );
    // The generator stays mostly within what translates exactly.
    assert!(skipped * 10 < total, "{skipped} skipped of {total}");
}
