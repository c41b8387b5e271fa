//! Every input the limits accept compiles within a stated memory bound
//! (issue 12): peak heap while compiling ≤ 64 × the source size (plus a
//! small constant), measured with a counting allocator (`peak_alloc`) — an assertion on
//! bytes, not on time. One case per limit, at the limit; and inputs just
//! over a limit are rejected before they are built (their peak stays small
//! too).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;

use peak_alloc::PeakAlloc;
use vexil::{CheckOptions, limits};

/// Counts heap bytes in use and their peak (a well-kept counting allocator,
/// so this test needs no `unsafe` of its own).
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// Tests in this file measure one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The bound: 64 bytes of heap per byte of source, plus 1 MiB.
const PER_BYTE: usize = 64;
const CONSTANT: usize = 1 << 20;

/// Peak heap above the baseline while compiling `source`; whether it compiled.
fn peak_while_compiling(source: &str) -> (usize, bool) {
    let baseline = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let compiled = vexil::compile(source, &CheckOptions { today: None, ..Default::default() }).is_ok();
    (ALLOCATOR.peak_usage().saturating_sub(baseline), compiled)
}

fn assert_bounded(name: &str, source: &str, should_compile: bool) {
    let (peak, compiled) = peak_while_compiling(source);
    let bound = PER_BYTE * source.len() + CONSTANT;
    eprintln!(
        "{name}: {} bytes of source, peak heap {} bytes ({:.1}× the source), {}",
        source.len(),
        peak,
        peak as f64 / source.len() as f64,
        if compiled { "compiled" } else { "rejected" }
    );
    assert_eq!(compiled, should_compile, "{name}");
    assert!(peak <= bound, "{name}: peak {peak} bytes > bound {bound} ({} bytes of source)", source.len());
}

const CONTEXT: &str = "context {\n  user.id: string\n  user.n: int\n  user.tags: list<string>\n}\n";

fn flag(i: usize, rule: &str) -> String {
    format!("flag f{i}: bool {{ owner \"o\" default false rule when {rule} => true }}\n")
}

#[test]
fn the_most_flags() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut source = CONTEXT.to_owned();
    for i in 0..limits::MAX_FLAGS {
        source += &flag(i, "user.n > 1");
    }
    assert_bounded("100,000 flags", &source, true);
}

#[test]
fn the_most_rules_in_one_flag() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut source = format!("{CONTEXT}flag f: int {{\n  owner \"o\"\n  default 0\n");
    for i in 0..limits::MAX_RULES_PER_FLAG {
        source += &format!("  rule r{i}: when user.id == \"u{i}\" and user.n > {i} => {i}\n");
    }
    source += "}\n";
    assert_bounded("10,000 rules", &source, true);
}

#[test]
fn the_longest_list() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let items: Vec<String> = (0..limits::MAX_LIST_LEN).map(|i| format!("\"{i}\"")).collect();
    let source = format!("{CONTEXT}{}", flag(0, &format!("user.id in [{}]", items.join(","))));
    assert_bounded("a list of 10,000 items", &source, true);
    // One more item: rejected, and before the list is built.
    let items: Vec<String> = (0..=limits::MAX_LIST_LEN).map(|i| format!("\"{i}\"")).collect();
    let source = format!("{CONTEXT}{}", flag(0, &format!("user.id in [{}]", items.join(","))));
    assert_bounded("a list of 10,001 items", &source, false);
}

#[test]
fn the_longest_and_chain() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let operands = vec!["user.n > 1"; limits::MAX_CHAIN_OPERANDS];
    let source = format!("{CONTEXT}{}", flag(0, &operands.join(" and ")));
    assert_bounded("an `and` chain at the limit", &source, true);
    let operands = vec!["user.n > 1"; limits::MAX_CHAIN_OPERANDS + 1];
    let source = format!("{CONTEXT}{}", flag(0, &operands.join(" or ")));
    assert_bounded("an `or` chain over the limit", &source, false);
}

#[test]
fn the_longest_path_and_names() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let components: Vec<String> = (0..limits::MAX_PATH_COMPONENTS).map(|i| format!("c{i}")).collect();
    let path = components.join(".");
    let source = format!("context {{ {path}: int }}\n{}", flag(0, &format!("{path} > 1")));
    assert_bounded("a path at the limit", &source, true);
    let long = "x".repeat(1 << 20);
    let source = format!("context {{ user.{long}: int }}\n{}", flag(0, &format!("user.{long} > 1")));
    assert_bounded("a 1 MiB attribute name", &source, true);
    // Over the limit: rejected before anything is built.
    let components: Vec<String> = (0..=limits::MAX_PATH_COMPONENTS).map(|i| format!("c{i}")).collect();
    let path = components.join(".");
    let source = format!("context {{ {path}: int }}\n{}", flag(0, &format!("{path} > 1")));
    assert_bounded("a path over the limit", &source, false);
}

#[test]
fn a_long_path_of_a_whole_source_is_rejected_cheaply() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Issue 12: one 16 MiB path cost 4.9 s and 1.17 GB.
    let mut path = String::from("user");
    while path.len() < limits::MAX_SOURCE_BYTES - 200 {
        path += ".abcdefg";
    }
    let source = format!("context {{ user.id: string }}\n{}", flag(0, &format!("{path} == 1")));
    assert_bounded("a 16 MiB path", &source, false);
}

#[test]
fn deep_nesting_and_long_strings() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let deep = format!("{}user.n > 1{}", "(".repeat(limits::MAX_NESTING), ")".repeat(limits::MAX_NESTING));
    let mut source = CONTEXT.to_owned();
    for i in 0..2000 {
        source += &flag(i, &deep);
    }
    assert_bounded("2,000 flags nested 64 deep", &source, true);
    let text = "é".repeat(4 << 20);
    let source = format!("{CONTEXT}{}", flag(0, &format!("user.id == \"{text}\"")));
    assert_bounded("an 8 MiB string literal", &source, true);
}
