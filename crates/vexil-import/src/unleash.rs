//! Unleash's client features API JSON → Vexil, deciding what Unleash's own
//! engine (Yggdrasil) decides: `check_enabled` is the flag named after the
//! feature, `check_variant` the string flag `<feature>__variant` (only for
//! features with variants; `"disabled"` otherwise, as Unleash says).
//!
//! How each construct is translated (the semantics are Yggdrasil 0.21's):
//! - `enabled: false` → `state off` (`off false`); a feature with no
//!   strategies is on (`default true`).
//! - Strategies are OR'ed, each the AND of its own condition, its
//!   `constraints` and its `segments`' constraints. Conditions come first as
//!   `when … => true` rules; a rollout that is neither 0% nor 100% becomes a
//!   split `split by <stickiness> salt "<groupId>:" modulo { true: p, false:
//!   100 − p }` (Unleash: `murmur3("{groupId}:{id}") % 100 + 1 <= p`), put
//!   last. Two or more such rollouts are OR'ed through helper flags
//!   (`<feature>__not_<i>`, `<feature>__any`), because a split decides and
//!   cannot fall through to the next strategy.
//! - Variants: `split by <stickiness> salt "<groupId>:" seed 86028157 modulo
//!   { "<name>": weight, … }` after the overrides (`when <field> in [...] =>
//!   "<name>"`), in a flag that `requires <feature> == true`; strategy
//!   variants come first for the strategy that matched.
//! - `dependencies` → `requires <parent> == true|false`; a parent whose
//!   rollout has no `groupId` hashes with the child's name in Unleash, so the
//!   child requires a copy of the parent made with that name.
//! - What Yggdrasil cannot compile (an unknown operator, a missing segment, a
//!   rollout above 100, …) makes the whole feature off there: here too, with a
//!   note.
//!
//! The context: `userId`, `sessionId`, `environment`, `appName`,
//! `remoteAddress` by those names, `currentTime` as the evaluation's `now`,
//! every other field as `properties.<name>`; each typed by its first use
//! (`NUM_*` → float, `SEMVER_*` → semver, `DATE_*` → timestamp, a CIDR → ip,
//! else string), all optional.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use crate::expr::Cond;
use crate::vx::{self, Names, Schema, Type};
use crate::{FlagReport, ImportError, Imported, MAX_INPUT_BYTES, Report};

/// Unleash's seed for variant hashing (`VARIANT_NORMALIZATION_SEED`).
pub const VARIANT_SEED: u32 = 86_028_157;

/// Context fields Unleash has by name; every other field is a property.
const TOP_LEVEL_FIELDS: [&str; 5] = ["userId", "sessionId", "environment", "appName", "remoteAddress"];

/// Imports Unleash's client features API JSON.
pub fn import(json: &str) -> Result<Imported, ImportError> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(ImportError::Input(format!("the input is larger than {MAX_INPUT_BYTES} bytes")));
    }
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::Input(format!("not JSON: {e}")))?;
    let features = root.get("features").and_then(Value::as_array).ok_or_else(|| {
        ImportError::Input("expected Unleash's client features API JSON: an object with a `features` array".into())
    })?;
    let mut importer = Importer::new(features, root.get("segments"));
    importer.run();
    let Importer { mut report, schema, out, segments_text, .. } = importer;
    report.format = "unleash";
    let header = "// Imported from Unleash (client features API) by `vexil import unleash`.\n\
                  // Every context attribute is optional; `currentTime` is the evaluation's `now`.\n";
    crate::assemble(header, &schema, &segments_text, &out, report)
}

/// A condition that makes the whole feature off (Yggdrasil cannot compile it).
struct FeatureOff(String);

/// A percentage rollout: `unit` hashed as `"{group}:{unit}"`.
#[derive(Clone)]
struct Rollout {
    unit: String,
    group: String,
    percent: u32,
}

impl Rollout {
    fn split(&self, first: bool) -> String {
        let (a, b) = if first { ("true", "false") } else { ("false", "true") };
        format!(
            "split by {} salt {} modulo {{ {a}: {}, {b}: {} }}",
            self.unit,
            vx::string(&format!("{}:", self.group)),
            self.percent,
            100 - self.percent
        )
    }
}

/// One strategy: on when `cond` holds and, with a rollout, the unit's bucket is in it.
struct Strategy {
    name: String,
    cond: Cond,
    rollout: Option<Rollout>,
    /// The variant rules when this strategy matches (its own variants, else the feature's).
    variants: Vec<(Cond, String)>,
}

/// An Unleash segment, translated when a strategy first uses it (so an unused
/// segment adds nothing to the context).
struct Segment {
    name: String,
    constraints: Value,
    location: String,
    /// `None` until used; then the condition or why Unleash cannot compile it.
    cond: Option<Result<Cond, String>>,
}

struct Importer<'a> {
    features: &'a [Value],
    report: Report,
    schema: Schema,
    names: Names,
    property_words: Names,
    properties: HashMap<String, String>,
    segments: BTreeMap<i64, Segment>,
    segments_text: String,
    /// Vexil flag names by Unleash feature name (the last feature of a name wins, as in Unleash).
    flag_names: HashMap<String, String>,
    out: String,
    /// Whether the feature being imported is exact so far.
    exact: bool,
}

impl<'a> Importer<'a> {
    fn new(features: &'a [Value], segments: Option<&Value>) -> Self {
        let mut names = Names::default();
        for field in TOP_LEVEL_FIELDS.iter().chain(&["properties", "hostname"]) {
            names.reserve(field);
        }
        let mut importer = Importer {
            features,
            report: Report::default(),
            schema: Schema::default(),
            names,
            property_words: Names::default(),
            properties: HashMap::new(),
            segments: BTreeMap::new(),
            segments_text: String::new(),
            flag_names: HashMap::new(),
            out: String::new(),
            exact: true,
        };
        importer.read_segments(segments);
        importer
    }

