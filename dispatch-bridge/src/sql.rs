//! SQL an extension runs on the connection that is calling it (the contract's `connection`
//! import), with the sandbox's limits: the SQLite side, for every host.
//!
//! A host opens a [`CallSql`] when it starts an extension call that may run SQL and ends it
//! when the call returns; statements the extension left open are finalized then, and their
//! numbers are never given out again, so a statement kept past its call fails clearly.
//!
//! The sandbox is an authorizer ([`install_authorizer`]) that refuses, while an extension's
//! SQL is compiled, what would let it leave its sandbox: ATTACH and DETACH, loading
//! extensions (`load_extension`, `sqlink_load`, `sqlink_unload`) and changing what is loaded.
//! SQLite keeps one authorizer per connection and offers no way to read the one set before,
//! so installing it replaces an authorizer the program set earlier, and one the program sets
//! later replaces it. The second case is detected: every statement SQLite compiles consults
//! the authorizer at least once, so a statement compiled without this authorizer seeing it is
//! finalized and refused.
//!
//! Statements are cached per connection between calls ([`StatementCache`]): a statement the
//! call finalizes, or leaves open, is reset, its bindings cleared, and kept under its SQL
//! text for the next `prepare` of the same text, which then skips compiling (most of a short
//! query's cost). The rules above still hold: a cached statement is handed out under a new
//! number each call, so one kept past its call still fails; it was compiled under the
//! authorizer; and when SQLite recompiles it (the schema changed, or the program installed
//! an authorizer, which expires every statement) `step` refuses it unless the authorizer saw
//! the recompilation. A connection refuses to close while any statement lives, so statements
//! are cached only while a table of one of the bridge's modules is connected on it, and the
//! cache is emptied whenever such a table is disconnected: SQLite disconnects every virtual
//! table as it starts closing a connection, before it checks for statements.

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};

use libsqlite3_sys as ffi;
use sqlink_rules::ids::{IdMap, id_map};

use crate::trampolines::errmsg;
use crate::{SqlError, Value};

thread_local! {
    /// Set while an extension's SQL is compiled or run on this thread: the authorizer's
    /// refusals apply only then. SQLite calls the authorizer on the thread that compiles.
    static EXTENSION_SQL: Cell<bool> = const { Cell::new(false) };
    /// Set by the authorizer whenever it is consulted for an extension's SQL.
    static CONSULTED: Cell<bool> = const { Cell::new(false) };
    /// Set when one of the bridge's modules plans a scan for an extension's SQL: such a
    /// statement holds that table, which must stay free to be disconnected, so it is not cached.
    static PLANNED_MODULE: Cell<bool> = const { Cell::new(false) };
    /// The tables (database, name) an extension's statement being compiled inserts into:
    /// an INSERT into a virtual table holds it without planning a scan of it.
    static INSERTS: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A bridge module's table is planning a scan (xBestIndex).
pub(crate) fn planning_module_table() {
    if EXTENSION_SQL.with(Cell::get) {
        PLANNED_MODULE.with(|c| c.set(true));
    }
}

/// Statements kept at most per connection (the least recently kept go first).
const CACHED_PER_CONNECTION: usize = 64;

/// One connection's idle statements by SQL text, and how many of the bridge's module
/// tables are connected on it.
struct StatementCache {
    db: usize,
    tables: usize,
    /// Oldest first; each statement reset, its bindings cleared.
    idle: Vec<(String, usize)>,
}

/// The caches of the connections with a module table. A handful of connections per process,
/// so a list. The lock is never held while SQLite runs: finalizing a statement can
/// disconnect a table, which takes it again.
static CACHES: std::sync::Mutex<Vec<StatementCache>> = std::sync::Mutex::new(Vec::new());

fn caches() -> std::sync::MutexGuard<'static, Vec<StatementCache>> {
    CACHES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A table of one of the bridge's modules was connected on `db`.
pub(crate) fn module_table_connected(db: *mut ffi::sqlite3) {
    let mut caches = caches();
    match caches.iter_mut().find(|c| c.db == db as usize) {
        Some(cache) => cache.tables += 1,
        None => caches.push(StatementCache { db: db as usize, tables: 1, idle: Vec::new() }),
    }
}

/// A table of one of the bridge's modules on `db` is being disconnected or destroyed: every
/// cached statement of `db` is finalized (the connection may be closing).
pub(crate) fn module_table_disconnected(db: *mut ffi::sqlite3) {
    let idle = {
        let mut caches = caches();
        let Some(at) = caches.iter().position(|c| c.db == db as usize) else { return };
        let cache = &mut caches[at];
        cache.tables = cache.tables.saturating_sub(1);
        let idle = std::mem::take(&mut cache.idle);
        if cache.tables == 0 {
            caches.swap_remove(at);
        }
        idle
    };
    for (_, stmt) in idle {
        // SAFETY: an idle cached statement belongs to no call and is finalized once (taken
        // out of the cache first).
        unsafe { ffi::sqlite3_finalize(stmt as *mut ffi::sqlite3_stmt) };
    }
}

/// An idle statement of `db` compiled from `sql`, if one is cached.
fn take_cached(db: *mut ffi::sqlite3, sql: &str) -> Option<*mut ffi::sqlite3_stmt> {
    let mut caches = caches();
    let cache = caches.iter_mut().find(|c| c.db == db as usize)?;
    let at = cache.idle.iter().rposition(|(text, _)| text == sql)?;
    Some(cache.idle.remove(at).1 as *mut ffi::sqlite3_stmt)
}

/// How many times SQLite has recompiled `stmt`.
///
/// # Safety
/// `stmt` must be a live statement.
unsafe fn recompilations(stmt: *mut ffi::sqlite3_stmt) -> c_int {
    // SAFETY: per the contract.
    unsafe { ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0) }
}

