"""Path (e) of `cargo xtask bench`: sqlink extensions in stock SQLite (Python's sqlite3 with
libsqlink loaded), beside the same functions written in Python (`create_function`, md5 by
hashlib: what a Python user writes without sqlink) on the same connection, and sqlean's C md5
in the same process when sqlean.py is installed. Each figure is the minimum of 5.

python bench/libsqlink.py [--quick]   (with the sqlink package installed)
"""

import hashlib
import sqlite3
import sys
import time
from pathlib import Path

import sqlink

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = str(ROOT / "target" / "wasm" / "test" / "identity.wasm")
ROWS = 10_000 if "--quick" in sys.argv else 1_000_000


def table(conn):
    conn.execute("CREATE TABLE t(x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", ((f"row {i}",) for i in range(ROWS)))


def ns_per_row(conn, call, repeat=5):
    """The best of `repeat` runs, in this thread's CPU time: on a shared machine, time the
    scheduler gave other processes is not the query's."""
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        conn.execute(f"SELECT count({call}) FROM t").fetchone()
        best = min(best, time.thread_time() - start)
    return best * 1e9 / ROWS


def python_md5(value):
    """md5() as the extension answers it (hex of the UTF-8 text), with hashlib."""
    if value is None:
        return None
    data = value.encode() if isinstance(value, str) else bytes(value)
    return hashlib.md5(data).hexdigest()


def main():
    print(f"(e) stock SQLite {sqlite3.sqlite_version} in Python {sys.version.split()[0]} with libsqlink; "
          f"SELECT count(f(x)) FROM t, {ROWS} rows; ns per row (ratio to the bare scan)\n")
    conn = sqlite3.connect(":memory:")
    sqlink.load(conn, "md5", IDENTITY)
    table(conn)
    scan = ns_per_row(conn, "x")
    print(f"{'x':<28} {scan:>9.1f} ns")
    figures = {}
    for call in ["noop()", "identity(x)", "md5(x)"]:
        ns = figures[call] = ns_per_row(conn, call)
        print(f"{call:<28} {ns:>9.1f} ns ({ns / scan:>5.2f}x)")
    conn.create_function("py_noop", 0, lambda: None)
    conn.create_function("py_identity", 1, lambda x: x, deterministic=True)
    conn.create_function("py_md5", 1, python_md5, deterministic=True)
    print("\nThe same as Python functions (sqlite3's create_function), same connection:")
    for call in ["py_noop()", "py_identity(x)", "py_md5(x)"]:
        ns = figures[call] = ns_per_row(conn, call)
        print(f"{call:<28} {ns:>9.1f} ns ({ns / scan:>5.2f}x)")
    met = figures["md5(x)"] <= figures["py_md5(x)"]
    print(f"\ntarget: libsqlink md5(x) no slower than py_md5(x) (hashlib): "
          f"{figures['md5(x)']:.1f} against {figures['py_md5(x)']:.1f} ns, {'met' if met else 'MISSED'}")
    try:
        import sqlean
    except ImportError:
        print("\nsqlean.py is not installed: no C md5 to compare (cargo xtask bench installs it)")
        return
    sqlean.extensions.enable_all()
    c = sqlean.connect(":memory:")
    table(c)
    c_scan = ns_per_row(c, "x")
    c_md5 = ns_per_row(c, "hex(crypto_md5(x))")
    print(f"\nsqlean.py (SQLite {sqlean.sqlite_version}), same process:")
    print(f"{'x':<28} {c_scan:>9.1f} ns")
    print(f"{'hex(crypto_md5(x))':<28} {c_md5:>9.1f} ns ({c_md5 / c_scan:>5.2f}x)")
    print(f"\nlibsqlink md5(x) over the C md5, scan subtracted: "
          f"{(ns_per_row(conn, 'md5(x)') - scan) / (c_md5 - c_scan):.2f}x")


if __name__ == "__main__":
    main()
