//! `sqlink:wasm/extension-sql`: SQL an extension runs on the connection calling it, for a host
//! that calls back into the runtime while its `dispatch` import runs the extension (the page).
//! The SQLite side is the dispatch bridge's `CallSql`; this module only knows which connection
//! is calling (the one `spi` is running a statement on) and frames one call at a time.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use libsqlite3_sys as ffi;
use sqlink_dispatch_bridge::{self as bridge, CallSql, SqlError};

use crate::SqliteLib;
use crate::bindings::exports::sqlink::wasm::extension_sql;
use crate::bindings::sqlite::extension::types::{Error, ValueResult as Value};

/// What this module knows of a connection.
#[derive(Default, Clone, Copy)]
struct Connection {
    /// The sandbox's authorizer is installed on it.
    sandboxed: bool,
    /// The shell's safe mode is on: its authorizer must not be replaced.
    safe: bool,
}

thread_local! {
    /// The connections `spi` is compiling or running a statement on, innermost last: an
    /// extension called now is called by the last one.
    static RUNNING: RefCell<Vec<*mut ffi::sqlite3>> = const { RefCell::new(Vec::new()) };
    /// The call `begin` framed (taken out while one of its functions runs).
    static CALL: RefCell<Option<CallSql>> = const { RefCell::new(None) };
    /// Between `begin` and `end`.
    static FRAMED: Cell<bool> = const { Cell::new(false) };
    static CONNECTIONS: RefCell<HashMap<usize, Connection>> = RefCell::new(HashMap::new());
}

/// While it lives, `db` is the connection running a statement.
pub(crate) struct Running;

/// Marks `db` as running a statement until the returned guard drops.
pub(crate) fn running(db: *mut ffi::sqlite3) -> Running {
    RUNNING.with(|r| r.borrow_mut().push(db));
    Running
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.borrow_mut().pop());
    }
}

/// `spi` set (or removed) its own authorizer on `db` for safe mode, which replaces the
/// sandbox's; or `db` closed (`safe` false): forget what was known of it.
pub(crate) fn authorizer_replaced(db: *mut ffi::sqlite3, safe: bool) {
    CONNECTIONS.with(|c| c.borrow_mut().insert(db as usize, Connection { sandboxed: false, safe }));
}

pub(crate) fn closed(db: *mut ffi::sqlite3) {
    CONNECTIONS.with(|c| c.borrow_mut().remove(&(db as usize)));
}

fn refused(message: &str) -> Error {
    Error { code: ffi::SQLITE_ERROR, message: message.to_owned() }
}

fn wit_error(e: SqlError) -> Error {
    Error { code: e.code, message: e.message }
}

fn no_call() -> Error {
    refused("an extension may run SQL only while SQLite calls one of its functions, tables or modules (not at load, nor in a hook)")
}

/// Run `f` on the framed call's SQL.
fn with_call<T>(f: impl FnOnce(&mut CallSql) -> Result<T, SqlError>) -> Result<T, Error> {
    // The call's statements are taken out while `f` runs: SQL an extension runs may reach
    // this module again (refused by the host, but never a double borrow here).
    let mut call = CALL.with(|c| c.borrow_mut().take()).ok_or_else(no_call)?;
    let result = f(&mut call);
    CALL.with(|c| *c.borrow_mut() = Some(call));
    result.map_err(wit_error)
}

fn from_bridge(value: bridge::Value) -> Value {
    match value {
        bridge::Value::Null => Value::Null,
        bridge::Value::Integer(i) => Value::Integer(i),
        bridge::Value::Real(r) => Value::Real(r),
        bridge::Value::Text(t) => Value::Text(t),
        bridge::Value::Blob(b) => Value::Blob(b),
    }
}

fn row(values: Vec<bridge::Value>) -> Vec<Value> {
    values.into_iter().map(from_bridge).collect()
}

impl extension_sql::Guest for SqliteLib {
    fn begin() -> Result<(), Error> {
        if FRAMED.with(Cell::get) {
            return Err(refused("an extension's SQL cannot call extension functions (one extension call runs at a time)"));
        }
        let db = RUNNING.with(|r| r.borrow().last().copied()).ok_or_else(no_call)?;
        let known = CONNECTIONS.with(|c| c.borrow().get(&(db as usize)).copied()).unwrap_or_default();
        if known.safe {
            return Err(refused("an extension may not run SQL in safe mode"));
        }
        if !known.sandboxed {
            // SAFETY: `db` is open: `spi` is running a statement on it (RUNNING), and it is
            // the connection's own thread.
            unsafe { bridge::install_authorizer(db) }.map_err(wit_error)?;
            CONNECTIONS.with(|c| c.borrow_mut().insert(db as usize, Connection { sandboxed: true, safe: false }));
        }
        // SAFETY: `db` is open and its statement runs until this call ends: the host ends it
        // (`end`) before the `dispatch` import that called the extension returns.
        let call = unsafe { CallSql::new(db) };
        CALL.with(|c| *c.borrow_mut() = Some(call));
        FRAMED.with(|f| f.set(true));
        Ok(())
    }

    fn end() {
        // Dropping it finalizes what the call left open.
        drop(CALL.with(|c| c.borrow_mut().take()));
        FRAMED.with(|f| f.set(false));
    }

    fn prepare(sql: String) -> Result<u64, Error> {
        with_call(|call| call.prepare(&sql))
    }

    fn bind(statement: u64, index: u32, value: Value) -> Result<(), Error> {
        with_call(|call| call.bind(statement, index, &crate::bridge::result(value)))
    }

    fn step(statement: u64) -> Result<Option<Vec<Value>>, Error> {
        with_call(|call| call.step(statement)).map(|found| found.map(row))
    }

    fn reset(statement: u64) -> Result<(), Error> {
        with_call(|call| call.reset(statement))
    }

    fn column_names(statement: u64) -> Result<Vec<String>, Error> {
        with_call(|call| call.column_names(statement))
    }

    fn finalize(statement: u64) {
        let _ = with_call(|call| {
            call.finalize(statement);
            Ok(())
        });
    }

    fn execute(sql: String, params: Vec<Value>) -> Result<Vec<Vec<Value>>, Error> {
        let params: Vec<bridge::Value> = params.into_iter().map(crate::bridge::result).collect();
        with_call(|call| call.execute(&sql, &params)).map(|rows| rows.into_iter().map(row).collect())
    }

    fn changes() -> i64 {
        with_call(|call| Ok(call.changes())).unwrap_or(0)
    }

    fn last_insert_rowid() -> i64 {
        with_call(|call| Ok(call.last_insert_rowid())).unwrap_or(0)
    }
}
