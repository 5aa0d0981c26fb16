//! What an extension's call asks of the runtime before it completes (`dispatch`'s `resume`):
//! SQL on the connection that is calling it, run with the bridge's `CallSql`, the SQLite side
//! every host shares (ARCHITECTURE.md, "SQL from an extension").
//!
//! The host answers a dispatch function with error code `REQUEST_PENDING` when the call waits
//! for a request; [`answered`] then serves the requests and asks the function again for the
//! call's outcome. Statements the call left open are finalized when the call completes.

use std::cell::Cell;

use libsqlite3_sys as ffi;
use sqlink_dispatch_bridge::{CallSql, ConflictMode, DefineFunctions, FunctionFlags, REQUEST_PENDING, RuntimeFunctions, SqlError, Value};

use crate::bindings::sqlink::wasm::dispatch::{self, Reply, Request, SqlFailure, SqlReply, SqlRequest};
use crate::bindings::sqlite::extension::types::{Error, ValueParam};
use crate::bridge::{BRIDGE, HostDispatcher, flags, result, value_param};

thread_local! {
    /// The connection whose `spi` call is running: every extension call SQLite makes comes
    /// from inside one, on that connection.
    static CALLING_DB: Cell<*mut ffi::sqlite3> = const { Cell::new(std::ptr::null_mut()) };
}

/// Marks `db` as the connection calling extensions while it lives (restoring the one before,
/// for an `spi` call made while another runs).
pub struct Calling(*mut ffi::sqlite3);

/// `db` runs SQL until the value is dropped.
pub fn calling(db: *mut ffi::sqlite3) -> Calling {
    Calling(CALLING_DB.with(|c| c.replace(db)))
}

impl Drop for Calling {
    fn drop(&mut self) {
        CALLING_DB.with(|c| c.set(self.0));
    }
}

/// The connection calling extensions now: the one whose `spi` call is running.
pub fn calling_db() -> Option<*mut ffi::sqlite3> {
    Some(CALLING_DB.with(Cell::get)).filter(|db| !db.is_null())
}

/// A dispatch function's answer, once the requests extension `ext` made on the way are
/// served. `call` makes the dispatch call; it runs a second time, for the outcome, only after
/// requests.
pub fn answered<T>(ext: u32, call: impl Fn() -> Result<T, Error>) -> Result<T, Error> {
    match call() {
        Err(e) if e.code == REQUEST_PENDING => {}
        outcome => return outcome,
    }
    serve(ext);
    match call() {
        Err(e) if e.code == REQUEST_PENDING => {
            Err(Error { code: ffi::SQLITE_ERROR, message: String::from("the host did not complete the extension's call") })
        }
        outcome => outcome,
    }
}

/// Run the waiting call of `ext`'s requests until it completes.
fn serve(ext: u32) {
    let db = calling_db();
    // SAFETY: `db` is the connection whose `spi` call is running (so open), and SQLite is
    // inside one of its callbacks for the extension call being served; the `CallSql` is
    // dropped before this function returns, while that callback still runs.
    let mut sql = db.map(|db| unsafe { CallSql::new(db) });
    let mut request = dispatch::resume(None);
    while let Some(Request::Sql(asked)) = request {
        let answer = match sql.as_mut() {
            Some(sql) => run(sql, ext, asked),
            None => Answer::Failed(SqlError::new(ffi::SQLITE_ERROR, "no connection is running a statement")),
        };
        request = reply(&answer);
    }
}

/// The answer to one request, before it is lent to `resume`.
enum Answer {
    Done,
    Statement(u64),
    Row(Option<Vec<Value>>),
    ColumnNames(Vec<String>),
    Rows(Vec<Vec<Value>>),
    Number(i64),
    Failed(SqlError),
}

fn params(row: &[Value]) -> Vec<ValueParam<'_>> {
    row.iter().map(value_param).collect()
}

/// Hand `answer` back; the next request.
fn reply(answer: &Answer) -> Option<Request> {
    match answer {
        Answer::Done => dispatch::resume(Some(Reply::Sql(SqlReply::Done))),
        Answer::Statement(id) => dispatch::resume(Some(Reply::Sql(SqlReply::Statement(*id)))),
        Answer::Row(row) => {
            let row = row.as_deref().map(params);
            dispatch::resume(Some(Reply::Sql(SqlReply::Row(row.as_deref()))))
        }
        Answer::ColumnNames(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            dispatch::resume(Some(Reply::Sql(SqlReply::ColumnNames(&names))))
        }
        Answer::Rows(rows) => {
            let rows: Vec<Vec<_>> = rows.iter().map(|row| params(row)).collect();
            let rows: Vec<&[_]> = rows.iter().map(Vec::as_slice).collect();
            dispatch::resume(Some(Reply::Sql(SqlReply::Rows(&rows))))
        }
        Answer::Number(n) => dispatch::resume(Some(Reply::Sql(SqlReply::Number(*n)))),
        Answer::Failed(e) => dispatch::resume(Some(Reply::Sql(SqlReply::Failed(SqlFailure { code: e.code, message: &e.message })))),
    }
}

