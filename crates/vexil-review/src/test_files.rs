//! Rule tests: TOML files beside rulesets (`checkout.test.toml` tests
//! `checkout.vx`), each case a context, an instant and the expected decision
//! of some flags. Run by `vexil test`.
//!
//! ```toml
//! ruleset = "checkout.vx"            # default: this file's name with .vx for .test.toml
//! now = 2026-06-01T12:00:00Z         # the instant of every case (a case may set its own)
//!
//! [[case]]
//! name = "German beta users on a recent app get the new checkout"
//! context = { user = { id = "u-1", email = "ada@example.org", country = "DE", beta = true }, client = { platform = "ios", version = "4.3.0" } }
//! expect.new_checkout = true                                     # the value alone
//! expect.express_pay_limit = { value = 250, reason = "TARGETING_MATCH", rule = "eu" }
//! expect.checkout_button_color = { variant = "blue", reason = "DEFAULT" }
//! ```
//!
//! An expectation is a flag's value, or a table of any of `value`, `variant`,
//! `reason`, `rule`, `prerequisite` and `error` (the error code). Only what
//! is written is compared. `context_json = '…'` gives the context as exact
//! JSON text instead of a TOML table. TOML date-times in a context become
//! RFC 3339 text (what Vexil's `timestamp` reads).

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value as Json;
use vexil::decision::{Decision, FlagValue};
use vexil::{CheckOptions, Explanation, Ruleset, Timestamp};

/// Test files larger than this are refused unread.
const MAX_TEST_FILE_BYTES: u64 = 16 << 20;

/// One expectation's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub case: String,
    pub flag: String,
    pub passed: bool,
    /// What differs, one line each (`reason: expected "SPLIT", got "DEFAULT"`).
    pub problems: Vec<String>,
    /// The expectation as written (JSON).
    pub expected: Json,
    pub got: Decision,
    /// Why the engine decided as it did, for a failed expectation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// One test file's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub path: PathBuf,
    pub ruleset: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruleset_version: Option<String>,
    /// The file (or its ruleset) could not be used: nothing ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub results: Vec<CaseResult>,
}

impl FileResult {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    pub fn ok(&self) -> bool {
        self.error.is_none() && self.failed() == 0
    }
}

/// The test files under `paths`: a `.test.toml` file itself, a `.vx` file's
/// sibling test file, every `*.test.toml` under a directory (not in hidden
/// directories, `target` or `node_modules`). Sorted, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        } else if is_test_file(path) {
            found.push(path.clone());
        } else if path.extension().is_some_and(|e| e == "vx") {
            let sibling = path.with_extension("test.toml");
            if !sibling.is_file() {
                return Err(format!("`{}` has no tests: write {}", path.display(), sibling.display()));
            }
            found.push(sibling);
        } else if !path.exists() {
            return Err(format!("`{}` does not exist", path.display()));
        } else {
            return Err(format!("`{}` is neither a directory, a .vx ruleset nor a .test.toml file", path.display()));
        }
    }
    // `vexil test` in a directory names its files `x.test.toml`, not `./x.test.toml`.
    let mut found: Vec<PathBuf> =
        found.into_iter().map(|p| p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p)).collect();
    found.sort();
    found.dedup();
    Ok(found)
}

fn is_test_file(path: &Path) -> bool {
    path.is_file() && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".test.toml"))
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, found)?;
            }
        } else if is_test_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

/// Runs one test file.
pub fn run_file(path: &Path) -> FileResult {
    let default_ruleset = default_ruleset(path);
    let mut result = FileResult {
        path: path.to_owned(),
        ruleset: default_ruleset,
        ruleset_version: None,
        error: None,
        results: Vec::new(),
    };
    let text = match read_bounded(path) {
        Ok(text) => text,
        Err(error) => {
            result.error = Some(error);
            return result;
        }
    };
    let file: toml::Table = match text.parse() {
        Ok(file) => file,
        Err(error) => {
            result.error = Some(format!("not a test file: {error}"));
            return result;
        }
    };
    match run_table(path, &file, &mut result) {
        Ok(()) => {}
        Err(error) => result.error = Some(error),
    }
    result
}

fn default_ruleset(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    path.with_file_name(format!("{}.vx", name.strip_suffix(".test.toml").unwrap_or(name)))
}

fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_TEST_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if text.len() as u64 > MAX_TEST_FILE_BYTES {
        return Err(format!("`{}` is over {} MiB", path.display(), MAX_TEST_FILE_BYTES >> 20));
    }
    Ok(text)
}

