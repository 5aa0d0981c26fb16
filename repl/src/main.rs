//! `sqlink [HOST OPTIONS] [REPL OPTIONS] [DB_FILE [SQL]]`: the REPL on wasmtime.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod compose;
/// The router and standalone components `sqlink compose` composes with (repl/build.rs).
mod parts {
    include!(concat!(env!("OUT_DIR"), "/parts.rs"));
}
mod runtime;
mod scaffold;
mod terminal;
mod waiting;

use anyhow::{Context, Result, bail};
use sqlink_host::cache::{self, ComponentCache};
use sqlink_host::embedded;
use sqlink_host::extension::{ExtensionEngine, Sandbox};
use sqlink_host::sandbox::SandboxOption;

use crate::runtime::RuntimeOptions;
use crate::scaffold::Sdk;

const HELP: &str = "sqlink: SQLite with WebAssembly extensions

usage: sqlink [HOST OPTIONS] [OPTIONS] [DB_FILE [SQL]]
       sqlink new NAME [--sdk PATH]   write a new extension crate in ./NAME
       sqlink inspect FILE.wasm       the sqlite:extension version a component was built
                                      against, its exports and imports, and its functions
       sqlink compose --with NAME|PATH,... -o APP.wasm [--host]
                                      the runtime with those extensions composed in: one
                                      component that needs only WASI (with --host, .load of
                                      other extensions goes through the host)

Host options (what loaded extensions may use; everything is denied by default):
  --allow-env            let extensions read environment variables
  --allow-dir PATH       let extensions read and write PATH
  --allow-clock          let extensions read the clock (the bundled uuid has it for uuid7)
  --timeout SECONDS      stop an extension call after this long (default 5)
  --memory MIB           cap each extension's memory, 1 to 4096 (default 256)
  --runtime APP.wasm     run this runtime (from sqlink compose) instead of the built-in one
  --version              print the version

REPL options (as sqlite3; `sqlink -help` lists them): -bail -batch -interactive -echo
  -init FILE -cmd COMMAND -header -noheader -nullvalue TEXT -separator SEP -newline SEP
  -readonly -stats -version, and the modes -ascii -box -column -csv -html -json -line
  -list -markdown -quote -table -tabs

Extensions: `.load uuid` (bundled: BUNDLED), `.load NAME` searches SQLINK_PATH
for NAME.wasm, `.load path/to/ext.wasm` loads a file. Compiled components are cached in
SQLINK_CACHE_DIR (default ~/.cache/sqlink; empty to disable).";

/// The machine code of the runtime and the bundled extensions, compiled by `cargo xtask build`
/// (empty in a build without it: then they are compiled at first use and cached).
static BUILT_IN: &[u8] = include_bytes!(env!("SQLINK_PRECOMPILED"));

fn main() {
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("sqlink: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<i32> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    match all.first().map(String::as_str) {
        Some("new") => return new_extension(&all[1..]),
        Some("inspect") => return inspect(&all[1..]),
        Some("compose") => return compose::command(&all[1..]),
        Some("--precompile") => return precompile(&all[1..]),
        _ => {}
    }
    let mut sandbox = Sandbox::default();
    let mut runtime_file = None;
    let mut repl_args = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            // One dash is sqlite3's `-help` and `-version`, which the REPL answers.
            "--help" | "-h" => {
                // The bundled names come from the one list (extensions/bundled.txt).
                println!("{}", HELP.replace("BUNDLED", &embedded::names().collect::<Vec<_>>().join(", ")));
                return Ok(0);
            }
            "--version" => {
                println!("sqlink {}", env!("CARGO_PKG_VERSION"));
                return Ok(0);
            }
            "--allow-env" => sandbox.apply(SandboxOption::AllowEnv(true))?,
            "--allow-clock" => sandbox.apply(SandboxOption::AllowClock(true))?,
            "--runtime" => runtime_file = Some(value("--runtime")?),
            "--allow-dir" => {
                let dir = value("--allow-dir")?;
                sandbox.apply(SandboxOption::AllowDir(&dir)).with_context(|| format!("--allow-dir {dir}"))?;
            }
            "--timeout" => {
                let secs: f64 = value("--timeout")?.parse().context("--timeout takes seconds")?;
                if !(secs > 0.0 && secs.is_finite()) {
                    bail!("--timeout must be a positive number of seconds");
                }
                sandbox.apply(SandboxOption::Timeout(Duration::from_secs_f64(secs))).context("--timeout")?;
            }
            "--memory" => {
                let mib: u64 = value("--memory")?.parse().context("--memory takes MiB")?;
                sandbox.apply(SandboxOption::MemoryMib(mib)).context("--memory")?;
            }
            _ => repl_args.push(arg),
        }
    }

    let runtime_bytes =
        runtime_file.map(|path| std::fs::read(&path).with_context(|| format!("--runtime: cannot read {path}"))).transpose()?;
    let runtime = match &runtime_bytes {
        Some(bytes) => bytes.as_slice(),
        None => embedded::RUNTIME.context("this sqlink was built without its runtime; run `cargo xtask build`")?,
    };
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let mut dirs = vec![cwd.clone()];
    if let Some(db) = database_argument(&repl_args) {
        let db = cwd.join(db);
        if let Some(parent) = db.parent().filter(|p| p.is_dir()) {
            dirs.push(parent.canonicalize()?);
        }
    }
    let batch = repl_args.iter().any(|a| a == "-batch" || a == "--batch");
    let interactive = std::io::stdin().is_terminal() && !has_sql_argument(&repl_args) && !batch;
    let engine = ExtensionEngine::new(ComponentCache::from_env().with_built_in(BUILT_IN))?;
    // Ctrl-C interrupts the running statement (or extension call), as in sqlite3; a third
    // press that nothing took ends sqlink.
    let interrupts = engine.interrupts().clone();
    ctrlc::set_handler(move || {
        if interrupts.request() >= 3 {
            std::process::exit(1);
        }
    })
    .context("installing the Ctrl-C handler")?;
    let options = RuntimeOptions { args: repl_args, dirs, cwd, sandbox, interactive };
    if interactive {
        terminal::run(&engine, runtime, options)
    } else {
        runtime::run(&engine, runtime, options, |wasi| {
            wasi.inherit_stdio();
        })
    }
}

