//! The `kv` example (extensions/kv) in a native SQLite through `embed`: a writable virtual
//! table whose rows live in its shadow table `NAME_data`, so SQLite's transactions, savepoints
//! and journal cover them and a reopened database has them.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{rows, sql_error, test_extension};
use rusqlite::Connection;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::Sandbox;

fn load_kv(conn: &Connection) -> Extensions {
    common::embedded(conn, "kv")
}

/// `path` opened with kv loaded.
fn open(path: &Path) -> (Connection, Extensions) {
    let conn = Connection::open(path).unwrap();
    let extensions = load_kv(&conn);
    (conn, extensions)
}

fn error(conn: &Connection, sql: &str) -> String {
    conn.execute_batch(sql).unwrap_err().to_string()
}

fn plan(conn: &Connection, sql: &str) -> String {
    rows(conn, &format!("EXPLAIN QUERY PLAN {sql}")).join("\n")
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kv.db");
    (dir, db)
}

#[test]
fn rows_are_kept_in_the_shadow_table_and_a_reopened_database_has_them() {
    let (_dir, db) = temp_db();
    {
        let (conn, _extensions) = open(&db);
        conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('b', 2), ('a', x'01'), ('c', NULL);").unwrap();
        conn.execute_batch("UPDATE t SET value = 'two' WHERE key = 'b'; DELETE FROM t WHERE key = 'c';").unwrap();
        assert_eq!(rows(&conn, "SELECT rowid, key, value FROM t"), ["1|b|two", "2|a|[1]"]);
    }
    // Without the extension the shadow table is a plain table of the file.
    let plain = Connection::open(&db).unwrap();
    assert_eq!(rows(&plain, "SELECT id, key, value FROM t_data ORDER BY id"), ["1|b|two", "2|a|[1]"]);
    drop(plain);
    let (conn, _extensions) = open(&db);
    assert_eq!(rows(&conn, "SELECT key, value FROM t ORDER BY key"), ["a|[1]", "b|two"]);
    conn.execute_batch("INSERT INTO t VALUES ('d', 4)").unwrap();
    assert_eq!(rows(&conn, "SELECT rowid, value FROM t WHERE key = 'd'"), ["3|4"]);

    // RENAME renames the shadow table; DROP TABLE drops it.
    conn.execute_batch("ALTER TABLE t RENAME TO u").unwrap();
    assert_eq!(rows(&conn, "SELECT name FROM sqlite_schema WHERE name LIKE '%_data'"), ["u_data"]);
    assert_eq!(rows(&conn, "SELECT count(*) FROM u"), ["3"]);
    conn.execute_batch("DROP TABLE u").unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM sqlite_schema"), ["0"]);
    // The names are free again.
    conn.execute_batch("CREATE VIRTUAL TABLE u USING kv; INSERT INTO u VALUES ('x', 1);").unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM u"), ["x|1"]);
}

#[test]
fn rollback_undoes_kv_writes_and_a_savepoint_undoes_only_its_part() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_kv(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('a', 1), ('b', 2);").unwrap();
    conn.execute_batch("BEGIN; INSERT INTO t VALUES ('c', 3); UPDATE t SET value = 0; DELETE FROM t WHERE key = 'a'; ROLLBACK;").unwrap();
    assert_eq!(rows(&conn, "SELECT rowid, key, value FROM t"), ["1|a|1", "2|b|2"]);
    assert_eq!(rows(&conn, "SELECT id, key, value FROM t_data"), ["1|a|1", "2|b|2"]);

    conn.execute_batch(
        "BEGIN; INSERT INTO t VALUES ('c', 3);
         SAVEPOINT s; INSERT INTO t VALUES ('d', 4); UPDATE t SET value = 0 WHERE key = 'a'; DELETE FROM t WHERE key = 'b';
         SAVEPOINT inner; INSERT INTO t VALUES ('e', 5); RELEASE inner;
         ROLLBACK TO s; INSERT INTO t VALUES ('f', 6); RELEASE s; COMMIT;",
    )
    .unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM t ORDER BY key"), ["a|1", "b|2", "c|3", "f|6"]);
    // A failing statement inside a transaction leaves the transaction's earlier writes.
    conn.execute_batch("BEGIN; INSERT INTO t VALUES ('g', 7);").unwrap();
    assert_eq!(error(&conn, "INSERT INTO t VALUES ('a', 'again')"), "UNIQUE constraint failed: t_data.key");
    conn.execute_batch("COMMIT").unwrap();
    assert_eq!(rows(&conn, "SELECT key, value FROM t WHERE key IN ('a', 'g') ORDER BY key"), ["a|1", "g|7"]);
}

