//! The follower status of DISTRIBUTION.md §3, as JSON.

use serde::Serialize;

/// The follower's link to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The source answered and the follower holds its newest revision.
    Connected,
    /// Not yet reached (start-up).
    Connecting,
    /// Lost: the broker is unreachable, or the file cannot be read.
    Disconnected,
}

/// One ruleset's status (§3). Extra to the contract's fields: `readiness`
/// (the OpenFeature mapping) and `from_cache`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub name: String,
    /// Where the ruleset comes from: `nats://…/BUCKET/NAME` or a file path.
    pub source: String,
    pub state: State,
    /// When `state` last changed (RFC 3339).
    pub since: String,
    /// The KV revision serving (`null` for a file source or before the first load).
    pub revision: Option<u64>,
    /// The ruleset version serving (`null` before the first load).
    pub version: Option<String>,
    /// When the serving ruleset was loaded (RFC 3339).
    pub updated_at: Option<String>,
    /// Milliseconds since the follower last knew it was current; 0 while connected.
    pub stale_for_ms: u64,
    pub last_error: Option<String>,
    /// The last refused revision, while it is newer than the serving one.
    pub rejected: Option<Rejected>,
    pub readiness: Readiness,
    /// The serving ruleset came from the disk cache and the source has not confirmed it yet.
    pub from_cache: bool,
}

/// A revision that was not served, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub revision: Option<u64>,
    pub version: Option<String>,
    /// When it was refused (RFC 3339).
    pub at: String,
    /// The reason: the first diagnostics (`E0204 3:10 message`), or why the
    /// value itself was refused (not JSON, version mismatch).
    pub errors: Vec<String>,
}

/// The OpenFeature provider status the follower maps to (§3): loaded and
/// connected → READY; loaded but disconnected → STALE; never loaded →
/// NOT_READY, then ERROR once the source has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Readiness {
    Ready,
    Stale,
    NotReady,
    Error,
}
