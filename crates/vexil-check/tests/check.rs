#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Behaviour of the checker on small rulesets: what is accepted, what is
//! rejected with which code, and the typed form of what is accepted.

use vexil_check::{Options, check};

const CONTEXT: &str = r#"
enum Plan { free, pro, gold }
context {
  user.id: string
  user.n: int
  user.f: float
  user.age: int?
  user.nick: string?
  user.plan: Plan
  user.tags: list<string>
  app.version: semver
  user.seen: timestamp
  request.ip: ip
}
"#;

/// The error and warning codes for a ruleset made of CONTEXT plus `body`.
fn codes(body: &str) -> Vec<&'static str> {
    let source = format!("{CONTEXT}{body}");
    check(&source, &Options::default()).diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// The typed S-expression of segment `s = <expr>`.
fn typed(expr: &str) -> String {
    let source =
        format!("{CONTEXT}segment s = {expr}\nflag f: bool {{ owner \"t\" default false rule when s => true }}");
    let checked = check(&source, &Options::default());
    let program = checked.program.unwrap_or_else(|| panic!("{expr}: {:#?}", checked.diagnostics));
    program.expr_text(&program.segments[0].expr)
}

fn segment_codes(expr: &str) -> Vec<&'static str> {
    codes(&format!("segment s = {expr}\nflag f: bool {{ owner \"t\" default false rule when s => true }}"))
}

#[test]
fn precedence_follows_the_specification() {
    assert_eq!(
        typed("user.n + 2 * 3 > 7 or user.n == 1 and not user.n < 0"),
        "(or (>:int (+:int user.n (*:int 2 3)) 7) (and (==:int user.n 1) (not (<:int user.n 0))))"
    );
    assert_eq!(typed("user.n - 1 - 2 == 0"), "(==:int (-:int (-:int user.n 1) 2) 0)");
    assert_eq!(typed("-user.n * 2 == 4"), "(==:int (*:int (neg:int user.n) 2) 4)");
    assert_eq!(typed("(user.age ?? 1 + 2) == 3"), "(==:int (?? user.age (+:int 1 2)) 3)");
    assert_eq!(typed("not not true"), "(not (not true))");
    assert_eq!(typed("user.n == -9223372036854775808"), "(==:int user.n -9223372036854775808)");
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(segment_codes("1 < user.n < 3"), vec!["E0008"]);
}

