#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Inputs that once broke an importer (found in review): each must import
//! to a ruleset that checks, with a note where it is not exact, and quickly.

use serde_json::json;
use vexil::{CheckOptions, FlagValue, Timestamp};

fn decide(source: &str, flag: &str, context: &str) -> Option<FlagValue> {
    let ruleset = vexil::compile(source, &CheckOptions::default()).unwrap();
    ruleset.evaluate_json(flag, context, Timestamp::parse_rfc3339("2026-06-01T00:00:00Z").unwrap()).value
}

#[test]
fn flagd_refs_that_multiply_are_refused_not_expanded() {
    // 12 evaluators, each an `if` over the next three times: 3^12 branches.
    let mut evaluators = serde_json::Map::new();
    for i in 0..12 {
        let next = json!({"$ref": format!("e{}", i + 1)});
        evaluators.insert(format!("e{i}"), json!({"if": [{"var": "a"}, next, {"var": "b"}, next, next]}));
    }
    evaluators.insert("e12".into(), json!("on"));
    let input = json!({"flags": {"f": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off", "targeting": {"$ref": "e0"}}}, "$evaluators": evaluators});
    let started = std::time::Instant::now();
    let imported = vexil_import::flagd::import(&input.to_string()).unwrap();
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    assert!(!imported.report.flags[0].exact);
    assert!(
        imported.report.attention.iter().any(|n| n.message.contains("more than 2000 branches")),
        "{:?}",
        imported.report.attention
    );
}

#[test]
fn flagd_a_var_used_as_a_value_and_as_a_parent_is_reported() {
    let input = json!({"flags": {
        "a": {"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n", "targeting": {"if": [{"==": [{"var": "user"}, "x"]}, "y"]}},
        "b": {"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n", "targeting": {"if": [{"==": [{"var": "user.id"}, "x"]}, "y"]}}
    }});
    let imported = vexil_import::flagd::import(&input.to_string()).unwrap();
    assert!(
        imported.report.attention.iter().any(|n| n.message.contains("cannot both be attributes")),
        "{:?}",
        imported.report.attention
    );
    assert_eq!(decide(&imported.source, "a", r#"{"user":"x"}"#), Some(FlagValue::Bool(true)));
}

#[test]
fn flagd_an_evaluator_reading_the_flag_key_is_not_shared() {
    let input = json!({
        "flags": {
            "a": {"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n", "targeting": {"if": [{"$ref": "is_a"}, "y", "n"]}},
            "b": {"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n", "targeting": {"if": [{"$ref": "is_a"}, "y", "n"]}}
        },
        "$evaluators": {"is_a": {"==": [{"var": "$flagd.flagKey"}, "a"]}}
    });
    let imported = vexil_import::flagd::import(&input.to_string()).unwrap();
    assert_eq!(decide(&imported.source, "a", "{}"), Some(FlagValue::Bool(true)));
    assert_eq!(decide(&imported.source, "b", "{}"), Some(FlagValue::Bool(false)));
}

#[test]
fn flagd_a_var_with_a_default_is_reported_not_dropped() {
    let input = json!({"flags": {"f": {"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n",
        "targeting": {"if": [{"<": [{"var": ["age", 18]}, 21]}, "y", "n"]}}}});
    let imported = vexil_import::flagd::import(&input.to_string()).unwrap();
    assert!(!imported.report.flags[0].exact);
}

#[test]
fn unleash_helper_names_and_property_words_never_clash() {
    let input = json!({"version": 2, "features": [
        {"name": "a", "enabled": true, "strategies": [
            {"name": "flexibleRollout", "parameters": {"rollout": "10", "stickiness": "userId", "groupId": "g1"}},
            {"name": "flexibleRollout", "parameters": {"rollout": "20", "stickiness": "sessionId", "groupId": "g2"}}]},
        {"name": "a__any", "enabled": true, "strategies": [{"name": "default", "constraints": [
            {"contextName": "t-x", "operator": "IN", "values": ["1"]},
            {"contextName": "t_x", "operator": "IN", "values": ["2"]}]}]}
    ]});
    let imported = vexil_import::unleash::import(&input.to_string()).unwrap();
    // Two fields, two attributes: `t-x` → properties.t_x, then `t_x` gets another word.
    let paths: Vec<&str> = imported.report.context.iter().map(|a| a.path.as_str()).collect();
    assert!(paths.contains(&"properties.t_x") && paths.len() == 4, "{paths:?}");
    assert_eq!(
        decide(&imported.source, "a__any", r#"{"properties":{"t_x":"1","t_x_2":"2"}}"#),
        Some(FlagValue::Bool(true))
    );
}

#[test]
fn unleash_random_variant_stickiness_is_reported() {
    let input = json!({"version": 2, "features": [{"name": "v", "enabled": true, "strategies": [],
        "variants": [{"name": "a", "weight": 1, "stickiness": "random"}, {"name": "b", "weight": 1, "stickiness": "random"}]}]});
    let imported = vexil_import::unleash::import(&input.to_string()).unwrap();
    assert!(!imported.report.flags[0].variant_exact);
    assert!(imported.report.attention.iter().any(|n| n.message.contains("stickiness `random`")));
}