    fn read_segments(&mut self, segments: Option<&Value>) {
        let Some(list) = segments.and_then(Value::as_array) else { return };
        for (i, segment) in list.iter().enumerate() {
            let location = format!("/segments/{i}");
            let Some(id) = segment.get("id").and_then(Value::as_i64) else {
                self.report.attention(&location, "a segment without an integer `id` is ignored");
                continue;
            };
            let wanted =
                segment.get("name").and_then(Value::as_str).map_or_else(|| format!("segment_{id}"), str::to_owned);
            let name = self.names.claim(&wanted);
            let constraints = segment.get("constraints").cloned().unwrap_or(Value::Array(Vec::new()));
            // A later segment with the same id replaces an earlier one (as in Unleash).
            self.segments.insert(id, Segment { name, constraints, location, cond: None });
        }
    }

    fn run(&mut self) {
        // Names first, so that dependencies can name flags declared later.
        for feature in self.features {
            if let Some(name) = feature.get("name").and_then(Value::as_str) {
                let vexil = self.names.claim(name);
                self.flag_names.insert(name.to_owned(), vexil);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, feature) in self.features.iter().enumerate().rev() {
            // Unleash keeps the last feature of a name.
            let name = feature.get("name").and_then(Value::as_str);
            if let Some(name) = name
                && !seen.insert(name)
            {
                self.report.attention(
                    &format!("/features/{i}"),
                    format!("a later feature is also named `{name}`; Unleash keeps the later one: this one is skipped"),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        let last_index: HashMap<&str, usize> = self
            .features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.get("name").and_then(Value::as_str).map(|n| (n, i)))
            .collect();
        for (i, feature) in self.features.iter().enumerate() {
            let location = format!("/features/{i}");
            let Some(name) = feature.get("name").and_then(Value::as_str) else {
                self.report.attention(&location, "a feature without a `name` is skipped");
                continue;
            };
            if last_index.get(name) != Some(&i) || !seen.insert(name) {
                continue;
            }
            self.feature(feature, name, &location);
        }
        // Segments go before the flags that read them; unused ones are left out.
        let mut text = String::new();
        for (id, segment) in &self.segments {
            if let Some(Ok(cond)) = &segment.cond {
                let _ = writeln!(text, "// Unleash segment {id}\nsegment {} = {}\n", segment.name, cond.render());
            }
        }
        self.segments_text = text;
    }

    fn feature(&mut self, feature: &Value, name: &str, location: &str) {
        self.exact = true;
        let flag = self.flag_names.get(name).cloned().unwrap_or_else(|| self.names.claim(name));
        if flag != name {
            self.report.translated(location, format!("`{name}` is not a Vexil name: the flag is `{flag}` (buckets are unchanged: they hash the Unleash name)"));
        }
        let enabled = feature.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        let mut header = String::new();
        if let Some(description) = feature.get("description").and_then(Value::as_str).filter(|d| !d.is_empty()) {
            let _ = writeln!(header, "  description {}", vx::string(description));
        }
        let kind = match feature.get("type").and_then(Value::as_str) {
            Some("release") => Some("release"),
            Some("experiment") => Some("experiment"),
            Some("operational" | "kill-switch") => Some("ops"),
            Some("permission") => Some("permission"),
            _ => None,
        };
        if let Some(kind) = kind {
            let _ = writeln!(header, "  kind {kind}");
        }
        let project = feature.get("project").and_then(Value::as_str).unwrap_or("default");
        let _ = writeln!(header, "  owner {}", vx::string(project));

        let strategies = self.strategies(feature, name, name, location);
        let (requires, dependency_off) = self.dependencies(feature, name, &flag, location);
        let off = match (&strategies, &dependency_off) {
            (Err(FeatureOff(why)), _) => {
                self.report.attention(
                    location,
                    format!(
                        "Unleash cannot compile this feature ({why}): it is always off there, and `state off` here"
                    ),
                );
                self.exact = false;
                true
            }
            (_, Some(why)) => {
                self.report
                    .attention(location, format!("{why}: Unleash always answers off, and so does `state off` here"));
                true
            }
            _ => !enabled,
        };
        let strategies = strategies.unwrap_or_default();

        let mut text = String::new();
        let _ = writeln!(text, "// Unleash feature {}", vx::string(name));
        let _ = writeln!(text, "flag {flag}: bool {{");
        text += &header;
        if off {
            text += "  state off\n  off false\n";
        }
        match self.enabling_rules(&strategies, &flag, &header) {
            // `default true` with prerequisites would answer true when one fails.
            Enabling::Always if requires.is_empty() => text += "  default true\n",
            Enabling::Always => text += &format!("  default false\n{requires}  rule on: when true => true\n"),
            Enabling::Rules(rules, helpers) => {
                text += "  default false\n";
                text += &requires;
                text += &rules;
                self.out += &helpers;
            }
        }
        text += "}\n\n";
        self.out += &text;
        self.report.translated(location, format!("feature `{name}` → flag {flag} ({} strategies)", strategies.len()));

        let exact = self.exact;
        let variant_flag = self.variant_flag(feature, name, &flag, &strategies, &header, location);
        let variant_exact = self.exact;
        self.report.flags.push(FlagReport { source_key: name.to_owned(), flag, variant_flag, exact, variant_exact });
    }

    /// Rules that make the flag true, and helper flags for two or more rollouts.
    fn enabling_rules(&mut self, strategies: &[Strategy], flag: &str, header: &str) -> Enabling {
        if always_on(strategies) {
            return Enabling::Always;
        }
        let mut rules = String::new();
        let fixed: Vec<&Strategy> = strategies.iter().filter(|s| s.rollout.is_none()).collect();
        let rolled: Vec<&Strategy> =
            strategies.iter().filter(|s| s.rollout.is_some() && s.cond != Cond::False).collect();
        for strategy in &fixed {
            if strategy.cond != Cond::False {
                let _ = writeln!(rules, "  rule {}: when {} => true", strategy.name, strategy.cond.render());
            }
        }
        let mut helpers = String::new();
        match rolled.as_slice() {
            [] => {}
            [one] => {
                if let Some(rollout) = &one.rollout {
                    let _ =
                        writeln!(rules, "  rule {}: when {} => {}", one.name, one.cond.render(), rollout.split(true));
                }
            }
            many => {
                // OR of rollouts: F__any is true unless every rollout (and every fixed
                // strategy) is off; each F__not_i is "rollout i is off".
                let any = self.names.claim(&format!("{flag}__any"));
                let mut any_text = format!("flag {any}: bool {{\n{header}  default true\n");
                for strategy in many {
                    let not = self.names.claim(&format!("{flag}__not_{}", strategy.name));
                    if let Some(rollout) = &strategy.rollout {
                        let _ = write!(
                            helpers,
                            "flag {not}: bool {{\n{header}  default true\n  rule {}: when {} => {}\n}}\n\n",
                            strategy.name,
                            strategy.cond.render(),
                            rollout.split(false)
                        );
                    }
                    let _ = writeln!(any_text, "  requires {not} == true");
                }
                let fixed_any = Cond::or(fixed.iter().map(|s| s.cond.clone()));
                if fixed_any != Cond::False {
                    let _ = writeln!(any_text, "  rule fixed: when {} => true", fixed_any.render());
                }
                any_text += "  rule none: when true => false\n}\n\n";
                helpers += &any_text;
                rules = format!("  requires {any} == true\n  rule on: when true => true\n");
            }
        }
        if rules.is_empty() {
            rules = String::new();
        }
        Enabling::Rules(rules, helpers)
    }

    fn strategies(
        &mut self,
        feature: &Value,
        name: &str,
        toggle: &str,
        location: &str,
    ) -> Result<Vec<Strategy>, FeatureOff> {
        let Some(list) = feature.get("strategies").and_then(Value::as_array) else { return Ok(Vec::new()) };
        let feature_variants = self.feature_variants(feature, name, location);
        let mut out = Vec::new();
        let mut custom = 0;
        for (i, strategy) in list.iter().enumerate() {
            let at = format!("{location}/strategies/{i}");
            let kind = strategy.get("name").and_then(Value::as_str).unwrap_or("");
            let parameters = strategy.get("parameters");
            let param = |key: &str| parameters.and_then(|p| p.get(key)).and_then(Value::as_str);
            let (base, rollout) = match kind {
                "default" => (Cond::True, None),
                "userWithId" => match param("userIds") {
                    Some(ids) => {
                        let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_owned()).collect();
                        (self.membership("userId", &ids, &at)?, None)
                    }
                    None => (Cond::False, None),
                },
                "gradualRolloutUserId" | "gradualRolloutSessionId" => {
                    let field = if kind == "gradualRolloutUserId" { "userId" } else { "sessionId" };
                    match (param("percentage").and_then(parse_percentage), param("groupId")) {
                        (Some(p), Some(group)) => self.rollout(p, Stickiness::Field(field.to_owned()), group, &at)?,
                        _ => (Cond::False, None),
                    }
                }
                "flexibleRollout" => match param("rollout").and_then(parse_percentage) {
                    Some(p) => {
                        let stickiness = match param("stickiness") {
                            None | Some("default") => Stickiness::Default,
                            Some("random") => Stickiness::Random,
                            Some(field) => Stickiness::Field(field.to_owned()),
                        };
                        let group = param("groupId").unwrap_or(toggle);
                        self.rollout(p, stickiness, group, &at)?
                    }
                    None => (Cond::False, None),
                },
                "gradualRolloutRandom" => {
                    let p = param("percentage").and_then(parse_percentage);
                    match p {
                        Some(p) if p >= 100 => (Cond::True, None),
                        Some(p) if p <= 1 => (Cond::False, None),
                        _ => {
                            self.report.attention(
                                &at,
                                "gradualRolloutRandom draws at random on every call: not reproducible; left out (off)",
                            );
                            self.exact = false;
                            (Cond::False, None)
                        }
                    }
                }
                "remoteAddress" => match param("IPs") {
                    Some(ips) => {
                        let values: Vec<String> = ips.split(',').map(|s| s.trim().to_owned()).collect();
                        (self.cidr("remoteAddress", &values, &at)?, None)
                    }
                    None => (Cond::False, None),
                },
                "applicationHostname" => {
                    let hosts: Vec<String> =
                        param("hostNames").unwrap_or("").split(',').map(|s| s.trim().to_lowercase()).collect();
                    if self
                        .schema
                        .use_as("hostname", "hostname", Type::String, "the applicationHostname strategy")
                        .is_err()
                    {
                        return Err(FeatureOff("`hostname` is used with two types".into()));
                    }
                    self.report.attention(&at, "applicationHostname reads the host's name: send it as `hostname`");
                    (
                        Cond::and([
                            Cond::atom("has(hostname)"),
                            Cond::atom(format!("lower(hostname) in {}", string_list(&hosts))),
                        ]),
                        None,
                    )
                }
                other => {
                    custom += 1;
                    self.report.attention(
                        &at,
                        format!("custom strategy `{other}` (Unleash's customStrategy{custom}) runs in your SDK, not in the engine: left out (off, as Yggdrasil without it)"),
                    );
                    self.exact = false;
                    (Cond::False, None)
                }
            };
            let constraints = strategy.get("constraints").cloned().unwrap_or(Value::Array(Vec::new()));
            let mut cond = Cond::and([base, self.constraints(&constraints, &format!("{at}/constraints"))?]);
            for (j, id) in strategy.get("segments").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let Some((key, name)) = id.as_i64().and_then(|id| self.segments.get(&id).map(|s| (id, s.name.clone())))
                else {
                    return Err(FeatureOff(format!("segment {id} at {at}/segments/{j} does not exist")));
                };
                match self.segment(key) {
                    Ok(()) => cond = Cond::and([cond, Cond::atom(name)]),
                    Err(why) => return Err(FeatureOff(format!("segment {id}: {why}"))),
                }
            }
            let strategy_variants = self.strategy_variants(strategy, name, &at);
            let variants = if strategy_variants.is_empty() { feature_variants.clone() } else { strategy_variants };
            let rule_name = format!("{}_{i}", sanitize(kind));
            self.report.translated(&at, format!("strategy `{kind}` → rule {rule_name}"));
            out.push(Strategy { name: rule_name, cond, rollout, variants });
        }
        Ok(out)
    }

    /// Translates a segment on its first use.
    fn segment(&mut self, id: i64) -> Result<(), String> {
        let Some(segment) = self.segments.get(&id) else { return Err("missing".into()) };
        if let Some(done) = &segment.cond {
            return done.clone().map(|_| ());
        }
        let (constraints, location) = (segment.constraints.clone(), segment.location.clone());
        let cond = self.constraints(&constraints, &format!("{location}/constraints")).map_err(|FeatureOff(why)| why);
        let result = cond.as_ref().map(|_| ()).map_err(Clone::clone);
        if let Some(segment) = self.segments.get_mut(&id) {
            segment.cond = Some(cond);
        }
        result
    }

    /// A rollout's condition and, when it is neither 0% nor 100%, its split.
    fn rollout(
        &mut self,
        percent: u32,
        stickiness: Stickiness,
        group: &str,
        at: &str,
    ) -> Result<(Cond, Option<Rollout>), FeatureOff> {
        if percent > 100 {
            return Err(FeatureOff(format!("a rollout of {percent}% at {at}")));
        }
        let (present, unit) = match stickiness {
            Stickiness::Random => {
                if percent == 0 {
                    return Ok((Cond::False, None));
                }
                if percent == 100 {
                    return Ok((Cond::True, None));
                }
                self.report
                    .attention(at, "random stickiness draws at random on every call: not reproducible; left out (off)");
                self.exact = false;
                return Ok((Cond::False, None));
            }
            Stickiness::Default => {
                for field in ["userId", "sessionId"] {
                    if self.schema.use_as(field, field, Type::String, "the stickiness of a rollout").is_err() {
                        return Err(FeatureOff(format!("`{field}` is used with two types")));
                    }
                }
                if percent > 0 && percent < 100 {
                    self.report.attention(at, "stickiness `default`: a context with neither userId nor sessionId is drawn at random by Unleash, and bucketed as the empty id here");
                }
                (Cond::True, "userId ?? sessionId ?? \"\"".to_owned())
            }
            Stickiness::Field(field) => {
                if field == "currentTime" {
                    self.report.attention(at, "stickiness on currentTime is not translated: left out (off)");
                    self.exact = false;
                    return Ok((Cond::False, None));
                }
                let Some(path) = self.path(&field, Type::String, "the stickiness of a rollout", at)? else {
                    return Ok((Cond::False, None));
                };
                (Cond::has(&path), path)
            }
        };
        Ok(match percent {
            0 => (Cond::False, None),
            100 => (present, None),
            _ => (present, Some(Rollout { unit, group: group.to_owned(), percent })),
        })
    }

    /// The Vexil path of an Unleash context field, declared as `ty`; `None`
    /// (with a note) when the field is already declared with another type.
    fn path(&mut self, field: &str, ty: Type, why: &str, at: &str) -> Result<Option<String>, FeatureOff> {
        let path = if TOP_LEVEL_FIELDS.contains(&field) {
            field.to_owned()
        } else if let Some(path) = self.properties.get(field) {
            path.clone()
        } else {
            // A field that is a word keeps it unless another field already took it.
            let taken = self.properties.values().any(|p| p.strip_prefix("properties.") == Some(field));
            let word =
                if vx::is_path_word(field) && !taken { field.to_owned() } else { self.property_words.claim(field) };
            if word != field {
                self.report.attention(
                    at,
                    format!("context field `{field}` is not a Vexil name: send it as `properties.{word}`"),
                );
            }
            self.property_words.reserve(&word);
            let path = format!("properties.{word}");
            self.properties.insert(field.to_owned(), path.clone());
            path
        };
        match self.schema.use_as(&path, field, ty, format!("{why} ({at})")) {
            Ok(()) => Ok(Some(path)),
            Err(earlier) => {
                self.report.attention(
                    at,
                    format!(
                        "`{field}` is used as {} here but as {} earlier ({}): this condition is left out (false)",
                        ty.as_str(),
                        earlier.ty.as_str(),
                        earlier.why
                    ),
                );
                self.exact = false;
                Ok(None)
            }
        }
    }

    fn membership(&mut self, field: &str, values: &[String], at: &str) -> Result<Cond, FeatureOff> {
        let Some(path) = self.path(field, Type::String, "compared with strings", at)? else { return Ok(Cond::False) };
        Ok(Cond::and([Cond::has(&path), Cond::atom(format!("{path} in {}", string_list(values)))]))
    }

    fn cidr(&mut self, field: &str, values: &[String], at: &str) -> Result<Cond, FeatureOff> {
        if values.is_empty() {
            return Err(FeatureOff(format!("an empty address list at {at}")));
        }
        let ranges: Vec<String> = values.iter().filter_map(|v| cidr(v)).collect();
        if ranges.len() < values.len() {
            self.report.attention(at, "addresses Unleash cannot read are dropped, as Unleash drops them");
        }
        let Some(path) = self.path(field, Type::Ip, "matched against addresses and CIDR ranges", at)? else {
            return Ok(Cond::False);
        };
        if ranges.is_empty() {
            return Ok(Cond::False);
        }
        Ok(Cond::and([Cond::has(&path), Cond::atom(format!("{path} in {}", string_list(&ranges)))]))
    }

    /// The AND of a constraint list.
    fn constraints(&mut self, list: &Value, at: &str) -> Result<Cond, FeatureOff> {
        let Some(items) = list.as_array() else { return Ok(Cond::True) };
        let mut conds = Vec::new();
        for (i, constraint) in items.iter().enumerate() {
            conds.push(self.constraint(constraint, &format!("{at}/{i}"))?);
        }
        Ok(Cond::and(conds))
    }

    fn constraint(&mut self, c: &Value, at: &str) -> Result<Cond, FeatureOff> {
        let field = c.get("contextName").and_then(Value::as_str).unwrap_or("");
        let operator = c.get("operator").and_then(Value::as_str).unwrap_or("");
        let inverted = c.get("inverted").and_then(Value::as_bool).unwrap_or(false);
        let folded = c.get("caseInsensitive").and_then(Value::as_bool).unwrap_or(false);
        let values: Vec<String> = c
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let value = c.get("value").and_then(Value::as_str);
        let cond = match operator {
            "IN" | "NOT_IN" => {
                if values.is_empty() {
                    if operator == "IN" { Cond::False } else { Cond::True }
                } else if field == "currentTime" {
                    self.report.attention(at, "IN/NOT_IN on currentTime is not translated: left out (false)");
                    self.exact = false;
                    Cond::False
                } else {
                    let Some(path) = self.path(field, Type::String, "compared with strings by IN/NOT_IN", at)? else {
                        return Ok(Cond::False);
                    };
                    let list = string_list(&values);
                    if operator == "IN" {
                        Cond::and([Cond::has(&path), Cond::atom(format!("{path} in {list}"))])
                    } else {
                        Cond::or([Cond::has(&path).not(), Cond::atom(format!("{path} not in {list}"))])
                    }
                }
            }
            "STR_CONTAINS" | "STR_STARTS_WITH" | "STR_ENDS_WITH" => {
                if values.is_empty() {
                    return Err(FeatureOff(format!("{operator} without values at {at}")));
                }
                let Some(path) = self.path(field, Type::String, &format!("read by {operator}"), at)? else {
                    return Ok(Cond::False);
                };
                let op = match operator {
                    "STR_CONTAINS" => "contains",
                    "STR_STARTS_WITH" => "starts_with",
                    _ => "ends_with",
                };
                let subject = if folded { format!("lower({path})") } else { path.clone() };
                let any = Cond::or(values.iter().map(|v| {
                    let v = if folded { v.to_lowercase() } else { v.clone() };
                    Cond::atom(format!("{subject} {op} {}", vx::string(&v)))
                }));
                Cond::and([Cond::has(&path), any])
            }
            "NUM_EQ" | "NUM_GT" | "NUM_GTE" | "NUM_LT" | "NUM_LTE" => {
                let Some(text) = value else { return Err(FeatureOff(format!("{operator} without a value at {at}"))) };
                let Some(number) = parse_unleash_number(text.trim()) else {
                    return Err(FeatureOff(format!("{operator} value `{text}` is not a number Unleash reads")));
                };
                let Some(literal) = vx::float(number) else {
                    return Err(FeatureOff(format!("{operator} value `{text}`")));
                };
                let Some(path) = self.path(field, Type::Float, &format!("compared by {operator}"), at)? else {
                    return Ok(Cond::False);
                };
                let op = comparison(operator);
                Cond::and([Cond::has(&path), Cond::atom(format!("{path} {op} {literal}"))])
            }
            "DATE_AFTER" | "DATE_BEFORE" => {
                let Some(text) = value.map(str::trim) else {
                    return Err(FeatureOff(format!("{operator} without a value at {at}")));
                };
                if !is_unleash_date(text) {
                    return Err(FeatureOff(format!("{operator} value `{text}` is not a date Unleash reads")));
                }
                let op = if operator == "DATE_AFTER" { ">" } else { "<" };
                if field == "currentTime" {
                    Cond::atom(format!("now {op} {}", vx::string(text)))
                } else {
                    let Some(path) = self.path(field, Type::Timestamp, &format!("compared by {operator}"), at)? else {
                        return Ok(Cond::False);
                    };
                    Cond::and([Cond::has(&path), Cond::atom(format!("{path} {op} {}", vx::string(text)))])
                }
            }
            "SEMVER_EQ" | "SEMVER_GT" | "SEMVER_GTE" | "SEMVER_LT" | "SEMVER_LTE" => {
                let Some(text) = value.map(str::trim) else {
                    return Err(FeatureOff(format!("{operator} without a value at {at}")));
                };
                if text.starts_with('v') {
                    // Yggdrasil writes such a constraint as `false`, inverted or not.
                    self.report.attention(at, format!("{operator} value `{text}` starts with `v`: Unleash treats the constraint as false (even inverted); so does this import"));
                    return Ok(Cond::False);
                }
                if !is_strict_semver(text) {
                    return Err(FeatureOff(format!("{operator} value `{text}` is not a SemVer Unleash reads")));
                }
                let Some(path) = self.path(field, Type::Semver, &format!("compared by {operator}"), at)? else {
                    return Ok(Cond::False);
                };
                let op = comparison(operator);
                Cond::and([Cond::has(&path), Cond::atom(format!("{path} {op} {}", vx::string(text)))])
            }
            "IN_CIDR" => {
                if values.is_empty() {
                    return Err(FeatureOff(format!("IN_CIDR without values at {at}")));
                }
                self.cidr(field, &values, at)?
            }
            "REGEX" => {
                let pattern = value.unwrap_or("");
                let pattern = if folded { format!("(?i){pattern}") } else { pattern.to_owned() };
                let Some(path) = self.path(field, Type::String, "matched by REGEX", at)? else {
                    return Ok(Cond::False);
                };
                if regex_compiles(&pattern) {
                    self.report.translated(at, "REGEX: Vexil's `matches` is regex-lite (ASCII classes, no look-around); most patterns mean the same");
                    Cond::and([Cond::has(&path), Cond::atom(format!("{path} matches {}", vx::string(&pattern)))])
                } else {
                    self.report.attention(at, format!("pattern `{pattern}` is not a regex Vexil reads: the constraint is false (Unleash: false for a pattern it cannot read)"));
                    self.exact = false;
                    Cond::False
                }
            }
            other => return Err(FeatureOff(format!("unknown operator `{other}` at {at}"))),
        };
        Ok(if inverted { cond.not() } else { cond })
    }

    fn feature_variants(&mut self, feature: &Value, name: &str, location: &str) -> Vec<(Cond, String)> {
        let Some(list) = feature.get("variants").and_then(Value::as_array).filter(|l| !l.is_empty()) else {
            // No variants: a strategy that matches without variants of its own answers `disabled`.
            return vec![(Cond::True, vx::string("disabled"))];
        };
        let at = format!("{location}/variants");
        let stickiness = list.first().and_then(|v| v.get("stickiness")).and_then(Value::as_str);
        let mut rules = Vec::new();
        // Overrides: the first variant (in order) with a matching override wins.
        for (i, variant) in list.iter().enumerate() {
            let variant_name = variant.get("name").and_then(Value::as_str).unwrap_or("");
            for (j, o) in variant.get("overrides").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let field = o.get("contextName").and_then(Value::as_str).unwrap_or("");
                let values: Vec<String> = o
                    .get("values")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                let here = format!("{at}/{i}/overrides/{j}");
                if field == "currentTime" {
                    self.report.attention(&here, "an override on currentTime is not translated");
                    self.exact = false;
                    continue;
                }
                if values.is_empty() {
                    continue;
                }
                if let Ok(cond) = self.membership(field, &values, &here) {
                    rules.push((cond, vx::string(variant_name)));
                }
            }
            if let Some(payload) = variant.get("payload").filter(|p| !p.is_null()) {
                self.report.attention(&format!("{at}/{i}/payload"), format!("variant `{variant_name}`'s payload {payload} is not in the ruleset: the decision's value is the variant name; look the payload up by it"));
            }
        }
        match self.variant_split(list, stickiness, name, &at) {
            Some(split) => rules.push((Cond::True, split)),
            None => rules.push((Cond::True, vx::string("disabled"))),
        }
        rules
    }

