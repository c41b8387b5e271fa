//! flagd flag definitions (JSON) → Vexil, deciding what flagd decides (its
//! Go evaluator, with v2 `fractional` bucketing).
//!
//! How each construct is translated:
//! - A flag's `variants` fix its type: all booleans → `bool`, all strings →
//!   `string`, all integers → `int`, numbers → `float`; objects (or mixed
//!   values) → `string` whose values are the variant names (reported).
//! - `defaultVariant` → `default`; `state: DISABLED` → `state off` (`off` the
//!   default variant); no `targeting` (or `{}`) → a static flag.
//! - `targeting` is read as the result it computes: a variant name (or a
//!   boolean, naming the `"true"`/`"false"` variant), `null` (the default,
//!   reason DEFAULT), an `if` chain (ordered rules; a branch that answers
//!   `null` keeps later rules from matching what it covers), or `fractional`
//!   (a split: flagd v2 hashes exactly as Vexil, so the hashed text is
//!   reproduced with `salt`: the shorthand hashes `flagKey + targetingKey`
//!   → `split by targetingKey salt "<flag key>"`; an explicit bucketing
//!   value `cat("x", var)` → `salt "x"`, `var` alone → `salt ""`; a missing
//!   explicit value falls back to the shorthand, as in flagd).
//! - Conditions: `==`/`===`/`!=`/`!==` and `<`/`<=`/`>`/`>=` (two or three
//!   operands) against constants, `in` (list membership or substring),
//!   `starts_with`, `ends_with`, `sem_ver` (all eight operators; `^` and `~`
//!   as ranges), `and`/`or`/`!`/`!!`, `missing`, a boolean `var`. JSONLogic's
//!   `null` rules are kept: a missing value equals nothing but `null`, and
//!   compares as 0 with `<` and friends (`(age ?? 0.0) < 18.0`).
//!   `$flagd.flagKey` is the flag's key; `$flagd.timestamp` compared with a
//!   constant becomes `now` compared with that instant.
//! - `$evaluators` used as conditions become segments; elsewhere their
//!   JSON is used in place of the `$ref`.
//!
//! Anything else (arithmetic, `map`/`filter`, a computed variant name, …)
//! leaves the flag static at its default, with a note.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::expr::Cond;
use crate::vx::{self, Names, Schema, Type};
use crate::{FlagReport, ImportError, Imported, MAX_INPUT_BYTES, Report, pointer_token};

/// The largest total weight flagd accepts in a `fractional` (MaxInt32).
const MAX_TOTAL_WEIGHT: i64 = i32::MAX as i64;
/// How deep `$ref`s may nest (a cycle stops here).
const MAX_REF_DEPTH: usize = 32;
/// The most arms one targeting may expand to (an `if` over `$ref`s can
/// multiply them); beyond it the targeting is reported, not translated.
const MAX_ARMS: usize = 2_000;
/// The most text one flag's rules may take.
const MAX_RULES_BYTES: usize = 1 << 20;

/// Imports flagd flag definitions.
pub fn import(json: &str) -> Result<Imported, ImportError> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(ImportError::Input(format!("the input is larger than {MAX_INPUT_BYTES} bytes")));
    }
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::Input(format!("not JSON: {e}")))?;
    let flags = flags_in_order(json, &root)?;
    let evaluators: BTreeMap<String, Value> = root
        .get("$evaluators")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut importer = Importer {
        report: Report { format: "flagd", ..Report::default() },
        schema: Schema::default(),
        names: Names::default(),
        roots: HashMap::new(),
        evaluators,
        segments: BTreeMap::new(),
        segments_text: String::new(),
        out: String::new(),
        exact: true,
        key: String::new(),
    };
    if let Some(metadata) = root.get("metadata").filter(|m| m.as_object().is_some_and(|m| !m.is_empty())) {
        importer.report.attention("/metadata", format!("flag set metadata {metadata} is not carried into the ruleset"));
    }
    // Context roots first: a flag named like a context field is renamed, not the field.
    let mut paths = Vec::new();
    for (_, flag) in &flags {
        collect_vars(flag.get("targeting").unwrap_or(&Value::Null), &mut paths);
    }
    for value in importer.evaluators.values() {
        collect_vars(value, &mut paths);
    }
    for path in &paths {
        importer.root_of(path);
    }
    let flag_names: Vec<String> = flags.iter().map(|(key, _)| importer.names.claim(key)).collect();
    for ((key, flag), name) in flags.iter().zip(flag_names) {
        let location = format!("/flags/{}", pointer_token(key));
        importer.flag(key, &name, flag, &location);
    }
    let Importer { report, schema, out, segments_text, .. } = importer;
    let header = "// Imported from flagd flag definitions by `vexil import flagd`.\n\
                  // Every context attribute is optional; `$flagd.timestamp` is the evaluation's `now`.\n";
    crate::assemble(header, &schema, &segments_text, &out, report)
}

