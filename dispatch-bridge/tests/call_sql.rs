//! SQL an extension runs on its calling connection (`CallSql`), its sandbox, and the
//! connection's hooks fanned out to extensions and the program, against real SQLite.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use sqlink_dispatch_bridge::{
    Bridge, CallSql, Change, DeclaredTable, Dispatcher, FunctionFlags, HookKinds, IndexInfo, IndexPlan, ProgramHooks, Row, RowChange,
    SqlError, TransactionEvent, Value, ValueParam, install_authorizer,
};

const EXT: u32 = 3;

/// Extension "functions" whose bodies run SQL on the connection calling them, as an
/// extension does through `connection`; and hooks that write down what they hear.
#[derive(Default)]
struct SqlDispatcher {
    db: Mutex<usize>,
    /// A statement kept by one call for a later one.
    kept: Mutex<Option<u64>>,
    /// What the hooks heard, in order.
    heard: Arc<Mutex<Vec<String>>>,
    /// Whether the commit hook turns commits into rollbacks.
    veto: Mutex<bool>,
}

impl SqlDispatcher {
    fn call_sql(&self) -> CallSql {
        // SAFETY: called from a scalar function's body, while SQLite runs it on this open
        // connection; the CallSql is dropped before the body returns.
        unsafe { CallSql::new(*self.db.lock().unwrap() as *mut rusqlite::ffi::sqlite3) }
    }
}

fn text(v: &ValueParam<'_>) -> String {
    match v {
        ValueParam::Text(t) => t.to_string(),
        other => format!("{other:?}"),
    }
}

