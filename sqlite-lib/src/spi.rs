//! `sqlink:wasm/spi`: connections and statements over the C API.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};

use libsqlite3_sys as ffi;

use crate::SqliteLib;
use crate::bindings::exports::sqlink::wasm::spi::{self, Page, Prepared, RawText, TraceEvent, TraceKind};
use crate::bindings::sqlite::extension::types::{Error, ValueResult as Value};
use crate::bridge::BRIDGE;

impl spi::Guest for SqliteLib {
    type Connection = Connection;
    type Statement = Statement;

    fn is_complete(sql: Vec<u8>) -> bool {
        // SQL cannot contain NUL; what comes before one decides.
        let end = sql.iter().position(|&b| b == 0).unwrap_or(sql.len());
        let Ok(sql) = CString::new(&sql[..end]) else { return false };
        // SAFETY: `sql` is NUL-terminated and outlives the call.
        unsafe { ffi::sqlite3_complete(sql.as_ptr()) != 0 }
    }

    fn format_real(r: f64) -> String {
        // The same format SQLite uses to turn a REAL into TEXT (vdbeMemRenderNum).
        printf_real(c"%!.17g", r).unwrap_or_else(|| r.to_string())
    }

    fn sql_real(r: f64) -> String {
        if r == f64::INFINITY {
            return String::from("1e999");
        }
        if r == f64::NEG_INFINITY {
            return String::from("-1e999");
        }
        // As shell.c: an integral value keeps ".0"; the rest gets 20 digits, which read back
        // to the same double.
        let integral = r as i64;
        if r == integral as f64 {
            return format!("{integral}.0");
        }
        printf_real(c"%!.20g", r).unwrap_or_else(|| r.to_string())
    }

    fn sql_identifier(name: String) -> String {
        let plain = sqlink_rules::metadata::is_identifier(&name);
        let len = c_int::try_from(name.len()).unwrap_or(c_int::MAX);
        // SAFETY: `name` is valid for `len` bytes for the duration of the call.
        let keyword = plain && unsafe { ffi::sqlite3_keyword_check(name.as_ptr().cast(), len) } != 0;
        if plain && !keyword { name } else { format!("\"{}\"", name.replace('"', "\"\"")) }
    }

    fn sqlite_version() -> String {
        // SAFETY: sqlite3_libversion returns a static NUL-terminated string.
        unsafe { copied(ffi::sqlite3_libversion()) }
    }

    fn sqlite_source_id() -> String {
        // SAFETY: sqlite3_sourceid returns a static NUL-terminated string.
        unsafe { copied(ffi::sqlite3_sourceid()) }
    }
}

/// A copy of a string SQLite returned; empty for null.
///
/// # Safety
/// `text` must be null or a NUL-terminated string that stays valid during the call.
unsafe fn copied(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null, so NUL-terminated and valid (the contract); copied at once.
    unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()
}

/// `r` through SQLite's own printf with `format` (one double conversion).
fn printf_real(format: &CStr, r: f64) -> Option<String> {
    // SAFETY: `format` holds exactly one double conversion, matched by `r`; the result is
    // a NUL-terminated string from SQLite's allocator, freed here after copying.
    unsafe {
        let text = ffi::sqlite3_mprintf(format.as_ptr(), r);
        if text.is_null() {
            return None;
        }
        let out = CStr::from_ptr(text).to_string_lossy().into_owned();
        ffi::sqlite3_free(text.cast());
        Some(out)
    }
}

/// An open connection. Invariant: `db` comes from a successful sqlite3_open_v2 in `open`
/// and is closed only in `drop`, so it is open for the life of the value (and the runtime
/// is single-threaded, so nothing uses it concurrently).
pub struct Connection {
    db: *mut ffi::sqlite3,
    /// Safe mode's last refusal. Boxed: SQLite's authorizer holds its address while
    /// safe mode is on.
    refusal: Box<std::cell::RefCell<Option<String>>>,
}

/// Functions safe mode refuses, as the sqlite3 shell 3.40 lists them: they reach files or
/// load code.
const UNSAFE_FUNCTIONS: &[&str] = &["edit", "fts3_tokenizer", "load_extension", "readfile", "writefile", "zipfile", "zipfile_cds"];

