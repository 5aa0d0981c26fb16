//! The bridge against real SQLite (native build), with a dispatcher written in the test.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use sqlink_dispatch_bridge::{
    Bridge, Declaration, Declarations, DefineFunctions, Dispatcher, FunctionFlags, HookKinds, OverridePolicy, SqlError, Value, ValueParam,
};

const EXT: u32 = 7;

/// A table cursor's series: next value, last value, and the value after which it fails.
type Series = (i64, i64, Option<i64>);

#[derive(Default)]
struct TestDispatcher {
    /// Live aggregation states: context → (sum, count).
    sums: Mutex<HashMap<u64, (i64, i64)>>,
    finalized: Mutex<Vec<u64>>,
    /// Every context `aggregate_value` was asked about.
    valued: Mutex<Vec<u64>>,
    /// Open table cursors: id → (next value, last value, fail after this value).
    cursors: Mutex<HashMap<u64, Series>>,
    next_cursor: Mutex<u64>,
    /// Rows handed out per `table_next` call, to see the pages.
    pages: Mutex<Vec<usize>>,
    /// Open virtual-table scans: cursor → its table (the table's number is its row count).
    scans: Mutex<HashMap<u64, u64>>,
    /// How many scans the bridge opened and closed in the extension.
    scans_opened: Mutex<usize>,
    scans_closed: Mutex<usize>,
}

impl TestDispatcher {
    fn new_cursor(&self) -> u64 {
        let mut next = self.next_cursor.lock().unwrap();
        *next += 1;
        *next
    }
}

