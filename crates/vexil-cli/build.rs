//! Embeds the web playground for `vexil serve`.
//!
//! The playground (`web/playground/dist/`) is built by `cargo xtask build-web`
//! (npm + wasm-bindgen), never from here: a build script that ran cargo or
//! npm would deadlock on the target-dir lock and make `cargo build` need
//! Node. When `dist/` is absent (a fresh clone), a placeholder page that says
//! how to build the playground is embedded instead, so `cargo build` and
//! `cargo clippy` always work.
//!
//! Output: `$OUT_DIR/assets.rs`, a `static ASSETS: &[(&str, &[u8], &str)]`
//! of (URL path, bytes, ETag) and `const PLAYGROUND_BUILT: bool`.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vexil playground (not built)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#111827}
code,pre{font-family:ui-monospace,monospace;background:#f3f4f6;padding:.1em .3em;border-radius:4px}</style></head>
<body><h1>The playground is not built into this binary</h1>
<p><code>vexil serve</code> embeds <code>web/playground/dist/</code> when the binary is compiled, and it was missing.
Build it, then rebuild the binary:</p>
<pre>cargo xtask build-web
cargo run -p vexil-cli -- serve examples/checkout.vx</pre>
<p>The rulesets given to <code>vexil serve</code> are still available at <a href="api/rulesets"><code>/api/rulesets</code></a>.</p>
</body></html>
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let playground = manifest.join("../../web/playground");
    let dist = playground.join("dist");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        // Any change under dist/ (a rebuild, or its removal) reruns this script.
        println!("cargo:rerun-if-changed={}", dist.display());
        collect(&dist, &dist, &mut files)?;
        files.sort();
    } else {
        // Watch the playground folder (it is in git, so it exists): creating
        // dist/ inside it reruns this script. Watching the missing dist/
        // itself would rerun it on every build.
        println!("cargo:rerun-if-changed={}", playground.display());
        std::fs::write(out.join("placeholder.html"), PLACEHOLDER)?;
        files.push(("/index.html".to_owned(), out.join("placeholder.html")));
    }

    let mut code = String::from("/// (URL path, bytes, ETag) of every embedded playground file.\n");
    code.push_str("pub static ASSETS: &[(&str, &[u8], &str)] = &[\n");
    for (url, path) in &files {
        let bytes = std::fs::read(path)?;
        let etag = format!("\"{:016x}-{:x}\"", fnv1a(&bytes), bytes.len());
        writeln!(code, "    ({url:?}, include_bytes!({:?}), {etag:?}),", path.display().to_string())?;
    }
    code.push_str("];\n");
    writeln!(code, "/// Whether `web/playground/dist/` was embedded (otherwise a placeholder page).")?;
    writeln!(code, "pub const PLAYGROUND_BUILT: bool = {};", files.len() > 1 || dist.join("index.html").is_file())?;
    std::fs::write(out.join("assets.rs"), code)?;
    Ok(())
}

/// Every file under `dir` as (URL path relative to `root`, file path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), Box<dyn Error>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let url = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((format!("/{url}"), path));
        }
    }
    Ok(())
}

/// FNV-1a, 64 bits: a content fingerprint for ETags (not security-relevant).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}