/// Safe mode's authorizer: denies ATTACH and the functions above, and notes why in the
/// connection's `refusal` (`data`).
unsafe extern "C" fn safe_mode_authorizer(
    data: *mut std::ffi::c_void,
    action: c_int,
    arg1: *const c_char,
    name: *const c_char,
    database: *const c_char,
    trigger: *const c_char,
) -> c_int {
    // SAFETY: SQLite's arguments, passed on as they came.
    if unsafe { sqlink_dispatch_bridge::sandbox_authorizer(data, action, arg1, name, database, trigger) } != ffi::SQLITE_OK {
        return ffi::SQLITE_DENY;
    }
    let refusal = match action {
        ffi::SQLITE_ATTACH => Some(String::from("cannot run ATTACH in safe mode")),
        ffi::SQLITE_FUNCTION if !name.is_null() => {
            // SAFETY: SQLite passes the function's name NUL-terminated for SQLITE_FUNCTION.
            let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
            UNSAFE_FUNCTIONS.iter().find(|f| f.eq_ignore_ascii_case(&name)).map(|f| format!("cannot use the {f}() function in safe mode"))
        }
        _ => None,
    };
    match refusal {
        Some(message) => {
            // SAFETY: `data` is the address of the connection's boxed `refusal`, installed by
            // `set_safe_mode` and removed before the connection (and the box) goes away.
            let slot = unsafe { &*data.cast::<std::cell::RefCell<Option<String>>>() };
            *slot.borrow_mut() = Some(message);
            ffi::SQLITE_DENY
        }
        None => ffi::SQLITE_OK,
    }
}

/// A prepared statement. Invariant: `stmt` comes from a successful sqlite3_prepare_v2 on
/// `db` and is finalized only in `drop`; `db` stays usable until then, since
/// sqlite3_close_v2 keeps a connection (as a zombie) while it has statements.
pub struct Statement {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    done: Cell<bool>,
}

// In the amalgamation, but missing from libsqlite3-sys's pregenerated wasm bindings.
unsafe extern "C" {
    fn sqlite3_close_v2(db: *mut ffi::sqlite3) -> c_int;
    fn sqlite3_serialize(db: *mut ffi::sqlite3, schema: *const c_char, size: *mut i64, flags: u32) -> *mut u8;
    fn sqlite3_deserialize(db: *mut ffi::sqlite3, schema: *const c_char, data: *mut u8, size: i64, capacity: i64, flags: u32) -> c_int;
    fn sqlite3_db_readonly(db: *mut ffi::sqlite3, schema: *const c_char) -> c_int;
    fn sqlite3_backup_init(
        dest: *mut ffi::sqlite3,
        dest_schema: *const c_char,
        source: *mut ffi::sqlite3,
        source_schema: *const c_char,
    ) -> *mut ffi::sqlite3_backup;
    fn sqlite3_backup_step(backup: *mut ffi::sqlite3_backup, pages: c_int) -> c_int;
    fn sqlite3_backup_finish(backup: *mut ffi::sqlite3_backup) -> c_int;
}

/// The append VFS's name (SQLite's `ext/misc/appendvfs.c`, registered by `shell_builtins`).
const APPEND_VFS: &CStr = c"apndvfs";

/// Pages copied per backup step, as the sqlite3 shell copies them.
const BACKUP_STEP_PAGES: c_int = 100;

/// How often, and how long, a restore waits for a busy source before giving up (the shell's
/// three tries, 100 ms apart).
const RESTORE_BUSY_TRIES: u32 = 3;
const RESTORE_BUSY_SLEEP_MS: c_int = 100;

const SQLITE_DESERIALIZE_FREEONCLOSE: u32 = 1;
const SQLITE_DESERIALIZE_RESIZEABLE: u32 = 2;

/// VM steps between two questions to the host whether to interrupt: often enough that
/// Ctrl-C stops a statement at once, rarely enough not to show in a scan.
const PROGRESS_STEPS: c_int = 10_000;

/// SQLite's progress handler: a nonzero answer stops the statement with SQLITE_INTERRUPT.
unsafe extern "C" fn interrupt_requested(_: *mut std::ffi::c_void) -> c_int {
    c_int::from(crate::bindings::sqlink::wasm::interrupt::pending())
}

