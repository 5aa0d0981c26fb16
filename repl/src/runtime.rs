//! The composed runtime on wasmtime: WASI, plus the `spi-loader` and `dispatch` imports.
//!
//! `.load` reaches [`RuntimeState::load`] through `spi-loader`: the extension is compiled,
//! instantiated in its own store and described; the REPL then registers its functions
//! with SQLite itself, inside the composition. During a query, SQLite's trampolines call
//! `dispatch`, which routes to the extension's live instance. The host never calls into
//! the runtime while the runtime is calling out, as the component model requires.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use wasmtime::Store;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::FsPerms;
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use sqlink_host::bindings::exports::sqlite::extension::virtual_table as vt;
use sqlink_host::bindings::{Error, Value, cpu_time, dispatch, file_locks, interrupt, process, shared_memory, spi_loader, sqlite};
use sqlink_host::extension::{Extension, ExtensionEngine, RowChange, SQLITE_ERROR, Sandbox};
use sqlink_host::locks::FileLocks;
use sqlink_host::values::{self, dispatch as from_dispatch};
use sqlink_host::{conflicts, loader};

/// Components from this size on get a notice while they compile.
pub const LARGE_COMPONENT: usize = 2 << 20;

pub struct Loaded {
    pub handle: u32,
    pub source: String,
    pub extension: Extension,
}

/// The host's side of one runtime: WASI, and the loaded extensions.
pub struct RuntimeState {
    wasi: WasiCtx,
    table: ResourceTable,
    locks: FileLocks,
    engine: ExtensionEngine,
    sandbox: Sandbox,
    search_path: Vec<PathBuf>,
    extensions: BTreeMap<u32, Loaded>,
    next_handle: u32,
}

impl WasiView for RuntimeState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// How to run the REPL.
pub struct RuntimeOptions {
    /// Arguments for the REPL (sqlite3-style: options, database, SQL).
    pub args: Vec<String>,
    /// Directories the runtime (SQLite and the REPL, not extensions) may use, each at
    /// its own absolute path.
    pub dirs: Vec<PathBuf>,
    /// The host's working directory, against which the REPL resolves relative paths.
    pub cwd: PathBuf,
    pub sandbox: Sandbox,
    /// Whether stdin is a terminal: prompts, banner, line editing.
    pub interactive: bool,
}

impl RuntimeState {
    /// `dirs`: the directories preopened in `wasi`, where the runtime may lock files.
    pub fn new(wasi: WasiCtx, dirs: Vec<PathBuf>, engine: ExtensionEngine, sandbox: Sandbox, search_path: Vec<PathBuf>) -> Self {
        RuntimeState {
            wasi,
            table: ResourceTable::new(),
            locks: FileLocks::new(dirs),
            engine,
            sandbox,
            search_path,
            extensions: BTreeMap::new(),
            next_handle: 1,
        }
    }

    /// Find, compile, instantiate and describe an extension; refuse one whose name or
    /// functions are already taken.
    pub fn load(&mut self, target: &str) -> Result<&Loaded> {
        let found = loader::find(target, &self.search_path)?;
        let mut sandbox = self.sandbox.clone();
        sandbox.allow_clock |= found.grants_clock;
        // A large component (a language runtime inside) takes seconds to compile the first
        // time: say so rather than look hung.
        let size = found.bytes.len();
        let announce = || {
            if size >= LARGE_COMPONENT {
                eprintln!("compiling {target} ({:.1} MB), cached after this", size as f64 / 1e6);
            }
        };
        let mut extension =
            Extension::load_with_notice(&self.engine, &found.bytes, sandbox, announce).with_context(|| format!("cannot load {target}"))?;
        if extension.imports_connection() {
            // SQLite runs inside the runtime here, which is in the middle of the `dispatch`
            // call that reached the extension; the host may not call back into it
            // (ARCHITECTURE.md, "SQL from an extension").
            extension.set_sql_source(Some(sqlink_host::connection::Unavailable::source(
                "the sqlink REPL does not run an extension's SQL yet (a Rust program through embed, and SQLite or Python through libsqlink, do)",
            )));
        }
        conflicts::check(extension.info(), self.extensions.values().map(|l| l.extension.info()))
            .with_context(|| format!("cannot load {target}"))?;
        let handle = self.next_handle;
        self.next_handle += 1;
        self.extensions.insert(handle, Loaded { handle, source: found.source, extension });
        Ok(&self.extensions[&handle])
    }

