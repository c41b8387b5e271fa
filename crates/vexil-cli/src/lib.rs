//! The `vexil` command line, as a library: the pieces the binary and its tests
//! share. Each subcommand lives in its own module of the binary (`check.rs`, …);
//! what they print for humans goes through [`render`].

pub mod clock;
pub mod explain;
pub mod input;
pub mod render;

pub use render::{Counts, render, render_to_string, summary};