    fn strategy_variants(&mut self, strategy: &Value, feature: &str, at: &str) -> Vec<(Cond, String)> {
        let Some(list) = strategy.get("variants").and_then(Value::as_array).filter(|l| !l.is_empty()) else {
            return Vec::new();
        };
        let parameters = strategy.get("parameters");
        let stickiness = parameters.and_then(|p| p.get("stickiness")).and_then(Value::as_str);
        let group = parameters.and_then(|p| p.get("groupId")).and_then(Value::as_str).unwrap_or(feature);
        for (i, variant) in list.iter().enumerate() {
            if let Some(payload) = variant.get("payload").filter(|p| !p.is_null()) {
                let name = variant.get("name").and_then(Value::as_str).unwrap_or("");
                self.report.attention(&format!("{at}/variants/{i}/payload"), format!("variant `{name}`'s payload {payload} is not in the ruleset: the decision's value is the variant name"));
            }
        }
        let split = self.variant_split(list, stickiness, group, &format!("{at}/variants"));
        vec![(Cond::True, split.unwrap_or_else(|| vx::string("disabled")))]
    }

    /// `split by <seed field> salt "<group>:" seed 86028157 modulo { … }`.
    fn variant_split(&mut self, list: &[Value], stickiness: Option<&str>, group: &str, at: &str) -> Option<String> {
        let mut entries: Vec<(String, u32)> = Vec::new();
        for (i, variant) in list.iter().enumerate() {
            let name = variant.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            let Some(weight) = variant.get("weight").and_then(Value::as_i64).and_then(|w| u32::try_from(w).ok()) else {
                self.report
                    .attention(&format!("{at}/{i}"), "a variant without a non-negative integer weight: not translated");
                self.exact = false;
                return None;
            };
            if entries.iter().any(|(n, _)| *n == name) {
                self.report
                    .attention(&format!("{at}/{i}"), format!("variant name `{name}` appears twice: not translated"));
                self.exact = false;
                return None;
            }
            entries.push((name, weight));
        }
        let total: u64 = entries.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 || total > u64::from(i32::MAX as u32) {
            self.report.attention(at, "variant weights sum to 0 (Unleash cannot choose): answered as `disabled`");
            self.exact = false;
            return None;
        }
        let unit = match stickiness {
            None | Some("default") => {
                for field in ["userId", "sessionId"] {
                    if self.schema.use_as(field, field, Type::String, "the stickiness of variants").is_err() {
                        self.report.attention(
                            at,
                            format!("`{field}` is not a string elsewhere: the variants are not translated"),
                        );
                        self.exact = false;
                        return None;
                    }
                }
                "userId ?? sessionId ?? \"\"".to_owned()
            }
            Some(field @ ("random" | "currentTime")) => {
                self.report.attention(
                    at,
                    format!("variant stickiness `{field}` is not reproducible: the variants are not translated"),
                );
                self.exact = false;
                return None;
            }
            Some(field) => {
                let field = field.to_owned();
                match self.path(&field, Type::String, "the stickiness of variants", at) {
                    Ok(Some(path)) => format!("{path} ?? \"\""),
                    _ => return None,
                }
            }
        };
        self.report.translated(at, "variants → split with Unleash's variant hashing (seed 86028157, modulo the total weight); a context without the stickiness field is drawn at random by Unleash and bucketed as the empty id here");
        let body: Vec<String> =
            entries.iter().filter(|(_, w)| *w > 0).map(|(n, w)| format!("{}: {w}", vx::string(n))).collect();
        Some(format!(
            "split by {unit} salt {} seed {VARIANT_SEED} modulo {{ {} }}",
            vx::string(&format!("{group}:")),
            body.join(", ")
        ))
    }

