//! `vexil fmt` on arbitrary text: it must return, never panic; and for every
//! input it formats, formatting again changes nothing, the result checks to
//! the same program with the same diagnostics (code, severity, message), and
//! every comment is kept in order.
//!
//! Run with `cargo xtask fuzz [SECONDS]` or, in this directory,
//! `cargo +nightly fuzz run fmt -- -max_total_time=180`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil::format::{comments, format};

fn meaning(source: &str) -> (Option<String>, Vec<String>) {
    let checked = vexil::check(source, &vexil::CheckOptions::default());
    let diagnostics = checked.diagnostics.iter().map(|d| format!("{} {:?} {}", d.code.as_str(), d.severity(), d.message));
    (checked.program.map(|p| p.to_string()), diagnostics.collect())
}

fn comment_texts(source: &str) -> Vec<&str> {
    comments(source).iter().map(|c| source[c.range()].trim_end()).collect()
}

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let Ok(once) = format(&source) else { return };
    let twice = format(&once);
    assert_eq!(twice.as_deref(), Ok(once.as_str()), "not idempotent");
    assert_eq!(meaning(&source), meaning(&once), "meaning changed:\n{once}");
    assert_eq!(comment_texts(&source), comment_texts(&once), "comments changed:\n{once}");
});