impl Dispatcher for TestDispatcher {
    fn scalar_call(&self, ext: u32, id: u32, args: &[ValueParam<'_>]) -> Result<Value, SqlError> {
        let _ = ext;
        match id {
            // echo(x)
            0 => Ok(Value::from(&args[0])),
            // fail(msg): an error with SQLITE_TOOBIG's code
            1 => Err(SqlError::new(18, format!("failed: {:?}", args[0]))),
            // argc(...)
            2 => Ok(Value::Integer(args.len() as i64)),
            _ => unreachable!(),
        }
    }

    fn aggregate_step(&self, _: u32, id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
        let ValueParam::Integer(x) = args[0] else {
            return Err(SqlError::new(20, "sum_i: integers only"));
        };
        let _ = id;
        let mut sums = self.sums.lock().unwrap();
        let entry = sums.entry(context).or_default();
        entry.0 += x;
        entry.1 += 1;
        Ok(())
    }

    fn aggregate_value(&self, _: u32, _: u32, context: u64) -> Result<Value, SqlError> {
        self.valued.lock().unwrap().push(context);
        Ok(Value::Integer(self.sums.lock().unwrap().get(&context).map_or(0, |s| s.0)))
    }

    fn aggregate_inverse(&self, _: u32, _: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), SqlError> {
        let ValueParam::Integer(x) = args[0] else { unreachable!() };
        let mut sums = self.sums.lock().unwrap();
        let entry = sums.entry(context).or_default();
        entry.0 -= x;
        entry.1 -= 1;
        Ok(())
    }

    fn aggregate_finalize(&self, _: u32, _: u32, context: u64) -> Result<Value, SqlError> {
        self.finalized.lock().unwrap().push(context);
        Ok(match self.sums.lock().unwrap().remove(&context) {
            Some((sum, _)) => Value::Integer(sum),
            None => Value::Null,
        })
    }

    fn collation_compare(&self, _: u32, _: u32, a: &str, b: &str) -> i32 {
        // Reverse order, ignoring case.
        b.to_lowercase().cmp(&a.to_lowercase()) as i32
    }

    /// Table 0: series(start, stop) → (value, square). Table 1: failing(n) fails after n rows.
    fn table_open(&self, _: u32, id: u32, args: &[ValueParam<'_>]) -> Result<u64, SqlError> {
        let int = |v: &ValueParam<'_>| match v {
            ValueParam::Integer(i) => Ok(*i),
            other => Err(SqlError::new(1, format!("series(): an integer please, not {other:?}"))),
        };
        let state = match id {
            0 => (int(&args[0])?, int(&args[1])?, None),
            _ => (1, i64::MAX, Some(int(&args[0])?)),
        };
        let cursor = self.new_cursor();
        self.cursors.lock().unwrap().insert(cursor, state);
        Ok(cursor)
    }

    fn table_next(&self, _: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, SqlError> {
        let mut cursors = self.cursors.lock().unwrap();
        let (next, last, fail_after) = cursors.get_mut(&cursor).expect("an open cursor");
        let mut rows = Vec::new();
        while rows.len() < max_rows as usize && *next <= *last {
            if fail_after.is_some_and(|n| *next > n) {
                return Err(SqlError::new(1, format!("failing(): gave up after {} rows", *next - 1)));
            }
            rows.push(vec![Value::Integer(*next), Value::Integer(*next * *next)]);
            *next += 1;
        }
        self.pages.lock().unwrap().push(rows.len());
        Ok(rows)
    }

    fn table_close(&self, _: u32, cursor: u64) {
        self.cursors.lock().unwrap().remove(&cursor);
    }

    /// Module 0, `numbers(N)`: a read-only table of one column, 1 to N; the table's number is
    /// N, and an equality on the column is planned as argument 1.
    fn vtab_connect(&self, _: u32, _: u32, args: &[String], _: bool) -> Result<sqlink_dispatch_bridge::DeclaredTable, SqlError> {
        let count = args.get(3).and_then(|n| n.trim().parse().ok()).ok_or_else(|| SqlError::new(1, "numbers(N) takes a count"))?;
        Ok(sqlink_dispatch_bridge::DeclaredTable { schema: String::from("CREATE TABLE x(n INTEGER)"), table: count })
    }

    fn vtab_best_index(
        &self,
        _: u32,
        _: u64,
        info: &sqlink_dispatch_bridge::IndexInfo,
    ) -> Result<sqlink_dispatch_bridge::IndexPlan, SqlError> {
        let mut usage = vec![sqlink_dispatch_bridge::ConstraintUsage::default(); info.constraints.len()];
        let equal = info.constraints.iter().position(|c| c.usable && c.column == 0 && c.op == 2);
        if let Some(index) = equal {
            usage[index] = sqlink_dispatch_bridge::ConstraintUsage { argument: 1, omit: true };
        }
        Ok(sqlink_dispatch_bridge::IndexPlan {
            usage,
            index_number: i32::from(equal.is_some()),
            index_string: equal.map(|_| String::from("n=?")),
            order_by_consumed: false,
            estimated_cost: if equal.is_some() { 1.0 } else { 1000.0 },
            estimated_rows: 10,
            unique: equal.is_some(),
        })
    }

    fn vtab_open(&self, _: u32, table: u64) -> Result<u64, SqlError> {
        let cursor = self.new_cursor();
        self.scans.lock().unwrap().insert(cursor, table);
        *self.scans_opened.lock().unwrap() += 1;
        Ok(cursor)
    }

    fn vtab_filter(
        &self,
        _: u32,
        cursor: u64,
        filter: &sqlink_dispatch_bridge::Filter<'_>,
    ) -> Result<Vec<sqlink_dispatch_bridge::Row>, SqlError> {
        let max_rows = filter.max_rows;
        let count = *self.scans.lock().unwrap().get(&cursor).expect("an open scan") as i64;
        let (first, last) = match (filter.index_number, filter.args) {
            (1, [ValueParam::Integer(n)]) => (*n, (*n).min(count)),
            _ => (1, count),
        };
        self.cursors.lock().unwrap().insert(cursor, (first, last, None));
        self.vtab_next(0, cursor, max_rows)
    }

    fn vtab_next(&self, _: u32, cursor: u64, max_rows: u32) -> Result<Vec<sqlink_dispatch_bridge::Row>, SqlError> {
        let rows = self.table_next(0, cursor, max_rows)?;
        Ok(rows.into_iter().map(|row| sqlink_dispatch_bridge::Row { rowid: 0, columns: vec![row[0].clone()] }).collect())
    }

    fn vtab_close(&self, _: u32, cursor: u64) {
        self.cursors.lock().unwrap().remove(&cursor);
        self.scans.lock().unwrap().remove(&cursor).expect("a scan closed once");
        *self.scans_closed.lock().unwrap() += 1;
    }

    fn vtab_update(&self, _: u32, _: u64, _: &sqlink_dispatch_bridge::Change<'_>) -> Result<i64, SqlError> {
        unreachable!("numbers is read-only")
    }

    fn vtab_transaction(&self, _: u32, _: u64, _: sqlink_dispatch_bridge::TransactionEvent) -> Result<(), SqlError> {
        unreachable!("numbers takes no transaction events")
    }

    fn vtab_rename(&self, _: u32, _: u64, _: &str) -> Result<(), SqlError> {
        Ok(())
    }

    fn vtab_disconnect(&self, _: u32, _: u64) {}

    fn vtab_destroy(&self, _: u32, _: u64) -> Result<(), SqlError> {
        Ok(())
    }
}

#[test]
fn a_module_makes_tables_planned_and_read_a_page_at_a_time() {
    let (conn, mut bridge) = with_numbers_600();
    bridge.dispatcher().pages.lock().unwrap().clear();
    let total: i64 = conn.query_row("SELECT sum(n) FROM t", [], |row| row.get(0)).unwrap();
    assert_eq!(total, 600 * 601 / 2);
    assert_eq!(*bridge.dispatcher().pages.lock().unwrap(), [256, 256, 88]);
    let plan: String = conn.query_row("EXPLAIN QUERY PLAN SELECT n FROM t WHERE n = 7", [], |row| row.get(3)).unwrap();
    assert!(plan.contains("INDEX 1:n=?"), "{plan}");
    assert_eq!(conn.query_row("SELECT n FROM t WHERE n = 7", [], |row| row.get::<_, i64>(0)).unwrap(), 7);
    assert_eq!(conn.execute_batch("DELETE FROM t").unwrap_err().to_string(), "table t may not be modified");
    assert_eq!(conn.execute_batch("CREATE VIRTUAL TABLE u USING numbers").unwrap_err().to_string(), "numbers(N) takes a count");
    // Unloaded: the table stays in the schema, and each use says why it fails.
    bridge.unregister_extension(EXT);
    let gone = conn.query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0)).unwrap_err().to_string();
    assert!(gone.contains("no such module: numbers") || gone.contains("no longer loaded"), "{gone}");
}

