//! The fixture of `sqlite:extension@0.1.0` as it was changed in place between 26 November and
//! 4 December 2026, before the contract's versions were frozen: `extension-info` gained
//! `table-functions` (a sixth field) and the package gained `scalar-by-arity` and
//! `table-function`, all still named 0.1.0. Components built in those days have this shape;
//! every host must keep loading them (README, "Compatibility"). `wit/extension.wit` here is the
//! contract as it stood at its last change (git 9032f0a); it is not a released version, so it
//! lives with the fixture, not under the repository's `wit/extension`.
//!
//! `interim_twice(x)` (a scalar: flat calls, and a list call with another arity) and the table
//! function `interim_series(n)` (the rows 1..=n).

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "sqlite:extension/extension@0.1.0",
    });
}

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use bindings::exports::sqlite::extension::{aggregate_function, collation, metadata, scalar_by_arity, scalar_function, table_function};
use bindings::sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, ScalarInfo, TableFunctionInfo, Value};

const MISMATCH: i32 = 20;

struct Fixture;

impl metadata::Guest for Fixture {
    fn describe() -> ExtensionInfo {
        ExtensionInfo {
            name: "interim".into(),
            version: "0.1.0".into(),
            scalars: vec![
                ScalarInfo {
                    id: 0,
                    name: "interim_twice".into(),
                    arity: 1,
                    flags: FunctionFlags::DETERMINISTIC,
                    doc: "Twice an integer.".into(),
                },
                ScalarInfo {
                    id: 1,
                    name: "interim_twice".into(),
                    arity: 5,
                    flags: FunctionFlags::DETERMINISTIC,
                    doc: "Twice the sum of five integers.".into(),
                },
            ],
            aggregates: vec![],
            collations: vec![],
            table_functions: vec![TableFunctionInfo {
                id: 0,
                name: "interim_series".into(),
                columns: vec!["value".into()],
                parameters: vec!["n".into()],
                doc: "The integers 1 to n.".into(),
            }],
        }
    }
}

/// Twice the sum of the arguments, all integers; NULL for any NULL.
fn twice(args: &[Value]) -> Result<Value, Error> {
    let mut sum = 0i64;
    for arg in args {
        match arg {
            Value::Null => return Ok(Value::Null),
            Value::Integer(i) => sum = sum.wrapping_add(*i),
            _ => return Err(Error { code: MISMATCH, message: "interim_twice takes integers".into() }),
        }
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

/// It declares no aggregates or collations, but the world of that time exported these too.
impl aggregate_function::Guest for Fixture {
    fn step(_: u32, _: u64, _: Vec<Value>) -> Result<(), Error> {
        Err(Error { code: 1, message: "no aggregates".into() })
    }
    fn value(_: u32, _: u64) -> Result<Value, Error> {
        Err(Error { code: 1, message: "no aggregates".into() })
    }
    fn inverse(_: u32, _: u64, _: Vec<Value>) -> Result<(), Error> {
        Err(Error { code: 1, message: "no aggregates".into() })
    }
    fn finalize(_: u32, _: u64) -> Result<Value, Error> {
        Err(Error { code: 1, message: "no aggregates".into() })
    }
}

impl collation::Guest for Fixture {
    fn compare(_: u32, a: String, b: String) -> i32 {
        a.cmp(&b) as i32
    }
}

thread_local! {
    /// Each open cursor: the next value and the last.
    static CURSORS: RefCell<HashMap<u64, (i64, i64)>> = RefCell::new(HashMap::new());
    static NEXT_CURSOR: Cell<u64> = const { Cell::new(1) };
}

impl table_function::Guest for Fixture {
    fn open(_id: u32, args: Vec<Value>) -> Result<u64, Error> {
        let last = match args.as_slice() {
            [Value::Integer(n)] => *n,
            _ => return Err(Error { code: MISMATCH, message: "interim_series takes an integer".into() }),
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
