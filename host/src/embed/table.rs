//! Table functions in a rusqlite connection: an eponymous-only virtual table per function
//! (rusqlite's `vtab`), with the arguments as hidden columns, as `dispatch-bridge` does in
//! the runtime. Rows cross a page at a time; the extension's cursor closes when the scan
//! ends or the statement stops early.

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_int};

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use rusqlite::vtab::{
    Context as VTabContext, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor, sqlite3_vtab,
    sqlite3_vtab_cursor,
};

use sqlink_rules::table::{PAGE_ROWS, Pages};

use super::{Bound, SQLITE_ERROR, Slot, into_sql, lock, sql_error};
use crate::bindings::{Error, TableFunctionInfo, Value};

/// A constant, so that `&MODULE` is promoted to the `'static` module rusqlite needs.
const MODULE: Module<'static, ExtensionTable> = Module::eponymous_only_module();

/// What each module registration carries: the function's shape and its slot.
pub(super) struct TableAux {
    name: String,
    columns: Vec<String>,
    parameters: Vec<String>,
    slot: Slot,
}

pub(super) fn register(conn: &Connection, info: &TableFunctionInfo, slot: Slot) -> rusqlite::Result<()> {
    let aux = TableAux { name: info.name.clone(), columns: info.columns.clone(), parameters: info.parameters.clone(), slot };
    conn.create_module(info.name.as_str(), &MODULE, Some(aux))
}

/// Remove table function `name`'s module, unless a statement runs (it may be reading it).
pub(super) fn remove(conn: &Connection, name: &str) -> bool {
    if statement_running(conn) {
        return false;
    }
    let Ok(name) = CString::new(name) else { return false };
    // SAFETY: the handle is `conn`'s live connection; a null module is SQLite's way to drop
    // a module, and no statement is running that could hold its table.
    let rc = unsafe { rusqlite::ffi::sqlite3_create_module_v2(conn.handle(), name.as_ptr(), std::ptr::null(), std::ptr::null_mut(), None) };
    rc == rusqlite::ffi::SQLITE_OK
}

/// Whether any statement of `conn` is between its first step and its reset.
pub(super) fn statement_running(conn: &Connection) -> bool {
    // SAFETY: walking the live connection's statements with SQLite's own iterator; each
    // pointer it returns is a statement of that connection, valid during the walk.
    unsafe {
        let mut stmt = rusqlite::ffi::sqlite3_next_stmt(conn.handle(), std::ptr::null_mut());
        while !stmt.is_null() {
            if rusqlite::ffi::sqlite3_stmt_busy(stmt) != 0 {
                return true;
            }
            stmt = rusqlite::ffi::sqlite3_next_stmt(conn.handle(), stmt);
        }
    }
    false
}

/// One connection's table. rusqlite requires the SQLite base struct first.
#[repr(C)]
pub(super) struct ExtensionTable {
    base: sqlite3_vtab,
    name: String,
    columns: usize,
    parameters: Vec<String>,
    slot: Slot,
}

// SAFETY: `ExtensionTable` is #[repr(C)] with `sqlite3_vtab` as its first field, as
// rusqlite's `VTab` requires.
unsafe impl<'vtab> VTab<'vtab> for ExtensionTable {
    type Aux = TableAux;
    type Cursor = ExtensionCursor<'vtab>;

    fn connect(
        _: &mut VTabConnection,
        aux: Option<&TableAux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let aux = aux.ok_or_else(|| rusqlite::Error::ModuleError(String::from("a table function without its description")))?;
        let quoted = |c: &String| format!("\"{}\"", c.replace('"', "\"\""));
        let mut declared: Vec<String> = aux.columns.iter().map(quoted).collect();
        declared.extend(aux.parameters.iter().map(|p| format!("{} HIDDEN", quoted(p))));
        let schema = CString::new(format!("CREATE TABLE x({})", declared.join(", ")))
            .map_err(|_| rusqlite::Error::ModuleError(format!("{}: a column name contains a NUL byte", aux.name)))?;
        let table = ExtensionTable {
            base: sqlite3_vtab::default(),
            name: aux.name.clone(),
            columns: aux.columns.len(),
            parameters: aux.parameters.clone(),
            slot: aux.slot.clone(),
        };
        Ok((Cow::Owned(schema), table))
    }

