"""Differential tests of the catalog: each module loaded through libsqlink in Python's sqlite3
beside sqlean.py (PyPI), SQLite with sqlean's C extensions built in, asked the same SQL.

A test class names its module; `same` and `same_over` run a statement on both connections
and compare the rows, or that both raised an error. Where sqlean's answer is a bug or
depends on the platform, the test states sqlink's answer with `ours_only` and says why.

Environment, for working on a module without rebuilding the Python package:
- SQLINK_LIBRARY: the libsqlink to load (default: the installed `sqlink` package's);
- SQLINK_CATALOG_DIR: load `<module>_ext.wasm` from this folder (cargo's wasm output)
  instead of the bundled module of that name.
"""

import itertools
import json
import math
import os
import sqlite3
import unittest

try:
    import sqlean
except ImportError:  # pragma: no cover - the test venv installs it
    sqlean = None

def bundled_names():
    """The bundled extensions' names as a "not found" message lists them, from
    extensions/bundled.txt as `cargo xtask build` writes it beside the components."""
    listing = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "wasm", "bundled.json")
    with open(listing) as f:
        names = [entry["name"] for entry in json.load(f)]
    return ", ".join(names)


# Values every differential test feeds its functions: NULL, integers at the edges, reals
# (integral, fractional, huge, negative zero), text (empty, ASCII, padded, numeric, multi-byte,
# emoji, long) and blobs (empty, binary, text-like).
SAMPLES = [
    None,
    0,
    1,
    -1,
    7,
    42,
    255,
    2**31,
    2**63 - 1,
    -(2**63),
    0.0,
    -0.0,
    1.5,
    -2.25,
    3.0,
    0.1,
    1e100,
    -1e-7,
    "",
    " ",
    "a",
    "abc",
    "Hello, World!",
    "  padded  ",
    "MiXeD CaSe wOrDs",
    "123",
    "-12.5",
    "1e3",
    "hello world hello",
    "héllo wörld",
    "Ünïcödé ÀÉÎ",
    "日本語テキスト",
    "Привет, мир",
    "🙂 emoji 👍",
    "a\tb\nc",
    "x" * 300,
    b"",
    b"\x00\x01\xfe\xff",
    b"abc",
]

SHORT_SAMPLES = [None, 0, 42, -1, 1.5, "", "a", "abc", "héllo", "日本", "🙂", b"", b"\x00\xff", b"abc"]


def sqlink_connection(module, grants=None):
    """A sqlite3 connection with libsqlink loaded and `module` loaded through it."""
    conn = sqlite3.connect(":memory:")
    # The program grants: libsqlink honors SQL's grants while extension loading is on.
    conn.enable_load_extension(True)
    try:
        library = os.environ.get("SQLINK_LIBRARY")
        if library:
            conn.load_extension(library)
        else:
            import sqlink

            sqlink.load(conn)
        source = module
        folder = os.environ.get("SQLINK_CATALOG_DIR")
        if folder:
            source = os.path.join(folder, f"{module}_ext.wasm")
        conn.execute("SELECT sqlink_load(?, ?)", (source, json.dumps(grants) if grants else None))
    finally:
        conn.enable_load_extension(False)
    return conn


def sqlean_connection(module):
    """sqlean.py's SQLite with only `module` enabled (all of them for `None`)."""
    if module is None:
        sqlean.extensions.enable_all()
    else:
        sqlean.extensions.enable(module)
    return sqlean.connect(":memory:")


def outcome(conn, sql, params):
    """('rows', rows) or ('error', message): what running `sql` gave."""
    try:
        return ("rows", conn.execute(sql, params).fetchall())
    except Exception as error:  # sqlite3.Error and sqlean's own error classes
        return ("error", str(error))


def close(a, b, rel):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=rel)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, rel) for x, y in zip(a, b))
    return a == b


def agree(ours, theirs, rel):
    if ours[0] != theirs[0]:
        return False
    if ours[0] == "error":
        return True  # both refused; the messages are each engine's own
    return close(ours[1], theirs[1], rel)


@unittest.skipIf(sqlean is None, "sqlean.py is not installed")
class DifferentialTest(unittest.TestCase):
    """Base class: set `module` (and `sqlean_module` where sqlean's name differs, `grants`
    for the sandbox)."""

    module = None
    sqlean_module = None
    grants = None

    @classmethod
    def setUpClass(cls):
        if cls is DifferentialTest:
            raise unittest.SkipTest("base class")
        cls.ours = sqlink_connection(cls.module, cls.grants)
        cls.theirs = sqlean_connection(cls.sqlean_module or cls.module)

    @classmethod
    def tearDownClass(cls):
        if cls is not DifferentialTest:
            cls.ours.close()
            cls.theirs.close()

    def run_ours(self, sql, *params):
        return self.ours.execute(sql, params).fetchall()

    def run_theirs(self, sql, *params):
        return self.theirs.execute(sql, params).fetchall()

    def same(self, sql, *params, rel=0.0):
        """`sql` gives the same rows (or an error) on both."""
        ours = outcome(self.ours, sql, params)
        theirs = outcome(self.theirs, sql, params)
        self.assertTrue(agree(ours, theirs, rel), f"{sql} {params!r}:\n  sqlink: {ours}\n  sqlean: {theirs}")
        return ours

    def same_over(self, sql, values=SAMPLES, rel=0.0, skip=None, limit=4000):
        """`sql` agrees on both for every combination of `values` for its `?` parameters
        (at most `limit` combinations); every disagreement is listed in one failure.
        `skip(args)` leaves out combinations whose difference is named elsewhere."""
        arity = sql.count("?")
        return self.same_rows(sql, itertools.islice(itertools.product(values, repeat=arity), limit), rel=rel, skip=skip)

    def same_rows(self, sql, rows, rel=0.0, skip=None):
        """`sql` agrees on both for each parameter tuple of `rows`; every disagreement is
        listed in one failure. Returns how many were compared."""
        mismatches = []
        checked = 0
        for args in rows:
            if skip and skip(args):
                continue
            checked += 1
            ours = outcome(self.ours, sql, args)
            theirs = outcome(self.theirs, sql, args)
            if not agree(ours, theirs, rel):
                mismatches.append(f"  {args!r}\n    sqlink: {ours}\n    sqlean: {theirs}")
        self.assertGreater(checked, 0, f"{sql}: no combination was checked")
        if mismatches:
            shown = "\n".join(mismatches[:20])
            more = f"\n  ... and {len(mismatches) - 20} more" if len(mismatches) > 20 else ""
            self.fail(f"{sql}: {len(mismatches)} of {checked} disagree\n{shown}{more}")
        return checked

    def ours_only(self, sql, expected, *params, why):
        """sqlink's answer where sqlean's is a named bug or platform-dependent: `why` says
        which, and the README's catalog section names the difference."""
        self.assertTrue(why, "name the difference")
        self.assertEqual(self.run_ours(sql, *params), expected)

    def fails(self, sql, *params, conn=None):
        """The statement fails on sqlink (and on sqlean, unless `conn` picks one side)."""
        for side in [conn] if conn is not None else [self.ours, self.theirs]:
            with self.assertRaises(Exception, msg=f"{sql} {params!r} should fail"):
                side.execute(sql, params).fetchall()