/// The child process of the test below: writes to `kv` in a transaction big enough to spill
/// into the database file, says so on stdout, and waits to be killed.
#[test]
#[ignore = "run by a_killed_writer_leaves_the_shadow_table_as_the_journal_restores_it"]
fn killed_writer_child() {
    let db = std::env::var("KV_KILLED_WRITER_DB").expect("run by the test that kills it");
    let (conn, _extensions) = open(Path::new(&db));
    conn.execute_batch(
        "PRAGMA cache_size = 5; BEGIN;
         INSERT INTO t SELECT 'lost-' || value, zeroblob(2000) FROM t;
         UPDATE t SET value = 'changed' WHERE key LIKE 'kept-%';",
    )
    .unwrap();
    println!("in transaction");
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn a_killed_writer_leaves_the_shadow_table_as_the_journal_restores_it() {
    let (_dir, db) = temp_db();
    {
        let (conn, _extensions) = open(&db);
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING kv;
             WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
             INSERT INTO t SELECT 'kept-' || i, i FROM s;",
        )
        .unwrap();
    }
    let size_before = std::fs::metadata(&db).unwrap().len();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "killed_writer_child", "--ignored", "--nocapture", "--test-threads", "1"])
        .env("KV_KILLED_WRITER_DB", &db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // libtest prints the test's name on the same line first.
    let said = lines.find(|line| line.as_ref().is_ok_and(|line| line.ends_with("in transaction")));
    assert!(said.is_some(), "the child did not reach its transaction");
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    assert!(journal.exists(), "the transaction should have a journal");
    assert!(std::fs::metadata(&db).unwrap().len() > size_before, "the cache should have spilled into the file");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(journal.exists(), "the killed writer's journal is hot");

    // The next connection rolls the journal back: the shadow table is as committed.
    let (conn, _extensions) = open(&db);
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), ["ok"]);
    assert_eq!(rows(&conn, "SELECT count(*), sum(value) FROM t"), ["300|45150"]);
    assert_eq!(rows(&conn, "SELECT count(*) FROM t_data WHERE key NOT LIKE 'kept-%' OR value = 'changed'"), ["0"]);
    assert_eq!(rows(&conn, "SELECT value FROM t WHERE key = 'kept-150'"), ["150"]);
    conn.execute_batch("INSERT INTO t VALUES ('after', 1)").unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["301"]);
}

#[test]
fn point_lookups_use_the_key_and_an_order_by_key_is_not_sorted_again() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_kv(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('b', 2), ('a', 1), ('c', 3);").unwrap();
    let lookup = plan(&conn, "SELECT value FROM t WHERE key = 'b'");
    assert!(lookup.contains("SCAN t VIRTUAL TABLE INDEX 1:key=?"), "{lookup}");
    assert_eq!(rows(&conn, "SELECT value FROM t WHERE key = 'b'"), ["2"]);
    // A constraint on value is not the extension's: SQLite checks it on a scan.
    let scan = plan(&conn, "SELECT key FROM t WHERE value = 2");
    assert!(scan.contains("SCAN t VIRTUAL TABLE INDEX 0:"), "{scan}");
    for (order, index) in [("key", "2:key asc"), ("key DESC", "3:key desc"), ("key, value", "2:key asc")] {
        let sorted = plan(&conn, &format!("SELECT key FROM t ORDER BY {order}"));
        assert!(sorted.contains(&format!("INDEX {index}")), "{sorted}");
        assert!(!sorted.contains("USE TEMP B-TREE FOR ORDER BY"), "{sorted}");
    }
    assert_eq!(rows(&conn, "SELECT key FROM t ORDER BY key DESC"), ["c", "b", "a"]);
    // An order the extension does not give is sorted by SQLite.
    let by_value = plan(&conn, "SELECT key FROM t ORDER BY value");
    assert!(by_value.contains("USE TEMP B-TREE FOR ORDER BY"), "{by_value}");
    assert_eq!(rows(&conn, "SELECT key FROM t ORDER BY value DESC"), ["c", "b", "a"]);
}

