//! The router of a composed runtime (`sqlink compose`): serves the runtime's `spi-loader`
//! and `dispatch` from the extensions composed into its slots, so their calls stay inside
//! the composition, and passes every other handle on to the `spi-loader` and `dispatch` it
//! imports (a sqlink host's, or the standalone component's, which loads nothing).
// Only the bindings wit-bindgen generates (the canonical ABI glue) use unsafe code.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/extension/0.5.0", "../../wit/runtime", "../../wit/compose"],
        world: "sqlink:compose/router",
        generate_all,
    });
}

use std::sync::OnceLock;

use bindings::exports::sqlink::wasm::{dispatch, spi_loader};
use bindings::sqlink::wasm::dispatch as host_dispatch;
use bindings::sqlink::wasm::spi_loader as host_loader;
use bindings::sqlite::extension::types::{Error, ExtensionInfo, Value};

/// The handle of slot `k` is `SLOT_HANDLES + k`: far above the host's handles, which count
/// up from 1.
const SLOT_HANDLES: u32 = 0x4000_0000;

/// The interfaces every composed extension exports, as the REPL's `.extensions` lists them.
const EXPORTS: [&str; 7] = ["metadata", "scalar-function", "aggregate-function", "collation", "table-function", "virtual-table", "hooks"];

/// A page of a table function's rows.
type Rows = Vec<Vec<Value>>;

/// One slot's imports as plain functions, so a call picks its slot by index.
struct Slot {
    describe: fn() -> ExtensionInfo,
    call: fn(u32, &[Value]) -> Result<Value, Error>,
    step: fn(u32, u64, &[Value]) -> Result<(), Error>,
    value: fn(u32, u64) -> Result<Value, Error>,
    inverse: fn(u32, u64, &[Value]) -> Result<(), Error>,
    finalize: fn(u32, u64) -> Result<Value, Error>,
    compare: fn(u32, &str, &str) -> i32,
    open: fn(u32, &[Value]) -> Result<u64, Error>,
    next: fn(u64, u32) -> Result<Rows, Error>,
    close: fn(u64),
    on_commit: fn() -> bool,
    on_rollback: fn(),
    on_update: fn(u8, &str, &str, i64),
    tables: VirtualTables,
}

/// A slot's `virtual-table.filter`: cursor, index number and string, arguments, rows wanted.
type Filter = fn(u64, i32, Option<&str>, &[Value], u32) -> Result<Vec<host_dispatch::Row>, Error>;

/// One slot's `virtual-table` import, in `dispatch`'s records (the contract's shapes).
struct VirtualTables {
    create: fn(u32, &[String]) -> Result<host_dispatch::DeclaredTable, Error>,
    connect: fn(u32, &[String]) -> Result<host_dispatch::DeclaredTable, Error>,
    best_index: fn(u64, &host_dispatch::IndexInfo) -> Result<host_dispatch::IndexPlan, Error>,
    open: fn(u64) -> Result<u64, Error>,
    filter: Filter,
    next: fn(u64, u32) -> Result<Vec<host_dispatch::Row>, Error>,
    close: fn(u64),
    update: fn(u64, &host_dispatch::Change) -> Result<i64, Error>,
    transaction: fn(u64, host_dispatch::TransactionEvent) -> Result<(), Error>,
    rename: fn(u64, &str) -> Result<(), Error>,
    disconnect: fn(u64),
    destroy: fn(u64) -> Result<(), Error>,
}

macro_rules! slots {
    ($($k:literal => $metadata:ident, $scalar:ident, $aggregate:ident, $collation:ident, $table:ident, $hooks:ident, $vtab:ident;)*) => {
        const SLOTS: &[Slot] = &[$(
            Slot {
                describe: bindings::$metadata::describe,
                call: bindings::$scalar::call,
                step: bindings::$aggregate::step,
                value: bindings::$aggregate::value,
                inverse: bindings::$aggregate::inverse,
                finalize: bindings::$aggregate::finalize,
                compare: bindings::$collation::compare,
                open: bindings::$table::open,
                next: bindings::$table::next,
                close: bindings::$table::close,
                on_commit: bindings::$hooks::on_commit,
                on_rollback: bindings::$hooks::on_rollback,
                on_update: |change, database, table, rowid| {
                    use bindings::$hooks::RowChange;
                    let change = match change {
                        0 => RowChange::Insert,
                        1 => RowChange::Update,
                        _ => RowChange::Delete,
                    };
                    bindings::$hooks::on_update(change, database, table, rowid)
                },
                tables: VirtualTables {
                    create: bindings::$vtab::create,
                    connect: bindings::$vtab::connect,
                    best_index: bindings::$vtab::best_index,
                    open: bindings::$vtab::open,
                    filter: bindings::$vtab::filter,
                    next: bindings::$vtab::next,
                    close: bindings::$vtab::close,
                    update: bindings::$vtab::update,
                    transaction: bindings::$vtab::transaction,
                    rename: bindings::$vtab::rename,
                    disconnect: bindings::$vtab::disconnect,
                    destroy: bindings::$vtab::destroy,
                },
            },
        )*];
    };
}

