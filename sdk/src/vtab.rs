//! Virtual tables: `CREATE VIRTUAL TABLE t USING module(args)`. A module is a type that
//! implements [`VirtualTable`]: `connect` makes a table from the module's arguments and
//! declares its schema, `best_index` chooses a plan with [`Plan`], `open` makes a
//! [`VirtualCursor`] whose `filter` returns the rows as an iterator (read a page at a time, as
//! SQLite asks for them), and a writable one takes `update`s and transaction events. The SDK
//! keeps each table and cursor between calls and drops them at `disconnect` / `close`.

use std::cell::RefCell;

use sqlink_rules::ids::IdMap;

use crate::bindings::exports::sqlite::extension::virtual_table as wit;
use crate::codes;
use crate::error::Error;
use crate::extension::ExtensionDef;
use crate::value::Value;

pub use wit::{IndexConstraint, IndexInfo, IndexOrderBy, TransactionEvent};

/// SQLite's constraint operators (`IndexConstraint::op`).
pub mod op {
    pub const EQ: u8 = 2;
    pub const GT: u8 = 4;
    pub const LE: u8 = 8;
    pub const LT: u8 = 16;
    pub const GE: u8 = 32;
    pub const MATCH: u8 = 64;
    pub const LIKE: u8 = 65;
    pub const GLOB: u8 = 66;
    pub const NE: u8 = 68;
    pub const IS_NOT_NULL: u8 = 70;
    pub const IS_NULL: u8 = 71;
    pub const IS: u8 = 72;
    pub const LIMIT: u8 = 73;
    pub const OFFSET: u8 = 74;
}

/// One row of a scan: its rowid and one value per declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub rowid: i64,
    pub columns: Vec<Value>,
}

/// The rows of one scan, made as they are read; an error ends the statement there.
pub type TableRows = Box<dyn Iterator<Item = Result<TableRow, Error>>>;

/// A write to a table of a writable module.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// DELETE of the row with this rowid.
    Delete(i64),
    /// INSERT; `rowid` none: the table chooses it.
    Insert { rowid: Option<i64>, columns: Vec<Value> },
    /// UPDATE of row `old_rowid`, which then has rowid `rowid`.
    Update { old_rowid: i64, rowid: i64, columns: Vec<Value> },
}

/// The arguments of `CREATE VIRTUAL TABLE t USING module(arg, ...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleArgs {
    pub module: String,
    /// "main", "temp", or an attached database's name.
    pub database: String,
    pub table: String,
    /// Each argument's text as written between the parentheses.
    pub args: Vec<String>,
}

impl ModuleArgs {
    fn from_sqlite(mut all: Vec<String>) -> Self {
        let mut take = || if all.is_empty() { String::new() } else { all.remove(0) };
        let (module, database, table) = (take(), take(), take());
        ModuleArgs { module, database, table, args: all }
    }

    /// The arguments written `key=value` (spaces around `=` allowed), with the value's quotes
    /// removed: (key, value); an argument without `=` gives (argument, "").
    pub fn key_values(&self) -> Vec<(String, String)> {
        self.args
            .iter()
            .map(|arg| match arg.split_once('=') {
                Some((key, value)) => (key.trim().to_owned(), unquote(value.trim())),
                None => (arg.trim().to_owned(), String::new()),
            })
            .collect()
    }
}

/// `'it''s'` → `it's`, `"x"` → `x`; anything else as it is.
pub fn unquote(text: &str) -> String {
    for quote in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            let doubled = format!("{quote}{quote}");
            return text[1..text.len() - 1].replace(&doubled, &quote.to_string());
        }
    }
    text.to_owned()
}

/// The plan `best_index` answers, built safely: each constraint used gets the next argument
/// position, and only usable constraints can be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    usable: Vec<bool>,
    usage: Vec<wit::ConstraintUsage>,
    next_argument: u32,
    index_number: i32,
    index_string: Option<String>,
    order_by_consumed: bool,
    estimated_cost: f64,
    estimated_rows: i64,
    unique: bool,
}

impl Plan {
    /// A full scan that uses no constraint, of a million-row cost.
    pub fn full_scan(info: &IndexInfo) -> Plan {
        Plan {
            usable: info.constraints.iter().map(|c| c.usable).collect(),
            usage: vec![wit::ConstraintUsage { argument: 0, omit: false }; info.constraints.len()],
            next_argument: 1,
            index_number: 0,
            index_string: None,
            order_by_consumed: false,
            estimated_cost: 1e6,
            estimated_rows: 1_000_000,
            unique: false,
        }
    }

