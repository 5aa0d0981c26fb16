//! Extension components inside a native SQLite, through rusqlite: every function an
//! extension declares becomes a SQLite function on the connection whose body calls the
//! component. Metadata, sandbox, conflict and error rules are those of the REPL, and so is
//! the registration layer: `sqlink-dispatch-bridge` installs the functions, collations and
//! table functions, as it does inside the runtime; this module only says how to call an
//! extension (an [`Instances`] dispatcher). The loadable library (`loadable/`) is this
//! module behind SQL functions.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use sqlink_host::cache::ComponentCache;
//! use sqlink_host::embed::Extensions;
//! use sqlink_host::extension::{ExtensionEngine, Sandbox};
//!
//! let engine = ExtensionEngine::new(ComponentCache::from_env())?;
//! let conn = rusqlite::Connection::open_in_memory()?;
//! let mut extensions = Extensions::new(engine);
//! let bytes = std::fs::read("md5.wasm")?;
//! extensions.load(&conn, &bytes, Sandbox::default(), "md5.wasm")?;
//! let digest: String = conn.query_row("SELECT md5('abc')", [], |row| row.get(0))?;
//! # Ok(()) }
//! ```
//!
//! The loadable library loads and unloads from inside a statement
//! (`SELECT sqlink_unload('md5')`), while SQLite refuses to remove a function; the bridge
//! then leaves it installed, answering as SQLite does for a name it does not know, until it
//! can go or an extension provides it again.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use anyhow::{Result, anyhow, bail};
use rusqlite::Connection;
use rusqlite::ffi::{self, sqlite3};
use sqlink_dispatch_bridge::{self as bridge, Bridge, CallSql, Dispatcher, SqlError, ValueRef};
use sqlink_rules::{FunctionFlags, Namespace};

use crate::bindings::exports::sqlite::extension::virtual_table as vt;
use crate::bindings::sqlite::extension::types::HookKinds as WitHookKinds;
use crate::bindings::{Error, ExtensionInfo, FunctionFlags as WitFlags, Value, ValueParam};
use crate::conflicts;
use crate::connection::NativeSql;
use crate::extension::{AsParam, Contract, Extension, ExtensionEngine, RowChange, SQLITE_ERROR, Sandbox};
use crate::values::{bridge_value as result, wit_value};

/// An extension loaded on the connection.
pub struct Loaded {
    pub source: String,
    pub info: ExtensionInfo,
    /// The contract version it was built against, and what of it it exports.
    pub contract: Contract,
    /// What of the connection's own it replaced (loaded with `allow_override`), as shown.
    pub overridden: Vec<String>,
    /// What of the connection's own it left as it was, not being allowed to replace it
    /// (`sqlink_rules::kept_note` words it), as shown.
    pub kept: Vec<String>,
    /// The extension's handle in the bridge.
    handle: u32,
}

/// The extensions loaded on one connection. Use one per connection, with that connection.
pub struct Extensions {
    engine: ExtensionEngine,
    loaded: Vec<Loaded>,
    bridge: Bridge<Instances>,
    /// The connection the bridge is attached to, only ever compared with `conn`'s handle.
    attached: Option<usize>,
    /// Set when SQLite closes that connection: a connection opened later at the same address
    /// is another one, without these extensions' registrations.
    closed: Arc<AtomicBool>,
    /// Whether the sandbox's authorizer is installed on it (at the first extension that
    /// imports `connection`).
    authorizer: bool,
    next_handle: u32,
}

impl Extensions {
    pub fn new(engine: ExtensionEngine) -> Extensions {
        Extensions {
            engine,
            loaded: Vec::new(),
            bridge: Bridge::new(Instances::default()),
            attached: None,
            closed: Arc::new(AtomicBool::new(false)),
            authorizer: false,
            next_handle: 1,
        }
    }

    /// What is loaded, in load order.
    pub fn loaded(&self) -> &[Loaded] {
        &self.loaded
    }