/// A small deterministic generator (no dependency): the same rows every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// The same writes into `kv` and into a native table with the same constraints, then the same
/// queries of both: scans span many pages, in each order.
#[test]
fn kv_answers_as_a_native_table_with_the_same_writes() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_kv(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; CREATE TABLE n(key TEXT NOT NULL UNIQUE, value);").unwrap();
    let mut random = Lcg(7);
    for step in 0..1500 {
        let key = format!("k{}", random.next(900));
        let value = match random.next(4) {
            0 => rusqlite::types::Value::Null,
            1 => rusqlite::types::Value::Integer(random.next(1000) as i64 - 500),
            2 => rusqlite::types::Value::Real(random.next(1000) as f64 / 8.0),
            _ => rusqlite::types::Value::Text(format!("v{step}")),
        };
        let sql = match random.next(6) {
            0 => "DELETE FROM {} WHERE key = ?1",
            1 => "UPDATE {} SET value = ?2 WHERE key = ?1",
            // kv cannot honour an ON CONFLICT clause (see README): insert only absent keys.
            _ => "INSERT INTO {} SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM {} WHERE key = ?1)",
        };
        for table in ["t", "n"] {
            let sql = sql.replace("{}", table);
            let params: &[&dyn rusqlite::ToSql] = if sql.contains("?2") { &[&key, &value] } else { &[&key] };
            conn.execute(&sql, params).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    for query in [
        "SELECT key, value FROM {} ORDER BY key",
        "SELECT key, value FROM {} ORDER BY key DESC",
        "SELECT key, typeof(value) FROM {} ORDER BY value, key",
        "SELECT count(*), sum(length(key)), total(value) FROM {}",
        "SELECT value FROM {} WHERE key = 'k17'",
        "SELECT value FROM {} WHERE key = 'k17' OR key = 'k400'",
        "SELECT key FROM {} WHERE key > 'k5' AND key < 'k6' ORDER BY key",
        "SELECT a.key FROM {} a JOIN {} b ON a.key = b.key WHERE b.value IS NOT NULL ORDER BY a.key",
    ] {
        let kv = rows(&conn, &query.replace("{}", "t"));
        let native = rows(&conn, &query.replace("{}", "n"));
        assert_eq!(kv, native, "{query}");
    }
    assert!(rows(&conn, "SELECT count(*) FROM t")[0].parse::<i64>().unwrap() > 300, "the scans span pages");
}

#[test]
fn bad_input_gets_one_clear_error_and_the_session_goes_on() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_kv(&conn);
    assert_eq!(error(&conn, "CREATE VIRTUAL TABLE w USING kv(x, y = 1)"), "kv takes no arguments, not (x, y = 1)");
    conn.execute_batch("CREATE TABLE taken_data(x)").unwrap();
    assert_eq!(error(&conn, "CREATE VIRTUAL TABLE taken USING kv"), "table \"taken_data\" already exists");
    assert_eq!(rows(&conn, "SELECT name FROM sqlite_schema"), ["taken_data"]);
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('a', 1);").unwrap();
    assert_eq!(error(&conn, "INSERT INTO t VALUES ('a', 2)"), "UNIQUE constraint failed: t_data.key");
    assert_eq!(error(&conn, "INSERT INTO t VALUES (NULL, 2)"), "NOT NULL constraint failed: t_data.key");
    assert_eq!(error(&conn, "INSERT INTO t(rowid, key) VALUES (1, 'b')"), "UNIQUE constraint failed: t_data.id");
    assert_eq!(rows(&conn, "SELECT key, value FROM t"), ["a|1"]);
}

/// kv's writes are SQL on the connection, so the hooks of another extension on it hear them
/// as writes to the shadow table, in order, beside commits and rollbacks.
#[test]
fn hooks_hear_the_writes_kv_makes_in_its_shadow_table() {
    let conn = Connection::open_in_memory().unwrap();
    let mut extensions = load_kv(&conn);
    let listener = std::fs::read(test_extension("connection")).unwrap();
    extensions.load(&conn, &listener, Sandbox::default(), "connection.wasm").unwrap();
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv").unwrap();
    let _ = rows(&conn, "SELECT hooks_heard()");
    conn.execute_batch(
        "BEGIN; INSERT INTO t VALUES ('a', 1), ('b', 2); UPDATE t SET value = 3 WHERE key = 'a'; COMMIT;
         BEGIN; DELETE FROM t WHERE key = 'b'; ROLLBACK;",
    )
    .unwrap();
    let heard = rows(&conn, "SELECT hooks_heard()").join("\n");
    assert_eq!(
        heard.split('\n').collect::<Vec<_>>(),
        ["insert main.t_data 1", "insert main.t_data 2", "update main.t_data 1", "commit", "delete main.t_data 2", "rollback"]
    );
}

/// The statement's ON CONFLICT mode (contract 0.4.0's `connection.on-conflict`): kv answers
/// INSERT and UPDATE with OR IGNORE, OR REPLACE and OR ABORT (the default) as a native table
/// with a unique key does, statement for statement.
#[test]
fn conflict_modes_are_honoured_as_in_a_native_table() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_kv(&conn);
    conn.execute_batch("CREATE VIRTUAL TABLE t USING kv; CREATE TABLE n(key TEXT NOT NULL UNIQUE, value);").unwrap();
    let script = [
        "INSERT INTO {t} VALUES ('a', 1), ('b', 2)",
        "INSERT INTO {t} VALUES ('a', 9)",
        "INSERT OR IGNORE INTO {t} VALUES ('a', 9), ('c', 3)",
        "INSERT OR REPLACE INTO {t} VALUES ('a', 10)",
        "REPLACE INTO {t} VALUES ('b', 20), ('d', 4)",
        "UPDATE OR IGNORE {t} SET key = 'a' WHERE key = 'c'",
        "UPDATE OR REPLACE {t} SET key = 'a' WHERE key = 'd'",
        "INSERT INTO {t} VALUES ('e', 5)",
        "INSERT OR ABORT INTO {t} VALUES ('g', 7), ('a', 0)",
        "UPDATE {t} SET key = 'b' WHERE key = 'e'",
    ];
    for statement in script {
        let on = |table: &str| {
            let outcome = conn.execute_batch(&statement.replace("{t}", table)).map_err(|e| {
                let message = e.to_string();
                message.contains("UNIQUE constraint failed") || message.contains("constraint")
            });
            let rows = rows(&conn, &format!("SELECT rowid, key, value FROM {table} ORDER BY key"));
            (outcome, rows)
        };
        assert_eq!(on("t"), on("n"), "{statement}");
    }
    assert_eq!(rows(&conn, "SELECT key, value FROM t ORDER BY key"), ["a|4", "b|20", "c|3", "e|5"]);
    // OR FAIL keeps a native table's rows written before the failing one, and OR ROLLBACK ends
    // the transaction; a virtual table's constraint error ends its statement as ABORT does
    // (SQLite's rule for a module that does not declare SQLITE_VTAB_CONSTRAINT_SUPPORT, which
    // the contract has no way to declare).
    assert!(sql_error(&conn, "INSERT OR FAIL INTO t VALUES ('f', 6), ('a', 0)").contains("UNIQUE constraint failed"));
    assert_eq!(rows(&conn, "SELECT count(*) FROM t WHERE key = 'f'"), ["0"]);
}

