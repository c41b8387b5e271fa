//! What a follower drives: anything that compiles a source and swaps it in
//! atomically, keeping the current ruleset when the new one fails.

use std::sync::{Arc, PoisonError, RwLock};

use vexil::{CheckOptions, CompileError, LiveRuleset, Ruleset};

/// A ruleset holder a follower feeds. `load` compiles `source` and, only on
/// success, replaces what serves (evaluations in flight finish on the old
/// one); on failure it keeps serving and returns why, one line per problem.
pub trait Target: Send + Sync {
    fn load(&self, source: &str) -> Result<(), Vec<String>>;
}

/// Any `Fn(&str) -> Result<(), Vec<String>>`: adapters for other holders
/// (the wasmtime `HostRuleset`'s `reload`, a test's recorder).
impl<F> Target for F
where
    F: Fn(&str) -> Result<(), Vec<String>> + Send + Sync,
{
    fn load(&self, source: &str) -> Result<(), Vec<String>> {
        self(source)
    }
}

impl Target for LiveRuleset {
    fn load(&self, source: &str) -> Result<(), Vec<String>> {
        self.reload(source).map(drop).map_err(|error| diagnostic_lines(source, &error))
    }
}

/// The native holder: empty until the first good ruleset arrives (a follower
/// may start with nothing to serve), then a cheap `Arc` snapshot per reader.
#[derive(Debug, Default)]
pub struct Serving {
    current: RwLock<Option<Arc<Ruleset>>>,
    options: CheckOptions,
}

impl Serving {
    pub fn new(options: CheckOptions) -> Serving {
        Serving { current: RwLock::new(None), options }
    }

    /// The ruleset serving now, if one has loaded.
    pub fn snapshot(&self) -> Option<Arc<Ruleset>> {
        // A panic while holding the lock cannot leave the Option half-written.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Target for Serving {
    fn load(&self, source: &str) -> Result<(), Vec<String>> {
        let ruleset = vexil::compile(source, &self.options).map_err(|error| diagnostic_lines(source, &error))?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(ruleset));
        Ok(())
    }
}

/// The first errors of a rejected source, one line each: `E0204 3:10 message`.
pub fn diagnostic_lines(source: &str, error: &CompileError) -> Vec<String> {
    const SHOWN: usize = 5;
    let errors: Vec<_> = error.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let mut lines: Vec<String> = vexil::diagnostic_records(source, &errors, None)
        .into_iter()
        .take(SHOWN)
        .map(|r| format!("{} {}:{} {}", r.code, r.line, r.column, r.message))
        .collect();
    if errors.len() > SHOWN {
        lines.push(format!("… and {} more", errors.len() - SHOWN));
    }
    lines
}
