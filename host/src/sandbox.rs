//! What an extension may touch: the grants, and the WASI context and linker built from them.
//!
//! Denied by default: files (no preopened directory), environment variables, network and
//! the real time. A denial happens when the capability is used, never by refusing the
//! import: components built by other languages' standard tools import much of WASI whatever
//! they use (every CPython component imports sockets), and refusing those would shut whole
//! languages out while protecting nothing. So every WASI interface links; opening a socket
//! or making an HTTP request traps with a message naming what was tried; without
//! `--allow-clock` the clocks read a fixed time (the Unix epoch), which lets language
//! runtimes start and leaks nothing; waiting on a clock always traps, since a blocked host
//! call is out of reach of the call deadline. Without a granted directory the extension
//! finds none, and without `--allow-env` its environment is empty (a missing variable, as
//! language runtimes expect); a call that asked for either and failed says which grant it
//! lacked. Only an import of an interface the host does not know is
//! refused at load.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sqlink_rules::withheld::{Grants, withheld_note};
use wasmtime::Engine;
use wasmtime::StoreContextMut;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, Resource, ResourceType};
use wasmtime_wasi::filesystem::Descriptor;
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiView};
use wasmtime_wasi_io::streams::{DynInputStream, DynOutputStream};

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
    /// How this host's user grants a directory and the environment, as errors name them.
    pub grant_names: GrantNames,
    /// Let the extension replace functions, collations and table functions the connection
    /// already has (SQLite's own, or the program's); refused otherwise. `embed` reads it;
    /// the REPL asks per `.load` (`--override`), inside its runtime.
    pub allow_override: bool,
}

/// How a host spells its grants: `--allow-dir DIR` and `--allow-env` on the command line,
/// load options in the loadable extension; and how it lets an extension replace the
/// connection's own functions, if it can.
#[derive(Debug, Clone, Copy)]
pub struct GrantNames {
    pub dir: &'static str,
    pub env: &'static str,
    pub replace: Option<&'static str>,
}

impl GrantNames {
    pub const FLAGS: GrantNames = GrantNames { dir: "--allow-dir DIR", env: "--allow-env", replace: Some("allow_override") };
}

/// The most memory an extension may be given, in MiB.
pub const MAX_MEMORY_MIB: u64 = 4096;

/// One grant or limit as a host's user gives it (the REPL's flags, libsqlink's options):
/// [`Sandbox::apply`] is the one rule for what each accepts.
#[derive(Debug, Clone, Copy)]
pub enum SandboxOption<'a> {
    AllowEnv(bool),
    AllowClock(bool),
    /// A directory to read and write, made canonical (it must exist).
    AllowDir(&'a str),
    /// The time limit of one call: more than zero.
    Timeout(Duration),
    /// The memory cap of one instance: 1 to [`MAX_MEMORY_MIB`] MiB.
    MemoryMib(u64),
}

/// What an extension asked for in one call that its grants withheld, so that the call, if
/// it fails, can say why.
pub use sqlink_rules::withheld::Withheld;

/// A store's data that notes what its extension was refused.
pub trait NotesWithheld {
    fn withheld(&mut self) -> &mut Withheld;
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            allow_env: false,
            allowed_dirs: Vec::new(),
            allow_clock: false,
            memory_limit: 256 << 20,
            call_timeout: Duration::from_secs(5),
            grant_names: GrantNames::FLAGS,
            allow_override: false,
        }
    }
}

/// Why a component importing `import` cannot be linked, if it cannot.
fn unlinkable(import: &str) -> Option<&'static str> {
    let package = import.split('/').next().unwrap_or(import);
    match package {
        "wasi:io" | "wasi:random" | "wasi:cli" | "wasi:filesystem" | "wasi:clocks" | "wasi:sockets" | "wasi:http" => None,
        _ => Some("sqlink does not provide (extensions get WASI, sqlite:extension/types and sqlite:extension/connection)"),
    }
}

/// What a denied network call traps with; `what` names the interface and function tried.
fn no_network(what: &str) -> wasmtime::Error {
    wasmtime::format_err!("it tried the network ({what}): extensions get no network access, and no flag grants it")
}

/// The version of WASI 0.2 that wasmtime-wasi defines; imports of earlier 0.2.x versions
/// link to it by semver.
const WASI_VERSION: &str = "0.2.12";

/// The socket functions that reach the network, by interface.
const SOCKET_ENTRY_POINTS: &[(&str, &str)] = &[
    ("wasi:sockets/tcp-create-socket", "create-tcp-socket"),
    ("wasi:sockets/udp-create-socket", "create-udp-socket"),
    ("wasi:sockets/ip-name-lookup", "resolve-addresses"),
];