    /// Load an extension component and register its scalar, aggregate, window and collation
    /// functions and table functions on `conn`; `source` says where it came from. Refuses an
    /// extension already loaded, and one whose functions another loaded extension provides.
    /// Unless the sandbox allows override, the names the connection had before (SQLite's own,
    /// or the program's) are left as they were ([`Loaded::kept`]), and an extension with
    /// nothing else is refused.
    pub fn load(&mut self, conn: &Connection, bytes: &[u8], sandbox: Sandbox, source: &str) -> Result<&ExtensionInfo> {
        let (allow_override, how_to_override) = (sandbox.allow_override, sandbox.grant_names.replace);
        let mut extension = Extension::load(&self.engine, bytes, sandbox)?;
        let info = extension.info().clone();
        let contract = extension.contract().clone();
        conflicts::check(&info, self.loaded.iter().map(|l| &l.info))?;
        let db = self.attach(conn)?;
        // SAFETY: `db` is `conn`'s open connection (checked by `attach`), borrowed for this call.
        unsafe { self.bridge.read_predefined(db) }.map_err(|e| anyhow!("listing the connection's functions: {e}"))?;
        let handle = self.next_handle;
        self.next_handle += 1;
        if extension.imports_connection() {
            self.connect(db, &mut extension, handle)?;
        }
        if allow_override || how_to_override.is_some() {
            self.bridge.override_policy(handle, allow_override, how_to_override.unwrap_or_default());
        }
        // Check before registering anything, so that a refused load leaves nothing behind
        // (its override policy included): refused when every name is the connection's.
        let refusals: Vec<_> =
            names(&info).filter_map(|(namespace, name)| self.bridge.check_override(handle, namespace, name).err()).collect();
        if let Some(refusal) = refusals.first()
            && refusals.len() == names(&info).count()
        {
            self.bridge.unregister_extension(handle);
            bail!(refusal.message.clone());
        }
        self.bridge.dispatcher().insert(handle, extension);
        if let Err(error) = self.register(handle, &info) {
            self.bridge.unregister_extension(handle);
            self.bridge.dispatcher().remove(handle);
            return Err(anyhow!(error));
        }
        let overridden = self.bridge.overridden(handle).to_vec();
        let kept = self.bridge.kept(handle).map_err(|e| anyhow!(e.message))?;
        self.loaded.push(Loaded { source: source.to_owned(), info, contract, overridden, kept, handle });
        Ok(&self.loaded[self.loaded.len() - 1].info)
    }

    fn register(&mut self, handle: u32, info: &ExtensionInfo) -> Result<(), SqlError> {
        for f in &info.scalars {
            self.bridge.register_scalar(handle, &f.name, f.arity, flags(&f.flags), f.id)?;
        }
        for f in &info.aggregates {
            self.bridge.register_aggregate(handle, &f.name, f.arity, flags(&f.flags), f.id, f.window)?;
        }
        for c in &info.collations {
            self.bridge.register_collation(handle, &c.name, c.id)?;
        }
        for t in &info.table_functions {
            self.bridge.register_table(handle, &t.name, t.id, &t.columns, &t.parameters)?;
        }
        for m in &info.modules {
            let shape = bridge::ModuleShape { writable: m.writable, transactions: m.transactions, shadow_names: m.shadow_names.clone() };
            self.bridge.register_module(handle, &m.name, m.id, shape)?;
        }
        let kinds = bridge::HookKinds {
            commit: info.hooks.contains(WitHookKinds::COMMIT),
            rollback: info.hooks.contains(WitHookKinds::ROLLBACK),
            update: info.hooks.contains(WitHookKinds::UPDATE),
        };
        if kinds.any() {
            self.bridge.subscribe_hooks(handle, kinds)?;
        }
        Ok(())
    }

