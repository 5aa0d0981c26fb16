"""The catalog's headline functions through libsqlink in Python's sqlite3, beside the same
SQL in sqlean.py (sqlean's C extensions) in the same process: ns per row with each side's
bare scan subtracted, for short values and for 1 KB values.

python bench/catalog.py [--quick]   (with the sqlink package and sqlean.py installed)
"""

import sqlite3
import sys
import time

import sqlink

QUICK = "--quick" in sys.argv
ROWS = 2_000 if QUICK else 100_000
REPEAT = 2 if QUICK else 5

# (module, expression over column x, whether the 1 KB table is measured too). Each
# expression is the same SQL on both sides (the catalog's names are sqlean's), except where
# sqlean.py lacks the function: THEIRS names what it runs instead (SQLite's own sqrt() for
# math_sqrt, which sqlean's math module is), or None (sqlean.py 3.50.4.5 carries sqlean
# 0.27, without the xxHash functions of 0.28).
THEIRS = {"math_sqrt(length(x))": "sqrt(length(x))", "crypto_xxh64(x)": None}

HEADLINES = [
    ("crypto", "crypto_md5(x)", True),
    ("crypto", "crypto_sha1(x)", True),
    ("crypto", "crypto_sha256(x)", True),
    ("crypto", "crypto_sha512(x)", True),
    ("crypto", "crypto_blake3(x)", True),
    ("crypto", "crypto_xxh64(x)", True),
    ("crypto", "crypto_encode(x, 'base64')", True),
    ("crypto", "crypto_encode(x, 'hex')", True),
    ("crypto", "crypto_decode(crypto_encode(x, 'base64'), 'base64')", True),
    ("text", "text_reverse(x)", True),
    ("text", "text_split(x, ' ', 2)", True),
    ("text", "text_length(x)", True),
    ("text", "text_upper(x)", True),
    ("unicode", "unaccent(x)", True),
    ("unicode", "nupper(x)", True),
    ("fuzzy", "fuzzy_leven(x, 'row 12345 words')", False),
    ("fuzzy", "fuzzy_soundex(x)", False),  # ASCII only, and the 1 KB values are not
    ("fuzzy", "fuzzy_translit(x)", True),
    ("regexp", "regexp_like(x, '[0-9]+ w')", True),
    ("regexp", "regexp_replace(x, '[0-9]', '#')", False),
    ("ipaddr", "ipcontains('10.0.0.0/8', '10.1.2.' || (length(x) % 256))", False),
    ("time", "time_fmt_iso(time_unix(length(x) * 86400))", False),
    ("uuid", "uuid_str(uuid_blob(printf('d5a80b20-0d8f-11ef-9e6b-%012d', length(x))))", False),
    ("math", "math_sqrt(length(x))", False),
]

AGGREGATES = [
    ("stats", "stats_median(length(x))"),
    ("stats", "stats_p90(length(x))"),
    ("stats", "stats_stddev(length(x))"),
]


def fill(conn, size):
    conn.execute("DROP TABLE IF EXISTS t")
    conn.execute("CREATE TABLE t(x TEXT)")
    if size == "short":
        rows = (f"row {i} words" for i in range(ROWS))
    else:
        line = "héllo wörld, the quick brown fox jumps over the lazy dog 0123456789 " * 16
        rows = (f"{i} {line}"[:1024] for i in range(ROWS))
    conn.executemany("INSERT INTO t VALUES (?)", ((x,) for x in rows))


def ns_per_row(conn, sql):
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        conn.execute(sql).fetchall()
        best = min(best, time.perf_counter() - start)
    return best * 1e9 / ROWS


def main():
    import sqlean

    modules = sorted({module for module, _, _ in HEADLINES} | {module for module, _ in AGGREGATES})
    ours = sqlite3.connect(":memory:")
    sqlink.load(ours, *modules)
    sqlean.extensions.enable_all()
    theirs = sqlean.connect(":memory:")
    print(
        f"catalog: libsqlink in Python's sqlite3 {sqlite3.sqlite_version} beside sqlean.py "
        f"(SQLite {sqlean.sqlite_version}) in the same process; {ROWS} rows, min of {REPEAT}; "
        "ns per row with each side's bare scan subtracted\n"
    )
    print(f"{'function':<58} {'size':<6} {'sqlink':>9} {'sqlean':>9} {'ratio':>7}")
    for size in ["short", "1KB"]:
        fill(ours, size)
        fill(theirs, size)
        scans = [ns_per_row(conn, "SELECT count(x) FROM t") for conn in (ours, theirs)]
        rows = [(m, f"SELECT count({e}) FROM t", e) for m, e, long in HEADLINES if size == "short" or long]
        rows += [(m, f"SELECT {e} FROM t", e) for m, e in AGGREGATES]
        for module, sql, expression in rows:
            their_expression = THEIRS.get(expression, expression)
            mine = ns_per_row(ours, sql) - scans[0]
            if their_expression is None:
                print(f"{expression:<58} {size:<6} {mine:>9.0f} {'-':>9} {'-':>7}  (not in sqlean.py)")
                continue
            their = ns_per_row(theirs, sql.replace(expression, their_expression)) - scans[1]
            ratio = mine / their if their > 0 else float("nan")
            print(f"{expression:<58} {size:<6} {mine:>9.0f} {their:>9.0f} {ratio:>6.2f}x")


if __name__ == "__main__":
    main()