slots! {
    0 => slot0_metadata, slot0_scalar_function, slot0_aggregate_function, slot0_collation, slot0_table_function, slot0_hooks, slot0_virtual_table;
    1 => slot1_metadata, slot1_scalar_function, slot1_aggregate_function, slot1_collation, slot1_table_function, slot1_hooks, slot1_virtual_table;
    2 => slot2_metadata, slot2_scalar_function, slot2_aggregate_function, slot2_collation, slot2_table_function, slot2_hooks, slot2_virtual_table;
    3 => slot3_metadata, slot3_scalar_function, slot3_aggregate_function, slot3_collation, slot3_table_function, slot3_hooks, slot3_virtual_table;
    4 => slot4_metadata, slot4_scalar_function, slot4_aggregate_function, slot4_collation, slot4_table_function, slot4_hooks, slot4_virtual_table;
    5 => slot5_metadata, slot5_scalar_function, slot5_aggregate_function, slot5_collation, slot5_table_function, slot5_hooks, slot5_virtual_table;
    6 => slot6_metadata, slot6_scalar_function, slot6_aggregate_function, slot6_collation, slot6_table_function, slot6_hooks, slot6_virtual_table;
    7 => slot7_metadata, slot7_scalar_function, slot7_aggregate_function, slot7_collation, slot7_table_function, slot7_hooks, slot7_virtual_table;
    8 => slot8_metadata, slot8_scalar_function, slot8_aggregate_function, slot8_collation, slot8_table_function, slot8_hooks, slot8_virtual_table;
    9 => slot9_metadata, slot9_scalar_function, slot9_aggregate_function, slot9_collation, slot9_table_function, slot9_hooks, slot9_virtual_table;
    10 => slot10_metadata, slot10_scalar_function, slot10_aggregate_function, slot10_collation, slot10_table_function, slot10_hooks, slot10_virtual_table;
    11 => slot11_metadata, slot11_scalar_function, slot11_aggregate_function, slot11_collation, slot11_table_function, slot11_hooks, slot11_virtual_table;
    12 => slot12_metadata, slot12_scalar_function, slot12_aggregate_function, slot12_collation, slot12_table_function, slot12_hooks, slot12_virtual_table;
    13 => slot13_metadata, slot13_scalar_function, slot13_aggregate_function, slot13_collation, slot13_table_function, slot13_hooks, slot13_virtual_table;
    14 => slot14_metadata, slot14_scalar_function, slot14_aggregate_function, slot14_collation, slot14_table_function, slot14_hooks, slot14_virtual_table;
    15 => slot15_metadata, slot15_scalar_function, slot15_aggregate_function, slot15_collation, slot15_table_function, slot15_hooks, slot15_virtual_table;
}

/// The composed extensions, described once: (slot, metadata) of each used slot. An unused
/// slot's metadata has no name.
fn composed() -> &'static [(u32, ExtensionInfo)] {
    static COMPOSED: OnceLock<Vec<(u32, ExtensionInfo)>> = OnceLock::new();
    COMPOSED.get_or_init(|| (0u32..).zip(SLOTS).map(|(k, slot)| (k, (slot.describe)())).filter(|(_, info)| !info.name.is_empty()).collect())
}

/// The slot a handle names, when it is a composed extension's.
fn slot(ext: u32) -> Option<&'static Slot> {
    let k = usize::try_from(ext.checked_sub(SLOT_HANDLES)?).ok()?;
    SLOTS.get(k)
}

