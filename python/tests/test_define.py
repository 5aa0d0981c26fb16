"""The `define` example (extensions/define) through libsqlink in Python's sqlite3, beside
sqlean.py (PyPI), whose sqlean `define` it follows: generated definitions of functions and
table-valued functions, called with generated arguments, answer the same on both, and both
keep their definitions in the database's `sqlean_define` table."""

import os
import random
import sqlite3
import tempfile
import unittest

import sqlink

try:
    import sqlean
except ImportError:  # pragma: no cover - the test venv installs it
    sqlean = None


PARAMETERS = [":a", ":b", ":c"]
LITERALS = ["0", "1", "2", "-3", "1.5", "'x'", "'abc'", "NULL", "''"]
ARGUMENTS = [None, 0, 1, -2, 7, 2.5, "", "ab", "héllo", "12", b"\x00\x01"]


def expression(rng, depth=0):
    """A random SQL expression over the parameters, SQLite's functions and operators."""
    if depth > 2 or rng.random() < 0.3:
        return rng.choice(PARAMETERS + LITERALS)
    kind = rng.randrange(6)
    left, right = expression(rng, depth + 1), expression(rng, depth + 1)
    if kind == 0:
        return f"({left} {rng.choice(['+', '-', '*', '||', '<', '=', 'AND', 'OR'])} {right})"
    if kind == 1:
        return f"{rng.choice(['abs', 'length', 'upper', 'typeof', 'quote', 'hex'])}({left})"
    if kind == 2:
        return f"coalesce({left}, {right})"
    if kind == 3:
        return f"CASE WHEN {left} THEN {right} ELSE {expression(rng, depth + 1)} END"
    if kind == 4:
        return f"substr({left}, 1, 2)"
    return f"(SELECT count(*) FROM (VALUES (1), (2)) WHERE column1 < {left})"


def ours(path=":memory:"):
    conn = sqlite3.connect(path, isolation_level=None)
    sqlink.load(conn, "define")
    return conn


def theirs(path=":memory:"):
    sqlean.extensions.enable_all()
    return sqlean.connect(path, isolation_level=None)


def answer(conn, sql, args=()):
    try:
        return ("rows", conn.execute(sql, args).fetchall())
    except Exception:  # noqa: BLE001 - both raising is the same answer
        return ("error",)