/// The flags in file order: `flags` as an object (its keys in the order
/// written, which `serde_json::Map` does not keep) or as an array of
/// objects with a `key`.
fn flags_in_order(json: &str, root: &Value) -> Result<Vec<(String, Value)>, ImportError> {
    match root.get("flags") {
        Some(Value::Array(items)) => Ok(items
            .iter()
            .filter_map(|item| item.get("key").and_then(Value::as_str).map(|k| (k.to_owned(), item.clone())))
            .collect()),
        Some(Value::Object(map)) => {
            #[derive(serde::Deserialize)]
            struct Root {
                flags: Ordered,
            }
            let order = serde_json::from_str::<Root>(json).map(|r| r.flags.0).unwrap_or_default();
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for key in order.into_iter().chain(map.keys().cloned()) {
                if let Some(flag) = map.get(&key)
                    && seen.insert(key.clone())
                {
                    out.push((key, flag.clone()));
                }
            }
            Ok(out)
        }
        _ => Err(ImportError::Input("expected flagd flag definitions: an object with a `flags` object".into())),
    }
}

/// An object's keys in the order written.
struct Ordered(Vec<String>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(Ordered(keys))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// Every `var` path in a JSONLogic value.
fn collect_vars(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (op, args) in map {
                if op == "var" {
                    if let Some(path) = var_path(args) {
                        out.push(path);
                    }
                } else {
                    collect_vars(args, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_vars(item, out)),
        _ => {}
    }
}

/// The path a `var` reads. `{"var": ["p", default]}` (a default) is not
/// read here: it is not translated, so its var is reported.
fn var_path(args: &Value) -> Option<String> {
    match args {
        Value::String(path) => Some(path.clone()),
        Value::Array(items) if items.len() == 1 => items.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// What a targeting result computes, for the contexts its condition covers.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// A variant, by name.
    Variant(String),
    /// A split.
    Split(SplitSpec),
    /// `null`: the default variant, reason DEFAULT.
    Null,
}

/// A `fractional` as a split: the unit expression, the salt, and the
/// entries by variant name (values are filled in once the flag's type is known).
#[derive(Debug, Clone, PartialEq)]
struct SplitSpec {
    unit: String,
    salt: String,
    weights: Vec<(String, i64)>,
}

/// Why a construct was not translated.
struct Unsupported(String);

/// A flag's value type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FlagType {
    Bool,
    Int,
    Float,
    String,
    /// Objects or mixed values: the value is the variant's name.
    Names,
}

struct Importer {
    report: Report,
    schema: Schema,
    names: Names,
    /// Vexil root names of context roots (`user` → `user`, `flag` → `_flag`).
    roots: HashMap<String, String>,
    evaluators: BTreeMap<String, Value>,
    /// Segments made from evaluators: `None` while being made (a cycle), else the name or why not.
    segments: BTreeMap<String, Option<Result<String, String>>>,
    segments_text: String,
    out: String,
    exact: bool,
    /// The flag being imported (for `$flagd.flagKey`).
    key: String,
}

impl Importer {
    /// The Vexil root for a `var` path's first component.
    fn root_of(&mut self, path: &str) -> Option<String> {
        let root = path.split('.').next()?;
        if root.starts_with('$') {
            return None;
        }
        if let Some(name) = self.roots.get(root) {
            return Some(name.clone());
        }
        let name = self.names.claim(root);
        if name != root {
            self.report.attention(
                "",
                format!("context field `{root}` cannot be a Vexil name as it is (reserved or not an identifier): send it as `{name}`"),
            );
        }
        self.roots.insert(root.to_owned(), name.clone());
        Some(name)
    }

    /// The Vexil path of a `var`, declared as `ty`.
    fn attribute(&mut self, path: &str, ty: Type, why: &str, at: &str) -> Result<String, Unsupported> {
        let mut parts = path.split('.');
        let root = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        if rest.iter().any(|p| !vx::is_path_word(p)) || root.is_empty() {
            return Err(Unsupported(format!("the path `{path}` (a part that is not a name, or an array index)")));
        }
        let Some(vexil_root) = self.root_of(root) else {
            return Err(Unsupported(format!("`{path}`")));
        };
        let vexil_path = std::iter::once(vexil_root.as_str()).chain(rest.iter().copied()).collect::<Vec<_>>().join(".");
        match self.schema.use_as(&vexil_path, path, ty, format!("{why} ({at})")) {
            Ok(()) => Ok(vexil_path),
            Err(earlier) if earlier.path == vexil_path => Err(Unsupported(format!(
                "`{path}` is used as {} here but as {} earlier ({})",
                ty.as_str(),
                earlier.ty.as_str(),
                earlier.why
            ))),
            Err(earlier) => Err(Unsupported(format!(
                "`{path}` and `{}` cannot both be attributes (one would be a value and an object)",
                earlier.source
            ))),
        }
    }

    fn flag(&mut self, key: &str, name: &str, flag: &Value, location: &str) {
        self.exact = true;
        self.key = key.to_owned();
        if name != key {
            self.report.translated(location, format!("`{key}` is not a Vexil name: the flag is `{name}`"));
        }
        let empty = Map::new();
        let variants = flag.get("variants").and_then(Value::as_object).unwrap_or(&empty);
        let ty = flag_type(variants);
        if ty == FlagType::Names {
            self.report.attention(
                &format!("{location}/variants"),
                "object (or mixed) variant values: the flag is a string whose value is the variant's name; look the value up by it",
            );
            self.exact = false;
        }
        if let Some(metadata) = flag.get("metadata").filter(|m| m.as_object().is_some_and(|m| !m.is_empty())) {
            self.report.attention(
                &format!("{location}/metadata"),
                format!("flag metadata {metadata} is not carried into the ruleset"),
            );
        }
        let default_variant = flag.get("defaultVariant").and_then(Value::as_str).filter(|d| variants.contains_key(*d));
        let default = match default_variant {
            Some(variant) => variant.to_owned(),
            None => {
                let first = variants.keys().next().cloned().unwrap_or_default();
                self.report.attention(
                    location,
                    format!("no `defaultVariant` (flagd answers with the caller's code default): the default here is the variant `{first}`"),
                );
                self.exact = false;
                first
            }
        };
        let Some(default_value) = literal(variants, &default, ty) else {
            self.report.attention(location, "a flag without variants is skipped");
            return;
        };
        let mut text = String::new();
        let _ = writeln!(text, "// flagd flag {}", vx::string(key));
        let _ = writeln!(text, "flag {name}: {} {{", type_name(ty));
        if flag.get("state").and_then(Value::as_str) == Some("DISABLED") {
            let _ = writeln!(text, "  state off\n  off {default_value}");
            self.report.translated(
                location,
                "state DISABLED → state off (flagd answers DISABLED without a value; here the default variant's)",
            );
        }
        let _ = writeln!(text, "  default {default_value}");
        let targeting = flag.get("targeting").filter(|t| t.as_object().is_none_or(|m| !m.is_empty()));
        if let Some(targeting) = targeting {
            let at = format!("{location}/targeting");
            match self.result(targeting, &at, 0) {
                Ok(arms) => match self.rules(&arms, variants, ty, &at) {
                    Ok(rules) if rules.is_empty() => {
                        self.report.attention(
                            &at,
                            "the targeting never selects a variant: flagd answers the default with reason DEFAULT, this static flag with STATIC",
                        );
                        self.exact = false;
                    }
                    Ok(rules) => text += &rules,
                    Err(Unsupported(why)) => self.untranslated(&at, &why),
                },
                Err(Unsupported(why)) => self.untranslated(&at, &why),
            }
        }
        text += "}\n\n";
        self.out += &text;
        self.report.translated(location, format!("flag `{key}` → {name}: {}", type_name(ty)));
        self.report.flags.push(FlagReport {
            source_key: key.to_owned(),
            flag: name.to_owned(),
            variant_flag: None,
            exact: self.exact,
            variant_exact: true,
        });
    }

    fn untranslated(&mut self, at: &str, why: &str) {
        self.report.attention(at, format!("targeting not translated ({why}): the flag answers its default variant"));
        self.exact = false;
    }

    /// The arms of a result: ordered `(condition, outcome)`, first match
    /// wins; a context no arm covers gets `null`.
    fn result(&mut self, r: &Value, at: &str, depth: usize) -> Result<Vec<(Cond, Outcome)>, Unsupported> {
        if depth > MAX_REF_DEPTH {
            return Err(Unsupported("nesting too deep".into()));
        }
        match r {
            Value::Null => Ok(vec![(Cond::True, Outcome::Null)]),
            Value::String(name) => Ok(vec![(Cond::True, Outcome::Variant(name.clone()))]),
            Value::Bool(b) => Ok(vec![(Cond::True, Outcome::Variant(b.to_string()))]),
            Value::Object(map) if map.len() == 1 => {
                let (op, args) = map.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
                match op {
                    "$ref" => {
                        let target = self.evaluator(args)?;
                        self.result(&target, at, depth + 1)
                    }
                    "if" => {
                        let items = as_args(args);
                        let mut arms = Vec::new();
                        let mut i = 0;
                        while i + 1 < items.len() {
                            let cond = self.cond(&items[i], &format!("{at}/if/{i}"), depth + 1)?;
                            let branch = self.result(&items[i + 1], &format!("{at}/if/{}", i + 1), depth + 1)?;
                            let total = branch.last().is_some_and(|(c, _)| *c == Cond::True);
                            for (c, outcome) in branch {
                                arms.push((Cond::and([cond.clone(), c]), outcome));
                            }
                            if !total {
                                arms.push((cond, Outcome::Null));
                            }
                            i += 2;
                        }
                        if let Some(last) = items.get(i) {
                            arms.extend(self.result(last, &format!("{at}/if/{i}"), depth + 1)?);
                        }
                        if arms.len() > MAX_ARMS {
                            return Err(Unsupported(format!("a targeting of more than {MAX_ARMS} branches")));
                        }
                        Ok(arms)
                    }
                    "fractional" => self.fractional(&as_args(args), at),
                    _ => Err(Unsupported(format!("`{op}` computing the variant"))),
                }
            }
            _ => Err(Unsupported(format!("the result {r}"))),
        }
    }

    fn evaluator(&mut self, name: &Value) -> Result<Value, Unsupported> {
        let name = name.as_str().unwrap_or("");
        self.evaluators
            .get(name)
            .cloned()
            .ok_or_else(|| Unsupported(format!("`$ref` to `{name}`, which `$evaluators` does not define")))
    }

    /// `fractional`: a split, with the arms flagd's null rules need.
    fn fractional(&mut self, args: &[Value], at: &str) -> Result<Vec<(Cond, Outcome)>, Unsupported> {
        let (bucketing, entries) = match args.first() {
            Some(Value::Array(_)) => (None, args),
            Some(first) => (Some(first), args.get(1..).unwrap_or(&[])),
            None => return Ok(vec![(Cond::True, Outcome::Null)]),
        };
        let mut weights = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let Some(items) = entry.as_array().filter(|a| !a.is_empty()) else {
                return Err(Unsupported(format!("fractional entry {i} is not `[variant, weight]`")));
            };
            let variant = match &items[0] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                other => return Err(Unsupported(format!("fractional variant {other}"))),
            };
            let weight = match items.get(1) {
                None => 1,
                Some(w) => match w.as_i64() {
                    Some(w) if w >= 0 => w,
                    _ => return Err(Unsupported(format!("fractional weight {w} (flagd answers null)"))),
                },
            };
            weights.push((variant, weight));
        }
        let total: i64 = weights.iter().map(|(_, w)| w).sum();
        if total == 0 || total > MAX_TOTAL_WEIGHT {
            return Ok(vec![(Cond::True, Outcome::Null)]);
        }
        let key = self.key.clone();
        // The shorthand: flagKey ++ targetingKey, null without a (non-empty) targeting key.
        let shorthand = |this: &mut Self| -> Result<(Cond, Outcome), Unsupported> {
            let tk = this.attribute("targetingKey", Type::String, "the unit of a fractional", at)?;
            let cond = Cond::and([Cond::has(&tk), Cond::atom(format!("{tk} != \"\""))]);
            Ok((cond, Outcome::Split(split_spec(&tk, &key, &weights))))
        };
        let Some(bucketing) = bucketing else {
            return Ok(vec![shorthand(self)?]);
        };
        // An explicit bucketing value: a `var`, or `cat` of literals and vars.
        let parts: Vec<Value> = match bucketing {
            Value::Object(map) if map.contains_key("cat") => as_args(&map["cat"]),
            other => vec![other.clone()],
        };
        let mut salt = String::new();
        let mut units: Vec<String> = Vec::new();
        let mut single_var = None;
        for part in &parts {
            match part {
                Value::String(s) if units.is_empty() => salt += s,
                Value::String(s) => units.push(vx::string(s)),
                Value::Object(map) if map.contains_key("var") => {
                    let path = var_path(&map["var"]).unwrap_or_default();
                    if path == "$flagd.flagKey" {
                        if units.is_empty() {
                            salt += &key;
                        } else {
                            units.push(vx::string(&key));
                        }
                        continue;
                    }
                    let attribute =
                        self.attribute(&path, Type::String, "part of a fractional's bucketing value", at)?;
                    single_var = Some(attribute.clone());
                    units.push(attribute);
                }
                other => return Err(Unsupported(format!("fractional bucketing part {other}"))),
            }
        }
        let is_cat = matches!(bucketing, Value::Object(map) if map.contains_key("cat"));
        if !is_cat {
            // `{"var": p}`: p's text; a missing p falls back to the shorthand.
            let Some(p) = single_var else {
                return Err(Unsupported(format!("fractional bucketing value {bucketing}")));
            };
            let mut arms = vec![(Cond::has(&p), Outcome::Split(split_spec(&p, "", &weights)))];
            arms.push(shorthand(self)?);
            return Ok(arms);
        }
        // `cat` turns a missing value into "": never null.
        let unit = match units.len() {
            0 => "\"\"".to_owned(),
            _ => units
                .iter()
                .map(|u| if u.starts_with('"') { u.clone() } else { format!("({u} ?? \"\")") })
                .collect::<Vec<_>>()
                .join(" + "),
        };
        let unit = if units.len() == 1 && !units[0].starts_with('"') { format!("{} ?? \"\"", units[0]) } else { unit };
        Ok(vec![(Cond::True, Outcome::Split(split_spec(&unit, &salt, &weights)))])
    }

    /// A condition: JSONLogic truthiness of `c`.
    fn cond(&mut self, c: &Value, at: &str, depth: usize) -> Result<Cond, Unsupported> {
        if depth > MAX_REF_DEPTH {
            return Err(Unsupported("nesting too deep".into()));
        }
        match c {
            Value::Bool(b) => Ok(if *b { Cond::True } else { Cond::False }),
            Value::Null => Ok(Cond::False),
            Value::Number(n) => Ok(if n.as_f64().is_some_and(|f| f != 0.0) { Cond::True } else { Cond::False }),
            Value::String(s) => Ok(if s.is_empty() { Cond::False } else { Cond::True }),
            Value::Object(map) if map.len() == 1 => {
                let (op, args) = map.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
                let items = as_args(args);
                match op {
                    "$ref" => {
                        let name = args.as_str().unwrap_or("").to_owned();
                        self.segment(&name, at, depth)
                    }
                    "and" => Ok(Cond::and(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| self.cond(x, &format!("{at}/and/{i}"), depth + 1))
                            .collect::<Result<Vec<_>, _>>()?,
                    )),
                    "or" => Ok(Cond::or(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| self.cond(x, &format!("{at}/or/{i}"), depth + 1))
                            .collect::<Result<Vec<_>, _>>()?,
                    )),
                    "!" => Ok(self.cond(items.first().unwrap_or(&Value::Null), at, depth + 1)?.not()),
                    "!!" => self.cond(items.first().unwrap_or(&Value::Null), at, depth + 1),
                    "var" => {
                        let path = var_path(args).unwrap_or_default();
                        let p = self.attribute(&path, Type::Bool, "read as a condition", at)?;
                        Ok(Cond::and([Cond::has(&p), Cond::atom(p)]))
                    }
                    "missing" => {
                        let mut any = Vec::new();
                        for item in &items {
                            let path =
                                item.as_str().ok_or_else(|| Unsupported("`missing` of a computed name".into()))?;
                            let p = self.attribute_any(path, at)?;
                            any.push(Cond::has(&p).not());
                        }
                        Ok(Cond::or(any))
                    }
                    "==" | "===" | "!=" | "!==" => {
                        let equal = self.equality(&items, op, at)?;
                        Ok(if op.starts_with('!') { equal.not() } else { equal })
                    }
                    "<" | "<=" | ">" | ">=" => self.comparison(&items, op, at),
                    "in" => self.membership(&items, at),
                    "starts_with" | "ends_with" => {
                        let (Some(Value::Object(v)), Some(Value::String(lit))) = (items.first(), items.get(1)) else {
                            return Err(Unsupported(format!("`{op}` other than of a var and a string")));
                        };
                        let path = v
                            .get("var")
                            .and_then(var_path)
                            .ok_or_else(|| Unsupported(format!("`{op}` of a computed value")))?;
                        let p = self.attribute(&path, Type::String, &format!("read by {op}"), at)?;
                        Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} {op} {}", vx::string(lit)))]))
                    }
                    "sem_ver" => self.sem_ver(&items, at),
                    other => Err(Unsupported(format!("the operator `{other}`"))),
                }
            }
            other => Err(Unsupported(format!("the condition {other}"))),
        }
    }

    /// An attribute read only by `has` (`missing`): typed by its other uses, string if none.
    fn attribute_any(&mut self, path: &str, at: &str) -> Result<String, Unsupported> {
        let root = path.split('.').next().unwrap_or("");
        let vexil_root = self.root_of(root).unwrap_or_default();
        let rest: Vec<&str> = path.split('.').skip(1).collect();
        let vexil_path = std::iter::once(vexil_root.as_str()).chain(rest.iter().copied()).collect::<Vec<_>>().join(".");
        if self.schema.get(&vexil_path).is_some() {
            return Ok(vexil_path);
        }
        self.attribute(path, Type::String, "tested by `missing`", at)
    }

    /// An evaluator used as a condition: a segment of its own.
    fn segment(&mut self, name: &str, at: &str, depth: usize) -> Result<Cond, Unsupported> {
        match self.segments.get(name) {
            Some(Some(Ok(segment))) => return Ok(Cond::atom(segment.clone())),
            Some(Some(Err(why))) => return Err(Unsupported(why.clone())),
            Some(None) => return Err(Unsupported(format!("`$ref` cycle through `{name}`"))),
            None => {}
        }
        let target = self.evaluator(&Value::String(name.to_owned()))?;
        // `$flagd.flagKey` differs per flag: such an evaluator is used in place, not shared.
        if target.to_string().contains("$flagd.flagKey") {
            return self.cond(&target, at, depth + 1);
        }
        self.segments.insert(name.to_owned(), None);
        let cond = self.cond(&target, &format!("/$evaluators/{}", pointer_token(name)), depth + 1);
        match cond {
            Ok(cond) => {
                let segment = self.names.claim(name);
                let _ = writeln!(
                    self.segments_text,
                    "// flagd evaluator {}\nsegment {segment} = {}\n",
                    vx::string(name),
                    cond.render()
                );
                self.segments.insert(name.to_owned(), Some(Ok(segment.clone())));
                self.report.translated(at, format!("`$ref` {name} → segment {segment}"));
                Ok(Cond::atom(segment))
            }
            Err(Unsupported(why)) => {
                self.segments.insert(name.to_owned(), Some(Err(why.clone())));
                Err(Unsupported(why))
            }
        }
    }

    /// `==` with a var on one side and a constant on the other.
    fn equality(&mut self, items: &[Value], op: &str, at: &str) -> Result<Cond, Unsupported> {
        let (path, constant) =
            var_and_constant(items).ok_or_else(|| Unsupported(format!("`{op}` other than of a var and a constant")))?;
        if path == "$flagd.flagKey" {
            return Ok(if constant.as_str() == Some(self.key.as_str()) { Cond::True } else { Cond::False });
        }
        match constant {
            Value::Null => {
                let p = self.attribute_any(&path, at)?;
                Ok(Cond::has(&p).not())
            }
            Value::String(s) => {
                let p = self.attribute(&path, Type::String, &format!("compared with a string by {op}"), at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} == {}", vx::string(s)))]))
            }
            Value::Bool(b) => {
                let p = self.attribute(&path, Type::Bool, &format!("compared with a boolean by {op}"), at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} == {b}"))]))
            }
            Value::Number(n) => {
                let literal = n.as_f64().and_then(vx::float).ok_or_else(|| Unsupported(format!("the number {n}")))?;
                let p = self.attribute(&path, Type::Float, &format!("compared with a number by {op}"), at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} == {literal}"))]))
            }
            other => Err(Unsupported(format!("`{op}` with {other}"))),
        }
    }

    /// `<`, `<=`, `>`, `>=` (two operands, or three for "between").
    fn comparison(&mut self, items: &[Value], op: &str, at: &str) -> Result<Cond, Unsupported> {
        if items.len() == 3 && matches!(op, "<" | "<=") {
            let first = self.comparison(&items[..2], op, at)?;
            let second = self.comparison(&items[1..], op, at)?;
            return Ok(Cond::and([first, second]));
        }
        if items.len() != 2 {
            return Err(Unsupported(format!("`{op}` with {} operands", items.len())));
        }
        // Put the var on the left, flipping the operator.
        let (path, constant, op) = match (var_of(&items[0]), var_of(&items[1])) {
            (Some(p), None) => (p, &items[1], op.to_owned()),
            (None, Some(p)) => (p, &items[0], flip(op).to_owned()),
            _ => return Err(Unsupported(format!("`{op}` other than of a var and a constant"))),
        };
        if path == "$flagd.timestamp" {
            return timestamp_comparison(constant, &op);
        }
        match constant {
            Value::Number(n) => {
                let literal = n.as_f64().and_then(vx::float).ok_or_else(|| Unsupported(format!("the number {n}")))?;
                let p = self.attribute(&path, Type::Float, &format!("compared by {op}"), at)?;
                // JSONLogic compares a missing value as 0.
                Ok(Cond::atom(format!("({p} ?? 0.0) {op} {literal}")))
            }
            Value::String(s) => {
                let p = self.attribute(&path, Type::String, &format!("compared with a string by {op}"), at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} {op} {}", vx::string(s)))]))
            }
            other => Err(Unsupported(format!("`{op}` with {other}"))),
        }
    }

    /// `in`: a var in a list of constants, or a substring test.
    fn membership(&mut self, items: &[Value], at: &str) -> Result<Cond, Unsupported> {
        match (items.first(), items.get(1)) {
            (Some(needle), Some(Value::Array(list))) => {
                let path = var_of(needle).ok_or_else(|| Unsupported("`in` of a computed value".into()))?;
                if list.iter().all(Value::is_string) {
                    let p = self.attribute(&path, Type::String, "listed by `in`", at)?;
                    let values: Vec<String> = list.iter().filter_map(Value::as_str).map(vx::string).collect();
                    Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} in [{}]", values.join(", ")))]))
                } else if list.iter().all(Value::is_number) {
                    let p = self.attribute(&path, Type::Float, "listed by `in` among numbers", at)?;
                    let values: Vec<String> = list.iter().filter_map(Value::as_f64).filter_map(vx::float).collect();
                    Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} in [{}]", values.join(", ")))]))
                } else {
                    Err(Unsupported("`in` a list of mixed values".into()))
                }
            }
            (Some(Value::String(needle)), Some(haystack)) => {
                let path = var_of(haystack).ok_or_else(|| Unsupported("`in` of computed values".into()))?;
                let p = self.attribute(&path, Type::String, "searched by `in`", at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{p} contains {}", vx::string(needle)))]))
            }
            (Some(needle), Some(Value::String(haystack))) => {
                let path = var_of(needle).ok_or_else(|| Unsupported("`in` of computed values".into()))?;
                let p = self.attribute(&path, Type::String, "searched for by `in`", at)?;
                Ok(Cond::and([Cond::has(&p), Cond::atom(format!("{} contains {p}", vx::string(haystack)))]))
            }
            _ => Err(Unsupported("`in` other than of a var and constants".into())),
        }
    }

    /// `sem_ver`: `[var, op, "version"]`.
    fn sem_ver(&mut self, items: &[Value], at: &str) -> Result<Cond, Unsupported> {
        let (Some(subject), Some(Value::String(op)), Some(Value::String(target))) =
            (items.first(), items.get(1), items.get(2))
        else {
            return Err(Unsupported("`sem_ver` other than `[var, operator, version]`".into()));
        };
        let path = var_of(subject).ok_or_else(|| Unsupported("`sem_ver` of a computed value".into()))?;
        let Some(version) = normalize_semver(target) else {
            // flagd: an invalid version makes the operator null (false).
            return Ok(Cond::False);
        };
        let p = self.attribute(&path, Type::Semver, "compared by sem_ver", at)?;
        let (major, minor) = {
            let mut numbers = version.split(['.', '-', '+']);
            (numbers.next().and_then(|n| n.parse::<u64>().ok()), numbers.next().and_then(|n| n.parse::<u64>().ok()))
        };
        let atom = |op: &str, v: &str| Cond::atom(format!("{p} {op} {}", vx::string(v)));
        let test = match op.as_str() {
            "=" => atom("==", &version),
            "!=" => atom("!=", &version),
            "<" | "<=" | ">" | ">=" => atom(op, &version),
            "^" => match major.and_then(|m| m.checked_add(1).map(|next| (m, next))) {
                Some((m, next)) => Cond::and([atom(">=", &format!("{m}.0.0-0")), atom("<", &format!("{next}.0.0-0"))]),
                None => return Err(Unsupported(format!("`^` of {target}"))),
            },
            "~" => match (major, minor.and_then(|m| m.checked_add(1).map(|next| (m, next)))) {
                (Some(major), Some((minor, next))) => {
                    Cond::and([atom(">=", &format!("{major}.{minor}.0-0")), atom("<", &format!("{major}.{next}.0-0"))])
                }
                _ => return Err(Unsupported(format!("`~` of {target}"))),
            },
            // flagd: an unknown operator makes sem_ver null (false).
            _ => return Ok(Cond::False),
        };
        self.report.translated(at, "sem_ver: callers send full SemVer versions (flagd also reads `v1.2` as 1.2.0)");
        Ok(Cond::and([Cond::has(&p), test]))
    }

    /// Rules from arms, with `null` arms keeping later rules off what they cover.
    fn rules(
        &mut self,
        arms: &[(Cond, Outcome)],
        variants: &Map<String, Value>,
        ty: FlagType,
        at: &str,
    ) -> Result<String, Unsupported> {
        let mut text = String::new();
        let mut blocked: Vec<Cond> = Vec::new();
        let last_value = arms.iter().rposition(|(_, o)| *o != Outcome::Null);
        for (i, (cond, outcome)) in arms.iter().enumerate() {
            if last_value.is_none_or(|last| i > last) {
                break;
            }
            if *outcome == Outcome::Null {
                blocked.push(cond.clone());
                continue;
            }
            let when = Cond::and(std::iter::once(cond.clone()).chain(blocked.iter().map(|b| b.clone().not())));
            if when == Cond::False {
                continue;
            }
            let result = match outcome {
                Outcome::Variant(name) => literal(variants, name, ty).ok_or_else(|| {
                    Unsupported(format!("the variant `{name}`, which the flag does not define (flagd: an error)"))
                })?,
                Outcome::Split(spec) => self.split(spec, variants, ty, at)?,
                Outcome::Null => continue,
            };
            let _ = writeln!(text, "  rule r{i}: when {} => {result}", when.render());
            if text.len() > MAX_RULES_BYTES {
                return Err(Unsupported(format!("rules longer than {MAX_RULES_BYTES} bytes")));
            }
        }
        Ok(text)
    }

    /// A split's Vexil text, the variant names replaced by their values.
    fn split(
        &mut self,
        spec: &SplitSpec,
        variants: &Map<String, Value>,
        ty: FlagType,
        at: &str,
    ) -> Result<String, Unsupported> {
        let mut entries: Vec<(String, i64)> = Vec::new();
        for (name, weight) in &spec.weights {
            let value = literal(variants, name, ty).ok_or_else(|| {
                Unsupported(format!("the variant `{name}` in a fractional, which the flag does not define"))
            })?;
            let weight = *weight;
            if weight == 0 {
                continue;
            }
            // Adjacent entries of one value own one range together.
            match entries.last_mut() {
                Some((last, w)) if *last == value => *w += weight,
                _ => entries.push((value, weight)),
            }
        }
        let mut seen = HashSet::new();
        if entries.iter().any(|(v, _)| !seen.insert(v.clone())) {
            self.report.attention(at, "two variants of one fractional have the same value: a Vexil split lists each value once; not translated exactly");
            return Err(Unsupported("repeated values in a fractional".into()));
        }
        let body: Vec<String> = entries.iter().map(|(v, w)| format!("{v}: {w}")).collect();
        Ok(format!("split by {} salt {} {{ {} }}", spec.unit, vx::string(&spec.salt), body.join(", ")))
    }
}

