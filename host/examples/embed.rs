//! Use an extension component from a Rust application's own SQLite (rusqlite).
//!
//! `cargo run --release -p sqlink-host --example embed [path/to/extension.wasm]`
//! (default: the bundled md5, after `cargo xtask build`).

use anyhow::{Context, Result};
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

fn main() -> Result<()> {
    let bytes = match std::env::args().nth(1) {
        Some(path) => std::fs::read(&path).with_context(|| format!("reading {path}"))?,
        None => embedded::extension("md5").context("built without the bundled md5; run `cargo xtask build`")?.to_vec(),
    };
    let engine = ExtensionEngine::new(ComponentCache::from_env())?;
    let conn = rusqlite::Connection::open_in_memory()?;
    let mut extensions = Extensions::new(engine);
    let info = extensions.load(&conn, &bytes, Sandbox::default(), "example")?;
    println!("loaded {} {}", info.name, info.version);
    for f in &info.scalars {
        println!("  {}({} args): {}", f.name, f.arity, f.doc);
    }
    if info.name == "md5" {
        let digest: String = conn.query_row("SELECT md5('abc')", [], |row| row.get(0))?;
        println!("md5('abc') = {digest}");
    }
    Ok(())
}
