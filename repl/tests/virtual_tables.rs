//! Virtual-table modules of an extension in a native SQLite (`embed`, as libsqlink uses it):
//! `test-extensions/tables` (`memtable`, `spin`, `badschema`).

mod common;

use std::time::Duration;

use common::test_extension;
use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

fn loaded(conn: &Connection) -> Extensions {
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
    let bytes = std::fs::read(test_extension("tables")).unwrap();
    let sandbox = Sandbox { call_timeout: Duration::from_millis(500), ..Sandbox::default() };
    extensions.load(conn, &bytes, sandbox, "tables.wasm").unwrap();
    extensions
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |row| {
        Ok((0..width)
            .map(|i| match row.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => String::from("NULL"),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Real(r) => r.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn error(conn: &Connection, sql: &str) -> String {
    conn.execute_batch(sql).unwrap_err().to_string()
}

#[test]
fn writes_transactions_and_savepoints_reach_the_table() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1);").unwrap();
    assert_eq!(rows(&conn, "SELECT rowid, key, value FROM m"), ["1|b|2", "2|a|1"]);
    conn.execute_batch("UPDATE m SET value = value * 10 WHERE key = 'a'; DELETE FROM m WHERE key = 'b';").unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM m"), ["a|10"]);

    // ROLLBACK undoes the writes of the transaction.
    conn.execute_batch("BEGIN; INSERT INTO m VALUES ('c', 3); DELETE FROM m WHERE key = 'a'; ROLLBACK;").unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM m"), ["a|10"]);

    // A savepoint rolled back undoes only what was written since it began.
    conn.execute_batch(
        "BEGIN; INSERT INTO m VALUES ('d', 4); SAVEPOINT s; INSERT INTO m VALUES ('e', 5); UPDATE m SET value = 0;
         ROLLBACK TO s; RELEASE s; COMMIT;",
    )
    .unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM m ORDER BY key"), ["a|10", "d|4"]);
}

#[test]
fn the_plan_the_extension_chose_is_the_plan_sqlite_runs() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1), ('c', 3);").unwrap();
    let plan = rows(&conn, "EXPLAIN QUERY PLAN SELECT value FROM m WHERE key = 'b'").join("\n");
    assert!(plan.contains("VIRTUAL TABLE INDEX 1:key=?"), "{plan}");
    assert_eq!(rows(&conn, "SELECT value FROM m WHERE key = 'b'"), ["2"]);
    // The ORDER BY the extension consumed takes no sorting step, and the rows are in order.
    let plan = rows(&conn, "EXPLAIN QUERY PLAN SELECT key FROM m ORDER BY key").join("\n");
    assert!(plan.contains("VIRTUAL TABLE INDEX 2:"), "{plan}");
    assert!(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "{plan}");
    assert_eq!(rows(&conn, "SELECT key FROM m ORDER BY key"), ["a", "b", "c"]);
    // A descending order is not consumed: SQLite sorts.
    let plan = rows(&conn, "EXPLAIN QUERY PLAN SELECT key FROM m ORDER BY key DESC").join("\n");
    assert!(plan.contains("USE TEMP B-TREE FOR ORDER BY"), "{plan}");
    assert_eq!(rows(&conn, "SELECT key FROM m ORDER BY key DESC"), ["c", "b", "a"]);
}

#[test]
fn bad_input_gets_one_clear_error_and_the_session_goes_on() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn);
    assert_eq!(error(&conn, "CREATE VIRTUAL TABLE w USING memtable(x = 1)"), "memtable takes no arguments, not x = 1");
    let rejected = error(&conn, "CREATE VIRTUAL TABLE b USING badschema");
    assert!(rejected.starts_with("badschema: the schema it declared, \"CREATE TABLE x(a,\", is not one SQLite accepts"), "{rejected}");
    conn.execute_batch("CREATE VIRTUAL TABLE s USING spin").unwrap();
    assert_eq!(error(&conn, "INSERT INTO s VALUES (1)"), "table s may not be modified");
    // Planning that never ends is stopped by the time limit.
    let stopped = error(&conn, "SELECT * FROM s");
    assert!(stopped.contains("interrupted") || stopped.contains("time"), "{stopped}");
    // A trap in the middle of a write fails the statement; the session goes on.
    conn.execute_batch("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('a', 1);").unwrap();
    let trapped = error(&conn, "INSERT INTO m VALUES ('x', 'trap')");
    assert!(trapped.contains("memtable was told to trap"), "{trapped}");
    conn.execute_batch("CREATE VIRTUAL TABLE m2 USING memtable; INSERT INTO m2 VALUES ('z', 26);").unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM m2"), ["z|26"]);
    assert_eq!(rows(&conn, "SELECT 1 + 1"), ["2"]);
}