fn split_spec(unit: &str, salt: &str, weights: &[(String, i64)]) -> SplitSpec {
    SplitSpec { unit: unit.to_owned(), salt: salt.to_owned(), weights: weights.to_vec() }
}

fn as_args(args: &Value) -> Vec<Value> {
    match args {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn var_of(value: &Value) -> Option<String> {
    value.as_object().filter(|m| m.len() == 1).and_then(|m| m.get("var")).and_then(var_path)
}

fn var_and_constant(items: &[Value]) -> Option<(String, &Value)> {
    match (items.first(), items.get(1)) {
        (Some(a), Some(b)) => match (var_of(a), var_of(b)) {
            (Some(p), None) if !b.is_object() && !b.is_array() => Some((p, b)),
            (None, Some(p)) if !a.is_object() && !a.is_array() => Some((p, a)),
            _ => None,
        },
        _ => None,
    }
}

fn flip(op: &str) -> &str {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        _ => "<=",
    }
}

/// `$flagd.timestamp` (whole seconds of `now`) against an integer `n`, as `now` against an instant.
fn timestamp_comparison(constant: &Value, op: &str) -> Result<Cond, Unsupported> {
    let n = constant.as_i64().ok_or_else(|| Unsupported(format!("$flagd.timestamp against {constant}")))?;
    // seconds > n ⟺ now ≥ (n+1) s; seconds ≥ n ⟺ now ≥ n s; < n ⟺ now < n s; ≤ n ⟺ now < (n+1) s.
    let (op, seconds) = match op {
        ">" => (">=", n.checked_add(1)),
        ">=" => (">=", Some(n)),
        "<" => ("<", Some(n)),
        _ => ("<", n.checked_add(1)),
    };
    let millis = seconds.and_then(|s| s.checked_mul(1000)).ok_or_else(|| Unsupported(format!("the instant {n}")))?;
    let instant = vexil::Timestamp::from_millis(millis).ok_or_else(|| Unsupported(format!("the instant {n}")))?;
    Ok(Cond::atom(format!("now {op} {}", vx::string(&instant.to_string()))))
}

/// flagd's reading of a version: one leading `v`/`V` dropped, `1` → `1.0.0`,
/// `1.2` → `1.2.0`; `None` when it is still not SemVer.
fn normalize_semver(text: &str) -> Option<String> {
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let core_end = text.find(['-', '+']).unwrap_or(text.len());
    let (core, rest) = text.split_at(core_end);
    let padded = match core.split('.').count() {
        1 => format!("{core}.0.0"),
        2 => format!("{core}.0"),
        3 => core.to_owned(),
        _ => return None,
    };
    let version = format!("{padded}{rest}");
    let checked = format!("context {{ v: semver }}\nsegment s = v == {}\n", vx::string(&version));
    (!vexil::check(&checked, &vexil::CheckOptions::default()).has_errors()).then_some(version)
}

fn flag_type(variants: &Map<String, Value>) -> FlagType {
    let values: Vec<&Value> = variants.values().collect();
    if values.iter().all(|v| v.is_boolean()) {
        FlagType::Bool
    } else if values.iter().all(|v| v.is_string()) {
        FlagType::String
    } else if values.iter().all(|v| v.is_i64()) {
        FlagType::Int
    } else if values.iter().all(|v| v.is_number() && v.as_f64().is_some_and(f64::is_finite)) {
        FlagType::Float
    } else {
        FlagType::Names
    }
}

fn type_name(ty: FlagType) -> &'static str {
    match ty {
        FlagType::Bool => "bool",
        FlagType::Int => "int",
        FlagType::Float => "float",
        FlagType::String | FlagType::Names => "string",
    }
}

