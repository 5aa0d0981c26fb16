//! The `define` example (extensions/define) in a native SQLite through `embed`: functions and
//! table-valued functions written in SQL, defined at run time (contract 0.5.0's
//! `connection.create-sql-function`, so that they may call one another) and kept in the
//! database's `sqlean_define` table.

mod common;

use std::path::Path;

use common::{rows, sql_error as error};
use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::ExtensionEngine;

/// The bundled define, loaded into `conn`.
fn load_define(conn: &Connection) -> Extensions {
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
    let bytes = embedded::extension("define").expect("built by `cargo xtask build`");
    extensions.load(conn, bytes, embedded::sandbox("define"), "bundled").unwrap();
    extensions
}

/// `path`, with define loaded.
fn open(path: &Path) -> (Connection, Extensions) {
    let conn = Connection::open(path).unwrap();
    let extensions = load_define(&conn);
    (conn, extensions)
}

#[test]
fn functions_are_defined_called_kept_and_undefined() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("define.db");
    {
        let (conn, _extensions) = open(&db);
        conn.execute_batch("SELECT define('sumn', ':n * (:n + 1) / 2'); SELECT define('joined', ':a || ''-'' || :b || ''-'' || :a');")
            .unwrap();
        assert_eq!(rows(&conn, "SELECT sumn(5), sumn(100), joined('x', 2)"), ["15|5050|x-2-x"]);
        assert_eq!(
            rows(&conn, "SELECT name, type, body FROM sqlean_define ORDER BY name"),
            ["joined|scalar|:a || '-' || :b || '-' || :a", "sumn|scalar|:n * (:n + 1) / 2"]
        );
        // Functions of the connection's own tables and SQLite's functions work in a body.
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2); SELECT define('scaled', '(SELECT sum(x) * :k FROM t)');")
            .unwrap();
        assert_eq!(rows(&conn, "SELECT scaled(10), typeof(scaled(NULL))"), ["30|null"]);
    }
    {
        // Reopened: the definitions come back at the first call of the extension.
        let (conn, _extensions) = open(&db);
        conn.execute_batch("SELECT define_free()").unwrap();
        assert_eq!(rows(&conn, "SELECT sumn(3), joined('a', 'b')"), ["6|a-b-a"]);
        conn.execute_batch("SELECT undefine('sumn')").unwrap();
        assert!(error(&conn, "SELECT sumn(3)").contains("sumn"), "undefined");
        assert_eq!(rows(&conn, "SELECT name FROM sqlean_define ORDER BY name"), ["joined", "scaled"]);
        // Defined again once gone, with another arity.
        conn.execute_batch("SELECT define('sumn', ':a + :b')").unwrap();
        assert_eq!(rows(&conn, "SELECT sumn(3, 4)"), ["7"]);
    }
}

#[test]
fn bad_input_is_one_clear_error() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_define(&conn);
    conn.execute_batch("SELECT define('f', ':x + 1')").unwrap();
    let cases = [
        ("SELECT define('bad', 'selec 1 +')", "define(bad): the body does not compile"),
        ("SELECT define('two', '1, 2')", "define(two): the body must be one SQL expression, not 2 values"),
        ("SELECT define('many', '1; SELECT 2')", "not several statements"),
        ("SELECT f(1, 2)", "wrong number of arguments to function f()"),
        ("SELECT define('f', ':y')", "define(f): a function of that name is defined already; undefine('f')"),
        ("SELECT define('abs', ':x')", "cannot define abs(): the connection has a function of that name"),
        ("SELECT define('', '1')", "define: a function needs a name"),
        ("SELECT define('g')", "wrong number of arguments to function define()"),
        ("CREATE VIRTUAL TABLE v USING define(SELECT 1)", "must be in parentheses"),
        ("CREATE VIRTUAL TABLE v USING define((selec 1))", "define: the query does not compile"),
        ("CREATE VIRTUAL TABLE v USING define", "takes one query in parentheses"),
    ];
    for (sql, expected) in cases {
        let message = error(&conn, sql);
        assert!(message.contains(expected), "{sql}: {message}");
    }
    // The session goes on, and nothing of the refused ones was kept.
    assert_eq!(rows(&conn, "SELECT f(1), (SELECT group_concat(name) FROM sqlean_define)"), ["2|f"]);
}

