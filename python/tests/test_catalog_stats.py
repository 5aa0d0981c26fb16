"""stats: sqlink's stats module beside sqlean's, aggregate by aggregate over generated groups of
values (numbers, NULLs, text, blobs, infinities, empty groups), with percentile arguments of
every type, and `stats_seq`/`generate_series` over generated start/stop/step. Results are
compared exactly: both compute with the same arithmetic in the same order.

Named differences (ours_only): the deviation aggregates are window functions here (sqlean's
refuse OVER); `stats_seq` ends at the edge of the integer range where sqlean's wraps around and
never ends; a NULL start or stop gives no rows (sqlean's gives the row 1 when the step is -2
or less); `stats_seq()` gives no rows (sqlean: an error); its hidden `step` column gives the argument as written (sqlean's its absolute value);
and since an argument left out arrives as NULL, a NULL step counts by 1 (sqlean: no rows) and a
left-out stop gives no rows (sqlean: up to 4294967295).
"""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

RNG = random.Random(20240531)

DEVIATIONS = ["stats_stddev", "stats_stddev_samp", "stats_stddev_pop", "stats_var", "stats_var_samp", "stats_var_pop",
              "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"]
FIXED_PERCENTILES = ["stats_median", "stats_p25", "stats_p75", "stats_p90", "stats_p95", "stats_p99",
                     "median", "percentile_25", "percentile_75", "percentile_90", "percentile_95", "percentile_99"]
PERCENTILES = ["stats_perc", "percentile"]
INF = float("inf")


def groups():
    """Groups of values to aggregate, by id: the edge cases, then random ones."""
    out = [
        [],
        [None],
        [None, None],
        [1],
        [1, None],
        [2.5, None, -1],
        [1, 2, 3, 4, 5],
        [5, 3, 1, 4, 2],
        [1, 7, 3, 100],
        [-0.0, 0.0],
        [0.1, 0.2, 0.3],
        [1e308, -1e308],
        [1e308, 1e308, 1e308],
        [INF],
        [INF, 1],
        [1, -INF, 2],
        [2**63 - 1, -(2**63), 0],
        [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16],
        ["5"],
        [1, "2"],
        ["abc", "12abc", b"12"],
        [1, b"\x00\x01"],
        ["1e3", " 7 ", "-12.5", "inf"],
        [3, 3, 3, 3],
    ]
    out += [[value] for value in catalog.SAMPLES]
    out += [[value, 1.5, -2] for value in catalog.SAMPLES]
    for size in (2, 3, 4, 7, 10, 50, 101, 1000):
        out.append([RNG.uniform(-1e6, 1e6) for _ in range(size)])
        out.append([RNG.randrange(-100, 100) for _ in range(size)])
        out.append([RNG.choice([None, RNG.gauss(0, 1), RNG.randrange(10)]) for _ in range(size)])
    return out


GROUPS = groups()
GROUP_IDS = list(range(len(GROUPS)))
PERCENTS = [0, 25, 50, 50.0005, 0.1, 1e-9, 99.9, 100, 100.0000001, 100.5, -1, -0.0, "50", " 50 ", "5e1", "50abc", "abc", "",
            None, b"50", 2**63 - 1]


def null_counting_down(args):
    """A NULL argument with a step of -2 or less, a NULL step, or a step that overflows at once:
    named in test_named_differences."""
    step = args[2]
    return step is None or isinstance(step, (int, float)) and ((None in args and int(step) <= -2) or abs(step) > 2**62)


