//! The `sqlite:extension/connection` import (contract 0.3.0 and later): SQL an extension runs
//! on the connection that is calling it; from 0.4.0 also the functions it defines while it
//! runs, and the conflict mode of a virtual table's write; from 0.5.0 functions whose body is
//! SQL.
//!
//! Each call of an extension that imports it gets a [`SqlAccess`] for its duration from the
//! host that makes the call (`embed`: the bridge's `CallSql` on the native connection); the
//! statements of a call live in the call's `SqlAccess`, which finalizes what is left when the
//! call ends. Outside a call (instantiation, `describe`) and in a hook there is none, and
//! every function fails. A statement resource kept past its call names a statement that is
//! gone, which the next use says.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlink_dispatch_bridge::{CallSql, ConflictMode, DefineFunctions, FunctionFlags, SqlError, Value as BridgeValue};
use wasmtime::component::{HasSelf, Linker, Resource};

use crate::extension::ExtensionState;
use crate::values::{contract_error as error, flags as function_flags, owned, result};

/// The contract's types as the rest of this crate has them (`crate::bindings`, where the
/// owned value is `ValueResult`), so that the values, errors and flags of an extension's SQL
/// convert with the bridge's conversions (`crate::values`) as every other call's do.
pub mod types {
    pub use crate::bindings::sqlite::extension::types::ValueResult as Value;
    pub use crate::bindings::sqlite::extension::types::*;
}

wasmtime::component::bindgen!({
    path: "../wit/extension/0.3.0",
    world: "sqlite:extension/extension",
    with: {
        "sqlite:extension/types": types,
        "sqlite:extension/connection.statement": Statement,
    },
});

/// 0.4.0's `connection`: 0.3.0's functions (the same Rust types: the types interface did not
/// change, and the statement is the same resource) and the new ones.
mod v4 {
    wasmtime::component::bindgen!({
        path: "../wit/extension/0.4.0",
        world: "sqlite:extension/extension",
        with: {
            "sqlite:extension/types": super::types,
            "sqlite:extension/connection.statement": super::Statement,
        },
    });
}

/// 0.5.0's `connection`: 0.4.0's and `create-sql-function`.
mod v5 {
    wasmtime::component::bindgen!({
        path: "../wit/extension/0.5.0",
        world: "sqlite:extension/extension",
        with: {
            "sqlite:extension/types": super::types,
            "sqlite:extension/connection.statement": super::Statement,
        },
    });
}

use sqlite::extension::connection::{Host, HostStatement};
use types::{Error, Value};
use v4::sqlite::extension::connection as v4conn;
use v5::sqlite::extension::connection as v5conn;

/// The interface's name without its version: a component importing it needs the host to
/// provide it.
pub const INTERFACE: &str = "sqlite:extension/connection";

/// A statement resource: the number its call's [`SqlAccess`] knows it by.
pub struct Statement(u64);

/// How one call of an extension runs SQL on its caller's connection.
pub trait SqlAccess: Send {
    fn prepare(&mut self, sql: &str) -> Result<u64, SqlError>;
    fn bind(&mut self, statement: u64, index: u32, value: BridgeValue) -> Result<(), SqlError>;
    fn step(&mut self, statement: u64) -> Result<Option<Vec<BridgeValue>>, SqlError>;
    fn reset(&mut self, statement: u64) -> Result<(), SqlError>;
    fn column_names(&mut self, statement: u64) -> Result<Vec<String>, SqlError>;
    fn finalize(&mut self, statement: u64);
    fn execute(&mut self, sql: &str, params: Vec<BridgeValue>) -> Result<Vec<Vec<BridgeValue>>, SqlError>;
    fn changes(&mut self) -> i64;
    fn last_insert_rowid(&mut self) -> i64;
    /// The conflict mode of the virtual-table write being applied (contract 0.4.0).
    fn on_conflict(&mut self) -> Result<ConflictMode, SqlError> {
        Err(SqlError::new(1, "this host does not give the conflict mode of a write yet"))
    }
    /// Define a function on the calling connection whose calls come back to the extension's
    /// `dynamic-function` with `id` (contract 0.4.0).
    fn create_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, id: u32) -> Result<(), SqlError> {
        let _ = (name, arity, flags, id);
        Err(SqlError::new(1, "this host does not define functions at run time yet"))
    }
    fn delete_function(&mut self, name: &str, arity: i32) -> Result<(), SqlError> {
        let _ = (name, arity);
        Err(SqlError::new(1, "this host does not define functions at run time yet"))
    }
    /// Define a function on the calling connection whose body is SQL (contract 0.5.0).
    fn create_sql_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, body: &str) -> Result<(), SqlError> {
        let _ = (name, arity, flags, body);
        Err(SqlError::new(1, "this host does not define functions at run time yet"))
    }
}

