//! Compiled components cached on disk.
//!
//! Compiling SQLite's component takes about a second; loading the serialized machine code
//! takes milliseconds. Entries are keyed by the SHA-256 of the component bytes and the
//! engine's compatibility hash (wasmtime version and settings), so a stale entry is never
//! used; a corrupt one is recompiled and replaced.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
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
        ComponentCache { dir }
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ComponentCache { dir: Some(dir.into()) }
    }

    pub fn disabled() -> Self {
        ComponentCache { dir: None }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn entry(&self, engine: &Engine, bytes: &[u8]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut engine_hash = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut engine_hash);
        let digest = Sha256::new().chain_update(bytes).chain_update(engine_hash.finish().to_le_bytes()).finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
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
        let entry = self.entry(engine, bytes);
        if let Some(path) = &entry {
            if path.exists() {
                // SAFETY: the file was written by `Component::serialize` of an engine with
                // the same compatibility hash (it is in the file name), by this program.
                if let Ok(component) = unsafe { Component::deserialize_file(engine, path) } {
                    return Ok(component);
                }
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
