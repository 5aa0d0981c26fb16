"""Grants come from the program, not from the SQL it runs: Datasette's visitors, Python's
`sqlink.load`, Debian's sqlite3 shell (see "Who grants" in the README).

Datasette (from PyPI, pinned by `cargo xtask test`) is started on 127.0.0.1 with
`--load-extension` of libsqlink, as its users start it.
"""

import ctypes
import ctypes.util
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlink

HOSTILE = str(Path(__file__).resolve().parents[2] / "target" / "wasm" / "test" / "hostile.wasm")


def refusal(target, option, what=None):
    """The one error SQL gets when it asks for more than the sandbox's defaults."""
    return (
        f"sqlink_load(): SQL cannot grant {what or option} on this connection, only narrow the sandbox; the program grants it: "
        f"in Python sqlink.load(conn, '{target}', {option}=...), in C by enabling extension loading around its sqlink_load() "
        f"(sqlite3_enable_load_extension), for every connection SQLINK_AUTOLOAD='{target}?{option}=...'"
    )


def scratch(test):
    """A directory holding `note.txt`, removed after the test; its real path."""
    folder = Path(tempfile.mkdtemp(prefix="sqlink-grants-")).resolve()
    test.addCleanup(shutil.rmtree, folder, ignore_errors=True)
    (folder / "note.txt").write_text("granted")
    return folder


def one(conn, sql, *args):
    return conn.execute(sql, args).fetchone()[0]


class Datasette(unittest.TestCase):
    """A visitor's SQL in Datasette, which loads extensions only at start."""

    @classmethod
    def setUpClass(cls):
        datasette = Path(sys.executable).with_name("datasette")
        if not datasette.is_file():
            raise AssertionError("Datasette is not installed in this Python (cargo xtask test installs it)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            cls.port = probe.getsockname()[1]
        # One thread, so one connection serves every request: what a visitor loads, the
        # next query finds.
        command = [str(datasette), "serve", "--memory", "--host", "127.0.0.1", "--port", str(cls.port)]
        command += ["--load-extension", sqlink.loadable_path(), "--setting", "num_sql_threads", "1"]
        cls.server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{cls.port}/-/versions.json", timeout=5).read()
                break
            except OSError:
                if cls.server.poll() is not None or time.monotonic() > deadline:
                    cls.stop()
                    raise AssertionError(f"Datasette did not start: {cls.server.stderr.read()}") from None
                time.sleep(0.2)

    @classmethod
    def stop(cls):
        cls.server.terminate()
        try:
            cls.server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.communicate()

    @classmethod
    def tearDownClass(cls):
        cls.stop()

    def visit(self, sql):
        """What Datasette's JSON API answers a visitor's `sql`: ('rows', rows) or ('error', message)."""
        url = f"http://127.0.0.1:{self.port}/_memory.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"})
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return ("rows", [list(row.values()) for row in json.load(response)])
        except urllib.error.HTTPError as refused:
            return ("error", json.load(refused)["error"])

    def test_a_visitor_loads_an_extension_and_calls_it(self):
        self.assertEqual(self.visit("SELECT sqlink_load('md5')"), ("rows", [["md5"]]))
        self.assertEqual(self.visit("SELECT md5('a')"), ("rows", [["0cc175b9c0f1b6a831c399e269772661"]]))

    def test_a_visitor_cannot_grant(self):
        self.assertEqual(self.visit("""SELECT sqlink_load('fileio', '{"allow_dir": "/"}')"""), ("error", refusal("fileio", "allow_dir")))
        self.assertEqual(self.visit("""SELECT sqlink_load('time', '{"allow_env": true}')"""), ("error", refusal("time", "allow_env")))
        # Nor load a native extension: Datasette turned loading off after its own.
        self.assertEqual(self.visit("SELECT load_extension(NULL)"), ("error", "not authorized"))
        self.assertEqual(self.visit("SELECT count(*) FROM json_each(sqlink_extensions()) WHERE json_extract(value, '$.name') = 'fileio'"), ("rows", [[0]]))


