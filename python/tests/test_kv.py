"""The `kv` example (extensions/kv) in Python's sqlite3 through libsqlink: a writable virtual
table whose rows live in its shadow table NAME_data, inside SQLite's transactions."""

import sqlite3
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import sqlink

REPOSITORY = Path(__file__).resolve().parents[2]
KV = str(REPOSITORY / "target" / "wasm" / "test" / "kv.wasm")

# The writer the kill test kills: a transaction that spills into the database file.
KILLED_WRITER = """
import sqlite3, sys, time
import sqlink
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
sqlink.load(conn, sys.argv[2])
conn.executescript(
    "PRAGMA cache_size = 5; BEGIN;"
    "INSERT INTO t SELECT 'lost-' || value, zeroblob(2000) FROM t;"
    "UPDATE t SET value = 'changed' WHERE key LIKE 'kept-%';"
)
print("in transaction", flush=True)
time.sleep(600)
"""


def connect(path=":memory:"):
    conn = sqlite3.connect(path, isolation_level=None)
    sqlink.load(conn, KV)
    return conn


def rows(conn, sql):
    return conn.execute(sql).fetchall()


class Kv(unittest.TestCase):
    def test_a_reopened_database_has_its_rows(self):
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "kv.db")
            conn = connect(path)
            conn.executescript("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('b', 2), ('a', 'one');")
            conn.close()
            conn = connect(path)
            self.assertEqual(rows(conn, "SELECT key, value FROM t ORDER BY key"), [("a", "one"), ("b", 2)])
            conn.execute("ALTER TABLE t RENAME TO u")
            self.assertEqual(rows(conn, "SELECT name FROM sqlite_schema WHERE name LIKE '%data'"), [("u_data",)])
            conn.execute("DROP TABLE u")
            self.assertEqual(rows(conn, "SELECT count(*) FROM sqlite_schema"), [(0,)])
            conn.close()

    def test_rollback_and_savepoints(self):
        conn = connect()
        conn.executescript("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('a', 1), ('b', 2);")
        conn.executescript("BEGIN; INSERT INTO t VALUES ('c', 3); DELETE FROM t WHERE key = 'a'; ROLLBACK;")
        self.assertEqual(rows(conn, "SELECT key, value FROM t ORDER BY key"), [("a", 1), ("b", 2)])
        conn.executescript(
            "BEGIN; INSERT INTO t VALUES ('c', 3); SAVEPOINT s; UPDATE t SET value = 0; INSERT INTO t VALUES ('d', 4);"
            "ROLLBACK TO s; RELEASE s; COMMIT;"
        )
        self.assertEqual(rows(conn, "SELECT key, value FROM t ORDER BY key"), [("a", 1), ("b", 2), ("c", 3)])

    def test_the_plan_uses_the_key_and_bad_input_is_one_clear_error(self):
        conn = connect()
        conn.executescript("CREATE VIRTUAL TABLE t USING kv; INSERT INTO t VALUES ('b', 2), ('a', 1);")
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT value FROM t WHERE key = 'b'"))
        self.assertIn("VIRTUAL TABLE INDEX 1:key=?", plan)
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT key FROM t ORDER BY key"))
        self.assertNotIn("USE TEMP B-TREE", plan)
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT key FROM t ORDER BY value"))
        self.assertIn("USE TEMP B-TREE FOR ORDER BY", plan)
        with self.assertRaisesRegex(sqlite3.Error, r"^kv takes no arguments, not \(1\)$"):
            conn.execute("CREATE VIRTUAL TABLE w USING kv(1)")
        with self.assertRaisesRegex(sqlite3.IntegrityError, r"^UNIQUE constraint failed: t_data\.key$"):
            conn.execute("INSERT INTO t VALUES ('a', 3)")
        self.assertEqual(rows(conn, "SELECT value FROM t WHERE key = 'a'"), [(1,)])

    def test_a_killed_writer_leaves_the_shadow_table_as_the_journal_restores_it(self):
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "kv.db")
            conn = connect(path)
            conn.executescript(
                "CREATE VIRTUAL TABLE t USING kv;"
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)"
                " INSERT INTO t SELECT 'kept-' || i, i FROM s;"
            )
            conn.close()
            writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, path, KV], stdout=subprocess.PIPE, text=True)
            try:
                self.assertEqual(writer.stdout.readline(), "in transaction\n")
                self.assertTrue(Path(path + "-journal").exists())
            finally:
                writer.kill()
                writer.wait()
                writer.stdout.close()
            self.assertTrue(Path(path + "-journal").exists(), "the killed writer's journal is hot")
            conn = connect(path)
            self.assertEqual(rows(conn, "PRAGMA integrity_check"), [("ok",)])
            self.assertEqual(rows(conn, "SELECT count(*), sum(value) FROM t"), [(300, 45150)])
            self.assertEqual(rows(conn, "SELECT value FROM t WHERE key = 'kept-7'"), [(7,)])
            conn.close()


if __name__ == "__main__":
    unittest.main()