fn describe(k: u32, info: &ExtensionInfo) -> spi_loader::LoadedExtension {
    spi_loader::LoadedExtension {
        handle: SLOT_HANDLES + k,
        source: String::from("composed"),
        info: info.clone(),
        contract: spi_loader::Contract { version: String::from("0.5.0"), exports: EXPORTS.iter().map(|name| (*name).to_owned()).collect() },
    }
}

/// The host's record, in the exported interface's type (the same WIT record, imported once
/// and exported once).
fn from_host(loaded: host_loader::LoadedExtension) -> spi_loader::LoadedExtension {
    spi_loader::LoadedExtension {
        handle: loaded.handle,
        source: loaded.source,
        info: loaded.info,
        contract: spi_loader::Contract { version: loaded.contract.version, exports: loaded.contract.exports },
    }
}

struct Router;

impl spi_loader::Guest for Router {
    /// A composed extension is there from the start; any other goes to the host.
    fn load(name_or_path: String) -> Result<spi_loader::LoadedExtension, String> {
        if let Some((_, info)) = composed().iter().find(|(_, info)| info.name == name_or_path) {
            return Err(format!("{} is composed into this runtime and already loaded", info.name));
        }
        host_loader::load(&name_or_path).map(from_host)
    }

    fn unload(handle: u32) -> Result<(), String> {
        match slot(handle) {
            Some(_) => Err(String::from("an extension composed into the runtime cannot be unloaded")),
            None => host_loader::unload(handle),
        }
    }

    /// The composed extensions first, then those the host loaded.
    fn list() -> Vec<spi_loader::LoadedExtension> {
        let mut all: Vec<_> = composed().iter().map(|(k, info)| describe(*k, info)).collect();
        all.extend(host_loader::list().into_iter().map(from_host));
        all
    }
}

impl dispatch::Guest for Router {
    fn scalar_call(ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        match slot(ext) {
            Some(slot) => (slot.call)(id, &args),
            None => host_dispatch::scalar_call(ext, id, &args),
        }
    }

    fn aggregate_step(ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        match slot(ext) {
            Some(slot) => (slot.step)(id, context, &args),
            None => host_dispatch::aggregate_step(ext, id, context, &args),
        }
    }

    fn aggregate_value(ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        match slot(ext) {
            Some(slot) => (slot.value)(id, context),
            None => host_dispatch::aggregate_value(ext, id, context),
        }
    }

    fn aggregate_inverse(ext: u32, id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        match slot(ext) {
            Some(slot) => (slot.inverse)(id, context, &args),
            None => host_dispatch::aggregate_inverse(ext, id, context, &args),
        }
    }

    fn aggregate_finalize(ext: u32, id: u32, context: u64) -> Result<Value, Error> {
        match slot(ext) {
            Some(slot) => (slot.finalize)(id, context),
            None => host_dispatch::aggregate_finalize(ext, id, context),
        }
    }

    fn collation_compare(ext: u32, id: u32, a: String, b: String) -> i32 {
        match slot(ext) {
            Some(slot) => (slot.compare)(id, &a, &b),
            None => host_dispatch::collation_compare(ext, id, &a, &b),
        }
    }

    fn table_open(ext: u32, id: u32, args: Vec<Value>) -> Result<u64, Error> {
        match slot(ext) {
            Some(slot) => (slot.open)(id, &args),
            None => host_dispatch::table_open(ext, id, &args),
        }
    }

    fn table_next(ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        match slot(ext) {
            Some(slot) => (slot.next)(cursor, max_rows),
            None => host_dispatch::table_next(ext, cursor, max_rows),
        }
    }

    fn table_close(ext: u32, cursor: u64) {
        match slot(ext) {
            Some(slot) => (slot.close)(cursor),
            None => host_dispatch::table_close(ext, cursor),
        }
    }

    fn hook_commit(ext: u32) -> bool {
        match slot(ext) {
            Some(slot) => (slot.on_commit)(),
            None => host_dispatch::hook_commit(ext),
        }
    }

    fn hook_rollback(ext: u32) {
        match slot(ext) {
            Some(slot) => (slot.on_rollback)(),
            None => host_dispatch::hook_rollback(ext),
        }
    }

    fn hook_update(ext: u32, change: u8, database: String, table: String, rowid: i64) {
        match slot(ext) {
            Some(slot) => (slot.on_update)(change, &database, &table, rowid),
            None => host_dispatch::hook_update(ext, change, &database, &table, rowid),
        }
    }