#[test]
fn a_closed_scan_is_kept_for_the_next_and_closed_with_its_table() {
    let (conn, bridge) = with_numbers_600();
    let counts = |bridge: &Bridge<TestDispatcher>| {
        let dispatcher = bridge.dispatcher();
        (*dispatcher.scans_opened.lock().unwrap(), *dispatcher.scans_closed.lock().unwrap())
    };
    // A statement run again and again: each run's xOpen takes the scan the last run closed.
    let mut lookup = conn.prepare("SELECT n FROM t WHERE n = ?").unwrap();
    for n in 1..=50_i64 {
        assert_eq!(lookup.query_row([n], |row| row.get::<_, i64>(0)).unwrap(), n);
    }
    drop(lookup);
    assert_eq!(counts(&bridge), (1, 0));
    // A kept scan stopped early (LIMIT) starts afresh at its next filter.
    assert_eq!(ints(&conn, "SELECT n FROM t LIMIT 3"), [1, 2, 3]);
    assert_eq!(one(&conn, "SELECT count(*) FROM t"), SqlValue::Integer(600));
    // Two scans at once (a join of the table with itself) each get their own.
    let pairs = one(&conn, "SELECT count(*) FROM t a JOIN t b ON a.n = b.n + 1 WHERE a.n <= 300");
    assert_eq!(pairs, SqlValue::Integer(299));
    assert_eq!(one(&conn, "SELECT count(*) FROM t a, t b WHERE a.n < 4 AND b.n < 4"), SqlValue::Integer(9));
    let (opened, closed) = counts(&bridge);
    assert_eq!((opened, closed), (2, 0), "at most two scans are kept, and none was needed beyond them");
    // Three at once: the third is closed when its scan ends, the two kept stay open.
    assert_eq!(one(&conn, "SELECT count(*) FROM t a, t b, t c WHERE a.n < 3 AND b.n < 3 AND c.n < 3"), SqlValue::Integer(8));
    assert_eq!(counts(&bridge), (3, 1));
    // The table goes: its kept scans are closed in the extension first.
    conn.execute_batch("DROP TABLE t").unwrap();
    assert_eq!(counts(&bridge), (3, 3));
    assert!(bridge.dispatcher().scans.lock().unwrap().is_empty());
}

/// [`setup`], with module `numbers` registered and table `t` of it holding 1 to 600.
fn with_numbers_600() -> (Connection, Bridge<TestDispatcher>) {
    let (conn, mut bridge) = setup();
    let shape = sqlink_dispatch_bridge::ModuleShape { writable: false, transactions: false, shadow_names: Vec::new() };
    bridge.register_module(EXT, "numbers", 0, shape).unwrap();
    conn.execute_batch("CREATE VIRTUAL TABLE t USING numbers(600)").unwrap();
    (conn, bridge)
}

fn setup() -> (Connection, Bridge<TestDispatcher>) {
    let conn = Connection::open_in_memory().unwrap();
    let mut bridge = Bridge::new(TestDispatcher::default());
    let det = FunctionFlags::DETERMINISTIC;
    bridge.register_scalar(EXT, "echo", 1, det, 0).unwrap();
    bridge.register_scalar(EXT, "fail", 1, FunctionFlags::empty(), 1).unwrap();
    bridge.register_scalar(EXT, "argc", -1, FunctionFlags::empty(), 2).unwrap();
    bridge.register_aggregate(EXT, "sum_i", 1, det, 0, true).unwrap();
    bridge.register_collation(EXT, "rev", 0).unwrap();
    let columns = ["value".to_owned(), "square".to_owned()];
    bridge.register_table(EXT, "series", 0, &columns, &["start".to_owned(), "stop".to_owned()]).unwrap();
    bridge.register_table(EXT, "failing", 1, &columns, &["n".to_owned()]).unwrap();
    // SAFETY: `conn` is open, and every test binds the bridge after the connection, so the
    // bridge is dropped (and used) only while the connection is still open.
    unsafe { bridge.attach(conn.handle()) }.unwrap();
    (conn, bridge)
}

