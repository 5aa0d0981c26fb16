//! `kv`: a writable virtual table of (key, value) rows kept in the database itself.
//!
//! `CREATE VIRTUAL TABLE t USING kv` makes a table with the columns `key TEXT` and `value`
//! whose rows live in the shadow table `t_data` (`id INTEGER PRIMARY KEY, key TEXT NOT NULL
//! UNIQUE, value`), written with SQL on the connection that is using the table. So the rows are
//! part of the database file and of SQLite's transactions: ROLLBACK, savepoints and the
//! journal's recovery after a crash treat them as any table's rows, and a reopened database
//! has them. A key is unique and not NULL, as a primary key; an equality on `key` is a point
//! lookup through the shadow table's index, and an ORDER BY `key` is answered in order.
//! DROP TABLE drops the shadow table, ALTER TABLE ... RENAME renames it. `INSERT OR IGNORE` and
//! `OR REPLACE` (and UPDATE's) are honoured: the write's conflict mode (contract 0.4.0's
//! `connection.on-conflict`) is the shadow table write's.

use std::collections::VecDeque;

use sqlink_sdk::connection::ConflictMode;
use sqlink_sdk::{
    Change, Error, Filter, IndexInfo, ModuleArgs, Plan, TableRow, TableRows, Value, VirtualCursor, VirtualTable, connection, op,
};

/// `best_index`'s plans, as `filter` receives them.
const SCAN: i32 = 0;
const KEY_EQUALS: i32 = 1;
const KEY_ASCENDING: i32 = 2;
const KEY_DESCENDING: i32 = 3;

/// Rows a scan reads from the shadow table per query: the host's page of a scan.
const PAGE: usize = 256;

/// The declared column `key` (0); `value` is 1.
const KEY_COLUMN: i32 = 0;

pub struct Kv {
    database: String,
    table: String,
    /// The SQL of a point lookup and of each write, made once per table (the host caches the
    /// statements by their text).
    sql: Statements,
}

struct Statements {
    lookup: String,
    /// One text per conflict clause, in [`CLAUSES`]' order.
    insert: [String; 3],
    update: [String; 3],
    delete: String,
}

impl Statements {
    fn of(data: &str) -> Self {
        Statements {
            lookup: format!("SELECT id, key, value FROM {data} WHERE key = ?"),
            insert: CLAUSES.map(|or| format!("INSERT {or} INTO {data}(id, key, value) VALUES (?, ?, ?) RETURNING id")),
            update: CLAUSES.map(|or| format!("UPDATE {or} {data} SET id = ?, key = ?, value = ? WHERE id = ?")),
            delete: format!("DELETE FROM {data} WHERE id = ?"),
        }
    }
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Kv {
    /// The shadow table's name without its database.
    fn data_name(table: &str) -> String {
        format!("{table}_data")
    }

    /// `"database"."table_data"`.
    fn data(&self) -> String {
        Self::data_of(&self.database, &self.table)
    }

    fn data_of(database: &str, table: &str) -> String {
        format!("{}.{}", quoted(database), quoted(&Self::data_name(table)))
    }

    fn new(database: &str, table: &str) -> Self {
        let sql = Statements::of(&Self::data_of(database, table));
        Kv { database: database.to_owned(), table: table.to_owned(), sql }
    }
}

impl VirtualTable for Kv {
    const NAME: &'static str = "kv";
    const DOC: &'static str = "A writable table of (key, value) rows kept in the shadow table NAME_data.";
    const WRITABLE: bool = true;
    const SHADOW_NAMES: &'static [&'static str] = &["data"];
    type Cursor = KvCursor;

    fn connect(args: &ModuleArgs, create: bool) -> Result<(String, Self), Error> {
        if !args.args.is_empty() {
            return Err(Error::new(format!("kv takes no arguments, not ({})", args.args.join(", "))));
        }
        let table = Kv::new(&args.database, &args.table);
        if create {
            // Not IF NOT EXISTS: a table of that name that is not ours must not be taken over.
            connection::execute(&format!("CREATE TABLE {}(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, value)", table.data()), &[])?;
        }
        Ok((String::from("CREATE TABLE x(key TEXT, value)"), table))
    }

    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        let mut plan = Plan::full_scan(info);
        let key_equals = info.constraints.iter().position(|c| c.usable && c.column == KEY_COLUMN && c.op == op::EQ);
        if let Some(index) = key_equals {
            // One row at most, found through the shadow table's index on key: whatever the
            // ORDER BY, one row is in order.
            plan = plan.argument(index, true).unique().cost(10.0, 1).number(KEY_EQUALS).string("key=?");
            if !info.order_by.is_empty() {
                plan = plan.order_consumed();
            }
            return Ok(plan);
        }
        // Keys are unique, so an ORDER BY that starts with key is in key order whatever follows.
        if let Some(first) = info.order_by.first()
            && first.column == KEY_COLUMN
        {
            let (number, name) = if first.desc { (KEY_DESCENDING, "key desc") } else { (KEY_ASCENDING, "key asc") };
            plan = plan.order_consumed().number(number).string(name);
        }
        Ok(plan)
    }

    fn open(&self) -> Result<KvCursor, Error> {
        Ok(KvCursor)
    }

    fn update(&mut self, change: Change) -> Result<i64, Error> {
        match change {
            Change::Delete(rowid) => {
                connection::execute(&self.sql.delete, &[Value::Integer(rowid)])?;
                Ok(rowid)
            }
            Change::Insert { rowid, columns } => {
                let [key, value] = row_values(columns)?;
                let or = conflict_clause()?;
                let rows = connection::execute(&self.sql.insert[or], &[rowid.map_or(Value::Null, Value::Integer), key, value])?;
                match rows.first().and_then(|row| row.first()) {
                    Some(Value::Integer(id)) => Ok(*id),
                    // OR IGNORE skipped the row: nothing was written.
                    None if CLAUSES[or] == "OR IGNORE" => Ok(rowid.unwrap_or(0)),
                    _ => Err(Error::new("kv: the insert returned no rowid")),
                }
            }
            Change::Update { old_rowid, rowid, columns } => {
                let [key, value] = row_values(columns)?;
                let or = conflict_clause()?;
                connection::execute(&self.sql.update[or], &[Value::Integer(rowid), key, value, Value::Integer(old_rowid)])?;
                Ok(rowid)
            }
        }
    }

    fn rename(&mut self, new_name: &str) -> Result<(), Error> {
        connection::execute(&format!("ALTER TABLE {} RENAME TO {}", self.data(), quoted(&Self::data_name(new_name))), &[])?;
        *self = Kv::new(&self.database, new_name);
        Ok(())
    }

    fn destroy(&mut self) -> Result<(), Error> {
        connection::execute(&format!("DROP TABLE IF EXISTS {}", self.data()), &[])?;
        Ok(())
    }
}