    /// Ask for constraint `index`'s value: it reaches `filter` as the next argument. With
    /// `omit`, SQLite does not check the constraint again. Panics on an unusable constraint
    /// (a plan SQLite cannot run); check `IndexConstraint::usable` first.
    pub fn argument(mut self, index: usize, omit: bool) -> Plan {
        assert!(self.usable.get(index).copied().unwrap_or(false), "constraint {index} is not usable in this plan");
        self.usage[index] = wit::ConstraintUsage { argument: self.next_argument, omit };
        self.next_argument += 1;
        self
    }

    pub fn number(mut self, index_number: i32) -> Plan {
        self.index_number = index_number;
        self
    }

    pub fn string(mut self, index_string: impl Into<String>) -> Plan {
        self.index_string = Some(index_string.into());
        self
    }

    /// The rows come out in the ORDER BY's order: SQLite does not sort them.
    pub fn order_consumed(mut self) -> Plan {
        self.order_by_consumed = true;
        self
    }

    pub fn cost(mut self, estimated_cost: f64, estimated_rows: i64) -> Plan {
        self.estimated_cost = estimated_cost;
        self.estimated_rows = estimated_rows;
        self
    }

    /// At most one row matches.
    pub fn unique(mut self) -> Plan {
        self.unique = true;
        self
    }

    fn into_wit(self) -> wit::IndexPlan {
        wit::IndexPlan {
            usage: self.usage,
            index_number: self.index_number,
            index_string: self.index_string,
            order_by_consumed: self.order_by_consumed,
            estimated_cost: self.estimated_cost,
            estimated_rows: self.estimated_rows,
            unique: self.unique,
        }
    }
}

/// The plan `filter` runs: what `best_index` chose, and the constraints' values it asked
/// for, in argument order.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub index_number: i32,
    pub index_string: Option<String>,
    pub args: Vec<Value>,
}

/// A virtual-table module and its tables: `export_extension! { modules: [T] }`.
pub trait VirtualTable: Sized + 'static {
    /// The module's SQL name.
    const NAME: &'static str;
    const DOC: &'static str = "";
    /// True when `update` takes writes; SQLite refuses writes to a read-only module's tables.
    const WRITABLE: bool = false;
    /// True when the table wants `transaction` events.
    const TRANSACTIONS: bool = false;
    /// Suffixes of the shadow tables each table keeps.
    const SHADOW_NAMES: &'static [&'static str] = &[];
    type Cursor: VirtualCursor<Self>;

    /// A table from the module's arguments (`create`: by CREATE VIRTUAL TABLE; else opened
    /// again), with its schema: a `CREATE TABLE x(...)` statement.
    fn connect(args: &ModuleArgs, create: bool) -> Result<(String, Self), Error>;

    /// How to scan for the query being planned; a full scan unless overridden. An error with
    /// code `codes::CONSTRAINT` says these usable constraints cannot be planned.
    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        Ok(Plan::full_scan(info))
    }

    fn open(&self) -> Result<Self::Cursor, Error>;

    /// One write, for a `WRITABLE` module: the rowid of the row inserted or updated.
    fn update(&mut self, change: Change) -> Result<i64, Error> {
        let _ = change;
        Err(Error::new(format!("{} tables are read-only", Self::NAME)))
    }

    /// A transaction event, for a module with `TRANSACTIONS`.
    fn transaction(&mut self, event: TransactionEvent) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    fn rename(&mut self, new_name: &str) -> Result<(), Error> {
        let _ = new_name;
        Ok(())
    }

    /// DROP TABLE: remove what the table keeps.
    fn destroy(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// A scan of a table of `T`: `filter` starts it and answers its rows.
pub trait VirtualCursor<T>: 'static {
    fn filter(&mut self, table: &T, filter: Filter) -> Result<TableRows, Error>;
}

/// Makes a table of a module: its schema and the table.
#[doc(hidden)]
pub type Connect = fn(&ModuleArgs, bool) -> Result<(String, Box<dyn AnyTable>), Error>;

/// A module as `export_extension!` lists it.
#[derive(Debug, Clone, Copy)]
pub struct ModuleDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub writable: bool,
    pub transactions: bool,
    pub shadow_names: &'static [&'static str],
    #[doc(hidden)]
    pub connect: Connect,
}