/// The same cases in the `sqlink` REPL, where SQLite runs inside the runtime and kv's SQL is
/// run there on its behalf (`dispatch`'s requests).
mod repl {
    use std::path::Path;

    use super::common::{self, Session, test_extension};
    use super::{Lcg, temp_db};

    fn load() -> String {
        format!(".load {}", test_extension("kv").display())
    }

    /// A session on `db` with kv loaded.
    fn session(db: &Path) -> Session {
        let mut session = Session::start(db);
        assert_eq!(session.run(&load()), Vec::<String>::new());
        session
    }

    #[test]
    fn rollback_undoes_kv_writes_and_a_savepoint_undoes_only_its_part() {
        let (_dir, db) = temp_db();
        let mut repl = session(&db);
        let quiet = |repl: &mut Session, sql: &str| assert_eq!(repl.run(sql), Vec::<String>::new(), "{sql}");
        quiet(&mut repl, "CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('a', 1), ('b', 2);");
        quiet(&mut repl, "BEGIN; INSERT INTO t VALUES ('c', 3); UPDATE t SET value = 0; DELETE FROM t WHERE key = 'a'; ROLLBACK;");
        assert_eq!(repl.run("SELECT rowid, key, value FROM t;"), ["1|a|1", "2|b|2"]);
        quiet(
            &mut repl,
            "BEGIN; INSERT INTO t VALUES ('c', 3);
             SAVEPOINT s; INSERT INTO t VALUES ('d', 4); UPDATE t SET value = 0 WHERE key = 'a'; DELETE FROM t WHERE key = 'b';
             SAVEPOINT inner; INSERT INTO t VALUES ('e', 5); RELEASE inner;
             ROLLBACK TO s; INSERT INTO t VALUES ('f', 6); RELEASE s; COMMIT;",
        );
        assert_eq!(repl.run("SELECT key, value FROM t ORDER BY key;"), ["a|1", "b|2", "c|3", "f|6"]);
        // A failing statement inside a transaction leaves the transaction's earlier writes.
        quiet(&mut repl, "BEGIN; INSERT INTO t VALUES ('g', 7);");
        quiet(&mut repl, "INSERT INTO t VALUES ('a', 'again');");
        quiet(&mut repl, "COMMIT;");
        let run = repl.finish("SELECT key, value FROM t WHERE key IN ('a', 'g') ORDER BY key;");
        assert_eq!(run.stdout, "a|1\ng|7\n");
        assert!(run.stderr.contains("UNIQUE constraint failed: t_data.key"), "{}", run.stderr);
        // The rows are in the file's shadow table, as native SQLite reads it.
        let conn = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(common::rows(&conn, "SELECT id, key, value FROM t_data ORDER BY id"), ["1|a|1", "2|b|2", "3|c|3", "4|f|6", "5|g|7"]);
    }

