//! The runtime's and bundled extensions' machine code, which `cargo xtask build` writes
//! after building sqlink (with `sqlink --precompile`) and then builds sqlink again. Only the
//! binary includes it, and rustc tracks the file itself, so the rebuild recompiles main.rs
//! alone; until then the file is empty and components compile at first use.

use std::path::PathBuf;

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
}