/// Makes the [`SqlAccess`] of each call, given the call's deadline.
pub type SqlSource = Arc<dyn Fn(Instant) -> Box<dyn SqlAccess> + Send + Sync>;

/// Add the import to an extension's linker.
pub fn add_to_linker(linker: &mut Linker<ExtensionState>) -> anyhow::Result<()> {
    sqlite::extension::connection::add_to_linker::<ExtensionState, HasSelf<ExtensionState>>(linker, |state| state)?;
    v4conn::add_to_linker::<ExtensionState, HasSelf<ExtensionState>>(linker, |state| state)?;
    v5conn::add_to_linker::<ExtensionState, HasSelf<ExtensionState>>(linker, |state| state).map_err(anyhow::Error::from)
}

fn no_call() -> Error {
    Error {
        code: 1,
        message: String::from(
            "an extension may run SQL only while SQLite calls one of its functions, tables or modules (not at load, nor in a hook)",
        ),
    }
}

fn row(values: Vec<BridgeValue>) -> Vec<Value> {
    values.into_iter().map(owned).collect()
}

impl ExtensionState {
    fn sql(&mut self) -> Result<&mut Box<dyn SqlAccess>, Error> {
        self.sql.as_mut().ok_or_else(no_call)
    }

    fn statement(&self, handle: &Resource<Statement>) -> Result<u64, Error> {
        self.table.get(handle).map(|s| s.0).map_err(|e| Error { code: 1, message: format!("no such statement: {e}") })
    }
}

impl Host for ExtensionState {
    fn prepare(&mut self, sql: String) -> Result<Resource<Statement>, Error> {
        let id = self.sql()?.prepare(&sql).map_err(error)?;
        match self.table.push(Statement(id)) {
            Ok(handle) => Ok(handle),
            Err(e) => {
                self.sql()?.finalize(id);
                Err(Error { code: 7, message: format!("too many statements: {e}") })
            }
        }
    }

    fn execute(&mut self, sql: String, params: Vec<Value>) -> Result<Vec<Vec<Value>>, Error> {
        let rows = self.sql()?.execute(&sql, params.into_iter().map(result).collect()).map_err(error)?;
        Ok(rows.into_iter().map(row).collect())
    }

    fn changes(&mut self) -> i64 {
        self.sql.as_mut().map_or(0, |sql| sql.changes())
    }

    fn last_insert_rowid(&mut self) -> i64 {
        self.sql.as_mut().map_or(0, |sql| sql.last_insert_rowid())
    }
}

/// The `connection` of a version after 0.3.0: 0.3.0's functions, the ones 0.4.0 added, and
/// `$newer`, the version's own (the bindings of each version are types of their own).
macro_rules! later_connection {
    ($conn:ident { $($newer:tt)* }) => {
        impl $conn::Host for ExtensionState {
            fn prepare(&mut self, sql: String) -> Result<Resource<Statement>, Error> {
                Host::prepare(self, sql)
            }

            fn execute(&mut self, sql: String, params: Vec<Value>) -> Result<Vec<Vec<Value>>, Error> {
                Host::execute(self, sql, params)
            }

            fn changes(&mut self) -> i64 {
                Host::changes(self)
            }

            fn last_insert_rowid(&mut self) -> i64 {
                Host::last_insert_rowid(self)
            }

            fn on_conflict(&mut self) -> Result<$conn::ConflictMode, Error> {
                let mode = self.sql()?.on_conflict().map_err(error)?;
                Ok(sqlink_dispatch_bridge::conflict_mode!(mode => $conn::ConflictMode))
            }

            fn create_function(&mut self, name: String, arity: i32, flags: types::FunctionFlags, id: u32) -> Result<(), Error> {
                self.sql()?.create_function(&name, arity, function_flags(flags), id).map_err(error)
            }

            fn delete_function(&mut self, name: String, arity: i32) -> Result<(), Error> {
                self.sql()?.delete_function(&name, arity).map_err(error)
            }

            $($newer)*
        }

        impl $conn::HostStatement for ExtensionState {
            fn bind(&mut self, handle: Resource<Statement>, index: u32, to: Value) -> Result<(), Error> {
                HostStatement::bind(self, handle, index, to)
            }

            fn step(&mut self, handle: Resource<Statement>) -> Result<Option<Vec<Value>>, Error> {
                HostStatement::step(self, handle)
            }

            fn reset(&mut self, handle: Resource<Statement>) -> Result<(), Error> {
                HostStatement::reset(self, handle)
            }

            fn column_names(&mut self, handle: Resource<Statement>) -> Vec<String> {
                HostStatement::column_names(self, handle)
            }

            fn drop(&mut self, handle: Resource<Statement>) -> wasmtime::Result<()> {
                HostStatement::drop(self, handle)
            }
        }
    };
}

