//! A ruleset that can be replaced while it serves: readers take a cheap
//! snapshot (`Arc`), and a reload that fails to compile leaves the last good
//! ruleset serving and says why.

use std::sync::{Arc, PoisonError, RwLock};

use crate::{CheckOptions, CompileError, Ruleset, compile};

#[derive(Debug)]
pub struct LiveRuleset {
    current: RwLock<Arc<Ruleset>>,
    options: CheckOptions,
}

impl LiveRuleset {
    /// Compiles the first ruleset; there is nothing to fall back to yet.
    pub fn new(source: &str, options: CheckOptions) -> Result<LiveRuleset, CompileError> {
        let ruleset = compile(source, &options)?;
        Ok(LiveRuleset { current: RwLock::new(Arc::new(ruleset)), options })
    }

    /// The ruleset serving now. Evaluations holding it finish on it even if
    /// a reload happens meanwhile.
    pub fn snapshot(&self) -> Arc<Ruleset> {
        // A panic while holding the lock cannot leave the Arc half-written.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the ruleset if `source` compiles; otherwise keeps the current
    /// one and returns every diagnostic of the rejected source.
    pub fn reload(&self, source: &str) -> Result<Arc<Ruleset>, CompileError> {
        let ruleset = Arc::new(compile(source, &self.options)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = ruleset.clone();
        Ok(ruleset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "flag f: int { owner \"t\" default 1 }";
    const V2: &str = "flag f: int { owner \"t\" default 2 }";

    #[test]
    fn rulesets_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Ruleset>();
        shareable::<LiveRuleset>();
    }

    #[test]
    fn a_bad_reload_keeps_the_last_good_ruleset() {
        let live = LiveRuleset::new(V1, CheckOptions::default()).unwrap();
        let before = live.snapshot();
        let error = live.reload("flag f: int { owner \"t\" default \"two\" }").unwrap_err();
        assert_eq!(error.diagnostics[0].code.as_str(), "E0204");
        assert_eq!(live.snapshot().version(), before.version(), "still serving v1");

        live.reload(V2).unwrap();
        let now = crate::Timestamp::MIN;
        assert_eq!(live.snapshot().evaluate_json("f", "{}", now).variant.as_deref(), Some("2"));
        // A snapshot taken before the reload keeps answering from v1.
        assert_eq!(before.evaluate_json("f", "{}", now).variant.as_deref(), Some("1"));
    }
}
