//! `sqlink:wasm/dispatch-bridge`, and the dispatcher that sends calls to the host through
//! the imported `sqlink:wasm/dispatch`.

use std::cell::RefCell;

use sqlink_dispatch_bridge::{self as bridge, Bridge, Dispatcher, FunctionFlags, SqlError, ValueRef};

use crate::SqliteLib;
use crate::bindings::exports::sqlink::wasm::dispatch_bridge;
use crate::bindings::sqlink::wasm::dispatch;
use crate::bindings::sqlite::extension::types;

thread_local! {
    /// One bridge for the component: every connection `spi` opens is attached to it.
    /// Its list of SQLite's own names must include the shell's built-ins.
    pub static BRIDGE: RefCell<Bridge<HostDispatcher>> = {
        crate::shell_builtins::install();
        RefCell::new(Bridge::new(HostDispatcher))
    };
}

pub struct HostDispatcher;

fn param<'a>(value: &'a ValueRef<'_>) -> types::ValueParam<'a> {
    match value {
        ValueRef::Null => types::ValueParam::Null,
        ValueRef::Integer(i) => types::ValueParam::Integer(*i),
        ValueRef::Real(r) => types::ValueParam::Real(*r),
        ValueRef::Text(t) => types::ValueParam::Text(t),
        ValueRef::Blob(b) => types::ValueParam::Blob(b),
    }
}