/// The Vexil literal of a variant's value.
fn literal(variants: &Map<String, Value>, name: &str, ty: FlagType) -> Option<String> {
    let value = variants.get(name)?;
    match ty {
        FlagType::Bool => value.as_bool().map(|b| b.to_string()),
        FlagType::String => value.as_str().map(vx::string),
        FlagType::Int => value.as_i64().map(|i| i.to_string()),
        FlagType::Float => value.as_f64().and_then(vx::float),
        FlagType::Names => Some(vx::string(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_as_flagd_reads_them() {
        assert_eq!(normalize_semver("v1.2").as_deref(), Some("1.2.0"));
        assert_eq!(normalize_semver("V3").as_deref(), Some("3.0.0"));
        assert_eq!(normalize_semver("1.2.3-rc.1+b").as_deref(), Some("1.2.3-rc.1+b"));
        assert_eq!(normalize_semver("2.0.0.0"), None);
        assert_eq!(normalize_semver("x"), None);
    }

    #[test]
    fn timestamps_in_seconds_become_instants() {
        // 1700000000 s = 2023-11-14T22:13:20Z.
        let render = |op: &str| timestamp_comparison(&serde_json::json!(1_700_000_000), op).ok().map(|c| c.render());
        assert_eq!(render(">").as_deref(), Some("now >= \"2023-11-14T22:13:21.000Z\""));
        assert_eq!(render(">=").as_deref(), Some("now >= \"2023-11-14T22:13:20.000Z\""));
        assert_eq!(render("<").as_deref(), Some("now < \"2023-11-14T22:13:20.000Z\""));
        assert_eq!(render("<=").as_deref(), Some("now < \"2023-11-14T22:13:21.000Z\""));
    }
}
