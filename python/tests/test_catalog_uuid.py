"""uuid: sqlink's module beside sqlean's. Conversions are compared value for value over
generated UUID texts (every form sqlean's parser takes, and near misses) and blobs; the random
generators are compared by shape (length, hyphens, version digit, variant), and uuid7(n) by
the time it encodes.

Beyond sqlean, sqlink keeps `uuid()` (the same as uuid4()).
"""

import os
import random
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

RNG = random.Random(9562)

SHAPE = {
    4: re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
    7: re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
}


def hyphenate(hexdigits, positions):
    """`hexdigits` with a '-' before each byte index in `positions` (0..15)."""
    return "".join(("-" if i in positions else "") + hexdigits[2 * i:2 * i + 2] for i in range(16))


def uuid_texts():
    values = []
    for _ in range(120):
        raw = RNG.randbytes(16)
        if RNG.random() < 0.5:  # a real v7 or v4, so that uuid7_timestamp_ms has work
            raw = raw[:6] + bytes([(RNG.choice([0x40, 0x70]) | raw[6] & 0x0F)]) + raw[7:]
        h = raw.hex()
        canonical = hyphenate(h, {4, 6, 8, 10})
        values += [
            canonical,
            canonical.upper(),
            h,
            "{" + canonical + "}",
            "{" + h,
            h + "}",
            hyphenate(h, set(RNG.sample(range(16), RNG.randrange(17)))),
            raw,  # a 16-byte blob
        ]
        # Near misses: one digit short or long, doubled or trailing hyphen, stray characters.
        values += [
            RNG.choice([
                h[:-1],
                h + "0",
                canonical + "-",
                canonical.replace("-", "--", 1),
                " " + canonical,
                canonical + " ",
                "urn:uuid:" + canonical,
                "{{" + h + "}",
                "{" + h + "}}",
                h[:10] + "g" + h[11:],
                h[:31] + "-" + h[31:],
                canonical + "\x00junk",
                raw[:15],
                raw + b"\x00",
                canonical.encode(),
                h[:20] + "é" + h[21:],
            ])
        ]
    values += [
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        "-a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "{-a0eebc999c0b4ef8bb6d6bb9bd380a11}",
        "018ff38a-a5c9-712d-bc80-0550b3ad41a2",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-7fff-ffff-ffffffffffff",
        "0" * 32,
        "-" * 32,
        "{}",
        bytes(16),
        b"\xff" * 16,
    ]
    return values + catalog.SAMPLES


VALUES = uuid_texts()


