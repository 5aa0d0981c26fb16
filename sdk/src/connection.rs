//! SQL on the connection that is calling the extension (contract 0.3.0's `connection`).
//!
//! ```no_run
//! use sqlink_sdk::{Error, Value, connection, sqlite_scalar};
//!
//! /// How many rows of `t` have a value above `x`.
//! #[sqlite_scalar]
//! fn above(x: i64) -> Result<i64, Error> {
//!     let rows = connection::execute("SELECT count(*) FROM t WHERE v > ?", &[Value::Integer(x)])?;
//!     match rows.first().and_then(|row| row.first()) {
//!         Some(Value::Integer(n)) => Ok(*n),
//!         _ => Ok(0),
//!     }
//! }
//! ```
//!
//! Only while SQLite is calling the extension (a scalar, aggregate or table function, a
//! virtual table's method): at load and in a hook every function fails. The SQL runs in the
//! extension's sandbox: no ATTACH or DETACH, no loading of extensions, no call of an extension
//! function, and its time counts toward the call's time limit. A [`Statement`] is finalized
//! when dropped, and in any case when the call that prepared it returns; keeping one for a
//! later call gets an error there.
//!
//! An extension that calls none of these does not import `connection` at all.

use crate::bindings::sqlite::extension::connection as wit;
use crate::{Error, Value};

/// A compiled statement of the calling connection.
pub struct Statement(wit::Statement);

/// Compile the first statement of `sql`.
pub fn prepare(sql: &str) -> Result<Statement, Error> {
    wit::prepare(sql).map(Statement)
}

/// Compile the first statement of `sql`, bind `params` in order, and run it to the end: its
/// rows (none for a statement that returns none).
pub fn execute(sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    wit::execute(sql, params)
}

/// Rows changed by the connection's last INSERT, UPDATE or DELETE.
pub fn changes() -> i64 {
    wit::changes()
}

pub fn last_insert_rowid() -> i64 {
    wit::last_insert_rowid()
}

impl Statement {
    /// Bind parameter `index` (1 is the first).
    pub fn bind(&self, index: u32, value: impl crate::IntoValue) -> Result<(), Error> {
        self.0.bind(index, &value.into_value())
    }

    /// Bind every parameter in order, from the first.
    pub fn bind_all(&self, values: &[Value]) -> Result<(), Error> {
        (1..).zip(values).try_for_each(|(index, value)| self.0.bind(index, value))
    }

    /// The next row, or `None` when the statement is done.
    pub fn step(&self) -> Result<Option<Vec<Value>>, Error> {
        self.0.step()
    }

    /// Back to the start, keeping the bindings.
    pub fn reset(&self) -> Result<(), Error> {
        self.0.reset()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.0.column_names()
    }

    /// The remaining rows, one `step` each.
    pub fn rows(&self) -> impl Iterator<Item = Result<Vec<Value>, Error>> + '_ {
        std::iter::from_fn(move || self.step().transpose())
    }
}