/// The definition of module `T`.
pub const fn module<T: VirtualTable>() -> ModuleDef {
    ModuleDef {
        name: T::NAME,
        doc: T::DOC,
        writable: T::WRITABLE,
        transactions: T::TRANSACTIONS,
        shadow_names: T::SHADOW_NAMES,
        connect: connect_any::<T>,
    }
}

fn connect_any<T: VirtualTable>(args: &ModuleArgs, create: bool) -> Result<(String, Box<dyn AnyTable>), Error> {
    let (schema, table) = T::connect(args, create)?;
    Ok((schema, Box::new(table)))
}

/// A table of any module, as the SDK keeps it.
#[doc(hidden)]
pub trait AnyTable {
    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error>;
    fn open(&self) -> Result<Box<dyn AnyCursor>, Error>;
    fn update(&mut self, change: Change) -> Result<i64, Error>;
    fn transaction(&mut self, event: TransactionEvent) -> Result<(), Error>;
    fn rename(&mut self, new_name: &str) -> Result<(), Error>;
    fn destroy(&mut self) -> Result<(), Error>;
    fn filter(&self, cursor: &mut dyn AnyCursor, filter: Filter) -> Result<TableRows, Error>;
}

#[doc(hidden)]
pub trait AnyCursor {
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

struct Scan<C> {
    cursor: C,
}

impl<C: 'static> AnyCursor for Scan<C> {
    fn as_any(&mut self) -> &mut dyn std::any::Any {
        &mut self.cursor
    }
}

impl<T: VirtualTable> AnyTable for T {
    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        VirtualTable::best_index(self, info)
    }
    fn open(&self) -> Result<Box<dyn AnyCursor>, Error> {
        Ok(Box::new(Scan { cursor: VirtualTable::open(self)? }))
    }
    fn update(&mut self, change: Change) -> Result<i64, Error> {
        VirtualTable::update(self, change)
    }
    fn transaction(&mut self, event: TransactionEvent) -> Result<(), Error> {
        VirtualTable::transaction(self, event)
    }
    fn rename(&mut self, new_name: &str) -> Result<(), Error> {
        VirtualTable::rename(self, new_name)
    }
    fn destroy(&mut self) -> Result<(), Error> {
        VirtualTable::destroy(self)
    }
    fn filter(&self, cursor: &mut dyn AnyCursor, filter: Filter) -> Result<TableRows, Error> {
        let cursor =
            cursor.as_any().downcast_mut::<T::Cursor>().ok_or_else(|| Error::with_code(codes::MISUSE, "a cursor of another module"))?;
        cursor.filter(self, filter)
    }
}

struct OpenScan {
    table: u64,
    cursor: Box<dyn AnyCursor>,
    rows: Option<TableRows>,
}

#[derive(Default)]
struct State {
    tables: IdMap<u64, Box<dyn AnyTable>>,
    scans: IdMap<u64, OpenScan>,
    next: u64,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { next: 1, ..State::default() });
}

fn no_table(table: u64) -> Error {
    Error::with_code(codes::MISUSE, format!("no open virtual table {table}"))
}

fn no_scan(cursor: u64) -> Error {
    Error::with_code(codes::MISUSE, format!("no open virtual-table cursor {cursor}"))
}

/// Run `f` on table `table`, taken out of the state while it runs (so that it may itself use
/// the SDK), and put back.
fn with_table<R>(table: u64, f: impl FnOnce(&mut dyn AnyTable) -> Result<R, Error>) -> Result<R, Error> {
    let mut taken = STATE.with(|s| s.borrow_mut().tables.remove(&table)).ok_or_else(|| no_table(table))?;
    let result = f(taken.as_mut());
    STATE.with(|s| s.borrow_mut().tables.insert(table, taken));
    result
}

pub fn vtab_create(ext: &ExtensionDef, module: u32, args: Vec<String>) -> Result<wit::DeclaredTable, Error> {
    connect(ext, module, args, true)
}

pub fn vtab_connect(ext: &ExtensionDef, module: u32, args: Vec<String>) -> Result<wit::DeclaredTable, Error> {
    connect(ext, module, args, false)
}

fn connect(ext: &ExtensionDef, module: u32, args: Vec<String>, create: bool) -> Result<wit::DeclaredTable, Error> {
    let def = ext
        .modules
        .get(module as usize)
        .ok_or_else(|| Error::with_code(codes::MISUSE, format!("this extension has no module with id {module}")))?;
    let (schema, table) = (def.connect)(&ModuleArgs::from_sqlite(args), create)?;
    let id = STATE.with(|s| {
        let mut state = s.borrow_mut();
        let id = state.next;
        state.next += 1;
        state.tables.insert(id, table);
        id
    });
    Ok(wit::DeclaredTable { schema, table: id })
}

