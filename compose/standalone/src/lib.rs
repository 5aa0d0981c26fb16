//! The host side of a composed runtime that runs on WASI alone (`sqlink compose`): it fills
//! the imports a sqlink host would serve. One process owns the database files, so file locks
//! are granted at once and there is no shared memory (SQLite keeps rollback journals, as on
//! a page); nothing interrupts; the CPU time is unknown; and loading an extension that was
//! not composed in is refused. Its extension exports are an extension with no functions,
//! for the router's unused slots.
// Only the bindings wit-bindgen generates (the canonical ABI glue) use unsafe code.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/extension/0.5.0", "../../wit/runtime", "../../wit/compose"],
        world: "sqlink:compose/standalone",
        generate_all,
    });
}

use bindings::exports::sqlink::wasm::{cpu_time, dispatch, file_locks, interrupt, process, shared_memory, spi_loader};
use bindings::exports::sqlite::extension::types::{Error, ExtensionInfo, HookKinds, Value};
use bindings::exports::sqlite::extension::{
    aggregate_function, collation, hooks, metadata, scalar_function, table_function, virtual_table,
};

struct Standalone;

/// SQLITE_ERROR.
const SQLITE_ERROR: i32 = 1;

fn no_such_extension(ext: u32) -> Error {
    Error { code: SQLITE_ERROR, message: format!("extension #{ext} is not loaded") }
}

impl spi_loader::Guest for Standalone {
    fn load(name_or_path: String) -> Result<spi_loader::LoadedExtension, String> {
        Err(format!(
            "cannot load {name_or_path}: this runtime runs without a sqlink host, so it has only the extensions composed into it (sqlink compose --host keeps .load)"
        ))
    }

    fn unload(handle: u32) -> Result<(), String> {
        Err(format!("extension #{handle} is not loaded"))
    }

    fn list() -> Vec<spi_loader::LoadedExtension> {
        Vec::new()
    }
}

/// No handle reaches here: the router serves the composed extensions' and nothing else loads.
impl dispatch::Guest for Standalone {
    fn scalar_call(ext: u32, _id: u32, _args: Vec<Value>) -> Result<Value, Error> {
        Err(no_such_extension(ext))
    }
    fn aggregate_step(ext: u32, _id: u32, _context: u64, _args: Vec<Value>) -> Result<(), Error> {
        Err(no_such_extension(ext))
    }
    fn aggregate_value(ext: u32, _id: u32, _context: u64) -> Result<Value, Error> {
        Err(no_such_extension(ext))
    }
    fn aggregate_inverse(ext: u32, _id: u32, _context: u64, _args: Vec<Value>) -> Result<(), Error> {
        Err(no_such_extension(ext))
    }
    fn aggregate_finalize(ext: u32, _id: u32, _context: u64) -> Result<Value, Error> {
        Err(no_such_extension(ext))
    }
    fn collation_compare(_ext: u32, _id: u32, _a: String, _b: String) -> i32 {
        0
    }
    fn table_open(ext: u32, _id: u32, _args: Vec<Value>) -> Result<u64, Error> {
        Err(no_such_extension(ext))
    }
    fn table_next(ext: u32, _cursor: u64, _max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        Err(no_such_extension(ext))
    }
    fn table_close(_ext: u32, _cursor: u64) {}
    fn hook_commit(_ext: u32) -> bool {
        false
    }
    fn hook_rollback(_ext: u32) {}
    fn hook_update(_ext: u32, _change: u8, _database: String, _table: String, _rowid: i64) {}

