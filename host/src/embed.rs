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
use sqlink_dispatch_bridge::{self as bridge, Bridge, CallSql, Dispatcher, OverridePolicy, SqlError, ValueParam};

use crate::bindings::{Error, ExtensionInfo};
use crate::conflicts;
use crate::connection::NativeSql;
use crate::extension::{Contract, Extension, ExtensionEngine, RowChange, SQLITE_ERROR, Sandbox};
use crate::values::{declarations, index_plan, result, rows, sql_error, transaction_event, with_change, with_index_info};

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
        self.bridge.dispatcher().insert(handle, extension);
        let policy = OverridePolicy { allowed: allow_override, how_to_allow: how_to_override.unwrap_or_default().to_owned() };
        let kept = match self.bridge.register_extension(handle, &declarations(&info), policy) {
            Ok(kept) => kept,
            Err(error) => {
                self.bridge.dispatcher().remove(handle);
                return Err(anyhow!(error));
            }
        };
        let overridden = self.bridge.overridden(handle).to_vec();
        self.loaded.push(Loaded { source: source.to_owned(), info, contract, overridden, kept, handle });
        Ok(&self.loaded[self.loaded.len() - 1].info)
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
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.call_scalar(id, args)).map(result)
    }

    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
        self.call(ext, |e| e.aggregate_step(id, context, args))
    }

    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.aggregate_value(id, context)).map(result)
    }

    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
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

    fn dynamic_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<bridge::Value, SqlError> {
        self.call(ext, |e| e.call_dynamic(id, args)).map(result)
    }

    fn table_open(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<u64, SqlError> {
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
        with_index_info(info, |asked| self.call(ext, |e| e.vtab_best_index(table, asked))).map(index_plan)
    }

    fn vtab_open(&self, ext: u32, table: u64) -> Result<u64, SqlError> {
        self.call(ext, |e| e.vtab_open(table))
    }

    fn vtab_filter(&self, ext: u32, cursor: u64, f: &bridge::Filter<'_>) -> Result<Vec<bridge::Row>, SqlError> {
        self.call(ext, |e| e.vtab_filter(cursor, f.index_number, f.index_string, f.args, f.max_rows)).map(rows)
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
        with_change(change, |change| self.call(ext, |e| e.vtab_update(table, change)))
    }

    fn vtab_transaction(&self, ext: u32, table: u64, event: bridge::TransactionEvent) -> Result<(), SqlError> {
        self.call(ext, |e| e.vtab_transaction(table, transaction_event(event)))
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
