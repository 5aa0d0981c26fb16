//! Virtual-table modules of extensions: `CREATE VIRTUAL TABLE t USING name(args)`. Every
//! method SQLite calls becomes one [`Dispatcher`] call with the extension's numbers for the
//! table and the cursor; rows cross a page at a time, as table functions' do.
//!
//! A table remembers the extension that made it. When that extension is unloaded (or loaded
//! again, under a new handle) its tables stay in the schema but every use fails with an error
//! naming the module, and disconnecting them calls nothing; a new connection, or one that
//! reloads its schema, connects them to the module's current extension.
//!
//! A closed scan's extension cursor is kept for the table's next scan (up to [`IDLE_SCANS`]):
//! the contract's `filter` starts or restarts a cursor's scan, as SQLite's xFilter may be
//! called again on one cursor, so an xOpen that finds one kept costs no call into the
//! extension and neither does its xClose. A point lookup is then one crossing, not three.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::{Arc, Mutex};

use libsqlite3_sys as ffi;
use sqlink_rules::table::{PAGE_ROWS, Pages};

use crate::target::Target;
use crate::trampolines::{Args, Context, value_ref};
use crate::vtab::{Paged, eof, fail, guarded, sqlite_string};
use crate::{
    Change, Dispatcher, Filter, IndexConstraint, IndexInfo, IndexOrderBy, IndexPlan, Row, SqlError, TransactionEvent, Value, ValueParam,
};

/// What a module declares besides its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleShape {
    /// It takes INSERT, UPDATE and DELETE.
    pub writable: bool,
    /// It wants begin / sync / commit / rollback and savepoint events.
    pub transactions: bool,
    pub shadow_names: Vec<String>,
}

/// How many closed scans a table keeps open in the extension for its next scans: one for a
/// statement run again and again, two for a join of the table with itself.
const IDLE_SCANS: usize = 2;

/// xShadowName has no client data, so the suffixes of every module registered in this process
/// are kept together: a name any module declares is protected as a shadow table.
static SHADOW_NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The module's client data, alive until SQLite drops the module; SQLite keeps a pointer to
/// `module`, which therefore lives here too.
pub(crate) struct ModuleData<D> {
    module: ffi::sqlite3_module,
    target: Arc<Target>,
    name: Box<str>,
    dispatcher: Arc<D>,
}

impl<D: Dispatcher> ModuleData<D> {
    pub fn new(target: Arc<Target>, name: &str, shape: &ModuleShape, dispatcher: Arc<D>) -> Box<Self> {
        // SAFETY: every field of sqlite3_module is an integer or an `Option` of a function
        // pointer, for which all zero bits are valid (0 and `None`).
        let mut module: ffi::sqlite3_module = unsafe { std::mem::zeroed() };
        // 3: savepoints (2) and xShadowName (3).
        module.iVersion = 3;
        // xCreate differs from xConnect: the module makes tables only by CREATE VIRTUAL TABLE.
        module.xCreate = Some(make::<D, true>);
        module.xConnect = Some(make::<D, false>);
        module.xBestIndex = Some(best_index::<D>);
        module.xDisconnect = Some(disconnect::<D>);
        module.xDestroy = Some(destroy::<D>);
        module.xOpen = Some(open::<D>);
        module.xClose = Some(close::<D>);
        module.xFilter = Some(filter::<D>);
        module.xNext = Some(next::<D>);
        module.xEof = Some(eof::<Cursor<D>>);
        module.xColumn = Some(column::<D>);
        module.xRowid = Some(rowid::<D>);
        module.xRename = Some(rename::<D>);
        // Without xUpdate SQLite refuses writes: "table t may not be modified".
        if shape.writable {
            module.xUpdate = Some(update::<D>);
        }
        if shape.transactions {
            module.xBegin = Some(begin::<D>);
            module.xSync = Some(sync::<D>);
            module.xCommit = Some(commit::<D>);
            module.xRollback = Some(rollback::<D>);
            module.xSavepoint = Some(savepoint::<D>);
            module.xRelease = Some(release::<D>);
            module.xRollbackTo = Some(rollback_to::<D>);
        }
        if !shape.shadow_names.is_empty() {
            let mut names = SHADOW_NAMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for suffix in &shape.shadow_names {
                if !names.iter().any(|known| known.eq_ignore_ascii_case(suffix)) {
                    names.push(suffix.clone());
                }
            }
            module.xShadowName = Some(shadow_name);
        }
        Box::new(ModuleData { module, target, name: name.into(), dispatcher })
    }