/// The functions an extension's SQL may not call: they load or unload extensions, which
/// would change its own sandbox.
const REFUSED_FUNCTIONS: &[&str] = &["load_extension", "sqlink_load", "sqlink_unload"];

/// Install the sandbox's authorizer on `db` (once per connection, before the first extension
/// that imports `connection` runs). Outside an extension's SQL it allows everything.
///
/// # Safety
/// `db` must be an open connection.
pub unsafe fn install_authorizer(db: *mut ffi::sqlite3) -> Result<(), SqlError> {
    // SAFETY: `db` is open (the contract); the callback takes no data pointer, so nothing
    // it uses can dangle however long SQLite keeps it.
    let rc = unsafe { ffi::sqlite3_set_authorizer(db, Some(authorize), std::ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        return Err(SqlError::new(rc, "cannot install the sandbox's authorizer"));
    }
    Ok(())
}

/// The sandbox's authorizer itself, for a host that installs an authorizer of its own and
/// must refuse what the sandbox refuses too (the REPL's safe mode): SQLITE_DENY or SQLITE_OK.
/// It ignores `data`.
///
/// # Safety
/// SQLite's authorizer arguments: null or NUL-terminated strings valid for the call.
pub unsafe extern "C" fn sandbox_authorizer(
    data: *mut c_void,
    action: c_int,
    arg1: *const c_char,
    arg2: *const c_char,
    database: *const c_char,
    trigger: *const c_char,
) -> c_int {
    // SAFETY: the same contract.
    unsafe { authorize(data, action, arg1, arg2, database, trigger) }
}

/// The error code with which a host's dispatch function says that the extension's call has
/// started but waits for a request to be run first (`sqlink:wasm/dispatch`'s `resume`). No
/// SQLite result code is negative.
pub const REQUEST_PENDING: i32 = -1;

unsafe extern "C" fn authorize(
    _data: *mut c_void,
    action: c_int,
    arg1: *const c_char,
    arg2: *const c_char,
    database: *const c_char,
    _trigger: *const c_char,
) -> c_int {
    if !EXTENSION_SQL.with(Cell::get) {
        return ffi::SQLITE_OK;
    }
    CONSULTED.with(|c| c.set(true));
    match action {
        ffi::SQLITE_ATTACH | ffi::SQLITE_DETACH => ffi::SQLITE_DENY,
        ffi::SQLITE_INSERT => {
            // SAFETY: for SQLITE_INSERT SQLite passes the table's and its database's names,
            // NUL-terminated strings valid during the callback (or null).
            let target = unsafe { (text(database), text(arg1)) };
            INSERTS.with(|inserts| inserts.borrow_mut().push(target));
            ffi::SQLITE_OK
        }
        ffi::SQLITE_FUNCTION => {
            // SAFETY: for SQLITE_FUNCTION SQLite passes the function's name as the second
            // argument, a NUL-terminated string valid during the callback (or null).
            let name = unsafe { text(arg2) };
            let refused = REFUSED_FUNCTIONS.iter().any(|f| name.eq_ignore_ascii_case(f));
            if refused { ffi::SQLITE_DENY } else { ffi::SQLITE_OK }
        }
        _ => ffi::SQLITE_OK,
    }
}

/// # Safety
/// `ptr` must be null or a NUL-terminated string valid for the call.
unsafe fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: per the contract.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

/// Marks this thread's SQLite work as the extension's while it lives.
struct ExtensionSqlScope;

impl ExtensionSqlScope {
    fn enter() -> Self {
        EXTENSION_SQL.with(|c| c.set(true));
        ExtensionSqlScope
    }
}

impl Drop for ExtensionSqlScope {
    fn drop(&mut self) {
        EXTENSION_SQL.with(|c| c.set(false));
    }
}

/// Why an extension's SQL fails that is not SQLite's own error.
fn refused(message: impl Into<String>) -> SqlError {
    SqlError::new(ffi::SQLITE_ERROR, message)
}

/// The SQL of one extension call, on the connection that called it.
pub struct CallSql {
    db: *mut ffi::sqlite3,
    statements: IdMap<u64, Open>,
}

/// A statement of the call.
struct Open {
    stmt: *mut ffi::sqlite3_stmt,
    /// Its SQL text when it may be cached after the call.
    key: Option<String>,
    /// SQLite's count of its recompilations when the authorizer last saw it compiled.
    recompiled: c_int,
}

// SAFETY: SQLite lets any thread use a connection and its statements (serialized or
// multi-thread mode, one thread at a time); a `CallSql` is used by the one thread running
// the extension call that owns it.
unsafe impl Send for CallSql {}

/// Numbers of statements are unique for the life of the process, so one kept from an
/// earlier call never names a statement of a later one.
static NEXT_STATEMENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl CallSql {
    /// The SQL of a call now running on `db`.
    ///
    /// # Safety
    /// `db` must be the open connection whose callback is running, and stay open until this
    /// value is dropped (the call ends first).
    pub unsafe fn new(db: *mut ffi::sqlite3) -> CallSql {
        CallSql { db, statements: id_map() }
    }

    /// The connection, e.g. to interrupt it from another thread past the call's deadline.
    pub fn db(&self) -> *mut ffi::sqlite3 {
        self.db
    }

    fn error(&self, rc: c_int) -> SqlError {
        // SAFETY: `db` is open (the contract of `new`).
        SqlError::new(rc & 0xff, unsafe { errmsg(self.db) })
    }

    fn statement(&self, id: u64) -> Result<*mut ffi::sqlite3_stmt, SqlError> {
        self.statements
            .get(&id)
            .map(|open| open.stmt)
            .ok_or_else(|| refused("the statement was finalized: a statement lives only during the call that prepared it"))
    }

    /// Compile the first statement of `sql`; its number.
    pub fn prepare(&mut self, sql: &str) -> Result<u64, SqlError> {
        if let Some(stmt) = take_cached(self.db, sql) {
            // SAFETY: a cached statement is live and now this call's.
            let recompiled = unsafe { recompilations(stmt) };
            return Ok(self.open(Open { stmt, key: Some(sql.to_owned()), recompiled }));
        }
        let c_sql = CString::new(sql).map_err(|_| refused("the SQL contains a NUL character"))?;
        let mut stmt = std::ptr::null_mut();
        let scope = ExtensionSqlScope::enter();
        CONSULTED.with(|c| c.set(false));
        PLANNED_MODULE.with(|c| c.set(false));
        INSERTS.with(|inserts| inserts.borrow_mut().clear());
        // SAFETY: `db` is open; `c_sql` is NUL-terminated and outlives the call; `stmt`
        // receives a statement this value then owns.
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.db, c_sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        let consulted = CONSULTED.with(Cell::get);
        drop(scope);
        if rc != ffi::SQLITE_OK {
            let error = self.error(rc);
            if error.message.contains("not authorized") {
                return Err(refused(format!("{}: an extension's SQL may not ATTACH, DETACH or load extensions", error.message)));
            }
            return Err(error);
        }
        if stmt.is_null() {
            return Err(refused("the SQL holds no statement"));
        }
        if !consulted {
            // SAFETY: `stmt` was just prepared and is finalized once.
            unsafe { ffi::sqlite3_finalize(stmt) };
            return Err(refused(
                "sqlink cannot check this statement (the program replaced sqlink's authorizer on this connection, or SQLite does not let an authorizer see it), so an extension may not run it",
            ));
        }
        let inserts = INSERTS.with(|inserts| std::mem::take(&mut *inserts.borrow_mut()));
        let holds_a_table = PLANNED_MODULE.with(Cell::get) || inserts.iter().any(|(database, table)| self.is_virtual(database, table));
        let key = (!holds_a_table).then(|| sql.to_owned());
        // SAFETY: `stmt` was just prepared.
        let recompiled = unsafe { recompilations(stmt) };
        Ok(self.open(Open { stmt, key, recompiled }))
    }

    /// Whether `database`.`table` is a virtual table (asked only when a statement is compiled;
    /// an error counts as yes, which only keeps the statement out of the cache).
    fn is_virtual(&self, database: &str, table: &str) -> bool {
        const SQL: &CStr = c"SELECT 1 FROM pragma_table_list WHERE schema = ?1 AND name = ?2 AND type = 'virtual'";
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is open; the SQL is NUL-terminated and static; the statement is
        // finalized before returning; the bound texts are copied (SQLITE_TRANSIENT).
        unsafe {
            if ffi::sqlite3_prepare_v2(self.db, SQL.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) != ffi::SQLITE_OK {
                ffi::sqlite3_finalize(stmt);
                return true;
            }
            bind_text(stmt, 1, database);
            bind_text(stmt, 2, table);
            let rc = ffi::sqlite3_step(stmt);
            ffi::sqlite3_finalize(stmt);
            rc != ffi::SQLITE_DONE
        }
    }

    fn open(&mut self, open: Open) -> u64 {
        let id = NEXT_STATEMENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.statements.insert(id, open);
        id
    }

    /// Bind parameter `index` (1 is the first).
    pub fn bind(&mut self, id: u64, index: u32, value: &Value) -> Result<(), SqlError> {
        let stmt = self.statement(id)?;
        let index = c_int::try_from(index).map_err(|_| SqlError::new(ffi::SQLITE_RANGE, "column index out of range"))?;
        // SAFETY: `stmt` is a live statement of this call; SQLITE_TRANSIENT makes SQLite copy
        // text and blobs before the call returns.
        let rc = unsafe {
            match value {
                Value::Null => ffi::sqlite3_bind_null(stmt, index),
                Value::Integer(i) => ffi::sqlite3_bind_int64(stmt, index, *i),
                Value::Real(r) => ffi::sqlite3_bind_double(stmt, index, *r),
                Value::Text(t) => bind_text(stmt, index, t),
                Value::Blob(b) => ffi::sqlite3_bind_blob64(stmt, index, b.as_ptr().cast(), b.len() as u64, ffi::SQLITE_TRANSIENT()),
            }
        };
        if rc != ffi::SQLITE_OK { Err(self.error(rc)) } else { Ok(()) }
    }

    /// Run to the next row: its values, or `None` when the statement is done.
    pub fn step(&mut self, id: u64) -> Result<Option<Vec<Value>>, SqlError> {
        let stmt = self.statement(id)?;
        let scope = ExtensionSqlScope::enter();
        CONSULTED.with(|c| c.set(false));
        // SAFETY: `stmt` is a live statement of this call.
        let rc = unsafe { ffi::sqlite3_step(stmt) };
        drop(scope);
        // SAFETY: as above.
        let recompiled = unsafe { recompilations(stmt) };
        if let Some(open) = self.statements.get_mut(&id)
            && open.recompiled != recompiled
        {
            if !CONSULTED.with(Cell::get) {
                self.finalize_now(id);
                return Err(refused(
                    "sqlink cannot check this statement (SQLite recompiled it without sqlink's authorizer: the program replaced it on this connection), so an extension may not run it",
                ));
            }
            open.recompiled = recompiled;
        }
        match rc {
            ffi::SQLITE_DONE => Ok(None),
            // SAFETY: the statement has a row; its values are copied at once.
            ffi::SQLITE_ROW => Ok(Some(unsafe { row(stmt) })),
            _ => Err(self.error(rc)),
        }
    }

    /// Back to the start, keeping the bindings.
    pub fn reset(&mut self, id: u64) -> Result<(), SqlError> {
        let stmt = self.statement(id)?;
        // SAFETY: `stmt` is a live statement of this call. Its last step's error is reported
        // by that step; reset itself cannot fail otherwise.
        unsafe { ffi::sqlite3_reset(stmt) };
        Ok(())
    }

    pub fn column_names(&self, id: u64) -> Result<Vec<String>, SqlError> {
        let stmt = self.statement(id)?;
        // SAFETY: `stmt` is a live statement of this call; the names are copied at once.
        unsafe {
            let count = ffi::sqlite3_column_count(stmt);
            Ok((0..count).map(|i| text(ffi::sqlite3_column_name(stmt, i))).collect())
        }
    }

    /// The statement is no longer needed: cached for a later call if it may be.
    pub fn finalize(&mut self, id: u64) {
        if let Some(open) = self.statements.remove(&id) {
            // SAFETY: `open` was this call's (removed first, so released once).
            unsafe { release(self.db, open) };
        }
    }

    /// Finalize the statement, never caching it.
    fn finalize_now(&mut self, id: u64) {
        if let Some(open) = self.statements.remove(&id) {
            // SAFETY: `open.stmt` was this call's and is finalized once (removed first).
            unsafe { ffi::sqlite3_finalize(open.stmt) };
        }
    }

    /// Compile the first statement of `sql`, bind `params` in order, and run it to the end.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, SqlError> {
        let id = self.prepare(sql)?;
        let result = (|| {
            for (index, value) in (1..).zip(params) {
                self.bind(id, index, value)?;
            }
            let mut rows = Vec::new();
            while let Some(row) = self.step(id)? {
                rows.push(row);
            }
            Ok(rows)
        })();
        self.finalize(id);
        result
    }

    pub fn changes(&self) -> i64 {
        // SAFETY: `db` is open (the contract of `new`).
        unsafe { ffi::sqlite3_changes64(self.db) }
    }

    pub fn last_insert_rowid(&self) -> i64 {
        // SAFETY: `db` is open (the contract of `new`).
        unsafe { ffi::sqlite3_last_insert_rowid(self.db) }
    }
}

