"""Where one extension call's time goes, step by step, on the embedded path (libsqlink in
Python's sqlite3): profiles `SELECT count(CALL) FROM t` over 1,000,000 rows with `perf` and
sorts the samples into the steps of a call (SQLite, the host's glue, entering the guest,
lowering, lifting, the guest's allocator, its generated glue, the function itself).

python bench/call_steps.py "identity(x)" "md5(x)"   (with the sqlink package installed and
perf on PATH; BENCHMARKS.md, "Where a call's time goes", shows a run)
"""

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import sqlink

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = str(ROOT / "target" / "wasm" / "test" / "identity.wasm")
ROWS = 1_000_000

# (step, pattern on "dso symbol"), first match wins; the guest's code is named wasm[N]::...
STEPS = [
    ("kernel", r"^\[kernel|\[k\]"),
    ("guest: allocator (cabi_realloc, malloc, free)", r"wasm\[.*(dlmalloc|dlfree|malloc|free|realloc|rdl_alloc|rust_alloc|rust_dealloc|dispose_chunk|tmalloc)"),
    ("guest: the function itself", r"wasm\[.*(md5|identity|Md5|compress)"),
    ("guest: generated glue and SDK dispatch", r"wasm\["),
    ("wasmtime: lowering arguments", r"wasmtime.*(Lower|lower)"),
    ("wasmtime: lifting results", r"wasmtime.*(Lift|lift)|from_utf8|Utf8Chunks"),
    ("wasmtime: entering and leaving the guest", r"wasmtime|cranelift|trampoline|catch_traps|setjmp|longjmp"),
    ("host: glue (SQLite values, results, locks)", r"sqlink|rusqlite|pthread_mutex"),
    ("host: libc malloc, free, memcpy", r"libc.*(malloc|free|memmove|memcpy|_int_)"),
    ("SQLite (scan and function dispatch)", r"libsqlite3|sqlite3"),
]


def table(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", ((f"row {i}",) for i in range(ROWS)))
    conn.commit()
    conn.close()


def run(db, call):
    """The child perf records: load, warm up, then five scans."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA cache_size = -400000")
    sqlink.load(conn, "md5", IDENTITY)
    conn.execute(f"SELECT count({call}) FROM t").fetchone()
    start = time.perf_counter()
    for _ in range(5):
        conn.execute(f"SELECT count({call}) FROM t").fetchone()
    print(f"{(time.perf_counter() - start) / 5 / ROWS * 1e9:.0f}")


def steps(call, db, out):
    data = os.path.join(out, "perf.data")
    env = dict(os.environ, SQLINK_PERF_MAP="1")
    ns = subprocess.run(["perf", "record", "-F", "4000", "-o", data, sys.executable, __file__, "--child", db, call],
                        env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none"],
                            check=True, capture_output=True, text=True).stdout
    shares = defaultdict(float)
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(.*)", line)
        if m:
            text = f"{m.group(2)} {m.group(3)}"
            step = next((name for name, pattern in STEPS if re.search(pattern, text)), "other (Python, loader)")
            shares[step] += float(m.group(1))
    print(f"\n{call}: {ns} ns per row (under perf), samples by step")
    for step, share in sorted(shares.items(), key=lambda s: -s[1]):
        print(f"  {share:5.1f}%  {step}")


def main():
    if sys.argv[1:2] == ["--child"]:
        run(sys.argv[2], sys.argv[3])
        return
    with tempfile.TemporaryDirectory() as out:
        db = os.path.join(out, "t.db")
        table(db)
        for call in sys.argv[1:] or ["identity(x)", "md5(x)"]:
            steps(call, db, out)


if __name__ == "__main__":
    main()
