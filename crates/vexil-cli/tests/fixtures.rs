//! The fixture suite (ruff/oxc style): every `tests/fixtures/check/*.vx` at
//! the workspace root is checked with `today = 2026-06-01` and rendered exactly
//! as `vexil check` renders it (no colour); the output is an insta snapshot
//! in `tests/snapshots/`.
//!
//! File names carry the expectation:
//! - `E0101_what_went_wrong.vx` / `W0002_….vx` must report that code (it may
//!   report others too, e.g. a follow-on error);
//! - `ok_….vx` must report nothing at all.
//!
//! Review changed snapshots with `INSTA_UPDATE=always cargo test -p vexil-cli
//! --test fixtures` then `git diff`, or rename the `.snap.new` files; with
//! `CI=true` a mismatch fails.

// Helpers outside #[test] fns are test code too (clippy.toml only covers the fns).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vexil::{CheckOptions, Code, Diagnostic, Severity, Timestamp};
use vexil_cli::{Counts, render_to_string, summary};

/// The date the suite checks against, so expiry warnings are deterministic.
const TODAY: &str = "2026-06-01";

fn options() -> CheckOptions {
    CheckOptions { today: Some(Timestamp::parse_date(TODAY).unwrap()), ..Default::default() }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/check")
}

struct Fixture {
    name: String,
    source: String,
}

fn fixtures() -> Vec<Fixture> {
    let mut all: Vec<Fixture> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "vx"))
        .map(|path| Fixture {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            source: std::fs::read_to_string(&path).unwrap(),
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(all.len() > 50, "fixtures not found in {}", fixture_dir().display());
    all
}

/// What a fixture's name promises: `Some(code)` for `EXXXX_…`/`WXXXX_…`,
/// `None` for `ok_…`. Any other name is a mistake in the suite.
fn expected_code(name: &str) -> Option<Code> {
    if name.starts_with("ok_") {
        return None;
    }
    let prefix = name.split('_').next().unwrap_or_default();
    let code = Code::ALL.iter().copied().find(|code| code.as_str() == prefix);
    Some(code.unwrap_or_else(|| panic!("fixture `{name}` must start with a catalogue code or `ok_`")))
}

fn check(source: &str) -> Vec<Diagnostic> {
    vexil::check(source, &options()).diagnostics
}

/// What `vexil check` prints on stderr for this one file.
fn rendered(name: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut counts = Counts::default();
    counts.add(diagnostics);
    let mut text = render_to_string(name, source, diagnostics);
    writeln!(text, "{}", summary(counts)).unwrap();
    text
}

#[test]
fn rendered_diagnostics_match_snapshots() {
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::glob!("../../../tests/fixtures/check", "*.vx", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let source = std::fs::read_to_string(path).unwrap();
            let diagnostics = check(&source);
            insta::assert_snapshot!(rendered(&name, &source, &diagnostics));
        });
    });
}