    // A virtual-table call goes to the slot's `virtual-table` import, or on to the host.
    fn vtab_connect(ext: u32, module: u32, args: Vec<String>, create: bool) -> Result<dispatch::DeclaredTable, Error> {
        let declared = match slot(ext) {
            Some(slot) if create => (slot.tables.create)(module, &args),
            Some(slot) => (slot.tables.connect)(module, &args),
            None => host_dispatch::vtab_connect(ext, module, &args, create),
        }?;
        Ok(dispatch::DeclaredTable { schema: declared.schema, table: declared.table })
    }
    fn vtab_best_index(ext: u32, table: u64, info: dispatch::IndexInfo) -> Result<dispatch::IndexPlan, Error> {
        let info = convert::index_info(info);
        let plan = match slot(ext) {
            Some(slot) => (slot.tables.best_index)(table, &info),
            None => host_dispatch::vtab_best_index(ext, table, &info),
        }?;
        Ok(convert::index_plan(plan))
    }
    fn vtab_open(ext: u32, table: u64) -> Result<u64, Error> {
        match slot(ext) {
            Some(slot) => (slot.tables.open)(table),
            None => host_dispatch::vtab_open(ext, table),
        }
    }
    fn vtab_filter(ext: u32, cursor: u64, start: dispatch::ScanStart) -> Result<Vec<dispatch::Row>, Error> {
        let dispatch::ScanStart { index_number, index_string, args, max_rows } = start;
        let rows = match slot(ext) {
            Some(slot) => (slot.tables.filter)(cursor, index_number, index_string.as_deref(), &args, max_rows),
            None => host_dispatch::vtab_filter(ext, cursor, &host_dispatch::ScanStart { index_number, index_string, args, max_rows }),
        }?;
        Ok(convert::rows(rows))
    }
    fn vtab_next(ext: u32, cursor: u64, max_rows: u32) -> Result<Vec<dispatch::Row>, Error> {
        let rows = match slot(ext) {
            Some(slot) => (slot.tables.next)(cursor, max_rows),
            None => host_dispatch::vtab_next(ext, cursor, max_rows),
        }?;
        Ok(convert::rows(rows))
    }
    fn vtab_close(ext: u32, cursor: u64) {
        match slot(ext) {
            Some(slot) => (slot.tables.close)(cursor),
            None => host_dispatch::vtab_close(ext, cursor),
        }
    }
    fn vtab_update(ext: u32, table: u64, change: dispatch::Change) -> Result<i64, Error> {
        let change = convert::change(change);
        match slot(ext) {
            Some(slot) => (slot.tables.update)(table, &change),
            None => host_dispatch::vtab_update(ext, table, &change),
        }
    }
    fn vtab_transaction(ext: u32, table: u64, event: dispatch::TransactionEvent) -> Result<(), Error> {
        let event = convert::transaction_event(event);
        match slot(ext) {
            Some(slot) => (slot.tables.transaction)(table, event),
            None => host_dispatch::vtab_transaction(ext, table, event),
        }
    }
    fn vtab_rename(ext: u32, table: u64, new_name: String) -> Result<(), Error> {
        match slot(ext) {
            Some(slot) => (slot.tables.rename)(table, &new_name),
            None => host_dispatch::vtab_rename(ext, table, &new_name),
        }
    }
    fn vtab_disconnect(ext: u32, table: u64) {
        match slot(ext) {
            Some(slot) => (slot.tables.disconnect)(table),
            None => host_dispatch::vtab_disconnect(ext, table),
        }
    }
    fn vtab_destroy(ext: u32, table: u64) -> Result<(), Error> {
        match slot(ext) {
            Some(slot) => (slot.tables.destroy)(table),
            None => host_dispatch::vtab_destroy(ext, table),
        }
    }

    /// A composed extension defines no function at run time (it runs no SQL): a loaded one's.
    fn dynamic_call(ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        match slot(ext) {
            Some(_) => Err(Error { code: 1, message: format!("extension #{ext}: no function {id} was defined at run time") }),
            None => host_dispatch::dynamic_call(ext, id, &args),
        }
    }

    /// Only a loaded extension's call can wait for a request (a composed one cannot run
    /// SQL): the host's.
    fn resume(reply: Option<dispatch::Reply>) -> Option<dispatch::Request> {
        let reply = reply.map(|dispatch::Reply::Sql(r)| host_dispatch::Reply::Sql(sql_reply(r)));
        host_dispatch::resume(reply.as_ref()).map(|host_dispatch::Request::Sql(r)| dispatch::Request::Sql(sql_request(r)))
    }
}