    fn variant_flag(
        &mut self,
        feature: &Value,
        name: &str,
        flag: &str,
        strategies: &[Strategy],
        header: &str,
        location: &str,
    ) -> Option<String> {
        let has_feature_variants = feature.get("variants").and_then(Value::as_array).is_some_and(|l| !l.is_empty());
        let has_strategy_variants = feature
            .get("strategies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|s| s.get("variants").and_then(Value::as_array).is_some_and(|l| !l.is_empty()));
        if !has_feature_variants && !has_strategy_variants {
            return None;
        }
        let variant_flag = self.names.claim(&format!("{flag}__variant"));
        let mut rules = String::new();
        let rule = |rules: &mut String, base: &str, cond: &Cond, variants: &[(Cond, String)]| {
            for (i, (when, result)) in variants.iter().enumerate() {
                let when = Cond::and([cond.clone(), when.clone()]);
                if when != Cond::False {
                    let _ = writeln!(rules, "  rule {base}_{i}: when {} => {result}", when.render());
                }
            }
        };
        if strategies.is_empty() {
            let variants = self.feature_variants(feature, name, location);
            rule(&mut rules, "variants", &Cond::True, &variants);
        }
        for (index, strategy) in strategies.iter().enumerate() {
            if strategy.cond == Cond::False {
                continue;
            }
            if strategy.rollout.is_none() {
                rule(&mut rules, &strategy.name, &strategy.cond, &strategy.variants);
                continue;
            }
            // The flag is on, no strategy before this one matched: this one or a later one did.
            let rest: Vec<&Strategy> = strategies[index..].iter().filter(|s| s.cond != Cond::False).collect();
            if rest.iter().all(|s| s.variants == strategy.variants) {
                rule(&mut rules, &strategy.name, &Cond::True, &strategy.variants);
            } else {
                self.report.attention(
                    &format!("{location}/strategies/{index}"),
                    "strategies after this rollout have other variants; which strategy matched depends on the rollout's bucket, which a rule cannot test: their variants are decided as this strategy's",
                );
                self.exact = false;
                rule(&mut rules, &strategy.name, &Cond::True, &strategy.variants);
            }
            break;
        }
        let mut text = format!("// The variant of Unleash feature {} (`disabled` when it is off)\n", vx::string(name));
        let _ = write!(
            text,
            "flag {variant_flag}: string {{\n{header}  default \"disabled\"\n  requires {flag} == true\n{rules}}}\n\n"
        );
        self.out += &text;
        self.report.translated(location, format!("variants of `{name}` → flag {variant_flag}"));
        Some(variant_flag)
    }

    /// `requires` lines for the feature's dependencies, or why it is always off.
    fn dependencies(&mut self, feature: &Value, name: &str, flag: &str, location: &str) -> (String, Option<String>) {
        let mut requires = String::new();
        let Some(list) = feature.get("dependencies").and_then(Value::as_array) else { return (requires, None) };
        for (i, dependency) in list.iter().enumerate() {
            let at = format!("{location}/dependencies/{i}");
            let parent = dependency.get("feature").and_then(Value::as_str).unwrap_or("");
            let expected = dependency.get("enabled").and_then(Value::as_bool).unwrap_or(true);
            let Some(parent_feature) =
                self.features.iter().rev().find(|f| f.get("name").and_then(Value::as_str) == Some(parent))
            else {
                return (requires, Some(format!("its parent `{parent}` does not exist")));
            };
            if parent_feature.get("dependencies").and_then(Value::as_array).is_some_and(|d| !d.is_empty()) {
                return (requires, Some(format!("its parent `{parent}` has dependencies of its own")));
            }
            if dependency.get("variants").and_then(Value::as_array).is_some_and(|v| !v.is_empty()) {
                self.report.attention(
                    &at,
                    "a dependency on the parent's variants is not translated: only its enabled state is required",
                );
                self.exact = false;
            }
            // Unleash evaluates the parent with the child's name: a rollout without a
            // groupId then hashes "{child}:{id}". A copy of the parent made that way.
            let parent_flag = self.flag_names.get(parent).cloned().unwrap_or_default();
            let required = if uses_toggle_name(parent_feature) {
                let copy = self.names.claim(&format!("{parent_flag}__for_{flag}"));
                let before = self.exact;
                let strategies = self.strategies(parent_feature, parent, name, &at);
                self.exact = before;
                let parent_on = parent_feature.get("enabled").and_then(Value::as_bool).unwrap_or(false);
                let mut text = format!(
                    "// Unleash feature {} as its child {} sees it (rollouts without a groupId hash the child's name)\nflag {copy}: bool {{\n  owner \"unleash\"\n",
                    vx::string(parent),
                    vx::string(name)
                );
                match strategies {
                    Ok(strategies) => {
                        if !parent_on {
                            text += "  state off\n  off false\n";
                        }
                        match self.enabling_rules(&strategies, &copy, "  owner \"unleash\"\n") {
                            Enabling::Always => text += "  default true\n",
                            Enabling::Rules(rules, helpers) => {
                                text += "  default false\n";
                                text += &rules;
                                self.out += &helpers;
                            }
                        }
                    }
                    Err(_) => text += "  state off\n  off false\n  default false\n",
                }
                text += "}\n\n";
                self.out += &text;
                copy
            } else {
                parent_flag
            };
            let _ = writeln!(requires, "  requires {required} == {expected}");
            self.report.translated(&at, format!("dependency on `{parent}` → requires {required} == {expected}"));
        }
        (requires, None)
    }
}

/// How a feature's flag becomes true: always, or by rules (and helper flags).
enum Enabling {
    Always,
    Rules(String, String),
}

/// A feature with no strategies is on; so is one with an unconditional strategy.
fn always_on(strategies: &[Strategy]) -> bool {
    strategies.is_empty() || strategies.iter().any(|s| s.rollout.is_none() && s.cond == Cond::True)
}

enum Stickiness {
    Default,
    Random,
    Field(String),
}

/// Whether a feature's decision depends on the name it is evaluated under:
/// a flexibleRollout without a `groupId`.
fn uses_toggle_name(feature: &Value) -> bool {
    feature.get("strategies").and_then(Value::as_array).into_iter().flatten().any(|s| {
        s.get("name").and_then(Value::as_str) == Some("flexibleRollout")
            && s.get("parameters").and_then(|p| p.get("groupId")).is_none()
    })
}

/// The Vexil operator of a `NUM_*` or `SEMVER_*` operator, by its suffix.
fn comparison(operator: &str) -> &'static str {
    match operator.rsplit('_').next() {
        Some("EQ") => "==",
        Some("GT") => ">",
        Some("GTE") => ">=",
        Some("LT") => "<",
        _ => "<=",
    }
}