class Stats(catalog.DifferentialTest):
    module = "stats"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for conn in (cls.ours, cls.theirs):
            conn.execute("CREATE TABLE d(k INTEGER, i INTEGER, x)")
            rows = [(k, i, x) for k, group in enumerate(GROUPS) for i, x in enumerate(group)]
            conn.executemany("INSERT INTO d VALUES (?, ?, ?)", rows)

    def test_deviations_over_generated_groups(self):
        for name in DEVIATIONS:
            self.same_over(f"SELECT {name}(x) FROM d WHERE k = ?", values=GROUP_IDS)

    def test_fixed_percentiles_over_generated_groups(self):
        for name in FIXED_PERCENTILES:
            self.same_over(f"SELECT {name}(x) FROM d WHERE k = ?", values=GROUP_IDS)

    def test_custom_percentiles_over_groups_and_percents(self):
        # Every group at a few percents, and a few groups at every percent and type of percent.
        for name in PERCENTILES:
            for p in (0, 33.3, 50, 90, 100):
                self.same_over(f"SELECT {name}(x, {p}) FROM d WHERE k = ?", values=GROUP_IDS)
            for k in (0, 1, 3, 6, 8, 10, 18, 13, len(GROUPS) - 1):
                for p in PERCENTS:
                    self.same(f"SELECT {name}(x, ?) FROM d WHERE k = ?", p, k)

    def test_percent_is_checked_on_every_row_and_must_not_change(self):
        for name in PERCENTILES:
            for sql in [
                "SELECT {f}(x, p) FROM (SELECT 1 x, 50 p UNION ALL SELECT 2, 50.0005 UNION ALL SELECT 3, 60)",
                "SELECT {f}(x, p) FROM (SELECT 1 x, 50 p UNION ALL SELECT 2, 50.0005)",
                "SELECT {f}(x, p) FROM (SELECT 1 x, 50 p UNION ALL SELECT 2, 49.9)",
                "SELECT {f}(x, p) FROM (SELECT NULL x, 10 p UNION ALL SELECT NULL, 20)",
                "SELECT {f}(x, p) FROM (SELECT NULL x, 10 p UNION ALL SELECT 5, 101)",
                "SELECT {f}(x, p) FROM (SELECT 'a' x, 10 p UNION ALL SELECT 5, 10)",
                "SELECT {f}(x, p) FROM (SELECT 1 x, 'x' p UNION ALL SELECT 5, 10)",
                "SELECT {f}(x, p) FROM (SELECT 1 x, 0.1 p UNION ALL SELECT 2, 0.1 UNION ALL SELECT 3, 0.1 UNION ALL SELECT 10, 0.1)",
                "SELECT {f}(x, 50) FROM (SELECT 1 x WHERE 0)",
                "SELECT {f}(1, 101)",
                "SELECT {f}(NULL, 50)",
            ]:
                self.same(sql.format(f=name))

    def test_group_by_keeps_groups_apart(self):
        names = DEVIATIONS + FIXED_PERCENTILES
        # Groups without text, blobs or infinities, so that no percentile raises.
        numeric = [k for k, g in enumerate(GROUPS) if all(isinstance(x, (int, float)) and abs(x) != INF for x in g if x is not None)]
        columns = ", ".join(f"{name}(x)" for name in names)
        marks = ", ".join("?" * len(numeric))
        self.same(f"SELECT k, {columns}, stats_perc(x, 37.5), percentile(x, 37.5) FROM d WHERE k IN ({marks}) GROUP BY k ORDER BY k",
                  *numeric)

    def test_docs_examples(self):
        self.same("SELECT stats_median(value) FROM stats_seq(1, 99, 1)")
        self.same("SELECT median(value), percentile_25(value), stats_p99(value) FROM generate_series(1, 99, 1)")
        self.assertEqual(self.run_ours("SELECT stats_median(value) FROM stats_seq(1, 99, 1)"), [(50.0,)])
        self.same("SELECT * FROM stats_seq(5, 100, 5)")
        self.assertEqual(self.run_ours("SELECT count(*) FROM stats_seq(5, 100, 5)"), [(20,)])
        self.same("SELECT count(random()) FROM stats_seq(1, 20, 1)")

    def test_seq_over_generated_arguments(self):
        values = [None, -3, -1, 0, 1, 2, 5, 7, "3", "x", 2.7, -2.7, b"2", 9223372036854775800]
        self.same_over("SELECT value FROM stats_seq(?, ?, ?) LIMIT 40", values=values, skip=null_counting_down)
        self.same_over("SELECT value FROM generate_series(?, ?, ?) LIMIT 40", values=[None, -2, 0, 1, 4, "2"], skip=null_counting_down)
        self.same_over("SELECT count(*), min(value), max(value), sum(value) FROM stats_seq(?, ?, ?)",
                       values=[-1000, -7, 0, 3, 1000, -1, 1, 13])

    def test_seq_joined_and_ordered(self):
        self.same("SELECT a.value, b.value FROM stats_seq(1, 3, 1) a, stats_seq(a.value, 3, 1) b ORDER BY 1, 2")
        self.same("SELECT value FROM stats_seq(1, 10, -4) ORDER BY value")
        self.same("SELECT value FROM stats_seq(1, 10, 1) ORDER BY value DESC LIMIT 3")
        self.same("SELECT value FROM stats_seq(1, 100, 1) WHERE value % 7 = 0")
        self.fails("SELECT * FROM stats_seq()", conn=self.theirs)
        self.ours_only("SELECT * FROM stats_seq()", [], why="an argument left out arrives as NULL: a NULL start gives no rows")
        self.fails("SELECT * FROM stats_seq(1, 2, 3, 4)")

    def test_seq_with_defaults(self):
        self.same("SELECT * FROM stats_seq(1, 99)")
        self.same("SELECT median(value) FROM generate_series(1, 99)")
        self.same("SELECT * FROM stats_seq(1, 20)")
        self.same_over("SELECT value FROM stats_seq(?, ?) LIMIT 20", values=[None, -3, 0, 2, 7, "4", 1.5, b"3"])

    def test_named_differences(self):
        self.ours_only(
            "SELECT stddev(x) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM d WHERE k = 6 ORDER BY i",
            [(0.0,)] + [(0.7071067811865476,)] * 4,
            why="the deviation aggregates are window functions too; sqlean's refuse OVER",
        )
        self.fails("SELECT stddev(x) OVER (ORDER BY i) FROM d WHERE k = 6", conn=self.theirs)
        self.ours_only(
            "SELECT value FROM stats_seq(9223372036854775800, 9223372036854775807, 5)",
            [(9223372036854775800,), (9223372036854775805,)],
            why="sqlean's C overflows and wraps around to negative values, and never ends",
        )
        self.ours_only(
            "SELECT value FROM stats_seq(-9223372036854775807, -9223372036854775800, -5)",
            [(-9223372036854775802,), (-9223372036854775807,)],
            why="sqlean's C overflows and wraps around to positive values, and never ends",
        )
        for sql in ["SELECT value FROM stats_seq(NULL, 10, -3)", "SELECT value FROM stats_seq(1, NULL, -2)"]:
            self.assertEqual(self.run_theirs(sql), [(1,)])
            self.ours_only(sql, [], why="a NULL argument gives no rows; sqlean's gives 1 when counting down by 2 or more "
                           "(it stands for NULL with start 1, stop 0, then aligns the start down from stop by C's remainder)")
        for sql in ["SELECT value FROM stats_seq(5) LIMIT 3", "SELECT count(*) FROM stats_seq(4294967290)"]:
            self.assertNotEqual(self.run_theirs(sql), self.run_ours(sql))
        self.ours_only("SELECT value FROM stats_seq(5) LIMIT 3", [],
                       why="an argument left out arrives as NULL, and a NULL stop gives no rows (sqlean counts to "
                       "4294967295 when stop is left out, and gives no rows for NULL)")
        self.assertEqual(self.run_theirs("SELECT count(*) FROM stats_seq(1, 3, NULL)"), [(0,)])
        self.ours_only("SELECT count(*) FROM stats_seq(1, 3, NULL)", [(3,)],
                       why="a NULL step is a step left out, 1 (sqlean gives no rows for NULL)")
        self.ours_only(
            "SELECT start, stop, step, value FROM stats_seq(1, 10, -3) LIMIT 1",
            [(1, 10, -3, 10)],
            why="the hidden columns give the arguments as written; sqlean's step column gives |step|",
        )


if __name__ == "__main__":
    unittest.main()