fn error(code: c_int, message: impl Into<String>) -> Error {
    Error { code, message: message.into() }
}

/// The error `db` reports for its last failed call.
///
/// # Safety
/// `db` must be a connection handle SQLite gave (open, or from a failed open, not yet closed).
unsafe fn db_error(db: *mut ffi::sqlite3) -> Error {
    // SAFETY: `db` is a live handle (the contract); the message is copied at once, before
    // any further call on `db` could change it.
    unsafe {
        let code = ffi::sqlite3_extended_errcode(db);
        let message = copied(ffi::sqlite3_errmsg(db));
        if code == ffi::SQLITE_CANTOPEN
            && let Some(path) = wal_mode_database(db)
        {
            return error(
                code,
                format!(
                    "{path} is in WAL mode, which needs memory shared between processes that this host does not give (sqlink has it natively, not in a page); open it alone with PRAGMA locking_mode=EXCLUSIVE, or convert it first with: sqlite3 {path} 'PRAGMA journal_mode=DELETE'"
                ),
            );
        }
        error(code, message)
    }
}

/// The main database's path when its header says WAL mode (bytes 18 and 19 are 2). SQLite
/// reports such a file as "unable to open database file" when WAL is unavailable (the host
/// gives the VFS no shared memory: a page); the user should hear why.
///
/// # Safety
/// `db` must be a live connection handle.
unsafe fn wal_mode_database(db: *mut ffi::sqlite3) -> Option<String> {
    // SAFETY: `db` is live (the contract) and the schema name is NUL-terminated.
    let name = unsafe { ffi::sqlite3_db_filename(db, c"main".as_ptr()) };
    if name.is_null() {
        return None;
    }
    // SAFETY: a non-null filename is NUL-terminated and lives as long as the connection.
    let path = unsafe { CStr::from_ptr(name) }.to_str().ok()?.to_owned();
    let header: [u8; 20] = crate::vfs::read_start(&path)?;
    (header[18] == 2 && header[19] == 2).then_some(path)
}

/// A connection of SQLite's own (not attached to the bridge) on the database file at `path`,
/// through the VFS named `vfs` (the default, ours, when None). Closed on drop.
struct RawConnection(*mut ffi::sqlite3);

impl RawConnection {
    fn open(path: &str, flags: c_int, vfs: Option<&CStr>) -> Result<RawConnection, Error> {
        crate::shell_builtins::install();
        let path = if path.is_empty() { ":memory:" } else { path };
        let c_path = CString::new(path).map_err(|_| error(ffi::SQLITE_CANTOPEN, "path contains a NUL byte"))?;
        let mut db = std::ptr::null_mut();
        let vfs = vfs.map_or(std::ptr::null(), CStr::as_ptr);
        // SAFETY: `c_path` and `vfs` (null: the default VFS, ours) are NUL-terminated; `db`
        // receives the handle (null only when SQLite could not allocate one).
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut db, flags, vfs) };
        let conn = RawConnection(db);
        if rc != ffi::SQLITE_OK {
            // SAFETY: a non-null handle from a failed open holds its error until closed (by
            // `conn`'s drop).
            return Err(if db.is_null() { error(rc, "out of memory") } else { unsafe { db_error(db) } });
        }
        Ok(conn)
    }

    /// Hand the handle over: the caller closes it.
    fn into_raw(self) -> *mut ffi::sqlite3 {
        let db = self.0;
        std::mem::forget(self);
        db
    }
}

impl Drop for RawConnection {
    fn drop(&mut self) {
        // SAFETY: the handle came from sqlite3_open_v2 (closing null is a no-op) and is used
        // no more; close_v2 defers to its last statement.
        unsafe { sqlite3_close_v2(self.0) };
    }
}