    pub fn module(&self) -> *const ffi::sqlite3_module {
        &self.module
    }
}

unsafe extern "C" fn shadow_name(name: *const c_char) -> c_int {
    if name.is_null() {
        return 0;
    }
    // SAFETY: SQLite passes a NUL-terminated suffix, valid during the call.
    let suffix = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let names = SHADOW_NAMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    c_int::from(names.iter().any(|known| known.eq_ignore_ascii_case(&suffix)))
}

/// One table of one connection. `base` comes first, so SQLite's pointer to it is a pointer
/// to the whole.
#[repr(C)]
struct Table<D> {
    base: ffi::sqlite3_vtab,
    data: *const ModuleData<D>,
    /// The connection it is on (its statement cache lives while the table does).
    db: *mut ffi::sqlite3,
    /// The extension that made it, and its number for the table.
    ext: u32,
    table: u64,
    /// The extension's cursors of closed scans, kept for the next scans (see the module's
    /// comment). Only SQLite's thread of the connection reaches a table, one call at a time.
    idle: RefCell<Vec<u64>>,
}

impl<D> Table<D> {
    fn data(&self) -> &ModuleData<D> {
        // SAFETY: the module data outlives every table and cursor of the module.
        unsafe { &*self.data }
    }

    /// The extension, if it is still the one loaded for the module.
    fn live(&self) -> Result<u32, SqlError> {
        match self.data().target.ext() {
            Some(ext) if ext == self.ext => Ok(ext),
            _ => Err(SqlError::new(
                ffi::SQLITE_ERROR,
                format!("{}: the extension of this virtual table is no longer loaded", self.data().name),
            )),
        }
    }
}

impl<D: Dispatcher> Table<D> {
    /// Close the extension's kept cursors (before the table goes).
    fn close_idle(&self, ext: u32) {
        let idle = std::mem::take(&mut *self.idle.borrow_mut());
        for cursor in idle {
            self.data().dispatcher.vtab_close(ext, cursor);
        }
    }
}

/// One scan: the extension's cursor and its rows, a page at a time, as a table function's.
#[repr(C)]
struct Cursor<D> {
    base: ffi::sqlite3_vtab_cursor,
    table: *const Table<D>,
    cursor: u64,
    pages: Pages<Row>,
}

/// The table SQLite passed in, and a report of `error` on it.
///
/// # Safety
/// `vtab` must be a live `Table<D>`.
unsafe fn table<'a, D>(vtab: *mut ffi::sqlite3_vtab) -> &'a Table<D> {
    // SAFETY: per the contract.
    unsafe { &*vtab.cast::<Table<D>>() }
}

/// Run `body` on the live table, reporting its error on the table.
///
/// # Safety
/// `vtab` must be a live `Table<D>`.
unsafe fn on_table<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, body: impl FnOnce(&Table<D>, u32) -> Result<(), SqlError>) -> c_int {
    guarded(|| {
        // SAFETY: per the contract.
        let table = unsafe { table::<D>(vtab) };
        match table.live().and_then(|ext| body(table, ext)) {
            Ok(()) => ffi::SQLITE_OK,
            // SAFETY: per the contract.
            Err(error) => unsafe { fail(vtab, &error) },
        }
    })
}