later_connection!(v4conn {});

later_connection!(v5conn {
    fn create_sql_function(&mut self, name: String, arity: i32, flags: types::FunctionFlags, body: String) -> Result<(), Error> {
        self.sql()?.create_sql_function(&name, arity, function_flags(flags), &body).map_err(error)
    }
});

impl HostStatement for ExtensionState {
    fn bind(&mut self, handle: Resource<Statement>, index: u32, to: Value) -> Result<(), Error> {
        let id = self.statement(&handle)?;
        self.sql()?.bind(id, index, result(to)).map_err(error)
    }

    fn step(&mut self, handle: Resource<Statement>) -> Result<Option<Vec<Value>>, Error> {
        let id = self.statement(&handle)?;
        Ok(self.sql()?.step(id).map_err(error)?.map(row))
    }

    fn reset(&mut self, handle: Resource<Statement>) -> Result<(), Error> {
        let id = self.statement(&handle)?;
        self.sql()?.reset(id).map_err(error)
    }

    fn column_names(&mut self, handle: Resource<Statement>) -> Vec<String> {
        let Ok(id) = self.statement(&handle) else { return Vec::new() };
        self.sql.as_mut().and_then(|sql| sql.column_names(id).ok()).unwrap_or_default()
    }

    fn drop(&mut self, handle: Resource<Statement>) -> wasmtime::Result<()> {
        let statement = self.table.delete(handle)?;
        if let Some(sql) = self.sql.as_mut() {
            sql.finalize(statement.0);
        }
        Ok(())
    }
}

/// Connections whose extension SQL has run past its call's deadline are interrupted by the
/// engine's ticker thread: SQLite checks for an interrupt as it runs, so a long query stops.
#[derive(Clone, Default)]
pub struct Watchdog(Arc<Mutex<Vec<Armed>>>);

struct Armed {
    id: u64,
    deadline: Instant,
    /// The connection's handle, interrupted only while the entry exists (under the lock).
    db: usize,
}

impl Watchdog {
    /// Called every tick: interrupt what is past its deadline.
    pub fn tick(&self) {
        let armed = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for entry in armed.iter().filter(|a| a.deadline <= now) {
            // SAFETY: an entry exists only while `Guard` lives, which is during a SQLite call
            // on that open connection; the lock keeps it from ending meanwhile, and
            // sqlite3_interrupt may be called from any thread.
            unsafe { rusqlite::ffi::sqlite3_interrupt(entry.db as *mut rusqlite::ffi::sqlite3) };
        }
    }

    fn arm(&self, db: usize, deadline: Instant) -> Guard {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(Armed { id, deadline, db });
        Guard { watchdog: self.clone(), id }
    }
}

struct Guard {
    watchdog: Watchdog,
    id: u64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.watchdog.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|a| a.id != self.id);
    }
}

/// A native call's SQL: the bridge's `CallSql` on the calling connection, stopped at the
/// call's deadline.
pub struct NativeSql {
    sql: CallSql,
    deadline: Instant,
    watchdog: Watchdog,
    /// Where the extension's run-time functions go, and its handle there.
    functions: Option<(Arc<dyn DefineFunctions>, u32)>,
}

impl NativeSql {
    pub fn new(sql: CallSql, deadline: Instant, watchdog: Watchdog) -> Self {
        NativeSql { sql, deadline, watchdog, functions: None }
    }

    /// The bridge's run-time functions, for extension `ext`'s calls.
    pub fn with_functions(mut self, functions: Arc<dyn DefineFunctions>, ext: u32) -> Self {
        self.functions = Some((functions, ext));
        self
    }

    fn functions(&self) -> Result<(&dyn DefineFunctions, u32), SqlError> {
        match &self.functions {
            Some((functions, ext)) => Ok((functions.as_ref(), *ext)),
            None => Err(SqlError::new(1, "this connection does not define functions at run time")),
        }
    }

    /// Run `f` with the watchdog armed; an interruption past the deadline says so.
    fn timed<T>(&mut self, f: impl FnOnce(&mut CallSql) -> Result<T, SqlError>) -> Result<T, SqlError> {
        if Instant::now() >= self.deadline {
            return Err(past_deadline());
        }
        let _guard = self.watchdog.arm(self.sql.db() as usize, self.deadline);
        let result = f(&mut self.sql);
        match result {
            Err(e) if e.code == rusqlite::ffi::SQLITE_INTERRUPT && Instant::now() >= self.deadline => Err(past_deadline()),
            other => other,
        }
    }
}

