//! Table functions as eponymous-only virtual tables, as SQLite's own `json_each` and
//! `generate_series` are: `SELECT * FROM name(a, b)` binds the arguments to hidden columns
//! that xBestIndex requires, xFilter opens the extension's cursor, and rows cross a page
//! at a time.

use std::ffi::{CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use libsqlite3_sys as ffi;
use sqlink_rules::table::{PAGE_ROWS, Pages};

use crate::target::Target;
use crate::trampolines::{Args, Context};
use crate::{Dispatcher, SqlError, Value, ValueParam};

/// The module's client data, alive until SQLite drops the module. SQLite keeps a pointer
/// to `module`, which therefore lives here too.
pub(crate) struct ModuleData<D> {
    module: ffi::sqlite3_module,
    pub target: Arc<Target>,
    pub name: Box<str>,
    pub columns: usize,
    pub parameters: Vec<String>,
    /// `CREATE TABLE x(...)` for sqlite3_declare_vtab.
    schema: CString,
    pub dispatcher: Arc<D>,
}

impl<D: Dispatcher> ModuleData<D> {
    pub fn new(
        target: Arc<Target>,
        name: &str,
        columns: &[String],
        parameters: &[String],
        dispatcher: Arc<D>,
    ) -> Result<Box<Self>, String> {
        let quoted = |c: &String| format!("\"{}\"", c.replace('"', "\"\""));
        let mut declared: Vec<String> = columns.iter().map(quoted).collect();
        declared.extend(parameters.iter().map(|p| format!("{} HIDDEN", quoted(p))));
        let schema = CString::new(format!("CREATE TABLE x({})", declared.join(", ")))
            .map_err(|_| format!("{name}: a column name contains a NUL byte"))?;
        // SAFETY: every field of sqlite3_module is an integer or an `Option` of a function
        // pointer, for which all zero bits are valid (0 and `None`).
        let mut module: ffi::sqlite3_module = unsafe { std::mem::zeroed() };
        module.iVersion = 1;
        // No xCreate: the table exists only under the module's own name (eponymous-only).
        module.xConnect = Some(connect::<D>);
        module.xBestIndex = Some(best_index::<D>);
        module.xDisconnect = Some(disconnect::<D>);
        module.xDestroy = Some(disconnect::<D>);
        module.xOpen = Some(open::<D>);
        module.xClose = Some(close::<D>);
        module.xFilter = Some(filter::<D>);
        module.xNext = Some(next::<D>);
        module.xEof = Some(eof::<Cursor<D>>);
        module.xColumn = Some(column::<D>);
        module.xRowid = Some(rowid::<D>);
        Ok(Box::new(ModuleData {
            module,
            target,
            name: name.into(),
            columns: columns.len(),
            parameters: parameters.to_vec(),
            schema,
            dispatcher,
        }))
    }

    pub fn module(&self) -> *const ffi::sqlite3_module {
        &self.module
    }
}

/// The virtual table of one connection. `base` comes first, so SQLite's pointer to it is
/// a pointer to the whole.
#[repr(C)]
struct Table<D> {
    base: ffi::sqlite3_vtab,
    data: *const ModuleData<D>,
}

/// One scan of the table function: the extension's cursor and the page being read.
#[repr(C)]
struct Cursor<D> {
    base: ffi::sqlite3_vtab_cursor,
    data: *const ModuleData<D>,
    /// The extension's cursor, while open, and the extension that opened it (it stays
    /// with the cursor if the table is loaded again meanwhile).
    open: Option<(u32, u64)>,
    /// The arguments, for the hidden columns.
    args: Vec<Value>,
    pages: Pages<Vec<Value>>,
    rowid: i64,
}

/// A copy of `message` that SQLite may free with sqlite3_free (zErrMsg, *pzErr).
pub(crate) fn sqlite_string(message: &str) -> *mut c_char {
    let bytes = message.as_bytes();
    // SAFETY: a fresh allocation of len + 1 bytes, filled and NUL-terminated before use.
    unsafe {
        let buffer = ffi::sqlite3_malloc64(bytes.len() as u64 + 1).cast::<u8>();
        if !buffer.is_null() {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len());
            *buffer.add(bytes.len()) = 0;
        }
        buffer.cast::<c_char>()
    }
}

/// Report `error` as the virtual table's error; returns its code for SQLite.
pub(crate) unsafe fn fail(vtab: *mut ffi::sqlite3_vtab, error: &SqlError) -> c_int {
    // SAFETY: `vtab` is the live table SQLite passed in; its message is SQLite-allocated.
    unsafe {
        ffi::sqlite3_free((*vtab).zErrMsg.cast::<c_void>());
        (*vtab).zErrMsg = sqlite_string(&error.message);
    }
    match error.code & 0xff {
        1..=28 if error.code > 0 => error.code,
        _ => ffi::SQLITE_ERROR,
    }
}