fn run_table(path: &Path, file: &toml::Table, result: &mut FileResult) -> Result<(), String> {
    for key in file.keys() {
        if !["ruleset", "now", "case"].contains(&key.as_str()) {
            return Err(format!("unknown key `{key}` (a test file has `ruleset`, `now` and `[[case]]`s)"));
        }
    }
    if let Some(ruleset) = file.get("ruleset") {
        let name = ruleset.as_str().ok_or("`ruleset` must be a path (a string)")?;
        result.ruleset = path.parent().unwrap_or(Path::new("")).join(name);
    }
    let default_now = file.get("now").map(|v| instant(v, "now")).transpose()?;
    let source = read_bounded(&result.ruleset)?;
    let ruleset = vexil::compile(&source, &CheckOptions::default()).map_err(|error| {
        let records = vexil::diagnostic_records(&source, &error.diagnostics, None);
        let first: Vec<String> = records
            .iter()
            .filter(|r| r.severity == vexil::Severity::Error)
            .take(3)
            .map(|r| format!("{}:{}: {} {}", r.line, r.column, r.code, r.message))
            .collect();
        format!("`{}` does not compile: {}", result.ruleset.display(), first.join("; "))
    })?;
    result.ruleset_version = Some(ruleset.version().to_owned());
    let cases = match file.get("case") {
        Some(toml::Value::Array(cases)) => cases.as_slice(),
        Some(_) => return Err("`case` must be an array of tables: write each as [[case]]".into()),
        None => &[],
    };
    if cases.is_empty() {
        return Err("no [[case]] in the file".into());
    }
    for (index, case) in cases.iter().enumerate() {
        let case = case.as_table().ok_or_else(|| format!("case {}: not a table", index + 1))?;
        run_case(&ruleset, case, index, default_now, result)?;
    }
    Ok(())
}

fn run_case(
    ruleset: &Ruleset,
    case: &toml::Table,
    index: usize,
    default_now: Option<Timestamp>,
    result: &mut FileResult,
) -> Result<(), String> {
    let name = match case.get("name") {
        Some(toml::Value::String(name)) => name.clone(),
        Some(_) => return Err(format!("case {}: `name` must be a string", index + 1)),
        None => format!("case {}", index + 1),
    };
    let at = |problem: String| format!("case \"{name}\": {problem}");
    for key in case.keys() {
        if !["name", "now", "context", "context_json", "expect"].contains(&key.as_str()) {
            return Err(at(format!("unknown key `{key}` (a case has name, now, context or context_json, expect)")));
        }
    }
    let now = match case.get("now") {
        Some(value) => instant(value, "now").map_err(at)?,
        None => default_now.ok_or_else(|| {
            at("no `now`: give one for the file or the case (tests must not depend on the clock)".into())
        })?,
    };
    let context_json = match (case.get("context"), case.get("context_json")) {
        (Some(_), Some(_)) => return Err(at("give `context` or `context_json`, not both".into())),
        (Some(toml::Value::Table(table)), None) => {
            if let Some(path) = non_finite(table, "context") {
                return Err(at(format!(
                    "`{path}` is nan or inf, which JSON cannot hold: write the context as `context_json`"
                )));
            }
            table_json(table).to_string()
        }
        (Some(_), None) => return Err(at("`context` must be a table".into())),
        (None, Some(toml::Value::String(text))) => text.clone(),
        (None, Some(_)) => return Err(at("`context_json` must be a string of JSON".into())),
        (None, None) => "{}".to_owned(),
    };
    let expect = match case.get("expect") {
        Some(toml::Value::Table(expect)) if !expect.is_empty() => expect,
        _ => return Err(at("no `expect`: say what at least one flag decides".into())),
    };
    let context = ruleset.decode_context(&context_json);
    for (flag, expected) in expect {
        let expectation = Expectation::read(expected).map_err(|problem| at(format!("expect.{flag}: {problem}")))?;
        let got = match &context {
            Ok(context) => ruleset.evaluate(flag, context, now),
            Err(message) => ruleset.context_error(flag, message.clone(), now),
        };
        let problems = expectation.problems(&got);
        let explanation = match (&context, problems.is_empty()) {
            (Ok(context), false) => Some(ruleset.explain(flag, context, now)),
            _ => None,
        };
        result.results.push(CaseResult {
            case: name.clone(),
            flag: flag.clone(),
            passed: problems.is_empty(),
            problems,
            expected: toml_json(expected),
            got,
            explanation,
        });
    }
    Ok(())
}

fn instant(value: &toml::Value, what: &str) -> Result<Timestamp, String> {
    let text = match value {
        toml::Value::Datetime(datetime) => datetime.to_string(),
        toml::Value::String(text) => text.clone(),
        _ => return Err(format!("`{what}` must be an RFC 3339 instant")),
    };
    Timestamp::parse_rfc3339(&text).map_err(|e| format!("`{what}` = {text}: {e}"))
}