/// A function calling another.
const NESTED: &str = "SELECT define('f1', ':x + 1');\nSELECT define('f2', 'f1(:x) * 2');";

/// `depth` functions each calling the one before: `chain{depth}(0)` nests `depth` + 1 calls.
fn chain(depth: usize) -> String {
    let mut sql = String::from("SELECT define('chain0', ':x');\n");
    for level in 1..=depth {
        sql += &format!("SELECT define('chain{level}', 'chain{}(:x) + 1');\n", level - 1);
    }
    sql
}

/// Deeper than any host need give (the contract promises 16 levels; the bridge gives 24).
const TOO_DEEP: usize = 40;

/// Defined functions call one another (contract 0.5.0: their bodies are SQL the host runs, not
/// calls into the extension); nesting too deep is one error.
#[test]
fn nested_definitions() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = load_define(&conn);
    conn.execute_batch(NESTED).unwrap();
    assert_eq!(rows(&conn, "SELECT f2(3)"), ["8"]);
    conn.execute_batch(&chain(TOO_DEEP)).unwrap();
    assert_eq!(rows(&conn, "SELECT chain10(1)"), ["11"]);
    let deep = error(&conn, &format!("SELECT chain{TOO_DEEP}(0)"));
    assert_eq!(deep.matches("nested more than").count(), 1, "{deep}");
    // The connection goes on.
    assert_eq!(rows(&conn, "SELECT f2(0), chain3(0)"), ["2|3"]);
}

#[test]
fn table_valued_functions_take_their_parameters_as_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tables.db");
    {
        let (conn, _extensions) = open(&db);
        conn.execute_batch(
            "CREATE VIRTUAL TABLE strcut USING define((SELECT substr(:s, :start, :len) AS part));
             CREATE VIRTUAL TABLE upto USING define((WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < :n) SELECT v, v * v AS sq FROM c));",
        )
        .unwrap();
        assert_eq!(rows(&conn, "SELECT * FROM strcut('hello', 2, 3)"), ["ell"]);
        assert_eq!(rows(&conn, "SELECT part, s FROM strcut WHERE s = 'abcdef' AND start = 2 AND len = 2"), ["bc|abcdef"]);
        assert_eq!(rows(&conn, "SELECT sum(sq) FROM upto(4)"), ["30"]);
        // A lateral join: the argument comes from the table before.
        conn.execute_batch("CREATE TABLE n(k); INSERT INTO n VALUES (2), (3);").unwrap();
        assert_eq!(rows(&conn, "SELECT k, count(*) FROM n, upto(n.k) GROUP BY k ORDER BY k"), ["2|2", "3|3"]);
        assert_eq!(rows(&conn, "SELECT name, type FROM sqlean_define ORDER BY name"), ["strcut|table", "upto|table"]);
    }
    {
        let (conn, _extensions) = open(&db);
        assert_eq!(rows(&conn, "SELECT v FROM upto(3)"), ["1", "2", "3"]);
        conn.execute_batch("DROP TABLE strcut").unwrap();
        assert_eq!(rows(&conn, "SELECT name FROM sqlean_define"), ["upto"]);
        assert!(error(&conn, "SELECT undefine('upto')").contains("it is a table; DROP TABLE"));
    }
}

/// The same in the `sqlink` REPL, where SQLite runs inside the runtime: a function is defined
/// through the runtime's requests and its calls come back to the extension through `dispatch`.
mod repl {
    use std::path::Path;

    use super::common::{self, Run};

    /// A script on the database file `db`, with the bundled define loaded first.
    fn script(db: &Path, sql: &str) -> Run {
        common::sqlink_in(db.parent().unwrap(), &[db.to_str().unwrap()], &(String::from(".load define\n") + sql))
    }