impl Drop for CallSql {
    /// The call ended: what it left open is finalized.
    fn drop(&mut self) {
        for (_, open) in self.statements.drain() {
            // SAFETY: each was this call's and is released once.
            unsafe { release(self.db, open) };
        }
    }
}

/// A statement its call is done with: reset (also one stopped mid-scan, which so stops
/// reading), its bindings cleared and cached, or finalized if it failed, may not be cached,
/// or `db` has no module table connected (no disconnect would empty the cache before a close).
///
/// # Safety
/// `open.stmt` must be a live statement of `db` that no call uses any more.
unsafe fn release(db: *mut ffi::sqlite3, open: Open) {
    // SAFETY: per the contract. Reset reports the last step's error again: a statement that
    // failed is not kept.
    let ok = unsafe { ffi::sqlite3_reset(open.stmt) == ffi::SQLITE_OK && ffi::sqlite3_clear_bindings(open.stmt) == ffi::SQLITE_OK };
    let mut finalize = vec![open.stmt];
    if ok && let Some(key) = open.key {
        let mut caches = caches();
        if let Some(cache) = caches.iter_mut().find(|c| c.db == db as usize) {
            finalize.clear();
            cache.idle.push((key, open.stmt as usize));
            if cache.idle.len() > CACHED_PER_CONNECTION {
                finalize.push(cache.idle.remove(0).1 as *mut ffi::sqlite3_stmt);
            }
        }
    }
    for stmt in finalize {
        // SAFETY: each is out of every call and of the cache, finalized once; outside the
        // cache's lock (finalizing may disconnect a table).
        unsafe { ffi::sqlite3_finalize(stmt) };
    }
}