fn params<'a>(args: &'a [ValueRef<'_>]) -> Vec<types::ValueParam<'a>> {
    args.iter().map(param).collect()
}

fn result(value: types::ValueResult) -> bridge::Value {
    match value {
        types::ValueResult::Null => bridge::Value::Null,
        types::ValueResult::Integer(i) => bridge::Value::Integer(i),
        types::ValueResult::Real(r) => bridge::Value::Real(r),
        types::ValueResult::Text(t) => bridge::Value::Text(t),
        types::ValueResult::Blob(b) => bridge::Value::Blob(b),
    }
}

fn error(e: types::Error) -> SqlError {
    SqlError { code: e.code, message: e.message }
}

impl Dispatcher for HostDispatcher {
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<bridge::Value, SqlError> {
        dispatch::scalar_call(ext, id, &params(args)).map(result).map_err(error)
    }

    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        dispatch::aggregate_step(ext, id, context, &params(args)).map_err(error)
    }

    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        dispatch::aggregate_value(ext, id, context).map(result).map_err(error)
    }

    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        dispatch::aggregate_inverse(ext, id, context, &params(args)).map_err(error)
    }

    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        dispatch::aggregate_finalize(ext, id, context).map(result).map_err(error)
    }

    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32 {
        dispatch::collation_compare(ext, id, a, b)
    }

    fn table_open(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<u64, SqlError> {
        dispatch::table_open(ext, id, &params(args)).map_err(error)
    }

    fn hook_commit(&self, ext: u32) -> bool {
        dispatch::hook_commit(ext)
    }

    fn hook_rollback(&self, ext: u32) {
        dispatch::hook_rollback(ext)
    }

    fn hook_update(&self, ext: u32, change: bridge::RowChange, database: &str, table: &str, rowid: i64) {
        let change = match change {
            bridge::RowChange::Insert => 0,
            bridge::RowChange::Update => 1,
            bridge::RowChange::Delete => 2,
        };
        dispatch::hook_update(ext, change, database, table, rowid)
    }

    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<bridge::Value>>, SqlError> {
        let rows = dispatch::table_next(ext, cursor, max_rows).map_err(error)?;
        Ok(rows.into_iter().map(|row| row.into_iter().map(result).collect()).collect())
    }

    fn table_close(&self, ext: u32, cursor: u64) {
        dispatch::table_close(ext, cursor)
    }

    // The runtime registers no virtual-table modules yet (the `dispatch` import has no calls
    // for them), so SQLite never reaches these; they answer as a module not loaded would.
    fn vtab_connect(&self, _ext: u32, _module: u32, _args: &[String], _create: bool) -> Result<bridge::DeclaredTable, SqlError> {
        Err(no_modules())
    }

    fn vtab_best_index(&self, _ext: u32, _table: u64, _info: &bridge::IndexInfo) -> Result<bridge::IndexPlan, SqlError> {
        Err(no_modules())
    }

    fn vtab_open(&self, _ext: u32, _table: u64) -> Result<u64, SqlError> {
        Err(no_modules())
    }

    fn vtab_filter(
        &self,
        _ext: u32,
        _cursor: u64,
        _index_number: i32,
        _index_string: Option<&str>,
        _args: &[ValueRef<'_>],
        _max_rows: u32,
    ) -> Result<Vec<bridge::Row>, SqlError> {
        Err(no_modules())
    }

    fn vtab_next(&self, _ext: u32, _cursor: u64, _max_rows: u32) -> Result<Vec<bridge::Row>, SqlError> {
        Err(no_modules())
    }

    fn vtab_close(&self, _ext: u32, _cursor: u64) {}

    fn vtab_update(&self, _ext: u32, _table: u64, _change: &bridge::Change<'_>) -> Result<i64, SqlError> {
        Err(no_modules())
    }

    fn vtab_transaction(&self, _ext: u32, _table: u64, _event: bridge::TransactionEvent) -> Result<(), SqlError> {
        Err(no_modules())
    }

    fn vtab_rename(&self, _ext: u32, _table: u64, _new_name: &str) -> Result<(), SqlError> {
        Err(no_modules())
    }

    fn vtab_disconnect(&self, _ext: u32, _table: u64) {}

    fn vtab_destroy(&self, _ext: u32, _table: u64) -> Result<(), SqlError> {
        Err(no_modules())
    }
}

fn no_modules() -> SqlError {
    SqlError::new(1, "virtual-table modules of extensions are not available in the sqlink runtime yet")
}

fn flags(flags: types::FunctionFlags) -> FunctionFlags {
    let has = |flag: types::FunctionFlags| flags.bits() & flag.bits() != 0;
    FunctionFlags::from_bools(
        has(types::FunctionFlags::DETERMINISTIC),
        has(types::FunctionFlags::DIRECT_ONLY),
        has(types::FunctionFlags::INNOCUOUS),
    )
}

fn wit_error(e: bridge::SqlError) -> types::Error {
    types::Error { code: e.code, message: e.message }
}

impl dispatch_bridge::Guest for SqliteLib {
    fn register_host_scalar(ext: u32, name: String, arity: i32, f: types::FunctionFlags, func_id: u32) -> Result<(), types::Error> {
        BRIDGE.with(|b| b.borrow_mut().register_scalar(ext, &name, arity, flags(f), func_id)).map_err(wit_error)
    }

    fn register_host_aggregate(
        ext: u32,
        name: String,
        arity: i32,
        f: types::FunctionFlags,
        func_id: u32,
        window: bool,
    ) -> Result<(), types::Error> {
        BRIDGE.with(|b| b.borrow_mut().register_aggregate(ext, &name, arity, flags(f), func_id, window)).map_err(wit_error)
    }

    fn register_host_collation(ext: u32, name: String, func_id: u32) -> Result<(), types::Error> {
        BRIDGE.with(|b| b.borrow_mut().register_collation(ext, &name, func_id)).map_err(wit_error)
    }

    fn register_host_table(
        ext: u32,
        name: String,
        func_id: u32,
        columns: Vec<String>,
        parameters: Vec<String>,
    ) -> Result<(), types::Error> {
        BRIDGE.with(|b| b.borrow_mut().register_table(ext, &name, func_id, &columns, &parameters)).map_err(wit_error)
    }

    fn unregister_extension(ext: u32) {
        BRIDGE.with(|b| b.borrow_mut().unregister_extension(ext));
    }

    fn override_policy(ext: u32, allowed: bool, how_to_allow: String) {
        BRIDGE.with(|b| b.borrow_mut().override_policy(ext, allowed, &how_to_allow));
    }

    fn overridden(ext: u32) -> Vec<String> {
        BRIDGE.with(|b| b.borrow().overridden(ext).to_vec())
    }

    fn kept(ext: u32) -> Result<Vec<String>, types::Error> {
        BRIDGE.with(|b| b.borrow().kept(ext)).map_err(wit_error)
    }

    fn subscribe_hooks(ext: u32, kinds: types::HookKinds) -> Result<(), types::Error> {
        let kinds = bridge::HookKinds {
            commit: kinds.bits() & types::HookKinds::COMMIT.bits() != 0,
            rollback: kinds.bits() & types::HookKinds::ROLLBACK.bits() != 0,
            update: kinds.bits() & types::HookKinds::UPDATE.bits() != 0,
        };
        BRIDGE.with(|b| b.borrow_mut().subscribe_hooks(ext, kinds)).map_err(wit_error)
    }
}