pub fn vtab_best_index(table: u64, info: wit::IndexInfo) -> Result<wit::IndexPlan, Error> {
    with_table(table, |t| t.best_index(&info)).map(Plan::into_wit)
}

pub fn vtab_open(table: u64) -> Result<u64, Error> {
    let cursor = with_table(table, |t| t.open())?;
    Ok(STATE.with(|s| {
        let mut state = s.borrow_mut();
        let id = state.next;
        state.next += 1;
        state.scans.insert(id, OpenScan { table, cursor, rows: None });
        id
    }))
}

/// Up to `max_rows` rows of `rows`.
fn page(rows: &mut TableRows, max_rows: u32) -> Result<Vec<wit::Row>, Error> {
    let mut page = Vec::new();
    while page.len() < max_rows as usize {
        match rows.next() {
            Some(Ok(row)) => page.push(wit::Row { rowid: row.rowid, columns: row.columns }),
            Some(Err(error)) => return Err(error),
            None => break,
        }
    }
    Ok(page)
}

/// Up to `max_rows` more rows of a scan. A page shorter than that (or an error) ends the scan,
/// whose rows go at once with whatever they hold (a file, a statement's values): the host may
/// keep the cursor for a later scan, which starts with `filter`, rather than close it.
fn next_page(rows: &mut Option<TableRows>, max_rows: u32) -> Result<Vec<wit::Row>, Error> {
    let Some(scan) = rows.as_mut() else { return Ok(Vec::new()) };
    let result = page(scan, max_rows);
    if result.as_ref().map_or(true, |page| page.len() < max_rows as usize) {
        *rows = None;
    }
    result
}

pub fn vtab_filter(
    cursor: u64,
    index_number: i32,
    index_string: Option<String>,
    args: Vec<Value>,
    max_rows: u32,
) -> Result<Vec<wit::Row>, Error> {
    let mut scan = STATE.with(|s| s.borrow_mut().scans.remove(&cursor)).ok_or_else(|| no_scan(cursor))?;
    let filter = Filter { index_number, index_string, args };
    // The scan before, if any, ends here, whether or not the new one starts.
    scan.rows = None;
    let started = with_table(scan.table, |t| t.filter(scan.cursor.as_mut(), filter));
    let result = started.and_then(|rows| {
        scan.rows = Some(rows);
        next_page(&mut scan.rows, max_rows)
    });
    STATE.with(|s| s.borrow_mut().scans.insert(cursor, scan));
    result
}

pub fn vtab_next(cursor: u64, max_rows: u32) -> Result<Vec<wit::Row>, Error> {
    let mut scan = STATE.with(|s| s.borrow_mut().scans.remove(&cursor)).ok_or_else(|| no_scan(cursor))?;
    let result = next_page(&mut scan.rows, max_rows);
    STATE.with(|s| s.borrow_mut().scans.insert(cursor, scan));
    result
}

pub fn vtab_close(cursor: u64) {
    STATE.with(|s| s.borrow_mut().scans.remove(&cursor));
}

pub fn vtab_update(table: u64, change: wit::Change) -> Result<i64, Error> {
    let change = match change {
        wit::Change::Delete(rowid) => Change::Delete(rowid),
        wit::Change::Insert(new) => Change::Insert { rowid: new.rowid, columns: new.columns },
        wit::Change::Update(updated) => {
            Change::Update { old_rowid: updated.old_rowid, rowid: updated.row.rowid, columns: updated.row.columns }
        }
    };
    with_table(table, |t| t.update(change))
}

pub fn vtab_transaction(table: u64, event: wit::TransactionEvent) -> Result<(), Error> {
    with_table(table, |t| t.transaction(event))
}

pub fn vtab_rename(table: u64, new_name: String) -> Result<(), Error> {
    with_table(table, |t| t.rename(&new_name))
}

pub fn vtab_disconnect(table: u64) {
    STATE.with(|s| s.borrow_mut().tables.remove(&table));
}

pub fn vtab_destroy(table: u64) -> Result<(), Error> {
    with_table(table, |t| t.destroy())?;
    vtab_disconnect(table);
    Ok(())
}