fn one(conn: &Connection, sql: &str) -> SqlValue {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn values_cross_exactly() {
    let (conn, _bridge) = setup();
    assert_eq!(one(&conn, "SELECT echo(9223372036854775807)"), SqlValue::Integer(i64::MAX));
    assert_eq!(one(&conn, "SELECT echo(-9223372036854775808)"), SqlValue::Integer(i64::MIN));
    assert_eq!(one(&conn, "SELECT echo(1e308 * 10)"), SqlValue::Real(f64::INFINITY));
    assert_eq!(one(&conn, "SELECT echo(-1e308 * 10)"), SqlValue::Real(f64::NEG_INFINITY));
    assert_eq!(one(&conn, "SELECT echo(0.1)"), SqlValue::Real(0.1));
    assert_eq!(one(&conn, "SELECT echo('')"), SqlValue::Text(String::new()));
    assert_eq!(one(&conn, "SELECT echo('a' || char(0) || 'b')"), SqlValue::Text("a\0b".into()));
    assert_eq!(one(&conn, "SELECT echo('héllo ✓')"), SqlValue::Text("héllo ✓".into()));
    assert_eq!(one(&conn, "SELECT typeof(echo(x''))"), SqlValue::Text("blob".into()));
    assert_eq!(one(&conn, "SELECT length(echo(zeroblob(1000000)))"), SqlValue::Integer(1_000_000));
    assert_eq!(one(&conn, "SELECT echo(NULL)"), SqlValue::Null);
    let blob: Vec<u8> = (0..=255).collect();
    let back: Vec<u8> = conn.query_row("SELECT echo(?1)", [&blob], |r| r.get(0)).unwrap();
    assert_eq!(back, blob);
}

#[test]
fn errors_keep_message_and_code() {
    let (conn, _bridge) = setup();
    let err = conn.query_row("SELECT fail('x')", [], |r| r.get::<_, SqlValue>(0)).unwrap_err();
    let rusqlite::Error::SqliteFailure(code, Some(message)) = err else { panic!("{err:?}") };
    assert_eq!(code.code, rusqlite::ErrorCode::TooBig);
    assert!(message.contains("failed: Text(\"x\")"), "{message}");
}

#[test]
fn variadic_functions_see_every_argument() {
    let (conn, _bridge) = setup();
    assert_eq!(one(&conn, "SELECT argc()"), SqlValue::Integer(0));
    assert_eq!(one(&conn, "SELECT argc(1, 'a', x'00', NULL, 2.5)"), SqlValue::Integer(5));
}

#[test]
fn aggregates_keep_groups_apart_and_always_finalize() {
    let (conn, bridge) = setup();
    conn.execute_batch(
        "CREATE TABLE t(g, x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
         INSERT INTO t SELECT i % 30, i FROM n;",
    )
    .unwrap();
    let mut stmt = conn.prepare("SELECT g, sum_i(x), sum(x) FROM t GROUP BY g").unwrap();
    let rows: Vec<(i64, i64, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 30);
    for (_, ours, sqlites) in rows {
        assert_eq!(ours, sqlites);
    }
    // Two aggregations in one query, and an empty one.
    assert_eq!(
        conn.query_row("SELECT sum_i(x), sum_i(x * 2) FROM t", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))).unwrap(),
        (45150, 90300)
    );
    assert_eq!(one(&conn, "SELECT sum_i(x) FROM t WHERE 0"), SqlValue::Null);
    // An error mid-aggregation still finalizes, so no state is left behind.
    assert!(conn.query_row("SELECT sum_i(CASE WHEN x = 50 THEN 'bad' ELSE x END) FROM t", [], |r| r.get::<_, i64>(0)).is_err());
    assert!(bridge.dispatcher().sums.lock().unwrap().is_empty(), "leaked aggregation states");
    let finalized = bridge.dispatcher().finalized.lock().unwrap();
    let unique: std::collections::HashSet<_> = finalized.iter().collect();
    assert_eq!(unique.len(), finalized.len(), "a context was reused");
}

#[test]
fn window_functions_use_value_and_inverse() {
    let (conn, _bridge) = setup();
    conn.execute_batch("CREATE TABLE w(x); INSERT INTO w VALUES (1),(2),(3),(4),(5);").unwrap();
    let mut stmt = conn.prepare("SELECT sum_i(x) OVER (ORDER BY x ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM w").unwrap();
    let got: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, vec![1, 3, 6, 9, 12]);
}

/// A frame that is empty at the first row: SQLite calls xValue before any xStep. The
/// aggregation starts there (xValue allocates its memory), so the steps that follow and
/// xFinal use the same one: every context the extension saw is finalized once, none leaks.
#[test]
fn window_value_before_any_step_starts_the_aggregation_that_is_finalized() {
    let (conn, bridge) = setup();
    conn.execute_batch("CREATE TABLE w(x); INSERT INTO w VALUES (1),(2),(3),(4),(5);").unwrap();
    let mut stmt = conn.prepare("SELECT sum_i(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM w").unwrap();
    let got: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, vec![0, 1, 3, 6, 10]);
    drop(stmt);
    assert!(bridge.dispatcher().sums.lock().unwrap().is_empty(), "leaked aggregation states");
    let finalized = bridge.dispatcher().finalized.lock().unwrap().clone();
    assert_eq!(finalized.len(), 1, "one aggregation, finalized once");
    // An extension keeps state for a context it is asked the value of (the SDK does): each
    // such context must reach xFinal, which a read-only xValue would not give the first one.
    assert!(bridge.dispatcher().valued.lock().unwrap().iter().all(|c| finalized.contains(c)), "a context was never finalized");
}

#[test]
fn collations_order_and_constrain() {
    let (conn, _bridge) = setup();
    conn.execute_batch("CREATE TABLE c(s TEXT COLLATE rev UNIQUE); INSERT INTO c VALUES ('b'),('a'),('C');").unwrap();
    let mut stmt = conn.prepare("SELECT s FROM c ORDER BY s").unwrap();
    let got: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, vec!["C", "b", "a"]);
    assert!(conn.execute("INSERT INTO c VALUES ('B')", []).is_err(), "UNIQUE under the collation");
}

