//! An extension that declares names of the sqlite3 shell's built-ins, which the runtime's
//! SQLite carries as its own: `sha3(x)`, the collation `uint`, the table function
//! `generate_series`; and one name of its own. It loads with its own name and keeps
//! SQLite's, unless the user asks to override them.

use std::cmp::Ordering;

use sqlink_sdk::{export_extension, sqlite_collation, sqlite_scalar, sqlite_table_function};

/// Not a hash: shows whose `sha3` ran.
#[sqlite_scalar(deterministic)]
pub fn sha3(x: Option<String>) -> Option<String> {
    x.map(|x| format!("not sha3 of {x}"))
}

/// Reversed byte order: shows whose `uint` ran.
#[sqlite_collation(name = "uint")]
pub fn reversed(a: &str, b: &str) -> Ordering {
    b.cmp(a)
}

/// One row, start + stop: shows whose `generate_series` ran.
#[sqlite_table_function(name = "generate_series", columns(value))]
pub fn one_row(start: i64, stop: i64) -> impl Iterator<Item = (i64,)> {
    std::iter::once((start + stop,))
}

/// The extension's own name, which loads whatever it keeps.
#[sqlite_scalar]
pub fn shell_names_own() -> i64 {
    1
}

export_extension! { name: "shell_names", scalars: [sha3, shell_names_own], collations: [reversed], table_functions: [one_row] }