impl Dispatcher for SqlDispatcher {
    fn scalar_call(&self, _: u32, id: u32, args: &[ValueParam<'_>]) -> Result<Value, SqlError> {
        let mut sql = self.call_sql();
        match id {
            // run_sql(sql, param): the first column of the first row.
            0 => {
                let rows = sql.execute(&text(&args[0]), &[Value::from(&args[1])])?;
                Ok(rows.into_iter().next().and_then(|r| r.into_iter().next()).unwrap_or(Value::Null))
            }
            // keep(sql): prepares and keeps the statement past the call.
            1 => {
                let id = sql.prepare(&text(&args[0]))?;
                *self.kept.lock().unwrap() = Some(id);
                Ok(Value::Integer(id as i64))
            }
            // use_kept(): steps the statement an earlier call kept.
            2 => {
                let id = self.kept.lock().unwrap().ok_or_else(|| SqlError::new(1, "nothing kept"))?;
                sql.step(id).map(|_| Value::Null)
            }
            // count_rows(table): a prepared statement stepped to the end, with changes().
            3 => {
                let id = sql.prepare(&format!("SELECT * FROM {}", text(&args[0])))?;
                let mut n = 0;
                while sql.step(id)?.is_some() {
                    n += 1;
                }
                Ok(Value::Integer(n))
            }
            _ => unreachable!(),
        }
    }
    fn aggregate_step(&self, _: u32, _: u32, _: u64, _: &[ValueParam<'_>]) -> Result<(), SqlError> {
        unreachable!()
    }
    fn aggregate_value(&self, _: u32, _: u32, _: u64) -> Result<Value, SqlError> {
        unreachable!()
    }
    fn aggregate_inverse(&self, _: u32, _: u32, _: u64, _: &[ValueParam<'_>]) -> Result<(), SqlError> {
        unreachable!()
    }
    fn aggregate_finalize(&self, _: u32, _: u32, _: u64) -> Result<Value, SqlError> {
        unreachable!()
    }
    fn collation_compare(&self, _: u32, _: u32, _: &str, _: &str) -> i32 {
        unreachable!()
    }
    fn table_open(&self, _: u32, _: u32, _: &[ValueParam<'_>]) -> Result<u64, SqlError> {
        unreachable!()
    }
    fn table_next(&self, _: u32, _: u64, _: u32) -> Result<Vec<Vec<Value>>, SqlError> {
        unreachable!()
    }
    fn table_close(&self, _: u32, _: u64) {}
    // These tests register no virtual-table modules.
    fn vtab_connect(&self, _: u32, _: u32, _: &[String], _: bool) -> Result<DeclaredTable, SqlError> {
        unreachable!()
    }
    fn vtab_best_index(&self, _: u32, _: u64, _: &IndexInfo) -> Result<IndexPlan, SqlError> {
        unreachable!()
    }
    fn vtab_open(&self, _: u32, _: u64) -> Result<u64, SqlError> {
        unreachable!()
    }
    fn vtab_filter(&self, _: u32, _: u64, _: &sqlink_dispatch_bridge::Filter<'_>) -> Result<Vec<Row>, SqlError> {
        unreachable!()
    }
    fn vtab_next(&self, _: u32, _: u64, _: u32) -> Result<Vec<Row>, SqlError> {
        unreachable!()
    }
    fn vtab_close(&self, _: u32, _: u64) {}
    fn vtab_update(&self, _: u32, _: u64, _: &Change<'_>) -> Result<i64, SqlError> {
        unreachable!()
    }
    fn vtab_transaction(&self, _: u32, _: u64, _: TransactionEvent) -> Result<(), SqlError> {
        unreachable!()
    }
    fn vtab_rename(&self, _: u32, _: u64, _: &str) -> Result<(), SqlError> {
        unreachable!()
    }
    fn vtab_disconnect(&self, _: u32, _: u64) {}
    fn vtab_destroy(&self, _: u32, _: u64) -> Result<(), SqlError> {
        unreachable!()
    }

    fn hook_commit(&self, ext: u32) -> bool {
        self.heard.lock().unwrap().push(format!("ext{ext} commit"));
        *self.veto.lock().unwrap()
    }
    fn hook_rollback(&self, ext: u32) {
        self.heard.lock().unwrap().push(format!("ext{ext} rollback"));
    }
    fn hook_update(&self, ext: u32, change: RowChange, database: &str, table: &str, rowid: i64) {
        self.heard.lock().unwrap().push(format!("ext{ext} {change:?} {database}.{table} {rowid}"));
    }
}

fn setup() -> (Connection, Bridge<SqlDispatcher>) {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t(v); INSERT INTO t VALUES (1), (2), (3);").unwrap();
    let mut bridge = Bridge::new(SqlDispatcher::default());
    // SAFETY: `conn` outlives `bridge` in every test (dropped after it, declared first).
    let db = unsafe { conn.handle() };
    *bridge.dispatcher().db.lock().unwrap() = db as usize;
    // SAFETY: as above.
    unsafe { bridge.attach(db) }.unwrap();
    // SAFETY: `db` is open.
    unsafe { install_authorizer(db) }.unwrap();
    for (name, arity, id) in [("run_sql", 2, 0), ("keep", 1, 1), ("use_kept", 0, 2), ("count_rows", 1, 3)] {
        bridge.register_scalar(EXT, name, arity, FunctionFlags::empty(), id).unwrap();
    }
    (conn, bridge)
}

fn error(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0)).unwrap_err().to_string()
}

#[test]
fn an_extension_reads_and_writes_its_calling_connection() {
    let (conn, _bridge) = setup();
    let n: i64 = conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE v > ?', 1)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    // Inside the outer statement's transaction: the write is there afterwards.
    conn.query_row("SELECT run_sql('INSERT INTO t VALUES (?)', 10)", [], |_| Ok(())).unwrap();
    let n: i64 = conn.query_row("SELECT count_rows('t')", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 4);
    // A SQL error reaches the caller as one.
    assert!(error(&conn, "SELECT run_sql('SELECT * FROM nowhere', 1)").contains("no such table: nowhere"));
}

#[test]
fn attach_detach_and_loading_extensions_are_refused_and_the_session_goes_on() {
    let (conn, _bridge) = setup();
    for sql in ["ATTACH ':memory:' AS other", "DETACH main", "SELECT load_extension(?)", "SELECT sqlink_load(?)"] {
        let message = conn.query_row("SELECT run_sql(?1, 'x')", [sql], |r| r.get::<_, rusqlite::types::Value>(0)).unwrap_err().to_string();
        assert!(message.contains("may not ATTACH, DETACH or load extensions") || message.contains("no such function"), "{sql}: {message}");
    }
    let message = error(&conn, "SELECT run_sql('ATTACH ? AS other', ':memory:')");
    assert!(message.contains("not authorized"), "{message}");
    // The program itself may still attach: the refusal is for the extension's SQL only.
    conn.execute_batch("ATTACH ':memory:' AS mine; DETACH mine;").unwrap();
    let n: i64 = conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE ? IS NULL', NULL)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn a_statement_kept_past_its_call_is_finalized() {
    let (conn, _bridge) = setup();
    conn.query_row("SELECT keep('SELECT v FROM t')", [], |_| Ok(())).unwrap();
    assert!(error(&conn, "SELECT use_kept()").contains("the statement was finalized"));
    // Nothing of it is left on the connection: the table can be dropped (no statement reads it).
    conn.execute_batch("DROP TABLE t").unwrap();
}

#[test]
fn an_authorizer_the_program_sets_afterwards_stops_the_extensions_sql() {
    let (conn, _bridge) = setup();
    // SAFETY: `conn` is open; a null authorizer stands for one the program installs in
    // place of sqlink's (SQLite then asks nobody).
    unsafe { rusqlite::ffi::sqlite3_set_authorizer(conn.handle(), None, std::ptr::null_mut()) };
    let message = error(&conn, "SELECT run_sql('SELECT ?', 1)");
    assert!(message.contains("replaced sqlink's authorizer"), "{message}");
}

#[test]
fn hooks_hear_each_event_in_order_and_the_programs_hooks_still_fire() {
    let (conn, mut bridge) = setup();
    let heard = Arc::clone(&bridge.dispatcher().heard);
    bridge.subscribe_hooks(EXT, HookKinds { commit: true, rollback: true, update: true }).unwrap();
    // A second extension asks for updates only; it hears them after the first.
    bridge.subscribe_hooks(EXT + 1, HookKinds { update: true, ..HookKinds::default() }).unwrap();
    let program = Arc::clone(&heard);
    let (p2, p3) = (Arc::clone(&heard), Arc::clone(&heard));
    bridge
        .set_program_hooks(ProgramHooks {
            commit: Some(Box::new(move || {
                program.lock().unwrap().push("program commit".into());
                false
            })),
            rollback: Some(Box::new(move || p2.lock().unwrap().push("program rollback".into()))),
            update: Some(Box::new(move |change, db, table, rowid| {
                p3.lock().unwrap().push(format!("program {change:?} {db}.{table} {rowid}"))
            })),
        })
        .unwrap();
    conn.execute_batch(
        "BEGIN; INSERT INTO t VALUES (4); UPDATE t SET v = 5 WHERE rowid = 1; COMMIT;
         BEGIN; DELETE FROM t WHERE rowid = 2; ROLLBACK;",
    )
    .unwrap();
    let expected = [
        "ext3 Insert main.t 4",
        "ext4 Insert main.t 4",
        "program Insert main.t 4",
        "ext3 Update main.t 1",
        "ext4 Update main.t 1",
        "program Update main.t 1",
        "ext3 commit",
        "program commit",
        "ext3 Delete main.t 2",
        "ext4 Delete main.t 2",
        "program Delete main.t 2",
        "ext3 rollback",
        "program rollback",
    ];
    assert_eq!(*heard.lock().unwrap(), expected);

    // A commit hook answering true turns the commit into a rollback.
    heard.lock().unwrap().clear();
    *bridge.dispatcher().veto.lock().unwrap() = true;
    let message = conn.execute_batch("INSERT INTO t VALUES (9)").unwrap_err().to_string();
    assert!(message.contains("constraint failed") || message.contains("rollback"), "{message}");
    let n: i64 = conn.query_row("SELECT count(*) FROM t WHERE v = 9", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);

    // Unloaded extensions hear nothing more.
    *bridge.dispatcher().veto.lock().unwrap() = false;
    bridge.unregister_extension(EXT);
    bridge.unregister_extension(EXT + 1);
    heard.lock().unwrap().clear();
    conn.execute_batch("INSERT INTO t VALUES (7)").unwrap();
    assert_eq!(*heard.lock().unwrap(), ["program Insert main.t 5", "program commit"]);
}

#[test]
fn a_hook_the_program_had_set_directly_is_reported_as_replaced() {
    let (conn, mut bridge) = setup();
    unsafe extern "C" fn program_hook(_: *mut std::ffi::c_void) -> std::ffi::c_int {
        0
    }
    let mut marker = 0u8;
    // SAFETY: `conn` is open; the marker outlives the hook (the bridge replaces it at once).
    unsafe { rusqlite::ffi::sqlite3_commit_hook(conn.handle(), Some(program_hook), (&raw mut marker).cast()) };
    let error = bridge.subscribe_hooks(EXT, HookKinds { commit: true, ..HookKinds::default() }).unwrap_err();
    assert!(error.message.contains("set directly with SQLite"), "{}", error.message);
}
