//! Virtual tables: `CREATE VIRTUAL TABLE t USING module(args)`.

use crate::bindings::exports::sqlite::extension::virtual_table as wit;
use crate::codes;
use crate::error::Error;
use crate::extension::ExtensionDef;
use crate::value::Value;

fn no_module(module: u32) -> Error {
    Error::with_code(codes::MISUSE, format!("this extension has no module with id {module}"))
}

fn no_table(table: u64) -> Error {
    Error::with_code(codes::MISUSE, format!("no open virtual table {table}"))
}

pub fn vtab_create(_ext: &ExtensionDef, module: u32, _args: Vec<String>) -> Result<wit::DeclaredTable, Error> {
    Err(no_module(module))
}

pub fn vtab_connect(_ext: &ExtensionDef, module: u32, _args: Vec<String>) -> Result<wit::DeclaredTable, Error> {
    Err(no_module(module))
}

pub fn vtab_best_index(table: u64, _info: wit::IndexInfo) -> Result<wit::IndexPlan, Error> {
    Err(no_table(table))
}

pub fn vtab_open(table: u64) -> Result<u64, Error> {
    Err(no_table(table))
}

pub fn vtab_filter(cursor: u64, _number: i32, _string: Option<String>, _args: Vec<Value>, _max_rows: u32) -> Result<Vec<wit::Row>, Error> {
    Err(Error::with_code(codes::MISUSE, format!("no open cursor {cursor}")))
}

pub fn vtab_next(cursor: u64, _max_rows: u32) -> Result<Vec<wit::Row>, Error> {
    Err(Error::with_code(codes::MISUSE, format!("no open cursor {cursor}")))
}

pub fn vtab_close(_cursor: u64) {}

pub fn vtab_update(table: u64, _change: wit::Change) -> Result<i64, Error> {
    Err(no_table(table))
}

pub fn vtab_transaction(table: u64, _event: wit::TransactionEvent) -> Result<(), Error> {
    Err(no_table(table))
}

pub fn vtab_rename(table: u64, _new_name: String) -> Result<(), Error> {
    Err(no_table(table))
}

pub fn vtab_disconnect(_table: u64) {}

pub fn vtab_destroy(table: u64) -> Result<(), Error> {
    Err(no_table(table))
}