    // Virtual tables of composed extensions are not wired through the router's slots (their
    // `virtual-table` export is not among them), so no module is ever registered for one.
    fn vtab_connect(ext: u32, _module: u32, _args: Vec<String>, _create: bool) -> Result<dispatch::DeclaredTable, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_best_index(ext: u32, _table: u64, _info: dispatch::IndexInfo) -> Result<dispatch::IndexPlan, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_open(ext: u32, _table: u64) -> Result<u64, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_filter(ext: u32, _cursor: u64, _start: dispatch::ScanStart) -> Result<Vec<dispatch::Row>, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_next(ext: u32, _cursor: u64, _max_rows: u32) -> Result<Vec<dispatch::Row>, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_close(_ext: u32, _cursor: u64) {}
    fn vtab_update(ext: u32, _table: u64, _change: dispatch::Change) -> Result<i64, Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_transaction(ext: u32, _table: u64, _event: dispatch::TransactionEvent) -> Result<(), Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_rename(ext: u32, _table: u64, _new_name: String) -> Result<(), Error> {
        Err(no_such_extension(ext))
    }
    fn vtab_disconnect(_ext: u32, _table: u64) {}
    fn vtab_destroy(ext: u32, _table: u64) -> Result<(), Error> {
        Err(no_such_extension(ext))
    }

    fn dynamic_call(ext: u32, _id: u32, _args: Vec<Value>) -> Result<Value, Error> {
        Err(no_such_extension(ext))
    }

    /// No call here ever waits for a request.
    fn resume(_reply: Option<dispatch::Reply>) -> Option<dispatch::Request> {
        None
    }
}

/// A lock no other process can contend for.
struct GrantedLock;

impl file_locks::Guest for Standalone {
    type FileLock = GrantedLock;
}

impl file_locks::GuestFileLock for GrantedLock {
    fn open(_path: String) -> Result<file_locks::FileLock, String> {
        Ok(file_locks::FileLock::new(GrantedLock))
    }
    fn acquire(&self, _level: file_locks::LockLevel) -> Result<(), file_locks::LockError> {
        Ok(())
    }
    fn release(&self, _level: file_locks::LockLevel) -> Result<(), file_locks::LockError> {
        Ok(())
    }
    fn reserved_by_any(&self) -> Result<bool, file_locks::LockError> {
        Ok(false)
    }
}

/// Never opened: `available` says there is no shared memory.
struct NoWalIndex;

impl shared_memory::Guest for Standalone {
    type WalIndex = NoWalIndex;
    fn available() -> bool {
        false
    }
}

fn no_shared_memory() -> shared_memory::ShmError {
    shared_memory::ShmError::Io(String::from("no shared memory without a sqlink host"))
}

impl shared_memory::GuestWalIndex for NoWalIndex {
    fn open(_db_path: String) -> Result<shared_memory::WalIndex, shared_memory::ShmError> {
        Err(no_shared_memory())
    }
    fn map(&self, _index: u32, _size: u32, _extend: bool) -> Result<Option<Vec<u8>>, shared_memory::ShmError> {
        Err(no_shared_memory())
    }
    fn sync(
        &self,
        _changes: Vec<shared_memory::Change>,
        _lock: Option<shared_memory::LockRequest>,
    ) -> Result<Vec<shared_memory::Word>, shared_memory::ShmError> {
        Err(no_shared_memory())
    }
    fn close(&self, _changes: Vec<shared_memory::Change>, _delete: bool) {}
}

impl interrupt::Guest for Standalone {
    fn pending() -> bool {
        false
    }
    fn take() -> bool {
        false
    }
}

/// Without a host, `.import '|cmd'` and `.output '|cmd'` have nothing to run the command.
impl process::Guest for Standalone {
    fn read_output(command: String) -> Result<Vec<u8>, String> {
        Err(format!("cannot run {command}: this runtime runs without a sqlink host"))
    }
    fn write_input(command: String, _input: Vec<u8>) -> Result<(), String> {
        Err(format!("cannot run {command}: this runtime runs without a sqlink host"))
    }
}

impl cpu_time::Guest for Standalone {
    fn process_times() -> Option<cpu_time::Times> {
        None
    }
}