/// xCreate (`CREATE`: CREATE VIRTUAL TABLE) and xConnect (a table of the schema opened
/// again): the extension declares the schema, which SQLite must accept.
///
/// # Safety
/// SQLite's xCreate / xConnect arguments: `aux` this module's data, `argv` `argc` strings.
unsafe extern "C" fn make<D: Dispatcher, const CREATE: bool>(
    db: *mut ffi::sqlite3,
    aux: *mut c_void,
    argc: c_int,
    argv: *const *const c_char,
    vtab: *mut *mut ffi::sqlite3_vtab,
    err: *mut *mut c_char,
) -> c_int {
    guarded(|| {
        // SAFETY: `aux` is this module's client data, alive while the module is.
        let data = unsafe { &*aux.cast::<ModuleData<D>>() };
        let report = |message: String| {
            // SAFETY: `err` is SQLite's slot for a message it frees with sqlite3_free.
            unsafe { *err = sqlite_string(&message) };
            ffi::SQLITE_ERROR
        };
        let Some((ext, module)) = data.target.get() else {
            return report(format!("no such module: {}", data.name));
        };
        let count = usize::try_from(argc).unwrap_or(0);
        let args: Vec<String> = (0..count)
            .map(|i| {
                // SAFETY: `argv` holds `argc` NUL-terminated strings, valid during the call.
                let arg = unsafe { *argv.add(i) };
                if arg.is_null() {
                    return String::new();
                }
                // SAFETY: as above: a NUL-terminated string SQLite keeps during the call.
                unsafe { CStr::from_ptr(arg) }.to_string_lossy().into_owned()
            })
            .collect();
        let declared = match data.dispatcher.vtab_connect(ext, module, &args, CREATE) {
            Ok(declared) => declared,
            Err(error) => return report(error.message),
        };
        let refused = |why: String| {
            data.dispatcher.vtab_disconnect(ext, declared.table);
            report(format!("{}: the schema it declared, {:?}, is not one SQLite accepts: {why}", data.name, declared.schema))
        };
        let Ok(schema) = CString::new(declared.schema.as_str()) else {
            return refused(String::from("it contains a NUL character"));
        };
        // SAFETY: `db` is the connection SQLite is creating the table on.
        if unsafe { ffi::sqlite3_declare_vtab(db, schema.as_ptr()) } != ffi::SQLITE_OK {
            // SAFETY: as above.
            return refused(unsafe { crate::trampolines::errmsg(db) });
        }
        // SAFETY: all-zero is a valid sqlite3_vtab (SQLite fills it in).
        let new = Box::new(Table { base: unsafe { std::mem::zeroed() }, data, db, ext, table: declared.table, idle: RefCell::default() });
        crate::sql::module_table_connected(db);
        // SAFETY: `vtab` is SQLite's slot for the new table, which xDisconnect / xDestroy free.
        unsafe { *vtab = Box::into_raw(new).cast::<ffi::sqlite3_vtab>() };
        ffi::SQLITE_OK
    })
}

/// Free a table made by `make`.
///
/// # Safety
/// `vtab` was made by `make`; SQLite disconnects or destroys it once.
unsafe fn free<D>(vtab: *mut ffi::sqlite3_vtab) {
    // SAFETY: per the contract.
    let table = unsafe {
        ffi::sqlite3_free((*vtab).zErrMsg.cast::<c_void>());
        Box::from_raw(vtab.cast::<Table<D>>())
    };
    crate::sql::module_table_disconnected(table.db);
}

unsafe extern "C" fn disconnect<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    guarded(|| {
        // SAFETY: `vtab` is a live table, freed once here.
        unsafe {
            let table = table::<D>(vtab);
            if let Ok(ext) = table.live() {
                table.close_idle(ext);
                table.data().dispatcher.vtab_disconnect(ext, table.table);
            }
            free::<D>(vtab);
        }
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn destroy<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    guarded(|| {
        // SAFETY: `vtab` is a live table; freed once, when the extension removed it.
        unsafe {
            let table = table::<D>(vtab);
            // DROP TABLE of a table whose extension is gone removes it from the schema.
            if let Ok(ext) = table.live() {
                table.close_idle(ext);
                if let Err(error) = table.data().dispatcher.vtab_destroy(ext, table.table) {
                    return fail(vtab, &error);
                }
            }
            free::<D>(vtab);
        }
        ffi::SQLITE_OK
    })
}

/// The constraint codes SQLite defines, which reach the extension; the others (from a future
/// SQLite) are left unusable to it.
fn known_op(op: u8) -> bool {
    matches!(op, 2 | 4 | 8 | 16 | 32 | 64..=74) || op >= 150
}

unsafe extern "C" fn best_index<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, info: *mut ffi::sqlite3_index_info) -> c_int {
    guarded(|| {
        // SAFETY: SQLite passes a live table and index info whose arrays have nConstraint and
        // nOrderBy entries; aConstraintUsage has nConstraint.
        unsafe {
            let table = table::<D>(vtab);
            let ext = match table.live() {
                Ok(ext) => ext,
                Err(error) => return fail(vtab, &error),
            };
            crate::sql::planning_module_table();
            let raw = &mut *info;
            let count = usize::try_from(raw.nConstraint).unwrap_or(0);
            let constraints = if count == 0 { &[][..] } else { std::slice::from_raw_parts(raw.aConstraint, count) };
            let orders = usize::try_from(raw.nOrderBy).unwrap_or(0);
            let order_by = if orders == 0 { &[][..] } else { std::slice::from_raw_parts(raw.aOrderBy, orders) };
            let asked = IndexInfo {
                constraints: constraints
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let mut rhs = std::ptr::null_mut();
                        let known = ffi::sqlite3_vtab_rhs_value(info, i as c_int, &mut rhs) == ffi::SQLITE_OK && !rhs.is_null();
                        IndexConstraint {
                            column: c.iColumn,
                            op: c.op,
                            usable: c.usable != 0 && known_op(c.op),
                            rhs: known.then(|| Value::from(&value_ref(rhs))),
                        }
                    })
                    .collect(),
                order_by: order_by.iter().map(|o| IndexOrderBy { column: o.iColumn, desc: o.desc != 0 }).collect(),
                columns_used: raw.colUsed,
            };
            let plan = match table.data().dispatcher.vtab_best_index(ext, table.table, &asked) {
                Ok(plan) => plan,
                // This set of usable constraints cannot be planned; SQLite tries another.
                Err(error) if error.code == ffi::SQLITE_CONSTRAINT => return ffi::SQLITE_CONSTRAINT,
                Err(error) => return fail(vtab, &error),
            };
            if let Err(error) = check_plan(&table.data().name, &asked, &plan) {
                return fail(vtab, &error);
            }
            let usage = if count == 0 { &mut [][..] } else { std::slice::from_raw_parts_mut(raw.aConstraintUsage, count) };
            for (slot, used) in usage.iter_mut().zip(&plan.usage) {
                slot.argvIndex = used.argument as c_int;
                slot.omit = u8::from(used.omit);
            }
            raw.idxNum = plan.index_number;
            if let Some(text) = plan.index_string.as_deref() {
                // Freed by SQLite (needToFreeIdxStr).
                raw.idxStr = sqlite_string(text);
                raw.needToFreeIdxStr = c_int::from(!raw.idxStr.is_null());
            }
            raw.orderByConsumed = c_int::from(plan.order_by_consumed);
            raw.estimatedCost = plan.estimated_cost;
            raw.estimatedRows = plan.estimated_rows;
            if plan.unique {
                raw.idxFlags |= ffi::SQLITE_INDEX_SCAN_UNIQUE;
            }
        }
        ffi::SQLITE_OK
    })
}