    fn extension(&mut self, handle: u32) -> Result<&mut Extension, Error> {
        self.extensions
            .get_mut(&handle)
            .map(|l| &mut l.extension)
            .ok_or_else(|| Error { code: SQLITE_ERROR, message: format!("extension #{handle} is not loaded") })
    }

    fn describe(loaded: &Loaded) -> spi_loader::LoadedExtension {
        let contract = loaded.extension.contract();
        spi_loader::LoadedExtension {
            handle: loaded.handle,
            source: loaded.source.clone(),
            info: loaded.extension.info().clone(),
            contract: spi_loader::Contract { version: contract.version.to_owned(), exports: contract.exports.clone() },
        }
    }
}

impl spi_loader::Host for RuntimeState {
    fn load(&mut self, name_or_path: String) -> Result<spi_loader::LoadedExtension, String> {
        match RuntimeState::load(self, &name_or_path) {
            Ok(loaded) => Ok(Self::describe(loaded)),
            Err(e) => Err(format!("{e:#}")),
        }
    }

    fn unload(&mut self, handle: u32) -> Result<(), String> {
        self.extensions.remove(&handle).map(drop).ok_or_else(|| format!("extension #{handle} is not loaded"))
    }

    fn list(&mut self) -> Vec<spi_loader::LoadedExtension> {
        self.extensions.values().map(Self::describe).collect()
    }
}

impl dispatch::Host for RuntimeState {
    fn scalar_call(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        self.extension(ext)?.call_scalar(id, &args)
    }

    fn aggregate_step(&mut self, ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        self.extension(ext)?.aggregate_step(id, context, &args)
    }

    fn aggregate_value(&mut self, ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        self.extension(ext)?.aggregate_value(id, context)
    }

    fn aggregate_inverse(&mut self, ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        self.extension(ext)?.aggregate_inverse(id, context, &args)
    }

    fn aggregate_finalize(&mut self, ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        self.extension(ext)?.aggregate_finalize(id, context)
    }

    fn collation_compare(&mut self, ext: u32, id: u32, a: String, b: String) -> i32 {
        match self.extension(ext) {
            Ok(extension) => extension.collation_compare(id, &a, &b),
            // Gone meanwhile: as SQLite's BINARY, as every host compares it.
            Err(_) => sqlink_rules::collation::compare_unloaded(a.as_bytes(), b.as_bytes()),
        }
    }

