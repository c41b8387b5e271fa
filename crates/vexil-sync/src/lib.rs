//! Rulesets reach every service (DISTRIBUTION.md §1–§3): the control plane
//! publishes reviewed `.vx` sources to a NATS JetStream KV bucket; followers
//! on the data plane watch a key (or a plain file), verify and compile every
//! new revision, swap it in atomically, keep the last good ruleset on any
//! failure, keep a disk cache, and report a status with staleness.
//!
//! ```text
//! vexil publish ─▶ KV bucket vexil_rulesets ─watch─▶ Follower ─load─▶ Target (Serving, LiveRuleset, HostRuleset, …)
//! file.vx ───────────────────────────────poll──▶ Follower ─▶ …
//! ```
//!
//! - [`record`]: the §2 value (exact fields, version re-verified).
//! - [`follower`]: §3 once for every source — the only place that decides
//!   what serves; [`status`] is its JSON.
//! - [`target`]: what a follower drives ([`Serving`] natively; any
//!   `Fn(&str) -> Result<(), Vec<String>>`, e.g. a wasmtime `HostRuleset`).
//! - [`nats`]: publish (compare-and-set), history, rollback, and the NATS
//!   source; [`file`]: the file source.
//!
//! Sources run as tasks on the caller's tokio runtime. No HTTP here: the
//! server stands above this crate.

pub mod file;
pub mod follower;
pub mod nats;
pub mod record;
pub mod status;
pub mod target;
#[cfg(feature = "testing")]
pub mod testing;

pub use follower::{Cache, Follower, Offer, Outcome};
pub use record::Published;
pub use status::{Readiness, Rejected, State, Status};
pub use target::{Serving, Target};
