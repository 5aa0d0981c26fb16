//! Table functions: a Rust function that returns an iterator of rows, used in SQL as
//! `FROM name(args)`. The SDK keeps each open cursor's iterator between `next` calls and
//! drops it at `close`, so rows are made as SQLite reads them.

use std::cell::RefCell;

use sqlink_rules::ids::{IdMap, id_map};

use crate::codes;
use crate::error::Error;
use crate::extension::ExtensionDef;
use crate::value::{IntoValue, Value};

/// The rows of one use of a table function, made as they are read.
pub type Rows = Box<dyn Iterator<Item = Result<Vec<Value>, Error>>>;

/// A table function, as `#[sqlite_table_function]` describes it.
#[derive(Debug, Clone, Copy)]
pub struct TableFunctionDef {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub parameters: &'static [&'static str],
    pub doc: &'static str,
    pub open: fn(&[Value]) -> Result<Rows, Error>,
}

/// One row: a tuple with one value per column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a row of a table function",
    label = "not a row",
    note = "a row is a tuple with one value per column, e.g. `(String, i64)`, each of a type a SQL function can return"
)]
pub trait IntoRow {
    /// How many columns the row fills.
    const WIDTH: usize;
    fn into_row(self) -> Vec<Value>;
}

macro_rules! tuple_rows {
    ($($width:literal: ($($t:ident $i:tt),+)),+ $(,)?) => {$(
        impl<$($t: IntoValue),+> IntoRow for ($($t,)+) {
            const WIDTH: usize = $width;
            fn into_row(self) -> Vec<Value> {
                vec![$(self.$i.into_value()),+]
            }
        }
    )+};
}

tuple_rows! {
    1: (A 0),
    2: (A 0, B 1),
    3: (A 0, B 1, C 2),
    4: (A 0, B 1, C 2, D 3),
    5: (A 0, B 1, C 2, D 3, E 4),
    6: (A 0, B 1, C 2, D 3, E 4, F 5),
    7: (A 0, B 1, C 2, D 3, E 4, F 5, G 6),
    8: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7),
}

/// An item of the iterator: a row, or an error that ends the statement there.
pub trait IntoRowResult {
    const WIDTH: usize;
    fn into_row_result(self) -> Result<Vec<Value>, Error>;
}

impl<T: IntoRow> IntoRowResult for T {
    const WIDTH: usize = T::WIDTH;
    fn into_row_result(self) -> Result<Vec<Value>, Error> {
        Ok(self.into_row())
    }
}

impl<T: IntoRow, E: Into<Error>> IntoRowResult for Result<T, E> {
    const WIDTH: usize = T::WIDTH;
    fn into_row_result(self) -> Result<Vec<Value>, Error> {
        self.map(IntoRow::into_row).map_err(Into::into)
    }
}

/// The author's iterator as [`Rows`]; `COLUMNS` is the number of declared columns, which the
/// row type must fill (checked when the extension is built).
pub fn rows<I, const COLUMNS: usize>(rows: I) -> Rows
where
    I: IntoIterator + 'static,
    I::Item: IntoRowResult,
{
    const { assert!(<I::Item as IntoRowResult>::WIDTH == COLUMNS, "a row must have one value per declared column") };
    Box::new(rows.into_iter().map(IntoRowResult::into_row_result))
}

thread_local! {
    static CURSORS: RefCell<IdMap<u64, Rows>> = RefCell::new(id_map());
    static NEXT_CURSOR: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

pub fn table_open(ext: &ExtensionDef, id: u32, args: &[Value]) -> Result<u64, Error> {
    let def = ext
        .table_functions
        .get(id as usize)
        .ok_or_else(|| Error::with_code(codes::MISUSE, format!("this extension has no table function with id {id}")))?;
    if args.len() != def.parameters.len() {
        return Err(Error::with_code(
            codes::MISUSE,
            format!("{}(): expected {} arguments, got {}", def.name, def.parameters.len(), args.len()),
        ));
    }
    let rows = (def.open)(args)?;
    let cursor = NEXT_CURSOR.with(|next| next.replace(next.get() + 1));
    CURSORS.with(|cursors| cursors.borrow_mut().insert(cursor, rows));
    Ok(cursor)
}

pub fn table_next(cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
    // The iterator is taken out while it runs, so that it may itself open cursors.
    let mut rows = CURSORS
        .with(|cursors| cursors.borrow_mut().remove(&cursor))
        .ok_or_else(|| Error::with_code(codes::MISUSE, format!("no open cursor {cursor}")))?;
    let mut page = Vec::new();
    let mut failed = None;
    while page.len() < max_rows as usize {
        match rows.next() {
            Some(Ok(row)) => page.push(row),
            Some(Err(error)) => {
                failed = Some(error);
                break;
            }
            None => break,
        }
    }
    CURSORS.with(|cursors| cursors.borrow_mut().insert(cursor, rows));
    match failed {
        Some(error) => Err(error),
        None => Ok(page),
    }
}

pub fn table_close(cursor: u64) {
    CURSORS.with(|cursors| cursors.borrow_mut().remove(&cursor));
}

/// How many cursors are open (for tests that prove they are closed).
pub fn open_cursors() -> usize {
    CURSORS.with(|cursors| cursors.borrow().len())
}