#[test]
fn string_literals_take_the_type_they_are_compared_with() {
    assert_eq!(typed(r#"app.version >= "2.3.0-rc.1""#), r#"(>=:semver app.version semver("2.3.0-rc.1"))"#);
    assert_eq!(typed(r#""2.0.0" < app.version"#), r#"(<:semver semver("2.0.0") app.version)"#);
    assert_eq!(
        typed(r#"user.seen < "2026-01-01T01:00:00+01:00""#),
        r#"(<:timestamp user.seen timestamp("2026-01-01T00:00:00.000Z"))"#
    );
    assert_eq!(typed(r#"user.plan == "gold""#), "(==:Plan user.plan Plan.gold)");
    assert_eq!(typed("user.plan in [free, Plan.pro]"), "(in user.plan [Plan.free, Plan.pro])");
    assert_eq!(typed(r#"request.ip in ["10.0.0.0/8", "fd00::/8"]"#), "(in-cidr request.ip [10.0.0.0/8, fd00::/8])");
    assert_eq!(typed(r#"request.ip == "::1""#), r#"(==:ip request.ip ip("::1"))"#);
    assert_eq!(segment_codes(r#"app.version >= "2.3""#), vec!["E0205"]);
    assert_eq!(segment_codes(r#"user.seen < "2026-13-01T00:00:00Z""#), vec!["E0205"]);
    assert_eq!(segment_codes(r#"user.plan == "platinum""#), vec!["E0205"]);
    assert_eq!(segment_codes(r#"request.ip in "10.0.0.1/8""#), vec!["E0212"]);
    assert_eq!(segment_codes(r#"request.ip in "10.0.0.1""#), vec!["E0212"]);
}

#[test]
fn ints_and_floats_never_mix() {
    assert_eq!(segment_codes("user.n > 1.5"), vec!["E0201"]);
    assert_eq!(segment_codes("user.f + 1 > 2.0"), vec!["E0201"]);
    assert_eq!(typed("float(user.n) > 1.5"), "(>:float (float user.n) 1.5)");
}

#[test]
fn optional_attributes_need_a_guard() {
    // Accepted: the guard is known true where the attribute is read.
    for ok in [
        "has(user.age) and user.age > 1",
        "user.n > 0 and has(user.age) and user.age > 1",
        "not has(user.age) or user.age > 1",
        "not (not has(user.age)) and user.age > 1",
        "(user.age ?? 0) > 1",
        "not (has(user.age) and has(user.nick)) or user.nick == \"x\" and user.age > 1",
    ] {
        assert_eq!(segment_codes(ok), Vec::<&str>::new(), "{ok}");
    }
    // Rejected: the guard does not cover the read.
    for bad in [
        "user.age > 1",
        "(has(user.age) and user.n > 0) or user.age > 1",
        "has(user.age) or user.age > 1",
        "user.age > 1 and has(user.age)",
        "not has(user.age) and user.age > 1",
    ] {
        assert_eq!(segment_codes(bad), vec!["E0206"], "{bad}");
    }
}

#[test]
fn a_rules_guard_holds_in_its_split() {
    let body = "flag f: string { owner \"t\" default \"a\"
        rule r: when has(user.nick) => split by user.nick { \"a\": 50%, \"b\": 50% } }";
    assert_eq!(codes(body), Vec::<&str>::new());
    let unguarded = "flag f: string { owner \"t\" default \"a\"
        rule r: when true => split by user.nick { \"a\": 50%, \"b\": 50% } }";
    assert_eq!(codes(unguarded), vec!["E0206"]);
}

#[test]
fn segments_are_checked_on_their_own() {
    let body = "segment guarded = has(user.age)
        segment reads = user.age > 1
        flag f: bool { owner \"t\" default false rule when guarded and reads => true }";
    assert_eq!(codes(body), vec!["E0206"]);
}

#[test]
fn cycles_are_reported_once_per_cycle() {
    let segments = "segment a = b or user.n > 1
        segment b = c
        segment c = a
        segment d = d
        flag f: bool { owner \"t\" default false rule when a or d => true }";
    assert_eq!(codes(segments), vec!["E0106", "E0106"]);
    let flags = "flag f: bool { owner \"t\" default false requires g == true }
        flag g: bool { owner \"t\" default false requires f == true }
        flag h: bool { owner \"t\" default false requires h == false }";
    assert_eq!(codes(flags), vec!["E0107", "E0107"]);
}

#[test]
fn names_resolve_with_suggestions() {
    let checked = check(
        &format!(
            "{CONTEXT}segment s = user.idd == \"x\"\nflag f: bool {{ owner \"t\" default false rule when s => true }}"
        ),
        &Options::default(),
    );
    let d = &checked.diagnostics[0];
    assert_eq!((d.code.as_str(), d.help.as_deref()), ("E0101", Some("did you mean `user.id`?")));
    // A bare name that is both a segment and a member of the expected enum.
    let ambiguous = "segment gold = true
        flag f: bool { owner \"t\" default false rule when user.plan == gold and gold => true }";
    assert_eq!(codes(ambiguous), vec!["E0108"]);
    assert_eq!(codes("segment user = true"), vec!["E0100", "W0004"]);
}

#[test]
fn split_weights_are_validated() {
    let split = |entries: &str| {
        codes(&format!(
            "flag f: string {{ owner \"t\" default \"a\" rule when true => split by user.id {{ {entries} }} }}"
        ))
    };
    assert_eq!(split(r#""a": 33.33%, "b": 33.33%, "c": 33.34%"#), Vec::<&str>::new());
    assert_eq!(split(r#""a": 50%, "b": 49.99%"#), vec!["E0300"]);
    assert_eq!(split(r#""a": 50%, "b": 50"#), vec!["E0301"]);
    assert_eq!(split(r#""a": 0, "b": 0"#), vec!["E0302", "W0005", "W0005"]);
    assert_eq!(split(r#""a": 2147483647, "b": 1"#), vec!["E0302"]);
    assert_eq!(split(r#""a": 12.345%, "b": 87.655%"#), vec!["E0006", "E0006"]);
    assert_eq!(split(r#""a": 50%, "a": 50%"#), vec!["E0303"]);
}

#[test]
fn flag_values_are_literals_of_the_flag_type() {
    assert_eq!(codes("flag f: float { owner \"t\" default 1 }"), vec!["E0204"]);
    assert_eq!(codes("flag f: Plan { owner \"t\" default platinum }"), vec!["E0110"]);
    assert_eq!(codes("flag f: Plan { owner \"t\" default Plan.gold }"), Vec::<&str>::new());
    assert_eq!(codes("flag f: semver { owner \"t\" default \"1.0.0\" }"), vec!["E0211"]);
    assert_eq!(codes("flag f: bool { owner \"t\" }"), vec!["E0011"]);
    assert_eq!(codes("flag f: bool { owner \"t\" default true default false }"), vec!["E0010"]);
}

#[test]
fn lints_warn_without_failing() {
    let body = "flag old: bool { owner \"t\" expires 2026-01-01 default false
        rule always: when true => true
        rule never: when user.n > 1 => false }
        flag orphan: bool { default false }";
    let today = vexil_value::Timestamp::parse_date("2026-06-01").ok();
    let checked = check(&format!("{CONTEXT}{body}"), &Options { today, ..Default::default() });
    let codes: Vec<_> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["W0002", "W0001", "W0003"]);
    assert!(checked.program.is_some(), "warnings do not stop compilation");
}

#[test]
fn regexes_are_compiled_at_check_time() {
    assert_eq!(segment_codes(r#"user.id matches r"^\d+$""#), Vec::<&str>::new());
    assert_eq!(segment_codes(r#"user.id matches r"(a""#), vec!["E0209"]);
    assert_eq!(segment_codes(r#"user.id matches r"(?=a)""#), vec!["E0209"]);
    assert_eq!(segment_codes(r#"user.id matches r"a{100000}{100000}""#), vec!["E0209"]);
    assert_eq!(segment_codes("user.id matches user.id"), vec!["E0209"]);
}

#[test]
fn all_errors_of_a_file_are_reported_even_after_a_syntax_error() {
    let body = "flag broken: bool { default }
        flag f: bool { owner \"t\" default false requires broken == true rule when user.nope => true }";
    assert_eq!(codes(body), vec!["E0001", "E0101"]);
}

#[test]
fn the_examples_check_clean() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "vx") {
            let source = std::fs::read_to_string(&path).unwrap();
            let checked = check(&source, &Options::default());
            assert!(checked.diagnostics.is_empty(), "{}: {:#?}", path.display(), checked.diagnostics);
            let program = checked.program.unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            insta::assert_snapshot!(format!("checked_{name}"), program.to_string());
            seen += 1;
        }
    }
    assert!(seen >= 4);
}

#[test]
fn reference_chains_are_limited() {
    let segments: String = (0..70).map(|i| format!("segment s{i} = s{}\n", i + 1)).collect();
    let body =
        format!("{segments}segment s70 = true\nflag f: bool {{ owner \"t\" default false rule when s0 => true }}");
    assert_eq!(codes(&body), vec!["E0401"]);
    let flags: String = (0..70)
        .map(|i| format!("flag f{i}: bool {{ owner \"t\" default false requires f{} == true }}\n", i + 1))
        .collect();
    let body = format!("{flags}flag f70: bool {{ owner \"t\" default true }}");
    assert_eq!(codes(&body), vec!["E0401"]);
}

/// The overlap analysis never warns falsely: an attribute may be absent
/// (`has` on a required one is false when the caller omits it), and `has`
/// alone holds whatever the value (found by review; each case here once
/// raised a false W0006 or W0007).
#[test]
fn overlap_warnings_are_never_false() {
    let codes = |source: &str| -> Vec<&'static str> {
        vexil_check::check(source, &vexil_check::Options::default())
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    };
    let required_absent = "context { user.id: string  user.country: string }\n\
        flag f: bool { owner \"t\" default false\n\
          rule a: when has(user.id) => true\n\
          rule b: when user.country == \"DE\" => true }\n\
        flag g: bool { owner \"t\" default false rule c: when not has(user.id) => true }\n";
    assert_eq!(codes(required_absent), Vec::<&str>::new());
    let empty_enum =
        "enum E {}\ncontext { x: E? }\nflag f: bool { owner \"t\" default false rule r: when has(x) => true }\n";
    assert!(!codes(empty_enum).contains(&"W0007"), "{:?}", codes(empty_enum));
    // What the analysis must still find.
    let contradiction = "context { user.id: string }\nflag f: bool { owner \"t\" default false rule r: when has(user.id) and not has(user.id) => true }\n";
    assert_eq!(codes(contradiction), ["W0007"]);
}
