//! The flags of the side-by-side benchmark, each written twice: as Vexil
//! ruleset text and as the Unleash feature JSON (what the Unleash server's
//! `/api/client/features` sends and `EngineState::take_state` ingests). The two
//! forms of every scenario stand next to each other so a reader can check they
//! say the same thing.
//!
//! Both engines read the same context JSON (`CONTEXT_JSON`): Unleash's standard
//! fields at the top level and everything else under `properties`. Vexil's
//! schema declares exactly those paths, so one string feeds both engines.
//!
//! Translation rules used throughout:
//! - an Unleash strategy (constraints AND-ed) is one Vexil rule `=> true`;
//!   strategies are OR-ed, Vexil rules are tried in order: the same thing for a
//!   boolean flag whose default is `false`;
//! - `IN [..]` is `in [..]`, `STR_ENDS_WITH [x]` is `ends_with x`,
//!   `SEMVER_GTE v` is `>= "v"` on a `semver` attribute, `NUM_GTE n` is `>= n`
//!   on an `int` attribute;
//! - strategies are Unleash's `default` strategy with constraints (the leanest
//!   form for Yggdrasil: a `flexibleRollout` at 100% would add a hash per call);
//! - a 50% gradual rollout (`flexibleRollout`, stickiness `userId`) is a Vexil
//!   `split by userId { true: 50%, false: 50% }`. The two engines hash
//!   differently (Unleash: MurmurHash3 of `groupId:userId` mod 100; Vexil:
//!   MurmurHash3 of `flagKey + userId`, scaled), so the same user can land on
//!   different sides; only the share is the same.
//!
//! Every context attribute is declared required in Vexil; the generated
//! contexts always carry all ten with well-formed values. (On a missing or
//! malformed attribute the engines differ by design: Unleash treats the
//! constraint as false and goes on to the next strategy, Vexil stops the flag
//! with an `ERROR` decision and its `on_error` value.)

use std::fmt::Write;

/// The 10-attribute context every scenario is measured with, in the one JSON
/// form both engines read.
pub const CONTEXT_JSON: &str = r#"{"userId":"user-8271","sessionId":"s-5f1c9a","environment":"production","appName":"checkout","remoteAddress":"10.1.2.3","properties":{"email":"ada@example.com","country":"DE","plan":"pro","appVersion":"4.3.1","age":37}}"#;

/// Vexil's declaration of those ten attributes (`properties.x` is the nested
/// JSON object `properties`, as Unleash sends it).
pub const VEXIL_CONTEXT: &str = r#"
context {
  userId: string
  sessionId: string
  environment: string
  appName: string
  remoteAddress: ip
  properties.email: string
  properties.country: string
  properties.plan: string
  properties.appVersion: semver
  properties.age: int
}
"#;

// ---------------------------------------------------------------------------
// 1. One condition: user id in a list of three.
// ---------------------------------------------------------------------------

pub const ONE_CONDITION_VEXIL: &str = r#"
flag one_condition: bool {
  owner "bench"
  default false
  rule allowlist: when userId in ["user-1001", "user-8271", "user-4242"] => true
}
"#;

pub const ONE_CONDITION_UNLEASH: &str = r#"
{ "name": "one_condition", "type": "release", "enabled": true, "project": "default",
  "strategies": [
    { "name": "default", "parameters": {}, "variants": [],
      "constraints": [
        { "contextName": "userId", "operator": "IN", "values": ["user-1001", "user-8271", "user-4242"],
          "caseInsensitive": false, "inverted": false } ] } ],
  "variants": [] }
"#;

// ---------------------------------------------------------------------------
// 2. Two conditions: a list and a SemVer comparison.
// ---------------------------------------------------------------------------

pub const TWO_CONDITIONS_VEXIL: &str = r#"
flag two_conditions: bool {
  owner "bench"
  default false
  rule eu_new_app: when properties.country in ["DE", "FR", "NL"] and properties.appVersion >= "4.2.0" => true
}
"#;

pub const TWO_CONDITIONS_UNLEASH: &str = r#"
{ "name": "two_conditions", "type": "release", "enabled": true, "project": "default",
  "strategies": [
    { "name": "default", "parameters": {}, "variants": [],
      "constraints": [
        { "contextName": "country", "operator": "IN", "values": ["DE", "FR", "NL"],
          "caseInsensitive": false, "inverted": false },
        { "contextName": "appVersion", "operator": "SEMVER_GTE", "value": "4.2.0",
          "caseInsensitive": false, "inverted": false } ] } ],
  "variants": [] }
"#;

// ---------------------------------------------------------------------------
// 3. A 50% gradual rollout by user id (the hashes differ by design).
// ---------------------------------------------------------------------------