    fn table_open(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<u64, Error> {
        self.extension(ext)?.table_open(id, &args)
    }

    fn table_next(&mut self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        self.extension(ext)?.table_next(cursor, max_rows)
    }

    fn table_close(&mut self, ext: u32, cursor: u64) {
        if let Ok(extension) = self.extension(ext) {
            extension.table_close(cursor);
        }
    }

    fn vtab_connect(&mut self, ext: u32, module: u32, args: Vec<String>, create: bool) -> Result<dispatch::DeclaredTable, Error> {
        let (schema, table) = self.extension(ext)?.vtab_connect(module, &args, create)?;
        Ok(dispatch::DeclaredTable { schema, table })
    }

    fn vtab_best_index(&mut self, ext: u32, table: u64, info: dispatch::IndexInfo) -> Result<dispatch::IndexPlan, Error> {
        let extension = self.extension(ext)?;
        let plan = values::with_index_info(&from_dispatch::index_info(&info), |asked| extension.vtab_best_index(table, asked))?;
        Ok(from_dispatch::index_plan(values::index_plan(plan)))
    }

    fn vtab_open(&mut self, ext: u32, table: u64) -> Result<u64, Error> {
        self.extension(ext)?.vtab_open(table)
    }

    fn vtab_filter(
        &mut self,
        ext: u32,
        cursor: u64,
        index_number: i32,
        index_string: Option<String>,
        args: Vec<Value>,
        max_rows: u32,
    ) -> Result<Vec<dispatch::Row>, Error> {
        self.extension(ext)?.vtab_filter(cursor, index_number, index_string.as_deref(), &args, max_rows).map(rows)
    }

    fn vtab_next(&mut self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<dispatch::Row>, Error> {
        self.extension(ext)?.vtab_next(cursor, max_rows).map(rows)
    }

    fn vtab_close(&mut self, ext: u32, cursor: u64) {
        if let Ok(extension) = self.extension(ext) {
            extension.vtab_close(cursor);
        }
    }

    fn vtab_update(&mut self, ext: u32, table: u64, change: dispatch::Change) -> Result<i64, Error> {
        let extension = self.extension(ext)?;
        values::with_change(&from_dispatch::change(&change), |change| extension.vtab_update(table, change))
    }

    fn vtab_transaction(&mut self, ext: u32, table: u64, event: dispatch::TransactionEvent) -> Result<(), Error> {
        self.extension(ext)?.vtab_transaction(table, values::transaction_event(from_dispatch::transaction_event(event)))
    }

    fn vtab_rename(&mut self, ext: u32, table: u64, new_name: String) -> Result<(), Error> {
        self.extension(ext)?.vtab_rename(table, &new_name)
    }

    fn vtab_disconnect(&mut self, ext: u32, table: u64) {
        if let Ok(extension) = self.extension(ext) {
            extension.vtab_disconnect(table);
        }
    }

    fn vtab_destroy(&mut self, ext: u32, table: u64) -> Result<(), Error> {
        self.extension(ext)?.vtab_destroy(table)
    }

    fn hook_commit(&mut self, ext: u32) -> bool {
        self.extension(ext).is_ok_and(|extension| extension.on_commit())
    }

    fn hook_rollback(&mut self, ext: u32) {
        if let Ok(extension) = self.extension(ext) {
            extension.on_rollback();
        }
    }

    fn hook_update(&mut self, ext: u32, change: u8, database: String, table: String, rowid: i64) {
        let change = match change {
            0 => RowChange::Insert,
            1 => RowChange::Update,
            _ => RowChange::Delete,
        };
        if let Ok(extension) = self.extension(ext) {
            extension.on_update(change, &database, &table, rowid);
        }
    }
}

/// A virtual table's page of rows, as the runtime takes it.
fn rows(page: Vec<vt::RowResult>) -> Vec<dispatch::Row> {
    page.into_iter().map(|row| dispatch::Row { rowid: row.rowid, columns: row.columns }).collect()
}

impl sqlite::extension::types::Host for RuntimeState {}

impl interrupt::Host for RuntimeState {
    fn pending(&mut self) -> bool {
        self.engine.interrupts().pending()
    }

    fn take(&mut self) -> bool {
        self.engine.interrupts().take()
    }
}

impl cpu_time::Host for RuntimeState {
    /// The whole process's CPU time, as sqlite3 reports its own (getrusage of the process):
    /// SQLite runs on this thread, and the extensions it calls run on it too.
    fn process_times(&mut self) -> Option<cpu_time::Times> {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes one rusage into the buffer, which is zeroed, sized and
        // aligned for it; it is read only when the call succeeded.
        let usage = unsafe { (libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) == 0).then(|| usage.assume_init()) }?;
        let micros = |t: libc::timeval| u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000 + u64::try_from(t.tv_usec).unwrap_or(0);
        Some(cpu_time::Times { user_us: micros(usage.ru_utime), system_us: micros(usage.ru_stime) })
    }
}

impl process::Host for RuntimeState {
    /// The operator's `.import '|CMD'`: run through `sh -c` as sqlite3's popen runs it, in the
    /// host's working directory, with no standard input (the REPL's script must not be read
    /// by the command) and the host's standard error.
    fn read_output(&mut self, command: String) -> Result<Vec<u8>, String> {
        let output = std::process::Command::new("/bin/sh")
            .args(["-c", &command])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {command}: {e}"))?;
        Ok(output.stdout)
    }