/// The dotted path of a non-finite float in `table`, if it holds one.
fn non_finite(table: &toml::Table, at: &str) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let path = format!("{at}.{key}");
        match value {
            toml::Value::Float(f) if !f.is_finite() => Some(path),
            toml::Value::Table(inner) => non_finite(inner, &path),
            toml::Value::Array(items) => items.iter().find_map(|item| match item {
                toml::Value::Float(f) if !f.is_finite() => Some(path.clone()),
                toml::Value::Table(inner) => non_finite(inner, &path),
                _ => None,
            }),
            _ => None,
        }
    })
}

/// A TOML table as JSON: date-times as RFC 3339 text.
fn table_json(table: &toml::Table) -> Json {
    Json::Object(table.iter().map(|(k, v)| (k.clone(), toml_json(v))).collect())
}

fn toml_json(value: &toml::Value) -> Json {
    match value {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(items) => Json::Array(items.iter().map(toml_json).collect()),
        toml::Value::Table(table) => table_json(table),
    }
}

/// What one `expect.FLAG` says.
#[derive(Debug, Default)]
struct Expectation {
    value: Option<toml::Value>,
    variant: Option<String>,
    reason: Option<String>,
    rule: Option<String>,
    prerequisite: Option<String>,
    error: Option<String>,
}

impl Expectation {
    fn read(value: &toml::Value) -> Result<Expectation, String> {
        let toml::Value::Table(fields) = value else {
            return Ok(Expectation { value: Some(value.clone()), ..Expectation::default() });
        };
        let text = |key: &str| -> Result<Option<String>, String> {
            match fields.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{key}` must be a string")),
            }
        };
        for key in fields.keys() {
            if !["value", "variant", "reason", "rule", "prerequisite", "error"].contains(&key.as_str()) {
                return Err(format!("unknown key `{key}` (value, variant, reason, rule, prerequisite, error)"));
            }
        }
        if fields.is_empty() {
            return Err("an empty table expects nothing".into());
        }
        Ok(Expectation {
            value: fields.get("value").cloned(),
            variant: text("variant")?,
            reason: text("reason")?,
            rule: text("rule")?,
            prerequisite: text("prerequisite")?,
            error: text("error")?,
        })
    }

    fn problems(&self, got: &Decision) -> Vec<String> {
        let mut problems = Vec::new();
        let mut compare = |what: &str, want: &Option<String>, have: Option<&str>| {
            if let Some(want) = want
                && Some(want.as_str()) != have
            {
                problems.push(format!(
                    "{what}: expected {want:?}, got {}",
                    have.map_or("none".to_owned(), |h| format!("{h:?}"))
                ));
            }
        };
        compare("variant", &self.variant, got.variant.as_deref());
        compare("reason", &self.reason, Some(got.reason.as_str()));
        compare("rule", &self.rule, got.rule.as_deref());
        compare("prerequisite", &self.prerequisite, got.prerequisite.as_deref());
        compare("error", &self.error, got.error_code.map(|c| c.as_str()));
        if let Some(want) = &self.value
            && !same_value(want, got.value.as_ref())
        {
            problems.push(format!(
                "value: expected {}, got {}",
                describe_toml(want),
                got.value.as_ref().map_or("no value".to_owned(), describe_flag_value)
            ));
        }
        problems
    }
}

/// A TOML value equals a decision's value of the same kind (an int is not a float).
fn same_value(want: &toml::Value, got: Option<&FlagValue>) -> bool {
    match (want, got) {
        (toml::Value::Boolean(a), Some(FlagValue::Bool(b))) => a == b,
        (toml::Value::Integer(a), Some(FlagValue::Int(b))) => a == b,
        (toml::Value::Float(a), Some(FlagValue::Float(b))) => a.to_bits() == b.to_bits(),
        (toml::Value::String(a), Some(FlagValue::String(b))) => a.as_str() == &**b,
        _ => false,
    }
}

fn describe_toml(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(i) => format!("{i} (an int)"),
        toml::Value::Float(f) => format!("{} (a float)", vexil_float(*f)),
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{} (a flag's value is a bool, int, float or string)", toml_json(other)),
    }
}

fn describe_flag_value(value: &FlagValue) -> String {
    match value {
        FlagValue::Int(i) => format!("{i} (an int)"),
        FlagValue::Float(f) => format!("{} (a float)", vexil_float(*f)),
        FlagValue::String(s) => format!("{s:?}"),
        FlagValue::Bool(b) => b.to_string(),
    }
}

fn vexil_float(f: f64) -> String {
    format!("{f:?}")
}