pub const ROLLOUT_VEXIL: &str = r#"
flag rollout: bool {
  owner "bench"
  default false
  rule half: when true => split by userId { true: 50%, false: 50% }
}
"#;

pub const ROLLOUT_UNLEASH: &str = r#"
{ "name": "rollout", "type": "release", "enabled": true, "project": "default",
  "strategies": [
    { "name": "flexibleRollout", "constraints": [], "variants": [],
      "parameters": { "rollout": "50", "stickiness": "userId", "groupId": "rollout" } } ],
  "variants": [] }
"#;

// ---------------------------------------------------------------------------
// 4. A realistic flag: three rules (strategies) with literal lists.
// ---------------------------------------------------------------------------

pub const REALISTIC_VEXIL: &str = r#"
flag realistic: bool {
  owner "bench"
  default false
  rule allowlist: when userId in ["user-1001", "user-1002", "user-1003", "user-1004", "user-1005",
                                  "user-1006", "user-1007", "user-1008", "user-1009", "user-1010"] => true
  rule eu_paid:   when properties.country in ["DE", "FR", "IT", "ES", "NL"]
                   and properties.plan in ["pro", "gold"]
                   and properties.appVersion >= "4.2.0"
                   and properties.age >= 18 => true
  rule staff:     when environment in ["staging", "development"]
                   and properties.email ends_with "@acme.com" => true
}
"#;

pub const REALISTIC_UNLEASH: &str = r#"
{ "name": "realistic", "type": "release", "enabled": true, "project": "default",
  "strategies": [
    { "name": "default", "parameters": {}, "variants": [],
      "constraints": [
        { "contextName": "userId", "operator": "IN",
          "values": ["user-1001", "user-1002", "user-1003", "user-1004", "user-1005",
                     "user-1006", "user-1007", "user-1008", "user-1009", "user-1010"],
          "caseInsensitive": false, "inverted": false } ] },
    { "name": "default", "parameters": {}, "variants": [],
      "constraints": [
        { "contextName": "country", "operator": "IN", "values": ["DE", "FR", "IT", "ES", "NL"],
          "caseInsensitive": false, "inverted": false },
        { "contextName": "plan", "operator": "IN", "values": ["pro", "gold"],
          "caseInsensitive": false, "inverted": false },
        { "contextName": "appVersion", "operator": "SEMVER_GTE", "value": "4.2.0",
          "caseInsensitive": false, "inverted": false },
        { "contextName": "age", "operator": "NUM_GTE", "value": "18",
          "caseInsensitive": false, "inverted": false } ] },
    { "name": "default", "parameters": {}, "variants": [],
      "constraints": [
        { "contextName": "environment", "operator": "IN", "values": ["staging", "development"],
          "caseInsensitive": false, "inverted": false },
        { "contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@acme.com"],
          "caseInsensitive": false, "inverted": false } ] } ],
  "variants": [] }
"#;

/// The four single-flag scenarios' flags: (key, Vexil text, Unleash JSON).
pub const SINGLE_FLAGS: [(&str, &str, &str); 4] = [
    ("one_condition", ONE_CONDITION_VEXIL, ONE_CONDITION_UNLEASH),
    ("two_conditions", TWO_CONDITIONS_VEXIL, TWO_CONDITIONS_UNLEASH),
    ("rollout", ROLLOUT_VEXIL, ROLLOUT_UNLEASH),
    ("realistic", REALISTIC_VEXIL, REALISTIC_UNLEASH),
];

/// A Vexil ruleset: the context block and the given flags.
pub fn vexil_ruleset<'a>(flags: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(VEXIL_CONTEXT);
    for flag in flags {
        out.push_str(flag);
    }
    out
}