/// `dispatch`'s records as exported to the runtime and as imported (from the host, and in the
/// slots): the same WIT types, which wit-bindgen generates twice.
mod convert {
    use super::bindings::sqlink::wasm::dispatch as import;
    use super::dispatch as export;

    pub fn index_info(info: export::IndexInfo) -> import::IndexInfo {
        import::IndexInfo {
            constraints: info
                .constraints
                .into_iter()
                .map(|c| import::IndexConstraint { column: c.column, op: c.op, usable: c.usable, rhs: c.rhs })
                .collect(),
            order_by: info.order_by.into_iter().map(|o| import::IndexOrderBy { column: o.column, desc: o.desc }).collect(),
            columns_used: info.columns_used,
        }
    }

    pub fn index_plan(plan: import::IndexPlan) -> export::IndexPlan {
        sqlink_rules::copy_plan!(plan => export::IndexPlan, export::ConstraintUsage)
    }

    fn row(row: import::Row) -> export::Row {
        export::Row { rowid: row.rowid, columns: row.columns }
    }

    pub fn rows(rows: Vec<import::Row>) -> Vec<export::Row> {
        rows.into_iter().map(row).collect()
    }

    pub fn change(change: export::Change) -> import::Change {
        match change {
            export::Change::Delete(rowid) => import::Change::Delete(rowid),
            export::Change::Insert(new) => import::Change::Insert(import::NewRow { rowid: new.rowid, columns: new.columns }),
            export::Change::Update(updated) => import::Change::Update(import::UpdatedRow {
                old_rowid: updated.old_rowid,
                row: import::Row { rowid: updated.row.rowid, columns: updated.row.columns },
            }),
        }
    }

    pub fn transaction_event(event: export::TransactionEvent) -> import::TransactionEvent {
        sqlink_rules::copy_transaction_event!(event, export::TransactionEvent => import::TransactionEvent)
    }
}

/// A request of a loaded extension's call, from the host's `dispatch` to the runtime's.
fn sql_request(r: host_dispatch::SqlRequest) -> dispatch::SqlRequest {
    use dispatch::SqlRequest as To;
    use host_dispatch::SqlRequest as From;
    match r {
        From::Prepare(sql) => To::Prepare(sql),
        From::Bind(b) => To::Bind(dispatch::SqlBind { statement: b.statement, index: b.index, value: b.value }),
        From::Step(id) => To::Step(id),
        From::Reset(id) => To::Reset(id),
        From::ColumnNames(id) => To::ColumnNames(id),
        From::Finalize(id) => To::Finalize(id),
        From::Execute(e) => To::Execute(dispatch::SqlExecute { sql: e.sql, params: e.params }),
        From::Changes => To::Changes,
        From::LastInsertRowid => To::LastInsertRowid,
        From::OnConflict => To::OnConflict,
        From::CreateFunction(c) => {
            To::CreateFunction(dispatch::SqlCreateFunction { name: c.name, arity: c.arity, flags: c.flags, id: c.id })
        }
        From::DeleteFunction(d) => To::DeleteFunction(d),
        From::CreateSqlFunction(c) => {
            To::CreateSqlFunction(dispatch::SqlCreateSqlFunction { name: c.name, arity: c.arity, flags: c.flags, body: c.body })
        }
    }
}

/// The runtime's reply, on to the host.
fn sql_reply(r: dispatch::SqlReply) -> host_dispatch::SqlReply {
    use dispatch::SqlReply as From;
    use host_dispatch::SqlReply as To;
    match r {
        From::Done => To::Done,
        From::Statement(id) => To::Statement(id),
        From::Row(row) => To::Row(row),
        From::ColumnNames(names) => To::ColumnNames(names),
        From::Rows(rows) => To::Rows(rows),
        From::Number(n) => To::Number(n),
        From::Failed(e) => To::Failed(host_dispatch::SqlFailure { code: e.code, message: e.message }),
    }
}

// The export glue is wit-bindgen's canonical ABI code, expanded here.
#[allow(unsafe_code)]
mod exports {
    use super::{Router, bindings};
    bindings::export!(Router with_types_in bindings);
}