#[test]
fn every_code_has_a_fixture() {
    let covered: BTreeSet<&str> = fixtures()
        .iter()
        .filter_map(|f| expected_code(&f.name))
        .chain(GENERATED.iter().map(|(code, _)| *code))
        .map(Code::as_str)
        .collect();
    let missing: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).filter(|c| !covered.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn ok_fixtures_are_clean() {
    let mut failures = String::new();
    for fixture in fixtures().iter().filter(|f| expected_code(&f.name).is_none()) {
        let diagnostics = check(&fixture.source);
        if !diagnostics.is_empty() {
            failures.push_str(&rendered(&fixture.name, &fixture.source, &diagnostics));
        }
    }
    assert!(failures.is_empty(), "`ok_` fixtures must check clean:\n{failures}");
}

/// Warning fixtures are otherwise valid rulesets: they must not report errors.
#[test]
fn warning_fixtures_have_no_errors() {
    let mut failures = String::new();
    for fixture in fixtures() {
        if expected_code(&fixture.name).is_some_and(|code| code.severity() == Severity::Warning) {
            let diagnostics = check(&fixture.source);
            if diagnostics.iter().any(Diagnostic::is_error) {
                failures.push_str(&rendered(&fixture.name, &fixture.source, &diagnostics));
            }
        }
    }
    assert!(failures.is_empty(), "warning fixtures must have no errors:\n{failures}");
}

/// Codes of the catalogue's syntax (E00xx) and limits (E04xx) groups, reported
/// by the parser.
fn is_syntax_or_limit(code: Code) -> bool {
    let text = code.as_str();
    text.starts_with("E00") || text.starts_with("E04")
}

/// Fixtures (of the given group) whose promised code is not reported, with
/// the codes they did report.
fn missing_codes(group: impl Fn(Code) -> bool) -> Vec<String> {
    let mut missing = Vec::new();
    for fixture in fixtures() {
        let Some(code) = expected_code(&fixture.name) else {
            continue;
        };
        if !group(code) {
            continue;
        }
        let diagnostics = check(&fixture.source);
        if !diagnostics.iter().any(|d| d.code == code) {
            let got: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
            missing.push(format!("{}: expected {}, got {got:?}", fixture.name, code.as_str()));
        }
    }
    missing
}

#[test]
fn syntax_and_limit_fixtures_report_their_code() {
    let missing = missing_codes(is_syntax_or_limit);
    assert!(missing.is_empty(), "fixtures missing their code:\n  {}", missing.join("\n  "));
}

/// PENDING CHECKER: names, types, splits and warnings (E01xx, E02xx, E03xx,
/// W) are reported by `vexil-check`, which is being written. This test fails
/// until it reports every code; do not weaken it, make the checker pass it.
#[test]
fn checker_fixtures_report_their_code() {
    let missing = missing_codes(|code| !is_syntax_or_limit(code));
    assert!(missing.is_empty(), "PENDING CHECKER: fixtures missing their code:\n  {}", missing.join("\n  "));
}

// The limits of `vexil_syntax::limits` (LANGUAGE.md §9); the facade does not
// re-export them yet, and this crate depends on the facade only.
const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
const MAX_LIST_LEN: usize = 10_000;
const MAX_RULES_PER_FLAG: usize = 10_000;

/// Limit cases too large to keep as files: (code, source generator).
type Generator = fn() -> String;

const GENERATED: &[(Code, Generator)] =
    &[(Code::SourceTooLarge, source_too_large), (Code::ListTooLong, list_too_long), (Code::TooMany, too_many_rules)];

fn source_too_large() -> String {
    let mut source = String::from("flag a: bool {\n  owner \"team\"\n  default false\n}\n");
    let padding = "// padding padding padding padding padding padding padding padding\n";
    while source.len() <= MAX_SOURCE_BYTES {
        source.push_str(padding);
    }
    source
}

fn list_too_long() -> String {
    let countries: Vec<String> = (0..=MAX_LIST_LEN).map(|i| format!("\"C{i}\"")).collect();
    format!(
        "context {{\n  user.country: string\n}}\n\nflag big_list: bool {{\n  owner \"team\"\n  default false\n  rule listed: when user.country in [\n    {}\n  ] => true\n}}\n",
        countries.join(",\n    ")
    )
}

fn too_many_rules() -> String {
    let mut source =
        String::from("context {\n  user.id: string\n}\n\nflag generated: bool {\n  owner \"team\"\n  default false\n");
    for i in 0..=MAX_RULES_PER_FLAG {
        writeln!(source, "  rule r{i}: when user.id == \"u{i}\" => true").unwrap();
    }
    source.push_str("}\n");
    source
}

#[test]
fn generated_limit_cases_report_their_code() {
    let mut missing = Vec::new();
    for (code, generate) in GENERATED {
        let diagnostics = check(&generate());
        if !diagnostics.iter().any(|d| d.code == *code) {
            let got: Vec<&str> = diagnostics.iter().take(5).map(|d| d.code.as_str()).collect();
            missing.push(format!("{}: got {got:?}", code.as_str()));
        }
    }
    assert!(missing.is_empty(), "generated limit cases missing their code:\n  {}", missing.join("\n  "));
}

/// One mistake, one diagnostic: appending an unrelated mistake to any fixture
/// adds exactly one diagnostic and keeps every one it had (a cascade — a
/// follow-on error, or an error that hides another — fails here). Not for
/// unterminated literals, which by nature swallow what follows.
#[test]
fn a_second_unrelated_mistake_adds_exactly_one_diagnostic() {
    let second_mistakes = [
        "\nflag zz_second: bool { owner \"x\" default false rule when zz_no_such_thing => true }\n",
        "\nflag zz_second: int { owner \"x\" default \"not an int\" }\n",
        "\n}\n",
    ];
    let key = |d: &Diagnostic| (d.code, d.span);
    for fixture in fixtures().iter().filter(|f| !f.name.starts_with("E0002_")) {
        let before: Vec<_> = check(&fixture.source).iter().map(key).collect();
        for mistake in second_mistakes {
            let after: Vec<_> = check(&format!("{}{mistake}", fixture.source)).iter().map(key).collect();
            let kept = before.iter().all(|d| after.contains(d));
            assert!(
                kept && after.len() == before.len() + 1,
                "{} + {mistake:?}: before {before:?}, after {after:?}",
                fixture.name
            );
        }
    }
}
