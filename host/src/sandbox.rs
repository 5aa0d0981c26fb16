//! What an extension may touch: the grants, the check of a component's imports against
//! them, and the WASI context and linker built from them.
//!
//! Denied by default: files (no preopened directory), environment variables, network
//! (sockets are never granted) and clocks. Random numbers are always available. A component
//! importing something it was not granted is refused when it loads, with the flag that
//! would grant it, rather than failing on first use.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, Resource};
use wasmtime::Engine;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiView};

use crate::inspect::unversioned;

/// What extensions may use. Everything is denied unless granted.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Pass the host's environment variables.
    pub allow_env: bool,
    /// Directories the extension may read and write, visible at the same paths.
    pub allowed_dirs: Vec<PathBuf>,
    /// Let the extension read the wall clock and the monotonic clock.
    pub allow_clock: bool,
    /// Cap on each extension instance's memory.
    pub memory_limit: usize,
    /// How long one call may run before it is stopped.
    pub call_timeout: Duration,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            allow_env: false,
            allowed_dirs: Vec::new(),
            allow_clock: false,
            memory_limit: 256 << 20,
            call_timeout: Duration::from_secs(5),
        }
    }
}

/// The WASI packages a component may import, and what it takes to get each.
enum Policy {
    Always,
    Clock,
    Never(&'static str),
}

fn policy(import: &str) -> Policy {
    let package = import.split('/').next().unwrap_or(import);
    match package {
        // Without a preopened directory or an inherited environment these reveal nothing.
        "wasi:io" | "wasi:random" | "wasi:cli" | "wasi:filesystem" => Policy::Always,
        "wasi:clocks" => Policy::Clock,
        "wasi:sockets" | "wasi:http" => Policy::Never("extensions get no network access"),
        _ => Policy::Never("the sandbox provides only WASI's io, random, cli, filesystem and clocks"),
    }
}

impl Sandbox {
    /// Refuse, by name alone and so before compiling, a component importing what this sandbox
    /// never provides.
    pub fn check_import_names(&self, imports: &[String]) -> Result<()> {
        for name in imports {
            if unversioned(name) == "sqlite:extension/types" {
                continue;
            }
            if let Policy::Never(why) = policy(name) {
                bail!("it imports {name}: {why}");
            }
        }
        Ok(())
    }

    /// Refuse a compiled component that calls a clock without the grant (a clock import that
    /// carries only types is fine).
    pub fn check_imports(&self, engine: &Engine, component: &Component) -> Result<()> {
        let mut needs_clock = None;
        let ty = component.component_type();
        for (name, item) in ty.imports(engine) {
            if let Policy::Clock = policy(name) {
                if !self.allow_clock && needs_clock.is_none() && imports_functions(engine, &item.ty) {
                    needs_clock = Some(name);
                }
            }
        }
        if let Some(name) = needs_clock {
            bail!("it imports {name}, and the clock was not granted (start sqlink with --allow-clock)");
        }
        Ok(())
    }

    /// The linker for extensions: all of WASI (imports were checked against the grants),
    /// except that a granted clock can be read but not waited on, since a blocked host
    /// call is out of reach of the call deadline.
    pub fn linker<T: WasiView>(engine: &Engine) -> Result<Linker<T>> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(anyhow::Error::from)?;
        linker.allow_shadowing(true);
        let mut clock = linker.instance(MONOTONIC_CLOCK).map_err(anyhow::Error::from)?;
        for function in ["subscribe-duration", "subscribe-instant"] {
            clock
                .func_wrap(function, |_, (_,): (u64,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
                    Err(wasmtime::format_err!("extensions may not sleep or wait on a clock"))
                })
                .map_err(anyhow::Error::from)?;
        }
        Ok(linker)
    }

    /// A fresh WASI context with this sandbox's grants; stderr goes to `stderr`, where a
    /// panic message can be read back.
    pub fn wasi_ctx(&self, stderr: MemoryOutputPipe) -> Result<WasiCtx> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr).allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
        if self.allow_env {
            wasi.inherit_env();
        }
        for dir in &self.allowed_dirs {
            let guest = dir.to_string_lossy().into_owned();
            wasi.preopened_dir(dir, guest, FsPerms::ReadWrite)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("granting {}", dir.display()))?;
        }
        Ok(wasi.build())
    }
}

fn imports_functions(engine: &Engine, item: &ComponentItem) -> bool {
    match item {
        ComponentItem::ComponentInstance(instance) => {
            instance.exports(engine).any(|(_, export)| matches!(export.ty, ComponentItem::ComponentFunc(_)))
        }
        _ => true,
    }
}

/// The monotonic clock as wasmtime-wasi defines it; components importing older 0.2.x
/// versions are linked to it by semver.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";
