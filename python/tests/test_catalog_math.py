"""math: sqlink's `math_*` functions beside SQLite's own built-in math functions, as sqlean.py's
SQLite (built with SQLITE_ENABLE_MATH_FUNCTIONS) has them. sqlean's math module is those
functions under `math_` names, and sqlean.py does not ship it, so `math_sqrt(x)` here is
compared with `sqrt(x)` there: the value (floats within a tight relative tolerance: sqlink uses
musl's libm, SQLite glibc's), the storage class, NULL for non-numbers and domain errors.
"""

import itertools
import math
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

RNG = random.Random(1729)

# musl's and glibc's libm agree to 2 ulps (relative 4.5e-16) over 100,000 sampled inputs.
REL = 1e-15

ONE_ARG = ["ceil", "floor", "trunc", "ln", "log", "log10", "log2", "exp", "sqrt", "cos", "sin", "tan", "cosh", "sinh", "tanh",
           "acos", "asin", "atan", "acosh", "asinh", "atanh", "radians", "degrees", "round"]
TWO_ARGS = ["pow", "mod", "atan2", "log", "round"]

NUMERIC_TEXT = [" 12 ", "12abc", "1e3", "5.", ".5", "-.5", ".", "+", "-", "1e", "1e+", "inf", "-inf", "nan", "Infinity", "0x10",
                "12\x00", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "\v3\f", "  -7.25e-3 ",
                "1e400", "-1e400", "1e-400", "-0", "+0.0", "00012", "1_000", "1.5.2", "3,5", "٣", "１２", "0.1e+01", "2E-1"]

EDGES = [-2, -1, -0.5, 0.5, 2, 10, 100, 1e308, -1e308, 5e-324, -5e-324, 2.2250738585072014e-308, 709.78, 710, -745.2, -746,
         math.pi / 2, math.pi, -math.pi, 2 * math.pi, 1e22, 1e15 + 0.3, 4503599627370496.5, 4503599627370497, 2**53 + 1,
         0.9999999999999999, 1.0000000000000002, -0.9999999999999999, 1e-300, 0.49999999999999994, -0.49999999999999994]


def random_reals(count):
    out = []
    for _ in range(count):
        magnitude = 10 ** RNG.uniform(-20, 20)
        out.append(RNG.choice([1, -1]) * magnitude)
        out.append(RNG.uniform(-4, 4))
    return out


VALUES = catalog.SAMPLES + NUMERIC_TEXT + EDGES + random_reals(500) + [RNG.randrange(-(2**63), 2**63) for _ in range(20)]
PAIR_VALUES = [None, 0, 1, -1, 2, 3, 10, -3, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, 1e300, -1e300, 1e-300, math.pi, 1000, 2**63 - 1,
               "", "abc", "8 apples", " 2 ", "1e3", "2.5e-1", b"", b"4", "-0", 7.25, -7.25, 0.1, 100, 64, 1024, 0.001]
PAIR_VALUES += random_reals(12)

# round(x, n): halves that are exact in binary and decimal halves that are not, at many places.
ROUND_X = [0.125, 0.375, -0.125, 2.5, -2.5, 0.5, 1.5, 2.675, 1.005, 0.285, 1.0e-5, 123456.789, -0.0, 0.0, 1e15 + 0.5,
           4503599627370495.5, 1e-20, 5e-324, 42.123456789]
ROUND_X += [RNG.randrange(-10**6, 10**6) / 10**d + 5 / 10 ** (d + 1) for d in range(1, 12) for _ in range(12)]
ROUND_X += random_reals(40)


def random_round_args(count):
    """(x, n) with x near a decimal half at or around n places."""
    out = []
    for _ in range(count):
        d = RNG.randrange(0, 16)
        x = RNG.randrange(-10**9, 10**9) / 10**d + RNG.choice([0, 5 / 10 ** (d + 1), RNG.uniform(-1e-3, 1e-3)])
        out.append((x, RNG.choice([d, d - 1, d + 1, RNG.randrange(0, 31)])))
    return out
ROUND_N = list(range(0, 32)) + [-1, -100, 2**31, 2**32 + 1, 2**63 - 1, -(2**63), 1.9, -0.5, 30.5, "3", "3abc", " 2", "1e3", "x",
                                None, b"2", 1e100]