/// One request of `ext`'s call, on the calling connection.
fn run(sql: &mut CallSql, ext: u32, asked: SqlRequest) -> Answer {
    let done = |r: Result<(), SqlError>| r.map_or_else(Answer::Failed, |()| Answer::Done);
    match asked {
        SqlRequest::Prepare(text) => sql.prepare(&text).map_or_else(Answer::Failed, Answer::Statement),
        SqlRequest::Bind(b) => done(sql.bind(b.statement, b.index, &result(b.value))),
        SqlRequest::Step(id) => sql.step(id).map_or_else(Answer::Failed, Answer::Row),
        SqlRequest::Reset(id) => done(sql.reset(id)),
        SqlRequest::ColumnNames(id) => sql.column_names(id).map_or_else(Answer::Failed, Answer::ColumnNames),
        SqlRequest::Finalize(id) => {
            sql.finalize(id);
            Answer::Done
        }
        SqlRequest::Execute(e) => {
            let params: Vec<Value> = e.params.into_iter().map(result).collect();
            sql.execute(&e.sql, &params).map_or_else(Answer::Failed, Answer::Rows)
        }
        SqlRequest::Changes => Answer::Number(sql.changes()),
        SqlRequest::LastInsertRowid => Answer::Number(sql.last_insert_rowid()),
        // SAFETY: `sql.db()` is the open connection whose callback is running this call.
        SqlRequest::OnConflict => match unsafe { sqlink_dispatch_bridge::on_conflict(sql.db()) } {
            Ok(mode) => Answer::Number(i64::from(conflict_code(mode))),
            Err(e) => Answer::Failed(e),
        },
        SqlRequest::CreateFunction(c) => done(create_function(sql, ext, &c.name, c.arity, flags(c.flags), c.id)),
        SqlRequest::DeleteFunction((name, arity)) => done(delete_function(sql, ext, &name, arity)),
        SqlRequest::CreateSqlFunction(c) => done(create_sql_function(sql, ext, &c.name, c.arity, flags(c.flags), &c.body)),
    }
}

/// The bridge's run-time functions (the registry every host shares, contract 0.4.0).
fn runtime_functions() -> Result<std::sync::Arc<RuntimeFunctions<HostDispatcher>>, SqlError> {
    BRIDGE.with(|b| match b.try_borrow() {
        Ok(bridge) => Ok(bridge.runtime_functions()),
        Err(_) => Err(SqlError::new(ffi::SQLITE_MISUSE, "cannot define a function while the runtime registers one")),
    })
}

/// `connection.create-function` of extension `ext`, whose call `sql` serves (the REPL's
/// requests and the page's `extension-sql` alike); its calls come to `dispatch.dynamic-call`.
pub fn create_function(sql: &CallSql, ext: u32, name: &str, arity: i32, flags: FunctionFlags, id: u32) -> Result<(), SqlError> {
    let functions = runtime_functions()?;
    // SAFETY: `sql.db()` is the open connection whose callback is running `ext`'s call.
    unsafe { functions.define(sql.db(), ext, name, arity, flags, id) }
}

/// `connection.create-sql-function` of extension `ext` (contract 0.5.0), as
/// [`create_function`]; the bridge runs `body` for each call, so its calls never reach a host.
pub fn create_sql_function(sql: &CallSql, ext: u32, name: &str, arity: i32, flags: FunctionFlags, body: &str) -> Result<(), SqlError> {
    let functions = runtime_functions()?;
    // SAFETY: as in `create_function`.
    unsafe { functions.define_sql(sql.db(), ext, name, arity, flags, body) }
}

/// `connection.delete-function` of extension `ext`, as [`create_function`].
pub fn delete_function(sql: &CallSql, ext: u32, name: &str, arity: i32) -> Result<(), SqlError> {
    let functions = runtime_functions()?;
    // SAFETY: as in `create_function`.
    unsafe { functions.delete(sql.db(), ext, name, arity) }
}

/// SQLite's code for a conflict mode (`sqlite3_vtab_on_conflict`'s answer).
fn conflict_code(mode: ConflictMode) -> i32 {
    match mode {
        ConflictMode::Rollback => ffi::SQLITE_ROLLBACK,
        ConflictMode::Ignore => ffi::SQLITE_IGNORE,
        ConflictMode::Fail => ffi::SQLITE_FAIL,
        ConflictMode::Abort => ffi::SQLITE_ABORT,
        ConflictMode::Replace => ffi::SQLITE_REPLACE,
    }
}