/// Copy `source_schema` of `source` over `dest_schema` of `dest` with SQLite's backup API,
/// as the sqlite3 shell does it (100 pages a step). With `busy_tries`, a busy source is
/// waited for that many times before giving up. Errors are `dest`'s.
///
/// # Safety
/// `dest` and `source` must be open connection handles.
unsafe fn copy_database(
    dest: *mut ffi::sqlite3,
    dest_schema: &str,
    source: *mut ffi::sqlite3,
    source_schema: &str,
    busy_tries: u32,
) -> Result<(), spi::CopyError> {
    let nul = |_| spi::CopyError::Failed(String::from("schema name contains a NUL byte"));
    let (dest_schema, source_schema) = (CString::new(dest_schema).map_err(nul)?, CString::new(source_schema).map_err(nul)?);
    // SAFETY: both handles are open (the contract); the names are NUL-terminated.
    let backup = unsafe { sqlite3_backup_init(dest, dest_schema.as_ptr(), source, source_schema.as_ptr()) };
    if backup.is_null() {
        // SAFETY: `dest` is open; its message says why the backup could not start.
        return Err(spi::CopyError::Failed(unsafe { db_error(dest) }.message));
    }
    let mut tries = 0;
    let rc = loop {
        // SAFETY: `backup` is live until finished below.
        match unsafe { sqlite3_backup_step(backup, BACKUP_STEP_PAGES) } {
            ffi::SQLITE_OK => {}
            ffi::SQLITE_BUSY if tries < busy_tries => {
                tries += 1;
                // SAFETY: sqlite3_sleep has no preconditions.
                unsafe { ffi::sqlite3_sleep(RESTORE_BUSY_SLEEP_MS) };
            }
            rc => break rc,
        }
    };
    // SAFETY: `backup` is live and used no more.
    unsafe { sqlite3_backup_finish(backup) };
    match rc & 0xff {
        ffi::SQLITE_DONE => Ok(()),
        ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED if busy_tries > 0 => Err(spi::CopyError::Busy),
        // SAFETY: `dest` is open; finish left the step's error on it.
        _ => Err(spi::CopyError::Failed(unsafe { db_error(dest) }.message)),
    }
}

thread_local! {
    /// Trace events since the last fetch took them: SQLite reports them during a step, and
    /// the fetch running that step places them between its rows. One runtime instance runs
    /// one call at a time, so every event belongs to the fetch under way.
    static TRACE_EVENTS: RefCell<Vec<(TraceKind, Vec<u8>, i64)>> = const { RefCell::new(Vec::new()) };
}

/// The `sqlite3_trace_v2` callback: keeps the event, with the statement's SQL as the sqlite3
/// shell shows it. A non-null `context` asks for the SQL with its parameters' values.
unsafe extern "C" fn trace_event(kind: c_uint, context: *mut c_void, statement: *mut c_void, detail: *mut c_void) -> c_int {
    let statement = statement.cast::<ffi::sqlite3_stmt>();
    let kind = match kind {
        ffi::SQLITE_TRACE_STMT => TraceKind::Statement,
        ffi::SQLITE_TRACE_ROW => TraceKind::Row,
        ffi::SQLITE_TRACE_PROFILE => TraceKind::Profile,
        _ => return 0,
    };
    // SAFETY: for a statement event `detail` is the NUL-terminated SQL text SQLite ran (or a
    // trigger's "-- TRIGGER name"), valid during the call.
    let comment = (kind == TraceKind::Statement && !detail.is_null())
        .then(|| unsafe { CStr::from_ptr(detail.cast()) }.to_bytes())
        .filter(|text| text.starts_with(b"-"));
    let sql = match comment {
        Some(text) => text.to_vec(),
        None if !context.is_null() => {
            // SAFETY: `statement` is the live statement the event is about; the expanded text
            // is SQLite's allocation (or null), copied and then freed.
            unsafe {
                let text = ffi::sqlite3_expanded_sql(statement);
                if text.is_null() {
                    return 0;
                }
                let bytes = CStr::from_ptr(text).to_bytes().to_vec();
                ffi::sqlite3_free(text.cast());
                bytes
            }
        }
        None => {
            // SAFETY: `statement` is live; its SQL is null or NUL-terminated and lives as long as it.
            let text = unsafe { ffi::sqlite3_sql(statement) };
            if text.is_null() {
                return 0;
            }
            // SAFETY: as above.
            unsafe { CStr::from_ptr(text) }.to_bytes().to_vec()
        }
    };
    // SAFETY: for a profile event `detail` points to the run time in nanoseconds.
    let nanoseconds = if kind == TraceKind::Profile && !detail.is_null() { unsafe { *detail.cast::<i64>() } } else { 0 };
    TRACE_EVENTS.with(|events| events.borrow_mut().push((kind, sql, nanoseconds)));
    0
}

