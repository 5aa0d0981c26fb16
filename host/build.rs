//! Embed the composed runtime and the bundled extensions (the list in
//! extensions/bundled.txt), when `cargo xtask build` has produced them in target/wasm/, so
//! the `sqlink` binary works with no files at hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `Some(include_bytes!(…))` of a built component, or `None` (with a warning) before
/// `cargo xtask build` made it.
fn embedded(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    println!("cargo:rerun-if-changed={}", path.display());
    if path.exists() {
        let path = path.canonicalize().unwrap();
        format!("Some(include_bytes!({:?}))", path.display().to_string())
    } else {
        println!("cargo:warning={} is missing: run `cargo xtask build`", path.display());
        String::from("None")
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=SQLINK_WASM_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = std::env::var_os("SQLINK_WASM_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../target/wasm"));
    let list = manifest.join("../extensions/bundled.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let list = std::fs::read_to_string(&list).expect("extensions/bundled.txt lists the bundled extensions");
    let mut code = format!("pub const RUNTIME: Option<&[u8]> = {};\n", embedded(&dir, "sqlink-runtime.wasm"));
    // What `sqlink compose` wires extensions into the runtime with.
    writeln!(code, "pub const ROUTER: Option<&[u8]> = {};", embedded(&dir, "sqlink-router.wasm")).unwrap();
    writeln!(code, "pub const STANDALONE: Option<&[u8]> = {};", embedded(&dir, "sqlink-standalone.wasm")).unwrap();
    code.push_str("/// The bundled extensions, as extensions/bundled.txt lists them.\npub const BUNDLED: &[Bundled] = &[\n");
    for line in list.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap();
        let _package = words.next().expect("each bundled extension names its cargo package");
        let grants_clock = words.any(|grant| grant == "clock");
        let bytes = embedded(&dir, &format!("{name}.wasm"));
        writeln!(code, "    Bundled {{ name: {name:?}, bytes: {bytes}, grants_clock: {grants_clock} }},").unwrap();
    }
    code.push_str("];\n");
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
