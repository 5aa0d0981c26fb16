//! SQL from an extension on its calling connection (`sqlite:extension/connection`) and the
//! connection's hooks, in a native SQLite through `embed`, with the `sqlcaller` test
//! extension (test-extensions/connection).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use sqlink_dispatch_bridge::ProgramHooks;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

fn loaded(sandbox: Sandbox) -> (Connection, Extensions) {
    let conn = Connection::open_in_memory().unwrap();
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/test/connection.wasm");
    let bytes = std::fs::read(&path).expect("built by `cargo xtask build`");
    extensions.load(&conn, &bytes, sandbox, "connection.wasm").unwrap();
    conn.execute_batch("CREATE TABLE t(v); INSERT INTO t VALUES (1), (2), (3);").unwrap();
    (conn, extensions)
}

fn text(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |row| row.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn error(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |row| row.get::<_, rusqlite::types::Value>(0)).unwrap_err().to_string()
}

#[test]
fn an_extension_runs_sql_on_the_connection_calling_it() {
    let (conn, _extensions) = loaded(Sandbox::default());
    let n: i64 = conn.query_row("SELECT sql_value('SELECT count(*) FROM t WHERE v > ?', 1)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    assert_eq!(text(&conn, "SELECT sql_write('INSERT INTO t VALUES (4), (5)')"), "2/5");
    assert_eq!(text(&conn, "SELECT sql_rows('SELECT v, v * 10 AS w FROM t WHERE v > 3')"), "v,w:4,40;5,50 again:4,40");
    // Per row of an outer query, inside its statement.
    assert_eq!(text(&conn, "SELECT group_concat(sql_value('SELECT ? * 2', v)) FROM t"), "2,4,6,8,10");
    // SQLite's errors reach the caller.
    assert!(error(&conn, "SELECT sql_value('SELECT * FROM nowhere', NULL)").contains("no such table: nowhere"));
}

#[test]
fn hostile_sql_is_refused_and_the_session_goes_on() {
    let (conn, _extensions) = loaded(Sandbox::default());
    for sql in ["ATTACH ':memory:' AS other", "DETACH main", "SELECT load_extension('x')"] {
        let message =
            conn.query_row("SELECT sql_value(?1, NULL)", [sql], |r| r.get::<_, rusqlite::types::Value>(0)).unwrap_err().to_string();
        assert!(message.contains("an extension's SQL may not ATTACH, DETACH or load extensions"), "{sql}: {message}");
    }
    // A statement kept past its call is finalized; using it later says so.
    assert_eq!(text(&conn, "SELECT CAST(sql_keep('SELECT v FROM t') AS TEXT)"), "1");
    assert!(error(&conn, "SELECT sql_use_kept()").contains("the statement was finalized"));
    // An extension's SQL cannot call an extension again.
    assert!(error(&conn, "SELECT sql_value('SELECT hooks_heard()', NULL)").contains("cannot call extension functions"));
    // Nothing is left behind: the table can go, and the extension still works.
    conn.execute_batch("DROP TABLE t; CREATE TABLE t(v); INSERT INTO t VALUES (7);").unwrap();
    let n: i64 = conn.query_row("SELECT sql_value('SELECT v FROM t', NULL)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 7);
}

#[test]
fn an_extensions_sql_counts_toward_its_time_limit() {
    let sandbox = Sandbox { call_timeout: Duration::from_millis(300), ..Sandbox::default() };
    let (conn, _extensions) = loaded(sandbox);
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let started = std::time::Instant::now();
    let message = error(&conn, &format!("SELECT sql_value('{endless}', NULL)"));
    assert!(message.contains("time limit"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5), "stopped after {:?}", started.elapsed());
    // The connection is usable afterwards.
    let n: i64 = conn.query_row("SELECT sql_value('SELECT count(*) FROM t', NULL)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn hooks_hear_a_scripted_session_in_order_and_the_programs_hooks_still_fire() {
    let (conn, mut extensions) = loaded(Sandbox::default());
    let program = Arc::new(Mutex::new(Vec::<String>::new()));
    let (commits, rollbacks, updates) = (Arc::clone(&program), Arc::clone(&program), Arc::clone(&program));
    let hooks = ProgramHooks {
        commit: Some(Box::new(move || {
            commits.lock().unwrap().push("commit".into());
            false
        })),
        rollback: Some(Box::new(move || rollbacks.lock().unwrap().push("rollback".into()))),
        update: Some(Box::new(move |change, db, table, rowid| updates.lock().unwrap().push(format!("{change:?} {db}.{table} {rowid}")))),
    };
    extensions.set_program_hooks(&conn, hooks).unwrap();
    let _ = text(&conn, "SELECT hooks_heard()");
    conn.execute_batch(
        "BEGIN; INSERT INTO t VALUES (4); UPDATE t SET v = 0 WHERE rowid = 2; COMMIT;
         BEGIN; DELETE FROM t WHERE rowid = 1; ROLLBACK;
         CREATE TABLE sql_in_hook(x); INSERT INTO sql_in_hook VALUES (1);",
    )
    .unwrap();
    let heard = text(&conn, "SELECT hooks_heard()");
    let expected = [
        "insert main.t 4",
        "update main.t 2",
        "commit",
        "delete main.t 1",
        "rollback",
        // CREATE TABLE writes sqlite_schema, which has no update hook events, and commits.
        "commit",
        "insert main.sql_in_hook 1 (refused: an extension may run SQL only while SQLite calls one of its functions, tables or modules (not at load, nor in a hook))",
        "commit",
    ];
    assert_eq!(heard.split('\n').collect::<Vec<_>>(), expected);
    let program = program.lock().unwrap().clone();
    assert_eq!(
        program,
        ["Insert main.t 4", "Update main.t 2", "commit", "Delete main.t 1", "rollback", "commit", "Insert main.sql_in_hook 1", "commit"]
    );
}

mod common;

/// The same scripted session in the REPL: the runtime's SQLite calls the hooks through its
/// `dispatch` import, and runs the extension's SQL on the calling connection for it.
#[test]
fn the_repl_delivers_hooks_in_order_and_runs_an_extensions_sql() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/test/connection.wasm");
    let script = format!(
        ".load {}\nCREATE TABLE t(v); INSERT INTO t VALUES (1), (2), (3);\nSELECT hooks_heard();\n\
         BEGIN; INSERT INTO t VALUES (4); UPDATE t SET v = 0 WHERE rowid = 2; COMMIT;\n\
         BEGIN; DELETE FROM t WHERE rowid = 1; ROLLBACK;\nSELECT hooks_heard();\n\
         SELECT sql_value('SELECT 1', NULL);\nSELECT count(*) FROM t;\n",
        path.display()
    );
    let run = common::sqlink(&script);
    assert_eq!(
        run.stdout,
        "commit\ninsert main.t 1\ninsert main.t 2\ninsert main.t 3\ncommit\ninsert main.t 4\nupdate main.t 2\ncommit\ndelete main.t 1\nrollback\n1\n4\n"
    );
    assert_eq!(run.stderr, "");
}

/// The cases above in the REPL: SQL on the calling connection, the sandbox's refusals, a
/// statement kept past its call, the time limit, and a failed call rolling its writes back;
/// the session goes on after each error.
#[test]
fn the_repl_runs_an_extensions_sql_inside_the_sandbox() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/test/connection.wasm");
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    // A write by the extension's SQL, then a call stopped in the same statement: what is left
    // is what a native SQLite through `embed` leaves.
    let failing_write =
        format!("INSERT INTO t SELECT sql_write('INSERT INTO t VALUES (99)') UNION ALL SELECT sql_value('{endless}', NULL)");
    let (conn, _extensions) = loaded(Sandbox { call_timeout: Duration::from_millis(300), ..Sandbox::default() });
    conn.execute_batch("INSERT INTO t VALUES (4), (5)").unwrap();
    assert!(conn.execute_batch(&failing_write).unwrap_err().to_string().contains("time limit"));
    let left: String = conn.query_row("SELECT count(*) || '|' || sum(v = 99) FROM t", [], |r| r.get(0)).unwrap();
    let script = format!(
        ".load {}\nCREATE TABLE t(v); INSERT INTO t VALUES (1), (2), (3);\n\
         SELECT sql_value('SELECT count(*) FROM t WHERE v > ?', 1);\n\
         SELECT sql_write('INSERT INTO t VALUES (4), (5)');\n\
         SELECT sql_rows('SELECT v, v * 10 AS w FROM t WHERE v > 3');\n\
         SELECT group_concat(sql_value('SELECT ? * 2', v)) FROM t;\n\
         SELECT sql_value('SELECT * FROM nowhere', NULL);\n\
         SELECT sql_value('ATTACH '':memory:'' AS other', NULL);\n\
         SELECT sql_value('DETACH main', NULL);\n\
         SELECT sql_value('SELECT load_extension(''x'')', NULL);\n\
         SELECT CAST(sql_keep('SELECT v FROM t') AS TEXT);\n\
         SELECT sql_use_kept();\n\
         SELECT sql_value('SELECT hooks_heard()', NULL);\n\
         SELECT sql_value('{endless}', NULL);\n\
         {failing_write};\n\
         SELECT count(*) || '|' || sum(v = 99) FROM t;\n\
         SELECT sql_value('SELECT count(*) FROM t', NULL);\n",
        path.display()
    );
    let started = std::time::Instant::now();
    let run = common::sqlink_in(&std::env::temp_dir(), &["--timeout", "0.3"], &script);
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    let count = left.split('|').next().unwrap();
    assert_eq!(run.stdout, format!("2\n2/5\nv,w:4,40;5,50 again:4,40\n2,4,6,8,10\n1\n{left}\n{count}\n"), "stderr: {}", run.stderr);
    let errors: Vec<&str> = run.stderr.lines().collect();
    let expected = [
        (7, "no such table: nowhere"),
        (8, "an extension's SQL may not ATTACH, DETACH or load extensions"),
        (9, "an extension's SQL may not ATTACH, DETACH or load extensions"),
        // The runtime's SQLite has no load_extension: refused, or unknown.
        (10, "load_extension"),
        (12, "the statement was finalized"),
        (13, "cannot call extension functions"),
        (14, "time limit"),
        (15, "time limit"),
    ];
    assert_eq!(errors.len(), expected.len(), "{}", run.stderr);
    for (line, (number, message)) in errors.iter().zip(expected) {
        assert!(line.starts_with(&format!("Runtime error near line {number}: ")) && line.contains(message), "{line}");
    }
}