/// A plan SQLite can use: one usage per constraint, arguments only of usable constraints,
/// numbered 1 to N without gaps or repeats.
fn check_plan(module: &str, asked: &IndexInfo, plan: &IndexPlan) -> Result<(), SqlError> {
    let wrong =
        |why: String| Err(SqlError::new(ffi::SQLITE_ERROR, format!("{module}: best-index answered a plan SQLite cannot use: {why}")));
    if plan.usage.len() != asked.constraints.len() {
        return wrong(format!("{} constraint usages for {} constraints", plan.usage.len(), asked.constraints.len()));
    }
    let mut arguments: Vec<u32> = Vec::new();
    for (used, constraint) in plan.usage.iter().zip(&asked.constraints) {
        if used.argument == 0 {
            continue;
        }
        if !constraint.usable {
            return wrong(format!("argument {} is a constraint this plan cannot use", used.argument));
        }
        arguments.push(used.argument);
    }
    arguments.sort_unstable();
    if arguments.iter().zip(1..).any(|(&argument, expected)| argument != expected) {
        return wrong(format!("the arguments are numbered {arguments:?}, not 1 to {}", arguments.len()));
    }
    if !plan.estimated_cost.is_finite() || plan.estimated_cost < 0.0 {
        return wrong(format!("estimated cost {}", plan.estimated_cost));
    }
    Ok(())
}

unsafe extern "C" fn open<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, cursor: *mut *mut ffi::sqlite3_vtab_cursor) -> c_int {
    // SAFETY: `vtab` is a live table; `cursor` is SQLite's slot, freed by `close`.
    unsafe {
        on_table::<D>(vtab, |table, ext| {
            let kept = table.idle.borrow_mut().pop();
            let opened = match kept {
                Some(cursor) => cursor,
                None => table.data().dispatcher.vtab_open(ext, table.table)?,
            };
            let new = Box::new(Cursor::<D> { base: std::mem::zeroed(), table, cursor: opened, pages: Pages::unchecked() });
            *cursor = Box::into_raw(new).cast::<ffi::sqlite3_vtab_cursor>();
            Ok(())
        })
    }
}

impl<D> Paged for Cursor<D> {
    type Row = Row;
    fn pages(&self) -> &Pages<Row> {
        &self.pages
    }
}