/// The empty extension of an unused router slot: its metadata has no name, which is how the
/// router tells an unused slot; it has no functions, so nothing calls the rest.
impl metadata::Guest for Standalone {
    fn describe() -> ExtensionInfo {
        ExtensionInfo {
            name: String::new(),
            version: String::new(),
            scalars: Vec::new(),
            aggregates: Vec::new(),
            collations: Vec::new(),
            table_functions: Vec::new(),
            modules: Vec::new(),
            hooks: HookKinds::empty(),
        }
    }
}

fn no_function(id: u32) -> Error {
    Error { code: SQLITE_ERROR, message: format!("no function #{id}") }
}

impl scalar_function::Guest for Standalone {
    fn call(id: u32, _args: Vec<Value>) -> Result<Value, Error> {
        Err(no_function(id))
    }
}

impl aggregate_function::Guest for Standalone {
    fn step(id: u32, _context: u64, _args: Vec<Value>) -> Result<(), Error> {
        Err(no_function(id))
    }
    fn value(id: u32, _context: u64) -> Result<Value, Error> {
        Err(no_function(id))
    }
    fn inverse(id: u32, _context: u64, _args: Vec<Value>) -> Result<(), Error> {
        Err(no_function(id))
    }
    fn finalize(id: u32, _context: u64) -> Result<Value, Error> {
        Err(no_function(id))
    }
}

impl collation::Guest for Standalone {
    fn compare(_id: u32, _a: String, _b: String) -> i32 {
        0
    }
}

impl table_function::Guest for Standalone {
    fn open(id: u32, _args: Vec<Value>) -> Result<u64, Error> {
        Err(no_function(id))
    }
    fn next(_cursor: u64, _max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        Ok(Vec::new())
    }
    fn close(_cursor: u64) {}
}

impl hooks::Guest for Standalone {
    fn on_commit() -> bool {
        false
    }
    fn on_rollback() {}
    fn on_update(_change: hooks::RowChange, _database: String, _table: String, _rowid: i64) {}
}

/// No module is declared, so no table, cursor or module number reaches here.
fn no_table(what: &str, number: u64) -> Error {
    Error { code: SQLITE_ERROR, message: format!("no virtual-table {what} #{number}") }
}

impl virtual_table::Guest for Standalone {
    fn create(module: u32, _args: Vec<String>) -> Result<virtual_table::DeclaredTable, Error> {
        Err(no_table("module", module.into()))
    }
    fn connect(module: u32, _args: Vec<String>) -> Result<virtual_table::DeclaredTable, Error> {
        Err(no_table("module", module.into()))
    }
    fn best_index(table: u64, _info: virtual_table::IndexInfo) -> Result<virtual_table::IndexPlan, Error> {
        Err(no_table("table", table))
    }
    fn open(table: u64) -> Result<u64, Error> {
        Err(no_table("table", table))
    }
    fn filter(
        cursor: u64,
        _index_number: i32,
        _index_string: Option<String>,
        _args: Vec<Value>,
        _max_rows: u32,
    ) -> Result<Vec<virtual_table::Row>, Error> {
        Err(no_table("cursor", cursor))
    }
    fn next(cursor: u64, _max_rows: u32) -> Result<Vec<virtual_table::Row>, Error> {
        Err(no_table("cursor", cursor))
    }
    fn close(_cursor: u64) {}
    fn update(table: u64, _change: virtual_table::Change) -> Result<i64, Error> {
        Err(no_table("table", table))
    }
    fn transaction(table: u64, _event: virtual_table::TransactionEvent) -> Result<(), Error> {
        Err(no_table("table", table))
    }
    fn rename(table: u64, _new_name: String) -> Result<(), Error> {
        Err(no_table("table", table))
    }
    fn disconnect(_table: u64) {}
    fn destroy(table: u64) -> Result<(), Error> {
        Err(no_table("table", table))
    }
}

// The export glue is wit-bindgen's canonical ABI code, expanded here.
#[allow(unsafe_code)]
mod exports {
    use super::{Standalone, bindings};
    bindings::export!(Standalone with_types_in bindings);
}
