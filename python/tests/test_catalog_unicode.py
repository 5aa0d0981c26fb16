"""The unicode module against sqlean's, through the names that do not replace SQLite's own:
nupper, nlower, casefold, unaccent, nlike (2 and 3 arguments) and unicode_version. Like sqlean,
the module also has upper, lower, like (so the LIKE operator) and the NOCASE collation; a host
replaces SQLite's own only with its override (libsqlink has none), so here the connection
keeps them, and the Rust unit tests cover those names (upper, lower and like are nupper,
nlower and nlike under other names).

Inputs: catalog.SAMPLES, every code point of the Basic Multilingual Plane, characters
beyond it, text with 0 characters and a leading U+FEFF, bytes that are not UTF-8, and LIKE
patterns made from words by changing case, accents and wildcards."""

import json
import os
import random
import sys
import unicodedata
import unittest

# The harness sits beside this file, which also runs as `python -m unittest path/to/it.py`.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

CASE_FUNCTIONS = ["nupper", "nlower", "casefold", "unaccent"]

rng = random.Random(5150)

BMP = [cp for cp in range(1, 0x10000) if not 0xD800 <= cp <= 0xDFFF]
# Every BMP character, 96 to a string.
BMP_CHUNKS = ["".join(chr(cp) for cp in BMP[i : i + 96]) for i in range(0, len(BMP), 96)]
# Beyond the BMP: every high surrogate and every low one occur in these.
ASTRAL = ["".join(chr(0x10000 + (h << 10) + rng.randrange(0x400)) for h in range(i, i + 64)) for i in range(0, 0x400, 64)]
ASTRAL += ["😀 ok 👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐁𝐨𝐥𝐝", "\U0010ffff\U00010000"]

TEXTS = [
    "привет", "ПРИВЕТ мир", "Ελληνικά ΣΑΣ ς", "straße STRASSE", "İstanbul ıi", "Ǆǅǆ ǇǈǉǊǋǌ", "ﬁﬂ",
    "hôtel", "Ærøskøbing Œuvre", "crème brûlée", "½ ¼ ™ ℃ №", "Ⅻ ⓐ Ａｂｃ", "Ꙁ ꙁ Ꜿ ꜿ Ɖ ɖ",
    "ǅungla", "\u0130\u0131", "e\u0301 combining", "日本語 한국어 हिन्दी", "مرحبا שלום",
    "a\u0000b after a zero", "\ufeffBOM first", "x\ufeffBOM inside", "\ufeff\ufeffTwo", "\u00a0nbsp", "Ω≈ç√∫",
]

# Not UTF-8: stray continuation bytes, truncated and overlong sequences, surrogates, U+FFFE,
# values past U+10FFFF, leads with many continuation bytes, and random bytes.
BLOBS = [
    b"\xe9t\xe9", b"\x80\xbf", b"\xc1\x81", b"\xe0\x80\x80", b"\xed\xa0\x80x", b"\xef\xbf\xbe", b"\xef\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xf7\xbf\xbf\xbf", b"\xfb\xbf\xbf\xbf\xbf", b"\xfd\xbf\xbf\xbf\xbf\xbf",
    b"\xc3" + b"\xbf" * 7, b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbfbom", b"ab\x00\xff",
]
BLOBS += [bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) for _ in range(400)]


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


WORDS = ["привет", "Straße", "hôtel", "crème", "ÉCOLE", "naïve", "Ελλάδα", "İzmir", "café", "日本", "x😀y", "50%", "a_b", "back\\slash"]
WORDS += ["".join(rng.choice("aAbBéÉèçÇñÑöÖßжЖΣσς%_\\|") for _ in range(rng.randint(0, 7))) for _ in range(120)]


def pattern_for(word):
    """A pattern that may or may not match `word`: case, accents and wildcards changed."""
    out = []
    for ch in word:
        r = rng.random()
        if r < 0.15:
            out.append("_")
        elif r < 0.25:
            out.append("%")
        elif r < 0.45:
            out.append(ch.swapcase())
        elif r < 0.6:
            out.append(strip_accents(ch) or ch)
        elif r < 0.65:
            out.append(rng.choice("xé%_"))
        else:
            out.append(ch)
        if rng.random() < 0.05:
            out.append("%")
    return "".join(out)


LIKE_PAIRS = [(pattern_for(w), w) for w in WORDS for _ in range(6)]
LIKE_PAIRS += [(pattern_for(w), rng.choice(WORDS)) for w in WORDS]
LIKE_PAIRS += [
    ("пРиВ_Т", "привет"), ("%", ""), ("", ""), ("", "a"), ("_", ""), ("%%", "x"), ("%_%", ""), ("a%", "A"),
    ("%é%", "CAFE"), ("h_tel", "hôtel"), ("ß", "SS"), ("%ς", "ΣΑΣ"), ("Ɖ", "ɖ"), ("%Ɖ", "ɖ"), ("%Ɖ%", "dɖ"),
    ("Ꜿ", "ꜿ"), ("😀", "\uf600"), ("\uf600", "😀"), ("%😀", "x😀"), ("ǅ", "ǆ"), ("½", "1"), ("Æ", "a"),
    # Beyond the BMP only the low 16 bits count: U+1FFFF and U+2FFFF are alike, and unlike
    # U+FFFD (what U+FFFF itself becomes as text).
    ("\U0001ffff", "\U0002ffff"), ("\U0001fffe", "\ufffd"), ("%\ufffd", b"\xf7\xbf\xbf\xbf"),
]

