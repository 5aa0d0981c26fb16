"""The fileio module against sqlean's, on files in one temporary directory that both see:
sqlink through its grant (`allow_dir`), sqlean directly. The test runs from that directory,
so relative paths lead to the same files on both sides (sqlink takes a relative path from
its first granted directory; sqlean from the process's working directory).

Where WASI cannot do what sqlean does (permission bits, absolute link targets) or sqlean's
answer is a bug, the test states sqlink's answer with `ours_only` and says why. sqlean.py
ships fileio 0.27, whose fileio_scan corrupts memory on lines of 128 bytes or more (fixed
in 0.28): long lines are checked against Python's own reading of the file.
"""

import itertools
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

# The directory both engines work in; its real path, as the grant is resolved to it.
ROOT = os.path.realpath(tempfile.mkdtemp(prefix="sqlink-fileio-"))

NO_GRANT = "no directory is granted"
S_IFMT = 0o170000

TEXT = b"hello world"
BINARY = bytes(range(256)) * 3 + b"\x00\r\n\xff"

# Files for fileio_scan: name, content.
SCANNED = {
    "lf.txt": b"one\ntwo\nthree\n",
    "crlf.txt": b"one\r\ntwo\r\nthree\r\n",
    "no_newline.txt": b"one\ntwo\nthree",
    "crlf_no_newline.txt": b"one\r\ntwo",
    "blank_lines.txt": b"\n\nx\n\n",
    "only_newline.txt": b"\n",
    "empty.txt": b"",
    "unicode.txt": "héllo wörld\n日本語テキスト\r\n🙂 emoji 👍".encode(),
    "cr_alone.txt": b"a\rb\nc\r\n\r\n",
    "tabs.txt": b"a\tb\n c \n",
}

# A tree for fileio_ls: directories, files, an empty directory and links.
TREE = {
    "tree/a.txt": b"a",
    "tree/b.bin": BINARY,
    "tree/sub/c.txt": b"ccc",
    "tree/sub/deeper/d.txt": b"dddd",
    "tree/sub/deeper/e.txt": b"",
    "tree/émoji 🙂.txt": "x".encode(),
}

# Offsets and limits of fileio_read: in range, at and past the end, negative, past a C int
# (sqlean keeps the low 32 bits), reals, text and blobs (their integer prefix), NULL.
READ_NUMBERS = [None, 0, 1, 5, 11, 12, 100, -1, 2**31, 2**32, 2**32 + 3, -(2**32) + 2, 2**63 - 1, -(2**63)]
READ_NUMBERS += [1.5, 6.9, -0.5, 1e100, "3", " 4x", "abc", "-2", "1e3", b"", b"7", b"\x00\x01"]

# Recursive flags of fileio_ls, as sqlean reads them: a C int's truth.
RECURSIVE_FLAGS = [None, 0, 1, -1, 2, True, False, 2**32, 2**32 + 1, 0.5, 1.5, "1", "0", "abc", "2x", b"1", b""]


def write(path, content):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(content)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


