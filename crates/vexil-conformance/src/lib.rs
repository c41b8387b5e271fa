//! The cross-stack conformance corpus, as data: `tests/conformance/index.json`
//! lists evaluation vectors (ruleset, requests, expected decisions) and
//! diagnostic vectors (broken rulesets, expected codes and positions). Each
//! stack's runner loads them through this crate and compares what its engine
//! produced; the comparison rules live here, once.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Index {
    pub evaluation: Vec<String>,
    #[serde(default)]
    pub diagnostics: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct EvaluationFile {
    pub name: String,
    pub ruleset: String,
    pub cases: Vec<Case>,
}

/// One case: a flag decided for a context at `now`, or (`request`) one line
/// of a request batch (`vexil eval --requests`, the plugin ABI, the package's
/// `evaluateRequest`) decided with `now` as the caller's default.
#[derive(Debug, Deserialize)]
pub struct Case {
    #[serde(default)]
    pub flag: String,
    /// The context's JSON text, exactly as the vector wrote it.
    #[serde(default)]
    pub context: Option<Box<serde_json::value::RawValue>>,
    /// A request line, as a batch would read it.
    #[serde(default)]
    pub request: Option<String>,
    pub now: String,
    pub expect: Value,
}

/// What a runner decides for a case.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// `flag` against the context's JSON text.
    Decide { flag: &'a str, context: &'a str },
    /// A request line (`{"flag","context"?,"context_json"?,"now"?}`, or anything else).
    Request { line: &'a str },
}

impl Case {
    pub fn input(&self) -> Input<'_> {
        match &self.request {
            Some(line) => Input::Request { line },
            None => Input::Decide { flag: &self.flag, context: self.context.as_deref().map_or("{}", |c| c.get()) },
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DiagnosticFile {
    pub name: String,
    /// The date handed to the checker (`vexil check --today`), when the vector depends on it.
    #[serde(default)]
    pub today: Option<String>,
    pub ruleset: String,
    pub diagnostics: Vec<ExpectedDiagnostic>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ExpectedDiagnostic {
    pub code: String,
    pub line: u32,
    pub column: u32,
}

/// `tests/conformance` at the workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

pub fn index() -> Result<Index, String> {
    read(&root().join("index.json"))
}

pub fn evaluation_files() -> Result<Vec<(String, EvaluationFile)>, String> {
    index()?.evaluation.into_iter().map(|p| read(&root().join(&p)).map(|f| (p, f))).collect()
}

pub fn diagnostic_files() -> Result<Vec<(String, DiagnosticFile)>, String> {
    index()?.diagnostics.into_iter().map(|p| read(&root().join(&p)).map(|f| (p, f))).collect()
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Compares a decision (as JSON) with the expected one. Every expected field
/// must match exactly and no other field may be present, except that the
/// text of `error_message` is the implementation's own: when the vector
/// omits it, the decision must carry a non-empty message exactly when it
/// carries an `error_code`.
pub fn compare_decision(actual: &Value, expected: &Value) -> Result<(), String> {
    let (Some(actual_map), Some(expected_map)) = (actual.as_object(), expected.as_object()) else {
        return Err("decisions must be JSON objects".into());
    };
    let mut actual_map = actual_map.clone();
    if !expected_map.contains_key("error_message") {
        let message = actual_map.remove("error_message");
        let has_code = actual_map.contains_key("error_code");
        let has_message = message.as_ref().and_then(Value::as_str).is_some_and(|m| !m.is_empty());
        if has_code != has_message {
            return Err(format!("error_message presence ({has_message}) must match error_code presence ({has_code})"));
        }
    }
    let actual_keys: Vec<&String> = actual_map.keys().collect();
    let expected_keys: Vec<&String> = expected_map.keys().collect();
    if actual_keys != expected_keys {
        return Err(format!("fields differ: got {actual_keys:?}, expected {expected_keys:?}"));
    }
    for (key, want) in expected_map {
        let got = &actual_map[key];
        if !same_json(got, want) {
            return Err(format!("`{key}`: got {got}, expected {want}"));
        }
    }
    Ok(())
}

/// JSON equality that tells ints from floats (`1` is not `1.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // Floats by their bits: `-0.0` is not `0.0` (LANGUAGE.md §6).
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64()
                && (x.as_i64(), x.as_u64(), x.as_f64().map(f64::to_bits))
                    == (y.as_i64(), y.as_u64(), y.as_f64().map(f64::to_bits))
        }
        _ => a == b,
    }
}

/// Outcome of running one stack over the corpus.
#[derive(Debug, Default)]
pub struct Tally {
    /// Evaluation cases passed, and the failures.
    pub passed: usize,
    pub failures: Vec<String>,
    /// Pass count per vector file, in index order.
    pub per_file: Vec<(String, usize, usize)>,
    /// Diagnostic vectors passed, and the failures ([`run_diagnostics`]).
    pub diagnostics_passed: usize,
    pub diagnostic_failures: Vec<String>,
    /// What the stack compared of each diagnostic vector (`None` until [`run_diagnostics`] ran).
    pub diagnostics_scope: Option<DiagnosticScope>,
}

/// What a stack can report of a diagnostic vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticScope {
    /// Every diagnostic, errors and warnings (checked with the vector's `today`).
    All,
    /// Errors only (`E…` codes): for a stack that reports diagnostics only when a
    /// ruleset fails to compile, checked with the default options (the wasmtime
    /// plugin). A vector passes when the stack reports exactly its errors, which
    /// for a vector without errors means the ruleset compiles.
    ErrorsOnly,
}

