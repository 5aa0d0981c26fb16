//! `sqlink:wasm/dispatch-bridge`, and the dispatcher that sends calls to the host through
//! the imported `sqlink:wasm/dispatch`.

use std::cell::RefCell;

use sqlink_dispatch_bridge::{self as bridge, Bridge, Dispatcher, SqlError, ValueParam};

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

// The contract's types as this component's bindings have them.
sqlink_dispatch_bridge::extension_calls! {
    pub(crate) values: crate::bindings::sqlite::extension::types;
    records: crate::bindings::sqlink::wasm::dispatch;
    info: crate::bindings::sqlite::extension::types::ExtensionInfoResult;
}

impl Dispatcher for HostDispatcher {
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::scalar_call(ext, id, &params(args))).map(result).map_err(sql_error)
    }

    fn aggregate_step(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
        answered(ext, || dispatch::aggregate_step(ext, id, context, &params(args))).map_err(sql_error)
    }

    fn aggregate_value(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::aggregate_value(ext, id, context)).map(result).map_err(sql_error)
    }

    fn aggregate_inverse(&self, ext: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
        answered(ext, || dispatch::aggregate_inverse(ext, id, context, &params(args))).map_err(sql_error)
    }

    fn aggregate_finalize(&self, ext: u32, id: u32, context: u64) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::aggregate_finalize(ext, id, context)).map(result).map_err(sql_error)
    }

    fn collation_compare(&self, ext: u32, id: u32, a: &str, b: &str) -> i32 {
        dispatch::collation_compare(ext, id, a, b)
    }

    fn table_open(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<u64, SqlError> {
        answered(ext, || dispatch::table_open(ext, id, &params(args))).map_err(sql_error)
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

    fn dynamic_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<bridge::Value, SqlError> {
        answered(ext, || dispatch::dynamic_call(ext, id, &params(args))).map(result).map_err(sql_error)
    }

    fn table_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<bridge::Value>>, SqlError> {
        let rows = answered(ext, || dispatch::table_next(ext, cursor, max_rows)).map_err(sql_error)?;
        Ok(rows.into_iter().map(|row| row.into_iter().map(result).collect()).collect())
    }

    fn table_close(&self, ext: u32, cursor: u64) {
        dispatch::table_close(ext, cursor)
    }

    fn vtab_connect(&self, ext: u32, module: u32, args: &[String], create: bool) -> Result<bridge::DeclaredTable, SqlError> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let declared = answered(ext, || dispatch::vtab_connect(ext, module, &args, create)).map_err(sql_error)?;
        Ok(bridge::DeclaredTable { schema: declared.schema, table: declared.table })
    }

    fn vtab_best_index(&self, ext: u32, table: u64, info: &bridge::IndexInfo) -> Result<bridge::IndexPlan, SqlError> {
        answered(ext, || with_index_info(info, |asked| dispatch::vtab_best_index(ext, table, asked))).map(index_plan).map_err(sql_error)
    }

    fn vtab_open(&self, ext: u32, table: u64) -> Result<u64, SqlError> {
        answered(ext, || dispatch::vtab_open(ext, table)).map_err(sql_error)
    }

    fn vtab_filter(&self, ext: u32, cursor: u64, f: &bridge::Filter<'_>) -> Result<Vec<bridge::Row>, SqlError> {
        let args = params(f.args);
        let start = dispatch::ScanStart { index_number: f.index_number, index_string: f.index_string, args: &args, max_rows: f.max_rows };
        answered(ext, || dispatch::vtab_filter(ext, cursor, start.clone())).map(rows).map_err(sql_error)
    }

    fn vtab_next(&self, ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<bridge::Row>, SqlError> {
        answered(ext, || dispatch::vtab_next(ext, cursor, max_rows)).map(rows).map_err(sql_error)
    }

    fn vtab_close(&self, ext: u32, cursor: u64) {
        dispatch::vtab_close(ext, cursor)
    }

    fn vtab_update(&self, ext: u32, table: u64, change: &bridge::Change<'_>) -> Result<i64, SqlError> {
        answered(ext, || with_change(change, |change| dispatch::vtab_update(ext, table, change))).map_err(sql_error)
    }

    fn vtab_transaction(&self, ext: u32, table: u64, event: bridge::TransactionEvent) -> Result<(), SqlError> {
        answered(ext, || dispatch::vtab_transaction(ext, table, transaction_event(event))).map_err(sql_error)
    }

    fn vtab_rename(&self, ext: u32, table: u64, new_name: &str) -> Result<(), SqlError> {
        answered(ext, || dispatch::vtab_rename(ext, table, new_name)).map_err(sql_error)
    }

    fn vtab_disconnect(&self, ext: u32, table: u64) {
        dispatch::vtab_disconnect(ext, table)
    }

    fn vtab_destroy(&self, ext: u32, table: u64) -> Result<(), SqlError> {
        answered(ext, || dispatch::vtab_destroy(ext, table)).map_err(sql_error)
    }
}

impl dispatch_bridge::Guest for SqliteLib {
    fn register_extension(
        ext: u32,
        info: types::ExtensionInfoResult,
        allow_override: bool,
        how_to_allow: String,
    ) -> Result<Vec<String>, types::Error> {
        let policy = bridge::OverridePolicy { allowed: allow_override, how_to_allow };
        BRIDGE.with(|b| b.borrow_mut().register_extension(ext, &declarations(&info), policy)).map_err(contract_error)
    }

    fn unregister_extension(ext: u32) {
        BRIDGE.with(|b| b.borrow_mut().unregister_extension(ext));
    }

    fn overridden(ext: u32) -> Vec<String> {
        BRIDGE.with(|b| b.borrow().overridden(ext).to_vec())
    }

    fn kept(ext: u32) -> Result<Vec<String>, types::Error> {
        BRIDGE.with(|b| b.borrow().kept(ext)).map_err(contract_error)
    }
}
