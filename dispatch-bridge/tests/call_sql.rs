//! SQL an extension runs on its calling connection (`CallSql`), its sandbox, and the
//! connection's hooks fanned out to extensions and the program, against real SQLite.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use sqlink_dispatch_bridge::{
    Bridge, CallSql, Change, ConstraintUsage, DeclaredTable, Dispatcher, FunctionFlags, HookKinds, IndexInfo, IndexPlan, ModuleShape,
    ProgramHooks, Row, RowChange, SqlError, TransactionEvent, Value, ValueParam, install_authorizer,
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
            // first_of(sql): the first row's first value, the statement left mid-scan.
            4 => {
                let id = sql.prepare(&text(&args[0]))?;
                Ok(sql.step(id)?.and_then(|r| r.into_iter().next()).unwrap_or(Value::Null))
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
    // An empty table, "empty": while one is connected, the connection caches statements.
    fn vtab_connect(&self, _: u32, _: u32, _: &[String], _: bool) -> Result<DeclaredTable, SqlError> {
        Ok(DeclaredTable { schema: String::from("CREATE TABLE x(v)"), table: 1 })
    }
    fn vtab_best_index(&self, _: u32, _: u64, info: &IndexInfo) -> Result<IndexPlan, SqlError> {
        Ok(IndexPlan {
            usage: info.constraints.iter().map(|_| ConstraintUsage { argument: 0, omit: false }).collect(),
            index_number: 0,
            index_string: None,
            order_by_consumed: false,
            estimated_cost: 1e6,
            estimated_rows: 1000,
            unique: false,
        })
    }
    fn vtab_open(&self, _: u32, _: u64) -> Result<u64, SqlError> {
        Ok(1)
    }
    fn vtab_filter(&self, _: u32, _: u64, _: &sqlink_dispatch_bridge::Filter<'_>) -> Result<Vec<Row>, SqlError> {
        Ok(Vec::new())
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
        Ok(())
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
    for (name, arity, id) in [("run_sql", 2, 0), ("keep", 1, 1), ("use_kept", 0, 2), ("count_rows", 1, 3), ("first_of", 1, 4)] {
        bridge.register_scalar(EXT, name, arity, FunctionFlags::empty(), id).unwrap();
    }
    let shape = ModuleShape { writable: true, transactions: false, shadow_names: Vec::new() };
    bridge.register_module(EXT, "empty", 0, shape).unwrap();
    (conn, bridge)
}

/// `setup`, with a table of a bridge module connected: the extension's statements are cached.
fn setup_cached() -> (Connection, Bridge<SqlDispatcher>) {
    let (conn, bridge) = setup();
    // Creating the table reloads the schema, which disconnects it: a query connects it again.
    conn.execute_batch("CREATE VIRTUAL TABLE e USING empty; SELECT * FROM e;").unwrap();
    (conn, bridge)
}

/// The SQL of each statement the connection holds now (the program's own are finalized).
fn live_statements(conn: &Connection) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    // SAFETY: `conn` is open and used by this thread only; each statement's SQL is copied
    // at once.
    unsafe {
        let db = conn.handle();
        let mut stmt = rusqlite::ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            let sql = std::ffi::CStr::from_ptr(rusqlite::ffi::sqlite3_sql(stmt)).to_string_lossy().into_owned();
            found.push((sql, rusqlite::ffi::sqlite3_stmt_busy(stmt) != 0));
            stmt = rusqlite::ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    found
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

#[test]
fn without_a_module_table_nothing_is_cached() {
    let (conn, _bridge) = setup();
    conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE v > ?', 1)", [], |_| Ok(())).unwrap();
    assert!(live_statements(&conn).is_empty());
}

#[test]
fn a_statement_is_cached_between_calls_reset_and_given_out_again() {
    let (conn, _bridge) = setup_cached();
    let sql = "SELECT count(*) FROM t WHERE v > ?";
    let n: i64 = conn.query_row("SELECT run_sql(?1, 1)", [sql], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    assert_eq!(live_statements(&conn), vec![(sql.to_owned(), false)]);
    // Its binding was cleared: a second call binds its own, and the one statement serves it.
    let n: i64 = conn.query_row("SELECT run_sql(?1, 2)", [sql], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    assert_eq!(live_statements(&conn).len(), 1);
    // A failing statement is not kept.
    assert!(error(&conn, "SELECT run_sql('SELECT json(?) FROM t', 'x')").contains("malformed JSON"));
    assert_eq!(live_statements(&conn).len(), 1);
}

#[test]
fn a_cached_statement_left_mid_scan_is_reset_when_its_call_ends() {
    let (conn, _bridge) = setup_cached();
    let v: i64 = conn.query_row("SELECT first_of('SELECT v FROM t ORDER BY v')", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 1);
    assert_eq!(live_statements(&conn), vec![(String::from("SELECT v FROM t ORDER BY v"), false)]);
    // Nothing reads t any more: the program may drop it (a running scan would lock it).
    conn.execute_batch("DROP TABLE t; CREATE TABLE t(v); INSERT INTO t VALUES (7), (8);").unwrap();
    let v: i64 = conn.query_row("SELECT first_of('SELECT v FROM t ORDER BY v')", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 7);
}

#[test]
fn a_cached_statement_follows_schema_changes_between_calls() {
    let (conn, _bridge) = setup_cached();
    let sql = "SELECT * FROM t WHERE ? IS NULL";
    let v: i64 = conn.query_row("SELECT run_sql(?1, NULL)", [sql], |r| r.get(0)).unwrap();
    assert_eq!(v, 1);
    // `*` now means another column first: SQLite recompiles the cached statement.
    conn.execute_batch("ALTER TABLE t RENAME TO old; CREATE TABLE t(w, v); INSERT INTO t VALUES ('new', 5);").unwrap();
    let v: String = conn.query_row("SELECT run_sql(?1, NULL)", [sql], |r| r.get(0)).unwrap();
    assert_eq!(v, "new");
    // Gone: one clear error, and the session goes on.
    conn.execute_batch("DROP TABLE t").unwrap();
    assert!(error(&conn, &format!("SELECT run_sql('{sql}', NULL)")).contains("no such table: t"));
    let n: i64 = conn.query_row("SELECT run_sql('SELECT count(*) FROM old WHERE ? IS NULL', NULL)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn a_kept_handle_to_a_cached_statement_still_fails_in_a_later_call() {
    let (conn, _bridge) = setup_cached();
    conn.query_row("SELECT keep('SELECT v FROM t')", [], |_| Ok(())).unwrap();
    // The statement itself is cached for the same SQL, but not under the kept number.
    assert_eq!(live_statements(&conn).len(), 1);
    assert!(error(&conn, "SELECT use_kept()").contains("the statement was finalized"));
    let n: i64 = conn.query_row("SELECT count_rows('t')", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn an_authorizer_the_program_sets_between_calls_stops_a_cached_statement() {
    unsafe extern "C" fn allow_all(
        _: *mut std::ffi::c_void,
        _: std::ffi::c_int,
        _: *const std::ffi::c_char,
        _: *const std::ffi::c_char,
        _: *const std::ffi::c_char,
        _: *const std::ffi::c_char,
    ) -> std::ffi::c_int {
        rusqlite::ffi::SQLITE_OK
    }
    let (conn, _bridge) = setup_cached();
    let sql = "SELECT count(*) FROM t WHERE ? IS NULL";
    let n: i64 = conn.query_row("SELECT run_sql(?1, NULL)", [sql], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
    assert_eq!(live_statements(&conn).len(), 1);
    // SAFETY: `conn` is open; the callback takes no data.
    unsafe { rusqlite::ffi::sqlite3_set_authorizer(conn.handle(), Some(allow_all), std::ptr::null_mut()) };
    let message = error(&conn, &format!("SELECT run_sql('{sql}', NULL)"));
    assert!(message.contains("sqlink cannot check this statement"), "{message}");
    // Refused statements are not kept.
    assert!(live_statements(&conn).is_empty());
}

#[test]
fn a_statement_reading_a_module_table_is_not_cached() {
    let (conn, _bridge) = setup_cached();
    let n: i64 = conn.query_row("SELECT run_sql('SELECT count(*) FROM e WHERE ? IS NULL', NULL)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    assert!(live_statements(&conn).is_empty());
}

#[test]
fn a_statement_inserting_into_a_virtual_table_is_not_cached() {
    let (conn, _bridge) = setup_cached();
    // Compiled and left unstepped: cached, it would hold `e` connected, and the connection
    // could not close.
    conn.query_row("SELECT keep('INSERT INTO e VALUES (1)')", [], |_| Ok(())).unwrap();
    assert!(live_statements(&conn).is_empty());
    // Into a plain table it is cached.
    conn.query_row("SELECT keep('INSERT INTO t VALUES (1)')", [], |_| Ok(())).unwrap();
    assert_eq!(live_statements(&conn).len(), 1);
    conn.close().map_err(|(_, e)| e).unwrap();
}

#[test]
fn the_cache_is_emptied_when_a_module_table_goes_and_the_connection_closes() {
    let (conn, bridge) = setup_cached();
    conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE ? IS NULL', NULL)", [], |_| Ok(())).unwrap();
    assert_eq!(live_statements(&conn).len(), 1);
    conn.execute_batch("DROP TABLE e").unwrap();
    assert!(live_statements(&conn).is_empty());
    // With none connected, nothing is cached.
    conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE ? IS NULL', NULL)", [], |_| Ok(())).unwrap();
    assert!(live_statements(&conn).is_empty());
    // And with one connected, sqlite3_close (which refuses while a statement lives)
    // succeeds: SQLite disconnects the table first, which empties the cache.
    conn.execute_batch("CREATE VIRTUAL TABLE e2 USING empty; SELECT * FROM e2;").unwrap();
    conn.query_row("SELECT run_sql('SELECT count(*) FROM t WHERE ? IS NULL', NULL)", [], |_| Ok(())).unwrap();
    assert_eq!(live_statements(&conn).len(), 1);
    conn.close().map_err(|(_, e)| e).unwrap();
    drop(bridge);
}
