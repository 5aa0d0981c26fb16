//! `sqlink:wasm/dispatch-bridge`, and the dispatcher that sends calls to the host through
//! the imported `sqlink:wasm/dispatch`.

use std::cell::RefCell;

use sqlink_dispatch_bridge::{self as bridge, Bridge, Dispatcher, FunctionFlags, SqlError, ValueRef};

use crate::SqliteLib;
use crate::bindings::exports::sqlink::wasm::dispatch_bridge;
use crate::bindings::sqlink::wasm::dispatch;
use crate::bindings::sqlite::extension::types;
use crate::requests::answered;

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

pub(crate) fn result(value: types::ValueResult) -> bridge::Value {
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
        answered(ext, || dispatch::scalar_call(ext, id, &params(args))).map(result).map_err(error)
    }

    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        answered(ext, || dispatch::aggregate_step(ext, id, context, &params(args))).map_err(error)
    }

    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::aggregate_value(ext, id, context)).map(result).map_err(error)
    }

    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueRef<'_>]) -> Result<(), SqlError> {
        answered(ext, || dispatch::aggregate_inverse(ext, id, context, &params(args))).map_err(error)
    }

    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::aggregate_finalize(ext, id, context)).map(result).map_err(error)
    }

    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32 {
        dispatch::collation_compare(ext, id, a, b)
    }

    fn table_open(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<u64, SqlError> {
        answered(ext, || dispatch::table_open(ext, id, &params(args))).map_err(error)
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

    fn dynamic_call(&self, ext: u32, id: u32, args: &[ValueRef<'_>]) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::dynamic_call(ext, id, &params(args))).map(result).map_err(error)
    }

    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<bridge::Value>>, SqlError> {
        let rows = answered(ext, || dispatch::table_next(ext, cursor, max_rows)).map_err(error)?;
        Ok(rows.into_iter().map(|row| row.into_iter().map(result).collect()).collect())
    }

    fn table_close(&self, ext: u32, cursor: u64) {
        dispatch::table_close(ext, cursor)
    }

    fn vtab_connect(&self, ext: u32, module: u32, args: &[String], create: bool) -> Result<bridge::DeclaredTable, SqlError> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let declared = answered(ext, || dispatch::vtab_connect(ext, module, &args, create)).map_err(error)?;
        Ok(bridge::DeclaredTable { schema: declared.schema, table: declared.table })
    }

    fn vtab_best_index(&self, ext: u32, table: u64, info: &bridge::IndexInfo) -> Result<bridge::IndexPlan, SqlError> {
        let constraints: Vec<dispatch::IndexConstraint<'_>> = info
            .constraints
            .iter()
            .map(|c| dispatch::IndexConstraint { column: c.column, op: c.op, usable: c.usable, rhs: c.rhs.as_ref().map(value_param) })
            .collect();
        let order_by: Vec<dispatch::IndexOrderBy> =
            info.order_by.iter().map(|o| dispatch::IndexOrderBy { column: o.column, desc: o.desc }).collect();
        let asked = || dispatch::IndexInfo { constraints: &constraints, order_by: &order_by, columns_used: info.columns_used };
        let plan = answered(ext, || dispatch::vtab_best_index(ext, table, asked())).map_err(error)?;
        Ok(bridge::IndexPlan {
            usage: plan.usage.iter().map(|u| bridge::ConstraintUsage { argument: u.argument, omit: u.omit }).collect(),
            index_number: plan.index_number,
            index_string: plan.index_string,
            order_by_consumed: plan.order_by_consumed,
            estimated_cost: plan.estimated_cost,
            estimated_rows: plan.estimated_rows,
            unique: plan.unique,
        })
    }

    fn vtab_open(&self, ext: u32, table: u64) -> Result<u64, SqlError> {
        answered(ext, || dispatch::vtab_open(ext, table)).map_err(error)
    }

    fn vtab_filter(
        &self,
        ext: u32,
        cursor: u64,
        index_number: i32,
        index_string: Option<&str>,
        args: &[ValueRef<'_>],
        max_rows: u32,
    ) -> Result<Vec<bridge::Row>, SqlError> {
        answered(ext, || dispatch::vtab_filter(ext, cursor, index_number, index_string, &params(args), max_rows)).map(rows).map_err(error)
    }

    fn vtab_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<bridge::Row>, SqlError> {
        answered(ext, || dispatch::vtab_next(ext, cursor, max_rows)).map(rows).map_err(error)
    }

    fn vtab_close(&self, ext: u32, cursor: u64) {
        dispatch::vtab_close(ext, cursor)
    }

    fn vtab_update(&self, ext: u32, table: u64, change: &bridge::Change<'_>) -> Result<i64, SqlError> {
        let written = answered(ext, || match change {
            bridge::Change::Delete(rowid) => dispatch::vtab_update(ext, table, dispatch::Change::Delete(*rowid)),
            bridge::Change::Insert { rowid, columns } => {
                let columns = params(columns);
                dispatch::vtab_update(ext, table, dispatch::Change::Insert(dispatch::NewRow { rowid: *rowid, columns: &columns }))
            }
            bridge::Change::Update { old_rowid, rowid, columns } => {
                let columns = params(columns);
                let row = dispatch::RowParam { rowid: *rowid, columns: &columns };
                dispatch::vtab_update(ext, table, dispatch::Change::Update(dispatch::UpdatedRow { old_rowid: *old_rowid, row }))
            }
        });
        written.map_err(error)
    }

    fn vtab_transaction(&self, ext: u32, table: u64, event: bridge::TransactionEvent) -> Result<(), SqlError> {
        let event = match event {
            bridge::TransactionEvent::Begin => dispatch::TransactionEvent::Begin,
            bridge::TransactionEvent::Sync => dispatch::TransactionEvent::Sync,
            bridge::TransactionEvent::Commit => dispatch::TransactionEvent::Commit,
            bridge::TransactionEvent::Rollback => dispatch::TransactionEvent::Rollback,
            bridge::TransactionEvent::Savepoint(n) => dispatch::TransactionEvent::Savepoint(n),
            bridge::TransactionEvent::Release(n) => dispatch::TransactionEvent::Release(n),
            bridge::TransactionEvent::RollbackTo(n) => dispatch::TransactionEvent::RollbackTo(n),
        };
        answered(ext, || dispatch::vtab_transaction(ext, table, event)).map_err(error)
    }

    fn vtab_rename(&self, ext: u32, table: u64, new_name: &str) -> Result<(), SqlError> {
        answered(ext, || dispatch::vtab_rename(ext, table, new_name)).map_err(error)
    }

    fn vtab_disconnect(&self, ext: u32, table: u64) {
        dispatch::vtab_disconnect(ext, table)
    }

    fn vtab_destroy(&self, ext: u32, table: u64) -> Result<(), SqlError> {
        answered(ext, || dispatch::vtab_destroy(ext, table)).map_err(error)
    }
}

/// A planning-time value, borrowed for the call.
pub(crate) fn value_param(value: &bridge::Value) -> types::ValueParam<'_> {
    match value {
        bridge::Value::Null => types::ValueParam::Null,
        bridge::Value::Integer(i) => types::ValueParam::Integer(*i),
        bridge::Value::Real(r) => types::ValueParam::Real(*r),
        bridge::Value::Text(t) => types::ValueParam::Text(t),
        bridge::Value::Blob(b) => types::ValueParam::Blob(b),
    }
}

/// A virtual table's page of rows, as the bridge takes it.
fn rows(page: Vec<dispatch::RowResult>) -> Vec<bridge::Row> {
    page.into_iter().map(|row| bridge::Row { rowid: row.rowid, columns: row.columns.into_iter().map(result).collect() }).collect()
}

pub(crate) fn flags(flags: types::FunctionFlags) -> FunctionFlags {
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

    fn register_host_module(ext: u32, module: types::ModuleInfoResult) -> Result<(), types::Error> {
        let shape = bridge::ModuleShape { writable: module.writable, transactions: module.transactions, shadow_names: module.shadow_names };
        BRIDGE.with(|b| b.borrow_mut().register_module(ext, &module.name, module.id, shape)).map_err(wit_error)
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