ESCAPES = ["\\", "|", "%", "_", "é", "€", "😀", "a"]


class UnicodeTest(catalog.DifferentialTest):
    module = "unicode"

    def test_documented_examples(self):
        for sql, expected in [
            ("select nupper('привет')", "ПРИВЕТ"),
            ("select nlower('ПРИВЕТ')", "привет"),
            ("select nlike('пРиВ_Т', 'привет')", 1),
            ("select unaccent('hôtel')", "hotel"),
            ("select unicode_version()", "5.1.0.12"),
        ]:
            self.assertEqual(self.run_ours(sql), [(expected,)], sql)
            self.same(sql)

    def test_functions_are_deterministic_and_innocuous(self):
        rows = self.run_ours(
            "select name, narg, flags & 0x200800 from pragma_function_list "
            "where name in ('nupper', 'nlower', 'casefold', 'unaccent', 'nlike', 'unicode_version') order by 1, 2"
        )
        self.assertEqual(
            rows,
            [
                ("casefold", 1, 0x200800),
                ("nlike", 2, 0x200800),
                ("nlike", 3, 0x200800),
                ("nlower", 1, 0x200800),
                ("nupper", 1, 0x200800),
                ("unaccent", 1, 0x200800),
                ("unicode_version", 0, 0x200800),
            ],
        )

    def test_sqlites_own_names_are_kept(self):
        # The module has upper(), lower(), like() and NOCASE too, as sqlean; the connection
        # keeps SQLite's (ASCII-only case, so 'привет' is unchanged).
        (info,) = self.run_ours("select sqlink_extensions()")[0]
        kept = [e["kept"] for e in json.loads(info) if e["name"] == "unicode"][0]
        self.assertEqual(kept, ["upper()", "lower()", "like()", "collation NOCASE"])
        self.assertEqual(
            self.run_ours("select upper('привет'), lower('ПРИВЕТ'), 'привет' like 'ПРИВЕТ', 'é' = 'É' collate nocase"),
            [("привет", "ПРИВЕТ", 0, 0)],
        )

    def test_case_functions_over_samples(self):
        for name in CASE_FUNCTIONS:
            with self.subTest(name):
                self.same_over(f"select {name}(?)")

    def test_case_functions_over_every_bmp_character(self):
        for name in CASE_FUNCTIONS:
            with self.subTest(name):
                self.same_rows(f"select {name}(?)", [(chunk,) for chunk in BMP_CHUNKS])

    def test_case_functions_beyond_bmp_texts_and_blobs(self):
        values = ASTRAL + TEXTS + BLOBS + [w for w in WORDS]
        for name in CASE_FUNCTIONS:
            with self.subTest(name):
                self.same_rows(f"select {name}(?)", [(v,) for v in values])

    def test_like(self):
        self.same_over("select nlike(?, ?)", values=catalog.SHORT_SAMPLES)
        self.same_rows("select nlike(?, ?)", LIKE_PAIRS)
        self.same_rows("select nlike(?, ?)", [(b, t) for b in BLOBS[:60] for t in ["", "abc", BLOBS[7].decode("latin-1")]])
        self.same_rows("select nlike(?, ?)", [(t, b) for b in BLOBS[:60] for t in ["%", "_%", "%\ufffd%", "a%"]])

    def test_like_every_bmp_character_against_its_folded_and_unaccented_forms(self):
        rows = []
        for chunk in BMP_CHUNKS:
            (folded, plain, upper) = self.run_theirs("select casefold(?), unaccent(?), nupper(?)", chunk, chunk, chunk)[0]
            # Patterns are the chunk itself (wildcards in it included) and each character
            # against the others' forms.
            rows += [(chunk, folded), (chunk, upper), (folded, chunk), (plain, chunk), (chunk, plain)]
        self.same_rows("select nlike(?, ?)", rows)
        others = [(cp, other) for cp in BMP[::37] for other in (cp + 1, cp + 32, cp - 32, ord(strip_accents(chr(cp))[:1] or "a"))]
        singles = [(chr(cp), chr(other)) for cp, other in others if 0 < other < 0xD800 or 0xE000 <= other < 0x10000]
        self.same_rows("select nlike(?, ?), nlike('%' || ? || '%', 'x' || ? || 'y')", [(a, b, a, b) for a, b in singles])

    def test_like_with_escape(self):
        rows = [(p, s, e) for (p, s) in LIKE_PAIRS[::3] for e in ESCAPES]
        rows += [("10\\%", "10%", "\\"), ("10\\%", "100", "\\"), ("a\\", "a", "\\"), ("a||b", "A|B", "|"), ("%%%", "%", "%"), ("é_", "_", "é")]
        rows += [("a", "a", None), ("a", "a", ""), ("a", "a", "ab"), ("a", "a", 1), (None, "a", "\\"), ("a", None, "\\"), ("a", "a", b"\xff")]
        self.same_rows("select nlike(?, ?, ?)", rows)

    def test_like_pattern_length_limit(self):
        self.same("select nlike(?, 'a')", "%" * 50000)
        self.fails("select nlike(?, 'a')", "%" * 50001)
        self.fails("select nlike(?, 'a', NULL)", "a" * 50001)
        self.same("select nlike(?, 'a')", "é" * 25000)

    def test_unicode_version(self):
        self.same("select unicode_version()")
        self.fails("select unicode_version(1)")


if __name__ == "__main__":
    unittest.main()
