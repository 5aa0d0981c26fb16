//! An extension that runs SQL on its calling connection and hears its hooks: the tests of
//! `connection` and `hooks` in every host (well-behaved uses and hostile ones).
// xtask builds this crate for wasm32-wasip2 only; in the workspace's host-target lint its
// exports are absent and rustc reports its functions unused.
#![cfg_attr(not(target_family = "wasm"), allow(dead_code))]

use std::cell::RefCell;

use sqlink_sdk::connection::{self, Statement};
use sqlink_sdk::{Error, Events, Hooks, RowChange, Value, sqlite_scalar};

thread_local! {
    /// What the hooks heard, one line per event.
    static HEARD: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// A statement kept past the call that prepared it (hostile).
    static KEPT: RefCell<Option<Statement>> = const { RefCell::new(None) };
}

/// The first value of the first row of `sql` run with `param` bound (if not NULL).
#[sqlite_scalar]
fn sql_value(sql: &str, param: Value) -> Result<Value, Error> {
    let params = if param.is_null() { vec![] } else { vec![param] };
    let rows = connection::execute(sql, &params)?;
    Ok(rows.into_iter().next().and_then(|row| row.into_iter().next()).unwrap_or(Value::Null))
}

/// Runs `sql` (a write), and answers changes() and last_insert_rowid() as "n/rowid".
#[sqlite_scalar]
fn sql_write(sql: &str) -> Result<String, Error> {
    connection::execute(sql, &[])?;
    Ok(format!("{}/{}", connection::changes(), connection::last_insert_rowid()))
}

/// The rows of `sql`, stepped one at a time, with its column names: "a,b:1,2;3,4".
#[sqlite_scalar]
fn sql_rows(sql: &str) -> Result<String, Error> {
    let statement = connection::prepare(sql)?;
    let mut out = statement.column_names().join(",");
    out.push(':');
    let rows: Vec<String> =
        statement.rows().map(|row| row.map(|values| values.iter().map(show).collect::<Vec<_>>().join(","))).collect::<Result<_, _>>()?;
    out.push_str(&rows.join(";"));
    // Reset and step again: the first row comes back.
    statement.reset()?;
    if let Some(first) = statement.step()? {
        out.push_str(&format!(" again:{}", first.iter().map(show).collect::<Vec<_>>().join(",")));
    }
    Ok(out)
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("x'{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
    }
}

/// Prepares `sql` and keeps the statement for a later call.
#[sqlite_scalar]
fn sql_keep(sql: &str) -> Result<i64, Error> {
    let statement = connection::prepare(sql)?;
    KEPT.with(|kept| *kept.borrow_mut() = Some(statement));
    Ok(1)
}

/// Steps the statement an earlier call kept.
#[sqlite_scalar]
fn sql_use_kept() -> Result<i64, Error> {
    KEPT.with(|kept| match kept.borrow().as_ref() {
        Some(statement) => statement.step().map(|row| i64::from(row.is_some())),
        None => Err(Error::new("nothing kept")),
    })
}

/// What the hooks heard since the last call, one event per line; cleared.
#[sqlite_scalar]
fn hooks_heard() -> String {
    HEARD.with(|heard| std::mem::take(&mut *heard.borrow_mut()).join("\n"))
}

struct Listen;

impl Hooks for Listen {
    const EVENTS: Events = Events::ALL;

    fn on_commit() -> bool {
        HEARD.with(|heard| heard.borrow_mut().push("commit".into()));
        false
    }

    fn on_rollback() {
        HEARD.with(|heard| heard.borrow_mut().push("rollback".into()));
    }

    fn on_update(change: RowChange, database: &str, table: &str, rowid: i64) {
        // A hook may not run SQL: what it is told instead goes into the log (once per table).
        let note = if table == "sql_in_hook" {
            match connection::execute("SELECT 1", &[]) {
                Ok(_) => String::from(" (SQL ran!)"),
                Err(e) => format!(" (refused: {})", e.message),
            }
        } else {
            String::new()
        };
        let change = match change {
            RowChange::Insert => "insert",
            RowChange::Update => "update",
            RowChange::Delete => "delete",
        };
        HEARD.with(|heard| heard.borrow_mut().push(format!("{change} {database}.{table} {rowid}{note}")));
    }
}

sqlink_sdk::export_extension! {
    name: "sqlcaller",
    scalars: [sql_value, sql_write, sql_rows, sql_keep, sql_use_kept, hooks_heard],
    hooks: Listen,
}
