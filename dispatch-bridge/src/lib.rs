//! SQLite functions whose bodies live somewhere else.
//!
//! A [`Bridge`] installs `sqlite3_create_function_v2` / `sqlite3_create_window_function` /
//! `sqlite3_create_collation_v2` trampolines, eponymous virtual tables for table functions,
//! and virtual-table modules (`sqlite3_create_module_v2`, `module.rs`), on every connection
//! it is attached to. Each
//! trampoline converts the `sqlite3_value`s to [`ValueParam`]s (borrowed, no copies), hands
//! them to a [`Dispatcher`] together with the extension's handle and the function's id, and
//! turns the answer into the SQL result or a SQL error.
//!
//! Inside the wasm runtime the dispatcher is the imported `sqlink:wasm/dispatch` interface;
//! natively it calls the extension component directly. Either way this crate is the one
//! place that speaks SQLite's C API for extension functions.

mod contract;
mod declarations;
mod dynamic;
mod hooks;
mod module;
mod registry;
mod sql;
mod target;
mod trampolines;
mod vtab;

pub use declarations::{Declaration, Declarations, OverridePolicy};
pub use dynamic::{ConflictMode, DefineFunctions, RuntimeFunctions, on_conflict};
pub use hooks::{HookKinds, ProgramHooks, RowChange};
pub use module::ModuleShape;
pub use registry::Bridge;
pub use sql::{CallSql, REQUEST_PENDING, install_authorizer, sandbox_authorizer};
pub use sqlink_rules::FunctionFlags;
pub use sqlink_rules::table::PAGE_ROWS;
#[doc(hidden)]
pub use sqlink_rules::{copy_plan, copy_transaction_event};

use std::borrow::Cow;

/// An argument as SQLite holds it, borrowed for the duration of one call.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueParam<'a> {
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
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<Value, SqlError>;
    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError>;
    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<Value, SqlError>;
    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError>;
    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<Value, SqlError>;
    /// Negative, zero or positive, as `memcmp`; for an extension gone meanwhile, as SQLite's
    /// BINARY (`sqlink_rules::collation::compare_unloaded`).
    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32;
    /// Start table function `id`; returns the cursor's id in extension `ext`.
    fn table_open(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<u64, SqlError>;
    /// Up to `max_rows` further rows of `cursor`; fewer means the last ones.
    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, SqlError>;
    fn table_close(&self, ext: u32, cursor: u64);

    /// `CREATE VIRTUAL TABLE` (`create`), or a table of the schema opened again, of module
    /// `module` with SQLite's arguments (module, database and table name, then each argument).
    fn vtab_connect(&self, ext: u32, module: u32, args: &[String], create: bool) -> Result<DeclaredTable, SqlError>;
    /// How to scan `table`; an error with code SQLITE_CONSTRAINT says this set of usable
    /// constraints cannot be planned.
    fn vtab_best_index(&self, ext: u32, table: u64, info: &IndexInfo) -> Result<IndexPlan, SqlError>;
    fn vtab_open(&self, ext: u32, table: u64) -> Result<u64, SqlError>;
    /// Start `cursor`'s scan; its first rows.
    fn vtab_filter(&self, ext: u32, cursor: u64, filter: &Filter<'_>) -> Result<Vec<Row>, SqlError>;
    fn vtab_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Row>, SqlError>;
    fn vtab_close(&self, ext: u32, cursor: u64);
    /// One write; the rowid of the row inserted or updated.
    fn vtab_update(&self, ext: u32, table: u64, change: &Change<'_>) -> Result<i64, SqlError>;
    fn vtab_transaction(&self, ext: u32, table: u64, event: TransactionEvent) -> Result<(), SqlError>;
    fn vtab_rename(&self, ext: u32, table: u64, new_name: &str) -> Result<(), SqlError>;
    fn vtab_disconnect(&self, ext: u32, table: u64);
    fn vtab_destroy(&self, ext: u32, table: u64) -> Result<(), SqlError>;
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
    /// A call of function `id` that extension `ext` defined at run time (contract 0.4.0's
    /// `dynamic-function`).
    fn dynamic_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<Value, SqlError> {
        let _ = (ext, id, args);
        Err(SqlError::new(1, "this host does not call functions defined at run time"))
    }
}

/// What a module's create or connect answers: the schema for `sqlite3_declare_vtab` and the
/// extension's number for the table.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredTable {
    pub schema: String,
    pub table: u64,
}

/// One WHERE constraint on a virtual table's column (-1: the rowid); `op` is SQLite's
/// SQLITE_INDEX_CONSTRAINT_* code; `rhs` the right-hand value when known while planning.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexConstraint {
    pub column: i32,
    pub op: u8,
    pub usable: bool,
    pub rhs: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOrderBy {
    pub column: i32,
    pub desc: bool,
}

/// What SQLite's planner asks xBestIndex.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    pub constraints: Vec<IndexConstraint>,
    pub order_by: Vec<IndexOrderBy>,
    /// Bit N: column N is read (bit 63: column 63 or later).
    pub columns_used: u64,
}

/// How a plan uses one constraint: `argument` is its position among xFilter's arguments (1
/// is the first; 0: not needed); `omit`: SQLite need not check it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConstraintUsage {
    pub argument: u32,
    pub omit: bool,
}

/// The extension's answer to xBestIndex.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPlan {
    /// One per constraint, in order.
    pub usage: Vec<ConstraintUsage>,
    pub index_number: i32,
    pub index_string: Option<String>,
    pub order_by_consumed: bool,
    pub estimated_cost: f64,
    pub estimated_rows: i64,
    pub unique: bool,
}

/// How a scan starts (xFilter): the plan's number and string, the arguments it asked for,
/// and how many rows the first page may hold (fewer: the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter<'a> {
    pub index_number: i32,
    pub index_string: Option<&'a str>,
    pub args: &'a [ValueParam<'a>],
    pub max_rows: u32,
}

/// One row of a virtual table's scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub rowid: i64,
    pub columns: Vec<Value>,
}

/// One write to a virtual table, with SQLite's values borrowed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<'a> {
    Delete(i64),
    /// `rowid` none: the table chooses it.
    Insert {
        rowid: Option<i64>,
        columns: Vec<ValueParam<'a>>,
    },
    Update {
        old_rowid: i64,
        rowid: i64,
        columns: Vec<ValueParam<'a>>,
    },
}

/// SQLite's transaction events for a virtual table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionEvent {
    Begin,
    Sync,
    Commit,
    Rollback,
    Savepoint(i32),
    Release(i32),
    RollbackTo(i32),
}

impl From<&ValueParam<'_>> for Value {
    fn from(value: &ValueParam<'_>) -> Value {
        match value {
            ValueParam::Null => Value::Null,
            ValueParam::Integer(i) => Value::Integer(*i),
            ValueParam::Real(r) => Value::Real(*r),
            ValueParam::Text(t) => Value::Text(t.to_string()),
            ValueParam::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}