    /// The bridge's connection, attached at the first load: `conn`'s, or an error if these
    /// extensions belong to another connection.
    fn attach(&mut self, conn: &Connection) -> Result<*mut sqlite3> {
        // SAFETY: only the handle's address is taken here; it is used while `conn` is
        // borrowed, so while the connection is open.
        let db = unsafe { conn.handle() };
        match self.attached {
            Some(attached) if self.closed.load(Ordering::SeqCst) => {
                // Forgotten by the bridge as it should have been before the close; nothing
                // of the closed connection is touched.
                self.bridge.detach(attached as *mut sqlite3);
                bail!("the connection these extensions were loaded on has closed; use one `Extensions` per connection")
            }
            Some(attached) if attached == db as usize => {}
            Some(_) => bail!("these extensions were loaded on another connection; use one `Extensions` per connection"),
            None => {
                // SAFETY: `db` is `conn`'s open connection. The bridge uses its attached
                // connections only inside `load` and `unload`, after this check has found
                // the caller's open `conn` to be that connection, so a closed one is never
                // touched.
                unsafe { self.bridge.attach(db) }.map_err(|e| anyhow!("{e}"))?;
                // SAFETY: `db` is `conn`'s open connection.
                if let Err(e) = unsafe { watch_close(db, Arc::clone(&self.closed)) } {
                    self.bridge.detach(db);
                    return Err(e);
                }
                self.attached = Some(db as usize);
            }
        }
        Ok(db)
    }

    /// Let `extension` run SQL on `db` during its calls, inside the sandbox's authorizer.
    fn connect(&mut self, db: *mut sqlite3, extension: &mut Extension, handle: u32) -> Result<()> {
        if !self.authorizer {
            // SAFETY: `db` is `conn`'s open connection (checked by `attach`).
            unsafe { bridge::install_authorizer(db) }.map_err(|e| anyhow!("{e}"))?;
            self.authorizer = true;
        }
        let watchdog = self.engine.watchdog().clone();
        let functions: Arc<dyn bridge::DefineFunctions> = self.bridge.runtime_functions();
        let db = db as usize;
        extension.set_sql_source(Some(Arc::new(move |deadline| {
            // SAFETY: the source is called as one of the extension's calls starts, and its
            // calls come from SQLite's callbacks on this connection (the bridge installed
            // them on it alone), so the connection is open and its callback runs until the
            // `CallSql` is dropped at the end of the call.
            let sql = unsafe { CallSql::new(db as *mut sqlite3) };
            Box::new(NativeSql::new(sql, deadline, watchdog.clone()).with_functions(Arc::clone(&functions), handle))
        })));
        Ok(())
    }

    /// The program's own commit, rollback and update hooks on `conn`, called after the
    /// extensions' (each extension's in load order). A hook set directly with SQLite (rusqlite's
    /// `commit_hook`) would replace the ones extensions asked for, so a program with
    /// extensions that have hooks registers its own here.
    pub fn set_program_hooks(&mut self, conn: &Connection, hooks: bridge::ProgramHooks) -> Result<()> {
        self.attach(conn)?;
        self.bridge.set_program_hooks(hooks).map_err(|e| anyhow!(e.message))
    }

    /// Unload extension `name`: its functions and collations answer as unknown ones, and
    /// are removed from `conn` unless a statement is running.
    pub fn unload(&mut self, conn: &Connection, name: &str) -> Result<()> {
        let Some(index) = self.loaded.iter().position(|l| l.info.name == name) else { bail!("{name} is not loaded") };
        // SQLite cannot bring back a function once replaced: removing the replacement would
        // leave no function of that name at all.
        let overridden = &self.loaded[index].overridden;
        if !overridden.is_empty() {
            bail!("cannot unload {name}: it replaced {}, which cannot be restored on an open connection", overridden.join(", "));
        }
        self.attach(conn)?;
        let handle = self.loaded.remove(index).handle;
        self.bridge.unregister_extension(handle);
        self.bridge.dispatcher().remove(handle);
        Ok(())
    }
}

/// The collation whose destructor tells `Extensions` that its connection closed (SQLite
/// destroys a connection's collations as it closes it; no other API says so in every SQLite
/// libsqlink may load into). It compares as BINARY, should anyone name it.
const CLOSE_WATCH: &std::ffi::CStr = c"sqlink_embed_connection";