@unittest.skipIf(sqlean is None, "sqlean.py is not installed")
class Define(unittest.TestCase):
    def test_generated_functions_answer_as_sqleans(self):
        rng = random.Random(32)
        mine, reference = ours(), theirs()
        for n in range(60):
            name = f"f{n}"
            body = expression(rng)
            for conn in (mine, reference):
                conn.execute("SELECT define(?, ?)", (name, body))
            arity = mine.execute("SELECT narg FROM pragma_function_list WHERE name = ?", (name,)).fetchone()[0]
            for _ in range(8):
                args = [rng.choice(ARGUMENTS) for _ in range(arity)]
                call = f"SELECT {name}({', '.join('?' * arity)})"
                self.assertEqual(answer(mine, call, args), answer(reference, call, args), f"{name}: {body} with {args}")
        stored = "SELECT name, type, body FROM sqlean_define ORDER BY name"
        self.assertEqual(mine.execute(stored).fetchall(), reference.execute(stored).fetchall())

    def test_generated_functions_calling_defined_functions_answer_as_sqleans(self):
        """Bodies that call functions defined before them (sqlean's define allows it; since
        contract 0.5.0 sqlink's does too: the host runs each body, not the extension)."""
        rng = random.Random(34)
        mine, reference = ours(), theirs()
        arities = {}
        for n in range(40):
            name = f"g{n}"
            body = expression(rng)
            for _ in range(rng.randrange(1, 3)):
                if not arities:
                    break
                callee = rng.choice(sorted(arities))
                args = ", ".join(rng.choice(PARAMETERS + LITERALS) for _ in range(arities[callee]))
                body = f"({body} {rng.choice(['+', '||', '=', 'AND'])} {callee}({args}))"
            defined = [answer(conn, "SELECT define(?, ?)", (name, body)) for conn in (mine, reference)]
            self.assertEqual(defined[0][0], defined[1][0], f"{name}: {body}")
            if defined[0][0] == "error":
                continue
            arities[name] = mine.execute("SELECT narg FROM pragma_function_list WHERE name = ?", (name,)).fetchone()[0]
            for _ in range(6):
                args = [rng.choice(ARGUMENTS) for _ in range(arities[name])]
                call = f"SELECT {name}({', '.join('?' * arities[name])})"
                self.assertEqual(answer(mine, call, args), answer(reference, call, args), f"{name}: {body} with {args}")
        self.assertGreater(len(arities), 30, "most definitions are functions both define")
        nested = [name for name in arities if any(f"g{k}(" in mine.execute("SELECT body FROM sqlean_define WHERE name = ?", (name,)).fetchone()[0] for k in range(40))]
        self.assertGreater(len(nested), 20, "most bodies call another defined function")

    def test_generated_table_functions_answer_as_sqleans(self):
        rng = random.Random(33)
        mine, reference = ours(), theirs()
        for n in range(25):
            columns = ", ".join(f"{expression(rng)} AS c{i}" for i in range(rng.randrange(1, 4)))
            query = (
                f"(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) "
                f"SELECT i, {columns} FROM r WHERE i <= coalesce(:a, 2))"
            )
            for conn in (mine, reference):
                conn.execute(f"CREATE VIRTUAL TABLE t{n} USING define({query})")
            for args in [(), (1,), (3,), (None,)]:
                given = f"({', '.join('?' * len(args))})" if args else ""
                sql = f"SELECT * FROM t{n}{given}"
                self.assertEqual(answer(mine, sql, args), answer(reference, sql, args), f"{query} with {args}")

    def test_a_reopened_database_has_the_definitions(self):
        with tempfile.TemporaryDirectory() as folder:
            paths = [os.path.join(folder, "ours.db"), os.path.join(folder, "theirs.db")]
            setup = [
                "SELECT define('sumn', ':n * (:n + 1) / 2')",
                "SELECT define('wrap', ':l || :s || :l')",
                "CREATE VIRTUAL TABLE strcut USING define((SELECT substr(:s, :start, :len) AS part))",
            ]
            for connect, path in zip((ours, theirs), paths):
                conn = connect(path)
                for sql in setup:
                    conn.execute(sql)
                conn.close()
            mine, reference = ours(paths[0]), theirs(paths[1])
            # sqlean defines them as it loads; sqlink at the extension's first call.
            mine.execute("SELECT define_free()")
            for sql in [
                "SELECT sumn(10), wrap('*', 'x')",
                "SELECT part FROM strcut('hello', 2, 3)",
                "SELECT name, type, body FROM sqlean_define ORDER BY name",
            ]:
                self.assertEqual(answer(mine, sql), answer(reference, sql), sql)

    def test_bad_input_is_one_clear_error_and_the_session_goes_on(self):
        conn = ours()
        conn.execute("SELECT define('f', ':x * 2')")
        for sql, expected in [
            ("SELECT define('g', 'selec 1')", "define(g): the body does not compile"),
            ("SELECT f(1, 2)", "wrong number of arguments to function f()"),
            ("SELECT define('f', '1')", "define(f): a function of that name is defined already"),
        ]:
            with self.assertRaises(sqlite3.Error) as raised:
                conn.execute(sql).fetchall()
            self.assertIn(expected, str(raised.exception))
        self.assertEqual(conn.execute("SELECT f(21)").fetchall(), [(42,)])

    def test_undefine_and_define_free_edge_cases_answer_as_sqleans(self):
        mine, reference = ours(), theirs()
        script = [
            "SELECT undefine('nope')",
            "SELECT undefine(NULL)",
            "SELECT undefine('')",
            "SELECT undefine(7)",
            "SELECT define_free(1)",
            "SELECT define('edge', ':x + 1')",
            "SELECT edge(4)",
            "SELECT undefine('edge')",
            "SELECT undefine('edge')",
            "SELECT name, type, body FROM sqlean_define ORDER BY name",
            "SELECT define_free()",
        ]
        for sql in script:
            self.assertEqual(answer(mine, sql), answer(reference, sql), sql)
        # Where they differ (README): sqlink's undefine removes the function at once, so the
        # name can be defined again (sqlean keeps it until the connection closes); after
        # sqlean's define_free() a define may fail there ("bad parameter or other API misuse").
        self.assertEqual(answer(mine, "SELECT edge(1)"), ("error",))
        mine.execute("SELECT define('edge', ':x * 3')")
        self.assertEqual(mine.execute("SELECT edge(2)").fetchall(), [(6,)])


if __name__ == "__main__":
    unittest.main()