/// The trace events kept since the last call, placed after `before_row` rows of a page.
fn take_trace_events(before_row: usize, into: &mut Vec<TraceEvent>) {
    TRACE_EVENTS.with(|events| {
        into.extend(events.borrow_mut().drain(..).map(|(kind, sql, nanoseconds)| TraceEvent {
            kind,
            before_row: before_row as u32,
            sql,
            nanoseconds,
        }))
    });
}

impl spi::GuestConnection for Connection {
    fn open(path: String) -> Result<spi::Connection, Error> {
        Self::open_with(path, spi::OpenOptions { readonly: false, append: false })
    }

    fn open_with(path: String, options: spi::OpenOptions) -> Result<spi::Connection, Error> {
        let access = if options.readonly { ffi::SQLITE_OPEN_READONLY } else { ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE };
        let vfs = options.append.then_some(APPEND_VFS);
        let db = RawConnection::open(&path, access | ffi::SQLITE_OPEN_URI, vfs)?.into_raw();
        // SAFETY: `db` was just opened.
        unsafe { ffi::sqlite3_extended_result_codes(db, 1) };
        // SAFETY: `db` is the open connection; the handler takes no argument.
        unsafe { ffi::sqlite3_progress_handler(db, PROGRESS_STEPS, Some(interrupt_requested), std::ptr::null_mut()) };
        // SAFETY: `db` is open, and the Connection made below detaches it in `drop` before
        // closing it (or it is closed right here, never attached).
        if let Err(e) = BRIDGE.with(|bridge| unsafe { bridge.borrow_mut().attach(db) }) {
            // SAFETY: `db` is open and not attached; nothing uses it after this.
            unsafe { sqlite3_close_v2(db) };
            return Err(error(e.code, e.message));
        }
        // The sandbox of the SQL extensions run on it (it allows everything else).
        // SAFETY: `db` is open; the Connection made below removes it in `drop`.
        if let Err(e) = unsafe { sqlink_dispatch_bridge::install_authorizer(db) } {
            BRIDGE.with(|bridge| bridge.borrow_mut().detach(db));
            // SAFETY: `db` is open and detached; nothing uses it after this.
            unsafe { sqlite3_close_v2(db) };
            return Err(error(e.code, e.message));
        }
        Ok(spi::Connection::new(Connection { db, refusal: Box::default() }))
    }