impl<D> Cursor<D> {
    fn table(&self) -> &Table<D> {
        // SAFETY: SQLite closes every cursor before it disconnects the table.
        unsafe { &*self.table }
    }
}

unsafe extern "C" fn close<D: Dispatcher>(cursor: *mut ffi::sqlite3_vtab_cursor) -> c_int {
    guarded(|| {
        // SAFETY: `cursor` was made by `open` from a Box<Cursor<D>>; SQLite closes it once.
        let cursor = unsafe { Box::from_raw(cursor.cast::<Cursor<D>>()) };
        let table = cursor.table();
        if let Ok(ext) = table.live() {
            let mut idle = table.idle.borrow_mut();
            if idle.len() < IDLE_SCANS {
                idle.push(cursor.cursor);
            } else {
                drop(idle);
                table.data().dispatcher.vtab_close(ext, cursor.cursor);
            }
        }
        ffi::SQLITE_OK
    })
}

/// Run `body` on a live cursor of a live table, reporting its error on the table.
///
/// # Safety
/// `cursor` must be a live `Cursor<D>`.
unsafe fn on_cursor<D: Dispatcher>(
    cursor: *mut ffi::sqlite3_vtab_cursor,
    body: impl FnOnce(&mut Cursor<D>, &D, u32) -> Result<(), SqlError>,
) -> c_int {
    guarded(|| {
        // SAFETY: per the contract; the table outlives its cursors.
        unsafe {
            let vtab = (*cursor).pVtab;
            let cursor = &mut *cursor.cast::<Cursor<D>>();
            let table = &*cursor.table;
            let result = table.live().and_then(|ext| body(cursor, &table.data().dispatcher, ext));
            match result {
                Ok(()) => ffi::SQLITE_OK,
                Err(error) => fail(vtab, &error),
            }
        }
    })
}

unsafe extern "C" fn filter<D: Dispatcher>(
    cursor: *mut ffi::sqlite3_vtab_cursor,
    index_number: c_int,
    index_string: *const c_char,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) -> c_int {
    // SAFETY: `cursor` is live; `index_string` is null or the plan's NUL-terminated string;
    // argv has argc values, valid until xFilter returns.
    unsafe {
        let index_string = (!index_string.is_null()).then(|| CStr::from_ptr(index_string).to_string_lossy());
        let args = Args::new(argc, argv).read();
        on_cursor::<D>(cursor, |cursor, dispatcher, ext| {
            let filter = Filter { index_number, index_string: index_string.as_deref(), args: &args, max_rows: PAGE_ROWS };
            let page = dispatcher.vtab_filter(ext, cursor.cursor, &filter)?;
            cursor.pages.take(page);
            Ok(())
        })
    }
}

unsafe extern "C" fn next<D: Dispatcher>(cursor: *mut ffi::sqlite3_vtab_cursor) -> c_int {
    // SAFETY: `cursor` is live.
    unsafe {
        on_cursor::<D>(cursor, |cursor, dispatcher, ext| {
            cursor.pages.advance();
            if cursor.pages.wants_page() {
                let page = dispatcher.vtab_next(ext, cursor.cursor, PAGE_ROWS)?;
                cursor.pages.take(page);
            }
            Ok(())
        })
    }
}