class MathTest(catalog.DifferentialTest):
    module = "math"
    # sqlean.py ships no math module; its SQLite has the built-ins this compares with.
    sqlean_module = "math"

    def same_as_builtin(self, ours_fn, theirs_fn, args_list, rel=REL):
        """`ours_fn(args)` on sqlink agrees with `theirs_fn(args)` in sqlean.py's SQLite for every
        argument tuple: the same value and storage class, or NULL, or both an error."""
        mismatches = []
        for args in args_list:
            marks = ", ".join("?" * len(args))
            ours = catalog.outcome(self.ours, f"SELECT x, typeof(x) FROM (SELECT {ours_fn}({marks}) AS x)", args)
            theirs = catalog.outcome(self.theirs, f"SELECT x, typeof(x) FROM (SELECT {theirs_fn}({marks}) AS x)", args)
            if not catalog.agree(ours, theirs, rel):
                mismatches.append(f"  {args!r}\n    sqlink: {ours}\n    sqlite: {theirs}")
        if mismatches:
            self.fail(f"{ours_fn} vs {theirs_fn}: {len(mismatches)} of {len(args_list)} disagree\n" + "\n".join(mismatches[:20]))
        return len(args_list)

    def test_one_argument_functions(self):
        compared = 0
        for name in ONE_ARG:
            compared += self.same_as_builtin(f"math_{name}", name, [(v,) for v in VALUES])
        self.assertGreater(compared, 10000)

    def test_two_argument_functions(self):
        pairs = list(itertools.product(PAIR_VALUES, repeat=2))
        for name in TWO_ARGS:
            self.same_as_builtin(f"math_{name}", name, pairs)

    def test_round_to_places(self):
        self.same_as_builtin("math_round", "round", list(itertools.product(ROUND_X, ROUND_N)), rel=0.0)
        self.same_as_builtin("math_round", "round", [(x,) for x in ROUND_X + VALUES], rel=0.0)
        self.same_as_builtin("math_round", "round", random_round_args(8000), rel=0.0)

    def test_pi(self):
        self.same_as_builtin("math_pi", "pi", [()], rel=0.0)

    def test_sqlean_examples(self):
        # sqlean's docs show math_sqrt(9); its test suite checks these identities.
        checks = [
            ("math_sqrt(9)", 3.0),
            ("math_ceil(3.3)", 4.0), ("math_ceil(-3.9)", -3.0), ("math_floor(3.9)", 3.0), ("math_floor(-3.9)", -4.0),
            ("math_trunc(3.9)", 3.0), ("math_trunc(-3.3)", -3.0),
            ("math_round(42.123456789, 8)", 42.12345679), ("math_round(42.123456789, 3)", 42.123), ("math_round(42.123456789, 0)", 42.0),
            ("math_round(math_ln(2.71828*2.71828))", 2.0), ("math_round(math_log(100))", 2.0), ("math_round(math_log10(100))", 2.0),
            ("math_round(math_log2(4))", 2.0), ("math_round(math_log(3, 9))", 2.0), ("math_pow(2, 10)", 1024.0), ("math_sqrt(100)", 10.0),
            ("math_cos(0)", 1.0), ("math_round(math_cos(math_pi()/2))", 0.0), ("math_round(math_sin(math_pi()/2))", 1.0),
            ("math_round(math_tan(0.8))", 1.0), ("math_round(math_cosh(2.07))", 4.0), ("math_round(math_sinh(2.1))", 4.0),
            ("math_round(math_tanh(3))", 1.0), ("math_acos(1)", 0.0), ("math_round(math_atan2(1, 2), 2)", 0.46),
            ("math_round(math_acosh(4))", 2.0), ("math_round(math_asinh(4))", 2.0), ("math_round(math_atanh(0.8))", 1.0),
            ("math_round(math_radians(180), 2)", 3.14), ("math_round(math_degrees(math_pi()))", 180.0),
        ]
        for expr, expected in checks:
            self.assertEqual(self.run_ours(f"SELECT {expr}"), [(expected,)], expr)
            self.assertEqual(self.run_theirs(f"SELECT {expr.replace('math_', '')}"), [(expected,)], expr)

    def test_functions_and_arities(self):
        rows = self.run_ours("SELECT name, narg, (flags & 0x800) != 0 FROM pragma_function_list WHERE name LIKE 'math\\_%' ESCAPE '\\' ORDER BY 1, 2")
        names = {(f"math_{n}", a) for n in ONE_ARG for a in [1]} | {(f"math_{n}", 2) for n in TWO_ARGS} | {("math_pi", 0)}
        self.assertEqual({(n, a) for n, a, _ in rows}, names)
        self.assertTrue(all(det for _, _, det in rows), "all deterministic")
        for sql in ["SELECT math_sqrt()", "SELECT math_sqrt(1, 2)", "SELECT math_pow(2)", "SELECT math_pi(1)", "SELECT math_round(1, 2, 3)"]:
            self.fails(sql, conn=self.ours)


if __name__ == "__main__":
    unittest.main()
