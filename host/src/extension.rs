//! Extension components: load, describe, call, in a sandbox.
//!
//! Each extension gets its own `Store`, so its memory cap, its deadline and its failures
//! are its own. One instance serves every call; after a trap (a panic, a runaway loop
//! stopped by the deadline, memory over the cap) wasmtime refuses further calls into that
//! instance, so it is dropped and the next call instantiates afresh.

use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use sqlink_rules::ids::{IdMap, id_map};
use sqlink_rules::metadata::Kind;
use wasmtime::component::{InstancePre, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub use crate::bindings::exports::sqlite::extension::hooks::RowChange;
use crate::bindings::exports::sqlite::extension::virtual_table::{Change, IndexInfo, IndexPlan, RowResult, TransactionEvent};
use crate::bindings::sqlite::extension::types::HookKinds;
use crate::bindings::{Error, ExtensionInfo, Value};
use crate::connection::{self, SqlAccess, SqlSource};
use crate::contract::{ByArity, Funcs, HookFuncs, Indices, VirtualTable};
pub use crate::contract::{Contract, MetadataShape};
use crate::declarations::validate;
use crate::engine::{CoarseClock, TICK};
pub use crate::engine::{ExtensionEngine, Interrupts};
use crate::inspect::Interfaces;
pub use crate::sandbox::{GrantNames, Sandbox};
use crate::sandbox::{NotesWithheld, Withheld};
use crate::trap::{root_message, trap_error};
pub use crate::values::AsParam;
use crate::values::as_params;

/// SQLITE_ERROR: an extension failed (the host's one spelling of it).
pub const SQLITE_ERROR: i32 = 1;
/// SQLITE_TOOBIG: a result longer than SQLite accepts.
pub(crate) const SQLITE_TOOBIG: i32 = 18;
/// SQLITE_INTERRUPT: the user interrupted the statement.
const SQLITE_INTERRUPT: i32 = 9;
/// The most data one call may copy out of an extension (its result, or what it hands a
/// WASI call), enforced by wasmtime's hostcall fuel so the host never allocates more on
/// an extension's behalf. Below SQLite's SQLITE_MAX_LENGTH (1e9).
pub const MAX_RESULT_BYTES: usize = 128 << 20;

/// What an extension's store holds: its WASI view and its limits.
pub struct ExtensionState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    limits: StoreLimits,
    stderr: MemoryOutputPipe,
    /// When the running call reaches its time limit, on the engine's coarse clock. Wall-clock
    /// time, so that the SQL it runs through `connection` (while no wasm runs to see the
    /// epoch) counts too.
    deadline_ms: u64,
    /// How the running call runs SQL on its caller's connection, if it may.
    pub(crate) sql: Option<Box<dyn SqlAccess>>,
    /// Set when the running call was stopped by an interrupt request, not the time limit.
    interrupted: bool,
    /// What the running call asked for and was refused.
    withheld: Withheld,
}

impl NotesWithheld for ExtensionState {
    fn withheld(&mut self) -> &mut Withheld {
        &mut self.withheld
    }
}

impl WasiView for ExtensionState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

struct Live {
    store: Store<ExtensionState>,
    /// Its contract functions, at the version the component was built against.
    funcs: Funcs,
}

/// A loaded extension: its metadata and its one live instance.
pub struct Extension {
    info: ExtensionInfo,
    engine: Engine,
    interrupts: Interrupts,
    clock: CoarseClock,
    pre: InstancePre<ExtensionState>,
    /// Where its contract functions are, and which contract it was built against.
    exports: Indices,
    sandbox: Sandbox,
    live: Option<Live>,
    /// Whether it imports `connection`, and how its calls then reach their connection.
    imports_connection: bool,
    sql_source: Option<SqlSource>,
    /// Counts instantiations: a cursor belongs to the instance that opened it.
    generation: u64,
    /// Open table-function cursors, by the id the host hands out.
    cursors: IdMap<u64, Cursor>,
    next_cursor: u64,
    /// Virtual tables and their cursors, by the host's numbers, as table-function cursors:
    /// `function` is the module's id.
    tables: IdMap<u64, Cursor>,
    scans: IdMap<u64, Cursor>,
}

/// A table-function cursor: which function, which instance, and its id in that instance.
struct Cursor {
    function: u32,
    generation: u64,
    guest: u64,
}

