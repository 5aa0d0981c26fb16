//! `identity(x)` returns its argument and `noop()` returns NULL: the benchmark's measure of
//! the bare cost of a call into an extension, with one text argument and with none.

use sqlink_sdk::{Value, export_extension, sqlite_scalar};

/// Returns `x` unchanged.
#[sqlite_scalar(deterministic, innocuous)]
pub fn identity(x: Value) -> Value {
    x
}

/// Returns NULL. Not deterministic, so SQLite calls it for every row instead of once.
#[sqlite_scalar]
pub fn noop() -> Option<i64> {
    None
}

export_extension! { name: "identity", scalars: [identity, noop] }