    fn prepare(&self, sql: Vec<u8>) -> Result<Prepared, Error> {
        let mut stmt = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        // Compiling may call extensions (a virtual table's connect and best-index).
        let _calling = crate::requests::calling(self.db);
        let start = sql.as_ptr().cast::<c_char>();
        let len = c_int::try_from(sql.len()).map_err(|_| error(ffi::SQLITE_TOOBIG, "SQL text too long"))?;
        // SAFETY: `self.db` is open (Connection's invariant); `start` points to `len` bytes
        // of `sql`, which outlives the call; `tail` receives a pointer into those bytes.
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.db, start, len, &mut stmt, &mut tail) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: `self.db` is open (Connection's invariant).
            return Err(unsafe { db_error(self.db) });
        }
        let tail = if tail.is_null() { sql.len() } else { tail as usize - start as usize };
        let statement = (!stmt.is_null()).then(|| spi::Statement::new(Statement { stmt, db: self.db, done: Cell::new(false) }));
        Ok(Prepared { statement, tail: tail as u32 })
    }

    fn error_offset(&self) -> i32 {
        // SAFETY: `self.db` is open (Connection's invariant).
        unsafe { ffi::sqlite3_error_offset(self.db) }
    }

    fn changes(&self) -> i64 {
        // SAFETY: `self.db` is open (Connection's invariant).
        unsafe { ffi::sqlite3_changes64(self.db) }
    }

    fn total_changes(&self) -> i64 {
        // SAFETY: `self.db` is open (Connection's invariant).
        unsafe { ffi::sqlite3_total_changes64(self.db) }
    }

    fn last_insert_rowid(&self) -> i64 {
        // SAFETY: `self.db` is open (Connection's invariant).
        unsafe { ffi::sqlite3_last_insert_rowid(self.db) }
    }

    fn is_readonly(&self, schema: String) -> bool {
        let Ok(schema) = CString::new(schema) else { return false };
        // SAFETY: `self.db` is open (Connection's invariant); `schema` is NUL-terminated.
        unsafe { sqlite3_db_readonly(self.db, schema.as_ptr()) == 1 }
    }

    fn backup(&self, schema: String, path: String, options: spi::BackupOptions) -> Result<(), spi::CopyError> {
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        let dest = RawConnection::open(&path, flags, options.append.then_some(APPEND_VFS)).map_err(|_| spi::CopyError::CannotOpen)?;
        if options.unsynced {
            // As the shell's `--async`: best effort, a failure only costs the speed.
            let sql = c"PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF;";
            // SAFETY: `dest.0` is open; the SQL is NUL-terminated and needs no callback.
            unsafe { ffi::sqlite3_exec(dest.0, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) };
        }
        // SAFETY: `dest.0` and `self.db` (Connection's invariant) are open.
        unsafe { copy_database(dest.0, "main", self.db, &schema, 0) }
    }

    fn restore(&self, schema: String, path: String) -> Result<(), spi::CopyError> {
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        let source = RawConnection::open(&path, flags, None).map_err(|_| spi::CopyError::CannotOpen)?;
        // SAFETY: `self.db` (Connection's invariant) and `source.0` are open.
        unsafe { copy_database(self.db, &schema, source.0, "main", RESTORE_BUSY_TRIES) }
    }

    fn is_autocommit(&self) -> bool {
        // SAFETY: `self.db` is open (Connection's invariant).
        unsafe { ffi::sqlite3_get_autocommit(self.db) != 0 }
    }

    fn set_safe_mode(&self, on: bool) {
        let data: *const std::cell::RefCell<Option<String>> = &*self.refusal;
        // Off, the sandbox's authorizer alone stays; safe mode's consults it too.
        let callback = if on { safe_mode_authorizer } else { sqlink_dispatch_bridge::sandbox_authorizer };
        // SAFETY: `self.db` is open (Connection's invariant); `data` points into the box the
        // Connection owns, and the authorizer is removed in `drop` before the box is freed.
        unsafe { ffi::sqlite3_set_authorizer(self.db, Some(callback), data.cast_mut().cast()) };
    }

    fn column_collation(&self, table: String, column: String) -> Option<String> {
        let (table, column) = (CString::new(table).ok()?, CString::new(column).ok()?);
        let mut collation: *const c_char = std::ptr::null();
        // SAFETY: `self.db` is open (Connection's invariant); the names are NUL-terminated;
        // the outputs not wanted are null, which SQLite allows; `collation` points to text
        // SQLite keeps with the schema, copied at once.
        let rc = unsafe {
            ffi::sqlite3_table_column_metadata(
                self.db,
                c"main".as_ptr(),
                table.as_ptr(),
                column.as_ptr(),
                std::ptr::null_mut(),
                &mut collation,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        // SAFETY: on success `collation` is null or NUL-terminated (see above).
        (rc == ffi::SQLITE_OK && !collation.is_null()).then(|| unsafe { copied(collation) })
    }

    fn safe_mode_refusal(&self) -> Option<String> {
        self.refusal.borrow_mut().take()
    }

    fn set_trace(&self, trace: Option<spi::TraceOptions>) {
        let Some(trace) = trace else {
            // SAFETY: `self.db` is open (Connection's invariant); no callback stops tracing.
            unsafe { ffi::sqlite3_trace_v2(self.db, 0, None, std::ptr::null_mut()) };
            return;
        };
        let mut mask = 0;
        for (event, bit) in [
            (spi::TraceEvents::STATEMENT, ffi::SQLITE_TRACE_STMT),
            (spi::TraceEvents::ROW, ffi::SQLITE_TRACE_ROW),
            (spi::TraceEvents::PROFILE, ffi::SQLITE_TRACE_PROFILE),
        ] {
            if trace.events.bits() & event.bits() != 0 {
                mask |= bit;
            }
        }
        // The context is only a flag (never dereferenced): non-null asks for expanded SQL.
        let context = if trace.expanded { std::ptr::NonNull::<c_void>::dangling().as_ptr() } else { std::ptr::null_mut() };
        // SAFETY: `self.db` is open (Connection's invariant); the callback reads only what
        // SQLite passes it.
        unsafe { ffi::sqlite3_trace_v2(self.db, mask, Some(trace_event), context) };
    }

    fn take_trace(&self) -> Vec<TraceEvent> {
        let mut events = Vec::new();
        take_trace_events(0, &mut events);
        events
    }

    fn serialize(&self) -> Result<Vec<u8>, Error> {
        let mut size: i64 = 0;
        // SAFETY: `self.db` is open (Connection's invariant); the schema name is
        // NUL-terminated; flags 0 asks for a fresh copy that we own and free below.
        let data = unsafe { sqlite3_serialize(self.db, c"main".as_ptr(), &mut size, 0) };
        if data.is_null() {
            // A database with no pages yet serializes to nothing.
            return if size == 0 { Ok(Vec::new()) } else { Err(error(ffi::SQLITE_NOMEM, "out of memory")) };
        }
        let len = usize::try_from(size).unwrap_or(0);
        // SAFETY: a non-null result holds `size` bytes, copied here before it is freed.
        let image = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
        // SAFETY: the copy came from SQLite's allocator and is used no more.
        unsafe { ffi::sqlite3_free(data.cast()) };
        Ok(image)
    }

    fn deserialize(&self, image: Vec<u8>) -> Result<(), Error> {
        let size = i64::try_from(image.len()).map_err(|_| error(ffi::SQLITE_TOOBIG, "image too large"))?;
        // SQLite takes ownership of the buffer (FREEONCLOSE), so it must come from its allocator.
        // SAFETY: sqlite3_malloc64 has no preconditions; the result is checked for null.
        let data = unsafe { ffi::sqlite3_malloc64(image.len().max(1) as u64) }.cast::<u8>();
        if data.is_null() {
            return Err(error(ffi::SQLITE_NOMEM, "out of memory"));
        }
        // SAFETY: `data` is a fresh allocation of at least `image.len()` bytes.
        unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), data, image.len()) };
        let flags = SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE;
        // SAFETY: `self.db` is open (Connection's invariant); `data` holds `size` bytes from
        // SQLite's allocator, which SQLite now owns and frees (FREEONCLOSE, also on failure).
        let rc = unsafe { sqlite3_deserialize(self.db, c"main".as_ptr(), data, size, size, flags) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: `self.db` is open (Connection's invariant).
            return Err(unsafe { db_error(self.db) });
        }
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        BRIDGE.with(|bridge| bridge.borrow_mut().detach(self.db));
        // SAFETY: `self.db` is open; a statement still alive may be recompiled after the
        // close below, when `refusal` is gone, so safe mode's authorizer must go first.
        unsafe { ffi::sqlite3_set_authorizer(self.db, None, std::ptr::null_mut()) };
        // close_v2: statements still alive keep the connection until they are finalized.
        // SAFETY: `self.db` is open (Connection's invariant), detached above, and never used
        // through this Connection again.
        unsafe { sqlite3_close_v2(self.db) };
    }
}

