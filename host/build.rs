//! Embed the composed runtime and the example extensions, when `cargo xtask build` has
//! produced them in target/wasm/, so the `sqlink` binary works with no files at hand.

use std::fmt::Write as _;
use std::path::PathBuf;

const ARTIFACTS: &[(&str, &str)] = &[
    ("RUNTIME", "sqlink-runtime.wasm"),
    ("UUID", "uuid.wasm"),
    ("MD5", "md5.wasm"),
    ("SNAKE", "snake.wasm"),
    ("STATS", "stats.wasm"),
    ("REGEXP", "regexp.wasm"),
];

fn main() {
    println!("cargo:rerun-if-env-changed=SQLINK_WASM_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = std::env::var_os("SQLINK_WASM_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../target/wasm"));
    let mut code = String::new();
    for (name, file) in ARTIFACTS {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        if path.exists() {
            let path = path.canonicalize().unwrap();
            writeln!(code, "pub const {name}: Option<&[u8]> = Some(include_bytes!({:?}));", path.display().to_string()).unwrap();
        } else {
            println!("cargo:warning={} is missing: run `cargo xtask build`", path.display());
            writeln!(code, "pub const {name}: Option<&[u8]> = None;").unwrap();
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();

    // The runtime's and bundled extensions' machine code, which `cargo xtask build` writes
    // after building sqlink (with `sqlink --precompile`) and then builds sqlink again. Only
    // the binary includes it, and rustc tracks the file itself, so the rebuild recompiles
    // main.rs alone; until then the file is empty and components compile at first use.
    let precompiled = dir.join("precompiled.bin");
    if !precompiled.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&precompiled, b"").unwrap();
    }
    println!("cargo:rustc-env=SQLINK_PRECOMPILED={}", precompiled.canonicalize().unwrap().display());
}
