//! The composed runtime on wasmtime: WASI, plus the `spi-loader` and `dispatch` imports.
//!
//! `.load` reaches [`RuntimeState::load`] through `spi-loader`: the extension is compiled,
//! instantiated in its own store and described; the REPL then registers its functions
//! with SQLite itself, inside the composition. During a query, SQLite's trampolines call
//! `dispatch`, which routes to the extension's live instance. The host never calls into
//! the runtime while the runtime is calling out, as the component model requires.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use wasmtime::Store;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::FsPerms;
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use sqlink_host::bindings::dispatch::Request;
use sqlink_host::bindings::exports::sqlite::extension::virtual_table as vt;
use sqlink_host::bindings::{Error, Value, cpu_time, dispatch, file_locks, interrupt, process, shared_memory, spi_loader, sqlite};
use sqlink_host::extension::{Extension, ExtensionEngine, RowChange, SQLITE_ERROR, Sandbox};
use sqlink_host::locks::FileLocks;
use sqlink_host::values::{self, dispatch as from_dispatch};
use sqlink_host::{conflicts, loader};

use crate::waiting::{Outcome, Told, Worker};

/// Components from this size on get a notice while they compile.
pub const LARGE_COMPONENT: usize = 2 << 20;

pub struct Loaded {
    pub handle: u32,
    pub source: String,
    /// None while a call of it runs on the worker (`waiting`).
    pub extension: Option<Extension>,
}

/// A call of an extension that may run SQL, running on the worker.
struct Waiting {
    ext: u32,
    /// Its request for the runtime, until `resume` takes it.
    request: Option<Request>,
    /// Its time limit, which stops the SQL it runs too (`interrupt.pending()`).
    deadline: Option<Instant>,
}

