use vexil_syntax::parse;

fn codes(source: &str) -> Vec<&'static str> {
    parse(source).1.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn spec_example_parses_clean() {
    let source = include_str!("../../../examples/tour.vx");
    let (file, diags) = parse(source);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(file.items.len(), 10);
}

#[test]
fn a_syntax_error_stays_in_its_item() {
    let source =
        "flag a: bool { default }\nflag b: bool { default true rule when => true }\nflag c: bool { default true }";
    let (file, diags) = parse(source);
    assert_eq!(codes(source), vec!["E0001", "E0001"]);
    assert_eq!(file.items.len(), 1, "the good item is kept");
    assert_eq!(file.broken_names, vec!["a", "b"]);
    assert_eq!(diags[0].message, "expected a value, found `}`");
}

#[test]
fn literal_errors_point_at_the_literal() {
    let source = "segment s = 99999999999999999999 > 1 and \"a\\qb\" == \"\\u{110000}\"";
    let (_, diags) = parse(source);
    let spans: Vec<(&str, &str)> = diags.iter().map(|d| (d.code.as_str(), &source[d.span.range()])).collect();
    assert_eq!(spans, vec![("E0004", "99999999999999999999"), ("E0003", "\\q"), ("E0003", "\\u{110000}")]);
    assert_eq!(codes("segment s = 1.0e999 > 1.0"), vec!["E0005"]);
    assert_eq!(codes("segment s = -9223372036854775808 < 0"), Vec::<&str>::new());
    assert_eq!(codes("segment s = -9223372036854775809 < 0"), vec!["E0004"]);
}

#[test]
fn escapes_decode() {
    let (file, _) = parse(r#"flag f: string { default "a\"b\\c\n\t\u{1F600}" }"#);
    let vexil_syntax::ast::Item::Flag(flag) = &file.items[0] else { panic!() };
    let vexil_syntax::ast::ClauseKind::Default(vexil_syntax::ast::Value::String(s)) = &flag.clauses[0].kind else {
        panic!()
    };
    assert_eq!(s.value, "a\"b\\c\n\t\u{1F600}");
}

#[test]
fn helpful_messages_for_common_slips() {
    let (_, diags) = parse("flag f: bool { defualt true }");
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `default`?"));
    let (_, diags) = parse("segment s = a && b");
    assert_eq!(diags[0].help.as_deref(), Some("write `and`"));
}

#[test]
fn keywords_after_a_dot_are_path_components() {
    assert_eq!(codes("segment s = user.flag == request.in"), Vec::<&str>::new());
}

#[test]
fn pathological_nesting_is_an_error_not_a_crash() {
    let deep = format!("segment s = {}1{} == 1", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(codes(&deep), vec!["E0401"]);
    let long = format!("segment s = 1{} == 1", " + 1".repeat(5_000));
    assert_eq!(codes(&long), vec!["E0401"]);
    let huge = format!("segment s = 1{} == 1", " + 1".repeat(100_000));
    assert_eq!(codes(&huge), vec!["E0401"]);
    let negatives = format!("segment s = {}1 == 1", "- ".repeat(100_000));
    assert_eq!(codes(&negatives), vec!["E0401"]);
    // `or`/`and` chains do not nest, but are bounded (MAX_CHAIN_OPERANDS) so
    // that what compiles stays within its memory bound.
    let wide = format!("segment s = true{}", " or true".repeat(9_999));
    assert_eq!(codes(&wide), Vec::<&str>::new());
    let wider = format!("segment s = true{}", " or true".repeat(50_000));
    assert_eq!(codes(&wider), vec!["E0403"]);
    // Comparisons joined by `and` each nest one level only: 100 of them are fine.
    let conditions = vec!["1 < 2"; 100].join(" and ");
    assert_eq!(codes(&format!("segment s = {conditions}")), Vec::<&str>::new());
}

#[test]
fn expression_spans_end_at_their_last_token() {
    let source =
        "segment s = a or b   // trailing comment\n\nflag f: bool { default true rule r: when (x == 1)\n   => true }";
    let (file, diags) = parse(source);
    assert!(diags.is_empty(), "{diags:?}");
    let vexil_syntax::ast::Item::Segment(segment) = &file.items[0] else { panic!() };
    assert_eq!(&source[segment.expr.span.range()], "a or b");
    let vexil_syntax::ast::Item::Flag(flag) = &file.items[1] else { panic!() };
    let vexil_syntax::ast::ClauseKind::Rule(rule) = &flag.clauses[1].kind else { panic!() };
    assert_eq!(&source[rule.when.span.range()], "(x == 1)");
}
