"""The vsv module against sqlean's, over generated CSV files and inline data: the same
table (its columns' names) and the same rows, value for value and type for type, or both
refusing. Files live in one temporary directory: sqlink reads them through its grant
(`allow_dir`), sqlean directly, both by absolute path.

Where sqlink cannot answer as sqlean does, the test states sqlink's answer with
`ours_only` and says why: a text value must be UTF-8 here (a field that is not is a blob),
and a file outside the granted directories is refused.
"""

import os
import random
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

ROOT = os.path.realpath(tempfile.mkdtemp(prefix="sqlink-vsv-"))
# A directory the grant does not cover.
OUTSIDE = os.path.realpath(tempfile.mkdtemp(prefix="sqlink-vsv-outside-"))

# Fields the generator picks from: empty, plain, numbers of every shape sqlean's affinities
# tell apart (signs, spaces, exponents, separators), quoted with separators, quotes and line
# breaks inside, multi-byte text.
PLAIN = ["", "a", "abc", "Hello World", " padded ", "héllo", "日本語", "🙂", "x" * 300, "NULL", "null"]
NUMBERS = ["0", "7", "-12", "+5", " 42 ", "3.25", "-0.5", ".5", "5.", "1e3", "2.5E-2", "1e", "1.2.3", "12abc",
           "99999999999999999999", "-9223372036854775808", "9223372036854775807", "1e300", "0.1", "4.0", "1,5"]
QUOTED = ['"a,b"', '"say ""hi"""', '"line\nbreak"', '"crlf\r\nbreak"', '""', '" spaced "', '"1"', '"semi;colon"',
          '"tab\tin"', '"pipe|in"']


def field(rng, fsep):
    kind = rng.random()
    if kind < 0.35:
        value = rng.choice(PLAIN)
    elif kind < 0.75:
        value = rng.choice(NUMBERS)
    else:
        return rng.choice(QUOTED)
    # A plain field cannot hold its separator.
    return value.replace(fsep, "_").replace("\n", " ").replace('"', "'")


def document(rng, fsep=",", rsep="\n"):
    """A CSV text: a header and rows, ragged or not, with CRLF or LF, a BOM now and then, a
    final separator or not."""
    width = rng.randint(1, 5)
    records = []
    for i in range(rng.randint(0, 12)):
        count = width if rng.random() < 0.7 or i == 0 else rng.randint(1, width + 2)
        records.append(fsep.join(field(rng, fsep) for _ in range(count)))
    end = "\r\n" if rsep == "\n" and rng.random() < 0.3 else rsep
    text = end.join(records)
    if records and rng.random() < 0.7:
        text += end
    if rng.random() < 0.1:
        text = "\ufeff" + text
    return text


def quote(text):
    return "'" + text.replace("'", "''") + "'"