/// The Unix epoch, forever: the clocks of an extension not granted `--allow-clock`.
struct FixedClock;

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}

impl Sandbox {
    /// Apply one option; the error says what the option accepts.
    pub fn apply(&mut self, option: SandboxOption<'_>) -> Result<()> {
        match option {
            SandboxOption::AllowEnv(allow) => self.allow_env = allow,
            SandboxOption::AllowClock(allow) => self.allow_clock = allow,
            SandboxOption::AllowDir(dir) => {
                let path = PathBuf::from(dir).canonicalize()?;
                self.allowed_dirs.push(path);
            }
            SandboxOption::Timeout(limit) if limit.is_zero() => bail!("the time limit must be more than zero"),
            SandboxOption::Timeout(limit) => self.call_timeout = limit,
            SandboxOption::MemoryMib(mib) if !(1..=MAX_MEMORY_MIB).contains(&mib) => {
                bail!("the memory limit must be 1 to {MAX_MEMORY_MIB} MiB, not {mib}")
            }
            SandboxOption::MemoryMib(mib) => self.memory_limit = (mib as usize) << 20,
        }
        Ok(())
    }

    /// Refuse, by name alone and so before compiling, a component importing an interface
    /// the host does not provide.
    pub fn check_import_names(&self, imports: &[String]) -> Result<()> {
        for name in imports {
            if matches!(unversioned(name), "sqlite:extension/types" | crate::connection::INTERFACE) {
                continue;
            }
            if let Some(why) = unlinkable(name) {
                bail!("it imports {name}, which {why}");
            }
        }
        Ok(())
    }

    /// The linker for `component`: all of WASI, with the network's entry points and waiting
    /// on a clock trapping when used, the `wasi:http` interfaces it imports (which no host
    /// provides to extensions) present but trapping when called, and the directories and
    /// environment it is not granted empty, noting that it asked.
    pub fn linker<T: WasiView + NotesWithheld>(&self, engine: &Engine, component: &Component) -> Result<Linker<T>> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(anyhow::Error::from)?;
        linker.allow_shadowing(true);
        let mut clock = linker.instance(&format!("wasi:clocks/monotonic-clock@{WASI_VERSION}")).map_err(anyhow::Error::from)?;
        for function in ["subscribe-duration", "subscribe-instant"] {
            clock
                .func_wrap(function, |_, (_,): (u64,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
                    Err(wasmtime::format_err!("extensions may not sleep or wait on a clock"))
                })
                .map_err(anyhow::Error::from)?;
        }
        for (interface, function) in SOCKET_ENTRY_POINTS {
            let what = format!("{interface}#{function}");
            linker
                .instance(&format!("{interface}@{WASI_VERSION}"))
                .and_then(|mut instance| instance.func_new(function, move |_, _, _, _| Err(no_network(&what))))
                .map_err(anyhow::Error::from)?;
        }
        if self.allowed_dirs.is_empty() {
            linker
                .instance(&format!("wasi:filesystem/preopens@{WASI_VERSION}"))
                .and_then(|mut preopens| {
                    preopens.func_wrap("get-directories", |mut store: StoreContextMut<T>, (): ()| {
                        store.data_mut().withheld().files = true;
                        Ok((Vec::<(Resource<Descriptor>, String)>::new(),))
                    })
                })
                .map_err(anyhow::Error::from)?;
        }
        if !self.allow_env {
            linker
                .instance(&format!("wasi:cli/environment@{WASI_VERSION}"))
                .and_then(|mut environment| {
                    environment.func_wrap("get-environment", |mut store: StoreContextMut<T>, (): ()| {
                        store.data_mut().withheld().environment = true;
                        Ok((Vec::<(String, String)>::new(),))
                    })
                })
                .map_err(anyhow::Error::from)?;
        }
        // The wasi:io resources that wasi:http's functions take keep wasmtime-wasi's host
        // types; wasi:http's own resources get opaque ones.
        let imports: Vec<_> = component.component_type().imports(engine).map(|(name, item)| (name.to_owned(), item.ty)).collect();
        let mut resources = io_resources(engine, &imports);
        for (name, item) in &imports {
            if unversioned(name).starts_with("wasi:http/") {
                deny_instance(&mut linker, engine, name, item, &mut resources)?;
            }
        }
        Ok(linker)
    }

    /// Why a call of an extension that was refused `withheld` may have failed, naming the
    /// grant; None when it was refused nothing.
    pub fn withheld_note(&self, withheld: Withheld) -> Option<String> {
        let grants = Grants::Named { dir: self.grant_names.dir, env: self.grant_names.env };
        withheld_note(withheld, grants)
    }

    /// A fresh WASI context with this sandbox's grants; stderr goes to `stderr`, where a
    /// panic message can be read back.
    pub fn wasi_ctx(&self, stderr: MemoryOutputPipe) -> Result<WasiCtx> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr).allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
        if !self.allow_clock {
            wasi.wall_clock(FixedClock).monotonic_clock(FixedClock);
        }
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

