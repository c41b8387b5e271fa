//! Arbitrary bytes (as UTF-8 when valid, lossily converted otherwise) through
//! the whole front end: `vexil::check` must return, never panic, and every
//! diagnostic span must lie within the source, on character boundaries.
//!
//! Run with `cargo xtask fuzz [SECONDS]` or, in this directory,
//! `cargo +nightly fuzz run check -- -max_total_time=180`. Crashing inputs
//! land in `fuzz/artifacts/check/`; keep them in
//! `tests/fixtures/fuzz-regressions/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    // The index too: `vexil lsp` builds it on every edit of whatever is typed.
    let options = vexil::CheckOptions { today: vexil::Timestamp::parse_date("2026-06-01").ok(), index: true };
    let checked = vexil::check(&source, &options);
    for diagnostic in &checked.diagnostics {
        let (start, end) = (diagnostic.span.start as usize, diagnostic.span.end as usize);
        assert!(start <= end && end <= source.len(), "span {start}..{end} outside a source of {} bytes: {diagnostic:?}", source.len());
        assert!(
            source.is_char_boundary(start) && source.is_char_boundary(end),
            "span {start}..{end} not on character boundaries: {diagnostic:?}"
        );
    }
    // Rendering to records must not panic either.
    let _ = vexil::diagnostic_records(&source, &checked.diagnostics, None);
});