/// The statement's ON CONFLICT mode as the shadow table's write spells it: `INSERT OR IGNORE
/// INTO t` skips a row whose key (or rowid) is taken, `OR REPLACE` replaces that row. For the
/// others the write fails with SQLITE_CONSTRAINT, and the statement's own mode (ROLLBACK,
/// ABORT, FAIL) then does what it does for a native table.
/// Answers an index into [`CLAUSES`].
fn conflict_clause() -> Result<usize, Error> {
    Ok(match connection::on_conflict()? {
        ConflictMode::Ignore => 1,
        ConflictMode::Replace => 2,
        ConflictMode::Rollback | ConflictMode::Fail | ConflictMode::Abort => 0,
    })
}

/// The conflict clauses a shadow-table write is made with.
const CLAUSES: [&str; 3] = ["", "OR IGNORE", "OR REPLACE"];

fn row_values(columns: Vec<Value>) -> Result<[Value; 2], Error> {
    columns.try_into().map_err(|columns: Vec<Value>| Error::new(format!("kv rows have 2 columns, not {}", columns.len())))
}

pub struct KvCursor;

impl VirtualCursor<Kv> for KvCursor {
    fn filter(&mut self, table: &Kv, filter: Filter) -> Result<TableRows, Error> {
        let order = match filter.index_number {
            KEY_EQUALS => {
                let key = filter.args.into_iter().next().unwrap_or(Value::Null);
                let rows = connection::execute(&table.sql.lookup, &[key])?;
                return Ok(Box::new(rows.into_iter().map(table_row)));
            }
            KEY_ASCENDING => Order::KeyAscending,
            KEY_DESCENDING => Order::KeyDescending,
            SCAN => Order::Rowid,
            other => return Err(Error::new(format!("kv: no plan numbered {other}"))),
        };
        Ok(Box::new(Pages { data: table.data(), order, after: None, buffer: VecDeque::new(), done: false }))
    }
}

fn table_row(row: Vec<Value>) -> Result<TableRow, Error> {
    let mut values = row.into_iter();
    match (values.next(), values.next(), values.next()) {
        (Some(Value::Integer(rowid)), Some(key), Some(value)) => Ok(TableRow { rowid, columns: vec![key, value] }),
        _ => Err(Error::new("kv: a row of the shadow table is not (id, key, value)")),
    }
}

#[derive(Clone, Copy)]
enum Order {
    Rowid,
    KeyAscending,
    KeyDescending,
}

impl Order {
    /// The column a page continues after, its comparison and the ORDER BY.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Order::Rowid => ("id", ">", "id"),
            Order::KeyAscending => ("key", ">", "key"),
            Order::KeyDescending => ("key", "<", "key DESC"),
        }
    }
}

/// A scan of the shadow table a page at a time, each page a query of its own that continues
/// after the last row of the one before: a statement lives only as long as the call that
/// prepared it, and a scan spans many calls (one per page SQLite reads).
struct Pages {
    data: String,
    order: Order,
    /// The ordering column's value in the last row read.
    after: Option<Value>,
    buffer: VecDeque<TableRow>,
    done: bool,
}

impl Pages {
    fn read_page(&mut self) -> Result<(), Error> {
        let (column, comparison, order_by) = self.order.parts();
        let (condition, params) = match self.after.take() {
            Some(after) => (format!("WHERE {column} {comparison} ?"), vec![after]),
            None => (String::new(), Vec::new()),
        };
        let sql = format!("SELECT id, key, value FROM {} {condition} ORDER BY {order_by} LIMIT {PAGE}", self.data);
        let rows = connection::execute(&sql, &params)?;
        self.done = rows.len() < PAGE;
        for row in rows {
            self.buffer.push_back(table_row(row)?);
        }
        self.after = self.buffer.back().map(|row| match self.order {
            Order::Rowid => Value::Integer(row.rowid),
            Order::KeyAscending | Order::KeyDescending => row.columns[0].clone(),
        });
        Ok(())
    }
}

impl Iterator for Pages {
    type Item = Result<TableRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty()
            && !self.done
            && let Err(error) = self.read_page()
        {
            self.done = true;
            return Some(Err(error));
        }
        self.buffer.pop_front().map(Ok)
    }
}

sqlink_sdk::export_extension! {
    name: "kv",
    modules: [Kv],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_as_sql_identifiers() {
        let table = Kv::new("main", "my \"t\"");
        assert_eq!(table.data(), "\"main\".\"my \"\"t\"\"_data\"");
    }
}