/// The error of SQL stopped because its call's time limit passed.
pub fn past_deadline() -> SqlError {
    SqlError::new(rusqlite::ffi::SQLITE_INTERRUPT, "the extension's SQL was stopped: the call's time limit passed")
}

impl SqlAccess for NativeSql {
    fn prepare(&mut self, sql: &str) -> Result<u64, SqlError> {
        self.timed(|s| s.prepare(sql))
    }

    fn bind(&mut self, statement: u64, index: u32, value: BridgeValue) -> Result<(), SqlError> {
        self.sql.bind(statement, index, &value)
    }

    fn step(&mut self, statement: u64) -> Result<Option<Vec<BridgeValue>>, SqlError> {
        self.timed(|s| s.step(statement))
    }

    fn reset(&mut self, statement: u64) -> Result<(), SqlError> {
        self.sql.reset(statement)
    }

    fn column_names(&mut self, statement: u64) -> Result<Vec<String>, SqlError> {
        self.sql.column_names(statement)
    }

    fn finalize(&mut self, statement: u64) {
        self.sql.finalize(statement)
    }

    fn execute(&mut self, sql: &str, params: Vec<BridgeValue>) -> Result<Vec<Vec<BridgeValue>>, SqlError> {
        self.timed(|s| s.execute(sql, &params))
    }

    fn changes(&mut self) -> i64 {
        self.sql.changes()
    }

    fn last_insert_rowid(&mut self) -> i64 {
        self.sql.last_insert_rowid()
    }

    fn on_conflict(&mut self) -> Result<ConflictMode, SqlError> {
        // SAFETY: the `CallSql`'s connection is the open one whose call is running.
        unsafe { sqlink_dispatch_bridge::on_conflict(self.sql.db()) }
    }

    fn create_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, id: u32) -> Result<(), SqlError> {
        let (functions, ext) = self.functions()?;
        // SAFETY: as above: the connection of the running call of `ext`.
        unsafe { functions.define(self.sql.db(), ext, name, arity, flags, id) }
    }

    fn delete_function(&mut self, name: &str, arity: i32) -> Result<(), SqlError> {
        let (functions, ext) = self.functions()?;
        // SAFETY: as above.
        unsafe { functions.delete(self.sql.db(), ext, name, arity) }
    }

    fn create_sql_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, body: &str) -> Result<(), SqlError> {
        let (functions, ext) = self.functions()?;
        // SAFETY: as above.
        unsafe { functions.define_sql(self.sql.db(), ext, name, arity, flags, body) }
    }
}

/// A host that cannot run an extension's SQL (yet): every function fails with `why`.
pub struct Unavailable(pub &'static str);

impl Unavailable {
    fn refuse<T>(&self) -> Result<T, SqlError> {
        Err(SqlError::new(1, self.0))
    }

    /// A source of it, for [`crate::extension::Extension::set_sql_source`].
    pub fn source(why: &'static str) -> SqlSource {
        Arc::new(move |_| Box::new(Unavailable(why)))
    }
}

impl SqlAccess for Unavailable {
    fn prepare(&mut self, _: &str) -> Result<u64, SqlError> {
        self.refuse()
    }

    fn bind(&mut self, _: u64, _: u32, _: BridgeValue) -> Result<(), SqlError> {
        self.refuse()
    }

    fn step(&mut self, _: u64) -> Result<Option<Vec<BridgeValue>>, SqlError> {
        self.refuse()
    }

    fn reset(&mut self, _: u64) -> Result<(), SqlError> {
        self.refuse()
    }

    fn column_names(&mut self, _: u64) -> Result<Vec<String>, SqlError> {
        self.refuse()
    }

    fn finalize(&mut self, _: u64) {}

    fn execute(&mut self, _: &str, _: Vec<BridgeValue>) -> Result<Vec<Vec<BridgeValue>>, SqlError> {
        self.refuse()
    }

    fn changes(&mut self) -> i64 {
        0
    }

    fn last_insert_rowid(&mut self) -> i64 {
        0
    }

    fn on_conflict(&mut self) -> Result<ConflictMode, SqlError> {
        self.refuse()
    }

    fn create_function(&mut self, _: &str, _: i32, _: FunctionFlags, _: u32) -> Result<(), SqlError> {
        self.refuse()
    }

    fn delete_function(&mut self, _: &str, _: i32) -> Result<(), SqlError> {
        self.refuse()
    }

    fn create_sql_function(&mut self, _: &str, _: i32, _: FunctionFlags, _: &str) -> Result<(), SqlError> {
        self.refuse()
    }
}
