//! The runtime's and bundled extensions' machine code, which `cargo xtask build` writes
//! after building sqlink (with `sqlink --precompile`) and then builds sqlink again. Only the
//! binary includes it, and rustc tracks the file itself, so the rebuild recompiles main.rs
//! alone; until then the file is empty and components compile at first use.

use std::path::{Path, PathBuf};

/// `Some(include_bytes!(FILE))` for a component `cargo xtask build` wrote, else `None`.
fn part(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    println!("cargo:rerun-if-changed={}", path.display());
    match path.canonicalize() {
        Ok(path) => format!("Some(include_bytes!({:?}))", path.display().to_string()),
        Err(_) => String::from("None"),
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=SQLINK_WASM_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = std::env::var_os("SQLINK_WASM_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../target/wasm"));
    let precompiled = dir.join("precompiled.bin");
    if !precompiled.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&precompiled, b"").unwrap();
    }
    println!("cargo:rustc-env=SQLINK_PRECOMPILED={}", precompiled.canonicalize().unwrap().display());
    // What `sqlink compose` wires extensions into the runtime with.
    let parts = format!(
        "pub const ROUTER: Option<&[u8]> = {};\npub const STANDALONE: Option<&[u8]> = {};\n",
        part(&dir, "sqlink-router.wasm"),
        part(&dir, "sqlink-standalone.wasm")
    );
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("parts.rs"), parts).unwrap();
}
