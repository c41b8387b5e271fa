//! OpenFeature providers for Rust services (the `open-feature` crate, the
//! OpenFeature Rust SDK):
//!
//! - [`VexilProvider`] evaluates flags in-process with the native engine: a
//!   fixed [`vexil::Ruleset`], a [`vexil::LiveRuleset`] you reload, or the
//!   [`vexil_sync::Serving`] holder a follower feeds from a file or a NATS key
//!   (then the provider's status is the follower's: READY, STALE, NOT_READY).
//! - [`CarriedDecisions`] wraps any provider: flags present in a verified
//!   decision set carried with the work (DISTRIBUTION.md §5, the token in the
//!   context field `vexilDecisions`) are answered from the set; every other
//!   flag goes to the wrapped provider.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vexil::CompileError> {
//! use open_feature::{EvaluationContext, OpenFeature};
//! use vexil_openfeature::VexilProvider;
//!
//! let ruleset = vexil::compile("flag beta: bool { owner \"me\" default false }", &Default::default())?;
//! let mut api = OpenFeature::singleton_mut().await;
//! api.set_provider(VexilProvider::new(ruleset)).await;
//! let client = api.create_client();
//! let context = EvaluationContext::default().with_targeting_key("u-1").with_custom_field("user.plan", "pro");
//! let beta = client.get_bool_value("beta", Some(&context), None).await.unwrap_or(false);
//! # let _ = beta; Ok(()) }
//! ```
//!
//! The mapping is the one table of `docs/openfeature.md`, shared with the
//! OFREP server and the JavaScript providers ([`mapping`]); the context
//! mapping is [`context`]. No semantics here: every decision is the engine's.

pub mod carried;
pub mod context;
pub mod mapping;
mod provider;

pub use carried::CarriedDecisions;
pub use provider::{Source, VexilProvider};

/// The context field that carries a decision-set token (the `Vexil-Decisions` header's value).
pub const CARRIED_FIELD: &str = "vexilDecisions";
