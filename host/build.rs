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
    code.push_str("/// The bundled extensions, as extensions/bundled.txt lists them.\npub const BUNDLED: &[Bundled] = &[\n");
    for bundled in sqlink_rules::bundled::parse(&list).expect("extensions/bundled.txt") {
        let bytes = embedded(&dir, &format!("{}.wasm", bundled.name));
        writeln!(code, "    Bundled {{ name: {:?}, bytes: {bytes}, grants_clock: {} }},", bundled.name, bundled.grants_clock).unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();
}