/// Column `i` of the row `stmt` is on, copied; a text that is not UTF-8 also goes into `raw`
/// as its bytes, at `row`.
///
/// # Safety
/// `stmt` must be a live statement that has just returned SQLITE_ROW, and `i` one of its columns.
unsafe fn column_value(stmt: *mut ffi::sqlite3_stmt, i: c_int, row: u32, raw: &mut Vec<RawText>) -> Value {
    // SAFETY: `stmt` is on a row and `i` in range (the contract); the text and blob pointers
    // hold the lengths sqlite3_column_bytes gives (asked after them, as SQLite documents)
    // until the next step, and are copied at once.
    unsafe {
        match ffi::sqlite3_column_type(stmt, i) {
            ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(stmt, i)),
            ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(stmt, i)),
            ffi::SQLITE_TEXT => {
                let ptr = ffi::sqlite3_column_text(stmt, i);
                let len = ffi::sqlite3_column_bytes(stmt, i) as usize;
                let bytes = if ptr.is_null() || len == 0 { &[][..] } else { std::slice::from_raw_parts(ptr, len) };
                match String::from_utf8_lossy(bytes) {
                    Cow::Borrowed(text) => Value::Text(text.to_owned()),
                    Cow::Owned(lossy) => {
                        raw.push(RawText { row, column: i as u32, bytes: bytes.to_vec() });
                        Value::Text(lossy)
                    }
                }
            }
            ffi::SQLITE_BLOB => {
                let ptr = ffi::sqlite3_column_blob(stmt, i).cast::<u8>();
                let len = ffi::sqlite3_column_bytes(stmt, i) as usize;
                let bytes = if ptr.is_null() || len == 0 { &[][..] } else { std::slice::from_raw_parts(ptr, len) };
                Value::Blob(bytes.to_vec())
            }
            _ => Value::Null,
        }
    }
}