/// An aggregate call to an extension without the aggregate interface; the metadata
/// check at load makes this unreachable from SQL.
fn no_aggregates() -> Error {
    Error { code: SQLITE_ERROR, message: String::from("the extension exports no aggregate functions") }
}

fn no_modules() -> Error {
    Error { code: SQLITE_ERROR, message: String::from("the extension exports no virtual-table modules") }
}

fn no_table_functions() -> Error {
    Error { code: SQLITE_ERROR, message: String::from("the extension exports no table functions") }
}

impl Extension {
    /// Compile, instantiate and describe an extension. The error is one line for a user.
    pub fn load(engine: &ExtensionEngine, bytes: &[u8], sandbox: Sandbox) -> Result<Extension> {
        Extension::load_with_notice(engine, bytes, sandbox, || {})
    }

    /// As [`Extension::load`], calling `compiling` once the component passed the checks
    /// that need no compilation and is about to be compiled (not found in the cache).
    pub fn load_with_notice(engine: &ExtensionEngine, bytes: &[u8], sandbox: Sandbox, compiling: impl FnOnce()) -> Result<Extension> {
        // What is plainly not an extension, or imports what the sandbox never links, is
        // refused before compiling (seconds for a component with a language runtime inside).
        let interfaces = Interfaces::read(bytes)?;
        let version = interfaces.contract_version()?;
        sandbox.check_import_names(&interfaces.imports)?;
        let imports_connection = interfaces.imports.iter().any(|name| crate::inspect::unversioned(name) == connection::INTERFACE);
        let component = engine.cache().load_with_notice(engine.engine(), bytes, compiling)?;
        let mut linker = sandbox.linker::<ExtensionState>(engine.engine(), &component)?;
        if imports_connection {
            connection::add_to_linker(&mut linker)?;
        }
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| anyhow!("it needs an import the sandbox does not provide: {}", root_message(&e.into())))?;
        let exports = Indices::find(&component, version, &interfaces.exports)?;
        // The first instance is made before the extension exists: its metadata comes from it.
        let mut live = Extension::new_instance(engine.engine(), engine.interrupts(), engine.clock(), &sandbox, &pre, &exports)
            .context("instantiating the extension")?;
        let info = live.funcs.describe(&mut live.store).map_err(|trap| {
            let stderr = live.store.data().stderr.contents();
            anyhow!(trap_error("extension", "describe", trap, &stderr, &sandbox).message)
        })?;
        validate(&info)?;
        let (aggregates, collations, tables) = exports.serves();
        sqlink_rules::metadata::check_exports(
            &info.name,
            &[
                (Kind::Aggregate, !info.aggregates.is_empty(), aggregates),
                (Kind::Collation, !info.collations.is_empty(), collations),
                (Kind::Table, !info.table_functions.is_empty(), tables),
                (Kind::Module, !info.modules.is_empty(), exports.contract().exports.iter().any(|e| e == "virtual-table")),
                (Kind::Hooks, info.hooks != HookKinds::empty(), exports.contract().exports.iter().any(|e| e == "hooks")),
            ],
        )?;
        Ok(Extension {
            info,
            engine: engine.engine().clone(),
            interrupts: engine.interrupts().clone(),
            clock: engine.clock().clone(),
            pre,
            exports,
            sandbox,
            live: Some(live),
            imports_connection,
            sql_source: None,
            generation: 1,
            cursors: id_map(),
            next_cursor: 1,
            tables: id_map(),
            scans: id_map(),
        })
    }

    pub fn info(&self) -> &ExtensionInfo {
        &self.info
    }

    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The contract version it was built against, and what of it it exports.
    pub fn contract(&self) -> &Contract {
        self.exports.contract()
    }

    /// Whether it imports `connection` (contract 0.3.0 and later), so that its calls need a
    /// way to their connection's SQL.
    pub fn imports_connection(&self) -> bool {
        self.imports_connection
    }

    /// How each call reaches the SQL of the connection calling it. Without one, `connection`
    /// fails in every call.
    pub fn set_sql_source(&mut self, source: Option<SqlSource>) {
        self.sql_source = source;
    }

    /// A call starting now ends by this time on the engine's coarse clock, which may be a
    /// tick behind: so a call is stopped up to a tick late, never early.
    fn deadline_ms(clock: &CoarseClock, sandbox: &Sandbox) -> u64 {
        let timeout = sandbox.call_timeout + TICK;
        clock.now_ms().saturating_add(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX))
    }

    fn new_store(engine: &Engine, interrupts: &Interrupts, clock: &CoarseClock, sandbox: &Sandbox) -> Result<Store<ExtensionState>> {
        let stderr = MemoryOutputPipe::new(64 * 1024);
        let wasi = sandbox.wasi_ctx(stderr.clone())?;
        let limits = StoreLimitsBuilder::new().memory_size(sandbox.memory_limit).trap_on_grow_failure(true).build();
        // Instantiation and `describe` get one call's time, as every later call does.
        let state = ExtensionState {
            wasi,
            table: ResourceTable::new(),
            limits,
            stderr,
            deadline_ms: Extension::deadline_ms(clock, sandbox),
            sql: None,
            interrupted: false,
            withheld: Withheld::default(),
        };
        let mut store = Store::new(engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_hostcall_fuel(MAX_RESULT_BYTES);
        // Every tick of a running call looks at the interrupt requests and the time left.
        store.set_epoch_deadline(1);
        let interrupts = interrupts.clone();
        let clock = clock.clone();
        store.epoch_deadline_callback(move |mut store| {
            let state = store.data_mut();
            if interrupts.pending() {
                state.interrupted = true;
                return Ok(UpdateDeadline::Interrupt);
            }
            if clock.now_ms() >= state.deadline_ms {
                return Ok(UpdateDeadline::Interrupt);
            }
            Ok(UpdateDeadline::Continue(1))
        });
        Ok(store)
    }

    /// One instance of an extension, with a store of its own under the sandbox's limits.
    fn new_instance(
        engine: &Engine,
        interrupts: &Interrupts,
        clock: &CoarseClock,
        sandbox: &Sandbox,
        pre: &InstancePre<ExtensionState>,
        exports: &Indices,
    ) -> Result<Live> {
        let mut store = Extension::new_store(engine, interrupts, clock, sandbox)?;
        let instance = pre.instantiate(&mut store)?;
        let funcs = exports.load(&mut store, &instance)?;
        Ok(Live { store, funcs })
    }

    /// A new instance after a trap dropped the last one: of the next generation, so that
    /// the cursors of the old one are known as stale.
    fn instantiate(&mut self) -> Result<Live> {
        self.generation += 1;
        Extension::new_instance(&self.engine, &self.interrupts, &self.clock, &self.sandbox, &self.pre, &self.exports)
    }

    fn function_name(&self, kind: Kind, id: u32) -> String {
        let name = match kind {
            Kind::Scalar => self.info.scalars.iter().find(|f| f.id == id).map(|f| &f.name),
            Kind::Aggregate => self.info.aggregates.iter().find(|f| f.id == id).map(|f| &f.name),
            Kind::Collation => self.info.collations.iter().find(|f| f.id == id).map(|f| &f.name),
            Kind::Table => self.info.table_functions.iter().find(|f| f.id == id).map(|f| &f.name),
            Kind::Module => self.info.modules.iter().find(|m| m.id == id).map(|m| &m.name),
            Kind::Hooks => None,
        };
        name.cloned().unwrap_or_else(|| format!("#{id}"))
    }

    /// Run one call on the live instance (instantiating it first if the last one
    /// trapped). A trap drops the instance and becomes a SQL error naming the function.
    fn invoke<R>(&mut self, kind: Kind, id: u32, call: impl FnOnce(&mut Live) -> wasmtime::Result<Result<R, Error>>) -> Result<R, Error> {
        if self.live.is_none() {
            match self.instantiate() {
                Ok(live) => self.live = Some(live),
                Err(e) => {
                    let message = format!("{}: cannot restart the extension: {}", self.info.name, root_message(&e));
                    return Err(Error { code: SQLITE_ERROR, message });
                }
            }
        }
        let deadline_ms = Extension::deadline_ms(&self.clock, &self.sandbox);
        let Some(live) = self.live.as_mut() else {
            return Err(Error { code: SQLITE_ERROR, message: format!("{}: no instance", self.info.name) });
        };
        let state = live.store.data_mut();
        state.deadline_ms = deadline_ms;
        if self.imports_connection {
            // The SQL's own watchdog wants an `Instant`; only these calls pay for reading it.
            let deadline = Instant::now() + self.sandbox.call_timeout;
            state.sql = self.sql_source.as_ref().map(|source| source(deadline));
        }
        state.interrupted = false;
        // Only what this call asked for explains its failure (a runtime asks once and
        // remembers, so a later call may fail the same way without a note).
        state.withheld = Withheld::default();
        live.store.set_epoch_deadline(1);
        let outcome = call(live);
        // The call's statements are finalized as it ends.
        live.store.data_mut().sql = None;
        let mut withheld = live.store.data().withheld;
        let failure = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => error,
            // Rust's panic handler reads RUST_BACKTRACE: reading the environment does not
            // explain a trap.
            Err(trap) if !live.store.data().interrupted => {
                withheld.environment = false;
                let stderr = live.store.data().stderr.contents();
                self.live = None;
                trap_error(&self.info.name, &self.function_name(kind, id), trap, &stderr, &self.sandbox)
            }
            Err(_) => {
                self.live = None;
                return Err(Error { code: SQLITE_INTERRUPT, message: String::from("interrupted") });
            }
        };
        Err(match self.sandbox.withheld_note(withheld) {
            Some(note) => Error { message: format!("{} ({note})", failure.message), ..failure },
            None => failure,
        })
    }

    /// A scalar call: flat when the component exports the call of that many arguments
    /// (`scalar-by-arity`, which saves allocating the argument list in the extension), else
    /// with a list.
    pub fn call_scalar<A: AsParam>(&mut self, id: u32, args: &[A]) -> Result<Value, Error> {
        self.invoke(Kind::Scalar, id, |live| {
            let (store, funcs) = (&mut live.store, &live.funcs);
            match (args, &funcs.by_arity) {
                ([], ByArity { call0: Some(call), .. }) => call.call(store, id),
                ([a], ByArity { call1: Some(call), .. }) => call.call(store, id, a.param()),
                ([a, b], ByArity { call2: Some(call), .. }) => call.call(store, id, a.param(), b.param()),
                ([a, b, c], ByArity { call3: Some(call), .. }) => call.call(store, id, a.param(), b.param(), c.param()),
                ([a, b, c, d], ByArity { call4: Some(call), .. }) => call.call(store, id, a.param(), b.param(), c.param(), d.param()),
                _ => funcs.call.call(store, id, &as_params(args)),
            }
        })
    }

    /// A call of a function the extension defined at run time (contract 0.4.0).
    pub fn call_dynamic<A: AsParam>(&mut self, id: u32, args: &[A]) -> Result<Value, Error> {
        // No declared name: a trap names the function by its id (`Kind::Hooks` has no names).
        self.invoke(Kind::Hooks, id, |live| match &live.funcs.dynamic {
            Some(call) => call.call(&mut live.store, id, &as_params(args)),
            None => Ok(Err(Error { code: SQLITE_ERROR, message: String::from("the extension exports no dynamic-function") })),
        })
    }

    pub fn aggregate_step<A: AsParam>(&mut self, id: u32, context: u64, args: &[A]) -> Result<(), Error> {
        self.invoke(Kind::Aggregate, id, |live| match &live.funcs.aggregate {
            Some(agg) => agg.step.call(&mut live.store, id, context, &as_params(args)),
            None => Ok(Err(no_aggregates())),
        })
    }

    pub fn aggregate_inverse<A: AsParam>(&mut self, id: u32, context: u64, args: &[A]) -> Result<(), Error> {
        self.invoke(Kind::Aggregate, id, |live| match &live.funcs.aggregate {
            Some(agg) => agg.inverse.call(&mut live.store, id, context, &as_params(args)),
            None => Ok(Err(no_aggregates())),
        })
    }

    pub fn aggregate_value(&mut self, id: u32, context: u64) -> Result<Value, Error> {
        self.invoke(Kind::Aggregate, id, |live| match &live.funcs.aggregate {
            Some(agg) => agg.value.call(&mut live.store, id, context),
            None => Ok(Err(no_aggregates())),
        })
    }

    pub fn aggregate_finalize(&mut self, id: u32, context: u64) -> Result<Value, Error> {
        self.invoke(Kind::Aggregate, id, |live| match &live.funcs.aggregate {
            Some(agg) => agg.finalize.call(&mut live.store, id, context),
            None => Ok(Err(no_aggregates())),
        })
    }

    /// Open a cursor of table function `id`; returns the cursor's id.
    pub fn table_open<A: AsParam>(&mut self, id: u32, args: &[A]) -> Result<u64, Error> {
        let guest = self.invoke(Kind::Table, id, |live| match &live.funcs.table {
            Some(table) => table.open.call(&mut live.store, id, &as_params(args)),
            None => Ok(Err(no_table_functions())),
        })?;
        let cursor = self.next_cursor;
        self.next_cursor += 1;
        self.cursors.insert(cursor, Cursor { function: id, generation: self.generation, guest });
        Ok(cursor)
    }

    /// Up to `max_rows` further rows of `cursor`. A trap replaces the instance, and with it
    /// every cursor it had: their rows are gone, which their next call says.
    pub fn table_next(&mut self, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        let Some(&Cursor { function, generation, guest }) = self.cursors.get(&cursor) else {
            return Err(Error { code: SQLITE_ERROR, message: format!("{}: no open cursor {cursor}", self.info.name) });
        };
        if generation != self.generation || self.live.is_none() {
            let message = format!(
                "{}: {}() stopped: the extension restarted after a failure",
                self.info.name,
                self.function_name(Kind::Table, function)
            );
            return Err(Error { code: SQLITE_ERROR, message });
        }
        self.invoke(Kind::Table, function, |live| match &live.funcs.table {
            Some(table) => table.next.call(&mut live.store, guest, max_rows),
            None => Ok(Err(no_table_functions())),
        })
    }

    /// Close `cursor` (the query read all its rows or stopped early).
    pub fn table_close(&mut self, cursor: u64) {
        let Some(Cursor { function, generation, guest }) = self.cursors.remove(&cursor) else { return };
        if generation != self.generation || self.live.is_none() {
            return;
        }
        // A failure needs no report: the instance is then replaced, which drops the cursor.
        let _ = self.invoke(Kind::Table, function, |live| match &live.funcs.table {
            Some(table) => table.close.call(&mut live.store, guest).map(Ok),
            None => Ok(Ok(())),
        });
    }

    /// A number for a table or scan of this extension: the host's, so that one made by an
    /// instance that trapped since is never taken for another.
    fn new_handle(&mut self) -> u64 {
        let handle = self.next_cursor;
        self.next_cursor += 1;
        handle
    }

    /// The module and the guest's number of a table or scan in `handles`, if made by the live
    /// instance.
    fn guest(&self, handles: &IdMap<u64, Cursor>, handle: u64, what: &str) -> Result<(u32, u64), Error> {
        let Some(&Cursor { function, generation, guest }) = handles.get(&handle) else {
            return Err(Error { code: SQLITE_ERROR, message: format!("{}: no open {what} {handle}", self.info.name) });
        };
        if generation != self.generation || self.live.is_none() {
            let message = format!(
                "{}: this {what} of module {} stopped: the extension restarted after a failure",
                self.info.name,
                self.function_name(Kind::Module, function)
            );
            return Err(Error { code: SQLITE_ERROR, message });
        }
        Ok((function, guest))
    }

    /// Call a `virtual-table` function of the live instance for module `module`.
    fn vtab<R>(
        &mut self,
        module: u32,
        call: impl FnOnce(&VirtualTable, &mut Store<ExtensionState>) -> wasmtime::Result<Result<R, Error>>,
    ) -> Result<R, Error> {
        self.invoke(Kind::Module, module, |live| match &live.funcs.vtab {
            Some(vtab) => call(vtab, &mut live.store),
            None => Ok(Err(no_modules())),
        })
    }

    /// `CREATE VIRTUAL TABLE` (`create`) or a connection to a table of module `module`: the
    /// schema it declares and the host's number for the table.
    pub fn vtab_connect(&mut self, module: u32, args: &[String], create: bool) -> Result<(String, u64), Error> {
        let declared = self.vtab(module, |vtab, store| if create { vtab.create } else { vtab.connect }.call(store, module, args))?;
        let table = self.new_handle();
        self.tables.insert(table, Cursor { function: module, generation: self.generation, guest: declared.table });
        Ok((declared.schema, table))
    }

    pub fn vtab_best_index(&mut self, table: u64, info: IndexInfo<'_>) -> Result<IndexPlan, Error> {
        let (module, guest) = self.guest(&self.tables, table, "virtual table")?;
        self.vtab(module, |vtab, store| vtab.best_index.call(store, guest, info))
    }

    pub fn vtab_open(&mut self, table: u64) -> Result<u64, Error> {
        let (module, guest) = self.guest(&self.tables, table, "virtual table")?;
        let opened = self.vtab(module, |vtab, store| vtab.open.call(store, guest))?;
        let scan = self.new_handle();
        self.scans.insert(scan, Cursor { function: module, generation: self.generation, guest: opened });
        Ok(scan)
    }

    pub fn vtab_filter<A: AsParam>(
        &mut self,
        scan: u64,
        index_number: i32,
        index_string: Option<&str>,
        args: &[A],
        max_rows: u32,
    ) -> Result<Vec<RowResult>, Error> {
        let (module, guest) = self.guest(&self.scans, scan, "scan")?;
        self.vtab(module, |vtab, store| vtab.filter.call(store, guest, index_number, index_string, &as_params(args), max_rows))
    }

    pub fn vtab_next(&mut self, scan: u64, max_rows: u32) -> Result<Vec<RowResult>, Error> {
        let (module, guest) = self.guest(&self.scans, scan, "scan")?;
        self.vtab(module, |vtab, store| vtab.next.call(store, guest, max_rows))
    }

    pub fn vtab_close(&mut self, scan: u64) {
        if let Ok((module, guest)) = self.guest(&self.scans, scan, "scan") {
            // A failure needs no report: the instance is then replaced, which drops the scan.
            let _ = self.vtab(module, |vtab, store| vtab.close.call(store, guest).map(Ok));
        }
        self.scans.remove(&scan);
    }

    pub fn vtab_update(&mut self, table: u64, change: Change<'_>) -> Result<i64, Error> {
        let (module, guest) = self.guest(&self.tables, table, "virtual table")?;
        self.vtab(module, |vtab, store| vtab.update.call(store, guest, change))
    }

    pub fn vtab_transaction(&mut self, table: u64, event: TransactionEvent) -> Result<(), Error> {
        let (module, guest) = self.guest(&self.tables, table, "virtual table")?;
        self.vtab(module, |vtab, store| vtab.transaction.call(store, guest, event))
    }

    pub fn vtab_rename(&mut self, table: u64, new_name: &str) -> Result<(), Error> {
        let (module, guest) = self.guest(&self.tables, table, "virtual table")?;
        self.vtab(module, |vtab, store| vtab.rename.call(store, guest, new_name))
    }

    pub fn vtab_disconnect(&mut self, table: u64) {
        if let Ok((module, guest)) = self.guest(&self.tables, table, "virtual table") {
            let _ = self.vtab(module, |vtab, store| vtab.disconnect.call(store, guest).map(Ok));
        }
        self.tables.remove(&table);
    }

    pub fn vtab_destroy(&mut self, table: u64) -> Result<(), Error> {
        // A table of an instance that trapped since is gone already: dropping it succeeds.
        if let Ok((module, guest)) = self.guest(&self.tables, table, "virtual table") {
            self.vtab(module, |vtab, store| vtab.destroy.call(store, guest))?;
        }
        self.tables.remove(&table);
        Ok(())
    }

    /// A hook call: never with SQL (the extension runs inside SQLite's callback), and a failure
    /// is the extension's alone (SQLite's hooks cannot fail), after which the instance is
    /// replaced as after any trap.
    fn hook<R: Default>(&mut self, call: impl FnOnce(&mut Live, HookFuncs) -> wasmtime::Result<R>) -> R {
        let source = self.sql_source.take();
        let result = self.invoke(Kind::Hooks, 0, |live| match live.funcs.hooks {
            Some(hooks) => call(live, hooks).map(Ok),
            None => Ok(Ok(R::default())),
        });
        self.sql_source = source;
        result.unwrap_or_default()
    }

    /// Before a commit: true turns it into a rollback.
    pub fn on_commit(&mut self) -> bool {
        self.hook(|live, hooks| hooks.commit.call(&mut live.store))
    }

    pub fn on_rollback(&mut self) {
        self.hook(|live, hooks| hooks.rollback.call(&mut live.store))
    }

    pub fn on_update(&mut self, change: RowChange, database: &str, table: &str, rowid: i64) {
        self.hook(|live, hooks| hooks.update.call(&mut live.store, change, database, table, rowid))
    }

    /// Collations cannot fail in SQLite: a failed comparison counts as equal.
    pub fn collation_compare(&mut self, id: u32, a: &str, b: &str) -> i32 {
        self.invoke(Kind::Collation, id, |live| match &live.funcs.compare {
            Some(compare) => compare.call(&mut live.store, id, a, b).map(Ok),
            None => Ok(Ok(0)),
        })
        .unwrap_or(0)
    }
}