/// What the worker's last call came to, for the runtime's second call of the dispatch function.
enum Finished {
    Outcome(Outcome),
    Failed(Error),
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
    /// Runs the calls of extensions that import `connection` (`waiting.rs`), from the first
    /// load of one.
    worker: Option<Worker>,
    waiting: Option<Waiting>,
    finished: Option<Finished>,
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
            worker: None,
            waiting: None,
            finished: None,
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
            if self.worker.is_none() {
                self.worker = Some(Worker::spawn().context("starting the thread for extensions that run SQL")?);
            }
            extension.set_sql_source(self.worker.as_ref().map(Worker::source));
        }
        conflicts::check(extension.info(), self.extensions.values().filter_map(|l| l.extension.as_ref()).map(Extension::info))
            .with_context(|| format!("cannot load {target}"))?;
        let handle = self.next_handle;
        self.next_handle += 1;
        self.extensions.insert(handle, Loaded { handle, source: found.source, extension: Some(extension) });
        Ok(&self.extensions[&handle])
    }

    /// Extension `handle` for a call. While a call waits for its SQL, that SQL may call no
    /// extension function (one extension call runs at a time, as in `embed`).
    fn extension(&mut self, handle: u32) -> Result<&mut Extension, Error> {
        if self.waiting.is_some() {
            let message = "an extension's SQL cannot call extension functions (one extension call runs at a time)";
            return Err(Error { code: SQLITE_ERROR, message: String::from(message) });
        }
        self.loaded(handle)
    }

    /// Extension `handle`, unless a call of it is running on the worker.
    fn loaded(&mut self, handle: u32) -> Result<&mut Extension, Error> {
        self.extensions
            .get_mut(&handle)
            .and_then(|l| l.extension.as_mut())
            .ok_or_else(|| Error { code: SQLITE_ERROR, message: format!("extension #{handle} is not loaded") })
    }

    /// Run `call` on extension `ext`. One that may run SQL runs it on the worker, and when it
    /// asks for SQL the answer is `REQUEST_PENDING`: the runtime runs the requests (`resume`),
    /// then calls the same dispatch function again, which takes the outcome here.
    fn call<R: Send + 'static>(
        &mut self,
        ext: u32,
        call: impl FnOnce(&mut Extension) -> Result<R, Error> + Send + 'static,
    ) -> Result<R, Error> {
        let finished = match self.finished.take() {
            Some(Finished::Outcome(outcome)) => outcome,
            Some(Finished::Failed(error)) => return Err(error),
            None => {
                let extension = self.extension(ext)?;
                if !extension.imports_connection() {
                    return call(extension);
                }
                match self.start(ext, Box::new(move |e| Box::new(call(e)) as Outcome))? {
                    Some(outcome) => outcome,
                    None => {
                        let message = String::from("the extension's call waits for its SQL");
                        return Err(Error { code: sqlink_dispatch_bridge::REQUEST_PENDING, message });
                    }
                }
            }
        };
        match finished.downcast::<Result<R, Error>>() {
            Ok(outcome) => *outcome,
            Err(_) => Err(Error { code: SQLITE_ERROR, message: String::from("the runtime asked for another call's outcome") }),
        }
    }

    /// Run `call` on extension `ext` here, for a call whose answer cannot say it waits
    /// (closing a scan, comparing): an extension's SQL is refused in it.
    fn call_without_sql<R>(&mut self, ext: u32, call: impl FnOnce(&mut Extension) -> R) -> Result<R, Error> {
        let source = self.worker.as_ref().map(Worker::source);
        let extension = self.extension(ext)?;
        if !extension.imports_connection() {
            return Ok(call(extension));
        }
        extension.set_sql_source(Some(sqlink_host::connection::Unavailable::source(
            "in the sqlink REPL an extension may not run SQL while closing a scan or table, nor in a collation",
        )));
        let result = call(extension);
        extension.set_sql_source(source);
        Ok(result)
    }

    /// Hand extension `ext` and `run` to the worker, and wait for its first word: the
    /// outcome, or none when the call waits for a request.
    fn start(&mut self, ext: u32, run: Box<dyn FnOnce(&mut Extension) -> Outcome + Send>) -> Result<Option<Outcome>, Error> {
        let lost = || Error { code: SQLITE_ERROR, message: format!("extension #{ext} is not loaded") };
        let (Some(worker), Some(loaded)) = (self.worker.as_ref(), self.extensions.get_mut(&ext)) else { return Err(lost()) };
        let extension = loaded.extension.take().ok_or_else(lost)?;
        if let Err(extension) = worker.start(Box::new(extension), run) {
            loaded.extension = Some(*extension);
            return Err(Error { code: SQLITE_ERROR, message: String::from("the thread for extensions that run SQL has ended") });
        }
        self.waiting = Some(Waiting { ext, request: None, deadline: None });
        self.wait()
    }

    /// The running call's next word: its outcome (the extension is back), or none when it
    /// waits for a request.
    fn wait(&mut self) -> Result<Option<Outcome>, Error> {
        let told = self.worker.as_ref().and_then(Worker::next);
        let Some(waiting) = self.waiting.as_mut() else {
            return Err(Error { code: SQLITE_ERROR, message: String::from("no extension call is running") });
        };
        match told {
            Some(Told::Request(request, deadline)) => {
                waiting.request = Some(request);
                waiting.deadline = Some(deadline);
                Ok(None)
            }
            Some(Told::Done(outcome, extension)) => {
                let ext = waiting.ext;
                self.waiting = None;
                if let Some(loaded) = self.extensions.get_mut(&ext) {
                    loaded.extension = Some(*extension);
                }
                Ok(Some(outcome))
            }
            None => {
                // The worker ended (a panic): its extension went with it.
                let ext = waiting.ext;
                self.waiting = None;
                self.worker = None;
                self.extensions.remove(&ext);
                Err(Error { code: SQLITE_ERROR, message: format!("extension #{ext} failed and was unloaded") })
            }
        }
    }

    fn describe(loaded: &Loaded) -> Option<spi_loader::LoadedExtension> {
        let extension = loaded.extension.as_ref()?;
        let contract = extension.contract();
        Some(spi_loader::LoadedExtension {
            handle: loaded.handle,
            source: loaded.source.clone(),
            info: extension.info().clone(),
            contract: spi_loader::Contract { version: contract.version.to_owned(), exports: contract.exports.clone() },
        })
    }
}

impl spi_loader::Host for RuntimeState {
    fn load(&mut self, name_or_path: String) -> Result<spi_loader::LoadedExtension, String> {
        match RuntimeState::load(self, &name_or_path) {
            Ok(loaded) => Self::describe(loaded).ok_or_else(|| String::from("the extension is busy")),
            Err(e) => Err(format!("{e:#}")),
        }
    }

    fn unload(&mut self, handle: u32) -> Result<(), String> {
        self.extensions.remove(&handle).map(drop).ok_or_else(|| format!("extension #{handle} is not loaded"))
    }

    fn list(&mut self) -> Vec<spi_loader::LoadedExtension> {
        self.extensions.values().filter_map(Self::describe).collect()
    }
}

impl dispatch::Host for RuntimeState {
    fn scalar_call(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        self.call(ext, move |e| e.call_scalar(id, &args))
    }

    fn aggregate_step(&mut self, ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        self.call(ext, move |e| e.aggregate_step(id, context, &args))
    }

    fn aggregate_value(&mut self, ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        self.call(ext, move |e| e.aggregate_value(id, context))
    }

    fn aggregate_inverse(&mut self, ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        self.call(ext, move |e| e.aggregate_inverse(id, context, &args))
    }

    fn aggregate_finalize(&mut self, ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        self.call(ext, move |e| e.aggregate_finalize(id, context))
    }

    fn dynamic_call(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        self.call(ext, move |e| e.call_dynamic(id, &args))
    }

    fn collation_compare(&mut self, ext: u32, id: u32, a: String, b: String) -> i32 {
        match self.call_without_sql(ext, |extension| extension.collation_compare(id, &a, &b)) {
            Ok(order) => order,
            // Gone meanwhile: as SQLite's BINARY, as every host compares it.
            Err(_) => sqlink_rules::collation::compare_unloaded(a.as_bytes(), b.as_bytes()),
        }
    }