impl spi::GuestStatement for Statement {
    fn column_names(&self) -> Vec<String> {
        // SAFETY: `self.stmt` is live (Statement's invariant).
        let count = unsafe { ffi::sqlite3_column_count(self.stmt) };
        // SAFETY: `self.stmt` is live and `i` is one of its columns; a name is null (out of
        // memory) or NUL-terminated, valid until the statement changes, and copied at once.
        (0..count).map(|i| unsafe { copied(ffi::sqlite3_column_name(self.stmt, i)) }).collect()
    }

    fn sql(&self) -> String {
        // SAFETY: `self.stmt` is live (Statement's invariant); its SQL is null or a
        // NUL-terminated string that lives as long as the statement.
        unsafe { copied(ffi::sqlite3_sql(self.stmt)) }
    }

    fn fetch(&self, max_rows: u32) -> Result<Page, Error> {
        let (mut rows, mut raw_texts, mut trace) = (Vec::new(), Vec::new(), Vec::new());
        if self.done.get() {
            return Ok(Page { rows, done: true, raw_texts, trace });
        }
        crate::vfs::refresh_wal_indexes();
        let _calling = crate::requests::calling(self.db);
        // Events left from a statement that ended elsewhere (finalized early, failed with no
        // one asking) belong to no page.
        TRACE_EVENTS.with(|events| events.borrow_mut().clear());
        // SAFETY: `self.stmt` is live (Statement's invariant).
        let columns = unsafe { ffi::sqlite3_column_count(self.stmt) };
        while rows.len() < max_rows as usize {
            // SAFETY: `self.stmt` is live (Statement's invariant), and so is its connection.
            let rc = unsafe { ffi::sqlite3_step(self.stmt) };
            // What the step traced comes before the row it returned.
            take_trace_events(rows.len(), &mut trace);
            match rc {
                ffi::SQLITE_ROW => {
                    let row = rows.len() as u32;
                    // SAFETY: the step just returned SQLITE_ROW and `i` < the column count.
                    rows.push((0..columns).map(|i| unsafe { column_value(self.stmt, i, row, &mut raw_texts) }).collect());
                }
                ffi::SQLITE_DONE => {
                    self.done.set(true);
                    break;
                }
                _ => {
                    self.done.set(true);
                    // reset() returns the statement's error and leaves it reusable.
                    // SAFETY: `self.stmt` and its connection `self.db` are live (Statement's invariant).
                    unsafe { ffi::sqlite3_reset(self.stmt) };
                    // The failed fetch returns no page: its events wait for `take-trace`.
                    TRACE_EVENTS.with(|events| {
                        let kept = trace.into_iter().map(|event| (event.kind, event.sql, event.nanoseconds));
                        events.borrow_mut().splice(0..0, kept);
                    });
                    // SAFETY: as above.
                    return Err(unsafe { db_error(self.db) });
                }
            }
        }
        Ok(Page { rows, done: self.done.get(), raw_texts, trace })
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: `self.stmt` is live (Statement's invariant) and never used again.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}