class Python(unittest.TestCase):
    def test_the_programs_keywords_grant(self):
        folder = scratch(self)
        conn = sqlite3.connect(":memory:")
        self.assertEqual(sqlink.load(conn, "fileio", allow_dir=str(folder)), ["fileio"])
        self.assertEqual(one(conn, "SELECT fileio_read(?)", str(folder / "note.txt")), b"granted")
        # The program's grant was for that call: its SQL after it grants nothing more.
        with self.assertRaises(sqlite3.OperationalError) as caught:
            one(conn, "SELECT sqlink_load('time', ?)", json.dumps({"allow_dir": str(folder)}))
        self.assertEqual(str(caught.exception), refusal("time", "allow_dir"))

    def test_sql_narrows(self):
        conn = sqlite3.connect(":memory:")
        sqlink.load(conn)
        for options, expected in [
            ({"timeout_ms": 6000}, refusal(HOSTILE, "timeout_ms", "timeout_ms above the default 5000")),
            ({"memory_mib": 512}, refusal(HOSTILE, "memory_mib", "memory_mib above the default 256")),
            ({"allow_clock": True}, refusal(HOSTILE, "allow_clock")),
        ]:
            with self.subTest(options), self.assertRaises(sqlite3.OperationalError) as caught:
                one(conn, "SELECT sqlink_load(?, ?)", HOSTILE, json.dumps(options))
            self.assertEqual(str(caught.exception), expected)
        # Less than the defaults is SQL's to ask, and holds.
        one(conn, "SELECT sqlink_load(?, ?)", HOSTILE, json.dumps({"timeout_ms": 200, "memory_mib": 64, "allow_env": False}))
        with self.assertRaisesRegex(sqlite3.OperationalError, r"^hostile: spin_forever\(\) was stopped after 200ms \(time limit\)$"):
            one(conn, "SELECT spin_forever()")

    def test_a_program_that_lets_sql_load_extensions_lets_it_grant(self):
        folder = scratch(self)
        conn = sqlite3.connect(":memory:")
        conn.enable_load_extension(True)
        sqlink.load(conn)
        self.assertIsNone(one(conn, "SELECT load_extension(NULL)"), "sqlink.load restored the program's setting")
        self.assertEqual(one(conn, "SELECT sqlink_load('fileio', ?)", json.dumps({"allow_dir": str(folder)})), "fileio")
        self.assertEqual(one(conn, "SELECT fileio_read(?)", str(folder / "note.txt")), b"granted")

    def test_the_schema_cannot_grant_even_then(self):
        # A trigger (or view) in a database file is code the program did not write.
        folder = scratch(self)
        conn = sqlite3.connect(":memory:")
        conn.enable_load_extension(True)
        sqlink.load(conn)
        options = json.dumps({"allow_dir": str(folder)})
        conn.executescript(f"CREATE TABLE t(x); CREATE TRIGGER grab AFTER INSERT ON t BEGIN SELECT sqlink_load('fileio', '{options}'); END;")
        with self.assertRaisesRegex(sqlite3.OperationalError, r"^unsafe use of sqlink_load\(\)$"):
            conn.execute("INSERT INTO t VALUES (1)")
        conn.execute(f"CREATE VIEW v AS SELECT sqlink_load('fileio', '{options}')")
        with self.assertRaisesRegex(sqlite3.OperationalError, r"^unsafe use of sqlink_load\(\)$"):
            conn.execute("SELECT * FROM v").fetchall()
        self.assertEqual(sqlink.extensions(conn), [])


class CProgram(unittest.TestCase):
    """A program on SQLite's C API (Debian's libsqlite3, the one Python's sqlite3 uses,
    called through ctypes): its SQL grants only while it has `sqlite3_enable_load_extension`
    on, not with only the C API's loading on (`SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION`), which
    leaves `load_extension()` refused in SQL."""

    def test_it_grants_by_enabling_loading_around_its_sqlink_load(self):
        folder = scratch(self)
        capi = ctypes.CDLL(ctypes.util.find_library("sqlite3"))
        capi.sqlite3_errmsg.restype = ctypes.c_char_p
        db = ctypes.c_void_p()
        self.assertEqual(capi.sqlite3_open(b":memory:", ctypes.byref(db)), 0)
        self.addCleanup(capi.sqlite3_close, db)
        self.assertEqual(capi.sqlite3_db_config(db, 1005, 1, None), 0)  # SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION
        error = ctypes.c_char_p()
        self.assertEqual(capi.sqlite3_load_extension(db, sqlink.loadable_path().encode(), None, ctypes.byref(error)), 0, error.value)

        def run(sql):
            """The first column of each row `sql` gave, as text, or SQLite's error message."""
            rows = []
            collect = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p)(
                lambda _, _count, values, _names: rows.append(values[0].decode()) or 0
            )
            code = capi.sqlite3_exec(db, sql.encode(), collect, None, None)
            return rows if code == 0 else capi.sqlite3_errmsg(db).decode()

        grant = f"""SELECT sqlink_load('fileio', '{{"allow_dir": "{folder}"}}')"""
        self.assertEqual(run(grant), refusal("fileio", "allow_dir"))
        capi.sqlite3_enable_load_extension(db, 1)
        self.assertEqual(run(grant), ["fileio"])
        capi.sqlite3_enable_load_extension(db, 0)
        self.assertEqual(run(f"SELECT fileio_read('{folder / 'note.txt'}')"), ["granted"])


class Sqlite3Shell(unittest.TestCase):
    """Debian's sqlite3 shell turns extension loading on for its user, the operator."""

    def shell(self, folder, **variables):
        executable = shutil.which("sqlite3")
        if executable is None:
            self.fail("the sqlite3 shell is not installed (cargo xtask test installs it)")
        library = str(Path(sqlink.loadable_path()).with_suffix(""))
        script = f"SELECT sqlink_load('fileio', '{json.dumps({'allow_dir': str(folder)})}');\nSELECT fileio_read('{folder / 'note.txt'}');\n"
        env = {**os.environ, **variables}
        run = subprocess.run([executable, "-cmd", f".load {library}", ":memory:"], input=script, capture_output=True, text=True, timeout=120, env=env)
        return run.stdout, run.stderr

    def test_its_sql_grants_within_the_operators_bound(self):
        folder = scratch(self)
        self.assertEqual(self.shell(folder), ("fileio\ngranted\n", ""))
        elsewhere = scratch(self)
        _, stderr = self.shell(folder, SQLINK_GRANTABLE_DIRS=str(elsewhere))
        self.assertEqual(
            stderr.splitlines()[0],
            f"Runtime error near line 1: sqlink_load(): allow_dir {folder} is not allowed here: SQLINK_GRANTABLE_DIRS lets extensions be granted only {elsewhere}",
        )


if __name__ == "__main__":
    unittest.main()