/// `sqlink new NAME [--sdk PATH]`: a new extension crate in ./NAME.
fn new_extension(args: &[String]) -> Result<i32> {
    let mut sdk = Sdk::default_for_this_build();
    let mut name = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sdk" => {
                let path = PathBuf::from(args.next().context("--sdk needs the path of the SDK crate")?);
                sdk = Sdk::Path(path.canonicalize().with_context(|| format!("--sdk {}", path.display()))?);
            }
            _ if name.is_none() => name = Some(arg.clone()),
            _ => bail!("usage: sqlink new NAME [--sdk PATH]"),
        }
    }
    let name = name.context("usage: sqlink new NAME [--sdk PATH]")?;
    let dir = std::env::current_dir().context("reading the working directory")?.join(&name);
    scaffold::new_extension(&name, &dir, &sdk)?;
    println!("created {name}/: cd {name} && cargo build --release --target wasm32-wasip2, then .load it (see {name}/README.md)");
    Ok(0)
}

/// `sqlink inspect FILE.wasm`: what a component is, as the host sees it; exit status 1 when
/// it does not load as an extension.
fn inspect(args: &[String]) -> Result<i32> {
    let [path] = args else { bail!("usage: sqlink inspect FILE.wasm") };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    let engine = ExtensionEngine::new(ComponentCache::from_env().with_built_in(BUILT_IN))?;
    let size = bytes.len();
    let report = sqlink_host::inspect::report(&engine, &bytes, || {
        if size >= runtime::LARGE_COMPONENT {
            eprintln!("compiling {path} ({:.1} MB), cached after this", size as f64 / 1e6);
        }
    })
    .with_context(|| format!("cannot inspect {path}"))?;
    print!("{}", report.text);
    Ok(if report.loads { 0 } else { 1 })
}

/// The first argument that is not an option (nor an option's value) names the database.
fn positional(args: &[String]) -> Vec<&String> {
    let mut out = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
        } else if ["nullvalue", "separator", "newline", "cmd", "init"].contains(&arg.trim_start_matches('-')) && arg.starts_with('-') {
            skip = true;
        } else if !arg.starts_with('-') {
            out.push(arg);
        }
    }
    out
}

fn database_argument(args: &[String]) -> Option<&Path> {
    positional(args).first().filter(|db| db.as_str() != ":memory:").map(|db| Path::new(db.as_str()))
}

fn has_sql_argument(args: &[String]) -> bool {
    positional(args).len() > 1
}

/// `sqlink --precompile PATH`, run by `cargo xtask build`: the machine code of the runtime
/// and the bundled extensions, compiled for this program's engine, for the next build of
/// sqlink to carry. PATH is left alone when it already holds them, so that build is a no-op.
fn precompile(args: &[String]) -> Result<i32> {
    let [path] = args else { bail!("usage: sqlink --precompile PATH") };
    let runtime = embedded::RUNTIME.context("this sqlink was built without its runtime; run `cargo xtask build`")?;
    let engine = ExtensionEngine::new(ComponentCache::disabled())?;
    let mut components = vec![(engine.runtime_engine(), runtime)];
    components.extend(embedded::BUNDLED.iter().filter_map(|bundled| bundled.bytes).map(|bytes| (engine.engine(), bytes)));
    let current = std::fs::read(path).unwrap_or_default();
    if cache::precompiled_for(&current, &components) {
        return Ok(0);
    }
    let blob = cache::precompile(&components)?;
    std::fs::write(path, &blob).with_context(|| format!("writing {path}"))?;
    Ok(0)
}
