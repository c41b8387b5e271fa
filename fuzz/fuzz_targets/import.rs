//! Arbitrary bytes through both importers (`vexil import flagd|unleash`):
//! they must return, never panic, and an import that succeeds must be a
//! ruleset that compiles (the importers promise never to emit one that does
//! not check).
//!
//! Run with `cargo xtask fuzz [SECONDS]` or, in this directory,
//! `cargo +nightly fuzz run import -- -max_total_time=180`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    for imported in [vexil_import::flagd::import(json), vexil_import::unleash::import(json)] {
        if let Ok(imported) = imported {
            let compiled = vexil::compile(&imported.source, &vexil::CheckOptions::default());
            assert!(compiled.is_ok(), "an import that does not compile:\n{}", imported.source);
        }
    }
});