/// The component's view of the wasi:io resources, each with the host type wasmtime-wasi
/// gives it.
fn io_resources(engine: &Engine, imports: &[(String, ComponentItem)]) -> Vec<(ResourceType, ResourceType)> {
    let host = |interface: &str, resource: &str| match (interface, resource) {
        ("wasi:io/streams", "input-stream") => Some(ResourceType::host::<DynInputStream>()),
        ("wasi:io/streams", "output-stream") => Some(ResourceType::host::<DynOutputStream>()),
        ("wasi:io/poll", "pollable") => Some(ResourceType::host::<DynPollable>()),
        ("wasi:io/error", "error") => Some(ResourceType::host::<wasmtime::Error>()),
        _ => None,
    };
    let mut found = Vec::new();
    for (name, item) in imports {
        let ComponentItem::ComponentInstance(instance) = item else { continue };
        for (export, ty) in instance.exports(engine) {
            if let (ComponentItem::Resource(guest), Some(host)) = (&ty.ty, host(unversioned(name), export)) {
                found.push((*guest, host));
            }
        }
    }
    found
}

/// Define the imported instance `name` with every function trapping (the network is denied)
/// and every resource a host type: wasmtime-wasi's for a wasi:io resource (in `resources`),
/// else an opaque one of its own (added to `resources`).
fn deny_instance<T>(
    linker: &mut Linker<T>,
    engine: &Engine,
    name: &str,
    item: &ComponentItem,
    resources: &mut Vec<(ResourceType, ResourceType)>,
) -> Result<()> {
    let ComponentItem::ComponentInstance(instance) = item else { return Ok(()) };
    let mut defined = linker.instance(name).map_err(anyhow::Error::from)?;
    let mut opaque = resources.len();
    for (export, ty) in instance.exports(engine) {
        match ty.ty {
            ComponentItem::ComponentFunc(_) => {
                let what = format!("{}#{export}", unversioned(name));
                defined.func_new(export, move |_, _, _, _| Err(no_network(&what))).map_err(anyhow::Error::from)?;
            }
            ComponentItem::Resource(guest) => {
                let host = match resources.iter().find(|(known, _)| *known == guest) {
                    Some((_, host)) => *host,
                    None => {
                        let host = opaque_resource_type(opaque).with_context(|| format!("{name} has too many resources"))?;
                        opaque += 1;
                        resources.push((guest, host));
                        host
                    }
                };
                defined.resource(export, host, |_, _| Ok(())).map_err(anyhow::Error::from)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Opaque host resource types for denied interfaces (wasmtime tells host resource types
/// apart by their Rust type, so each needs one of its own).
fn opaque_resource_type(index: usize) -> Option<ResourceType> {
    macro_rules! markers {
        ($($marker:ident)*) => {{
            $(struct $marker;)*
            [$(ResourceType::host::<$marker>()),*].get(index).copied()
        }};
    }
    markers!(R0 R1 R2 R3 R4 R5 R6 R7 R8 R9 R10 R11 R12 R13 R14 R15 R16 R17 R18 R19 R20 R21 R22 R23 R24 R25 R26 R27 R28 R29)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wasi_interface_links_and_an_unknown_one_is_refused_by_name() {
        let sandbox = Sandbox::default();
        let wasi: Vec<String> =
            ["wasi:sockets/tcp@0.2.9", "wasi:http/types@0.2.10", "wasi:clocks/wall-clock@0.2.0", "sqlite:extension/types@0.1.0"]
                .map(String::from)
                .to_vec();
        assert!(sandbox.check_import_names(&wasi).is_ok());
        let unknown = vec![String::from("acme:gadget/api@1.0.0")];
        assert_eq!(
            sandbox.check_import_names(&unknown).unwrap_err().to_string(),
            "it imports acme:gadget/api@1.0.0, which sqlink does not provide (extensions get WASI, sqlite:extension/types and sqlite:extension/connection)"
        );
    }
}
