//! Table functions that misbehave or test the edges: a long lazy series, an error and a
//! trap in the middle of the rows, NULL arguments, and a count of the cursors left open.

use sqlink_sdk::{Error, export_extension, sqlite_scalar, sqlite_table_function};

/// The integers from `start` to `stop`, made one at a time.
#[sqlite_table_function(columns(value))]
pub fn series(start: i64, stop: i64) -> impl Iterator<Item = (i64,)> {
    (start..=stop).map(|i| (i,))
}

/// Rows 1, 2, …, then an error after `n` of them.
#[sqlite_table_function(columns(value))]
pub fn fail_after(n: i64) -> impl Iterator<Item = Result<(i64,), Error>> {
    (1..).map(move |i| if i <= n { Ok((i,)) } else { Err(Error::new(format!("fail_after: gave up after {n} rows"))) })
}

/// Rows 1, 2, …, then a panic after `n` of them.
#[sqlite_table_function(columns(value))]
pub fn trap_after(n: i64) -> impl Iterator<Item = (i64,)> {
    (1..).map(move |i| {
        assert!(i <= n, "trap_after: {n} rows were enough");
        (i,)
    })
}

/// One row saying whether the argument was NULL, and its type.
#[sqlite_table_function(columns(is_null, kind))]
pub fn describe_arg(x: Option<sqlink_sdk::Value>) -> Result<Vec<(bool, &'static str)>, Error> {
    Ok(vec![(x.is_none(), x.as_ref().map_or("null", sqlink_sdk::Value::type_name))])
}

/// How many table-function cursors are open in this instance.
#[sqlite_scalar]
pub fn open_cursors() -> i64 {
    sqlink_sdk::open_cursors() as i64
}

export_extension! {
    name: "rows",
    scalars: [open_cursors],
    table_functions: [series, fail_after, trap_after, describe_arg],
}