    /// The operator's `.output '|CMD'` / `.once '|CMD'`: the output collected while the
    /// redirect lasted goes to the command's standard input; its output is the host's.
    fn write_input(&mut self, command: String, input: Vec<u8>) -> Result<(), String> {
        use std::io::Write as _;
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", &command])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {command}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that exits without reading all of it is not an error (as with popen).
            let _ = stdin.write_all(&input);
        }
        child.wait().map_err(|e| format!("cannot run {command}: {e}"))?;
        Ok(())
    }
}

/// A linker with WASI and the runtime's imports.
pub fn linker(engine: &wasmtime::Engine) -> Result<Linker<RuntimeState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    sqlite::extension::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    spi_loader::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    dispatch::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    file_locks::add_to_linker::<_, HasSelf<FileLocks>>(&mut linker, |s: &mut RuntimeState| &mut s.locks)?;
    shared_memory::add_to_linker::<_, HasSelf<FileLocks>>(&mut linker, |s: &mut RuntimeState| &mut s.locks)?;
    interrupt::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    cpu_time::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    process::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// Run the REPL to completion; returns its exit status.
pub fn run(engine: &ExtensionEngine, runtime: &[u8], options: RuntimeOptions, stdio: impl FnOnce(&mut WasiCtxBuilder)) -> Result<i32> {
    let component = engine.runtime_component(runtime).context("compiling the runtime")?;
    let mut wasi = WasiCtxBuilder::new();
    wasi.args(&std::iter::once("sqlink".to_owned()).chain(options.args).collect::<Vec<_>>());
    wasi.env("SQLINK_CWD", options.cwd.to_string_lossy());
    if options.interactive {
        wasi.env("SQLINK_INTERACTIVE", "1");
    }
    for dir in &options.dirs {
        let guest = dir.to_string_lossy().into_owned();
        wasi.preopened_dir(dir, guest, FsPerms::ReadWrite)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("opening {}", dir.display()))?;
    }
    stdio(&mut wasi);
    let state = RuntimeState::new(wasi.build(), options.dirs, engine.clone(), options.sandbox, loader::search_path());
    // The runtime has no deadline (a long query is the user's to run), so its engine has
    // no epochs.
    let mut store = Store::new(engine.runtime_engine(), state);
    let linker = linker(engine.runtime_engine())?;
    let command =
        Command::instantiate(&mut store, &component, &linker).map_err(anyhow::Error::from).context("instantiating the runtime")?;
    match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(anyhow!(e).context("the runtime failed")),
        },
    }
}

#[cfg(test)]
mod tests {
    use sqlink_host::cache::ComponentCache;

    use super::*;

    /// A collation whose extension is no longer loaded in the host compares as BINARY, as in
    /// `embed` and the dispatch bridge (it compared everything as equal).
    #[test]
    fn a_collation_of_an_extension_gone_compares_as_binary() {
        let engine = ExtensionEngine::new(ComponentCache::disabled()).unwrap();
        let mut state = RuntimeState::new(WasiCtxBuilder::new().build(), Vec::new(), engine, Sandbox::default(), Vec::new());
        let compare = |state: &mut RuntimeState, a: &str, b: &str| dispatch::Host::collation_compare(state, 7, 0, a.into(), b.into());
        assert_eq!(compare(&mut state, "b", "a"), 1);
        assert_eq!(compare(&mut state, "B", "a"), -1);
        assert_eq!(compare(&mut state, "a", "a"), 0);
    }
}