    /// The statement's ON CONFLICT mode reaches kv's update through the runtime's requests:
    /// kv and a native table with a unique key end each statement with the same rows.
    #[test]
    fn conflict_modes_are_honoured_as_in_a_native_table() {
        let (_dir, db) = temp_db();
        let mut repl = session(&db);
        assert!(repl.run("CREATE VIRTUAL TABLE t USING kv; CREATE TABLE n(key TEXT NOT NULL UNIQUE, value);").is_empty());
        let script = [
            "INSERT INTO {t} VALUES ('a', 1), ('b', 2);",
            "INSERT INTO {t} VALUES ('a', 9);",
            "INSERT OR IGNORE INTO {t} VALUES ('a', 9), ('c', 3);",
            "INSERT OR REPLACE INTO {t} VALUES ('a', 10);",
            "REPLACE INTO {t} VALUES ('b', 20), ('d', 4);",
            "UPDATE OR IGNORE {t} SET key = 'a' WHERE key = 'c';",
            "UPDATE OR REPLACE {t} SET key = 'a' WHERE key = 'd';",
            "INSERT INTO {t} VALUES ('e', 5);",
            "INSERT OR ABORT INTO {t} VALUES ('g', 7), ('a', 0);",
            "UPDATE {t} SET key = 'b' WHERE key = 'e';",
        ];
        for statement in script {
            let mut on = |table: &str| {
                let printed = repl.run(&statement.replace("{t}", table));
                let rows = repl.run(&format!("SELECT rowid, key, value FROM {table} ORDER BY key;"));
                (printed, rows)
            };
            let kv = on("t");
            assert_eq!(kv, on("n"), "{statement}");
        }
        assert_eq!(repl.run("SELECT key, value FROM t ORDER BY key;"), ["a|4", "b|20", "c|3", "e|5"]);
        let run = repl.finish("INSERT INTO t VALUES ('a', 0);");
        assert_eq!(run.stderr.matches("UNIQUE constraint failed: t_data.key").count(), 4, "{}", run.stderr);
    }

    #[test]
    fn point_lookups_use_the_key_and_an_order_by_key_is_not_sorted_again() {
        let (_dir, db) = temp_db();
        let mut repl = session(&db);
        assert!(repl.run("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('b', 2), ('a', 1), ('c', 3);").is_empty());
        let lookup = repl.run("EXPLAIN QUERY PLAN SELECT value FROM t WHERE key = 'b';").join("\n");
        assert!(lookup.contains("SCAN t VIRTUAL TABLE INDEX 1:key=?"), "{lookup}");
        assert_eq!(repl.run("SELECT value FROM t WHERE key = 'b';"), ["2"]);
        let sorted = repl.run("EXPLAIN QUERY PLAN SELECT key FROM t ORDER BY key;").join("\n");
        assert!(sorted.contains("INDEX 2:key asc") && !sorted.contains("USE TEMP B-TREE"), "{sorted}");
        assert_eq!(repl.run("SELECT key FROM t ORDER BY key DESC;"), ["c", "b", "a"]);
    }

