"""libsqlink in Python's sqlite3 and in the sqlite3 shell, as a user runs them.

Run with the package installed (`cargo xtask test` installs it into a virtual
environment): python -m unittest discover -s python/tests
"""

import json
import os
import sys
import shutil
import sqlite3
import subprocess
import threading
import unittest
from pathlib import Path

import sqlink

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
WASM = REPOSITORY / "target" / "wasm"
HOSTILE = str(WASM / "test" / "hostile.wasm")
SHADOW = str(WASM / "test" / "shadow.wasm")
TABLES = str(WASM / "test" / "tables.wasm")
# The contract's fixtures and what every host answers with them (repl/tests/contract_versions.rs).
CONTRACT = json.loads((REPOSITORY / "test-extensions" / "contract.json").read_text())
NEWEST = json.loads((REPOSITORY / "rules" / "cases.json").read_text())["versions"][-1]


def connect(*extensions, **grants):
    conn = sqlite3.connect(":memory:")
    sqlink.load(conn, *extensions, **grants)
    return conn


def one(conn, sql, *args):
    return conn.execute(sql, args).fetchone()[0]


class Functions(unittest.TestCase):
    def test_the_readme(self):
        conn = sqlite3.connect(":memory:")
        self.assertEqual(sqlink.load(conn, "md5"), ["md5"])
        self.assertEqual(one(conn, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72")

    def test_scalars_and_nulls(self):
        conn = connect("md5", "snake")
        self.assertEqual(one(conn, "SELECT to_snake_case('HelloWorld')"), "hello_world")
        self.assertIsNone(one(conn, "SELECT md5(NULL)"))
        self.assertEqual(one(conn, "SELECT md5(x'616263')"), "900150983cd24fb0d6963f7d28e17f72")

    def test_aggregates_groups_and_windows(self):
        conn = connect("stats", "md5")
        conn.executescript("CREATE TABLE t(g, x); INSERT INTO t VALUES (1, 1), (1, 3), (2, 10), (2, 20), (2, 60), (3, 5);")
        rows = conn.execute("SELECT g, median(x), var_pop(x) FROM t GROUP BY g ORDER BY g").fetchall()
        self.assertEqual(rows, [(1, 2.0, 1.0), (2, 20.0, 466.6666666666667), (3, 5.0, 0.0)])
        frames = [r[0] for r in conn.execute("SELECT var_pop(x) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY rowid")]
        self.assertEqual(frames, [0.0, 1.0, 12.25, 25.0, 400.0, 756.25])
        self.assertEqual(one(conn, "SELECT md5_agg(x) FROM (SELECT 'a' x UNION ALL SELECT 'b')"), one(conn, "SELECT md5('ab')"))
        self.assertIsNone(one(conn, "SELECT md5_agg(x) FROM t WHERE 0"))

    def test_collation_orders_and_constrains(self):
        conn = connect("snake")
        conn.executescript("CREATE TABLE names(n TEXT COLLATE snake UNIQUE); INSERT INTO names VALUES ('HelloWorld');")
        with self.assertRaises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO names VALUES ('hello_world')")

    def test_flags_are_honoured(self):
        # uuid() is not deterministic, so SQLite must not fold it to one value.
        conn = connect("uuid")
        sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT count(DISTINCT uuid()) FROM n"
        self.assertEqual(one(conn, sql), 100)

    def test_extensions_lists_what_is_loaded(self):
        conn = connect("md5")
        (md5,) = sqlink.extensions(conn)
        self.assertEqual((md5["name"], md5["source"]), ("md5", "bundled"))
        self.assertEqual(md5["contract"]["version"], NEWEST)
        kinds = {(f["kind"], f["name"], f["arity"]) for f in md5["functions"]}
        self.assertEqual(kinds, {("scalar", "md5", 1), ("aggregate", "md5_agg", 1)})
        self.assertTrue(all(f["doc"] for f in md5["functions"]))

    def test_a_wasm_file_by_path(self):
        conn = connect(str(WASM / "md5.wasm"))
        self.assertEqual(one(conn, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72")
        self.assertEqual(sqlink.extensions(conn)[0]["source"], str(WASM / "md5.wasm"))


class VirtualTables(unittest.TestCase):
    """test-extensions/tables' writable memtable in Python's sqlite3, through libsqlink."""

    def test_writes_rollback_savepoints_and_the_plan(self):
        conn = connect(TABLES)
        conn.isolation_level = None
        conn.executescript("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1);")
        conn.executescript("BEGIN; INSERT INTO m VALUES ('c', 3); ROLLBACK;")
        conn.executescript("BEGIN; INSERT INTO m VALUES ('d', 4); SAVEPOINT s; DELETE FROM m; ROLLBACK TO s; RELEASE s; COMMIT;")
        self.assertEqual(conn.execute("SELECT key, value FROM m ORDER BY key").fetchall(), [("a", 1), ("b", 2), ("d", 4)])
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT value FROM m WHERE key = 'b'"))
        self.assertIn("VIRTUAL TABLE INDEX 1:key=?", plan)
        with self.assertRaises(sqlite3.Error) as raised:
            conn.execute("CREATE VIRTUAL TABLE w USING memtable(1)")
        self.assertEqual(str(raised.exception), "memtable takes no arguments, not 1")
        self.assertEqual(one(conn, "SELECT value FROM m WHERE key = 'd'"), 4)

    def test_hostile_and_bad_modules_get_one_clear_error_each(self):
        conn = connect(TABLES, timeout_ms=300)
        with self.assertRaisesRegex(sqlite3.Error, r'^badschema: the schema it declared, "CREATE TABLE x\(a,", is not one SQLite accepts'):
            conn.execute("CREATE VIRTUAL TABLE b USING badschema")
        conn.execute("CREATE VIRTUAL TABLE s USING spin")
        with self.assertRaisesRegex(sqlite3.Error, r"^table s may not be modified$"):
            conn.execute("INSERT INTO s VALUES (1)")
        # Planning that never ends is stopped by the time limit; the session goes on.
        with self.assertRaisesRegex(sqlite3.Error, "time limit|interrupted"):
            conn.execute("SELECT * FROM s").fetchall()
        conn.execute("CREATE VIRTUAL TABLE m USING memtable")
        conn.execute("INSERT INTO m VALUES ('a', 1)")
        self.assertEqual(one(conn, "SELECT value FROM m WHERE key = 'a'"), 1)


class TableFunctions(unittest.TestCase):
    def test_regexp_matches_and_the_regexp_operator(self):
        conn = connect("regexp")
        rows = conn.execute(r"SELECT match, start, end FROM regexp_matches('a1 bb22 größe333', '\d+')").fetchall()
        self.assertEqual(rows, [("1", 2, 3), ("22", 6, 8), ("333", 14, 17)])
        conn.executescript("CREATE TABLE t(x); INSERT INTO t VALUES ('a1b2'), ('c'), ('d3');")
        joined = conn.execute(r"SELECT t.x, m.match FROM t, regexp_matches(t.x, '\d') AS m ORDER BY 1, 2").fetchall()
        self.assertEqual(joined, [("a1b2", "1"), ("a1b2", "2"), ("d3", "3")])
        self.assertEqual(conn.execute(r"SELECT x FROM t WHERE x REGEXP '^[a-c]' ORDER BY x").fetchall(), [("a1b2",), ("c",)])
        table = [f for f in sqlink.extensions(conn)[0]["functions"] if f["kind"] == "table"]
        self.assertEqual([(f["name"], f["parameters"], f["columns"]) for f in table], [("regexp_matches", ["text", "pattern"], ["match", "start", "end"])])

    def test_limit_closes_and_errors_end_the_statement(self):
        conn = connect(str(WASM / "test" / "rows.wasm"))
        self.assertEqual(conn.execute("SELECT value FROM series(1, 1000000) LIMIT 2").fetchall(), [(1,), (2,)])
        self.assertEqual(one(conn, "SELECT open_cursors()"), 0)
        with self.assertRaisesRegex(sqlite3.OperationalError, "^fail_after: gave up after 300 rows$"):
            conn.execute("SELECT count(*) FROM fail_after(300)").fetchall()
        with self.assertRaisesRegex(sqlite3.OperationalError, r"^series\(\): missing argument stop \(takes start, stop\)$"):
            conn.execute("SELECT * FROM series(1)").fetchall()
        self.assertEqual(one(conn, "SELECT count(*) FROM series(1, 1000)"), 1000)

    def test_unloaded_inside_a_statement_it_is_gone(self):
        conn = connect("regexp")
        sqlink.unload(conn, "regexp")
        with self.assertRaisesRegex(sqlite3.OperationalError, "no such table: regexp_matches"):
            conn.execute("SELECT * FROM regexp_matches('a', 'a')").fetchall()
        sqlink.load(conn, "regexp")
        self.assertEqual(conn.execute("SELECT match FROM regexp_matches('a', 'a')").fetchall(), [("a",)])


class Unload(unittest.TestCase):
    def test_unload_then_load_again(self):
        conn = connect("md5", "snake")
        sqlink.unload(conn, "md5")
        with self.assertRaisesRegex(sqlite3.OperationalError, "no such function: md5"):
            one(conn, "SELECT md5('abc')")
        self.assertEqual(one(conn, "SELECT to_snake_case('HelloWorld')"), "hello_world", "other extensions stay")
        self.assertEqual([e["name"] for e in sqlink.extensions(conn)], ["snake"])
        sqlink.load(conn, "md5")
        self.assertEqual(one(conn, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72")

    def test_an_unloaded_collation_compares_as_binary(self):
        conn = connect("snake")
        self.assertEqual(one(conn, "SELECT 'HelloWorld' = 'hello_world' COLLATE snake"), 1)
        sqlink.unload(conn, "snake")
        self.assertEqual(one(conn, "SELECT 'HelloWorld' = 'hello_world' COLLATE snake"), 0)

    def test_unloading_what_is_not_loaded(self):
        conn = connect()
        with self.assertRaisesRegex(sqlite3.OperationalError, "^md5 is not loaded$"):
            sqlink.unload(conn, "md5")


class Connections(unittest.TestCase):
    def test_each_connection_has_its_own_extensions(self):
        first, second = connect("md5"), connect("snake")
        self.assertEqual(one(first, "SELECT md5('')"), "d41d8cd98f00b204e9800998ecf8427e")
        self.assertEqual(one(second, "SELECT to_snake_case('HelloWorld')"), "hello_world")
        with self.assertRaisesRegex(sqlite3.OperationalError, "no such function: md5"):
            one(second, "SELECT md5('')")
        with self.assertRaisesRegex(sqlite3.OperationalError, "no such function: to_snake_case"):
            one(first, "SELECT to_snake_case('AB')")
        self.assertEqual([e["name"] for e in sqlink.extensions(second)], ["snake"])
        first.close()
        self.assertEqual(one(second, "SELECT to_snake_case('FooBar')"), "foo_bar", "closing one leaves the other")

    def test_loading_libsqlink_twice_keeps_what_is_loaded(self):
        conn = connect("md5")
        sqlink.load(conn)
        self.assertEqual([e["name"] for e in sqlink.extensions(conn)], ["md5"])

    def test_a_connection_shared_by_threads(self):
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        sqlink.load(conn, "md5", "stats")
        expected = {i: one(conn, "SELECT md5(?)", str(i)) for i in range(200)}
        failures = []

        def work(offset):
            try:
                for i in range(offset, 200, 4):
                    if one(conn, "SELECT md5(?)", str(i)) != expected[i]:
                        failures.append(i)
                    one(conn, "SELECT median(value) FROM json_each('[1, 2, 3]')")
            except Exception as error:  # noqa: BLE001 - any failure fails the test below
                failures.append(error)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])


class BadInput(unittest.TestCase):
    def assert_error(self, conn, sql, message, *args, raises=sqlite3.OperationalError):
        with self.assertRaises(raises) as caught:
            conn.execute(sql, args).fetchall()
        self.assertEqual(str(caught.exception), message)
        self.assertEqual(one(conn, "SELECT 1 + 1"), 2, "the connection goes on")
        return caught.exception

    def test_every_bad_load_is_one_line_and_the_connection_goes_on(self):
        conn = connect("md5")
        not_wasm = Path(self.id() + ".wasm")
        not_wasm.write_text("not a component")
        self.addCleanup(not_wasm.unlink)
        cases = [
            ("./missing.wasm", "no such file: ./missing.wasm"),
            ("nope", f'no extension named "nope": bundled are {catalog.bundled_names()}, and SQLINK_PATH is not set'),
            (str(not_wasm), f"cannot load {not_wasm}: not a WebAssembly file"),
            ("md5", "cannot load md5: md5 is already loaded"),
            (str(WASM / "test" / "duplicate.wasm"), None),
            (str(WASM / "test" / "command.wasm"), None),
        ]
        for target, message in cases:
            with self.subTest(target=target):
                with self.assertRaises(sqlite3.OperationalError) as caught:
                    one(conn, "SELECT sqlink_load(?)", target)
                text = str(caught.exception)
                self.assertNotIn("\n", text)
                if message:
                    self.assertEqual(text, message)
        self.assertIn("twice", self._load_error(conn, "duplicate.wasm"))
        self.assertIn("not a sqlite extension", self._load_error(conn, "command.wasm"))
        self.assertEqual(one(conn, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72")

    def _load_error(self, conn, file):
        with self.assertRaises(sqlite3.OperationalError) as caught:
            one(conn, "SELECT sqlink_load(?)", str(WASM / "test" / file))
        return str(caught.exception)

    def test_bad_options(self):
        conn = connect()
        self.assert_error(conn, "SELECT sqlink_load('md5', ?)", "sqlink_load(): unknown option allow_net (known: allow_dir, allow_env, allow_clock, timeout_ms, memory_mib)", '{"allow_net": true}')
        self.assert_error(conn, "SELECT sqlink_load('md5', ?)", "sqlink_load(): option timeout_ms cannot be \"soon\"", '{"timeout_ms": "soon"}')
        self.assert_error(conn, "SELECT sqlink_load('md5', '[1]')", "sqlink_load(): options must be a JSON object")

    def test_wrong_argument_type_is_the_extensions_error(self):
        conn = connect("snake")
        # The SDK reports a wrong type (here a blob that is not UTF-8 where text is wanted)
        # as SQLITE_MISMATCH, which the statement keeps (as in the REPL), and which Python's
        # sqlite3 raises as IntegrityError.
        error = self.assert_error(conn, "SELECT to_snake_case(x'ff')", "to_snake_case(): argument 1 must be text, got blob", raises=sqlite3.IntegrityError)
        self.assertEqual(error.sqlite_errorcode, sqlite3.SQLITE_MISMATCH)

    def test_a_panic_is_an_error_with_its_message(self):
        conn = connect(HOSTILE)
        self.assert_error(conn, "SELECT panic_with('oops')", "hostile: panic_with() panicked: oops")
        self.assertEqual(one(conn, "SELECT busy(3)"), 3, "a fresh instance serves the next call")

    def test_a_loop_is_stopped_by_the_time_limit(self):
        conn = connect(HOSTILE, timeout_ms=300)
        self.assert_error(conn, "SELECT spin_forever()", "hostile: spin_forever() was stopped after 300ms (time limit)")
        self.assertEqual(one(conn, "SELECT busy(2)"), 2)

    def test_sqlites_and_the_programs_own_functions_are_not_replaced(self):
        conn = connect()
        refused = "cannot load {}: upper() is already defined in this SQLite (built in, or by the program)"
        self.assert_error(conn, "SELECT sqlink_load(?)", refused.format(SHADOW), SHADOW)
        self.assertEqual(one(conn, "SELECT upper('abc')"), "ABC")
        self.assertEqual(sqlink.extensions(conn), [])
        # Beside names of its own, the extension loads with those and keeps the program's.
        conn.create_function("md5", 1, lambda x: "the program's")
        self.assertEqual(one(conn, "SELECT sqlink_load('md5')"), "md5")
        self.assertEqual(one(conn, "SELECT md5('x')"), "the program's")
        self.assertEqual(one(conn, "SELECT md5_agg('abc')"), "900150983cd24fb0d6963f7d28e17f72")
        self.assertEqual([e["kept"] for e in sqlink.extensions(conn)], [["md5()"]])

    def test_extensions_get_no_files_or_environment_unless_granted(self):
        conn = connect(HOSTILE)
        self.assertIsNone(one(conn, "SELECT env_var('HOME')"))
        granted = connect(HOSTILE, allow_env=True)
        self.assertIsNotNone(one(granted, "SELECT env_var('HOME')"))
        # A call that failed for want of a grant names the load option that gives it (a
        # fresh instance: a runtime asks for its environment and directories once).
        conn = connect(HOSTILE)
        self.assert_error(conn, "SELECT require_env('HOME')", "HOME is not set (it read the environment, which is empty without the allow_env option)")
        self.assert_error(
            conn,
            "SELECT read_file('/etc/hostname')",
            "read_file(/etc/hostname): No such file or directory (os error 44) "
            "(it looked for files, but no directory is granted: the allow_dir option grants one)",
        )


class ContractVersions(unittest.TestCase):
    """A component built against any released sqlite:extension version keeps loading: the
    contract's fixtures (Rust, Python and JavaScript of each version, and the interim 0.1.0)
    beside the bundled md5 of the newest, on one connection."""

    def test_every_version_loads_and_answers_on_one_connection(self):
        paths = [WASM / "test" / fixture["file"] for fixture in CONTRACT["fixtures"]]
        missing = [str(path) for path in paths if not path.is_file()]
        self.assertEqual(missing, [], "run `cargo xtask build` and `cargo xtask fixtures`")
        conn = connect("md5", *map(str, paths))
        conn.executescript(CONTRACT["setup"])
        for query in CONTRACT["queries"]:
            rows = [list(row) for row in conn.execute(query["sql"]).fetchall()]
            self.assertEqual(rows, query["rows"], query["sql"])
        md5, *fixtures = sqlink.extensions(conn)
        self.assertEqual(md5["contract"]["version"], NEWEST)
        for fixture, listed in zip(CONTRACT["fixtures"], fixtures):
            self.assertEqual((listed["name"], listed["contract"]), (fixture["name"], {"version": fixture["contract"], "exports": fixture["exports"]}))


class Sqlite3Shell(unittest.TestCase):
    """The same library in Debian's sqlite3 shell."""

    def test_the_library_brings_no_sqlite_of_its_own(self):
        # Two SQLite copies in one process break each other's file locks: every sqlite3_*
        # call must go through the loading SQLite's API table.
        def symbols(*flags):
            run = subprocess.run(["nm", "-D", *flags, sqlink.loadable_path()], capture_output=True, text=True, check=True)
            return [line.split()[-1] for line in run.stdout.splitlines() if line.split()[-1].startswith("sqlite3")]

        self.assertEqual(symbols("--defined-only"), ["sqlite3_sqlink_init"])
        self.assertEqual(symbols("--undefined-only"), [])

    def test_the_first_published_contract_loads_beside_the_newest(self):
        shell = shutil.which("sqlite3")
        if shell is None:
            self.fail("the sqlite3 shell is not installed (cargo xtask test installs it)")
        library = str(Path(sqlink.loadable_path()).with_suffix(""))
        fixture = WASM / "test" / "rust-0.1.0.wasm"
        script = f".load {library}\nSELECT sqlink_load('{fixture}'), sqlink_load('md5');\nSELECT v010_mul(6, 7), md5('abc');\n"
        run = subprocess.run([shell, ":memory:"], input=script, capture_output=True, text=True, timeout=120)
        self.assertEqual((run.stdout, run.stderr), ("rust010|md5\n42|900150983cd24fb0d6963f7d28e17f72\n", ""))

    def test_load_and_query(self):
        shell = shutil.which("sqlite3")
        if shell is None:
            self.fail("the sqlite3 shell is not installed (cargo xtask test installs it)")
        library = str(Path(sqlink.loadable_path()).with_suffix(""))
        script = f".load {library}\nSELECT sqlink_load('md5');\nSELECT md5('abc');\nSELECT sqlink_load('nope');\nSELECT md5_agg(x) FROM (SELECT 'abc' x);\n"
        run = subprocess.run([shell, ":memory:"], input=script, capture_output=True, text=True, timeout=120)
        self.assertEqual(run.stdout, "md5\n900150983cd24fb0d6963f7d28e17f72\n900150983cd24fb0d6963f7d28e17f72\n")
        self.assertEqual(
            run.stderr,
            f'Runtime error near line 4: no extension named "nope": bundled are {catalog.bundled_names()}, and SQLINK_PATH is not set\n',
        )


if __name__ == "__main__":
    unittest.main()