class VsvTest(catalog.DifferentialTest):
    module = "vsv"
    grants = {"allow_dir": [ROOT]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(ROOT, ignore_errors=True)
        shutil.rmtree(OUTSIDE, ignore_errors=True)

    def write(self, text, folder=ROOT):
        VsvTest.count += 1
        path = os.path.join(folder, f"t{VsvTest.count}.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    @staticmethod
    def outcome(conn, args, query):
        """('table', columns, rows) or ('error', message): creating the table, then `query`.
        Each value is kept with its type, so 1 and 1.0 and '1' differ."""
        try:
            conn.execute("DROP TABLE IF EXISTS temp.t")
            conn.execute(f"CREATE VIRTUAL TABLE temp.t USING vsv({args})")
            columns = [row[0] for row in conn.execute("SELECT name FROM pragma_table_info('t')")]
            rows = [tuple((type(v).__name__, v) for v in row) for row in conn.execute(query)]
            return ("table", columns, rows)
        except Exception as error:  # sqlite3.Error and sqlean's own classes
            return ("error", str(error))

    def compare(self, args, query="SELECT rowid, * FROM t"):
        ours = self.outcome(self.ours, args, query)
        theirs = self.outcome(self.theirs, args, query)
        agree = ours == theirs or (ours[0] == theirs[0] == "error")
        return agree, ours, theirs

    def same_tables(self, cases, query="SELECT rowid, * FROM t"):
        """Each case gives the same table and rows on both, or fails on both; how many made
        tables."""
        mismatches = []
        tables = 0
        for args in cases:
            agree, ours, theirs = self.compare(args, query)
            tables += ours[0] == "table"
            if not agree:
                mismatches.append(f"  vsv({args!r})\n    sqlink: {ours}\n    sqlean: {theirs}")
        if mismatches:
            self.fail(f"{len(mismatches)} of {len(cases)} disagree:\n" + "\n".join(mismatches[:10]))
        return tables

    def ours_error(self, args, contains):
        outcome = self.outcome(self.ours, args, "SELECT * FROM t")
        self.assertEqual(outcome[0], "error", f"vsv({args}) should fail")
        self.assertIn(contains, outcome[1])
        # The session goes on.
        self.assertEqual(self.ours.execute("SELECT 1").fetchall(), [(1,)])
        return outcome[1]

    # -- files ------------------------------------------------------------------------------

    def test_generated_files_read_alike(self):
        rng = random.Random(32)
        cases = []
        for _ in range(120):
            path = self.write(document(rng))
            options = [f"filename={quote(path)}"]
            if rng.random() < 0.5:
                options.append(rng.choice(["header", "header=yes", "header=1", "header=off"]))
            if rng.random() < 0.3:
                options.append(rng.choice(["nulls", "nulls=true", "nulls=no"]))
            if rng.random() < 0.5:
                options.append("affinity=" + rng.choice(["none", "blob", "text", "integer", "real", "numeric", "INTEGER"]))
            if rng.random() < 0.2:
                options.append(f"columns={rng.randint(1, 6)}")
            if rng.random() < 0.2:
                options.append(f"skip={rng.randint(1, 3)}")
            rng.shuffle(options)
            cases.append(", ".join(options))
        self.assertGreater(self.same_tables(cases), 100)

    def test_separators(self):
        rng = random.Random(7)
        cases = []
        for fsep, given in [(";", "fsep=;"), ("\t", "fsep='\\t'"), ("|", "fsep='|'"), ("\x1f", "fsep='\\x1f'"), (",", "fsep=''")]:
            for _ in range(10):
                path = self.write(document(rng, fsep=fsep))
                cases.append(f"filename={quote(path)}, {given}, header={rng.choice(['yes', 'no'])}")
        for _ in range(10):
            path = self.write(document(rng, rsep="\x1e"))
            cases.append(f"filename={quote(path)}, rsep='\\x1e'")
        for _ in range(10):
            path = self.write(document(rng, fsep=";"))
            cases.append(f"filename={quote(path)}, fsep=;, dsep=',', affinity=" + rng.choice(["real", "numeric", "integer"]))
        self.assertGreater(self.same_tables(cases), 60)

    def test_schema_and_columns(self):
        rng = random.Random(11)
        cases = []
        for _ in range(30):
            path = self.write(document(rng))
            width = rng.randint(1, 4)
            names = ", ".join(f"k{i} {rng.choice(['integer', 'text', 'real', ''])}" for i in range(width))
            schema = quote(f"CREATE TABLE x({names})")
            # sqlean requires columns= with schema= (its scans fail without it).
            options = [f"filename={quote(path)}", f"schema={schema}"]
            if rng.random() < 0.9:
                options.append(f"columns={rng.choice([width, width, width - 1, width + 1]) or 1}")
            if rng.random() < 0.5:
                options.append("header")
            cases.append(", ".join(options))
        self.assertGreater(self.same_tables(cases), 20)

    def test_inline_data(self):
        rng = random.Random(5)
        cases = []
        for _ in range(80):
            options = [f"data={quote(document(rng))}"]
            if rng.random() < 0.5:
                options.append("header")
            if rng.random() < 0.3:
                options.append("nulls")
            if rng.random() < 0.4:
                options.append("affinity=" + rng.choice(["blob", "text", "integer", "real", "numeric"]))
            if rng.random() < 0.3:
                # sqlean's skip of data= starts after the record read for the columns.
                options.append(f"skip={rng.randint(1, 2)}")
            if rng.random() < 0.2:
                options.append(f"columns={rng.randint(1, 5)}")
            cases.append(", ".join(options))
        self.assertGreater(self.same_tables(cases), 60)

    def test_rescans_and_queries(self):
        path = self.write("id,name,score\n1,ann,3.5\n2,bob,\n3,cy,7\n4,\"d,e\",1e2\n")
        args = f"filename={quote(path)}, header, affinity=numeric, nulls"
        queries = [
            "SELECT count(*) FROM t a, t b",
            "SELECT a.name, b.name FROM t a JOIN t b ON a.id < b.id ORDER BY 1, 2",
            "SELECT name FROM t WHERE score > 3 ORDER BY score DESC",
            "SELECT * FROM t LIMIT 2",
            "SELECT id FROM t WHERE score IS NULL",
            "SELECT sum(score), typeof(sum(score)) FROM t",
            "SELECT (SELECT count(*) FROM t WHERE t.id <= o.id) FROM t o",
        ]
        for query in queries:
            with self.subTest(query=query):
                agree, ours, theirs = self.compare(args, query)
                self.assertTrue(agree, f"{query}:\n  sqlink: {ours}\n  sqlean: {theirs}")
                self.assertEqual(ours[0], "table")

    def test_quirks_of_sqlean_are_kept(self):
        cases = [
            # An empty first field, before the reader kept any byte, is one NUL byte.
            "data=',a\n1,2', affinity=blob",
            "data=',a\n1,2', header, affinity=blob",
            # A header shorter than columns= is padded from one past its last field.
            "data='a,b\n1,2,3,4', header, columns=4",
            # No data: one column, named as a missing field.
            "data='', header",
            "data=''",
            # A stray quote ends the field; the record goes on or not as the one before.
            "data='\"a\"b,c\nd,e'",
            "data='x\n\"a\"b,c\nd,e'",
            # An unterminated quote runs to the end.
            "data='a,\"b\nc'",
            # A separator of three characters leaves it a NUL.
            "data='1,2', fsep=abc",
            # A prefix is enough for an affinity.
            "data='1,2', affinity=integerish",
            "data=' 12 ,+3,-0,1e2,0x10', affinity=integer",
            "data='1.50,2e1,-0.0,1e400,.5', affinity=numeric",
            # Spaces around the parameters.
            " data = 'x' ",
            "data=\"double \"\"quoted\"\"\"",
            "data='a\r\nb\r\n', columns=1",
            "data='a,b\n', skip=1",
            "data='a,b\nc,d\ne,f\n', skip=1",
            "data='a,b\nc,d\ne,f\n', header, skip=1",
        ]
        self.same_tables(cases)
        path = self.write("a,b\nc,d\ne,f\n")
        self.same_tables([f"filename={quote(path)}, skip=1", f"filename={quote(path)}, skip=2, header"])

    # -- bad input --------------------------------------------------------------------------

    def test_wrong_arguments_fail_alike(self):
        path = self.write("a,b\n1,2\n")
        cases = [
            "",
            "data='x', filename='y'",
            "header",
            f"filename={quote(path)}, bogus=1",
            f"filename={quote(path)}, header=maybe",
            f"filename={quote(path)}, Header",
            f"filename={quote(path)}, header, header",
            f"filename={quote(path)}, filename={quote(path)}",
            f"filename={quote(path)}, columns=0",
            f"filename={quote(path)}, columns=-2",
            f"filename={quote(path)}, columns=2, columns=3",
            f"filename={quote(path)}, skip=0",
            f"filename={quote(path)}, skip=5",
            f"filename={quote(path)}, affinity=float",
            f"filename={quote(path)}, affinity=text, affinity=blob",
            f"filename={quote(path)}, fsep=ab",
            f"filename={quote(path)}, rsep='\\q'",
            f"filename={quote(path)}, dsep='\\xzz'",
            f"filename={quote(path)}, schema='CREATE TABLE x(a,', columns=2",
            f"filename={quote(path)}, schema='not sql at all'",
        ]
        self.same_tables(cases)
        self.assertEqual(self.ours_error(f"filename={quote(path)}, bogus=1", "bad parameter"), "bad parameter: 'bogus=1'")
        self.ours_error("data='x', filename='y'", "must specify either filename= or data= but not both")
        self.ours_error(f"filename={quote(path)}, columns=0", "column= value must be positive")
        self.ours_error(f"filename={quote(path)}, affinity=float", "unknown affinity: 'float'")
        self.ours_error(f"filename={quote(path)}, schema='CREATE TABLE x(a,', columns=2", "is not one SQLite accepts")
        self.ours_error(f"filename={quote(path)}, schema='CREATE TABLE x(a)'", "schema= needs columns=")
        self.ours_error(f"data='a', columns={10**6}", "more than a table may have")

    def test_missing_file(self):
        missing = os.path.join(ROOT, "missing.csv")
        self.same_tables([f"filename={quote(missing)}", f"filename={quote(missing)}, columns=2", "filename=''"])
        self.ours_error(f"filename={quote(missing)}", f"cannot open '{missing}' for reading: No such file or directory")
        # With columns= the file is opened only by a scan, which then fails.
        self.ours.execute("DROP TABLE IF EXISTS temp.t")
        self.ours.execute(f"CREATE VIRTUAL TABLE temp.t USING vsv(filename={quote(missing)}, columns=2)")
        with self.assertRaises(sqlite3.Error) as caught:
            self.ours.execute("SELECT * FROM t").fetchall()
        self.assertIn("for reading", str(caught.exception))
        self.assertEqual(self.ours.execute("SELECT 2").fetchall(), [(2,)])

    def test_a_file_outside_the_grant_is_refused(self):
        path = self.write("a,b\n1,2\n", folder=OUTSIDE)
        # sqlean reads it; sqlink says the grant does not cover it.
        self.assertEqual(self.outcome(self.theirs, f"filename={quote(path)}", "SELECT * FROM t")[0], "table")
        message = self.ours_error(f"filename={quote(path)}", "it is outside the granted directories")
        self.assertIn(ROOT, message)
        escaping = os.path.join(ROOT, "..", os.path.basename(OUTSIDE), os.path.basename(path))
        self.ours_error(f"filename={quote(escaping)}", "cannot open")

    def test_without_a_grant_the_host_names_the_grant(self):
        conn = catalog.sqlink_connection("vsv")
        try:
            path = self.write("a\n")
            with self.assertRaises(sqlite3.Error) as caught:
                conn.execute(f"CREATE VIRTUAL TABLE temp.t USING vsv(filename={quote(path)})")
            self.assertIn("allow_dir", str(caught.exception))
            # Inline data needs no grant.
            conn.execute("CREATE VIRTUAL TABLE temp.d USING vsv(data='x,y')")
            self.assertEqual(conn.execute("SELECT * FROM d").fetchall(), [("x", "y")])
        finally:
            conn.close()

    def test_text_that_is_not_utf8_is_a_blob(self):
        path = os.path.join(ROOT, "latin1.csv")
        with open(path, "wb") as f:
            f.write(b"caf\xe9,ok\n")
        self.ours_only(
            "SELECT typeof(c0), hex(c0), c1 FROM t",
            [("blob", "636166E9", "ok")],
            why="a text value must be UTF-8 here; sqlean hands SQLite the bytes as text",
            setup=f"filename={quote(path)}",
        )
        self.ours_error(f"filename={quote(path)}, validatetext", "")
        with self.assertRaises(sqlite3.Error) as caught:
            self.ours.execute("SELECT c0 FROM t").fetchall()
        self.assertIn("Invalid UTF8 Data", str(caught.exception))

    def ours_only(self, sql, expected, why, setup):
        self.assertTrue(why)
        self.ours.execute("DROP TABLE IF EXISTS temp.t")
        self.ours.execute(f"CREATE VIRTUAL TABLE temp.t USING vsv({setup})")
        self.assertEqual(self.ours.execute(sql).fetchall(), expected)


if __name__ == "__main__":
    unittest.main()