/// Unleash reads a percentage with `usize::from_str`: digits, an optional `+`.
fn parse_percentage(text: &str) -> Option<u32> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Yggdrasil's number grammar: `-?digits(.digits*)?([eE][+-]?digits)?`.
fn parse_unleash_number(text: &str) -> Option<f64> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !(fraction.is_empty() || fraction.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if let Some(exponent) = exponent {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if !digits(exponent) {
            return None;
        }
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Yggdrasil's date grammar: `YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM)`.
fn is_unleash_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = (0..4).all(digit)
        && at(4, b'-')
        && digit(5)
        && digit(6)
        && at(7, b'-')
        && digit(8)
        && digit(9)
        && at(10, b'T')
        && digit(11)
        && digit(12)
        && at(13, b':')
        && digit(14)
        && digit(15)
        && at(16, b':')
        && digit(17)
        && digit(18);
    if !date_time {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        if !(digit(20) && digit(21) && digit(22)) {
            return false;
        }
        i = 23;
    }
    let rest = &text[i.min(text.len())..];
    rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[1..3].iter().all(u8::is_ascii_digit)
            && rest.as_bytes()[3] == b':'
            && rest.as_bytes()[4..6].iter().all(u8::is_ascii_digit))
}

/// `major.minor.patch(-pre)?(+build)?` with numbers without leading zeros, as
/// Yggdrasil's grammar and the `semver` crate both accept.
fn is_strict_semver(text: &str) -> bool {
    let core_end = text.find(['-', '+']).unwrap_or(text.len());
    let parts: Vec<&str> = text[..core_end].split('.').collect();
    let number =
        |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 1 || !s.starts_with('0'));
    parts.len() == 3 && parts.iter().all(number) && {
        let checked = format!("context {{ v: semver }}\nsegment s = v == {}\n", vx::string(text));
        !vexil::check(&checked, &vexil::CheckOptions::default()).has_errors()
    }
}