/// Bind `text` to parameter `index` of `stmt`, copied by SQLite (SQLITE_TRANSIENT).
///
/// # Safety
/// `stmt` must be a live statement.
unsafe fn bind_text(stmt: *mut ffi::sqlite3_stmt, index: c_int, text: &str) -> c_int {
    // SAFETY: per the contract; SQLite copies the bytes before returning.
    unsafe {
        ffi::sqlite3_bind_text64(stmt, index, text.as_ptr().cast(), text.len() as u64, ffi::SQLITE_TRANSIENT(), ffi::SQLITE_UTF8 as u8)
    }
}

/// # Safety
/// `stmt` must have a current row.
unsafe fn row(stmt: *mut ffi::sqlite3_stmt) -> Vec<Value> {
    // SAFETY: per the contract; text and blob pointers are valid until the next step and are
    // copied at once, their length read after them as SQLite documents.
    unsafe {
        (0..ffi::sqlite3_column_count(stmt))
            .map(|i| match ffi::sqlite3_column_type(stmt, i) {
                ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(stmt, i)),
                ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(stmt, i)),
                ffi::SQLITE_TEXT => {
                    let ptr = ffi::sqlite3_column_text(stmt, i);
                    let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
                    let bytes = if ptr.is_null() || len == 0 { &[][..] } else { std::slice::from_raw_parts(ptr, len) };
                    Value::Text(String::from_utf8_lossy(bytes).into_owned())
                }
                ffi::SQLITE_BLOB => {
                    let ptr = ffi::sqlite3_column_blob(stmt, i);
                    let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
                    let bytes = if ptr.is_null() || len == 0 { &[][..] } else { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
                    Value::Blob(bytes.to_vec())
                }
                _ => Value::Null,
            })
            .collect()
    }
}