    #[test]
    fn functions_and_tables_are_defined_called_kept_and_undefined() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("define.db");
        let run = script(
            &db,
            "SELECT define('sumn', ':n * (:n + 1) / 2');
             SELECT sumn(5), sumn(100);
             CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);
             SELECT define('scaled', '(SELECT sum(x) * :k FROM t)');
             SELECT scaled(10), typeof(scaled(NULL));
             CREATE VIRTUAL TABLE upto USING define((WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < :n) SELECT v, v * v AS sq FROM c));
             SELECT sum(sq) FROM upto(4);
             SELECT name, type FROM sqlean_define ORDER BY name;\n",
        );
        assert_eq!(run.stderr, "");
        assert_eq!(run.stdout, "\n15|5050\n\n30|null\n30\nscaled|scalar\nsumn|scalar\nupto|table\n");
        // Reopened: define_free() loads the definitions; undefine removes one at once.
        let run = script(
            &db,
            "SELECT define_free();
             SELECT sumn(3), scaled(1);
             SELECT v FROM upto(3);
             SELECT undefine('sumn');
             SELECT sumn(3);
             SELECT define('sumn', ':a + :b');
             SELECT sumn(3, 4);
             SELECT name FROM sqlean_define ORDER BY name;\n",
        );
        let errors: Vec<&str> = run.stderr.lines().filter(|line| line.contains(" near line ")).collect();
        assert!(errors.len() == 1 && errors[0].contains("sumn"), "{}", run.stderr);
        assert_eq!(run.stdout, "\n6|3\n1\n2\n3\n\n\n7\nscaled\nsumn\nupto\n");
        // The definitions are rows of the file, as native SQLite reads it.
        let conn = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(
            common::rows(&conn, "SELECT name, body FROM sqlean_define WHERE type = 'scalar' ORDER BY name"),
            ["scaled|(SELECT sum(x) * :k FROM t)", "sumn|:a + :b"]
        );
    }

    /// Defined functions call one another in the REPL too, where the runtime
    /// runs their bodies (on its wasm stack); too deep is one error, and the session goes on.
    /// Reopened, the definitions come back in an order that compiles.
    #[test]
    fn nested_definitions() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("nested.db");
        let deep = super::TOO_DEEP;
        let sql = format!("{}\nSELECT f2(3);\n{}SELECT chain{deep}(0);\nSELECT f2(0), chain3(0);\n", super::NESTED, super::chain(deep));
        let run = script(&db, &sql);
        assert_eq!(run.stdout, format!("\n\n8\n{}2|3\n", "\n".repeat(deep + 1)));
        let errors: Vec<&str> = run.stderr.lines().filter(|line| line.contains(" near line ")).collect();
        assert!(errors.len() == 1 && errors[0].matches("nested more than").count() == 1, "{}", run.stderr);
        let run = script(&db, "SELECT define_free();\nSELECT f2(3), chain10(1);\n");
        assert_eq!(run.stderr, "");
        assert_eq!(run.stdout, "\n8|11\n");
    }

    /// Each misuse is one clear error, and the session goes on with what was defined.
    #[test]
    fn bad_input_is_one_clear_error_and_the_session_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bad.db");
        let cases = [
            ("SELECT define('bad', 'selec 1 +');", "define(bad): the body does not compile"),
            ("SELECT define('many', '1; SELECT 2');", "not several statements"),
            ("SELECT f(1, 2);", "wrong number of arguments to function f()"),
            ("SELECT define('f', ':y');", "define(f): a function of that name is defined already; undefine('f')"),
            ("SELECT define('abs', ':x');", "cannot define abs(): the connection has a function of that name"),
            ("SELECT define('', '1');", "define: a function needs a name"),
            ("CREATE VIRTUAL TABLE v USING define((selec 1));", "define: the query does not compile"),
            ("CREATE VIRTUAL TABLE v USING define;", "takes one query in parentheses"),
        ];
        let mut sql = String::from("SELECT define('f', ':x + 1');\n");
        for (case, _) in cases {
            sql += case;
            sql += "\n";
        }
        sql += "SELECT f(1), (SELECT group_concat(name) FROM sqlean_define);\n";
        let run = script(&db, &sql);
        assert_eq!(run.stdout, "\n2|f\n");
        // One error each (a parse error's report goes on with the statement and a caret).
        let errors: Vec<&str> = run.stderr.lines().filter(|line| line.contains(" near line ")).collect();
        assert_eq!(errors.len(), cases.len(), "{}", run.stderr);
        for ((case, expected), error) in cases.iter().zip(errors) {
            assert!(error.contains(expected), "{case}: {error}");
        }
    }
}
