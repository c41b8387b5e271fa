//! Replays the inputs in `tests/fixtures/fuzz-regressions/` (crashes found by
//! `cargo xtask fuzz`) with the fuzz target's own assertions: `vexil::check`
//! returns, and every diagnostic span lies within the source on character
//! boundaries. Rendering must not fail either.

// Helpers outside #[test] fns are test code too (clippy.toml only covers the fns).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use vexil::{CheckOptions, Timestamp};

#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/fuzz-regressions");
    let options = CheckOptions { today: Some(Timestamp::parse_date("2026-06-01").unwrap()), ..Default::default() };
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_none_or(|ext| ext != "md")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let source = String::from_utf8_lossy(&bytes);
        let checked = vexil::check(&source, &options);
        for d in &checked.diagnostics {
            let (start, end) = (d.span.start as usize, d.span.end as usize);
            if !(start <= end && end <= source.len()) {
                failures.push(format!("{name}: span {start}..{end} outside a source of {} bytes: {d:?}", source.len()));
            } else if !(source.is_char_boundary(start) && source.is_char_boundary(end)) {
                failures.push(format!("{name}: span {start}..{end} not on character boundaries: {d:?}"));
            }
        }
        let rendered = vexil_cli::render_to_string(&name, &source, &checked.diagnostics);
        assert!(!rendered.contains("<rendering failed"), "{name}: {rendered}");
    }
    assert!(failures.is_empty(), "fuzz regressions:\n  {}", failures.join("\n  "));
}
