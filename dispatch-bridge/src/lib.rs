//! SQLite functions whose bodies live somewhere else.
//!
//! A [`Bridge`] installs `sqlite3_create_function_v2` / `sqlite3_create_window_function` /
//! `sqlite3_create_collation_v2` trampolines, and eponymous virtual tables for table
//! functions (`sqlite3_create_module_v2`), on every connection it is attached to. Each
//! trampoline converts the `sqlite3_value`s to [`ValueRef`]s (borrowed, no copies), hands
//! them to a [`Dispatcher`] together with the extension's handle and the function's id, and
//! turns the answer into the SQL result or a SQL error.
//!
//! Inside the wasm runtime the dispatcher is the imported `sqlink:wasm/dispatch` interface;
//! natively it calls the extension component directly. Either way this crate is the one
//! place that speaks SQLite's C API for extension functions.

mod hooks;
mod registry;
mod sql;
mod target;
mod trampolines;
mod vtab;

pub use hooks::{HookKinds, ProgramHooks, RowChange};
pub use registry::Bridge;
pub use sql::{CallSql, install_authorizer};
pub use sqlink_rules::FunctionFlags;
pub use sqlink_rules::table::PAGE_ROWS;

use std::borrow::Cow;

/// An argument as SQLite holds it, borrowed for the duration of one call.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    /// SQLite text is meant to be UTF-8; invalid bytes become U+FFFD.
    Text(Cow<'a, str>),
    Blob(&'a [u8]),
}

/// A result to hand back to SQLite.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    /// NaN becomes NULL, as everywhere in SQLite.
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A SQLite result code and message: raised by an extension function, or a registration
/// SQLite refused (or that could never work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub code: i32,
    pub message: String,
}

impl SqlError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        SqlError { code, message: message.into() }
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqlError {}

/// Where the calls go. `ext` is the extension's handle given at registration, `id` the
/// function's id in that extension's metadata, `context` names one aggregation: it is
/// unique while the aggregation is alive and `aggregate_finalize` ends it.
pub trait Dispatcher {
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<Value, SqlError>;
    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError>;
    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<Value, SqlError>;
    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError>;
    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<Value, SqlError>;
    /// Negative, zero or positive, as `memcmp`.
    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32;
    /// Start table function `id`; returns the cursor's id in extension `ext`.
    fn table_open(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<u64, SqlError>;
    /// Up to `max_rows` further rows of `cursor`; fewer means the last ones.
    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, SqlError>;
    fn table_close(&self, ext: u32, cursor: u64);
    /// Before a commit, for an extension that asked: true turns it into a rollback.
    fn hook_commit(&self, ext: u32) -> bool {
        let _ = ext;
        false
    }
    /// After a rollback, for an extension that asked.
    fn hook_rollback(&self, ext: u32) {
        let _ = ext;
    }
    /// After a row of a rowid table changed, for an extension that asked.
    fn hook_update(&self, ext: u32, change: RowChange, database: &str, table: &str, rowid: i64) {
        let _ = (ext, change, database, table, rowid);
    }
}

impl From<&ValueRef<'_>> for Value {
    fn from(value: &ValueRef<'_>) -> Value {
        match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(*i),
            ValueRef::Real(r) => Value::Real(*r),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}
