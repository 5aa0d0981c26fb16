//! Compiled components: built into the binary, and cached on disk.
//!
//! Compiling SQLite's component takes one to three seconds; loading the serialized machine
//! code takes milliseconds. `cargo xtask build` compiles the runtime and the bundled
//! extensions once and the `sqlink` binary carries that machine code ([`precompile`]), so
//! even its first start on a machine compiles nothing. Anything else (or all of it, on a
//! CPU the built-in code does not suit) is compiled at first use and cached on disk.
//! Both are keyed by the SHA-256 of the component bytes, and the disk cache also by the
//! engine's compatibility hash (wasmtime version and settings), so a stale entry is never
//! used; a corrupt one is recompiled and replaced.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
    /// Machine code compiled at build time, in [`precompile`]'s format.
    built_in: &'static [u8],
}

impl ComponentCache {
    /// `SQLINK_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/sqlink`, else
    /// `~/.cache/sqlink`.
    pub fn from_env() -> Self {
        let dir = match std::env::var_os("SQLINK_CACHE_DIR") {
            Some(dir) if dir.is_empty() => None,
            Some(dir) => Some(PathBuf::from(dir)),
            None => std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|base| base.join("sqlink")),
        };
        ComponentCache { dir, built_in: &[] }
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ComponentCache { dir: Some(dir.into()), built_in: &[] }
    }

    pub fn disabled() -> Self {
        ComponentCache { dir: None, built_in: &[] }
    }

    /// Use the machine code `built_in` (made by [`precompile`] for this program) for the
    /// components it holds.
    pub fn with_built_in(self, built_in: &'static [u8]) -> Self {
        ComponentCache { built_in, ..self }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn entry(&self, engine: &Engine, digest: &ComponentDigest) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut engine_hash = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut engine_hash);
        let key = Sha256::new().chain_update(digest).chain_update(engine_hash.finish().to_le_bytes()).finalize();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}.cwasm")))
    }

    /// Compile `bytes` (a component), or load the machine code compiled earlier.
    pub fn load(&self, engine: &Engine, bytes: &[u8]) -> Result<Component> {
        self.load_with_notice(engine, bytes, || {})
    }

    /// As [`ComponentCache::load`], calling `compiling` first when there is no compiled
    /// form to load (compiling a large component takes seconds).
    pub fn load_with_notice(&self, engine: &Engine, bytes: &[u8], compiling: impl FnOnce()) -> Result<Component> {
        check_component_bytes(bytes)?;
        let digest: ComponentDigest = Sha256::digest(bytes).into();
        if let Some(code) = built_in_code(self.built_in, &digest) {
            // SAFETY: `built_in` was written by `precompile` (wasmtime's own serialization)
            // when this program was built and is part of it; wasmtime refuses code compiled
            // for another version, configuration or CPU, and then we compile instead.
            if let Ok(component) = unsafe { Component::deserialize(engine, code) } {
                return Ok(component);
            }
        }
        let entry = self.entry(engine, &digest);
        if let Some(path) = &entry
            && path.exists()
        {
            // SAFETY: the file was written by `Component::serialize` of an engine with
            // the same compatibility hash (it is in the file name), by this program.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, path) } {
                return Ok(component);
            }
        }
        compiling();
        let component = Component::new(engine, bytes)?;
        if let Some(path) = entry {
            // A cache that cannot be written only costs time.
            let _ = store(&component, &path);
        }
        Ok(component)
    }
}

type ComponentDigest = [u8; 32];

/// Compile `components`, each for its engine, into one blob that
/// [`ComponentCache::with_built_in`] reads: for each, the SHA-256 of its bytes, the length
/// of its machine code (u64, little endian), and the code as wasmtime serializes it.
pub fn precompile(components: &[(&Engine, &[u8])]) -> Result<Vec<u8>> {
    let mut blob = Vec::new();
    for (engine, bytes) in components {
        let code = engine.precompile_component(bytes)?;
        blob.extend_from_slice(&Sha256::digest(bytes));
        blob.extend_from_slice(&(code.len() as u64).to_le_bytes());
        blob.extend_from_slice(&code);
    }
    Ok(blob)
}

/// Whether `blob` holds machine code for each of `components` that its engine accepts.
pub fn precompiled_for(blob: &[u8], components: &[(&Engine, &[u8])]) -> bool {
    components.iter().all(|(engine, bytes)| {
        let digest: ComponentDigest = Sha256::digest(bytes).into();
        // SAFETY: `blob` is the file `sqlink --precompile` writes for the build (wasmtime's
        // own serialization), read back by that command; wasmtime refuses code for another
        // version, configuration or CPU. The component is dropped unused.
        built_in_code(blob, &digest).is_some_and(|code| unsafe { Component::deserialize(engine, code) }.is_ok())
    })
}

/// The machine code for the component whose bytes hash to `digest`, if `blob` has it.
fn built_in_code<'a>(mut blob: &'a [u8], digest: &ComponentDigest) -> Option<&'a [u8]> {
    while blob.len() >= 40 {
        let (key, rest) = blob.split_at(32);
        let (length, rest) = rest.split_at(8);
        let length = usize::try_from(u64::from_le_bytes(length.try_into().ok()?)).ok()?;
        let code = rest.get(..length)?;
        if key == digest {
            return Some(code);
        }
        blob = &rest[length..];
    }
    None
}

fn store(component: &Component, path: &Path) -> Result<()> {
    let dir = path.parent().context("cache entry without a directory")?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, component.serialize()?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A clear word for the common mistakes before wasmtime's parser speaks.
pub fn check_component_bytes(bytes: &[u8]) -> Result<()> {
    const MAGIC: &[u8] = b"\0asm";
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        bail!("not a WebAssembly file");
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        bail!(
            "a core WebAssembly module, not a component; build it for the wasm32-wasip2 target \
             (or wrap it with `wasm-tools component new`)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(digest: ComponentDigest, length: u64, code: &[u8]) -> Vec<u8> {
        [&digest[..], &length.to_le_bytes(), code].concat()
    }

    #[test]
    fn built_in_code_is_found_by_digest_and_a_damaged_blob_finds_nothing() {
        let blob = [entry([1; 32], 3, b"one"), entry([2; 32], 5, b"three")].concat();
        assert_eq!(built_in_code(&blob, &[1; 32]), Some(&b"one"[..]));
        assert_eq!(built_in_code(&blob, &[2; 32]), Some(&b"three"[..]));
        assert_eq!(built_in_code(&blob, &[3; 32]), None);
        assert_eq!(built_in_code(&blob[..blob.len() - 1], &[2; 32]), None, "truncated");
        assert_eq!(built_in_code(&entry([1; 32], u64::MAX, b"one"), &[1; 32]), None, "a length past the end");
        assert_eq!(built_in_code(&[], &[1; 32]), None);
    }
}