    fn table_open(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<u64, Error> {
        self.call(ext, move |e| e.table_open(id, &args))
    }

    fn table_next(&mut self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        self.call(ext, move |e| e.table_next(cursor, max_rows))
    }

    fn table_close(&mut self, ext: u32, cursor: u64) {
        let _ = self.call_without_sql(ext, |extension| extension.table_close(cursor));
    }

    fn vtab_connect(&mut self, ext: u32, module: u32, args: Vec<String>, create: bool) -> Result<dispatch::DeclaredTable, Error> {
        let (schema, table) = self.call(ext, move |e| e.vtab_connect(module, &args, create))?;
        Ok(dispatch::DeclaredTable { schema, table })
    }

    fn vtab_best_index(&mut self, ext: u32, table: u64, info: dispatch::IndexInfo) -> Result<dispatch::IndexPlan, Error> {
        self.call(ext, move |extension| {
            let plan = values::with_index_info(&from_dispatch::index_info(&info), |asked| extension.vtab_best_index(table, asked))?;
            Ok(from_dispatch::index_plan(values::index_plan(plan)))
        })
    }

    fn vtab_open(&mut self, ext: u32, table: u64) -> Result<u64, Error> {
        self.call(ext, move |e| e.vtab_open(table))
    }

    fn vtab_filter(&mut self, ext: u32, cursor: u64, start: dispatch::ScanStart) -> Result<Vec<dispatch::Row>, Error> {
        self.call(ext, move |e| e.vtab_filter(cursor, start.index_number, start.index_string.as_deref(), &start.args, start.max_rows))
            .map(rows)
    }

    fn vtab_next(&mut self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<dispatch::Row>, Error> {
        self.call(ext, move |e| e.vtab_next(cursor, max_rows)).map(rows)
    }

    fn vtab_close(&mut self, ext: u32, cursor: u64) {
        let _ = self.call_without_sql(ext, |extension| extension.vtab_close(cursor));
    }

    fn vtab_update(&mut self, ext: u32, table: u64, change: dispatch::Change) -> Result<i64, Error> {
        self.call(ext, move |extension| values::with_change(&from_dispatch::change(&change), |change| extension.vtab_update(table, change)))
    }

    fn vtab_transaction(&mut self, ext: u32, table: u64, event: dispatch::TransactionEvent) -> Result<(), Error> {
        let event = values::transaction_event(from_dispatch::transaction_event(event));
        self.call(ext, move |e| e.vtab_transaction(table, event))
    }

    fn vtab_rename(&mut self, ext: u32, table: u64, new_name: String) -> Result<(), Error> {
        self.call(ext, move |e| e.vtab_rename(table, &new_name))
    }

    fn vtab_disconnect(&mut self, ext: u32, table: u64) {
        let _ = self.call_without_sql(ext, |extension| extension.vtab_disconnect(table));
    }

    fn vtab_destroy(&mut self, ext: u32, table: u64) -> Result<(), Error> {
        self.call(ext, move |e| e.vtab_destroy(table))
    }

    fn resume(&mut self, reply: Option<dispatch::Reply>) -> Option<Request> {
        let reply = match reply {
            None => return self.waiting.as_mut().and_then(|w| w.request.take()),
            Some(reply) => reply,
        };
        if !self.worker.as_ref().is_some_and(|worker| worker.reply(reply)) {
            self.finished = Some(Finished::Failed(Error { code: SQLITE_ERROR, message: String::from("the extension's call ended") }));
            return None;
        }
        match self.wait() {
            Ok(None) => self.waiting.as_mut().and_then(|w| w.request.take()),
            Ok(Some(outcome)) => {
                self.finished = Some(Finished::Outcome(outcome));
                None
            }
            Err(error) => {
                self.finished = Some(Finished::Failed(error));
                None
            }
        }
    }

    fn hook_commit(&mut self, ext: u32) -> bool {
        self.loaded(ext).is_ok_and(|extension| extension.on_commit())
    }

    fn hook_rollback(&mut self, ext: u32) {
        if let Ok(extension) = self.loaded(ext) {
            extension.on_rollback();
        }
    }

    fn hook_update(&mut self, ext: u32, change: u8, database: String, table: String, rowid: i64) {
        let change = match change {
            0 => RowChange::Insert,
            1 => RowChange::Update,
            _ => RowChange::Delete,
        };
        if let Ok(extension) = self.loaded(ext) {
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
    /// Also once the time limit of an extension call whose SQL is running has passed: that
    /// stops the SQL, and the extension then stops at its deadline.
    fn pending(&mut self) -> bool {
        self.engine.interrupts().pending() || self.waiting.as_ref().and_then(|w| w.deadline).is_some_and(|d| Instant::now() >= d)
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
