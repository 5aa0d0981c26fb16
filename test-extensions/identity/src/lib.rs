//! `identity(x)` returns its argument and `noop()` returns NULL: the benchmark's measure of
//! the bare cost of a call into an extension, with one text argument and with none.
//! `arguments(...)` shows what arrived, so tests can see each argument count cross alike
//! (up to four pass flat, `scalar-by-arity`; more as a list).

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

/// Each argument as `type:value` (blobs in hex), joined by `|`.
#[sqlite_scalar(deterministic)]
pub fn arguments(args: &[Value]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|value| match value {
            Value::Null => String::from("null"),
            Value::Integer(i) => format!("integer:{i}"),
            Value::Real(r) => format!("real:{r}"),
            Value::Text(t) => format!("text:{t}"),
            Value::Blob(b) => format!("blob:{}", b.iter().map(|byte| format!("{byte:02x}")).collect::<String>()),
        })
        .collect();
    shown.join("|")
}

export_extension! { name: "identity", scalars: [identity, noop, arguments] }