#[test]
fn registrations_reach_later_connections_and_unregister_removes_them() {
    let (conn, mut bridge) = setup();
    let later = Connection::open_in_memory().unwrap();
    // SAFETY: `later` is open, and is detached below before it is closed.
    unsafe { bridge.attach(later.handle()) }.unwrap();
    assert_eq!(one(&later, "SELECT echo(5)"), SqlValue::Integer(5));

    bridge.register_scalar(EXT + 1, "other", 0, FunctionFlags::empty(), 2).unwrap();
    bridge.unregister_extension(EXT);
    for c in [&conn, &later] {
        let err = c.query_row("SELECT echo(1)", [], |r| r.get::<_, SqlValue>(0)).unwrap_err();
        assert!(err.to_string().contains("no such function: echo"), "{err}");
        let err = c.query_row("SELECT 'a' < 'b' COLLATE rev", [], |r| r.get::<_, SqlValue>(0)).unwrap_err();
        assert!(err.to_string().contains("no such collation sequence: rev"), "{err}");
    }
    assert_eq!(one(&conn, "SELECT other()"), SqlValue::Integer(0));
    // SAFETY: the handle is only compared with the attached ones, not used.
    bridge.detach(unsafe { later.handle() });
}

#[test]
fn a_detached_connection_keeps_no_run_time_functions() {
    let (conn, mut bridge) = setup();
    let later = Connection::open_in_memory().unwrap();
    let functions = bridge.runtime_functions();
    // SAFETY: `later` is open, and detached below before it is closed; `conn` stays attached.
    unsafe {
        bridge.attach(later.handle()).unwrap();
        functions.define(later.handle(), EXT, "made", 1, FunctionFlags::empty(), 0).unwrap();
        functions.define(conn.handle(), EXT, "made", 1, FunctionFlags::empty(), 0).unwrap();
    }
    // SAFETY: the handle is only compared with the attached ones, not used.
    bridge.detach(unsafe { later.handle() });
    // A connection that later has `later`'s address must not inherit its definitions (as this
    // extension's own, or another's): the bridge knows none of them any more.
    // SAFETY: `later` is still open; it is only no longer attached.
    let err = unsafe { functions.delete(later.handle(), EXT, "made", 1) }.unwrap_err();
    assert!(err.message.contains("this extension defined none"), "{}", err.message);
    // SAFETY: `conn` is open and attached.
    unsafe { functions.delete(conn.handle(), EXT, "made", 1) }.unwrap();
}

#[test]
fn flags_are_sqlites_own_bits() {
    assert_eq!(FunctionFlags::DETERMINISTIC.bits(), libsqlite3_sys::SQLITE_DETERMINISTIC);
    assert_eq!(FunctionFlags::DIRECT_ONLY.bits(), libsqlite3_sys::SQLITE_DIRECTONLY);
    assert_eq!(FunctionFlags::INNOCUOUS.bits(), libsqlite3_sys::SQLITE_INNOCUOUS);
}

#[test]
fn flags_reach_sqlite() {
    let (conn, _bridge) = setup();
    // Only deterministic functions may appear in an index expression.
    conn.execute_batch("CREATE TABLE f(x)").unwrap();
    conn.execute_batch("CREATE INDEX f_echo ON f(echo(x))").unwrap();
    let err = conn.execute_batch("CREATE INDEX f_argc ON f(argc(x))").unwrap_err();
    assert!(err.to_string().contains("non-deterministic"), "{err}");
}

#[test]
fn bad_registrations_are_refused() {
    let (_conn, mut bridge) = setup();
    assert!(bridge.register_scalar(EXT, "bad\0name", 1, FunctionFlags::empty(), 0).is_err());
    assert!(bridge.register_scalar(EXT, "wide", 200, FunctionFlags::empty(), 0).is_err());
}

/// Any value SQLite can hold (NaN is stored as NULL, so it is left out).
fn any_sql_value() -> impl proptest::strategy::Strategy<Value = SqlValue> {
    use proptest::prelude::*;
    prop_oneof![
        Just(SqlValue::Null),
        any::<i64>().prop_map(SqlValue::Integer),
        any::<f64>().prop_filter("NaN is NULL in SQLite", |r| !r.is_nan()).prop_map(SqlValue::Real),
        any::<String>().prop_map(SqlValue::Text),
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(SqlValue::Blob),
    ]
}

proptest::proptest! {
    /// Every value crosses the boundary and back unchanged, bit for bit and type for type.
    #[test]
    fn any_value_round_trips_through_the_bridge(value in any_sql_value()) {
        let (conn, _bridge) = setup();
        let back: SqlValue = conn.query_row("SELECT echo(?1)", [&value], |row| row.get(0)).unwrap();
        match (&value, &back) {
            (SqlValue::Real(a), SqlValue::Real(b)) => proptest::prop_assert_eq!(a.to_bits(), b.to_bits()),
            _ => proptest::prop_assert_eq!(&back, &value),
        }
    }

    /// Any mix of arguments reaches a variadic function, which sees each of them.
    #[test]
    fn any_arguments_reach_a_variadic_function(values in proptest::collection::vec(any_sql_value(), 0..20)) {
        let (conn, _bridge) = setup();
        let placeholders = vec!["?"; values.len()].join(", ");
        let params = rusqlite::params_from_iter(values.iter());
        let count: i64 = conn.query_row(&format!("SELECT argc({placeholders})"), params, |row| row.get(0)).unwrap();
        proptest::prop_assert_eq!(count, values.len() as i64);
    }
}