impl Tally {
    pub fn summary(&self) -> String {
        let mut lines: Vec<String> =
            self.per_file.iter().map(|(file, passed, total)| format!("{file}: {passed}/{total}")).collect();
        lines.push(format!("total: {}/{}", self.passed, self.passed + self.failures.len()));
        if let Some(scope) = self.diagnostics_scope {
            let label = match scope {
                DiagnosticScope::All => "diagnostics",
                DiagnosticScope::ErrorsOnly => "diagnostics (errors only)",
            };
            let total = self.diagnostics_passed + self.diagnostic_failures.len();
            lines.push(format!("{label}: {}/{total}", self.diagnostics_passed));
        }
        lines.join("\n") + "\n"
    }
}

/// Runs every evaluation case through `evaluate(ruleset_source, input, now)`,
/// which returns the decision as JSON (or an error text when the ruleset does not compile).
pub fn run_evaluation(
    mut evaluate: impl FnMut(&str, Input<'_>, &str) -> Result<Value, String>,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    for (path, file) in evaluation_files()? {
        let mut passed = 0;
        for (i, case) in file.cases.iter().enumerate() {
            let input = case.input();
            let outcome = evaluate(&file.ruleset, input, &case.now).and_then(|actual| {
                compare_decision(&actual, &case.expect).map_err(|e| format!("{e}\n    got: {actual}"))
            });
            match outcome {
                Ok(()) => passed += 1,
                Err(e) => tally.failures.push(format!("{} case {i} ({input:?}): {e}", file.name)),
            }
        }
        tally.passed += passed;
        tally.per_file.push((path, passed, file.cases.len()));
    }
    Ok(tally)
}

/// Runs every diagnostic vector through `check(file)`, which returns the
/// diagnostics the stack reported (code, line, column, in the stack's order)
/// or an error text, and adds the outcome to `tally`. With
/// [`DiagnosticScope::ErrorsOnly`], warnings are dropped from both sides.
pub fn run_diagnostics(
    tally: &mut Tally,
    scope: DiagnosticScope,
    mut check: impl FnMut(&DiagnosticFile) -> Result<Vec<ExpectedDiagnostic>, String>,
) -> Result<(), String> {
    let keep = |d: &ExpectedDiagnostic| scope == DiagnosticScope::All || d.code.starts_with('E');
    tally.diagnostics_scope = Some(scope);
    for (path, file) in diagnostic_files()? {
        let expected: Vec<ExpectedDiagnostic> = file.diagnostics.iter().filter(|d| keep(d)).cloned().collect();
        let outcome = check(&file).and_then(|got| {
            let got: Vec<ExpectedDiagnostic> = got.into_iter().filter(|d| keep(d)).collect();
            if got == expected { Ok(()) } else { Err(format!("got {got:?}, expected {expected:?}")) }
        });
        match outcome {
            Ok(()) => tally.diagnostics_passed += 1,
            Err(e) => tally.diagnostic_failures.push(format!("{path} ({}): {e}", file.name)),
        }
    }
    Ok(())
}

/// The size of the corpus, read from its files: evaluation cases and diagnostic vectors.
pub fn corpus_size() -> Result<(usize, usize), String> {
    let cases = evaluation_files()?.iter().map(|(_, f)| f.cases.len()).sum();
    let diagnostics = diagnostic_files()?.len();
    Ok((cases, diagnostics))
}

/// Every stack's verdict on a tally: no failures, every vector of the corpus
/// run (evaluation cases and diagnostic vectors, counted from the files), and
/// pass counts equal to `tests/conformance/counts/<stack>.txt`
/// (`VEXIL_UPDATE_COUNTS=1` rewrites that file first), so a change in
/// coverage shows in review.
pub fn verify_counts(stack: &str, tally: &Tally) -> Result<(), String> {
    let summary = tally.summary();
    let path = root().join("counts").join(format!("{stack}.txt"));
    if std::env::var_os("VEXIL_UPDATE_COUNTS").is_some() {
        std::fs::write(&path, &summary).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let failures: Vec<&String> = tally.failures.iter().chain(&tally.diagnostic_failures).collect();
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(20).map(|f| f.as_str()).collect();
        return Err(format!(
            "{} failures ({} evaluation, {} diagnostics):\n{}",
            failures.len(),
            tally.failures.len(),
            tally.diagnostic_failures.len(),
            shown.join("\n")
        ));
    }
    let (cases, diagnostics) = corpus_size()?;
    if tally.passed != cases {
        return Err(format!("{} evaluation cases passed; the corpus holds {cases}", tally.passed));
    }
    if tally.diagnostics_scope.is_none() || tally.diagnostics_passed != diagnostics {
        return Err(format!("{} diagnostic vectors passed; the corpus holds {diagnostics}", tally.diagnostics_passed));
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    if recorded != summary {
        return Err(format!(
            "pass counts changed: rerun with VEXIL_UPDATE_COUNTS=1 and commit {}\nrecorded:\n{recorded}\nnow:\n{summary}",
            path.display()
        ));
    }
    Ok(())
}
