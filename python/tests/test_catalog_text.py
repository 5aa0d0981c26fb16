"""text: sqlink's module beside sqlean's. Every function and alias is compared value for value
(or both failing) over generated arguments: catalog.SAMPLES and short texts for strings, and
for positions and counts small integers, zero, negatives, 32-bit edges (sqlean reads them with
sqlite3_value_int, so 2^31 is -2^31), 64-bit extremes, reals, numeric texts, blobs and NULL;
then each documented example.

Named differences, where sqlean's answer is a bug or a crash (and so never sent to sqlean):
- text_like: in sqlean a `%` followed by more pattern must match at least one character
  (text_like('%a', 'a') is 0); sqlink's `%` matches any run of characters, none included,
  as LIKE does.
- text_upper/lower/title/casefold: sqlean converts in place, so a character whose other case
  is longer in UTF-8 overwrites the next one ('ɐb' upper-cases to 'Ɐ') and one whose other
  case is shorter (ı, ſ, İ, ẞ, K, Ω, ⱥ, ...) crashes it; sqlink converts each character.
- Blobs that are not UTF-8: sqlean decodes past their end (crash, or garbage) or returns the
  bytes as text, which Python cannot read; sqlink reads bytes that are not UTF-8 as U+FFFD.
- Results SQLite cannot hold (text_repeat, text_lpad/rpad to 2^31 - 1 characters): sqlean's
  answer depends on whether malloc gives it gigabytes (NULL, '' or "string or blob too big");
  sqlink says "string or blob too big" without building them.
"""

import os
import random
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

RNG = random.Random(4021)

INT_MAX = 2**31 - 1

# Positions and counts: what sqlean reads with sqlite3_value_int (the low 32 bits of an
# integer) and what it refuses (anything but an integer).
INTS = [
    None, 0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 300, -1, -2, -3, -4, -5, -6, -7, -11, -12, -13,
    2**31, -(2**31), -(2**31) + 1, -(2**31) + 3, 2**31 + 3, 2**32 + 2, 2**63 - 1, -(2**63),
    1.5, 3.0, -2.0, "2", "x", b"\x02",
]
# Where nothing is built from the count, 2^31 - 1 as well.
POSITIONS = INTS + [INT_MAX, INT_MAX - 1]

# Strings for the functions of several arguments: ASCII, multi-byte, emoji, empty, a NUL
# inside, numbers and blobs (valid UTF-8, and one that starts with a NUL).
TEXTS = [
    None, "", "a", "abc", "hello world", "héllo wörld", "日本語テキスト", "🙂 emoji 👍",
    "a\x00b", 42, -2.25, 1e100, b"", b"abc", b"\x00\x01\xfe\xff",
]

# Needles, separators, fills and trim sets to combine with the strings.
PIECES = [None, "", "a", "l", "lo", "o w", "é", "ö", "語", "🙂", " ", ",", "\x00", "ab", "xyz", 4, 2.25, b"", b"b", b"\x00"]

# A few texts built from the pieces, so that searches find things more often.
HAYSTACKS = TEXTS + ["aaaa", "a,b,,c,", ",a,", "lollol", "llama", "éöé", "  padded  ", "xyzzyx", "🙂,🙂", "a\x00a\x00"]


def not_utf8(value):
    """A blob whose bytes are not UTF-8: sqlean hands them back as text Python cannot read."""
    if not isinstance(value, bytes):
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def is_builtin(name):
    """Whether the SQLite Python uses has `name` itself: sqlink then keeps SQLite's (an
    extension replaces the connection's own functions only when allowed to, and the
    loadable library's load options have no grant for that)."""
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute("select count(*) from pragma_function_list where name = ?", (name,)).fetchone()[0] > 0
    finally:
        conn.close()


