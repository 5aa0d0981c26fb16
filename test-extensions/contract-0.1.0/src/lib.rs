//! The fixture of `sqlite:extension@0.1.0` as first published (`wit/extension/0.1.0`): a Rust
//! extension written with wit-bindgen against the frozen WIT, not with the SDK (which targets
//! the newest version), as an author built one in November 2026. Every host must keep
//! loading it beside extensions of the newest version (repl/tests/contract_versions.rs, the
//! Python and browser tests).
//!
//! `v010_mul(x, y)` (a scalar, called with an argument list: 0.1.0 has no flat calls),
//! `v010_sum(x)` (a window aggregate), and the collation `v010_reverse` (compares the texts
//! read backwards).

use std::cell::RefCell;
use std::collections::HashMap;

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/extension/0.1.0",
        world: "sqlite:extension/extension@0.1.0",
    });
}

use bindings::exports::sqlite::extension::metadata::{AggregateInfo, CollationInfo, ExtensionInfo, ScalarInfo};
use bindings::exports::sqlite::extension::{aggregate_function, collation, metadata, scalar_function};
use bindings::sqlite::extension::types::{Error, FunctionFlags, Value};

/// SQLITE_MISMATCH, for an argument of the wrong type.
const MISMATCH: i32 = 20;

struct Fixture;

impl metadata::Guest for Fixture {
    fn describe() -> ExtensionInfo {
        ExtensionInfo {
            name: "rust010".into(),
            version: "0.1.0".into(),
            scalars: vec![ScalarInfo {
                id: 0,
                name: "v010_mul".into(),
                arity: 2,
                flags: FunctionFlags::DETERMINISTIC,
                doc: "The product of two integers.".into(),
            }],
            aggregates: vec![AggregateInfo {
                id: 0,
                name: "v010_sum".into(),
                arity: 1,
                flags: FunctionFlags::DETERMINISTIC,
                window: true,
                doc: "The sum of integers, also over a window.".into(),
            }],
            collations: vec![CollationInfo { id: 0, name: "v010_reverse".into(), doc: "Compares texts read backwards.".into() }],
        }
    }
}

fn integer(value: &Value, function: &str) -> Result<i64, Error> {
    match value {
        Value::Integer(i) => Ok(*i),
        _ => Err(Error { code: MISMATCH, message: format!("{function} takes integers") }),
    }
}

impl scalar_function::Guest for Fixture {
    fn call(_id: u32, args: Vec<Value>) -> Result<Value, Error> {
        match args.as_slice() {
            [Value::Null, _] | [_, Value::Null] => Ok(Value::Null),
            [x, y] => Ok(Value::Integer(integer(x, "v010_mul")?.wrapping_mul(integer(y, "v010_mul")?))),
            _ => Err(Error { code: 1, message: "v010_mul takes two arguments".into() }),
        }
    }
}

thread_local! {
    /// Each aggregation's running sum, by its context.
    static SUMS: RefCell<HashMap<u64, i64>> = RefCell::new(HashMap::new());
}

/// Add `sign` times the row's integer (NULL adds nothing) to aggregation `context`.
fn add(context: u64, args: &[Value], sign: i64) -> Result<(), Error> {
    let delta = match args.first() {
        Some(Value::Null) | None => 0,
        Some(value) => integer(value, "v010_sum")?,
    };
    SUMS.with(|sums| *sums.borrow_mut().entry(context).or_default() += sign * delta);
    Ok(())
}

impl aggregate_function::Guest for Fixture {
    fn step(_id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        add(context, &args, 1)
    }

    fn value(_id: u32, context: u64) -> Result<Value, Error> {
        Ok(Value::Integer(SUMS.with(|sums| sums.borrow().get(&context).copied().unwrap_or(0))))
    }

    fn inverse(_id: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        add(context, &args, -1)
    }

    fn finalize(_id: u32, context: u64) -> Result<Value, Error> {
        Ok(Value::Integer(SUMS.with(|sums| sums.borrow_mut().remove(&context).unwrap_or(0))))
    }
}

impl collation::Guest for Fixture {
    fn compare(_id: u32, a: String, b: String) -> i32 {
        a.chars().rev().cmp(b.chars().rev()) as i32
    }
}

bindings::export!(Fixture with_types_in bindings);
