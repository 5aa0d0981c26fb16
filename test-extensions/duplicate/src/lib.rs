//! An extension that declares one SQL function twice: loading must fail.

use sqlink_sdk::{export_extension, sqlite_scalar};

/// One.
#[sqlite_scalar(name = "twice")]
pub fn first(x: i64) -> i64 {
    x
}

/// The same name and arity again.
#[sqlite_scalar(name = "twice")]
pub fn second(x: i64) -> i64 {
    x + 1
}

export_extension! { name: "duplicate", scalars: [first, second] }