    /// `kill -9` of the sqlink process in the middle of a transaction on kv: the next session
    /// rolls the hot journal back, and the shadow table is as committed.
    #[test]
    fn a_killed_sqlink_leaves_the_shadow_table_as_the_journal_restores_it() {
        let (_dir, db) = temp_db();
        let mut repl = session(&db);
        let filled = repl.run(
            "CREATE VIRTUAL TABLE t USING kv;
             WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
             INSERT INTO t SELECT 'kept-' || i, i FROM s;",
        );
        assert!(filled.is_empty(), "{filled:?}");
        assert_eq!(repl.finish("").code, 0);
        let size_before = std::fs::metadata(&db).unwrap().len();

        let mut writer = session(&db);
        let written = writer.run(
            "PRAGMA cache_size = 5; BEGIN;
             INSERT INTO t SELECT 'lost-' || value, zeroblob(2000) FROM t;
             UPDATE t SET value = 'changed' WHERE key LIKE 'kept-%';",
        );
        assert!(written.is_empty(), "{written:?}");
        let journal = std::path::PathBuf::from(format!("{}-journal", db.display()));
        assert!(journal.exists(), "the transaction should have a journal");
        assert!(std::fs::metadata(&db).unwrap().len() > size_before, "the cache should have spilled into the file");
        writer.kill(); // SIGKILL
        assert!(journal.exists(), "the killed session's journal is hot");

        let mut repl = session(&db);
        assert_eq!(repl.run("PRAGMA integrity_check;"), ["ok"]);
        assert_eq!(repl.run("SELECT count(*), sum(value) FROM t;"), ["300|45150"]);
        assert_eq!(repl.run("SELECT count(*) FROM t_data WHERE key NOT LIKE 'kept-%' OR value = 'changed';"), ["0"]);
        assert_eq!(repl.run("INSERT INTO t VALUES ('after', 1); SELECT count(*) FROM t;"), ["301"]);
        assert_eq!(common::integrity(&db), "ok");
    }

    /// The same generated writes into kv and into a native table in one REPL session, then
    /// the same queries of both.
    #[test]
    fn kv_answers_as_a_native_table_with_the_same_writes() {
        let (_dir, db) = temp_db();
        let mut random = Lcg(11);
        let mut script = String::from("CREATE VIRTUAL TABLE t USING kv; CREATE TABLE n(key TEXT NOT NULL UNIQUE, value);\n");
        for step in 0..600 {
            let key = format!("'k{}'", random.next(400));
            let value = match random.next(4) {
                0 => String::from("NULL"),
                1 => (random.next(1000) as i64 - 500).to_string(),
                2 => format!("{:.3}", random.next(1000) as f64 / 8.0),
                _ => format!("'v{step}'"),
            };
            let sql = match random.next(6) {
                0 => format!("DELETE FROM {{}} WHERE key = {key};"),
                1 => format!("UPDATE {{}} SET value = {value} WHERE key = {key};"),
                _ => format!("INSERT INTO {{}} SELECT {key}, {value} WHERE NOT EXISTS (SELECT 1 FROM {{}} WHERE key = {key});"),
            };
            for table in ["t", "n"] {
                script.push_str(&sql.replace("{}", table));
                script.push('\n');
            }
        }
        let mut repl = session(&db);
        assert_eq!(repl.run(&script), Vec::<String>::new());
        for query in [
            "SELECT key, value FROM {} ORDER BY key;",
            "SELECT key, value FROM {} ORDER BY key DESC;",
            "SELECT key, typeof(value) FROM {} ORDER BY value, key;",
            "SELECT count(*), sum(length(key)), total(value) FROM {};",
            "SELECT value FROM {} WHERE key = 'k17' OR key = 'k200';",
            "SELECT a.key FROM {} a JOIN {} b ON a.key = b.key WHERE b.value IS NOT NULL ORDER BY a.key;",
        ] {
            let kv = repl.run(&query.replace("{}", "t"));
            let native = repl.run(&query.replace("{}", "n"));
            assert_eq!(kv, native, "{query}");
        }
        let count: usize = repl.run("SELECT count(*) FROM t;")[0].parse().unwrap();
        assert!(count > 150, "the scans span pages: {count} rows");
    }
}