/// The modules' metadata.
pub fn describe_modules(ext: &ExtensionDef) -> Vec<crate::bindings::sqlite::extension::types::ModuleInfo> {
    ext.modules
        .iter()
        .zip(0u32..)
        .map(|(def, id)| crate::bindings::sqlite::extension::types::ModuleInfo {
            id,
            name: def.name.to_owned(),
            writable: def.writable,
            transactions: def.transactions,
            shadow_names: def.shadow_names.iter().map(|s| (*s).to_owned()).collect(),
            doc: def.doc.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    thread_local! {
        /// Rows iterators of `Counted` alive now.
        static LIVE_ROWS: Rc<Cell<usize>> = Rc::new(Cell::new(0));
    }

    /// A table of `n` rows whose rows iterator counts itself alive (as a file or a statement a
    /// real scan holds would be).
    struct Counted(i64);
    struct CountedCursor;
    struct Alive(Rc<Cell<usize>>);

    impl Drop for Alive {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }

    impl VirtualTable for Counted {
        const NAME: &'static str = "counted";
        type Cursor = CountedCursor;
        fn connect(args: &ModuleArgs, _: bool) -> Result<(String, Self), Error> {
            let rows = args.args.first().and_then(|n| n.parse().ok()).unwrap_or(0);
            Ok((String::from("CREATE TABLE x(n)"), Counted(rows)))
        }
        fn open(&self) -> Result<CountedCursor, Error> {
            Ok(CountedCursor)
        }
    }

    impl VirtualCursor<Counted> for CountedCursor {
        fn filter(&mut self, table: &Counted, _: Filter) -> Result<TableRows, Error> {
            let live = LIVE_ROWS.with(Rc::clone);
            live.set(live.get() + 1);
            let alive = Alive(live);
            Ok(Box::new((1..=table.0).map(move |n| {
                let _held = &alive;
                Ok(TableRow { rowid: n, columns: vec![Value::Integer(n)] })
            })))
        }
    }

    static COUNTED: [ModuleDef; 1] = [module::<Counted>()];
    static EXTENSION: ExtensionDef = ExtensionDef {
        name: "counted",
        version: "1",
        scalars: &[],
        aggregates: &[],
        collations: &[],
        table_functions: &[],
        modules: &COUNTED,
        hooks: crate::HooksDef::NONE,
    };

    fn live_rows() -> usize {
        LIVE_ROWS.with(|live| live.get())
    }

    #[test]
    fn a_scan_lets_its_rows_go_with_its_last_page_and_starts_again_at_filter() {
        let args = ["counted", "main", "t", "5"].map(String::from).to_vec();
        let table = vtab_create(&EXTENSION, 0, args).unwrap().table;
        let cursor = vtab_open(table).unwrap();
        // Two full pages of two, then a short one: the rows go with the short page.
        assert_eq!(vtab_filter(cursor, 0, None, Vec::new(), 2).unwrap().len(), 2);
        assert_eq!(live_rows(), 1, "the scan is under way");
        assert_eq!(vtab_next(cursor, 2).unwrap().len(), 2);
        assert_eq!(live_rows(), 1);
        assert_eq!(vtab_next(cursor, 2).unwrap().len(), 1);
        assert_eq!(live_rows(), 0, "the last page let the rows go, though the cursor stays open");
        assert_eq!(vtab_next(cursor, 2).unwrap().len(), 0, "a finished scan answers no more rows");
        // The same cursor scans again from the start.
        let again = vtab_filter(cursor, 0, None, Vec::new(), 10).unwrap();
        assert_eq!(again.iter().map(|row| row.rowid).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(live_rows(), 0);
        // A scan stopped early keeps its rows until the cursor closes.
        assert_eq!(vtab_filter(cursor, 0, None, Vec::new(), 1).unwrap().len(), 1);
        assert_eq!(live_rows(), 1);
        vtab_close(cursor);
        assert_eq!(live_rows(), 0);
    }

    #[test]
    fn module_arguments_are_split_and_unquoted() {
        let args = ModuleArgs::from_sqlite(
            ["vsv", "main", "t", "filename = 'a b.csv'", "header=yes", "schema=\"x\"", "plain"].map(String::from).to_vec(),
        );
        assert_eq!((args.module.as_str(), args.database.as_str(), args.table.as_str()), ("vsv", "main", "t"));
        assert_eq!(
            args.key_values(),
            [("filename", "a b.csv"), ("header", "yes"), ("schema", "x"), ("plain", "")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(unquote("'it''s'"), "it's");
    }
}