fn ints(conn: &Connection, sql: &str) -> Vec<i64> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn table_functions_take_arguments_as_hidden_columns() {
    let (conn, bridge) = setup();
    assert_eq!(ints(&conn, "SELECT value FROM series(1, 5)"), [1, 2, 3, 4, 5]);
    assert_eq!(ints(&conn, "SELECT square FROM series(2, 3)"), [4, 9]);
    assert_eq!(ints(&conn, "SELECT value FROM series WHERE start = 3 AND stop = 4"), [3, 4]);
    assert_eq!(ints(&conn, "SELECT stop FROM series(1, 2)"), [2, 2], "the hidden columns read back");
    assert_eq!(ints(&conn, "SELECT value FROM series(1, 10) WHERE value % 3 = 0 ORDER BY value DESC"), [9, 6, 3]);
    // Laterally joined: the arguments come from another table, row by row.
    conn.execute_batch("CREATE TABLE t(n); INSERT INTO t VALUES (1), (3);").unwrap();
    assert_eq!(ints(&conn, "SELECT s.value FROM t, series(1, t.n) AS s ORDER BY t.n, s.value"), [1, 1, 2, 3]);
    assert!(bridge.dispatcher().cursors.lock().unwrap().is_empty(), "every cursor closed");
}

#[test]
fn rows_cross_a_page_at_a_time_and_limit_closes_early() {
    let (conn, bridge) = setup();
    assert_eq!(ints(&conn, "SELECT count(*) FROM series(1, 1000)"), [1000]);
    let pages = bridge.dispatcher().pages.lock().unwrap().clone();
    assert_eq!(pages, [256, 256, 256, 232], "pages of PAGE_ROWS; a short page is the last");
    bridge.dispatcher().pages.lock().unwrap().clear();
    assert_eq!(ints(&conn, "SELECT value FROM series(1, 1000000) LIMIT 3"), [1, 2, 3]);
    assert_eq!(bridge.dispatcher().pages.lock().unwrap().len(), 1, "LIMIT 3 reads one page of a million rows");
    assert!(bridge.dispatcher().cursors.lock().unwrap().is_empty(), "the cursor LIMIT abandoned is closed");
}