def like_reference(pattern, text):
    """LIKE as SQL has it (no escape): `%` any run, `_` any one character, case aside (for
    the characters used below, where Python's lower() is sqlean's case folding)."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c.lower()) for c in pattern)
    return int(re.fullmatch(regex, text.lower(), re.DOTALL) is not None)


def sqlean_like(pattern, text):
    """sqlean's LIKE, where a `%` followed by more pattern takes at least one character."""
    regex = ""
    for i, c in enumerate(pattern):
        if c == "%":
            regex += ".*" if all(d == "%" for d in pattern[i:]) else ".+?"
        else:
            regex += "." if c == "_" else re.escape(c.lower())
    return int(re.fullmatch(regex, text.lower(), re.DOTALL) is not None)


class TextTest(catalog.DifferentialTest):
    module = "text"

    # -- names and arities -----------------------------------------------------------------

    FUNCTIONS = {
        "text_substring": [2, 3], "text_slice": [2, 3], "text_left": [2], "left": [2], "text_right": [2], "right": [2],
        "text_index": [2], "strpos": [2], "text_last_index": [2], "text_contains": [2], "text_has_prefix": [2],
        "starts_with": [2], "text_has_suffix": [2], "text_count": [2], "text_like": [2],
        "text_split": [3], "split_part": [3], "text_join": [-1], "concat_ws": [-1], "text_concat": [-1], "concat": [-1],
        "text_repeat": [2], "repeat": [2],
        "text_ltrim": [-1], "ltrim": [-1], "text_rtrim": [-1], "rtrim": [-1], "text_trim": [-1], "btrim": [-1],
        "text_lpad": [-1], "lpad": [-1], "text_rpad": [-1], "rpad": [-1],
        "text_upper": [1], "text_lower": [1], "text_title": [1], "text_casefold": [1],
        "text_replace": [3, 4], "text_translate": [3], "translate": [3], "text_reverse": [1], "reverse": [1],
        "text_length": [1], "char_length": [1], "character_length": [1], "text_size": [1], "octet_length": [1],
        "text_bitsize": [1], "bit_length": [1],
    }

    def test_functions_and_arities_are_sqleans(self):
        query = "select narg from pragma_function_list where name = ? and builtin = 0"
        for name, arities in self.FUNCTIONS.items():
            theirs = sorted(r[0] for r in self.run_theirs(query, name))
            self.assertEqual(theirs, arities, f"sqlean's {name}")
            if is_builtin(name):
                continue  # kept as SQLite's own, below
            ours = sorted(r[0] for r in self.run_ours(query, name))
            self.assertEqual(ours, arities, name)
        collations = "select count(*) from pragma_collation_list where name = 'text_nocase'"
        self.assertEqual(self.run_ours(collations), [(1,)])

    def test_aliases_of_sqlite_functions_stay_sqlites(self):
        # ltrim and rtrim are SQLite's: sqlink does not replace them unless allowed to.
        for name in ("ltrim", "rtrim", "concat", "concat_ws", "octet_length"):
            if is_builtin(name):
                self.assertEqual(self.run_ours("select count(*) from pragma_function_list where name = ? and narg = -1", name), [(0,)])
        self.assertEqual(self.run_ours("select ltrim('xxa', 'x'), rtrim('axx', 'x')"), [("a", "a")])

    # -- substrings ------------------------------------------------------------------------

    def test_substring_and_slice(self):
        for sql in ("select text_substring(?, ?)", "select text_slice(?, ?)"):
            self.same_over(sql.replace("?, ?", "?, 2"), values=catalog.SAMPLES)
            self.same_over(sql.replace("?, ?", "'héllo wörld', ?"), values=POSITIONS)
            self.same_over(sql, values=TEXTS[:6] + POSITIONS, limit=2000)
        for sql in ("select text_substring(?, ?, ?)", "select text_slice(?, ?, ?)"):
            self.same_over(sql.replace("?, ?, ?", "'hello wörld', ?, ?"), values=POSITIONS, limit=2000)
            self.same_over(sql.replace("?, ?, ?", "?, 3, -2"), values=catalog.SAMPLES)
            self.same_over(sql.replace("?, ?, ?", "?, ?, 4"), values=TEXTS + POSITIONS, limit=3000)

    def test_left_and_right(self):
        for name in ("text_left", "text_right") + tuple(n for n in ("left", "right") if not is_builtin(n)):
            # LEFT and RIGHT are keywords: called by a quoted name
            self.same_over(f'select "{name}"(?, ?)', values=TEXTS + POSITIONS, limit=3000)
            self.same_over(f'select "{name}"(?, 3)', values=catalog.SAMPLES)
            self.same_over(f"select \"{name}\"('hello wörld', ?)", values=POSITIONS)

    # -- search and match ------------------------------------------------------------------

    def test_search(self):
        for name in ("text_index", "strpos", "text_last_index", "text_contains", "text_has_prefix", "starts_with", "text_has_suffix", "text_count"):
            self.same_over(f"select {name}(?, ?)", values=HAYSTACKS + PIECES, limit=3000)
            self.same_over(f"select {name}(?, ?)", values=catalog.SAMPLES, limit=2000)

    def test_like(self):
        self.same_over("select text_like(?, ?)", values=catalog.SAMPLES, limit=2000)
        # Patterns whose `%` are all at the end, where sqlean's LIKE is LIKE.
        patterns = ["", "_", "__", "a", "A", "a_", "_b_", "abc", "ABC%", "%", "%%", "h%", "HÉ%", "hé_lo%", "日本%", "_🙂%", "Ü%", "привет%", 1, b"a%"]
        texts = ["", "a", "A", "ab", "abc", "aBc", "héllo", "HÉLLO wörld", "日本語", "🙂🙂", "Ünïcödé", "ПРИВЕТ, мир", "1", b"abc"]
        for pattern in patterns:
            for text in texts:
                self.same("select text_like(?, ?)", pattern, text)
        self.same("select text_like(NULL, 'a'), text_like('a', NULL)")

    def test_like_percent_matches_any_run_of_characters(self):
        patterns = ["%a", "a%b", "%b%", "%%a", "a%%b", "%l_o%", "%O", "_%_", "%é", "%日%語", "h%o%d", "%_"]
        texts = ["a", "ab", "ba", "xa", "hello", "HELLO WORLD", "é", "日語", "日本語", ""]
        for pattern in patterns:
            for text in texts:
                expected = like_reference(pattern, text)
                self.ours_only("select text_like(?, ?)", [(expected,)], pattern, text, why="sqlean's % must take a character before more pattern")
                if expected == sqlean_like(pattern, text):
                    self.same("select text_like(?, ?)", pattern, text)
        self.assertEqual(self.run_theirs("select text_like('%a', 'a')"), [(0,)])

    # -- split and join --------------------------------------------------------------------

    def test_split(self):
        for name in ("text_split", "split_part"):
            self.same_over(f"select {name}(?, ?, 1)", values=HAYSTACKS + PIECES, limit=3000)
            self.same_over(f"select {name}('a,b,,c,', ',', ?)", values=POSITIONS)
            self.same_over(f"select {name}(?, ',', ?)", values=["a,b,,c,", ",", "", "abc", "🙂,🙂,", None] + INTS)
            self.same_over(f"select {name}(?, ?, -1)", values=HAYSTACKS + PIECES, limit=3000)

    def test_join_and_concat(self):
        for name in ("text_join", "text_concat") + tuple(n for n in ("concat_ws", "concat") if not is_builtin(n)):
            self.same(f"select {name}()")
            self.same_over(f"select {name}(?)", values=catalog.SAMPLES)
            self.same_over(f"select {name}(?, ?)", values=TEXTS + PIECES, limit=2000)
            self.same_over(f"select {name}(?, ?, ?)", values=catalog.SHORT_SAMPLES, limit=3000)
            self.same_over(f"select {name}(?, 'x', NULL, 2, ?)", values=TEXTS)

    def test_repeat(self):
        for name in ("text_repeat", "repeat"):
            self.same_over(f"select {name}(?, ?)", values=TEXTS + INTS, limit=3000)
            self.same_over(f"select {name}(?, 3)", values=catalog.SAMPLES)
        # Nothing to build: sqlean answers these without allocating.
        self.same("select text_repeat('', ?), text_repeat('a\x00b', ?)", INT_MAX, INT_MAX)
        # 6 GB: sqlean's answer depends on malloc (and would take minutes); sqlink refuses it.
        with self.assertRaisesRegex(Exception, "string or blob too big"):
            self.run_ours("select text_repeat('abc', ?)", INT_MAX)

    # -- trim and pad ----------------------------------------------------------------------

    def test_trim(self):
        names = ["text_ltrim", "text_rtrim", "text_trim", "btrim"] + [n for n in ("ltrim", "rtrim") if not is_builtin(n)]
        for name in names:
            self.same(f"select {name}()")
            self.same(f"select {name}('a', 'b', 'c')")
            self.same_over(f"select {name}(?)", values=catalog.SAMPLES + ["  ", " \t a \t ", "\u3000a\u3000"])
            self.same_over(f"select {name}(?, ?)", values=HAYSTACKS + PIECES + ["la", "lo🙂", "éö", "abc"], limit=3000)

    def test_pad(self):
        for name in ("text_lpad", "lpad", "text_rpad", "rpad"):
            self.same(f"select {name}()")
            self.same(f"select {name}('a')")
            self.same(f"select {name}('a', 1, 'b', 'c')")
            self.same_over(f"select {name}(?, ?)", values=TEXTS + INTS, limit=3000)
            self.same_over(f"select {name}(?, 9)", values=catalog.SAMPLES)
            self.same_over(f"select {name}(?, 7, ?)", values=TEXTS + PIECES + ["ab", "🙂x", "éö"], limit=3000)
            self.same_over(f"select {name}('héllo', ?, ?)", values=INTS + PIECES, limit=3000)
        # 2^31 characters: sqlean's answer depends on malloc ('' or too big); sqlink refuses it.
        for sql in ("select text_lpad('hi', ?)", "select text_rpad('hi', ?, 'é')"):
            with self.assertRaisesRegex(Exception, "string or blob too big"):
                self.run_ours(sql, INT_MAX)
        # Cut, not padded: nothing to build.
        self.same("select text_lpad('hello', ?, ''), text_rpad('hello', ?, '')", INT_MAX, INT_MAX)

    # -- change case -----------------------------------------------------------------------

    def changes_length(self, value):
        """Whether a character of `value` has a case form (in sqlink) of another UTF-8 length,
        which crashes sqlean or makes it overwrite the next character: never sent to it."""
        if not isinstance(value, str):
            return False
        for c in value:
            forms = self.run_ours("select text_upper(?), text_lower(?), text_casefold(?)", c, c, c)[0]
            if any(len(f.encode()) != len(c.encode()) for f in forms):
                return True
        return False

    def test_case_functions_over_samples(self):
        texts = [
            "ǅungla ǈ ǋ", "strasse", "ΣΑΣ σας ς", "İi", "o'neil mcdonald-smith", "x_y x-y 1st 2ND", "ａｂｃ ＡＢＣ", "ꭰꭱ ᏸ Ꮀ",
            "ⅰⅱ Ⅲ ⓐ Ⓐ", "µ ÿ Ÿ", "ǆ Ǆ ǅ", "ᾳ ᾼ ῃ", "Ꭰ ꭰ", "𐐀 𐐨 𝐀", "a\x00B", "\x00Ab", "  lead", "x\u0301y", "straße",
            "𐐀a 𝐀a 𠀀a 🙂a ١a ٠a ߀a", "\U0010fffd\U000e0001 x",
        ]
        safe = [t for t in texts if not self.changes_length(t)]
        self.assertEqual(len(safe), len(texts) - 2)  # "İi" and "straße" are left to test_case_forms_of_another_length
        for name in ("text_upper", "text_lower", "text_title", "text_casefold"):
            self.same_over(f"select {name}(?)", values=catalog.SAMPLES, skip=lambda args: not_utf8(args[0]) or self.changes_length(args[0]))
            self.same_over(f"select {name}(?)", values=safe)

    def test_case_of_every_bmp_character(self):
        # Each function on one text of every character whose other case (in sqlink) has the
        # same UTF-8 length, which sqlean converts in place without harm; 4 calls a side.
        chars = [chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF and c != 0x0A]
        joined = "\n".join(chars)
        for name in ("text_upper", "text_lower", "text_casefold"):
            mapped = self.run_ours(f"select {name}(?)", joined)[0][0].split("\n")
            self.assertEqual(len(mapped), len(chars), name)
            safe = "\n".join(c for c, m in zip(chars, mapped) if len(m.encode()) == len(c.encode()))
            self.same(f"select {name}(?)", safe)
        # text_title: a character after each, to tell whether it ends a word.
        upper = self.run_ours("select text_upper(?)", joined)[0][0].split("\n")
        lower = self.run_ours("select text_lower(?)", joined)[0][0].split("\n")
        same_length = [c for c, u, lo in zip(chars, upper, lower) if len(u.encode()) == len(lo.encode()) == len(c.encode())]
        self.same("select text_title(?)", "".join(c + "a" for c in same_length))

    def test_case_forms_of_another_length(self):
        why = "sqlean converts in place: a longer form overwrites the next character, a shorter one crashes it"
        self.ours_only("select text_upper('ɐb')", [("ⱯB",)], why=why)
        self.ours_only("select text_upper('ıſ straße')", [("IS STRAẞE",)], why=why)
        self.ours_only("select text_lower('İ K Ω Å ẞ Ɐ')", [("i k ω å ß ɐ",)], why=why)
        self.ours_only("select text_casefold('ſ K ẞ')", [("s k ß",)], why=why)
        self.ours_only("select text_title('ıi ɐx')", [("Ii Ɐx",)], why=why)

    def test_nocase_collation(self):
        words = ["a", "A", "b", "B", "ab", "aB", "Ab", "", "é", "É", "straße", "STRASSE", "ς", "Σ", "σ", "ǅ", "ǆ", "Ǆ", "日本", "🙂", "a\x00b", "a\x00c", "K", "k",
                 "\u212a", "\u212ax", "kz", "\u0130", "i", "\u017f", "s", "\u1e9e", "ß", "\u2126", "ω", "ⅰ", "Ⅰ"]
        for a in words:
            for b in words:
                self.same("select ? = ? collate text_nocase, ? < ? collate text_nocase, ? > ? collate text_nocase", a, b, a, b, a, b)
        self.same("select x from (select column1 as x from (values ('b'), ('A'), ('a'), ('B'), ('é'), ('É'), ('ä'))) order by x collate text_nocase, x")

    # -- other modifications ---------------------------------------------------------------

    def test_replace(self):
        # Replacing the NUL that starts a blob shows the bytes after it, which are not UTF-8.
        def shows_bytes(args):
            return not_utf8(args[0]) and args[1] in ("\x00", b"\x00")

        self.same_over("select text_replace(?, ?, ?)", values=[None, "", "a", "l", "lo", "é", "hello wörld", "lollol", "aaaa", "🙂", 7, b"\x00", b"l"], limit=3000)
        self.same_over("select text_replace(?, 'l', ?)", values=HAYSTACKS + PIECES, limit=3000)
        self.same_over("select text_replace('hello lollol', 'l', ?, ?)", values=["", "L", "ll", "é", None, 1] + INTS, limit=3000)
        self.same_over("select text_replace(?, ?, '*', 2)", values=HAYSTACKS + PIECES, limit=3000, skip=shows_bytes)
        self.same_over("select text_replace(?, ?, '*')", values=HAYSTACKS + PIECES, limit=3000, skip=shows_bytes)
        self.same_over("select text_replace(?, ?, ?, ?)", values=catalog.SHORT_SAMPLES, limit=3000, skip=shows_bytes)

    def test_translate(self):
        for name in ("text_translate", "translate"):
            self.same_over(f"select {name}(?, ?, ?)", values=[None, "", "a", "ol", "lol", "01", "0", "é", "éö🙂", "hello wörld", 12, b"l"], limit=3000)
            self.same_over(f"select {name}(?, 'lé', '1')", values=catalog.SAMPLES)

    def test_reverse(self):
        for name in ("text_reverse", "reverse"):
            self.same_over(f"select {name}(?)", values=catalog.SAMPLES + ["🙂x", "a\x00b", "x\u0301"])

    # -- properties ------------------------------------------------------------------------

    def test_properties(self):
        for name in ("text_length", "char_length", "character_length", "text_size", "text_bitsize", "bit_length") + tuple(
            n for n in ("octet_length",) if not is_builtin(n)
        ):
            self.same_over(f"select {name}(?)", values=catalog.SAMPLES + ["𐌀𐌁𐌂", "a\x00bc", b"a\x00bc", 2**63 - 1, -(2**63), 0.1, 1 / 3, 1e15, 1e-5])

    def test_numbers_read_as_sqlite_prints_them(self):
        reals = [0.1, 1 / 3, 2 / 3, 1e15, 1e14 + 0.5, 123456789.123456789, 1e-4, 1e-5, 12345678901234567890.0, 5e-324, 1.7976931348623157e308,
                 -0.0, 0.30000000000000004, 9.999999999999999e22, 100.0, 0.5, 2.5e-300,
                 -116539.7599630435, 100000000000000.5, 0.1234567890123455, 999999999999999.5, 9999999999999995.0]
        reals += [RNG.uniform(-1e6, 1e6) for _ in range(200)] + [RNG.random() * 10 ** RNG.randint(-30, 30) for _ in range(200)]
        self.same_over("select text_concat(?, '|')", values=reals + [float("inf"), float("-inf")])

    # -- random calls ----------------------------------------------------------------------

    def test_random_calls(self):
        alphabet = ["a", "b", "A", "é", "É", "日", "🙂", ",", " ", "_", "%", "l", "o", "\x00"]

        def word():
            return "".join(RNG.choice(alphabet) for _ in range(RNG.randrange(7)))

        def position():
            return RNG.choice([RNG.randrange(-9, 10), RNG.choice(INTS)])

        calls = [
            ("text_substring(?, ?)", lambda: (word(), position())),
            ("text_substring(?, ?, ?)", lambda: (word(), position(), position())),
            ("text_slice(?, ?)", lambda: (word(), position())),
            ("text_slice(?, ?, ?)", lambda: (word(), position(), position())),
            ("text_left(?, ?)", lambda: (word(), position())),
            ("text_right(?, ?)", lambda: (word(), position())),
            ("text_index(?, ?)", lambda: (word(), word())),
            ("text_last_index(?, ?)", lambda: (word(), word())),
            ("text_contains(?, ?)", lambda: (word(), word())),
            ("text_has_prefix(?, ?)", lambda: (word(), word()[:2])),
            ("text_has_suffix(?, ?)", lambda: (word(), word()[:2])),
            ("text_count(?, ?)", lambda: (word(), word()[:2])),
            ("text_like(?, ?)", lambda: (word(), word())),
            ("text_split(?, ?, ?)", lambda: (word(), word()[:2], position())),
            ("text_join(?, ?, ?, ?)", lambda: (word(), word(), RNG.choice([None, word()]), word())),
            ("text_concat(?, ?, ?)", lambda: (word(), RNG.choice([None, word()]), word())),
            ("text_repeat(?, ?)", lambda: (word(), RNG.randrange(-3, 6))),
            ("text_ltrim(?, ?)", lambda: (word(), word())),
            ("text_rtrim(?, ?)", lambda: (word(), word())),
            ("text_trim(?, ?)", lambda: (word(), word())),
            ("text_lpad(?, ?, ?)", lambda: (word(), RNG.randrange(-2, 12), word())),
            ("text_rpad(?, ?, ?)", lambda: (word(), RNG.randrange(-2, 12), word())),
            ("text_upper(?)", lambda: (word(),)),
            ("text_lower(?)", lambda: (word(),)),
            ("text_title(?)", lambda: (word(),)),
            ("text_casefold(?)", lambda: (word(),)),
            ("text_replace(?, ?, ?)", lambda: (word(), word()[:2], word())),
            ("text_replace(?, ?, ?, ?)", lambda: (word(), word()[:2], word(), position())),
            ("text_translate(?, ?, ?)", lambda: (word(), word(), word())),
            ("text_reverse(?)", lambda: (word(),)),
            ("text_length(?)", lambda: (word(),)),
            ("text_size(?)", lambda: (word(),)),
        ]
        for _ in range(120):
            for call, make in calls:
                args = make()
                if call.startswith("text_like") and like_reference(*(a.split("\x00")[0] for a in args)) != sqlean_like(*(a.split("\x00")[0] for a in args)):
                    continue  # sqlean's % (test_like_percent_matches_any_run_of_characters)
                self.same(f"select {call}", *args)

    # -- documented examples ---------------------------------------------------------------

    EXAMPLES = [
        ("select text_substring('hello world', 7)", "world"),
        ("select text_substring('hello world', 7, 5)", "world"),
        ("select text_slice('hello world', 7)", "world"),
        ("select text_slice('hello world', 7, 12)", "world"),
        ("select text_slice('hello world', -5)", "world"),
        ("select text_slice('hello world', -5, -2)", "wor"),
        ("select text_left('hello world', 5)", "hello"),
        ("select text_left('hello world', -6)", "hello"),
        ("select text_right('hello world', 5)", "world"),
        ("select text_right('hello world', -6)", "world"),
        ("select text_index('hello yellow', 'ello')", 2),
        ("select text_index('hello yellow', 'x')", 0),
        ("select text_last_index('hello yellow', 'ello')", 8),
        ("select text_last_index('hello yellow', 'x')", 0),
        ("select text_contains('hello yellow', 'ello')", 1),
        ("select text_contains('hello yellow', 'x')", 0),
        ("select text_has_prefix('hello yellow', 'hello')", 1),
        ("select text_has_prefix('hello yellow', 'yellow')", 0),
        ("select text_has_suffix('hello yellow', 'hello')", 0),
        ("select text_has_suffix('hello yellow', 'yellow')", 1),
        ("select text_count('hello yellow', 'ello')", 2),
        ("select text_count('hello yellow', 'x') = 0", 1),
        ("select text_like('cóm_ está_', 'CÓMO ESTÁS')", 1),
        ("select text_like('ça%', 'Ça roule')", 1),
        ("select text_split('one|two|three', '|', 2)", "two"),
        ("select text_split('one|two|three', '|', -1)", "three"),
        ("select text_split('one|two|three', ';', 2)", ""),
        ("select text_concat('one', 'two', 'three')", "onetwothree"),
        ("select text_concat('one', null, 'three')", "onethree"),
        ("select text_join('|', 'one', 'two')", "one|two"),
        ("select text_join('|', 'one', null, 'three')", "one|three"),
        ("select text_repeat('one', 3)", "oneoneone"),
        ("select text_ltrim('  hello')", "hello"),
        ("select text_ltrim('273hello', '123456789')", "hello"),
        ("select text_rtrim('hello  ')", "hello"),
        ("select text_rtrim('hello273', '123456789')", "hello"),
        ("select text_trim('  hello  ')", "hello"),
        ("select text_trim('273hello273', '123456789')", "hello"),
        ("select text_lpad('hello', 7)", "  hello"),
        ("select text_lpad('hello', 7, '*')", "**hello"),
        ("select text_rpad('hello', 7)", "hello  "),
        ("select text_rpad('hello', 7, '*')", "hello**"),
        ("select text_upper('cómo estás')", "CÓMO ESTÁS"),
        ("select text_lower('CÓMO ESTÁS')", "cómo estás"),
        ("select text_title('cómo estás')", "Cómo Estás"),
        ("select 1 where 'cómo estás' = 'CÓMO ESTÁS' collate text_nocase", 1),
        ("select text_replace('hello', 'l', '*')", "he**o"),
        ("select text_replace('hello', 'l', '*', 1)", "he*lo"),
        ("select text_translate('hello', 'ol', '01')", "he110"),
        ("select text_translate('hello', 'ol', '0')", "he0"),
        ("select text_reverse('hello')", "olleh"),
        ("select text_length('𐌀𐌁𐌂')", 3),
        ("select text_size('𐌀𐌁𐌂')", 12),
        ("select text_bitsize('one')", 24),
    ]

    def test_documented_examples(self):
        for sql, expected in self.EXAMPLES:
            self.assertEqual(self.run_ours(sql), [(expected,)], sql)
            self.same(sql)
        self.assertEqual(self.run_ours("select 1 where 'cómo estás' = 'CÓMO ESTÁS'"), [])

    def test_errors_are_sqleans(self):
        cases = [
            ("select text_substring('a', 1.0)", "start parameter should be integer"),
            ("select text_substring('a', '1', 1)", "start parameter should be integer"),
            ("select text_substring('a', 1, NULL)", "length parameter should be integer"),
            ("select text_substring('a', 1, -1)", "length parameter should >= 0"),
            ("select text_slice('a', 1, 'x')", "end parameter should be integer"),
            ("select text_left('a', NULL)", "length parameter should be integer"),
            ("select text_split('a', ',', 0)", "part parameter should not be 0"),
            ("select text_split('a', ',', 1.0)", "part parameter should be integer"),
            ("select text_join('-')", "expected at least 2 parameters"),
            ("select text_concat()", "expected at least 1 parameter"),
            ("select text_repeat('a', '3')", "count parameter should be integer"),
            ("select text_trim()", "expected 1 or 2 parameters"),
            ("select text_rpad('a', 2, 'b', 'c')", "expected 2 or 3 parameters"),
            ("select text_lpad('a', 2.0)", "length parameter should be integer"),
            ("select text_replace('a', 'a', 'b', NULL)", "count parameter should be integer"),
        ]
        for sql, message in cases:
            for conn in (self.ours, self.theirs):
                with self.assertRaises(Exception, msg=sql) as raised:
                    conn.execute(sql).fetchall()
                self.assertEqual(str(raised.exception), message, sql)

    def test_blobs_that_are_not_utf8(self):
        why = "sqlean reads past the end of such a blob or returns its bytes as text; sqlink reads U+FFFD"
        self.ours_only("select text_upper(?)", [("\x00\x01\ufffd\ufffd",)], b"\x00\x01\xfe\xff", why=why)
        self.ours_only("select text_reverse(?), text_length(?)", [("a\ufffd", 2)], b"\xffa", b"\xffa", why=why)
        self.ours_only("select text_concat(?, 'x')", [("\ufffdx",)], b"\xe9", why=why)
        self.ours_only("select text_size(?), text_contains(?, ?)", [(2, 1)], b"\xfe\xff", b"\xfe\xff", b"\xff", why=why)


if __name__ == "__main__":
    unittest.main()
