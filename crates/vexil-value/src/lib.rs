//! Scalar values of the Vexil language (timestamp, semver, ip, CIDR, float
//! text) and their exact text forms.
//!
//! The type checker parses string literals with this crate at compile time and
//! the evaluator decodes JSON context strings with it at runtime, natively and
//! in wasm32. Both must agree byte for byte, so nothing here reads a clock or a
//! locale, and no parser touches floating point.
//!
//! Dependencies are deliberately few: `semver` because SemVer 2.0.0 parsing and
//! pre-release precedence are fiddly and well served by it; `thiserror` for the
//! error type. Timestamps are hand-written rather than taken from `chrono` or
//! `time`: we need exact control of fraction truncation, leap-second rejection
//! and the 0000..=9999 range, and a tiny wasm binary. IP parsing is `std`.

mod civil;
mod error;
mod float;
mod net;
mod timestamp;
mod version;

pub use error::ValueError;
pub use float::float_text;
pub use net::{Cidr, parse_ip};
pub use timestamp::{IsoText, Timestamp};
pub use version::Version;