#[test]
fn table_function_errors_are_sql_errors() {
    let (conn, bridge) = setup();
    // An argument left out at the end reaches the extension as NULL; one left out before a
    // given one is missing.
    let err = conn.query_row("SELECT count(*) FROM series(1)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("series(): an integer please, not Null"), "{err}");
    let err = conn.prepare("SELECT * FROM series WHERE stop = 3").unwrap_err();
    assert!(err.to_string().contains("series(): missing argument start (takes start, stop)"), "{err}");
    let err = conn.query_row("SELECT count(*) FROM series('a', 2)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("series(): an integer please"), "{err}");
    let err = conn.query_row("SELECT count(*) FROM failing(300)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("failing(): gave up after 300 rows"), "{err}");
    assert!(bridge.dispatcher().cursors.lock().unwrap().is_empty(), "a failed cursor is closed too");
    assert_eq!(ints(&conn, "SELECT value FROM series(7, 7)"), [7], "the connection goes on");
}

/// SQLite will not remove a function, collation or module while a statement of the
/// connection runs (a loadable library unloads from inside one): the names then answer as
/// unknown ones, a registration of the same shape takes them over, and they go once
/// nothing runs.
#[test]
fn unregistering_during_a_statement_leaves_names_unknown_until_registered_again() {
    let (conn, mut bridge) = setup();
    let listed = |conn: &Connection| one(conn, "SELECT count(*) FROM pragma_function_list WHERE name IN ('echo', 'sum_i')");
    let error = |sql: &str| conn.query_row(sql, [], |_| Ok(())).unwrap_err().to_string();
    let mut running = conn.prepare("SELECT value FROM series(1, 1000)").unwrap();
    let mut rows = running.query([]).unwrap();
    rows.next().unwrap();

    bridge.unregister_extension(EXT);
    assert_eq!(listed(&conn), SqlValue::Integer(2), "SQLite kept them while the statement runs");
    assert_eq!(error("SELECT echo(1)"), "no such function: echo");
    assert_eq!(error("SELECT sum_i(1)"), "no such function: sum_i");
    assert_eq!(error("SELECT * FROM series(1, 2)"), "no such table: series");
    assert_eq!(one(&conn, "SELECT 'a' < 'B' COLLATE rev"), SqlValue::Integer(0), "as BINARY: 'a' sorts after 'B'");
    let other_shape = bridge.register_table(EXT + 1, "series", 0, &["n".to_owned()], &["stop".to_owned()]).unwrap_err();
    assert!(other_shape.message.contains("series has other columns or arguments than before"), "{other_shape}");

    bridge.register_scalar(EXT + 1, "echo", 1, FunctionFlags::DETERMINISTIC, 0).unwrap();
    let columns = ["value".to_owned(), "square".to_owned()];
    bridge.register_table(EXT + 1, "series", 0, &columns, &["start".to_owned(), "stop".to_owned()]).unwrap();
    assert_eq!(one(&conn, "SELECT echo(5)"), SqlValue::Integer(5));
    assert_eq!(one(&conn, "SELECT count(*) FROM series(1, 3)"), SqlValue::Integer(3));
    assert_eq!(rows.next().unwrap().unwrap().get::<_, i64>(0).unwrap(), 2, "the running scan goes on");

    drop(rows);
    drop(running);
    bridge.unregister_extension(EXT + 1);
    assert_eq!(listed(&conn), SqlValue::Integer(0), "removed once nothing runs, also what the first left behind");
    assert_eq!(one(&conn, "SELECT count(*) FROM pragma_module_list WHERE name IN ('series', 'failing')"), SqlValue::Integer(0));
}

fn scalar(name: &str, arity: i32, id: u32) -> Declaration {
    Declaration::Scalar { name: name.to_owned(), arity, flags: FunctionFlags::empty(), id }
}

fn fails(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get::<_, SqlValue>(0)).unwrap_err().to_string()
}

/// `register_extension` installs every declaration, or on a failure none: a declaration it
/// cannot register is found before anything is installed, and a failure on the way (here
/// the program's own commit hook, which the bridge's replaced) removes what was installed.
#[test]
fn an_extension_registers_whole_or_not_at_all() {
    let conn = Connection::open_in_memory().unwrap();
    let mut bridge = Bridge::new(TestDispatcher::default());
    // SAFETY: `conn` is open, and the bridge (declared after it) is dropped first.
    unsafe { bridge.attach(conn.handle()) }.unwrap();

    let bad = Declarations { items: vec![scalar("echo", 1, 0), scalar("wide", 200, 2)], hooks: HookKinds::default() };
    let err = bridge.register_extension(EXT, &bad, OverridePolicy::default()).unwrap_err();
    assert!(err.message.contains("wide: arity 200"), "{}", err.message);
    assert!(fails(&conn, "SELECT echo(1)").contains("no such function: echo"));

    unsafe extern "C" fn program_commit(_: *mut std::ffi::c_void) -> std::ffi::c_int {
        0
    }
    static PROGRAM: u8 = 0;
    // SAFETY: `conn` is open; the hook reads nothing of its data, a static.
    unsafe { libsqlite3_sys::sqlite3_commit_hook(conn.handle(), Some(program_commit), std::ptr::from_ref(&PROGRAM).cast_mut().cast()) };
    let hooked = Declarations { items: vec![scalar("echo", 1, 0)], hooks: HookKinds { commit: true, ..HookKinds::default() } };
    let err = bridge.register_extension(EXT, &hooked, OverridePolicy::default()).unwrap_err();
    assert!(err.message.contains("hook set directly with SQLite"), "{}", err.message);
    assert!(fails(&conn, "SELECT echo(1)").contains("no such function: echo"), "nothing left behind");

    let good = Declarations {
        items: vec![
            scalar("echo", 1, 0),
            Declaration::Aggregate { name: "sum_i".into(), arity: 1, flags: FunctionFlags::empty(), id: 0, window: true },
            Declaration::Collation { name: "rev".into(), id: 0 },
            Declaration::Table {
                name: "series".into(),
                id: 0,
                columns: vec!["value".into(), "square".into()],
                parameters: vec!["start".into(), "stop".into()],
            },
        ],
        hooks: HookKinds::default(),
    };
    assert_eq!(bridge.register_extension(EXT, &good, OverridePolicy::default()).unwrap(), Vec::<String>::new());
    assert_eq!(one(&conn, "SELECT echo(41) + sum_i(value) FROM series(1, 2)"), SqlValue::Integer(44));
    assert_eq!(one(&conn, "SELECT 'a' < 'b' COLLATE rev"), SqlValue::Integer(0));
}

/// What the connection has is kept unless allowed; an extension with nothing else is
/// refused whole, and its policy does not outlive the refusal.
#[test]
fn an_extension_of_only_the_connections_names_is_refused() {
    let conn = Connection::open_in_memory().unwrap();
    let mut bridge = Bridge::new(TestDispatcher::default());
    // SAFETY: `conn` is open, and the bridge (declared after it) is dropped first.
    unsafe { bridge.attach(conn.handle()) }.unwrap();
    let upper = Declarations { items: vec![scalar("upper", 1, 0)], hooks: HookKinds::default() };
    let ask = OverridePolicy { allowed: false, how_to_allow: "--override".into() };
    let err = bridge.register_extension(EXT, &upper, ask).unwrap_err();
    assert!(err.message.contains("upper() is already defined") && err.message.contains("--override"), "{}", err.message);
    assert_eq!(one(&conn, "SELECT upper('a')"), SqlValue::Text("A".into()));

    let mine = Declarations { items: vec![scalar("upper", 1, 0), scalar("echo", 1, 0)], hooks: HookKinds::default() };
    assert_eq!(bridge.register_extension(EXT, &mine, OverridePolicy::default()).unwrap(), ["upper()"]);
    assert_eq!(one(&conn, "SELECT upper('a') || echo('b')"), SqlValue::Text("Ab".into()));
    bridge.unregister_extension(EXT);

    let allowed = OverridePolicy { allowed: true, how_to_allow: String::new() };
    assert_eq!(bridge.register_extension(EXT, &upper, allowed).unwrap(), Vec::<String>::new());
    assert_eq!(bridge.overridden(EXT), ["upper()"]);
    assert_eq!(one(&conn, "SELECT upper('a')"), SqlValue::Text("a".into()), "the extension's echo, as upper");
}

/// `text` of the first column of `sql`'s first row, or the error's message.
fn answer(conn: &Connection, sql: &str) -> String {
    match conn.query_row(sql, [], |row| row.get::<_, SqlValue>(0)) {
        Ok(SqlValue::Integer(i)) => i.to_string(),
        Ok(SqlValue::Text(t)) => t,
        Ok(SqlValue::Null) => String::from("NULL"),
        Ok(other) => format!("{other:?}"),
        Err(error) => format!("error: {error}"),
    }
}

#[test]
fn functions_whose_body_is_sql_call_one_another_and_run_in_the_sandbox() {
    let (conn, bridge) = setup();
    let functions = bridge.runtime_functions();
    // SAFETY: `conn` is open and attached for the whole test.
    let db = unsafe { conn.handle() };
    // SAFETY: as above.
    unsafe { sqlink_dispatch_bridge::install_authorizer(db) }.unwrap();
    let define = |name: &str, arity: i32, body: &str| {
        // SAFETY: as above.
        unsafe { functions.define_sql(db, EXT, name, arity, FunctionFlags::empty(), body) }
    };
    define("plus_one", 1, "SELECT ?1 + 1").unwrap();
    define("twice_plus_one", 1, "SELECT plus_one(?1) * 2").unwrap();
    define("fact", 1, "SELECT CASE WHEN ?1 <= 1 THEN 1 ELSE ?1 * fact(?1 - 1) END").unwrap();
    define("first_word", 1, "SELECT value FROM json_each(?1)").unwrap();
    define("no_row", 0, "SELECT 1 WHERE 0").unwrap();
    assert_eq!(answer(&conn, "SELECT twice_plus_one(3)"), "8");
    assert_eq!(answer(&conn, "SELECT fact(10)"), "3628800");
    assert_eq!(answer(&conn, "SELECT first_word('[\"a\", \"b\"]')"), "a", "the first row's first column");
    assert_eq!(answer(&conn, "SELECT no_row()"), "NULL", "no row: NULL");
    assert_eq!(
        answer(&conn, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT sum(plus_one(x)) FROM c"),
        "5150"
    );
    // An extension's declared function, from a body.
    define("echoed", 1, "SELECT echo(?1) || '!'").unwrap();
    assert_eq!(answer(&conn, "SELECT echoed('hi')"), "hi!");

    // Too deep: one error, and the connection goes on.
    let deep = answer(&conn, "SELECT fact(100)");
    assert!(deep.contains("nested more than"), "{deep}");
    assert_eq!(answer(&conn, "SELECT fact(5)"), "120");
    // A body's error is the call's.
    define("divide", 2, "SELECT ?1 / ?2 + abs(-9223372036854775808)").unwrap();
    assert!(answer(&conn, "SELECT divide(1, 2)").contains("integer overflow"));
    // The sandbox holds inside a body.
    let refused = define("attach_it", 0, "ATTACH ':memory:' AS other").unwrap_err();
    assert!(refused.message.starts_with("cannot define attach_it(): "), "{}", refused.message);
    // A body that does not compile, a name the connection has, a bad arity: refused.
    assert!(define("broken", 0, "SELECT FROM").unwrap_err().message.contains("syntax error"));
    assert!(define("upper", 1, "SELECT 1").unwrap_err().message.contains("the connection has a function of that name"));
    assert!(define("wide", 200, "SELECT 1").is_err());

    // Redefined while a statement runs: SQLite keeps the function, the body changes.
    let mut running = conn.prepare("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x FROM c").unwrap();
    let mut rows = running.query([]).unwrap();
    rows.next().unwrap();
    define("plus_one", 1, "SELECT ?1 + 100").unwrap();
    drop(rows);
    drop(running);
    assert_eq!(answer(&conn, "SELECT twice_plus_one(3)"), "206");

    // Deleted: unknown, as any function SQLite does not have.
    // SAFETY: as above.
    unsafe { functions.delete(db, EXT, "plus_one", 1) }.unwrap();
    assert!(answer(&conn, "SELECT plus_one(1)").contains("no such function: plus_one"));
    assert!(answer(&conn, "SELECT twice_plus_one(1)").contains("no such function: plus_one"));
    // Unloaded: every one of the extension's goes.
    let mut bridge = bridge;
    bridge.unregister_extension(EXT);
    assert!(answer(&conn, "SELECT fact(3)").contains("no such function: fact"));
}
