//! The fixture of `sqlite:extension@0.2.0` (`wit/extension/0.2.0`): a Rust extension written
//! with wit-bindgen against the frozen WIT, exporting every interface of that version. Every
//! host loads it beside the fixtures of older versions (repl/tests/contract_versions.rs, the
//! Python and browser tests).
//!
//! `v020_twice(x)` (a scalar: flat calls, and a list call with five arguments), `v020_sum(x)`
//! (a window aggregate), the collation `v020_reverse` (compares the texts read backwards) and
//! the table function `v020_series(n)` (the rows 1..=n).

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/extension/0.2.0",
        world: "sqlite:extension/extension@0.2.0",
    });
}

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use bindings::exports::sqlite::extension::{aggregate_function, collation, metadata, scalar_by_arity, scalar_function, table_function};
use bindings::sqlite::extension::types::{
    AggregateInfo, CollationInfo, Error, ExtensionInfo, FunctionFlags, ScalarInfo, TableFunctionInfo, Value,
};

/// SQLITE_MISMATCH, for an argument of the wrong type.
const MISMATCH: i32 = 20;

struct Fixture;

impl metadata::Guest for Fixture {
    fn describe() -> ExtensionInfo {
        let twice = |id, arity, doc: &str| ScalarInfo {
            id,
            name: "v020_twice".into(),
            arity,
            flags: FunctionFlags::DETERMINISTIC,
            doc: doc.into(),
        };
        ExtensionInfo {
            name: "rust020".into(),
            version: "0.2.0".into(),
            scalars: vec![twice(0, 1, "Twice an integer."), twice(1, 5, "Twice the sum of five integers.")],
            aggregates: vec![AggregateInfo {
                id: 0,
                name: "v020_sum".into(),
                arity: 1,
                flags: FunctionFlags::DETERMINISTIC,
                window: true,
                doc: "The sum of integers, also over a window.".into(),
            }],
            collations: vec![CollationInfo { id: 0, name: "v020_reverse".into(), doc: "Compares texts read backwards.".into() }],
            table_functions: vec![TableFunctionInfo {
                id: 0,
                name: "v020_series".into(),
                columns: vec!["value".into()],
                parameters: vec!["n".into()],
                doc: "The integers 1 to n.".into(),
            }],
        }
    }
}

fn integer(value: &Value, function: &str) -> Result<i64, Error> {
    match value {
        Value::Integer(i) => Ok(*i),
        _ => Err(Error { code: MISMATCH, message: format!("{function} takes integers") }),
    }
}

/// Twice the sum of the arguments; NULL for any NULL.
fn twice(args: &[Value]) -> Result<Value, Error> {
    let mut sum = 0i64;
    for arg in args {
        if matches!(arg, Value::Null) {
            return Ok(Value::Null);
        }
        sum = sum.wrapping_add(integer(arg, "v020_twice")?);
    }
    Ok(Value::Integer(sum.wrapping_mul(2)))
}

impl scalar_function::Guest for Fixture {
    fn call(_id: u32, args: Vec<Value>) -> Result<Value, Error> {
        twice(&args)
    }
}

impl scalar_by_arity::Guest for Fixture {
    fn call0(_id: u32) -> Result<Value, Error> {
        twice(&[])
    }
    fn call1(_id: u32, a: Value) -> Result<Value, Error> {
        twice(&[a])
    }
    fn call2(_id: u32, a: Value, b: Value) -> Result<Value, Error> {
        twice(&[a, b])
    }
    fn call3(_id: u32, a: Value, b: Value, c: Value) -> Result<Value, Error> {
        twice(&[a, b, c])
    }
    fn call4(_id: u32, a: Value, b: Value, c: Value, d: Value) -> Result<Value, Error> {
        twice(&[a, b, c, d])
    }
}

thread_local! {
    /// Each aggregation's running sum, by its context.
    static SUMS: RefCell<HashMap<u64, i64>> = RefCell::new(HashMap::new());
    /// Each open cursor: the next value and the last.
    static CURSORS: RefCell<HashMap<u64, (i64, i64)>> = RefCell::new(HashMap::new());
    static NEXT_CURSOR: Cell<u64> = const { Cell::new(1) };
}

/// Add `sign` times the row's integer (NULL adds nothing) to aggregation `context`.
fn add(context: u64, args: &[Value], sign: i64) -> Result<(), Error> {
    let delta = match args.first() {
        Some(Value::Null) | None => 0,
        Some(value) => integer(value, "v020_sum")?,
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

impl table_function::Guest for Fixture {
    fn open(_id: u32, args: Vec<Value>) -> Result<u64, Error> {
        let last = match args.as_slice() {
            [Value::Integer(n)] => *n,
            _ => return Err(Error { code: MISMATCH, message: "v020_series takes an integer".into() }),
        };
        let cursor = NEXT_CURSOR.with(|next| next.replace(next.get() + 1));
        CURSORS.with(|cursors| cursors.borrow_mut().insert(cursor, (1, last)));
        Ok(cursor)
    }

    fn next(cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        CURSORS.with(|cursors| {
            let mut cursors = cursors.borrow_mut();
            let Some((next, last)) = cursors.get_mut(&cursor) else {
                return Err(Error { code: 1, message: format!("no cursor {cursor}") });
            };
            let mut rows = Vec::new();
            while *next <= *last && rows.len() < max_rows as usize {
                rows.push(vec![Value::Integer(*next)]);
                *next += 1;
            }
            Ok(rows)
        })
    }

    fn close(cursor: u64) {
        CURSORS.with(|cursors| cursors.borrow_mut().remove(&cursor));
    }
}

bindings::export!(Fixture with_types_in bindings);