/// An Unleash client-features document (`version` 2) holding the given features.
pub fn unleash_features<'a>(features: impl IntoIterator<Item = &'a str>) -> String {
    let list: Vec<&str> = features.into_iter().map(str::trim).collect();
    format!(r#"{{"version":2,"features":[{}],"segments":[],"query":{{}}}}"#, list.join(","))
}

/// Both forms of the four single-flag scenarios, in one ruleset / one document.
pub fn single_flag_sources() -> (String, String) {
    (vexil_ruleset(SINGLE_FLAGS.iter().map(|f| f.1)), unleash_features(SINGLE_FLAGS.iter().map(|f| f.2)))
}

// ---------------------------------------------------------------------------
// 5./6. A thousand flags, cycling through the four shapes above with varying
// literals (evaluate-all and compile scenarios).
// ---------------------------------------------------------------------------

/// Whether flag `i` of [`thousand_flags`] is a split (a percentage rollout),
/// whose answers differ between the engines by design.
pub fn is_split(i: usize) -> bool {
    i % 4 == 2
}

/// `n` flags `f0`… in both forms: (Vexil ruleset text, Unleash features JSON).
pub fn thousand_flags(n: usize) -> (String, String) {
    let mut vexil = String::from(VEXIL_CONTEXT);
    let mut unleash = Vec::with_capacity(n);
    let countries = ["DE", "FR", "IT", "ES", "NL", "US", "GB", "PL"];
    for i in 0..n {
        let key = format!("f{i}");
        let cond = |op: &str, name: &str, v: &str| {
            format!(r#"{{"contextName":"{name}","operator":"{op}",{v},"caseInsensitive":false,"inverted":false}}"#)
        };
        let strategy = |constraints: Vec<String>| {
            format!(r#"{{"name":"default","parameters":{{}},"variants":[],"constraints":[{}]}}"#, constraints.join(","))
        };
        let (vexil_rules, strategies) = match i % 4 {
            0 => {
                // One condition: user id in a list of three (every eighth flag lists the measured user).
                let ids = [
                    format!("user-{}", 1000 + i),
                    format!("user-{}", 3000 + i),
                    if i % 8 == 0 { "user-8271".to_string() } else { format!("user-{}", 5000 + i) },
                ];
                (
                    format!(r#"rule allowlist: when userId in ["{}", "{}", "{}"] => true"#, ids[0], ids[1], ids[2]),
                    vec![strategy(vec![cond(
                        "IN",
                        "userId",
                        &format!(r#""values":["{}","{}","{}"]"#, ids[0], ids[1], ids[2]),
                    )])],
                )
            }
            1 => {
                // Two conditions: country list and a SemVer floor.
                let (a, b) = (countries[i % 8], countries[(i / 8) % 8]);
                let version = format!("4.{}.0", i % 7);
                (
                    format!(
                        r#"rule r: when properties.country in ["{a}", "{b}"] and properties.appVersion >= "{version}" => true"#
                    ),
                    vec![strategy(vec![
                        cond("IN", "country", &format!(r#""values":["{a}","{b}"]"#)),
                        cond("SEMVER_GTE", "appVersion", &format!(r#""value":"{version}""#)),
                    ])],
                )
            }
            2 => {
                // A gradual rollout between 10% and 90%.
                let p = 10 + (i * 7) % 81;
                (
                    format!("rule r: when true => split by userId {{ true: {p}%, false: {}% }}", 100 - p),
                    vec![format!(
                        r#"{{"name":"flexibleRollout","constraints":[],"variants":[],"parameters":{{"rollout":"{p}","stickiness":"userId","groupId":"{key}"}}}}"#
                    )],
                )
            }
            _ => {
                // The realistic three-rule shape.
                let ids: Vec<String> = (0..10).map(|k| format!("user-{}", 10_000 + i * 10 + k)).collect();
                let quoted: Vec<String> = ids.iter().map(|s| format!("\"{s}\"")).collect();
                let eu: Vec<String> = countries[..5].iter().map(|c| format!("\"{c}\"")).collect();
                let version = format!("4.{}.0", i % 5);
                let age = 16 + i % 5;
                (
                    format!(
                        "rule allowlist: when userId in [{ids}] => true \
                         rule eu_paid: when properties.country in [{eu}] and properties.plan in [\"pro\", \"gold\"] and properties.appVersion >= \"{version}\" and properties.age >= {age} => true \
                         rule staff: when environment in [\"staging\", \"development\"] and properties.email ends_with \"@acme.com\" => true",
                        ids = quoted.join(", "),
                        eu = eu.join(", "),
                    ),
                    vec![
                        strategy(vec![cond("IN", "userId", &format!(r#""values":[{}]"#, quoted.join(",")))]),
                        strategy(vec![
                            cond("IN", "country", &format!(r#""values":[{}]"#, eu.join(","))),
                            cond("IN", "plan", r#""values":["pro","gold"]"#),
                            cond("SEMVER_GTE", "appVersion", &format!(r#""value":"{version}""#)),
                            cond("NUM_GTE", "age", &format!(r#""value":"{age}""#)),
                        ]),
                        strategy(vec![
                            cond("IN", "environment", r#""values":["staging","development"]"#),
                            cond("STR_ENDS_WITH", "email", r#""values":["@acme.com"]"#),
                        ]),
                    ],
                )
            }
        };
        let _ = writeln!(vexil, "flag {key}: bool {{ owner \"bench\" default false {vexil_rules} }}");
        unleash.push(format!(
            r#"{{"name":"{key}","type":"release","enabled":true,"project":"default","strategies":[{}],"variants":[]}}"#,
            strategies.join(",")
        ));
    }
    let unleash = unleash_features(unleash.iter().map(String::as_str));
    (vexil, unleash)
}
