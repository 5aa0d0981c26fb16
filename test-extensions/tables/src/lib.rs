//! Virtual-table modules for the hosts' tests: `memtable`, a writable in-memory table of
//! (key, value) rows that keeps SQLite's transactions and savepoints, plans an equality on
//! `key` as its index and returns rows in `key` order when asked; `spin`, whose planning never
//! ends; and `badschema`, which declares a schema SQLite rejects.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use sqlink_sdk::{
    Change, Error, Filter, IndexInfo, ModuleArgs, Plan, TableRow, TableRows, TransactionEvent, Value, VirtualCursor, VirtualTable, op,
};

type Rows = BTreeMap<i64, (Value, Value)>;

/// Index numbers: bit 1, an equality on `key` is the argument; bit 2, rows in `key` order.
const BY_KEY: i32 = 1;
const IN_KEY_ORDER: i32 = 2;

thread_local! {
    /// Each table's rows (and next rowid) by database and table name: shared by every
    /// connection of the table to the extension, so SQLite may disconnect and connect it again
    /// (it does on a schema reset) in either order; dropped by DROP TABLE.
    static KEPT: RefCell<HashMap<String, (Rows, i64)>> = RefCell::new(HashMap::new());
}

pub struct MemTable {
    /// "database.table": where its rows are kept.
    name: String,
    /// The rows as they were when the transaction began, and at each open savepoint.
    at_begin: Option<Rows>,
    savepoints: Vec<(i32, Rows)>,
}

/// `text` sorts as SQLite's BINARY does for these tests' keys (text); NULL first.
fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Text(t) => Some(t.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

impl VirtualTable for MemTable {
    const NAME: &'static str = "memtable";
    const DOC: &'static str = "An in-memory table of (key, value) rows, with transactions.";
    const WRITABLE: bool = true;
    const TRANSACTIONS: bool = true;
    type Cursor = MemCursor;

    fn connect(args: &ModuleArgs, _create: bool) -> Result<(String, Self), Error> {
        if !args.args.is_empty() {
            return Err(Error::new(format!("memtable takes no arguments, not {}", args.args.join(", "))));
        }
        let name = format!("{}.{}", args.database, args.table);
        KEPT.with(|kept| {
            kept.borrow_mut().entry(name.clone()).or_insert((Rows::new(), 1));
        });
        Ok((String::from("CREATE TABLE x(key TEXT, value)"), MemTable { name, at_begin: None, savepoints: Vec::new() }))
    }

    fn rename(&mut self, new_name: &str) -> Result<(), Error> {
        let database = self.name.split('.').next().unwrap_or("main").to_owned();
        let renamed = format!("{database}.{new_name}");
        KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            let rows = kept.remove(&self.name).unwrap_or((Rows::new(), 1));
            kept.insert(renamed.clone(), rows);
        });
        self.name = renamed;
        Ok(())
    }

    fn destroy(&mut self) -> Result<(), Error> {
        KEPT.with(|kept| kept.borrow_mut().remove(&self.name));
        Ok(())
    }

    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        let mut plan = Plan::full_scan(info);
        let mut number = 0;
        if let Some(index) = info.constraints.iter().position(|c| c.usable && c.column == 0 && c.op == op::EQ) {
            plan = plan.argument(index, true).unique().cost(10.0, 1).string("key=?");
            number |= BY_KEY;
        }
        if let [order] = info.order_by.as_slice()
            && order.column == 0
            && !order.desc
        {
            plan = plan.order_consumed();
            number |= IN_KEY_ORDER;
        }
        Ok(plan.number(number))
    }

    fn open(&self) -> Result<MemCursor, Error> {
        Ok(MemCursor)
    }

    fn update(&mut self, change: Change) -> Result<i64, Error> {
        match change {
            Change::Delete(rowid) => {
                self.with_rows(|rows, _| rows.remove(&rowid));
                Ok(rowid)
            }
            Change::Insert { rowid, columns } => {
                let (rowid, taken) = self.with_rows(|rows, next_rowid| {
                    let rowid = rowid.unwrap_or(*next_rowid);
                    (rowid, rows.contains_key(&rowid))
                });
                if taken {
                    return Err(Error::with_code(sqlink_sdk::codes::CONSTRAINT, format!("rowid {rowid} is taken")));
                }
                self.store(rowid, columns)?;
                Ok(rowid)
            }
            Change::Update { old_rowid, rowid, columns } => {
                self.with_rows(|rows, _| rows.remove(&old_rowid));
                self.store(rowid, columns)?;
                Ok(rowid)
            }
        }
    }

    fn transaction(&mut self, event: TransactionEvent) -> Result<(), Error> {
        match event {
            TransactionEvent::Begin => self.at_begin = Some(self.rows()),
            TransactionEvent::Sync => {}
            TransactionEvent::Commit => {
                self.at_begin = None;
                self.savepoints.clear();
            }
            TransactionEvent::Rollback => {
                if let Some(rows) = self.at_begin.take() {
                    self.set_rows(rows);
                }
                self.savepoints.clear();
            }
            TransactionEvent::Savepoint(n) => {
                self.savepoints.retain(|(level, _)| *level < n);
                let rows = self.rows();
                self.savepoints.push((n, rows));
            }
            TransactionEvent::Release(n) => self.savepoints.retain(|(level, _)| *level < n),
            TransactionEvent::RollbackTo(n) => {
                self.savepoints.retain(|(level, _)| *level <= n);
                if let Some((_, rows)) = self.savepoints.last().filter(|(level, _)| *level == n) {
                    self.set_rows(rows.clone());
                }
            }
        }
        Ok(())
    }
}