class FileioTest(catalog.DifferentialTest):
    module = "fileio"
    grants = {"allow_dir": [ROOT]}

    @classmethod
    def setUpClass(cls):
        write("text.txt", TEXT)
        write("binary.bin", BINARY)
        write("empty.bin", b"")
        write("hello世界.txt", "hello世界".encode())
        for name, content in {**SCANNED, **TREE}.items():
            write(os.path.join("scan", name) if name in SCANNED else name, content)
        os.mkdir(os.path.join(ROOT, "tree/empty_dir"))
        os.symlink("a.txt", os.path.join(ROOT, "tree/link_to_file"))
        os.symlink("sub", os.path.join(ROOT, "tree/link_to_dir"))
        cls.cwd = os.getcwd()
        os.chdir(ROOT)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.chdir(cls.cwd)
        shutil.rmtree(ROOT, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------


    def side_by_side(self, sql, ours_params, theirs_params):
        """Run `sql` on each side with its own parameters (its own files); both outcomes."""
        return catalog.outcome(self.ours, sql, ours_params), catalog.outcome(self.theirs, sql, theirs_params)

    def assert_agree(self, ours, theirs, what):
        self.assertTrue(catalog.agree(ours, theirs, 0.0), f"{what}:\n  sqlink: {ours}\n  sqlean: {theirs}")

    def ours_error(self, sql, *params, contains=""):
        with self.assertRaises(sqlite3.Error) as caught:
            self.run_ours(sql, *params)
        self.assertIn(contains, str(caught.exception))
        return str(caught.exception)

    def single_argument_ls(self):
        """Whether fileio_ls(path) works, which needs an SDK that lets a table function's
        last arguments be left out (sqlean's recursive flag is optional)."""
        try:
            self.run_ours("select * from fileio_ls(?)", "text.txt")
            return True
        except sqlite3.OperationalError as error:
            if "missing argument dir" in str(error):
                return False
            raise

    # -- fileio_read -----------------------------------------------------------------------

    def test_read_whole_files(self):
        paths = ["text.txt", "binary.bin", "empty.bin", "hello世界.txt", os.path.join(ROOT, "text.txt"), "./text.txt"]
        paths += ["tree/sub/../a.txt", "tree/link_to_file", "missing.txt", "tree/missing/x", "", None, "tree", "tree/", "."]
        paths += [os.path.join(ROOT, "tree/sub"), 123, 1.5, b"text.txt"]
        for function in ["fileio_read", "readfile"]:
            self.same_rows(f"select {function}(?), typeof({function}(?))", [(p, p) for p in paths])
        self.same("select length(fileio_read('binary.bin')) = ?, fileio_read('binary.bin') = ?", len(BINARY), BINARY)
        self.same("select cast(fileio_read('hello世界.txt') as text)")

    def test_read_offsets_and_limits(self):
        files = ["text.txt", "binary.bin", "empty.bin", "missing.txt", None]
        count = self.same_rows("select fileio_read(?, ?)", itertools.product(files, READ_NUMBERS))
        count += self.same_rows("select readfile(?, ?, ?)", itertools.product(files[:3] + [None], READ_NUMBERS, READ_NUMBERS))
        self.assertGreater(count, 1000)

    def test_read_argument_counts(self):
        self.fails("select fileio_read('text.txt', 1, 2, 3)", conn=self.ours)
        self.fails("select fileio_read()", conn=self.ours)
        self.same("select fileio_read('text.txt', 1, 2)")
        # sqlean takes any number (it ignores a 4th, and reads garbage without one).
        self.assertEqual(self.run_theirs("select fileio_read('text.txt', 1, 2, 3)"), [(b"ello world",)])

    # -- fileio_write ----------------------------------------------------------------------

    def test_write_then_read_back(self):
        """Each value written by both (each to its own file): the count, and the bytes."""
        mismatches = []
        for index, data in enumerate(catalog.SAMPLES):
            for function in ["fileio_write", "writefile"]:
                ours_path, theirs_path = f"w/ours_{function}_{index}.bin", f"w/theirs_{function}_{index}.bin"
                ours, theirs = self.side_by_side(f"select {function}(?, ?)", (ours_path, data), (theirs_path, data))
                if not catalog.agree(ours, theirs, 0.0) or read(ours_path) != read(theirs_path):
                    mismatches.append(f"{function} {data!r}: {ours} {theirs}")
                back = self.run_ours("select fileio_read(?)", ours_path)[0][0]
                if back != read(theirs_path):
                    mismatches.append(f"read back {data!r}: {back!r} != {read(theirs_path)!r}")
        self.assertEqual(mismatches, [])

    def test_write_makes_missing_directories(self):
        ours, theirs = self.side_by_side("select fileio_write(?, 'deep')", ("mk/ours/a/b/c.txt",), ("mk/theirs/a/b/c.txt",))
        self.assert_agree(ours, theirs, "write under missing directories")
        self.assertEqual(read("mk/ours/a/b/c.txt"), b"deep")

    def test_write_failures(self):
        """A directory, or a file in place of a directory: NULL with two arguments, an
        error with more (both); a NULL path is NULL."""
        write("blocker", b"x")
        # (Not the empty path: sqlean reads and writes past it looking for its parents.)
        combos = [("tree", "x"), ("blocker/x.txt", "x"), ("tree/link_to_dir", "x"), (None, "x")]
        self.same_rows("select fileio_write(?, ?)", combos)
        self.same_rows("select fileio_write(?, ?, 0)", combos)
        self.same_rows("select fileio_write(?, ?, 438, -1)", combos)

    def test_write_mtime(self):
        for mtime, expected in [(1000, 1000), (0, 0), (None, 0), (1700000000, 1700000000), ("86400", 86400), (86400.7, 86400)]:
            ours, theirs = self.side_by_side("select fileio_write(?, 'x', 0, ?)", ("t/ours.txt", mtime), ("t/theirs.txt", mtime))
            self.assert_agree(ours, theirs, f"mtime {mtime!r}")
            self.assertEqual(int(os.stat("t/ours.txt").st_mtime), expected)
            self.assertEqual(int(os.stat("t/theirs.txt").st_mtime), expected)
            self.same("select mtime from fileio_ls('t/ours.txt', 0)")
        # A negative mtime leaves the file's own (just written: now).
        before = int(os.stat("t/ours.txt").st_mtime)
        self.run_ours("select fileio_write('t/ours.txt', 'y', 0, -1)")
        self.assertGreaterEqual(int(os.stat("t/ours.txt").st_mtime), before)

    def test_write_permission_bits(self):
        # 0 (sqlean: no chmod) and sqlean's default 438 (octal 666) are accepted...
        for perm in [0, None, 438, 2**32 + 438]:
            ours, theirs = self.side_by_side("select fileio_write(?, 'p', ?)", ("p/ours.txt", perm), ("p/theirs.txt", perm))
            self.assert_agree(ours, theirs, f"perm {perm!r}")
        # ... any other is refused, before anything is written: WASI has no chmod.
        for perm in [436, 420, 384, 511, 1]:
            message = self.ours_error("select fileio_write('p/refused.txt', 'p', ?)", perm, contains="WASI has no chmod")
            self.assertIn(f"{perm:o}", message)
            self.assertEqual(self.run_theirs("select fileio_write('p/theirs.txt', 'p', ?)", perm), [(1,)])
        self.assertFalse(os.path.exists("p/refused.txt"))

    # -- fileio_append ---------------------------------------------------------------------

    def test_append(self):
        values = [v for v in catalog.SAMPLES if v is not None] + ["a\x00b", b"x\x00y", "\x00", "\r\n"]
        for value in values:
            ours, theirs = self.side_by_side("select fileio_append(?, ?)", ("ap/ours.txt", value), ("ap/theirs.txt", value))
            self.assert_agree(ours, theirs, f"append {value!r}")
        self.assertEqual(read("ap/ours.txt"), read("ap/theirs.txt"))
        self.assertGreater(len(read("ap/ours.txt")), 300)

    def test_append_failures(self):
        self.same("select fileio_append('tree', 'x')")
        self.ours_error("select fileio_append('', 'x')")  # sqlean reads past "" making its parents
        # sqlean: fopen(NULL) fails, "failed to open file"; a NULL text would crash it.
        sql = "select fileio_append(null, 'x'), fileio_append('ap/null.txt', null)"
        self.ours_only(sql, [(None, None)], why="NULL in, NULL out (sqlean: an error, and a crash)")
        self.assertFalse(os.path.exists("ap/null.txt"))

    # -- fileio_mkdir ----------------------------------------------------------------------

    def test_mkdir(self):
        os.makedirs("md", exist_ok=True)
        for function in ["fileio_mkdir", "mkdir"]:
            ours, theirs = self.side_by_side(f"select {function}(?)", (f"md/{function}_ours",), (f"md/{function}_theirs",))
            self.assert_agree(ours, theirs, "mkdir")
            self.assertTrue(os.path.isdir(f"md/{function}_ours") and os.path.isdir(f"md/{function}_theirs"))
        os.makedirs("md/existing", exist_ok=True)
        write("md/file", b"")
        # An existing directory, a missing parent, a file in the way, NULL and empty paths.
        paths = ["md/existing", "md/existing/", "md/no/parent", "md/file", "text.txt", None, "", "tree/link_to_dir"]
        self.same_rows("select fileio_mkdir(?)", [(p,) for p in paths])
        self.same_rows("select mkdir(?, 511)", [(p,) for p in paths])

    def test_mkdir_permission_bits(self):
        for perm in [493, 448, 0, None]:
            self.ours_error("select fileio_mkdir('md/perm', ?)", perm, contains="WASI has no chmod")
        self.assertFalse(os.path.exists("md/perm"))

    # -- fileio_symlink --------------------------------------------------------------------

    def test_symlink(self):
        for function in ["fileio_symlink", "symlink"]:
            ours, theirs = self.side_by_side(f"select {function}('text.txt', ?)", (f"{function}_ours.lnk",), (f"{function}_theirs.lnk",))
            self.assert_agree(ours, theirs, "symlink")
            self.assertEqual(os.readlink(f"{function}_ours.lnk"), "text.txt")
            self.same(f"select fileio_read('{function}_ours.lnk'), fileio_read('{function}_theirs.lnk')")
            self.same(f"select name, mode & {S_IFMT}, size from fileio_ls('{function}_ours.lnk', 0)")
        # A link to a missing file is made all the same; NULLs give NULL.
        ours, theirs = self.side_by_side("select fileio_symlink('nowhere', ?)", ("dangling_ours",), ("dangling_theirs",))
        self.assert_agree(ours, theirs, "dangling link")
        self.assertEqual(os.readlink("dangling_ours"), "nowhere")
        self.same_rows("select fileio_symlink(?, ?)", [(None, "x.lnk"), ("x", None), (None, None)])

    def test_symlink_failures(self):
        why = "sqlean never reports a failed symlink() (its check `res < 0` is never true)"
        self.ours_error("select fileio_symlink('text.txt', 'text.txt')", contains="File exists")
        self.ours_error("select fileio_symlink('x', 'no/such/dir/x.lnk')")
        self.assertEqual(self.run_theirs("select fileio_symlink('text.txt', 'text.txt')"), [(None,)], why)
        # WASI refuses an absolute target (it would point out of the sandbox).
        self.ours_error("select fileio_symlink(?, 'abs.lnk')", os.path.join(ROOT, "text.txt"), contains="relative link targets")
        self.assertFalse(os.path.lexists("abs.lnk"))

    # -- fileio_ls -------------------------------------------------------------------------

    def listing(self, conn, path, recursive):
        rows = conn.execute(f"select name, mode & {S_IFMT}, mtime, size from fileio_ls(?, ?)", (path, recursive)).fetchall()
        return sorted(rows)

    def test_ls_trees(self):
        """Every row of a listing (the order is the directory's), with the mode's type."""
        paths = ["tree", "tree/", "./tree", os.path.join(ROOT, "tree"), "tree/sub", "tree/sub/deeper", "tree/empty_dir", "tree/a.txt"]
        paths += ["tree/link_to_file", "tree/link_to_dir", "tree/émoji 🙂.txt", "missing", "tree/missing/x", "", "scan", ".", "text.txt"]
        count = 0
        for path, recursive in itertools.product(paths, RECURSIVE_FLAGS):
            count += 1
            self.assertEqual(self.listing(self.ours, path, recursive), self.listing(self.theirs, path, recursive), f"{path!r} {recursive!r}")
        self.assertGreater(count, 250)
        # lsdir is the same table; a recursive listing of tree has every file of TREE.
        names = {row[0] for row in self.run_ours("select name from lsdir('tree', 1)")}
        self.assertTrue({name for name in TREE} <= names, names)
        self.assertIn("tree/link_to_dir", names)
        self.assertNotIn("tree/link_to_dir/c.txt", names, "a link to a directory is not followed")

    def test_ls_errors(self):
        self.same("select * from fileio_ls(null, 1)")
        self.fails("select * from fileio_ls()")
        self.fails("select * from fileio_ls('tree', 1, 2)")

    def test_ls_single_argument(self):
        if not self.single_argument_ls():
            self.skipTest("the SDK's table functions take every argument: fileio_ls(path) needs an optional `dir`")
        for path in ["tree", "tree/a.txt", "missing"]:
            self.assertEqual(
                sorted(self.run_ours(f"select name, mode & {S_IFMT}, mtime, size from fileio_ls(?)", path)),
                self.listing(self.theirs, path, 0),
            )

    def test_ls_mode_has_the_type_alone(self):
        why = "WASI gives a file's type but not its permission bits"
        self.ours_only("select mode from fileio_ls('tree', 0) where name = 'tree'", [(0o040000,)], why=why)
        self.ours_only("select mode from fileio_ls('text.txt', 0)", [(0o100000,)], why=why)
        self.ours_only("select mode, fileio_mode(mode) from fileio_ls('tree/link_to_file', 0)", [(0o120000, "l---------")], why=why)
        self.assertEqual(self.run_theirs("select mode & 511 > 0 from fileio_ls('text.txt', 0)"), [(1,)])

    def test_ls_hidden_columns(self):
        why = "the arguments' hidden columns read back the arguments (sqlean: NULL)"
        self.ours_only("select path, dir from fileio_ls('text.txt', 1)", [("text.txt", 1)], why=why)
        self.assertEqual(self.run_theirs("select path, dir from fileio_ls('text.txt', 1)"), [(None, None)])
        self.same("select name from fileio_ls where path = 'text.txt' and dir = 0")

    # -- fileio_scan -----------------------------------------------------------------------

    def test_scan(self):
        paths = [os.path.join("scan", name) for name in SCANNED]
        for function in ["fileio_scan", "scanfile"]:
            self.same_rows(f"select rowid, value, name from {function}(?)", [(p,) for p in paths])
            self.same_rows(f"select rowid, value from {function}(?)", [(os.path.join(ROOT, p),) for p in paths])
        self.same("select count(*), group_concat(value, '|') from fileio_scan('scan/lf.txt')")
        # sqlean refuses any constraint but the name (it expects exactly one).
        self.ours_only("select value from fileio_scan('scan/crlf.txt') where rowid = 2", [("two",)], why="sqlean: 'expects a single constraint'")
        self.fails("select value from fileio_scan('scan/crlf.txt') where rowid = 2", conn=self.theirs)

    def test_scan_errors(self):
        for path in ["missing.txt", "tree/missing/x", "", None]:
            self.same("select * from fileio_scan(?)", path)
        self.fails("select * from fileio_scan()")
        self.same("select * from fileio_scan('text.txt')")
        self.ours_error("select * from fileio_scan('tree')", contains="Is a directory")
        self.assertEqual(self.run_theirs("select * from fileio_scan('tree')"), [], "sqlean: no lines")

    def test_scan_differences(self):
        # sqlean drops what follows a \r that is second to last in a line, even without a
        # \n ("c\r" stays, "a\rb" at the end becomes "a"); only "\r\n" ends a line here.
        write("scan/cr_end.txt", b"x\na\rb")
        self.ours_only("select value from fileio_scan('scan/cr_end.txt')", [("x",), ("a\rb",)], why="sqlean truncates at a \\r")
        self.assertEqual(self.run_theirs("select value from fileio_scan('scan/cr_end.txt')"), [("x",), ("a",)])
        # A NUL ends sqlean's line (a C string); here the line is whole.
        write("scan/nul.txt", b"a\x00b\nc\n")
        self.ours_only("select value, length(value) from fileio_scan('scan/nul.txt')", [("a\x00b", 1), ("c", 1)], why="sqlean cuts a line at NUL")
        # Bytes that are not UTF-8: a blob here (a text value holds UTF-8); sqlean's text
        # holds them, and Python cannot decode it.
        write("scan/latin1.txt", "café\n".encode("latin-1") + b"ok\n")
        self.ours_only("select value, typeof(value) from fileio_scan('scan/latin1.txt')", [(b"caf\xe9", "blob"), ("ok", "text")], why="not UTF-8")
        # Long lines (sqlean.py's fileio 0.27 corrupts memory past 127 bytes).
        lines = ["x" * 127, "y" * 128, "z" * 5000, "é" * 1000, ""]
        write("scan/long.txt", "\n".join(lines).encode())
        self.ours_only("select value from fileio_scan('scan/long.txt')", [(line,) for line in lines[:-1]], why="checked against Python")

    # -- fileio_mode -----------------------------------------------------------------------

    def test_mode(self):
        modes = [16877, 33206, 33188, 41471, 384, 420, 436, 438, 493, 511, 0o010644, 0o020644, 0o060644, 0o140755, 0o170777]
        modes += [2**32 + 16877, -1, -16877, 2**31 - 1, -(2**31)]
        for function in ["fileio_mode", "lsmode"]:
            self.same_over(f"select {function}(?)", values=catalog.SAMPLES + modes)
        self.same("select substr(fileio_mode(mode), 1, 1) from fileio_ls('tree', 1) where name = 'tree'")

    # -- the sandbox -----------------------------------------------------------------------

    def test_outside_the_grant(self):
        """A path out of the granted directory is an error, never sqlean's NULL for a missing
        file: the grant is what is missing."""
        outside = tempfile.mkdtemp(prefix="sqlink-fileio-outside-")
        try:
            with open(os.path.join(outside, "x.txt"), "wb") as f:
                f.write(b"secret")
            path = os.path.join(outside, "x.txt")
            self.assertEqual(self.run_theirs("select fileio_read(?)", path), [(b"secret",)])
            for sql in ["select fileio_read(?)", "select * from fileio_ls(?, 0)", "select * from fileio_scan(?)", "select fileio_write(?, 'x')"]:
                self.ours_error(sql, path, contains="outside the granted directories")
            self.ours_error("select fileio_read('../' || ?)", os.path.basename(outside) + "/x.txt", contains="not permitted")
            self.assertEqual(read_outside(path), b"secret")
        finally:
            shutil.rmtree(outside)

    def test_without_a_grant_every_call_fails(self):
        conn = catalog.sqlink_connection("fileio")
        try:
            calls = [
                "select fileio_read('text.txt')",
                "select fileio_read(?)",
                "select readfile(?, 1, 2)",
                "select fileio_write(?, 'x')",
                "select fileio_write('new.txt', 'x', 0, 1)",
                "select fileio_append(?, 'x')",
                "select fileio_mkdir('newdir')",
                "select fileio_symlink('text.txt', 'x.lnk')",
                "select * from fileio_ls(?, 1)",
                "select * from fileio_scan(?)",
                "select * from lsdir('missing', 0)",
            ]
            for sql in calls * 2:  # every call, not just an instance's first
                params = (os.path.join(ROOT, "text.txt"),) if "?" in sql else ()
                with self.assertRaises(sqlite3.Error, msg=sql) as caught:
                    conn.execute(sql, params).fetchall()
                self.assertIn(NO_GRANT, str(caught.exception), sql)
            self.assertEqual(conn.execute("select fileio_mode(16877), fileio_read(null)").fetchall(), [("drwxr-xr-x", None)])
            self.assertFalse(os.path.exists(os.path.join(ROOT, "new.txt")))
        finally:
            conn.close()

    # -- the docs' examples ----------------------------------------------------------------

    def test_docs_examples(self):
        """docs/fileio.md's examples, in the same directory on both sides (relative paths)."""
        for run in [self.run_ours, self.run_theirs]:
            for leftover in ["hello.txt", "hello.lnk"]:
                if os.path.lexists(leftover):
                    os.remove(leftover)
            self.assertEqual(run("select fileio_write('hello.txt', 'hello world')"), [(11,)])
            self.assertEqual(run("select typeof(fileio_read('hello.txt'))"), [("blob",)])
            self.assertEqual(run("select length(fileio_read('hello.txt'))"), [(11,)])
            self.assertEqual(run("select fileio_write('hello.txt', 'hello world', 438)"), [(11,)])
            run("drop table if exists hello")
            run("create table hello(value text)")
            run("insert into hello(value) values ('one'), ('two'), ('three')")
            self.assertEqual(run("select sum(fileio_append('hello.txt', value||char(10))) from hello"), [(14,)])
            self.assertEqual(read("hello.txt"), b"hello worldone\ntwo\nthree\n")
            self.assertEqual(run("select fileio_write('hello.txt', 'one' || char(10) || 'two' || char(10) || 'three')"), [(13,)])
            lines = [(1, "one", "hello.txt"), (2, "two", "hello.txt"), (3, "three", "hello.txt")]
            self.assertEqual(run("select rowid, value, name from fileio_scan('hello.txt')"), lines)
            self.assertEqual(run("select fileio_mkdir('hellodir')"), [(None,)])
            self.assertEqual(run("select fileio_symlink('hello.txt', 'hello.lnk')"), [(None,)])
            self.assertEqual(run("select fileio_read('hello.lnk')"), [(b"one\ntwo\nthree",)])
            self.assertEqual(run("select name, size from fileio_ls('hello.txt', 0)"), [("hello.txt", 13)])
            self.assertEqual(run("select name from fileio_ls('hellodir', true)"), [("hellodir",)])
            self.assertEqual(run("select fileio_mode(16877), lsmode(33188)"), [("drwxr-xr-x", "-rw-r--r--")])
            self.assertEqual(run("select substr(fileio_mode(mode), 1, 1) from fileio_ls('hellodir', 0)"), [("d",)])
            os.rmdir("hellodir")
        # The docs' perm 436 (octal 664) cannot be given in WASI.
        self.ours_error("select fileio_write('hello.txt', 'hello world', 436)", contains="WASI has no chmod")
        self.assertEqual(self.run_theirs("select fileio_write('hello.txt', 'hello world', 436)"), [(11,)])


def read_outside(path):
    with open(path, "rb") as f:
        return f.read()


if __name__ == "__main__":
    unittest.main()
