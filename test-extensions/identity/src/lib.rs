//! `identity(x)`: returns its argument. The benchmark's measure of the bare cost of a
//! call into an extension.

use sqlink_sdk::{export_extension, sqlite_scalar, Value};

/// Returns `x` unchanged.
#[sqlite_scalar(deterministic, innocuous)]
pub fn identity(x: Value) -> Value {
    x
}

export_extension! { name: "identity", scalars: [identity] }