/// Run a callback body; a panic (only from a broken dispatcher, natively) becomes an error
/// instead of unwinding into C.
pub(crate) fn guarded(body: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(ffi::SQLITE_ERROR)
}

unsafe extern "C" fn connect<D: Dispatcher>(
    db: *mut ffi::sqlite3,
    aux: *mut c_void,
    _argc: c_int,
    _argv: *const *const c_char,
    vtab: *mut *mut ffi::sqlite3_vtab,
    _err: *mut *mut c_char,
) -> c_int {
    // SAFETY: `aux` is this module's client data, alive while the module is; `vtab` is
    // SQLite's slot for the new table, which xDisconnect frees.
    unsafe {
        let data = aux.cast::<ModuleData<D>>();
        let rc = ffi::sqlite3_declare_vtab(db, (*data).schema.as_ptr());
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let table = Box::new(Table { base: std::mem::zeroed(), data });
        *vtab = Box::into_raw(table).cast::<ffi::sqlite3_vtab>();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn disconnect<D>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    // SAFETY: `vtab` was made by `connect` from a Box<Table<D>>; SQLite disconnects it once.
    unsafe {
        ffi::sqlite3_free((*vtab).zErrMsg.cast::<c_void>());
        drop(Box::from_raw(vtab.cast::<Table<D>>()));
    }
    ffi::SQLITE_OK
}

/// Every argument must be given, as an equality on its hidden column; the arguments reach
/// xFilter in parameter order.
unsafe extern "C" fn best_index<D>(vtab: *mut ffi::sqlite3_vtab, info: *mut ffi::sqlite3_index_info) -> c_int {
    // SAFETY: SQLite passes a live table and index info whose arrays have nConstraint
    // entries; aConstraintUsage has the same length.
    unsafe {
        let data = &*(*vtab.cast::<Table<D>>()).data;
        let info = &mut *info;
        let count = usize::try_from(info.nConstraint).unwrap_or(0);
        let constraints = if count == 0 { &[][..] } else { std::slice::from_raw_parts(info.aConstraint, count) };
        let usage = if count == 0 { &mut [][..] } else { std::slice::from_raw_parts_mut(info.aConstraintUsage, count) };
        let mut usable = vec![None; data.parameters.len()];
        let mut present = vec![false; data.parameters.len()];
        for (index, constraint) in constraints.iter().enumerate() {
            let Some(parameter) = usize::try_from(constraint.iColumn).ok().and_then(|c| c.checked_sub(data.columns)) else { continue };
            if parameter >= data.parameters.len() || c_int::from(constraint.op) != ffi::SQLITE_INDEX_CONSTRAINT_EQ {
                continue;
            }
            present[parameter] = true;
            if constraint.usable != 0 {
                usable[parameter] = Some(index);
            }
        }
        // Arguments left out at the end are NULL (an `Option` parameter in the SDK), as
        // generate_series' step is optional; one left out before a given one is an error.
        let given = present.iter().rposition(|&p| p).map_or(0, |last| last + 1);
        for (parameter, name) in data.parameters.iter().enumerate().take(given) {
            match usable[parameter] {
                Some(index) => {
                    usage[index].argvIndex = parameter as c_int + 1;
                    usage[index].omit = 1;
                }
                // Given, but from a table this plan has not read yet: another plan will do.
                None if present[parameter] => return ffi::SQLITE_CONSTRAINT,
                None => {
                    let message = format!("{}(): missing argument {name} (takes {})", data.name, data.parameters.join(", "));
                    return fail(vtab, &SqlError::new(ffi::SQLITE_ERROR, message));
                }
            }
        }
        info.estimatedCost = 1000.0;
        info.estimatedRows = 1000;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn open<D>(vtab: *mut ffi::sqlite3_vtab, cursor: *mut *mut ffi::sqlite3_vtab_cursor) -> c_int {
    // SAFETY: `vtab` is a live Table<D>, whose module data outlives it; `cursor` is
    // SQLite's slot, freed by `close`.
    unsafe {
        let data = (*vtab.cast::<Table<D>>()).data;
        let pages = Pages::new(&(*data).name, (*data).columns);
        let new = Box::new(Cursor::<D> { base: std::mem::zeroed(), data, open: None, args: Vec::new(), pages, rowid: 0 });
        *cursor = Box::into_raw(new).cast::<ffi::sqlite3_vtab_cursor>();
    }
    ffi::SQLITE_OK
}

impl<D: Dispatcher> Cursor<D> {
    fn data(&self) -> &ModuleData<D> {
        // SAFETY: the module data outlives every table and cursor of the module.
        unsafe { &*self.data }
    }

    fn close_extension_cursor(&mut self) {
        if let Some((ext, open)) = self.open.take() {
            self.data().dispatcher.table_close(ext, open);
        }
    }

    /// The next page from the extension; at its end, the extension's cursor is closed.
    fn fetch(&mut self) -> Result<(), SqlError> {
        let Some((ext, open)) = self.open else {
            self.pages.clear();
            return Ok(());
        };
        let page = self.data().dispatcher.table_next(ext, open, PAGE_ROWS)?;
        self.pages.accept(page).map_err(|e| SqlError::new(ffi::SQLITE_ERROR, e.to_string()))?;
        if self.pages.is_last() {
            self.close_extension_cursor();
        }
        Ok(())
    }
}

unsafe extern "C" fn close<D: Dispatcher>(cursor: *mut ffi::sqlite3_vtab_cursor) -> c_int {
    guarded(|| {
        // SAFETY: `cursor` was made by `open` from a Box<Cursor<D>>; SQLite closes it once.
        let mut cursor = unsafe { Box::from_raw(cursor.cast::<Cursor<D>>()) };
        cursor.close_extension_cursor();
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn filter<D: Dispatcher>(
    cursor: *mut ffi::sqlite3_vtab_cursor,
    _idx_num: c_int,
    _idx_str: *const c_char,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) -> c_int {
    guarded(|| {
        // SAFETY: `cursor` is a live Cursor<D> of a live table; argv has argc values, valid
        // until xFilter returns, one per parameter in order (as best_index arranged).
        unsafe {
            let vtab = (*cursor).pVtab;
            let cursor = &mut *cursor.cast::<Cursor<D>>();
            cursor.close_extension_cursor();
            let mut args = Args::new(argc, argv).read();
            // The arguments left out at the end (see best_index) arrive as NULL.
            args.resize(cursor.data().parameters.len(), ValueParam::Null);
            cursor.args = args.iter().map(Value::from).collect();
            let data = cursor.data();
            // Unloaded, and kept by SQLite while a statement ran: gone, as SQLite says.
            let Some((ext, id)) = data.target.get() else {
                return fail(vtab, &SqlError::new(ffi::SQLITE_ERROR, format!("no such table: {}", data.name)));
            };
            match data.dispatcher.table_open(ext, id, &args) {
                Ok(open) => cursor.open = Some((ext, open)),
                Err(error) => return fail(vtab, &error),
            }
            cursor.rowid = 1;
            match cursor.fetch() {
                Ok(()) => ffi::SQLITE_OK,
                Err(error) => fail(vtab, &error),
            }
        }
    })
}

unsafe extern "C" fn next<D: Dispatcher>(cursor: *mut ffi::sqlite3_vtab_cursor) -> c_int {
    guarded(|| {
        // SAFETY: `cursor` is a live Cursor<D> of a live table.
        unsafe {
            let vtab = (*cursor).pVtab;
            let cursor = &mut *cursor.cast::<Cursor<D>>();
            cursor.pages.advance();
            cursor.rowid += 1;
            if cursor.pages.wants_page()
                && let Err(error) = cursor.fetch()
            {
                return fail(vtab, &error);
            }
        }
        ffi::SQLITE_OK
    })
}

/// A cursor whose rows cross a page at a time (a table function's here, a virtual table's in
/// `module.rs`); its struct begins with SQLite's cursor.
pub(crate) trait Paged {
    type Row;
    fn pages(&self) -> &Pages<Self::Row>;
}

impl<D> Paged for Cursor<D> {
    type Row = Vec<Value>;
    fn pages(&self) -> &Pages<Vec<Value>> {
        &self.pages
    }
}

/// xEof of a paged cursor.
pub(crate) unsafe extern "C" fn eof<C: Paged>(cursor: *mut ffi::sqlite3_vtab_cursor) -> c_int {
    // SAFETY: SQLite passes a live cursor of the module, a `C` (which begins with SQLite's).
    let cursor = unsafe { &*cursor.cast::<C>() };
    c_int::from(cursor.pages().eof())
}

unsafe extern "C" fn column<D>(cursor: *mut ffi::sqlite3_vtab_cursor, ctx: *mut ffi::sqlite3_context, i: c_int) -> c_int {
    // SAFETY: `cursor` is a live Cursor<D>; `ctx` is the context of this column read.
    unsafe {
        let cursor = &*cursor.cast::<Cursor<D>>();
        let columns = (*cursor.data).columns;
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        let value = if i < columns { cursor.pages.row().and_then(|row| row.get(i)) } else { cursor.args.get(i - columns) };
        Context::of_call(ctx).set_result(value.unwrap_or(&Value::Null));
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn rowid<D>(cursor: *mut ffi::sqlite3_vtab_cursor, rowid: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: `cursor` is a live Cursor<D>; `rowid` is SQLite's out slot.
    unsafe { *rowid = (*cursor.cast::<Cursor<D>>()).rowid };
    ffi::SQLITE_OK
}
