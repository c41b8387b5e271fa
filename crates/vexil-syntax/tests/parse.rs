use vexil_syntax::ast::{ExprKind, Item};
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
fn dbg_print() {
    let (file, diags) = parse(&std::fs::read_to_string("/tmp/t.vx").unwrap_or_default());
    eprintln!("{file:#?}\n{diags:#?}");
}