class UuidTest(catalog.DifferentialTest):
    module = "uuid"
    grants = {"allow_clock": True}

    def test_documented_examples(self):
        for fn in ["uuid4()", "gen_random_uuid()", "uuid()", "uuid7()"]:
            (value,) = self.run_ours(f"SELECT {fn}")[0]
            self.assertRegex(value, SHAPE[7 if fn == "uuid7()" else 4], fn)
        self.assertRegex(self.run_ours("SELECT uuid7(0)")[0][0], r"^00000000-0000-7")
        self.assertRegex(self.run_ours("SELECT uuid7(1700000000)")[0][0], r"^018bcfe5-6800-7")
        self.assertEqual(self.run_ours("SELECT uuid7_timestamp_ms('018ff38a-a5c9-712d-bc80-0550b3ad41a2')"), [(1717777901001,)])
        self.assertEqual(
            self.run_ours("SELECT datetime(uuid7_timestamp_ms('018ff38a-a5c9-712d-bc80-0550b3ad41a2') / 1000, 'unixepoch')"),
            [("2024-06-07 16:31:41",)],
        )
        self.assertEqual(self.run_ours("SELECT uuid7_timestamp_ms(uuid4()) IS NULL"), [(1,)])
        (text,) = self.run_ours("SELECT uuid_str(randomblob(16))")[0]
        self.assertRegex(text, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertRegex(self.run_ours("SELECT hex(uuid_blob(uuid4()))")[0][0], r"^[0-9A-F]{12}4[0-9A-F]{3}[89AB][0-9A-F]{15}$")
        for sql in [
            "SELECT uuid7_timestamp_ms('018ff38a-a5c9-712d-bc80-0550b3ad41a2')",
            "SELECT uuid7_timestamp_ms(uuid4()) IS NULL",
            "SELECT length(uuid_str(randomblob(16))), length(uuid_blob(uuid4()))",
        ]:
            self.same(sql)

    def test_conversions(self):
        for fn in ["uuid_str", "uuid_blob", "uuid7_timestamp_ms"]:
            self.same_over(f"SELECT x, typeof(x) FROM (SELECT {fn}(?) AS x)", values=VALUES)
        self.same_over("SELECT uuid_str(b) IS s, hex(b) FROM (SELECT uuid_blob(v) AS b, uuid_str(v) AS s FROM (SELECT ? AS v))", values=VALUES)

    def test_generators_have_the_same_shape(self):
        for fn in ["uuid4()", "gen_random_uuid()", "uuid7()"]:
            version = 7 if fn == "uuid7()" else 4
            ours = [r[0] for r in self.run_ours(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT {fn} FROM n")]
            theirs = [r[0] for r in self.run_theirs(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT {fn} FROM n")]
            for value in ours + theirs:
                self.assertRegex(value, SHAPE[version], fn)
            self.assertEqual(len(set(ours)), 200, f"{fn} repeats")
        self.same("SELECT typeof(uuid4()), length(uuid4()), typeof(gen_random_uuid()), typeof(uuid7()), length(uuid7(5))")

    def test_uuid7_encodes_the_current_time(self):
        before = int(time.time() * 1000)
        (ms,) = self.run_ours("SELECT uuid7_timestamp_ms(uuid7())")[0]
        after = int(time.time() * 1000)
        self.assertTrue(before - 5 <= ms <= after + 5, (before, ms, after))
        # Arguments that are not integers take the current time too, as in sqlean.
        for arg in [None, 1.5, 1700000000.0, "1700000000", "abc", b"\x01"]:
            (ms,) = self.run_ours("SELECT uuid7_timestamp_ms(uuid7(?))", arg)[0]
            (theirs,) = self.run_theirs("SELECT uuid7_timestamp_ms(uuid7(?))", arg)[0]
            self.assertLess(abs(ms - theirs), 5000, arg)
            self.assertLess(abs(ms - int(time.time() * 1000)), 5000, arg)

    def test_uuid7_at_given_seconds(self):
        seconds = [0, 1, -1, 1700000000, 1717777901, 2**31, 2**47 // 1000, 2**48, 2**63 - 1, -(2**63), -1700000000]
        seconds += [RNG.randrange(-(2**62), 2**62) for _ in range(200)] + [RNG.randrange(0, 4 * 10**9) for _ in range(200)]
        # The first 48 bits are the time and the version digit is 7; the rest is random.
        self.same_over("SELECT substr(u, 1, 15), uuid7_timestamp_ms(u), length(u) FROM (SELECT uuid7(?) AS u)", values=seconds)
        for s in seconds[:50]:
            self.assertRegex(self.run_ours("SELECT uuid7(?)", s)[0][0], SHAPE[7])

    def test_function_flags(self):
        # Deterministic conversions, non-deterministic generators, with sqlean's arities.
        sql = "SELECT narg, (flags & 0x800) != 0 FROM pragma_function_list WHERE name = ? ORDER BY narg"
        self.same_over(sql, values=["uuid4", "gen_random_uuid", "uuid7", "uuid_str", "uuid_blob", "uuid7_timestamp_ms"])

    def test_wrong_argument_counts_fail(self):
        for sql in ["SELECT uuid4(1)", "SELECT uuid7(1, 2)", "SELECT uuid_str()", "SELECT uuid_blob(1, 2)", "SELECT uuid7_timestamp_ms()",
                    "SELECT gen_random_uuid(1)"]:
            self.fails(sql)


if __name__ == "__main__":
    unittest.main()