    /// Every argument must be given, as an equality on its hidden column; they reach
    /// `filter` in parameter order.
    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let mut usable = vec![None; self.parameters.len()];
        let mut present = vec![false; self.parameters.len()];
        for (index, constraint) in info.constraints().enumerate() {
            let Some(parameter) = usize::try_from(constraint.column()).ok().and_then(|c| c.checked_sub(self.columns)) else { continue };
            if parameter >= self.parameters.len() || constraint.operator() != IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ {
                continue;
            }
            present[parameter] = true;
            if constraint.is_usable() {
                usable[parameter] = Some(index);
            }
        }
        for (parameter, name) in self.parameters.iter().enumerate() {
            match usable[parameter] {
                Some(index) => {
                    let mut usage = info.constraint_usage(index);
                    usage.set_argv_index(parameter as c_int + 1);
                    usage.set_omit(true);
                }
                // Given, but from a table this plan has not read yet: another plan will do.
                None if present[parameter] => return Ok(false),
                None => {
                    let message = format!("{}(): missing argument {name} (takes {})", self.name, self.parameters.join(", "));
                    return Err(rusqlite::Error::ModuleError(message));
                }
            }
        }
        info.set_estimated_cost(1000.0);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<ExtensionCursor<'vtab>> {
        Ok(ExtensionCursor {
            base: sqlite3_vtab_cursor::default(),
            table: self,
            open: None,
            args: Vec::new(),
            pages: Pages::new(&self.name, self.columns),
            rowid: 0,
        })
    }
}

/// One scan: the extension's cursor (with the instance that opened it) and a page of rows.
#[repr(C)]
pub(super) struct ExtensionCursor<'vtab> {
    base: sqlite3_vtab_cursor,
    table: &'vtab ExtensionTable,
    open: Option<(Bound, u64)>,
    args: Vec<Value>,
    pages: Pages<Value>,
    rowid: i64,
}

impl ExtensionCursor<'_> {
    fn close_extension_cursor(&mut self) {
        if let Some((bound, cursor)) = self.open.take() {
            lock(&bound.ext).table_close(cursor);
        }
    }

    /// The next page; after the last one, the extension's cursor is closed.
    fn fetch(&mut self) -> rusqlite::Result<()> {
        let Some((bound, cursor)) = &self.open else {
            self.pages.clear();
            return Ok(());
        };
        let page = lock(&bound.ext).table_next(*cursor, PAGE_ROWS).map_err(sql_error)?;
        self.pages.accept(page).map_err(|e| sql_error(Error { code: SQLITE_ERROR, message: e.to_string() }))?;
        if self.pages.is_last() {
            self.close_extension_cursor();
        }
        Ok(())
    }
}

impl Drop for ExtensionCursor<'_> {
    /// xClose: also when the statement stops before the last row.
    fn drop(&mut self) {
        self.close_extension_cursor();
    }
}

// SAFETY: `ExtensionCursor` is #[repr(C)] with `sqlite3_vtab_cursor` as its first field, as
// rusqlite's `VTabCursor` requires.
unsafe impl VTabCursor for ExtensionCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, args: &Filters<'_>) -> rusqlite::Result<()> {
        self.close_extension_cursor();
        // Unloaded, and not yet removed (a statement was running): gone, as SQLite says.
        let bound = lock(&self.table.slot)
            .clone()
            .ok_or_else(|| sql_error(Error { code: SQLITE_ERROR, message: format!("no such table: {}", self.table.name) }))?;
        self.args = (0..args.len()).map(|i| args.get::<SqlValue>(i).map(from_sql)).collect::<rusqlite::Result<_>>()?;
        let cursor = lock(&bound.ext).table_open(bound.id, &self.args).map_err(sql_error)?;
        self.open = Some((bound, cursor));
        self.rowid = 1;
        self.fetch()
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.pages.advance();
        self.rowid += 1;
        if self.pages.wants_page() {
            self.fetch()?;
        }
        Ok(())
    }

    fn eof(&self) -> bool {
        self.pages.eof()
    }

    fn column(&self, ctx: &mut VTabContext, i: c_int) -> rusqlite::Result<()> {
        let columns = self.table.columns;
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        let value = if i < columns { self.pages.row().and_then(|row| row.get(i)) } else { self.args.get(i - columns) };
        ctx.set_result(into_sql(value.cloned().unwrap_or(Value::Null)))
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}

fn from_sql(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::Integer(i),
        SqlValue::Real(r) => Value::Real(r),
        SqlValue::Text(t) => Value::Text(t),
        SqlValue::Blob(b) => Value::Blob(b),
    }
}