unsafe extern "C" fn column<D>(cursor: *mut ffi::sqlite3_vtab_cursor, ctx: *mut ffi::sqlite3_context, i: c_int) -> c_int {
    // SAFETY: `cursor` is a live Cursor<D>; `ctx` is the context of this column read.
    unsafe {
        let cursor = &*cursor.cast::<Cursor<D>>();
        let value = cursor.pages.row().and_then(|row| row.columns.get(usize::try_from(i).ok()?));
        Context::of_call(ctx).set_result(value.unwrap_or(&Value::Null));
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn rowid<D>(cursor: *mut ffi::sqlite3_vtab_cursor, rowid: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: `cursor` is a live Cursor<D>; `rowid` is SQLite's out slot.
    unsafe {
        let cursor = &*cursor.cast::<Cursor<D>>();
        *rowid = cursor.pages.row().map_or(0, |row| row.rowid);
    }
    ffi::SQLITE_OK
}

/// An integer argument of xUpdate (a rowid), or none for NULL.
fn rowid_of(value: &ValueParam<'_>) -> Option<i64> {
    match value {
        ValueParam::Null => None,
        ValueParam::Integer(i) => Some(*i),
        ValueParam::Real(r) => Some(*r as i64),
        ValueParam::Text(t) => t.trim().parse().ok(),
        ValueParam::Blob(_) => None,
    }
}

unsafe extern "C" fn update<D: Dispatcher>(
    vtab: *mut ffi::sqlite3_vtab,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
    new_rowid: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: `vtab` is live; argv has argc values valid during the call; `new_rowid` is
    // SQLite's out slot.
    unsafe {
        let args = Args::new(argc, argv).read();
        on_table::<D>(vtab, |table, ext| {
            let change = match args.as_slice() {
                [old] => Change::Delete(rowid_of(old).unwrap_or(0)),
                [ValueParam::Null, rowid, columns @ ..] => Change::Insert { rowid: rowid_of(rowid), columns: columns.to_vec() },
                [old, rowid, columns @ ..] => {
                    let old_rowid = rowid_of(old).unwrap_or(0);
                    Change::Update { old_rowid, rowid: rowid_of(rowid).unwrap_or(old_rowid), columns: columns.to_vec() }
                }
                [] => return Err(SqlError::new(ffi::SQLITE_MISUSE, "xUpdate without arguments")),
            };
            // The extension may ask for the write's conflict mode (`on_conflict`) meanwhile.
            let _updating = crate::dynamic::updating();
            let rowid = table.data().dispatcher.vtab_update(ext, table.table, &change)?;
            if matches!(change, Change::Insert { .. }) {
                *new_rowid = rowid;
            }
            Ok(())
        })
    }
}

/// One transaction event of `vtab`.
///
/// # Safety
/// `vtab` must be a live `Table<D>`.
unsafe fn event<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, event: TransactionEvent) -> c_int {
    // SAFETY: per the contract.
    unsafe { on_table::<D>(vtab, |table, ext| table.data().dispatcher.vtab_transaction(ext, table.table, event)) }
}

unsafe extern "C" fn begin<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Begin) }
}

unsafe extern "C" fn sync<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Sync) }
}

unsafe extern "C" fn commit<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Commit) }
}

unsafe extern "C" fn rollback<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Rollback) }
}

unsafe extern "C" fn savepoint<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Savepoint(n)) }
}

unsafe extern "C" fn release<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::Release(n)) }
}

unsafe extern "C" fn rollback_to<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    // SAFETY: `vtab` is live.
    unsafe { event::<D>(vtab, TransactionEvent::RollbackTo(n)) }
}

unsafe extern "C" fn rename<D: Dispatcher>(vtab: *mut ffi::sqlite3_vtab, new_name: *const c_char) -> c_int {
    // SAFETY: `vtab` is live; `new_name` is NUL-terminated, valid during the call.
    unsafe {
        let new_name = if new_name.is_null() { String::new() } else { CStr::from_ptr(new_name).to_string_lossy().into_owned() };
        on_table::<D>(vtab, |table, ext| table.data().dispatcher.vtab_rename(ext, table.table, &new_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConstraintUsage;

    fn asked(usable: &[bool]) -> IndexInfo {
        IndexInfo {
            constraints: usable.iter().map(|&usable| IndexConstraint { column: 0, op: 2, usable, rhs: None }).collect(),
            order_by: Vec::new(),
            columns_used: 1,
        }
    }

    fn plan(arguments: &[u32]) -> IndexPlan {
        IndexPlan {
            usage: arguments.iter().map(|&argument| ConstraintUsage { argument, omit: false }).collect(),
            index_number: 0,
            index_string: None,
            order_by_consumed: false,
            estimated_cost: 1.0,
            estimated_rows: 1,
            unique: false,
        }
    }

    #[test]
    fn a_plan_numbers_its_arguments_from_one_and_uses_only_usable_constraints() {
        assert_eq!(check_plan("m", &asked(&[true, true]), &plan(&[2, 1])), Ok(()));
        assert_eq!(check_plan("m", &asked(&[true, false]), &plan(&[1, 0])), Ok(()));
        let error = |a: &[bool], p: &[u32]| check_plan("m", &asked(a), &plan(p)).unwrap_err().message;
        assert_eq!(
            error(&[true, false], &[0, 1]),
            "m: best-index answered a plan SQLite cannot use: argument 1 is a constraint this plan cannot use"
        );
        assert_eq!(
            error(&[true, true], &[1, 1]),
            "m: best-index answered a plan SQLite cannot use: the arguments are numbered [1, 1], not 1 to 2"
        );
        assert_eq!(error(&[true], &[]), "m: best-index answered a plan SQLite cannot use: 0 constraint usages for 1 constraints");
    }
}
