//! `sqlink:wasm/extension-sql`: SQL an extension runs on the connection calling it, for a host
//! that calls back into the runtime while its `dispatch` import runs the extension (the page).
//! The SQLite side is the dispatch bridge's `CallSql`; this module frames one call at a time on
//! the connection `spi` is running a statement on (`requests::calling_db`, the REPL's rule too).

use std::cell::{Cell, RefCell};

use libsqlite3_sys as ffi;
use sqlink_dispatch_bridge::{self as bridge, CallSql, SqlError};

use crate::SqliteLib;
use crate::bindings::exports::sqlink::wasm::extension_sql::{self, ConflictMode};
use crate::bindings::sqlite::extension::types::{Error, FunctionFlags, ValueResult as Value};
use crate::bridge::contract_error;

thread_local! {
    /// The call `begin` framed (taken out while one of its functions runs).
    static CALL: RefCell<Option<CallSql>> = const { RefCell::new(None) };
    /// Between `begin` and `end`: the extension whose call is framed.
    static FRAMED: Cell<Option<u32>> = const { Cell::new(None) };
}

fn refused(message: &str) -> Error {
    Error { code: ffi::SQLITE_ERROR, message: message.to_owned() }
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
    result.map_err(contract_error)
}

fn row(values: Vec<bridge::Value>) -> Vec<Value> {
    values.into_iter().map(crate::bridge::owned).collect()
}

impl extension_sql::Guest for SqliteLib {
    fn begin(ext: u32) -> Result<(), Error> {
        if FRAMED.with(Cell::get).is_some() {
            return Err(refused("an extension's SQL cannot call extension functions (one extension call runs at a time)"));
        }
        // Every runtime connection carries the sandbox's authorizer from its opening (safe
        // mode's consults it too), so nothing is installed here.
        let db = crate::requests::calling_db().ok_or_else(no_call)?;
        // SAFETY: `db` is open and its statement runs until this call ends: the host ends it
        // (`end`) before the `dispatch` import that called the extension returns.
        let call = unsafe { CallSql::new(db) };
        CALL.with(|c| *c.borrow_mut() = Some(call));
        FRAMED.with(|f| f.set(Some(ext)));
        Ok(())
    }

    fn end() {
        // Dropping it finalizes what the call left open.
        drop(CALL.with(|c| c.borrow_mut().take()));
        FRAMED.with(|f| f.set(None));
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

    fn on_conflict() -> Result<ConflictMode, Error> {
        let db = crate::requests::calling_db().ok_or_else(no_call)?;
        // The framed call's connection, checked as every other function checks it.
        with_call(|_| Ok(()))?;
        // SAFETY: `db` is open: `spi` is running a statement on it, whose call this is.
        let mode = unsafe { bridge::on_conflict(db) }.map_err(contract_error)?;
        Ok(bridge::conflict_mode!(mode => ConflictMode))
    }

    fn create_function(name: String, arity: i32, flags: FunctionFlags, id: u32) -> Result<(), Error> {
        let ext = FRAMED.with(Cell::get).ok_or_else(no_call)?;
        with_call(|call| crate::requests::create_function(call, ext, &name, arity, crate::bridge::flags(flags), id))
    }

    fn delete_function(name: String, arity: i32) -> Result<(), Error> {
        let ext = FRAMED.with(Cell::get).ok_or_else(no_call)?;
        with_call(|call| crate::requests::delete_function(call, ext, &name, arity))
    }

    fn create_sql_function(name: String, arity: i32, flags: FunctionFlags, body: String) -> Result<(), Error> {
        let ext = FRAMED.with(Cell::get).ok_or_else(no_call)?;
        with_call(|call| crate::requests::create_sql_function(call, ext, &name, arity, crate::bridge::flags(flags), &body))
    }

    fn last_insert_rowid() -> i64 {
        with_call(|call| Ok(call.last_insert_rowid())).unwrap_or(0)
    }
}
