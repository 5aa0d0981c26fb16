"""An extension's SQL on its calling connection, and its hooks, through libsqlink in Python's
sqlite3 (test-extensions/connection, `sqlcaller`)."""

import sqlite3
import unittest
from pathlib import Path

import sqlink

REPOSITORY = Path(__file__).resolve().parents[2]
SQLCALLER = str(REPOSITORY / "target" / "wasm" / "test" / "connection.wasm")


def connect(**grants):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    sqlink.load(conn, SQLCALLER, **grants)
    conn.executescript("CREATE TABLE t(v); INSERT INTO t VALUES (1), (2), (3);")
    return conn


def one(conn, sql, *params):
    return conn.execute(sql, params).fetchone()[0]


class ConnectionImport(unittest.TestCase):
    def test_reads_and_writes_the_calling_connection(self):
        conn = connect()
        self.assertEqual(one(conn, "SELECT sql_value('SELECT count(*) FROM t WHERE v > ?', 1)"), 2)
        self.assertEqual(one(conn, "SELECT sql_write('INSERT INTO t VALUES (4)')"), "1/4")
        self.assertEqual(one(conn, "SELECT sql_rows('SELECT v FROM t WHERE v > 2')"), "v:3;4 again:3")
        self.assertEqual(one(conn, "SELECT group_concat(sql_value('SELECT ? + 1', v)) FROM t"), "2,3,4,5")

    def test_hostile_sql_is_refused_and_the_session_goes_on(self):
        conn = connect()
        for sql in ["ATTACH ':memory:' AS other", "DETACH main", "SELECT load_extension('x')", "SELECT sqlink_unload('sqlcaller')"]:
            with self.assertRaisesRegex(sqlite3.OperationalError, "may not ATTACH, DETACH or load extensions"):
                one(conn, "SELECT sql_value(?, NULL)", sql)
        self.assertEqual(one(conn, "SELECT sql_keep('SELECT v FROM t')"), 1)
        with self.assertRaisesRegex(sqlite3.OperationalError, "the statement was finalized"):
            one(conn, "SELECT sql_use_kept()")
        self.assertEqual(one(conn, "SELECT sql_value('SELECT max(v) FROM t', NULL)"), 3)

    def test_sql_past_the_time_limit_is_stopped(self):
        conn = connect(timeout_ms=300)
        endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        with self.assertRaisesRegex(sqlite3.OperationalError, "time limit"):
            one(conn, "SELECT sql_value(?, NULL)", endless)
        self.assertEqual(one(conn, "SELECT sql_value('SELECT count(*) FROM t', NULL)"), 3)

    def test_an_authorizer_python_sets_afterwards_stops_the_extensions_sql_clearly(self):
        conn = connect()
        seen = []
        conn.set_authorizer(lambda action, *args: seen.append(action) or sqlite3.SQLITE_OK)
        with self.assertRaisesRegex(sqlite3.OperationalError, "replaced sqlink's authorizer"):
            one(conn, "SELECT sql_value('SELECT 1', NULL)")
        # Python's authorizer is the one SQLite asks now.
        self.assertIn(sqlite3.SQLITE_SELECT, seen)


class Hooks(unittest.TestCase):
    def test_a_scripted_session_is_heard_in_order(self):
        conn = connect()
        one(conn, "SELECT hooks_heard()")
        conn.executescript(
            "BEGIN; INSERT INTO t VALUES (4); UPDATE t SET v = 0 WHERE rowid = 2; COMMIT;"
            "BEGIN; DELETE FROM t WHERE rowid = 1; ROLLBACK;"
            "CREATE TABLE sql_in_hook(x); INSERT INTO sql_in_hook VALUES (1);"
        )
        heard = one(conn, "SELECT hooks_heard()").split("\n")
        self.assertEqual(heard[:6], ["insert main.t 4", "update main.t 2", "commit", "delete main.t 1", "rollback", "commit"])
        self.assertRegex(heard[6], r"^insert main\.sql_in_hook 1 \(refused: an extension may run SQL only while SQLite calls")
        self.assertEqual(heard[7:], ["commit"])
        # Python's own callbacks on the same connection still fire beside them.
        traced = []
        conn.set_trace_callback(traced.append)
        conn.execute("INSERT INTO t VALUES (9)")
        self.assertEqual(one(conn, "SELECT hooks_heard()"), "insert main.t 5\ncommit")
        self.assertIn("INSERT INTO t VALUES (9)", traced)


if __name__ == "__main__":
    unittest.main()