impl MemTable {
    fn with_rows<R>(&self, f: impl FnOnce(&mut Rows, &mut i64) -> R) -> R {
        KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            let (rows, next_rowid) = kept.entry(self.name.clone()).or_insert((Rows::new(), 1));
            f(rows, next_rowid)
        })
    }

    fn rows(&self) -> Rows {
        self.with_rows(|rows, _| rows.clone())
    }

    fn set_rows(&self, new: Rows) {
        self.with_rows(|rows, _| *rows = new);
    }

    fn store(&mut self, rowid: i64, columns: Vec<Value>) -> Result<(), Error> {
        let [key, value]: [Value; 2] = columns.try_into().map_err(|_| Error::new("memtable rows have two columns"))?;
        if key_text(&value).as_deref() == Some("trap") {
            // A trap in the middle of a write: the statement must fail, and be rolled back.
            panic!("memtable was told to trap");
        }
        self.with_rows(|rows, next_rowid| {
            rows.insert(rowid, (key, value));
            *next_rowid = (*next_rowid).max(rowid + 1);
        });
        Ok(())
    }
}

pub struct MemCursor;

impl VirtualCursor<MemTable> for MemCursor {
    fn filter(&mut self, table: &MemTable, filter: Filter) -> Result<TableRows, Error> {
        let wanted = if filter.index_number & BY_KEY != 0 { filter.args.first().map(key_text) } else { None };
        let mut rows: Vec<TableRow> = table
            .rows()
            .iter()
            .filter(|(_, (key, _))| wanted.as_ref().is_none_or(|wanted| &key_text(key) == wanted))
            .map(|(rowid, (key, value))| TableRow { rowid: *rowid, columns: vec![key.clone(), value.clone()] })
            .collect();
        if filter.index_number & IN_KEY_ORDER != 0 {
            rows.sort_by_key(|row| key_text(&row.columns[0]));
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// Planning never ends: the host's time limit must stop it.
pub struct Spin;

impl VirtualTable for Spin {
    const NAME: &'static str = "spin";
    type Cursor = MemCursor2;

    fn connect(_args: &ModuleArgs, _create: bool) -> Result<(String, Self), Error> {
        Ok((String::from("CREATE TABLE x(a)"), Spin))
    }

    fn best_index(&self, _info: &IndexInfo) -> Result<Plan, Error> {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn open(&self) -> Result<MemCursor2, Error> {
        Ok(MemCursor2)
    }
}

pub struct MemCursor2;

impl<T> VirtualCursor<T> for MemCursor2 {
    fn filter(&mut self, _table: &T, _filter: Filter) -> Result<TableRows, Error> {
        Ok(Box::new(std::iter::empty()))
    }
}

/// Declares a schema SQLite rejects.
pub struct BadSchema;

impl VirtualTable for BadSchema {
    const NAME: &'static str = "badschema";
    type Cursor = MemCursor2;

    fn connect(_args: &ModuleArgs, _create: bool) -> Result<(String, Self), Error> {
        Ok((String::from("CREATE TABLE x(a,"), BadSchema))
    }

    fn open(&self) -> Result<MemCursor2, Error> {
        Ok(MemCursor2)
    }
}

sqlink_sdk::export_extension! {
    name: "tables",
    modules: [MemTable, Spin, BadSchema],
}