/// Set `closed` when SQLite closes `db`.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn watch_close(db: *mut sqlite3, closed: Arc<AtomicBool>) -> Result<()> {
    unsafe extern "C" fn compare(_: *mut c_void, len_a: c_int, a: *const c_void, len_b: c_int, b: *const c_void) -> c_int {
        let bytes = |ptr: *const c_void, len: c_int| match usize::try_from(len) {
            // SAFETY: SQLite passes `len` valid bytes at `ptr` for the comparison's duration.
            Ok(len) if len > 0 && !ptr.is_null() => unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) },
            _ => &[][..],
        };
        sqlink_rules::collation::compare_unloaded(bytes(a, len_a), bytes(b, len_b))
    }
    unsafe extern "C" fn closing(flag: *mut c_void) {
        // SAFETY: `flag` is the `Arc<AtomicBool>` `watch_close` leaked into the collation,
        // released exactly once, here, as SQLite destroys the collation.
        let flag = unsafe { Arc::from_raw(flag.cast::<AtomicBool>().cast_const()) };
        flag.store(true, Ordering::SeqCst);
    }
    let flag = Arc::into_raw(closed).cast_mut().cast::<c_void>();
    // SAFETY: `db` is open (the contract); the name is NUL-terminated; SQLite calls `closing`
    // once when the collation goes, also when creating it fails.
    let rc = unsafe { ffi::sqlite3_create_collation_v2(db, CLOSE_WATCH.as_ptr(), ffi::SQLITE_UTF8, flag, Some(compare), Some(closing)) };
    if rc != ffi::SQLITE_OK {
        bail!("cannot watch the connection (SQLite error {rc})");
    }
    Ok(())
}

/// Every name an extension registers, with its namespace.
fn names(info: &ExtensionInfo) -> impl Iterator<Item = (Namespace, &str)> {
    let functions = info.scalars.iter().map(|f| &f.name).chain(info.aggregates.iter().map(|f| &f.name));
    functions
        .map(|name| (Namespace::Function, name.as_str()))
        .chain(info.collations.iter().map(|c| (Namespace::Collation, c.name.as_str())))
        .chain(info.table_functions.iter().map(|t| (Namespace::Table, t.name.as_str())))
        .chain(info.modules.iter().map(|m| (Namespace::Table, m.name.as_str())))
}

fn flags(f: &WitFlags) -> FunctionFlags {
    FunctionFlags::from_bools(f.contains(WitFlags::DETERMINISTIC), f.contains(WitFlags::DIRECT_ONLY), f.contains(WitFlags::INNOCUOUS))
}

/// The loaded instances, by the handle the bridge knows each by: how this host calls an
/// extension. SQLite runs one call of a connection at a time; a second one can only come from
/// SQL an extension runs through `connection` while its call is running: a function call
/// then is refused, and a hook (an event that SQL caused) reaches every other extension.
#[derive(Default)]
struct Instances {
    slots: Mutex<Vec<Option<Arc<Mutex<Extension>>>>>,
    /// Set while an extension call other than a hook runs.
    calling: AtomicBool,
}

/// Clears `Instances::calling` when the call ends, also by a panic.
struct Calling<'a>(&'a AtomicBool);

impl Drop for Calling<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Instances {
    fn insert(&self, handle: u32, extension: Extension) {
        let mut instances = lock(&self.slots);
        let index = handle as usize;
        if instances.len() <= index {
            instances.resize_with(index + 1, || None);
        }
        instances[index] = Some(Arc::new(Mutex::new(extension)));
    }

    fn remove(&self, handle: u32) {
        if let Some(instance) = lock(&self.slots).get_mut(handle as usize) {
            *instance = None;
        }
    }

    /// Extension `ext`; an error for one unloaded while a statement's aggregation or table
    /// scan was using it.
    fn instance(&self, ext: u32) -> Result<Arc<Mutex<Extension>>, SqlError> {
        lock(&self.slots)
            .get(ext as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| SqlError::new(SQLITE_ERROR, "the extension was unloaded during the statement"))
    }

    /// Run `call` on extension `ext`.
    fn call<T>(&self, ext: u32, call: impl FnOnce(&mut Extension) -> Result<T, Error>) -> Result<T, SqlError> {
        if self.calling.swap(true, Ordering::Acquire) {
            return Err(SqlError::new(
                SQLITE_ERROR,
                "an extension's SQL cannot call extension functions (one extension call runs at a time)",
            ));
        }
        let _calling = Calling(&self.calling);
        let instance = self.instance(ext)?;
        call(&mut lock(&instance)).map_err(sql_error)
    }

