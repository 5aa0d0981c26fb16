//! The `define` example (extensions/define) in a native SQLite through `embed`: functions and
//! table-valued functions written in SQL, defined at run time (contract 0.4.0's
//! `connection.create-function`) and kept in the database's `sqlean_define` table.

mod common;

use std::path::Path;

use common::{embedded, rows, sql_error as error};
use rusqlite::Connection;
use sqlink_host::embed::Extensions;

fn load_define(conn: &Connection) -> Extensions {
    embedded(conn, "define")
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
        ("SELECT undefine('nosuch')", "undefine(nosuch): no function of that name is defined"),
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

/// The REPL runs an extension's SQL but does not define functions at run time yet, so
/// `define` fails there with that one clear error, and the session goes on.
#[test]
fn the_repl_refuses_define_with_one_clear_error() {
    let script = format!(".load {}\nSELECT define('f', ':x + 1');\nSELECT 1 + 1;\n", common::test_extension("define").display());
    let run = common::sqlink(&script);
    assert_eq!(run.stdout, "2\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 2: define: this host does not define functions at run time yet\n"
    );
}
