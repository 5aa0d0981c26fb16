"""vsv, sqlean's CSV virtual table: rows per second of a full scan of one generated CSV file
(100 MB unless told), through libsqlink in Debian's Python sqlite3, beside sqlean's C vsv
(sqlean.py) on the same file in the same process, and beside the same rows in a native
table. Each figure is the minimum of 5 runs, in this thread's CPU time (the machine is
shared; the scheduler's time is not the scan's).

target/venv-python/bin/python bench/vsv.py [--megabytes N] [--keep PATH]

Environment, as python/tests reads it: SQLINK_LIBRARY (a libsqlink to load instead of the
installed package's), SQLINK_CATALOG_DIR (load vsv_ext.wasm from there).
"""

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time

QUERIES = [
    ("every column", "SELECT count(c0), count(c1), count(c2), count(c3), count(c4) FROM t"),
    ("no column", "SELECT count(*) FROM t"),
]


def generate(path, megabytes):
    """Rows of an id, a name, a city, a real and a quoted note (with a comma, sometimes a
    doubled quote), until the file has `megabytes` MB."""
    rng = random.Random(1)
    names = ["Diane", "Grace", "Alice", "Bob", "Émile", "Zoë", "Chen", "Olu"]
    cities = ["London", "Berlin", "Paris", "São Paulo", "Kyiv", "Lagos", "Osaka"]
    target = megabytes * 1_000_000
    written = rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,name,city,score,note\n")
        while written < target:
            chunk = []
            for _ in range(10_000):
                rows += 1
                note = f'"seen {rng.randint(1, 999)} times, ""ok"""' if rng.random() < 0.2 else f'"plain, {rows}"'
                chunk.append(f"{rows},{rng.choice(names)},{rng.choice(cities)},{rng.random() * 1000:.3f},{note}\n")
            text = "".join(chunk)
            f.write(text)
            written += len(text.encode())
    return rows


def best_seconds(conn, sql, repeat=5):
    best = float("inf")
    answer = None
    for _ in range(repeat):
        start = time.thread_time()
        answer = conn.execute(sql).fetchone()
        best = min(best, time.thread_time() - start)
    return best, answer


def sqlink_connection(folder):
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    library = os.environ.get("SQLINK_LIBRARY")
    if library:
        conn.load_extension(library)
    else:
        import sqlink

        sqlink.load(conn)
    source = "vsv"
    if os.environ.get("SQLINK_CATALOG_DIR"):
        source = os.path.join(os.environ["SQLINK_CATALOG_DIR"], "vsv_ext.wasm")
    conn.execute("SELECT sqlink_load(?, ?)", (source, json.dumps({"allow_dir": [folder]})))
    conn.enable_load_extension(False)
    return conn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--keep", help="write (or reuse) the CSV file here")
    options = parser.parse_args()
    folder = os.path.realpath(os.path.dirname(options.keep) if options.keep else tempfile.mkdtemp(prefix="sqlink-bench-vsv-"))
    path = os.path.realpath(options.keep) if options.keep else os.path.join(folder, "rows.csv")
    if not os.path.exists(path):
        rows = generate(path, options.megabytes)
    else:
        with open(path, "rb") as f:
            rows = sum(1 for _ in f) - 1
    size = os.path.getsize(path) / 1e6
    create = f"CREATE VIRTUAL TABLE temp.t USING vsv(filename='{path}', header=yes, columns=5, " \
             "schema='CREATE TABLE x(c0, c1, c2, c3, c4)')"

    ours = sqlink_connection(folder)
    ours.execute(create)
    native = sqlite3.connect(":memory:")
    native.execute("CREATE TABLE t(c0, c1, c2, c3, c4)")
    native.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ours.execute("SELECT * FROM temp.t"))
    native.commit()
    try:
        import sqlean
    except ImportError:
        sys.exit("sqlean.py is not installed (pip install sqlean.py)")
    sqlean.extensions.enable("vsv")
    theirs = sqlean.connect(":memory:")
    theirs.execute(create)

    print(f"{path}: {size:.0f} MB, {rows} rows; SQLite {sqlite3.sqlite_version} (sqlink, native table), "
          f"sqlean.py's {sqlean.sqlite_version}; minimum of 5, thread CPU time\n")
    print(f"{'scan':<14} {'sqlink vsv':>16} {'sqlean vsv':>16} {'native table':>16} {'sqlink/sqlean':>14}")
    for name, sql in QUERIES:
        results = [best_seconds(conn, sql) for conn in (ours, theirs, native)]
        answers = {answer for _, answer in results}
        if len(answers) != 1:
            sys.exit(f"{name}: the three answers differ: {answers}")
        rates = [rows / seconds for seconds, _ in results]
        print(f"{name:<14} " + " ".join(f"{rate / 1e6:>11.2f} Mr/s" for rate in rates) + f" {rates[1] / rates[0]:>13.2f}x")
    if not options.keep:
        os.remove(path)


if __name__ == "__main__":
    main()
