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
//!
//! Functions defined while the extension runs (contract 0.4.0), as sqlean's `define` does:
//!
//! ```no_run
//! use sqlink_sdk::{Error, FunctionFlags, Value, connection, sqlite_scalar};
//!
//! /// Defines `twice_NAME(x)`, x * 2, on the calling connection; answers its name.
//! #[sqlite_scalar]
//! fn make_twice(name: &str) -> Result<String, Error> {
//!     let flags = FunctionFlags { deterministic: true, ..FunctionFlags::default() };
//!     let function = format!("twice_{name}");
//!     connection::create_function(&function, 1, flags, |args: &[Value]| match args {
//!         [Value::Integer(i)] => Ok(Value::Integer(i * 2)),
//!         _ => Ok(Value::Null),
//!     })?;
//!     Ok(function)
//! }
//! ```
//!
//! And, in a writable virtual table's `update`, [`on_conflict`]: the statement's ON CONFLICT
//! mode (`INSERT OR IGNORE`, `OR REPLACE`).

use std::cell::RefCell;
use std::rc::Rc;

use sqlink_rules::ids::IdMap;

use crate::bindings::sqlite::extension::connection as wit;
use crate::{Error, FunctionFlags, Value};

pub use wit::ConflictMode;

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

/// What a write that breaks a constraint is to do, for the write a virtual table's `update`
/// is applying: [`ConflictMode::Ignore`] (skip the row, answer success),
/// [`ConflictMode::Replace`] (replace the row it conflicts with), or fail with
/// [`crate::codes::CONSTRAINT`] for the others. An error outside `update`.
pub fn on_conflict() -> Result<ConflictMode, Error> {
    wit::on_conflict()
}

/// The body of a function defined at run time.
type Body = Rc<dyn Fn(&[Value]) -> Result<Value, Error>>;

/// The functions this instance defined, by the id the host calls them with, and the id of
/// each name (lower case) and arity.
#[derive(Default)]
struct Defined {
    bodies: IdMap<u32, Body>,
    ids: IdMap<(String, i32), u32>,
    next: u32,
}

thread_local! {
    static DEFINED: RefCell<Defined> = RefCell::new(Defined::default());
}

/// Define scalar function `name` of `arity` arguments (-1: any number) on the connection that
/// is calling the extension; SQLite calls `body` for each of its calls, until
/// [`delete_function`], the extension's unload or the connection's close. The host refuses a
/// name the connection has from elsewhere (SQLite's, the program's, an extension's declared
/// functions); the same name and arity defined here before is redefined, which SQLite
/// refuses while another statement of the connection runs.
///
/// `body` runs as any call of the extension does: it may use this module's SQL, but SQL that
/// calls an extension function (this one's too) is refused.
pub fn create_function(
    name: &str,
    arity: i32,
    flags: FunctionFlags,
    body: impl Fn(&[Value]) -> Result<Value, Error> + 'static,
) -> Result<(), Error> {
    let id = DEFINED.with(|defined| {
        let mut defined = defined.borrow_mut();
        defined.next = defined.next.wrapping_add(1);
        defined.next
    });
    wit::create_function(name, arity, flags.to_wit(), id)?;
    DEFINED.with(|defined| {
        let mut defined = defined.borrow_mut();
        if let Some(old) = defined.ids.insert((name.to_ascii_lowercase(), arity), id) {
            defined.bodies.remove(&old);
        }
        defined.bodies.insert(id, Rc::new(body));
    });
    Ok(())
}

/// Define scalar function `name` of `arity` arguments (-1: any number) on the connection that
/// is calling the extension, whose body is SQL (contract 0.5.0): each call runs `body`, one
/// statement, with the call's arguments bound to its parameters in order, and answers the
/// first column of its first row (NULL when there is none). The host runs the body itself,
/// without calling the extension, so such functions may call one another and themselves,
/// which functions of [`create_function`] cannot. The body must compile now; otherwise the
/// rules of [`create_function`] apply, and [`delete_function`] removes it. Redefining a name
/// and arity this extension defined with a body replaces the body, also while a statement
/// runs.
///
/// ```no_run
/// use sqlink_sdk::{Error, FunctionFlags, connection, sqlite_scalar};
///
/// /// Defines `sumn(n)`, 1 + 2 + ... + n, once the extension is called.
/// #[sqlite_scalar]
/// fn define_sumn() -> Result<(), Error> {
///     connection::create_sql_function("sumn", 1, FunctionFlags::default(), "SELECT ?1 * (?1 + 1) / 2")
/// }
/// ```
pub fn create_sql_function(name: &str, arity: i32, flags: FunctionFlags, body: &str) -> Result<(), Error> {
    wit::create_sql_function(name, arity, flags.to_wit(), body)?;
    // A body of `create_function` under that name and arity is replaced.
    DEFINED.with(|defined| {
        let mut defined = defined.borrow_mut();
        if let Some(id) = defined.ids.remove(&(name.to_ascii_lowercase(), arity)) {
            defined.bodies.remove(&id);
        }
    });
    Ok(())
}

/// Remove function `name` of `arity` that [`create_function`] or [`create_sql_function`]
/// defined; an error if there is none. While a statement of the connection runs SQLite keeps it, answering as a function it
/// does not know, until it can go.
pub fn delete_function(name: &str, arity: i32) -> Result<(), Error> {
    wit::delete_function(name, arity)?;
    DEFINED.with(|defined| {
        let mut defined = defined.borrow_mut();
        if let Some(id) = defined.ids.remove(&(name.to_ascii_lowercase(), arity)) {
            defined.bodies.remove(&id);
        }
    });
    Ok(())
}

/// `dynamic-function.call`: the body defined with `id`.
#[doc(hidden)]
pub fn dynamic_call(id: u32, args: &[Value]) -> Result<Value, Error> {
    // Cloned out, so that a body may define or delete functions itself.
    let body = DEFINED.with(|defined| defined.borrow().bodies.get(&id).cloned());
    match body {
        Some(body) => body(args),
        None => Err(Error::new(format!("no function defined at run time has id {id} (the extension restarted since?)"))),
    }
}