    /// Deliver a hook to extension `ext`, unless the event comes from that extension's own SQL
    /// (its call is running: it knows what it wrote).
    fn hook(&self, ext: u32, deliver: impl FnOnce(&mut Extension)) {
        let Ok(instance) = self.instance(ext) else { return };
        let mut extension = match instance.try_lock() {
            Ok(extension) => extension,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        deliver(&mut extension);
    }
}

/// A panic while holding the lock cannot leave the extension half-updated in a way that
/// matters: a trap already replaces the instance. So a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Dispatcher for Instances {
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.call_scalar(id, args)).map(result)
    }

    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        self.call(ext, |e| e.aggregate_step(id, context, args))
    }

    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.aggregate_value(id, context)).map(result)
    }

    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        self.call(ext, |e| e.aggregate_inverse(id, context, args))
    }

    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.aggregate_finalize(id, context)).map(result)
    }

    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32 {
        // Gone meanwhile: as SQLite's BINARY.
        self.call(ext, |e| Ok(e.collation_compare(id, a, b)))
            .unwrap_or_else(|_| sqlink_rules::collation::compare_unloaded(a.as_bytes(), b.as_bytes()))
    }

    fn dynamic_call(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.call_dynamic(id, args)).map(result)
    }

    fn table_open(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<u64, SqlError> {
        self.call(ext, |e| e.table_open(id, args))
    }

    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<bridge::Value>>, SqlError> {
        let rows = self.call(ext, |e| e.table_next(cursor, max_rows))?;
        Ok(rows.into_iter().map(|row| row.into_iter().map(result).collect()).collect())
    }

    fn hook_commit(&self, ext: u32) -> bool {
        let mut veto = false;
        self.hook(ext, |e| veto = e.on_commit());
        veto
    }

    fn hook_rollback(&self, ext: u32) {
        self.hook(ext, |e| e.on_rollback());
    }

    fn hook_update(&self, ext: u32, change: bridge::RowChange, database: &str, table: &str, rowid: i64) {
        let change = match change {
            bridge::RowChange::Insert => RowChange::Insert,
            bridge::RowChange::Update => RowChange::Update,
            bridge::RowChange::Delete => RowChange::Delete,
        };
        self.hook(ext, |e| e.on_update(change, database, table, rowid));
    }

    fn table_close(&self, ext: u32, cursor: u64) {
        // Nothing to close once the extension is gone.
        let _ = self.call(ext, |e| {
            e.table_close(cursor);
            Ok(())
        });
    }

    fn vtab_connect(&self, ext: u32, module: u32, args: &[String], create: bool) -> Result<bridge::DeclaredTable, SqlError> {
        let (schema, table) = self.call(ext, |e| e.vtab_connect(module, args, create))?;
        Ok(bridge::DeclaredTable { schema, table })
    }

    fn vtab_best_index(&self, ext: u32, table: u64, info: &bridge::IndexInfo) -> Result<bridge::IndexPlan, SqlError> {
        let rhs: Vec<Option<Value>> = info.constraints.iter().map(|c| c.rhs.as_ref().map(wit_value)).collect();
        let constraints = info
            .constraints
            .iter()
            .zip(&rhs)
            .map(|(c, rhs)| vt::IndexConstraint { column: c.column, op: c.op, usable: c.usable, rhs: rhs.as_ref().map(AsParam::param) })
            .collect::<Vec<_>>();
        let order_by = info.order_by.iter().map(|o| vt::IndexOrderBy { column: o.column, desc: o.desc }).collect::<Vec<_>>();
        let asked = vt::IndexInfo { constraints: &constraints, order_by: &order_by, columns_used: info.columns_used };
        let plan = self.call(ext, |e| e.vtab_best_index(table, asked))?;
        Ok(bridge::IndexPlan {
            usage: plan.usage.iter().map(|u| bridge::ConstraintUsage { argument: u.argument, omit: u.omit }).collect(),
            index_number: plan.index_number,
            index_string: plan.index_string,
            order_by_consumed: plan.order_by_consumed,
            estimated_cost: plan.estimated_cost,
            estimated_rows: plan.estimated_rows,
            unique: plan.unique,
        })
    }

    fn vtab_open(&self, ext: u32, table: u64) -> Result<u64, SqlError> {
        self.call(ext, |e| e.vtab_open(table))
    }

    fn vtab_filter(
        &self,
        ext: u32,
        cursor: u64,
        index_number: i32,
        index_string: Option<&str>,
        args: &[ValueRef<'_>],
        max_rows: u32,
    ) -> Result<Vec<bridge::Row>, SqlError> {
        self.call(ext, |e| e.vtab_filter(cursor, index_number, index_string, args, max_rows)).map(rows)
    }

    fn vtab_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<bridge::Row>, SqlError> {
        self.call(ext, |e| e.vtab_next(cursor, max_rows)).map(rows)
    }

    fn vtab_close(&self, ext: u32, cursor: u64) {
        let _ = self.call(ext, |e| {
            e.vtab_close(cursor);
            Ok(())
        });
    }

    fn vtab_update(&self, ext: u32, table: u64, change: &bridge::Change<'_>) -> Result<i64, SqlError> {
        match change {
            bridge::Change::Delete(rowid) => self.call(ext, |e| e.vtab_update(table, vt::Change::Delete(*rowid))),
            bridge::Change::Insert { rowid, columns } => {
                let columns = params(columns);
                self.call(ext, |e| e.vtab_update(table, vt::Change::Insert(vt::NewRow { rowid: *rowid, columns: &columns })))
            }
            bridge::Change::Update { old_rowid, rowid, columns } => {
                let columns = params(columns);
                let row = vt::RowParam { rowid: *rowid, columns: &columns };
                self.call(ext, |e| e.vtab_update(table, vt::Change::Update(vt::UpdatedRow { old_rowid: *old_rowid, row })))
            }
        }
    }

    fn vtab_transaction(&self, ext: u32, table: u64, event: bridge::TransactionEvent) -> Result<(), SqlError> {
        let event = match event {
            bridge::TransactionEvent::Begin => vt::TransactionEvent::Begin,
            bridge::TransactionEvent::Sync => vt::TransactionEvent::Sync,
            bridge::TransactionEvent::Commit => vt::TransactionEvent::Commit,
            bridge::TransactionEvent::Rollback => vt::TransactionEvent::Rollback,
            bridge::TransactionEvent::Savepoint(n) => vt::TransactionEvent::Savepoint(n),
            bridge::TransactionEvent::Release(n) => vt::TransactionEvent::Release(n),
            bridge::TransactionEvent::RollbackTo(n) => vt::TransactionEvent::RollbackTo(n),
        };
        self.call(ext, |e| e.vtab_transaction(table, event))
    }

    fn vtab_rename(&self, ext: u32, table: u64, new_name: &str) -> Result<(), SqlError> {
        self.call(ext, |e| e.vtab_rename(table, new_name))
    }

    fn vtab_disconnect(&self, ext: u32, table: u64) {
        let _ = self.call(ext, |e| {
            e.vtab_disconnect(table);
            Ok(())
        });
    }

    fn vtab_destroy(&self, ext: u32, table: u64) -> Result<(), SqlError> {
        self.call(ext, |e| e.vtab_destroy(table))
    }
}

/// A row's values as the extension takes them, borrowed from SQLite.
fn params<'a>(columns: &'a [ValueRef<'_>]) -> Vec<ValueParam<'a>> {
    columns.iter().map(AsParam::param).collect()
}

/// A virtual table's page of rows, as the bridge takes it.
fn rows(page: Vec<vt::RowResult>) -> Vec<bridge::Row> {
    page.into_iter().map(|row| bridge::Row { rowid: row.rowid, columns: row.columns.into_iter().map(result).collect() }).collect()
}

fn sql_error(e: Error) -> SqlError {
    SqlError { code: e.code, message: e.message }
}