/// Whether Vexil's `matches` accepts `pattern` (checked by the one front end).
fn regex_compiles(pattern: &str) -> bool {
    let checked = format!("context {{ s: string }}\nsegment t = s matches {}\n", vx::string(pattern));
    !vexil::check(&checked, &vexil::CheckOptions::default()).has_errors()
}

/// An address or CIDR as Vexil writes a range: host bits cleared, a bare
/// address as /32 or /128 (as Unleash's `IpNetwork` reads it).
fn cidr(text: &str) -> Option<String> {
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (text, None),
    };
    match address.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let prefix = prefix.unwrap_or(32);
            if prefix > 32 {
                return None;
            }
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            Some(format!("{}/{prefix}", std::net::Ipv4Addr::from(u32::from(v4) & mask)))
        }
        std::net::IpAddr::V6(v6) => {
            let prefix = prefix.unwrap_or(128);
            if prefix > 128 {
                return None;
            }
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            Some(format!("{}/{prefix}", std::net::Ipv6Addr::from(u128::from(v6) & mask)))
        }
    }
}

fn string_list(values: &[String]) -> String {
    format!("[{}]", values.iter().map(|v| vx::string(v)).collect::<Vec<_>>().join(", "))
}

fn sanitize(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() || cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        format!("s{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unleash_readers_accept_what_yggdrasil_accepts() {
        assert_eq!(parse_percentage("50"), Some(50));
        assert_eq!(parse_percentage("+50"), Some(50));
        assert_eq!(parse_percentage(" 50"), None);
        assert_eq!(parse_percentage("50.5"), None);
        assert_eq!(parse_unleash_number("5"), Some(5.0));
        assert_eq!(parse_unleash_number("-1.5e3"), Some(-1500.0));
        assert_eq!(parse_unleash_number("2."), Some(2.0));
        assert_eq!(parse_unleash_number(".5"), None);
        assert_eq!(parse_unleash_number("abc"), None);
        assert!(is_unleash_date("2024-01-02T03:04:05Z"));
        assert!(is_unleash_date("2024-01-02T03:04:05.123+02:00"));
        assert!(!is_unleash_date("2024-01-02T03:04:05.12Z"));
        assert!(!is_unleash_date("2024-01-02"));
        assert!(is_strict_semver("1.2.3-beta.1+build"));
        assert!(!is_strict_semver("1.2") && !is_strict_semver("01.2.3"));
        assert_eq!(cidr("10.1.2.3/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(cidr("10.1.2.3").as_deref(), Some("10.1.2.3/32"));
        assert_eq!(cidr("fd00::1/8").as_deref(), Some("fd00::/8"));
        assert_eq!(cidr("nope"), None);
    }
}
